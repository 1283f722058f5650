// Many training steps in one call (bn_train_batches in blasnet_core.h): the training loop crosses
// N-API once per chunk of mini-batches, gathers each shuffled batch straight from the dataset
// (bytes converted on the way), and fuses the optimizer step into the backward pass, so no
// gradient buffer is written and read back and no separate update pass runs over the weights.
#include <cmath>

#include "blasnet_core.h"

namespace {

// a^(l) for l >= 1 lives in the `a` workspace; a^0 is the gathered batch.
inline const float* activations_of(const bn_layout& layout, int l, const float* x, const float* a, int64_t rows) {
  return l == 0 ? x : a + bn_block_offset(layout, l, rows);
}

// Predicted classes of a [rows, cols] output block against labels[order[i]]: the default decoder
// of the TypeScript loop (argmaxRows): the first largest output, or output > 0.5 for one column.
int64_t count_correct(const float* out, int64_t rows, int64_t cols, const uint8_t* labels, const uint32_t* order) {
  int64_t correct = 0;
  for (int64_t r = 0; r < rows; r++) {
    const float* o = out + r * cols;
    int64_t best = 0;
    if (cols == 1) {
      best = o[0] > 0.5f ? 1 : 0;
    } else {
      float best_value = o[0];
      for (int64_t j = 1; j < cols; j++) {
        if (o[j] > best_value) {
          best_value = o[j];
          best = j;
        }
      }
    }
    if (best == labels[order[r]]) correct++;
  }
  return correct;
}

// The step's passes over one layer's parameters p (weights or biases) and velocity v, around the
// gradient product that accumulates −η·g into its target (see bn_train_batches):
//   before: Nesterov p ← p − μ v and v ← μ v − η·l2·p_old; classical momentum with l2:
//           v ← μ v − η·l2·p (without l2 the μ goes into the product's beta instead)
//   after:  momentum p ← p + v; Nesterov p ← p + (1 + μ) v
void before_step(float* p, float* v, int64_t count, const bn_hyper& h, double l2) {
  const float mu = static_cast<float>(h.momentum);
  const float decay = static_cast<float>(h.learning_rate * l2);
  if (h.nesterov) {
    for (int64_t i = 0; i < count; i++) {
      const float w = p[i];
      p[i] = w - mu * v[i];
      v[i] = mu * v[i] - decay * w;
    }
  } else {
    for (int64_t i = 0; i < count; i++) v[i] = mu * v[i] - decay * p[i];
  }
}

void after_step(float* p, const float* v, int64_t count, const bn_hyper& h) {
  const float f = h.nesterov ? static_cast<float>(1.0 + h.momentum) : 1.0f;
  for (int64_t i = 0; i < count; i++) p[i] += f * v[i];
}

// Where the fused product accumulates −η·g for one block of `count` parameters, and with which
// beta: plain SGD into p with beta = 1 − η·l2; momentum into v with beta = μ (or 1 after a pass).
struct step_target {
  float* target;
  float beta;
  bool pass_before;
};

step_target target_of(float* p, float* v, const bn_hyper& h, double l2) {
  if (h.momentum == 0.0) return {p, static_cast<float>(1.0 - h.learning_rate * l2), false};
  const bool pass = h.nesterov || l2 != 0.0;
  return {v, pass ? 1.0f : static_cast<float>(h.momentum), pass};
}

// BP2..BP4 with the step fused in, for `rows` examples whose δ^L is already in delta's output block.
bn_status backward_and_step(const bn_layout& layout, float* params, float* velocity, const float* x, int64_t rows,
                            const float* z, const float* a, float* delta, const bn_hyper& h) {
  const float neg_eta = static_cast<float>(-h.learning_rate);
  for (int l = layout.L; l >= 1; l--) {
    const int64_t n_l = layout.sizes[l];
    const int64_t n_prev = layout.sizes[l - 1];
    const float* delta_l = delta + bn_block_offset(layout, l, rows);
    const float* a_prev = activations_of(layout, l - 1, x, a, rows);
    float* w = params + layout.w_offset[l - 1];
    float* b = params + layout.b_offset[l - 1];
    float* v_w = velocity != nullptr ? velocity + layout.w_offset[l - 1] : nullptr;
    float* v_b = velocity != nullptr ? velocity + layout.b_offset[l - 1] : nullptr;
    if (l > 1) {
      // BP2 first, with w^l as it was before this step: δ^(l-1)[rows, n(l-1)] = δ^l[rows, nl] · w^l[nl, n(l-1)]
      // (NoTrans, NoTrans; M=rows, N=n(l-1), K=nl)
      float* delta_prev = delta + bn_block_offset(layout, l - 1, rows);
      bn_status status = bn_sgemm(false, false, rows, n_prev, n_l, 1.0f, delta_l, w, 0.0f, delta_prev);
      if (status != BN_OK) return status;
      const int64_t off = bn_block_offset(layout, l - 1, rows);
      status = bn_activation_backward(delta_prev, z + off, a + off, rows, n_prev, layout.acts[l - 2]);
      if (status != BN_OK) return status;
    }
    // BP4 fused with the step: target[nl, n(l-1)] = −η · δ^l[rows, nl]ᵀ · aPrev[rows, n(l-1)] + beta · target
    // (Trans, NoTrans; M=nl, N=n(l-1), K=rows), target = w^l (plain SGD) or its velocity.
    // With momentum the after-step w += f·v rides along in the product's write-back.
    const step_target tw = target_of(w, v_w, h, h.l2);
    if (tw.pass_before) before_step(w, v_w, n_l * n_prev, h, h.l2);
    bn_status status = h.momentum != 0.0
                           ? bn_sgemm_step(true, n_l, n_prev, rows, neg_eta, delta_l, a_prev, tw.beta, tw.target, w,
                                           h.nesterov ? static_cast<float>(1.0 + h.momentum) : 1.0f)
                           : bn_sgemm(true, false, n_l, n_prev, rows, neg_eta, delta_l, a_prev, tw.beta, tw.target);
    if (status != BN_OK) return status;
    // BP3 fused likewise (no weight decay on biases): target[nl] = −η · Σ_rows δ^l + beta · target
    const step_target tb = target_of(b, v_b, h, 0.0);
    if (tb.pass_before) before_step(b, v_b, n_l, h, 0.0);
    status = bn_column_sums(delta_l, rows, n_l, neg_eta, tb.beta, tb.target);
    if (status != BN_OK) return status;
    if (h.momentum != 0.0) after_step(b, v_b, n_l, h);
  }
  return BN_OK;
}

}  // namespace

bn_status bn_train_batches(const bn_layout& layout, float* params, float* velocity, const bn_inputs& inputs,
                           const float* y, const uint8_t* labels, const uint32_t* order, int64_t order_length,
                           int64_t start, int64_t batch, int64_t batches, int loss, float* z, float* a,
                           float* delta, float* x_batch, float* y_batch, const bn_hyper& hyper, double* out,
                           int64_t* done) {
  *done = 0;
  if (batch < 1 || batch > 0x7fffffff || batches < 0 || start < 0 || order_length < 0) return BN_ERR_SIZE;
  if (batches == 0) return BN_OK;
  if (start + (batches - 1) * batch >= order_length) return BN_ERR_SIZE;
  if (loss < 0 || loss > BN_LOSS_MAX) return BN_ERR_LOSS;
  const int L = layout.L;
  const int out_act = layout.acts[L - 1];
  if (loss == BN_LOSS_CROSS_ENTROPY && out_act != BN_ACT_SOFTMAX) return BN_ERR_LOSS_ACTIVATION;
  if (loss == BN_LOSS_BINARY_CROSS_ENTROPY && out_act != BN_ACT_SIGMOID) return BN_ERR_LOSS_ACTIVATION;
  for (int l = 1; l <= L; l++) {
    if (layout.acts[l - 1] == BN_ACT_HEAVISIDE) return BN_ERR_NOT_DIFFERENTIABLE;
  }
  bn_status status = bn_hyper_check(hyper, velocity != nullptr);
  if (status != BN_OK) return status;
  if ((inputs.f32 == nullptr) == (inputs.u8 == nullptr)) return BN_ERR_SIZE;
  const int64_t end = start + batches * batch < order_length ? start + batches * batch : order_length;
  // Every example index is checked before any parameter moves: a bad index fails the whole call.
  for (int64_t i = start; i < end; i++) {
    if (order[i] >= static_cast<uint64_t>(inputs.rows)) return BN_ERR_INDEX;
  }
  const int64_t n0 = layout.sizes[0];
  const int64_t n_out = layout.sizes[L];
  for (int64_t bi = 0; bi < batches; bi++) {
    const int64_t first = start + bi * batch;
    const int64_t rows = end - first < batch ? end - first : batch;
    const uint32_t* idx = order + first;
    // The batch, gathered straight from the dataset: x_batch[rows, n0], y_batch[rows, nL].
    status = inputs.u8 != nullptr
                 ? bn_gather_rows_u8(inputs.u8, inputs.rows, n0, idx, rows, inputs.scale, inputs.offset, x_batch)
                 : bn_gather_rows(inputs.f32, inputs.rows, n0, idx, rows, x_batch);
    if (status != BN_OK) return status;
    status = bn_gather_rows(y, inputs.rows, n_out, idx, rows, y_batch);
    if (status != BN_OK) return status;
    status = bn_forward(layout, params, x_batch, rows, z, a);
    if (status != BN_OK) return status;
    const int64_t off = bn_block_offset(layout, L, rows);
    double value = 0.0;
    status = bn_loss_value(loss, out_act, z + off, a + off, y_batch, rows, n_out, &value);
    if (status != BN_OK) return status;
    out[2 * bi] = value;
    out[2 * bi + 1] = labels != nullptr ? static_cast<double>(count_correct(a + off, rows, n_out, labels, idx)) : 0.0;
    status = bn_output_delta(loss, out_act, z + off, a + off, y_batch, rows, n_out, delta + off);
    if (status != BN_OK) return status;
    status = backward_and_step(layout, params, velocity, x_batch, rows, z, a, delta, hyper);
    if (status != BN_OK) return status;
    *done = bi + 1;
    if (!std::isfinite(value)) break;
  }
  return BN_OK;
}
