// Many training steps in one call (bn_train_batches in blasnet_core.h): the training loop crosses
// N-API once per chunk of mini-batches, gathers each shuffled batch straight from the dataset
// (bytes converted on the way), and fuses the optimizer step into the backward pass, so no
// gradient buffer is written and read back and no separate update pass runs over the weights.
// This file checks the call, copies the order, takes the plan (train_plan.cc), allocates its
// scratch and runs the team batch by batch; one step's phases are in train_phases.cc, and BP3/BP4
// with the parameter update in train_update.cc.
//
// Where the products are large enough for two threads (bn_team_parts), the whole call runs on a
// team (pool.h): each thread owns a share of every layer's units (bn_shares) and does all the work
// of its share, the product and the elementwise passes alike: z^l and a^l of its units, δ^(l−1) of
// its units of layer l − 1, the rows of w^l and b^l of its units (the output layer: the columns of
// its units of layer L − 1); the output layer's forward pass, softmax and loss are computed by
// every thread where that layer is small (else split by rows of the batch), and each thread
// gathers its own copy of the batch. A thread so mostly reads what it wrote itself, the threads
// meet only where a layer needs all of the one before, and no pass runs on one core while the
// other waits. Measured on W3 ([784, 800, 10], batch 128, 2 cores, old and new alternated): 1.050
// and 1.014 → 0.817 and 0.788 s per epoch. Below the size of a team (W1, W2) one thread does it
// all; a team at half the threshold measured slower on W2 (0.190–0.194 against 0.151–0.166 s).
// Every element is computed by the same operations in the same order however the work is split,
// so one thread or two give the same bits.
#include <cstring>
#include <memory>
#include <new>

#include "checked.h"
#include "train_job.h"

namespace {

// Batch bi (`rows` examples at idx), gathered straight from the dataset into part t's own
// x_own[t] [rows, n0] and y_own[t] [rows, nL].
void gather(bn_job& jb, int t, const uint32_t* idx, int64_t rows) {
  const bn_inputs& in = jb.inputs;
  const int64_t n0 = jb.layout.sizes[0];
  const int64_t n_out = jb.layout.sizes[jb.layout.L];
  jb.fail(in.u8 != nullptr
              ? bn_gather_rows_u8(in.u8, in.rows, n0, idx, rows, in.scale, in.offset, jb.x_own[t])
              : bn_gather_rows(in.f32, in.rows, n0, idx, rows, jb.x_own[t]));
  jb.fail(bn_gather_rows(jb.y, in.rows, n_out, idx, rows, jb.y_own[t]));
}

// Batch bi's rows: `rows` examples from the call's order[bi·batch].
int64_t rows_of(const bn_job& jb, int64_t bi) {
  const int64_t first = bi * jb.batch;
  return jb.end - first < jb.batch ? jb.end - first : jb.batch;
}

// Batch bi's rows of x and y asked for from memory while batch bi − 1 trains: a shuffled batch's
// rows are scattered over the dataset, and the gather's own prefetch (a few rows ahead) cannot
// cover the first rows of a small batch. Measured on W1 (batch 10): see the commit.
void prefetch_batch(const bn_job& jb, int64_t bi) {
  if (bi >= jb.batches || jb.plan.gemm_only) return;
  const bn_inputs& in = jb.inputs;
  const int64_t n0 = jb.layout.sizes[0];
  const int64_t n_out = jb.layout.sizes[jb.layout.L];
  const uint32_t* idx = jb.order + bi * jb.batch;
  const int64_t rows = rows_of(jb, bi);
  if (in.u8 != nullptr)
    bn_prefetch_rows(in.u8, in.rows, n0, idx, rows);
  else
    bn_prefetch_rows(in.f32, in.rows, n0 * static_cast<int64_t>(sizeof(float)), idx, rows);
  bn_prefetch_rows(jb.y, in.rows, n_out * static_cast<int64_t>(sizeof(float)), idx, rows);
}

// Part t's stepped columns of the output layer, from out_next into params (see bn_job::out_next).
void publish_output(bn_job& jb, int t) {
  const int64_t j0 = jb.pending[t][0];
  const int64_t j1 = jb.pending[t][1];
  if (j0 < 0) return;
  const bn_layout& layout = jb.layout;
  if (!jb.plan.gemm_only) {
    bn_copy_output_columns(layout, jb.out_next, jb.params + layout.w_offset[layout.L - 1], j0, j1,
                           t == 0);
  }
  jb.pending[t][0] = -1;
}

// Rows [u0, u1) of w [n1, n0] to columns [u0, u1) of wt [n0, n1] kept in column blocks
// (bn_w1t_index; u0 at a block's start) (into), or back, 16 × 16 at a time so that both sides are
// read and written a cache line at a time. Into, the last block's padding lanes are zeroed.
void transpose_units(float* w, float* wt, int64_t n0, int64_t n1, int64_t u0, int64_t u1,
                     bool into) {
  constexpr int64_t kBlock = BN_COLUMN_BLOCK;
  for (int64_t j0 = u0; j0 < u1; j0 += kBlock) {
    const int64_t j1 = u1 - j0 < kBlock ? u1 : j0 + kBlock;
    float* block = wt + bn_w1t_index(n0, 0, j0);
    for (int64_t i0 = 0; i0 < n0; i0 += kBlock) {
      const int64_t i1 = n0 - i0 < kBlock ? n0 : i0 + kBlock;
      for (int64_t j = j0; j < j1; j++) {
        for (int64_t i = i0; i < i1; i++) {
          if (into)
            block[i * kBlock + (j - j0)] = w[j * n0 + i];
          else
            w[j * n0 + i] = block[i * kBlock + (j - j0)];
        }
      }
    }
    if (into && j1 - j0 < kBlock && j1 == n1) {
      for (int64_t i = 0; i < n0; i++)
        std::memset(block + i * kBlock + (j1 - j0), 0, sizeof(float) * (kBlock - (j1 - j0)));
    }
  }
}

// Part t's even share of w^1 (and each block of its state) into job::w1t (v1t), or back.
void transpose_first_layer(bn_job& jb, int t, int parts, bool into) {
  if (jb.w1t == nullptr || jb.plan.gemm_only) return;
  const bn_layout& layout = jb.layout;
  const int64_t n0 = layout.sizes[0];
  const int64_t n1 = layout.sizes[1];
  int64_t u0 = 0;
  int64_t u1 = 0;
  bn_split(n1, t, parts, &u0, &u1);
  transpose_units(jb.params + layout.w_offset[0], jb.w1t, n0, n1, u0, u1, into);
  for (int s = 0; jb.v1t != nullptr && s < bn_state_slots(jb.hyper); s++) {
    transpose_units(jb.velocity + s * layout.param_count + layout.w_offset[0],
                    jb.v1t + s * jb.plan.w1t_floats, n0, n1, u0, u1, into);
  }
}

// Part t of the team: every batch of the call, step by step (train_phases.cc).
void run(const void* raw, int t, int parts) {
  bn_job& jb = *const_cast<bn_job*>(static_cast<const bn_job*>(raw));
  transpose_first_layer(jb, t, parts, true);  // (read by others only after the first barrier)
  for (int64_t bi = 0; bi < jb.batches; bi++) {
    const int64_t rows = rows_of(jb, bi);
    const uint32_t* idx = jb.order + bi * jb.batch;
    // Into this part's own buffers, which only it reads: while the others may still be finishing
    // the last step.
    if (!jb.plan.gemm_only) gather(jb, t, idx, rows);
    prefetch_batch(jb, bi + 1);
    // The last step done everywhere.
    jb.barrier.wait();
    publish_output(jb, t);           // (read again only after the hidden layers' barrier)
    if (!jb.ok() || jb.stop) break;  // (every part, after the same barrier)
    // Part 0 moves the pair of shares that batch bi − 1 used (its busy times now recorded by all)
    // for batch bi + 1; nobody reads that pair during batch bi.
    if (t == 0 && parts > 1 && bi > 0) {
      jb.forward[(bi + 1) & 1].rebalance();
      jb.backward[(bi + 1) & 1].rebalance();
    }
    bn_train_step(jb, t, bi, rows, idx);
    if (t == 0 && jb.ok()) jb.done = bi + 1;
  }
  // The last step's, once every part is done reading the output layer and w^1.
  jb.barrier.wait();
  publish_output(jb, t);
  transpose_first_layer(jb, t, parts, false);
}

// The checks of every argument of bn_train_batches, before anything is written. *count: the
// examples the call covers, from order[start].
bn_status check_call(const bn_layout& layout, const bn_train_data& data, int64_t start,
                     int64_t batch, int64_t batches, int loss, const bn_hyper& hyper,
                     const float* velocity, const bn_dropout* dropout, int64_t* count) {
  if (batch < 1 || batches < 0 || start < 0 || data.order_length < 0) return BN_ERR_SIZE;
  bn_status status = bn_layout_check_batch(layout, batch);
  *count = 0;
  if (status != BN_OK || batches == 0) return status;
  // The first example of the last batch, start + (batches − 1) · batch, must be in order; the
  // end of the last batch, start + batches · batch, is cut at the end of order.
  int64_t last_first = 0;
  int64_t span = 0;
  if (bn_checked_mul(batches - 1, batch, &last_first) != BN_OK ||
      bn_checked_add(start, last_first, &last_first) != BN_OK ||
      bn_checked_add(last_first, batch, &span) != BN_OK)
    return BN_ERR_OVERFLOW;
  if (last_first >= data.order_length) return BN_ERR_SIZE;
  if (loss < 0 || loss > BN_LOSS_MAX) return BN_ERR_LOSS;
  const int L = layout.L;
  const int out_act = layout.acts[L - 1];
  if (loss == BN_LOSS_CROSS_ENTROPY && out_act != BN_ACT_SOFTMAX) return BN_ERR_LOSS_ACTIVATION;
  if (loss == BN_LOSS_BINARY_CROSS_ENTROPY && out_act != BN_ACT_SIGMOID)
    return BN_ERR_LOSS_ACTIVATION;
  for (int l = 1; l <= L; l++) {
    if (layout.acts[l - 1] == BN_ACT_HEAVISIDE) return BN_ERR_NOT_DIFFERENTIABLE;
  }
  status = bn_hyper_check(hyper, velocity != nullptr);
  if (status == BN_OK) status = bn_dropout_check(layout, dropout);
  if (status != BN_OK) return status;
  const bn_inputs& inputs = data.inputs;
  if ((inputs.f32 == nullptr) == (inputs.u8 == nullptr) || inputs.rows < 0) return BN_ERR_SIZE;
  *count = (span < data.order_length ? span : data.order_length) - start;
  return BN_OK;
}

// Read once: order may live in a SharedArrayBuffer that another thread rewrites while the call
// runs, so its entries are copied into private memory, each checked there before any parameter
// moves (a bad index fails the whole call), and only the copy is used after: the gathers, every
// team part's own gathers and the correct counts all see the same checked indices.
bn_status private_order(const bn_train_data& data, int64_t start, int64_t count,
                        std::unique_ptr<uint32_t[]>* out) {
  out->reset(new (std::nothrow) uint32_t[static_cast<size_t>(count)]);
  if (!*out) return BN_ERR_MEMORY;
  for (int64_t i = 0; i < count; i++) {
    const uint32_t row = data.order[start + i];
    if (row >= static_cast<uint64_t>(data.inputs.rows)) return BN_ERR_INDEX;
    (*out)[i] = row;
  }
  return BN_OK;
}

bn_status train(const bn_layout& layout, float* params, float* velocity, const bn_train_data& data,
                int64_t start, int64_t batch, int64_t batches, int loss,
                const bn_train_workspace& ws, const bn_hyper& hyper, double* out, int64_t* done,
                const bn_dropout* dropout, bool gemm_only) {
  *done = 0;
  int64_t count = 0;
  bn_status status =
      check_call(layout, data, start, batch, batches, loss, hyper, velocity, dropout, &count);
  if (status != BN_OK || batches == 0) return status;
  std::unique_ptr<uint32_t[]> order;
  status = private_order(data, start, count, &order);
  if (status != BN_OK) return status;
  const int L = layout.L;
  const int64_t n0 = layout.sizes[0];
  const int64_t n_out = layout.sizes[L];
  bool transposed = bn_plan_first_transposed(layout, batch);
  for (int parts = bn_plan_team_size(layout, batch); parts >= 1; parts = parts > 1 ? 1 : 0) {
    bn_plan plan;
    status = bn_plan_of(layout, batch, hyper, parts, transposed, gemm_only, &plan);
    if (status != BN_OK) {
      if (parts > 1) continue;  // alone, which needs at most the transposed copy
      return status;
    }
    std::unique_ptr<float[]> scratch;
    if (plan.scratch_floats > 0) {
      scratch.reset(new (std::nothrow) float[static_cast<size_t>(plan.scratch_floats)]);
      // Without the memory: alone, then alone without transposing (other bits, same step).
      if (!scratch && parts > 1) continue;
      if (!scratch && bn_adaptive(hyper)) return BN_ERR_MEMORY;
      if (!scratch && transposed) {
        transposed = false;
        parts = 2;  // (the loop's step makes it 1: alone again, untransposed)
        continue;
      }
      // The sgemm ceiling reads blocks nothing wrote (no gather, no transposition): zeros.
      if (gemm_only) std::memset(scratch.get(), 0, sizeof(float) * plan.scratch_floats);
    }
    float* base = scratch.get();
    float* w1t = plan.first_transposed ? base + plan.w1t_at : nullptr;
    bn_job jb{plan,
              layout,
              params,
              velocity,
              bn_adaptive(hyper) ? base + plan.grad_at : nullptr,
              data.inputs,
              data.y,
              data.labels,
              order.get(),
              count,
              batch,
              batches,
              loss,
              ws.z,
              ws.a,
              ws.delta,
              {},
              {},
              hyper,
              dropout,
              out,
              plan.output_everywhere ? base + plan.own_out_at : nullptr,
              plan.output_everywhere ? base + plan.out_next_at : nullptr,
              {},
              w1t,
              w1t != nullptr && bn_state_slots(hyper) > 0 ? w1t + plan.w1t_floats : nullptr,
              bn_barrier(parts),
              {bn_shares(parts), bn_shares(parts)},
              {bn_shares(parts), bn_shares(parts)},
              {},
              {}};
    for (int t = 0; t < parts; t++) {
      jb.pending[t][0] = -1;
      // Part 0 gathers into the caller's x_batch and y_batch; the others into their own copies.
      // The sgemm ceiling gathers nothing: every part reads x_batch.
      // (Alone there may be no scratch at all: no pointer into it is formed for part 0.)
      float* own =
          t == 0 || gemm_only ? nullptr : base + plan.own_batch_at + (t - 1) * batch * (n0 + n_out);
      jb.x_own[t] = own == nullptr ? ws.x_batch : own;
      jb.y_own[t] = own == nullptr ? ws.y_batch : own + batch * n0;
    }
    // The pool may be busy (another thread's product): then alone.
    if (!bn_team_run(parts, run, &jb)) continue;
    *done = jb.done;
    return static_cast<bn_status>(jb.failed.load());
  }
  return BN_ERR_SIZE;  // unreachable: one part always runs
}

}  // namespace

void bn_copy_output_columns(const bn_layout& layout, const float* from, float* to, int64_t j0,
                            int64_t j1, bool biases) {
  const int64_t n_out = layout.sizes[layout.L];
  const int64_t n_prev = layout.sizes[layout.L - 1];
  if (j1 > j0) {
    for (int64_t i = 0; i < n_out; i++) {
      std::memcpy(to + i * n_prev + j0, from + i * n_prev + j0,
                  static_cast<size_t>(j1 - j0) * sizeof(float));
    }
  }
  if (biases)
    std::memcpy(to + n_out * n_prev, from + n_out * n_prev,
                static_cast<size_t>(n_out) * sizeof(float));
}

bn_status bn_train_batches(const bn_layout& layout, float* params, float* velocity,
                           const bn_train_data& data, int64_t start, int64_t batch, int64_t batches,
                           int loss, const bn_train_workspace& workspace, const bn_hyper& hyper,
                           double* out, int64_t* done, const bn_dropout* dropout) {
  return train(layout, params, velocity, data, start, batch, batches, loss, workspace, hyper, out,
               done, dropout, false);
}

bn_status bn_train_gemms(const bn_layout& layout, float* params, float* velocity,
                         const bn_train_data& data, int64_t batch, int64_t batches,
                         const bn_train_workspace& workspace, const bn_hyper& hyper) {
  int64_t done = 0;
  const int loss =
      layout.acts[layout.L - 1] == BN_ACT_SOFTMAX ? BN_LOSS_CROSS_ENTROPY : BN_LOSS_QUADRATIC;
  return train(layout, params, velocity, data, 0, batch, batches, loss, workspace, hyper, nullptr,
               &done, nullptr, true);
}
