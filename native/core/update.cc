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
  const auto in = [](double x, double lo, double hi) {
    return std::isfinite(x) && x >= lo && x <= hi;
  };
  if (!in(h.learning_rate, 0.0, HUGE_VAL) || !in(h.momentum, 0.0, 1.0) || !in(h.l2, 0.0, HUGE_VAL))
    return BN_ERR_HYPER;
  if (h.steps < 0 || (bn_state_slots(h) > 0 && !has_velocity)) return BN_ERR_HYPER;
  switch (h.optimizer) {
    case BN_OPT_SGD:
      return BN_OK;
    case BN_OPT_ADAM:
    case BN_OPT_ADAMW:
      return h.momentum == 0.0 && !h.nesterov && in(h.beta1, 0.0, 1.0) && h.beta1 < 1.0 &&
                     in(h.beta2, 0.0, 1.0) && h.beta2 < 1.0 && in(h.eps, 0.0, HUGE_VAL) &&
                     in(h.weight_decay, 0.0, HUGE_VAL)
                 ? BN_OK
                 : BN_ERR_HYPER;
    case BN_OPT_RMSPROP:
      return h.momentum == 0.0 && !h.nesterov && in(h.beta1, 0.0, 1.0) && in(h.eps, 0.0, HUGE_VAL)
                 ? BN_OK
                 : BN_ERR_HYPER;
    default:
      return BN_ERR_HYPER;
  }
}

bn_status bn_update(const bn_layout& layout, float* params, const float* grad, float* velocity,
                    const bn_hyper& hyper) {
  const bn_status status = bn_hyper_check(hyper, velocity != nullptr);
  if (status != BN_OK) return status;
  if (bn_adaptive(hyper)) {
    // Adam, AdamW, RMSprop (optimizer.cc): step t = steps + 1, l2 on weights only.
    const bn_step_coef c = bn_step_coef_of(hyper, hyper.steps + 1);
    const int64_t count = layout.param_count;
    float* s1 = bn_state_slots(hyper) > 1 ? velocity + count : nullptr;
    for (int l = 1; l <= layout.L; l++) {
      const int64_t w = layout.w_offset[l - 1];
      const int64_t b = layout.b_offset[l - 1];
      bn_adaptive_step(c, params + w, grad + w, velocity + w, s1 != nullptr ? s1 + w : nullptr,
                       b - w, static_cast<float>(hyper.l2));
      bn_adaptive_step(c, params + b, grad + b, velocity + b, s1 != nullptr ? s1 + b : nullptr,
                       layout.sizes[l], 0.0f);
    }
    return BN_OK;
  }
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
