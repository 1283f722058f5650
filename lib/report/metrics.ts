/**
 * Classification metrics from true and predicted labels: the confusion matrix, accuracy and
 * per-class precision and recall. Shared by the CLI's `evaluate` and the HTML report.
 */
import { rangeError, shapeError, typeError } from '../errors';
import { checkInt, isUint8Array } from '../validate';

/**
 * Precision, recall and support of one class.
 * @example
 * ```ts
 * const { precision, recall, support } = classificationMetrics(labels, predicted, 10).perClass[7];
 * ```
 */
export interface ClassMetrics {
  /** The class label. */
  label: number;
  /** Of the examples predicted as this class, the fraction that are (NaN when none were predicted). */
  precision: number;
  /** Of the examples of this class, the fraction predicted as it (NaN when there are none). */
  recall: number;
  /** The harmonic mean of precision and recall, 2PR / (P + R): 0 when both are 0, NaN when either is. */
  f1: number;
  /** Examples of this class. */
  support: number;
  /** Examples predicted as this class. */
  predicted: number;
}

/**
 * What {@link classificationMetrics} returns.
 * @example
 * ```ts
 * const m: ClassificationMetrics = classificationMetrics(labels, predicted, 10);
 * m.matrix[4][9]; // fours taken for nines
 * ```
 */
export interface ClassificationMetrics {
  /** Number of examples. */
  n: number;
  /** Examples classified correctly. */
  correct: number;
  /** `correct / n`. */
  accuracy: number;
  /** `matrix[t][p]`: examples of true class t predicted as p. */
  matrix: number[][];
  /** One entry per class, in label order. */
  perClass: ClassMetrics[];
}

/**
 * The confusion matrix and per-class precision and recall of `predicted` against `labels`.
 *
 * @param labels true classes `[n]`, each < `classes`.
 * @param predicted predicted classes `[n]`, each < `classes`.
 * @param classes number of classes (rows and columns of the matrix).
 * @example
 * ```ts
 * const m = classificationMetrics(new Uint8Array([0, 1, 1]), new Uint8Array([0, 1, 0]), 2);
 * m.accuracy;            // 2 / 3
 * m.matrix;              // [[1, 0], [1, 1]]
 * m.perClass[0].precision; // 0.5
 * ```
 */
export function classificationMetrics(
  labels: Uint8Array,
  predicted: Uint8Array,
  classes: number,
): ClassificationMetrics {
  if (!isUint8Array(labels)) throw typeError('labels', 'a Uint8Array', labels);
  if (!isUint8Array(predicted)) throw typeError('predicted', 'a Uint8Array', predicted);
  if (predicted.length !== labels.length)
    throw shapeError(
      'predicted',
      `${labels.length} labels (one per true label)`,
      `length ${predicted.length}`,
    );
  const c = checkInt('classes', classes, 1, 256);
  const matrix = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    const p = predicted[i];
    if (t >= c) throw rangeError(`labels[${i}]`, `a label in [0, ${c - 1}]`, t);
    if (p >= c) throw rangeError(`predicted[${i}]`, `a label in [0, ${c - 1}]`, p);
    matrix[t][p]++;
    if (t === p) correct++;
  }
  const perClass: ClassMetrics[] = [];
  for (let k = 0; k < c; k++) {
    let support = 0;
    let predictedAs = 0;
    for (let j = 0; j < c; j++) {
      support += matrix[k][j];
      predictedAs += matrix[j][k];
    }
    const hit = matrix[k][k];
    const precision = predictedAs === 0 ? NaN : hit / predictedAs;
    const recall = support === 0 ? NaN : hit / support;
    perClass.push({
      label: k,
      precision,
      recall,
      f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
      support,
      predicted: predictedAs,
    });
  }
  const n = labels.length;
  return { n, correct, accuracy: n === 0 ? NaN : correct / n, matrix, perClass };
}
