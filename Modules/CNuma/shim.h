// CNuma: the system libnuma (numa_available, numa_node_of_cpu, numa_tonode_memory)
// and its syscall wrappers (move_pages, mbind).
#ifndef CNUMA_SHIM_H
#define CNUMA_SHIM_H
#include <numa.h>
#include <numaif.h>
#endif
