/**
 * Regression metrics, as scikit-learn defines them (its default `multioutput='uniform_average'`:
 * each figure per output, then the plain mean over the outputs):
 * MAE = mean |y − ŷ|, RMSE = √(mean (y − ŷ)²), R² = 1 − SS_res / SS_tot with
 * SS_res = Σ (y − ŷ)² and SS_tot = Σ (y − ȳ)². A constant target (SS_tot = 0) gets R² = 1 when
 * every prediction is exact and 0 otherwise, as sklearn's `force_finite=True` does.
 * Sums run in float64.
 */
import { shapeError, typeError } from './errors';
import { checkInt, isFloat32Array } from './validate';

/**
 * What {@link regressionMetrics} returns.
 *
 * @example
 * ```ts
 * const { mae, rmse, r2 }: RegressionMetrics = regressionMetrics(targets, predictions, 1);
 * ```
 */
export interface RegressionMetrics {
  /** Mean absolute error. */
  mae: number;
  /** Root mean squared error. */
  rmse: number;
  /** Coefficient of determination: 1 is perfect, 0 is as good as predicting the mean. */
  r2: number;
}

/**
 * Accumulates the sums of the metrics over chunks of rows (evaluation runs in bounded chunks);
 * the means of the targets come first, so SS_tot is summed around them, not from Σy².
 */
export class RegressionAccumulator {
  private readonly abs: Float64Array;
  private readonly squares: Float64Array;
  private readonly total: Float64Array;
  private readonly mean: Float64Array;
  private rows = 0;

  /** `targets` `[n, nOut]`: the whole set, for the means of its columns. */
  constructor(
    targets: Float32Array,
    private readonly nOut: number,
  ) {
    this.abs = new Float64Array(nOut);
    this.squares = new Float64Array(nOut);
    this.total = new Float64Array(nOut);
    this.mean = new Float64Array(nOut);
    const n = targets.length / nOut;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < nOut; j++) this.mean[j] += targets[i * nOut + j];
    for (let j = 0; j < nOut; j++) this.mean[j] /= n;
  }

  /** Add `count` rows of predictions `a` and their targets `y`, both `[count, nOut]`. */
  add(a: ArrayLike<number>, y: ArrayLike<number>, count: number): void {
    const nOut = this.nOut;
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < nOut; j++) {
        const t = y[i * nOut + j];
        const e = t - a[i * nOut + j];
        this.abs[j] += Math.abs(e);
        this.squares[j] += e * e;
        this.total[j] += (t - this.mean[j]) ** 2;
      }
    }
    this.rows += count;
  }

  /** The metrics of every row added so far. */
  result(): RegressionMetrics {
    const n = this.rows;
    let mae = 0;
    let rmse = 0;
    let r2 = 0;
    for (let j = 0; j < this.nOut; j++) {
      mae += this.abs[j] / n;
      rmse += Math.sqrt(this.squares[j] / n);
      const total = this.total[j];
      r2 += total > 0 ? 1 - this.squares[j] / total : this.squares[j] === 0 ? 1 : 0;
    }
    return { mae: mae / this.nOut, rmse: rmse / this.nOut, r2: r2 / this.nOut };
  }
}

/**
 * MAE, RMSE and R² of `predictions` against `targets`, both `[n, nOut]` row-major.
 *
 * @example
 * ```ts
 * regressionMetrics(new Float32Array([3, -0.5, 2, 7]), new Float32Array([2.5, 0, 2, 8]), 1);
 * // { mae: 0.5, rmse: 0.612..., r2: 0.948... } (sklearn's r2_score example)
 * ```
 */
export function regressionMetrics(
  targets: Float32Array,
  predictions: Float32Array,
  nOut = 1,
): RegressionMetrics {
  const width = checkInt('nOut', nOut, 1, 1 << 24);
  if (!isFloat32Array(targets)) throw typeError('targets', 'a Float32Array', targets);
  if (!isFloat32Array(predictions)) throw typeError('predictions', 'a Float32Array', predictions);
  if (targets.length === 0 || targets.length % width !== 0)
    throw shapeError(
      'targets',
      `a whole number (>= 1) of rows of ${width}`,
      `length ${targets.length}`,
    );
  if (predictions.length !== targets.length)
    throw shapeError(
      'predictions',
      `length ${targets.length} (as the targets)`,
      `length ${predictions.length}`,
    );
  const acc = new RegressionAccumulator(targets, width);
  acc.add(predictions, targets, targets.length / width);
  return acc.result();
}
