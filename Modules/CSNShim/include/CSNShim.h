// CSNShim: the few OS and CPU calls that Swift cannot make directly.
//
// `syscall` is variadic (unavailable in Swift), `CPU_SET` is a macro, and
// `pthread_setaffinity_np`, `gettid` and `sched_getcpu` need _GNU_SOURCE.
// Everything here is `static inline` so the Swift compiler can inline it.
// Not public API: no product exposes this module.
#ifndef CSNSHIM_H
#define CSNSHIM_H

#ifdef __linux__
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#else
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#endif
#ifdef __APPLE__
// Darwin's address-wait primitive, the one libc++ uses for std::atomic::wait.
extern int __ulock_wait(uint32_t operation, void *addr, uint64_t value, uint32_t timeout_us);
extern int __ulock_wake(uint32_t operation, void *addr, uint64_t wake_value);
#define CSN_UL_COMPARE_AND_WAIT 1
#define CSN_ULF_WAKE_ALL 0x00000100
#endif
#include <stdint.h>
#include <pthread.h>

/// Yields the processor to another runnable thread.
static inline void csn_yield(void) { sched_yield(); }

/// CPU hint for spin-wait loops (`pause` on x86, `yield` on arm64).
static inline void csn_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#endif
}

/// A compiler-only barrier: stops the compiler from moving memory accesses
/// across it, emits no instruction. The fast half of an asymmetric fence.
static inline void csn_compiler_barrier(void) {
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/// A compiler-only barrier for one store-load pair: the store to `*stored`
/// (issued before the call) cannot move after the load from `*loaded` (issued
/// after it). Unlike `csn_compiler_barrier`, every other memory location may
/// stay in registers across it, so a hot loop keeps its indices in registers.
/// Emits no instruction.
static inline void csn_compiler_order(const void *stored, void *loaded) {
  __asm__ __volatile__("" : "+m"(*(long *)loaded) : "m"(*(const long *)stored));
}

/// A barrier for Swift's reference-counting optimizer, not for memory: an
/// opaque call (an empty `asm volatile` with a memory clobber; it emits no
/// instruction), which the optimizer must assume may release any object.
/// So a retain issued before it stays before it. Without it, the optimizer
/// sank the retain of an element copied into a channel's slot below the
/// atomic store that publishes the slot: the receiver could take and free
/// the element before that retain ran. See `_referenceBarrier(for:)`.
static inline void csn_reference_barrier(void) {
  __asm__ __volatile__("" ::: "memory");
}

/// A full hardware fence (`mfence` on x86).
static inline void csn_full_fence(void) {
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}


/// Sleeps while `*addr == expected` (futex on Linux, __ulock on Darwin). `timeout_ns < 0` waits forever.
/// Returns 0 when woken, or an errno: EAGAIN (value differed), ETIMEDOUT, EINTR.
static inline int csn_futex_wait(uint32_t *addr, uint32_t expected, int64_t timeout_ns) {
#ifdef __linux__
  struct timespec ts, *tp = 0;
  if (timeout_ns >= 0) {
    ts.tv_sec = (time_t)(timeout_ns / 1000000000);
    ts.tv_nsec = (long)(timeout_ns % 1000000000);
    tp = &ts;
  }
  long r = syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, expected, tp, 0, 0);
  return r == 0 ? 0 : errno;
#elif defined(__APPLE__)
  uint32_t us = 0;
  if (timeout_ns >= 0) {
    int64_t t = timeout_ns / 1000;
    us = t < 1 ? 1 : (t > 0xFFFFFFFFll ? 0xFFFFFFFFu : (uint32_t)t);
  }
  int r = __ulock_wait(CSN_UL_COMPARE_AND_WAIT, addr, expected, us);
  return r >= 0 ? 0 : errno;
#else
  (void)addr; (void)expected; (void)timeout_ns;
  return ENOSYS;
#endif
}

/// Wakes up to `count` threads sleeping on `addr`; returns how many woke.
static inline int csn_futex_wake(uint32_t *addr, int count) {
#ifdef __linux__
  return (int)syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, count, 0, 0, 0);
#elif defined(__APPLE__)
  return __ulock_wake(CSN_UL_COMPARE_AND_WAIT | (count > 1 ? CSN_ULF_WAKE_ALL : 0), addr, 0) == 0;
#else
  (void)addr; (void)count;
  return 0;
#endif
}

/// Registers the process for expedited private membarrier.
/// Returns 0 on success, an errno otherwise (then use full fences instead).
static inline int csn_membarrier_register(void) {
#ifdef __linux__
  long r = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
  return r == 0 ? 0 : errno;
#else
  return ENOSYS;
#endif
}

/// Issues a full memory barrier on every running thread of this process
/// (the heavy half of an asymmetric fence). Returns 0 or an errno.
static inline int csn_membarrier(void) {
#ifdef __linux__
  long r = syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
  return r == 0 ? 0 : errno;
#else
  return ENOSYS;
#endif
}

/// The kernel thread id of the caller (Linux), or 0.
static inline int64_t csn_gettid(void) {
#ifdef __linux__
  return (int64_t)syscall(SYS_gettid);
#else
  uint64_t tid = 0;
  pthread_threadid_np(0, &tid);
  return (int64_t)tid;
#endif
}

/// The CPU the caller runs on now, or -1 where unknown.
static inline int csn_current_cpu(void) {
#ifdef __linux__
  return sched_getcpu();
#else
  return -1;
#endif
}

/// Pins the calling thread to one CPU. Returns 0 or an errno (EINVAL when the
/// CPU is outside the allowed set, EPERM where not permitted, ENOSYS on macOS).
static inline int csn_pin_current_thread(int cpu) {
#ifdef __linux__
  if (cpu < 0 || cpu >= CPU_SETSIZE) return EINVAL;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
#else
  (void)cpu;
  return ENOSYS;
#endif
}

/// Writes the CPUs this process may run on (sched_getaffinity, so container
/// cpusets are respected) into `out`, at most `capacity` of them, ascending.
/// Returns how many there are (may exceed `capacity`), or -errno.
static inline int csn_allowed_cpus(int32_t *out, int capacity) {
#ifdef __linux__
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return -errno;
  int n = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
    if (CPU_ISSET(cpu, &set)) {
      if (n < capacity) out[n] = cpu;
      n++;
    }
  }
  return n;
#else
  long count = sysconf(_SC_NPROCESSORS_ONLN);
  int n = 0;
  for (int cpu = 0; cpu < count; cpu++) {
    if (n < capacity) out[n] = cpu;
    n++;
  }
  return n;
#endif
}

/// The L1 data cache line size reported by the OS, or 0 where unknown.
static inline long csn_l1_line_size(void) {
#ifdef _SC_LEVEL1_DCACHE_LINESIZE
  long r = sysconf(_SC_LEVEL1_DCACHE_LINESIZE);
  return r > 0 ? r : 0;
#else
  return 0;
#endif
}

/// Monotonic clock in nanoseconds.
static inline uint64_t csn_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
