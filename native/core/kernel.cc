// blasnet's own sgemm kernels for the small shapes where calling BLAS costs more than the work
// (as ggml skips BLAS below 32): kernel_isa.inc, compiled here once for AVX2+FMA and once for
// AVX-512F under `target` pragmas, and chosen at run time from what the CPU supports. The
// shipped binary is built for baseline x86-64 (never -march=native), so it runs on any x86-64
// CPU; without AVX2+FMA (or off x86-64, or with MSVC) there is no kernel and bn_sgemm always
// calls BLAS. Which shapes take the kernel is decided in gemm.cc, from measurements.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "blasnet_core.h"
#include "platform.h"
#include "pool.h"

#if BN_KERNELS
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's _mm512_reduce_add_ps starts from _mm256_undefined_pd(), which -Wuninitialized flags.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#endif

#if BN_KERNELS

// One product for the kernels: C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C, with
// op(A)(i, p) at a[i·a_si + p·a_sp] and, for the broadcast kernel, B[p, j] at b[p·ldb + j]; for
// the dot kernel (op(B) = Bᵀ) B's row j at b + j·ldb and A's row i at a + i·a_si. With p set
// (broadcast kernel only): the momentum epilogue p ← p + f·C_new, p laid out as C; with coef set
// too, the adaptive epilogue instead (bn_adaptive_fused: C_new is the gradient, stepping p and the
// state s0, s1, laid out as C, and C is not written but for the partial sums of a k > KC_B).
struct bn_kernel_gemm {
  int64_t m, n, k;
  float alpha, beta;
  const float* a;
  int64_t a_si, a_sp;
  const float* b;
  int64_t ldb;
  float* c;
  int64_t ldc;
  float* p;
  float f;
  // The fused ReLU work (see bn_relu_fused): the forward's bias (by column) and relu (laid out as
  // C), either kernel; BP2's mask (laid out as C), the broadcast kernel. Null when not fused.
  const float* bias;
  float* relu;
  const float* mask;
  float slope = 0.0f;   // leaky ReLU's (0: ReLU)
  float* s0 = nullptr;  // the adaptive epilogue's state (Adam: m; RMSprop: v) and Adam's v
  float* s1 = nullptr;
  const bn_step_coef* coef = nullptr;
  float l2 = 0.0f;
};

// The optimizer step of one tile of the broadcast kernel (EPI), its pointers at the tile's first
// element, laid out as C: momentum p ← p + f·C; Adam/AdamW/RMSprop on p, s0, s1 with coef and l2.
struct bn_tile_step {
  float* p;
  float f;
  float* s0;
  float* s1;
  const bn_step_coef* coef;
  float l2;

  bn_tile_step at(int64_t i, int64_t j, int64_t ldc) const {
    const int64_t o = i * ldc + j;
    return {p != nullptr ? p + o : nullptr,   f,    s0 != nullptr ? s0 + o : nullptr,
            s1 != nullptr ? s1 + o : nullptr, coef, l2};
  }
};

// The fused ReLU work of one tile (bn_relu_fused), its pointers at the tile's first row and column:
// mask and relu laid out as C, bias by column. Null: not fused. slope: 0 for ReLU, else leaky's.
struct bn_tile_relu {
  const float* mask;
  const float* bias;
  float* relu;
  float slope;

  bool any() const { return mask != nullptr || bias != nullptr; }
  bn_tile_relu at(int64_t i, int64_t j, int64_t ldc) const {
    return {mask != nullptr ? mask + i * ldc + j : nullptr, bias != nullptr ? bias + j : nullptr,
            relu != nullptr ? relu + i * ldc + j : nullptr, slope};
  }
};

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

namespace {

// 0: no kernel, 2: AVX2+FMA, 3: AVX-512F: the best this CPU supports.
int detect_isa() {
  __builtin_cpu_init();
  int isa = 0;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) isa = 2;
  if (isa == 2 && __builtin_cpu_supports("avx512f")) isa = 3;
  return isa;
}

// The CPU's best, and the default path: the best, lowered by BLASNET_KERNELS when that names one
// (bn_kernel_requested). Both are fixed when the addon loads (the first call of either), so that
// bn_kernel_set_isa(-1) ("auto": tests restoring what they changed) returns to the forced path.
struct isa_defaults {
  int cpu;
  int requested;  // BN_KERNELS_AUTO, or the isa BLASNET_KERNELS named
  int initial;
};

const isa_defaults& defaults() {
  static const isa_defaults value = [] {
    isa_defaults d;
    d.cpu = detect_isa();
    d.requested = bn_kernel_parse(std::getenv("BLASNET_KERNELS"));
    // An unknown name counts as auto here; the loader refuses it (lib/backend/native/addon.ts).
    if (d.requested == BN_KERNELS_INVALID) d.requested = BN_KERNELS_AUTO;
    d.initial = d.requested == BN_KERNELS_AUTO || d.requested > d.cpu ? d.cpu : d.requested;
    return d;
  }();
  return value;
}

std::atomic<int> g_isa{-1};

}  // namespace

int bn_kernel_isa() {
  int isa = g_isa.load(std::memory_order_relaxed);
  if (isa < 0) {
    isa = defaults().initial;
    g_isa.store(isa, std::memory_order_relaxed);
  }
  return isa;
}

int bn_kernel_set_isa(int isa) {
  const isa_defaults& d = defaults();
  g_isa.store(isa < 0 ? d.initial : (isa < d.cpu ? isa : d.cpu), std::memory_order_relaxed);
  return g_isa.load(std::memory_order_relaxed);
}

int bn_kernel_cpu_isa() {
  return defaults().cpu;
}

int bn_kernel_requested() {
  return defaults().requested;
}

namespace {

// The product's operands as one kernel sees them (see bn_kernel_gemm), or false when no kernel of
// this CPU takes it (no AVX2, or both operands transposed, or the epilogue with op(B) = Bᵀ).
bool describe(int isa, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
              const float* a, const float* b, float beta, float* c, float* p, float f,
              bn_kernel_gemm* g) {
  if (isa < 2 || (trans_a && trans_b) || (trans_b && p != nullptr)) return false;
  if (trans_b) {
    // c[m, n] = alpha · a[m, k] · b[n, k]ᵀ + beta · c  (the forward z = a · wᵀ)
    *g = bn_kernel_gemm{m, n, k, alpha,   beta, a,       k,       1,      b,
                        k, c, n, nullptr, 0.0f, nullptr, nullptr, nullptr};
  } else {
    // c[m, n] = alpha · op(a)[m, k] · b[k, n] + beta · c (+ the epilogue); op(a)(i, p) at a[i·si + p·sp]
    *g = bn_kernel_gemm{m, n, k, alpha, beta, a,       trans_a ? 1 : k, trans_a ? m : 1, b,
                        n, c, n, p,     f,    nullptr, nullptr,         nullptr};
  }
  return true;
}

// Rows [i0, i1) × columns [j0, j1) of the product g, on this thread. Every element of C is computed
// by the same sequence of operations whatever block it falls in, so a product split any way gives
// the same bits as the whole.
void run_block(int isa, bool dot, const bn_kernel_gemm& whole, int64_t i0, int64_t i1, int64_t j0,
               int64_t j1) {
  if (i0 >= i1 || j0 >= j1) return;
  bn_kernel_gemm g = whole;
  g.m = i1 - i0;
  g.a += i0 * g.a_si;
  g.c += i0 * g.ldc;
  if (g.p != nullptr) g.p += i0 * g.ldc;
  if (g.s0 != nullptr) g.s0 += i0 * g.ldc;
  if (g.s1 != nullptr) g.s1 += i0 * g.ldc;
  if (g.relu != nullptr) g.relu += i0 * g.ldc;
  if (g.mask != nullptr) g.mask += i0 * g.ldc;
  if (dot) {
    if (isa == 3)
      bn_avx512::gemm_dot(g, j0, j1);
    else
      bn_avx2::gemm_dot(g, j0, j1);
  } else {
    if (isa == 3)
      bn_avx512::gemm_bcast(g, j0, j1);
    else
      bn_avx2::gemm_bcast(g, j0, j1);
  }
}

struct split_ctx {
  bn_kernel_gemm g;
  int isa;
  bool dot;
  bool by_rows;  // split C's rows rather than its columns
};

void run_part(const void* raw, int part, int parts) {
  const split_ctx& s = *static_cast<const split_ctx*>(raw);
  const int64_t extent = s.by_rows ? s.g.m : s.g.n;
  int64_t lo = 0;
  int64_t hi = 0;
  bn_split(extent, part, parts, &lo, &hi);
  if (s.by_rows)
    run_block(s.isa, s.dot, s.g, lo, hi, 0, s.g.n);
  else
    run_block(s.isa, s.dot, s.g, 0, s.g.m, lo, hi);
}

// The adaptive epilogue (bn_adaptive_fused) on a described product, op(B) = B.
void set_adaptive(const bn_adaptive_fused& step, bn_kernel_gemm* g) {
  g->p = step.p;
  g->s0 = step.s0;
  g->s1 = step.s1;
  g->coef = step.coef;
  g->l2 = step.l2;
}

bool run_kernel(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                const float* a, const float* b, float beta, float* c, float* p, float f,
                const bn_adaptive_fused* step = nullptr) {
  split_ctx s;
  s.isa = bn_kernel_isa();
  if (!describe(s.isa, trans_a, trans_b, m, n, k, alpha, a, b, beta, c, p, f, &s.g)) return false;
  if (step != nullptr) set_adaptive(*step, &s.g);
  s.dot = trans_b;
  // The weight gradient δᵀ·a (op(A) = Aᵀ) is split by its rows, the units of layer l: the same
  // rows of w^l that the forward product z = a · wᵀ, split by its columns, gives each thread. So
  // the rows a thread updates are the rows it reads next, still in its own cache (measured on W3:
  // the fused step 447 → 397 ms per epoch against splitting by columns).
  s.by_rows = trans_a;
  const int parts =
      bn_split_parts(static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k));
  if (!bn_team_run(parts, run_part, &s)) run_part(&s, 0, 1);
  return true;
}

}  // namespace

bool bn_kernel_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                     const float* a, const float* b, float beta, float* c) {
  return run_kernel(trans_a, trans_b, m, n, k, alpha, a, b, beta, c, nullptr, 0.0f);
}

bool bn_kernel_sgemm_step(bool trans_a, int64_t m, int64_t n, int64_t k, float alpha,
                          const float* a, const float* b, float beta, float* c, float* p, float f) {
  return run_kernel(trans_a, false, m, n, k, alpha, a, b, beta, c, p, f);
}

bool bn_kernel_sgemm_adaptive(bool trans_a, int64_t m, int64_t n, int64_t k, const float* a,
                              const float* b, float* c, const bn_adaptive_fused& step) {
  return run_kernel(trans_a, false, m, n, k, 1.0f, a, b, 0.0f, c, step.p, 0.0f, &step);
}

bool bn_kernel_sgemm_adaptive_block(bool trans_a, int64_t m, int64_t n, int64_t k, const float* a,
                                    const float* b, float* c, const bn_adaptive_fused& step,
                                    int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  const int isa = bn_kernel_isa();
  bn_kernel_gemm g;
  if (!describe(isa, trans_a, false, m, n, k, 1.0f, a, b, 0.0f, c, step.p, 0.0f, &g)) return false;
  set_adaptive(step, &g);
  run_block(isa, false, g, i0, i1, j0, j1);
  return true;
}

bool bn_kernel_sgemm_block(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                           const float* a, const float* b, float beta, float* c, float* p, float f,
                           int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  const int isa = bn_kernel_isa();
  bn_kernel_gemm g;
  if (!describe(isa, trans_a, trans_b, m, n, k, alpha, a, b, beta, c, p, f, &g)) return false;
  run_block(isa, trans_b, g, i0, i1, j0, j1);
  return true;
}

bool bn_kernel_sgemm_relu_block(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                                float alpha, const float* a, const float* b, float beta, float* c,
                                const bn_relu_fused& fused, int64_t i0, int64_t i1, int64_t j0,
                                int64_t j1) {
  const int isa = bn_kernel_isa();
  bn_kernel_gemm g;
  if (!describe(isa, trans_a, trans_b, m, n, k, alpha, a, b, beta, c, nullptr, 0.0f, &g))
    return false;
  const bool forward = fused.bias != nullptr && fused.relu != nullptr && fused.mask == nullptr;
  const bool backward =
      !trans_b && fused.mask != nullptr && fused.bias == nullptr && fused.relu == nullptr;
  if ((!forward && !backward) || beta != 0.0f) return false;
  g.bias = fused.bias;
  g.relu = fused.relu;
  g.mask = fused.mask;
  g.slope = fused.slope;
  run_block(isa, trans_b, g, i0, i1, j0, j1);
  return true;
}

bool bn_kernel_sigmoid(const float* z, float* a, int64_t count) {
  const int isa = bn_kernel_isa();
  if (isa == 3)
    bn_avx512::sigmoid(z, a, count);
  else if (isa == 2)
    bn_avx2::sigmoid(z, a, count);
  else
    return false;
  return true;
}

bool bn_kernel_bytes_to_floats(const uint8_t* src, float* dst, int64_t count, float scale,
                               float offset) {
  const int isa = bn_kernel_isa();
  if (isa == 3)
    bn_avx512::bytes_to_floats(src, dst, count, scale, offset);
  else if (isa == 2)
    bn_avx2::bytes_to_floats(src, dst, count, scale, offset);
  else
    return false;
  return true;
}

#else  // no kernels: BLAS does every product

int bn_kernel_isa() {
  return 0;
}
int bn_kernel_set_isa(int) {
  return 0;
}
int bn_kernel_cpu_isa() {
  return 0;
}
int bn_kernel_requested() {
  const int requested = bn_kernel_parse(std::getenv("BLASNET_KERNELS"));
  return requested == BN_KERNELS_INVALID ? BN_KERNELS_AUTO : requested;
}
bool bn_kernel_sgemm(bool, bool, int64_t, int64_t, int64_t, float, const float*, const float*,
                     float, float*) {
  return false;
}
bool bn_kernel_sigmoid(const float*, float*, int64_t) {
  return false;
}
bool bn_kernel_sgemm_step(bool, int64_t, int64_t, int64_t, float, const float*, const float*, float,
                          float*, float*, float) {
  return false;
}
bool bn_kernel_bytes_to_floats(const uint8_t*, float*, int64_t, float, float) {
  return false;
}
bool bn_kernel_sgemm_block(bool, bool, int64_t, int64_t, int64_t, float, const float*, const float*,
                           float, float*, float*, float, int64_t, int64_t, int64_t, int64_t) {
  return false;
}
bool bn_kernel_sgemm_adaptive(bool, int64_t, int64_t, int64_t, const float*, const float*, float*,
                              const bn_adaptive_fused&) {
  return false;
}
bool bn_kernel_sgemm_adaptive_block(bool, int64_t, int64_t, int64_t, const float*, const float*,
                                    float*, const bn_adaptive_fused&, int64_t, int64_t, int64_t,
                                    int64_t) {
  return false;
}
bool bn_kernel_sgemm_relu_block(bool, bool, int64_t, int64_t, int64_t, float, const float*,
                                const float*, float, float*, const bn_relu_fused&, int64_t, int64_t,
                                int64_t, int64_t) {
  return false;
}

#endif

int bn_kernel_parse(const char* name) {
  if (name == nullptr || std::strcmp(name, "") == 0 || std::strcmp(name, "auto") == 0)
    return BN_KERNELS_AUTO;
  if (std::strcmp(name, "avx512") == 0) return 3;
  if (std::strcmp(name, "avx2") == 0) return 2;
  if (std::strcmp(name, "blas") == 0 || std::strcmp(name, "none") == 0) return 0;
  return BN_KERNELS_INVALID;
}
