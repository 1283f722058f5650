/**
 * The numeric contract every backend implements (native OpenBLAS core and pure TypeScript).
 *
 * Memory model, shared by both sides of the N-API boundary:
 * - All numbers live in JS-owned `Float32Array`s; a backend borrows them for one call,
 *   works in place, allocates nothing and keeps nothing between calls.
 * - Matrices are row-major. A batch is `[batch, features]`: rows are examples.
 * - A layer's weight matrix is `[nOut, nIn]`, so `w[j * nIn + k]` is the lecture's ω^l_jk
 *   (the weight from neuron k of layer l-1 to neuron j of layer l; PyTorch's `nn.Linear` layout).
 *
 * Network spec (`Int32Array`), one array so it crosses N-API as one argument:
 *   `spec = [L, n0, n1, ..., nL, act1, ..., actL]`   (length 2 + 2L, L >= 1 weight layers)
 * where `n0` is the input size and `actl` is the {@link ActivationCode} of layer l.
 *
 * Parameter layout (`params`, and `grad` / `velocity` with the same layout), for l = 1..L in order:
 *   `w^l` as `[nl, n(l-1)]` row-major, then `b^l` as `[nl]`.
 *
 * Workspace layout (`z`, `a`, `delta`, each at least `batch * (n1 + ... + nL)` long):
 *   layer l's block starts at `batch * (n1 + ... + n(l-1))` and is `[batch, nl]` row-major.
 *   Offsets use the batch size of the call, so a workspace sized for the largest batch serves a
 *   smaller last batch too. The input `a^0` is `x` itself and is never copied.
 */
import type { BatchData, BatchRun, BatchWorkspace } from './batches-contract';

/**
 * Activation codes as they cross N-API. TypeScript owns the names (see `activations.ts`).
 *
 * @example
 * ```ts
 * const spec = makeSpec([784, 30, 10], [ActivationCode.Sigmoid, ActivationCode.Sigmoid]);
 * ```
 */
export enum ActivationCode {
  Identity = 0,
  Sigmoid = 1,
  Tanh = 2,
  Relu = 3,
  /** Row-wise softmax; output layer only. */
  Softmax = 4,
  /** Heaviside step, f(z) = 1 if z > 0 else 0; forward only (no derivative for backprop). */
  Heaviside = 5,
  /** PyTorch's `LeakyReLU(0.01)`: f(z) = z if z > 0 else 0.01·z; f'(0) = 0.01, as torch's. */
  LeakyRelu = 6,
  /** PyTorch's `ELU(1.0)`: f(z) = z if z > 0 else e^z − 1; f'(z) = e^z for z ≤ 0 (1 at 0). */
  Elu = 7,
}

/**
 * Built-in loss codes as they cross N-API. TypeScript owns the names (see `losses.ts`).
 *
 * @example
 * ```ts
 * const mean = getBackend().trainBatch(spec, params, grad, velocity, x, y, 10, LossCode.CrossEntropy, z, a, delta, null);
 * ```
 */
export enum LossCode {
  /** L = 1/(2N) Σ_n ‖a_n − y_n‖², ∂L/∂a = (a − y)/N; any output activation. */
  Quadratic = 0,
  /** L = −1/N Σ_n Σ_j y_nj log a_nj with a softmax output; δ^L = (a − y)/N (fused). */
  CrossEntropy = 1,
  /** L = −1/N Σ_n Σ_j [y log a + (1 − y) log(1 − a)] with a sigmoid output; δ^L = (a − y)/N (fused). */
  BinaryCrossEntropy = 2,
  /**
   * PyTorch's `L1Loss()`: L = 1/(N·nL) Σ_n Σ_j |a_nj − y_nj| (the mean over every element);
   * ∂L/∂a = sign(a − y)/(N·nL), 0 where a = y; any output activation.
   */
  MeanAbsoluteError = 3,
  /**
   * PyTorch's `HuberLoss(delta=1.0)`: L = 1/(N·nL) Σ h(a − y), h(d) = d²/2 for |d| < 1, else
   * |d| − 1/2; ∂L/∂a = clamp(a − y, −1, 1)/(N·nL); any output activation.
   */
  Huber = 4,
}

/**
 * Optimizer step parameters, a `Float64Array` of 4 values (SGD) or 10 (any optimizer):
 *   `[learningRate η, momentum μ, nesterov (0 or 1), l2 = λ/n,
 *     optimizer (0 sgd, 1 adam, 2 adamw, 3 rmsprop), β1 (Adam, AdamW) or α (RMSprop), β2, eps,
 *     weightDecay (AdamW's decoupled decay), steps (taken before this call)]`.
 * The state buffer (the `velocity` argument) holds `slots · paramCount` floats, in the parameter
 * layout per slot: SGD 0 (1 with μ > 0: v), Adam and AdamW 2 (m, then v), RMSprop 1 (v).
 * With g the mean gradient and, for weights only (never biases), g' = g + l2·w
 * (Nielsen's network2.py weight decay: plain SGD then gives w ← (1 − ηλ/n)w − ηg):
 * - SGD, μ = 0:               p ← p − η g'                      (`velocity` is not touched; may be empty)
 * - SGD, μ > 0, nesterov = 0: v ← μ v − η g';  p ← p + v        (classical momentum)
 * - SGD, μ > 0, nesterov = 1: v ← μ v − η g';  p ← p + μ v − η g'  (Nesterov, Sutskever's form)
 * - Adam, step t = steps + 1 (+ b for batch b of a trainBatches call); AdamW first p ← p·(1 − η·weightDecay)
 *   on every parameter: m ← β1 m + (1 − β1) g';  v ← β2 v + (1 − β2) g'²;
 *   p ← p − η/(1 − β1^t) · m / (sqrt(v) / sqrt(1 − β2^t) + eps)
 * - RMSprop: v ← α v + (1 − α) g'²;  p ← p − η g' / (sqrt(v) + eps)
 * μ and nesterov must be 0 with Adam, AdamW and RMSprop. The scalars are computed in float64 and
 * rounded to float32 once, the elements in float32 (PyTorch's CPU single-tensor code; docs/optimizers.md).
 * Backends never write `hyper`: the caller adds the steps a call took to `steps`.
 *
 * @example
 * ```ts
 * const adam: UpdateHyper = new Float64Array([0.001, 0, 0, 0, 1, 0.9, 0.999, 1e-8, 0, 0]);
 * ```
 */
export type UpdateHyper = Float64Array;

/**
 * Dropout on the hidden layers for one training call, a `Float64Array` of L + 1 values:
 *   `[seed, step, p_1, ..., p_(L−1)]`
 * with `seed` an integer in [0, 2^32), `step` the training step of the call's (first) batch, a
 * safe integer >= 0 (batch b of `trainBatches` is step + b), and p_l in [0, 1) the probability
 * that a unit of hidden layer l is dropped. Inverted dropout (torch.nn.Dropout in train mode):
 * after σ, a^l ← a^l ∘ m^l / (1 − p_l), and in BP2 δ^l ← δ^l ∘ m^l / (1 − p_l), where the mask
 * m^l[r, j] (r the row within the batch) is a counter-based hash of (seed, step, l, r, j), the
 * same bits on every backend and thread count (docs/dropout.md). `null` or absent: no dropout.
 *
 * @example
 * ```ts
 * // [784, 100, 10]: seed 1, step 0, p_1 = 0.5
 * getBackend().forward(spec, params, x, 10, z, a, new Float64Array([1, 0, 0.5]));
 * ```
 */
export type Dropout = Float64Array;

/**
 * What a backend reports about itself.
 *
 * @example
 * ```ts
 * const info: BackendInfo = getBackend('native').info();
 * // { name: 'native', blas: 'OpenBLAS 0.3.21 ...', threads: 2, binary: '.../blasnet.node', kernels: 'avx512' }
 * ```
 */
export interface BackendInfo {
  /** `'native'` (C++ core on BLAS) or `'js'` (pure TypeScript). */
  name: 'native' | 'js';
  /** BLAS in use, e.g. `'OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64'`; `'none'` for js. */
  blas: string;
  /** Threads for products (1 for js); on x86-64 the same bits for any count (docs/kernels.md). */
  threads: number;
  /** Where the native binary was loaded from, when native. */
  binary?: string;
  /**
   * Native only: blasnet's own small-matrix sgemm kernels in use beside BLAS (`'avx512'`,
   * `'avx2'`), or `'none'` when BLAS does every product.
   */
  kernels?: 'avx512' | 'avx2' | 'none';
  /**
   * Native only: what the `BLASNET_KERNELS` environment variable forced when the addon loaded
   * (`'auto'`: nothing; the best this CPU has). See docs/kernels.md.
   */
  kernelsRequested?: 'auto' | 'avx512' | 'avx2' | 'blas';
}

/**
 * The kernels. Every function validates its arguments (the native one again in C++) and throws
 * a `TypeError`/`RangeError` naming the argument; none allocates or copies.
 *
 * @example
 * ```ts
 * const be: Backend = getBackend('js');
 * const c = new Float32Array(4);
 * be.sgemm(false, false, 2, 2, 1, 1, new Float32Array([1, 2]), new Float32Array([3, 4]), 0, c); // c = [3, 4, 6, 8]
 * ```
 */
export interface Backend {
  readonly name: 'native' | 'js';

  /** Report the backend, its BLAS and thread count. */
  info(): BackendInfo;

  /** Set the BLAS thread count (n >= 1). A no-op for js. */
  setThreads(n: number): void;

  /**
   * C ← alpha · op(A) · op(B) + beta · C, row-major, contiguous (lda = cols of A as stored).
   * op(A) is `[m, k]`: A is stored `[m, k]`, or `[k, m]` when `transA`.
   * op(B) is `[k, n]`: B is stored `[k, n]`, or `[n, k]` when `transB`. C is `[m, n]`.
   * beta = 0 overwrites C (NaNs in C do not propagate), as in BLAS.
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
  ): void;

  /**
   * Fused bias add and activation over a `[rows, cols]` block:
   * z[r, j] += bias[j]; a[r, j] = σ(z[r, j]) (softmax: row-wise over j). `z` and `a` may not alias.
   */
  biasActivate(
    z: Float32Array,
    a: Float32Array,
    bias: Float32Array,
    rows: number,
    cols: number,
    act: ActivationCode,
  ): void;

  /**
   * Backprop through an activation, in place over `[rows, cols]`:
   * delta ← delta ∘ σ'(z) (using a = σ(z) where cheaper: sigmoid a(1−a), tanh 1−a²);
   * for softmax the Jacobian-vector product delta_j ← a_j (delta_j − Σ_k delta_k a_k).
   * On entry delta holds ∂L/∂a; on exit ∂L/∂z. Heaviside throws (not differentiable).
   */
  activationBackward(
    delta: Float32Array,
    z: Float32Array,
    a: Float32Array,
    rows: number,
    cols: number,
    act: ActivationCode,
  ): void;

  /** out[j] = alpha · Σ_r m[r, j] + beta · out[j] over a `[rows, cols]` matrix (bias gradients, BP3). */
  columnSums(
    m: Float32Array,
    rows: number,
    cols: number,
    alpha: number,
    beta: number,
    out: Float32Array,
  ): void;

  /** Row-wise softmax of `[rows, cols]` z into a, stable (max subtracted). */
  softmax(z: Float32Array, a: Float32Array, rows: number, cols: number): void;

  /**
   * dst[i, :] = src[indices[start + i], :] for i < count, rows of `cols` floats: gathers a
   * shuffled mini-batch straight from the dataset.
   */
  gatherRows(
    src: Float32Array,
    cols: number,
    indices: Uint32Array,
    start: number,
    count: number,
    dst: Float32Array,
  ): void;

  /**
   * Forward pass over the whole network for `batch` rows of x `[batch, n0]`:
   * z^l = a^(l−1) · w^lᵀ + b^l, a^l = σ_l(z^l), into the `z` and `a` workspaces; with `dropout`
   * (training only), a^l ← a^l ∘ m^l / (1 − p_l) on the hidden layers (see {@link Dropout}).
   */
  forward(
    spec: Int32Array,
    params: Float32Array,
    x: Float32Array,
    batch: number,
    z: Float32Array,
    a: Float32Array,
    dropout?: Dropout | null,
  ): void;

  /**
   * Backward pass (BP1..BP4) after `forward`. On entry the output block of `delta` holds
   * ∂L/∂a^L (already divided by N); on exit every block of `delta` holds δ^l = ∂L/∂z^l and
   * `grad` holds ∂L/∂w^l = δ^lᵀ · a^(l−1) and ∂L/∂b^l = column sums of δ^l (overwritten, not
   * accumulated). The input layer's gradient is not computed. With `hyper` (and `velocity`), the
   * optimizer step follows in the same call, as in {@link Backend.update}: a loss defined in
   * TypeScript then trains with two crossings per batch. With `dropout` (the one `forward` had),
   * BP2 applies the same mask: δ^l ← (δ^(l+1) · w^(l+1)) ∘ σ'(z^l) ∘ m^l / (1 − p_l).
   */
  backward(
    spec: Int32Array,
    params: Float32Array,
    grad: Float32Array,
    x: Float32Array,
    batch: number,
    z: Float32Array,
    a: Float32Array,
    delta: Float32Array,
    velocity?: Float32Array,
    hyper?: UpdateHyper | null,
    dropout?: Dropout | null,
  ): void;

  /** One optimizer step over the whole parameter buffer (`velocity`: the optimizer state); see {@link UpdateHyper}. */
  update(
    spec: Int32Array,
    params: Float32Array,
    grad: Float32Array,
    velocity: Float32Array,
    hyper: UpdateHyper,
  ): void;

  /**
   * One whole training step for a built-in loss, crossing N-API once: forward, the loss value,
   * the fused output delta, backward and, when `hyper` is not null, the update; with `dropout`,
   * the forward and backward passes drop hidden units as `forward` and `backward` do.
   * y is `[batch, nL]`. Returns the mean loss over the batch, computed before the update.
   */
  trainBatch(
    spec: Int32Array,
    params: Float32Array,
    grad: Float32Array,
    velocity: Float32Array,
    x: Float32Array,
    y: Float32Array,
    batch: number,
    loss: LossCode,
    z: Float32Array,
    a: Float32Array,
    delta: Float32Array,
    hyper: UpdateHyper | null,
    dropout?: Dropout | null,
  ): number;

  /**
   * Many training steps in one call, for a built-in loss: mini-batch b (b < `run.batches`) is the
   * rows `run.order[run.start + b·run.batchSize ..]`, `run.batchSize` of them (the last batch may
   * be shorter where `order` ends). Per batch it gathers the rows of `data.x` `[n, n0]` and
   * `data.y` `[n, nL]` into `workspace.xBatch` `[batchSize, n0]` and `workspace.yBatch`
   * `[batchSize, nL]`, runs forward, writes the mean loss (before the step) to `out[2b]` and, when
   * `data.labels` `[n]` is given, the number of examples whose predicted class (argmax of a^L, or
   * a^L > 0.5 for one output) equals their label to `out[2b + 1]`, then backward with the
   * optimizer step of `run.hyper` fused into it: the weight gradient's product accumulates
   * −η·δᵀ·a straight into w (plain SGD: beta = 1 − η·l2) or into the velocity (momentum), so no
   * gradient buffer is written; Adam, AdamW and RMSprop (step t = steps + 1 + b for batch b) step
   * elementwise from each tile of δᵀ·a as the kernels would store it (where BLAS takes the
   * product, from a scratch gradient). The parameters end as after
   * `trainBatch` + `update` on the same batches, to float32 rounding.
   *
   * `data.x` may hold bytes (`Uint8Array`, e.g. pixels as stored): each is converted per batch as
   * `fround(fround(byte · xScale) + xOffset)` (see {@link BatchData}). Stops after the first batch
   * whose loss is not finite (its step taken). Returns the number of batches done. With
   * `run.dropout`, batch b's mask is at step `dropout[1] + b` (see {@link Dropout}). Each property
   * of `data`, `run` and `workspace` is read once per call.
   */
  trainBatches(
    spec: Int32Array,
    params: Float32Array,
    velocity: Float32Array,
    data: BatchData,
    run: BatchRun,
    workspace: BatchWorkspace,
    out: Float64Array,
  ): number;
}
