/**
 * Regression metrics from true and predicted values: mean absolute error, root mean squared error
 * and R² (the fraction of the target's variance the predictions explain), in float64.
 */
import { shapeError, typeError } from '../errors';
import { isArray } from '../validate';

/**
 * What {@link regressionMetrics} returns.
 * @example
 * ```ts
 * const { mae, rmse, r2 }: RegressionMetrics = regressionMetrics(truth, predicted);
 * ```
 */
export interface RegressionMetrics {
  /** Number of examples. */
  n: number;
  /** Mean of |predicted − true|. */
  mae: number;
  /** Square root of the mean of (predicted − true)². */
  rmse: number;
  /** 1 − Σ(predicted − true)² / Σ(true − mean)²: 1 is perfect, 0 is as good as the mean (NaN for a constant target). */
  r2: number;
}

function isNumbers(v: unknown): v is ArrayLike<number> {
  return (
    (ArrayBuffer.isView(v) && !(v instanceof DataView)) ||
    (isArray(v) && v.every((e) => typeof e === 'number'))
  );
}

/**
 * MAE, RMSE and R² of `predicted` against `truth` (one value per example).
 *
 * @example
 * ```ts
 * const m = regressionMetrics([1, 2, 3], [1, 2, 4]);
 * m.mae;  // 1 / 3
 * m.rmse; // Math.sqrt(1 / 3)
 * m.r2;   // 1 - 1 / 2 = 0.5
 * ```
 */
export function regressionMetrics(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
): RegressionMetrics {
  if (!isNumbers(truth)) throw typeError('truth', 'an array of numbers', truth);
  if (!isNumbers(predicted)) throw typeError('predicted', 'an array of numbers', predicted);
  const n = truth.length;
  if (predicted.length !== n)
    throw shapeError('predicted', `${n} values (one per true value)`, `length ${predicted.length}`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i];
  mean /= n;
  let abs = 0;
  let squares = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const e = predicted[i] - truth[i];
    abs += Math.abs(e);
    squares += e * e;
    total += (truth[i] - mean) ** 2;
  }
  return {
    n,
    mae: n === 0 ? NaN : abs / n,
    rmse: n === 0 ? NaN : Math.sqrt(squares / n),
    r2: total > 0 ? 1 - squares / total : NaN,
  };
}
