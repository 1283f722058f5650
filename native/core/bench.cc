// Benchmark loops, timed entirely in C++ so the cost of crossing N-API is visible by difference.
// Not on any training path: these are the only core functions that allocate (their own scratch
// buffers, outside the timed loop).
#include <chrono>
#include <vector>

#include "blasnet_core.h"
#include "checked.h"
#include "team.h"

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

namespace {

// The GEMMs of bn_bench_epoch_gemms, shared by its team.
struct gemm_job {
  const bn_layout& layout;
  int64_t examples, batch;
  float alpha_w, beta_w;
  const float* x;
  float *params, *w_target, *z, *a, *delta;
  bool everywhere;   // every part computes the whole output layer (bn_output_everywhere)
  float* own_z_out;  // parts 1..: their own z^L blocks, [batch, nL] each
  // w^1 and its step's target kept transposed (bn_first_transposed), [n0, n1] each; null when not.
  const float* w1t;
  float* target1t;
  bn_barrier barrier;
  bn_shares forward[2], backward[2];  // batch b split by pair b % 2, as in bn_train_batches
};

// Rows [i0, i1) × columns [j0, j1) of a product: on the kernels (a team, or w^1 kept transposed)
// this part's block, otherwise the whole one through bn_sgemm (as train_batches.cc does).
void gemm(bool on_kernels, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, const float* b, float beta, float* c, int64_t i0, int64_t i1, int64_t j0,
          int64_t j1) {
  if (!on_kernels)
    bn_sgemm(trans_a, trans_b, m, n, k, alpha, a, b, beta, c);
  else
    bn_kernel_sgemm_block(trans_a, trans_b, m, n, k, alpha, a, b, beta, c, nullptr, 0.0f, i0, i1,
                          j0, j1);
}

// Part t's share of every batch's GEMMs, divided exactly as bn_train_batches divides them (the
// same units per part, the same barriers, the same rebalancing), with nothing else between them.
void epoch_gemms(const void* raw, int t, int parts) {
  gemm_job& g = *const_cast<gemm_job*>(static_cast<const gemm_job*>(raw));
  const bn_layout& layout = g.layout;
  const int L = layout.L;
  const int64_t n_out = layout.sizes[L];
  int64_t bi = 0;
  for (int64_t first = 0; first < g.examples; first += g.batch, bi++) {
    g.barrier.wait();  // where the batch is gathered and the last step done
    if (t == 0 && parts > 1 && bi > 0) {
      g.forward[(bi + 1) & 1].rebalance();
      g.backward[(bi + 1) & 1].rebalance();
    }
    bn_shares& forward = g.forward[bi & 1];
    bn_shares& backward = g.backward[bi & 1];
    const int64_t rows = g.examples - first < g.batch ? g.examples - first : g.batch;
    double busy_forward = 0.0;
    double busy_backward = 0.0;
    for (int l = 1; l <= L; l++) {
      const float* a_prev = l == 1 ? g.x : g.a + bn_block_offset(layout, l - 1, rows);
      float* z = g.z + bn_block_offset(layout, l, rows);
      int64_t i0 = 0;
      int64_t i1 = rows;
      int64_t j0 = 0;
      int64_t j1 = layout.sizes[l];
      if (l < L) {
        forward.split(layout.sizes[l], t, &j0, &j1);
      } else if (g.everywhere) {
        if (t > 0) z = g.own_z_out + (t - 1) * g.batch * n_out;
      } else {
        bn_split(rows, t, parts, &i0, &i1);
      }
      const double began = bn_shares::now();
      if (l == 1 && g.w1t != nullptr) {
        // z^1[rows, n1] = x[rows, n0] · (w^1)ᵀ[n0, n1]  (NoTrans, NoTrans; M=rows, N=n1, K=n0)
        gemm(true, false, false, rows, layout.sizes[1], layout.sizes[0], 1.0f, a_prev, g.w1t, 0.0f,
             z, i0, i1, j0, j1);
      } else {
        // z^l[rows, nl] = aPrev[rows, n(l-1)] · w^l[nl, n(l-1)]ᵀ  (NoTrans, Trans; M=rows, N=nl, K=n(l-1))
        gemm(parts > 1, false, true, rows, layout.sizes[l], layout.sizes[l - 1], 1.0f, a_prev,
             g.params + layout.w_offset[l - 1], 0.0f, z, i0, i1, j0, j1);
      }
      if (l < L) {
        busy_forward += bn_shares::now() - began;
        g.barrier.wait();
      } else if (!g.everywhere) {
        g.barrier.wait();
      }
    }
    for (int l = L; l >= 1; l--) {
      const int64_t n_l = layout.sizes[l];
      const int64_t n_prev = layout.sizes[l - 1];
      const float* a_prev = l == 1 ? g.x : g.a + bn_block_offset(layout, l - 1, rows);
      const float* delta_l = g.delta + bn_block_offset(layout, l, rows);
      float* w = g.params + layout.w_offset[l - 1];
      int64_t p0 = 0;
      int64_t p1 = 0;
      backward.split(n_prev, t, &p0, &p1);
      double began = bn_shares::now();
      if (l > 1) {
        // δ^(l-1)[rows, n(l-1)] = δ^l[rows, nl] · w^l[nl, n(l-1)]  (NoTrans, NoTrans; M=rows, N=n(l-1), K=nl)
        gemm(parts > 1, false, false, rows, n_prev, n_l, 1.0f, delta_l, w, 0.0f,
             g.delta + bn_block_offset(layout, l - 1, rows), 0, rows, p0, p1);
        busy_backward += bn_shares::now() - began;
        if (bn_barrier_after_bp2(L, l)) {
          g.barrier.wait();
          began = bn_shares::now();
        }
      }
      int64_t i0 = 0;
      int64_t i1 = n_l;
      int64_t j0 = p0;
      int64_t j1 = p1;
      if (l < L || L == 1) {
        backward.split(n_l, t, &i0, &i1);
        j0 = 0;
        j1 = n_prev;
      }
      if (l == 1 && g.w1t != nullptr) {
        // target[n0, n1] += x[rows, n0]ᵀ · δ^1[rows, n1]  (Trans, NoTrans; M=n0, N=n1, K=rows; columns [i0, i1))
        gemm(true, true, false, n_prev, n_l, rows, g.alpha_w, a_prev, delta_l, g.beta_w, g.target1t,
             0, n_prev, i0, i1);
      } else {
        // gradW^l[nl, n(l-1)] = δ^l[rows, nl]ᵀ · aPrev[rows, n(l-1)]  (Trans, NoTrans; M=nl, N=n(l-1), K=rows),
        // or accumulated into w^l's target as the fused step does
        gemm(parts > 1, true, false, n_l, n_prev, rows, g.alpha_w, delta_l, a_prev, g.beta_w,
             g.w_target + layout.w_offset[l - 1], i0, i1, j0, j1);
      }
      busy_backward += bn_shares::now() - began;
    }
    forward.record(t, busy_forward);
    backward.record(t, busy_backward);
  }
  g.barrier.wait();  // as bn_train_batches meets once more before publishing the output layer
}

}  // namespace

double bn_bench_epoch_gemms(const bn_layout& layout, int64_t examples, int64_t batch, float beta) {
  if (examples < 1 || batch < 1 || bn_layout_check_batch(layout, batch) != BN_OK) return -1.0;
  // The team's own output blocks, (parts − 1) · batch · nL with at most kMaxParts parts: within
  // kMaxParts · batch · (n1 + ... + nL).
  int64_t own_outputs = 0;
  if (bn_checked_mul(batch * layout.units_per_example, bn_shares::kMaxParts, &own_outputs) != BN_OK)
    return -1.0;
  std::vector<float> params(static_cast<size_t>(layout.param_count)), grad(params.size());
  std::vector<float> x(static_cast<size_t>(batch * layout.sizes[0]));
  std::vector<float> a(static_cast<size_t>(batch * layout.units_per_example)), z(a.size()),
      delta(a.size());
  fill(params, 3);
  fill(x, 4);
  fill(a, 5);
  fill(delta, 6);
  // beta = 0: the gradient into its own buffer (trainBatch). Otherwise the fused step's product:
  // −η·δᵀ·a accumulated with that beta (1: plain SGD into the weights; μ: into the velocity); a
  // tiny η keeps the target finite and away from subnormals however many batches run.
  const bool fused = beta != 0.0f;
  if (fused) fill(grad, 7);
  // As many parts as bn_train_batches uses for this network and batch (the pool may be busy: then alone).
  for (int attempt = bn_team_size(layout, batch); attempt >= 1; attempt = attempt > 1 ? 1 : 0) {
    const bool everywhere = attempt > 1 && bn_output_everywhere(layout);
    std::vector<float> own_z_out(
        everywhere ? static_cast<size_t>((attempt - 1) * batch * layout.sizes[layout.L]) : 0);
    const bool transposed = bn_first_transposed(layout, batch);
    // (w^1)ᵀ and its target as train_batches.cc keeps them: w^1's values (any, for timing) and the
    // target's, moved to the transposed places.
    std::vector<float> w1t(transposed ? static_cast<size_t>(layout.sizes[0] * layout.sizes[1]) : 0);
    std::vector<float> target1t(w1t.size());
    fill(w1t, 3);
    fill(target1t, 7);
    gemm_job g{layout,
               examples,
               batch,
               fused ? -1e-9f : 1.0f,
               beta,
               x.data(),
               params.data(),
               grad.data(),
               z.data(),
               a.data(),
               delta.data(),
               everywhere,
               own_z_out.data(),
               transposed ? w1t.data() : nullptr,
               transposed ? target1t.data() : nullptr,
               bn_barrier(attempt),
               {bn_shares(attempt), bn_shares(attempt)},
               {bn_shares(attempt), bn_shares(attempt)}};
    const auto start = std::chrono::steady_clock::now();
    if (bn_team_run(attempt, epoch_gemms, &g)) return seconds_since(start);
  }
  return -1.0;
}
