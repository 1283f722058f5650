/**
 * One mini-batch training step and the buffers it needs, sized once per batch size: no
 * allocation per batch. A built-in loss crosses to the backend once for the step (plus the
 * gather of a shuffled batch); a user loss runs forward, its gradient in TypeScript, then
 * backward and the update.
 */
import type { BatchWorkspace } from './backend/batches-contract';
import { blockOffset } from './backend/spec';
import type { Dropout, UpdateHyper } from './backend/types';
import { dropoutArgument } from './dropout';
import { isBuiltin, type Loss } from './losses';
import type { Network } from './network';

/** Buffers and the step function for training one network with one loss. */
export class TrainingStep {
  /** ∂L/∂params of the last step, in the layout of `network.params`. */
  readonly grad: Float32Array;
  /** The optimizer's state (momentum's velocity, Adam's m and v, ...; see `UpdateHyper`). */
  readonly velocity: Float32Array;
  private readonly z: Float32Array;
  private readonly a: Float32Array;
  private readonly delta: Float32Array;
  private readonly xBatch: Float32Array;
  private readonly yBatch: Float32Array;
  /** The buffers above as `trainBatches` takes them (one object, made once). */
  private readonly workspace: BatchWorkspace;
  /** The network's dropout for the backends, its step set per call; null: none. */
  private readonly dropout: Dropout | null;
  /** Steps taken so far: the next batch's dropout mask is the one at this step. */
  steps = 0;

  /**
   * `state` is the optimizer's state buffer, kept by the caller across calls. With `dropoutSeed`,
   * the steps drop hidden units at the network's rates (`network.dropout`), each batch's mask from
   * (dropoutSeed, its step); without it, never.
   */
  constructor(
    private readonly network: Network,
    private readonly loss: Loss,
    readonly batchSize: number,
    state: Float32Array,
    dropoutSeed?: number,
  ) {
    const { layout } = network;
    const units = batchSize * layout.unitsPerExample;
    this.grad = new Float32Array(layout.paramCount);
    this.velocity = state;
    this.z = new Float32Array(units);
    this.a = new Float32Array(units);
    this.delta = new Float32Array(units);
    this.xBatch = new Float32Array(batchSize * network.inputSize);
    this.yBatch = new Float32Array(batchSize * network.outputSize);
    const { z, a, delta, xBatch, yBatch } = this;
    this.workspace = { z, a, delta, xBatch, yBatch };
    this.dropout = dropoutSeed === undefined ? null : dropoutArgument(network.dropout, dropoutSeed);
  }

  /**
   * Train on rows `order[start .. start + count)` of `x` `[n, n0]` and `y` `[n, nL]`; returns the
   * batch's mean loss before the update. `hyper` null computes gradients only. Bytes in `x` are
   * converted as byte · xScale + xOffset (in float32, as `trainBatches` does).
   */
  run(
    x: Float32Array | Uint8Array,
    y: Float32Array,
    order: Uint32Array,
    start: number,
    count: number,
    hyper: UpdateHyper | null,
    xScale = 1,
    xOffset = 0,
  ): number {
    const net = this.network;
    const be = net.backend;
    if (x instanceof Uint8Array)
      gatherBytes(x, net.inputSize, order, start, count, xScale, xOffset, this.xBatch);
    else be.gatherRows(x, net.inputSize, order, start, count, this.xBatch);
    gatherSmall(y, net.outputSize, order, start, count, this.yBatch);
    return this.runOn(this.xBatch, this.yBatch, count, hyper);
  }

  /** The same step on a batch that is already contiguous: `x` `[count, n0]`, `y` `[count, nL]`. */
  runOn(x: Float32Array, y: Float32Array, count: number, hyper: UpdateHyper | null): number {
    const net = this.network;
    const be = net.backend;
    const dropout = this.dropout;
    if (dropout !== null) dropout[1] = this.steps;
    this.steps++;
    if (isBuiltin(this.loss)) {
      return be.trainBatch(
        net.spec,
        net.params,
        this.grad,
        this.velocity,
        x,
        y,
        count,
        this.loss.code,
        this.z,
        this.a,
        this.delta,
        hyper,
        dropout,
      );
    }
    be.forward(net.spec, net.params, x, count, this.z, this.a, dropout);
    const nOut = net.outputSize;
    const off = blockOffset(net.layout, net.layout.L, count);
    const aOut = this.a.subarray(off, off + count * nOut);
    const zOut = this.z.subarray(off, off + count * nOut);
    const value = this.loss.value(aOut, y, count, nOut, zOut);
    this.loss.gradient(aOut, y, count, nOut, this.delta.subarray(off, off + count * nOut));
    // Backward and the update in one crossing: two per batch for a loss defined in TypeScript.
    be.backward(
      net.spec,
      net.params,
      this.grad,
      x,
      count,
      this.z,
      this.a,
      this.delta,
      this.velocity,
      hyper,
      dropout,
    );
    return value;
  }

  /**
   * Train on `batches` consecutive mini-batches of rows `order[start ..]` of `x` `[n, n0]` (floats,
   * or bytes converted per batch as byte · xScale + xOffset) and `y` `[n, nL]`, in one backend call
   * with the optimizer step of `hyper` fused into backward (built-in losses only; `grad` is not
   * written). Per batch b: `out[2b]` is the mean loss before its step and `out[2b + 1]` the number
   * of examples whose argmax output equals their label (0 without labels). Returns the number of
   * batches done: fewer when a batch's loss was not finite (that batch's step taken).
   */
  runBatches(
    x: Float32Array | Uint8Array,
    xScale: number,
    xOffset: number,
    y: Float32Array,
    labels: Uint8Array | null,
    order: Uint32Array,
    start: number,
    batches: number,
    hyper: UpdateHyper,
    out: Float64Array,
  ): number {
    const net = this.network;
    if (!isBuiltin(this.loss)) throw new TypeError('runBatches needs a built-in loss');
    if (this.dropout !== null) this.dropout[1] = this.steps;
    const done = net.backend.trainBatches(
      net.spec,
      net.params,
      this.velocity,
      { x, xScale, xOffset, y, labels },
      {
        order,
        start,
        batchSize: this.batchSize,
        batches,
        loss: this.loss.code,
        hyper,
        dropout: this.dropout,
      },
      this.workspace,
      out,
    );
    this.steps += done;
    return done;
  }

  /** The outputs a^L of the last step's forward pass, `[count, nL]` (a view, valid until the next step). */
  outputs(count: number): Float32Array {
    const net = this.network;
    const off = blockOffset(net.layout, net.layout.L, count);
    return this.a.subarray(off, off + count * net.outputSize);
  }
}

/** Rows of bytes converted as the backends' trainBatches does: fround(fround(byte · scale) + offset). */
function gatherBytes(
  src: Uint8Array,
  cols: number,
  order: Uint32Array,
  start: number,
  count: number,
  scale: number,
  offset: number,
  dst: Float32Array,
): void {
  const s = Math.fround(scale);
  const o = Math.fround(offset);
  for (let i = 0; i < count; i++) {
    const from = order[start + i] * cols;
    for (let j = 0; j < cols; j++) dst[i * cols + j] = Math.fround(src[from + j] * s) + o;
  }
}

/** Targets are a few floats per example: gathering them in TypeScript costs less than a crossing. */
function gatherSmall(
  src: Float32Array,
  cols: number,
  order: Uint32Array,
  start: number,
  count: number,
  dst: Float32Array,
): void {
  for (let i = 0; i < count; i++) {
    const from = order[start + i] * cols;
    for (let j = 0; j < cols; j++) dst[i * cols + j] = src[from + j];
  }
}
