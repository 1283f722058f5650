// The forward pass and backpropagation (BP1..BP4) over the whole network, on the workspace
// layout of blasnet_core.h. Matrix products go through bn_sgemm; everything else is in place.
#include "blasnet_core.h"
#include "dropout.h"

namespace {

// a^(l) for l >= 1 lives in the `a` workspace; a^0 is x itself.
inline const float* activations_of(const bn_layout& layout, int l, const float* x, const float* a,
                                   int64_t batch) {
  return l == 0 ? x : a + bn_block_offset(layout, l, batch);
}

// Layers first..last (1-based) all have a derivative.
bool differentiable(const bn_layout& layout, int first, int last) {
  for (int l = first; l <= last; l++) {
    if (layout.acts[l - 1] == BN_ACT_HEAVISIDE) return false;
  }
  return true;
}

}  // namespace

bn_status bn_forward(const bn_layout& layout, const float* params, const float* x, int64_t batch,
                     float* z, float* a, const bn_dropout* dropout) {
  bn_status checked = bn_layout_check_batch(layout, batch);
  if (checked == BN_OK) checked = bn_dropout_check(layout, dropout);
  if (checked != BN_OK) return checked;
  for (int l = 1; l <= layout.L; l++) {
    const int64_t n_in = layout.sizes[l - 1];
    const int64_t n_out = layout.sizes[l];
    const float* a_prev = activations_of(layout, l - 1, x, a, batch);
    const float* w = params + layout.w_offset[l - 1];
    const float* b = params + layout.b_offset[l - 1];
    float* zl = z + bn_block_offset(layout, l, batch);
    float* al = a + bn_block_offset(layout, l, batch);
    // z^l[batch, nOut] = aPrev[batch, nIn] · w^l[nOut, nIn]ᵀ  (NoTrans, Trans; M=batch, N=nOut, K=nIn)
    bn_status status = bn_sgemm(false, true, batch, n_out, n_in, 1.0f, a_prev, w, 0.0f, zl);
    if (status != BN_OK) return status;
    // z^l += b^l; a^l = σ_l(z^l)
    status = bn_bias_activate(zl, al, b, batch, n_out, layout.acts[l - 1]);
    if (status != BN_OK) return status;
    // a^l ← a^l ∘ mask / (1 − p_l) on a hidden layer with dropout (z^l stays as it was)
    if (bn_dropout_rate(layout, dropout, l) > 0.0)
      bn_dropout_apply(*dropout, dropout->step, l, al, batch, n_out, 0, n_out);
  }
  return BN_OK;
}

bn_status bn_backward_from_output(const bn_layout& layout, const float* params, float* grad,
                                  const float* x, int64_t batch, const float* z, const float* a,
                                  float* delta, const bn_dropout* dropout) {
  bn_status checked = bn_layout_check_batch(layout, batch);
  if (checked == BN_OK) checked = bn_dropout_check(layout, dropout);
  if (checked != BN_OK) return checked;
  // Hidden layers need σ'; checked before anything is written.
  if (!differentiable(layout, 1, layout.L - 1)) return BN_ERR_NOT_DIFFERENTIABLE;
  for (int l = layout.L; l >= 1; l--) {
    const int64_t n_l = layout.sizes[l];
    const int64_t n_prev = layout.sizes[l - 1];
    const float* delta_l = delta + bn_block_offset(layout, l, batch);
    const float* a_prev = activations_of(layout, l - 1, x, a, batch);
    const float* w = params + layout.w_offset[l - 1];
    float* grad_w = grad + layout.w_offset[l - 1];
    float* grad_b = grad + layout.b_offset[l - 1];
    // BP4: gradW^l[nl, n(l-1)] = δ^l[batch, nl]ᵀ · aPrev[batch, n(l-1)]  (Trans, NoTrans; M=nl, N=n(l-1), K=batch)
    bn_status status =
        bn_sgemm(true, false, n_l, n_prev, batch, 1.0f, delta_l, a_prev, 0.0f, grad_w);
    if (status != BN_OK) return status;
    // BP3: gradB^l[nl] = Σ over the batch of δ^l
    status = bn_column_sums(delta_l, batch, n_l, 1.0f, 0.0f, grad_b);
    if (status != BN_OK) return status;
    if (l == 1) break;  // δ^0 (the input's gradient) is never needed
    float* delta_prev = delta + bn_block_offset(layout, l - 1, batch);
    // BP2: δ^(l-1)[batch, n(l-1)] = δ^l[batch, nl] · w^l[nl, n(l-1)]  (NoTrans, NoTrans; M=batch, N=n(l-1), K=nl)
    status = bn_sgemm(false, false, batch, n_prev, n_l, 1.0f, delta_l, w, 0.0f, delta_prev);
    if (status != BN_OK) return status;
    // ... ∘ σ'(z^(l-1)), and ∘ mask / (1 − p_(l−1)) with dropout (the forward pass's mask)
    const int64_t off = bn_block_offset(layout, l - 1, batch);
    status = bn_dropout_rate(layout, dropout, l - 1) > 0.0
                 ? bn_dropout_backward(*dropout, dropout->step, l - 1, delta_prev, z + off, a + off,
                                       batch, n_prev, 0, n_prev, layout.acts[l - 2])
                 : bn_activation_backward(delta_prev, z + off, a + off, batch, n_prev,
                                          layout.acts[l - 2]);
    if (status != BN_OK) return status;
  }
  return BN_OK;
}

bn_status bn_backward(const bn_layout& layout, const float* params, float* grad, const float* x,
                      int64_t batch, const float* z, const float* a, float* delta,
                      const bn_dropout* dropout) {
  const bn_status checked = bn_layout_check_batch(layout, batch);
  if (checked != BN_OK) return checked;
  if (!differentiable(layout, 1, layout.L)) return BN_ERR_NOT_DIFFERENTIABLE;
  // BP1: δ^L = ∂L/∂a^L ∘ σ'(z^L), in place on the output block.
  const int L = layout.L;
  const int64_t off = bn_block_offset(layout, L, batch);
  const bn_status status = bn_activation_backward(delta + off, z + off, a + off, batch,
                                                  layout.sizes[L], layout.acts[L - 1]);
  if (status != BN_OK) return status;
  return bn_backward_from_output(layout, params, grad, x, batch, z, a, delta, dropout);
}
