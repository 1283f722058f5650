/**
 * Small real datasets for the perceptron: the truth tables of two-input gates, and random
 * linearly separable sets with a known margin (a "teacher" hyperplane draws the labels).
 */
import { rangeError } from '../errors';
import { Random } from '../random';
import { checkInt, checkNumber, checkOneOf, checkOptions } from '../validate';

/**
 * A two-input gate with a truth table in {@link gateData}.
 *
 * @example
 * ```ts
 * const gate: GateName = 'nand';
 * ```
 */
export type GateName = 'and' | 'or' | 'nand' | 'nor' | 'xor' | 'xnor';

/**
 * The gates {@link gateData} knows.
 *
 * @example
 * ```ts
 * for (const g of GATE_NAMES) console.log(g, gateData(g).y);
 * ```
 */
export const GATE_NAMES: readonly GateName[] = ['and', 'or', 'nand', 'nor', 'xor', 'xnor'];

const GATE_OUTPUTS: Readonly<Record<GateName, readonly number[]>> = {
  and: [0, 0, 0, 1],
  or: [0, 1, 1, 1],
  nand: [1, 1, 1, 0],
  nor: [1, 0, 0, 0],
  xor: [0, 1, 1, 0],
  xnor: [1, 0, 0, 1],
};

/**
 * The truth table of a two-input gate as perceptron data: x = the rows (0,0), (0,1), (1,0),
 * (1,1), y = the gate's output for each, as 0/1 labels.
 *
 * @example
 * ```ts
 * gateData('xor'); // { x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [0, 1, 1, 0] }
 * ```
 */
export function gateData(name: GateName): { x: number[][]; y: number[] } {
  const gate = checkOneOf('name', name, GATE_NAMES);
  return {
    x: [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ],
    y: [...GATE_OUTPUTS[gate]],
  };
}

/**
 * Options of {@link linearlySeparable}.
 *
 * @example
 * ```ts
 * const options: SeparableOptions = { examples: 2000, features: 1000, margin: 0.5, seed: 3 };
 * ```
 */
export interface SeparableOptions {
  /** n, the number of examples (>= 1). */
  examples: number;
  /** d, the number of features (>= 1). */
  features: number;
  /** γ > 0: every example lies at least this far from the teacher's hyperplane. Default 0.1. */
  margin?: number;
  /** Seed of the draw. Default 1. */
  seed?: number;
}

/**
 * A random linearly separable dataset with a known margin: a teacher hyperplane w*ᵀx + b* = 0
 * with ‖w*‖ = 1 and b* ∈ [−0.2, 0.2] labels points drawn uniformly from [−1, 1]^d; a point
 * closer to the plane than γ is pushed along w* to distance γ on its own side. So the set is
 * separable with geometric margin >= γ, and the perceptron convergence theorem bounds the
 * online rule's mistakes by (R/γ)², R = max ‖x̃_n‖.
 *
 * @example
 * ```ts
 * const { x, y, teacher } = linearlySeparable({ examples: 500, features: 50, margin: 0.1, seed: 7 });
 * // x: Float32Array [500 · 50], y: Int8Array of ±1, teacher: Float64Array [51] (b* first)
 * ```
 */
export function linearlySeparable(options: SeparableOptions): {
  x: Float32Array;
  y: Int8Array;
  teacher: Float64Array;
  margin: number;
} {
  const opts = checkOptions<SeparableOptions>('options', options, [
    'examples',
    'features',
    'margin',
    'seed',
  ]);
  const n = checkInt('options.examples', opts.examples, 1, 1 << 24);
  const d = checkInt('options.features', opts.features, 1, 1 << 24);
  if (n * d > 1 << 28)
    throw rangeError('options.examples × options.features', 'at most 2^28 values', n * d);
  const margin = checkNumber('options.margin', opts.margin ?? 0.1, 0, 1e6);
  if (!(margin > 0)) throw rangeError('options.margin', 'a finite number > 0', margin);
  const rng = new Random(checkInt('options.seed', opts.seed ?? 1, 0, 0xffffffff));

  const w = new Float64Array(d);
  let norm = 0;
  for (let j = 0; j < d; j++) {
    w[j] = rng.normal();
    norm += w[j] ** 2;
  }
  norm = Math.sqrt(norm);
  for (let j = 0; j < d; j++) w[j] /= norm;
  const b = 0.4 * rng.uniform() - 0.2;

  const x = new Float32Array(n * d);
  const y = new Int8Array(n);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    let t = b;
    for (let j = 0; j < d; j++) {
      row[j] = 2 * rng.uniform() - 1;
      t += w[j] * row[j];
    }
    const label = t > 0 ? 1 : t < 0 ? -1 : rng.uniform() < 0.5 ? 1 : -1;
    // Push a point inside the margin out along w* to distance γ (a little more, so float32
    // rounding of x keeps it at least γ away).
    if (label * t < margin) {
      const shift = label * margin * (1 + 1e-3) - t;
      for (let j = 0; j < d; j++) row[j] += shift * w[j];
    }
    for (let j = 0; j < d; j++) x[i * d + j] = row[j];
    y[i] = label;
  }
  const teacher = new Float64Array(d + 1);
  teacher[0] = b;
  teacher.set(w, 1);
  return { x, y, teacher, margin };
}
