// Row-wise softmax. Subtracting the row max keeps every exp() in (0, 1], so large logits never
// overflow; the normalizing sum is accumulated in double.
#include <cmath>

#include "blasnet_core.h"
#include "checked.h"

bn_status bn_softmax(const float* z, float* a, int64_t rows, int64_t cols) {
  if (rows < 0 || cols < 0) return BN_ERR_SIZE;
  if (!bn_block_fits(rows, cols)) return BN_ERR_OVERFLOW;
  if (cols == 0) return BN_OK;  // no row has a max to read
  for (int64_t r = 0; r < rows; r++) {
    const float* zr = z + r * cols;
    float* ar = a + r * cols;
    float max = zr[0];
    for (int64_t j = 1; j < cols; j++) max = zr[j] > max ? zr[j] : max;
    double sum = 0.0;
    // z and a may be the same buffer: each z[j] is read before a[j] is written.
    for (int64_t j = 0; j < cols; j++) {
      const float e = static_cast<float>(std::exp(static_cast<double>(zr[j]) - max));
      ar[j] = e;
      sum += e;
    }
    const double inv = 1.0 / sum;
    for (int64_t j = 0; j < cols; j++) ar[j] = static_cast<float>(ar[j] * inv);
  }
  return BN_OK;
}
