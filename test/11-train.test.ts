import { expect } from 'chai';
import { evaluate } from '../lib/evaluate';
import type { Loss } from '../lib/losses';
import type { Backend } from '../lib/backend/types';
import { Network } from '../lib/network';
import { Random } from '../lib/random';
import { fit, fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';

const XOR = {
  x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]),
  y: new Float32Array([0, 1, 1, 0]),
  labels: new Uint8Array([0, 1, 1, 0]),
};

/** Two interleaved noisy spirals: not linearly separable, real work for a hidden layer. */
function spirals(n: number, seed: number) {
  const x = new Float32Array(2 * n);
  const y = new Float32Array(2 * n);
  const labels = new Uint8Array(n);
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const t = (i / n) * 3 * Math.PI + 0.5;
    const r = t / (3 * Math.PI);
    x[2 * i] = r * Math.cos(t + c * Math.PI) + (rand() - 0.5) * 0.05;
    x[2 * i + 1] = r * Math.sin(t + c * Math.PI) + (rand() - 0.5) * 0.05;
    y[2 * i + c] = 1;
    labels[i] = c;
  }
  return { x, y, labels };
}

/** Points in [−1, 1]², class 1 inside the circle r² < 0.45: a boundary no line can draw. */
function circles(n: number, seed: number) {
  const rng = new Random(seed);
  const x = new Float32Array(2 * n);
  const y = new Float32Array(2 * n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = 2 * rng.uniform() - 1;
    const b = 2 * rng.uniform() - 1;
    const c = a * a + b * b < 0.45 ? 1 : 0;
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[2 * i + c] = 1;
    labels[i] = c;
  }
  return { x, y, labels };
}

/** The lecture's quadratic loss written as a user-defined loss, to compare with the built-in one. */
const userQuadratic: Loss = {
  name: 'myQuadratic',
  value: (a, y, batch, nOut) => {
    let s = 0;
    for (let i = 0; i < batch * nOut; i++) s += (a[i] - y[i]) ** 2;
    return s / (2 * batch);
  },
  gradient: (a, y, batch, nOut, out) => {
    for (let i = 0; i < batch * nOut; i++) out[i] = (a[i] - y[i]) / batch;
  },
};

forEachBackend('fit', (be) => {
  it('learns XOR with a 2-3-1 sigmoid network to 100% accuracy (quadratic loss, online SGD)', () => {
    const net = new Network({
      sizes: [2, 3, 1],
      activations: 'sigmoid',
      init: 'normal',
      seed: 2,
      backend: be(),
    });
    const result = fitSync(net, XOR, { epochs: 3000, batchSize: 1, learningRate: 2 });
    const out = net.predict(XOR.x);
    expect(Array.from(net.classify(XOR.x) as Uint8Array)).to.deep.equal([0, 1, 1, 0]);
    expect(out[0]).to.be.below(0.2);
    expect(out[3]).to.be.below(0.2);
    expect(out[1]).to.be.above(0.8);
    expect(result.history.at(-1)!.loss).to.be.below(0.02);
    expect(result.history.at(-1)!.accuracy).to.equal(1);
  });

  it('trains with full-batch gradient descent, mini-batches and online SGD to the same high accuracy', () => {
    const data = circles(400, 7);
    for (const [batchSize, learningRate, epochs] of [
      ['full', 1, 300],
      [16, 0.5, 40],
      [1, 0.05, 40],
    ] as const) {
      const net = new Network({
        sizes: [2, 16, 2],
        activations: ['tanh', 'softmax'],
        seed: 4,
        backend: be(),
      });
      const before = evaluate(net, data);
      const { history } = fitSync(net, data, { epochs, batchSize, learningRate });
      expect(history.at(-1)!.loss, String(batchSize)).to.be.below(before.loss * 0.1);
      expect(evaluate(net, data).accuracy, String(batchSize)).to.be.above(0.93);
    }
  });

  it('learns the spirals with momentum and with Nesterov to high accuracy', () => {
    const data = spirals(600, 3);
    for (const nesterov of [false, true]) {
      const net = new Network({
        sizes: [2, 48, 2],
        activations: ['relu', 'softmax'],
        init: 'he',
        seed: 5,
        backend: be(),
      });
      fitSync(net, data, {
        epochs: 150,
        batchSize: 20,
        learningRate: 0.05,
        momentum: 0.9,
        nesterov,
      });
      expect(evaluate(net, data).accuracy, `nesterov ${nesterov}`).to.be.above(0.9);
    }
  });

  it('applies L2 weight decay to weights only', () => {
    const data = spirals(200, 1);
    const norms = [0, 5].map((weightDecay) => {
      const net = new Network({
        sizes: [2, 16, 2],
        activations: ['tanh', 'softmax'],
        seed: 8,
        backend: be(),
      });
      fitSync(net, data, { epochs: 30, batchSize: 10, learningRate: 0.5, weightDecay });
      return net.getWeights(1).reduce((s, w) => s + w * w, 0);
    });
    expect(norms[1]).to.be.below(norms[0] * 0.5);
  });

  it('follows the learning-rate schedule per epoch', () => {
    const net = new Network({ sizes: [2, 3, 1], seed: 1, backend: be() });
    const { history } = fitSync(net, XOR, {
      epochs: 5,
      batchSize: 4,
      learningRate: 1,
      schedule: { type: 'step', every: 2, factor: 0.5 },
    });
    expect(history.map((h) => h.learningRate)).to.deep.equal([1, 1, 0.5, 0.5, 0.25]);
    const inv = fitSync(net, XOR, {
      epochs: 3,
      batchSize: 4,
      learningRate: 1,
      schedule: { type: 'inverse', decay: 1 },
    });
    expect(inv.history.map((h) => h.learningRate)).to.deep.equal([1, 0.5, 1 / 3]);
  });

  it('is reproducible run to run with the same seeds, bit for bit', () => {
    const data = spirals(100, 2);
    const run = () => {
      const net = new Network({
        sizes: [2, 8, 2],
        activations: ['sigmoid', 'softmax'],
        seed: 3,
        backend: be(),
      });
      fitSync(net, data, { epochs: 5, batchSize: 7, learningRate: 0.3, momentum: 0.5, seed: 11 });
      return Buffer.from(net.params.buffer);
    };
    expect(run().equals(run())).to.equal(true);
  });

  it('stops at a target loss, and stops early on validation keeping the best weights', () => {
    const net = new Network({ sizes: [2, 3, 1], init: 'normal', seed: 2, backend: be() });
    const target = fitSync(net, XOR, {
      epochs: 5000,
      batchSize: 1,
      learningRate: 2,
      targetLoss: 0.05,
    });
    expect(target.stopReason).to.equal('targetLoss');
    expect(target.history.at(-1)!.loss).to.be.at.most(0.05);

    // A validation set with the XOR labels flipped: the better the fit, the worse the validation loss.
    const flipped = { x: XOR.x, y: new Float32Array([1, 0, 0, 1]) };
    const snapshots: Float32Array[] = [];
    const early = new Network({ sizes: [2, 3, 1], init: 'normal', seed: 2, backend: be() });
    const result = fitSync(early, XOR, {
      epochs: 500,
      batchSize: 1,
      learningRate: 2,
      validation: flipped,
      patience: 3,
      onEpoch: () => snapshots.push(early.params.slice()),
    });
    expect(result.stopReason).to.equal('earlyStopping');
    expect(result.history.length).to.equal(result.bestEpoch! + 3);
    expect(Array.from(early.params)).to.deep.equal(Array.from(snapshots[result.bestEpoch! - 1]));
  });

  it('stops on divergence with the epoch, the batch and a hint, restoring the epoch-start weights', () => {
    const data = spirals(50, 1);
    const net = new Network({
      sizes: [2, 4, 2],
      activations: ['identity', 'identity'],
      seed: 1,
      backend: be(),
    });
    const start = net.params.slice();
    expect(() => fitSync(net, data, { epochs: 50, batchSize: 5, learningRate: 1e6 })).to.throw(
      /diverged.*epoch 1, batch \d+ of 10.*lower learning rate/,
    );
    expect(Array.from(net.params)).to.deep.equal(Array.from(start));
  });

  it('trains with a user-supplied loss exactly like the same built-in loss', () => {
    const data = spirals(80, 5);
    const nets = (['quadratic', userQuadratic] as const).map((loss) => {
      const net = new Network({ sizes: [2, 6, 2], activations: 'sigmoid', seed: 6, backend: be() });
      const r = fitSync(net, data, { epochs: 5, batchSize: 8, learningRate: 1, loss });
      return { net, loss: r.history.at(-1)!.loss };
    });
    expect(nets[1].loss).to.be.closeTo(nets[0].loss, 1e-6);
    for (let i = 0; i < nets[0].net.params.length; i++)
      expect(nets[1].net.params[i]).to.be.closeTo(nets[0].net.params[i], 1e-5);
  });

  it('trains a user-supplied loss with two backend calls per batch (forward, then backward + update), with momentum too', () => {
    const data = spirals(60, 4);
    const real = be();
    const calls: string[] = [];
    const counting: Backend = Object.create(real);
    for (const name of ['forward', 'backward', 'update', 'trainBatch', 'trainBatches'] as const) {
      counting[name] = ((...args: unknown[]) => {
        calls.push(name);
        return (real[name] as (...a: unknown[]) => unknown)(...args);
      }) as never;
    }
    const user = new Network({
      sizes: [2, 6, 2],
      activations: 'sigmoid',
      seed: 6,
      backend: counting,
    });
    const builtin = new Network({
      sizes: [2, 6, 2],
      activations: 'sigmoid',
      seed: 6,
      backend: be(),
    });
    const options = {
      epochs: 3,
      batchSize: 10,
      learningRate: 0.5,
      momentum: 0.9,
      nesterov: true,
      shuffle: false,
    };
    fitSync(user, data, { ...options, loss: userQuadratic });
    fitSync(builtin, data, { ...options, loss: 'quadratic' });
    expect(
      calls.filter((c) => c === 'update' || c === 'trainBatch' || c === 'trainBatches'),
    ).to.deep.equal([]);
    expect(calls.filter((c) => c === 'backward')).to.have.length(18);
    expect(calls.filter((c) => c === 'forward')).to.have.length(18);
    for (let i = 0; i < user.params.length; i++)
      expect(user.params[i]).to.be.closeTo(builtin.params[i], 1e-5);
  });

  it('fit() yields to the event loop while training and can be aborted between batches', async () => {
    const data = spirals(2000, 9);
    const net = new Network({
      sizes: [2, 64, 2],
      activations: ['tanh', 'softmax'],
      seed: 1,
      backend: be(),
    });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const controller = new AbortController();
    let batches = 0;
    let abortedAt = 0;
    const started = performance.now();
    const result = await fit(net, data, {
      epochs: 1000,
      batchSize: 1,
      learningRate: 0.01,
      signal: controller.signal,
      yieldEveryMs: 5,
      onBatch: () => {
        batches++;
        // Train for 300 ms of wall time whatever the backend's speed, then abort.
        if (!controller.signal.aborted && performance.now() - started > 300) {
          controller.abort();
          abortedAt = batches;
        }
      },
    });
    clearInterval(timer);
    expect(result.stopReason).to.equal('aborted');
    expect(batches).to.equal(abortedAt); // stopped before the next batch
    // Yielding every 5 ms over 300 ms lets a 1 ms timer run dozens of times; without yields it runs never.
    expect(ticks).to.be.above(10);
    expect(Array.from(net.params).every(Number.isFinite)).to.equal(true);
  });

  it('reports progress per batch and per epoch', () => {
    const net = new Network({ sizes: [2, 3, 1], backend: be() });
    const batches: number[] = [];
    const epochs: number[] = [];
    fitSync(net, XOR, {
      epochs: 2,
      batchSize: 3,
      learningRate: 0.1,
      validation: XOR,
      onBatch: (b) => {
        batches.push(b.batch);
        expect(b.batches).to.equal(2);
        expect(b.examplesPerSecond).to.be.above(0);
      },
      onEpoch: (e) => {
        epochs.push(e.epoch);
        expect(e.validationAccuracy).to.be.within(0, 1);
        expect(e.accuracy).to.be.within(0, 1);
      },
    });
    expect(batches).to.deep.equal([1, 2, 1, 2]);
    expect(epochs).to.deep.equal([1, 2]);
  });

  it('rejects bad training input before it starts', () => {
    const net = new Network({ sizes: [2, 3, 1], backend: be() });
    const snapshot = net.params.slice();
    const bad: [unknown, unknown, RegExp, ErrorConstructor][] = [
      [{ x: new Float32Array([0, NaN]), y: new Float32Array([1]) }, {}, /data\.x\[1\]/, RangeError],
      [
        { x: new Float32Array([0, 1]), y: new Float32Array([Infinity]) },
        {},
        /data\.y\[0\]/,
        RangeError,
      ],
      [{ x: new Float32Array(3), y: new Float32Array(1) }, {}, /data\.x/, RangeError],
      [{ x: new Float32Array(4), y: new Float32Array(1) }, {}, /data\.y/, RangeError],
      [{ x: new Float64Array(2), y: new Float32Array(1) }, {}, /data\.x/, TypeError],
      [XOR, { learningRate: -1 }, /options\.learningRate/, RangeError],
      [XOR, { learningRate: NaN }, /options\.learningRate/, RangeError],
      [XOR, { learningRate: '0.1' }, /options\.learningRate/, TypeError],
      [XOR, { epochs: 0 }, /options\.epochs/, RangeError],
      [XOR, { batchSize: 0 }, /options\.batchSize/, RangeError],
      [XOR, { batchSize: 2.5 }, /options\.batchSize/, RangeError],
      [XOR, { momentum: 1 }, /options\.momentum/, RangeError],
      [XOR, { weightDecay: -0.1 }, /options\.weightDecay/, RangeError],
      [XOR, { loss: 'hinge' }, /"quadratic".*for options\.loss/, RangeError],
      [XOR, { loss: 'crossEntropy' }, /softmax.*for options\.loss/, RangeError],
      [XOR, { patience: 2 }, /options\.patience/, RangeError],
      [XOR, { schedule: { type: 'cosine' } }, /schedule\.type/, RangeError],
      [XOR, { onEpoch: 5 }, /options\.onEpoch/, TypeError],
      [XOR, { learningrate: 1 }, /learningRate.*for options\.learningrate/, RangeError],
      [{ ...XOR, labels: new Uint8Array(3) }, {}, /data\.labels/, RangeError],
      [XOR, 'fast', /options/, TypeError],
    ];
    for (const [data, options, message, kind] of bad) {
      expect(
        () => fitSync(net, data as never, options as never),
        `${JSON.stringify(options)}`,
      ).to.throw(kind, message);
    }
    expect(Array.from(net.params)).to.deep.equal(Array.from(snapshot));
  });

  it('refuses to backpropagate through heaviside units and points to the perceptron rule', () => {
    const net = new Network({ sizes: [2, 1], activations: 'heaviside', backend: be() });
    expect(() => fitSync(net, XOR, {})).to.throw(RangeError, /perceptron rule/);
  });
});
