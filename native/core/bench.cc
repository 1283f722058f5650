// Benchmark loops, timed entirely in C++ so the cost of crossing N-API is visible by difference.
// Not on any training path: these are the only core functions that allocate (their own scratch
// buffers, outside the timed loop).
#include <chrono>
#include <vector>

#include "blasnet_core.h"

namespace {

void fill(std::vector<float>& v, int salt) {
  for (size_t i = 0; i < v.size(); i++) v[i] = static_cast<float>((i * 7 + salt) % 251) / 251.0f - 0.25f;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

double bn_bench_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, int64_t reps) {
  if (m < 1 || n < 1 || k < 1 || reps < 0) return -1.0;
  std::vector<float> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n)), c(static_cast<size_t>(m * n));
  fill(a, 1);
  fill(b, 2);
  if (bn_sgemm(trans_a, trans_b, m, n, k, 1.0f, a.data(), b.data(), 0.0f, c.data()) != BN_OK) return -1.0;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t r = 0; r < reps; r++) {
    // c[m, n] = op(a)[m, k] · op(b)[k, n] through the core's sgemm (its lock and its dispatch)
    bn_sgemm(trans_a, trans_b, m, n, k, 1.0f, a.data(), b.data(), 0.0f, c.data());
  }
  return seconds_since(start);
}

double bn_bench_epoch_gemms(const bn_layout& layout, int64_t examples, int64_t batch, float beta) {
  if (examples < 1 || batch < 1) return -1.0;
  const int L = layout.L;
  std::vector<float> params(static_cast<size_t>(layout.param_count)), grad(params.size());
  std::vector<float> x(static_cast<size_t>(batch * layout.sizes[0]));
  std::vector<float> a(static_cast<size_t>(batch * layout.units_per_example)), z(a.size()), delta(a.size());
  fill(params, 3);
  fill(x, 4);
  fill(a, 5);
  fill(delta, 6);
  // beta = 0: the gradient into its own buffer (trainBatch). Otherwise the fused step's product:
  // −η·δᵀ·a accumulated with that beta (1: plain SGD into the weights; μ: into the velocity); a
  // tiny η keeps the target finite and away from subnormals however many batches run.
  const bool fused = beta != 0.0f;
  const float alpha_w = fused ? -1e-9f : 1.0f;
  const float beta_w = beta;
  float* w_target = grad.data();
  if (fused) fill(grad, 7);
  const auto start = std::chrono::steady_clock::now();
  for (int64_t first = 0; first < examples; first += batch) {
    const int64_t rows = examples - first < batch ? examples - first : batch;
    for (int l = 1; l <= L; l++) {
      const float* a_prev = l == 1 ? x.data() : a.data() + bn_block_offset(layout, l - 1, rows);
      // z^l[rows, nl] = aPrev[rows, n(l-1)] · w^l[nl, n(l-1)]ᵀ  (NoTrans, Trans)
      bn_sgemm(false, true, rows, layout.sizes[l], layout.sizes[l - 1], 1.0f, a_prev,
               params.data() + layout.w_offset[l - 1], 0.0f, z.data() + bn_block_offset(layout, l, rows));
    }
    for (int l = L; l >= 1; l--) {
      const float* a_prev = l == 1 ? x.data() : a.data() + bn_block_offset(layout, l - 1, rows);
      const float* delta_l = delta.data() + bn_block_offset(layout, l, rows);
      // gradW^l[nl, n(l-1)] = δ^l[rows, nl]ᵀ · aPrev[rows, n(l-1)]  (Trans, NoTrans), or fused into w^l
      bn_sgemm(true, false, layout.sizes[l], layout.sizes[l - 1], rows, alpha_w, delta_l, a_prev, beta_w,
               w_target + layout.w_offset[l - 1]);
      if (l == 1) break;
      // δ^(l-1)[rows, n(l-1)] = δ^l[rows, nl] · w^l[nl, n(l-1)]  (NoTrans, NoTrans)
      bn_sgemm(false, false, rows, layout.sizes[l - 1], layout.sizes[l], 1.0f, delta_l,
               params.data() + layout.w_offset[l - 1], 0.0f, delta.data() + bn_block_offset(layout, l - 1, rows));
    }
  }
  return seconds_since(start);
}
