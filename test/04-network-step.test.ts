/**
 * The whole-network calls of the backend contract (forward, backward, update, trainBatch) against
 * the float64 reference on several specs and every valid loss, on every backend; and native vs js
 * after 100 training steps.
 */
import { expect } from 'chai';
import { getBackend, nativeAvailability } from '../lib/backend/select';
import { makeSpec } from '../lib/backend/spec';
import { ActivationCode, type Backend, LossCode } from '../lib/backend/types';
import { forEachBackend } from './helpers/backends';
import { mulberry32, randomFloat32, randomParams, randomTargets, type Rng } from './helpers/random';
import {
  expectClose,
  maxAbs,
  refForward,
  refOffsets,
  refTrainBatch,
  refBackward,
  refUpdate,
  relTol,
} from './helpers/reference';

// ---------------------------------------------------------------- tolerances
/**
 * Network values (z, a, δ, gradients) vs the float64 reference: |got − ref| ≤ NET_RTOL·|ref| +
 * NET_ATOL·max|ref| over the array. Float32 storage between layers and sums over up to 784 terms
 * give errors around 1e-6 of the array's scale; an error in the algorithm is off by O(1).
 */
const NET_RTOL = 1e-4;
const NET_ATOL = 1e-5;
/** Loss value vs the reference: |got − ref| ≤ LOSS_RTOL·|ref| + LOSS_ATOL. */
const LOSS_RTOL = 1e-5;
const LOSS_ATOL = 1e-6;
/** Update rules vs the float64 reference (one step, float32 storage): |got − ref| ≤ UPDATE_TOL·(|ref| + 1). */
const UPDATE_TOL = 1e-6;
/**
 * Native vs js after 100 trainBatch steps of a [20, 16, 4] sigmoid network from the same initial
 * weights and data order: max |params_native − params_js| ≤ AGREE_100_TOL. Each step's float32
 * rounding differs in the last bits (measured: ~2e-7 after 100 steps); the bound leaves room for
 * other BLAS builds and thread counts, while one wrong step moves parameters by ~1e-2.
 */
const AGREE_100_TOL = 1e-4;

/** A value no call writes: the tail after every workspace must still hold it. */
const SENTINEL = -12345.5;
const TAIL = 16;

const { Identity, Sigmoid, Tanh, Relu, Softmax, Heaviside } = ActivationCode;
const LOSS_NAMES = ['quadratic', 'cross-entropy', 'binary cross-entropy'];

interface Case {
  sizes: number[];
  acts: ActivationCode[];
  batch: number;
}

const ACT_NAMES = ['identity', 'sigmoid', 'tanh', 'relu', 'softmax', 'heaviside'];
const CASES: Case[] = [
  { sizes: [2, 3, 1], acts: [Sigmoid, Sigmoid], batch: 7 },
  { sizes: [7, 33, 5], acts: [Tanh, Softmax], batch: 33 },
  { sizes: [784, 30, 10], acts: [Relu, Sigmoid], batch: 10 },
  { sizes: [5, 4, 3, 2], acts: [Sigmoid, Relu, Identity], batch: 1 },
  { sizes: [3, 4], acts: [Softmax], batch: 7 },
  { sizes: [6, 5, 3], acts: [Identity, Tanh], batch: 4 },
];

function title(c: Case): string {
  return `[${c.sizes.join(', ')}] ${c.acts.map((a) => ACT_NAMES[a]).join('/')} batch ${c.batch}`;
}

/** The built-in losses valid for an output activation. */
function validLosses(acts: readonly ActivationCode[]): LossCode[] {
  const out = acts[acts.length - 1];
  const losses = [LossCode.Quadratic];
  if (out === Softmax) losses.push(LossCode.CrossEntropy);
  if (out === Sigmoid) losses.push(LossCode.BinaryCrossEntropy);
  return losses;
}

/** n1 + ... + nL. */
function units(sizes: readonly number[]): number {
  return sizes.slice(1).reduce((s, n) => s + n, 0);
}

/** Layer l's block [batch, nl] in a workspace (l = 1..L). */
function block(ws: Float32Array, sizes: readonly number[], l: number, batch: number): Float32Array {
  const start = batch * sizes.slice(1, l).reduce((s, n) => s + n, 0);
  return ws.subarray(start, start + batch * sizes[l]);
}

/** A workspace for `rows` examples followed by a sentinel tail. */
function workspace(sizes: readonly number[], rows: number, fill = SENTINEL): Float32Array {
  const ws = new Float32Array(rows * units(sizes) + TAIL).fill(fill);
  ws.fill(SENTINEL, rows * units(sizes));
  return ws;
}

function expectTail(buf: Float32Array, start: number, what: string): void {
  for (let i = start; i < buf.length; i++) {
    if (buf[i] !== SENTINEL)
      throw new Error(`${what}: element ${i} beyond the workspace was written (${buf[i]})`);
  }
}

function expectSame(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).to.equal(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]))
      throw new Error(`${what}: element ${i} is ${actual[i]} but expected ${expected[i]}`);
  }
}

function netTol(ref: ArrayLike<number>): (i: number) => number {
  return relTol(ref, NET_RTOL, NET_ATOL * maxAbs(ref));
}

/** Inputs for a case: x in [-1, 1] ([0, 1] for 784 pixels), targets fitting the loss. */
function inputs(c: Case, rng: Rng, loss: LossCode) {
  const spec = makeSpec(c.sizes, c.acts);
  const params = randomParams(rng, c.sizes);
  const x =
    c.sizes[0] === 784
      ? randomFloat32(rng, c.batch * 784, 0, 1)
      : randomFloat32(rng, c.batch * c.sizes[0]);
  // Cross-entropy's fused δ = (a − y)/N assumes each target row sums to 1: one-hot rows.
  const y = randomTargets(
    rng,
    c.batch,
    c.sizes[c.sizes.length - 1],
    loss === LossCode.CrossEntropy,
  );
  return { spec, params, x, y };
}

/** The hyper variants: [name, learningRate, momentum, nesterov, l2]. */
const HYPERS: [string, number, number, number, number][] = [
  ['plain SGD', 0.5, 0, 0, 0],
  ['SGD + l2', 0.3, 0, 0, 0.01],
  ['momentum', 0.1, 0.9, 0, 0],
  ['momentum + l2', 0.1, 0.9, 0, 0.005],
  ['Nesterov', 0.2, 0.5, 1, 0],
  ['Nesterov + l2', 0.05, 0.99, 1, 0.02],
];

function hyperOf(h: (typeof HYPERS)[number]): Float64Array {
  return new Float64Array([h[1], h[2], h[3], h[4]]);
}

/** Assert fn throws `kind` whose message names `name` in the contract's form. */
function expectRejects(
  fn: () => unknown,
  kind: typeof TypeError | typeof RangeError,
  name: string,
): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a ${kind.name} naming ${name}`).to.be.instanceOf(kind);
  const err = caught as Error & { code?: string };
  expect(err.message).to.contain(`for ${name} but received`);
  expect(err.code).to.match(/^ERR_BLASNET_/);
}

forEachBackend('network step', (be) => {
  for (const c of CASES) {
    const L = c.sizes.length - 1;
    const nL = c.sizes[L];
    const paramCount = refOffsets(c.sizes).count;

    describe(title(c), () => {
      it('forward matches the reference (z, a per layer), writes nothing else', () => {
        const { spec, params, x } = inputs(c, mulberry32(1), LossCode.Quadratic);
        const z = workspace(c.sizes, c.batch, NaN);
        const a = workspace(c.sizes, c.batch, NaN);
        const paramsCopy = params.slice();
        const xCopy = x.slice();
        be().forward(spec, params, x, c.batch, z, a);
        const ref = refForward(c.sizes, c.acts, params, x, c.batch);
        for (let l = 1; l <= L; l++) {
          expectClose(block(z, c.sizes, l, c.batch), ref.z[l - 1], netTol(ref.z[l - 1]), `z^${l}`);
          expectClose(block(a, c.sizes, l, c.batch), ref.a[l - 1], netTol(ref.a[l - 1]), `a^${l}`);
        }
        expectTail(z, c.batch * units(c.sizes), 'z');
        expectTail(a, c.batch * units(c.sizes), 'a');
        expectSame(params, paramsCopy, 'params');
        expectSame(x, xCopy, 'x');
      });

      it('backward from ∂L/∂a^L matches BP1..BP4; grad overwritten, not accumulated; no input-layer gradient', () => {
        const rng = mulberry32(2);
        const { spec, params, x } = inputs(c, rng, LossCode.Quadratic);
        const z = workspace(c.sizes, c.batch);
        const a = workspace(c.sizes, c.batch);
        be().forward(spec, params, x, c.batch, z, a);
        const dLda = randomFloat32(rng, c.batch * nL, -1 / c.batch, 1 / c.batch);
        const ref = refBackward(
          c.sizes,
          c.acts,
          params,
          x,
          c.batch,
          refForward(c.sizes, c.acts, params, x, c.batch),
          dLda,
        );
        const xCopy = x.slice();
        const paramsCopy = params.slice();
        // NaN everywhere in grad and the hidden blocks of delta: every value must be written, not added to.
        const grad = new Float32Array(paramCount + TAIL).fill(NaN).fill(SENTINEL, paramCount);
        const delta = workspace(c.sizes, c.batch, NaN);
        block(delta, c.sizes, L, c.batch).set(dLda);
        be().backward(spec, params, grad, x, c.batch, z, a, delta);
        expectClose(grad, ref.grad, netTol(ref.grad), 'grad');
        for (let l = 1; l <= L; l++)
          expectClose(
            block(delta, c.sizes, l, c.batch),
            ref.delta[l - 1],
            netTol(ref.delta[l - 1]),
            `delta^${l}`,
          );
        // The input layer's gradient (δ^0 = ∂L/∂x) has no block: nothing beyond the workspace, x untouched.
        expectTail(delta, c.batch * units(c.sizes), 'delta');
        expectTail(grad, paramCount, 'grad');
        expectSame(x, xCopy, 'x');
        expectSame(params, paramsCopy, 'params');
        // Again from the same ∂L/∂a^L: the same gradient, not twice it.
        const first = grad.slice();
        block(delta, c.sizes, L, c.batch).set(dLda);
        be().backward(spec, params, grad, x, c.batch, z, a, delta);
        expectSame(grad, first, 'grad after a second backward');
      });

      for (const loss of validLosses(c.acts)) {
        it(`trainBatch (${LOSS_NAMES[loss]}, no update) returns the reference loss and gradient`, () => {
          const { spec, params, x, y } = inputs(c, mulberry32(3 + loss), loss);
          const z = workspace(c.sizes, c.batch);
          const a = workspace(c.sizes, c.batch);
          const delta = workspace(c.sizes, c.batch, NaN);
          const grad = new Float32Array(paramCount).fill(NaN);
          const paramsCopy = params.slice();
          const value = be().trainBatch(
            spec,
            params,
            grad,
            new Float32Array(0),
            x,
            y,
            c.batch,
            loss,
            z,
            a,
            delta,
            null,
          );
          const ref = refTrainBatch(c.sizes, c.acts, params, x, y, c.batch, loss);
          expect(value).to.be.a('number');
          expect(Math.abs(value - ref.loss)).to.be.at.most(
            LOSS_RTOL * Math.abs(ref.loss) + LOSS_ATOL,
            `loss ${value} vs reference ${ref.loss}`,
          );
          expectClose(grad, ref.back.grad, netTol(ref.back.grad), 'grad');
          for (let l = 1; l <= L; l++) {
            expectClose(
              block(a, c.sizes, l, c.batch),
              ref.fwd.a[l - 1],
              netTol(ref.fwd.a[l - 1]),
              `a^${l}`,
            );
            expectClose(
              block(delta, c.sizes, l, c.batch),
              ref.back.delta[l - 1],
              netTol(ref.back.delta[l - 1]),
              `delta^${l}`,
            );
          }
          expectSame(params, paramsCopy, 'params (no hyper: no update)');
          for (const ws of [z, a, delta]) expectTail(ws, c.batch * units(c.sizes), 'workspace');
        });

        it(`trainBatch (${LOSS_NAMES[loss]}) with hyper = trainBatch without, then one update()`, () => {
          const { spec, params, x, y } = inputs(c, mulberry32(10 + loss), loss);
          for (const h of HYPERS) {
            const hyper = hyperOf(h);
            const velocity0 =
              h[2] > 0
                ? randomFloat32(mulberry32(99), paramCount, -0.01, 0.01)
                : new Float32Array(0);
            // Fused: one call.
            const p1 = params.slice();
            const v1 = velocity0.slice();
            const g1 = new Float32Array(paramCount);
            const loss1 = be().trainBatch(
              spec,
              p1,
              g1,
              v1,
              x,
              y,
              c.batch,
              loss,
              workspace(c.sizes, c.batch),
              workspace(c.sizes, c.batch),
              workspace(c.sizes, c.batch),
              hyper,
            );
            // Apart: the gradient, then update() on it.
            const p2 = params.slice();
            const v2 = velocity0.slice();
            const g2 = new Float32Array(paramCount);
            const loss2 = be().trainBatch(
              spec,
              p2,
              g2,
              v2,
              x,
              y,
              c.batch,
              loss,
              workspace(c.sizes, c.batch),
              workspace(c.sizes, c.batch),
              workspace(c.sizes, c.batch),
              null,
            );
            be().update(spec, p2, g2, v2, hyper);
            expect(loss1, `${h[0]}: loss computed before the update`).to.equal(loss2);
            expectClose(g1, g2, (i) => 1e-7 * (Math.abs(g2[i]) + 1e-30), `${h[0]}: grad`);
            expectClose(
              p1,
              p2,
              (i) => UPDATE_TOL * (Math.abs(p2[i]) + 1e-3),
              `${h[0]}: params after one fused step vs update()`,
            );
            expectClose(v1, v2, (i) => UPDATE_TOL * (Math.abs(v2[i]) + 1e-3), `${h[0]}: velocity`);
            // And it moved: exactly one step, not zero.
            expect(maxAbs(p1.map((v, i) => v - params[i]))).to.be.above(0);
          }
        });
      }

      it('update matches the reference for plain SGD, l2, momentum and Nesterov; velocity untouched without momentum', () => {
        const rng = mulberry32(20);
        const spec = makeSpec(c.sizes, c.acts);
        const params = randomParams(rng, c.sizes);
        const grad = randomFloat32(rng, paramCount, -0.5, 0.5);
        for (const h of HYPERS) {
          const hyper = hyperOf(h);
          const p = params.slice();
          const velocity =
            h[2] > 0
              ? randomFloat32(mulberry32(21), paramCount, -0.1, 0.1)
              : new Float32Array(paramCount + TAIL).fill(SENTINEL);
          const vStart = velocity.slice();
          const gradCopy = grad.slice();
          be().update(spec, p, grad, velocity, hyper);
          const ref = refUpdate(c.sizes, params, grad, vStart, hyper);
          expectClose(
            p,
            ref.params,
            (i) => UPDATE_TOL * (Math.abs(ref.params[i]) + 1),
            `${h[0]}: params`,
          );
          if (h[2] > 0)
            expectClose(
              velocity,
              ref.velocity,
              (i) => UPDATE_TOL * (Math.abs(ref.velocity[i]) + 1),
              `${h[0]}: velocity`,
            );
          else expectTail(velocity, 0, `${h[0]}: velocity`);
          expectSame(grad, gradCopy, 'grad');
          if (h[2] === 0) {
            // An empty velocity is enough without momentum.
            const q = params.slice();
            be().update(spec, q, grad, new Float32Array(0), hyper);
            expectSame(q, p, `${h[0]}: params with an empty velocity`);
          }
        }
      });

      it('weight decay (l2) shrinks weights only, never biases', () => {
        const spec = makeSpec(c.sizes, c.acts);
        const params = randomParams(mulberry32(30), c.sizes);
        const off = refOffsets(c.sizes);
        for (const momentum of [0, 0.9]) {
          const p = params.slice();
          be().update(
            spec,
            p,
            new Float32Array(paramCount),
            new Float32Array(paramCount),
            new Float64Array([0.5, momentum, 0, 0.1]),
          );
          for (let l = 1; l <= L; l++) {
            const [w0, b0, b1] = [off.w[l - 1], off.b[l - 1], off.b[l - 1] + c.sizes[l]];
            // w ← (1 − ηλ/n) w with a zero gradient (and a zero velocity to start from).
            const shrunk = Float64Array.from(params.subarray(w0, b0), (w) => w * (1 - 0.5 * 0.1));
            expectClose(
              p.subarray(w0, b0),
              shrunk,
              (i) => UPDATE_TOL * (Math.abs(shrunk[i]) + 1),
              `momentum ${momentum}: w^${l}`,
            );
            expectSame(p.subarray(b0, b1), params.subarray(b0, b1), `momentum ${momentum}: b^${l}`);
          }
        }
      });

      it('a workspace sized for a larger batch serves a smaller batch', () => {
        const big = c.batch + 5;
        const small = c.batch > 1 ? c.batch - 1 : 1;
        const loss = validLosses(c.acts).at(-1)!;
        const { spec, params } = inputs(c, mulberry32(40), loss);
        const rng = mulberry32(41);
        const x = randomFloat32(rng, big * c.sizes[0]);
        const y = randomTargets(rng, big, nL, loss === LossCode.CrossEntropy);
        const run = (rows: number) => {
          const z = workspace(c.sizes, rows);
          const a = workspace(c.sizes, rows);
          const delta = workspace(c.sizes, rows);
          const grad = new Float32Array(paramCount);
          const value = be().trainBatch(
            spec,
            params,
            grad,
            new Float32Array(0),
            x,
            y,
            small,
            loss,
            z,
            a,
            delta,
            null,
          );
          return { z, a, delta, grad, value };
        };
        const exact = run(small);
        const roomy = run(big);
        expect(roomy.value).to.equal(exact.value);
        expectSame(roomy.grad, exact.grad, 'grad');
        for (let l = 1; l <= L; l++) {
          // Offsets follow the call's batch: layer l's block starts at small · (n1 + ... + n(l−1)).
          expectSame(
            block(roomy.a, c.sizes, l, small),
            block(exact.a, c.sizes, l, small),
            `a^${l}`,
          );
          expectSame(
            block(roomy.delta, c.sizes, l, small),
            block(exact.delta, c.sizes, l, small),
            `delta^${l}`,
          );
        }
        // Forward alone too, against the reference.
        const z = workspace(c.sizes, big);
        const a = workspace(c.sizes, big);
        be().forward(spec, params, x, small, z, a);
        const ref = refForward(c.sizes, c.acts, params, x, small);
        expectClose(block(a, c.sizes, L, small), ref.a[L - 1], netTol(ref.a[L - 1]), 'a^L');
      });
    });
  }

  it('forward runs a heaviside perceptron layer; backward and trainBatch reject it', () => {
    const sizes = [4, 3, 2];
    const acts = [Heaviside, Sigmoid];
    const spec = makeSpec(sizes, acts);
    const rng = mulberry32(50);
    const params = randomParams(rng, sizes);
    const batch = 5;
    const x = randomFloat32(rng, batch * 4);
    const z = workspace(sizes, batch);
    const a = workspace(sizes, batch);
    be().forward(spec, params, x, batch, z, a);
    const ref = refForward(sizes, acts, params, x, batch);
    expectClose(block(a, sizes, 1, batch), ref.a[0], 0, 'heaviside a^1');
    expectClose(block(a, sizes, 2, batch), ref.a[1], netTol(ref.a[1]), 'a^2');
    const grad = new Float32Array(refOffsets(sizes).count);
    const delta = workspace(sizes, batch);
    expectRejects(
      () => be().backward(spec, params, grad, x, batch, z, a, delta),
      RangeError,
      'activation of layer 1',
    );
    expectRejects(
      () =>
        be().trainBatch(
          spec,
          params,
          grad,
          new Float32Array(0),
          x,
          new Float32Array(batch * 2),
          batch,
          LossCode.Quadratic,
          z,
          a,
          delta,
          null,
        ),
      RangeError,
      'activation of layer 1',
    );
  });

  it('rejects cross-entropy without softmax and binary cross-entropy without sigmoid', () => {
    const batch = 3;
    const make = (acts: ActivationCode[]) => {
      const sizes = [2, 3];
      return {
        spec: makeSpec(sizes, acts),
        params: new Float32Array(9),
        grad: new Float32Array(9),
        x: new Float32Array(6),
        y: new Float32Array(9),
        z: new Float32Array(9),
        a: new Float32Array(9),
        delta: new Float32Array(9),
      };
    };
    for (const [acts, loss] of [
      [[Sigmoid], LossCode.CrossEntropy],
      [[Identity], LossCode.CrossEntropy],
      [[Softmax], LossCode.BinaryCrossEntropy],
      [[Tanh], LossCode.BinaryCrossEntropy],
    ] as [ActivationCode[], LossCode][]) {
      const v = make(acts);
      expectRejects(
        () =>
          be().trainBatch(
            v.spec,
            v.params,
            v.grad,
            new Float32Array(0),
            v.x,
            v.y,
            batch,
            loss,
            v.z,
            v.a,
            v.delta,
            null,
          ),
        RangeError,
        'loss',
      );
    }
    const v = make([Softmax]);
    expectRejects(
      () =>
        be().trainBatch(
          v.spec,
          v.params,
          v.grad,
          new Float32Array(0),
          v.x,
          v.y,
          batch,
          5 as LossCode,
          v.z,
          v.a,
          v.delta,
          null,
        ),
      RangeError,
      'loss',
    );
    expectRejects(
      () =>
        be().trainBatch(
          v.spec,
          v.params,
          v.grad,
          new Float32Array(0),
          v.x,
          v.y,
          batch,
          'quadratic' as unknown as LossCode,
          v.z,
          v.a,
          v.delta,
          null,
        ),
      TypeError,
      'loss',
    );
  });

  it('rejects bad specs, buffers, batches and hyper, naming the argument', () => {
    const sizes = [2, 3, 1];
    const spec = makeSpec(sizes, [Sigmoid, Sigmoid]);
    const n = refOffsets(sizes).count; // 13
    const batch = 2;
    const ws = () => new Float32Array(batch * 4);
    const base = {
      spec,
      params: new Float32Array(n),
      grad: new Float32Array(n),
      velocity: new Float32Array(n),
      x: new Float32Array(batch * 2),
      y: new Float32Array(batch),
      batch,
      z: ws(),
      a: ws(),
      delta: ws(),
      hyper: new Float64Array([0.1, 0.9, 0, 0]) as Float64Array | null,
    };
    type Args = typeof base;
    const calls: Record<string, (v: Args) => unknown> = {
      forward: (v) => be().forward(v.spec, v.params, v.x, v.batch, v.z, v.a),
      backward: (v) => be().backward(v.spec, v.params, v.grad, v.x, v.batch, v.z, v.a, v.delta),
      update: (v) => be().update(v.spec, v.params, v.grad, v.velocity, v.hyper!),
      trainBatch: (v) =>
        be().trainBatch(
          v.spec,
          v.params,
          v.grad,
          v.velocity,
          v.x,
          v.y,
          v.batch,
          LossCode.Quadratic,
          v.z,
          v.a,
          v.delta,
          v.hyper,
        ),
    };
    const cases: [
      string[],
      Partial<Record<keyof Args, unknown>>,
      typeof TypeError | typeof RangeError,
      string,
    ][] = [
      [['forward', 'backward', 'update', 'trainBatch'], { spec: [1, 2, 3, 1] }, TypeError, 'spec'],
      [
        ['forward', 'backward', 'update', 'trainBatch'],
        { spec: new Int32Array([2, 2, 3, 1, 1]) },
        RangeError,
        'spec',
      ],
      [
        ['forward', 'backward', 'update', 'trainBatch'],
        { spec: new Int32Array([1, 2, 0, 1]) },
        RangeError,
        'spec size n1',
      ],
      [
        ['forward', 'backward', 'update', 'trainBatch'],
        { spec: makeSpec(sizes, [Sigmoid, 9 as ActivationCode]) },
        RangeError,
        'spec activation of layer 2',
      ],
      [
        ['forward', 'backward', 'update', 'trainBatch'],
        { spec: makeSpec(sizes, [Softmax, Sigmoid]) },
        RangeError,
        'spec activation of layer 1',
      ],
      [
        ['forward', 'backward', 'update', 'trainBatch'],
        { params: new Float32Array(n - 1) },
        RangeError,
        'params',
      ],
      [
        ['forward', 'backward', 'update', 'trainBatch'],
        { params: new Float64Array(n) },
        TypeError,
        'params',
      ],
      [['forward', 'backward', 'trainBatch'], { batch: 0 }, RangeError, 'batch'],
      [['forward', 'backward', 'trainBatch'], { batch: 1.5 }, RangeError, 'batch'],
      [['forward', 'backward', 'trainBatch'], { batch: '2' }, TypeError, 'batch'],
      [['forward', 'backward', 'trainBatch'], { x: new Float32Array(3) }, RangeError, 'x'],
      [['forward', 'backward', 'trainBatch'], { x: [0, 0, 0, 0] }, TypeError, 'x'],
      [['forward', 'backward', 'trainBatch'], { z: new Float32Array(7) }, RangeError, 'z'],
      [['forward', 'backward', 'trainBatch'], { a: 'a' }, TypeError, 'a'],
      [['backward', 'trainBatch'], { delta: new Float32Array(7) }, RangeError, 'delta'],
      [['backward', 'update', 'trainBatch'], { grad: new Float32Array(n - 1) }, RangeError, 'grad'],
      [['trainBatch'], { y: new Float32Array(1) }, RangeError, 'y'],
      [['update', 'trainBatch'], { velocity: new Float32Array(n - 1) }, RangeError, 'velocity'],
      [['update', 'trainBatch'], { velocity: new Float64Array(n) }, TypeError, 'velocity'],
      [['update', 'trainBatch'], { hyper: new Float32Array([0.1, 0, 0, 0]) }, TypeError, 'hyper'],
      [['update', 'trainBatch'], { hyper: [0.1, 0, 0, 0] }, TypeError, 'hyper'],
      [['update', 'trainBatch'], { hyper: new Float64Array([0.1, 0, 0]) }, RangeError, 'hyper'],
      [
        ['update', 'trainBatch'],
        { hyper: new Float64Array([-0.1, 0, 0, 0]) },
        RangeError,
        'hyper[0] (learningRate)',
      ],
      [
        ['update', 'trainBatch'],
        { hyper: new Float64Array([NaN, 0, 0, 0]) },
        RangeError,
        'hyper[0] (learningRate)',
      ],
      [
        ['update', 'trainBatch'],
        { hyper: new Float64Array([0.1, 1.5, 0, 0]) },
        RangeError,
        'hyper[1] (momentum)',
      ],
      [
        ['update', 'trainBatch'],
        { hyper: new Float64Array([0.1, 0.9, 2, 0]) },
        RangeError,
        'hyper[2] (nesterov)',
      ],
      [
        ['update', 'trainBatch'],
        { hyper: new Float64Array([0.1, 0.9, 0, -1]) },
        RangeError,
        'hyper[3] (l2)',
      ],
      [['update'], { hyper: null }, TypeError, 'hyper'],
    ];
    for (const [names, over, kind, name] of cases) {
      for (const fn of names) {
        try {
          expectRejects(() => calls[fn]({ ...base, ...over } as Args), kind, name);
        } catch (error) {
          throw new Error(
            `${fn} with ${JSON.stringify(Object.keys(over))}: ${(error as Error).message}`,
          );
        }
      }
    }
  });
});

describe('native and js agree after 100 training steps', () => {
  let native: Backend;
  let js: Backend;
  before(function () {
    const { available, reason } = nativeAvailability();
    if (process.env.BLASNET_BACKEND === 'js' || !available) {
      console.log(
        `      native vs js skipped: ${available ? 'BLASNET_BACKEND=js' : reason?.split('\n')[0]}`,
      );
      this.skip();
    }
    native = getBackend('native');
    js = getBackend('js');
  });

  const runs: [string, LossCode, Float64Array][] = [
    ['quadratic, plain SGD at η = 0.5', LossCode.Quadratic, new Float64Array([0.5, 0, 0, 0])],
    [
      'binary cross-entropy, Nesterov momentum 0.9 + l2 at η = 0.1',
      LossCode.BinaryCrossEntropy,
      new Float64Array([0.1, 0.9, 1, 1e-3]),
    ],
  ];
  for (const [name, loss, hyper] of runs) {
    it(`[20, 16, 4] sigmoid/sigmoid, ${name}: max |Δparams| ≤ ${AGREE_100_TOL}`, () => {
      const sizes = [20, 16, 4];
      const spec = makeSpec(sizes, [Sigmoid, Sigmoid]);
      const rng = mulberry32(60);
      const params0 = randomParams(rng, sizes);
      const examples = 50;
      const batch = 10;
      const xAll = randomFloat32(rng, examples * 20);
      const yAll = randomTargets(rng, examples, 4, false);
      const train = (be: Backend) => {
        const params = params0.slice();
        const count = params.length;
        const grad = new Float32Array(count);
        const velocity = new Float32Array(count);
        const [z, a, delta] = [0, 0, 0].map(() => new Float32Array(batch * (16 + 4)));
        const losses: number[] = [];
        for (let step = 0; step < 100; step++) {
          const first = (step * batch) % examples;
          const x = xAll.subarray(first * 20, (first + batch) * 20);
          const y = yAll.subarray(first * 4, (first + batch) * 4);
          losses.push(
            be.trainBatch(spec, params, grad, velocity, x, y, batch, loss, z!, a!, delta!, hyper),
          );
        }
        return { params, losses };
      };
      const n = train(native);
      const j = train(js);
      const diff = maxAbs(n.params.map((v, i) => v - j.params[i]));
      expect(diff, `max |Δparams| after 100 steps`).to.be.at.most(AGREE_100_TOL);
      expectClose(n.losses, j.losses, (i) => 1e-4 * Math.abs(j.losses[i]), 'losses');
      // It learned something: the loss fell.
      expect(j.losses[99]).to.be.below(j.losses[0]);
    });
  }
});
