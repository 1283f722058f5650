// The phases of one fused training step (train_job.h), named after the lecture: forward through
// a layer; the output layer and the loss (BP1); BP2 back through a layer; BP3/BP4 with the
// parameter update. Part t of the plan's team runs each phase on its share of the layer's units
// (job::forward, job::backward); bn_train_step puts the barriers between them where a part needs
// what the others wrote. Each part passes every barrier whatever happens, so none waits forever.
// With plan.gemm_only (the benchmark's sgemm ceiling) only the products run.
#include <cmath>

#include "train_job.h"

namespace {

// Whether the kernels apply an activation as they store a tile (bn_relu_fused): ReLU, and leaky
// ReLU with its slope; the others run as a separate pass after the product.
bool store_fused(int act) {
  return act == BN_ACT_RELU || act == BN_ACT_LEAKY_RELU;
}
float slope_of(int act) {
  return act == BN_ACT_LEAKY_RELU ? BN_LEAKY_RELU_SLOPE : 0.0f;
}

// Predicted classes of a [rows, cols] output block against labels[order[i]]: the default decoder
// of the TypeScript loop (argmaxRows): the first largest output, or output > 0.5 for one column.
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

// Part 0's record of batch bi: the mean loss and the correct count.
void record(bn_job& jb, int64_t bi, int64_t rows, double loss_sum, int64_t correct) {
  const double value = loss_sum / static_cast<double>(rows);
  jb.out[2 * bi] = value;
  jb.out[2 * bi + 1] = static_cast<double>(correct);
  if (!std::isfinite(value)) jb.stop = true;
}

// Part t's z^L, a^L and δ^L ([batch, nL] blocks): its own where every part computes the output
// layer (plan.output_everywhere; part 0's are the shared ones), else the shared ones.
struct output_blocks {
  float *z, *a, *delta;
};
output_blocks output_blocks_of(const bn_job& jb, int t, int64_t rows) {
  if (jb.plan.output_everywhere && t > 0) {
    const int64_t block = jb.batch * jb.layout.sizes[jb.layout.L];
    float* own = jb.own_out + (t - 1) * 3 * block;
    return {own, own + block, own + 2 * block};
  }
  const int64_t off = bn_block_offset(jb.layout, jb.layout.L, rows);
  return {jb.z + off, jb.a + off, jb.delta + off};
}

double seconds_since(double began) {
  return bn_shares::now() - began;
}

}  // namespace

// Forward through hidden layer l, part t's units [c0, c1): z^l = a^(l−1) · (w^l)ᵀ, then b^l, σ
// and dropout on them.
double bn_forward_layer(bn_job& jb, int t, int l, int64_t bi, int64_t rows) {
  const bn_layout& layout = jb.layout;
  const int64_t n_l = layout.sizes[l];
  int64_t c0 = 0;
  int64_t c1 = 0;
  jb.forward[bi & 1].split(n_l, t, &c0, &c1);
  const double began = bn_shares::now();
  const int64_t off = bn_block_offset(layout, l, rows);
  const float* a_prev = bn_activations_of(layout, l - 1, jb.x_own[t], jb.a, rows);
  const float* b = jb.params + layout.b_offset[l - 1];
  const int act = layout.acts[l - 1];
  const bool transposed = l == 1 && jb.w1t != nullptr;
  const bool on_kernels = jb.plan.on_kernels || transposed;
  // z^l[:, own] = a^(l-1)[rows, n(l-1)] · w^l[own, n(l-1)]ᵀ  (NoTrans, Trans; M=rows, N=nl,
  // K=n(l-1), this part's columns); with w^1 transposed z^1 = x[rows, n0] · (w^1)ᵀ[n0, n1]
  // (NoTrans, NoTrans; M=rows, N=n1, K=n0).
  const float* w = transposed ? jb.w1t : jb.params + layout.w_offset[l - 1];
  if (on_kernels && store_fused(act) && !jb.plan.gemm_only) {
    // b^l and σ on each tile as the kernel stores it (the same bits as the passes below).
    const bn_relu_fused fused{b, jb.a + off, nullptr, slope_of(act)};
    if (jb.ok() && !bn_kernel_sgemm_relu_block(false, !transposed, rows, n_l, layout.sizes[l - 1],
                                               1.0f, a_prev, w, 0.0f, jb.z + off, fused, 0, rows,
                                               c0, c1, transposed ? BN_PANELS_B : BN_PANELS_NONE)) {
      jb.fail(BN_ERR_SIZE);
    }
  } else {
    if (jb.ok()) {
      jb.fail(bn_job_product(on_kernels, false, !transposed, rows, n_l, layout.sizes[l - 1], 1.0f,
                             a_prev, w, 0.0f, jb.z + off, nullptr, 0.0f, 0, rows, c0, c1,
                             transposed ? BN_PANELS_B : BN_PANELS_NONE));
    }
    if (jb.ok() && !jb.plan.gemm_only)
      jb.fail(bn_bias_activate_cols(jb.z + off, jb.a + off, b, rows, n_l, c0, c1, act));
  }
  // Dropout: a^l[:, own] ∘= mask / (1 − p_l), while this part's columns are still in its cache.
  if (jb.ok() && !jb.plan.gemm_only && bn_dropout_rate(layout, jb.dropout, l) > 0.0)
    bn_dropout_apply(*jb.dropout, jb.dropout->step + bi, l, jb.a + off, rows, n_l, c0, c1);
  return seconds_since(began);
}

// The output layer: z^L, b^L, σ, then BP1 δ^L = ∂L/∂z^L, and the loss before the update and the
// correct count, all on rows [r0, r1). With plan.output_everywhere every part takes all the rows,
// each into its own blocks, and part 0 alone records the loss: so no part waits for another's δ^L.
// Otherwise the rows are split (softmax needs whole rows, and the few outputs would not split
// evenly) and bn_train_step has the parts meet before BP2.
void bn_output_and_loss(bn_job& jb, int t, int64_t rows, const uint32_t* idx) {
  const bn_layout& layout = jb.layout;
  const int L = layout.L;
  const int64_t n_out = layout.sizes[L];
  const int out_act = layout.acts[L - 1];
  const bool everywhere = jb.plan.output_everywhere;
  int64_t r0 = 0;
  int64_t r1 = rows;
  if (!everywhere) bn_split(rows, t, jb.plan.parts, &r0, &r1);
  const output_blocks out = output_blocks_of(jb, t, rows);
  float* z_out = out.z;
  float* a_out = out.a;
  float* delta_out = out.delta;
  jb.loss_sum[t] = 0.0;
  jb.correct[t] = 0;
  if (r1 <= r0 || !jb.ok()) return;
  const int64_t o = r0 * n_out;
  const float* y = jb.y_own[t] + o;
  // z^L[r0..r1, nL] = a^(L-1)[rows, n(L-1)] · w^L[nL, n(L-1)]ᵀ  (NoTrans, Trans; M=rows, N=nL,
  // K=n(L-1), rows [r0, r1))
  jb.fail(bn_job_product(jb.plan.on_kernels, false, true, rows, n_out, layout.sizes[L - 1], 1.0f,
                         bn_activations_of(layout, L - 1, jb.x_own[t], jb.a, rows),
                         jb.params + layout.w_offset[L - 1], 0.0f, z_out, nullptr, 0.0f, r0, r1, 0,
                         n_out));
  if (jb.plan.gemm_only) return;
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

// BP2 back through layer l (l >= 2), part t's units [p0, p1) of layer l − 1: δ^(l−1) = δ^l · w^l
// ∘ σ'(z^(l−1)) (then ∘ the dropout mask), with w^l as it was before this step.
double bn_backprop_layer(bn_job& jb, int t, int l, int64_t bi, int64_t rows) {
  const bn_layout& layout = jb.layout;
  const int64_t n_l = layout.sizes[l];
  const int64_t n_prev = layout.sizes[l - 1];
  int64_t p0 = 0;
  int64_t p1 = 0;
  jb.backward[bi & 1].split(n_prev, t, &p0, &p1);
  const double began = bn_shares::now();
  const float* delta_l = l == layout.L ? output_blocks_of(jb, t, rows).delta
                                       : jb.delta + bn_block_offset(layout, l, rows);
  const int64_t off_prev = bn_block_offset(layout, l - 1, rows);
  float* delta_prev = jb.delta + off_prev;
  const float* w = jb.params + layout.w_offset[l - 1];
  const int act = layout.acts[l - 2];
  const bool dropped = !jb.plan.gemm_only && bn_dropout_rate(layout, jb.dropout, l - 1) > 0.0;
  const uint64_t dropout_step = dropped ? jb.dropout->step + bi : 0;
  // δ^(l-1)[:, own] = δ^l[rows, nl] · w^l[nl, own]  (NoTrans, NoTrans; M=rows, N=n(l-1), K=nl)
  if (jb.plan.on_kernels && store_fused(act) && !jb.plan.gemm_only) {
    // ∘ σ' on each tile as the kernel stores it (the same bits as the pass below).
    const bn_relu_fused fused{nullptr, nullptr, jb.z + off_prev, slope_of(act)};
    if (jb.ok() && !bn_kernel_sgemm_relu_block(false, false, rows, n_prev, n_l, 1.0f, delta_l, w,
                                               0.0f, delta_prev, fused, 0, rows, p0, p1)) {
      jb.fail(BN_ERR_SIZE);
    }
    // ReLU's σ' reads z, not the masked a: the mask goes on after the kernel's store.
    if (jb.ok() && dropped)
      bn_dropout_apply(*jb.dropout, dropout_step, l - 1, delta_prev, rows, n_prev, p0, p1);
    return seconds_since(began);
  }
  if (jb.ok()) {
    jb.fail(bn_job_product(jb.plan.on_kernels, false, false, rows, n_prev, n_l, 1.0f, delta_l, w,
                           0.0f, delta_prev, nullptr, 0.0f, 0, rows, p0, p1));
  }
  if (jb.ok() && !jb.plan.gemm_only) {
    // With dropout: ∘ σ' from σ(z) computed again (a is masked), then ∘ mask / (1 − p).
    const float* z_prev = jb.z + off_prev;
    const float* a_prev = jb.a + off_prev;
    jb.fail(dropped ? bn_dropout_backward(*jb.dropout, dropout_step, l - 1, delta_prev, z_prev,
                                          a_prev, rows, n_prev, p0, p1, act)
                    : bn_activation_backward_cols(delta_prev, z_prev, a_prev, rows, n_prev, p0, p1,
                                                  act));
  }
  return seconds_since(began);
}

// BP3/BP4 at layer l with the parameter update, part t's share (train_update.cc). The output
// layer's weights go by columns: the units of layer L − 1 this part owns (their δ and a are in
// its cache), its few biases on part 0; where the others may still be reading the output layer,
// into out_next (published after the next barrier, train_batches.cc). The other layers by rows:
// the part's units of layer l.
double bn_update_layer(bn_job& jb, const bn_step_coef& coef, int t, int l, int64_t bi,
                       int64_t rows) {
  const bn_layout& layout = jb.layout;
  const int L = layout.L;
  const double began = bn_shares::now();
  if (!jb.ok()) return 0.0;
  const float* delta_l =
      l == L ? output_blocks_of(jb, t, rows).delta : jb.delta + bn_block_offset(layout, l, rows);
  const float* a_prev = bn_activations_of(layout, l - 1, jb.x_own[t], jb.a, rows);
  float* w = jb.params + layout.w_offset[l - 1];
  const bn_shares& backward = jb.backward[bi & 1];
  if (l == L && L > 1) {
    int64_t p0 = 0;
    int64_t p1 = 0;
    backward.split(layout.sizes[l - 1], t, &p0, &p1);
    if (jb.plan.output_everywhere) {
      if (!jb.plan.gemm_only) bn_copy_output_columns(layout, w, jb.out_next, p0, p1, t == 0);
      jb.pending[t][0] = p0;
      jb.pending[t][1] = p1;
      w = jb.out_next;
    }
    jb.fail(bn_step_layer(jb, coef, l, rows, delta_l, a_prev, w, 0, layout.sizes[l], p0, p1, 0,
                          t == 0 ? layout.sizes[l] : 0));
    return seconds_since(began);
  }
  int64_t u0 = 0;
  int64_t u1 = 0;
  backward.split(layout.sizes[l], t, &u0, &u1);
  if (l == 1 && jb.w1t != nullptr) {
    jb.fail(bn_step_first_transposed(jb, coef, rows, delta_l, a_prev, u0, u1));
  } else {
    jb.fail(bn_step_layer(jb, coef, l, rows, delta_l, a_prev, w, u0, u1, 0, layout.sizes[l - 1], u0,
                          u1));
  }
  return seconds_since(began);
}

void bn_train_step(bn_job& jb, int t, int64_t bi, int64_t rows, const uint32_t* idx) {
  const bn_plan& plan = jb.plan;
  const int L = jb.layout.L;
  double busy_forward = 0.0;  // seconds on the phases split by the shares
  double busy_backward = 0.0;
  for (int l = 1; l < L; l++) {
    busy_forward += bn_forward_layer(jb, t, l, bi, rows);
    jb.barrier.wait();
  }
  bn_output_and_loss(jb, t, rows, idx);
  if (!plan.output_everywhere) jb.barrier.wait();
  if (t == 0 && jb.ok() && !plan.gemm_only) {
    double sum = 0.0;
    int64_t correct = 0;
    for (int i = 0; i < (plan.output_everywhere ? 1 : plan.parts); i++) {
      sum += jb.loss_sum[i];
      correct += jb.correct[i];
    }
    record(jb, bi, rows, sum, correct);
  }
  // From layer L down: BP2 first, with w^l as it was before this step, then the step of w^l.
  // The scalars of step t of Adam, AdamW or RMSprop, alike in every part, once per step.
  const bn_step_coef coef = bn_step_coef_of(jb.hyper, jb.hyper.steps + bi + 1);
  for (int l = L; l >= 1; l--) {
    if (l > 1) {
      busy_backward += bn_backprop_layer(jb, t, l, bi, rows);
      if (plan.barrier_after_bp2[l]) jb.barrier.wait();
    }
    busy_backward += bn_update_layer(jb, coef, t, l, bi, rows);
  }
  jb.forward[bi & 1].record(t, busy_forward);
  jb.backward[bi & 1].record(t, busy_backward);
}
