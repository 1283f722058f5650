/**
 * A race on shared memory: a worker thread flips one entry of a SharedArrayBuffer `order`
 * between a valid row and a row 4 G rows past the data, while this thread calls
 * `trainBatches` on it again and again for a bounded time. Every check of that entry may see the
 * valid value and a later read the bad one; an implementation that reads `order` more than once
 * (the native core's correct count once did, labels[order[r]], unchecked) then reads gigabytes
 * past a buffer. Run by test/08 in a child process, so a crash is a failure, not the end of mocha.
 */
import { Worker } from 'node:worker_threads';
import { getBackend } from '../../lib/backend/select';
import { makeSpec } from '../../lib/backend/spec';
import { ActivationCode, LossCode } from '../../lib/backend/types';

/** What one run saw: calls made, how many returned, and `<class> <code>` of those that threw. */
export interface RaceReport {
  backend: string;
  calls: number;
  returned: number;
  errors: Record<string, number>;
}

const N0 = 4;
const N1 = 8;
const N2 = 3;
const ROWS = 64;
const BATCH = 16;
/**
 * The entry the worker flips (in the last batch, so the checks at the start of a call and the
 * last batch's reads are far apart), and the bad row it writes there (far past every buffer).
 */
const FLIPPED = ROWS - 4;
const BAD_ROW = 0xf0000000;

const FLIPPER = `
  const { workerData, parentPort } = require('node:worker_threads');
  const order = new Uint32Array(workerData.order);
  const stop = new Int32Array(workerData.stop);
  parentPort.postMessage('started');
  // Each value stays a few microseconds, about as long as the checks at the start of a call.
  let spin = 0;
  while (Atomics.load(stop, 0) === 0) {
    Atomics.store(order, ${FLIPPED}, ${BAD_ROW});
    for (let j = 0; j < 4000; j++) spin += j;
    Atomics.store(order, ${FLIPPED}, ${FLIPPED});
    for (let j = 0; j < 4000; j++) spin += j;
  }
  parentPort.postMessage(spin > 0 ? 'stopped' : 'stopped.');
`;

/** Calls `getBackend(kind).trainBatches` for `millis` while a worker flips order[FLIPPED]. */
export async function raceSharedOrder(kind: 'native' | 'js', millis: number): Promise<RaceReport> {
  const be = getBackend(kind);
  // [4, 8, 3]: sigmoid hidden layer, softmax output, cross-entropy; 64 rows with labels.
  const spec = makeSpec([N0, N1, N2], [ActivationCode.Sigmoid, ActivationCode.Softmax]);
  const params = new Float32Array(N1 * N0 + N1 + N2 * N1 + N2).map((_, i) => ((i % 7) - 3) / 10);
  const x = new Float32Array(ROWS * N0).map((_, i) => (i % 5) / 5);
  const labels = new Uint8Array(ROWS).map((_, i) => i % N2);
  const y = new Float32Array(ROWS * N2);
  labels.forEach((label, r) => {
    y[r * N2 + label] = 1;
  });
  // (Filled in place: map() would return a copy in ordinary memory.)
  const order = new Uint32Array(new SharedArrayBuffer(ROWS * 4));
  for (let i = 0; i < ROWS; i++) order[i] = i;
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const units = BATCH * (N1 + N2);
  const worker = new Worker(FLIPPER, {
    eval: true,
    workerData: { order: order.buffer, stop: stop.buffer },
  });
  await new Promise((resolve) => worker.once('message', resolve));
  const report: RaceReport = { backend: kind, calls: 0, returned: 0, errors: {} };
  const began = Date.now();
  while (Date.now() - began < millis) {
    report.calls++;
    try {
      be.trainBatches(
        spec,
        params,
        new Float32Array(0),
        { x, xScale: 1, xOffset: 0, y, labels },
        {
          order,
          start: 0,
          batchSize: BATCH,
          batches: ROWS / BATCH,
          loss: LossCode.CrossEntropy,
          hyper: new Float64Array([0.01, 0, 0, 0]),
        },
        {
          z: new Float32Array(units),
          a: new Float32Array(units),
          delta: new Float32Array(units),
          xBatch: new Float32Array(BATCH * N0),
          yBatch: new Float32Array(BATCH * N2),
        },
        new Float64Array((2 * ROWS) / BATCH),
      );
      report.returned++;
    } catch (error) {
      const { name, code } = error as Error & { code?: unknown };
      const key = `${name} ${String(code ?? `uncoded: ${error}`)}`;
      report.errors[key] = (report.errors[key] ?? 0) + 1;
    }
  }
  Atomics.store(stop, 0, 1);
  await worker.terminate();
  return report;
}
