/**
 * The SGD family: full-batch gradient descent (`batchSize: 'full'`), online SGD (`batchSize: 1`,
 * the lecture's algorithm) and mini-batch SGD, with schedules, momentum, Nesterov, L2 weight
 * decay, early stopping and callbacks. One loop, written as a generator that pauses after every
 * batch: {@link fitSync} runs it straight through, {@link fit} yields to the event loop.
 */
import { activation } from './activations';
import { FitProgress, seconds } from './fit-progress';
import { blasnetError, rangeError, shapeError, typeError } from './errors';
import { checkData, countCorrect, type Decoder, defaultLoss, type TrainingData } from './evaluate';
import { isBuiltin, loss as lossOf, type Loss, type LossName } from './losses';
import { argmaxRows, checkNetwork, type Network } from './network';
import { Random, range } from './random';
import { type Schedule, scheduleFunction } from './schedule';
import { TrainingStep } from './step';
import {
  fitStream,
  isTrainingStream,
  type StreamFitOptions,
  type TrainingStream,
} from './stream-fit';
import {
  checkAllFinite,
  checkBoolean,
  checkInt,
  checkNumber,
  checkOptions,
  isFloat32Array,
  isObject,
  isUint8Array,
  isAbortSignal,
} from './validate';

/**
 * Options of {@link fit} and {@link fitSync}.
 *
 * @example
 * ```ts
 * const options: FitOptions = { epochs: 30, batchSize: 10, learningRate: 3.0, seed: 1 };
 * fitSync(net, train, options);
 * ```
 */
export interface FitOptions {
  /** Passes over the training data. Default 10. */
  epochs?: number;
  /** Examples per mini-batch: 1 is online SGD, `'full'` is gradient descent. Default 10. */
  batchSize?: number | 'full';
  /** η, the base learning rate. Default 0.1. */
  learningRate?: number;
  /** α_i per epoch; see {@link Schedule}. Default `'constant'`. */
  schedule?: Schedule;
  /** μ in [0, 1). Default 0 (plain SGD). */
  momentum?: number;
  /** Nesterov's momentum instead of the classical one. Default false. */
  nesterov?: boolean;
  /** λ of L2 weight decay, Nielsen's form: w ← (1 − ηλ/n)w − η∂L/∂w (weights only). Default 0. */
  weightDecay?: number;
  /** A built-in loss name or a {@link Loss}. Default `'crossEntropy'` for a softmax output, else `'quadratic'`. */
  loss?: LossName | Loss;
  /** Reshuffle the examples every epoch. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffles. Default 1. */
  seed?: number;
  /** Held-out data, evaluated after every epoch. */
  validation?: TrainingData;
  /** Stop once an epoch's mean training loss is at or below this. */
  targetLoss?: number;
  /** Stop after this many epochs without a lower validation loss, and restore the best weights. */
  patience?: number;
  /** Class decoder for accuracy (default: argmax, or > 0.5 for one output). */
  decode?: Decoder;
  /** Called after every batch. */
  onBatch?: (report: BatchReport) => void;
  /** Called after every epoch. */
  onEpoch?: (report: EpochReport) => void;
  /** Stops training between two batches; the network keeps the weights of the last whole step. */
  signal?: AbortSignal;
  /** {@link fit} only: the longest stretch of training between two yields to the event loop, in ms. Default 10. */
  yieldEveryMs?: number;
}

/**
 * Progress after one mini-batch (training runs one backend call per batch while an `onBatch`
 * callback is set).
 *
 * @example
 * ```ts
 * fitSync(net, train, { onBatch: (b: BatchReport) => { if (b.batch % 1000 === 0) console.log(b.epoch, b.batch, b.loss); } });
 * ```
 */
export interface BatchReport {
  epoch: number;
  batch: number;
  /** Batches per epoch; NaN while unknown (the first epoch of a stream without `examples`). */
  batches: number;
  /** This batch's mean loss (before its update). */
  loss: number;
  /** Examples seen so far in this epoch. */
  examples: number;
  examplesPerSecond: number;
  /** Seconds since training started. */
  elapsed: number;
}

/**
 * Progress after one epoch.
 *
 * @example
 * ```ts
 * fitSync(net, train, { onEpoch: (e: EpochReport) => console.log(`epoch ${e.epoch}: ${e.seconds.toFixed(2)} s, accuracy ${e.accuracy}`) });
 * ```
 */
export interface EpochReport {
  epoch: number;
  /** Mean training loss over the epoch's batches (each before its update). */
  loss: number;
  /** Training accuracy over the epoch's batches, when labels are given. */
  accuracy?: number;
  validationLoss?: number;
  validationAccuracy?: number;
  learningRate: number;
  /** Seconds this epoch took (training only). */
  seconds: number;
  examplesPerSecond: number;
  /** Seconds since training started. */
  elapsed: number;
}

/**
 * Why training stopped.
 *
 * @example
 * ```ts
 * const reason: StopReason = fitSync(net, train, { targetLoss: 0.01 }).stopReason; // 'targetLoss' or 'epochs'
 * ```
 */
export type StopReason = 'epochs' | 'targetLoss' | 'earlyStopping' | 'aborted';

/**
 * What {@link fit} returns.
 *
 * @example
 * ```ts
 * const result: FitResult = fitSync(net, train, { epochs: 5 });
 * console.log(result.history.at(-1)?.loss, result.stopReason);
 * ```
 */
export interface FitResult {
  history: EpochReport[];
  stopReason: StopReason;
  /** With `patience`: the epoch whose weights were kept. */
  bestEpoch?: number;
  /** Seconds of the whole run. */
  elapsed: number;
}

/**
 * Training data whose inputs stay bytes as stored (pixels, say): each mini-batch's rows are
 * converted to floats as they are gathered, `fround(fround(byte · scale) + offset)`, so the whole
 * dataset never exists as floats (60,000 MNIST images are 47 MB as bytes, 188 MB as floats).
 * Accepted by {@link fitSync} and {@link fit} wherever a {@link TrainingData} is.
 *
 * @example
 * ```ts
 * const mnist = loadMnist({ dir: 'data/mnist' });
 * const y = getEncoding('onehot').encode(mnist.train.labels, mnist.classes);
 * fitSync(net, { bytes: mnist.train.bytes, scale: 1 / 255, y, labels: mnist.train.labels }, { epochs: 30 });
 * ```
 */
export interface ByteTrainingData {
  /** Inputs `[n, n0]`, one byte each. */
  bytes: Uint8Array;
  /** Multiplies each byte. Default 1/255 (pixels to [0, 1]). */
  scale?: number;
  /** Added after scaling. Default 0. */
  offset?: number;
  /** Targets `[n, nL]`. */
  y: Float32Array;
  /** Class of each example, for accuracy. */
  labels?: Uint8Array;
}

/** The training inputs as the loop uses them: floats, or bytes with their conversion. */
interface Source {
  x: Float32Array | Uint8Array;
  scale: number;
  offset: number;
  y: Float32Array;
  labels?: Uint8Array;
  n: number;
}

function checkSource(net: Network, data: TrainingData | ByteTrainingData): Source {
  if (!isObject(data) || !('bytes' in data)) {
    const n = checkData('data', net, data);
    const d = data as TrainingData;
    checkAllFinite('data.x', d.x);
    checkAllFinite('data.y', d.y);
    return { x: d.x, scale: 1, offset: 0, y: d.y, labels: d.labels, n };
  }
  const { bytes, y, labels } = data;
  if ('x' in data) throw rangeError('data', 'either x (floats) or bytes, not both', 'both');
  const n0 = net.inputSize;
  if (!isUint8Array(bytes))
    throw typeError('data.bytes', `a Uint8Array of rows of ${n0} inputs`, bytes);
  if (bytes.length === 0 || bytes.length % n0 !== 0)
    throw shapeError(
      'data.bytes',
      `a whole number (>= 1) of rows of ${n0} inputs`,
      `length ${bytes.length}`,
    );
  const n = bytes.length / n0;
  const nOut = net.outputSize;
  if (!isFloat32Array(y))
    throw typeError('data.y', `a Float32Array of ${n} rows of ${nOut} targets`, y);
  if (y.length !== n * nOut)
    throw shapeError(
      'data.y',
      `${n} rows of ${nOut} targets (length ${n * nOut})`,
      `length ${y.length}`,
    );
  if (labels !== undefined) {
    if (!isUint8Array(labels)) throw typeError('data.labels', 'a Uint8Array', labels);
    if (labels.length !== n)
      throw shapeError('data.labels', `${n} labels`, `length ${labels.length}`);
  }
  checkAllFinite('data.y', y);
  const scale = checkNumber('data.scale', data.scale ?? 1 / 255);
  const offset = checkNumber('data.offset', data.offset ?? 0);
  return { x: bytes, scale, offset, y, labels, n };
}

export const FIT_OPTION_NAMES: (keyof FitOptions)[] = [
  'epochs',
  'batchSize',
  'learningRate',
  'schedule',
  'momentum',
  'nesterov',
  'weightDecay',
  'loss',
  'shuffle',
  'seed',
  'validation',
  'targetLoss',
  'patience',
  'decode',
  'onBatch',
  'onEpoch',
  'signal',
  'yieldEveryMs',
];

export interface Settings {
  source: Source;
  epochs: number;
  batchSize: number;
  alpha: (epoch: number) => number;
  momentum: number;
  nesterov: boolean;
  l2: number;
  loss: Loss;
  shuffle: boolean;
  seed: number;
  targetLoss?: number;
  patience?: number;
  decode: Decoder;
  options: FitOptions;
}

function settle(
  net: Network,
  data: TrainingData | ByteTrainingData,
  options: FitOptions | undefined,
): Settings {
  checkNetwork('net', net);
  const opts = checkOptions<FitOptions>('options', options, FIT_OPTION_NAMES);
  const source = checkSource(net, data);
  return { source, ...checkFitOptions(net, opts, source.n) };
}

/**
 * The options checked for training `net` on `n` examples per epoch (Infinity: a stream of
 * batches of unknown length; stream-fit.ts refuses what needs n before).
 */
export function checkFitOptions(
  net: Network,
  opts: Partial<FitOptions>,
  n: number,
): Omit<Settings, 'source'> {
  if (opts.validation !== undefined) checkData('options.validation', net, opts.validation);
  net.activations.forEach((name, i) => {
    if (!activation(name).differentiable) {
      throw rangeError(
        `activations[${i}]`,
        'a differentiable activation for backpropagation (train heaviside units with the perceptron rule: see Perceptron)',
        name,
      );
    }
  });
  const loss = lossOf(opts.loss ?? defaultLoss(net), 'options.loss');
  const requires = 'requires' in loss ? (loss as { requires?: string }).requires : undefined;
  const output = net.activations[net.depth - 1];
  if (requires && output !== requires)
    throw rangeError(
      'options.loss',
      `a network whose output activation is ${requires} for ${loss.name}`,
      output,
    );
  const batchSize =
    opts.batchSize === 'full' ? n : checkInt('options.batchSize', opts.batchSize ?? 10, 1);
  const learningRate = checkNumber('options.learningRate', opts.learningRate ?? 0.1, 0);
  const momentum = checkNumber('options.momentum', opts.momentum ?? 0, 0, 0.999999);
  const weightDecay = checkNumber('options.weightDecay', opts.weightDecay ?? 0, 0);
  if (opts.patience !== undefined && opts.validation === undefined)
    throw rangeError(
      'options.patience',
      'validation data to go with it (options.validation)',
      opts.patience,
    );
  if (opts.signal !== undefined && !isAbortSignal(opts.signal))
    throw typeError('options.signal', 'an AbortSignal', opts.signal);
  for (const name of ['onBatch', 'onEpoch', 'decode'] as const) {
    if (opts[name] !== undefined && typeof opts[name] !== 'function')
      throw typeError(`options.${name}`, 'a function', opts[name]);
  }
  return {
    epochs: checkInt('options.epochs', opts.epochs ?? 10, 1),
    batchSize: Math.min(batchSize, n),
    alpha: scheduleFunction(opts.schedule, learningRate),
    momentum,
    nesterov: checkBoolean('options.nesterov', opts.nesterov ?? false),
    l2: weightDecay / n,
    loss,
    shuffle: checkBoolean('options.shuffle', opts.shuffle ?? true),
    seed: checkInt('options.seed', opts.seed ?? 1, 0, 0xffffffff),
    targetLoss:
      opts.targetLoss === undefined
        ? undefined
        : checkNumber('options.targetLoss', opts.targetLoss, 0),
    patience:
      opts.patience === undefined ? undefined : checkInt('options.patience', opts.patience, 1),
    decode: opts.decode ?? ((outputs: Float32Array) => argmaxRows(outputs, net.outputSize)),
    options: opts,
  };
}

/**
 * The step and its hyperparameters `[η (set per epoch), μ, nesterov, l2]` for training `net` with
 * `s`: one place for both loops, in memory (below) and on a stream (stream-fit.ts).
 */
export function optimizerOf(
  net: Network,
  s: Omit<Settings, 'source'>,
): { step: TrainingStep; hyper: Float64Array } {
  return {
    step: new TrainingStep(net, s.loss, s.batchSize, s.momentum > 0),
    hyper: new Float64Array([0, s.momentum, s.nesterov ? 1 : 0, s.l2]),
  };
}

/**
 * The loop; pauses after every batch, or after every chunk of batches on the fast path. Validation
 * happens before it starts. `chunkMs`: how long one backend call of the fast path may run
 * (Infinity: a whole epoch per call, for fitSync).
 */
function* trainingLoop(net: Network, s: Settings, chunkMs = Infinity): Generator<void, FitResult> {
  const data = s.source;
  const n = data.n;
  const { step, hyper } = optimizerOf(net, s);
  const order = range(n);
  const rng = new Random(s.seed);
  const batches = Math.ceil(n / s.batchSize);
  const snapshot = new Float32Array(net.params.length);
  const progress = new FitProgress(net, s);
  const { signal, onBatch } = s.options;
  // The fast path: many batches per backend call, each gathered straight from the dataset, the
  // step fused into backward, accuracy counted by the backend. It needs a built-in loss, the
  // default decoder (or no labels) and no per-batch callback; otherwise one call per batch.
  const fast =
    isBuiltin(s.loss) &&
    onBatch === undefined &&
    (data.labels === undefined || s.options.decode === undefined);
  const results = new Float64Array(fast ? 2 * batches : 0); // [loss, correct] per batch
  let perBatchMs = 0;

  for (let epoch = 0; epoch < s.epochs; epoch++) {
    if (s.shuffle) rng.shuffle(order);
    hyper[0] = s.alpha(epoch);
    snapshot.set(net.params);
    const epochStart = performance.now();
    let lossSum = 0;
    let correct = 0;
    for (let batch = 0; fast && batch < batches; ) {
      if (signal?.aborted) {
        checkFiniteAfterEpoch(net, snapshot, epoch, batches, hyper[0]);
        return progress.result('aborted');
      }
      // As many batches as fit in chunkMs at the pace of the last call (one to start with).
      const wanted =
        perBatchMs > 0
          ? Math.max(1, Math.floor(chunkMs / perBatchMs))
          : chunkMs === Infinity
            ? batches
            : 1;
      const count = Math.min(batches - batch, wanted);
      const t0 = performance.now();
      const done = step.runBatches(
        data.x,
        data.scale,
        data.offset,
        data.y,
        data.labels ?? null,
        order,
        batch * s.batchSize,
        count,
        hyper,
        results,
      );
      perBatchMs = (performance.now() - t0) / done;
      for (let b = 0; b < done; b++) {
        const value = results[2 * b];
        const start = (batch + b) * s.batchSize;
        if (!Number.isFinite(value)) {
          net.params.set(snapshot);
          throw diverged(value, epoch, batch + b, batches, hyper[0]);
        }
        lossSum += value * Math.min(s.batchSize, n - start);
        correct += results[2 * b + 1];
      }
      batch += done;
      yield;
    }
    for (let batch = 0; !fast && batch < batches; batch++) {
      if (signal?.aborted) {
        checkFiniteAfterEpoch(net, snapshot, epoch, batches, hyper[0]);
        return progress.result('aborted');
      }
      const start = batch * s.batchSize;
      const count = Math.min(s.batchSize, n - start);
      const value = step.run(data.x, data.y, order, start, count, hyper, data.scale, data.offset);
      if (!Number.isFinite(value)) {
        net.params.set(snapshot);
        throw diverged(value, epoch, batch, batches, hyper[0]);
      }
      lossSum += value * count;
      if (data.labels)
        correct += countCorrectIn(s.decode(step.outputs(count), count), data.labels, order, start);
      if (onBatch) {
        const examples = start + count;
        onBatch({
          epoch: epoch + 1,
          batch: batch + 1,
          batches,
          loss: value,
          examples,
          examplesPerSecond: examples / seconds(epochStart),
          elapsed: seconds(progress.started),
        });
      }
      yield;
    }
    // The losses above were each measured before their batch's step, so the epoch's last step
    // (an overflow to ±Infinity, say) is seen by nobody, and an infinite bias of a saturated
    // sigmoid or tanh unit leaves every later loss finite: check the weights themselves.
    checkFiniteAfterEpoch(net, snapshot, epoch, batches, hyper[0]);
    const accuracy = data.labels ? correct : undefined;
    const stop = progress.endEpoch(epoch, n, lossSum, accuracy, hyper[0], epochStart);
    if (stop) return progress.result(stop);
  }
  return progress.result('epochs');
}

export function diverged(
  value: number,
  epoch: number,
  batch: number,
  batches: number,
  learningRate: number,
): Error {
  return blasnetError(
    'ERR_BLASNET_DIVERGED',
    `Training diverged: the loss became ${value} at epoch ${epoch + 1}, batch ${batch + 1}${Number.isNaN(batches) ? '' : ` of ${batches}`}. ` +
      `The weights were restored to the start of epoch ${epoch + 1}. Try a lower learning rate (now ${learningRate}).`,
  );
}

/**
 * Throws the divergence error, with the weights restored to the start of the epoch, when the
 * steps taken so far in this epoch left a parameter NaN or infinite.
 */
export function checkFiniteAfterEpoch(
  net: Network,
  snapshot: Float32Array,
  epoch: number,
  batches: number,
  learningRate: number,
): void {
  const params = net.params;
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    // value - value is 0 for a finite number and NaN for NaN and ±Infinity: one test per element.
    if (value - value !== 0) {
      net.params.set(snapshot);
      throw blasnetError(
        'ERR_BLASNET_DIVERGED',
        `Training diverged: parameter ${i} became ${value} during epoch ${epoch + 1} while the losses of its ` +
          `${batches} batches stayed finite (each is measured before its step, and a saturated unit hides an infinite bias). ` +
          `The weights were restored to the start of epoch ${epoch + 1}. Try a lower learning rate (now ${learningRate}).`,
      );
    }
  }
}

function countCorrectIn(
  predicted: Uint8Array,
  labels: Uint8Array,
  order: Uint32Array,
  start: number,
): number {
  if (
    order[start] === start &&
    order[start + predicted.length - 1] === start + predicted.length - 1
  )
    return countCorrect(predicted, labels, start);
  let correct = 0;
  for (let i = 0; i < predicted.length; i++)
    if (predicted[i] === labels[order[start + i]]) correct++;
  return correct;
}

/**
 * Train `net` on `data`, synchronously: for scripts and benchmarks. Blocks the event loop until
 * done; servers should use {@link fit}.
 *
 * @example
 * ```ts
 * const net = new Network({ sizes: [2, 3, 1], seed: 3 });
 * const xor = { x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]), y: new Float32Array([0, 1, 1, 0]) };
 * fitSync(net, xor, { epochs: 2000, batchSize: 4, learningRate: 2 });
 * ```
 */
export function fitSync(
  net: Network,
  data: TrainingData | ByteTrainingData,
  options?: FitOptions,
): FitResult {
  if (isTrainingStream(data))
    throw typeError(
      'data',
      'data in memory { x, y, labels? } (await fit() to train on a stream)',
      data,
    );
  const loop = trainingLoop(net, settle(net, data, options));
  for (;;) {
    const next = loop.next();
    if (next.done) return next.value;
  }
}

/**
 * Train `net` on `data`, yielding to the event loop at least every `yieldEveryMs` (default 10 ms)
 * so a server stays responsive. Abort through `options.signal`: the promise resolves with
 * `stopReason: 'aborted'` and the weights of the last whole step. `data` may also be a
 * {@link TrainingStream} of batches, for data larger than memory (see docs/data-streaming.md).
 *
 * @example
 * ```ts
 * const result = await fit(net, train, {
 *   epochs: 30, batchSize: 10, learningRate: 3.0, validation: test,
 *   onEpoch: (e) => console.log(e.epoch, e.validationAccuracy),
 * });
 * ```
 */
export function fit(
  net: Network,
  data: TrainingData | ByteTrainingData,
  options?: FitOptions,
): Promise<FitResult>;
/**
 * Train `net` on a {@link TrainingStream} of batches, with memory bounded by the shuffle buffer.
 *
 * @example
 * ```ts
 * await fit(net, await csvBatches('big.csv', { target: 'species' }), { shuffleBuffer: 50_000 });
 * ```
 */
export function fit(
  net: Network,
  data: TrainingStream,
  options?: StreamFitOptions,
): Promise<FitResult>;
export async function fit(
  net: Network,
  data: TrainingData | ByteTrainingData | TrainingStream,
  options?: FitOptions | StreamFitOptions,
): Promise<FitResult> {
  if (isTrainingStream(data)) return fitStream(net, data, options);
  const s = settle(net, data, options);
  const budget = checkNumber('options.yieldEveryMs', s.options.yieldEveryMs ?? 10, 0);
  // Fast-path calls of half the budget, so the loop yields about every budget ms.
  const loop = trainingLoop(net, s, budget / 2);
  let last = performance.now();
  for (;;) {
    const next = loop.next();
    if (next.done) return next.value;
    if (performance.now() - last >= budget) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = performance.now();
    }
  }
}
