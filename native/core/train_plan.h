// The plan of one bn_train_batches call (train_plan.cc): every decision about how the call runs,
// taken once from the layout, the batch size, the optimizer and the machine, and held as data.
// The phases (train_phases.cc) only read it. Internal to the core.
#ifndef BLASNET_TRAIN_PLAN_H
#define BLASNET_TRAIN_PLAN_H

#include <cstdint>

#include "blasnet_core.h"

struct bn_plan {
  // Threads in the call's team (1: alone). Part t of `parts` owns a share of every layer's units.
  int parts = 1;
  // Every part computes the whole output layer for itself (no barrier before BP2 at L).
  bool output_everywhere = false;
  // w^1 (and its optimizer state) kept transposed for the call, for the broadcast kernel.
  bool first_transposed = false;
  // The products take the kernels' block entry points (this part's block) rather than bn_sgemm
  // (which picks BLAS or a kernel and may split the product itself): in a team, where the AVX-512
  // kernels take every product.
  bool on_kernels = false;
  // The benchmark's sgemm ceiling (bench.cc): the same phases, the products only. No gather, bias,
  // activation, loss, dropout or elementwise optimizer pass runs; nothing is checked or recorded.
  bool gemm_only = false;
  // barrier_after_bp2[l], l in [2, L]: the team meets after BP2 at layer l (see train_plan.cc).
  bool barrier_after_bp2[BN_MAX_LAYERS + 1] = {};

  // The call's scratch, in floats from its start, each block laid out for the whole call:
  int64_t own_batch_at = 0;  // parts 1..: their own batch copies, [batch, n0] then [batch, nL]
  int64_t own_out_at = 0;   // parts 1..: their own z^L, a^L, δ^L ([batch, nL] each), if everywhere
  int64_t out_next_at = 0;  // the output layer's stepped parameters, [nL, n(L−1)] then [nL]
  int64_t w1t_at = 0;       // (w^1)ᵀ [n0, n1], then its state: one such block per slot
  int64_t w1t_floats = 0;   // one of those blocks, in column blocks: n0 · bn_w1t_columns(n1)
  int64_t grad_at = 0;      // Adam, AdamW, RMSprop: the step's gradient, [param_count] (w^1's
                            // part in column blocks where kept transposed)
  int64_t scratch_floats = 0;
};

// The plan for a call with mini-batches of `batch` rows on a team of `parts` (bn_plan_team_size,
// or 1), keeping w^1 transposed where `transposed` (bn_plan_first_transposed, or false when its
// memory was refused). BN_ERR_OVERFLOW when the scratch does not fit int64.
bn_status bn_plan_of(const bn_layout& layout, int64_t batch, const bn_hyper& hyper, int parts,
                     bool transposed, bool gemm_only, bn_plan* plan);

// How many parts a call's team wants: as many as the largest product of a step is worth, where
// the AVX-512 kernels take every product (elsewhere each large product is split on its own).
int bn_plan_team_size(const bn_layout& layout, int64_t batch);

// (w^1)ᵀ [n0, n1] and each block of its state kept in column blocks (bn_panels): n0 · this many
// floats each, and element (i, j) at bn_w1t_index.
inline int64_t bn_w1t_columns(int64_t n1) {
  return (n1 + BN_COLUMN_BLOCK - 1) / BN_COLUMN_BLOCK * BN_COLUMN_BLOCK;
}
inline int64_t bn_w1t_index(int64_t n0, int64_t i, int64_t j) {
  return (j / BN_COLUMN_BLOCK) * n0 * BN_COLUMN_BLOCK + i * BN_COLUMN_BLOCK + j % BN_COLUMN_BLOCK;
}

// Whether a call wants w^1 kept transposed (independent of the parts: the same bits either way).
bool bn_plan_first_transposed(const bn_layout& layout, int64_t batch);

// The sgemm ceiling of a training call (bench.cc): bn_train_batches's plan and phases over
// `batches` batches of order[0..], with plan.gemm_only: the products only, on the same team and
// the same split. The optimizer decides the products' targets and betas, as in training.
bn_status bn_train_gemms(const bn_layout& layout, float* params, float* velocity,
                         const bn_train_data& data, int64_t batch, int64_t batches,
                         const bn_train_workspace& workspace, const bn_hyper& hyper);

#endif  // BLASNET_TRAIN_PLAN_H
