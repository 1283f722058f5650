// Column sums (the bias gradient, BP3: ∂L/∂b^l = Σ over the batch of δ^l).
#include "blasnet_core.h"
#include "checked.h"

namespace {

// Columns per pass: the row-major matrix is walked row by row (cache-friendly) into this many
// double accumulators on the stack, so there is no allocation and no float drift over a batch.
constexpr int64_t kChunk = 256;

}  // namespace

bn_status bn_column_sums(const float* m, int64_t rows, int64_t cols, float alpha, float beta,
                         float* out) {
  return bn_column_sums_cols(m, rows, cols, 0, cols, alpha, beta, out);
}

bn_status bn_column_sums_cols(const float* m, int64_t rows, int64_t ld, int64_t j0, int64_t j1,
                              float alpha, float beta, float* out) {
  if (rows < 0 || ld < 0 || j0 < 0 || j0 > j1 || j1 > ld) return BN_ERR_SIZE;
  if (!bn_block_fits(rows, ld)) return BN_ERR_OVERFLOW;
  double acc[kChunk];
  for (int64_t c0 = j0; c0 < j1; c0 += kChunk) {
    const int64_t width = j1 - c0 < kChunk ? j1 - c0 : kChunk;
    for (int64_t j = 0; j < width; j++) acc[j] = 0.0;
    for (int64_t r = 0; r < rows; r++) {
      const float* row = m + r * ld + c0;
      for (int64_t j = 0; j < width; j++) acc[j] += row[j];
    }
    float* o = out + c0;
    for (int64_t j = 0; j < width; j++) {
      // beta = 0 overwrites, as in BLAS: a NaN already in out does not survive.
      const double prior = beta == 0.0f ? 0.0 : static_cast<double>(beta) * o[j];
      o[j] = static_cast<float>(static_cast<double>(alpha) * acc[j] + prior);
    }
  }
  return BN_OK;
}
