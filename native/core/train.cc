// One whole training step in one call, so the training loop crosses N-API once per mini-batch
// (forward, loss, fused output delta, backward, update) instead of once per kernel.
#include "blasnet_core.h"

namespace {

// Everything that can be wrong with the codes is found before a single buffer is written.
bn_status check(const bn_layout& layout, int64_t batch, int loss, const float* velocity,
                const bn_hyper* hyper) {
  if (batch < 1) return BN_ERR_SIZE;
  const bn_status fits = bn_layout_check_batch(layout, batch);
  if (fits != BN_OK) return fits;
  if (loss < 0 || loss > BN_LOSS_MAX) return BN_ERR_LOSS;
  const int out = layout.acts[layout.L - 1];
  if (loss == BN_LOSS_CROSS_ENTROPY && out != BN_ACT_SOFTMAX) return BN_ERR_LOSS_ACTIVATION;
  if (loss == BN_LOSS_BINARY_CROSS_ENTROPY && out != BN_ACT_SIGMOID) return BN_ERR_LOSS_ACTIVATION;
  for (int l = 1; l <= layout.L; l++) {
    if (layout.acts[l - 1] == BN_ACT_HEAVISIDE) return BN_ERR_NOT_DIFFERENTIABLE;
  }
  return hyper != nullptr ? bn_hyper_check(*hyper, velocity != nullptr) : BN_OK;
}

}  // namespace

bn_status bn_train_batch(const bn_layout& layout, float* params, float* grad, float* velocity,
                         const float* x, const float* y, int64_t batch, int loss, float* z,
                         float* a, float* delta, const bn_hyper* hyper, double* loss_value,
                         const bn_dropout* dropout) {
  bn_status status = check(layout, batch, loss, velocity, hyper);
  if (status != BN_OK) return status;
  status = bn_forward(layout, params, x, batch, z, a, dropout);
  if (status != BN_OK) return status;
  const int L = layout.L;
  const int64_t off = bn_block_offset(layout, L, batch);
  const int64_t n_out = layout.sizes[L];
  const int act = layout.acts[L - 1];
  // The loss before the update, from the same forward pass the gradient uses.
  status = bn_loss_value(loss, act, z + off, a + off, y, batch, n_out, loss_value);
  if (status != BN_OK) return status;
  status = bn_output_delta(loss, act, z + off, a + off, y, batch, n_out, delta + off);
  if (status != BN_OK) return status;
  status = bn_backward_from_output(layout, params, grad, x, batch, z, a, delta, dropout);
  if (status != BN_OK) return status;
  return hyper != nullptr ? bn_update(layout, params, grad, velocity, *hyper) : BN_OK;
}
