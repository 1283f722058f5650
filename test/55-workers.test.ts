/**
 * Four trainings at once, in four worker threads. The native addon is context-aware (it loads
 * in each worker) and the native core serializes BLAS calls with a mutex, so concurrent workers
 * must all finish with sensible accuracy and the same weights as a lone run with the same seed.
 * The network is wide enough for a step to run on a team of two threads (at batch 64): the
 * workers contend for the one pool of kernel threads, one gets it and the others train alone,
 * and none of that may change a bit of the result. Each trains for a second or more, so that all
 * four overlap however their starts are staggered on a loaded machine.
 */
import { expect } from 'chai';
import {
  type BackgroundNetworkSpec,
  type BackgroundResult,
  trainInBackground,
} from '../lib/background';
import { nativeAvailability } from '../lib/backend/select';
import { bundledOneHot } from './helpers/mnist';
import { evaluate, type TrainingData } from '../lib/evaluate';

const NETWORK = (seed: number): BackgroundNetworkSpec => ({
  sizes: [784, 200, 10],
  activations: ['relu', 'softmax'],
  init: 'he',
  seed,
});
const FIT = (seed: number) => ({
  epochs: 6,
  batchSize: 64,
  learningRate: 0.1,
  momentum: 0.9,
  seed,
});

describe('55 four training workers at once', () => {
  let train: TrainingData;
  let test: TrainingData;
  before(() => {
    ({ train, test } = bundledOneHot());
  });

  it('all succeed, overlap in time, and reach > 88% test accuracy', async () => {
    const backend = nativeAvailability().available ? 'native' : 'js';
    if (backend === 'js')
      console.log('      native backend unavailable: the four workers run on js');
    const spans: { start: number; end: number }[] = [];
    const t0 = performance.now();
    const jobs = [1, 2, 3, 4].map((seed) => {
      const job = trainInBackground({
        network: NETWORK(seed),
        data: train,
        fit: FIT(seed),
        backend,
        threads: 2,
      });
      const span = { start: NaN, end: NaN };
      spans.push(span);
      // 'start': the worker holds its data and begins training (batch events are throttled, so
      // the first one can come late on a loaded machine).
      job.once('start', () => (span.start = performance.now() - t0));
      void job.result.then(
        () => (span.end = performance.now() - t0),
        () => {},
      );
      return job;
    });
    const results: BackgroundResult[] = await Promise.all(jobs.map((j) => j.result));
    expect(new Set(jobs.map((j) => j.threadId)).size).to.equal(4);
    const accuracies = results.map((r) => evaluate(r.network, test).accuracy!);
    console.log(
      `      4 workers on ${backend}: test accuracy ${accuracies.map((a) => `${(a * 100).toFixed(1)}%`).join(', ')}; ` +
        `training spans ${spans.map((s) => `${(s.start / 1000).toFixed(2)}-${(s.end / 1000).toFixed(2)} s`).join(', ')}`,
    );
    for (const r of results) {
      expect(r.stopReason).to.equal('epochs');
      expect(r.backend.name).to.equal(backend);
      expect(r.network.params.every((v) => Number.isFinite(v))).to.equal(true);
    }
    for (const a of accuracies) expect(a).to.be.above(0.88);
    // They ran at the same time: every worker was training before the first one finished.
    const firstEnd = Math.min(...spans.map((s) => s.end));
    for (const s of spans) expect(s.start).to.be.below(firstEnd);
    // Different seeds, different networks.
    expect(Array.from(results[0].network.params.subarray(0, 50))).to.not.deep.equal(
      Array.from(results[1].network.params.subarray(0, 50)),
    );
    // Concurrency changes nothing: a lone run with seed 1 gives the same weights as worker 1.
    const alone = await trainInBackground({
      network: NETWORK(1),
      data: train,
      fit: FIT(1),
      backend,
      threads: 2,
    }).result;
    expect(Array.from(alone.network.params)).to.deep.equal(Array.from(results[0].network.params));
  });
});
