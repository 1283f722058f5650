// BP3 and BP4 with the parameter update, fused (train_job.h): the weight-gradient product
// accumulates −η·g straight into its target, so no gradient buffer is written and read back for
// SGD, momentum and Nesterov; Adam, AdamW and RMSprop step their parameters and state in the
// product's store (adam_tile, rmsprop_tile in kernel_isa.inc; optimizer.cc where BLAS takes the
// product). Every element gets the same operations in the same order however the work is split,
// so one thread or several give the same bits.
#include "train_job.h"

bn_status bn_job_product(bool on_kernels, bool trans_a, bool trans_b, int64_t m, int64_t n,
                         int64_t k, float alpha, const float* a, const float* b, float beta,
                         float* c, float* p, float f, int64_t i0, int64_t i1, int64_t j0,
                         int64_t j1, bn_panels panels) {
  if (!on_kernels) {
    return p != nullptr ? bn_sgemm_step(trans_a, m, n, k, alpha, a, b, beta, c, p, f)
                        : bn_sgemm(trans_a, trans_b, m, n, k, alpha, a, b, beta, c);
  }
  return bn_kernel_sgemm_block(trans_a, trans_b, m, n, k, alpha, a, b, beta, c, p, f, i0, i1, j0,
                               j1, panels)
             ? BN_OK
             : BN_ERR_SIZE;
}

namespace {

// The same product, alpha 1 and beta 0, into the gradient g, with the adaptive optimizer's step
// (Adam, AdamW, RMSprop) on the parameters and state laid out as g in the kernel's store, or after
// it where BLAS takes the product (bn_sgemm_adaptive): the same bits either way. The sgemm
// ceiling (plan.gemm_only) runs the product alone.
bn_status adaptive_product(const bn_job& jb, bool on_kernels, bool trans_a, int64_t m, int64_t n,
                           int64_t k, const float* a, const float* b, float* g,
                           const bn_adaptive_fused& fused, int64_t i0, int64_t i1, int64_t j0,
                           int64_t j1, bn_panels panels = BN_PANELS_NONE) {
  if (jb.plan.gemm_only) {
    return bn_job_product(on_kernels, trans_a, false, m, n, k, 1.0f, a, b, 0.0f, g, nullptr, 0.0f,
                          i0, i1, j0, j1, panels);
  }
  if (!on_kernels) return bn_sgemm_adaptive(trans_a, m, n, k, a, b, g, fused);
  return bn_kernel_sgemm_adaptive_block(trans_a, m, n, k, a, b, g, fused, i0, i1, j0, j1, panels)
             ? BN_OK
             : BN_ERR_SIZE;
}

// SGD with momentum (and Nesterov), as passes around the gradient product that accumulates −η·g
// into its target:
//   before: Nesterov p ← p − μ v and v ← μ v − η·l2·p_old; classical momentum with l2:
//           v ← μ v − η·l2·p (without l2 the μ goes into the product's beta instead)
//   after:  momentum p ← p + v; Nesterov p ← p + (1 + μ) v (in the product's store for weights)
void momentum_before(float* p, float* v, int64_t count, const bn_hyper& h, double l2) {
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

void momentum_after(float* p, const float* v, int64_t count, const bn_hyper& h) {
  const float f = h.nesterov ? static_cast<float>(1.0 + h.momentum) : 1.0f;
  for (int64_t i = 0; i < count; i++) p[i] += f * v[i];
}

// Where the fused product accumulates −η·g for one block of parameters, and with which beta:
// plain SGD into p with beta = 1 − η·l2; momentum into v with beta = μ (or 1 after a pass).
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

// The momentum epilogue's factor: p += f·v in the product's store.
float epilogue_factor(const bn_hyper& h) {
  return h.nesterov ? static_cast<float>(1.0 + h.momentum) : 1.0f;
}

// BP3 for b^l entries [b0, b1) (b in params or out_next), with its update: −η · Σ_rows δ^l
// accumulated into the target as the weights' (no weight decay on biases), or the adaptive step.
bn_status bias_step(const bn_job& jb, const bn_step_coef& c, int l, int64_t rows,
                    const float* delta_l, float* b, int64_t b0, int64_t b1) {
  if (b0 >= b1 || jb.plan.gemm_only) return BN_OK;
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
  if (tb.pass_before) momentum_before(b + b0, v_b + b0, b1 - b0, h, 0.0);
  const bn_status status =
      bn_column_sums_cols(delta_l, rows, jb.layout.sizes[l], b0, b1,
                          static_cast<float>(-h.learning_rate), tb.beta, tb.target);
  if (status != BN_OK) return status;
  if (h.momentum != 0.0) momentum_after(b + b0, v_b + b0, b1 - b0, h);
  return BN_OK;
}

}  // namespace

bn_status bn_step_layer(const bn_job& jb, const bn_step_coef& c, int l, int64_t rows,
                        const float* delta_l, const float* a_prev, float* w, int64_t i0, int64_t i1,
                        int64_t j0, int64_t j1, int64_t b0, int64_t b1) {
  const bn_layout& layout = jb.layout;
  const bn_hyper& h = jb.hyper;
  const bool gemm_only = jb.plan.gemm_only;
  const bool on_kernels = jb.plan.on_kernels;
  const int64_t n_l = layout.sizes[l];
  const int64_t n_prev = layout.sizes[l - 1];
  float* b = w + n_l * n_prev;
  float* v_w = jb.velocity != nullptr ? jb.velocity + layout.w_offset[l - 1] : nullptr;
  if (bn_adaptive(h)) {
    // BP4: g[nl, n(l-1)] = δ^l[rows, nl]ᵀ · aPrev[rows, n(l-1)]  (Trans, NoTrans; M=nl,
    // N=n(l-1), K=rows; this part's block), with Adam/AdamW/RMSprop on the same block of w^l and
    // its state as the product is stored.
    float* g = jb.grad + layout.w_offset[l - 1];
    float* s1 = bn_state_slots(h) > 1 ? v_w + layout.param_count : nullptr;
    const bn_adaptive_fused fused{&c, w, v_w, s1, static_cast<float>(h.l2)};
    const bn_status status = adaptive_product(jb, on_kernels, true, n_l, n_prev, rows, delta_l,
                                              a_prev, g, fused, i0, i1, j0, j1);
    if (status != BN_OK) return status;
    return bias_step(jb, c, l, rows, delta_l, b, b0, b1);
  }
  const step_target tw = target_of(w, v_w, h, h.l2);
  if (tw.pass_before && !gemm_only) {
    for (int64_t i = i0; i < i1; i++)
      momentum_before(w + i * n_prev + j0, v_w + i * n_prev + j0, j1 - j0, h, h.l2);
  }
  // BP4 with the step: target[nl, n(l-1)] = −η · δ^l[rows, nl]ᵀ · aPrev[rows, n(l-1)] + beta ·
  // target (Trans, NoTrans; M=nl, N=n(l-1), K=rows), target = w^l (plain SGD) or its velocity;
  // with momentum the after-step w += f·v rides along in the product's store.
  const bool epilogue = h.momentum != 0.0 && !gemm_only;
  const bn_status status = bn_job_product(
      on_kernels, true, false, n_l, n_prev, rows, static_cast<float>(-h.learning_rate), delta_l,
      a_prev, tw.beta, tw.target, epilogue ? w : nullptr, epilogue_factor(h), i0, i1, j0, j1);
  if (status != BN_OK) return status;
  return bias_step(jb, c, l, rows, delta_l, b, b0, b1);
}

// The same products as bn_step_layer's, transposed, so every element gets the same operations
// (the multiply-adds of a dot product over the batch in the same order), on the kernels.
bn_status bn_step_first_transposed(const bn_job& jb, const bn_step_coef& c, int64_t rows,
                                   const float* delta_1, const float* x, int64_t u0, int64_t u1) {
  const bn_hyper& h = jb.hyper;
  const bool gemm_only = jb.plan.gemm_only;
  const int64_t n0 = jb.layout.sizes[0];
  const int64_t n1 = jb.layout.sizes[1];
  float* b1 = jb.params + jb.layout.b_offset[0];
  if (bn_adaptive(h)) {
    // BP4: gᵀ[n0, n1] = x[rows, n0]ᵀ · δ^1[rows, n1]  (Trans, NoTrans; M=n0, N=n1, K=rows;
    // columns [u0, u1)), with the step on (w^1)ᵀ and its transposed state, the same columns, as
    // the product is stored.
    float* g = jb.grad + jb.layout.w_offset[0];
    float* s1 = bn_state_slots(h) > 1 ? jb.v1t + jb.plan.w1t_floats : nullptr;
    const bn_adaptive_fused fused{&c, jb.w1t, jb.v1t, s1, static_cast<float>(h.l2)};
    const bn_status status = adaptive_product(jb, true, true, n0, n1, rows, x, delta_1, g, fused, 0,
                                              n0, u0, u1, BN_PANELS_C);
    if (status != BN_OK) return status;
    return bias_step(jb, c, 1, rows, delta_1, b1, u0, u1);
  }
  const step_target tw = target_of(jb.w1t, jb.v1t, h, h.l2);
  if (tw.pass_before && !gemm_only) {
    // Columns [u0, u1): their whole column blocks, one run of memory (padding lanes included).
    const int64_t from = bn_w1t_index(n0, 0, u0);
    const int64_t to = bn_w1t_index(n0, 0, bn_w1t_columns(u1));
    momentum_before(jb.w1t + from, jb.v1t + from, to - from, h, h.l2);
  }
  // BP4 with the step: target[n0, n1] = −η · x[rows, n0]ᵀ · δ^1[rows, n1] + beta · target (Trans,
  // NoTrans; M=n0, N=n1, K=rows; columns [u0, u1)), target = (w^1)ᵀ or its velocity, with the
  // momentum epilogue on (w^1)ᵀ.
  const bool epilogue = h.momentum != 0.0 && !gemm_only;
  const bn_status status = bn_job_product(
      true, true, false, n0, n1, rows, static_cast<float>(-h.learning_rate), x, delta_1, tw.beta,
      tw.target, epilogue ? jb.w1t : nullptr, epilogue_factor(h), 0, n0, u0, u1, BN_PANELS_C);
  if (status != BN_OK) return status;
  return bias_step(jb, c, 1, rows, delta_1, b1, u0, u1);
}
