// CJemalloc: the system libjemalloc (Debian's build is unprefixed, so linking
// it replaces malloc/free for the whole process). Function-like macros are not
// imported by Swift, so the flags SNMemory needs are wrapped here.
#ifndef CJEMALLOC_SHIM_H
#define CJEMALLOC_SHIM_H
#include <jemalloc/jemalloc.h>

static inline int csnje_mallocx_arena(unsigned arena) { return MALLOCX_ARENA(arena); }
static inline int csnje_mallocx_tcache_none(void) { return MALLOCX_TCACHE_NONE; }
static inline int csnje_mallocx_lg_align(unsigned lg) { return MALLOCX_LG_ALIGN(lg); }
/* An explicit thread cache made by mallctl("tcache.create"). */
static inline int csnje_mallocx_tcache(unsigned tcache) { return MALLOCX_TCACHE(tcache); }
#endif
