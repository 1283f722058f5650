/**
 * fit() on a stream of batches (lib/stream-fit.ts):
 * - with a shuffle buffer that holds the whole epoch, the same seed gives the same batches as fit
 *   on the rows in memory, so the parameters and every epoch's report are identical bit for bit,
 *   on both backends, through the fused multi-batch path and the per-batch path (onBatch), with
 *   momentum, Adam, RMSprop with clipNorm, dropout, a network's scaler (raw rows scaled), a short
 *   last batch, several epochs and with shuffling off, whatever sizes the stream's own batches
 *   have; the training state (Adam's moments and steps, dropout masks, shuffle stream) continues
 *   across calls: two one-epoch calls equal one two-epoch call;
 * - plain-array batches (rows, class indices, class names of the network) train as typed ones;
 * - a buffer smaller than the epoch still learns the bundled digits;
 * - a one-shot source with epochs > 1 is refused before training; a source that gives nothing in
 *   a later epoch is a coded error naming the epoch; bad batches are coded errors naming the
 *   batch; options that need the data in memory are refused with what to do instead;
 * - abort, early stopping and a diverging loss behave as they do in memory;
 * - the event loop keeps turning while the stream trains.
 */
import { Readable } from 'node:stream';
import { expect } from 'chai';
import type { TrainingData } from '../lib/evaluate';
import { Network } from '../lib/network';
import type { StreamBatch, StreamFitOptions, TrainingStream } from '../lib/stream-fit';
import { type FitOptions, type FitResult, fit, fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';
import { rejection } from './helpers/rejection';
import { bundledOneHot } from './helpers/mnist';

/** The first `n` rows of the bundled digits. */
function digits(n: number): TrainingData {
  const { train } = bundledOneHot();
  return {
    x: train.x.slice(0, n * 784),
    y: train.y.slice(0, n * 10),
    labels: train.labels?.slice(0, n),
  };
}

/** A restartable stream over `data` in pieces of `rows` rows (copies, as a reader would make). */
function streamOf(
  data: TrainingData,
  rows: number,
  labels = true,
): () => AsyncIterable<StreamBatch> {
  const n = data.y.length / 10;
  return async function* () {
    for (let i = 0; i < n; i += rows) {
      const end = Math.min(n, i + rows);
      const batch: StreamBatch = {
        x: data.x.slice(i * 784, end * 784),
        y: data.y.slice(i * 10, end * 10),
      };
      if (labels && data.labels) batch.labels = data.labels.slice(i, end);
      yield batch;
    }
  };
}

function net(kind: 'native' | 'js', seed = 1, dropout?: number): Network {
  return new Network({
    sizes: [784, 16, 10],
    activations: ['sigmoid', 'softmax'],
    seed,
    dropout,
    backend: kind,
  });
}

/** Reports without their timings, which differ run to run. */
function untimed(r: FitResult) {
  return {
    stopReason: r.stopReason,
    bestEpoch: r.bestEpoch,
    history: r.history.map(({ seconds, examplesPerSecond, elapsed, ...rest }) => rest),
  };
}

forEachBackend('64 fit on a stream', (_be, kind) => {
  const data = digits(500);
  const validation = digits(600);
  validation.x = validation.x.slice(500 * 784);
  validation.y = validation.y.slice(500 * 10);
  validation.labels = validation.labels?.slice(500);

  const cases: [string, FitOptions, number][] = [
    ['fused path, 3 epochs, short last batch', { epochs: 3, batchSize: 32, learningRate: 0.5 }, 37],
    [
      'per-batch path (onBatch), momentum, stream pieces larger than a batch',
      { epochs: 2, batchSize: 20, learningRate: 0.1, momentum: 0.9, onBatch: () => {} },
      113,
    ],
    [
      'one-row pieces, Nesterov, seed 9',
      { epochs: 2, batchSize: 16, learningRate: 0.1, momentum: 0.8, nesterov: true, seed: 9 },
      1,
    ],
    ['shuffling off', { epochs: 2, batchSize: 50, learningRate: 0.5, shuffle: false }, 64],
    ['adam, fused path', { epochs: 2, batchSize: 32, learningRate: 0.005, optimizer: 'adam' }, 37],
    [
      'rmsprop with clipNorm (per-batch path)',
      { epochs: 2, batchSize: 20, learningRate: 0.002, optimizer: 'rmsprop', clipNorm: 0.5 },
      50,
    ],
    [
      'validation, patience and a schedule',
      {
        epochs: 4,
        batchSize: 25,
        learningRate: 0.5,
        schedule: { type: 'step', every: 2, factor: 0.5 },
        validation,
        patience: 1,
      },
      500,
    ],
  ];
  for (const [title, options, rows] of cases) {
    it(`equals fit in memory bit for bit when the buffer holds everything: ${title}`, async () => {
      const a = net(kind);
      const b = net(kind);
      const memory = await fit(a, data, options);
      const stream = await fit(b, streamOf(data, rows), {
        ...options,
        shuffleBuffer: 500,
      } as StreamFitOptions);
      expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).to.equal(true);
      expect(untimed(stream)).to.deep.equal(untimed(memory));
    });
  }

  it('equals fit in memory bit for bit with dropout, and continues its state across calls', async () => {
    // Adam's moments and step count, the dropout masks (counted by step) and the shuffle stream
    // carry over: two one-epoch calls on the stream give the two epochs of one call in memory.
    const options: FitOptions = {
      epochs: 2,
      batchSize: 25,
      learningRate: 0.005,
      optimizer: 'adam',
    };
    const a = net(kind, 1, 0.3);
    const b = net(kind, 1, 0.3);
    const c = net(kind, 1, 0.3);
    await fit(a, data, options);
    await fit(b, streamOf(data, 64), { ...options, shuffleBuffer: 500 });
    expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).to.equal(true);
    const once = { ...options, epochs: 1, shuffleBuffer: 500 };
    await fit(c, streamOf(data, 64), once);
    const half = Array.from(c.params);
    await fit(c, streamOf(data, 64), once);
    expect(Array.from(c.params)).to.not.deep.equal(half);
    expect(Buffer.from(c.params.buffer).equals(Buffer.from(a.params.buffer))).to.equal(true);
  });

  it("scales raw stream rows by the network's scaler, bit for bit as fit in memory", async () => {
    const raw: TrainingData = { ...data, x: data.x.map((v) => 40 + 200 * v) };
    const fitted = net(kind);
    await fit(fitted, raw, { epochs: 1, scale: 'standard' }); // a scaler fitted on the raw rows
    const options: FitOptions = { epochs: 2, batchSize: 20, learningRate: 0.3 };
    const c = net(kind);
    const b = net(kind);
    c.scaler = fitted.scaler;
    b.scaler = fitted.scaler;
    await fit(c, raw, options);
    await fit(b, streamOf(raw, 33), { ...options, shuffleBuffer: 500 });
    expect(Buffer.from(b.params.buffer).equals(Buffer.from(c.params.buffer))).to.equal(true);
    // Without the scaler the same rows train to other weights.
    const unscaled = net(kind);
    await fit(unscaled, streamOf(raw, 33), { ...options, shuffleBuffer: 500 });
    expect(Array.from(unscaled.params)).to.not.deep.equal(Array.from(b.params));
  });

  it('equals fitSync too, without labels and with a buffer far larger than the epoch', async () => {
    const options: FitOptions = { epochs: 2, batchSize: 10, learningRate: 0.3 };
    const a = net(kind, 4);
    const b = net(kind, 4);
    const memory = fitSync(a, { x: data.x, y: data.y }, options);
    const stream = await fit(b, streamOf(data, 77, false), {
      ...options,
      shuffleBuffer: 1_000_000,
      examples: 500,
    });
    expect(Array.from(b.params)).to.deep.equal(Array.from(a.params));
    expect(untimed(stream)).to.deep.equal(untimed(memory));
  });

  it('with a buffer of 50 rows out of 2,000 still learns the digits (≥ 80% on 1,000 others)', async () => {
    const train = digits(2000);
    const test = digits(3000);
    const held = {
      x: test.x.slice(2000 * 784),
      y: test.y.slice(2000 * 10),
      labels: test.labels?.slice(2000),
    };
    const n = net(kind);
    const result = await fit(n, streamOf(train, 100), {
      epochs: 8,
      batchSize: 10,
      learningRate: 0.5,
      shuffleBuffer: 50,
      validation: held,
    });
    const last = result.history.at(-1);
    console.log(
      `      [${kind}] buffer 50: validation accuracy ${((last?.validationAccuracy ?? 0) * 100).toFixed(1)}%`,
    );
    expect(last?.validationAccuracy).to.be.at.least(0.8);
    // The same buffer and seed give the same weights; another buffer, other batches and weights.
    const oneEpoch = async (shuffleBuffer: number) => {
      const trained = net(kind);
      const options = { epochs: 1, batchSize: 10, learningRate: 0.5, shuffleBuffer };
      await fit(trained, streamOf(train, 100), options);
      return trained;
    };
    const same = await oneEpoch(50);
    const again = await oneEpoch(50);
    const other = await oneEpoch(51);
    expect(Array.from(again.params)).to.deep.equal(Array.from(same.params));
    expect(Array.from(other.params)).to.not.deep.equal(Array.from(same.params));
  });
});

describe('64 fit on a stream: sources, bad batches and options', () => {
  const data = digits(60);
  const small = (task?: 'classification') =>
    new Network({
      sizes: [784, 4, 10],
      activations: ['sigmoid', 'softmax'],
      task,
      backend: 'js',
    });

  it('refuses a one-shot source (an async generator object) with epochs > 1 before training', async () => {
    const n = small();
    const before = n.params.slice();
    let pulled = 0;
    async function* once() {
      pulled++;
      yield { x: data.x, y: data.y };
    }
    const error = await rejection(fit(n, once(), { epochs: 2 }));
    expect(error).to.be.instanceOf(TypeError);
    expect(error.code).to.equal('ERR_BLASNET_TYPE');
    expect(error.message).to.match(
      /^Expected a stream that restarts for each of the 2 epochs .* for data but received/,
    );
    expect(pulled).to.equal(0);
    expect(Array.from(n.params)).to.deep.equal(Array.from(before));
    // One epoch of it is fine.
    const result = await fit(n, once(), { epochs: 1, batchSize: 10 });
    expect(result.history).to.have.length(1);
    // A Node stream (object mode) is read once too.
    const node = Readable.from([{ x: data.x, y: data.y }]);
    const refused = await rejection(fit(n, node, { epochs: 3 }));
    expect(refused.message).to.match(/^Expected a stream that restarts for each of the 3 epochs/);
    expect((await fit(n, node, { epochs: 1 })).history).to.have.length(1);
  });

  it('a source that gives nothing in a later epoch is a coded error naming the epoch', async () => {
    let calls = 0;
    const shared = streamOf(data, 20)(); // one iterator handed out every time: exhausted after epoch 1
    const source = {
      [Symbol.asyncIterator]: () => {
        calls++;
        return shared[Symbol.asyncIterator]();
      },
    };
    const error = await rejection(fit(small(), source, { epochs: 3 }));
    expect(error.code).to.equal('ERR_BLASNET_TYPE');
    expect(error.message).to.include('it gave no rows in epoch 2');
    expect(calls).to.equal(2);
    const empty = await rejection(fit(small(), async function* () {}, { epochs: 1 }));
    expect(empty.message).to.include('Expected a stream of at least one batch for data');
  });

  it('a factory is called once per epoch and must return an async iterable', async () => {
    let calls = 0;
    const factory = () => {
      calls++;
      return streamOf(data, 7)();
    };
    const result = await fit(small(), factory as TrainingStream, { epochs: 3, batchSize: 8 });
    expect(result.history).to.have.length(3);
    expect(calls).to.equal(3);
    const error = await rejection(fit(small(), (() => [1, 2]) as unknown as TrainingStream));
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.include(
      'a function that returns an AsyncIterable of batches for data',
    );
  });

  describe('bad batches are coded errors naming the batch', () => {
    const good = () => ({
      x: data.x.slice(0, 784 * 2),
      y: data.y.slice(0, 20),
      labels: data.labels?.slice(0, 2),
    });
    const cases: [string, () => unknown, ErrorConstructor, string, RegExp][] = [
      ['not an object', () => 7, TypeError, 'ERR_BLASNET_TYPE', /for data\[2\] but received 7/],
      [
        'x not a Float32Array',
        () => ({ ...good(), x: new Float64Array(784) }),
        TypeError,
        'ERR_BLASNET_TYPE',
        /for data\[2\]\.x but received Float64Array/,
      ],
      [
        'x of a partial row',
        () => ({ ...good(), x: new Float32Array(785) }),
        RangeError,
        'ERR_BLASNET_SHAPE',
        /for data\[2\]\.x but received length 785/,
      ],
      [
        'y of the wrong length',
        () => ({ ...good(), y: new Float32Array(11) }),
        RangeError,
        'ERR_BLASNET_SHAPE',
        /for data\[2\]\.y/,
      ],
      [
        'a NaN input',
        () => {
          const b = good();
          b.x[1000] = Number.NaN;
          return b;
        },
        RangeError,
        'ERR_BLASNET_RANGE',
        /for data\[2\]\.x\[1000\] but received NaN/,
      ],
      [
        'labels missing where the first batch had them',
        () => ({ ...good(), labels: undefined }),
        TypeError,
        'ERR_BLASNET_TYPE',
        /labels, as the first batch has for data\[2\]\.labels/,
      ],
      [
        'labels of the wrong length',
        () => ({ ...good(), labels: new Uint8Array(3) }),
        RangeError,
        'ERR_BLASNET_SHAPE',
        /for data\[2\]\.labels/,
      ],
    ];
    for (const [title, bad, kind, code, pattern] of cases) {
      it(title, async () => {
        const source = async function* () {
          yield good();
          yield good();
          yield bad() as StreamBatch;
          yield good();
        };
        const n = small();
        const start = n.params.slice();
        const error = await rejection(fit(n, source, { epochs: 1, batchSize: 3 }));
        // The first two batches were trained on; the weights are those of the epoch's start.
        expect(Array.from(n.params)).to.deep.equal(Array.from(start));
        expect(error).to.be.instanceOf(kind);
        expect(error.code).to.equal(code);
        expect(error.message).to.match(pattern);
      });
    }

    it('names the epoch when a later epoch brings a bad batch', async () => {
      let epoch = 0;
      const source = () => {
        epoch++;
        return (async function* () {
          yield good();
          yield epoch === 2 ? { x: new Float32Array(3), y: new Float32Array(10) } : good();
        })();
      };
      const error = await rejection(fit(small(), source as TrainingStream, { epochs: 2 }));
      expect(error.message).to.match(/for data \(epoch 2\)\[1\]\.x but received length 3/);
    });
  });

  it('takes plain-array batches (rows, class indices or names) as typed ones', async () => {
    const rows = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) =>
        Array.from(data.x.subarray((from + i) * 784, (from + i + 1) * 784)),
      );
    const labels = Array.from(data.labels ?? []);
    const names = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    const plain = (byName: boolean) =>
      async function* () {
        for (let i = 0; i < 60; i += 25) {
          const end = Math.min(60, i + 25);
          const y = labels.slice(i, end);
          yield { x: rows(i, end), y: byName ? y.map((k) => names[k]) : y };
        }
      };
    const options = { epochs: 2, batchSize: 8, learningRate: 0.5, shuffleBuffer: 60 };
    const typed = small('classification');
    const byIndex = small('classification');
    const byName = small('classification');
    byName.classes = names;
    await fit(typed, streamOf(data, 25), options);
    await fit(byIndex, plain(false), options);
    await fit(byName, plain(true), options);
    expect(Array.from(byIndex.params)).to.deep.equal(Array.from(typed.params));
    expect(Array.from(byName.params)).to.deep.equal(Array.from(typed.params));
    // A stream cannot learn class names: a network without them says so.
    const nameless = small('classification');
    const error = await rejection(fit(nameless, plain(true), options));
    expect(error.message).to.match(/class names need a network with class names/);
  });

  it('refuses options that need the data in memory, saying why', async () => {
    const source = streamOf(data, 10);
    const bad: [StreamFitOptions, ErrorConstructor, RegExp][] = [
      [{ batchSize: 'full' }, RangeError, /a number for a stream .* for options\.batchSize/],
      [
        { weightDecay: 0.1 },
        RangeError,
        /the rows per epoch with weightDecay .* for options\.examples/,
      ],
      [
        { validation: source as never },
        TypeError,
        /validation data in memory .* for options\.validation/,
      ],
      [{ weightDecay: 'x' as never }, TypeError, /for options\.weightDecay/],
      [{ shuffleBuffer: 0 }, RangeError, /for options\.shuffleBuffer but received 0/],
      [{ shuffleBuffer: 1.5 }, RangeError, /options\.shuffleBuffer/],
      [{ examples: -1 }, RangeError, /options\.examples/],
      [{ shufleBuffer: 10 } as never, RangeError, /options\.shufleBuffer/],
      [
        { scale: 'standard' },
        RangeError,
        /fit a Scaler on a sample, set net\.scaler.* for options\.scale/,
      ],
    ];
    for (const [options, kind, pattern] of bad) {
      const error = await rejection(fit(small(), source, options));
      expect(error, pattern.source).to.be.instanceOf(kind);
      expect(error.code, pattern.source).to.match(/^ERR_BLASNET_/);
      expect(error.message).to.match(pattern);
    }
    // fitSync cannot await a stream, and in-memory fit has no shuffle buffer.
    expect(() => fitSync(small(), source as never)).to.throw(
      TypeError,
      /await fit\(\) to train on a stream/,
    );
    const error = await rejection(fit(small(), data, { shuffleBuffer: 10 } as never));
    expect(error.message).to.include('options.shuffleBuffer');
  });

  it('checks the rows of every epoch against examples, and uses it for weightDecay as in memory', async () => {
    const error = await rejection(fit(small(), streamOf(data, 10), { examples: 50 }));
    expect(error.code).to.equal('ERR_BLASNET_SHAPE');
    expect(error.message).to.equal(
      'Expected 50 rows in every epoch (options.examples) for data but received 60 in epoch 1',
    );
    const options: FitOptions = { epochs: 2, batchSize: 8, learningRate: 0.5, weightDecay: 5 };
    const a = small();
    const b = small();
    await fit(a, data, options);
    await fit(b, streamOf(data, 9), { ...options, examples: 60, shuffleBuffer: 60 });
    expect(Array.from(b.params)).to.deep.equal(Array.from(a.params));
  });

  it('reports every batch, with batches known from the second epoch (or from examples)', async () => {
    const seen: [number, number, number, number][] = [];
    await fit(small(), streamOf(data, 25), {
      epochs: 2,
      batchSize: 16,
      onBatch: (b) => seen.push([b.epoch, b.batch, b.batches, b.examples]),
    });
    expect(seen.map((s) => s.slice(0, 2))).to.deep.equal([
      [1, 1],
      [1, 2],
      [1, 3],
      [1, 4],
      [2, 1],
      [2, 2],
      [2, 3],
      [2, 4],
    ]);
    expect(seen[0][2]).to.be.NaN;
    expect(seen[4][2]).to.equal(4);
    expect(seen.map((s) => s[3])).to.deep.equal([16, 32, 48, 60, 16, 32, 48, 60]);
    const known: number[] = [];
    await fit(small(), streamOf(data, 25), {
      epochs: 1,
      batchSize: 16,
      examples: 60,
      onBatch: (b) => known.push(b.batches),
    });
    expect(known).to.deep.equal([4, 4, 4, 4]);
  });

  it('aborts between batches, stops on a diverging loss restoring the epoch start, and closes the source', async () => {
    const controller = new AbortController();
    let closed = 0;
    const source = async function* () {
      try {
        for (;;) yield { x: data.x.slice(0, 784 * 5), y: data.y.slice(0, 50) };
      } finally {
        closed++;
      }
    };
    let batches = 0;
    const n = small();
    const aborted = fit(n, source, {
      epochs: 1,
      batchSize: 5,
      shuffleBuffer: 20,
      onBatch: () => {
        if (++batches === 30) controller.abort();
      },
      signal: controller.signal,
    });
    const result = await aborted;
    expect(result.stopReason).to.equal('aborted');
    expect(batches).to.equal(30);
    expect(closed).to.equal(1);

    const big = new Network({
      sizes: [784, 4, 10],
      activations: ['relu', 'identity'],
      backend: 'js',
    });
    const start = big.params.slice();
    const error = await rejection(
      fit(big, streamOf(data, 10), {
        epochs: 1,
        batchSize: 10,
        learningRate: 1e30,
        loss: 'quadratic',
      }),
    );
    expect(error.code).to.equal('ERR_BLASNET_DIVERGED');
    expect(error.message).to.match(
      /at epoch 1, batch \d+\. The weights were restored to the start of epoch 1/,
    );
    expect(Array.from(big.params)).to.deep.equal(Array.from(start));
  });

  it('keeps the event loop turning while it trains on a stream that never waits', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const bigger = digits(2000);
    const source = async function* () {
      for (let i = 0; i < 2000; i += 500)
        yield {
          x: bigger.x.subarray(i * 784, (i + 500) * 784),
          y: bigger.y.subarray(i * 10, (i + 500) * 10),
        };
    };
    const n = new Network({
      sizes: [784, 64, 10],
      activations: ['sigmoid', 'softmax'],
      backend: 'js',
    });
    const t0 = performance.now();
    await fit(n, source, { epochs: 2, batchSize: 10, yieldEveryMs: 5 });
    clearInterval(timer);
    const ms = performance.now() - t0;
    console.log(`      ${ticks} timer ticks in ${ms.toFixed(0)} ms of training`);
    // A loop that never yields (the stream only ever resolves microtasks) lets no tick through.
    expect(ticks).to.be.at.least(3);
  });
});
