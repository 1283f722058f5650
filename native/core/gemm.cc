// The BLAS boundary: the only file that includes cblas.h. Everything else multiplies matrices
// through bn_sgemm, so the serialization below covers every BLAS call in the process.
#include <cblas.h>

#include <chrono>
#include <climits>
#include <mutex>
#include <vector>

#include "blasnet_core.h"

namespace {

// OpenBLAS pthread builds keep one shared work buffer and thread pool; calling them from several
// threads at once corrupts results. The addon runs in worker_threads, so every BLAS call (and
// every change of its thread count) takes this process-wide lock.
std::mutex& blas_mutex() {
  static std::mutex mutex;
  return mutex;
}

bool fits_blas_int(int64_t v) {
  return v >= 0 && v <= INT_MAX;
}

// C ← beta · C for k = 0, where BLAS would reject lda = 0. beta = 0 overwrites (NaNs vanish).
void scale(float* c, int64_t count, float beta) {
  for (int64_t i = 0; i < count; i++) c[i] = beta == 0.0f ? 0.0f : beta * c[i];
}

// Whether the own kernels (kernel.cc) take this product rather than BLAS. Measured on an AMD EPYC
// (Zen 5, 2 cores) against OpenBLAS 0.3.21 (Haswell kernels) with bench/kernels.ts and the
// kernel harness, GFLOP/s best of 5, one thread unless noted:
//   AVX-512 kernels vs BLAS: every MLP shape of bench/kernels.ts (batch 10/32/128 × 784 ×
//     30/100/800, all three GEMMs) 1.4x–4x faster (e.g. 128×800×784 forward 120 vs 84, weight
//     gradient 168 vs 83, δ·w 151 vs 81; 10×30×784 forward 116 vs 29); squares 256–1024: NN and
//     TN 1.7x–2.1x, NT 1.07x–1.2x. With BLAS on 2 threads NT lost above ~2^28 multiply-adds
//     (512×2000×784: 65 vs 73), so NT products that large go to a multi-threaded BLAS.
//   AVX2 kernels vs BLAS: faster up to ~2^22 multiply-adds (batch 10 and 32 shapes 1.1x–2.6x),
//     slower above (256³: NT 0.61x, TN 0.86x; 128×800×784 NT 0.75x), so only small ones.
//   Neither takes both operands transposed (no MLP product does): BLAS does.
bool kernel_takes(int isa, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k) {
  if (isa < 2 || (trans_a && trans_b)) return false;
  const double macs = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (isa == 2) return macs <= 4194304.0;
  if (!trans_a && trans_b && macs > 268435456.0) return openblas_get_num_threads() < 2;
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

bn_status bn_sgemm_blas(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                        const float* a, const float* b, float beta, float* c) {
  if (!fits_blas_int(m) || !fits_blas_int(n) || !fits_blas_int(k)) return BN_ERR_SIZE;
  if (m == 0 || n == 0) return BN_OK;
  if (k == 0) {
    scale(c, m * n, beta);
    return BN_OK;
  }
  // Row-major leading dimensions are the stored column counts.
  const int lda = static_cast<int>(trans_a ? m : k);
  const int ldb = static_cast<int>(trans_b ? k : n);
  const int ldc = static_cast<int>(n);
  std::lock_guard<std::mutex> lock(blas_mutex());
  // c[m, n] = alpha · op(a)[m, k] · op(b)[k, n] + beta · c  (the caller's transposes; M=m, N=n, K=k)
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, lda, b, ldb, beta, c, ldc);
  return BN_OK;
}

void bn_set_threads(int n) {
  if (n < 1) n = 1;
  bn_kernel_set_threads(n);
  std::lock_guard<std::mutex> lock(blas_mutex());
  openblas_set_num_threads(n);
}

int bn_get_threads() {
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
