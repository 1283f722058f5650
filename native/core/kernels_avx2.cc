// The own kernels for AVX2 + FMA (16 ymm registers of 8 floats; Haswell and later, Zen):
// kernel_isa.inc compiled for this target under a `target` pragma (the rest of the addon stays
// baseline x86-64), and its table (kernel_table.h). Compiles to nothing off x86-64 or with MSVC.
#include "kernel_table.h"

#if BN_KERNELS
#include <immintrin.h>

#include <cstdint>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
namespace bn_avx2 {

using V = __m256;
constexpr int VL = 8;
constexpr int MR_B = 4, NV_B = 3;  // 12 accumulators of 16 ymm registers
constexpr int MR_D = 4, NR_D = 3;  // 12 accumulators + 3 of B + 1 of A: all 16 registers
constexpr int MR_D_ALT = 4;        // (5 rows would spill)

inline __m256i lanes_below(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline V vzero() {
  return _mm256_setzero_ps();
}
inline V vset1(float x) {
  return _mm256_set1_ps(x);
}
inline V vload(const float* p) {
  return _mm256_loadu_ps(p);
}
inline V vloadn(const float* p, int n) {
  return _mm256_maskload_ps(p, lanes_below(n));
}
inline void vstore(float* p, V v) {
  _mm256_storeu_ps(p, v);
}
inline void vstoren(float* p, V v, int n) {
  _mm256_maskstore_ps(p, lanes_below(n), v);
}
inline V vfmadd(V a, V b, V c) {
  return _mm256_fmadd_ps(a, b, c);
}
inline V vmul(V a, V b) {
  return _mm256_mul_ps(a, b);
}
inline V vmax(V a, V b) {
  return _mm256_max_ps(a, b);
}
inline V vadd(V a, V b) {
  return _mm256_add_ps(a, b);
}
inline V vsub(V a, V b) {
  return _mm256_sub_ps(a, b);
}
inline V vdiv(V a, V b) {
  return _mm256_div_ps(a, b);
}
inline V vsqrt(V a) {
  return _mm256_sqrt_ps(a);
}

// ---- subnormal moments: as kernels_avx512.cc's, on 8 lanes -----------------------------------

// All ones in the lanes whose bits b & field are 0.
inline __m256i field_zero_lanes(V a, int field) {
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_castps_si256(a), _mm256_set1_epi32(field)),
                            _mm256_setzero_si256());
}
inline bool vany_tiny(V a) {
  const __m256i tiny = field_zero_lanes(a, 0x7f800000);
  return !_mm256_testz_si256(tiny, tiny);
}
inline __m256i subnormal_lanes(V a) {
  return _mm256_andnot_si256(field_zero_lanes(a, 0x007fffff), field_zero_lanes(a, 0x7f800000));
}
inline V vmul_subnormal(V a, float k) {
  const __m256i sub = subnormal_lanes(a);
  V normal = vmul(vset1(k), _mm256_andnot_ps(_mm256_castsi256_ps(sub), a));
  __asm__("" : "+x"(normal));  // a product alone, never contracted with the add after it
  const __m256i bits = _mm256_castps_si256(a);
  const V f = _mm256_cvtepi32_ps(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)));
  const __m256i r = _mm256_castps_si256(vfmadd(vset1(k), f, vset1(0x1p23f)));
  const __m256i j = _mm256_sub_epi32(r, _mm256_castps_si256(vset1(0x1p23f)));
  const __m256i sign = _mm256_and_si256(bits, _mm256_set1_epi32(static_cast<int>(0x80000000u)));
  const V exact = _mm256_castsi256_ps(_mm256_or_si256(j, sign));
  return _mm256_blendv_ps(normal, exact, _mm256_castsi256_ps(sub));
}
// (Signed compares: the sign bits are cleared.)
inline V vzero_where_tiny(V a, V b, V c, V d) {
  const __m256i magnitude = _mm256_set1_epi32(0x7fffffff);
  const __m256i abs_a = _mm256_and_si256(_mm256_castps_si256(a), magnitude);
  const __m256i abs_b = _mm256_and_si256(_mm256_castps_si256(b), magnitude);
  const __m256i small_a = _mm256_cmpgt_epi32(_mm256_set1_epi32(0x00800000), abs_a);
  const __m256i large_b = _mm256_cmpgt_epi32(abs_b, _mm256_set1_epi32(0x217fffff));
  const V k = _mm256_and_ps(_mm256_castsi256_ps(_mm256_and_si256(small_a, large_b)),
                            _mm256_cmp_ps(c, d, _CMP_GT_OQ));
  return _mm256_andnot_ps(k, a);
}
inline V vround(V x) {
  return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
inline V vneg_abs(V x) {
  return _mm256_or_ps(x, _mm256_set1_ps(-0.0f));
}
// 2^n for integral n in [−126, 127], in the exponent bits.
inline V vpow2(V n) {
  return _mm256_castsi256_ps(
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
}
// z >= 0 ? yes : no
inline V vselect_nonneg(V z, V yes, V no) {
  return _mm256_blendv_ps(no, yes, _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_GE_OQ));
}
// z > 0 ? yes : no (NaN: no)
inline V vselect_pos(V z, V yes, V no) {
  return _mm256_blendv_ps(no, yes, _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_GT_OQ));
}
// VL bytes widened and converted to floats.
inline V vcvt_u8(const uint8_t* p) {
  return _mm256_cvtepi32_ps(
      _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}
inline float vhsum(V v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

#include "kernel_isa.inc"

}  // namespace bn_avx2
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

const bn_kernel_table bn_kernels_avx2 = {
    BN_ISA_AVX2,       "avx2",           bn_avx2::gemm_bcast,
    bn_avx2::gemm_dot, bn_avx2::sigmoid, bn_avx2::bytes_to_floats,
    bn_avx2::VL,       bn_avx2::MR_B,    bn_avx2::NV_B,
    bn_avx2::MR_D,     bn_avx2::NR_D};

#endif  // BN_KERNELS
