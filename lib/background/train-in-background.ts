/**
 * Training off the main thread: {@link trainInBackground} trains a network in a `worker_threads`
 * Worker, so a server's event loop stays free however long training takes.
 *
 * Data crossing: by default the training and validation arrays are **copied** once into
 * `SharedArrayBuffer`s that the worker reads. The copy runs in 1 MB slices with the event loop
 * free in between (copying MNIST's 25 MB in one go blocks ~100 ms on a busy VM, a structured
 * clone ~200 ms), so do not modify the arrays until the `'start'` event; after that they are
 * the caller's again. With `transfer: true` their ArrayBuffers are **transferred** instead (no
 * copy at all; every view of those buffers in the calling thread becomes detached, length 0).
 * Arrays already over a `SharedArrayBuffer` are shared as they are (no copy; do not write to
 * them during training). The trained parameters come back transferred (no copy).
 */
import { EventEmitter } from 'node:events';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ActivationName } from '../activations';
import type { BackendName } from '../backend/select';
import type { BackendInfo } from '../backend/types';
import { type EncodingName, getEncoding } from '../data';
import { rangeError, typeError } from '../errors';
import { checkData, type TrainingData } from '../evaluate';
import type { InitName } from '../init';
import { isNetwork, Network } from '../network';
import type { BatchReport, EpochReport, FitResult } from '../train';
import {
  checkBoolean,
  checkFloat32Exact,
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  isAbortSignal,
} from '../validate';
import { frameOf, type PlainData, toTrainingData } from '../data/plain';
import type { Scaler } from '../data/scaler';
import type { Task } from '../task';
import type { WireData, WireError, WireFitOptions, WorkerInput, WorkerMessage } from './protocol';

/**
 * The network to train, built in the worker (or pass an existing {@link Network} to continue from it).
 * @example
 * ```ts
 * const network: BackgroundNetworkSpec = { sizes: [784, 100, 10], activations: ['sigmoid', 'softmax'], seed: 1 };
 * ```
 */
export interface BackgroundNetworkSpec {
  /** Layer sizes `[n0, ..., nL]`. */
  sizes: number[];
  /** One activation for every layer, or one per weight layer. Default `'sigmoid'`. */
  activations?: ActivationName | ActivationName[];
  /** Weight initialization. Default `'xavier'`. */
  init?: InitName;
  /** Seed of the initialization. Default 1. */
  seed?: number;
  /** Initial parameters in the flat layout (copied), instead of an initialization. */
  params?: Float32Array;
  /** Dropout rate of the hidden layers in training (see `NetworkOptions.dropout`). Default 0. */
  dropout?: number | number[];
  /** What the network is for (see `NetworkOptions.task`): the output activation and default loss. */
  task?: Task;
}

/**
 * Options of {@link trainInBackground}.
 * @example
 * ```ts
 * const options: BackgroundTrainingOptions = {
 *   network: { sizes: [784, 30, 10] }, data: train, validation: test,
 *   fit: { epochs: 30, batchSize: 10, learningRate: 3.0 }, backend: 'native', threads: 1,
 * };
 * ```
 */
export interface BackgroundTrainingOptions {
  /** What to train: a spec, or a Network whose sizes, activations and parameters are used (it is not modified). */
  network: BackgroundNetworkSpec | Network;
  /**
   * Training data `{ x [n, n0], y [n, nL], labels? }`: typed arrays, or plain arrays and class
   * names as `fitSync` takes them (converted, and scaled by the network's scaler, on this thread).
   */
  data: TrainingData | PlainData;
  /** Held-out data evaluated after every epoch (the same forms as `data`). */
  validation?: TrainingData | PlainData;
  /** The fit options that can cross threads (see `fit`; no callbacks, no schedule functions, built-in losses by name). */
  fit?: WireFitOptions;
  /** Decode outputs for accuracy with this label encoding (default: argmax, or > 0.5 for one output). */
  encoding?: EncodingName;
  /** Number of classes for the encoding's decoder (default 10). */
  classes?: number;
  /** The worker's backend: `'auto'` (default), `'native'` or `'js'`. */
  backend?: BackendName;
  /** BLAS threads in the worker (native only; default: the backend's). OpenBLAS's thread count is process-wide: this sets it for every thread. */
  threads?: number;
  /** The backend of the returned Network (default: the same choice as `backend`). */
  resultBackend?: BackendName;
  /** Stops training between two batches; the result then has `stopReason: 'aborted'`. */
  signal?: AbortSignal;
  /** Transfer the data's ArrayBuffers to the worker instead of copying them (the caller's arrays become detached). Default false. */
  transfer?: boolean;
  /** Least time between two batch reports, in ms (the last batch of an epoch is always reported). Default 100; 0 reports every batch. */
  batchReportMs?: number;
}

/**
 * A progress report of {@link BackgroundTraining}, tagged by kind.
 * @example
 * ```ts
 * for await (const r of job) if (r.type === 'batch') bar.update(r.batch / r.batches);
 * ```
 */
export type BackgroundReport =
  | ({ type: 'batch' } & BatchReport)
  | ({ type: 'epoch' } & EpochReport);

/**
 * What {@link BackgroundTraining.result} resolves with.
 * @example
 * ```ts
 * const { network, stopReason, history, backend } = await job.result;
 * saveNetwork(network, 'digits.blasnet');
 * ```
 */
export interface BackgroundResult extends FitResult {
  /** The trained network (on `resultBackend`). */
  network: Network;
  /** The backend the worker trained on. */
  backend: BackendInfo;
}

const OPTION_NAMES: (keyof BackgroundTrainingOptions)[] = [
  'network',
  'data',
  'validation',
  'fit',
  'encoding',
  'classes',
  'backend',
  'threads',
  'resultBackend',
  'signal',
  'transfer',
  'batchReportMs',
];
const FIT_NAMES: (keyof WireFitOptions)[] = [
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
  'targetLoss',
  'patience',
];
const BACKENDS: readonly BackendName[] = ['auto', 'native', 'js'];

/** The worker script and how to start it: compiled JS as is; under tsx (lib/*.ts), through tsx's CommonJS register. */
function workerEntry(): { filename: string; eval: boolean } {
  const ext = extname(__filename);
  const file = join(__dirname, `worker${ext}`);
  if (ext !== '.ts') return { filename: file, eval: false };
  const tsx = require.resolve('tsx/cjs/api');
  return {
    filename: `require(${JSON.stringify(tsx)}).register();\nrequire(${JSON.stringify(file)});`,
    eval: true,
  };
}

/** Rebuild an error from the worker with its class, message and code. */
function rebuildError(e: WireError): Error {
  const Ctor = e.name === 'TypeError' ? TypeError : e.name === 'RangeError' ? RangeError : Error;
  const error = new Ctor(e.message) as Error & { code?: string };
  if (e.code !== undefined) error.code = e.code;
  if (e.stack)
    error.stack = `${error.name}: ${e.message}\n    (in the training worker)\n${e.stack.split('\n').slice(1).join('\n')}`;
  return error;
}

/** Elements copied per slice: 1 MB of floats, a few ms at most, with the event loop free in between. */
const COPY_SLICE = 1 << 18;

/**
 * A copy of `a` in shared memory, made in slices between which the event loop runs. (Copying
 * MNIST's 25 MB in one go blocks ~100 ms on a busy VM, mostly page faults of the fresh memory;
 * a structured clone of it, ~200 ms.)
 */
async function shareCopy<T extends Float32Array | Uint8Array>(a: T): Promise<T> {
  const copy = new (a.constructor as new (b: SharedArrayBuffer) => T)(
    new SharedArrayBuffer(a.byteLength),
  );
  for (let start = 0; start < a.length; start += COPY_SLICE) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    copy.set(a.subarray(start, start + COPY_SLICE), start);
  }
  return copy;
}

/** Check a dataset's buffers and list what to transfer (transfer mode). */
function checkTransferable(name: string, data: TrainingData, list: Set<ArrayBuffer>): void {
  for (const key of ['x', 'y', 'labels'] as const) {
    const a = data[key];
    if (a === undefined || a.buffer instanceof SharedArrayBuffer) continue;
    if (a.buffer.byteLength === 0)
      throw rangeError(`${name}.${key}`, 'an array whose buffer is not detached', a);
    list.add(a.buffer as ArrayBuffer);
  }
}

/** The dataset as it goes to the worker: shared copies (copy mode) or the arrays themselves (transfer mode, or already shared). */
async function wire(data: TrainingData, transfer: boolean): Promise<WireData> {
  const pass = async <T extends Float32Array | Uint8Array>(a: T): Promise<T> =>
    transfer || a.buffer instanceof SharedArrayBuffer ? a : shareCopy(a);
  const out: WireData = { x: await pass(data.x), y: await pass(data.y) };
  if (data.labels) out.labels = await pass(data.labels);
  return out;
}

/**
 * A training run in a worker thread. Listen to its events, iterate its reports, await its result.
 *
 * Events: `'start'` (the worker's {@link BackendInfo}), `'batch'` ({@link BatchReport}, throttled
 * by `batchReportMs`), `'epoch'` ({@link EpochReport}), `'done'` ({@link BackgroundResult}),
 * `'error'` (only emitted when a listener is attached; the error always rejects {@link result}).
 *
 * @example
 * ```ts
 * const job = trainInBackground({ network: { sizes: [784, 100, 10], activations: ['sigmoid', 'softmax'] }, data: train });
 * job.on('epoch', (e) => console.log(e.epoch, e.loss));
 * const { network, stopReason } = await job.result;
 * ```
 */
export class BackgroundTraining extends EventEmitter implements AsyncIterable<BackgroundReport> {
  /** Resolves with the trained network and the stop reason; rejects with the worker's error (same class and `code`). */
  readonly result: Promise<BackgroundResult>;
  /** The worker's thread id once it has started (after the data is copied), else -1. */
  threadId = -1;
  private readonly reports: BackgroundReport[] = [];
  private finished = false;
  private failure: Error | undefined;
  private wake: (() => void)[] = [];
  private readonly flag: Int32Array;
  private backendInfo: BackendInfo | undefined;

  /**
   * @internal Made by {@link trainInBackground}, not by hand.
   * @example
   * ```ts
   * const job: BackgroundTraining = trainInBackground({ network: { sizes: [784, 30, 10] }, data: train });
   * ```
   */
  constructor(
    prepare: () => Promise<{ input: WorkerInput; transferList: ArrayBuffer[] }>,
    abortFlag: SharedArrayBuffer,
    private readonly network: {
      sizes: number[];
      activations: ActivationName[];
      backend: BackendName;
      dropout: number[];
      task?: Task;
      classes?: readonly string[];
      scaler?: Scaler;
    },
    signal: AbortSignal | undefined,
  ) {
    super();
    this.flag = new Int32Array(abortFlag);
    const onAbort = () => this.stop();
    if (signal?.aborted) this.stop();
    else signal?.addEventListener('abort', onAbort, { once: true });
    this.result = new Promise<BackgroundResult>((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | undefined, value?: BackgroundResult) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        this.finished = true;
        this.failure = error;
        this.wakeAll();
        if (error) {
          if (this.listenerCount('error') > 0) this.emit('error', error);
          reject(error);
        } else {
          this.emit('done', value);
          resolve(value as BackgroundResult);
        }
      };
      prepare().then(
        ({ input, transferList }) => {
          const entry = workerEntry();
          const worker = new Worker(entry.filename, {
            eval: entry.eval,
            workerData: input,
            transferList,
          });
          this.threadId = worker.threadId;
          worker.on('message', (m: WorkerMessage) => this.receive(m, settle));
          worker.on('error', (error) => settle(error));
          worker.on('exit', (code) => {
            if (!settled)
              settle(
                Object.assign(
                  new Error(`The training worker exited (code ${code}) before sending its result`),
                  { code: 'ERR_BLASNET_WORKER' },
                ),
              );
          });
        },
        (error: Error) => settle(error),
      );
    });
    // Errors reach users through result, the iterator and 'error' listeners; an unobserved
    // rejection must not crash the process on its own.
    this.result.catch(() => {});
  }

  private receive(
    m: WorkerMessage,
    settle: (error: Error | undefined, value?: BackgroundResult) => void,
  ): void {
    switch (m.type) {
      case 'start':
        this.backendInfo = m.backend;
        this.emit('start', m.backend);
        break;
      case 'batch':
        this.push({ type: 'batch', ...m.report });
        this.emit('batch', m.report);
        break;
      case 'epoch':
        this.push({ type: 'epoch', ...m.report });
        this.emit('epoch', m.report);
        break;
      case 'done':
        try {
          const { sizes, activations, backend, dropout, task, classes, scaler } = this.network;
          // The class names and the scaler travel with the result, as fitSync leaves them.
          const network = new Network({
            sizes,
            activations,
            backend,
            init: 'he',
            seed: 0,
            dropout,
            task,
            classes,
            scaler,
          });
          network.params.set(m.params);
          const info = this.backendInfo;
          // The worker posts 'start' before 'done', always: a miss is a bug in the protocol.
          if (!info) throw new Error('blasnet: internal error, the worker finished unstarted');
          settle(undefined, { ...m.result, network, backend: info });
        } catch (error) {
          settle(error as Error);
        }
        break;
      case 'error':
        settle(rebuildError(m.error));
        break;
    }
  }

  /**
   * Ask the worker to stop after the current batch (as an aborted signal does).
   * @example
   * ```ts
   * setTimeout(() => job.stop(), 60_000); // a minute of training at most
   * ```
   */
  stop(): void {
    Atomics.store(this.flag, 0, 1);
  }

  /**
   * Every report since the start, in order, then the end of training (the iterator throws the
   * training's error if it failed). Each iterator starts from the first report.
   *
   * @example
   * ```ts
   * for await (const r of job) if (r.type === 'epoch') console.log(r.epoch, r.validationAccuracy);
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncIterator<BackgroundReport> {
    let next = 0;
    for (;;) {
      while (next < this.reports.length) yield this.reports[next++];
      if (this.finished) {
        if (this.failure) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => this.wake.push(resolve));
    }
  }

  private push(report: BackgroundReport): void {
    this.reports.push(report);
    this.wakeAll();
  }

  private wakeAll(): void {
    const waiting = this.wake;
    this.wake = [];
    for (const w of waiting) w();
  }
}

/**
 * Train a network in a worker thread, off the event loop. The arguments are checked here (a bad
 * one throws at once); a failure during training (e.g. `ERR_BLASNET_DIVERGED`) rejects
 * `result` with the worker's error class and `code`. Cancel with `signal` (or `stop()`): the
 * worker stops between batches and `result` resolves with `stopReason: 'aborted'` and the
 * weights of the last whole step.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const job = trainInBackground({
 *   network: { sizes: [784, 100, 10], activations: ['sigmoid', 'softmax'], seed: 1 },
 *   data: { x: mnist.train.images, y: onehot.encode(mnist.train.labels, 10), labels: mnist.train.labels },
 *   fit: { epochs: 15, batchSize: 10, learningRate: 0.5 },
 *   signal: controller.signal,
 * });
 * for await (const r of job) if (r.type === 'epoch') console.log(`epoch ${r.epoch}: loss ${r.loss}`);
 * const { network, stopReason } = await job.result;
 * ```
 */
export function trainInBackground(options: BackgroundTrainingOptions): BackgroundTraining {
  const o = checkOptions<BackgroundTrainingOptions>('options', options, OPTION_NAMES);
  if (o.network === undefined)
    throw typeError(
      'options.network',
      'a network spec { sizes, activations?, init?, seed?, params?, dropout? } or a Network',
      o.network,
    );
  let spec: BackgroundNetworkSpec;
  let probe: Network;
  if (isNetwork(o.network)) {
    probe = o.network;
    spec = {
      sizes: [...probe.sizes],
      activations: [...probe.activations],
      params: probe.params,
      dropout: [...probe.dropout],
    };
  } else {
    spec = checkOptions<BackgroundNetworkSpec>('options.network', o.network, [
      'sizes',
      'activations',
      'init',
      'seed',
      'params',
      'dropout',
      'task',
    ]) as BackgroundNetworkSpec;
    // Build it here (on js, cheap) to check sizes, activations, init and seed before a thread starts.
    probe = new Network({
      sizes: spec.sizes,
      activations: spec.activations,
      init: spec.init,
      seed: spec.seed,
      backend: 'js',
      dropout: spec.dropout,
      task: spec.task,
    });
    if (spec.params !== undefined)
      checkFloat32Exact('options.network.params', spec.params, probe.params.length);
  }
  // Plain arrays and class names become typed arrays here, as fitSync converts them, and a
  // network's scaler scales the raw inputs: the worker trains on what fitSync would.
  const frame = frameOf(probe, true);
  const converted = toTrainingData('options.data', frame, o.data);
  if (converted.classes) frame.classes = converted.classes;
  frame.learnClasses = false;
  const data: TrainingData = { x: converted.x, y: converted.y };
  if (converted.labels) data.labels = converted.labels;
  checkData('options.data', probe, data);
  let validation: TrainingData | undefined;
  if (o.validation !== undefined) {
    const v = toTrainingData('options.validation', frame, o.validation);
    validation = { x: v.x, y: v.y };
    if (v.labels) validation.labels = v.labels;
    checkData('options.validation', probe, validation);
  }
  const fit = checkOptions<WireFitOptions>('options.fit', o.fit, FIT_NAMES);
  if (typeof fit.schedule === 'function')
    throw typeError(
      'options.fit.schedule',
      "'constant' or a schedule object (a function cannot cross to a worker thread)",
      fit.schedule,
    );
  if (fit.loss !== undefined && typeof fit.loss !== 'string')
    throw typeError(
      'options.fit.loss',
      'a built-in loss name (a Loss object cannot cross to a worker thread)',
      fit.loss,
    );
  if (o.encoding !== undefined) getEncoding(o.encoding);
  const classes = o.classes === undefined ? null : checkInt('options.classes', o.classes, 1, 256);
  const backend =
    o.backend === undefined ? 'auto' : checkOneOf('options.backend', o.backend, BACKENDS);
  const resultBackend =
    o.resultBackend === undefined
      ? backend
      : checkOneOf('options.resultBackend', o.resultBackend, BACKENDS);
  const threads = o.threads === undefined ? null : checkInt('options.threads', o.threads, 1, 1024);
  const transfer = o.transfer === undefined ? false : checkBoolean('options.transfer', o.transfer);
  const batchReportMs =
    o.batchReportMs === undefined ? 100 : checkNumber('options.batchReportMs', o.batchReportMs, 0);
  if (o.signal !== undefined && !isAbortSignal(o.signal))
    throw typeError('options.signal', 'an AbortSignal', o.signal);

  const list = new Set<ArrayBuffer>();
  if (transfer) {
    checkTransferable('options.data', data, list);
    if (validation) checkTransferable('options.validation', validation, list);
  }
  const abortFlag = new SharedArrayBuffer(4);
  const params = spec.params ? spec.params.slice() : null;
  const prepare = async () => {
    const input: WorkerInput = {
      sizes: [...probe.sizes],
      activations: [...probe.activations],
      dropout: [...probe.dropout],
      task: probe.task ?? null,
      init: spec.init,
      seed: spec.seed,
      params,
      data: await wire(data, transfer),
      validation: validation ? await wire(validation, transfer) : null,
      fit,
      encoding: o.encoding ?? null,
      classes,
      backend,
      threads,
      batchReportMs,
      abortFlag,
    };
    const transferList = [...list];
    if (params) transferList.push(params.buffer as ArrayBuffer);
    return { input, transferList };
  };
  return new BackgroundTraining(
    prepare,
    abortFlag,
    {
      sizes: [...probe.sizes],
      activations: [...probe.activations],
      backend: resultBackend,
      dropout: [...probe.dropout],
      task: probe.task,
      classes: frame.classes,
      scaler: probe.scaler,
    },
    o.signal,
  );
}
