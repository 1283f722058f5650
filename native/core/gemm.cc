// The BLAS boundary: the only file that includes cblas.h. Everything else multiplies matrices
// through bn_sgemm, so the serialization below covers every BLAS call in the process.
#include <cblas.h>

#include <chrono>
#include <climits>
#include <mutex>
#include <vector>

#include "blasnet_core.h"
#include "pool.h"
#include "tuning.h"

namespace {

// Where the kernels' pool exists (bn_has_pool), OpenBLAS always runs single-threaded: a product
// large enough is split into blocks of C over that pool instead (split_blas below), so that the
// result does not depend on the thread count. OpenBLAS's own threads do not give that: its
// 2-thread sum differed from its 1-thread sum in 12,539 of 102,400 elements at 128×800×784.
// Single-threaded OpenBLAS may be called from several threads at once (OpenBLAS's USAGE.md: an
// application with threads of its own sets OpenBLAS to one thread; concurrent calls then share its
// pool of 2 × MAX_THREADS memory buffers), so the blocks run side by side. Where there is
// no pool, OpenBLAS keeps its own threads, and those builds serialize every BLAS call (and every
// change of its thread count) through this lock: calling a multi-threaded OpenBLAS from several
// threads at once corrupted results in older releases, and the addon runs in worker_threads.
std::mutex& blas_mutex() {
  static std::mutex mutex;
  return mutex;
}

// Sets OpenBLAS single-threaded once, before its first product, where the pool splits products.
void blas_init() {
  static const bool done = [] {
    if (bn_has_pool()) openblas_set_num_threads(1);
    return true;
  }();
  (void)done;
}

bool fits_blas_int(int64_t v) {
  return v >= 0 && v <= INT_MAX;
}

// C ← beta · C for k = 0, where BLAS would reject lda = 0. beta = 0 overwrites (NaNs vanish).
void scale(float* c, int64_t count, float beta) {
  for (int64_t i = 0; i < count; i++) c[i] = beta == 0.0f ? 0.0f : beta * c[i];
}

// Whether the own kernels (kernel.cc) take this product rather than BLAS: AVX-512 every one, AVX2
// only small ones (bn_tuning::kAvx2MaxMacs: the measurements). Neither takes both operands
// transposed (no MLP product does): BLAS does.
bool kernel_takes(bn_isa isa, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k) {
  if (isa == BN_ISA_NONE || (trans_a && trans_b)) return false;
  const double macs = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (isa == BN_ISA_AVX2) return macs <= bn_tuning::kAvx2MaxMacs;
  // AVX-512: every product, whatever the thread count (a choice by thread count would change
  // the bits).
  return true;
}

}  // namespace

bn_status bn_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const float* a, const float* b, float beta, float* c) {
  // The own kernels keep no state and need no lock: concurrent callers (worker threads) run them
  // side by side. Only BLAS is serialized. Empty and oversized products go to the BLAS path,
  // which checks sizes and handles k = 0 (C ← βC).
  if (m > 0 && n > 0 && k > 0 && fits_blas_int(m) && fits_blas_int(n) && fits_blas_int(k) &&
      kernel_takes(bn_kernel_isa(), trans_a, trans_b, m, n, k) &&
      bn_kernel_sgemm(trans_a, trans_b, m, n, k, alpha, a, b, beta, c)) {
    return BN_OK;
  }
  return bn_sgemm_blas(trans_a, trans_b, m, n, k, alpha, a, b, beta, c);
}

bn_status bn_sgemm_step(bool trans_a, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                        const float* b, float beta, float* c, float* p, float f) {
  if (!fits_blas_int(m) || !fits_blas_int(n) || !fits_blas_int(k)) return BN_ERR_SIZE;
  if (m == 0 || n == 0) return BN_OK;
  if (k > 0 && kernel_takes(bn_kernel_isa(), trans_a, false, m, n, k) &&
      bn_kernel_sgemm_step(trans_a, m, n, k, alpha, a, b, beta, c, p, f)) {
    return BN_OK;
  }
  const bn_status status = bn_sgemm(trans_a, false, m, n, k, alpha, a, b, beta, c);
  if (status != BN_OK) return status;
  for (int64_t i = 0; i < m * n; i++) p[i] += f * c[i];
  return BN_OK;
}

bn_status bn_sgemm_adaptive(bool trans_a, int64_t m, int64_t n, int64_t k, const float* a,
                            const float* b, float* g, const bn_adaptive_fused& step) {
  if (!fits_blas_int(m) || !fits_blas_int(n) || !fits_blas_int(k)) return BN_ERR_SIZE;
  if (m == 0 || n == 0) return BN_OK;
  if (k > 0 && kernel_takes(bn_kernel_isa(), trans_a, false, m, n, k) &&
      bn_kernel_sgemm_adaptive(trans_a, m, n, k, a, b, g, step)) {
    return BN_OK;
  }
  // g[m, n] = op(A)[m, k] · B[k, n]  (M=m, N=n, K=k), then the step over it
  const bn_status status = bn_sgemm(trans_a, false, m, n, k, 1.0f, a, b, 0.0f, g);
  if (status != BN_OK) return status;
  bn_adaptive_step(*step.coef, step.p, g, step.s0, step.s1, m * n, step.l2);
  return BN_OK;
}

namespace {

// One cblas_sgemm on the stored operands with explicit leading dimensions (row-major: the stored
// column counts of the whole product), so that a block of C can be computed in place.
// c[m, n] = alpha · op(a)[m, k] · op(b)[k, n] + beta · c  (M=m, N=n, K=k; a, b, c at the block)
void blas_call(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
               const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
               int64_t ldc) {
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta,
              c, static_cast<int>(ldc));
}

// A BLAS product cut into blocks of C by a rule of its shape alone, so that one thread or several
// compute exactly the same cblas_sgemm calls: OpenBLAS's per-element sums depend on the shape it
// is given (measured with 0.3.21, Haswell kernels: C computed whole and as 2–9 blocks of rows or
// columns differed in 5%–70% of the elements, at 128×800×784, 800×784×128, 256³ and others, even
// with block edges at multiples of 16 and 64), so a split by thread count would change the bits.
// C is cut along its longer side (columns when m <= n), into blocks of at least
// bn_tuning::kBlasBlockMacs multiply-adds and kBlasBlockMinExtent rows or columns, at most
// kBlasMaxBlocks, edges at multiples of 16 (bn_split). Each thread runs whole blocks.

struct blas_split {
  bool trans_a, trans_b;
  int64_t m, n, k;
  float alpha;
  const float* a;
  const float* b;
  float beta;
  float* c;
  bool by_rows;
  int blocks;
};

int blas_blocks(int64_t m, int64_t n, int64_t k, bool* by_rows) {
  *by_rows = m > n;
  const int64_t extent = *by_rows ? m : n;
  const double macs = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  double blocks = macs / bn_tuning::kBlasBlockMacs;
  const int64_t most = extent / bn_tuning::kBlasBlockMinExtent;
  if (blocks > static_cast<double>(most)) blocks = static_cast<double>(most);
  if (blocks > bn_tuning::kBlasMaxBlocks) blocks = bn_tuning::kBlasMaxBlocks;
  return blocks < 2.0 ? 1 : static_cast<int>(blocks);
}

void blas_block(const blas_split& s, int block) {
  const int64_t lda = s.trans_a ? s.m : s.k;
  const int64_t ldb = s.trans_b ? s.k : s.n;
  int64_t lo = 0;
  int64_t hi = 0;
  bn_split(s.by_rows ? s.m : s.n, block, s.blocks, &lo, &hi);
  if (lo >= hi) return;
  if (s.by_rows) {
    // Rows [lo, hi) of C: rows of op(A), all of op(B).
    const float* a = s.trans_a ? s.a + lo : s.a + lo * lda;
    blas_call(s.trans_a, s.trans_b, hi - lo, s.n, s.k, s.alpha, a, lda, s.b, ldb, s.beta,
              s.c + lo * s.n, s.n);
  } else {
    // Columns [lo, hi) of C: all of op(A), columns of op(B).
    const float* b = s.trans_b ? s.b + lo * ldb : s.b + lo;
    blas_call(s.trans_a, s.trans_b, s.m, hi - lo, s.k, s.alpha, s.a, lda, b, ldb, s.beta, s.c + lo,
              s.n);
  }
}

// Part `part` of `parts` runs blocks [blocks · part / parts, blocks · (part + 1) / parts).
void blas_part(const void* raw, int part, int parts) {
  const blas_split& s = *static_cast<const blas_split*>(raw);
  const int first = s.blocks * part / parts;
  const int last = s.blocks * (part + 1) / parts;
  for (int block = first; block < last; block++) blas_block(s, block);
}

}  // namespace

bn_status bn_sgemm_blas(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                        const float* a, const float* b, float beta, float* c) {
  if (!fits_blas_int(m) || !fits_blas_int(n) || !fits_blas_int(k)) return BN_ERR_SIZE;
  if (m == 0 || n == 0) return BN_OK;
  if (k == 0) {
    scale(c, m * n, beta);
    return BN_OK;
  }
  blas_init();
  if (!bn_has_pool()) {
    std::lock_guard<std::mutex> lock(blas_mutex());
    blas_call(trans_a, trans_b, m, n, k, alpha, a, trans_a ? m : k, b, trans_b ? k : n, beta, c, n);
    return BN_OK;
  }
  blas_split s{trans_a, trans_b, m, n, k, alpha, a, b, beta, c, false, 1};
  s.blocks = blas_blocks(m, n, k, &s.by_rows);
  const int threads = bn_kernel_threads();
  const int parts = threads < s.blocks ? threads : s.blocks;
  // The pool may be busy (another thread's product or team): then every block here, in turn.
  if (parts < 2 || !bn_team_run(parts, blas_part, &s)) blas_part(&s, 0, 1);
  return BN_OK;
}

void bn_set_threads(int n) {
  if (n < 1) n = 1;
  bn_kernel_set_threads(n);
  if (bn_has_pool()) {
    blas_init();  // OpenBLAS stays single-threaded: the pool splits its products
    return;
  }
  std::lock_guard<std::mutex> lock(blas_mutex());
  openblas_set_num_threads(n);
}

int bn_get_threads() {
  if (bn_has_pool()) return bn_kernel_threads();
  std::lock_guard<std::mutex> lock(blas_mutex());
  return openblas_get_num_threads();
}

const char* bn_blas_config() {
  const char* config = openblas_get_config();
  return config != nullptr ? config : "OpenBLAS";
}

const char* bn_blas_corename() {
  const char* core = openblas_get_corename();
  return core != nullptr ? core : "unknown";
}

double bn_bench_blas_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                           int64_t reps) {
  if (!fits_blas_int(m) || !fits_blas_int(n) || !fits_blas_int(k) || m == 0 || n == 0 || k == 0)
    return -1.0;
  // Bench only: the buffers are allocated here, outside the timed loop.
  std::vector<float> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n)),
      c(static_cast<size_t>(m * n));
  for (size_t i = 0; i < a.size(); i++) a[i] = static_cast<float>(i % 251) / 251.0f;
  for (size_t i = 0; i < b.size(); i++) b[i] = static_cast<float>(i % 241) / 241.0f - 0.5f;
  const int lda = static_cast<int>(trans_a ? m : k);
  const int ldb = static_cast<int>(trans_b ? k : n);
  const int ldc = static_cast<int>(n);
  blas_init();
  std::lock_guard<std::mutex> lock(blas_mutex());
  // One warm-up call (OpenBLAS starts its thread pool and sizes its buffers on the first call).
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), ldc);
  const auto start = std::chrono::steady_clock::now();
  for (int64_t r = 0; r < reps; r++) {
    // c[m, n] = op(a)[m, k] · op(b)[k, n], the shape under test, straight into cblas_sgemm
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
                static_cast<int>(k), 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), ldc);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
