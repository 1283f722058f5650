/**
 * The raw native addon defends itself: called directly (no TypeScript checks in front), every
 * export rejects bad arguments with a TypeError/RangeError carrying the right `code`, writes
 * nothing when it rejects, and the process survives. Plus a small sgemm correctness check and
 * the addon loading and running in worker_threads. Skipped, with the loader's reason, where the
 * addon cannot load.
 */
import { expect } from 'chai';
import { Worker } from 'node:worker_threads';
import { loadAddon, type NativeAddon } from '../lib/backend/native/addon';

type ErrorClass = TypeErrorConstructor | RangeErrorConstructor | ErrorConstructor;

const TYPE = { error: TypeError, code: 'ERR_BLASNET_TYPE' } as const;
const RANGE = { error: RangeError, code: 'ERR_BLASNET_RANGE' } as const;
const SHAPE = { error: RangeError, code: 'ERR_BLASNET_SHAPE' } as const;

/** A bad value for one argument, and the error it must raise. */
interface BadArg {
  why: string;
  /** Argument index, and its replacement (or a function of the valid arguments). */
  index: number;
  value: unknown;
  expect: { error: ErrorClass; code: string };
}

/** An export, a factory for valid arguments, and the bad variants. */
interface Guarded {
  name: keyof NativeAddon & string;
  args: () => unknown[];
  bad: BadArg[];
}

function detachedFloat32(length = 4): Float32Array {
  const array = new Float32Array(length);
  structuredClone(array.buffer, { transfer: [array.buffer] });
  return array;
}

function detachedInt32(values: number[]): Int32Array {
  const array = Int32Array.from(values);
  structuredClone(array.buffer, { transfer: [array.buffer] });
  return array;
}

function f32(length: number, fill = 0.5): Float32Array {
  return new Float32Array(length).fill(fill);
}

// A 3-4-2 network: sigmoid hidden layer; params 4·3 + 4 + 2·4 + 2 = 26; 6 units per example.
const SIGMOID = 1;
const SOFTMAX = 4;
const HEAVISIDE = 5;
const spec = (outAct: number, hiddenAct = SIGMOID) =>
  new Int32Array([2, 3, 4, 2, hiddenAct, outAct]);
const PARAMS = 26;
const UNITS = 6;
const BATCH = 2;

/** Runs fn, returns what it threw (or fails when it does not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  expect.fail('expected the call to throw');
}

function expectRejected(fn: () => unknown, expected: { error: ErrorClass; code: string }): Error {
  const error = thrown(fn) as Error & { code?: string };
  expect(error, `${error}`).to.be.instanceOf(expected.error);
  expect(error.code, error.message).to.equal(expected.code);
  if (expected.code !== 'ERR_BLASNET_NATIVE') {
    expect(error.message).to.match(/^Expected .+ for .+ but received .+$/s);
  }
  return error;
}

const GUARDED: Guarded[] = [
  {
    name: 'sgemm',
    args: () => [false, false, 2, 2, 3, 1, f32(6), f32(6), 0, f32(4)],
    bad: [
      { why: 'transA not a boolean', index: 0, value: 1, expect: TYPE },
      { why: 'a negative size', index: 2, value: -1, expect: RANGE },
      { why: 'a fractional size', index: 3, value: 2.5, expect: RANGE },
      { why: 'a NaN size', index: 4, value: Number.NaN, expect: RANGE },
      { why: 'a zero size', index: 2, value: 0, expect: RANGE },
      { why: 'a size beyond BLAS int', index: 2, value: 2 ** 31, expect: RANGE },
      { why: 'a size as a string', index: 2, value: '2', expect: TYPE },
      { why: 'a huge k with short buffers', index: 4, value: 2 ** 31 - 1, expect: SHAPE },
      { why: 'alpha infinite', index: 5, value: Number.POSITIVE_INFINITY, expect: RANGE },
      { why: 'beta not a number', index: 8, value: null, expect: TYPE },
      { why: 'a Float64Array for a', index: 6, value: new Float64Array(6), expect: TYPE },
      { why: 'a plain array for b', index: 7, value: [1, 2, 3, 4, 5, 6], expect: TYPE },
      { why: 'an Int32Array for c', index: 9, value: new Int32Array(4), expect: TYPE },
      { why: 'a short a', index: 6, value: f32(5), expect: SHAPE },
      { why: 'a short c', index: 9, value: f32(3), expect: SHAPE },
      { why: 'a detached c', index: 9, value: detachedFloat32(4), expect: SHAPE },
    ],
  },
  {
    name: 'biasActivate',
    args: () => [f32(6), f32(6), f32(3), 2, 3, SIGMOID],
    bad: [
      { why: 'a Float64Array for z', index: 0, value: new Float64Array(6), expect: TYPE },
      { why: 'a short bias', index: 2, value: f32(2), expect: SHAPE },
      { why: 'a detached a', index: 1, value: detachedFloat32(6), expect: SHAPE },
      { why: 'negative rows', index: 3, value: -2, expect: RANGE },
      { why: 'fractional cols', index: 4, value: 1.5, expect: RANGE },
      { why: 'an activation code past elu', index: 5, value: 8, expect: RANGE },
      { why: 'a negative activation code', index: 5, value: -1, expect: RANGE },
      { why: 'an activation name', index: 5, value: 'sigmoid', expect: TYPE },
    ],
  },
  {
    name: 'activationBackward',
    args: () => [f32(6), f32(6), f32(6), 2, 3, SIGMOID],
    bad: [
      { why: 'heaviside (no derivative)', index: 5, value: HEAVISIDE, expect: RANGE },
      { why: 'an unknown activation code', index: 5, value: 8, expect: RANGE },
      { why: 'a short delta', index: 0, value: f32(5), expect: SHAPE },
      { why: 'a Uint32Array for z', index: 1, value: new Uint32Array(6), expect: TYPE },
      { why: 'a detached a', index: 2, value: detachedFloat32(6), expect: SHAPE },
    ],
  },
  {
    name: 'columnSums',
    args: () => [f32(6), 2, 3, 1, 0, f32(3)],
    bad: [
      { why: 'a Uint32Array for m', index: 0, value: new Uint32Array(6), expect: TYPE },
      { why: 'a short out', index: 5, value: f32(2), expect: SHAPE },
      { why: 'beta NaN', index: 4, value: Number.NaN, expect: RANGE },
      { why: 'alpha as a string', index: 3, value: '1', expect: TYPE },
      { why: 'rows undefined', index: 1, value: undefined, expect: TYPE },
    ],
  },
  {
    name: 'softmax',
    args: () => [f32(6), f32(6), 2, 3],
    bad: [
      { why: 'negative rows', index: 2, value: -3, expect: RANGE },
      { why: 'a short a', index: 1, value: f32(4), expect: SHAPE },
      { why: 'a Float64Array for z', index: 0, value: new Float64Array(6), expect: TYPE },
    ],
  },
  {
    name: 'gatherRows',
    args: () => [f32(6), 2, new Uint32Array([0, 2, 1]), 0, 3, f32(6)],
    bad: [
      {
        why: 'an Int32Array for indices',
        index: 2,
        value: new Int32Array([0, 2, 1]),
        expect: TYPE,
      },
      {
        why: 'an index past the last row',
        index: 2,
        value: new Uint32Array([0, 3, 1]),
        expect: RANGE,
      },
      { why: 'start + count past the indices', index: 3, value: 1, expect: SHAPE },
      { why: 'a negative start', index: 3, value: -1, expect: RANGE },
      { why: 'a zero cols', index: 1, value: 0, expect: RANGE },
      { why: 'a short dst', index: 5, value: f32(5), expect: SHAPE },
      { why: 'a detached src', index: 0, value: detachedFloat32(6), expect: SHAPE },
    ],
  },
  {
    name: 'forward',
    args: () => [
      spec(SIGMOID),
      f32(PARAMS),
      f32(BATCH * 3),
      BATCH,
      f32(BATCH * UNITS),
      f32(BATCH * UNITS),
    ],
    bad: [
      { why: 'a spec as a plain array', index: 0, value: [2, 3, 4, 2, 1, 1], expect: TYPE },
      {
        why: 'a spec as a Float32Array',
        index: 0,
        value: new Float32Array([2, 3, 4, 2, 1, 1]),
        expect: TYPE,
      },
      { why: 'a spec with L = 0', index: 0, value: new Int32Array([0]), expect: SHAPE },
      {
        why: 'a spec of the wrong length',
        index: 0,
        value: new Int32Array([2, 3, 4, 2, 1]),
        expect: SHAPE,
      },
      {
        why: 'a spec with a zero layer size',
        index: 0,
        value: new Int32Array([2, 3, 0, 2, 1, 1]),
        expect: SHAPE,
      },
      {
        why: 'a spec with a negative layer size',
        index: 0,
        value: new Int32Array([2, 3, -4, 2, 1, 1]),
        expect: SHAPE,
      },
      {
        why: 'a spec with an unknown activation',
        index: 0,
        value: new Int32Array([2, 3, 4, 2, 9, 1]),
        expect: SHAPE,
      },
      {
        why: 'a spec with softmax on a hidden layer',
        index: 0,
        value: new Int32Array([2, 3, 4, 2, 4, 1]),
        expect: SHAPE,
      },
      {
        why: 'a spec deeper than the core allows',
        index: 0,
        value: new Int32Array(2 + 2 * 300).fill(1).fill(300, 0, 1),
        expect: SHAPE,
      },
      { why: 'a detached spec', index: 0, value: detachedInt32([2, 3, 4, 2, 1, 1]), expect: SHAPE },
      { why: 'short params', index: 1, value: f32(PARAMS - 1), expect: SHAPE },
      { why: 'a short x', index: 2, value: f32(BATCH * 3 - 1), expect: SHAPE },
      { why: 'a batch larger than the buffers', index: 3, value: BATCH + 1, expect: SHAPE },
      { why: 'a zero batch', index: 3, value: 0, expect: RANGE },
      { why: 'a fractional batch', index: 3, value: 1.5, expect: RANGE },
      { why: 'a short z', index: 4, value: f32(BATCH * UNITS - 1), expect: SHAPE },
      {
        why: 'a Float64Array for a',
        index: 5,
        value: new Float64Array(BATCH * UNITS),
        expect: TYPE,
      },
    ],
  },
  {
    name: 'backward',
    args: () => [
      spec(SIGMOID),
      f32(PARAMS),
      f32(PARAMS),
      f32(BATCH * 3),
      BATCH,
      f32(BATCH * UNITS),
      f32(BATCH * UNITS),
      f32(BATCH * UNITS),
    ],
    bad: [
      { why: 'a heaviside hidden layer', index: 0, value: spec(SIGMOID, HEAVISIDE), expect: RANGE },
      { why: 'a heaviside output layer', index: 0, value: spec(HEAVISIDE), expect: RANGE },
      { why: 'a short grad', index: 2, value: f32(PARAMS - 1), expect: SHAPE },
      { why: 'a short delta', index: 7, value: f32(BATCH * UNITS - 1), expect: SHAPE },
      { why: 'a detached delta', index: 7, value: detachedFloat32(BATCH * UNITS), expect: SHAPE },
      { why: 'a negative batch', index: 4, value: -2, expect: RANGE },
    ],
  },
  {
    name: 'update',
    args: () => [
      spec(SIGMOID),
      f32(PARAMS),
      f32(PARAMS),
      f32(PARAMS),
      new Float64Array([0.1, 0.9, 0, 0]),
    ],
    bad: [
      {
        why: 'hyper as a Float32Array',
        index: 4,
        value: new Float32Array([0.1, 0.9, 0, 0]),
        expect: TYPE,
      },
      { why: 'hyper null', index: 4, value: null, expect: TYPE },
      { why: 'hyper of length 3', index: 4, value: new Float64Array([0.1, 0.9, 0]), expect: SHAPE },
      {
        why: 'a negative learning rate',
        index: 4,
        value: new Float64Array([-0.1, 0, 0, 0]),
        expect: RANGE,
      },
      {
        why: 'a momentum above 1',
        index: 4,
        value: new Float64Array([0.1, 1.5, 0, 0]),
        expect: RANGE,
      },
      {
        why: 'a nesterov flag of 0.5',
        index: 4,
        value: new Float64Array([0.1, 0.9, 0.5, 0]),
        expect: RANGE,
      },
      {
        why: 'an l2 of NaN',
        index: 4,
        value: new Float64Array([0.1, 0.9, 0, Number.NaN]),
        expect: RANGE,
      },
      { why: 'a short velocity with momentum', index: 3, value: f32(PARAMS - 1), expect: SHAPE },
      { why: 'short params', index: 1, value: f32(3), expect: SHAPE },
    ],
  },
  {
    name: 'trainBatch',
    args: () => [
      spec(SOFTMAX),
      f32(PARAMS),
      f32(PARAMS),
      f32(PARAMS),
      f32(BATCH * 3),
      f32(BATCH * 2),
      BATCH,
      1, // cross-entropy
      f32(BATCH * UNITS),
      f32(BATCH * UNITS),
      f32(BATCH * UNITS),
      new Float64Array([0.1, 0.9, 1, 0.001]),
    ],
    bad: [
      { why: 'cross-entropy without softmax', index: 0, value: spec(SIGMOID), expect: RANGE },
      { why: 'a heaviside hidden layer', index: 0, value: spec(SOFTMAX, HEAVISIDE), expect: RANGE },
      { why: 'an unknown loss code', index: 7, value: 5, expect: RANGE },
      { why: 'a loss name', index: 7, value: 'crossEntropy', expect: TYPE },
      { why: 'a short y', index: 5, value: f32(BATCH * 2 - 1), expect: SHAPE },
      { why: 'a Float64Array for x', index: 4, value: new Float64Array(BATCH * 3), expect: TYPE },
      { why: 'hyper undefined', index: 11, value: undefined, expect: TYPE },
      { why: 'a short velocity with momentum', index: 3, value: f32(0), expect: SHAPE },
      { why: 'a detached grad', index: 2, value: detachedFloat32(PARAMS), expect: SHAPE },
    ],
  },
  {
    name: 'setThreads',
    args: () => [1],
    bad: [
      { why: 'zero threads', index: 0, value: 0, expect: RANGE },
      { why: 'fractional threads', index: 0, value: 1.5, expect: RANGE },
      { why: 'threads as a string', index: 0, value: '2', expect: TYPE },
    ],
  },
];

describe('native addon: argument guards (raw addon, no TypeScript checks)', () => {
  let addon: NativeAddon;
  let binary: string;
  let threads = 0;

  before(function () {
    try {
      ({ addon, path: binary } = loadAddon());
    } catch (error) {
      console.log(`      native addon skipped: ${(error as Error).message.split('\n')[0]}`);
      this.skip();
    }
    threads = addon.info().threads;
  });

  // setThreads is process-wide: later test files get the thread count they started with.
  after(() => {
    if (threads > 0) addon.setThreads(threads);
  });

  function call(name: keyof NativeAddon & string, args: unknown[]): unknown {
    return (addon[name] as (...a: unknown[]) => unknown)(...args);
  }

  for (const guarded of GUARDED) {
    describe(guarded.name, () => {
      it('accepts its valid arguments', () => {
        call(guarded.name, guarded.args());
      });

      it('rejects missing arguments with a TypeError', () => {
        const args = guarded.args();
        const error = expectRejected(
          () => call(guarded.name, args.slice(0, args.length - 1)),
          TYPE,
        );
        expect(error.message).to.contain(`for ${guarded.name}`);
        expectRejected(() => call(guarded.name, []), TYPE);
      });

      for (const bad of guarded.bad) {
        it(`rejects ${bad.why} (${bad.expect.error.name} ${bad.expect.code}) and writes nothing`, () => {
          const args = guarded.args();
          args[bad.index] = bad.value;
          // Mark every writable buffer, so a rejected call provably left them alone.
          const buffers = args.filter(
            (a): a is Float32Array => a instanceof Float32Array && a.length > 0,
          );
          buffers.forEach((b, i) => b.fill(i + 0.25));
          expectRejected(() => call(guarded.name, args), bad.expect);
          buffers.forEach((b, i) =>
            expect(
              b.every((v) => v === i + 0.25),
              `buffer ${i} untouched`,
            ).to.equal(true),
          );
        });
      }
    });
  }

  it('update accepts an empty velocity without momentum, and leaves it alone', () => {
    const params = f32(PARAMS, 1);
    addon.update(
      spec(SIGMOID),
      params,
      f32(PARAMS, 1),
      new Float32Array(0),
      new Float64Array([0.5, 0, 0, 0]),
    );
    expect(params[0]).to.equal(0.5);
  });

  it('trainBatch accepts a null hyper (no update) and returns the loss as a number', () => {
    const params = f32(PARAMS, 0);
    const loss = addon.trainBatch(
      spec(SOFTMAX),
      params,
      f32(PARAMS),
      new Float32Array(0),
      f32(BATCH * 3),
      new Float32Array([1, 0, 0, 1]),
      BATCH,
      1,
      f32(BATCH * UNITS),
      f32(BATCH * UNITS),
      f32(BATCH * UNITS),
      null,
    );
    expect(loss).to.be.closeTo(Math.LN2, 1e-6); // all-zero weights: softmax of equal logits
    expect(params.every((v) => v === 0)).to.equal(true);
  });

  it('info() reports its BLAS, threads and core name, and version matches package.json', () => {
    const info = addon.info();
    expect(info.blas).to.match(/^OpenBLAS \d+\.\d+\.\d+/);
    expect(info.blas).to.contain(info.corename);
    expect(info.threads).to.be.a('number').and.to.be.at.least(1);
    expect(addon.version).to.equal(require('../package.json').version);
    expect(binary).to.match(/blasnet\.node$/);
  });

  it('setThreads changes the BLAS thread count', () => {
    const before = addon.info().threads;
    addon.setThreads(1);
    expect(addon.info().threads).to.equal(1);
    addon.setThreads(before);
  });

  it('the process survives all of the above: a valid call still works', () => {
    const c = new Float32Array(1);
    addon.sgemm(false, false, 1, 1, 1, 1, new Float32Array([6]), new Float32Array([7]), 0, c);
    expect(c[0]).to.equal(42);
  });
});

describe('native addon: sgemm correctness smoke test', () => {
  let addon: NativeAddon;

  before(function () {
    try {
      ({ addon } = loadAddon());
    } catch (error) {
      console.log(`      native addon skipped: ${(error as Error).message.split('\n')[0]}`);
      this.skip();
    }
  });

  // A = [[1, 2, 3], [4, 5, 6]] (2x3), B = [[7, 8], [9, 10], [11, 12]] (3x2), A·B = [[58, 64], [139, 154]].
  const A = [1, 2, 3, 4, 5, 6];
  const At = [1, 4, 2, 5, 3, 6]; // Aᵀ stored [3, 2]
  const B = [7, 8, 9, 10, 11, 12];
  const Bt = [7, 9, 11, 8, 10, 12]; // Bᵀ stored [2, 3]
  const AB = [58, 64, 139, 154];

  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`C = op(A)·op(B) with transA = ${transA}, transB = ${transB}`, () => {
      const c = new Float32Array(4).fill(Number.NaN); // beta = 0 overwrites, NaNs do not propagate
      addon.sgemm(
        transA,
        transB,
        2,
        2,
        3,
        1,
        Float32Array.from(transA ? At : A),
        Float32Array.from(transB ? Bt : B),
        0,
        c,
      );
      expect(Array.from(c)).to.deep.equal(AB);
    });
  }

  it('applies alpha and beta: C ← 2·A·B + 3·C', () => {
    const c = new Float32Array([1, -1, 2, 0]);
    addon.sgemm(false, false, 2, 2, 3, 2, Float32Array.from(A), Float32Array.from(B), 3, c);
    expect(Array.from(c)).to.deep.equal([2 * 58 + 3, 2 * 64 - 3, 2 * 139 + 6, 2 * 154]);
  });

  it('reads only the first m·k / k·n / m·n elements of longer buffers', () => {
    const c = new Float32Array([0, 0, 0, 0, 99]);
    addon.sgemm(
      false,
      false,
      2,
      2,
      3,
      1,
      Float32Array.from([...A, 1e30]),
      Float32Array.from([...B, 1e30]),
      0,
      c,
    );
    expect(Array.from(c)).to.deep.equal([...AB, 99]);
  });
});

describe('native addon: worker_threads', () => {
  let binary: string;

  before(function () {
    try {
      ({ path: binary } = loadAddon());
    } catch (error) {
      console.log(`      native addon skipped: ${(error as Error).message.split('\n')[0]}`);
      this.skip();
    }
  });

  // Each worker multiplies 48x48 matrices of ones many times (so the workers overlap and the
  // BLAS lock is exercised), checks every result, then makes one bad call.
  const WORKER = `
    const { parentPort, workerData } = require('node:worker_threads');
    const addon = require(workerData);
    const n = 48, a = new Float32Array(n * n).fill(1), c = new Float32Array(n * n);
    let ok = true;
    for (let i = 0; i < 200; i++) {
      addon.sgemm(false, true, n, n, n, 1, a, a, 0, c);
      ok = ok && c.every((v) => v === n);
    }
    let code;
    try { addon.sgemm(false, false, 1, 1, 1, 1, new Float64Array(1), a, 0, c); } catch (e) { code = e.code; }
    parentPort.postMessage({ ok, code, version: addon.version });
  `;

  function runWorker(): Promise<{ ok: boolean; code: string; version: string }> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER, { eval: true, workerData: binary });
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        code !== 0 ? reject(new Error(`worker exited with ${code}`)) : undefined,
      );
    });
  }

  it('loads in several workers at once, computes correctly and throws JS errors there', async () => {
    const results = await Promise.all([runWorker(), runWorker(), runWorker()]);
    for (const result of results) {
      expect(result.ok).to.equal(true);
      expect(result.code).to.equal('ERR_BLASNET_TYPE');
    }
  });
});
