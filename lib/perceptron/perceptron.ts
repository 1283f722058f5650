/**
 * The perceptron (McCulloch-Pitts neuron) of lecture B.1: ŷ = f(θᵀx̃) with the Heaviside step
 * f(z) = 1 if z > 0, else 0, and the bias folded in as the constant feature x₀ = 1, so θ has
 * d + 1 entries and θ₀ is the bias. Trained with the perceptron rule
 *
 *     θ^(i) = θ^(i−1) + α_i Σ_{x_n ∈ M} y_n x̃_n          (M: the misclassified examples)
 *
 * in batch form (one update per epoch over all of M) or online form (one example at a time,
 * updating on each mistake). Labels are ±1 inside and may be given as ±1 or as 0/1: output 1
 * (θᵀx̃ > 0) is class +1 (label 1), output 0 (θᵀx̃ <= 0, since f(0) = 0) is class −1 (label −1,
 * or 0 in 0/1 labels). The lecture names the two sides "class 0" and "class 1" the other way
 * round; only the sign convention differs.
 *
 * The matrix work runs on the backend's sgemm, over X̃ = [1 | X] `[n, d+1]`, built once per fit:
 * - scores:       s = X̃ · θ                 `[n, 1]`   (one sgemm per epoch)
 * - batch update: θ ← θ + α X̃ᵀ · (y ∘ m)    `[d+1, 1]` (one sgemm per epoch; m_n = 1 for n ∈ M)
 */
import { getBackend, type BackendName } from '../backend/select';
import type { Backend } from '../backend/types';
import { rangeError, shapeError, typeError } from '../errors';
import { Random, range } from '../random';
import { type Schedule, scheduleFunction } from '../schedule';
import {
  checkBoolean,
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  isArray,
  isNumericTypedArray,
  isObject,
} from '../validate';
import {
  type PerceptronLabelKind,
  type PerceptronInput,
  type PerceptronLabels,
  toMatrix,
  toSignedLabels,
  withBiasColumn,
} from './inputs';

/**
 * How to build a {@link Perceptron}.
 *
 * @example
 * ```ts
 * const options: PerceptronOptions = { inputs: 2, theta: [3, -2, -2], backend: 'js' };
 * ```
 */
export interface PerceptronOptions {
  /** d, the number of input features (>= 1). θ has d + 1 entries. */
  inputs: number;
  /** Initial θ = (θ₀ bias, θ₁ .. θ_d), d + 1 finite numbers. Default all zeros. */
  theta?: ArrayLike<number>;
  /** `'auto'` (default), `'native'`, `'js'`, or a backend: where the sgemm calls run. */
  backend?: BackendName | Backend;
}

/**
 * A labelled dataset for {@link Perceptron.fit}: inputs `x` (`[n, d]` rows) and one label per
 * example in `y`, all ±1 or all 0/1 (a 0/1 label 0 means class −1).
 *
 * @example
 * ```ts
 * const and: PerceptronData = { x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [0, 0, 0, 1] };
 * ```
 */
export interface PerceptronData {
  x: PerceptronInput;
  y: PerceptronLabels;
}

/**
 * Options of {@link Perceptron.fit}.
 *
 * @example
 * ```ts
 * const options: PerceptronFitOptions = { mode: 'online', maxEpochs: 100, learningRate: 0.5, keep: 'last' };
 * ```
 */
export interface PerceptronFitOptions {
  /**
   * `'batch'` (default): one update per epoch, θ += α_i Σ_{n ∈ M} y_n x̃_n over all of M.
   * `'online'`: a pass over the examples, θ += α_i y_n x̃_n on each mistake as it is met.
   */
  mode?: 'batch' | 'online';
  /** The most epochs that update θ; training never runs longer. Default 1000. */
  maxEpochs?: number;
  /** η, the base of the learning rate α_i. Default 1 (from θ = 0 any constant α gives the same decisions). */
  learningRate?: number;
  /** α_i as a function of the epoch i (0-based): `'constant'` (default), a schedule object, or `(epoch, η) => α`. */
  schedule?: Schedule;
  /**
   * Which θ the perceptron keeps when training does not converge: `'best'` (default, the
   * "pocket" θ: the fewest misclassified of every θ the run went through, the earliest on a tie)
   * or `'last'` (the θ after the last epoch). A converged run keeps its last θ either way.
   */
  keep?: 'best' | 'last';
  /** Online mode: visit the examples in a new random order every epoch. Default false (given order). */
  shuffle?: boolean;
  /** Seed of the shuffles. Default 1. */
  seed?: number;
  /** Called after every epoch that updated θ. */
  onEpoch?: (report: PerceptronEpochReport) => void;
}

/**
 * Progress after one epoch of {@link Perceptron.fit}.
 *
 * @example
 * ```ts
 * perceptron.fit(data, { onEpoch: (e) => console.log(e.epoch, e.misclassified, e.updates) });
 * ```
 */
export interface PerceptronEpochReport {
  /** 1-based epoch number. */
  epoch: number;
  /** |M|: examples the θ at the start of this epoch misclassified. */
  misclassified: number;
  /** θ updates made in this epoch (batch: 1; online: the mistakes met during the pass). */
  updates: number;
  /** α_i used in this epoch. */
  learningRate: number;
}

/**
 * What {@link Perceptron.fit} returns.
 *
 * @example
 * ```ts
 * const { converged, epochs, misclassified, theta } = perceptron.fit(data);
 * ```
 */
export interface PerceptronFitResult {
  /** True when the θ kept classifies every training example correctly (M is empty). */
  converged: boolean;
  /**
   * Epochs that updated θ. A converged run then checked θ once more and found M empty (that check
   * is not counted); 0 means the initial θ was already right. Never more than `maxEpochs`.
   */
  epochs: number;
  /** θ updates made (batch: one per epoch; online: one per mistake). */
  updates: number;
  /** Training examples the kept θ misclassifies (0 when converged). */
  misclassified: number;
  /** Number of training examples. */
  examples: number;
  /** Which θ the perceptron now holds: `'last'` (always when converged) or `'best'` (the pocket θ). */
  kept: 'last' | 'best';
  /** The number of updating epochs after which the kept θ was reached (0: the initial θ). */
  keptEpoch: number;
  /** history[i] = misclassified by θ after i epochs, i = 0..epochs. */
  history: number[];
  /** A copy of the kept θ (θ₀ bias first). */
  theta: Float32Array;
  /** How the labels were given. */
  labels: PerceptronLabelKind;
}

const OPTION_NAMES: (keyof PerceptronOptions)[] = ['inputs', 'theta', 'backend'];
const FIT_OPTION_NAMES: (keyof PerceptronFitOptions)[] = [
  'mode',
  'maxEpochs',
  'learningRate',
  'schedule',
  'keep',
  'shuffle',
  'seed',
  'onEpoch',
];
const MODES = ['batch', 'online'] as const;
const KEEP = ['best', 'last'] as const;

/**
 * A single perceptron: ŷ = f(θᵀx̃), f the Heaviside step (f(z) = 1 if z > 0, else 0),
 * x̃ = (1, x₁, .., x_d) and θ = (θ₀, θ₁, .., θ_d) with θ₀ the bias.
 *
 * @example
 * ```ts
 * const p = new Perceptron({ inputs: 2 });
 * const result = p.fit({ x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [0, 0, 0, 1] }); // AND
 * result.converged; // true
 * p.predict([[1, 1], [0, 1]]); // Uint8Array [1, 0]
 * ```
 */
export class Perceptron {
  /** d, the number of input features. */
  readonly inputs: number;
  /** The backend whose sgemm computes scores and batch updates. */
  readonly backend: Backend;
  /** θ `[d + 1]`: θ₀ (bias) then the d weights. Doubles as the `[d+1, 1]` sgemm operand. */
  private readonly theta: Float32Array;

  /**
   * A perceptron with d = `inputs` features, θ = 0 unless `theta` is given.
   *
   * @example
   * ```ts
   * const p = new Perceptron({ inputs: 784, backend: 'native' });
   * const nand = new Perceptron({ inputs: 2, theta: [3, -2, -2] });
   * ```
   */
  constructor(options: PerceptronOptions) {
    const opts = checkOptions<PerceptronOptions>('options', options, OPTION_NAMES);
    if (options === undefined)
      throw typeError('options', 'an options object { inputs, theta?, backend? }', options);
    this.inputs = checkInt('options.inputs', opts.inputs, 1, 1 << 24);
    this.theta = new Float32Array(this.inputs + 1);
    if (opts.theta !== undefined) this.setThetaFrom('options.theta', opts.theta);
    this.backend = getBackend(opts.backend);
  }

  /**
   * A copy of θ = (θ₀ bias, θ₁, .., θ_d).
   *
   * @example
   * ```ts
   * new Perceptron({ inputs: 2, theta: [3, -2, -2] }).getTheta(); // Float32Array [3, -2, -2]
   * ```
   */
  getTheta(): Float32Array {
    return this.theta.slice();
  }

  /**
   * Replace θ with d + 1 finite numbers (bias first).
   *
   * @example
   * ```ts
   * p.setTheta([-1.5, 1, 1]); // AND of two inputs
   * ```
   */
  setTheta(theta: ArrayLike<number>): void {
    this.setThetaFrom('theta', theta);
  }

  /**
   * The scores θᵀx̃ of each example, a `Float32Array` `[n]`.
   *
   * @example
   * ```ts
   * new Perceptron({ inputs: 2, theta: [3, -2, -2] }).scores([[1, 1]]); // Float32Array [-1]
   * ```
   */
  scores(x: PerceptronInput): Float32Array {
    const { x: flat, n } = toMatrix('x', x, this.inputs);
    const s = new Float32Array(n);
    this.scoresInto(withBiasColumn(flat, n, this.inputs), n, s);
    return s;
  }

  /**
   * The perceptron's output f(θᵀx̃) ∈ {0, 1} for each example (1 means class +1).
   *
   * @example
   * ```ts
   * const nand = new Perceptron({ inputs: 2, theta: [3, -2, -2] });
   * nand.predict([[0, 0], [0, 1], [1, 0], [1, 1]]); // Uint8Array [1, 1, 1, 0]
   * ```
   */
  predict(x: PerceptronInput): Uint8Array {
    const s = this.scores(x);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s[i] > 0 ? 1 : 0;
    return out;
  }

  /**
   * How many examples the current θ misclassifies (labels ±1 or 0/1).
   *
   * @example
   * ```ts
   * p.misclassified({ x: [[0, 0], [1, 1]], y: [0, 1] }); // 0 once p has learned AND
   * ```
   */
  misclassified(data: PerceptronData): number {
    const { xt, y, n } = this.prepare(data);
    return countMistakes(this.scoresInto(xt, n, new Float32Array(n)), y);
  }

  /**
   * Train with the perceptron rule from the current θ (zeros for a new perceptron) until no
   * example is misclassified, or for at most `maxEpochs` updating epochs. Never loops forever.
   * On data that is not linearly separable it returns `converged: false`, the number still
   * misclassified and, by default, the best θ it saw (see {@link PerceptronFitOptions.keep}).
   *
   * @example
   * ```ts
   * const xor = { x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [0, 1, 1, 0] };
   * const r = new Perceptron({ inputs: 2 }).fit(xor, { maxEpochs: 100 });
   * r.converged; // false: XOR is not linearly separable
   * r.misclassified; // 2 (batch from θ = 0 cycles between θ = 0 and (2, 1, 1), both wrong on 2 of 4)
   * ```
   */
  fit(data: PerceptronData, options?: PerceptronFitOptions): PerceptronFitResult {
    const opts = checkOptions<PerceptronFitOptions>('options', options, FIT_OPTION_NAMES);
    const mode = checkOneOf('options.mode', opts.mode ?? 'batch', MODES);
    const maxEpochs = checkInt('options.maxEpochs', opts.maxEpochs ?? 1000, 1, 1e9);
    const learningRate = checkNumber('options.learningRate', opts.learningRate ?? 1);
    if (!(learningRate > 0))
      throw rangeError('options.learningRate', 'a finite number > 0', learningRate);
    const alpha = scheduleFunction(opts.schedule, learningRate);
    const keep = checkOneOf('options.keep', opts.keep ?? 'best', KEEP);
    const shuffle = checkBoolean('options.shuffle', opts.shuffle ?? false);
    const seed = checkInt('options.seed', opts.seed ?? 1, 0, 0xffffffff);
    if (opts.onEpoch !== undefined && typeof opts.onEpoch !== 'function')
      throw typeError('options.onEpoch', 'a function', opts.onEpoch);
    const { xt, y, n, encoding } = this.prepare(data);

    const d1 = this.inputs + 1;
    const theta = this.theta;
    const s = new Float32Array(n); // scores θᵀx̃_n
    const ym = mode === 'batch' ? new Float32Array(n) : undefined; // y ∘ m: y_n on M, 0 elsewhere
    const order = range(n);
    const rng = new Random(seed);
    const best = theta.slice();
    let bestCount = Infinity;
    let keptEpoch = 0;
    const history: number[] = [];
    let epochs = 0;
    let updates = 0;

    for (;;) {
      const miss = countMistakes(this.scoresInto(xt, n, s), y);
      history.push(miss);
      if (miss < bestCount) {
        bestCount = miss;
        best.set(theta);
        keptEpoch = epochs;
      }
      if (miss === 0 || epochs === maxEpochs) break;
      const a = alpha(epochs);
      let made = 0;
      if (ym) {
        for (let i = 0; i < n; i++) ym[i] = s[i] > 0 !== y[i] > 0 ? y[i] : 0;
        // θ ← α · X̃ᵀ · (y ∘ m) + 1 · θ:  op(A) = X̃ᵀ [d+1, n] (X̃ stored [n, d+1], transA),
        // B = y ∘ m [n, 1], C = θ [d+1, 1]; M = d+1, N = 1, K = n.
        this.backend.sgemm(true, false, d1, 1, n, a, xt, ym, 1, theta);
        made = 1;
      } else {
        // The online rule is sequential: each step sees the θ the previous mistake left, so it
        // runs as a dot product and an axpy per example in TypeScript (one sgemm per example
        // would cost more in call overhead than the d + 1 multiply-adds it does).
        if (shuffle) rng.shuffle(order);
        for (let t = 0; t < n; t++) {
          const i = order[t];
          const off = i * d1;
          let dot = 0;
          for (let j = 0; j < d1; j++) dot += xt[off + j] * theta[j];
          if (dot > 0 !== y[i] > 0) {
            const step = a * y[i];
            for (let j = 0; j < d1; j++) theta[j] += step * xt[off + j];
            made++;
          }
        }
      }
      epochs++;
      updates += made;
      opts.onEpoch?.({ epoch: epochs, misclassified: miss, updates: made, learningRate: a });
    }

    const last = history[history.length - 1];
    const converged = last === 0;
    const useBest = !converged && keep === 'best' && bestCount < last;
    if (useBest) theta.set(best);
    return {
      converged,
      epochs,
      updates,
      misclassified: useBest ? bestCount : last,
      examples: n,
      kept: converged || !useBest ? 'last' : 'best',
      keptEpoch: useBest ? keptEpoch : epochs,
      history,
      theta: theta.slice(),
      labels: encoding,
    };
  }

  /** s ← X̃ · θ for X̃ `[n, d+1]`; returns s. */
  private scoresInto(xt: Float32Array, n: number, s: Float32Array): Float32Array {
    // s = 1 · X̃ · θ + 0 · s:  A = X̃ [n, d+1], B = θ [d+1, 1], C = s [n, 1]; M = n, N = 1, K = d+1.
    this.backend.sgemm(false, false, n, 1, this.inputs + 1, 1, xt, this.theta, 0, s);
    return s;
  }

  private prepare(data: unknown): {
    xt: Float32Array;
    y: Float32Array;
    n: number;
    encoding: PerceptronLabelKind;
  } {
    if (!isObject(data) || isArray(data)) throw typeError('data', 'an object { x, y }', data);
    const { x, y } = data as PerceptronData;
    const m = toMatrix('data.x', x, this.inputs);
    const labels = toSignedLabels('data.y', y, m.n);
    return {
      xt: withBiasColumn(m.x, m.n, this.inputs),
      y: labels.y,
      n: m.n,
      encoding: labels.encoding,
    };
  }

  private setThetaFrom(name: string, theta: unknown): void {
    const d1 = this.inputs + 1;
    if (!(isArray(theta) || isNumericTypedArray(theta))) {
      throw typeError(name, `an array of ${d1} numbers (bias first)`, theta);
    }
    const values = theta as ArrayLike<unknown>;
    if (values.length !== d1)
      throw shapeError(
        name,
        `${d1} numbers (the bias θ₀, then ${this.inputs} weights)`,
        `length ${values.length}`,
      );
    for (let j = 0; j < d1; j++) {
      const v = values[j];
      if (typeof v !== 'number') throw typeError(`${name}[${j}]`, 'a finite number', v);
      if (!Number.isFinite(Math.fround(v)))
        throw rangeError(`${name}[${j}]`, 'a finite number (within float32 range)', v);
    }
    for (let j = 0; j < d1; j++) this.theta[j] = values[j] as number;
  }
}

/** |M|: examples whose output f(s_n) disagrees with the label y_n = ±1. */
function countMistakes(s: Float32Array, y: Float32Array): number {
  let miss = 0;
  for (let i = 0; i < s.length; i++) if (s[i] > 0 !== y[i] > 0) miss++;
  return miss;
}
