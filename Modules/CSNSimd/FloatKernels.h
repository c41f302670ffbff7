// The AVX2/FMA kernels for one floating-point type, written once and
// included twice by kernels.c (Float with 8 lanes, Double with 4). No
// include guard on purpose. Before including, kernels.c defines:
//   T (scalar), V (vector), W (lanes), SFX (name suffix) and the V_* ops.
//
// Loops are unrolled by four vectors: four independent accumulators hide the
// 3-4 cycle latency of a vector add, which is what keeps a reduction at load
// bandwidth instead of at one add per latency. Tails (n % W) run scalar.

#define SN_NAME2(a, b) a##b
#define SN_NAME(a, b) SN_NAME2(a, b)

SN_AVX2 void SN_NAME(sn_simd_scale_, SFX)(T *y, const T *x, T a, size_t n) {
  const V va = V_SET1(a);
  size_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    V v0 = V_LOAD(x + i), v1 = V_LOAD(x + i + W);
    V v2 = V_LOAD(x + i + 2 * W), v3 = V_LOAD(x + i + 3 * W);
    V_STORE(y + i, V_MUL(v0, va));
    V_STORE(y + i + W, V_MUL(v1, va));
    V_STORE(y + i + 2 * W, V_MUL(v2, va));
    V_STORE(y + i + 3 * W, V_MUL(v3, va));
  }
  for (; i + W <= n; i += W) V_STORE(y + i, V_MUL(V_LOAD(x + i), va));
  for (; i < n; i++) y[i] = x[i] * a;
}

#define SN_BINARY(NAME, VOP, SOP)                                          \
  SN_AVX2 void SN_NAME(NAME, SFX)(T *z, const T *x, const T *y, size_t n) { \
    size_t i = 0;                                                           \
    for (; i + 4 * W <= n; i += 4 * W) {                                    \
      V a0 = V_LOAD(x + i), a1 = V_LOAD(x + i + W);                         \
      V a2 = V_LOAD(x + i + 2 * W), a3 = V_LOAD(x + i + 3 * W);             \
      V b0 = V_LOAD(y + i), b1 = V_LOAD(y + i + W);                         \
      V b2 = V_LOAD(y + i + 2 * W), b3 = V_LOAD(y + i + 3 * W);             \
      V_STORE(z + i, VOP(a0, b0));                                          \
      V_STORE(z + i + W, VOP(a1, b1));                                      \
      V_STORE(z + i + 2 * W, VOP(a2, b2));                                  \
      V_STORE(z + i + 3 * W, VOP(a3, b3));                                  \
    }                                                                       \
    for (; i + W <= n; i += W) V_STORE(z + i, VOP(V_LOAD(x + i), V_LOAD(y + i))); \
    for (; i < n; i++) z[i] = x[i] SOP y[i];                                \
  }

SN_BINARY(sn_simd_add_, V_ADD, +)
SN_BINARY(sn_simd_sub_, V_SUB, -)
SN_BINARY(sn_simd_mul_, V_MUL, *)
#undef SN_BINARY

// y = a * x + y, fused (one rounding) in the vector body and in the tail.
SN_AVX2 void SN_NAME(sn_simd_axpy_, SFX)(T *y, T a, const T *x, size_t n) {
  const V va = V_SET1(a);
  size_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    V x0 = V_LOAD(x + i), x1 = V_LOAD(x + i + W);
    V x2 = V_LOAD(x + i + 2 * W), x3 = V_LOAD(x + i + 3 * W);
    V y0 = V_LOAD(y + i), y1 = V_LOAD(y + i + W);
    V y2 = V_LOAD(y + i + 2 * W), y3 = V_LOAD(y + i + 3 * W);
    V_STORE(y + i, V_FMA(x0, va, y0));
    V_STORE(y + i + W, V_FMA(x1, va, y1));
    V_STORE(y + i + 2 * W, V_FMA(x2, va, y2));
    V_STORE(y + i + 3 * W, V_FMA(x3, va, y3));
  }
  for (; i + W <= n; i += W) V_STORE(y + i, V_FMA(V_LOAD(x + i), va, V_LOAD(y + i)));
  for (; i < n; i++) y[i] = S_FMA(a, x[i], y[i]);
}

// min/max instructions return their second operand when either is NaN, so
// `max(lo, v)` then `min(hi, t)` keeps a NaN element as NaN.
SN_AVX2 void SN_NAME(sn_simd_clamp_, SFX)(T *y, const T *x, T lo, T hi, size_t n) {
  const V vlo = V_SET1(lo), vhi = V_SET1(hi);
  size_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    V v0 = V_LOAD(x + i), v1 = V_LOAD(x + i + W);
    V_STORE(y + i, V_MIN(vhi, V_MAX(vlo, v0)));
    V_STORE(y + i + W, V_MIN(vhi, V_MAX(vlo, v1)));
  }
  for (; i + W <= n; i += W) V_STORE(y + i, V_MIN(vhi, V_MAX(vlo, V_LOAD(x + i))));
  for (; i < n; i++) {
    T v = x[i];
    y[i] = v < lo ? lo : (v > hi ? hi : v);
  }
}

SN_AVX2 static T SN_NAME(sn_hsum_, SFX)(V v) {
  T lanes[W];
  V_STORE(lanes, v);
  T s = 0;
  for (int k = 0; k < W; k++) s += lanes[k];
  return s;
}

SN_AVX2 T SN_NAME(sn_simd_sum_, SFX)(const T *x, size_t n) {
  V a0 = V_ZERO(), a1 = V_ZERO(), a2 = V_ZERO(), a3 = V_ZERO();
  size_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    a0 = V_ADD(a0, V_LOAD(x + i));
    a1 = V_ADD(a1, V_LOAD(x + i + W));
    a2 = V_ADD(a2, V_LOAD(x + i + 2 * W));
    a3 = V_ADD(a3, V_LOAD(x + i + 3 * W));
  }
  for (; i + W <= n; i += W) a0 = V_ADD(a0, V_LOAD(x + i));
  T s = SN_NAME(sn_hsum_, SFX)(V_ADD(V_ADD(a0, a1), V_ADD(a2, a3)));
  for (; i < n; i++) s += x[i];
  return s;
}

SN_AVX2 T SN_NAME(sn_simd_dot_, SFX)(const T *x, const T *y, size_t n) {
  V a0 = V_ZERO(), a1 = V_ZERO(), a2 = V_ZERO(), a3 = V_ZERO();
  size_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    a0 = V_FMA(V_LOAD(x + i), V_LOAD(y + i), a0);
    a1 = V_FMA(V_LOAD(x + i + W), V_LOAD(y + i + W), a1);
    a2 = V_FMA(V_LOAD(x + i + 2 * W), V_LOAD(y + i + 2 * W), a2);
    a3 = V_FMA(V_LOAD(x + i + 3 * W), V_LOAD(y + i + 3 * W), a3);
  }
  for (; i + W <= n; i += W) a0 = V_FMA(V_LOAD(x + i), V_LOAD(y + i), a0);
  T s = SN_NAME(sn_hsum_, SFX)(V_ADD(V_ADD(a0, a1), V_ADD(a2, a3)));
  for (; i < n; i++) s = S_FMA(x[i], y[i], s);
  return s;
}

// NaN-propagating min/max (IEEE 754-2019 minimum/maximum): `V_MIN(v, m)`
// returns m when v is NaN, so NaNs are skipped by the running extreme and
// collected separately in an unordered-compare mask; any NaN makes the
// result NaN. The caller guarantees n >= 1.
#define SN_EXTREME(NAME, VOP, CMP)                                     \
  SN_AVX2 T SN_NAME(NAME, SFX)(const T *x, size_t n) {                  \
    V m0 = V_SET1(x[0]), m1 = m0, m2 = m0, m3 = m0;                     \
    V bad = V_ZERO();                                                   \
    size_t i = 0;                                                       \
    for (; i + 4 * W <= n; i += 4 * W) {                                \
      V v0 = V_LOAD(x + i), v1 = V_LOAD(x + i + W);                     \
      V v2 = V_LOAD(x + i + 2 * W), v3 = V_LOAD(x + i + 3 * W);         \
      bad = V_OR(bad, V_OR(V_UNORD(v0, v1), V_UNORD(v2, v3)));          \
      m0 = VOP(v0, m0);                                                 \
      m1 = VOP(v1, m1);                                                 \
      m2 = VOP(v2, m2);                                                 \
      m3 = VOP(v3, m3);                                                 \
    }                                                                   \
    for (; i + W <= n; i += W) {                                        \
      V v = V_LOAD(x + i);                                              \
      bad = V_OR(bad, V_UNORD(v, v));                                   \
      m0 = VOP(v, m0);                                                  \
    }                                                                   \
    if (V_ANY(bad)) return S_NAN;                                       \
    T lanes[W];                                                         \
    V_STORE(lanes, VOP(VOP(m0, m1), VOP(m2, m3)));                      \
    T r = lanes[0];                                                     \
    for (int k = 1; k < W; k++)                                         \
      if (lanes[k] CMP r) r = lanes[k];                                 \
    for (; i < n; i++) {                                                \
      if (x[i] != x[i]) return S_NAN;                                   \
      if (x[i] CMP r) r = x[i];                                         \
    }                                                                   \
    return r;                                                           \
  }

SN_EXTREME(sn_simd_min_, V_MIN, <)
SN_EXTREME(sn_simd_max_, V_MAX, >)
#undef SN_EXTREME
#undef SN_NAME
#undef SN_NAME2
