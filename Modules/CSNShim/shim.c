// Intentionally empty: every CSNShim function is static inline in the header.
// SwiftPM needs one source file to build a C target.
#include "CSNShim.h"
