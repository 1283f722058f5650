/**
 * Loss and accuracy of a network over a whole dataset, in bounded chunks.
 */
import { blockOffset } from './backend/spec';
import { shapeError, typeError } from './errors';
import { checkOptions, isFloat32Array, isObject, isUint8Array } from './validate';
import { loss as lossOf, type Loss, type LossName } from './losses';
import { argmaxRows, checkNetwork, type Network } from './network';
import { frameOf, type PlainData, toTrainingData } from './data/plain';
import { RegressionAccumulator } from './regression-metrics';
import { classificationMetrics, type ClassMetrics } from './report/metrics';
import { classCount, isClassTask, TASKS } from './task';

/**
 * A labelled dataset: inputs `x` `[n, n0]`, targets `y` `[n, nL]`, and optional class labels.
 *
 * @example
 * ```ts
 * // XOR: four examples of two inputs, one target each
 * const xor: TrainingData = { x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]), y: new Float32Array([0, 1, 1, 0]), labels: new Uint8Array([0, 1, 1, 0]) };
 * ```
 */
export interface TrainingData {
  x: Float32Array;
  y: Float32Array;
  /** Class of each example, for accuracy (decoded from outputs by argmax, or by `decode`). */
  labels?: Uint8Array;
}

/**
 * Turns `[n, nL]` outputs into class labels (default: argmax, or > 0.5 for one output).
 *
 * @example
 * ```ts
 * const strict: Decoder = (outputs) => Uint8Array.from(outputs, (v) => (v > 0.9 ? 1 : 0));
 * evaluate(net, data, { decode: strict });
 * ```
 */
export type Decoder = (outputs: Float32Array, n: number) => Uint8Array;

/**
 * What {@link evaluate} measures.
 *
 * @example
 * ```ts
 * const { loss, accuracy, n }: Evaluation = evaluate(net, test);
 * console.log(`loss ${loss.toFixed(4)}, accuracy ${accuracy} over ${n} examples`); // accuracy undefined without labels
 * ```
 */
export interface Evaluation {
  /** Mean loss over the dataset. */
  loss: number;
  /** Fraction of examples classified correctly, when labels are given. */
  accuracy?: number;
  /** Number of examples. */
  n: number;
  /** Task `'regression'`: mean absolute error (see {@link regressionMetrics}). */
  mae?: number;
  /** Task `'regression'`: root mean squared error. */
  rmse?: number;
  /** Task `'regression'`: R² = 1 − SS_res / SS_tot. */
  r2?: number;
  /** Tasks `'classification'` and `'binary'`: `confusion[t][p]`, examples of class t predicted as p. */
  confusion?: number[][];
  /** Tasks `'classification'` and `'binary'`: precision, recall, F1 and support of each class. */
  perClass?: ClassMetrics[];
  /** The network's class names, in the order of `confusion` and `perClass`, when it has them. */
  classes?: string[];
}

const CHUNK = 1024;

/** Check a dataset against a network; returns the number of examples. */
export function checkData(name: string, net: Network, data: unknown): number {
  if (!isObject(data)) throw typeError(name, 'an object { x, y, labels? }', data);
  const { x, y, labels } = data as TrainingData;
  const n = net.rowsOf(`${name}.x`, x);
  if (!isFloat32Array(y))
    throw typeError(`${name}.y`, `a Float32Array of ${n} rows of ${net.outputSize} targets`, y);
  if (y.length !== n * net.outputSize)
    throw shapeError(
      `${name}.y`,
      `${n} rows of ${net.outputSize} targets (length ${n * net.outputSize})`,
      `length ${y.length}`,
    );
  if (labels !== undefined) {
    if (!isUint8Array(labels)) throw typeError(`${name}.labels`, 'a Uint8Array', labels);
    if (labels.length !== n)
      throw shapeError(`${name}.labels`, `${n} labels`, `length ${labels.length}`);
  }
  return n;
}

/**
 * Mean loss and accuracy of `net` over `data`.
 *
 * @example
 * ```ts
 * const { loss, accuracy } = evaluate(net, { x: testX, y: testY, labels: testLabels }, { loss: 'crossEntropy' });
 * ```
 */
export function evaluate(
  net: Network,
  data: TrainingData | PlainData,
  options: { loss?: LossName | Loss; decode?: Decoder } = {},
): Evaluation {
  checkNetwork('net', net);
  const opts = checkOptions<{ loss?: LossName | Loss; decode?: Decoder }>('options', options, [
    'loss',
    'decode',
  ]);
  return evaluateConverted(net, toTrainingData('data', frameOf(net), data), opts);
}

/**
 * {@link evaluate} of data already converted (and scaled) for `net`: fit's validation, converted
 * once before the first epoch.
 */
export function evaluateConverted(
  net: Network,
  data: TrainingData,
  opts: { loss?: LossName | Loss; decode?: Decoder },
): Evaluation {
  const n = checkData('data', net, data);
  const loss = lossOf(opts.loss ?? defaultLoss(net), 'options.loss');
  if (opts.decode !== undefined && typeof opts.decode !== 'function')
    throw typeError('options.decode', 'a function (outputs, n) => Uint8Array', opts.decode);
  const decode = opts.decode ?? ((outputs: Float32Array) => argmaxRows(outputs, net.outputSize));
  const { layout } = net;
  const n0 = net.inputSize;
  const nOut = net.outputSize;
  const rows = Math.min(n, CHUNK);
  const z = new Float32Array(rows * layout.unitsPerExample);
  const a = new Float32Array(rows * layout.unitsPerExample);
  let total = 0;
  let correct = 0;
  const task = net.task;
  const predicted = isClassTask(task) && data.labels ? new Uint8Array(n) : undefined;
  const regression = task === 'regression' ? new RegressionAccumulator(data.y, nOut) : undefined;
  for (let start = 0; start < n; start += rows) {
    const count = Math.min(rows, n - start);
    net.backend.forward(
      net.spec,
      net.params,
      data.x.subarray(start * n0, (start + count) * n0),
      count,
      z,
      a,
    );
    const off = blockOffset(layout, layout.L, count);
    const aOut = a.subarray(off, off + count * nOut);
    total +=
      loss.value(
        aOut,
        data.y.subarray(start * nOut, (start + count) * nOut),
        count,
        nOut,
        z.subarray(off, off + count * nOut),
      ) * count;
    if (data.labels) {
      const decoded = decode(aOut, count);
      correct += countCorrect(decoded, data.labels, start);
      predicted?.set(decoded.subarray(0, count), start);
    }
    regression?.add(aOut, data.y.subarray(start * nOut, (start + count) * nOut), count);
  }
  const result: Evaluation = { loss: total / n, n };
  if (data.labels) result.accuracy = correct / n;
  if (regression) Object.assign(result, regression.result());
  if (predicted && data.labels && isClassTask(task)) {
    const m = classificationMetrics(data.labels, predicted, classCount(task, nOut));
    result.confusion = m.matrix;
    result.perClass = m.perClass;
    if (net.classes) result.classes = [...net.classes];
  }
  return result;
}

/** How many of `predicted` equal `labels[start + i]`. */
export function countCorrect(predicted: Uint8Array, labels: Uint8Array, start: number): number {
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[start + i]) correct++;
  return correct;
}

/**
 * The natural loss for a network: its task's (see {@link TASKS}); without a task, cross-entropy
 * for a softmax output, else the lecture's quadratic.
 */
export function defaultLoss(net: Network): LossName {
  if (net.task !== undefined) return TASKS[net.task].loss;
  return net.activations[net.depth - 1] === 'softmax' ? 'crossEntropy' : 'quadratic';
}
