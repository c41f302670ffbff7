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

// Element-wise kernels first run `head` scalar steps so that the output
// stream is 32-byte aligned. A 256-bit store that crosses a cache line costs
// two store slots; with malloc's 16-byte alignment every other store crosses
// one, which capped axpy at ~200 GB/s in L1 instead of ~310 (measured,
// DocC "Where axpy's bound is"). Loads stay unaligned: a load that crosses a
// line is cheaper than a store that does. Short inputs skip the peel, where
// up to W - 1 scalar steps would cost more than they save.
#define SN_HEAD(out, n)                                                    \
  size_t head = (n) >= 8 * W ? ((0u - (uintptr_t)(out)) & 31) / sizeof(T) : 0

SN_AVX2 void SN_NAME(sn_simd_scale_, SFX)(T *y, const T *x, T a, size_t n) {
  const V va = V_SET1(a);
  SN_HEAD(y, n);
  size_t i = 0;
  for (; i < head; i++) y[i] = x[i] * a;
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
    SN_HEAD(z, n);                                                          \
    size_t i = 0;                                                           \
    for (; i < head; i++) z[i] = x[i] SOP y[i];                             \
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
//
// Two loads and a store per vector: the store stream is aligned by the peel,
// and after it malloc's 16-byte alignment leaves x either 32-byte aligned
// too or exactly 16 bytes off. In the second case every other 256-bit load
// of x crosses a cache line and takes two of the L1's two load slots per
// cycle, which capped axpy at ~250 GB/s in L1 (measured). So for that case x
// is read with aligned loads and each vector is assembled from the upper
// half of one and the lower half of the next (one lane permute), keeping
// both load slots for real work (~310 GB/s in the same standalone test).
#define SN_AXPY_BLOCK(X0, X1, X2, X3)                  \
  {                                                    \
    V y0 = V_LOAD(y + i), y1 = V_LOAD(y + i + W);      \
    V y2 = V_LOAD(y + i + 2 * W), y3 = V_LOAD(y + i + 3 * W); \
    V_STORE(y + i, V_FMA(X0, va, y0));                 \
    V_STORE(y + i + W, V_FMA(X1, va, y1));             \
    V_STORE(y + i + 2 * W, V_FMA(X2, va, y2));         \
    V_STORE(y + i + 3 * W, V_FMA(X3, va, y3));         \
  }
SN_AVX2 void SN_NAME(sn_simd_axpy_, SFX)(T *y, T a, const T *x, size_t n) {
  const V va = V_SET1(a);
  const size_t half = W / 2;  // elements in 16 bytes
  SN_HEAD(y, n);
  size_t i = 0;
  for (; i < head; i++) y[i] = S_FMA(a, x[i], y[i]);
  if (n >= 8 * W && ((uintptr_t)(y + i) & 31) == 0 && ((uintptr_t)(x + i) & 31) == 16) {
    if (i < half && i + 4 * W <= n) {
      SN_AXPY_BLOCK(V_LOAD(x + i), V_LOAD(x + i + W), V_LOAD(x + i + 2 * W), V_LOAD(x + i + 3 * W));
      i += 4 * W;
    }
    if (i >= half) {
      V p = V_LOADA(x + i - half);  // 32-byte aligned, inside the buffer
      for (; i + 4 * W + half <= n; i += 4 * W) {
        V b0 = V_LOADA(x + i + half), b1 = V_LOADA(x + i + half + W);
        V b2 = V_LOADA(x + i + half + 2 * W), b3 = V_LOADA(x + i + half + 3 * W);
        SN_AXPY_BLOCK(V_PERM(p, b0, 0x21), V_PERM(b0, b1, 0x21), V_PERM(b1, b2, 0x21),
                      V_PERM(b2, b3, 0x21));
        p = b3;
      }
    }
  }
  for (; i + 4 * W <= n; i += 4 * W)
    SN_AXPY_BLOCK(V_LOAD(x + i), V_LOAD(x + i + W), V_LOAD(x + i + 2 * W), V_LOAD(x + i + 3 * W));
  for (; i + W <= n; i += W) V_STORE(y + i, V_FMA(V_LOAD(x + i), va, V_LOAD(y + i)));
  for (; i < n; i++) y[i] = S_FMA(a, x[i], y[i]);
}
#undef SN_AXPY_BLOCK

// min/max instructions return their second operand when either is NaN, so
// `max(lo, v)` then `min(hi, t)` keeps a NaN element as NaN.
SN_AVX2 void SN_NAME(sn_simd_clamp_, SFX)(T *y, const T *x, T lo, T hi, size_t n) {
  const V vlo = V_SET1(lo), vhi = V_SET1(hi);
  SN_HEAD(y, n);
  size_t i = 0;
  for (; i < head; i++) {
    T v = x[i];
    y[i] = v < lo ? lo : (v > hi ? hi : v);
  }
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
// argmin/argmax: each lane keeps its best value and that value's index
// (strict comparison keeps the first occurrence within a lane); four
// independent sets hide the compare-and-blend latency. The 4 * W candidates
// are merged preferring the better value, then the lower index. NaNs never
// win a comparison, so they are collected in a mask as in min/max, and the
// answer is then the first NaN. Index lanes are IT wide, so the kernel runs
// on chunks of at most SN_ARG_CHUNK elements and merges the chunks.
#define SN_ARG_CHUNK ((size_t)1 << 30)
#define SN_ARG_EXTREME(NAME, CMPV, CMP)                                         \
  SN_AVX2 static size_t SN_NAME(NAME##chunk_, SFX)(const T *x, size_t n) {      \
    size_t i = 0, best = 0;                                                     \
    if (n >= W) {                                                               \
      const VI cw = VI_SET1(W);                                                 \
      V m0 = V_LOAD(x), m1 = m0, m2 = m0, m3 = m0;                              \
      VI i0 = VI_IOTA, i1 = i0, i2 = i0, i3 = i0;                               \
      VI c = VI_ADD(i0, cw);                                                    \
      V bad = V_UNORD(m0, m0);                                                  \
      for (i = W; i + 4 * W <= n; i += 4 * W) {                                 \
        V v0 = V_LOAD(x + i), v1 = V_LOAD(x + i + W);                           \
        V v2 = V_LOAD(x + i + 2 * W), v3 = V_LOAD(x + i + 3 * W);               \
        VI c1 = VI_ADD(c, cw), c2 = VI_ADD(c1, cw), c3 = VI_ADD(c2, cw);        \
        bad = V_OR(bad, V_OR(V_UNORD(v0, v1), V_UNORD(v2, v3)));                \
        V w0 = CMPV(v0, m0), w1 = CMPV(v1, m1);                                 \
        V w2 = CMPV(v2, m2), w3 = CMPV(v3, m3);                                 \
        m0 = V_BLEND(m0, v0, w0);                                               \
        m1 = V_BLEND(m1, v1, w1);                                               \
        m2 = V_BLEND(m2, v2, w2);                                               \
        m3 = V_BLEND(m3, v3, w3);                                               \
        i0 = VI_BLEND(i0, c, w0);                                               \
        i1 = VI_BLEND(i1, c1, w1);                                              \
        i2 = VI_BLEND(i2, c2, w2);                                              \
        i3 = VI_BLEND(i3, c3, w3);                                              \
        c = VI_ADD(c3, cw);                                                     \
      }                                                                         \
      for (; i + W <= n; i += W) {                                              \
        V v = V_LOAD(x + i);                                                    \
        bad = V_OR(bad, V_UNORD(v, v));                                         \
        V w = CMPV(v, m0);                                                      \
        m0 = V_BLEND(m0, v, w);                                                 \
        i0 = VI_BLEND(i0, c, w);                                                \
        c = VI_ADD(c, cw);                                                      \
      }                                                                         \
      if (V_ANY(bad)) {                                                         \
        size_t k = 0;                                                           \
        while (x[k] == x[k]) k++;                                               \
        return k;                                                               \
      }                                                                         \
      T vals[4 * W];                                                            \
      IT idx[4 * W];                                                            \
      V_STORE(vals, m0);                                                        \
      V_STORE(vals + W, m1);                                                    \
      V_STORE(vals + 2 * W, m2);                                                \
      V_STORE(vals + 3 * W, m3);                                                \
      VI_STORE(idx, i0);                                                        \
      VI_STORE(idx + W, i1);                                                    \
      VI_STORE(idx + 2 * W, i2);                                                \
      VI_STORE(idx + 3 * W, i3);                                                \
      T r = vals[0];                                                            \
      best = (size_t)idx[0];                                                    \
      for (int k = 1; k < 4 * W; k++) {                                         \
        if (vals[k] CMP r || (vals[k] == r && (size_t)idx[k] < best)) {         \
          r = vals[k];                                                          \
          best = (size_t)idx[k];                                                \
        }                                                                       \
      }                                                                         \
    } else {                                                                    \
      if (x[0] != x[0]) return 0;                                               \
      i = 1;                                                                    \
    }                                                                           \
    for (; i < n; i++) {                                                        \
      if (x[i] != x[i]) return i;                                               \
      if (x[i] CMP x[best]) best = i;                                           \
    }                                                                           \
    return best;                                                                \
  }                                                                             \
  SN_AVX2 size_t SN_NAME(NAME, SFX)(const T *x, size_t n) {                     \
    size_t first = n < SN_ARG_CHUNK ? n : SN_ARG_CHUNK;                         \
    size_t best = SN_NAME(NAME##chunk_, SFX)(x, first);                         \
    for (size_t off = first; off < n && x[best] == x[best]; off += SN_ARG_CHUNK) { \
      size_t len = n - off < SN_ARG_CHUNK ? n - off : SN_ARG_CHUNK;             \
      size_t j = off + SN_NAME(NAME##chunk_, SFX)(x + off, len);                \
      if (x[j] != x[j] || x[j] CMP x[best]) best = j;                           \
    }                                                                           \
    return best;                                                                \
  }

SN_ARG_EXTREME(sn_simd_argmin_, V_LT, <)
SN_ARG_EXTREME(sn_simd_argmax_, V_GT, >)
#undef SN_ARG_EXTREME
#undef SN_ARG_CHUNK
#undef SN_HEAD
#undef SN_NAME
#undef SN_NAME2
