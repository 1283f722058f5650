// Many training steps in one call (bn_train_batches in blasnet_core.h): the training loop crosses
// N-API once per chunk of mini-batches, gathers each shuffled batch straight from the dataset
// (bytes converted on the way), and fuses the optimizer step into the backward pass, so no
// gradient buffer is written and read back and no separate update pass runs over the weights.
//
// Where the products are large enough for two threads (bn_team_parts), the whole call runs on a
// team (team.h): each thread owns a share of every layer's units (bn_shares) and does all the work
// of its share, the product and the elementwise passes alike: z^l and a^l of its units, δ^(l−1) of
// its units of layer l − 1, the rows of w^l and b^l of its units (the output layer: the columns of
// its units of layer L − 1); the output layer's forward pass, softmax and loss are computed by
// every thread where that layer is small (else split by rows of the batch), and each thread
// gathers its own copy of the batch. A thread so mostly reads what it wrote itself, the threads meet only where a layer needs
// all of the one before, and no pass runs on one core while the other waits. Measured on W3
// ([784, 800, 10], batch 128, 2 cores, old and new alternated): 1.050 and 1.014 → 0.817 and 0.788
// s per epoch. Below the size of a team (W1, W2) one thread does it all, as before; a team at half
// the threshold measured slower on W2 (0.190–0.194 against 0.151–0.166 s).
// Every element is computed by the same operations in the same order however the work is split,
// so one thread or two give the same bits.
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <new>

#include "blasnet_core.h"
#include "checked.h"
#include "dropout.h"
#include "team.h"

namespace {

// Whether the kernels apply an activation as they store a tile (bn_relu_fused): ReLU, and leaky
// ReLU with its slope; the others run as a separate pass after the product.
bool store_fused(int act) {
  return act == BN_ACT_RELU || act == BN_ACT_LEAKY_RELU;
}
float slope_of(int act) {
  return act == BN_ACT_LEAKY_RELU ? BN_LEAKY_RELU_SLOPE : 0.0f;
}

// a^(l) for l >= 1 lives in the `a` workspace; a^0 is the gathered batch.
inline const float* activations_of(const bn_layout& layout, int l, const float* x, const float* a,
                                   int64_t rows) {
  return l == 0 ? x : a + bn_block_offset(layout, l, rows);
}

// Predicted classes of a [rows, cols] output block against labels[order[i]]: the default decoder
// of the TypeScript loop (argmaxRows): the first largest output, or output > 0.5 for one column.
// `order` is the call's private, checked copy of the indices (see bn_train_batches), never the
// caller's buffer: a value rewritten there since the check would send this read past labels.
int64_t count_correct(const float* out, int64_t rows, int64_t cols, const uint8_t* labels,
                      const uint32_t* order) {
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

// Everything one call works on, shared by the team.
struct job {
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
  const uint32_t* order;
  int64_t start, end, batch, batches;
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
  // Every part computes the whole output layer for itself (see step): part 0 into z, a and delta,
  // part t > 0 into its own [batch, nL] blocks of `own_out`, three per part (z, a, δ).
  bool output_everywhere;
  float* own_out;
  // With output_everywhere, a part may still read all of w^L and b^L (its output layer) while
  // another takes its step: so each part steps its columns of the output layer in `out_next`
  // ([nL, n(L−1)] then [nL], laid out as in params), and copies them into params only after the
  // next batch's first barrier, before the output layer reads them again.
  float* out_next;
  int64_t pending[bn_shares::kMaxParts][2];  // the columns part t has waiting in out_next
  // w^1 and its state kept transposed for the call (bn_first_transposed), [n0, n1] each (the
  // state: bn_state_slots blocks of them, v1t[s · n0 · n1 ..]): the forward product is then
  // a · (w^1)ᵀ with (w^1)ᵀ's rows contiguous, for the broadcast kernel. Null when not.
  float* w1t;
  float* v1t;
  bn_barrier barrier;
  // How the units of each layer are divided going forward and going backward (each phase balanced
  // on its own timing), two of each: batch b is split by the pair b % 2 while part 0 rebalances
  // the other pair from the busy times of batch b − 1 (see run).
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

// Rows [i0, i1) × columns [j0, j1) of C = alpha · op(A) · op(B) + beta · C (and the momentum
// epilogue p += f·C when p is set). On the kernels (in a team, which runs only where the kernels
// take every product, or for w^1 kept transposed), this thread's block; otherwise the whole product
// through bn_sgemm(_step), which picks BLAS or a kernel and may split it itself.
bn_status product(bool on_kernels, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                  float alpha, const float* a, const float* b, float beta, float* c, float* p,
                  float f, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  if (!on_kernels) {
    return p != nullptr ? bn_sgemm_step(trans_a, m, n, k, alpha, a, b, beta, c, p, f)
                        : bn_sgemm(trans_a, trans_b, m, n, k, alpha, a, b, beta, c);
  }
  return bn_kernel_sgemm_block(trans_a, trans_b, m, n, k, alpha, a, b, beta, c, p, f, i0, i1, j0,
                               j1)
             ? BN_OK
             : BN_ERR_SIZE;
}

// The same product, alpha 1 and beta 0, into the gradient g, with the adaptive optimizer's step
// (Adam, AdamW, RMSprop) on the parameters and state laid out as g in the kernel's store, or after
// it where BLAS takes the product (bn_sgemm_adaptive): the same bits either way.
bn_status adaptive_product(bool on_kernels, bool trans_a, int64_t m, int64_t n, int64_t k,
                           const float* a, const float* b, float* g, const bn_adaptive_fused& fused,
                           int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  if (!on_kernels) return bn_sgemm_adaptive(trans_a, m, n, k, a, b, g, fused);
  return bn_kernel_sgemm_adaptive_block(trans_a, m, n, k, a, b, g, fused, i0, i1, j0, j1)
             ? BN_OK
             : BN_ERR_SIZE;
}

// The step of b^l entries [b0, b1) (b in params or out_next): BP3, −η · Σ_rows δ^l accumulated
// into its target as the weights' (no weight decay on biases).
bn_status bias_step(const job& jb, const bn_step_coef& c, int l, int64_t rows, const float* delta_l,
                    float* b, int64_t b0, int64_t b1) {
  if (b0 >= b1) return BN_OK;
  const bn_hyper& h = jb.hyper;
  const int64_t at = jb.layout.b_offset[l - 1];
  float* v_b = jb.velocity != nullptr ? jb.velocity + at : nullptr;
  if (bn_adaptive(h)) {
    // g_b[nl] = Σ_rows δ^l, entries [b0, b1), then the optimizer's elementwise step on them.
    float* g = jb.grad + at;
    const bn_status status =
        bn_column_sums_cols(delta_l, rows, jb.layout.sizes[l], b0, b1, 1.0f, 0.0f, g);
    if (status != BN_OK) return status;
    float* s1 = bn_state_slots(h) > 1 ? v_b + jb.layout.param_count + b0 : nullptr;
    bn_adaptive_step(c, b + b0, g + b0, v_b + b0, s1, b1 - b0, 0.0f);
    return BN_OK;
  }
  // target[nl] = −η · Σ_rows δ^l + beta · target, entries [b0, b1)
  const step_target tb = target_of(b, v_b, h, 0.0);
  if (tb.pass_before) before_step(b + b0, v_b + b0, b1 - b0, h, 0.0);
  const bn_status status =
      bn_column_sums_cols(delta_l, rows, jb.layout.sizes[l], b0, b1,
                          static_cast<float>(-h.learning_rate), tb.beta, tb.target);
  if (status != BN_OK) return status;
  if (h.momentum != 0.0) after_step(b + b0, v_b + b0, b1 - b0, h);
  return BN_OK;
}

// The fused step for w^l rows [i0, i1) × columns [j0, j1) and b^l entries [b0, b1), from δ^l
// (delta_l, [rows, nl], complete for the batch) and a^(l-1) (a_prev, [rows, n(l-1)]), on the
// layer's parameters at w (w^l [nl, n(l-1)], then b^l [nl]; in params or out_next): BP4 (the
// product accumulating −η·g into its target) and BP3 likewise through the column sums (no weight
// decay on biases).
bn_status layer_step(const job& jb, const bn_step_coef& c, int parts, int l, int64_t rows,
                     const float* delta_l, const float* a_prev, float* w, int64_t i0, int64_t i1,
                     int64_t j0, int64_t j1, int64_t b0, int64_t b1) {
  const bn_layout& layout = jb.layout;
  const bn_hyper& h = jb.hyper;
  const int64_t n_l = layout.sizes[l];
  const int64_t n_prev = layout.sizes[l - 1];
  float* b = w + n_l * n_prev;
  float* v_w = jb.velocity != nullptr ? jb.velocity + layout.w_offset[l - 1] : nullptr;
  if (bn_adaptive(h)) {
    // g[nl, n(l-1)] = δ^l[rows, nl]ᵀ · aPrev[rows, n(l-1)]  (Trans, NoTrans; M=nl, N=n(l-1),
    // K=rows; this part's block), with Adam/AdamW/RMSprop on the same block of w^l and its state
    // as the product is stored.
    float* g = jb.grad + layout.w_offset[l - 1];
    float* s1 = bn_state_slots(h) > 1 ? v_w + layout.param_count : nullptr;
    const bn_adaptive_fused fused{&c, w, v_w, s1, static_cast<float>(h.l2)};
    const bn_status status = adaptive_product(parts > 1, true, n_l, n_prev, rows, delta_l, a_prev,
                                              g, fused, i0, i1, j0, j1);
    if (status != BN_OK) return status;
    return bias_step(jb, c, l, rows, delta_l, b, b0, b1);
  }
  const float neg_eta = static_cast<float>(-h.learning_rate);
  const step_target tw = target_of(w, v_w, h, h.l2);
  if (tw.pass_before) {
    for (int64_t i = i0; i < i1; i++)
      before_step(w + i * n_prev + j0, v_w + i * n_prev + j0, j1 - j0, h, h.l2);
  }
  // target[nl, n(l-1)] = −η · δ^l[rows, nl]ᵀ · aPrev[rows, n(l-1)] + beta · target
  // (Trans, NoTrans; M=nl, N=n(l-1), K=rows), target = w^l (plain SGD) or its velocity; with
  // momentum the after-step w += f·v rides along in the product's write-back.
  const bool momentum = h.momentum != 0.0;
  bn_status status =
      product(parts > 1, true, false, n_l, n_prev, rows, neg_eta, delta_l, a_prev, tw.beta,
              tw.target, momentum ? w : nullptr,
              h.nesterov ? static_cast<float>(1.0 + h.momentum) : 1.0f, i0, i1, j0, j1);
  if (status != BN_OK) return status;
  return bias_step(jb, c, l, rows, delta_l, b, b0, b1);
}

// The step of w^1 kept transposed (job::w1t) for units [u0, u1), its columns, and of b^1 likewise:
// the same products as layer_step's, transposed, so every element gets the same operations (the
// multiply-adds of a dot product over the batch in the same order), on the kernels.
bn_status first_layer_step_transposed(const job& jb, const bn_step_coef& c, int64_t rows,
                                      const float* delta_1, const float* x, int64_t u0,
                                      int64_t u1) {
  const bn_hyper& h = jb.hyper;
  const int64_t n0 = jb.layout.sizes[0];
  const int64_t n1 = jb.layout.sizes[1];
  float* b1 = jb.params + jb.layout.b_offset[0];
  if (bn_adaptive(h)) {
    // gᵀ[n0, n1] = x[rows, n0]ᵀ · δ^1[rows, n1]  (Trans, NoTrans; M=n0, N=n1, K=rows; columns
    // [u0, u1)), with the step on (w^1)ᵀ and its transposed state, the same columns, as stored.
    float* g = jb.grad + jb.layout.w_offset[0];
    float* s1 = bn_state_slots(h) > 1 ? jb.v1t + n0 * n1 : nullptr;
    const bn_adaptive_fused fused{&c, jb.w1t, jb.v1t, s1, static_cast<float>(h.l2)};
    const bn_status status =
        adaptive_product(true, true, n0, n1, rows, x, delta_1, g, fused, 0, n0, u0, u1);
    if (status != BN_OK) return status;
    return bias_step(jb, c, 1, rows, delta_1, b1, u0, u1);
  }
  const step_target tw = target_of(jb.w1t, jb.v1t, h, h.l2);
  if (tw.pass_before) {
    for (int64_t i = 0; i < n0; i++)
      before_step(jb.w1t + i * n1 + u0, jb.v1t + i * n1 + u0, u1 - u0, h, h.l2);
  }
  // target[n0, n1] = −η · x[rows, n0]ᵀ · δ^1[rows, n1] + beta · target  (Trans, NoTrans; M=n0, N=n1,
  // K=rows; columns [u0, u1)), target = (w^1)ᵀ or its velocity, with the momentum epilogue on (w^1)ᵀ.
  const bool momentum = h.momentum != 0.0;
  const bn_status status =
      product(true, true, false, n0, n1, rows, static_cast<float>(-h.learning_rate), x, delta_1,
              tw.beta, tw.target, momentum ? jb.w1t : nullptr,
              h.nesterov ? static_cast<float>(1.0 + h.momentum) : 1.0f, 0, n0, u0, u1);
  if (status != BN_OK) return status;
  return bias_step(jb, c, 1, rows, delta_1, b1, u0, u1);
}

// Batch bi (`rows` examples at idx), gathered straight from the dataset into part t's own
// x_own[t] [rows, n0] and y_own[t] [rows, nL].
void gather(job& jb, int t, const uint32_t* idx, int64_t rows) {
  const bn_inputs& in = jb.inputs;
  const int64_t n0 = jb.layout.sizes[0];
  const int64_t n_out = jb.layout.sizes[jb.layout.L];
  jb.fail(in.u8 != nullptr
              ? bn_gather_rows_u8(in.u8, in.rows, n0, idx, rows, in.scale, in.offset, jb.x_own[t])
              : bn_gather_rows(in.f32, in.rows, n0, idx, rows, jb.x_own[t]));
  jb.fail(bn_gather_rows(jb.y, in.rows, n_out, idx, rows, jb.y_own[t]));
}

// Columns [j0, j1) of w^L and, with biases, all of b^L, from one copy of the output layer's
// parameters to another ([nL, n(L−1)] then [nL]).
void copy_output_columns(const bn_layout& layout, const float* from, float* to, int64_t j0,
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

// Part t's stepped columns of the output layer, from out_next into params (see job::out_next).
void publish_output(job& jb, int t) {
  const int64_t j0 = jb.pending[t][0];
  const int64_t j1 = jb.pending[t][1];
  if (j0 < 0) return;
  const bn_layout& layout = jb.layout;
  copy_output_columns(layout, jb.out_next, jb.params + layout.w_offset[layout.L - 1], j0, j1,
                      t == 0);
  jb.pending[t][0] = -1;
}

// Batch bi's rows: `rows` examples from order[start + bi·batch].
int64_t rows_of(const job& jb, int64_t bi) {
  const int64_t first = jb.start + bi * jb.batch;
  return jb.end - first < jb.batch ? jb.end - first : jb.batch;
}

// Part 0's record of batch bi: the mean loss and the correct count.
void record(job& jb, int64_t bi, int64_t rows, double loss_sum, int64_t correct) {
  const double value = loss_sum / static_cast<double>(rows);
  jb.out[2 * bi] = value;
  jb.out[2 * bi + 1] = static_cast<double>(correct);
  if (!std::isfinite(value)) jb.stop = true;
}

// Training step bi (`rows` examples, idx) by part t of `parts`, its batch already gathered. The
// barriers are where a part needs what the others wrote; each part passes every one of them,
// whatever happens, so that none waits forever.
void step(job& jb, int t, int parts, int64_t bi, int64_t rows, const uint32_t* idx) {
  const bn_layout& layout = jb.layout;
  const int L = layout.L;
  const int64_t n_out = layout.sizes[L];
  const float* x_batch = jb.x_own[t];
  const float* y_batch = jb.y_own[t];
  bn_shares& forward = jb.forward[bi & 1];
  bn_shares& backward = jb.backward[bi & 1];
  double busy_forward = 0.0;  // seconds on the phases split by the shares
  double busy_backward = 0.0;
  // Step t of Adam, AdamW or RMSprop: the scalars every part computes alike for itself.
  const bn_step_coef coef = bn_step_coef_of(jb.hyper, jb.hyper.steps + bi + 1);
  // Forward through the hidden layers: z^l[:, own] = a^(l-1)[rows, n(l-1)] · w^l[own, n(l-1)]ᵀ
  // (NoTrans, Trans; M=rows, N=nl, K=n(l-1), this part's columns), then b^l and σ on them.
  for (int l = 1; l < L; l++) {
    const int64_t n_l = layout.sizes[l];
    int64_t c0 = 0;
    int64_t c1 = 0;
    forward.split(n_l, t, &c0, &c1);
    const int64_t off = bn_block_offset(layout, l, rows);
    const double began = bn_shares::now();
    const float* a_prev = activations_of(layout, l - 1, x_batch, jb.a, rows);
    const float* b = jb.params + layout.b_offset[l - 1];
    // With w^1 transposed: z^1 = x[rows, n0] · (w^1)ᵀ[n0, n1]  (NoTrans, NoTrans; M=rows, N=n1, K=n0).
    const bool transposed = l == 1 && jb.w1t != nullptr;
    const float* w = transposed ? jb.w1t : jb.params + layout.w_offset[l - 1];
    if ((parts > 1 || transposed) && store_fused(layout.acts[l - 1])) {
      // On the kernels with ReLU or leaky ReLU: b^l and σ on each tile as the kernel stores it (the
      // same bits as the passes below; measured on W3: see the commit).
      const bn_relu_fused fused{b, jb.a + off, nullptr, slope_of(layout.acts[l - 1])};
      if (jb.ok() &&
          !bn_kernel_sgemm_relu_block(false, !transposed, rows, n_l, layout.sizes[l - 1], 1.0f,
                                      a_prev, w, 0.0f, jb.z + off, fused, 0, rows, c0, c1)) {
        jb.fail(BN_ERR_SIZE);
      }
    } else {
      if (jb.ok()) {
        jb.fail(product(parts > 1 || transposed, false, !transposed, rows, n_l, layout.sizes[l - 1],
                        1.0f, a_prev, w, 0.0f, jb.z + off, nullptr, 0.0f, 0, rows, c0, c1));
      }
      if (jb.ok())
        jb.fail(bn_bias_activate_cols(jb.z + off, jb.a + off, b, rows, n_l, c0, c1,
                                      layout.acts[l - 1]));
    }
    // Dropout: a^l[:, own] ∘= mask / (1 − p_l), while this part's columns are still in its cache.
    if (jb.ok() && bn_dropout_rate(layout, jb.dropout, l) > 0.0)
      bn_dropout_apply(*jb.dropout, jb.dropout->step + bi, l, jb.a + off, rows, n_l, c0, c1);
    busy_forward += bn_shares::now() - began;
    jb.barrier.wait();
  }
  // The output layer: z^L, b^L, σ, then δ^L = ∂L/∂z^L, and the loss before the update and the
  // correct count, all on rows [r0, r1). Where the output layer is small next to the rest
  // (output_everywhere), every part takes all the rows, each into its own blocks, and part 0 alone
  // records the loss: so no part waits for another's δ^L. Otherwise the rows are split (softmax
  // needs whole rows, and the few outputs would not split evenly) and the parts meet before BP2.
  const int out_act = layout.acts[L - 1];
  const int64_t off_out = bn_block_offset(layout, L, rows);
  const bool everywhere = jb.output_everywhere;
  int64_t r0 = 0;
  int64_t r1 = rows;
  if (!everywhere) bn_split(rows, t, parts, &r0, &r1);
  float* z_out = jb.z + off_out;
  float* a_out = jb.a + off_out;
  float* delta_out = jb.delta + off_out;
  if (everywhere && t > 0) {
    z_out = jb.own_out + (t - 1) * 3 * jb.batch * n_out;
    a_out = z_out + jb.batch * n_out;
    delta_out = a_out + jb.batch * n_out;
  }
  jb.loss_sum[t] = 0.0;
  jb.correct[t] = 0;
  if (r1 > r0 && jb.ok()) {
    const int64_t o = r0 * n_out;
    const float* y = y_batch + r0 * n_out;
    jb.fail(product(parts > 1, false, true, rows, n_out, layout.sizes[L - 1], 1.0f,
                    activations_of(layout, L - 1, x_batch, jb.a, rows),
                    jb.params + layout.w_offset[L - 1], 0.0f, z_out, nullptr, 0.0f, r0, r1, 0,
                    n_out));
    if (jb.ok()) {
      jb.fail(bn_bias_activate(z_out + o, a_out + o, jb.params + layout.b_offset[L - 1], r1 - r0,
                               n_out, out_act));
    }
    if (jb.ok()) {
      jb.fail(bn_output_delta_part(jb.loss, out_act, z_out + o, a_out + o, y, r1 - r0, n_out, rows,
                                   delta_out + o));
    }
    if (jb.ok() && (!everywhere || t == 0)) {
      jb.fail(
          bn_loss_sum(jb.loss, out_act, z_out + o, a_out + o, y, r1 - r0, n_out, &jb.loss_sum[t]));
      if (jb.labels != nullptr)
        jb.correct[t] = count_correct(a_out + o, r1 - r0, n_out, jb.labels, idx + r0);
    }
  }
  if (everywhere) {
    if (t == 0 && jb.ok()) record(jb, bi, rows, jb.loss_sum[0], jb.correct[0]);
  } else {
    jb.barrier.wait();
    if (t == 0 && jb.ok()) {
      double sum = 0.0;
      int64_t correct = 0;
      for (int i = 0; i < parts; i++) {
        sum += jb.loss_sum[i];
        correct += jb.correct[i];
      }
      record(jb, bi, rows, sum, correct);
    }
  }
  // Backward from layer L: BP2 first, with w^l as it was before this step, then the step of w^l.
  for (int l = L; l >= 1; l--) {
    const int64_t n_l = layout.sizes[l];
    const int64_t n_prev = layout.sizes[l - 1];
    const float* delta_l = l == L ? delta_out : jb.delta + bn_block_offset(layout, l, rows);
    int64_t p0 = 0;
    int64_t p1 = 0;
    backward.split(n_prev, t, &p0, &p1);
    double began = bn_shares::now();
    if (l > 1) {
      // δ^(l-1)[:, own] = δ^l[rows, nl] · w^l[nl, own]  (NoTrans, NoTrans; M=rows, N=n(l-1), K=nl), ∘ σ'(z^(l-1))
      const int64_t off_prev = bn_block_offset(layout, l - 1, rows);
      const float* w = jb.params + layout.w_offset[l - 1];
      const bool dropped = bn_dropout_rate(layout, jb.dropout, l - 1) > 0.0;
      const uint64_t dropout_step = dropped ? jb.dropout->step + bi : 0;
      if (parts > 1 && store_fused(layout.acts[l - 2])) {
        // In a team with ReLU or leaky ReLU: ∘ σ' on each tile as the kernel stores it (the same bits).
        const bn_relu_fused fused{nullptr, nullptr, jb.z + off_prev, slope_of(layout.acts[l - 2])};
        if (jb.ok() &&
            !bn_kernel_sgemm_relu_block(false, false, rows, n_prev, n_l, 1.0f, delta_l, w, 0.0f,
                                        jb.delta + off_prev, fused, 0, rows, p0, p1)) {
          jb.fail(BN_ERR_SIZE);
        }
        // ReLU's σ' reads z, not the masked a: the mask goes on after the kernel's store.
        if (jb.ok() && dropped) {
          bn_dropout_apply(*jb.dropout, dropout_step, l - 1, jb.delta + off_prev, rows, n_prev, p0,
                           p1);
        }
      } else {
        if (jb.ok()) {
          jb.fail(product(parts > 1, false, false, rows, n_prev, n_l, 1.0f, delta_l, w, 0.0f,
                          jb.delta + off_prev, nullptr, 0.0f, 0, rows, p0, p1));
        }
        if (jb.ok()) {
          // With dropout: ∘ σ' from σ(z) computed again (a is masked), then ∘ mask / (1 − p).
          jb.fail(dropped
                      ? bn_dropout_backward(*jb.dropout, dropout_step, l - 1, jb.delta + off_prev,
                                            jb.z + off_prev, jb.a + off_prev, rows, n_prev, p0, p1,
                                            layout.acts[l - 2])
                      : bn_activation_backward_cols(jb.delta + off_prev, jb.z + off_prev,
                                                    jb.a + off_prev, rows, n_prev, p0, p1,
                                                    layout.acts[l - 2]));
        }
      }
      busy_backward += bn_shares::now() - began;
      if (bn_barrier_after_bp2(L, l)) {
        jb.barrier.wait();
        began = bn_shares::now();
      }
    }
    if (!jb.ok()) continue;
    const float* a_prev = activations_of(layout, l - 1, x_batch, jb.a, rows);
    float* w = jb.params + layout.w_offset[l - 1];
    if (l == L && L > 1) {
      // The output layer's weights by columns: the units of layer L − 1 this part owns (their δ
      // and a are in its cache); its few biases on part 0. Where the others may still be reading
      // the output layer, in out_next (published after the next barrier).
      if (everywhere) {
        copy_output_columns(layout, w, jb.out_next, p0, p1, t == 0);
        jb.pending[t][0] = p0;
        jb.pending[t][1] = p1;
        w = jb.out_next;
      }
      jb.fail(layer_step(jb, coef, parts, l, rows, delta_l, a_prev, w, 0, n_l, p0, p1, 0,
                         t == 0 ? n_l : 0));
    } else {
      int64_t u0 = 0;
      int64_t u1 = 0;
      backward.split(n_l, t, &u0, &u1);
      if (l == 1 && jb.w1t != nullptr)
        jb.fail(first_layer_step_transposed(jb, coef, rows, delta_l, a_prev, u0, u1));
      else
        jb.fail(
            layer_step(jb, coef, parts, l, rows, delta_l, a_prev, w, u0, u1, 0, n_prev, u0, u1));
    }
    busy_backward += bn_shares::now() - began;
  }
  forward.record(t, busy_forward);
  backward.record(t, busy_backward);
}

// Rows [u0, u1) of w [n1, n0] to columns [u0, u1) of wt [n0, n1] (into), or back, in blocks
// of 16 × 16 so that both sides are read and written a cache line at a time.
void transpose_units(float* w, float* wt, int64_t n0, int64_t n1, int64_t u0, int64_t u1,
                     bool into) {
  constexpr int64_t kBlock = 16;
  for (int64_t j0 = u0; j0 < u1; j0 += kBlock) {
    const int64_t j1 = u1 - j0 < kBlock ? u1 : j0 + kBlock;
    for (int64_t i0 = 0; i0 < n0; i0 += kBlock) {
      const int64_t i1 = n0 - i0 < kBlock ? n0 : i0 + kBlock;
      for (int64_t j = j0; j < j1; j++) {
        for (int64_t i = i0; i < i1; i++) {
          if (into)
            wt[i * n1 + j] = w[j * n0 + i];
          else
            w[j * n0 + i] = wt[i * n1 + j];
        }
      }
    }
  }
}

// Part t's even share of w^1 (and each block of its state) into job::w1t (v1t), or back.
void transpose_first_layer(job& jb, int t, int parts, bool into) {
  if (jb.w1t == nullptr) return;
  const bn_layout& layout = jb.layout;
  const int64_t n0 = layout.sizes[0];
  const int64_t n1 = layout.sizes[1];
  int64_t u0 = 0;
  int64_t u1 = 0;
  bn_split(n1, t, parts, &u0, &u1);
  transpose_units(jb.params + layout.w_offset[0], jb.w1t, n0, n1, u0, u1, into);
  for (int s = 0; jb.v1t != nullptr && s < bn_state_slots(jb.hyper); s++) {
    transpose_units(jb.velocity + s * layout.param_count + layout.w_offset[0], jb.v1t + s * n0 * n1,
                    n0, n1, u0, u1, into);
  }
}

void run(const void* raw, int t, int parts) {
  job& jb = *const_cast<job*>(static_cast<const job*>(raw));
  transpose_first_layer(jb, t, parts, true);  // (read by others only after the first barrier)
  for (int64_t bi = 0; bi < jb.batches; bi++) {
    const int64_t rows = rows_of(jb, bi);
    const uint32_t* idx = jb.order + jb.start + bi * jb.batch;
    // Into this part's own buffers, which only it reads: while the others may still be finishing
    // the last step.
    gather(jb, t, idx, rows);
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
    step(jb, t, parts, bi, rows, idx);
    if (t == 0 && jb.ok()) jb.done = bi + 1;
  }
  // The last step's, once every part is done reading the output layer and w^1.
  jb.barrier.wait();
  publish_output(jb, t);
  transpose_first_layer(jb, t, parts, false);
}

}  // namespace

bn_status bn_train_batches(const bn_layout& layout, float* params, float* velocity,
                           const bn_inputs& inputs, const float* y, const uint8_t* labels,
                           const uint32_t* order, int64_t order_length, int64_t start,
                           int64_t batch, int64_t batches, int loss, float* z, float* a,
                           float* delta, float* x_batch, float* y_batch, const bn_hyper& hyper,
                           double* out, int64_t* done, const bn_dropout* dropout) {
  *done = 0;
  if (batch < 1 || batches < 0 || start < 0 || order_length < 0) return BN_ERR_SIZE;
  bn_status status = bn_layout_check_batch(layout, batch);
  if (status != BN_OK) return status;
  if (batches == 0) return BN_OK;
  // The first example of the last batch, start + (batches − 1) · batch, must be in order; the
  // end of the last batch, start + batches · batch, is cut at the end of order.
  int64_t last_first = 0;
  int64_t span = 0;
  if (bn_checked_mul(batches - 1, batch, &last_first) != BN_OK ||
      bn_checked_add(start, last_first, &last_first) != BN_OK ||
      bn_checked_add(last_first, batch, &span) != BN_OK)
    return BN_ERR_OVERFLOW;
  if (last_first >= order_length) return BN_ERR_SIZE;
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
  if ((inputs.f32 == nullptr) == (inputs.u8 == nullptr) || inputs.rows < 0) return BN_ERR_SIZE;
  const int64_t end = span < order_length ? span : order_length;
  // Read once: order may live in a SharedArrayBuffer that another thread rewrites while this call
  // runs, so its entries are copied into private memory, each checked there before any parameter
  // moves (a bad index fails the whole call), and only the copy is used after: the gathers, every
  // team part's own gathers and the correct counts all see the same checked indices.
  const int64_t count = end - start;
  std::unique_ptr<uint32_t[]> private_order(new (std::nothrow)
                                                uint32_t[static_cast<size_t>(count)]);
  if (!private_order) return BN_ERR_MEMORY;
  for (int64_t i = 0; i < count; i++) {
    const uint32_t row = order[start + i];
    if (row >= static_cast<uint64_t>(inputs.rows)) return BN_ERR_INDEX;
    private_order[i] = row;
  }
  for (int attempt = bn_team_size(layout, batch); attempt >= 1; attempt = attempt > 1 ? 1 : 0) {
    // A team's scratch, for this call only: the batch copies of parts 1.., and their output blocks
    // and the output layer's next parameters when each computes the whole output layer. Without
    // the memory: alone.
    const int64_t n_out = layout.sizes[L];
    const bool everywhere = attempt > 1 && bn_output_everywhere(layout);
    const int64_t out_params = n_out * (layout.sizes[L - 1] + 1);  // <= param_count: fits
    bool transposed = bn_first_transposed(layout, batch);
    const int64_t first_weights = layout.sizes[0] * layout.sizes[1];  // <= param_count: fits
    // team_floats = (attempt − 1) · batch · (n0 + nL) [+ (attempt − 1) · 3 · batch · nL +
    // out_params], first_floats = (1 + state slots) · first_weights, [+ param_count for the
    // adaptive optimizers' gradient], all checked.
    const int slots = bn_state_slots(hyper);
    const int64_t grad_floats = bn_adaptive(hyper) ? layout.param_count : 0;
    int64_t per_part = 0;
    int64_t team_floats = 0;
    int64_t outputs = 0;
    int64_t first_floats = 0;
    int64_t scratch_floats = 0;
    if (bn_checked_mul(batch, layout.sizes[0] + n_out, &per_part) != BN_OK ||
        bn_checked_mul(attempt - 1, per_part, &team_floats) != BN_OK ||
        bn_checked_mul((attempt - 1) * 3, batch * n_out, &outputs) != BN_OK ||
        (everywhere && (bn_checked_add(team_floats, outputs, &team_floats) != BN_OK ||
                        bn_checked_add(team_floats, out_params, &team_floats) != BN_OK)) ||
        bn_checked_mul(transposed ? 1 + slots : 0, first_weights, &first_floats) != BN_OK ||
        bn_checked_add(team_floats, first_floats, &scratch_floats) != BN_OK ||
        bn_checked_add(scratch_floats, grad_floats, &scratch_floats) != BN_OK ||
        bn_checked_mul(scratch_floats, sizeof(float), &per_part) != BN_OK) {
      if (attempt > 1) continue;  // alone, which needs at most the transposed copy
      return BN_ERR_OVERFLOW;
    }
    std::unique_ptr<float[]> scratch;
    if (scratch_floats > 0) {
      scratch.reset(new (std::nothrow) float[static_cast<size_t>(scratch_floats)]);
      // Without the memory: alone, then alone without transposing (other bits, same step).
      if (!scratch && attempt > 1) continue;
      if (!scratch && grad_floats > 0) return BN_ERR_MEMORY;
      if (!scratch) transposed = false;
    }
    float* grad = grad_floats > 0 ? scratch.get() + team_floats + first_floats : nullptr;
    float* w1t = transposed ? scratch.get() + team_floats : nullptr;
    float* v1t = transposed && slots > 0 ? w1t + first_weights : nullptr;
    float* own_out =
        attempt > 1 ? scratch.get() + (attempt - 1) * batch * (layout.sizes[0] + n_out) : nullptr;
    job jb{layout,
           params,
           velocity,
           grad,
           inputs,
           y,
           labels,
           private_order.get(),
           0,
           count,
           batch,
           batches,
           loss,
           z,
           a,
           delta,
           {},
           {},
           hyper,
           dropout,
           out,
           everywhere,
           own_out,
           everywhere ? own_out + (attempt - 1) * 3 * batch * n_out : nullptr,
           {},
           w1t,
           v1t,
           bn_barrier(attempt),
           {bn_shares(attempt), bn_shares(attempt)},
           {bn_shares(attempt), bn_shares(attempt)},
           {},
           {}};
    for (int t = 0; t < attempt; t++) {
      jb.pending[t][0] = -1;
      jb.x_own[t] = t == 0 ? x_batch : scratch.get() + (t - 1) * batch * (layout.sizes[0] + n_out);
      jb.y_own[t] = jb.x_own[t] + (t == 0 ? 0 : batch * layout.sizes[0]);
    }
    jb.y_own[0] = y_batch;
    // The pool may be busy (another thread's product): then alone.
    if (!bn_team_run(attempt, run, &jb)) continue;
    *done = jb.done;
    return static_cast<bn_status>(jb.failed.load());
  }
  return BN_ERR_SIZE;  // unreachable: one part always runs
}
