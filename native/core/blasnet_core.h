// blasnet core: the matrix work of a multilayer perceptron, in plain C++17 (no N-API here).
//
// Memory model (the contract of lib/backend/types.ts, which both backends implement):
//
// - Every number lives in a float buffer owned by JavaScript (a Float32Array). The core only
//   borrows the pointers for the length of one call: it allocates nothing, copies nothing and
//   keeps nothing between calls. Workspaces (z, a, delta, grad, velocity) are passed in.
// - Matrices are row-major and contiguous. A batch is [batch, features]: rows are examples.
// - A layer's weight matrix w^l is [nOut, nIn] = [nl, n(l-1)], so w[j * nIn + k] is the
//   lecture's ω^l_jk, the weight from neuron k of layer l-1 to neuron j of layer l
//   (PyTorch's nn.Linear layout). Hence z^l = a^(l-1) · w^lᵀ + b^l.
//
// The network spec is one int32 array, so it crosses N-API as one argument:
//   spec = [L, n0, n1, ..., nL, act1, ..., actL]      length 2 + 2L, L >= 1 weight layers,
// n0 is the input size, sizes are >= 1, act codes are in [0, 7], softmax only on layer L.
//
// Parameter layout (params, and grad / velocity with the same layout), for l = 1..L in order:
//   w^l as [nl, n(l-1)] row-major, then b^l as [nl].
//
// Workspace layout (z, a, delta, each at least batch * (n1 + ... + nL) floats):
//   layer l's block starts at batch * (n1 + ... + n(l-1)) and is [batch, nl] row-major.
//   Offsets use the batch of the call, so a workspace sized for the largest batch serves a
//   smaller last batch too. The input a^0 is x itself and is never copied.
//
// Products: bn_sgemm sends each product either to the own kernels (AVX-512 or AVX2, one table
// chosen at run time, kernel.cc; which shapes, measured, is in gemm.cc and tuning.h) or to
// OpenBLAS, never both at once. A large product may be split over worker threads of the core's
// own small pool (pool.h), started on first use and kept (the one thing the core creates that
// outlives a call; it holds no buffers).
// Training runs one call per chunk of mini-batches (bn_train_batches), the optimizer step fused
// into the weight-gradient products.
//
// Errors: every function that can fail returns a bn_status (BN_OK on success) and never
// asserts, aborts or throws. Callers (the N-API binding) check buffer lengths before calling;
// the core re-checks only what it can see (codes, sizes, indices against a row count).
#ifndef BLASNET_CORE_H
#define BLASNET_CORE_H

#include <cstddef>
#include <cstdint>
#include <limits>

// ---- status ----------------------------------------------------------------------------------

enum bn_status {
  BN_OK = 0,
  BN_ERR_SPEC_LENGTH,          // L < 1, or the spec is not 2 + 2L long
  BN_ERR_SPEC_TOO_DEEP,        // L > BN_MAX_LAYERS
  BN_ERR_SPEC_SIZE,            // a layer size < 1
  BN_ERR_SPEC_ACTIVATION,      // an activation code outside [0, 7]
  BN_ERR_SPEC_SOFTMAX_HIDDEN,  // softmax on a hidden layer
  BN_ERR_ACTIVATION,           // an activation code outside [0, 7] passed to a kernel
  BN_ERR_NOT_DIFFERENTIABLE,   // heaviside where backprop needs a derivative
  BN_ERR_LOSS,                 // a loss code outside [0, 4]
  BN_ERR_LOSS_ACTIVATION,      // crossEntropy without softmax, binaryCrossEntropy without sigmoid
  BN_ERR_SIZE,                 // a size < 0, or too large for BLAS (above INT_MAX)
  BN_ERR_INDEX,                // a gather index past the last row of the source
  BN_ERR_HYPER,                // optimizer parameters out of range, or no velocity for momentum
  BN_ERR_OVERFLOW,             // a product or sum of sizes that does not fit int64 (checked.h)
  BN_ERR_MEMORY,               // no memory for a call's private scratch
  BN_ERR_DROPOUT,              // a dropout rate outside [0, 1)
};

// A short English description of a status, for the binding's ERR_BLASNET_NATIVE errors.
const char* bn_status_message(bn_status status);

// ---- codes (TypeScript owns the names; see lib/backend/types.ts) ------------------------------

enum bn_activation {
  BN_ACT_IDENTITY = 0,
  BN_ACT_SIGMOID = 1,
  BN_ACT_TANH = 2,
  BN_ACT_RELU = 3,
  BN_ACT_SOFTMAX = 4,     // row-wise; output layer only
  BN_ACT_HEAVISIDE = 5,   // forward only: no derivative
  BN_ACT_LEAKY_RELU = 6,  // torch's LeakyReLU(0.01): z > 0 ? z : 0.01·z
  BN_ACT_ELU = 7,         // torch's ELU(1.0): z > 0 ? z : e^z − 1
};
constexpr int BN_ACT_MAX = BN_ACT_ELU;
// The fixed parameters of the two above: PyTorch's defaults (the slope as torch rounds it, float).
constexpr float BN_LEAKY_RELU_SLOPE = 0.01f;
constexpr double BN_ELU_ALPHA = 1.0;

enum bn_loss {
  BN_LOSS_QUADRATIC = 0,             // 1/(2N) Σ (a − y)², any output activation
  BN_LOSS_CROSS_ENTROPY = 1,         // softmax output only; fused δ^L = (a − y)/N
  BN_LOSS_BINARY_CROSS_ENTROPY = 2,  // sigmoid output only; fused δ^L = (a − y)/N
  BN_LOSS_MEAN_ABSOLUTE_ERROR = 3,  // torch's L1Loss: 1/(N·nL) Σ |a − y|, any output activation
  BN_LOSS_HUBER = 4,                // torch's HuberLoss(delta=1): 1/(N·nL) Σ h(a − y), any
};
constexpr int BN_LOSS_MAX = BN_LOSS_HUBER;
constexpr double BN_HUBER_DELTA = 1.0;  // torch's default

// ---- the decoded spec ------------------------------------------------------------------------

// Deep enough for any MLP; a fixed capacity lets bn_layout live on the stack (no allocation)
// and hold a private copy of the spec, so the offsets cannot change under a running call.
constexpr int BN_MAX_LAYERS = 256;

struct bn_layout {
  int L;                                // number of weight layers
  int64_t sizes[BN_MAX_LAYERS + 1];     // sizes[l] = n_l, l = 0..L
  int acts[BN_MAX_LAYERS];              // acts[l - 1] = activation code of layer l
  int64_t w_offset[BN_MAX_LAYERS];      // offset of w^l in params, index l - 1
  int64_t b_offset[BN_MAX_LAYERS];      // offset of b^l in params, index l - 1
  int64_t units_before[BN_MAX_LAYERS];  // n1 + ... + n(l-1), index l - 1 (block start / batch)
  int64_t param_count;                  // total parameters
  int64_t units_per_example;            // n1 + ... + nL
};

// Decode and check a spec (the checks of lib/backend/spec.ts). On failure *bad_index, when not
// null, is the spec index at fault (0 for a length problem) so the caller can name it.
// BN_ERR_OVERFLOW when the parameter count does not fit int64 (bad_index: the layer size n_l
// whose block overflowed it).
bn_status bn_layout_decode(const int32_t* spec, size_t length, bn_layout* out, size_t* bad_index);

// Whether `batch` rows fit the layout: batch in [0, 2^31 − 1], and the workspace and input sizes
// batch · (n1 + ... + nL) and batch · n0 fit int64 (BN_ERR_SIZE, BN_ERR_OVERFLOW otherwise).
// Every entry point that takes a layout and a batch checks this before any offset is formed.
bn_status bn_layout_check_batch(const bn_layout& layout, int64_t batch);

// Layer l's block (1-based) in a workspace for `batch` rows (within bn_layout_check_batch's bound).
inline int64_t bn_block_offset(const bn_layout& layout, int l, int64_t batch) {
  return batch * layout.units_before[l - 1];
}

// ---- optimizer -------------------------------------------------------------------------------

// Optimizer codes (UpdateHyper[4] of types.ts; TypeScript owns the names, lib/optimizers.ts).
enum bn_optimizer { BN_OPT_SGD = 0, BN_OPT_ADAM = 1, BN_OPT_ADAMW = 2, BN_OPT_RMSPROP = 3 };

// The UpdateHyper of types.ts, decoded: [η, μ, nesterov (0 or 1), l2 = λ/n] (SGD, length 4), then
// [optimizer, β1 (Adam, AdamW) or α (RMSprop), β2, eps, weight decay (AdamW), steps taken] (length
// 10). The state buffer (`velocity`) holds bn_state_slots(hyper) blocks of param_count floats.
struct bn_hyper {
  double learning_rate;
  double momentum;
  bool nesterov;
  double l2;
  int optimizer = BN_OPT_SGD;
  double beta1 = 0.0;  // Adam/AdamW β1; RMSprop α
  double beta2 = 0.0;
  double eps = 0.0;
  double weight_decay = 0.0;  // AdamW's decoupled decay
  int64_t steps = 0;          // steps taken before this call: the next one is t = steps + 1
};

// Blocks of param_count floats in the state buffer: SGD 0 (1 with momentum: v), Adam and AdamW 2
// (m then v), RMSprop 1 (the square average v).
inline int bn_state_slots(const bn_hyper& h) {
  if (h.optimizer == BN_OPT_ADAM || h.optimizer == BN_OPT_ADAMW) return 2;
  if (h.optimizer == BN_OPT_RMSPROP) return 1;
  return h.momentum > 0.0 ? 1 : 0;
}

// Whether the optimizer needs the gradient itself (Adam, AdamW, RMSprop), not only −η·g.
inline bool bn_adaptive(const bn_hyper& h) {
  return h.optimizer != BN_OPT_SGD;
}

// The float32 scalars of step t of an adaptive optimizer, from bn_hyper in float64 and rounded
// once, as PyTorch's single-tensor CPU implementation does (optimizer.cc).
struct bn_step_coef {
  int optimizer;
  float decay;         // AdamW: 1 − η·weight_decay (1 otherwise)
  float keep1, take1;  // β1, 1 − β1
  float keep2, take2;  // β2 (RMSprop: α), 1 − β2
  float bias2_sqrt;    // sqrt(1 − β2^t) (1 for RMSprop)
  float eps;
  float neg_step;  // −η / (1 − β1^t) (RMSprop: −η)
  // Adam: 2^-40·|neg_step| (inf where that would round), the bound on denom past which a subnormal
  // m cannot move a parameter of magnitude >= 2^-60 (kernel_isa.inc's adam_dividend).
  float still_denom = std::numeric_limits<float>::infinity();
};
bn_step_coef bn_step_coef_of(const bn_hyper& h, int64_t t);

// One adaptive step over n parameters p with gradient g and state s0, s1 (their blocks of the
// state buffer; s1 unused by RMSprop); l2 (0 for biases) adds l2·p to g first. Elementwise, every
// element by the same float32 operations: any split of the work gives the same bits.
void bn_adaptive_step(const bn_step_coef& c, float* p, const float* g, float* s0, float* s1,
                      int64_t n, float l2);

// ---- kernels ---------------------------------------------------------------------------------

// C[m, n] ← alpha · op(A)[m, k] · op(B)[k, n] + beta · C, row-major, contiguous (lda = cols of A
// as stored). A is [m, k], or [k, m] when trans_a; B is [k, n], or [n, k] when trans_b.
// beta = 0 overwrites C. Thread-safe. Small products (which ones: measured, see gemm.cc) run on
// the own kernels of kernel.cc instead of BLAS. Either way the result is the same bits for any
// thread count (bn_set_threads) on a given path (bn_kernel_isa), where the pool exists.
bn_status bn_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const float* a, const float* b, float beta, float* c);
// C ← alpha · op(A) · B + beta · C (op(B) = B), then p ← p + f·C (p laid out as C): the momentum
// step w += v fused into the product that updates the velocity (in the kernel's write-back where
// a kernel takes the product, else as a pass after it).
bn_status bn_sgemm_step(bool trans_a, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                        const float* b, float beta, float* c, float* p, float f);
// The step of an adaptive optimizer fused into the weight-gradient product (bn_sgemm_adaptive):
// the parameters p and the state s0, s1 (bn_adaptive_step's, s1 null for RMSprop) laid out as the
// product's C, the step's scalars and l2.
struct bn_adaptive_fused {
  const bn_step_coef* coef;
  float* p;
  float* s0;
  float* s1;
  float l2;
};
// g = op(A) · B (op(B) = B; [m, n]), then bn_adaptive_step on p, s0, s1 laid out as g, with the
// same bits either way: where a kernel takes the product, in the kernel's store with g never
// written (g holds only partial sums, for k beyond one pass of the kernel); else the product into
// g and bn_adaptive_step after it.
bn_status bn_sgemm_adaptive(bool trans_a, int64_t m, int64_t n, int64_t k, const float* a,
                            const float* b, float* g, const bn_adaptive_fused& step);
// The same product, always through cblas_sgemm (benchmarks and tests compare the two): large ones
// as blocks of C fixed by the shape, spread over the kernels' pool (see gemm.cc).
bn_status bn_sgemm_blas(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                        const float* a, const float* b, float beta, float* c);

// z[r, j] += bias[j]; a[r, j] = σ(z[r, j]) over [rows, cols] (softmax: row-wise over j).
bn_status bn_bias_activate(float* z, float* a, const float* bias, int64_t rows, int64_t cols,
                           int act);

// The same over columns [j0, j1) of a [rows, ld] block (one thread's units); softmax only with
// whole rows (else BN_ERR_ACTIVATION). Each element gets exactly what the whole call gives it.
bn_status bn_bias_activate_cols(float* z, float* a, const float* bias, int64_t rows, int64_t ld,
                                int64_t j0, int64_t j1, int act);

// In place over [rows, cols]: delta ← delta ∘ σ'(z) (softmax: Jacobian-vector product).
// On entry delta holds ∂L/∂a, on exit ∂L/∂z. Heaviside → BN_ERR_NOT_DIFFERENTIABLE.
bn_status bn_activation_backward(float* delta, const float* z, const float* a, int64_t rows,
                                 int64_t cols, int act);

// The same over columns [j0, j1) of a [rows, ld] block; softmax only with whole rows.
bn_status bn_activation_backward_cols(float* delta, const float* z, const float* a, int64_t rows,
                                      int64_t ld, int64_t j0, int64_t j1, int act);

// out[j] = alpha · Σ_r m[r, j] + beta · out[j] over [rows, cols] (bias gradients, BP3).
// beta = 0 overwrites out.
bn_status bn_column_sums(const float* m, int64_t rows, int64_t cols, float alpha, float beta,
                         float* out);
// The same for columns [j0, j1) of a [rows, ld] block only (out[j] for j in [j0, j1)).
bn_status bn_column_sums_cols(const float* m, int64_t rows, int64_t ld, int64_t j0, int64_t j1,
                              float alpha, float beta, float* out);

// Row-wise softmax of z [rows, cols] into a, stable (the row max is subtracted).
bn_status bn_softmax(const float* z, float* a, int64_t rows, int64_t cols);

// dst[i, :] = src[indices[i], :] for i < count, rows of `cols` floats; src has src_rows rows.
// The binding passes indices + start. An index >= src_rows → BN_ERR_INDEX, never read.
bn_status bn_gather_rows(const float* src, int64_t src_rows, int64_t cols, const uint32_t* indices,
                         int64_t count, float* dst);

// dst[i, :] = src[indices[i], :] · scale + offset for i < count, rows of `cols` bytes converted to
// floats (uint8 pixels kept as stored, scaled per batch). An index >= src_rows → BN_ERR_INDEX.
bn_status bn_gather_rows_u8(const uint8_t* src, int64_t src_rows, int64_t cols,
                            const uint32_t* indices, int64_t count, float scale, float offset,
                            float* dst);
// Asks for the cache lines of rows indices[0..count) of src (rows of row_bytes bytes) to be brought
// into the caches (a hint: nothing is read, no result changes); rows past src_rows are skipped.
void bn_prefetch_rows(const void* src, int64_t src_rows, int64_t row_bytes, const uint32_t* indices,
                      int64_t count);

// ---- whole network ---------------------------------------------------------------------------

// Dropout on the hidden layers in training (dropout.h); null: none. A trailing argument of the
// whole-network calls below: a^l ← a^l ∘ mask / (1 − p_l) after σ, and δ^l likewise after σ'.
struct bn_dropout;

// Forward pass for `batch` rows of x [batch, n0]: z^l = a^(l-1) · w^lᵀ + b^l, a^l = σ_l(z^l).
bn_status bn_forward(const bn_layout& layout, const float* params, const float* x, int64_t batch,
                     float* z, float* a, const bn_dropout* dropout = nullptr);

// Backward pass (BP1..BP4) after bn_forward. On entry delta's output block holds ∂L/∂a^L
// (already divided by N); on exit every block holds δ^l and grad holds ∂L/∂w^l, ∂L/∂b^l
// (overwritten). Any heaviside layer → BN_ERR_NOT_DIFFERENTIABLE before anything is written.
bn_status bn_backward(const bn_layout& layout, const float* params, float* grad, const float* x,
                      int64_t batch, const float* z, const float* a, float* delta,
                      const bn_dropout* dropout = nullptr);

// BP2..BP4 only: delta's output block already holds δ^L = ∂L/∂z^L (a fused output delta).
bn_status bn_backward_from_output(const bn_layout& layout, const float* params, float* grad,
                                  const float* x, int64_t batch, const float* z, const float* a,
                                  float* delta, const bn_dropout* dropout = nullptr);

// Mean loss over [rows, cols] outputs (z and a of the output layer, targets y), sums in double.
// Checks that the loss fits the output activation (crossEntropy needs softmax, binary cross-
// entropy needs sigmoid).
bn_status bn_loss_value(int loss, int act, const float* z, const float* a, const float* y,
                        int64_t rows, int64_t cols, double* value);

// The loss summed over the rows rather than averaged: N · the mean (any rows >= 0), so that the
// sums of parts of a batch add up to it.
bn_status bn_loss_sum(int loss, int act, const float* z, const float* a, const float* y,
                      int64_t rows, int64_t cols, double* sum);

// δ^L = ∂L/∂z^L into delta [rows, cols]: fused (a − y)/N for crossEntropy / binaryCrossEntropy;
// for the others ∂L/∂a times σ' (through bn_activation_backward): (a − y)/N for quadratic,
// sign(a − y)/(N·cols) for mean absolute error, clamp(a − y, ±1)/(N·cols) for Huber.
bn_status bn_output_delta(int loss, int act, const float* z, const float* a, const float* y,
                          int64_t rows, int64_t cols, float* delta);
// The same for `rows` of the rows of a batch of `batch` examples (the mean's N is the batch's).
bn_status bn_output_delta_part(int loss, int act, const float* z, const float* a, const float* y,
                               int64_t rows, int64_t cols, int64_t batch, float* delta);

// η and l2 finite and >= 0, μ in [0, 1], and a velocity buffer when μ > 0; for Adam/AdamW β1, β2
// in [0, 1), eps and weight decay finite and >= 0, μ = 0; for RMSprop α in [0, 1], eps >= 0, μ = 0;
// steps >= 0; a state buffer whenever bn_state_slots > 0.
bn_status bn_hyper_check(const bn_hyper& hyper, bool has_velocity);

// One optimizer step over the whole parameter buffer (weight decay on weights only).
// velocity is not touched, and may be null, when momentum is 0.
bn_status bn_update(const bn_layout& layout, float* params, const float* grad, float* velocity,
                    const bn_hyper& hyper);

// One training step for a built-in loss: forward, loss value (into *loss_value, before the
// update), output delta, backward, then bn_update when hyper is not null.
bn_status bn_train_batch(const bn_layout& layout, float* params, float* grad, float* velocity,
                         const float* x, const float* y, int64_t batch, int loss, float* z,
                         float* a, float* delta, const bn_hyper* hyper, double* loss_value,
                         const bn_dropout* dropout = nullptr);

// ---- many training steps in one call (train_batches.cc) ----------------------------------------

// A dataset's inputs [rows, n0], as floats or as bytes scaled per batch (x = byte · scale + offset).
struct bn_inputs {
  const float* f32;  // exactly one of f32 and u8 is set
  const uint8_t* u8;
  float scale;
  float offset;
  int64_t rows;
};
// The dataset of a bn_train_batches call: the inputs, the targets y [inputs.rows, nL], the class
// labels [inputs.rows] (null: no correct counts), and the shuffled order of the examples.
struct bn_train_data {
  bn_inputs inputs;
  const float* y;
  const uint8_t* labels;
  const uint32_t* order;
  int64_t order_length;
};
// The caller's workspace for a bn_train_batches call with mini-batches of `batch` rows: z, a and
// delta [batch · (n1 + ... + nL)] in blocks per layer (bn_block_offset), and the gathered batch,
// x_batch [batch, n0] and y_batch [batch, nL].
struct bn_train_workspace {
  float* z;
  float* a;
  float* delta;
  float* x_batch;
  float* y_batch;
};

// `batches` mini-batches of the shuffled dataset in one call: batch b is the examples
// order[start + b·batch .. start + (b+1)·batch) (the last one may be shorter when it reaches the
// end of `order`). Per batch: gather x (converting bytes) and y rows into x_batch [batch, n0] and
// y_batch [batch, nL]; forward; the mean loss before the update into out[2b]; when labels is not
// null, the number of examples whose predicted class (argmax of a^L, or a^L > 0.5 for one output)
// equals labels[example] into out[2b + 1]; the output delta; backward with the optimizer step
// fused into it: layer by layer from L, δ^(l−1) = δ^l · w^l with the weights before the step, then
// the weight-gradient GEMM accumulates straight into w^l (plain SGD: alpha = −η, beta = 1 − η·l2)
// or into the velocity (momentum: beta = μ, then w += v; Nesterov and l2 by a pass before it), and
// the bias gradient likewise through bn_column_sums. No gradient buffer is written. The result
// equals trainBatch + update to float32 rounding. Stops after the first batch whose loss is not
// finite (its step already taken); *done is the number of batches completed. All indices are
// checked against inputs.rows before anything is written. Where a step's products are large
// enough (bn_team_parts) and the AVX-512 kernels take them, the call runs on a team of the
// kernels' threads (train_batches.cc); the results are the same bits as on one thread. With
// dropout, batch b's masks are those of step dropout->step + b (each part masks its own units).
bn_status bn_train_batches(const bn_layout& layout, float* params, float* velocity,
                           const bn_train_data& data, int64_t start, int64_t batch, int64_t batches,
                           int loss, const bn_train_workspace& workspace, const bn_hyper& hyper,
                           double* out, int64_t* done, const bn_dropout* dropout = nullptr);

// ---- own small-matrix kernels (kernel.cc, kernel_table.h) -------------------------------------

// The instruction sets of the own kernels. The numbers are part of the contract: the binding and
// the tests pass them, and they order the sets (a higher one is chosen over a lower one).
enum bn_isa : int {
  BN_ISA_NONE = 0,    // no kernels: BLAS does every product
  BN_ISA_AVX2 = 2,    // AVX2 + FMA (kernels_avx2.cc)
  BN_ISA_AVX512 = 3,  // AVX-512F (kernels_avx512.cc)
};

// The instruction set of the own kernels in use.
bn_isa bn_kernel_isa();
// Choose the kernels' instruction set (tests, benchmarks): isa < 0 restores the default (the best
// the CPU has, or what BLASNET_KERNELS asked for); never raises it above what the CPU supports.
// Returns the instruction set now in use.
bn_isa bn_kernel_set_isa(int isa);
// The best instruction set this CPU supports (BN_ISA_NONE without the kernels).
bn_isa bn_kernel_cpu_isa();
// The kernels' name as backend().kernels reports it: "avx512", "avx2", or "none" (also for an
// instruction set this build has no kernels for).
const char* bn_kernel_isa_name(bn_isa isa);
// What the BLASNET_KERNELS environment variable asked for, read once when the addon loads:
// BN_KERNELS_AUTO (unset, empty, "auto", or an unknown name, which the loader refuses) or an isa
// (BN_ISA_AVX512 "avx512", BN_ISA_AVX2 "avx2", BN_ISA_NONE "blas" or "none"). Above
// bn_kernel_cpu_isa(), the CPU's best is used.
int bn_kernel_requested();
constexpr int BN_KERNELS_AUTO = -1;
constexpr int BN_KERNELS_INVALID = -2;
// A BLASNET_KERNELS value as an isa, BN_KERNELS_AUTO, or BN_KERNELS_INVALID. Null: auto.
int bn_kernel_parse(const char* name);
// The own kernels' sgemm (same contract as bn_sgemm, any shape; sizes already checked). Returns
// false, doing nothing, when there is no kernel for this CPU or for both operands transposed.
bool bn_kernel_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                     const float* a, const float* b, float beta, float* c);

// The same with the momentum step fused into the product's write-back, op(B) = B only: after
// C = alpha · op(A) · B + beta · C, p ← p + f·C for the parameters p laid out as C. False, doing
// nothing, without a kernel for this CPU.
bool bn_kernel_sgemm_step(bool trans_a, int64_t m, int64_t n, int64_t k, float alpha,
                          const float* a, const float* b, float beta, float* c, float* p, float f);
// Where a product's B or C (and the epilogue's operands, laid out as C) is kept in column blocks
// one AVX-512 vector wide (BN_COLUMN_BLOCK floats): element (i, j) of an [r, n] matrix at
// (j / 16) · r · 16 + i · 16 + j % 16, each block r · 16 floats (the last one padded). A tile's
// rows of one vector then lie one after another in memory instead of a row apart, so the
// optimizer's operands stream in order (w^1 kept transposed, train_plan.h). Only op(B) = B, on the
// AVX-512 kernels, with column ranges from multiples of 16; the product's bits are those of the
// plain layout.
constexpr int64_t BN_COLUMN_BLOCK = 16;
enum bn_panels { BN_PANELS_NONE = 0, BN_PANELS_B = 1, BN_PANELS_C = 2 };

// Rows [i0, i1) × columns [j0, j1) of the product C = alpha · op(A) · op(B) + beta · C (with the
// momentum epilogue p ← p + f·C when p is not null; op(B) = B then), on the calling thread only.
// The elements computed are bit for bit those of the whole product. False, doing nothing, where
// bn_kernel_sgemm(_step) would be false, or `panels` cannot be taken (see bn_panels).
bool bn_kernel_sgemm_block(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                           const float* a, const float* b, float beta, float* c, float* p, float f,
                           int64_t i0, int64_t i1, int64_t j0, int64_t j1,
                           bn_panels panels = BN_PANELS_NONE);

// The same with the adaptive step fused (see bn_sgemm_adaptive; alpha 1, beta 0): the whole
// product, split over the pool as bn_kernel_sgemm; or rows [i0, i1) × columns [j0, j1) on the
// calling thread, as bn_kernel_sgemm_block. False, doing nothing, without a kernel for this CPU.
bool bn_kernel_sgemm_adaptive(bool trans_a, int64_t m, int64_t n, int64_t k, const float* a,
                              const float* b, float* c, const bn_adaptive_fused& step);
bool bn_kernel_sgemm_adaptive_block(bool trans_a, int64_t m, int64_t n, int64_t k, const float* a,
                                    const float* b, float* c, const bn_adaptive_fused& step,
                                    int64_t i0, int64_t i1, int64_t j0, int64_t j1,
                                    bn_panels panels = BN_PANELS_NONE);

// Elementwise work of the training step done on C's tile while it is still in registers, by the
// kernels of bn_kernel_sgemm_relu_block: the same operations, in the same order, as the separate
// passes (bn_bias_activate_cols, bn_activation_backward_cols) with ReLU or leaky ReLU, so the same
// bits.
struct bn_relu_fused {
  // The forward pass (z = a · wᵀ, or a · (wᵀ) kept transposed), beta 0: C = z = alpha · op(A) ·
  // op(B) + bias[j], and relu[i, j] = z > 0 ? z : 0 (leaky: slope · z) (laid out as C).
  const float* bias;
  float* relu;
  // op(B) = B (BP2 δ = δ_next · w), beta 0, no momentum epilogue: C ← C · (mask > 0 ? 1 : slope),
  // the mask z laid out as C.
  const float* mask;
  // 0 for ReLU; BN_LEAKY_RELU_SLOPE for leaky ReLU.
  float slope = 0.0f;
};

// bn_kernel_sgemm_block (p null) with `fused` applied to the block's elements. False, doing
// nothing, where that would be false or the combination is not one of the two above.
bool bn_kernel_sgemm_relu_block(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                                float alpha, const float* a, const float* b, float beta, float* c,
                                const bn_relu_fused& fused, int64_t i0, int64_t i1, int64_t j0,
                                int64_t j1, bn_panels panels = BN_PANELS_NONE);

// a[i] = 1 / (1 + e^(−z[i])) over count elements, in float with a vectorized exp (within 2 ulp).
// Returns false, doing nothing, when there is no kernel for this CPU (the caller then uses double).
bool bn_kernel_sigmoid(const float* z, float* a, int64_t count);

// dst[j] = src[j] · scale + offset in float (multiply, then add: two roundings) over count bytes,
// vectorized. False, doing nothing, without a kernel for this CPU.
bool bn_kernel_bytes_to_floats(const uint8_t* src, float* dst, int64_t count, float scale,
                               float offset);

// ---- BLAS configuration ----------------------------------------------------------------------

// Set / read the thread count for products. Where the kernels' pool exists (bn_has_pool), it
// splits BLAS products too and OpenBLAS itself stays single-threaded; elsewhere it is OpenBLAS's.
void bn_set_threads(int n);
int bn_get_threads();
// OpenBLAS's build description ("OpenBLAS 0.3.21 DYNAMIC_ARCH ...") and the core in use.
const char* bn_blas_config();
const char* bn_blas_corename();

// ---- benchmarks (bench/kernels.ts, bench/train.ts; never on a training path) -------------------

// Seconds for `reps` calls of bn_sgemm (the core's path: lock, dispatch) at one shape, after one
// warm-up call, on scratch buffers allocated outside the timed loop. -1 for a bad shape.
double bn_bench_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, int64_t reps);
// The same, calling cblas_sgemm directly in a loop (the lock taken once): the BLAS ceiling.
double bn_bench_blas_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                           int64_t reps);
// Seconds for the GEMMs of one epoch of `examples` in mini-batches of `batch` (the last one
// partial): bn_train_batches's own plan and phases (train_plan.h, bn_train_gemms) with everything
// but the products switched off, on the same team and split. beta = 0: the weight gradient into a
// buffer of its own (Adam's product); 1: accumulated into the weights (plain SGD); otherwise
// accumulated into the velocity with momentum μ = beta. The sgemm ceiling of an epoch.
double bn_bench_epoch_gemms(const bn_layout& layout, int64_t examples, int64_t batch, float beta);

#endif  // BLASNET_CORE_H
