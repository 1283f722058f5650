/**
 * Every kernel of the backend contract (lib/backend/types.ts) against the float64 reference
 * (test/helpers/reference.ts) on random data at odd shapes, on every backend; native and js
 * against each other; and every kernel's "rejects bad input" list.
 */
import { expect } from 'chai';
import { getBackend, nativeAvailability } from '../lib/backend/select';
import { ActivationCode, type Backend } from '../lib/backend/types';
import { forEachBackend } from './helpers/backends';
import { mulberry32, randomFloat32, randomInt } from './helpers/random';
import {
  expectClose,
  maxAbs,
  refActivate,
  refActivationBackward,
  refBiasActivate,
  refColumnSums,
  refGatherRows,
  refSgemm,
  refSgemmMagnitude,
  refSoftmax,
  relTol,
} from './helpers/reference';

// ---------------------------------------------------------------- tolerances
/**
 * sgemm: per element, |c − ref| ≤ SGEMM_TOL · sqrt(k) · (Σ_p |alpha · op(A)[i,p] · op(B)[p,j]| + |beta · C[i,j]|).
 * A float32 GEMM rounds each of k products and sums (error ~ sqrt(k) · 6e-8 of that magnitude when
 * errors wander randomly, k · 6e-8 at worst); 1e-5 · sqrt(k) leaves a wide margin while any wrong
 * index or term is off by the whole magnitude.
 */
const SGEMM_TOL = 1e-5;
/** Element-wise kernels (activations, softmax, their backward): |got − ref| ≤ ELEMENT_RTOL · |ref| + ELEMENT_ATOL (a few float32 ulps). */
const ELEMENT_RTOL = 1e-5;
const ELEMENT_ATOL = 1e-6;
/** Column sums: |got − ref| ≤ SUM_TOL · sqrt(rows) · (|alpha| · Σ_r |m[r, j]| + |beta · out[j]|), as sgemm. */
const SUM_TOL = 1e-5;
/** Native vs js: the same bounds as against the reference, doubled (each side may err in its own direction). */
const AGREE_FACTOR = 2;

/** A value no kernel writes: the tail after every output block must still hold it. */
const SENTINEL = -12345.5;
const TAIL = 8;

const ODD = [1, 7, 33];
const TRANSPOSES: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];
/** [alpha, beta, fill C with NaN]: beta = 0 must overwrite C, so NaN must not come through. */
const SCALARS: [number, number, boolean][] = [
  [1, 0, true],
  [0.75, -1.5, false],
  [-2, 1, false],
  [1.25, 0, true],
  [0, 0.5, false],
];
const ACTIVATIONS: [string, ActivationCode][] = [
  ['identity', ActivationCode.Identity],
  ['sigmoid', ActivationCode.Sigmoid],
  ['tanh', ActivationCode.Tanh],
  ['relu', ActivationCode.Relu],
  ['softmax', ActivationCode.Softmax],
  ['heaviside', ActivationCode.Heaviside],
];
const DIFFERENTIABLE = ACTIVATIONS.filter(([, code]) => code !== ActivationCode.Heaviside);
const ROW_SHAPES: [number, number][] = [
  [1, 1],
  [1, 7],
  [7, 1],
  [7, 33],
  [33, 7],
  [10, 784],
  [3, 10],
];

/** A Float32Array of `n` values followed by a sentinel tail. */
function withTail(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length + TAIL).fill(SENTINEL);
  out.set(values);
  return out;
}

function expectTail(buf: Float32Array, start: number, what: string): void {
  for (let i = start; i < buf.length; i++) {
    if (buf[i] !== SENTINEL)
      throw new Error(`${what}: element ${i} beyond the output was written (${buf[i]})`);
  }
}

function expectUnchanged(buf: Float32Array, copy: Float32Array, what: string): void {
  for (let i = 0; i < copy.length; i++) {
    if (!Object.is(buf[i], copy[i]))
      throw new Error(`${what}: input element ${i} changed from ${copy[i]} to ${buf[i]}`);
  }
}

/** One sgemm case: random inputs, C with a sentinel tail; returns the inputs and the result. */
function runSgemm(
  be: Backend,
  seed: number,
  tA: boolean,
  tB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  beta: number,
  nanC: boolean,
) {
  const rng = mulberry32(seed);
  const a = randomFloat32(rng, m * k);
  const b = randomFloat32(rng, k * n);
  const c0 = nanC ? new Float32Array(m * n).fill(NaN) : randomFloat32(rng, m * n);
  const c = withTail(c0);
  const aCopy = a.slice();
  const bCopy = b.slice();
  be.sgemm(tA, tB, m, n, k, alpha, a, b, beta, c);
  expectUnchanged(a, aCopy, 'a');
  expectUnchanged(b, bCopy, 'b');
  expectTail(c, m * n, 'c');
  return { a, b, c0, c };
}

function sgemmTolerance(
  tA: boolean,
  tB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  b: Float32Array,
  beta: number,
  c0: Float32Array,
  factor = 1,
): (i: number) => number {
  const mag = refSgemmMagnitude(tA, tB, m, n, k, alpha, a, b, beta, c0);
  // The 1e-30 floor lets an exact zero (alpha = 0 and beta = 0 terms) pass only as zero.
  return (i) => factor * SGEMM_TOL * Math.sqrt(k) * mag[i] + 1e-30;
}

/** Random z in [-4, 4] with a few exact zeros (relu's kink) and, for sigmoid/softmax safety, some huge values. */
function randomZ(rng: () => number, n: number, huge: boolean): Float32Array {
  const z = randomFloat32(rng, n, -4, 4);
  for (let i = 0; i < n; i += 5) z[i] = 0;
  if (huge) for (let i = 2; i < n; i += 7) z[i] = i % 2 ? 1000 : -1000;
  return z;
}

/** Assert fn throws `kind` whose message names `name` in the contract's form, with a blasnet code. */
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

forEachBackend('sgemm', (be) => {
  it('matches the reference for m, n, k in {1, 7, 33}, all transposes, alpha/beta, beta = 0 over NaN', () => {
    let seed = 1;
    for (const m of ODD)
      for (const n of ODD)
        for (const k of ODD) {
          for (const [tA, tB] of TRANSPOSES) {
            for (const [alpha, beta, nanC] of SCALARS) {
              const { a, b, c0, c } = runSgemm(be(), seed++, tA, tB, m, n, k, alpha, beta, nanC);
              const ref = refSgemm(tA, tB, m, n, k, alpha, a, b, beta, c0);
              expectClose(
                c,
                ref,
                sgemmTolerance(tA, tB, m, n, k, alpha, a, b, beta, c0),
                `sgemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${m}x${n}x${k} alpha=${alpha} beta=${beta}`,
              );
            }
          }
        }
  });

  it('matches the reference at the MLP shapes and long k (10x30x784, 33x784x7, 64x100x784, 800x33x128, 37x41x515)', () => {
    const shapes = [
      [10, 30, 784],
      [33, 784, 7],
      [64, 100, 784],
      [800, 33, 128],
      [37, 41, 515],
      [5, 600, 300],
    ];
    let seed = 1000;
    for (const [m, n, k] of shapes) {
      for (const [tA, tB] of TRANSPOSES) {
        for (const [alpha, beta, nanC] of [SCALARS[0], SCALARS[1]]) {
          const { a, b, c0, c } = runSgemm(be(), seed++, tA, tB, m!, n!, k!, alpha, beta, nanC);
          const ref = refSgemm(tA, tB, m!, n!, k!, alpha, a, b, beta, c0);
          expectClose(
            c,
            ref,
            sgemmTolerance(tA, tB, m!, n!, k!, alpha, a, b, beta, c0),
            `sgemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${m}x${n}x${k}`,
          );
        }
      }
    }
  });

  it('computes the documented example', () => {
    const c = new Float32Array(4);
    be().sgemm(false, false, 2, 2, 1, 1, new Float32Array([1, 2]), new Float32Array([3, 4]), 0, c);
    expect(Array.from(c)).to.deep.equal([3, 4, 6, 8]);
  });

  it('with beta = 0 writes exact zeros over NaN and Infinity when alpha = 0', () => {
    const c = withTail(new Float32Array([NaN, Infinity, -Infinity, NaN]));
    be().sgemm(
      false,
      false,
      2,
      2,
      3,
      0,
      new Float32Array(6).fill(1),
      new Float32Array(6).fill(1),
      0,
      c,
    );
    expect(Array.from(c.subarray(0, 4))).to.deep.equal([0, 0, 0, 0]);
    expectTail(c, 4, 'c');
  });

  it('rejects bad input, naming the argument', () => {
    const a = new Float32Array(6);
    const b = new Float32Array(6);
    const c = new Float32Array(4);
    const call = (over: Partial<Record<string, unknown>>) => () => {
      const v = {
        transA: false,
        transB: false,
        m: 2,
        n: 2,
        k: 3,
        alpha: 1,
        a,
        b,
        beta: 0,
        c,
        ...over,
      };
      be().sgemm(
        v.transA as boolean,
        v.transB as boolean,
        v.m as number,
        v.n as number,
        v.k as number,
        v.alpha as number,
        v.a as Float32Array,
        v.b as Float32Array,
        v.beta as number,
        v.c as Float32Array,
      );
    };
    const cases: [
      Partial<Record<string, unknown>>,
      typeof TypeError | typeof RangeError,
      string,
    ][] = [
      [{ transA: 1 }, TypeError, 'transA'],
      [{ transB: 'yes' }, TypeError, 'transB'],
      [{ m: -1 }, RangeError, 'm'],
      [{ m: 0 }, RangeError, 'm'],
      [{ n: 1.5 }, RangeError, 'n'],
      [{ k: NaN }, RangeError, 'k'],
      [{ k: '3' }, TypeError, 'k'],
      [{ alpha: NaN }, RangeError, 'alpha'],
      [{ alpha: Infinity }, RangeError, 'alpha'],
      [{ alpha: '1' }, TypeError, 'alpha'],
      [{ beta: -Infinity }, RangeError, 'beta'],
      [{ beta: null }, TypeError, 'beta'],
      [{ a: new Float64Array(6) }, TypeError, 'a'],
      [{ a: [1, 2, 3, 4, 5, 6] }, TypeError, 'a'],
      [{ a: 'abcdef' }, TypeError, 'a'],
      [{ a: new Float32Array(5) }, RangeError, 'a'],
      [{ b: new Float32Array(5) }, RangeError, 'b'],
      [{ b: new Int32Array(6) }, TypeError, 'b'],
      [{ c: new Float32Array(3) }, RangeError, 'c'],
      [{ c: undefined }, TypeError, 'c'],
      [{ m: 3 }, RangeError, 'a'], // a is 6 floats, m·k = 9
    ];
    for (const [over, kind, name] of cases) expectRejects(call(over), kind, name);
  });
});

forEachBackend('biasActivate', (be) => {
  for (const [actName, act] of ACTIVATIONS) {
    it(`matches the reference for ${actName} at odd shapes, z updated in place`, () => {
      let seed = 77 + act;
      for (const [rows, cols] of ROW_SHAPES) {
        const rng = mulberry32(seed++);
        const z0 = randomZ(
          rng,
          rows * cols,
          act === ActivationCode.Sigmoid || act === ActivationCode.Softmax,
        );
        const bias = randomFloat32(rng, cols);
        const z = withTail(z0);
        const a = withTail(new Float32Array(rows * cols).fill(NaN));
        be().biasActivate(z, a, bias, rows, cols, act);
        const ref = refBiasActivate(z0, bias, rows, cols, act);
        expectClose(z, ref.z, relTol(ref.z, ELEMENT_RTOL, ELEMENT_ATOL), `z ${rows}x${cols}`);
        // σ applies to z as stored (float32); compare a with the reference applied to that z.
        const aRef =
          act === ActivationCode.Softmax
            ? refSoftmax(z, rows, cols)
            : Float64Array.from(z.subarray(0, rows * cols), (v) => refActivate(act, v));
        expectClose(a, aRef, relTol(aRef, ELEMENT_RTOL, ELEMENT_ATOL), `a ${rows}x${cols}`);
        expectClose(a, ref.a, relTol(ref.a, 1e-4, 1e-5), `a vs float64 z ${rows}x${cols}`);
        expectTail(z, rows * cols, 'z');
        expectTail(a, rows * cols, 'a');
      }
    });
  }

  it('sigmoid and softmax stay finite for |z| = 1000; heaviside(0) = 0', () => {
    const z = new Float32Array([1000, -1000, 0, 999]);
    const a = new Float32Array(4);
    be().biasActivate(z.slice(), a, new Float32Array(4), 1, 4, ActivationCode.Sigmoid);
    expect(Array.from(a)).to.deep.equal([1, 0, 0.5, 1]);
    be().biasActivate(z.slice(), a, new Float32Array(4), 1, 4, ActivationCode.Softmax);
    expectClose(a, [1 / (1 + Math.exp(-1)), 0, 0, 1 - 1 / (1 + Math.exp(-1))], 1e-6, 'softmax');
    be().biasActivate(
      new Float32Array([-1, 0, 1e-30, 2]),
      a,
      new Float32Array(4),
      1,
      4,
      ActivationCode.Heaviside,
    );
    expect(Array.from(a)).to.deep.equal([0, 0, 1, 1]);
  });

  it('rejects bad input, naming the argument', () => {
    const z = new Float32Array(6);
    const a = new Float32Array(6);
    const bias = new Float32Array(3);
    const call = (over: Partial<Record<string, unknown>>) => () => {
      const v = { z, a, bias, rows: 2, cols: 3, act: ActivationCode.Sigmoid as unknown, ...over };
      be().biasActivate(
        v.z as Float32Array,
        v.a as Float32Array,
        v.bias as Float32Array,
        v.rows as number,
        v.cols as number,
        v.act as ActivationCode,
      );
    };
    const cases: [
      Partial<Record<string, unknown>>,
      typeof TypeError | typeof RangeError,
      string,
    ][] = [
      [{ z: new Float64Array(6) }, TypeError, 'z'],
      [{ z: [0, 0, 0, 0, 0, 0] }, TypeError, 'z'],
      [{ z: new Float32Array(5) }, RangeError, 'z'],
      [{ a: 'aaaaaa' }, TypeError, 'a'],
      [{ a: new Float32Array(2) }, RangeError, 'a'],
      [{ bias: new Float32Array(2) }, RangeError, 'bias'],
      [{ bias: new Float64Array(3) }, TypeError, 'bias'],
      [{ rows: 0 }, RangeError, 'rows'],
      [{ rows: -2 }, RangeError, 'rows'],
      [{ cols: 2.5 }, RangeError, 'cols'],
      [{ cols: '3' }, TypeError, 'cols'],
      [{ act: 8 }, RangeError, 'act'],
      [{ act: -1 }, RangeError, 'act'],
      [{ act: 1.5 }, RangeError, 'act'],
      [{ act: 'sigmoid' }, TypeError, 'act'],
    ];
    for (const [over, kind, name] of cases) expectRejects(call(over), kind, name);
  });
});

forEachBackend('activationBackward', (be) => {
  for (const [actName, act] of DIFFERENTIABLE) {
    it(`matches the reference for ${actName} at odd shapes (delta ← delta ∘ σ'(z))`, () => {
      let seed = 300 + act;
      for (const [rows, cols] of ROW_SHAPES) {
        const rng = mulberry32(seed++);
        const z = randomZ(rng, rows * cols, false);
        const a =
          act === ActivationCode.Softmax
            ? Float32Array.from(refSoftmax(z, rows, cols))
            : Float32Array.from(z, (v) => refActivate(act, v));
        const delta0 = randomFloat32(rng, rows * cols);
        const delta = withTail(delta0);
        const zCopy = z.slice();
        const aCopy = a.slice();
        be().activationBackward(delta, z, a, rows, cols, act);
        const ref = refActivationBackward(delta0, z, rows, cols, act);
        expectClose(
          delta,
          ref,
          relTol(ref, ELEMENT_RTOL, ELEMENT_ATOL),
          `${actName} ${rows}x${cols}`,
        );
        expectTail(delta, rows * cols, 'delta');
        expectUnchanged(z, zCopy, 'z');
        expectUnchanged(a, aCopy, 'a');
      }
    });
  }

  it("relu'(0) = 0", () => {
    const delta = new Float32Array([1, 1, 1]);
    be().activationBackward(
      delta,
      new Float32Array([-1, 0, 1]),
      new Float32Array([0, 0, 1]),
      1,
      3,
      ActivationCode.Relu,
    );
    expect(Array.from(delta)).to.deep.equal([0, 0, 1]);
  });

  it('rejects heaviside and bad input, naming the argument', () => {
    const m6 = () => new Float32Array(6);
    const call = (over: Partial<Record<string, unknown>>) => () => {
      const v = {
        delta: m6(),
        z: m6(),
        a: m6(),
        rows: 2,
        cols: 3,
        act: ActivationCode.Tanh as unknown,
        ...over,
      };
      be().activationBackward(
        v.delta as Float32Array,
        v.z as Float32Array,
        v.a as Float32Array,
        v.rows as number,
        v.cols as number,
        v.act as ActivationCode,
      );
    };
    const cases: [
      Partial<Record<string, unknown>>,
      typeof TypeError | typeof RangeError,
      string,
    ][] = [
      [{ act: ActivationCode.Heaviside }, RangeError, 'act'],
      [{ act: 8 }, RangeError, 'act'],
      [{ act: {} }, TypeError, 'act'],
      [{ delta: new Float32Array(5) }, RangeError, 'delta'],
      [{ delta: new Float64Array(6) }, TypeError, 'delta'],
      [{ z: [1, 2, 3, 4, 5, 6] }, TypeError, 'z'],
      [{ z: new Float32Array(0) }, RangeError, 'z'],
      [{ a: new Float32Array(1) }, RangeError, 'a'],
      [{ a: 'a' }, TypeError, 'a'],
      [{ rows: 0 }, RangeError, 'rows'],
      [{ cols: -3 }, RangeError, 'cols'],
      [{ cols: 1.25 }, RangeError, 'cols'],
    ];
    for (const [over, kind, name] of cases) expectRejects(call(over), kind, name);
  });
});

forEachBackend('softmax', (be) => {
  it('matches the reference at odd shapes, rows sum to 1, stable for large z', () => {
    let seed = 500;
    for (const [rows, cols] of ROW_SHAPES) {
      const rng = mulberry32(seed++);
      const z = randomZ(rng, rows * cols, true);
      const zCopy = z.slice();
      const a = withTail(new Float32Array(rows * cols).fill(NaN));
      be().softmax(z, a, rows, cols);
      const ref = refSoftmax(z, rows, cols);
      expectClose(a, ref, relTol(ref, ELEMENT_RTOL, ELEMENT_ATOL), `softmax ${rows}x${cols}`);
      expectTail(a, rows * cols, 'a');
      expectUnchanged(z, zCopy, 'z');
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let j = 0; j < cols; j++) sum += a[r * cols + j];
        expect(sum).to.be.closeTo(1, 1e-5);
      }
    }
  });

  it('rejects bad input, naming the argument', () => {
    const call = (over: Partial<Record<string, unknown>>) => () => {
      const v = { z: new Float32Array(6), a: new Float32Array(6), rows: 2, cols: 3, ...over };
      be().softmax(v.z as Float32Array, v.a as Float32Array, v.rows as number, v.cols as number);
    };
    const cases: [
      Partial<Record<string, unknown>>,
      typeof TypeError | typeof RangeError,
      string,
    ][] = [
      [{ z: new Float64Array(6) }, TypeError, 'z'],
      [{ z: new Float32Array(5) }, RangeError, 'z'],
      [{ a: [0, 0, 0, 0, 0, 0] }, TypeError, 'a'],
      [{ a: new Float32Array(3) }, RangeError, 'a'],
      [{ rows: 0 }, RangeError, 'rows'],
      [{ rows: 1.5 }, RangeError, 'rows'],
      [{ cols: -1 }, RangeError, 'cols'],
      [{ cols: 'x' }, TypeError, 'cols'],
    ];
    for (const [over, kind, name] of cases) expectRejects(call(over), kind, name);
  });
});

forEachBackend('columnSums', (be) => {
  it('matches the reference at odd shapes with alpha/beta, beta = 0 over NaN', () => {
    let seed = 600;
    for (const [rows, cols] of [...ROW_SHAPES, [128, 800] as [number, number]]) {
      for (const [alpha, beta, nanOut] of SCALARS) {
        const rng = mulberry32(seed++);
        const m = randomFloat32(rng, rows * cols);
        const out0 = nanOut ? new Float32Array(cols).fill(NaN) : randomFloat32(rng, cols);
        const out = withTail(out0);
        const mCopy = m.slice();
        be().columnSums(m, rows, cols, alpha, beta, out);
        const ref = refColumnSums(m, rows, cols, alpha, beta, out0);
        const mag = refColumnSums(
          Float32Array.from(m, Math.abs),
          rows,
          cols,
          Math.abs(alpha),
          beta === 0 ? 0 : Math.abs(beta),
          Float32Array.from(out0, Math.abs),
        );
        expectClose(
          out,
          ref,
          (j) => SUM_TOL * Math.sqrt(rows) * mag[j] + 1e-30,
          `columnSums ${rows}x${cols} alpha=${alpha} beta=${beta}`,
        );
        expectTail(out, cols, 'out');
        expectUnchanged(m, mCopy, 'm');
      }
    }
  });

  it('rejects bad input, naming the argument', () => {
    const call = (over: Partial<Record<string, unknown>>) => () => {
      const v = {
        m: new Float32Array(6),
        rows: 2,
        cols: 3,
        alpha: 1,
        beta: 0,
        out: new Float32Array(3),
        ...over,
      };
      be().columnSums(
        v.m as Float32Array,
        v.rows as number,
        v.cols as number,
        v.alpha as number,
        v.beta as number,
        v.out as Float32Array,
      );
    };
    const cases: [
      Partial<Record<string, unknown>>,
      typeof TypeError | typeof RangeError,
      string,
    ][] = [
      [{ m: new Float64Array(6) }, TypeError, 'm'],
      [{ m: [1, 2, 3, 4, 5, 6] }, TypeError, 'm'],
      [{ m: new Float32Array(5) }, RangeError, 'm'],
      [{ out: new Float32Array(2) }, RangeError, 'out'],
      [{ out: 'out' }, TypeError, 'out'],
      [{ rows: 0 }, RangeError, 'rows'],
      [{ cols: 3.5 }, RangeError, 'cols'],
      [{ alpha: NaN }, RangeError, 'alpha'],
      [{ beta: Infinity }, RangeError, 'beta'],
      [{ beta: '0' }, TypeError, 'beta'],
    ];
    for (const [over, kind, name] of cases) expectRejects(call(over), kind, name);
  });
});

forEachBackend('gatherRows', (be) => {
  it('copies the indexed rows (with repeats, from an offset) and nothing else', () => {
    const rng = mulberry32(700);
    for (const cols of [1, 7, 784]) {
      const rowsInSrc = 33;
      const src = randomFloat32(rng, rowsInSrc * cols);
      const srcCopy = src.slice();
      const indices = Uint32Array.from({ length: 20 }, () => randomInt(rng, rowsInSrc));
      indices[3] = indices[4]; // a repeat
      indices[19] = rowsInSrc - 1;
      for (const [start, count] of [
        [0, 20],
        [5, 7],
        [19, 1],
      ]) {
        const dst = withTail(new Float32Array(count! * cols).fill(NaN));
        be().gatherRows(src, cols, indices, start!, count!, dst);
        const ref = refGatherRows(src, cols, indices, start!, count!);
        expectClose(dst, ref, 0, `gatherRows cols=${cols} start=${start} count=${count}`);
        expectTail(dst, count! * cols, 'dst');
        expectUnchanged(src, srcCopy, 'src');
      }
    }
  });

  it('rejects bad input and bad indices, naming the argument', () => {
    const src = new Float32Array(12); // 4 rows of 3
    const call = (over: Partial<Record<string, unknown>>) => () => {
      const v = {
        src,
        cols: 3,
        indices: new Uint32Array([0, 3, 1]),
        start: 0,
        count: 3,
        dst: new Float32Array(9),
        ...over,
      };
      be().gatherRows(
        v.src as Float32Array,
        v.cols as number,
        v.indices as Uint32Array,
        v.start as number,
        v.count as number,
        v.dst as Float32Array,
      );
    };
    const cases: [
      Partial<Record<string, unknown>>,
      typeof TypeError | typeof RangeError,
      string,
    ][] = [
      [{ src: new Float64Array(12) }, TypeError, 'src'],
      [{ src: [1, 2, 3] }, TypeError, 'src'],
      [{ indices: new Int32Array([0, 1, 2]) }, TypeError, 'indices'],
      [{ indices: [0, 1, 2] }, TypeError, 'indices'],
      [{ indices: new Uint32Array([0, 4, 1]) }, RangeError, 'indices[1]'],
      [{ indices: new Uint32Array([0, 1, 0xffffffff]) }, RangeError, 'indices[2]'],
      [{ start: 1 }, RangeError, 'start + count'],
      [{ start: -1 }, RangeError, 'start'],
      [{ start: 0.5 }, RangeError, 'start'],
      [{ count: 0 }, RangeError, 'count'],
      [{ count: 4 }, RangeError, 'start + count'],
      [{ cols: 0 }, RangeError, 'cols'],
      [{ cols: '3' }, TypeError, 'cols'],
      [{ dst: new Float32Array(8) }, RangeError, 'dst'],
      [{ dst: 'dst' }, TypeError, 'dst'],
    ];
    for (const [over, kind, name] of cases) expectRejects(call(over), kind, name);
  });
});

forEachBackend('info and setThreads', (be, kind) => {
  it('reports itself', () => {
    const info = be().info();
    expect(info.name).to.equal(kind);
    expect(be().name).to.equal(kind);
    expect(info.threads).to.be.a('number').and.to.be.at.least(1);
    expect(info.blas).to.be.a('string');
    if (kind === 'js')
      expect(info).to.deep.equal({ name: 'js', blas: 'none (pure TypeScript)', threads: 1 });
  });

  it('accepts a thread count and rejects a bad one', () => {
    const before = be().info().threads;
    be().setThreads(1);
    be().setThreads(before);
    expectRejects(() => be().setThreads(0), RangeError, 'threads');
    expectRejects(() => be().setThreads(1.5), RangeError, 'threads');
    expectRejects(() => be().setThreads('2' as unknown as number), TypeError, 'threads');
  });
});

describe('native and js kernels agree', () => {
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

  it('sgemm, all transposes, odd and MLP shapes', () => {
    let seed = 900;
    for (const [m, n, k] of [
      [1, 1, 1],
      [7, 33, 1],
      [33, 7, 33],
      [10, 30, 784],
      [33, 784, 7],
      [128, 100, 784],
    ]) {
      for (const [tA, tB] of TRANSPOSES) {
        for (const [alpha, beta, nanC] of [SCALARS[0], SCALARS[1]]) {
          const r1 = runSgemm(native, seed, tA, tB, m!, n!, k!, alpha, beta, nanC);
          const r2 = runSgemm(js, seed++, tA, tB, m!, n!, k!, alpha, beta, nanC);
          expectClose(
            r1.c,
            r2.c.subarray(0, m! * n!),
            sgemmTolerance(tA, tB, m!, n!, k!, alpha, r1.a, r1.b, beta, r1.c0, AGREE_FACTOR),
            `native vs js sgemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${m}x${n}x${k}`,
          );
        }
      }
    }
  });

  it('biasActivate, activationBackward, softmax, columnSums, gatherRows', () => {
    const rng = mulberry32(950);
    for (const [rows, cols] of ROW_SHAPES) {
      const z0 = randomZ(rng, rows * cols, true);
      const bias = randomFloat32(rng, cols);
      const delta0 = randomFloat32(rng, rows * cols);
      for (const [actName, act] of ACTIVATIONS) {
        const out = [native, js].map((be) => {
          const z = z0.slice();
          const a = new Float32Array(rows * cols);
          be.biasActivate(z, a, bias, rows, cols, act);
          const delta = delta0.slice();
          if (act !== ActivationCode.Heaviside) be.activationBackward(delta, z, a, rows, cols, act);
          return { z, a, delta };
        });
        const tol = (ref: Float32Array) =>
          relTol(ref, AGREE_FACTOR * ELEMENT_RTOL, AGREE_FACTOR * ELEMENT_ATOL);
        expectClose(out[0].z, out[1].z, tol(out[1].z), `${actName} z ${rows}x${cols}`);
        expectClose(out[0].a, out[1].a, tol(out[1].a), `${actName} a ${rows}x${cols}`);
        expectClose(
          out[0].delta,
          out[1].delta,
          tol(out[1].delta),
          `${actName} delta ${rows}x${cols}`,
        );
      }
      const soft = [native, js].map((be) => {
        const a = new Float32Array(rows * cols);
        be.softmax(z0, a, rows, cols);
        return a;
      });
      expectClose(
        soft[0],
        soft[1],
        relTol(soft[1], AGREE_FACTOR * ELEMENT_RTOL, AGREE_FACTOR * ELEMENT_ATOL),
        `softmax ${rows}x${cols}`,
      );
      const sums = [native, js].map((be) => {
        const out = new Float32Array(cols).fill(NaN);
        be.columnSums(delta0, rows, cols, 0.5, 0, out);
        return out;
      });
      expectClose(
        sums[0],
        sums[1],
        AGREE_FACTOR * SUM_TOL * Math.sqrt(rows) * maxAbs(delta0) * rows,
        `columnSums ${rows}x${cols}`,
      );
      const indices = Uint32Array.from({ length: rows }, () => randomInt(rng, rows));
      const gathered = [native, js].map((be) => {
        const dst = new Float32Array(rows * cols);
        be.gatherRows(z0, cols, indices, 0, rows, dst);
        return dst;
      });
      expectClose(gathered[0], gathered[1], 0, `gatherRows ${rows}x${cols}`);
    }
  });
});
