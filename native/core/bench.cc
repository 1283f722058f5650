// Benchmark loops, timed entirely in C++ so the cost of crossing N-API is visible by difference.
// Not on any training path: these are the only core functions that allocate (their own scratch
// buffers, outside the timed loop).
#include <chrono>
#include <cstdint>
#include <vector>

#include "blasnet_core.h"
#include "checked.h"
#include "train_plan.h"

namespace {

void fill(std::vector<float>& v, int salt) {
  for (size_t i = 0; i < v.size(); i++)
    v[i] = static_cast<float>((i * 7 + salt) % 251) / 251.0f - 0.25f;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

double bn_bench_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, int64_t reps) {
  if (m < 1 || n < 1 || k < 1 || reps < 0) return -1.0;
  if (!bn_block_fits(m, k) || !bn_block_fits(k, n) || !bn_block_fits(m, n)) return -1.0;
  std::vector<float> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n)),
      c(static_cast<size_t>(m * n));
  fill(a, 1);
  fill(b, 2);
  if (bn_sgemm(trans_a, trans_b, m, n, k, 1.0f, a.data(), b.data(), 0.0f, c.data()) != BN_OK)
    return -1.0;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t r = 0; r < reps; r++) {
    // c[m, n] = op(a)[m, k] · op(b)[k, n] through the core's sgemm (its lock and its dispatch)
    bn_sgemm(trans_a, trans_b, m, n, k, 1.0f, a.data(), b.data(), 0.0f, c.data());
  }
  return seconds_since(start);
}

double bn_bench_epoch_gemms(const bn_layout& layout, int64_t examples, int64_t batch, float beta) {
  if (examples < 1 || batch < 1 || bn_layout_check_batch(layout, batch) != BN_OK) return -1.0;
  if (examples > UINT32_MAX) return -1.0;
  // A dataset of one batch's rows, visited in order: every batch of the epoch reads the same rows
  // (the ceiling runs no gather). order has `examples` entries, i → i mod batch.
  const int64_t n0 = layout.sizes[0];
  const int64_t n_out = layout.sizes[layout.L];
  std::vector<float> x(static_cast<size_t>(batch * n0)), y(static_cast<size_t>(batch * n_out));
  std::vector<uint32_t> order(static_cast<size_t>(examples));
  for (int64_t i = 0; i < examples; i++)
    order[static_cast<size_t>(i)] = static_cast<uint32_t>(i % batch);
  std::vector<float> params(static_cast<size_t>(layout.param_count));
  std::vector<float> a(static_cast<size_t>(batch * layout.units_per_example)), z(a.size()),
      delta(a.size());
  fill(params, 3);
  fill(x, 4);
  fill(a, 5);
  fill(delta, 6);
  // The optimizer whose products the ceiling runs: beta = 0, the gradient into a buffer of its own
  // (Adam's product, as trainBatch's); 1, plain SGD accumulating into the weights; otherwise
  // momentum μ = beta accumulating into the velocity. A tiny η keeps the targets finite and away
  // from subnormals however many batches run.
  bn_hyper hyper{1e-9, 0.0, false, 0.0};
  if (beta == 0.0f) {
    hyper.optimizer = BN_OPT_ADAM;
    hyper.beta1 = 0.9;
    hyper.beta2 = 0.999;
    hyper.eps = 1e-8;
  } else if (beta != 1.0f) {
    hyper.momentum = beta;
  }
  std::vector<float> velocity(static_cast<size_t>(bn_state_slots(hyper) * layout.param_count));
  fill(velocity, 7);
  const bn_train_data data{
      {x.data(), nullptr, 1.0f, 0.0f, batch}, y.data(), nullptr, order.data(), examples};
  const bn_train_workspace workspace{z.data(), a.data(), delta.data(), x.data(), y.data()};
  const int64_t batches = (examples + batch - 1) / batch;
  const auto start = std::chrono::steady_clock::now();
  const bn_status status =
      bn_train_gemms(layout, params.data(), velocity.empty() ? nullptr : velocity.data(), data,
                     batch, batches, workspace, hyper);
  return status == BN_OK ? seconds_since(start) : -1.0;
}
