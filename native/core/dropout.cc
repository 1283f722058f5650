// Inverted dropout with a counter-based mask (see dropout.h and docs/dropout.md).
#include "dropout.h"

#include <cmath>

namespace {

// Units are dropped when their 32 bits fall below p · 2^32 (rounded down; p < 1, so it fits).
inline uint32_t threshold_of(double p) {
  return static_cast<uint32_t>(std::floor(p * 4294967296.0));
}

// Kept units are scaled by 1/(1 − p), computed in double and rounded to float once.
inline float scale_of(double p) {
  return static_cast<float>(1.0 / (1.0 - p));
}

}  // namespace

bn_status bn_dropout_check(const bn_layout& layout, const bn_dropout* dropout) {
  if (dropout == nullptr) return BN_OK;
  for (int l = 1; l < layout.L; l++) {
    const double p = dropout->rates[l - 1];
    if (!(p >= 0.0 && p < 1.0)) return BN_ERR_DROPOUT;  // (NaN fails too)
  }
  return BN_OK;
}

double bn_dropout_rate(const bn_layout& layout, const bn_dropout* dropout, int l) {
  return dropout != nullptr && l >= 1 && l < layout.L ? dropout->rates[l - 1] : 0.0;
}

void bn_dropout_apply(const bn_dropout& dropout, uint64_t step, int l, float* m, int64_t rows,
                      int64_t ld, int64_t j0, int64_t j1) {
  const double p = dropout.rates[l - 1];
  const uint32_t threshold = threshold_of(p);
  const float scale = scale_of(p);
  for (int64_t r = 0; r < rows; r++) {
    const uint32_t key = bn_dropout_row_key(dropout.seed, step, l, r);
    float* mr = m + r * ld;
    // A multiplication, not a store of 0: a NaN stays visible, as in torch.nn.Dropout.
    for (int64_t j = j0; j < j1; j++)
      mr[j] = mr[j] * (bn_dropout_bits(key, j) >= threshold ? scale : 0.0f);
  }
}

bn_status bn_dropout_backward(const bn_dropout& dropout, uint64_t step, int l, float* delta,
                              const float* z, const float* a, int64_t rows, int64_t ld, int64_t j0,
                              int64_t j1, int act) {
  (void)a;  // masked; σ(z) is computed again below
  // σ(z) a chunk at a time, through the forward pass's own bias-add + σ with a zero bias (z + 0 is
  // z, and −0 + 0 = +0 changes no σ' here), so every activation code is covered as forward has it.
  constexpr int64_t kChunk = 64;
  static const float kZeros[kChunk] = {};
  float z_copy[kChunk];
  float a_true[kChunk];
  for (int64_t r = 0; r < rows; r++) {
    for (int64_t c0 = j0; c0 < j1; c0 += kChunk) {
      const int64_t n = j1 - c0 < kChunk ? j1 - c0 : kChunk;
      const int64_t o = r * ld + c0;
      for (int64_t i = 0; i < n; i++) z_copy[i] = z[o + i];
      bn_status status = bn_bias_activate(z_copy, a_true, kZeros, 1, n, act);
      if (status != BN_OK) return status;
      status = bn_activation_backward(delta + o, z + o, a_true, 1, n, act);
      if (status != BN_OK) return status;
    }
  }
  bn_dropout_apply(dropout, step, l, delta, rows, ld, j0, j1);
  return BN_OK;
}
