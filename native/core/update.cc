// The optimizer step (the UpdateHyper rules of lib/backend/types.ts) over the flat parameter
// buffer. Weight decay applies to weights only, never biases (Nielsen's network2.py), so the
// buffer is walked layer by layer: w^l with decay, then b^l without.
#include <cmath>

#include "blasnet_core.h"

namespace {

// p ← p − η g'   with g' = g + decay · p   (velocity untouched)
void sgd(float* p, const float* g, int64_t count, double eta, double decay) {
  for (int64_t i = 0; i < count; i++) {
    const double w = p[i];
    p[i] = static_cast<float>(w - eta * (g[i] + decay * w));
  }
}

// v ← μ v − η g';  p ← p + v   (classical momentum)
// v ← μ v − η g';  p ← p + μ v − η g'   (Nesterov, Sutskever's form)
void momentum(float* p, const float* g, float* v, int64_t count, const bn_hyper& h, double decay) {
  for (int64_t i = 0; i < count; i++) {
    const double w = p[i];
    const double step = h.learning_rate * (g[i] + decay * w);
    v[i] = static_cast<float>(h.momentum * v[i] - step);
    const double vel = v[i];  // the stored velocity, as the JS backend reads it back
    p[i] = static_cast<float>(h.nesterov ? w + h.momentum * vel - step : w + vel);
  }
}

void step(float* p, const float* g, float* v, int64_t count, const bn_hyper& h, double decay) {
  if (h.momentum == 0.0) {
    sgd(p, g, count, h.learning_rate, decay);
  } else {
    momentum(p, g, v, count, h, decay);
  }
}

}  // namespace

bn_status bn_hyper_check(const bn_hyper& h, bool has_velocity) {
  if (!std::isfinite(h.learning_rate) || h.learning_rate < 0.0) return BN_ERR_HYPER;
  if (!std::isfinite(h.momentum) || h.momentum < 0.0 || h.momentum > 1.0) return BN_ERR_HYPER;
  if (!std::isfinite(h.l2) || h.l2 < 0.0) return BN_ERR_HYPER;
  if (h.momentum > 0.0 && !has_velocity) return BN_ERR_HYPER;
  return BN_OK;
}

bn_status bn_update(const bn_layout& layout, float* params, const float* grad, float* velocity,
                    const bn_hyper& hyper) {
  const bn_status status = bn_hyper_check(hyper, velocity != nullptr);
  if (status != BN_OK) return status;
  for (int l = 1; l <= layout.L; l++) {
    const int64_t w = layout.w_offset[l - 1];
    const int64_t b = layout.b_offset[l - 1];
    float* v_w = velocity != nullptr ? velocity + w : nullptr;
    float* v_b = velocity != nullptr ? velocity + b : nullptr;
    step(params + w, grad + w, v_w, layout.sizes[l] * layout.sizes[l - 1], hyper, hyper.l2);
    step(params + b, grad + b, v_b, layout.sizes[l], hyper, 0.0);
  }
  return BN_OK;
}
