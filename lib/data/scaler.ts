/**
 * Feature scaling fitted on training rows only: standardization (z-scores) or min–max to [0, 1].
 * A fitted scaler is plain data (`offset` and `scale` per feature), so it can be saved with a
 * model and applied to every later input the same way.
 */
import { rangeError, shapeError, typeError } from '../errors';
import { checkInt, checkOneOf, isFloat32Array, isFloat64Array } from '../validate';

/**
 * `standard`: (x − mean) / std; `minmax`: (x − min) / (max − min).
 *
 * @example
 * ```ts
 * const kind: ScalerKind = 'minmax';
 * Scaler.fit(train.x, features, kind);
 * ```
 */
export type ScalerKind = 'standard' | 'minmax';

/**
 * The JSON form of a {@link Scaler}, as stored in a model file.
 *
 * @example
 * ```ts
 * const json: ScalerJson = { kind: 'standard', offset: [5.8, 3.1], scale: [0.8, 0.4] };
 * const scaler = Scaler.fromJSON(json);
 * ```
 */
export interface ScalerJson {
  kind: ScalerKind;
  offset: number[];
  scale: number[];
}

/**
 * A fitted feature scaler: x' = (x − offset) / scale, per feature.
 *
 * @example
 * ```ts
 * const scaler = Scaler.fit(train.x, features, 'standard'); // statistics of the training rows only
 * const xTrain = scaler.transform(train.x);
 * const xTest = scaler.transform(test.x); // the same offsets and scales
 * ```
 */
export class Scaler {
  /**
   * @param kind how the statistics were chosen.
   * @param offset per feature: the mean (`standard`) or the minimum (`minmax`).
   * @param scale per feature: the standard deviation or the range; 1 where that is 0.
   * @example
   * ```ts
   * const identity = new Scaler('standard', new Float64Array([0, 0]), new Float64Array([1, 1]));
   * ```
   */
  constructor(
    readonly kind: ScalerKind,
    readonly offset: Float64Array,
    readonly scale: Float64Array,
  ) {
    checkOneOf('kind', kind, ['standard', 'minmax'] as const);
    if (!isFloat64Array(offset) || offset.length === 0)
      throw typeError('offset', 'a non-empty Float64Array', offset);
    if (!isFloat64Array(scale) || scale.length !== offset.length)
      throw typeError('scale', `a Float64Array of length ${offset.length}`, scale);
    offset.forEach((v, j) => {
      if (!Number.isFinite(v)) throw rangeError(`offset[${j}]`, 'a finite number', v);
    });
    scale.forEach((v, j) => {
      if (!(Number.isFinite(v) && v > 0)) throw rangeError(`scale[${j}]`, 'a finite number > 0', v);
    });
  }

  /**
   * Features per row.
   *
   * @example
   * ```ts
   * Scaler.fit(new Float32Array([1, 2, 3, 4]), 2).features; // 2
   * ```
   */
  get features(): number {
    return this.offset.length;
  }

  /**
   * Fit a scaler to `x` `[n, features]`, in float64. A constant feature gets scale 1, so it maps
   * to 0 rather than to NaN. The standard deviation is the population one (divided by n), as
   * scikit-learn's StandardScaler uses.
   *
   * @example
   * ```ts
   * const scaler = Scaler.fit(new Float32Array([1, 10, 3, 30]), 2, 'minmax'); // offset [1, 10], scale [2, 20]
   * ```
   */
  static fit(x: Float32Array, features: number, kind: ScalerKind = 'standard'): Scaler {
    const d = checkInt('features', features, 1, 1 << 24);
    checkOneOf('kind', kind, ['standard', 'minmax'] as const);
    const n = rowsOf('x', x, d);
    if (n === 0) throw shapeError('x', 'at least one row to fit a scaler to', 'none');
    const offset = new Float64Array(d);
    const scale = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      if (kind === 'minmax') {
        let min = Infinity;
        let max = -Infinity;
        for (let i = 0; i < n; i++) {
          const v = x[i * d + j];
          if (v < min) min = v;
          if (v > max) max = v;
        }
        offset[j] = min;
        scale[j] = max > min ? max - min : 1;
      } else {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += x[i * d + j];
        const mean = sum / n;
        let squares = 0;
        for (let i = 0; i < n; i++) squares += (x[i * d + j] - mean) ** 2;
        const std = Math.sqrt(squares / n);
        offset[j] = mean;
        scale[j] = std > 0 ? std : 1;
      }
    }
    return new Scaler(kind, offset, scale);
  }

  /**
   * The scaled copy of `x` `[n, features]` (float64 arithmetic, float32 result).
   *
   * @example
   * ```ts
   * const scaled = scaler.transform(new Float32Array([5.1, 3.5, 1.4, 0.2]));
   * ```
   */
  transform(x: Float32Array): Float32Array {
    const d = this.features;
    const n = rowsOf('x', x, d);
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) out[i * d + j] = (x[i * d + j] - this.offset[j]) / this.scale[j];
    }
    return out;
  }

  /**
   * The plain-data form, for a model file or JSON.
   *
   * @example
   * ```ts
   * const copy = Scaler.fromJSON(JSON.parse(JSON.stringify(scaler.toJSON())));
   * ```
   */
  toJSON(): ScalerJson {
    return { kind: this.kind, offset: Array.from(this.offset), scale: Array.from(this.scale) };
  }

  /**
   * A scaler from its {@link ScalerJson} form, every field checked.
   *
   * @example
   * ```ts
   * const scaler = Scaler.fromJSON({ kind: 'minmax', offset: [0, 10], scale: [1, 20] });
   * ```
   */
  static fromJSON(json: unknown): Scaler {
    if (json === null || typeof json !== 'object') throw typeError('scaler', 'an object', json);
    const { kind, offset, scale } = json as Partial<ScalerJson>;
    if (!Array.isArray(offset) || offset.some((v) => typeof v !== 'number'))
      throw typeError('scaler.offset', 'an array of numbers', offset);
    if (!Array.isArray(scale) || scale.some((v) => typeof v !== 'number'))
      throw typeError('scaler.scale', 'an array of numbers', scale);
    return new Scaler(
      checkOneOf('scaler.kind', kind, ['standard', 'minmax'] as const),
      Float64Array.from(offset),
      Float64Array.from(scale),
    );
  }
}

function rowsOf(name: string, x: unknown, d: number): number {
  if (!isFloat32Array(x)) throw typeError(name, `a Float32Array of rows of ${d}`, x);
  if (x.length % d !== 0)
    throw shapeError(name, `whole rows of ${d} features`, `length ${x.length}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw rangeError(`${name}[${i}]`, 'a finite number', x[i]);
  }
  return x.length / d;
}
