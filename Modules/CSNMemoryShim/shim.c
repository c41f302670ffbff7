// Intentionally empty: every CSNMemoryShim function is static inline in the
// header. SwiftPM needs one source file to build a C target.
#include "CSNMemoryShim.h"
