// The plan of a bn_train_batches call (train_plan.h): the team, the transposed first layer, the
// barriers and the scratch layout, decided once per call. The thresholds are measured figures
// (the comments below); the phases never decide anything of this themselves.
#include "train_plan.h"

#include "checked.h"
#include "pool.h"

namespace {

// Whether every part of a team computes the whole output layer itself: where its product is small
// against the step's largest (bn_tuning::kOutputEverywhereRatio: why). Never for one weight layer,
// which is all there is.
bool output_everywhere(const bn_layout& layout) {
  const int L = layout.L;
  if (L < 2) return false;
  double largest = 0.0;
  for (int l = 1; l < L; l++) {
    const double weights =
        static_cast<double>(layout.sizes[l]) * static_cast<double>(layout.sizes[l - 1]);
    largest = weights > largest ? weights : largest;
  }
  return bn_tuning::kOutputEverywhereRatio * static_cast<double>(layout.sizes[L]) *
             static_cast<double>(layout.sizes[L - 1]) <=
         largest;
}

// Whether a team meets after BP2 at layer l (l >= 2): when BP2 at l − 1 follows, it needs all of
// δ^(l−1); when l < L, every part must be done reading the columns of w^l before any steps its
// rows. After the output layer's BP2 with l − 1 = 1 neither holds: w^L is stepped by the columns
// each part just read, and the step of w^1 reads only the part's own units of δ^1.
bool barrier_after_bp2(int L, int l) {
  return l < L || l - 1 > 1;
}

}  // namespace

int bn_plan_team_size(const bn_layout& layout, int64_t batch) {
  if (bn_kernel_isa() != BN_ISA_AVX512) return 1;
  double largest = 0.0;
  for (int l = 1; l <= layout.L; l++) {
    const double macs = static_cast<double>(batch) * layout.sizes[l] * layout.sizes[l - 1];
    largest = macs > largest ? macs : largest;
  }
  const int parts = bn_team_parts(largest);
  return parts > bn_shares::kMaxParts ? bn_shares::kMaxParts : parts;
}

// Where the AVX-512 kernels take the products and the first layer is hidden and large
// (bn_tuning::kFirstTransposedMacs: why). Independent of the threads, so that one thread or
// several give the same bits.
bool bn_plan_first_transposed(const bn_layout& layout, int64_t batch) {
  if (bn_kernel_isa() != BN_ISA_AVX512 || layout.L < 2) return false;
  return static_cast<double>(batch) * layout.sizes[1] * layout.sizes[0] >=
         bn_tuning::kFirstTransposedMacs;
}

bn_status bn_plan_of(const bn_layout& layout, int64_t batch, const bn_hyper& hyper, int parts,
                     bool transposed, bool gemm_only, bn_plan* plan) {
  bn_plan p;
  const int L = layout.L;
  p.parts = parts;
  p.output_everywhere = parts > 1 && output_everywhere(layout);
  p.first_transposed = transposed;
  p.on_kernels = parts > 1;
  p.gemm_only = gemm_only;
  for (int l = 2; l <= L; l++) p.barrier_after_bp2[l] = barrier_after_bp2(L, l);
  // The blocks in order, each size checked: (parts − 1) · batch · (n0 + nL) for the batch copies;
  // with output_everywhere (parts − 1) · 3 · batch · nL and nL · (n(L−1) + 1); with w^1
  // transposed (1 + state slots) · n0 · n1, n1 rounded up to whole column blocks; for the adaptive
  // optimizers the gradient, param_count (and the same rounding of w^1's).
  const int64_t n_out = layout.sizes[L];
  const int64_t out_params = n_out * (layout.sizes[L - 1] + 1);  // <= param_count: fits
  // (w^1)ᵀ in column blocks (bn_w1t_columns): at most 15 · n0 floats more than w^1.
  const int64_t first_weights = layout.sizes[0] * bn_w1t_columns(layout.sizes[1]);
  p.w1t_floats = transposed ? first_weights : 0;
  int64_t per_part = 0;
  int64_t copies = 0;
  int64_t outputs = 0;
  int64_t first = 0;
  int64_t at = 0;
  if (bn_checked_mul(batch, layout.sizes[0] + n_out, &per_part) != BN_OK ||
      bn_checked_mul(parts - 1, per_part, &copies) != BN_OK ||
      bn_checked_mul(static_cast<int64_t>(parts - 1) * 3, batch * n_out, &outputs) != BN_OK ||
      bn_checked_mul(transposed ? 1 + bn_state_slots(hyper) : 0, first_weights, &first) != BN_OK)
    return BN_ERR_OVERFLOW;
  p.own_batch_at = 0;
  at = copies;
  p.own_out_at = at;
  if (p.output_everywhere && (bn_checked_add(at, outputs, &at) != BN_OK)) return BN_ERR_OVERFLOW;
  p.out_next_at = at;
  if (p.output_everywhere && (bn_checked_add(at, out_params, &at) != BN_OK)) return BN_ERR_OVERFLOW;
  p.w1t_at = at;
  if (bn_checked_add(at, first, &at) != BN_OK) return BN_ERR_OVERFLOW;
  p.grad_at = at;
  // The gradient, laid out as params but for w^1 where kept transposed: in column blocks.
  const int64_t padding = transposed ? first_weights - layout.sizes[0] * layout.sizes[1] : 0;
  const int64_t grad = layout.param_count + padding;
  if (bn_adaptive(hyper) && bn_checked_add(at, grad, &at) != BN_OK) return BN_ERR_OVERFLOW;
  int64_t bytes = 0;
  if (bn_checked_mul(at, static_cast<int64_t>(sizeof(float)), &bytes) != BN_OK)
    return BN_ERR_OVERFLOW;
  p.scratch_floats = at;
  *plan = p;
  return BN_OK;
}
