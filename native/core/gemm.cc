// The BLAS boundary: the only file that includes cblas.h. Everything else multiplies matrices
// through bn_sgemm, so the serialization below covers every BLAS call in the process.
#include <cblas.h>

#include <climits>
#include <mutex>

#include "blasnet_core.h"

namespace {

// OpenBLAS pthread builds keep one shared work buffer and thread pool; calling them from several
// threads at once corrupts results. The addon runs in worker_threads, so every BLAS call (and
// every change of its thread count) takes this process-wide lock.
std::mutex& blas_mutex() {
  static std::mutex mutex;
  return mutex;
}

bool fits_blas_int(int64_t v) { return v >= 0 && v <= INT_MAX; }

// C ← beta · C for k = 0, where BLAS would reject lda = 0. beta = 0 overwrites (NaNs vanish).
void scale(float* c, int64_t count, float beta) {
  for (int64_t i = 0; i < count; i++) c[i] = beta == 0.0f ? 0.0f : beta * c[i];
}

}  // namespace

bn_status bn_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
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
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a, lda, b, ldb,
              beta, c, ldc);
  return BN_OK;
}

void bn_set_threads(int n) {
  if (n < 1) n = 1;
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
