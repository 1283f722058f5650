// What one bn_train_batches call works on, shared by its team (train_batches.cc), its phases
// (train_phases.cc) and their parameter updates (train_update.cc). Internal to the core.
#ifndef BLASNET_TRAIN_JOB_H
#define BLASNET_TRAIN_JOB_H

#include <atomic>
#include <cstdint>

#include "blasnet_core.h"
#include "dropout.h"
#include "pool.h"
#include "train_plan.h"

struct bn_job {
  const bn_plan& plan;
  const bn_layout& layout;
  float* params;
  float* velocity;  // the optimizer state: bn_state_slots(hyper) blocks of param_count floats
  // Adam, AdamW, RMSprop: the step's gradient, [param_count] in the layout of params (w^1 kept
  // transposed as [n0, n1] where w1t is set). Each part writes and reads only its own blocks. The
  // weights' blocks are written only where BLAS takes their product, or as the kernels' partial
  // sums for a batch beyond one pass (bn_sgemm_adaptive); the biases' always.
  float* grad;
  const bn_inputs& inputs;
  const float* y;
  const uint8_t* labels;
  const uint32_t* order;  // the call's private, checked copy of the indices
  int64_t end, batch, batches;
  int loss;
  float *z, *a, *delta;
  // Each part's own copy of the batch, [batch, n0] and [batch, nL]: part 0's is the caller's
  // x_batch and y_batch, the others' in scratch. Each part gathers every row for itself, so it
  // reads only what it wrote (rows another core wrote would have to travel from that core's cache).
  float* x_own[bn_shares::kMaxParts];
  float* y_own[bn_shares::kMaxParts];
  const bn_hyper& hyper;
  const bn_dropout* dropout;  // null: none; batch bi's mask is at step dropout->step + bi
  double* out;
  // With plan.output_everywhere, part t > 0 computes the output layer into its own [batch, nL]
  // blocks of `own_out`, three per part (z, a, δ); part 0 into z, a and delta.
  float* own_out;
  // With plan.output_everywhere, a part may still read all of w^L and b^L while another takes its
  // step: so each part steps its columns of the output layer in `out_next` ([nL, n(L−1)] then
  // [nL], laid out as in params), and copies them into params only after the next batch's first
  // barrier, before the output layer reads them again.
  float* out_next;
  int64_t pending[bn_shares::kMaxParts][2];  // the columns part t has waiting in out_next
  // With plan.first_transposed, w^1 and its state kept transposed for the call, [n0, n1] each in
  // column blocks of 16 (bn_w1t_index; the state: bn_state_slots blocks of n0 · bn_w1t_columns(n1)
  // floats from v1t): the forward product is then a · (w^1)ᵀ on the broadcast kernel, and the
  // update streams w^1 and its state in order. Null when not.
  float* w1t;
  float* v1t;
  bn_barrier barrier;
  // How the units of each layer are divided going forward and going backward (each phase balanced
  // on its own timing), two of each: batch b is split by the pair b % 2 while part 0 rebalances
  // the other pair from the busy times of batch b − 1 (see train_batches.cc).
  bn_shares forward[2];
  bn_shares backward[2];
  double loss_sum[bn_shares::kMaxParts];  // each part's rows, for part 0 to add up
  int64_t correct[bn_shares::kMaxParts];
  std::atomic<int> failed{BN_OK};  // the first error any thread met
  bool stop = false;               // written by part 0, read by all after a barrier
  int64_t done = 0;                // written by part 0

  void fail(bn_status status) {
    int expected = BN_OK;
    if (status != BN_OK) failed.compare_exchange_strong(expected, status);
  }
  bool ok() const { return failed.load(std::memory_order_relaxed) == BN_OK; }
};

// The phases of training step bi (`rows` examples at idx) for part t (train_phases.cc). Each
// returns the seconds it was busy on its share of the units.
double bn_forward_layer(bn_job& jb, int t, int l, int64_t bi, int64_t rows);
void bn_output_and_loss(bn_job& jb, int t, int64_t rows, const uint32_t* idx);
double bn_backprop_layer(bn_job& jb, int t, int l, int64_t bi, int64_t rows);
double bn_update_layer(bn_job& jb, const bn_step_coef& coef, int t, int l, int64_t bi,
                       int64_t rows);
// The whole step: the phases in order, with the barriers the plan puts between them.
void bn_train_step(bn_job& jb, int t, int64_t bi, int64_t rows, const uint32_t* idx);

// BP3/BP4 with the parameter update (train_update.cc), for part t's block, from δ^l (delta_l,
// [rows, nl]) and a^(l−1) (a_prev, [rows, n(l−1)]):
// w^l rows [i0, i1) × columns [j0, j1) and b^l entries [b0, b1), the layer's parameters at w
// (w^l [nl, n(l−1)], then b^l [nl]; in params or out_next).
bn_status bn_step_layer(const bn_job& jb, const bn_step_coef& c, int l, int64_t rows,
                        const float* delta_l, const float* a_prev, float* w, int64_t i0, int64_t i1,
                        int64_t j0, int64_t j1, int64_t b0, int64_t b1);
// w^1 kept transposed (jb.w1t), for units [u0, u1) (its columns), and b^1 likewise.
bn_status bn_step_first_transposed(const bn_job& jb, const bn_step_coef& c, int64_t rows,
                                   const float* delta_1, const float* x, int64_t u0, int64_t u1);

// Rows [i0, i1) × columns [j0, j1) of C = alpha · op(A) · op(B) + beta · C (and the momentum
// epilogue p += f·C when p is set): on the kernels (plan.on_kernels, or w^1 kept transposed), this
// part's block; otherwise the whole product through bn_sgemm(_step), which picks BLAS or a kernel
// and may split it itself.
bn_status bn_job_product(bool on_kernels, bool trans_a, bool trans_b, int64_t m, int64_t n,
                         int64_t k, float alpha, const float* a, const float* b, float beta,
                         float* c, float* p, float f, int64_t i0, int64_t i1, int64_t j0,
                         int64_t j1, bn_panels panels = BN_PANELS_NONE);

// Columns [j0, j1) of w^L and, with biases, all of b^L, from one copy of the output layer's
// parameters to another ([nL, n(L−1)] then [nL]) (train_batches.cc).
void bn_copy_output_columns(const bn_layout& layout, const float* from, float* to, int64_t j0,
                            int64_t j1, bool biases);

// a^(l) for l >= 1 lives in the `a` workspace; a^0 is the gathered batch.
inline const float* bn_activations_of(const bn_layout& layout, int l, const float* x,
                                      const float* a, int64_t rows) {
  return l == 0 ? x : a + bn_block_offset(layout, l, rows);
}

#endif  // BLASNET_TRAIN_JOB_H
