/**
 * The contract's argument checks, in TypeScript, before any kernel runs. Both backends are
 * wrapped in a {@link CheckedBackend}, so they reject bad input with the same errors; the native
 * core checks again cheaply in C++ and never reads out of bounds, whatever reaches it.
 *
 * This file is the one contract: every check the C++ binding makes (native/binding/args.cc) is
 * made here first, with the same limits (sizes up to 2^31 − 1, float scalars that stay finite as
 * float32, at most 256 layers, no detached buffers), so a call the native core would reject never
 * reaches the JS kernels, and the two backends accept and reject the same calls. Typed arrays
 * are checked by their internal slots (see ../typed-array.ts), and a subclass is handed to the
 * kernels as a plain view of the same memory, which is what the native core reads.
 */
import { rangeError, shapeError, typeError } from '../errors';
import { plainView } from '../typed-array';
import {
  checkBoolean,
  checkFloat,
  checkFloat32,
  checkInt,
  checkNumber,
  checkUint32,
  isFloat32Array,
  isFloat64Array,
  isInt32Array,
  isObject,
  isUint8Array,
} from '../validate';
import { stateSlotsOf } from './js/optimizers';
import type { BatchData, BatchRun, BatchWorkspace } from './batches-contract';
import { decodeSpec, type Layout } from './spec';
import {
  ActivationCode,
  type Backend,
  type BackendInfo,
  type Dropout,
  LossCode,
  type UpdateHyper,
} from './types';

const ACTIVATION_NAMES = [
  'identity',
  'sigmoid',
  'tanh',
  'relu',
  'softmax',
  'heaviside',
  'leakyRelu',
  'elu',
];

/** The native binding's limit on counts and sizes (kMaxSize in native/binding/args.h). */
const MAX_SIZE = 2 ** 31 - 1;

function checkSize(name: string, value: unknown): number {
  return checkInt(name, value, 1, MAX_SIZE);
}

/** The same memory as a plain Float32Array (itself unless it is a subclass). */
function f32(view: Float32Array): Float32Array {
  return plainView(view, 'Float32Array');
}

function checkAct(name: string, act: unknown): ActivationCode {
  checkInt(name, act, 0, ActivationCode.Elu);
  return act as ActivationCode;
}

function checkDifferentiable(name: string, act: ActivationCode): void {
  if (act === ActivationCode.Heaviside) {
    throw rangeError(
      name,
      'a differentiable activation (heaviside has no derivative: train it with the perceptron rule)',
      ACTIVATION_NAMES[act],
    );
  }
}

/**
 * The spec cache: decoding is cheap, but the training loop asks once per batch. Each entry keeps
 * a private copy of the spec, and the backends receive that copy, never the caller's array: a spec
 * in a SharedArrayBuffer that another thread rewrites cannot change the layout between its check
 * here and its use in a kernel (the native core decodes once; the JS kernels decode again).
 */
const layouts = new WeakMap<Int32Array, { copy: Int32Array; layout: Layout }>();

function ownSpec(spec: unknown): { copy: Int32Array; layout: Layout } {
  if (isInt32Array(spec)) {
    const hit = layouts.get(spec);
    // Compared each call: the caller may edit the spec in place after its first use.
    if (hit && hit.copy.length === spec.length && hit.copy.every((v, i) => v === spec[i]))
      return hit;
    const copy = Int32Array.from(spec); // read once; decoded and used from here on
    const entry = { copy, layout: decodeSpec(copy) };
    layouts.set(spec, entry);
    return entry;
  }
  return { copy: new Int32Array(0), layout: decodeSpec(spec) }; // decodeSpec throws its TypeError
}

function checkHyper(hyper: unknown, name = 'hyper'): UpdateHyper {
  if (!isFloat64Array(hyper))
    throw typeError(name, 'a Float64Array UpdateHyper (length 4 or 10)', hyper);
  if (hyper.length !== 4 && hyper.length !== 10)
    throw shapeError(name, 'a Float64Array of length 4 or 10', `length ${hyper.length}`);
  checkNumber(`${name}[0] (learningRate)`, hyper[0], 0);
  checkNumber(`${name}[1] (momentum)`, hyper[1], 0, 1);
  if (hyper[2] !== 0 && hyper[2] !== 1)
    throw rangeError(`${name}[2] (nesterov)`, '0 or 1', hyper[2]);
  checkNumber(`${name}[3] (l2)`, hyper[3], 0);
  if (hyper.length === 10) checkAdaptiveHyper(hyper, name);
  return plainView(hyper, 'Float64Array');
}

/** UpdateHyper[4..9] (see types.ts), as the native binding checks them again. */
function checkAdaptiveHyper(hyper: Float64Array, name: string): void {
  const kind = hyper[4];
  if (kind !== 0 && kind !== 1 && kind !== 2 && kind !== 3)
    throw rangeError(`${name}[4] (optimizer)`, '0 (sgd), 1 (adam), 2 (adamw) or 3 (rmsprop)', kind);
  if (kind !== 0) {
    if (hyper[1] !== 0 || hyper[2] !== 0)
      throw rangeError(`${name}[1] (momentum)`, '0 with adam, adamw or rmsprop', hyper[1]);
    if (kind === 3) checkNumber(`${name}[5] (alpha)`, hyper[5], 0, 1);
    else {
      for (const [i, key] of [
        [5, 'beta1'],
        [6, 'beta2'],
      ] as const) {
        if (!(checkNumber(`${name}[${i}] (${key})`, hyper[i], 0, 1) < 1))
          throw rangeError(`${name}[${i}] (${key})`, 'a number in [0, 1)', hyper[i]);
      }
    }
    checkNumber(`${name}[7] (eps)`, hyper[7], 0);
  }
  checkNumber(`${name}[8] (weightDecay)`, hyper[8], 0);
  checkInt(`${name}[9] (steps)`, hyper[9], 0);
}

/** The length of the optimizer state a step with `hyper` needs (`velocity`; see UpdateHyper). */
function stateLength(hyper: UpdateHyper, layout: Layout): number {
  return stateSlotsOf(hyper) * layout.paramCount;
}

/**
 * A {@link Dropout} `[seed, step, p_1..p_(L−1)]` for the layout, or null for none; returned as a
 * private copy, so that a rate rewritten in shared memory cannot change under a running call.
 */
function checkDropout(layout: Layout, dropout: unknown, name = 'dropout'): Dropout | null {
  if (dropout === undefined || dropout === null) return null;
  if (!isFloat64Array(dropout))
    throw typeError(name, 'a Float64Array [seed, step, p1..p(L-1)], undefined or null', dropout);
  const copy = Float64Array.from(dropout);
  if (copy.length !== layout.L + 1)
    throw shapeError(
      name,
      `a Float64Array of length L + 1 = ${layout.L + 1}`,
      `length ${copy.length}`,
    );
  checkInt(`${name}[0] (seed)`, copy[0], 0, 2 ** 32 - 1);
  checkInt(`${name}[1] (step)`, copy[1], 0);
  for (let l = 1; l < layout.L; l++) {
    const p = copy[1 + l];
    if (!(p >= 0 && p < 1))
      throw rangeError(`${name}[${1 + l}] (rate of layer ${l})`, 'a number in [0, 1)', p);
  }
  return copy;
}

function checkNetworkBuffers(
  layout: Layout,
  params: unknown,
  x: unknown,
  batch: unknown,
  z: unknown,
  a: unknown,
): number {
  checkFloat32('params', params, layout.paramCount);
  const rows = checkSize('batch', batch);
  checkFloat32('x', x, rows * layout.sizes[0]);
  checkFloat32('z', z, rows * layout.unitsPerExample);
  checkFloat32('a', a, rows * layout.unitsPerExample);
  return rows;
}

function checkBackwardLayers(layout: Layout): void {
  layout.acts.forEach((act, i) => checkDifferentiable(`activation of layer ${i + 1}`, act));
}

function checkLoss(layout: Layout, loss: unknown, name = 'loss'): LossCode {
  checkInt(name, loss, 0, LossCode.Huber);
  const out = layout.acts[layout.L - 1];
  if (loss === LossCode.CrossEntropy && out !== ActivationCode.Softmax) {
    throw rangeError(
      name,
      'an output activation of softmax for cross-entropy',
      ACTIVATION_NAMES[out],
    );
  }
  if (loss === LossCode.BinaryCrossEntropy && out !== ActivationCode.Sigmoid) {
    throw rangeError(
      name,
      'an output activation of sigmoid for binary cross-entropy',
      ACTIVATION_NAMES[out],
    );
  }
  return loss as LossCode;
}

/** Wraps a backend's kernels with the contract's argument checks. */
export class CheckedBackend implements Backend {
  readonly name: 'native' | 'js';

  constructor(private readonly raw: Backend) {
    this.name = raw.name;
  }

  info(): BackendInfo {
    return this.raw.info();
  }

  setThreads(n: number): void {
    this.raw.setThreads(checkInt('threads', n, 1, 1024));
  }

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
  ): void {
    checkBoolean('transA', transA);
    checkBoolean('transB', transB);
    checkSize('m', m);
    checkSize('n', n);
    checkSize('k', k);
    checkFloat('alpha', alpha);
    checkFloat32('a', a, m * k);
    checkFloat32('b', b, k * n);
    checkFloat('beta', beta);
    checkFloat32('c', c, m * n);
    this.raw.sgemm(transA, transB, m, n, k, alpha, f32(a), f32(b), beta, f32(c));
  }

  biasActivate(
    z: Float32Array,
    a: Float32Array,
    bias: Float32Array,
    rows: number,
    cols: number,
    act: ActivationCode,
  ): void {
    checkSize('rows', rows);
    checkSize('cols', cols);
    checkFloat32('z', z, rows * cols);
    checkFloat32('a', a, rows * cols);
    checkFloat32('bias', bias, cols);
    checkAct('act', act);
    this.raw.biasActivate(f32(z), f32(a), f32(bias), rows, cols, act);
  }

  activationBackward(
    delta: Float32Array,
    z: Float32Array,
    a: Float32Array,
    rows: number,
    cols: number,
    act: ActivationCode,
  ): void {
    checkSize('rows', rows);
    checkSize('cols', cols);
    checkFloat32('delta', delta, rows * cols);
    checkFloat32('z', z, rows * cols);
    checkFloat32('a', a, rows * cols);
    checkDifferentiable('act', checkAct('act', act));
    this.raw.activationBackward(f32(delta), f32(z), f32(a), rows, cols, act);
  }

  columnSums(
    m: Float32Array,
    rows: number,
    cols: number,
    alpha: number,
    beta: number,
    out: Float32Array,
  ): void {
    checkSize('rows', rows);
    checkSize('cols', cols);
    checkFloat32('m', m, rows * cols);
    checkFloat('alpha', alpha);
    checkFloat('beta', beta);
    checkFloat32('out', out, cols);
    this.raw.columnSums(f32(m), rows, cols, alpha, beta, f32(out));
  }

  softmax(z: Float32Array, a: Float32Array, rows: number, cols: number): void {
    checkSize('rows', rows);
    checkSize('cols', cols);
    checkFloat32('z', z, rows * cols);
    checkFloat32('a', a, rows * cols);
    this.raw.softmax(f32(z), f32(a), rows, cols);
  }

  gatherRows(
    src: Float32Array,
    cols: number,
    indices: Uint32Array,
    start: number,
    count: number,
    dst: Float32Array,
  ): void {
    checkFloat32('src', src);
    checkSize('cols', cols);
    checkUint32('indices', indices);
    checkInt('start', start, 0);
    checkSize('count', count);
    if (start + count > indices.length)
      throw shapeError(
        'start + count',
        `at most indices.length = ${indices.length}`,
        String(start + count),
      );
    checkFloat32('dst', dst, count * cols);
    const rowsInSrc = Math.floor(src.length / cols);
    for (let i = start; i < start + count; i++) {
      if (indices[i] >= rowsInSrc)
        throw rangeError(`indices[${i}]`, `a row index below ${rowsInSrc}`, indices[i]);
    }
    this.raw.gatherRows(f32(src), cols, plainView(indices, 'Uint32Array'), start, count, f32(dst));
  }

  forward(
    spec: Int32Array,
    params: Float32Array,
    x: Float32Array,
    batch: number,
    z: Float32Array,
    a: Float32Array,
    dropout?: Dropout | null,
  ): void {
    const own = ownSpec(spec);
    checkNetworkBuffers(own.layout, params, x, batch, z, a);
    const d = checkDropout(own.layout, dropout);
    if (d === null) this.raw.forward(own.copy, f32(params), f32(x), batch, f32(z), f32(a));
    else this.raw.forward(own.copy, f32(params), f32(x), batch, f32(z), f32(a), d);
  }

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
  ): void {
    const { copy: specCopy, layout } = ownSpec(spec);
    const rows = checkNetworkBuffers(layout, params, x, batch, z, a);
    checkFloat32('grad', grad, layout.paramCount);
    checkFloat32('delta', delta, rows * layout.unitsPerExample);
    checkBackwardLayers(layout);
    const d = checkDropout(layout, dropout);
    if ((hyper === undefined || hyper === null) && d !== null) {
      this.raw.backward(
        specCopy,
        f32(params),
        f32(grad),
        f32(x),
        batch,
        f32(z),
        f32(a),
        f32(delta),
        undefined,
        null,
        d,
      );
      return;
    }
    if (hyper === undefined || hyper === null) {
      this.raw.backward(
        specCopy,
        f32(params),
        f32(grad),
        f32(x),
        batch,
        f32(z),
        f32(a),
        f32(delta),
      );
      return;
    }
    const step = checkHyper(hyper);
    checkFloat32('velocity', velocity, stateLength(step, layout));
    this.raw.backward(
      specCopy,
      f32(params),
      f32(grad),
      f32(x),
      batch,
      f32(z),
      f32(a),
      f32(delta),
      f32(velocity as Float32Array),
      step,
      d,
    );
  }

  update(
    spec: Int32Array,
    params: Float32Array,
    grad: Float32Array,
    velocity: Float32Array,
    hyper: UpdateHyper,
  ): void {
    const { copy: specCopy, layout } = ownSpec(spec);
    checkFloat32('params', params, layout.paramCount);
    checkFloat32('grad', grad, layout.paramCount);
    const step = checkHyper(hyper);
    checkFloat32('velocity', velocity, stateLength(step, layout));
    this.raw.update(specCopy, f32(params), f32(grad), f32(velocity), step);
  }

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
  ): number {
    const { copy: specCopy, layout } = ownSpec(spec);
    const rows = checkNetworkBuffers(layout, params, x, batch, z, a);
    checkFloat32('grad', grad, layout.paramCount);
    checkFloat32('y', y, rows * layout.sizes[layout.L]);
    checkFloat32('delta', delta, rows * layout.unitsPerExample);
    checkBackwardLayers(layout);
    checkLoss(layout, loss);
    const step = hyper === null ? null : checkHyper(hyper);
    checkFloat32('velocity', velocity, step !== null ? stateLength(step, layout) : 0);
    return this.raw.trainBatch(
      specCopy,
      f32(params),
      f32(grad),
      f32(velocity),
      f32(x),
      f32(y),
      batch,
      loss,
      f32(z),
      f32(a),
      f32(delta),
      step,
      checkDropout(layout, dropout),
    );
  }

  trainBatches(
    spec: Int32Array,
    params: Float32Array,
    velocity: Float32Array,
    data: BatchData,
    run: BatchRun,
    workspace: BatchWorkspace,
    out: Float64Array,
  ): number {
    // Every property is read once, first, before anything is checked (a getter runs code that
    // could detach or swap a buffer checked before it), and the raw backend gets fresh objects of
    // the values checked: a getter cannot hand it something else.
    const dataProps = properties('data', data, ['x', 'xScale', 'xOffset', 'y', 'labels']);
    const runProps = properties('run', run, [
      'order',
      'start',
      'batchSize',
      'batches',
      'loss',
      'hyper',
      'dropout',
    ]);
    const workProps = properties('workspace', workspace, ['z', 'a', 'delta', 'xBatch', 'yBatch']);
    const { copy: specCopy, layout } = ownSpec(spec);
    checkFloat32('params', params, layout.paramCount);
    const ownData = checkBatchData(layout, dataProps);
    const ownRun = checkBatchRun(layout, runProps);
    const own = {
      data: ownData,
      run: ownRun,
      workspace: checkBatchWorkspace(layout, workProps, ownRun.batchSize),
    };
    const rows = own.data.x.length / layout.sizes[0];
    const { order, start, batchSize, batches, hyper } = own.run;
    checkFloat32('velocity', velocity, stateLength(hyper, layout));
    if (!isFloat64Array(out)) throw typeError('out', 'a Float64Array', out);
    if (out.length < 2 * batches)
      throw shapeError(
        'out',
        `a Float64Array of at least ${2 * batches} elements (2 per batch)`,
        `length ${out.length}`,
      );
    const end = Math.min(start + batches * batchSize, order.length);
    for (let i = start; i < end; i++) {
      if (order[i] >= rows)
        throw rangeError(`run.order[${i}]`, `a row index below ${rows}`, order[i]);
    }
    return this.raw.trainBatches(
      specCopy,
      f32(params),
      f32(velocity),
      own.data,
      own.run,
      own.workspace,
      plainView(out, 'Float64Array'),
    );
  }
}

/** The properties `keys` of object `value`, each read once; a TypeError naming it if no object. */
function properties(name: string, value: unknown, keys: string[]): Record<string, unknown> {
  if (!isObject(value) || typeof value === 'function') throw typeError(name, 'an object', value);
  const read: Record<string, unknown> = {};
  for (const key of keys) read[key] = (value as Record<string, unknown>)[key];
  return read;
}

/** The properties of trainBatches' `data`, checked against the layout, as plain views. */
function checkBatchData(layout: Layout, data: Record<string, unknown>): Required<BatchData> {
  const { x, xScale = 1, xOffset = 0, y, labels = null } = data;
  const n0 = layout.sizes[0];
  if (!isFloat32Array(x) && !isUint8Array(x))
    throw typeError('data.x', 'a Float32Array or a Uint8Array', x);
  if (x.length === 0 || x.length % n0 !== 0)
    throw shapeError(
      'data.x',
      `a whole number (>= 1) of rows of ${n0} inputs`,
      `length ${x.length}`,
    );
  const rows = x.length / n0;
  checkFloat('data.xScale', xScale);
  checkFloat('data.xOffset', xOffset);
  checkFloat32('data.y', y, rows * layout.sizes[layout.L]);
  if (labels !== null) {
    if (!isUint8Array(labels))
      throw typeError('data.labels', 'a Uint8Array, undefined or null', labels);
    if (labels.length < rows)
      throw shapeError(
        'data.labels',
        `a Uint8Array of at least ${rows} elements (one per row of data.x)`,
        `length ${labels.length}`,
      );
  }
  return {
    x: isUint8Array(x) ? plainView(x, 'Uint8Array') : f32(x),
    xScale: xScale as number,
    xOffset: xOffset as number,
    y: f32(y as Float32Array),
    labels: labels === null ? null : plainView(labels, 'Uint8Array'),
  };
}

/** The properties of trainBatches' `run`, checked (order's entries are checked by the caller). */
function checkBatchRun(layout: Layout, run: Record<string, unknown>): Required<BatchRun> {
  const { order, start, batchSize, batches, loss, hyper, dropout } = run;
  checkUint32('run.order', order);
  checkInt('run.start', start, 0);
  const size = checkSize('run.batchSize', batchSize);
  const count = checkSize('run.batches', batches);
  const last = (start as number) + (count - 1) * size;
  if (last >= (order as Uint32Array).length)
    throw shapeError(
      'run.start + (run.batches - 1) * run.batchSize',
      `below run.order.length = ${(order as Uint32Array).length}`,
      String(last),
    );
  checkBackwardLayers(layout);
  return {
    order: plainView(order as Uint32Array, 'Uint32Array'),
    start: start as number,
    batchSize: size,
    batches: count,
    loss: checkLoss(layout, loss, 'run.loss'),
    hyper: checkHyper(hyper, 'run.hyper'),
    dropout: checkDropout(layout, dropout, 'run.dropout'),
  };
}

/** The properties of trainBatches' `workspace`, sized for `batchSize` rows, as plain views. */
function checkBatchWorkspace(
  layout: Layout,
  workspace: Record<string, unknown>,
  batchSize: number,
): BatchWorkspace {
  const { z, a, delta, xBatch, yBatch } = workspace;
  const units = batchSize * layout.unitsPerExample;
  return {
    z: f32(checkFloat32('workspace.z', z, units)),
    a: f32(checkFloat32('workspace.a', a, units)),
    delta: f32(checkFloat32('workspace.delta', delta, units)),
    xBatch: f32(checkFloat32('workspace.xBatch', xBatch, batchSize * layout.sizes[0])),
    yBatch: f32(checkFloat32('workspace.yBatch', yBatch, batchSize * layout.sizes[layout.L])),
  };
}
