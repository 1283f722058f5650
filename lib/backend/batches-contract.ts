/**
 * The three objects `Backend.trainBatches` takes besides the network and its optimizer state:
 * the dataset it gathers from, what to run, and the scratch it runs in. Named properties instead
 * of a long positional list, so a call reads as what it does and a swapped pair of same-typed
 * buffers cannot pass unnoticed; the call still crosses N-API once (the binding reads the
 * properties itself). Every property is read once per call, by the checked layer and again by
 * the native binding, before any buffer is used (a getter cannot change a buffer under a call).
 */
import type { Dropout, LossCode, UpdateHyper } from './types';

/**
 * The dataset a `trainBatches` call gathers its mini-batches from: `n` rows of `x` and `y`.
 *
 * @example
 * ```ts
 * // 60000 digits of 784 pixel bytes each, scaled to [0, 1] per batch; one-hot targets
 * const data: BatchData = { x: pixels, xScale: 1 / 255, xOffset: 0, y: oneHot, labels };
 * ```
 */
export interface BatchData {
  /**
   * The inputs `[n, n0]`, row-major: floats, or bytes (e.g. pixels as stored) converted per batch
   * as `fround(fround(byte · xScale) + xOffset)`.
   */
  x: Float32Array | Uint8Array;
  /** The scale of byte inputs, rounded to float32 (default 1; ignored for a `Float32Array`). */
  xScale?: number;
  /** The offset of byte inputs, rounded to float32 (default 0; ignored for a `Float32Array`). */
  xOffset?: number;
  /** The targets `[n, nL]`, row-major. */
  y: Float32Array;
  /** One class label per row (at least `n`), to count correct predictions; `null` or absent: none. */
  labels?: Uint8Array | null;
}

/**
 * What one `trainBatches` call runs: mini-batch b (b < `batches`) is the rows
 * `order[start + b·batchSize ..]`, `batchSize` of them (the last batch may be shorter where
 * `order` ends), each trained with `loss` and stepped with `hyper`.
 *
 * @example
 * ```ts
 * const run: BatchRun = {
 *   order, start: 0, batchSize: 32, batches: Math.ceil(order.length / 32),
 *   loss: LossCode.CrossEntropy, hyper: new Float64Array([0.1, 0.9, 0, 0]),
 * };
 * ```
 */
export interface BatchRun {
  /** Row indices into the dataset; read once per call (it may live in shared memory). */
  order: Uint32Array;
  /** The index in `order` of the first batch's first row (an integer >= 0). */
  start: number;
  /** Rows per batch (>= 1); the workspace is sized for it. */
  batchSize: number;
  /** Batches to run (>= 1); `start + (batches − 1)·batchSize` must be below `order.length`. */
  batches: number;
  /** The built-in loss. */
  loss: LossCode;
  /** The optimizer step, fused into backward (see {@link UpdateHyper}). */
  hyper: UpdateHyper;
  /** Dropout on the hidden layers; batch b's mask is at step `dropout[1] + b` (see {@link Dropout}). */
  dropout?: Dropout | null;
}

/**
 * The scratch a `trainBatches` call works in, sized for `batchSize` rows (the layouts of
 * `Backend`'s workspace); the call overwrites all of it and keeps none of it.
 *
 * @example
 * ```ts
 * const units = 30 + 10; // [784, 30, 10]
 * const workspace: BatchWorkspace = {
 *   z: new Float32Array(32 * units), a: new Float32Array(32 * units),
 *   delta: new Float32Array(32 * units),
 *   xBatch: new Float32Array(32 * 784), yBatch: new Float32Array(32 * 10),
 * };
 * ```
 */
export interface BatchWorkspace {
  /** Weighted inputs, `batchSize · (n1 + ... + nL)`. */
  z: Float32Array;
  /** Activations, `batchSize · (n1 + ... + nL)`. */
  a: Float32Array;
  /** Errors δ, `batchSize · (n1 + ... + nL)`. */
  delta: Float32Array;
  /** The gathered inputs of a batch, `[batchSize, n0]`. */
  xBatch: Float32Array;
  /** The gathered targets of a batch, `[batchSize, nL]`. */
  yBatch: Float32Array;
}
