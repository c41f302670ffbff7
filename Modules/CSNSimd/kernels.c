// The AVX2/FMA tier and its load-time selection; see include/CSNSimd.h.
#include "CSNSimd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int sn_simd_tier_state = SN_SIMD_TIER_PORTABLE;
static int sn_simd_best = SN_SIMD_TIER_PORTABLE;

int sn_simd_best_tier(void) { return sn_simd_best; }

void sn_simd_set_tier(int tier) {
  __atomic_store_n(&sn_simd_tier_state, tier, __ATOMIC_RELAXED);
}

#if defined(__x86_64__)
#include <immintrin.h>

// Runs before main (and before any Swift code), so the tier is fixed before
// any thread can read it. SN_SIMD_TIER=portable forces the portable tier for
// the whole process, which is how CI runs the test suite on each tier.
__attribute__((constructor)) static void sn_simd_select_tier(void) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    sn_simd_best = SN_SIMD_TIER_AVX2;
  }
  int tier = sn_simd_best;
  const char *forced = getenv("SN_SIMD_TIER");
  if (forced != NULL && strcmp(forced, "portable") == 0) tier = SN_SIMD_TIER_PORTABLE;
  sn_simd_set_tier(tier);
}

#define SN_AVX2 __attribute__((target("avx2,fma")))

// Float: 8 lanes.
#define T float
#define V __m256
#define W 8
#define SFX f32
#define V_LOAD _mm256_loadu_ps
#define V_STORE _mm256_storeu_ps
#define V_LOADA _mm256_load_ps
#define V_PERM _mm256_permute2f128_ps
#define V_SET1 _mm256_set1_ps
#define V_ZERO _mm256_setzero_ps
#define V_ADD _mm256_add_ps
#define V_SUB _mm256_sub_ps
#define V_MUL _mm256_mul_ps
#define V_FMA _mm256_fmadd_ps
#define V_MIN _mm256_min_ps
#define V_MAX _mm256_max_ps
#define V_OR _mm256_or_ps
#define V_UNORD(a, b) _mm256_cmp_ps(a, b, _CMP_UNORD_Q)
#define V_ANY(m) (_mm256_movemask_ps(m) != 0)
#define V_LT(a, b) _mm256_cmp_ps(a, b, _CMP_LT_OQ)
#define V_GT(a, b) _mm256_cmp_ps(a, b, _CMP_GT_OQ)
#define V_BLEND _mm256_blendv_ps
#define IT int32_t
#define VI __m256i
#define VI_SET1(k) _mm256_set1_epi32((int32_t)(k))
#define VI_IOTA _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)
#define VI_ADD _mm256_add_epi32
#define VI_BLEND(a, b, m) \
  _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), m))
#define VI_STORE(p, v) _mm256_storeu_si256((__m256i *)(p), v)
#define S_FMA fmaf
#define S_NAN NAN
#include "FloatKernels.h"
#undef T
#undef V
#undef W
#undef SFX
#undef V_LOAD
#undef V_STORE
#undef V_LOADA
#undef V_PERM
#undef V_SET1
#undef V_ZERO
#undef V_ADD
#undef V_SUB
#undef V_MUL
#undef V_FMA
#undef V_MIN
#undef V_MAX
#undef V_OR
#undef V_UNORD
#undef V_ANY
#undef V_LT
#undef V_GT
#undef V_BLEND
#undef IT
#undef VI
#undef VI_SET1
#undef VI_IOTA
#undef VI_ADD
#undef VI_BLEND
#undef VI_STORE
#undef S_FMA
#undef S_NAN

// Double: 4 lanes.
#define T double
#define V __m256d
#define W 4
#define SFX f64
#define V_LOAD _mm256_loadu_pd
#define V_STORE _mm256_storeu_pd
#define V_LOADA _mm256_load_pd
#define V_PERM _mm256_permute2f128_pd
#define V_SET1 _mm256_set1_pd
#define V_ZERO _mm256_setzero_pd
#define V_ADD _mm256_add_pd
#define V_SUB _mm256_sub_pd
#define V_MUL _mm256_mul_pd
#define V_FMA _mm256_fmadd_pd
#define V_MIN _mm256_min_pd
#define V_MAX _mm256_max_pd
#define V_OR _mm256_or_pd
#define V_UNORD(a, b) _mm256_cmp_pd(a, b, _CMP_UNORD_Q)
#define V_ANY(m) (_mm256_movemask_pd(m) != 0)
#define V_LT(a, b) _mm256_cmp_pd(a, b, _CMP_LT_OQ)
#define V_GT(a, b) _mm256_cmp_pd(a, b, _CMP_GT_OQ)
#define V_BLEND _mm256_blendv_pd
#define IT int64_t
#define VI __m256i
#define VI_SET1(k) _mm256_set1_epi64x((int64_t)(k))
#define VI_IOTA _mm256_setr_epi64x(0, 1, 2, 3)
#define VI_ADD _mm256_add_epi64
#define VI_BLEND(a, b, m) \
  _mm256_castpd_si256(_mm256_blendv_pd(_mm256_castsi256_pd(a), _mm256_castsi256_pd(b), m))
#define VI_STORE(p, v) _mm256_storeu_si256((__m256i *)(p), v)
#define S_FMA fma
#define S_NAN ((double)NAN)
#include "FloatKernels.h"

// Int32: 8 lanes; the sum widens to 64 bits so it cannot overflow for any
// count below 2^32 elements.
SN_AVX2 int64_t sn_simd_sum_i32(const int32_t *x, size_t n) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i v0 = _mm256_loadu_si256((const __m256i *)(x + i));
    __m256i v1 = _mm256_loadu_si256((const __m256i *)(x + i + 8));
    a0 = _mm256_add_epi64(a0, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v0)));
    a1 = _mm256_add_epi64(a1, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v0, 1)));
    a2 = _mm256_add_epi64(a2, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v1)));
    a3 = _mm256_add_epi64(a3, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v1, 1)));
  }
  int64_t lanes[4];
  _mm256_storeu_si256((__m256i *)lanes,
                      _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3)));
  int64_t s = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  for (; i < n; i++) s += x[i];
  return s;
}

#define SN_I32_EXTREME(NAME, VOP, CMP)                                  \
  SN_AVX2 int32_t NAME(const int32_t *x, size_t n) {                    \
    __m256i m0 = _mm256_set1_epi32(x[0]), m1 = m0, m2 = m0, m3 = m0;    \
    size_t i = 0;                                                       \
    for (; i + 32 <= n; i += 32) {                                      \
      m0 = VOP(m0, _mm256_loadu_si256((const __m256i *)(x + i)));       \
      m1 = VOP(m1, _mm256_loadu_si256((const __m256i *)(x + i + 8)));   \
      m2 = VOP(m2, _mm256_loadu_si256((const __m256i *)(x + i + 16)));  \
      m3 = VOP(m3, _mm256_loadu_si256((const __m256i *)(x + i + 24)));  \
    }                                                                   \
    for (; i + 8 <= n; i += 8)                                          \
      m0 = VOP(m0, _mm256_loadu_si256((const __m256i *)(x + i)));       \
    int32_t lanes[8];                                                   \
    _mm256_storeu_si256((__m256i *)lanes, VOP(VOP(m0, m1), VOP(m2, m3))); \
    int32_t r = lanes[0];                                               \
    for (int k = 1; k < 8; k++)                                         \
      if (lanes[k] CMP r) r = lanes[k];                                 \
    for (; i < n; i++)                                                  \
      if (x[i] CMP r) r = x[i];                                         \
    return r;                                                           \
  }

SN_I32_EXTREME(sn_simd_min_i32, _mm256_min_epi32, <)
SN_I32_EXTREME(sn_simd_max_i32, _mm256_max_epi32, >)

#else
// Not x86-64 (arm64 macOS, aarch64 Linux): the portable Swift tier is the
// only tier, the tier state stays PORTABLE, and these entry points exist only
// so the symbols resolve. Reaching one is a bug in SNSimd's dispatch.
#define SN_UNREACHABLE { abort(); }
void sn_simd_scale_f32(float *y, const float *x, float a, size_t n) SN_UNREACHABLE
void sn_simd_add_f32(float *z, const float *x, const float *y, size_t n) SN_UNREACHABLE
void sn_simd_sub_f32(float *z, const float *x, const float *y, size_t n) SN_UNREACHABLE
void sn_simd_mul_f32(float *z, const float *x, const float *y, size_t n) SN_UNREACHABLE
void sn_simd_axpy_f32(float *y, float a, const float *x, size_t n) SN_UNREACHABLE
void sn_simd_clamp_f32(float *y, const float *x, float lo, float hi, size_t n) SN_UNREACHABLE
float sn_simd_sum_f32(const float *x, size_t n) SN_UNREACHABLE
float sn_simd_dot_f32(const float *x, const float *y, size_t n) SN_UNREACHABLE
float sn_simd_min_f32(const float *x, size_t n) SN_UNREACHABLE
float sn_simd_max_f32(const float *x, size_t n) SN_UNREACHABLE
void sn_simd_scale_f64(double *y, const double *x, double a, size_t n) SN_UNREACHABLE
void sn_simd_add_f64(double *z, const double *x, const double *y, size_t n) SN_UNREACHABLE
void sn_simd_sub_f64(double *z, const double *x, const double *y, size_t n) SN_UNREACHABLE
void sn_simd_mul_f64(double *z, const double *x, const double *y, size_t n) SN_UNREACHABLE
void sn_simd_axpy_f64(double *y, double a, const double *x, size_t n) SN_UNREACHABLE
void sn_simd_clamp_f64(double *y, const double *x, double lo, double hi, size_t n) SN_UNREACHABLE
double sn_simd_sum_f64(const double *x, size_t n) SN_UNREACHABLE
double sn_simd_dot_f64(const double *x, const double *y, size_t n) SN_UNREACHABLE
double sn_simd_min_f64(const double *x, size_t n) SN_UNREACHABLE
double sn_simd_max_f64(const double *x, size_t n) SN_UNREACHABLE
size_t sn_simd_argmin_f32(const float *x, size_t n) SN_UNREACHABLE
size_t sn_simd_argmax_f32(const float *x, size_t n) SN_UNREACHABLE
size_t sn_simd_argmin_f64(const double *x, size_t n) SN_UNREACHABLE
size_t sn_simd_argmax_f64(const double *x, size_t n) SN_UNREACHABLE
int64_t sn_simd_sum_i32(const int32_t *x, size_t n) SN_UNREACHABLE
int32_t sn_simd_min_i32(const int32_t *x, size_t n) SN_UNREACHABLE
int32_t sn_simd_max_i32(const int32_t *x, size_t n) SN_UNREACHABLE
#endif
