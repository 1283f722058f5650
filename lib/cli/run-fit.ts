/**
 * Training under the CLI, shared by `train` on digits and on CSV tables: live progress, Ctrl-C
 * that stops after the current batch (a second one quits at once), a divergence error that names
 * the learning rate, and the environment record of the run.
 */
import * as os from 'node:os';
import type { Backend } from '../backend/types';
import type { Network } from '../network';
import { type BatchReport, fit, type FitOptions, type FitResult } from '../train';
import type { TrainingData } from '../evaluate';
import { version } from '../version';
import { CliError, EXIT_CODES } from './errors';
import type { Output } from './io';
import { createProgress } from './progress';

/** What {@link runFit} returns: fit's result and the last batch whose step completed. */
export interface CliFitResult {
  result: FitResult;
  /** fit checks the signal only between batches, so after Ctrl-C the weights are exactly those after it. */
  lastBatch: BatchReport | undefined;
}

/** Train `net` on `train` with progress on `out`; Ctrl-C aborts after the current batch. */
export async function runFit(
  net: Network,
  train: TrainingData,
  options: FitOptions & { epochs: number; learningRate: number },
  out: Output,
  heldOut: 'validation' | 'test',
): Promise<CliFitResult> {
  const controller = new AbortController();
  const progress = createProgress(out, options.epochs, heldOut);
  let lastBatch: BatchReport | undefined;
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT_CODES.interrupted);
    // The bar first: it clears its line, so the notice gets a line of its own and stays.
    progress.interrupt();
    out.note('blasnet: interrupted; stopping after this batch (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  let result: FitResult;
  try {
    result = await fit(net, train, {
      ...options,
      signal: controller.signal,
      onBatch: (r) => {
        lastBatch = r;
        progress.batch(r);
      },
      onEpoch: (r) => progress.epoch(r),
    });
  } catch (error) {
    progress.stop();
    const e = error as Error & { code?: string };
    if (e.code === 'ERR_BLASNET_DIVERGED')
      throw new CliError(e.code, `${e.message} (--learning-rate ${options.learningRate})`);
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  progress.stop();
  return { result, lastBatch };
}

/** The run's environment, for the JSON records, the model file and the report. */
export function environmentOf(be: Backend): Record<string, string | number | null> {
  const info = be.info();
  return {
    backend: info.name,
    blas: info.blas,
    threads: info.threads,
    binary: info.binary ?? null,
    blasnet: version,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
  };
}

/** Where an interrupted run stopped, in words and as data. */
interface Interruption {
  /** The weights are those after batch `batch` (of `batches`) of epoch `epoch`; batch 0: none of it. */
  weightsAsOf: { epoch: number; batch: number; batches: number };
  /** `interrupted in epoch 3 after batch 120 of 600`, for the summary line. */
  text: string;
  /** What the saved model holds, in words. */
  saved: string;
}

/**
 * Describe an interrupted run truthfully: `last` is the last batch whose step completed (fit
 * stops only between batches), so the weights are exactly those after it.
 */
export function interruption(
  last: Pick<BatchReport, 'epoch' | 'batch' | 'batches'> | undefined,
  batches: number,
  epochs: number,
): Interruption {
  if (last === undefined) {
    return {
      weightsAsOf: { epoch: 1, batch: 0, batches },
      text: 'interrupted before the first batch',
      saved: 'the initial weights (no batch was trained)',
    };
  }
  const weightsAsOf = { epoch: last.epoch, batch: last.batch, batches: last.batches };
  if (last.batch === last.batches) {
    return {
      weightsAsOf,
      text: `interrupted after epoch ${last.epoch} of ${epochs}, at the end of the epoch`,
      saved: `the weights as of the end of epoch ${last.epoch}`,
    };
  }
  return {
    weightsAsOf,
    text: `interrupted in epoch ${last.epoch} after batch ${last.batch} of ${last.batches}`,
    saved: `the weights as of that batch (epoch ${last.epoch}, batch ${last.batch} of ${last.batches})`,
  };
}
