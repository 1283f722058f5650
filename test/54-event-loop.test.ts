/**
 * Training must not freeze a server's event loop. The event loop's delay is measured with
 * perf_hooks.monitorEventLoopDelay (10 ms resolution) while a [784, 100, 10] network trains on
 * the bundled digits:
 *
 * - (a) in the background (trainInBackground: a worker thread),
 * - (b) with the plain async fit(), which yields every yieldEveryMs (10 ms),
 * - and, for contrast only (not asserted), with fitSync, which blocks for a whole epoch.
 *
 * (a) and (b) train for 2 s each (then are aborted through an AbortSignal), about 200 ticks, so
 * one-off costs at the start (fit checks that every input is finite, 25 MB; the worker copies
 * the data in 1 MB slices) weigh in the max but not the p99.
 *
 * The histogram's values are the intervals between the monitor's 10 ms ticks, so an idle loop
 * reads about 10 ms and a loop blocked for t ms reads about t. Bound held by (a) and (b): p99
 * < 100 ms (the 10 ms tick and fit's 10 ms yield budget, plus a wide margin for a noisy, shared
 * 2-core machine). Measured here: p99 15-22 ms for both; max 40-60 ms for fit and 40-130 ms in
 * the background run (one-offs: the worker's start and exit, garbage collection). fitSync for
 * one epoch: max 80-160 ms, the whole epoch. The figures are printed on every run.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { expect } from 'chai';
import { trainInBackground } from '../lib/background';
import { getEncoding, loadMnist } from '../lib/data';
import type { TrainingData } from '../lib/evaluate';
import { Network } from '../lib/network';
import { fit, fitSync } from '../lib/train';

const P99_BOUND_MS = 100;
/** Each run trains for this long, then is aborted: ~200 samples of the 10 ms tick. */
const WINDOW_MS = 2000;
const SIZES = [784, 100, 10];

interface Delay {
  p50: number;
  p99: number;
  max: number;
  mean: number;
  seconds: number;
}

async function measure(work: () => Promise<unknown> | unknown): Promise<Delay> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  // Let the monitor's timer tick before the work starts (its first tick records nothing).
  await new Promise((resolve) => setTimeout(resolve, 30));
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 30));
  h.disable();
  const ms = (ns: number) => ns / 1e6;
  return {
    p50: ms(h.percentile(50)),
    p99: ms(h.percentile(99)),
    max: ms(h.max),
    mean: ms(h.mean),
    seconds,
  };
}

function show(label: string, d: Delay): void {
  console.log(
    `      ${label}: event-loop delay p50 ${d.p50.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms, max ${d.max.toFixed(1)} ms, mean ${d.mean.toFixed(1)} ms over ${d.seconds.toFixed(2)} s of training`,
  );
}

describe('54 event-loop delay while training [784, 100, 10]', () => {
  let train: TrainingData;
  before(() => {
    const mnist = loadMnist();
    train = {
      x: mnist.train.images,
      y: getEncoding('onehot').encode(mnist.train.labels, 10),
      labels: mnist.train.labels,
    };
  });

  it(`(a) in the background: p99 < ${P99_BOUND_MS} ms`, async () => {
    let batches = 0;
    const d = await measure(async () => {
      // The window starts at the first batch, not at the call: on a busy machine the worker's
      // start alone can take longer than the window, and then nothing would be measured.
      const stop = new AbortController();
      const job = trainInBackground({
        network: { sizes: SIZES, activations: ['sigmoid', 'softmax'] },
        data: train,
        fit: { epochs: 1000, batchSize: 10, learningRate: 0.5 },
        signal: stop.signal,
      });
      job.on('batch', () => {
        if (batches++ === 0) setTimeout(() => stop.abort(), WINDOW_MS);
      });
      expect((await job.result).stopReason).to.equal('aborted');
    });
    show('trainInBackground', d);
    expect(batches).to.be.above(0);
    expect(d.p99).to.be.below(P99_BOUND_MS);
  });

  it(`(b) with async fit() (yieldEveryMs 10): p99 < ${P99_BOUND_MS} ms`, async () => {
    const net = new Network({ sizes: SIZES, activations: ['sigmoid', 'softmax'] });
    const d = await measure(async () => {
      const result = await fit(net, train, {
        epochs: 1000,
        batchSize: 10,
        learningRate: 0.5,
        yieldEveryMs: 10,
        signal: AbortSignal.timeout(WINDOW_MS),
      });
      expect(result.stopReason).to.equal('aborted');
    });
    show('fit (async)', d);
    expect(d.p99).to.be.below(P99_BOUND_MS);
  });

  it('(contrast) fitSync blocks the loop for the whole run', async () => {
    const net = new Network({ sizes: SIZES, activations: ['sigmoid', 'softmax'] });
    const d = await measure(() =>
      fitSync(net, train, { epochs: 1, batchSize: 10, learningRate: 0.5 }),
    );
    show('fitSync (blocking)', d);
    expect(d.max).to.be.above(d.seconds * 1000 * 0.5);
  });
});
