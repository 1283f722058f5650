/**
 * trainInBackground: training in a worker thread with progress as events and as an async
 * iterator, cancellation through an AbortSignal (the worker stops between batches and returns
 * whole-step weights), errors propagated with their class and code, and data copied or
 * transferred.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { type BackgroundReport, type BackgroundResult, trainInBackground } from '../lib/background';
import type { BackendInfo } from '../lib/backend/types';
import { bundledOneHot } from './helpers/mnist';
import { evaluate, type TrainingData } from '../lib/evaluate';
import { Network } from '../lib/network';
import type { BatchReport, EpochReport } from '../lib/train';

const ROOT = path.resolve(__dirname, '..');

describe('53 trainInBackground (worker_threads)', () => {
  let train: TrainingData;
  let test: TrainingData;
  before(() => {
    ({ train, test } = bundledOneHot());
  });

  it('trains in a worker, reporting by events and resolving with the trained network', async () => {
    const job = trainInBackground({
      network: { sizes: [784, 30, 10], activations: ['sigmoid', 'softmax'], seed: 2 },
      data: train,
      validation: test,
      fit: { epochs: 2, batchSize: 10, learningRate: 0.5 },
      batchReportMs: 0,
    });
    let started: BackendInfo | undefined;
    const batches: BatchReport[] = [];
    const epochs: EpochReport[] = [];
    let done: BackgroundResult | undefined;
    job.on('start', (b: BackendInfo) => (started = b));
    job.on('batch', (r: BatchReport) => batches.push(r));
    job.on('epoch', (r: EpochReport) => epochs.push(r));
    job.on('done', (r: BackgroundResult) => (done = r));
    const result = await job.result;
    expect(started!.name).to.be.oneOf(['native', 'js']);
    expect(result.backend).to.deep.equal(started);
    expect(batches).to.have.length(2 * 800); // batchReportMs: 0 reports every batch
    expect(epochs.map((e) => e.epoch)).to.deep.equal([1, 2]);
    expect(done).to.equal(result);
    expect(result.stopReason).to.equal('epochs');
    expect(result.history.map((e) => e.epoch)).to.deep.equal([1, 2]);
    expect(result.network).to.be.instanceOf(Network);
    const accuracy = evaluate(result.network, test).accuracy!;
    expect(accuracy).to.be.above(0.85);
    expect(accuracy).to.equal(result.history[1].validationAccuracy);
    // Copied, not transferred: the caller's arrays are intact.
    expect(train.x.length).to.equal(8000 * 784);
  });

  it('is an async iterator of every batch and epoch report, in order, ending with the training', async () => {
    const job = trainInBackground({
      network: { sizes: [784, 16, 10], activations: ['sigmoid', 'softmax'] },
      data: train,
      fit: { epochs: 3, batchSize: 20, learningRate: 0.5 },
    });
    const reports: BackgroundReport[] = [];
    for await (const r of job) reports.push(r);
    const epochs = reports.filter((r) => r.type === 'epoch');
    expect(epochs.map((r) => r.epoch)).to.deep.equal([1, 2, 3]);
    // The last batch of every epoch is always reported, just before its epoch report.
    for (const e of epochs) {
      const i = reports.indexOf(e);
      expect(reports[i - 1]).to.include({
        type: 'batch',
        epoch: e.epoch,
        batch: 400,
        batches: 400,
      });
    }
    const result = await job.result;
    expect(result.history).to.have.length(3);
    // A second iterator replays from the start.
    let count = 0;
    for await (const r of job) if (r) count++;
    expect(count).to.equal(reports.length);
  });

  it('stops between batches on abort and resolves with finite, whole-step weights', async () => {
    const controller = new AbortController();
    const job = trainInBackground({
      network: { sizes: [784, 100, 10], activations: ['sigmoid', 'softmax'] },
      data: train,
      fit: { epochs: 50, batchSize: 10, learningRate: 0.5 },
      signal: controller.signal,
      batchReportMs: 0,
    });
    job.once('batch', () => controller.abort());
    const result = await job.result;
    expect(result.stopReason).to.equal('aborted');
    expect(result.history.length).to.be.below(50);
    expect(result.network.params.every((v) => Number.isFinite(v))).to.equal(true);
    expect(evaluate(result.network, test).accuracy).to.be.a('number');
  });

  it('aborted before it starts, returns the initial weights untouched', async () => {
    const controller = new AbortController();
    controller.abort();
    const sizes = [784, 12, 10];
    const result = await trainInBackground({
      network: { sizes, seed: 9 },
      data: train,
      fit: { epochs: 5 },
      signal: controller.signal,
    }).result;
    expect(result.stopReason).to.equal('aborted');
    expect(result.history).to.have.length(0);
    expect(Array.from(result.network.params)).to.deep.equal(
      Array.from(new Network({ sizes, seed: 9, backend: 'js' }).params),
    );
  });

  it('continues from a Network without modifying it', async () => {
    const start = new Network({
      sizes: [784, 12, 10],
      activations: ['sigmoid', 'softmax'],
      seed: 4,
    });
    const before = start.params.slice();
    const result = await trainInBackground({
      network: start,
      data: train,
      fit: { epochs: 1, learningRate: 0.5 },
    }).result;
    expect(Array.from(start.params)).to.deep.equal(Array.from(before));
    expect(Array.from(result.network.params)).to.not.deep.equal(Array.from(before));
    expect(result.network.activations).to.deep.equal(['sigmoid', 'softmax']);
  });

  it('rejects with the original error class and code when training diverges (and the iterator throws it)', async () => {
    const small = { x: train.x.subarray(0, 200 * 784), y: train.y.subarray(0, 2000) };
    const job = trainInBackground({
      network: { sizes: [784, 10, 10], activations: ['relu', 'identity'] },
      data: small,
      fit: { epochs: 5, learningRate: 1e6, loss: 'quadratic' },
    });
    let iterated: unknown;
    try {
      for await (const r of job) void r;
    } catch (error) {
      iterated = error;
    }
    let rejected: (Error & { code?: string }) | undefined;
    try {
      await job.result;
    } catch (error) {
      rejected = error as Error & { code?: string };
    }
    expect(rejected).to.be.instanceOf(Error);
    expect(rejected!.code).to.equal('ERR_BLASNET_DIVERGED');
    expect(rejected!.message).to.match(/Training diverged.*lower learning rate/);
    expect(rejected!.stack).to.include('in the training worker');
    expect(iterated).to.equal(rejected);
  });

  it('propagates option errors found in the worker as RangeError with their code, and throws bad arguments at once', async () => {
    let error: (Error & { code?: string }) | undefined;
    try {
      await trainInBackground({ network: { sizes: [784, 10] }, data: train, fit: { batchSize: 0 } })
        .result;
    } catch (e) {
      error = e as Error & { code?: string };
    }
    expect(error).to.be.instanceOf(RangeError);
    expect(error!.code).to.equal('ERR_BLASNET_RANGE');
    expect(error!.message).to.include('options.batchSize');
    // Checked before a thread starts:
    expect(() => trainInBackground({ network: { sizes: [100, 10] }, data: train }))
      .to.throw(RangeError, /for options\.data/)
      .with.property('code', 'ERR_BLASNET_SHAPE');
    expect(() =>
      trainInBackground({
        network: { sizes: [784, 10] },
        data: train,
        fit: { schedule: (() => 1) as never },
      }),
    ).to.throw(TypeError, /cannot cross to a worker thread/);
    expect(() =>
      trainInBackground({ network: { sizes: [784, 10] }, data: train, learningRate: 3 } as never),
    ).to.throw(RangeError, /options.learningRate/);
  });

  it("transfers the data instead of copying with transfer: true (the caller's arrays are detached)", async () => {
    const x = train.x.slice(0, 500 * 784);
    const y = train.y.slice(0, 500 * 10);
    const result = await trainInBackground({
      network: { sizes: [784, 10, 10] },
      data: { x, y },
      fit: { epochs: 1 },
      transfer: true,
    }).result;
    expect(x.length).to.equal(0);
    expect(y.length).to.equal(0);
    expect(result.history).to.have.length(1);
  });

  it('runs from the compiled dist/ too (when dist is built and current)', function () {
    const compiled = path.join(ROOT, 'dist', 'background', 'train-in-background.js');
    const source = path.join(ROOT, 'lib', 'background', 'train-in-background.ts');
    if (!fs.existsSync(compiled) || fs.statSync(compiled).mtimeMs < fs.statSync(source).mtimeMs) {
      console.log(
        '      dist/ is missing or older than lib/: run npx tsc -p tsconfig.json to check the compiled worker',
      );
      this.skip();
    }
    const script = `
      const { trainInBackground } = require('./dist/background');
      const x = new Float32Array(40 * 4).map((_, i) => (i * 7) % 5 / 5);
      const y = new Float32Array(40).map((_, i) => i % 2);
      trainInBackground({ network: { sizes: [4, 3, 1] }, data: { x, y }, fit: { epochs: 2 } }).result
        .then((r) => console.log(JSON.stringify({ stopReason: r.stopReason, epochs: r.history.length })));`;
    const r = spawnSync(process.execPath, ['-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal({ stopReason: 'epochs', epochs: 2 });
  });
});
