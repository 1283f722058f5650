/**
 * The object contract of `trainBatches(spec, params, velocity, data, run, workspace, out)`:
 * - through the checked layer, both backends train as gather + `trainBatch` + `update` does,
 *   batch by batch (bytes scaled per batch, labels counted, Adam's step count, dropout's step per
 *   batch, a start inside `order`, a short last batch), and absent optional properties mean their
 *   defaults;
 * - each property of the wrong kind is a TypeError naming it (`data.x`, `run.batchSize`,
 *   `workspace.xBatch`), each out-of-range one a RangeError naming it, on the checked backends and
 *   on the raw addon alike, with a code and nothing written;
 * - each property is read once per call, all before any is checked: a getter that detaches a
 *   buffer checked before it, or that throws, is an error, never a crash or a read of freed memory.
 */
import { expect } from 'chai';
import type { BatchData, BatchRun, BatchWorkspace } from '../lib/backend/batches-contract';
import { loadAddon, type NativeAddon } from '../lib/backend/native/addon';
import { nativeAvailability } from '../lib/backend/select';
import { makeSpec } from '../lib/backend/spec';
import { ActivationCode, type Backend, LossCode } from '../lib/backend/types';
import { forEachBackend } from './helpers/backends';
import { mulberry32, randomParams, randomTargets } from './helpers/random';
import { expectClose } from './helpers/reference';

const SIZES = [6, 5, 3];
const ACTS = [ActivationCode.Relu, ActivationCode.Softmax];
const LOSS = LossCode.CrossEntropy;
const N = 17;
const BATCH = 4;
const UNITS = 5 + 3;
const P = 6 * 5 + 5 + 5 * 3 + 3;
const SPEC = makeSpec(SIZES, ACTS);
const SCALE = 1 / 255;
const OFFSET = -0.5;

/** A dataset of N rows: pixel-like bytes, one-hot targets, labels, a shuffled order. */
function dataset(seed: number) {
  const rng = mulberry32(seed);
  const bytes = Uint8Array.from({ length: N * SIZES[0] }, () => Math.floor(rng() * 256));
  const y = randomTargets(rng, N, 3, true);
  const labels = Uint8Array.from({ length: N }, () => Math.floor(rng() * 3));
  const order = Uint32Array.from({ length: N }, (_, i) => i);
  for (let i = N - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return { bytes, y, labels, order };
}

function workspace(batch = BATCH): BatchWorkspace {
  return {
    z: new Float32Array(batch * UNITS),
    a: new Float32Array(batch * UNITS),
    delta: new Float32Array(batch * UNITS),
    xBatch: new Float32Array(batch * SIZES[0]),
    yBatch: new Float32Array(batch * 3),
  };
}

/** [name, hyper (steps in [9] for the adaptive ones), dropout or null] */
const RECIPES: Array<[string, () => Float64Array, () => Float64Array | null]> = [
  ['momentum + l2, no dropout', () => new Float64Array([0.1, 0.9, 0, 0.01]), () => null],
  [
    'adam after 3 steps, with dropout',
    () => new Float64Array([0.01, 0, 0, 0, 1, 0.9, 0.999, 1e-8, 0, 3]),
    () => new Float64Array([7, 2, 0.25]),
  ],
];

/**
 * The reference: per batch, the rows gathered here (bytes as fround(fround(byte · scale) +
 * offset)), `trainBatch` for the gradient (dropout at step dropout[1] + b), `update` at step
 * steps + b; returns [loss, correct] per batch.
 */
function perBatch(
  be: Backend,
  params: Float32Array,
  velocity: Float32Array,
  d: ReturnType<typeof dataset>,
  start: number,
  batches: number,
  hyper: Float64Array,
  dropout: Float64Array | null,
): number[] {
  const s = Math.fround(SCALE);
  const o = Math.fround(OFFSET);
  const out: number[] = [];
  for (let b = 0; b < batches; b++) {
    const first = start + b * BATCH;
    const rows = Math.min(BATCH, N - first);
    const ws = workspace(rows);
    for (let r = 0; r < rows; r++) {
      const row = d.order[first + r];
      for (let j = 0; j < SIZES[0]; j++)
        ws.xBatch[r * SIZES[0] + j] = Math.fround(d.bytes[row * SIZES[0] + j] * s) + o;
      ws.yBatch.set(d.y.subarray(row * 3, row * 3 + 3), r * 3);
    }
    const grad = new Float32Array(P);
    const drop = dropout && Float64Array.from(dropout, (v, i) => (i === 1 ? v + b : v));
    const value = be.trainBatch(
      SPEC,
      params,
      grad,
      velocity,
      ws.xBatch,
      ws.yBatch,
      rows,
      LOSS,
      ws.z,
      ws.a,
      ws.delta,
      null,
      drop,
    );
    let correct = 0;
    const off = rows * 5;
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let j = 1; j < 3; j++) if (ws.a[off + r * 3 + j] > ws.a[off + r * 3 + best]) best = j;
      if (best === d.labels[d.order[first + r]]) correct++;
    }
    const step = hyper.slice();
    if (step.length === 10) step[9] += b;
    be.update(SPEC, params, grad, velocity, step);
    out.push(value, correct);
  }
  return out;
}

/** Two batches from order[0], stepped with `hyper`. */
function twoBatches(d: ReturnType<typeof dataset>, hyper: number[]): BatchRun {
  return {
    order: d.order,
    start: 0,
    batchSize: BATCH,
    batches: 2,
    loss: LOSS,
    hyper: new Float64Array(hyper),
  };
}

/** Valid arguments of a call of 2 batches from order[0] (fresh objects each time). */
function validCall(d: ReturnType<typeof dataset>) {
  const data: BatchData = { x: d.bytes, xScale: SCALE, xOffset: OFFSET, y: d.y, labels: d.labels };
  const run = twoBatches(d, [0.1, 0.9, 0, 0]);
  run.dropout = new Float64Array([1, 0, 0.5]);
  return {
    params: randomParams(mulberry32(3), SIZES),
    velocity: new Float32Array(P),
    data: data as unknown as Record<string, unknown>,
    run: run as unknown as Record<string, unknown>,
    workspace: workspace() as unknown as Record<string, unknown>,
    out: new Float64Array(4),
  };
}

type Call = ReturnType<typeof validCall>;
type Train = (...args: unknown[]) => unknown;

function invoke(train: Train, c: Call): unknown {
  return train(SPEC, c.params, c.velocity, c.data, c.run, c.workspace, c.out);
}

/** Throws `kind` with a code, naming `name` in the message form, and leaves params as they were. */
function expectRejected(
  train: Train,
  c: Call,
  kind: typeof TypeError | typeof RangeError | typeof Error,
  name: string,
): void {
  const before = c.params.slice();
  let caught: unknown;
  try {
    invoke(train, c);
  } catch (error) {
    caught = error;
  }
  expect(caught, `${name}: expected a ${kind.name}`).to.be.instanceOf(kind);
  expect((caught as Error).message, name).to.contain(`for ${name} but received`);
  expect((caught as { code?: string }).code, name).to.match(/^ERR_BLASNET_/);
  expect(Array.from(c.params), `${name}: params untouched`).to.deep.equal(Array.from(before));
}

/** [object, property, value of the wrong kind, value out of range (or undefined: none)] */
const BAD: Array<['data' | 'run' | 'workspace', string, unknown, unknown]> = [
  ['data', 'x', new Float64Array(N * 6), new Uint8Array(N * 6 + 1)],
  ['data', 'xScale', '1', Number.NaN],
  ['data', 'xOffset', null, 1e39],
  ['data', 'y', new Float64Array(N * 3), new Float32Array(N * 3 - 1)],
  ['data', 'labels', [0, 1], new Uint8Array(N - 1)],
  ['run', 'order', Array.from({ length: N }, (_, i) => i), Uint32Array.from({ length: N }).fill(N)],
  ['run', 'start', '0', -1],
  ['run', 'batchSize', 4n, 0],
  ['run', 'batches', {}, 1.5],
  ['run', 'loss', 'crossEntropy', 9],
  ['run', 'hyper', new Float32Array(4), new Float64Array([-1, 0, 0, 0])],
  ['run', 'dropout', [1, 0, 0.5], new Float64Array([1, 0, 1])],
  ['workspace', 'z', new Float64Array(BATCH * UNITS), new Float32Array(BATCH * UNITS - 1)],
  ['workspace', 'a', [], new Float32Array(1)],
  ['workspace', 'delta', new Int32Array(BATCH * UNITS), new Float32Array(0)],
  ['workspace', 'xBatch', new Uint8Array(BATCH * 6), new Float32Array(BATCH * 6 - 1)],
  ['workspace', 'yBatch', 'yBatch', new Float32Array(BATCH * 3 - 1)],
];

/** The name an out-of-range value is reported under (an element of an array names the element). */
function rangeName(object: string, key: string): string {
  if (key === 'order') return 'run.order[0]';
  if (key === 'hyper') return 'run.hyper[0] (learningRate)';
  if (key === 'dropout') return 'run.dropout[2] (rate of layer 1)';
  return `${object}.${key}`;
}

/** The checks every form of the call must pass, for `train` (a checked backend or the raw addon). */
function rejectionSuite(train: () => Train): void {
  it('a property of the wrong kind is a TypeError naming it', () => {
    const d = dataset(5);
    for (const [object, key, wrong] of BAD) {
      const c = validCall(d);
      c[object][key] = wrong;
      expectRejected(train(), c, TypeError, `${object}.${key}`);
    }
  });

  it('a property out of range is a RangeError naming it', () => {
    const d = dataset(5);
    for (const [object, key, , outOfRange] of BAD) {
      const c = validCall(d);
      c[object][key] = outOfRange;
      expectRejected(train(), c, RangeError, rangeName(object, key));
    }
    const c = validCall(d);
    c.run.start = N - 1; // the second batch would start past order's end
    expectRejected(train(), c, RangeError, 'run.start + (run.batches - 1) * run.batchSize');
  });

  it('a missing required property is a TypeError naming it; a missing object too', () => {
    const d = dataset(5);
    const required = {
      data: ['x', 'y'],
      run: ['order', 'start', 'batchSize', 'batches', 'loss', 'hyper'],
      workspace: ['z', 'a', 'delta', 'xBatch', 'yBatch'],
    };
    for (const [object, keys] of Object.entries(required) as Array<
      [keyof typeof required, string[]]
    >) {
      for (const key of keys) {
        const c = validCall(d);
        delete c[object][key];
        expectRejected(train(), c, TypeError, `${object}.${key}`);
      }
      for (const notObject of [undefined, null, 3, 'data', () => 0]) {
        const c = validCall(d);
        (c as Record<string, unknown>)[object] = notObject;
        expectRejected(train(), c, TypeError, object);
      }
    }
  });

  it('the old positional form is refused with a TypeError, nothing written', () => {
    const d = dataset(5);
    const c = validCall(d);
    const w = c.workspace;
    const before = c.params.slice();
    // (spec, params, velocity, x, xScale, xOffset, y, labels, order, start, batchSize, batches,
    //  loss, z, a, delta, xBatch, yBatch, hyper, out)
    expect(() =>
      train()(
        ...[SPEC, c.params, c.velocity, d.bytes, SCALE, OFFSET, d.y, d.labels, d.order, 0, BATCH],
        ...[2, LOSS, w.z, w.a, w.delta, w.xBatch, w.yBatch, c.run.hyper, c.out],
      ),
    ).to.throw(TypeError);
    expect(Array.from(c.params)).to.deep.equal(Array.from(before));
  });

  it('reads each property once, all before any check: a getter detaching a checked buffer is an error', () => {
    const d = dataset(5);
    const c = validCall(d);
    const reads = new Map<string, number>();
    const counted = (name: string, o: Record<string, unknown>) =>
      new Proxy(o, {
        get(target, key, receiver) {
          const k = `${name}.${String(key)}`;
          reads.set(k, (reads.get(k) ?? 0) + 1);
          return Reflect.get(target, key, receiver);
        },
      });
    c.data = counted('data', c.data);
    c.run = counted('run', c.run);
    c.workspace = counted('workspace', c.workspace);
    expect(invoke(train(), c)).to.equal(2);
    expect(
      [...reads.values()].every((n) => n === 1),
      JSON.stringify([...reads]),
    ).to.equal(true);
    expect(reads.size).to.equal(5 + 7 + 5);

    // yBatch is read last; its getter moves data.x's memory away, after data.x was read.
    const x = new Uint8Array(d.bytes);
    const detaching = validCall(d);
    detaching.data.x = x;
    Object.defineProperty(detaching.workspace, 'yBatch', {
      get: () => {
        structuredClone(x.buffer, { transfer: [x.buffer] });
        return new Float32Array(BATCH * 3);
      },
    });
    // (a TypeError from the checked layer, as for any detached buffer; a RangeError, for its
    // length, from the raw addon)
    expectRejected(train(), detaching, Error, 'data.x');
    expect(x.length, 'the getter did run').to.equal(0);

    const throwing = validCall(d);
    Object.defineProperty(throwing.run, 'hyper', {
      get: () => {
        throw new Error('a getter that throws');
      },
    });
    expect(() => invoke(train(), throwing)).to.throw('a getter that throws');
  });
}

forEachBackend('91 trainBatches with data, run and workspace objects', (be) => {
  for (const [name, hyper, dropout] of RECIPES) {
    it(`${name}: equals gather + trainBatch + update, batch by batch, from order[2]`, () => {
      const d = dataset(11);
      const params0 = randomParams(mulberry32(4), SIZES);
      const slots = hyper().length === 10 ? 2 : 1;
      const velocity0 = new Float32Array(slots * P);
      const [pRef, vRef] = [params0.slice(), velocity0.slice()];
      // start 2: batches of 4, 4, 4 and a short last one of 3
      const outRef = perBatch(be(), pRef, vRef, d, 2, 4, hyper(), dropout());
      const [p, v] = [params0.slice(), velocity0.slice()];
      const out = new Float64Array(8);
      const done = be().trainBatches(
        SPEC,
        p,
        v,
        { x: d.bytes, xScale: SCALE, xOffset: OFFSET, y: d.y, labels: d.labels },
        {
          order: d.order,
          start: 2,
          batchSize: BATCH,
          batches: 4,
          loss: LOSS,
          hyper: hyper(),
          dropout: dropout(),
        },
        workspace(),
        out,
      );
      expect(done).to.equal(4);
      for (let b = 0; b < 4; b++) {
        expect(out[2 * b], `loss of batch ${b}`).to.be.closeTo(outRef[2 * b], 1e-5 * outRef[2 * b]);
        expect(out[2 * b + 1], `correct in batch ${b}`).to.equal(outRef[2 * b + 1]);
      }
      expectClose(p, pRef, (i) => 2e-5 * (Math.abs(pRef[i]) + 1e-2), 'params');
      expectClose(v, vRef, (i) => 2e-5 * (Math.abs(vRef[i]) + 1e-2), 'optimizer state');
    });
  }

  it('absent optional properties are their defaults: xScale 1, xOffset 0, no labels, no dropout', () => {
    const d = dataset(12);
    const x = Float32Array.from(d.bytes, (b) => b / 255);
    const train = (data: BatchData, dropout?: null) => {
      const p = randomParams(mulberry32(9), SIZES);
      const out = new Float64Array(4).fill(-1);
      const run = twoBatches(d, [0.5, 0, 0, 0]);
      if (dropout === null) run.dropout = null;
      be().trainBatches(SPEC, p, new Float32Array(0), data, run, workspace(), out);
      return { p, out };
    };
    const bare = train({ x, y: d.y });
    const explicit = train({ x, xScale: 1, xOffset: 0, y: d.y, labels: null }, null);
    expect(Array.from(bare.p)).to.deep.equal(Array.from(explicit.p));
    expect(Array.from(bare.out)).to.deep.equal(Array.from(explicit.out));
    expect([bare.out[1], bare.out[3]], 'no labels: 0 correct').to.deep.equal([0, 0]);
    // Bytes without a scale are the bytes' values: 0..255 as floats.
    const bytes = train({ x: d.bytes, y: d.y });
    const floats = train({ x: Float32Array.from(d.bytes), y: d.y });
    expect(Array.from(bytes.p)).to.deep.equal(Array.from(floats.p));
  });

  rejectionSuite(() => be().trainBatches.bind(be()) as Train);
});

describe('91 trainBatches on the raw addon (no TypeScript checks in front)', () => {
  let addon: NativeAddon | undefined;
  before(function () {
    if (!nativeAvailability().available) this.skip();
    addon = loadAddon().addon;
  });
  rejectionSuite(() => addon!.trainBatches.bind(addon) as Train);
});
