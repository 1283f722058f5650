/**
 * Adam, AdamW, RMSprop (and SGD, momentum, Nesterov beside them) on both backends:
 * - 100 mini-batch steps from the same weights and batch order give the same parameters on native
 *   and js (max relative difference <= 1e-5), on the fused many-batches path and on the per-batch
 *   path (trainBatch + update), and match a float64 oracle of the published update rules written
 *   here (the gradients from test/helpers/reference.ts, no code shared with either backend);
 * - on networks wide enough for a team of threads (and w^1 kept transposed), 1, 2 and 3 threads
 *   give the same bits.
 */
import { expect } from 'chai';
import { getBackend, nativeAvailability } from '../lib/backend/select';
import { ActivationCode, LossCode } from '../lib/backend/types';
import { Network } from '../lib/network';
import type { Optimizer } from '../lib/optimizers';
import { type FitOptions, fitSync } from '../lib/train';
import { maxRelative } from './helpers/compare';
import { mulberry32, randomFloat32 } from './helpers/random';
import { refOffsets, refTrainBatch } from './helpers/reference';

const SIZES = [10, 12, 4];
const ACTS = [ActivationCode.Tanh, ActivationCode.Softmax];
const BATCH = 4;
const STEPS = 100;
const N = BATCH * STEPS;

interface Case {
  name: string;
  options: FitOptions;
}

const CASES: Case[] = [
  { name: 'sgd', options: { learningRate: 0.2 } },
  { name: 'momentum', options: { learningRate: 0.03, momentum: 0.9 } },
  { name: 'nesterov', options: { learningRate: 0.03, momentum: 0.9, nesterov: true } },
  { name: 'adam', options: { optimizer: 'adam', learningRate: 0.01 } },
  {
    name: 'adam (betas, eps, L2 weight decay)',
    options: {
      optimizer: { type: 'adam', beta1: 0.8, beta2: 0.95, eps: 1e-4 },
      learningRate: 0.02,
      weightDecay: 2,
    },
  },
  {
    name: 'adamw',
    options: { optimizer: { type: 'adamw', weightDecay: 0.3 }, learningRate: 0.01 },
  },
  { name: 'rmsprop', options: { optimizer: 'rmsprop', learningRate: 0.003 } },
  {
    name: 'rmsprop (alpha, eps)',
    options: { optimizer: { type: 'rmsprop', alpha: 0.9, eps: 1e-3 }, learningRate: 0.005 },
  },
];

function dataset(): { x: Float32Array; y: Float32Array } {
  const rng = mulberry32(80);
  const x = randomFloat32(rng, N * SIZES[0]);
  const y = new Float32Array(N * SIZES[2]);
  for (let i = 0; i < N; i++) y[i * SIZES[2] + Math.floor(rng() * SIZES[2])] = 1;
  return { x, y };
}

function initial(): Float32Array {
  const net = new Network({ sizes: SIZES, activations: ['tanh', 'softmax'], seed: 80 });
  return net.params.slice();
}

/**
 * The published rules in float64, step t = 1..100 on batch t − 1 in order: SGD with momentum
 * (v ← μv − ηg, p ← p + v; Nesterov p ← p + μv − ηg); Adam (Kingma & Ba with PyTorch's eps
 * outside the square root); AdamW (Loshchilov & Hutter: p ← p(1 − ηλ) first); RMSprop (Hinton).
 * blasnet's weightDecay λ adds (λ/n)·w to the gradient of weights only.
 */
function oracle(options: FitOptions, data: { x: Float32Array; y: Float32Array }): Float64Array {
  const p = Float64Array.from(initial());
  const off = refOffsets(SIZES);
  const isWeight = new Uint8Array(off.count);
  for (let l = 1; l < SIZES.length; l++) isWeight.fill(1, off.w[l - 1], off.b[l - 1]);
  const opt: Exclude<Optimizer, string> =
    typeof options.optimizer === 'string' || options.optimizer === undefined
      ? ({ type: options.optimizer ?? 'sgd' } as Exclude<Optimizer, string>)
      : options.optimizer;
  const o = opt as Record<string, number | string>;
  const eta = options.learningRate ?? 0.1;
  const mu = options.momentum ?? 0;
  const l2 = (options.weightDecay ?? 0) / N;
  const b1 = (o.beta1 as number) ?? 0.9;
  const b2 = (o.beta2 as number) ?? 0.999;
  const alpha = (o.alpha as number) ?? 0.99;
  const eps = (o.eps as number) ?? 1e-8;
  const lambda = opt.type === 'adamw' ? ((o.weightDecay as number) ?? 0.01) : 0;
  const m = new Float64Array(off.count);
  const v = new Float64Array(off.count);
  for (let t = 1; t <= STEPS; t++) {
    const s = (t - 1) * BATCH;
    const x = data.x.subarray(s * SIZES[0], (s + BATCH) * SIZES[0]);
    const y = data.y.subarray(s * SIZES[2], (s + BATCH) * SIZES[2]);
    const { grad } = refTrainBatch(SIZES, ACTS, p, x, y, BATCH, LossCode.CrossEntropy).back;
    for (let i = 0; i < off.count; i++) {
      const g = grad[i] + (isWeight[i] ? l2 * p[i] : 0);
      if (opt.type === 'sgd') {
        m[i] = mu * m[i] - eta * g;
        p[i] += options.nesterov ? mu * m[i] - eta * g : m[i];
      } else if (opt.type === 'rmsprop') {
        v[i] = alpha * v[i] + (1 - alpha) * g * g;
        p[i] -= (eta * g) / (Math.sqrt(v[i]) + eps);
      } else {
        p[i] *= 1 - eta * lambda;
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        const mHat = m[i] / (1 - b1 ** t);
        const vHat = v[i] / (1 - b2 ** t);
        p[i] -= (eta * mHat) / (Math.sqrt(vHat) + eps);
      }
    }
  }
  return p;
}

const backends = (): Array<'native' | 'js'> =>
  nativeAvailability().available ? ['native', 'js'] : ['js'];

describe('optimizers: 100 steps on native, js and a float64 oracle', () => {
  const data = dataset();
  for (const c of CASES) {
    it(`${c.name}: fused and per-batch paths, both backends, agree with each other and the oracle`, () => {
      const expected = oracle(c.options, data);
      const results: Array<[string, Float32Array]> = [];
      for (const backend of backends()) {
        for (const fused of [true, false]) {
          const net = new Network({ sizes: SIZES, activations: ['tanh', 'softmax'], backend });
          net.params.set(initial());
          fitSync(net, data, {
            ...c.options,
            batchSize: BATCH,
            epochs: 1,
            shuffle: false,
            // A per-batch callback takes the per-batch path: trainBatch, then update.
            onBatch: fused ? undefined : () => {},
          });
          results.push([`${backend} ${fused ? 'fused' : 'per-batch'}`, net.params]);
        }
      }
      // Relative differences max|Δ| / max|p|: every path and backend against native's fused one
      // (float32 rounding apart), and against the float64 oracle.
      const [firstName, first] = results[0];
      for (const [name, params] of results) {
        expect(maxRelative(params, first), `${name} vs ${firstName}`).to.be.at.most(1e-5);
        expect(maxRelative(params, expected), `${name} vs the float64 oracle`).to.be.at.most(2e-5);
      }
      // And it trained: the oracle moved the parameters well beyond the tolerance.
      expect(maxRelative(initial(), expected)).to.be.above(1e-2);
    });
  }
});

describe('optimizers on a team of threads: 1, 2 and 3 threads give the same bits', () => {
  before(function () {
    if (!nativeAvailability().available) this.skip();
  });
  // Wide enough for a team (5M multiply-adds per thread) with w^1 kept transposed, and the output
  // layer computed on every part (first) or split by rows (second, one layer).
  const NETS: Array<[number[], Array<'relu' | 'tanh' | 'sigmoid' | 'softmax'>, number]> = [
    [[784, 320, 10], ['relu', 'softmax'], 64],
    [[600, 50], ['sigmoid'], 512],
  ];
  for (const [sizes, activations, batch] of NETS) {
    for (const optimizer of ['adam', 'adamw', 'rmsprop'] as const) {
      it(`[${sizes}], batch ${batch}, ${optimizer}`, () => {
        const n = 3 * batch + 7;
        const rng = mulberry32(81);
        const x = randomFloat32(rng, n * sizes[0], 0, 1);
        const y = randomFloat32(rng, n * sizes[sizes.length - 1], 0, 1);
        const be = getBackend('native');
        const before = be.info().threads;
        const run = (threads: number) => {
          be.setThreads(threads);
          const net = new Network({ sizes, activations, seed: 81, backend: 'native' });
          fitSync(net, { x, y }, { optimizer, learningRate: 0.001, batchSize: batch, epochs: 2 });
          return Array.from(net.params);
        };
        try {
          const one = run(1);
          expect(run(2), 'two threads').to.deep.equal(one);
          expect(run(3), 'three threads').to.deep.equal(one);
        } finally {
          be.setThreads(before);
        }
      });
    }
  }
});
