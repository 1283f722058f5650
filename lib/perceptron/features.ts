/**
 * The lecture's first answer to XOR: a better representation of the input. Map each example into
 * another feature space, then classify linearly there (B.1: "1) convert to another feature
 * space, 2) perform linear classification").
 */
import { rangeError, shapeError, typeError } from '../errors';
import { checkInt, isArray, isNumericTypedArray } from '../validate';
import { type PerceptronInput, toMatrix } from './inputs';

/**
 * Examples in a new feature space: `x` `[n, features]` row-major.
 *
 * @example
 * ```ts
 * const { x, features } = pairwiseProducts([[0, 1]], 2); // x = [0, 1, 0], features = 3
 * ```
 */
export interface MappedFeatures {
  x: Float32Array;
  features: number;
}

/**
 * Apply `map` to every row of `x` (`inputs` features each). Every mapped row must have the same
 * length (>= 1) and finite values.
 *
 * @example
 * ```ts
 * // XOR becomes separable with the product x₁x₂ as a third feature:
 * const { x, features } = mapFeatures([[0, 0], [0, 1], [1, 0], [1, 1]], 2, ([a, b]) => [a, b, a * b]);
 * new Perceptron({ inputs: features }).fit({ x, y: [0, 1, 1, 0] }).converged; // true
 * ```
 */
export function mapFeatures(
  x: PerceptronInput,
  inputs: number,
  map: (row: number[], index: number) => ArrayLike<number>,
): MappedFeatures {
  const d = checkInt('inputs', inputs, 1, 1 << 24);
  if (typeof map !== 'function')
    throw typeError('map', 'a function from a row to its features', map);
  const { x: flat, n } = toMatrix('x', x, d);
  let out: Float32Array | undefined;
  let width = 0;
  for (let i = 0; i < n; i++) {
    const row = Array.from(flat.subarray(i * d, (i + 1) * d));
    const mapped: unknown = map(row, i);
    if (!(isArray(mapped) || isNumericTypedArray(mapped))) {
      throw typeError(`map(x[${i}])`, 'an array of numbers', mapped);
    }
    const values = mapped as ArrayLike<unknown>;
    if (out === undefined) {
      width = values.length;
      if (width === 0) throw shapeError('map(x[0])', 'at least one feature', 'an empty array');
      out = new Float32Array(n * width);
    } else if (values.length !== width) {
      throw shapeError(
        `map(x[${i}])`,
        `${width} features like the first row`,
        `length ${values.length}`,
      );
    }
    for (let j = 0; j < width; j++) {
      const v = values[j];
      if (typeof v !== 'number' || !Number.isFinite(Math.fround(v)))
        throw rangeError(`map(x[${i}])[${j}]`, 'a finite number', v);
      out[i * width + j] = v;
    }
  }
  if (out === undefined) throw shapeError('x', 'at least one row', 'none');
  return { x: out, features: width };
}

/**
 * The quadratic feature map without squares: (x₁, .., x_d, x_i·x_j for i < j), so
 * d + d(d − 1)/2 features. For XOR's two inputs: (x₁, x₂, x₁x₂), where XOR is linearly
 * separable (e.g. by x₁ + x₂ − 2x₁x₂ > 0.5).
 *
 * @example
 * ```ts
 * const xor = pairwiseProducts([[0, 0], [0, 1], [1, 0], [1, 1]], 2);
 * // xor.features = 3; xor.x = [0,0,0, 0,1,0, 1,0,0, 1,1,1]
 * ```
 */
export function pairwiseProducts(x: PerceptronInput, inputs: number): MappedFeatures {
  const d = checkInt('inputs', inputs, 1, 4096);
  const { x: flat, n } = toMatrix('x', x, d);
  const width = d + (d * (d - 1)) / 2;
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    const src = i * d;
    let o = i * width;
    for (let j = 0; j < d; j++) out[o++] = flat[src + j];
    for (let j = 0; j < d; j++)
      for (let k = j + 1; k < d; k++) out[o++] = flat[src + j] * flat[src + k];
  }
  return { x: out, features: width };
}
