/**
 * The fast paths added for training speed, on every backend:
 * - `trainBatches` (many steps per call, batches gathered from the dataset, bytes converted on the
 *   way, the optimizer step fused into backward) equals gather + `trainBatch` + `update`, batch by
 *   batch, for every optimizer and built-in loss; counts correct predictions as argmaxRows does;
 *   stops at a non-finite loss; rejects bad input on both backends and in C++.
 * - native and js agree on `trainBatches`.
 * - wide networks, whose steps run on a team of two threads each owning a share of every layer's
 *   units, give the same bits as on one thread.
 * - the native core's own sgemm kernels (AVX-512, AVX2, and BLAS alone), split over threads or
 *   not, and the momentum write-back, against the float64 reference at odd shapes.
 * - fitSync's fast path trains exactly as the per-batch path does.
 */
import { expect } from 'chai';
import { loadAddon, type NativeAddon } from '../lib/backend/native/addon';
import { nativeAvailability } from '../lib/backend/select';
import { makeSpec } from '../lib/backend/spec';
import { ActivationCode, type Backend, LossCode } from '../lib/backend/types';
import { Network } from '../lib/network';
import { fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';
import { mulberry32, randomFloat32, randomParams, randomTargets } from './helpers/random';
import { expectClose, maxAbs, refSgemm, refSgemmMagnitude } from './helpers/reference';

const { Identity, Sigmoid, Tanh, Relu, Softmax } = ActivationCode;

interface Net {
  sizes: number[];
  acts: ActivationCode[];
  loss: LossCode;
}

const NETS: Net[] = [
  { sizes: [7, 5, 3], acts: [Sigmoid, Sigmoid], loss: LossCode.Quadratic },
  { sizes: [9, 6, 4], acts: [Relu, Softmax], loss: LossCode.CrossEntropy },
  { sizes: [5, 8, 3, 1], acts: [Tanh, Relu, Sigmoid], loss: LossCode.BinaryCrossEntropy },
  { sizes: [4, 3], acts: [Identity], loss: LossCode.Quadratic },
];

/** [name, η, μ, nesterov, l2] */
const HYPERS: Array<[string, number, number, number, number]> = [
  ['sgd', 0.5, 0, 0, 0],
  ['sgd + l2', 0.5, 0, 0, 0.01],
  ['momentum', 0.1, 0.9, 0, 0],
  ['momentum + l2', 0.1, 0.9, 0, 0.02],
  ['nesterov', 0.1, 0.8, 1, 0],
  ['nesterov + l2', 0.1, 0.8, 1, 0.02],
];

function paramCount(sizes: number[]): number {
  let n = 0;
  for (let l = 1; l < sizes.length; l++) n += sizes[l] * sizes[l - 1] + sizes[l];
  return n;
}

function units(sizes: number[]): number {
  return sizes.slice(1).reduce((s, n) => s + n, 0);
}

/** A dataset of n rows for a net: float inputs, their bytes, targets and labels. */
function dataset(net: Net, n: number, seed: number) {
  const rng = mulberry32(seed);
  const n0 = net.sizes[0];
  const nL = net.sizes.at(-1)!;
  const bytes = new Uint8Array(n * n0);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rng() * 256);
  const scale = 1 / 255;
  const offset = -0.25;
  const x = Float32Array.from(
    bytes,
    (b) => Math.fround(b * Math.fround(scale)) + Math.fround(offset),
  );
  const y = randomTargets(rng, n, nL, net.loss === LossCode.CrossEntropy);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = nL === 1 ? (y[i] > 0.5 ? 1 : 0) : Math.floor(rng() * nL);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return { x, bytes, scale, offset, y, labels, order };
}

/** The per-batch path: gather, trainBatch (grad), update; returns losses and correct counts. */
function perBatch(
  be: Backend,
  net: Net,
  params: Float32Array,
  velocity: Float32Array,
  x: Float32Array,
  y: Float32Array,
  labels: Uint8Array,
  order: Uint32Array,
  start: number,
  batch: number,
  batches: number,
  hyper: Float64Array,
) {
  const spec = makeSpec(net.sizes, net.acts);
  const n0 = net.sizes[0];
  const nL = net.sizes.at(-1)!;
  const u = units(net.sizes);
  const out: number[] = [];
  for (let b = 0; b < batches; b++) {
    const first = start + b * batch;
    const rows = Math.min(batch, order.length - first);
    const xb = new Float32Array(rows * n0);
    const yb = new Float32Array(rows * nL);
    be.gatherRows(x, n0, order, first, rows, xb);
    for (let i = 0; i < rows; i++)
      yb.set(y.subarray(order[first + i] * nL, (order[first + i] + 1) * nL), i * nL);
    const z = new Float32Array(rows * u);
    const a = new Float32Array(rows * u);
    const delta = new Float32Array(rows * u);
    const grad = new Float32Array(params.length);
    const value = be.trainBatch(
      spec,
      params,
      grad,
      velocity,
      xb,
      yb,
      rows,
      net.loss,
      z,
      a,
      delta,
      null,
    );
    const off = rows * (u - nL);
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      let best = 0;
      if (nL === 1) best = a[off + r] > 0.5 ? 1 : 0;
      else for (let j = 1; j < nL; j++) if (a[off + r * nL + j] > a[off + r * nL + best]) best = j;
      if (best === labels[order[first + r]]) correct++;
    }
    be.update(spec, params, grad, velocity, hyper);
    out.push(value, correct);
  }
  return out;
}

function fastWorkspace(net: Net, batch: number) {
  const u = units(net.sizes);
  return {
    z: new Float32Array(batch * u),
    a: new Float32Array(batch * u),
    delta: new Float32Array(batch * u),
    xBatch: new Float32Array(batch * net.sizes[0]),
    yBatch: new Float32Array(batch * net.sizes.at(-1)!),
  };
}

/** The native addon for a describe block (skipped where native does not load); its kernels and
 * thread count are restored afterwards. */
function useNativeAddon(): () => NativeAddon {
  let addon: NativeAddon | undefined;
  let threadsBefore = 1;
  before(function () {
    if (!nativeAvailability().available) this.skip();
    addon = loadAddon().addon;
    threadsBefore = addon.info().threads;
  });
  after(() => {
    if (!addon) return;
    addon.setKernels!('auto');
    addon.setThreads(threadsBefore);
  });
  return () => addon!;
}

const netName = (net: Net) =>
  `[${net.sizes.join(', ')}] ${net.acts.map((a) => ActivationCode[a]).join('/')} ${LossCode[net.loss]}`;

forEachBackend('trainBatches', (be) => {
  for (const net of NETS) {
    for (const [name, eta, mu, nesterov, l2] of HYPERS) {
      it(`${netName(net)}, ${name}: equals gather + trainBatch + update, batch by batch (a short last batch too)`, () => {
        const n = 23;
        const batch = 5; // batches of 5, 5, 5, 5, 3
        const d = dataset(net, n, 11);
        const spec = makeSpec(net.sizes, net.acts);
        const params0 = randomParams(mulberry32(3), net.sizes);
        const P = paramCount(net.sizes);
        const velocity0 =
          mu > 0 ? randomFloat32(mulberry32(4), P, -0.01, 0.01) : new Float32Array(0);
        const hyper = new Float64Array([eta, mu, nesterov, l2]);
        // Reference: one batch at a time through the per-batch contract.
        const pRef = params0.slice();
        const vRef = velocity0.slice();
        const outRef = perBatch(
          be(),
          net,
          pRef,
          vRef,
          d.x,
          d.y,
          d.labels,
          d.order,
          0,
          batch,
          5,
          hyper,
        );
        // Fast: two calls (3 batches, then 2) on float inputs.
        const p = params0.slice();
        const v = velocity0.slice();
        const ws = fastWorkspace(net, batch);
        const out = new Float64Array(10);
        expect(
          be().trainBatches(
            spec,
            p,
            v,
            { x: d.x, xScale: 1, xOffset: 0, y: d.y, labels: d.labels },
            { order: d.order, start: 0, batchSize: batch, batches: 3, loss: net.loss, hyper },
            ws,
            out,
          ),
        ).to.equal(3);
        const rest = new Float64Array(4);
        expect(
          be().trainBatches(
            spec,
            p,
            v,
            { x: d.x, xScale: 1, xOffset: 0, y: d.y, labels: d.labels },
            { order: d.order, start: 15, batchSize: batch, batches: 2, loss: net.loss, hyper },
            ws,
            rest,
          ),
        ).to.equal(2);
        out.set(rest, 6);
        for (let b = 0; b < 5; b++) {
          expect(Math.abs(out[2 * b] - outRef[2 * b]), `loss of batch ${b}`).to.be.at.most(
            1e-5 * Math.abs(outRef[2 * b]) + 1e-6,
          );
          expect(out[2 * b + 1], `correct in batch ${b}`).to.equal(outRef[2 * b + 1]);
        }
        expectClose(p, pRef, (i) => 2e-5 * (Math.abs(pRef[i]) + 1e-2), 'params');
        if (mu > 0) expectClose(v, vRef, (i) => 2e-5 * (Math.abs(vRef[i]) + 1e-2), 'velocity');
        // The same from the bytes, converted per batch: the same floats, so the same result.
        const pb = params0.slice();
        const vb = velocity0.slice();
        const outB = new Float64Array(10);
        be().trainBatches(
          spec,
          pb,
          vb,
          { x: d.bytes, xScale: d.scale, xOffset: d.offset, y: d.y, labels: null },
          { order: d.order, start: 0, batchSize: batch, batches: 5, loss: net.loss, hyper },
          ws,
          outB,
        );
        expectClose(pb, p, (i) => 1e-6 * (Math.abs(p[i]) + 1e-2), 'params from bytes');
        for (let b = 0; b < 5; b++) expect(outB[2 * b + 1], 'no labels: 0 correct').to.equal(0);
      });
    }
  }

  it('gathers bytes as fround(fround(byte · scale) + offset)', () => {
    const net: Net = { sizes: [3, 2], acts: [Identity], loss: LossCode.Quadratic };
    const spec = makeSpec(net.sizes, net.acts);
    const bytes = Uint8Array.from([0, 1, 2, 127, 128, 255]);
    const ws = fastWorkspace(net, 2);
    const params = new Float32Array(paramCount(net.sizes));
    be().trainBatches(
      spec,
      params,
      new Float32Array(0),
      { x: bytes, xScale: 1 / 255, xOffset: 0.5, y: new Float32Array(4), labels: null },
      {
        order: Uint32Array.from([1, 0]),
        start: 0,
        batchSize: 2,
        batches: 1,
        loss: net.loss,
        hyper: new Float64Array([0, 0, 0, 0]),
      },
      ws,
      new Float64Array(2),
    );
    const s = Math.fround(1 / 255);
    const expected = [127, 128, 255, 0, 1, 2].map((b) => Math.fround(Math.fround(b * s) + 0.5));
    expect(Array.from(ws.xBatch)).to.deep.equal(expected);
  });

  it('stops after the first batch whose loss is not finite, and says how many ran', () => {
    const net = NETS[0];
    const d = dataset(net, 12, 5);
    d.x[d.order[4] * net.sizes[0]] = NaN; // an example of the second batch
    const ws = fastWorkspace(net, 4);
    const out = new Float64Array(6).fill(-1);
    const params = randomParams(mulberry32(1), net.sizes);
    const done = be().trainBatches(
      makeSpec(net.sizes, net.acts),
      params,
      new Float32Array(0),
      { x: d.x, xScale: 1, xOffset: 0, y: d.y, labels: d.labels },
      {
        order: d.order,
        start: 0,
        batchSize: 4,
        batches: 3,
        loss: net.loss,
        hyper: new Float64Array([0.1, 0, 0, 0]),
      },
      ws,
      out,
    );
    expect(done).to.equal(2);
    expect(Number.isFinite(out[0])).to.equal(true);
    expect(Number.isNaN(out[2])).to.equal(true);
    expect(out[4]).to.equal(-1);
  });

  it('rejects bad input, writing nothing', () => {
    const net = NETS[1];
    const spec = makeSpec(net.sizes, net.acts);
    const d = dataset(net, 10, 9);
    const ws = fastWorkspace(net, 4);
    const P = paramCount(net.sizes);
    const params = randomParams(mulberry32(2), net.sizes);
    const before = params.slice();
    const valid = (): unknown[] => [
      spec,
      params,
      new Float32Array(P),
      { x: d.x, xScale: 1, xOffset: 0, y: d.y, labels: d.labels },
      {
        order: d.order,
        start: 0,
        batchSize: 4,
        batches: 2,
        loss: net.loss,
        hyper: new Float64Array([0.1, 0.9, 0, 0]),
      },
      { ...ws }, // a copy: a case replaces one of its buffers
      new Float64Array(4),
    ];
    // [argument index, property (or null for the argument itself), value, error, name]
    const cases: Array<
      [number, string | null, unknown, typeof TypeError | typeof RangeError, string]
    > = [
      [3, 'x', new Float64Array(90), TypeError, 'data.x'],
      [3, 'x', new Float32Array(91), RangeError, 'data.x'],
      [3, 'xScale', NaN, RangeError, 'data.xScale'],
      [3, 'y', new Float32Array(3), RangeError, 'data.y'],
      [3, 'labels', new Uint8Array(3), RangeError, 'data.labels'],
      [3, 'labels', [1, 2], TypeError, 'data.labels'],
      [4, 'order', Uint32Array.from([0, 1, 2, 3, 4, 99, 6, 7]), RangeError, 'run.order[5]'],
      [4, 'start', 7, RangeError, 'run.start + (run.batches - 1) * run.batchSize'],
      [4, 'batchSize', 0, RangeError, 'run.batchSize'],
      [4, 'batches', 0, RangeError, 'run.batches'],
      [4, 'loss', LossCode.BinaryCrossEntropy, RangeError, 'run.loss'],
      [5, 'z', new Float32Array(3), RangeError, 'workspace.z'],
      [5, 'xBatch', new Float32Array(3), RangeError, 'workspace.xBatch'],
      [5, 'yBatch', new Float32Array(3), RangeError, 'workspace.yBatch'],
      [2, null, new Float32Array(3), RangeError, 'velocity'],
      [4, 'hyper', null, TypeError, 'run.hyper'],
      [6, null, new Float64Array(3), RangeError, 'out'],
    ];
    for (const [index, key, value, kind, name] of cases) {
      const args = valid();
      if (key === null) args[index] = value;
      else (args[index] as Record<string, unknown>)[key] = value;
      let caught: unknown;
      try {
        (be().trainBatches as (...a: unknown[]) => number)(...args);
      } catch (error) {
        caught = error;
      }
      expect(caught, `${name}: expected a ${kind.name}`).to.be.instanceOf(kind);
      expect((caught as Error).message).to.contain(`for ${name} but received`);
      expect((caught as { code?: string }).code).to.match(/^ERR_BLASNET_/);
      expect(Array.from(params), `${name}: params untouched`).to.deep.equal(Array.from(before));
    }
  });
});

describe('trainBatches: native and js agree', () => {
  before(function () {
    if (!nativeAvailability().available) this.skip();
  });
  for (const net of NETS) {
    it(`${netName(net)}: 20 momentum steps from bytes, params within 1e-4`, () => {
      const { getBackend } =
        require('../lib/backend/select') as typeof import('../lib/backend/select');
      const d = dataset(net, 60, 21);
      const spec = makeSpec(net.sizes, net.acts);
      const P = paramCount(net.sizes);
      const results = (['native', 'js'] as const).map((kind) => {
        const params = randomParams(mulberry32(8), net.sizes);
        const velocity = new Float32Array(P);
        const ws = fastWorkspace(net, 3);
        const out = new Float64Array(40);
        getBackend(kind).trainBatches(
          spec,
          params,
          velocity,
          { x: d.bytes, xScale: d.scale, xOffset: d.offset, y: d.y, labels: d.labels },
          {
            order: d.order,
            start: 0,
            batchSize: 3,
            batches: 20,
            loss: net.loss,
            hyper: new Float64Array([0.05, 0.9, 0, 0.001]),
          },
          ws,
          out,
        );
        return { params, out };
      });
      expectClose(
        results[0].params,
        results[1].params,
        1e-4 * Math.max(1, maxAbs(results[1].params)),
        'params native vs js',
      );
      for (let b = 0; b < 20; b++)
        expect(results[0].out[2 * b + 1]).to.equal(results[1].out[2 * b + 1]);
    });
  }
});

describe('trainBatches on a team of threads', () => {
  // Wide enough that the largest product of a step is worth a team of three (at least 15M
  // multiply-adds: 5M per thread), so with two or three threads and the AVX-512 kernels the whole
  // call runs on a team; on one thread, or without AVX-512, on the plain path. The first three keep
  // w^1 transposed for the call (on any number of threads) and compute the output layer on every
  // part, the first also fuses ReLU into the kernels, the last (one layer) splits the output layer
  // by rows. Every element is computed the same way either way.
  const WIDE: Array<[Net, number]> = [
    [{ sizes: [784, 320, 10], acts: [Relu, Softmax], loss: LossCode.CrossEntropy }, 64],
    [
      {
        sizes: [300, 600, 100, 1],
        acts: [Tanh, Sigmoid, Sigmoid],
        loss: LossCode.BinaryCrossEntropy,
      },
      100,
    ],
    [
      { sizes: [784, 160, 48, 10], acts: [Identity, Sigmoid, Softmax], loss: LossCode.Quadratic },
      128,
    ],
    [{ sizes: [600, 50], acts: [Sigmoid], loss: LossCode.Quadratic }, 512],
  ];
  const native = useNativeAddon();
  for (const [net, batch] of WIDE) {
    for (const [name, eta, mu, nesterov, l2] of [HYPERS[1], HYPERS[3], HYPERS[5]]) {
      it(`${netName(net)}, batch ${batch}, ${name}: two or three threads give the bits of one`, () => {
        const n = 3 * batch + 7; // a short last batch too
        const d = dataset(net, n, 31);
        const spec = makeSpec(net.sizes, net.acts);
        const P = paramCount(net.sizes);
        const hyper = new Float64Array([eta * 0.1, mu, nesterov, l2]);
        const run = (threads: number) => {
          native().setThreads(threads);
          const params = randomParams(mulberry32(6), net.sizes);
          const velocity =
            mu > 0 ? randomFloat32(mulberry32(7), P, -0.01, 0.01) : new Float32Array(0);
          const ws = fastWorkspace(net, batch);
          const out = new Float64Array(8);
          const done = native().trainBatches(
            spec,
            params,
            velocity,
            { x: d.bytes, xScale: d.scale, xOffset: d.offset, y: d.y, labels: d.labels },
            { order: d.order, start: 0, batchSize: batch, batches: 4, loss: net.loss, hyper },
            ws,
            out,
          );
          expect(done).to.equal(4);
          return { params, velocity, out };
        };
        const one = run(1);
        const two = run(2);
        // Three parts on two cores: more threads than cores still meet at every barrier.
        const three = run(3);
        for (const [name, many] of [
          ['two', two],
          ['three', three],
        ] as const) {
          expect(Array.from(many.params), `params, ${name} threads`).to.deep.equal(
            Array.from(one.params),
          );
          expect(Array.from(many.velocity), `velocity, ${name} threads`).to.deep.equal(
            Array.from(one.velocity),
          );
          for (let b = 0; b < 4; b++) {
            expect(many.out[2 * b + 1], `correct in batch ${b}, ${name} threads`).to.equal(
              one.out[2 * b + 1],
            );
            // The loss is summed per thread's rows, then added: equal to the last bits of a double.
            expect(Math.abs(many.out[2 * b] - one.out[2 * b]), `loss of batch ${b}`).to.be.at.most(
              1e-12 * Math.abs(one.out[2 * b]),
            );
          }
        }
        // And it is the right step: the per-batch contract (gather, trainBatch, update) agrees.
        const pRef = randomParams(mulberry32(6), net.sizes);
        const vRef = mu > 0 ? randomFloat32(mulberry32(7), P, -0.01, 0.01) : new Float32Array(0);
        const outRef = perBatch(
          native() as unknown as Backend,
          net,
          pRef,
          vRef,
          d.x,
          d.y,
          d.labels,
          d.order,
          0,
          batch,
          4,
          hyper,
        );
        expectClose(
          two.params,
          pRef,
          (i) => 2e-5 * (Math.abs(pRef[i]) + 1e-2),
          'params vs per-batch',
        );
        for (let b = 0; b < 4; b++)
          expect(two.out[2 * b + 1], `correct in batch ${b} vs per-batch`).to.equal(
            outRef[2 * b + 1],
          );
      });
    }
  }

  // A call that stops early (a loss that is not finite) leaves the parameters as the batches it
  // ran left them: as that many one-batch calls do. On a wide first layer the call keeps w^1
  // transposed and the output layer's next columns aside, and must put both back on this path too.
  it('stops after a batch whose loss is not finite with the parameters as one-batch calls leave them', () => {
    const net: Net = {
      sizes: [300, 600, 100, 1],
      acts: [Tanh, Sigmoid, Sigmoid],
      loss: LossCode.BinaryCrossEntropy,
    };
    const batch = 100;
    const d = dataset(net, 4 * batch, 41);
    const x = d.x.slice();
    x[d.order[2 * batch + 5] * 300 + 17] = NaN; // in batch 2: tanh keeps the NaN, the loss is NaN
    const spec = makeSpec(net.sizes, net.acts);
    const P = paramCount(net.sizes);
    const hyper = new Float64Array([0.05, 0.9, 0, 1e-4]);
    for (const threads of [1, 2]) {
      native().setThreads(threads);
      const ws = fastWorkspace(net, batch);
      const params = randomParams(mulberry32(8), net.sizes);
      const velocity = randomFloat32(mulberry32(9), P, -0.01, 0.01);
      const out = new Float64Array(8);
      const done = native().trainBatches(
        spec,
        params,
        velocity,
        { x, xScale: 1, xOffset: 0, y: d.y, labels: d.labels },
        { order: d.order, start: 0, batchSize: batch, batches: 4, loss: net.loss, hyper },
        ws,
        out,
      );
      expect(done, `${threads} thread(s)`).to.equal(3);
      expect(Number.isNaN(out[4]), 'the loss of batch 2').to.equal(true);
      const pRef = randomParams(mulberry32(8), net.sizes);
      const vRef = randomFloat32(mulberry32(9), P, -0.01, 0.01);
      const one = new Float64Array(2);
      for (let b = 0; b < 3; b++) {
        native().trainBatches(
          spec,
          pRef,
          vRef,
          { x, xScale: 1, xOffset: 0, y: d.y, labels: d.labels },
          { order: d.order, start: b * batch, batchSize: batch, batches: 1, loss: net.loss, hyper },
          ws,
          one,
        );
      }
      // Bit patterns, so that NaNs compare too.
      expect(
        Array.from(new Uint32Array(params.buffer)),
        `params, ${threads} thread(s)`,
      ).to.deep.equal(Array.from(new Uint32Array(pRef.buffer)));
      expect(
        Array.from(new Uint32Array(velocity.buffer)),
        `velocity, ${threads} thread(s)`,
      ).to.deep.equal(Array.from(new Uint32Array(vRef.buffer)));
      // And the step of batch 2 reached w^1 where the NaN input feeds it (column 17 of w^1).
      expect(Number.isNaN(params[17]), 'w^1[0][17]').to.equal(true);
    }
  });
});

describe('native sgemm kernels', () => {
  const native = useNativeAddon();

  it('reports its kernels and rejects an unknown choice', () => {
    expect(['avx512', 'avx2', 'none']).to.include(native().info().kernels);
    expect(native().setKernels!('none')).to.equal('none');
    expect(native().info().kernels).to.equal('none');
    const best = native().setKernels!('auto');
    expect(['avx512', 'avx2', 'none']).to.include(best);
    expect(() => native().setKernels!('sse' as 'auto')).to.throw(
      RangeError,
      /for kernels but received/,
    );
    expect(() => native().setKernels!(3 as unknown as 'auto')).to.throw(
      TypeError,
      /for kernels but received/,
    );
  });

  const SHAPES: Array<[number, number, number]> = [
    [1, 1, 1],
    [7, 33, 1],
    [1, 784, 10],
    [10, 30, 784],
    [17, 5, 33],
    [33, 7, 17],
    [5, 97, 300],
    [130, 50, 20],
    [64, 300, 129],
  ];
  for (const kernels of ['avx512', 'avx2', 'none'] as const) {
    for (const threads of [1, 2]) {
      it(`${kernels}, ${threads} thread(s): all transposes, alpha/beta, odd shapes vs the float64 reference`, function () {
        const got = native().setKernels!(kernels);
        if (got !== kernels) this.skip(); // this CPU lacks the instruction set
        native().setThreads(threads);
        let seed = 100;
        for (const [m, n, k] of SHAPES) {
          for (const [tA, tB] of [
            [false, false],
            [true, false],
            [false, true],
            [true, true],
          ] as const) {
            const rng = mulberry32(seed++);
            const a = randomFloat32(rng, m * k);
            const b = randomFloat32(rng, k * n);
            const c0 = randomFloat32(rng, m * n);
            for (const [alpha, beta] of [
              [1, 0],
              [-0.7, 1],
              [0.3, 0.9],
            ] as const) {
              const c = c0.slice();
              native().sgemm(tA, tB, m, n, k, alpha, a, b, beta, c);
              const ref = refSgemm(tA, tB, m, n, k, alpha, a, b, beta, c0);
              const mag = refSgemmMagnitude(tA, tB, m, n, k, alpha, a, b, beta, c0);
              expectClose(
                c,
                ref,
                (i) => 1e-5 * Math.sqrt(k) * mag[i] + 1e-30,
                `${m}x${n}x${k} ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} alpha ${alpha} beta ${beta}`,
              );
            }
          }
        }
      });
    }
  }

  it('large products split over two threads equal the one-thread result (by rows for op(A) = Aᵀ, else by columns)', () => {
    native().setKernels!('auto');
    const rng = mulberry32(5);
    const [m, n, k] = [128, 800, 784];
    for (const [tA, tB] of [
      [false, true],
      [true, false],
      [false, false],
    ] as const) {
      const a = randomFloat32(rng, m * k);
      const b = randomFloat32(rng, k * n);
      const c1 = new Float32Array(m * n);
      const c2 = new Float32Array(m * n);
      native().setThreads(1);
      native().sgemm(tA, tB, m, n, k, 1, a, b, 0, c1);
      native().setThreads(2);
      native().sgemm(tA, tB, m, n, k, 1, a, b, 0, c2);
      expect(Array.from(c2)).to.deep.equal(Array.from(c1));
    }
  });

  it('benchSgemm and benchEpochGemms time loops in C++ and check their arguments', () => {
    expect(native().benchSgemm!(false, true, 10, 30, 784, 3, false)).to.be.above(0);
    expect(native().benchSgemm!(false, true, 10, 30, 784, 3, true)).to.be.above(0);
    expect(
      native().benchEpochGemms!(makeSpec([784, 30, 10], [Sigmoid, Sigmoid]), 100, 10, 1),
    ).to.be.above(0);
    expect(() => native().benchSgemm!(false, true, 0, 30, 784, 3, false)).to.throw(
      RangeError,
      /for m but received/,
    );
    expect(() => native().benchEpochGemms!(new Int32Array([1]), 100, 10, 0)).to.throw(
      RangeError,
      /for spec but received/,
    );
  });
});

describe('fitSync: the fast path trains as the per-batch path does', () => {
  for (const kind of ['native', 'js'] as const) {
    it(`${kind}: same losses and accuracies with and without onBatch (which takes the per-batch path)`, function () {
      if (kind === 'native' && !nativeAvailability().available) this.skip();
      const net0 = new Network({
        sizes: [12, 9, 4],
        activations: ['relu', 'softmax'],
        init: 'he',
        seed: 3,
        backend: kind,
      });
      const d = dataset(
        { sizes: [12, 9, 4], acts: [Relu, Softmax], loss: LossCode.CrossEntropy },
        200,
        4,
      );
      const options = { epochs: 3, batchSize: 16, learningRate: 0.05, momentum: 0.9, seed: 2 };
      const fast = net0.clone();
      const slow = net0.clone();
      const a = fitSync(fast, { x: d.x, y: d.y, labels: d.labels }, options);
      let batches = 0;
      const b = fitSync(
        slow,
        { x: d.x, y: d.y, labels: d.labels },
        { ...options, onBatch: () => batches++ },
      );
      expect(batches).to.equal(3 * 13);
      for (let e = 0; e < 3; e++) {
        expect(Math.abs(a.history[e].loss - b.history[e].loss)).to.be.at.most(
          1e-4 * b.history[e].loss,
        );
        expect(a.history[e].accuracy).to.equal(b.history[e].accuracy);
      }
      expectClose(fast.params, slow.params, 1e-4 * Math.max(1, maxAbs(slow.params)), 'params');
    });
  }
});
