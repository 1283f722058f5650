/**
 * Checking and converting the perceptron's inputs and labels: rows of features as a flat
 * row-major `Float32Array` `[n, d]` or as an array of rows, labels as ±1 or 0/1.
 */
import { rangeError, shapeError, typeError } from '../errors';
import { checkAllFinite, isArray, isFloat32Array, isNumericTypedArray } from '../validate';

/**
 * Examples for a perceptron with d inputs: a flat row-major `Float32Array` `[n, d]` (the layout
 * of the rest of blasnet), or an array of n rows, each an array-like of d numbers.
 *
 * @example
 * ```ts
 * const rows: PerceptronInput = [[0, 1], [1, 1]];
 * const flat: PerceptronInput = new Float32Array([0, 1, 1, 1]); // the same two examples
 * ```
 */
export type PerceptronInput = Float32Array | readonly ArrayLike<number>[];

/**
 * Class labels, one per example: all ±1, or all 0/1 (0 means class −1). Any array-like of numbers.
 *
 * @example
 * ```ts
 * const binary: PerceptronLabels = [0, 0, 0, 1];
 * const signed: PerceptronLabels = new Int8Array([-1, -1, -1, 1]); // the same classes
 * ```
 */
export type PerceptronLabels = ArrayLike<number>;

/**
 * How labels were given: `'signed'` (±1) or `'binary'` (0/1).
 *
 * @example
 * ```ts
 * perceptron.fit({ x, y: [0, 1, 1, 1] }).labels; // 'binary'
 * ```
 */
export type PerceptronLabelKind = 'signed' | 'binary';

/**
 * Check `x` and return it as a flat `[n, d]` `Float32Array` (a `Float32Array` is returned as is,
 * an array of rows is copied) with its row count. Every value must be finite; n >= 1.
 */
export function toMatrix(name: string, x: unknown, d: number): { x: Float32Array; n: number } {
  if (isFloat32Array(x)) {
    if (x.length === 0 || x.length % d !== 0) {
      throw shapeError(
        name,
        `a whole number (>= 1) of rows of ${d} features`,
        `a Float32Array of length ${x.length}`,
      );
    }
    checkAllFinite(name, x);
    return { x, n: x.length / d };
  }
  if (!isArray(x))
    throw typeError(name, `a Float32Array of rows of ${d} features or an array of rows`, x);
  if (x.length === 0) throw shapeError(name, 'at least one example', 'an empty array');
  const n = x.length;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const row: unknown = x[i];
    if (!isArrayLike(row)) throw typeError(`${name}[${i}]`, `an array of ${d} numbers`, row);
    if (row.length !== d)
      throw shapeError(`${name}[${i}]`, `a row of ${d} features`, `length ${row.length}`);
    for (let j = 0; j < d; j++) {
      const v: unknown = row[j];
      if (typeof v !== 'number') throw typeError(`${name}[${i}][${j}]`, 'a finite number', v);
      if (!Number.isFinite(Math.fround(v)))
        throw rangeError(`${name}[${i}][${j}]`, 'a finite number (within float32 range)', v);
      out[i * d + j] = v;
    }
  }
  return { x: out, n };
}

/**
 * Check `n` labels and return them as ±1 (`Float32Array`), with the encoding they came in.
 * All labels ±1 is `'signed'`, all 0/1 is `'binary'` (0 ↦ −1); all 1 reads as either.
 * Mixing −1 and 0, or any other value, is a `RangeError` naming the first bad label.
 */
export function toSignedLabels(
  name: string,
  y: unknown,
  n: number,
): { y: Float32Array; encoding: PerceptronLabelKind } {
  if (!isArrayLike(y)) throw typeError(name, `an array of ${n} labels (±1 or 0/1)`, y);
  if (y.length !== n) throw shapeError(name, `${n} labels (one per example)`, `length ${y.length}`);
  let encoding: PerceptronLabelKind | undefined;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = y[i];
    if (typeof v !== 'number')
      throw typeError(`${name}[${i}]`, 'a label of -1 or 1 (or 0 or 1)', v);
    if (v === 1) {
      out[i] = 1;
      continue;
    }
    const kind: PerceptronLabelKind | undefined =
      v === -1 ? 'signed' : v === 0 ? 'binary' : undefined;
    if (kind === undefined) throw rangeError(`${name}[${i}]`, 'a label of -1 or 1 (or 0 or 1)', v);
    if (encoding !== undefined && encoding !== kind) {
      throw rangeError(
        `${name}[${i}]`,
        `a label of ${encoding === 'signed' ? '-1 or 1 like the earlier ones' : '0 or 1 like the earlier ones'}`,
        v,
      );
    }
    encoding = kind;
    out[i] = -1;
  }
  return { y: out, encoding: encoding ?? 'binary' };
}

/**
 * X̃ = [1 | X]: `[n, d + 1]` row-major, the bias folded in as the constant feature x₀ = 1.
 */
export function withBiasColumn(x: Float32Array, n: number, d: number): Float32Array {
  const d1 = d + 1;
  const xt = new Float32Array(n * d1);
  for (let i = 0; i < n; i++) {
    xt[i * d1] = 1;
    xt.set(x.subarray(i * d, (i + 1) * d), i * d1 + 1);
  }
  return xt;
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  if (isArray(value)) return true;
  return isNumericTypedArray(value);
}
