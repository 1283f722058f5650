/**
 * The worker thread of {@link trainInBackground}: builds the network, trains it with `fitSync`
 * (the worker has no event loop to keep free), posts progress, and sends back the parameters.
 * It stops between two batches once the shared abort flag is set, so the weights it returns
 * are always those of a whole step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getBackend } from '../backend/select';
import { getEncoding } from '../data';
import { Network } from '../network';
import { fitSync, type FitOptions } from '../train';
import type { WireError, WorkerInput, WorkerMessage } from './protocol';

function post(message: WorkerMessage, transfer?: ArrayBuffer[]): void {
  parentPort?.postMessage(message, transfer);
}

function wireError(error: unknown): WireError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      stack: error.stack,
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}

function run(input: WorkerInput): void {
  const flag = new Int32Array(input.abortFlag);
  const backend = getBackend(input.backend);
  if (input.threads !== null) backend.setThreads(input.threads);
  const net = new Network({
    sizes: input.sizes,
    activations: input.activations,
    dropout: input.dropout,
    task: input.task ?? undefined,
    init: input.init,
    seed: input.seed,
    backend,
  });
  if (input.params) net.params.set(input.params);
  post({ type: 'start', backend: backend.info() });

  const controller = new AbortController();
  const stopRequested = () => {
    if (!controller.signal.aborted && Atomics.load(flag, 0) !== 0) controller.abort();
  };
  stopRequested();
  const options: FitOptions = { ...input.fit, signal: controller.signal };
  if (input.validation) options.validation = input.validation;
  if (input.encoding !== null) {
    const encoding = getEncoding(input.encoding);
    const classes = input.classes ?? undefined;
    options.decode = (outputs, n) => encoding.decode(outputs, n, classes);
  }
  let lastReport = 0;
  options.onBatch = (report) => {
    stopRequested();
    const now = performance.now();
    if (report.batch === report.batches || now - lastReport >= input.batchReportMs) {
      lastReport = now;
      post({ type: 'batch', report });
    }
  };
  options.onEpoch = (report) => {
    post({ type: 'epoch', report });
    stopRequested();
  };
  const result = fitSync(net, input.data, options);
  const params = net.params;
  post({ type: 'done', params, result }, [params.buffer as ArrayBuffer]);
}

// Only as a worker thread (requiring this file elsewhere does nothing).
if (parentPort) {
  try {
    run(workerData as WorkerInput);
  } catch (error) {
    post({ type: 'error', error: wireError(error) });
  }
}
