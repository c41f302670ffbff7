// CSNSimd: the AVX2/FMA tier of SNSimd's batch kernels.
//
// Swift has no per-function target attribute, so code that must use 256-bit
// registers on a package built for the baseline x86-64 target lives here, in
// C, marked `__attribute__((target("avx2,fma")))`. A load-time constructor
// asks the CPU (`__builtin_cpu_supports`) once and records the tier; SNSimd
// reads it with one relaxed load per call and never calls an AVX2 kernel on a
// CPU without AVX2 and FMA. No unsafe build flags are involved.
//
// Every kernel takes a count `n >= 1` and non-null pointers; SNSimd checks
// lengths and empty inputs before calling. Outputs may be the same buffer as
// an input (exact in-place), never a partial overlap.
// Not public API: no product exposes this module.
#ifndef CSNSIMD_H
#define CSNSIMD_H

#include <stddef.h>
#include <stdint.h>

/// Tier numbers shared with Swift's `Batch.Tier`.
#define SN_SIMD_TIER_PORTABLE 0
#define SN_SIMD_TIER_AVX2 1

/// The tier in use; written by the constructor and by `sn_simd_set_tier`.
extern int sn_simd_tier_state;

/// The widest tier this CPU supports (fixed at load time).
int sn_simd_best_tier(void);

/// Selects a tier; the caller has checked it is not above the best tier.
void sn_simd_set_tier(int tier);

/// The tier in use, read with a relaxed atomic load (a plain `mov`).
static inline int sn_simd_tier(void) {
  return __atomic_load_n(&sn_simd_tier_state, __ATOMIC_RELAXED);
}

// MARK: Float (8 lanes) and Double (4 lanes)

void sn_simd_scale_f32(float *y, const float *x, float a, size_t n);
void sn_simd_add_f32(float *z, const float *x, const float *y, size_t n);
void sn_simd_sub_f32(float *z, const float *x, const float *y, size_t n);
void sn_simd_mul_f32(float *z, const float *x, const float *y, size_t n);
void sn_simd_axpy_f32(float *y, float a, const float *x, size_t n);
void sn_simd_clamp_f32(float *y, const float *x, float lo, float hi, size_t n);
float sn_simd_sum_f32(const float *x, size_t n);
float sn_simd_dot_f32(const float *x, const float *y, size_t n);
float sn_simd_min_f32(const float *x, size_t n);
float sn_simd_max_f32(const float *x, size_t n);
/// Index of the first smallest (largest) element, or of the first NaN.
size_t sn_simd_argmin_f32(const float *x, size_t n);
size_t sn_simd_argmax_f32(const float *x, size_t n);

void sn_simd_scale_f64(double *y, const double *x, double a, size_t n);
void sn_simd_add_f64(double *z, const double *x, const double *y, size_t n);
void sn_simd_sub_f64(double *z, const double *x, const double *y, size_t n);
void sn_simd_mul_f64(double *z, const double *x, const double *y, size_t n);
void sn_simd_axpy_f64(double *y, double a, const double *x, size_t n);
void sn_simd_clamp_f64(double *y, const double *x, double lo, double hi, size_t n);
double sn_simd_sum_f64(const double *x, size_t n);
double sn_simd_dot_f64(const double *x, const double *y, size_t n);
double sn_simd_min_f64(const double *x, size_t n);
double sn_simd_max_f64(const double *x, size_t n);
size_t sn_simd_argmin_f64(const double *x, size_t n);
size_t sn_simd_argmax_f64(const double *x, size_t n);

// MARK: Int32 (8 lanes)

int64_t sn_simd_sum_i32(const int32_t *x, size_t n);
int32_t sn_simd_min_i32(const int32_t *x, size_t n);
int32_t sn_simd_max_i32(const int32_t *x, size_t n);

#endif
