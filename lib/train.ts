/**
 * The SGD family: full-batch gradient descent (`batchSize: 'full'`), online SGD (`batchSize: 1`,
 * the lecture's algorithm) and mini-batch SGD, with schedules, momentum, Nesterov, L2 weight
 * decay, early stopping and callbacks. One loop, written as a generator that pauses after every
 * batch: {@link fitSync} runs it straight through, {@link fit} yields to the event loop.
 */
import { activation } from './activations';
import { FitProgress, seconds } from './fit-progress';
import { blasnetError, rangeError, shapeError, typeError } from './errors';
import {
  checkData,
  countCorrect,
  type Decoder,
  defaultLoss,
  type Evaluation,
  type TrainingData,
} from './evaluate';
import { type DataFrame, frameOf, type PlainData, toInputs, toTrainingData } from './data/plain';
import { Scaler, type ScalerKind } from './data/scaler';
import { divergenceAdvice } from './divergence-hint';
import { isBuiltin, loss as lossOf, type Loss, type LossName } from './losses';
import { argmaxRows, checkNetwork, type Network } from './network';
import { type Optimizer, type OptimizerSettings, resolveOptimizer } from './optimizers';
import { Random, range } from './random';
import { type Schedule, scheduleFunction } from './schedule';
import { Stepper } from './stepper';
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
  checkOneOf,
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
  /**
   * `'sgd'`, `'adam'`, `'adamw'`, `'rmsprop'` or an object with their options, as PyTorch's
   * torch.optim (see {@link Optimizer}, docs/optimizers.md). The optimizer's state lives on across
   * calls and starts over when the optimizer or its options change. Default `'sgd'`.
   */
  optimizer?: Optimizer;
  /** SGD's μ in [0, 1). Default 0 (plain SGD). */
  momentum?: number;
  /** SGD: Nesterov's momentum instead of the classical one. Default false. */
  nesterov?: boolean;
  /**
   * λ of L2 weight decay, Nielsen's form: l2 = λ/n·w added to the gradient of the weights (never
   * the biases), for every optimizer; plain SGD then gives w ← (1 − ηλ/n)w − η∂L/∂w. AdamW's
   * decoupled decay is its own `optimizer.weightDecay`. Default 0.
   */
  weightDecay?: number;
  /**
   * Clip the gradient to this global L2 norm before each step, as torch.nn.utils.clip_grad_norm_
   * (one backend call for the gradient, one for the step, per batch). Default: no clipping.
   */
  clipNorm?: number;
  /** A built-in loss name or a {@link Loss}. Default `'crossEntropy'` for a softmax output, else `'quadratic'`. */
  loss?: LossName | Loss;
  /** Reshuffle the examples every epoch. Default true. */
  shuffle?: boolean;
  /**
   * Seed of the shuffles (a stream apart from the initial weights') and of the dropout masks when
   * the network has dropout. Both continue across calls with the same seed (the masks are counted
   * by the optimizer steps taken); another seed restarts them. Default 1.
   */
  seed?: number;
  /** Held-out data, evaluated after every epoch (typed or plain, like the training data). */
  validation?: TrainingData | PlainData;
  /**
   * Fit a {@link Scaler} of this kind on the training inputs given here (never the validation
   * data), attach it as `net.scaler` (replacing any), and train on the scaled copy. From then on
   * every entry point takes raw inputs. Default: keep the network's scaler, if any.
   */
  scale?: ScalerKind;
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
  /** For a network with a task: the validation data's whole {@link Evaluation} (R², per-class F1, ...). */
  validationMetrics?: Evaluation;
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

function checkSource(
  net: Network,
  data: TrainingData | PlainData | ByteTrainingData,
  frame: DataFrame,
): Source & { classes?: string[] } {
  if (!isObject(data) || !('bytes' in data)) {
    const d = toTrainingData('data', frame, data);
    const n = checkData('data', net, d);
    checkAllFinite('data.x', d.x);
    checkAllFinite('data.y', d.y);
    return { x: d.x, scale: 1, offset: 0, y: d.y, labels: d.labels, n, classes: d.classes };
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
  // A scaler needs the inputs as floats: the whole set is converted once, then scaled.
  if (frame.scaler)
    return {
      x: frame.scaler.transform(bytesToFloats(bytes, scale, offset)),
      scale: 1,
      offset: 0,
      y,
      labels,
      n,
    };
  return { x: bytes, scale, offset, y, labels, n };
}

/** Bytes as the fast path converts them: `fround(fround(byte · scale) + offset)`. */
function bytesToFloats(bytes: Uint8Array, scale: number, offset: number): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++)
    out[i] = Math.fround(Math.fround(bytes[i] * scale) + offset);
  return out;
}

/** The raw training inputs as floats, to fit a scaler on. */
function rawInputs(net: Network, data: TrainingData | PlainData | ByteTrainingData): Float32Array {
  if (isObject(data) && 'bytes' in data && isUint8Array(data.bytes)) {
    const scale = checkNumber('data.scale', data.scale ?? 1 / 255);
    const offset = checkNumber('data.offset', data.offset ?? 0);
    return bytesToFloats(data.bytes, scale, offset);
  }
  if (!isObject(data)) throw typeError('data', 'an object { x, y, labels? }', data);
  return toInputs('data.x', (data as PlainData).x, net.inputSize);
}

export const FIT_OPTION_NAMES: (keyof FitOptions)[] = [
  'epochs',
  'batchSize',
  'learningRate',
  'schedule',
  'optimizer',
  'momentum',
  'nesterov',
  'weightDecay',
  'clipNorm',
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
  'scale',
];

export interface Settings {
  source: Source;
  /** The validation data, converted and scaled once. */
  validation?: TrainingData;
  /** What the divergence error advises, at a learning rate. */
  advice: (learningRate: number) => string;
  epochs: number;
  batchSize: number;
  alpha: (epoch: number) => number;
  optimizer: OptimizerSettings;
  l2: number;
  clipNorm?: number;
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
  data: TrainingData | PlainData | ByteTrainingData,
  options: FitOptions | undefined,
): Settings {
  checkNetwork('net', net);
  const opts = checkOptions<FitOptions>('options', options, FIT_OPTION_NAMES);
  const frame = frameOf(net, true);
  if (opts.scale !== undefined) {
    const kind = checkOneOf('options.scale', opts.scale, ['standard', 'minmax'] as const);
    frame.scaler = Scaler.fit(rawInputs(net, data), net.inputSize, kind);
  }
  const source = checkSource(net, data, frame);
  // Validation labels are named by the training data's classes (found there, or the network's).
  if (source.classes) frame.classes = source.classes;
  const settings: Settings = {
    source,
    advice: (rate) =>
      divergenceAdvice(
        source.x,
        net.inputSize,
        source.scale,
        source.offset,
        frame.scaler !== undefined,
        rate,
      ),
    ...checkFitOptions(net, opts, source.n, frame),
  };
  // Everything is checked: the network takes the scaler and class names it trains with.
  if (frame.scaler !== net.scaler) net.scaler = frame.scaler;
  if (source.classes) net.classes = source.classes;
  return settings;
}

/**
 * The options checked for training `net` on `n` examples per epoch (Infinity: a stream of
 * batches of unknown length; stream-fit.ts refuses what needs n before). `frame` converts the
 * validation data: the network's scaler (or the one being fitted) and class names.
 */
export function checkFitOptions(
  net: Network,
  opts: Partial<FitOptions>,
  n: number,
  frame: DataFrame,
): Omit<Settings, 'source' | 'advice'> {
  frame.learnClasses = false;
  let validation: TrainingData | undefined;
  if (opts.validation !== undefined) {
    validation = toTrainingData('options.validation', frame, opts.validation);
    checkData('options.validation', net, validation);
  }
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
    validation,
    epochs: checkInt('options.epochs', opts.epochs ?? 10, 1),
    batchSize: Math.min(batchSize, n),
    alpha: scheduleFunction(opts.schedule, learningRate),
    optimizer: resolveOptimizer(
      opts.optimizer,
      'options.optimizer',
      momentum,
      checkBoolean('options.nesterov', opts.nesterov ?? false),
    ),
    l2: weightDecay / n,
    clipNorm: opts.clipNorm === undefined ? undefined : checkClipNorm(opts.clipNorm),
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

function checkClipNorm(value: unknown): number {
  const v = checkNumber('options.clipNorm', value, 0);
  if (v === 0) throw rangeError('options.clipNorm', 'a finite number > 0', v);
  return v;
}

/**
 * The loop; pauses after every batch, or after every chunk of batches on the fast path. Validation
 * happens before it starts. `chunkMs`: how long one backend call of the fast path may run
 * (Infinity: a whole epoch per call, for fitSync).
 */
function* trainingLoop(net: Network, s: Settings, chunkMs = Infinity): Generator<void, FitResult> {
  const data = s.source;
  const n = data.n;
  const stepper = new Stepper(net, s);
  const { st, hyper } = stepper;
  const clip = s.clipNorm;
  const order = range(n);
  const batches = Math.ceil(n / s.batchSize);
  const progress = new FitProgress(net, s);
  const { signal, onBatch } = s.options;
  // The fast path: many batches per backend call, each gathered straight from the dataset, the
  // step fused into backward, accuracy counted by the backend. It needs a built-in loss, the
  // default decoder (or no labels), no per-batch callback and no clipping (which needs the whole
  // gradient before the step); otherwise one call per batch.
  const fast =
    isBuiltin(s.loss) &&
    onBatch === undefined &&
    clip === undefined &&
    (data.labels === undefined || s.options.decode === undefined);
  const results = new Float64Array(fast ? 2 * batches : 0); // [loss, correct] per batch
  let perBatchMs = 0;

  for (let epoch = 0; epoch < s.epochs; epoch++) {
    const restore = stepper.restorePoint();
    if (s.shuffle) {
      // Each epoch a fresh permutation of 0..n−1 from the stream, so that where a call ends does
      // not change the next epoch's order.
      for (let i = 0; i < n; i++) order[i] = i;
      const rng = Random.restore(st.shuffle);
      rng.shuffle(order);
      st.shuffle = rng.save();
    }
    hyper[0] = s.alpha(epoch);
    const epochStart = performance.now();
    let lossSum = 0;
    let correct = 0;
    for (let batch = 0; fast && batch < batches; ) {
      if (signal?.aborted) {
        checkFiniteAfterEpoch(net, restore, epoch, batches, () => s.advice(hyper[0]));
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
      const done = stepper.many(
        data.x,
        data.scale,
        data.offset,
        data.y,
        data.labels ?? null,
        order,
        batch * s.batchSize,
        count,
        results,
      );
      perBatchMs = (performance.now() - t0) / done;
      for (let b = 0; b < done; b++) {
        const value = results[2 * b];
        const start = (batch + b) * s.batchSize;
        if (!Number.isFinite(value)) {
          restore();
          throw diverged(value, epoch, batch + b, batches, s.advice(hyper[0]));
        }
        lossSum += value * Math.min(s.batchSize, n - start);
        correct += results[2 * b + 1];
      }
      batch += done;
      yield;
    }
    for (let batch = 0; !fast && batch < batches; batch++) {
      if (signal?.aborted) {
        checkFiniteAfterEpoch(net, restore, epoch, batches, () => s.advice(hyper[0]));
        return progress.result('aborted');
      }
      const start = batch * s.batchSize;
      const count = Math.min(s.batchSize, n - start);
      const value = stepper.one(data.x, data.y, order, start, count, data.scale, data.offset);
      if (!Number.isFinite(value)) {
        restore();
        throw diverged(value, epoch, batch, batches, s.advice(hyper[0]));
      }
      lossSum += value * count;
      if (data.labels)
        correct += countCorrectIn(
          s.decode(stepper.step.outputs(count), count),
          data.labels,
          order,
          start,
        );
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
    checkFiniteAfterEpoch(net, restore, epoch, batches, () => s.advice(hyper[0]));
    st.epochs += 1;
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
  advice: string,
): Error {
  return blasnetError(
    'ERR_BLASNET_DIVERGED',
    `Training diverged: the loss became ${value} at epoch ${epoch + 1}, batch ${batch + 1}${Number.isNaN(batches) ? '' : ` of ${batches}`}. ` +
      `The weights were restored to the start of epoch ${epoch + 1}. ${advice}`,
  );
}

/**
 * Throws the divergence error, with the weights restored to the start of the epoch, when the
 * steps taken so far in this epoch left a parameter NaN or infinite.
 */
export function checkFiniteAfterEpoch(
  net: Network,
  restore: () => void,
  epoch: number,
  batches: number,
  /** Computed only when it throws: the advice may sum over the whole dataset. */
  advice: () => string,
): void {
  const params = net.params;
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    // value - value is 0 for a finite number and NaN for NaN and ±Infinity: one test per element.
    if (value - value !== 0) {
      restore();
      throw blasnetError(
        'ERR_BLASNET_DIVERGED',
        `Training diverged: parameter ${i} became ${value} during epoch ${epoch + 1} while the losses of its ` +
          `${batches} batches stayed finite (each is measured before its step, and a saturated unit hides an infinite bias). ` +
          `The weights were restored to the start of epoch ${epoch + 1}. ${advice()}`,
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
  data: TrainingData | PlainData | ByteTrainingData,
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
  data: TrainingData | PlainData | ByteTrainingData,
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
  data: TrainingData | PlainData | ByteTrainingData | TrainingStream,
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
