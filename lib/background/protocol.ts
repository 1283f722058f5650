/**
 * The messages between {@link trainInBackground} and its worker thread.
 *
 * Main → worker (once, as `workerData`): the network, the data, the fit options and a shared
 * abort flag (an `Int32Array` over a `SharedArrayBuffer`: the worker trains synchronously, so it
 * cannot receive messages mid-run; it reads the flag between batches instead).
 *
 * Worker → main: `start` (its backend), `batch` (throttled), `epoch`, then `done` (the final
 * parameters, transferred) or `error` (the error's class, message, code and stack).
 */
import type { Task } from '../task';
import type { ActivationName } from '../activations';
import type { BackendName } from '../backend/select';
import type { BackendInfo } from '../backend/types';
import type { EncodingName } from '../data';
import type { InitName } from '../init';
import type { LossName } from '../losses';
import type { Optimizer } from '../optimizers';
import type { BatchReport, EpochReport, FitResult } from '../train';

/** A dataset as it crosses to the worker. */
export interface WireData {
  x: Float32Array;
  y: Float32Array;
  labels?: Uint8Array;
}

/**
 * The fit options that can cross a thread boundary (no functions): `fit`'s, with built-in losses by name.
 * @example
 * ```ts
 * const fit: WireFitOptions = { epochs: 30, batchSize: 10, learningRate: 0.5, loss: 'crossEntropy', momentum: 0.9 };
 * ```
 */
export interface WireFitOptions {
  epochs?: number;
  batchSize?: number | 'full';
  learningRate?: number;
  schedule?:
    | 'constant'
    | { type: 'step'; every: number; factor: number }
    | { type: 'exponential'; decay: number }
    | { type: 'inverse'; decay: number };
  /** See `FitOptions.optimizer` (docs/optimizers.md). The optimizer's state stays in the worker. */
  optimizer?: Optimizer;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  clipNorm?: number;
  loss?: LossName;
  shuffle?: boolean;
  seed?: number;
  targetLoss?: number;
  patience?: number;
}

/** `workerData`. */
export interface WorkerInput {
  sizes: number[];
  activations: ActivationName[];
  /** Dropout rate of each hidden layer. */
  dropout: number[];
  /** The network's task (its default loss), or null. */
  task: Task | null;
  init: InitName | undefined;
  seed: number | undefined;
  params: Float32Array | null;
  data: WireData;
  validation: WireData | null;
  fit: WireFitOptions;
  encoding: EncodingName | null;
  classes: number | null;
  backend: BackendName;
  threads: number | null;
  batchReportMs: number;
  /** `Int32Array(1)` over a SharedArrayBuffer: 1 = stop between batches. */
  abortFlag: SharedArrayBuffer;
}

/** An error as it crosses back. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

/** What the worker posts. */
export type WorkerMessage =
  | { type: 'start'; backend: BackendInfo }
  | { type: 'batch'; report: BatchReport }
  | { type: 'epoch'; report: EpochReport }
  | { type: 'done'; params: Float32Array; result: FitResult }
  | { type: 'error'; error: WireError };
