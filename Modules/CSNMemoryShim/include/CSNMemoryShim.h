// CSNMemoryShim: the memory-placement calls SNMemory cannot make from Swift.
//
// `syscall` is variadic (unavailable in Swift), so mbind, move_pages and
// get_mempolicy go through small wrappers; MADV_POPULATE_WRITE and
// MAP_HUGE_2MB are newer than, or missing from, the headers Swift's Glibc
// module sees, so their values are provided here. Everything is
// `static inline` so the compiler can inline it. Not public API: no product
// exposes this module.
#ifndef CSNMEMORYSHIM_H
#define CSNMEMORYSHIM_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#ifdef __linux__
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/// MAP_HUGETLB | MAP_HUGE_2MB (the 2 MiB size class), or 0 where unsupported.
static inline int csnm_map_hugetlb_2mb(void) {
#ifdef __linux__
  return MAP_HUGETLB | (21 << 26); /* MAP_HUGE_SHIFT = 26, log2(2 MiB) = 21 */
#else
  return 0;
#endif
}

/// MADV_POPULATE_WRITE (Linux 5.14+), or -1 where unknown.
static inline int csnm_madv_populate_write(void) {
#ifdef __linux__
  return 23;
#else
  return -1;
#endif
}

/// mbind(addr, len, MPOL_BIND, {node}, maxnode, MPOL_MF_MOVE) via syscall.
/// Returns 0 or an errno (ENOSYS off Linux).
static inline int csnm_bind_to_node(void *addr, unsigned long len, int node) {
#ifdef __linux__
  if (node < 0 || node >= 1024) return EINVAL;
  unsigned long mask[1024 / (8 * sizeof(unsigned long))] = {0};
  mask[node / (8 * sizeof(unsigned long))] |= 1UL << (node % (8 * sizeof(unsigned long)));
  long r = syscall(SYS_mbind, addr, len, 2 /* MPOL_BIND */, mask, 1024UL + 1,
                   2 /* MPOL_MF_MOVE */);
  return r == 0 ? 0 : errno;
#else
  (void)addr; (void)len; (void)node;
  return ENOSYS;
#endif
}

/// The NUMA node holding the page at `addr` (move_pages with no target
/// nodes only queries). Returns the node (>= 0) or -errno; -EFAULT or
/// -ENOENT when the page is not yet faulted in.
static inline int csnm_node_of_page(void *addr) {
#ifdef __linux__
  void *pages[1] = {addr};
  int status[1] = {-1};
  long r = syscall(SYS_move_pages, 0, 1UL, pages, (const int *)0, status, 0);
  if (r != 0) return -errno;
  return status[0];
#else
  (void)addr;
  return -ENOSYS;
#endif
}

#endif
