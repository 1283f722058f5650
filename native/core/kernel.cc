// The own kernels' dispatch: one table of kernels (kernel_table.h) chosen when the addon loads,
// from what the CPU supports and what BLASNET_KERNELS asks for, and every bn_kernel_* call of
// blasnet_core.h through it. The kernels themselves are in kernels_avx2.cc and kernels_avx512.cc
// (kernel_isa.inc compiled for each); without AVX2+FMA (or off x86-64, or with MSVC) the table is
// the empty one and bn_sgemm always calls BLAS. Which shapes take a kernel is decided in gemm.cc,
// from measurements (tuning.h); a large product is split over the pool (pool.h).
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "blasnet_core.h"
#include "kernel_table.h"
#include "platform.h"
#include "pool.h"

namespace {

// No kernels: BLAS does every product, the scalar code the rest.
constexpr bn_kernel_table kNoKernels = {BN_ISA_NONE, "none", nullptr, nullptr, nullptr, nullptr,
                                        0,           0,      0,       0,       0};

// The table of an instruction set, or of none when this build has no kernels for it.
const bn_kernel_table& table_of(bn_isa isa) {
#if BN_KERNELS
  if (isa == BN_ISA_AVX512) return bn_kernels_avx512;
  if (isa == BN_ISA_AVX2) return bn_kernels_avx2;
#endif
  (void)isa;
  return kNoKernels;
}

// The best instruction set this CPU supports, among those this build has kernels for.
bn_isa detect_isa() {
#if BN_KERNELS
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return BN_ISA_NONE;
  return __builtin_cpu_supports("avx512f") ? BN_ISA_AVX512 : BN_ISA_AVX2;
#else
  return BN_ISA_NONE;
#endif
}

// The CPU's best, and the default path: the best, lowered by BLASNET_KERNELS when that names one
// (bn_kernel_requested). Both are fixed when the addon loads (the first call of either), so that
// bn_kernel_set_isa(-1) ("auto": tests restoring what they changed) returns to the forced path.
struct isa_defaults {
  bn_isa cpu;
  int requested;  // BN_KERNELS_AUTO, or the isa BLASNET_KERNELS named
  bn_isa initial;
};

const isa_defaults& defaults() {
  static const isa_defaults value = [] {
    isa_defaults d;
    d.cpu = detect_isa();
    d.requested = bn_kernel_parse(std::getenv("BLASNET_KERNELS"));
    // An unknown name counts as auto here; the loader refuses it (lib/backend/native/addon.ts).
    if (d.requested == BN_KERNELS_INVALID) d.requested = BN_KERNELS_AUTO;
    d.initial = d.requested == BN_KERNELS_AUTO || d.requested > d.cpu
                    ? d.cpu
                    : static_cast<bn_isa>(d.requested);
    return d;
  }();
  return value;
}

// The table every kernel call goes through: set on first use (from defaults()), and again only by
// bn_kernel_set_isa (tests, benchmarks). Each call reads it once, so a product runs on one table.
std::atomic<const bn_kernel_table*> g_table{nullptr};

const bn_kernel_table& table() {
  const bn_kernel_table* t = g_table.load(std::memory_order_acquire);
  if (t == nullptr) {
    t = &table_of(defaults().initial);
    g_table.store(t, std::memory_order_release);
  }
  return *t;
}

}  // namespace

bn_isa bn_kernel_isa() {
  return table().isa;
}

bn_isa bn_kernel_set_isa(int isa) {
  const isa_defaults& d = defaults();
  const bn_isa chosen = isa < 0 ? d.initial : (isa < d.cpu ? static_cast<bn_isa>(isa) : d.cpu);
  const bn_kernel_table& t = table_of(chosen);
  g_table.store(&t, std::memory_order_release);
  return t.isa;
}

bn_isa bn_kernel_cpu_isa() {
  return defaults().cpu;
}

int bn_kernel_requested() {
  return defaults().requested;
}

const char* bn_kernel_isa_name(bn_isa isa) {
  return table_of(isa).name;
}

namespace {

// The product's operands as one kernel sees them (see bn_kernel_gemm), or false when no kernel of
// this CPU takes it (no AVX2, or both operands transposed, or the epilogue with op(B) = Bᵀ).
bool describe(const bn_kernel_table& t, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
              float alpha, const float* a, const float* b, float beta, float* c, float* p, float f,
              bn_kernel_gemm* g) {
  if (t.gemm_bcast == nullptr || (trans_a && trans_b) || (trans_b && p != nullptr)) return false;
  if (trans_b) {
    // c[m, n] = alpha · a[m, k] · b[n, k]ᵀ + beta · c  (the forward z = a · wᵀ)
    *g = bn_kernel_gemm{m, n, k, alpha,   beta, a,       k,       1,      b,
                        k, c, n, nullptr, 0.0f, nullptr, nullptr, nullptr};
  } else {
    // c[m, n] = alpha · op(a)[m, k] · b[k, n] + beta · c (+ the epilogue); op(a)(i, p) at a[i·si + p·sp]
    *g = bn_kernel_gemm{m, n, k, alpha, beta, a,       trans_a ? 1 : k, trans_a ? m : 1, b,
                        n, c, n, p,     f,    nullptr, nullptr,         nullptr};
  }
  g->b_vs = t.lanes;
  g->c_vs = t.lanes;
  return true;
}

// B or C kept in column blocks (bn_panels): false where no kernel of this CPU takes that (not the
// AVX-512 kernels, op(B) = Bᵀ, or columns from other than a block's start).
bool set_panels(const bn_kernel_table& t, bool trans_b, bn_panels panels, int64_t j0,
                bn_kernel_gemm* g) {
  if (panels == BN_PANELS_NONE) return true;
  if (t.lanes != BN_COLUMN_BLOCK || trans_b || j0 % BN_COLUMN_BLOCK != 0) return false;
  if (panels == BN_PANELS_B) {
    g->ldb = BN_COLUMN_BLOCK;
    g->b_vs = g->k * BN_COLUMN_BLOCK;
  } else {
    g->ldc = BN_COLUMN_BLOCK;
    g->c_vs = g->m * BN_COLUMN_BLOCK;
  }
  return true;
}

// Rows [i0, i1) × columns [j0, j1) of the product g, on this thread. Every element of C is computed
// by the same sequence of operations whatever block it falls in, so a product split any way gives
// the same bits as the whole.
void run_block(const bn_kernel_table& t, bool dot, const bn_kernel_gemm& whole, int64_t i0,
               int64_t i1, int64_t j0, int64_t j1) {
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
  (dot ? t.gemm_dot : t.gemm_bcast)(g, j0, j1);
}

struct split_ctx {
  bn_kernel_gemm g;
  const bn_kernel_table* t;
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
    run_block(*s.t, s.dot, s.g, lo, hi, 0, s.g.n);
  else
    run_block(*s.t, s.dot, s.g, 0, s.g.m, lo, hi);
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
  s.t = &table();
  if (!describe(*s.t, trans_a, trans_b, m, n, k, alpha, a, b, beta, c, p, f, &s.g)) return false;
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
                                    int64_t i0, int64_t i1, int64_t j0, int64_t j1,
                                    bn_panels panels) {
  const bn_kernel_table& t = table();
  bn_kernel_gemm g;
  if (!describe(t, trans_a, false, m, n, k, 1.0f, a, b, 0.0f, c, step.p, 0.0f, &g) ||
      !set_panels(t, false, panels, j0, &g))
    return false;
  set_adaptive(step, &g);
  run_block(t, false, g, i0, i1, j0, j1);
  return true;
}

bool bn_kernel_sgemm_block(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                           const float* a, const float* b, float beta, float* c, float* p, float f,
                           int64_t i0, int64_t i1, int64_t j0, int64_t j1, bn_panels panels) {
  const bn_kernel_table& t = table();
  bn_kernel_gemm g;
  if (!describe(t, trans_a, trans_b, m, n, k, alpha, a, b, beta, c, p, f, &g) ||
      !set_panels(t, trans_b, panels, j0, &g))
    return false;
  run_block(t, trans_b, g, i0, i1, j0, j1);
  return true;
}

bool bn_kernel_sgemm_relu_block(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                                float alpha, const float* a, const float* b, float beta, float* c,
                                const bn_relu_fused& fused, int64_t i0, int64_t i1, int64_t j0,
                                int64_t j1, bn_panels panels) {
  const bn_kernel_table& t = table();
  bn_kernel_gemm g;
  if (!describe(t, trans_a, trans_b, m, n, k, alpha, a, b, beta, c, nullptr, 0.0f, &g) ||
      !set_panels(t, trans_b, panels, j0, &g))
    return false;
  const bool forward = fused.bias != nullptr && fused.relu != nullptr && fused.mask == nullptr;
  const bool backward =
      !trans_b && fused.mask != nullptr && fused.bias == nullptr && fused.relu == nullptr;
  if ((!forward && !backward) || beta != 0.0f) return false;
  g.bias = fused.bias;
  g.relu = fused.relu;
  g.mask = fused.mask;
  g.slope = fused.slope;
  run_block(t, trans_b, g, i0, i1, j0, j1);
  return true;
}

bool bn_kernel_sigmoid(const float* z, float* a, int64_t count) {
  const bn_kernel_table& t = table();
  if (t.sigmoid == nullptr) return false;
  t.sigmoid(z, a, count);
  return true;
}

bool bn_kernel_bytes_to_floats(const uint8_t* src, float* dst, int64_t count, float scale,
                               float offset) {
  const bn_kernel_table& t = table();
  if (t.bytes_to_floats == nullptr) return false;
  t.bytes_to_floats(src, dst, count, scale, offset);
  return true;
}

int bn_kernel_parse(const char* name) {
  if (name == nullptr || std::strcmp(name, "") == 0 || std::strcmp(name, "auto") == 0)
    return BN_KERNELS_AUTO;
  if (std::strcmp(name, "avx512") == 0) return BN_ISA_AVX512;
  if (std::strcmp(name, "avx2") == 0) return BN_ISA_AVX2;
  if (std::strcmp(name, "blas") == 0 || std::strcmp(name, "none") == 0) return BN_ISA_NONE;
  return BN_KERNELS_INVALID;
}
