/**
 * Training on data larger than memory: {@link fit} on an async iterable of mini-batches (rows read
 * from a CSV file, pages of a database cursor) instead of arrays in memory. The rows are re-batched
 * to `batchSize` and shuffled within a seeded buffer of `shuffleBuffer` rows, so memory holds that
 * buffer and one batch, never the epoch. With a buffer that holds the whole epoch, the batches,
 * and so the trained parameters, are bit for bit those of `fit` on the same rows in memory.
 */
import { type DataFrame, frameOf, type PlainData, toTrainingData } from './data/plain';
import { Scaler } from './data/scaler';
import { ShuffleBuffer } from './data/shuffle-buffer';
import { divergenceAdvice } from './divergence-hint';
import { rangeError, shapeError, typeError } from './errors';
import { checkData, type TrainingData } from './evaluate';
import { FitProgress, seconds } from './fit-progress';
import { isBuiltin } from './losses';
import { checkNetwork, type Network } from './network';
import { Random } from './random';
import { Stepper } from './stepper';
import {
  checkFitOptions,
  checkFiniteAfterEpoch,
  diverged,
  FIT_OPTION_NAMES,
  type FitOptions,
  type FitResult,
} from './train';
import { checkAllFinite, checkInt, checkNumber, checkOptions, isObject } from './validate';

/**
 * One element of a {@link TrainingStream}: any number (>= 1) of rows, re-batched by `fit` to its
 * `batchSize`. Typed arrays as here, or plain arrays as {@link PlainData} (class names as targets
 * need a network with `classes`). Inputs are raw: a network's `scaler` scales them, as `fit` in
 * memory does (but for a stream that scaled them with that same scaler: a {@link CsvBatches} read
 * with `scale`).
 *
 * @example
 * ```ts
 * const batch: StreamBatch = { x: new Float32Array([0, 1, 1, 0]), y: new Float32Array([1, 1]) }; // 2 rows of a [2, …, 1] net
 * ```
 */
export interface StreamBatch {
  /** Inputs `[rows, n0]`. */
  x: Float32Array;
  /** Targets `[rows, nL]`. */
  y: Float32Array;
  /** Class of each row, for accuracy: in every batch of a stream or in none. */
  labels?: Uint8Array;
}

/**
 * Training data read batch by batch, for {@link fit}. Each epoch reads it again, so it must
 * restart: an object whose `[Symbol.asyncIterator]()` starts over (like {@link CsvBatches},
 * which reopens its file), or a function that returns a new async iterable each time it is called
 * (an `async function*`, say). A one-shot iterable (an async generator object, a Node stream)
 * trains one epoch only: with `epochs` > 1 it is refused before training starts. An error while
 * an epoch is read (a bad batch, say) leaves the network with the weights of that epoch's start.
 *
 * @example
 * ```ts
 * const stream: TrainingStream = async function* () {
 *   for (const page of await db.pages()) yield { x: page.features, y: page.targets };
 * };
 * await fit(net, stream, { epochs: 5, shuffleBuffer: 100_000 });
 * ```
 */
export type TrainingStream =
  | AsyncIterable<StreamBatch | PlainData>
  | (() => AsyncIterable<StreamBatch | PlainData>);

/**
 * Options of {@link fit} on a {@link TrainingStream}: those of {@link FitOptions} (but
 * `batchSize: 'full'`), and the buffer's size.
 *
 * @example
 * ```ts
 * const options: StreamFitOptions = { epochs: 10, batchSize: 32, shuffleBuffer: 50_000, seed: 7 };
 * await fit(net, await csvBatches('big.csv', { target: 'label' }), options);
 * ```
 */
export interface StreamFitOptions extends FitOptions {
  /**
   * Rows held to shuffle among (the memory bound: this many rows, plus one batch). Default 10,000.
   * Ignored with `shuffle: false`, which trains on the rows in the order they come.
   */
  shuffleBuffer?: number;
  /**
   * The rows of an epoch, when known: checked at the end of every epoch, needed by `weightDecay`
   * (Nielsen's λ/n), and it gives `onBatch` its `batches` from the first epoch on.
   */
  examples?: number;
}

const DEFAULT_SHUFFLE_BUFFER = 10_000;

/**
 * Whether `data` is a {@link TrainingStream} rather than arrays in memory: a function, or an
 * object with `Symbol.asyncIterator`.
 */
export function isTrainingStream(data: unknown): data is TrainingStream {
  return typeof data === 'function' || (isObject(data) && Symbol.asyncIterator in data);
}

/** A source that can be read once only: an iterator (an async generator object) or a Node stream. */
function isOneShot(data: object): boolean {
  const d = data as { next?: unknown; pipe?: unknown; read?: unknown };
  return (
    typeof d.next === 'function' || (typeof d.pipe === 'function' && typeof d.read === 'function')
  );
}

/** The async iterable of epoch `epoch`. */
function openEpoch(data: TrainingStream): AsyncIterable<unknown> {
  if (typeof data !== 'function') return data;
  const iterable = (data as () => unknown)();
  if (!isObject(iterable) || !(Symbol.asyncIterator in iterable))
    throw typeError('data', 'a function that returns an AsyncIterable of batches', iterable);
  return iterable as AsyncIterable<unknown>;
}

/**
 * One batch as the stream gave it, converted (plain arrays, class names) and scaled by the
 * network's scaler (plain.ts), and checked: whole rows of the network's sizes, finite, labels in
 * every batch or in none. `name` is the batch's place in the stream, e.g. `data[3]` (0-based).
 */
function readBatch(
  net: Network,
  frame: DataFrame,
  raw: unknown,
  name: string,
  labeled: boolean | undefined,
): TrainingData {
  if (!isObject(raw) || Symbol.asyncIterator in raw)
    throw typeError(name, 'a batch { x, y, labels? }', raw);
  const batch = toTrainingData(name, frame, raw);
  checkData(name, net, batch);
  checkAllFinite(`${name}.x`, batch.x);
  checkAllFinite(`${name}.y`, batch.y);
  const hasLabels = batch.labels !== undefined;
  if (labeled !== undefined && hasLabels !== labeled)
    throw typeError(
      `${name}.labels`,
      labeled ? 'labels, as the first batch has' : 'no labels, as the first batch has none',
      batch.labels,
    );
  return batch;
}

/** {@link fit} on a stream: train.ts dispatches here. */
export async function fitStream(
  net: Network,
  data: TrainingStream,
  options: StreamFitOptions | undefined,
): Promise<FitResult> {
  checkNetwork('net', net);
  const names = [...FIT_OPTION_NAMES, 'shuffleBuffer', 'examples'] as (keyof StreamFitOptions)[];
  const opts = checkOptions<StreamFitOptions>('options', options, names);
  if (opts.batchSize === 'full')
    throw rangeError(
      'options.batchSize',
      "a number for a stream (a full batch would hold the whole epoch in memory; 'full' needs data in memory)",
      opts.batchSize,
    );
  const examples =
    opts.examples === undefined ? undefined : checkInt('options.examples', opts.examples, 1);
  // (A weightDecay of the wrong kind is checkFitOptions' to name.)
  if (typeof opts.weightDecay === 'number' && opts.weightDecay > 0 && examples === undefined)
    throw rangeError(
      'options.examples',
      "the rows per epoch with weightDecay on a stream (its decay is Nielsen's λ/n)",
      undefined,
    );
  if (opts.scale !== undefined)
    throw rangeError(
      'options.scale',
      'no scale option for a stream (a scaler is fitted on data in memory: fit a Scaler on a sample, set net.scaler, and the raw rows of the stream are scaled by it)',
      opts.scale,
    );
  if (isTrainingStream(opts.validation))
    throw typeError(
      'options.validation',
      'validation data in memory { x, y, labels? } (a stream is not evaluated every epoch: evaluate a sample of it)',
      opts.validation,
    );
  const capacity = checkInt(
    'options.shuffleBuffer',
    opts.shuffleBuffer ?? DEFAULT_SHUFFLE_BUFFER,
    1,
    2 ** 30,
  );
  // The network's scaler and class names convert the batches and the validation data.
  const frame = frameOf(net);
  const s = checkFitOptions(net, opts, examples ?? Infinity, frame);
  const budget = checkNumber('options.yieldEveryMs', opts.yieldEveryMs ?? 10, 0);
  if (!isTrainingStream(data)) throw typeError('data', 'a TrainingStream', data);
  const batchFrame = prescaledFrame(net, data, frame);
  if (typeof data !== 'function' && s.epochs > 1 && isOneShot(data))
    throw typeError(
      'data',
      `a stream that restarts for each of the ${s.epochs} epochs (an object whose [Symbol.asyncIterator]() starts over, or a function returning a new async iterable: () => source), or epochs: 1`,
      data,
    );
  return new StreamTraining(net, s, batchFrame, capacity, examples, budget).run(data);
}

/**
 * How the stream's batches are converted: with the network's scaler, as `fit` in memory does,
 * except where the stream says it has scaled them already (a {@link CsvBatches} read with
 * `scale` has its scaler as `scaler`). Rows scaled by the network's own scaler (the same object,
 * or one with the same statistics) are not scaled again; rows scaled by another are refused,
 * since training on them would scale them twice.
 */
function prescaledFrame(net: Network, data: TrainingStream, frame: DataFrame): DataFrame {
  const own = (data as { scaler?: unknown }).scaler;
  if (!(own instanceof Scaler) || net.scaler === undefined) return frame;
  const same =
    own === net.scaler || JSON.stringify(own.toJSON()) === JSON.stringify(net.scaler.toJSON());
  if (!same)
    throw rangeError(
      'data.scaler',
      "rows scaled by net.scaler, or raw rows (the stream's rows are scaled by its own scaler already, and net.scaler would scale them again: read them without `scale`, or with `scale: net.scaler`)",
      own,
    );
  return { ...frame, scaler: undefined };
}

type StreamSettings = ReturnType<typeof checkFitOptions>;

/** The training loop over a stream: one epoch per reading of the source. */
class StreamTraining {
  private readonly stepper: Stepper;
  private readonly hyper: Float64Array;
  private readonly progress: FitProgress;
  /** This epoch's draws: the network's shuffle stream (training-state.ts); null without shuffling. */
  private rng: Random | null = null;
  /** Puts back the weights and training state of the epoch's start. */
  private restore: () => void = () => {};
  private buffer: ShuffleBuffer | undefined;
  private fast = false;
  private labeled: boolean | undefined;
  private lastYield = performance.now();
  private perBatchMs = 0;
  /** Batches of the last whole epoch (or from `examples`); NaN before. */
  private batchesPerEpoch: number;
  // Per epoch:
  private epoch = 0;
  private epochStart = 0;
  private batch = 0;
  /** Rows read, and rows trained on. */
  private rows = 0;
  private trained = 0;
  private lossSum = 0;
  private correct = 0;

  constructor(
    private readonly net: Network,
    private readonly s: StreamSettings,
    private readonly frame: DataFrame,
    private readonly capacity: number,
    private readonly examples: number | undefined,
    private readonly budget: number,
  ) {
    // The optimizer state, steps (and so dropout masks) and shuffle stream continue from the last
    // call, as in memory.
    this.stepper = new Stepper(net, s);
    this.hyper = this.stepper.hyper;
    this.progress = new FitProgress(net, s);
    this.batchesPerEpoch = examples === undefined ? Number.NaN : Math.ceil(examples / s.batchSize);
  }

  async run(data: TrainingStream): Promise<FitResult> {
    const { s, net, hyper, stepper } = this;
    const st = stepper.st;
    for (let epoch = 0; epoch < s.epochs; epoch++) {
      this.epoch = epoch;
      hyper[0] = s.alpha(epoch);
      this.restore = stepper.restorePoint();
      // The epoch's draws continue the stream where the last epoch (or call) left it; a buffer that
      // holds the epoch draws exactly the in-memory order.
      this.rng = s.shuffle ? Random.restore(st.shuffle) : null;
      this.epochStart = performance.now();
      this.batch = 0;
      this.rows = 0;
      this.trained = 0;
      this.lossSum = 0;
      this.correct = 0;
      this.buffer?.reset(this.rng);
      let finished: boolean;
      try {
        finished = await this.trainEpoch(data, epoch);
      } catch (error) {
        // A bad batch, a stream that fails, a diverging loss: the weights and state of the epoch's
        // start.
        this.restore();
        throw error;
      }
      if (this.rng) st.shuffle = this.rng.save();
      if (!finished) return this.abort();
      this.batchesPerEpoch = this.batch;
      checkFiniteAfterEpoch(net, this.restore, epoch, this.batch, () => this.advice());
      st.epochs += 1;
      const correct = this.labeled ? this.correct : undefined;
      const stop = this.progress.endEpoch(
        epoch,
        this.rows,
        this.lossSum,
        correct,
        hyper[0],
        this.epochStart,
      );
      if (stop) return this.progress.result(stop);
    }
    return this.progress.result('epochs');
  }

  /** Reads and trains on one epoch of the stream; false when aborted (between two batches). */
  private async trainEpoch(data: TrainingStream, epoch: number): Promise<boolean> {
    const { s, net } = this;
    const name = epoch === 0 ? 'data' : `data (epoch ${epoch + 1})`;
    let index = 0;
    for await (const raw of openEpoch(data)) {
      const batch = readBatch(net, this.frame, raw, `${name}[${index}]`, this.labeled);
      index++;
      const buffer = this.bufferFor(batch);
      for (let row = 0; row < batch.x.length / net.inputSize; ) {
        row += buffer.add(batch.x, batch.y, batch.labels, row);
        if (buffer.batchCount < s.batchSize) continue;
        if (!this.train(buffer, 0, buffer.batchCount, 1)) return false;
        buffer.release(buffer.batchCount);
        await this.pause();
      }
      this.rows += batch.x.length / net.inputSize;
      await this.pause();
    }
    const buffer = this.buffer;
    if (buffer === undefined || this.rows === 0)
      throw typeError(
        'data',
        epoch === 0
          ? 'a stream of at least one batch'
          : `a stream that restarts for every epoch, but it gave no rows in epoch ${epoch + 1} (a one-shot iterable? pass () => source, or an object whose [Symbol.asyncIterator]() starts over)`,
        data,
      );
    if (this.examples !== undefined && this.rows !== this.examples)
      throw shapeError(
        'data',
        `${this.examples} rows in every epoch (options.examples)`,
        `${this.rows} in epoch ${epoch + 1}`,
      );
    // The end of the stream: the rows still held, the batch being formed first.
    const total = buffer.drain();
    for (let start = 0; start < total; ) {
      const left = Math.ceil((total - start) / s.batchSize);
      const wanted =
        this.perBatchMs > 0 ? Math.max(1, Math.floor(this.budget / 2 / this.perBatchMs)) : 1;
      const count = Math.min(left, wanted);
      if (!this.train(buffer, start, total, count)) return false;
      start += count * s.batchSize;
      await this.pause();
    }
    return true;
  }

  /** The buffer, made at the first batch (which says whether there are labels). */
  private bufferFor(first: TrainingData): ShuffleBuffer {
    if (this.buffer) return this.buffer;
    const { s, net } = this;
    this.labeled = first.labels !== undefined;
    const shuffle = s.shuffle;
    this.buffer = new ShuffleBuffer(
      shuffle ? this.capacity : 0,
      s.batchSize,
      net.inputSize,
      net.outputSize,
      this.labeled,
      this.rng,
    );
    // The same choice as training in memory makes (train.ts): the fused multi-batch call for a
    // built-in loss without a per-batch callback, clipping or a decoder for labels, else one
    // step a batch.
    const { onBatch, decode } = s.options;
    this.fast =
      isBuiltin(s.loss) &&
      onBatch === undefined &&
      s.clipNorm === undefined &&
      (!this.labeled || decode === undefined);
    return this.buffer;
  }

  /**
   * Trains `count` batches on the rows `order[start .. min(start + count·batchSize, end))` of the
   * buffer. False when training was aborted (nothing trained).
   */
  private train(buffer: ShuffleBuffer, start: number, end: number, count: number): boolean {
    const { s, stepper } = this;
    if (s.options.signal?.aborted) return false;
    const order = buffer.order.subarray(0, end);
    const labels = this.labeled ? buffer.labels : null;
    if (this.fast) {
      const results = new Float64Array(2 * count);
      const t0 = performance.now();
      const done = stepper.many(buffer.x, 1, 0, buffer.y, labels, order, start, count, results);
      this.perBatchMs = (performance.now() - t0) / done;
      for (let b = 0; b < done; b++) {
        const first = start + b * s.batchSize;
        this.record(results[2 * b], Math.min(s.batchSize, end - first), results[2 * b + 1]);
      }
      return true;
    }
    for (let b = 0; b < count; b++) {
      const first = start + b * s.batchSize;
      const rows = Math.min(s.batchSize, end - first);
      const value = stepper.one(buffer.x, buffer.y, order, first, rows);
      let correct = 0;
      if (labels) {
        const predicted = s.decode(stepper.step.outputs(rows), rows);
        for (let i = 0; i < rows; i++) if (predicted[i] === labels[order[first + i]]) correct++;
      }
      this.record(value, rows, correct);
    }
    return true;
  }

  /** Adds a batch's loss and correct count to the epoch's; stops on a loss that is not finite. */
  private record(value: number, rows: number, correct: number): void {
    // run() restores the weights of the epoch's start.
    if (!Number.isFinite(value))
      throw diverged(value, this.epoch, this.batch, this.batchesPerEpoch, this.advice());
    this.batch++;
    this.lossSum += value * rows;
    this.correct += correct;
    this.trained += rows;
    const examples = this.trained;
    const onBatch = this.s.options.onBatch;
    onBatch?.({
      epoch: this.epoch + 1,
      batch: this.batch,
      batches: this.batchesPerEpoch,
      loss: value,
      examples,
      examplesPerSecond: examples / seconds(this.epochStart),
      elapsed: seconds(this.progress.started),
    });
  }

  /** Stopped through the signal between two batches: the weights of the last whole step. */
  private abort(): FitResult {
    checkFiniteAfterEpoch(this.net, this.restore, this.epoch, this.batch, () => this.advice());
    return this.progress.result('aborted');
  }

  /**
   * What a divergence error advises (divergence-hint.ts), judged on the rows the buffer has held:
   * a sample of the stream, as training saw it (scaled, with a scaler).
   */
  private advice(): string {
    const { net, buffer } = this;
    const n0 = net.inputSize;
    const x = buffer ? buffer.x.subarray(0, buffer.used * n0) : new Float32Array(0);
    return divergenceAdvice(x, n0, 1, 0, net.scaler !== undefined, this.hyper[0]);
  }

  /** Yields to the event loop when `budget` ms have passed since the last time. */
  private async pause(): Promise<void> {
    if (performance.now() - this.lastYield < this.budget) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
  }
}
