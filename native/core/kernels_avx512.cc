// The own kernels for AVX-512F (32 zmm registers of 16 floats):
// kernel_isa.inc compiled for this target under a `target` pragma (the rest of the addon stays
// baseline x86-64), and its table (kernel_table.h). Compiles to nothing off x86-64 or with MSVC.
#include "kernel_table.h"

#if BN_KERNELS
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's _mm512_reduce_add_ps starts from _mm256_undefined_pd(), which -Wuninitialized flags.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstdint>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f")
#endif
namespace bn_avx512 {

using V = __m512;
constexpr int VL = 16;
constexpr int MR_B = 8, NV_B = 3;  // 24 accumulators of 32 zmm registers
constexpr int MR_D = 4, NR_D = 4;  // 16 accumulators + 4 of B + 1 of A
constexpr int MR_D_ALT = 5;  // for m = 10 and other multiples of 5 that 4 leaves a remainder of

inline __mmask16 lanes_below(int n) {
  return static_cast<__mmask16>((1u << n) - 1u);
}
inline V vzero() {
  return _mm512_setzero_ps();
}
inline V vset1(float x) {
  return _mm512_set1_ps(x);
}
inline V vload(const float* p) {
  return _mm512_loadu_ps(p);
}
inline V vloadn(const float* p, int n) {
  return _mm512_maskz_loadu_ps(lanes_below(n), p);
}
inline void vstore(float* p, V v) {
  _mm512_storeu_ps(p, v);
}
inline void vstoren(float* p, V v, int n) {
  _mm512_mask_storeu_ps(p, lanes_below(n), v);
}
inline V vfmadd(V a, V b, V c) {
  return _mm512_fmadd_ps(a, b, c);
}
inline V vmul(V a, V b) {
  return _mm512_mul_ps(a, b);
}
inline float vhsum(V v) {
  return _mm512_reduce_add_ps(v);
}
inline V vcvt_u8(const uint8_t* p) {
  return _mm512_cvtepi32_ps(
      _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
}
inline V vmax(V a, V b) {
  return _mm512_max_ps(a, b);
}
inline V vadd(V a, V b) {
  return _mm512_add_ps(a, b);
}
inline V vsub(V a, V b) {
  return _mm512_sub_ps(a, b);
}
inline V vdiv(V a, V b) {
  return _mm512_div_ps(a, b);
}
inline V vsqrt(V a) {
  return _mm512_sqrt_ps(a);
}

// ---- subnormal moments (see kernel_isa.inc's vmul_moment): on bits, so that no floating-point
// operation sees a subnormal

// The lanes where a has exponent bits 0: subnormal, or zero.
inline __mmask16 tiny_lanes(V a) {
  return _mm512_testn_epi32_mask(_mm512_castps_si512(a), _mm512_set1_epi32(0x7f800000));
}
inline bool vany_tiny(V a) {
  return tiny_lanes(a) != 0;
}
// The lanes where a is subnormal: exponent bits 0, fraction not.
inline __mmask16 subnormal_lanes(V a) {
  return _mm512_mask_test_epi32_mask(tiny_lanes(a), _mm512_castps_si512(a),
                                     _mm512_set1_epi32(0x007fffff));
}
// k · a rounded to float, for 0 <= k < 1: the subnormal lanes from their integer fraction f
// (a = ±f·2^-149) as f·k + 2^23 in one fused multiply-add, which rounds f·k to an integer, ties to
// even, as the subnormal product rounds (to a multiple of 2^-149); that float, in [2^23, 2^24),
// holds the integer in its fraction bits. The other lanes by the float product, with the subnormal
// lanes set to 0.
inline V vmul_subnormal(V a, float k) {
  const __mmask16 sub = subnormal_lanes(a);
  V normal = vmul(vset1(k), _mm512_mask_mov_ps(a, sub, _mm512_setzero_ps()));
  __asm__("" : "+v"(normal));  // a product alone, never contracted with the add after it
  const __m512i bits = _mm512_castps_si512(a);
  const V f = _mm512_cvtepi32_ps(_mm512_and_si512(bits, _mm512_set1_epi32(0x007fffff)));
  const __m512i r = _mm512_castps_si512(vfmadd(vset1(k), f, vset1(0x1p23f)));
  const __m512i j = _mm512_sub_epi32(r, _mm512_castps_si512(vset1(0x1p23f)));
  const __m512i sign = _mm512_and_si512(bits, _mm512_set1_epi32(static_cast<int>(0x80000000u)));
  return _mm512_mask_mov_ps(normal, sub, _mm512_castsi512_ps(_mm512_or_si512(j, sign)));
}
// a with the lanes where |a| < 2^-126 (subnormal or zero), |b| >= 2^-60 (or NaN) and c > d set to 0.
inline V vzero_where_tiny(V a, V b, V c, V d) {
  const __m512i abs_a = _mm512_and_si512(_mm512_castps_si512(a), _mm512_set1_epi32(0x7fffffff));
  const __m512i abs_b = _mm512_and_si512(_mm512_castps_si512(b), _mm512_set1_epi32(0x7fffffff));
  __mmask16 k = _mm512_cmplt_epu32_mask(abs_a, _mm512_set1_epi32(0x00800000));
  k = _mm512_mask_cmpge_epu32_mask(k, abs_b, _mm512_set1_epi32(0x21800000));
  k = _mm512_mask_cmp_ps_mask(k, c, d, _CMP_GT_OQ);
  return _mm512_mask_mov_ps(a, k, _mm512_setzero_ps());
}
inline V vround(V x) {
  return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
inline V vneg_abs(V x) {
  return _mm512_castsi512_ps(
      _mm512_or_epi32(_mm512_castps_si512(x), _mm512_set1_epi32(static_cast<int>(0x80000000u))));
}
inline V vpow2(V n) {
  return _mm512_castsi512_ps(
      _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23));
}
inline V vselect_nonneg(V z, V yes, V no) {
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_GE_OQ), no, yes);
}
inline V vselect_pos(V z, V yes, V no) {
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_GT_OQ), no, yes);
}

#include "kernel_isa.inc"

}  // namespace bn_avx512
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

const bn_kernel_table bn_kernels_avx512 = {
    BN_ISA_AVX512,       "avx512",           bn_avx512::gemm_bcast,
    bn_avx512::gemm_dot, bn_avx512::sigmoid, bn_avx512::bytes_to_floats,
    bn_avx512::VL,       bn_avx512::MR_B,    bn_avx512::NV_B,
    bn_avx512::MR_D,     bn_avx512::NR_D};

#endif  // BN_KERNELS
