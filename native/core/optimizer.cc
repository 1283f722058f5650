// The adaptive optimizers, one short function each: Adam (and AdamW, which only adds the decoupled
// decay before it) and RMSprop, as PyTorch's torch.optim single-tensor CPU code defines them
// (foreach=False, amsgrad=False, RMSprop non-centred without momentum). The scalars of step t are
// computed in float64 and rounded to float32 once (bn_step_coef_of); every element then takes the
// same float32 operations, in the order written, whichever thread runs it, here or fused into the
// weight-gradient product's store (adam_tile, rmsprop_tile in kernel_isa.inc). SGD, momentum and
// Nesterov stay in update.cc and, fused into the weight-gradient product, in train_update.cc.
// This file is compiled without FMA (no -march), so no multiply-add is contracted: the TypeScript
// backend (lib/backend/js/optimizers.ts) repeats the same roundings with Math.fround. The loops
// vectorize (with -fno-math-errno, set for the whole addon: v is never negative, and sqrtps gives
// the bits of sqrtss).
#include <cmath>

#include "blasnet_core.h"

bn_step_coef bn_step_coef_of(const bn_hyper& h, int64_t t) {
  bn_step_coef c{};
  c.optimizer = h.optimizer;
  c.decay = h.optimizer == BN_OPT_ADAMW ? static_cast<float>(1.0 - h.learning_rate * h.weight_decay)
                                        : 1.0f;
  c.eps = static_cast<float>(h.eps);
  if (h.optimizer == BN_OPT_RMSPROP) {
    c.keep2 = static_cast<float>(h.beta1);  // α
    c.take2 = static_cast<float>(1.0 - h.beta1);
    c.bias2_sqrt = 1.0f;
    c.neg_step = static_cast<float>(-h.learning_rate);
    return c;
  }
  const double td = static_cast<double>(t);
  c.keep1 = static_cast<float>(h.beta1);
  c.take1 = static_cast<float>(1.0 - h.beta1);
  c.keep2 = static_cast<float>(h.beta2);
  c.take2 = static_cast<float>(1.0 - h.beta2);
  // step_size = lr / (1 − β1^t); denominator sqrt(v) / sqrt(1 − β2^t) + eps (torch's adam.py).
  c.bias2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(h.beta2, td)));
  c.neg_step = static_cast<float>(-(h.learning_rate / (1.0 - std::pow(h.beta1, td))));
  const float step = std::fabs(c.neg_step);
  c.still_denom = step >= 0x1p-60f ? step * 0x1p-40f : INFINITY;
  return c;
}

namespace {

// Adam, step t (AdamW: p ← p·(1 − η·λ) first):
//   g ← g + l2·p;  m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²
//   p ← p − η/(1 − β1^t) · m / (sqrt(v) / sqrt(1 − β2^t) + eps)
// Fused into the weight-gradient product, kernel_isa.inc's adam_tile repeats these operations in
// this order on a vector: change both together (test/92-adaptive-fused.test.ts holds them equal).
void adam(const bn_step_coef& c, float* p, const float* g, float* m, float* v, int64_t n,
          float l2) {
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i] + l2 * p[i];
    const float pi = p[i] * c.decay;
    const float mi = c.keep1 * m[i] + c.take1 * gi;
    const float vi = c.keep2 * v[i] + c.take2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const float denom = std::sqrt(vi) / c.bias2_sqrt + c.eps;
    p[i] = pi + c.neg_step * (mi / denom);
  }
}

// RMSprop (non-centred, no momentum):
//   g ← g + l2·p;  v ← α v + (1 − α) g²;  p ← p − η · g / (sqrt(v) + eps)
// Its vector twin in the kernel's store: kernel_isa.inc's rmsprop_tile (change both together).
void rmsprop(const bn_step_coef& c, float* p, const float* g, float* v, int64_t n, float l2) {
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i] + l2 * p[i];
    const float vi = c.keep2 * v[i] + c.take2 * gi * gi;
    v[i] = vi;
    p[i] = p[i] + c.neg_step * (gi / (std::sqrt(vi) + c.eps));
  }
}

}  // namespace

void bn_adaptive_step(const bn_step_coef& c, float* p, const float* g, float* s0, float* s1,
                      int64_t n, float l2) {
  if (c.optimizer == BN_OPT_RMSPROP)
    rmsprop(c, p, g, s0, n, l2);
  else
    adam(c, p, g, s0, s1, n, l2);
}
