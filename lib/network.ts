/**
 * A multilayer perceptron: layer sizes, an activation per layer, and all parameters in one flat
 * `Float32Array` (w^1, b^1, w^2, b^2, ...; `w^l` is `[nOut, nIn]`, so `w[j * nIn + k]` is the
 * lecture's ω^l_jk). The matrix work runs on a backend; the network holds no backend branches.
 */
import { types } from 'node:util';
import { type ActivationName, activation } from './activations';
import { getBackend, type BackendName } from './backend/select';
import { blockOffset, decodeSpec, type Layout, MAX_LAYERS, makeSpec } from './backend/spec';
import type { Backend } from './backend/types';
import { checkDropoutRates } from './dropout';
import { rangeError, shapeError, typeError } from './errors';
import { type InitName, initialize } from './init';
import { type Inputs, toInputs } from './data/plain';
import { Scaler } from './data/scaler';
import { Random } from './random';
import { checkClasses, checkTask, checkTaskLayers, type Task, TASKS } from './task';
import {
  checkAllFinite,
  checkFloat32Exact,
  checkInt,
  checkOptions,
  isArray,
  isFloat32Array,
} from './validate';

/**
 * How to build a {@link Network}.
 *
 * @example
 * ```ts
 * const options: NetworkOptions = { sizes: [784, 30, 10], activations: ['relu', 'softmax'], init: 'he', seed: 1 };
 * const net = new Network(options);
 * ```
 */
export interface NetworkOptions {
  /** Layer sizes `[n0, n1, ..., nL]`: inputs, hidden layers, outputs. At least two entries. */
  sizes: number[];
  /** One activation for every layer, or one per weight layer (length L). Default `'sigmoid'`. */
  activations?: ActivationName | ActivationName[];
  /** Weight initialization (see {@link InitName}). Default `'xavier'`. */
  init?: InitName;
  /** Seed of the initialization. Default 1: a network is reproducible unless asked otherwise. */
  seed?: number;
  /** `'auto'` (default: `BLASNET_BACKEND`, else native when it loads), `'native'`, `'js'`, or a backend. */
  backend?: BackendName | Backend;
  /**
   * Dropout (Nielsen, chapter 3): the probability, in [0, 1), that a unit of a hidden layer is
   * dropped at a training step, for every hidden layer or one per hidden layer (length L − 1).
   * Inverted dropout as `torch.nn.Dropout`: kept units are scaled by 1/(1 − p) in training, so
   * `predict` and `evaluate` run the network as it is. Default 0 (none). See docs/dropout.md.
   */
  dropout?: number | number[];
  /**
   * What the network is for (see {@link Task}): sets the output activation (a single activation
   * name then applies to the hidden layers only), the default loss and the metrics. Without it,
   * nothing changes: the activations are exactly the ones given.
   */
  task?: Task;
  /** Class names in output order (tasks `'classification'` and `'binary'`); see {@link Network.classes}. */
  classes?: readonly string[];
  /** A fitted scaler for the raw inputs; see {@link Network.scaler}. */
  scaler?: Scaler;
}

/** Rows per forward call in {@link Network.predict}: bounds the workspace for large inputs. */
const PREDICT_CHUNK = 1024;
/** The longest typed array this engine allocates (2^32 − 1 elements in Node 20's V8). */
const MAX_TYPED_LENGTH = 2 ** 32 - 1;

/**
 * Every Network the constructor built. `instanceof` is not enough to trust an argument: a Proxy
 * of a Network or `Object.create(Network.prototype)` passes it, and the latter has no fields.
 */
const constructed = new WeakSet<object>();

/** Whether `value` is a Network the constructor built (not a Proxy or a look-alike). */
export function isNetwork(value: unknown): value is Network {
  return value !== null && typeof value === 'object' && constructed.has(value);
}

/**
 * Check that `value` is a Network this library built, with a hint for the usual mix-ups (a
 * `trainInBackground` handle, whose trained network is `(await handle.result).network`).
 */
export function checkNetwork(name: string, value: unknown): Network {
  if (isNetwork(value)) return value;
  if (value !== null && typeof value === 'object' && !types.isProxy(value)) {
    const result = (value as { result?: unknown }).result;
    if (result instanceof Promise)
      throw typeError(
        name,
        'a Network (this looks like a trainInBackground handle: use `(await handle.result).network`)',
        value,
      );
    if ('network' in value && constructed.has((value as { network: object }).network))
      throw typeError(name, 'a Network (this looks like a training result: use `.network`)', value);
  }
  throw typeError(name, 'a Network', value);
}

/**
 * A multilayer perceptron.
 *
 * @example
 * ```ts
 * const net = new Network({ sizes: [2, 3, 1], activations: 'sigmoid', seed: 7 });
 * const out = net.predict(new Float32Array([0, 1, 1, 0])); // 2 examples → Float32Array(2)
 * ```
 */
export class Network {
  /** Layer sizes `[n0, ..., nL]`. */
  readonly sizes: readonly number[];
  /** Activation of each weight layer 1..L. */
  readonly activations: readonly ActivationName[];
  /** The kernel spec `[L, n0..nL, act1..actL]` that crosses to the backend. */
  readonly spec: Int32Array;
  /** Offsets of every layer's weights and biases in {@link params}. */
  readonly layout: Layout;
  /** Every parameter in one buffer: for l = 1..L, w^l `[nl, n(l−1)]` then b^l `[nl]`. */
  readonly params: Float32Array;
  /** The backend that runs this network's kernels. */
  readonly backend: Backend;
  /** Dropout rate of each hidden layer 1..L−1 in training (all 0: none). */
  readonly dropout: readonly number[];
  /** What the network is for, when it was built with a task (see {@link Task}). */
  readonly task?: Task;
  private classNames: readonly string[] | undefined;
  private inputScaler: Scaler | undefined;
  private workspace: { rows: number; z: Float32Array; a: Float32Array } | undefined;

  /**
   * A network of the given sizes and activations, its parameters initialized from `seed`
   * (bad options throw a `TypeError` or `RangeError` naming the option).
   *
   * @example
   * ```ts
   * const net = new Network({ sizes: [784, 30, 10], activations: ['sigmoid', 'softmax'], seed: 42 });
   * ```
   */
  constructor(options: NetworkOptions) {
    const opts = checkOptions<NetworkOptions>('options', options, [
      'sizes',
      'activations',
      'init',
      'seed',
      'backend',
      'dropout',
      'task',
      'classes',
      'scaler',
    ]);
    const sizes = checkSizes(opts.sizes);
    const L = sizes.length - 1;
    const task = opts.task === undefined ? undefined : checkTask('task', opts.task);
    const names = checkActivations(withTaskOutput(opts.activations ?? 'sigmoid', L, task), L);
    this.dropout = Object.freeze(checkDropoutRates(opts.dropout ?? 0, L));
    if (task !== undefined) {
      checkTaskLayers(task, sizes, names);
      this.task = task;
    }
    this.sizes = Object.freeze(sizes);
    this.activations = Object.freeze(names);
    this.spec = makeSpec(
      sizes,
      names.map((n) => activation(n).code),
    );
    this.layout = decodeSpec(this.spec);
    this.backend = getBackend(opts.backend);
    this.params = allocateParams(this.layout.paramCount, sizes);
    const seed = opts.seed === undefined ? 1 : checkInt('seed', opts.seed, 0, 0xffffffff);
    initialize(this.layout, this.params, opts.init ?? 'xavier', new Random(seed));
    if (opts.classes !== undefined) this.classes = opts.classes;
    if (opts.scaler !== undefined) this.scaler = opts.scaler;
    constructed.add(this);
  }

  /**
   * The class names in output order, when the network has them (from `options.classes`, from
   * string labels its first training saw, or from its model file). With them, {@link classify}
   * returns names. Settable (checked: distinct strings, one per class; `undefined` removes them).
   *
   * @example
   * ```ts
   * const net = new Network({ sizes: [4, 8, 3], task: 'classification', classes: ['setosa', 'versicolor', 'virginica'] });
   * net.classes; // ['setosa', 'versicolor', 'virginica']
   * ```
   */
  get classes(): readonly string[] | undefined {
    return this.classNames;
  }

  /** Replace the class names (checked), or remove them with `undefined`. @example `net.classes = ['no', 'yes']` */
  set classes(value: readonly string[] | undefined) {
    this.classNames =
      value === undefined
        ? undefined
        : Object.freeze(checkClasses('classes', value, this.task, this.outputSize));
  }

  /**
   * The scaler of the raw inputs, when the network has one: every entry point (predict,
   * classify, evaluate, fit) then takes raw features and scales a copy of them. Set by
   * `fitSync(net, data, { scale })`, by hand, or from the model file; `undefined` removes it.
   *
   * @example
   * ```ts
   * net.scaler = Scaler.fit(train.x, net.inputSize, 'standard'); // fitted on the training rows only
   * net.predict(rawRows); // scaled inside
   * ```
   */
  get scaler(): Scaler | undefined {
    return this.inputScaler;
  }

  /** Attach a fitted scaler (checked: one per input), or remove it with `undefined`. @example `net.scaler = Scaler.fit(x, net.inputSize)` */
  set scaler(value: Scaler | undefined) {
    if (value !== undefined) {
      if (!(value instanceof Scaler)) throw typeError('scaler', 'a Scaler', value);
      if (value.features !== this.inputSize)
        throw shapeError(
          'scaler',
          `a scaler of ${this.inputSize} features (the network's inputs)`,
          `${value.features} features`,
        );
    }
    this.inputScaler = value;
  }

  /**
   * Number of weight layers L.
   *
   * @example
   * ```ts
   * new Network({ sizes: [784, 30, 10] }).depth; // 2
   * ```
   */
  get depth(): number {
    return this.layout.L;
  }

  /**
   * Input size n0.
   *
   * @example
   * ```ts
   * new Network({ sizes: [784, 30, 10] }).inputSize; // 784
   * ```
   */
  get inputSize(): number {
    return this.sizes[0];
  }

  /**
   * Output size nL.
   *
   * @example
   * ```ts
   * new Network({ sizes: [784, 30, 10] }).outputSize; // 10
   * ```
   */
  get outputSize(): number {
    return this.sizes[this.layout.L];
  }

  /**
   * The network's outputs a^L for a batch of inputs `x` `[n, n0]`, as a new `Float32Array`
   * `[n, nL]`. `x` is a row-major `Float32Array` or `number[]`, or one `number[]` per row (see
   * {@link Inputs}); with a {@link scaler}, raw features (a scaled copy is used).
   *
   * @example
   * ```ts
   * const y = net.predict(x); // y[i * net.outputSize + j] is output j for example i
   * net.predict([[0, 1], [1, 1]]); // plain rows work too
   * ```
   */
  predict(x: Inputs): Float32Array {
    x = this.inputs('x', x);
    const n = x.length / this.inputSize;
    const nOut = this.outputSize;
    const out = new Float32Array(n * nOut);
    const rows = Math.min(n, PREDICT_CHUNK);
    const ws = this.predictWorkspace(rows);
    const n0 = this.inputSize;
    for (let start = 0; start < n; start += rows) {
      const count = Math.min(rows, n - start);
      this.backend.forward(
        this.spec,
        this.params,
        x.subarray(start * n0, (start + count) * n0),
        count,
        ws.z,
        ws.a,
      );
      const off = blockOffset(this.layout, this.layout.L, count);
      out.set(ws.a.subarray(off, off + count * nOut), start * nOut);
    }
    return out;
  }

  /**
   * Predicted class of each example: the argmax of the outputs, or for a single output neuron
   * `1` when it exceeds 0.5. A `Uint8Array` of class indices for a network without
   * {@link classes}; the class names (`string[]`) for one with them. {@link classIndices}
   * always gives the indices.
   *
   * @example
   * ```ts
   * const labels = net.classify(testImages); // Uint8Array, one label per image
   * iris.classify([[5.1, 3.5, 1.4, 0.2]]); // ['setosa'] for a network with class names
   * ```
   */
  classify(x: Inputs): Uint8Array | string[] {
    const indices = this.classIndices(x);
    const names = this.classNames;
    return names === undefined ? indices : Array.from(indices, (k) => names[k]);
  }

  /**
   * Predicted class index of each example (as {@link classify}, without the names).
   *
   * @example
   * ```ts
   * const k = net.classIndices(x); // Uint8Array; net.classes?.[k[0]] is the first one's name
   * ```
   */
  classIndices(x: Inputs): Uint8Array {
    return argmaxRows(this.predict(x), this.outputSize);
  }

  /**
   * Inputs as the kernels take them: converted once from plain arrays, then scaled by the
   * network's scaler when it has one (always a copy then; the caller's array is kept).
   */
  private inputs(name: string, x: unknown): Float32Array {
    const raw = toInputs(name, x, this.inputSize);
    return this.inputScaler ? this.inputScaler.transform(raw) : raw;
  }

  /**
   * A copy of layer l's weights `[nl, n(l−1)]` (l = 1..L, the lecture's numbering).
   *
   * @example
   * ```ts
   * const w1 = net.getWeights(1); // w1[j * net.sizes[0] + k] = ω^1_jk
   * ```
   */
  getWeights(l: number): Float32Array {
    return this.weightsView(l).slice();
  }

  /** A copy of layer l's biases `[nl]` (l = 1..L). @example `net.getBiases(2)` */
  getBiases(l: number): Float32Array {
    return this.biasesView(l).slice();
  }

  /** Replace layer l's weights with `w` `[nl, n(l−1)]` (copied; must be finite). @example `net.setWeights(1, w)` */
  setWeights(l: number, w: Float32Array): void {
    const view = this.weightsView(l);
    checkFloat32Exact('w', w, view.length);
    checkAllFinite('w', w);
    view.set(w);
  }

  /** Replace layer l's biases with `b` `[nl]` (copied; must be finite). @example `net.setBiases(1, b)` */
  setBiases(l: number, b: Float32Array): void {
    const view = this.biasesView(l);
    checkFloat32Exact('b', b, view.length);
    checkAllFinite('b', b);
    view.set(b);
  }

  /**
   * An independent copy with the same topology, parameters and backend (or another backend).
   *
   * @example
   * ```ts
   * const onJs = net.clone('js'); // same weights, pure-TypeScript kernels
   * ```
   */
  clone(backend?: BackendName | Backend): Network {
    const copy = new Network({
      sizes: [...this.sizes],
      activations: [...this.activations],
      backend: backend ?? this.backend,
      seed: 0,
      init: 'he',
      dropout: [...this.dropout],
      task: this.task,
      classes: this.classNames,
      scaler: this.inputScaler,
    });
    copy.params.set(this.params);
    return copy;
  }

  /**
   * Number of rows in x, checking it is a whole number of input vectors.
   *
   * @example
   * ```ts
   * net.rowsOf('x', new Float32Array(3 * net.inputSize)); // 3
   * net.rowsOf('x', new Float32Array(net.inputSize + 1)); // throws a RangeError (ERR_BLASNET_SHAPE)
   * ```
   */
  rowsOf(name: string, x: unknown): number {
    if (!isFloat32Array(x))
      throw typeError(name, `a Float32Array of rows of ${this.inputSize} inputs`, x);
    const n0 = this.inputSize;
    if (x.length === 0 || x.length % n0 !== 0) {
      throw shapeError(name, `a whole number (>= 1) of rows of ${n0} inputs`, `length ${x.length}`);
    }
    return x.length / n0;
  }

  private weightsView(l: number): Float32Array {
    checkInt('l', l, 1, this.layout.L);
    const off = this.layout.wOffset[l - 1];
    return this.params.subarray(off, off + this.sizes[l] * this.sizes[l - 1]);
  }

  private biasesView(l: number): Float32Array {
    checkInt('l', l, 1, this.layout.L);
    const off = this.layout.bOffset[l - 1];
    return this.params.subarray(off, off + this.sizes[l]);
  }

  private predictWorkspace(rows: number): { z: Float32Array; a: Float32Array } {
    if (!this.workspace || this.workspace.rows < rows) {
      const length = rows * this.layout.unitsPerExample;
      this.workspace = { rows, z: new Float32Array(length), a: new Float32Array(length) };
    }
    return this.workspace;
  }
}

/**
 * The index of the largest value of each row of `[n, width]` outputs (width 1: output > 0.5).
 *
 * @example
 * ```ts
 * argmaxRows(new Float32Array([0.1, 0.7, 0.2, 0.6, 0.3, 0.1]), 3); // Uint8Array [1, 0]
 * argmaxRows(new Float32Array([0.2, 0.9]), 1); // Uint8Array [0, 1]
 * ```
 */
export function argmaxRows(outputs: Float32Array, width: number): Uint8Array {
  checkInt('width', width, 1, 1 << 24);
  if (!isFloat32Array(outputs))
    throw typeError('outputs', `a Float32Array of rows of ${width}`, outputs);
  if (outputs.length % width !== 0)
    throw shapeError('outputs', `a whole number of rows of ${width}`, `length ${outputs.length}`);
  const n = outputs.length / width;
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (width === 1) {
      labels[i] = outputs[i] > 0.5 ? 1 : 0;
      continue;
    }
    let best = 0;
    let bestValue = outputs[i * width];
    for (let j = 1; j < width; j++) {
      const v = outputs[i * width + j];
      if (v > bestValue) {
        bestValue = v;
        best = j;
      }
    }
    labels[i] = best;
  }
  return labels;
}

function checkSizes(sizes: unknown): number[] {
  if (!isArray(sizes))
    throw typeError('sizes', 'an array of layer sizes like [784, 30, 10]', sizes);
  if (sizes.length < 2)
    throw rangeError('sizes', 'at least two layer sizes (inputs and outputs)', sizes);
  if (sizes.length > MAX_LAYERS + 1)
    throw rangeError(
      'sizes',
      `at most ${MAX_LAYERS + 1} layer sizes (${MAX_LAYERS} weight layers)`,
      sizes,
    );
  // A loop, not map: map skips the holes of a sparse array and would keep them.
  const checked: number[] = [];
  for (let i = 0; i < sizes.length; i++)
    checked.push(checkInt(`sizes[${i}]`, sizes[i], 1, 1 << 24));
  return checked;
}

/** The parameter buffer, or a coded RangeError when the network cannot fit in memory. */
function allocateParams(count: number, sizes: number[]): Float32Array {
  try {
    return new Float32Array(count);
  } catch {
    throw rangeError(
      'sizes',
      `layer sizes whose ${count} parameters fit in memory (at most ${MAX_TYPED_LENGTH} floats)`,
      sizes,
    );
  }
}

/**
 * With a task, a single activation name (or the default) is the hidden layers' and the output
 * layer gets the task's; an array is kept as given (and checked against the task afterwards).
 */
function withTaskOutput(value: unknown, L: number, task: Task | undefined): unknown {
  if (task === undefined || typeof value !== 'string') return value;
  return [...new Array<unknown>(L - 1).fill(value), TASKS[task].output];
}

function checkActivations(value: unknown, L: number): ActivationName[] {
  const names = typeof value === 'string' ? new Array<unknown>(L).fill(value) : value;
  if (!isArray(names))
    throw typeError('activations', 'an activation name or an array of one per layer', value);
  if (names.length !== L)
    throw rangeError('activations', `${L} activation names (one per weight layer)`, value);
  const checked: ActivationName[] = [];
  // A loop, not map: map skips the holes of a sparse array (they would become identity layers).
  for (let i = 0; i < L; i++) {
    const name = names[i];
    const act = activation(name, `activations[${i}]`);
    if (act.outputOnly && i !== L - 1) {
      throw rangeError(
        `activations[${i}]`,
        `an activation other than "${act.name}" on a hidden layer (it is for the output layer only)`,
        name,
      );
    }
    checked.push(act.name);
  }
  return checked;
}
