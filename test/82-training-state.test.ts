/**
 * The training state across calls and checkpoints (lib/training-state.ts, model format 3):
 * - two 1-epoch fitSync calls equal one 2-epoch call, bit for bit, for every optimizer, on both
 *   backends; and fit (async) continues as fitSync does;
 * - save mid-training with { optimizerState: true }, load, continue: bit-identical to never
 *   stopping (Adam); without the state the continuation differs;
 * - a second call with the same seed continues the shuffle stream instead of replaying it; the
 *   first shuffle does not reuse the numbers behind the initial weights; another seed restarts it;
 * - another optimizer or other hyper-parameters start the state over;
 * - trainInBackground passes the optimizer and clipNorm on to the worker.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Loss } from '../lib/losses';
import { loadNetwork, saveNetwork, serializeNetwork, deserializeNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { Random, range } from '../lib/random';
import { type FitOptions, fit, fitSync } from '../lib/train';
import { trainInBackground } from '../lib/background';
import { trainingState } from '../lib/training-state';
import { forEachBackend } from './helpers/backends';
import { mulberry32, randomFloat32 } from './helpers/random';

const N = 96;
const SIZES = [6, 10, 3];

function data(): { x: Float32Array; y: Float32Array } {
  const rng = mulberry32(82);
  const x = randomFloat32(rng, N * SIZES[0]);
  const y = new Float32Array(N * 3);
  for (let i = 0; i < N; i++)
    y[i * 3 + (x[i * 6] + x[i * 6 + 1] > 0 ? 0 : x[i * 6 + 2] > 0 ? 1 : 2)] = 1;
  return { x, y };
}

const OPTIMIZERS: Array<[string, FitOptions]> = [
  ['sgd', { learningRate: 0.3 }],
  ['momentum', { learningRate: 0.1, momentum: 0.9 }],
  ['nesterov', { learningRate: 0.1, momentum: 0.9, nesterov: true }],
  ['adam', { optimizer: 'adam', learningRate: 0.01 }],
  ['adamw', { optimizer: { type: 'adamw', weightDecay: 0.1 }, learningRate: 0.01 }],
  ['rmsprop', { optimizer: 'rmsprop', learningRate: 0.005 }],
];

/** A loss that records the targets of every batch in order: the first target is the example's index. */
function recordingLoss(seen: number[]): Loss {
  return {
    name: 'recording',
    value: (a, y, batch, nOut) => {
      for (let r = 0; r < batch; r++) seen.push(y[r * nOut]);
      let sum = 0;
      for (let i = 0; i < batch * nOut; i++) sum += (a[i] - y[i]) ** 2;
      return sum / batch;
    },
    gradient: (a, y, batch, nOut, out) => {
      for (let i = 0; i < batch * nOut; i++) out[i] = (a[i] - y[i]) / batch;
    },
  };
}

forEachBackend('training state across calls', (be) => {
  const d = data();
  const make = () =>
    new Network({ sizes: SIZES, activations: ['tanh', 'softmax'], seed: 5, backend: be() });

  for (const [name, options] of OPTIMIZERS) {
    it(`${name}: two 1-epoch calls equal one 2-epoch call, bit for bit`, () => {
      const common: FitOptions = { ...options, batchSize: 8, seed: 3 };
      const once = make();
      fitSync(once, d, { ...common, epochs: 2 });
      const twice = make();
      fitSync(twice, d, { ...common, epochs: 1 });
      fitSync(twice, d, { ...common, epochs: 1 });
      expect(Array.from(twice.params)).to.deep.equal(Array.from(once.params));
      expect(trainingState(twice)?.steps).to.equal(2 * (N / 8));
    });
  }

  it('fit continues from the state fitSync left, as one call would', async () => {
    const common: FitOptions = { optimizer: 'adam', learningRate: 0.01, batchSize: 8 };
    const once = make();
    fitSync(once, d, { ...common, epochs: 2 });
    const split = make();
    fitSync(split, d, { ...common, epochs: 1 });
    await fit(split, d, { ...common, epochs: 1, yieldEveryMs: 0 });
    expect(Array.from(split.params)).to.deep.equal(Array.from(once.params));
  });

  it('save mid-training with the optimizer state, load, continue: bit-identical (Adam)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'blasnet-82-'));
    try {
      const common: FitOptions = { optimizer: 'adam', learningRate: 0.01, batchSize: 8 };
      const straight = make();
      fitSync(straight, d, { ...common, epochs: 3 });
      const first = make();
      fitSync(first, d, { ...common, epochs: 1 });
      const file = join(dir, 'mid.blasnet');
      saveNetwork(first, file, { note: 'epoch 1' }, { optimizerState: true });
      const resumed = loadNetwork(file, { backend: be() });
      expect(trainingState(resumed)?.steps).to.equal(N / 8);
      fitSync(resumed, d, { ...common, epochs: 2 });
      expect(Array.from(resumed.params)).to.deep.equal(Array.from(straight.params));
      // Without the state (the default) the moments and the shuffle start over: other weights.
      const bare = deserializeNetwork(serializeNetwork(first), { backend: be() });
      expect(trainingState(bare)).to.equal(undefined);
      fitSync(bare, d, { ...common, epochs: 2 });
      expect(Array.from(bare.params)).to.not.deep.equal(Array.from(straight.params));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a second call with the same seed continues the shuffle; another seed restarts it', () => {
    const rows = 12;
    const x = new Float32Array(rows);
    const y = new Float32Array(rows);
    for (let i = 0; i < rows; i++) {
      x[i] = i / rows;
      y[i] = i;
    }
    const orders = (net: Network, seed: number): number[] => {
      const seen: number[] = [];
      fitSync(
        net,
        { x, y },
        { loss: recordingLoss(seen), batchSize: 3, epochs: 1, seed, learningRate: 0 },
      );
      return seen;
    };
    const net = new Network({ sizes: [1, 1], activations: ['identity'], seed: 1, backend: be() });
    const first = orders(net, 1);
    const second = orders(net, 1);
    expect([...first].sort((a, b) => a - b)).to.deep.equal(Array.from(range(rows)));
    expect(second, 'the second call with the same seed').to.not.deep.equal(first);
    // Not the permutation the initial weights' stream (new Network({ seed: 1 })) would give.
    expect(first).to.not.deep.equal(Array.from(new Random(1).shuffle(range(rows))));
    // Another seed restarts the stream, and going back to seed 1 restarts that one too.
    const other = orders(net, 2);
    expect(other).to.not.deep.equal(first);
    expect(orders(net, 1)).to.deep.equal(first);
    // A fresh network with the same seeds sees the same orders.
    const again = new Network({ sizes: [1, 1], activations: ['identity'], seed: 1, backend: be() });
    expect(orders(again, 1)).to.deep.equal(first);
    expect(orders(again, 1)).to.deep.equal(second);
  });

  it('another optimizer or other hyper-parameters start the state over; the learning rate does not', () => {
    const net = make();
    fitSync(net, d, { optimizer: 'adam', learningRate: 0.01, batchSize: 8, epochs: 1 });
    expect(trainingState(net)?.steps).to.equal(N / 8);
    fitSync(net, d, { optimizer: 'adam', learningRate: 0.002, batchSize: 8, epochs: 1 });
    expect(trainingState(net)?.steps, 'a new learning rate keeps the moments').to.equal(
      2 * (N / 8),
    );
    fitSync(net, d, {
      optimizer: { type: 'adam', beta2: 0.99 },
      learningRate: 0.002,
      batchSize: 8,
      epochs: 1,
    });
    expect(trainingState(net)?.steps, 'another beta2 starts over').to.equal(N / 8);
    fitSync(net, d, { optimizer: 'rmsprop', learningRate: 0.002, batchSize: 8, epochs: 1 });
    const st = trainingState(net);
    expect(st?.optimizer.type).to.equal('rmsprop');
    expect(st?.state.length).to.equal(net.params.length);
  });

  /** The bytes with the header rewritten by `edit` (same length) and the checksum recomputed. */
  const rewrite = (bytes: Buffer, edit: (json: string) => string): Buffer => {
    const out = Buffer.from(bytes);
    const length = out.readUInt32LE(8);
    const json = edit(out.subarray(12, 12 + length).toString('utf8'));
    expect(Buffer.byteLength(json)).to.equal(length);
    out.write(json, 12, 'utf8');
    const end = out.length - 32;
    createHash('sha256').update(out.subarray(0, end)).digest().copy(out, end);
    return out;
  };

  it('version 2 files (no training state) still load; a bad training header is a format error', () => {
    const net = make();
    fitSync(net, d, { optimizer: 'adam', learningRate: 0.01, batchSize: 8, epochs: 1 });
    const v2 = rewrite(serializeNetwork(net), (json) => json.replace('"version":3', '"version":2'));
    const loaded = deserializeNetwork(v2, { backend: be() });
    expect(Array.from(loaded.params)).to.deep.equal(Array.from(net.params));
    const withState = serializeNetwork(net, undefined, { optimizerState: true });
    const bad = [
      rewrite(withState, (json) => json.replace('"version":3', '"version":2')),
      rewrite(withState, (json) => json.replace('"type":"adam"', '"type":"adaw"')),
      rewrite(withState, (json) => json.replace(/"steps":(\d)/, '"steps":-')),
      rewrite(withState, (json) => json.replace('"beta2":0.999', '"beta2":1.999')),
    ];
    for (const bytes of bad) {
      expect(() => deserializeNetwork(bytes))
        .to.throw(Error, /training state|version 2/)
        .with.property('code', 'ERR_BLASNET_FORMAT');
    }
  });
});

describe('optimizers in a background worker', () => {
  it('trainInBackground with Adam and clipNorm trains as fitSync does, bit for bit', async () => {
    const d = data();
    const fitOptions = {
      optimizer: { type: 'adam' as const, beta2: 0.99 },
      learningRate: 0.01,
      clipNorm: 0.5,
      batchSize: 8,
      epochs: 2,
    };
    const job = trainInBackground({
      network: { sizes: SIZES, activations: ['tanh', 'softmax'], seed: 5 },
      data: d,
      fit: fitOptions,
      backend: 'js',
      resultBackend: 'js',
    });
    const { network } = await job.result;
    const here = new Network({
      sizes: SIZES,
      activations: ['tanh', 'softmax'],
      seed: 5,
      backend: 'js',
    });
    fitSync(here, d, fitOptions);
    expect(Array.from(network.params)).to.deep.equal(Array.from(here.params));
  });
});
