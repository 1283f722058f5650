/**
 * Dropout in the training step, on every path that trains: the JS backend, the native reference
 * path (trainBatch: forward, backward, update) and the fused native multi-batch path
 * (trainBatches), against an independent float64 oracle written here from docs/dropout.md (its
 * own mask function, its own forward, backprop and update: no code shared with either backend).
 * Also: 1, 2 and 3 native threads give identical bits, the mask keeps 1 − p of the units, and
 * the gradient check passes with a fixed mask (and fails when backward ignores it).
 */
import { expect } from 'chai';
import { getBackend, nativeAvailability } from '../lib/backend/select';
import { makeSpec } from '../lib/backend/spec';
import { ActivationCode, type Backend, LossCode } from '../lib/backend/types';
import { gradientCheck } from '../lib/gradient-check';
import { Network } from '../lib/network';
import { mulberry32, randomFloat32, randomInt, randomParams } from './helpers/random';

const { Identity, Sigmoid, Tanh, Relu, Softmax } = ActivationCode;

// ---- the oracle: docs/dropout.md, written out again in float64 --------------------------------

/** MurmurHash3 fmix32, on unsigned 32-bit values (BigInt, so nothing is shared with the backends). */
function fmix(h: bigint): bigint {
  const M = 0xffffffffn;
  h &= M;
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) & M;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) & M;
  h ^= h >> 16n;
  return h;
}

/** keep(seed, step, layer, row, unit) as the docs define it. */
function oracleKeeps(
  seed: number,
  step: number,
  layer: number,
  row: number,
  units: number,
  p: number,
) {
  const M = 0xffffffffn;
  let key = fmix(BigInt(seed));
  key = fmix(key ^ (BigInt(step) & M));
  key = fmix(key ^ BigInt(layer));
  key = fmix(key ^ BigInt(row));
  const threshold = BigInt(Math.floor(p * 2 ** 32));
  const keep: boolean[] = [];
  for (let j = 0; j < units; j++) keep.push(fmix(key + BigInt(j) * 0x9e3779b9n) >= threshold);
  return keep;
}

interface Net {
  sizes: number[];
  acts: ActivationCode[];
  loss: LossCode;
  rates: number[];
}

function act64(code: ActivationCode, z: number): number {
  if (code === Sigmoid) return 1 / (1 + Math.exp(-z));
  if (code === Tanh) return Math.tanh(z);
  if (code === Relu) return z > 0 ? z : 0;
  return z;
}

function slope64(code: ActivationCode, z: number): number {
  if (code === Sigmoid) {
    const s = 1 / (1 + Math.exp(-z));
    return s * (1 - s);
  }
  if (code === Tanh) return 1 - Math.tanh(z) ** 2;
  if (code === Relu) return z > 0 ? 1 : 0;
  return 1;
}

/**
 * `steps` mini-batches of SGD (with classical momentum μ) in float64, batch s being the rows
 * order[s·batch ..], its dropout mask at step s. The output layer is softmax + cross-entropy or
 * sigmoid + binary cross-entropy: δ^L = (a − y)/N for both.
 */
function oracleTrain(
  net: Net,
  params0: Float32Array,
  x: Float32Array,
  y: Float32Array,
  order: Uint32Array,
  batch: number,
  steps: number,
  eta: number,
  mu: number,
  seed: number,
): Float64Array {
  const { sizes, acts, rates } = net;
  const L = sizes.length - 1;
  const p = Float64Array.from(params0);
  const v = new Float64Array(p.length);
  const wOff: number[] = [];
  const bOff: number[] = [];
  let o = 0;
  for (let l = 1; l <= L; l++) {
    wOff.push(o);
    o += sizes[l] * sizes[l - 1];
    bOff.push(o);
    o += sizes[l];
  }
  for (let s = 0; s < steps; s++) {
    const rows = Array.from({ length: batch }, (_, r) => order[s * batch + r]);
    const N = rows.length;
    const g = new Float64Array(p.length);
    for (let r = 0; r < N; r++) {
      // forward, keeping z^l, a^l (masked) and the mask of each layer
      const as: number[][] = [Array.from(x.subarray(rows[r] * sizes[0], (rows[r] + 1) * sizes[0]))];
      const zs: number[][] = [[]];
      const masks: number[][] = [[]];
      for (let l = 1; l <= L; l++) {
        const z: number[] = [];
        for (let j = 0; j < sizes[l]; j++) {
          let sum = p[bOff[l - 1] + j];
          for (let k = 0; k < sizes[l - 1]; k++)
            sum += p[wOff[l - 1] + j * sizes[l - 1] + k] * as[l - 1][k];
          z.push(sum);
        }
        let a: number[];
        if (l === L && acts[L - 1] === Softmax) {
          const m = Math.max(...z);
          const e = z.map((t) => Math.exp(t - m));
          const total = e.reduce((u, t) => u + t, 0);
          a = e.map((t) => t / total);
        } else a = z.map((t) => act64(acts[l - 1], t));
        const rate = l < L ? rates[l - 1] : 0;
        const keep = rate > 0 ? oracleKeeps(seed, s, l, r, sizes[l], rate) : a.map(() => true);
        const mask = keep.map((k) => (k ? 1 / (1 - rate) : 0));
        zs.push(z);
        as.push(a.map((t, j) => t * mask[j]));
        masks.push(mask);
      }
      // backward: δ^L = (a − y)/N, δ^l = (w^(l+1)ᵀ δ^(l+1)) ∘ σ'(z^l) ∘ mask^l
      let delta = as[L].map((t, j) => (t - y[rows[r] * sizes[L] + j]) / N);
      for (let l = L; l >= 1; l--) {
        for (let j = 0; j < sizes[l]; j++) {
          g[bOff[l - 1] + j] += delta[j];
          for (let k = 0; k < sizes[l - 1]; k++)
            g[wOff[l - 1] + j * sizes[l - 1] + k] += delta[j] * as[l - 1][k];
        }
        if (l === 1) break;
        const prev: number[] = [];
        for (let k = 0; k < sizes[l - 1]; k++) {
          let sum = 0;
          for (let j = 0; j < sizes[l]; j++)
            sum += p[wOff[l - 1] + j * sizes[l - 1] + k] * delta[j];
          prev.push(sum * slope64(acts[l - 2], zs[l - 1][k]) * masks[l - 1][k]);
        }
        delta = prev;
      }
    }
    for (let i = 0; i < p.length; i++) {
      if (mu === 0) p[i] -= eta * g[i];
      else {
        v[i] = mu * v[i] - eta * g[i];
        p[i] += v[i];
      }
    }
  }
  return p;
}

// ---- the data and the runs ----------------------------------------------------------------------

function dataset(net: Net, n: number, seed: number) {
  const rng = mulberry32(seed);
  const n0 = net.sizes[0];
  const nL = net.sizes.at(-1)!;
  const x = randomFloat32(rng, n * n0, -1, 1);
  const y = new Float32Array(n * nL);
  for (let r = 0; r < n; r++) {
    if (nL === 1) y[r] = randomInt(rng, 2);
    else y[r * nL + randomInt(rng, nL)] = 1;
  }
  return { x, y };
}

/** steps · batch indices: a fresh permutation of the n examples each time one runs out. */
function batchOrder(n: number, batch: number, steps: number, seed: number): Uint32Array {
  const rng = mulberry32(seed);
  const out = new Uint32Array(steps * batch);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < out.length; i++) {
    if (i % n === 0) {
      for (let k = n - 1; k > 0; k--) {
        const j = randomInt(rng, k + 1);
        [perm[k], perm[j]] = [perm[j], perm[k]];
      }
    }
    out[i] = perm[i % n];
  }
  return out;
}

function units(sizes: number[]): number {
  return sizes.slice(1).reduce((s, n) => s + n, 0);
}

function dropoutArg(net: Net, seed: number, step: number): Float64Array {
  return Float64Array.from([seed, step, ...net.rates]);
}

/** The fused path: every step in one trainBatches call. */
function runFused(
  be: Backend,
  net: Net,
  params: Float32Array,
  d: ReturnType<typeof dataset>,
  order: Uint32Array,
  batch: number,
  steps: number,
  hyper: Float64Array,
  seed: number,
) {
  const u = batch * units(net.sizes);
  const velocity = new Float32Array(hyper[1] > 0 ? params.length : 0);
  const out = new Float64Array(2 * steps);
  const done = be.trainBatches(
    makeSpec(net.sizes, net.acts),
    params,
    velocity,
    { x: d.x, xScale: 1, xOffset: 0, y: d.y, labels: null },
    {
      order,
      start: 0,
      batchSize: batch,
      batches: steps,
      loss: net.loss,
      hyper,
      dropout: dropoutArg(net, seed, 0),
    },
    {
      z: new Float32Array(u),
      a: new Float32Array(u),
      delta: new Float32Array(u),
      xBatch: new Float32Array(batch * net.sizes[0]),
      yBatch: new Float32Array(batch * net.sizes.at(-1)!),
    },
    out,
  );
  expect(done).to.equal(steps);
  return out;
}

/** The reference path: one trainBatch (forward, loss, backward, update) per step. */
function runPerBatch(
  be: Backend,
  net: Net,
  params: Float32Array,
  d: ReturnType<typeof dataset>,
  order: Uint32Array,
  batch: number,
  steps: number,
  hyper: Float64Array,
  seed: number,
) {
  const spec = makeSpec(net.sizes, net.acts);
  const n0 = net.sizes[0];
  const nL = net.sizes.at(-1)!;
  const u = batch * units(net.sizes);
  const [z, a, delta] = [new Float32Array(u), new Float32Array(u), new Float32Array(u)];
  const grad = new Float32Array(params.length);
  const velocity = new Float32Array(hyper[1] > 0 ? params.length : 0);
  const xb = new Float32Array(batch * n0);
  const yb = new Float32Array(batch * nL);
  for (let s = 0; s < steps; s++) {
    be.gatherRows(d.x, n0, order, s * batch, batch, xb);
    for (let r = 0; r < batch; r++)
      yb.set(d.y.subarray(order[s * batch + r] * nL, (order[s * batch + r] + 1) * nL), r * nL);
    be.trainBatch(
      spec,
      params,
      grad,
      velocity,
      xb,
      yb,
      batch,
      net.loss,
      z,
      a,
      delta,
      hyper,
      dropoutArg(net, seed, s),
    );
  }
}

/** max_i |a_i − b_i| / max_i |b_i|: the difference relative to the parameters' scale. */
function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

const NETS: Array<{ net: Net; mu: number; eta: number }> = [
  {
    net: {
      sizes: [16, 24, 20, 4],
      acts: [Sigmoid, Relu, Softmax],
      loss: LossCode.CrossEntropy,
      rates: [0.5, 0.25],
    },
    mu: 0,
    eta: 0.5,
  },
  {
    net: {
      sizes: [12, 18, 14, 1],
      acts: [Tanh, Identity, Sigmoid],
      loss: LossCode.BinaryCrossEntropy,
      rates: [0.2, 0.6],
    },
    mu: 0.9,
    eta: 0.05,
  },
];

const haveNative = nativeAvailability().available;

describe('dropout: 100 mini-batch steps against a float64 oracle', () => {
  const STEPS = 100;
  const BATCH = 10;
  const SEED = 20261205;
  for (const { net, mu, eta } of NETS) {
    const name = `[${net.sizes.join(', ')}] ${net.acts.map((c) => ActivationCode[c]).join('/')}, p = ${net.rates.join('/')}, ${mu > 0 ? `momentum ${mu}` : 'plain SGD'}`;
    it(`${name}: native and JS, fused and per batch, agree with each other and with the oracle`, () => {
      const d = dataset(net, 60, 5);
      const order = batchOrder(60, BATCH, STEPS, 9);
      const params0 = randomParams(mulberry32(3), net.sizes);
      const hyper = new Float64Array([eta, mu, 0, 0]);
      const oracle = oracleTrain(net, params0, d.x, d.y, order, BATCH, STEPS, eta, mu, SEED);
      const moved = relativeDifference(params0, oracle);
      const results: Record<string, Float32Array> = {};
      for (const kind of haveNative ? (['js', 'native'] as const) : (['js'] as const)) {
        const be = getBackend(kind);
        const fused = params0.slice();
        runFused(be, net, fused, d, order, BATCH, STEPS, hyper, SEED);
        const perBatch = params0.slice();
        runPerBatch(be, net, perBatch, d, order, BATCH, STEPS, hyper, SEED);
        results[`${kind} fused`] = fused;
        results[`${kind} per batch`] = perBatch;
      }
      const js = results['js fused'];
      for (const [key, params] of Object.entries(results)) {
        expect(relativeDifference(params, js), `${key} against js fused`).to.be.at.most(1e-5);
        expect(relativeDifference(params, oracle), `${key} against the oracle`).to.be.at.most(1e-5);
      }
      // The steps moved the parameters far more than the tolerance, and the mask mattered: the
      // same steps without dropout end elsewhere.
      expect(moved).to.be.above(0.05);
      const without = oracleTrain(
        { ...net, rates: net.rates.map(() => 0) },
        params0,
        d.x,
        d.y,
        order,
        BATCH,
        STEPS,
        eta,
        mu,
        SEED,
      );
      expect(relativeDifference(js, without)).to.be.above(0.01);
    });
  }

  it('a mask at rate 0 is no mask: the same bits as no dropout argument', () => {
    const net: Net = {
      sizes: [8, 12, 3],
      acts: [Relu, Softmax],
      loss: LossCode.CrossEntropy,
      rates: [0],
    };
    const d = dataset(net, 30, 2);
    const order = batchOrder(30, 5, 12, 4);
    for (const kind of haveNative ? (['js', 'native'] as const) : (['js'] as const)) {
      const be = getBackend(kind);
      const a = randomParams(mulberry32(8), net.sizes);
      const b = a.slice();
      runFused(be, net, a, d, order, 5, 12, new Float64Array([0.3, 0, 0, 0]), 1);
      const u = 5 * units(net.sizes);
      be.trainBatches(
        makeSpec(net.sizes, net.acts),
        b,
        new Float32Array(0),
        { x: d.x, xScale: 1, xOffset: 0, y: d.y, labels: null },
        {
          order,
          start: 0,
          batchSize: 5,
          batches: 12,
          loss: net.loss,
          hyper: new Float64Array([0.3, 0, 0, 0]),
        },
        {
          z: new Float32Array(u),
          a: new Float32Array(u),
          delta: new Float32Array(u),
          xBatch: new Float32Array(5 * 8),
          yBatch: new Float32Array(5 * 3),
        },
        new Float64Array(24),
      );
      expect(Array.from(a), kind).to.deep.equal(Array.from(b));
    }
  });
});

describe('dropout: the mask', () => {
  it('keeps 1 − p of the units, scaled by 1/(1 − p), the same units on both backends', () => {
    const rows = 200;
    const cols = 500;
    const sizes = [1, cols, 1];
    const spec = makeSpec(sizes, [Identity, Identity]);
    // w^1 = 0, b^1 = 1: every a^1 is 1 before the mask, so a^1 is the mask times its scale.
    const params = new Float32Array(cols * 2 + cols + 1);
    params.fill(1, cols, 2 * cols);
    for (const p of [0.1, 0.5, 0.8]) {
      const seen: Float32Array[] = [];
      for (const kind of haveNative ? (['js', 'native'] as const) : (['js'] as const)) {
        const z = new Float32Array(rows * (cols + 1));
        const a = new Float32Array(rows * (cols + 1));
        getBackend(kind).forward(
          spec,
          params,
          new Float32Array(rows),
          rows,
          z,
          a,
          Float64Array.from([77, 3, p]),
        );
        const hidden = a.slice(0, rows * cols);
        const scale = Math.fround(1 / (1 - p));
        expect(
          hidden.every((v) => v === 0 || v === scale),
          `${kind}: 0 or 1/(1 − p)`,
        ).to.equal(true);
        const kept = hidden.filter((v) => v !== 0).length / hidden.length;
        // 100,000 draws: the standard deviation of the fraction is at most 0.0016.
        expect(kept, `${kind}, p = ${p}`).to.be.closeTo(1 - p, 0.01);
        seen.push(hidden);
      }
      if (seen.length === 2) expect(Array.from(seen[0])).to.deep.equal(Array.from(seen[1]));
      // The oracle's mask for row 7 is the one the backend applied.
      const keep = oracleKeeps(77, 3, 1, 7, cols, p);
      expect(Array.from(seen[0].subarray(7 * cols, 8 * cols), (v) => v !== 0)).to.deep.equal(keep);
    }
  });

  it('differs from step to step, row to row and layer to layer', () => {
    const a = oracleKeeps(1, 0, 1, 0, 256, 0.5);
    for (const other of [
      oracleKeeps(1, 1, 1, 0, 256, 0.5),
      oracleKeeps(1, 0, 2, 0, 256, 0.5),
      oracleKeeps(1, 0, 1, 1, 256, 0.5),
      oracleKeeps(2, 0, 1, 0, 256, 0.5),
    ]) {
      const same = a.filter((k, j) => k === other[j]).length;
      expect(same).to.be.within(96, 160); // independent halves agree on about 128 of 256
    }
  });
});

describe('dropout: 1, 2 and 3 native threads', () => {
  // Wide enough for a team of threads on the AVX-512 kernels (test/05): w^1 kept transposed, ReLU
  // fused into the kernels' stores, the output layer on every part; the second splits tanh and
  // sigmoid hidden layers over the team.
  const WIDE: Array<[Net, number]> = [
    [
      { sizes: [784, 320, 10], acts: [Relu, Softmax], loss: LossCode.CrossEntropy, rates: [0.5] },
      64,
    ],
    [
      {
        sizes: [300, 600, 100, 1],
        acts: [Tanh, Sigmoid, Sigmoid],
        loss: LossCode.BinaryCrossEntropy,
        rates: [0.3, 0.2],
      },
      100,
    ],
  ];
  let threadsBefore = 1;
  before(function () {
    if (!haveNative) this.skip();
    threadsBefore = getBackend('native').info().threads;
  });
  after(() => {
    if (haveNative) getBackend('native').setThreads(threadsBefore);
  });
  for (const [net, batch] of WIDE) {
    it(`[${net.sizes.join(', ')}], batch ${batch}: identical bits, and the JS backend within 1e-5`, () => {
      const native = getBackend('native');
      const n = 3 * batch;
      const d = dataset(net, n, 12);
      const steps = 4;
      const order = batchOrder(n, batch, steps, 13);
      const params0 = randomParams(mulberry32(14), net.sizes);
      const hyper = new Float64Array([0.05, 0.9, 0, 0.0001]);
      const run = (be: Backend, threads: number) => {
        be.setThreads(threads);
        const params = params0.slice();
        const out = runFused(be, net, params, d, order, batch, steps, hyper, 99);
        return { params, out };
      };
      const one = run(native, 1);
      for (const threads of [2, 3]) {
        const many = run(native, threads);
        expect(Array.from(many.params), `${threads} threads`).to.deep.equal(Array.from(one.params));
        expect(Array.from(many.out), `${threads} threads: losses`).to.deep.equal(
          Array.from(one.out),
        );
      }
      const js = run(getBackend('js'), 1);
      expect(relativeDifference(js.params, one.params)).to.be.at.most(1e-5);
      expect(relativeDifference(params0, one.params)).to.be.above(1e-3);
    });
  }
});

describe('dropout: the gradient check with a fixed mask', () => {
  for (const kind of haveNative ? (['native', 'js'] as const) : (['js'] as const)) {
    for (const hidden of ['sigmoid', 'tanh', 'relu'] as const) {
      it(`passes on ${kind} for ${hidden} hidden layers, and fails with the gradient taken without the mask`, () => {
        const rng = mulberry32(21);
        const net = new Network({
          sizes: [6, 9, 7, 3],
          activations: [hidden, hidden, 'softmax'],
          seed: 4,
          backend: kind,
          dropout: [0.5, 0.3],
        });
        const n = 8;
        const x = randomFloat32(rng, n * 6, -1, 1);
        const y = new Float32Array(n * 3);
        for (let r = 0; r < n; r++) y[r * 3 + randomInt(rng, 3)] = 1;
        const report = gradientCheck(net, x, y, { samplesPerLayer: 200 });
        expect(report.passed, JSON.stringify(report.layers)).to.equal(true);
        expect(report.maxRelativeError).to.be.below(1e-3);
        // A backend that computes the gradient without the mask (of the network without dropout,
        // as if the option were lost on the way): caught.
        const be = getBackend(kind);
        const broken: Backend = {
          ...be,
          trainBatch: (spec, params, grad, velocity, xb, yb, batch, loss, z, a, delta, hyper) =>
            be.trainBatch(spec, params, grad, velocity, xb, yb, batch, loss, z, a, delta, hyper),
        };
        expect(gradientCheck(net, x, y, { samplesPerLayer: 200, backend: broken }).passed).to.equal(
          false,
        );
      });
    }
  }
});
