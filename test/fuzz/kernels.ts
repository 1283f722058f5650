/**
 * Fuzz cases for the backend kernels: a valid call built from a small random shape, with zero to
 * two of its arguments mutated. Each case runs on the checked native and js backends (they must
 * accept and reject the same calls, with coded errors) and on the raw addon (no crash, coded
 * errors: the C++ checks stand alone).
 */
import fc from 'fast-check';
import { loadAddon } from '../../lib/backend/native/addon';
import { makeSpec } from '../../lib/backend/spec';
import type { Backend } from '../../lib/backend/types';
import { type Mutation, mutate, mutationArb } from './values';

/** The shape a valid call is built from. */
export interface Shape {
  rows: number;
  cols: number;
  k: number;
  trans: number; // bit 0: transA, bit 1: transB
  sizes: number[];
  acts: number[]; // one per layer; the output's may be softmax
  loss: number;
  momentum: number; // 0 or 0.9
  seed: number;
}

export const KERNELS = [
  'sgemm',
  'biasActivate',
  'activationBackward',
  'columnSums',
  'softmax',
  'gatherRows',
  'forward',
  'backward',
  'update',
  'trainBatch',
  'trainBatches',
] as const;
export type KernelName = (typeof KERNELS)[number];

export interface KernelCase {
  kernel: KernelName;
  shape: Shape;
  mutations: { arg: number; m: Mutation }[];
}

const shapeArb: fc.Arbitrary<Shape> = fc
  .record({
    rows: fc.integer({ min: 1, max: 5 }),
    cols: fc.integer({ min: 1, max: 5 }),
    k: fc.integer({ min: 1, max: 5 }),
    trans: fc.nat(3),
    sizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 4 }),
    hidden: fc.array(fc.constantFrom(0, 1, 2, 3), { minLength: 3, maxLength: 3 }),
    out: fc.constantFrom(0, 1, 2, 3, 4),
    momentum: fc.constantFrom(0, 0.9),
    seed: fc.nat(1000),
  })
  .map(({ hidden, out, ...s }) => {
    const L = s.sizes.length - 1;
    const acts = [...hidden.slice(0, L - 1), out];
    // The loss that fits the output: cross-entropy with softmax, binary with sigmoid.
    const loss = out === 4 ? 1 : out === 1 ? 2 : 0;
    return { ...s, acts, loss };
  });

export const kernelCaseArb: fc.Arbitrary<KernelCase> = fc.record({
  kernel: fc.constantFrom(...KERNELS),
  shape: shapeArb,
  mutations: fc.array(fc.record({ arg: fc.nat(19), m: mutationArb() }), { maxLength: 2 }),
});

/** Deterministic small values (the same for every backend). */
function filled(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed + 1;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = ((s / 2147483648) * 2 - 1) * scale;
  }
  return out;
}

/** A fresh valid argument list for the case's kernel. */
export function validArgs(kernel: KernelName, s: Shape): unknown[] {
  const { rows, cols, k, seed } = s;
  const f = (n: number) => filled(n, seed + n);
  const L = s.sizes.length - 1;
  const spec = makeSpec(s.sizes, s.acts);
  let paramCount = 0;
  let units = 0;
  for (let l = 1; l <= L; l++) {
    paramCount += s.sizes[l] * s.sizes[l - 1] + s.sizes[l];
    units += s.sizes[l];
  }
  const n0 = s.sizes[0];
  const nL = s.sizes[L];
  const hyper = () => new Float64Array([0.1, s.momentum, 0, 0]);
  const y = (n: number) => {
    // One-hot targets fit every loss (cross-entropy and binary cross-entropy need [0, 1]).
    const t = new Float32Array(n * nL);
    for (let r = 0; r < n; r++) t[r * nL + ((r + seed) % nL)] = 1;
    return t;
  };
  switch (kernel) {
    case 'sgemm':
      return [
        (s.trans & 1) === 1,
        (s.trans & 2) === 2,
        rows,
        cols,
        k,
        1,
        f(rows * k),
        f(k * cols),
        0.5,
        f(rows * cols),
      ];
    case 'biasActivate':
      return [f(rows * cols), f(rows * cols), f(cols), rows, cols, seed % 6];
    case 'activationBackward':
      return [f(rows * cols), f(rows * cols), f(rows * cols), rows, cols, seed % 5];
    case 'columnSums':
      return [f(rows * cols), rows, cols, 1, 0, f(cols)];
    case 'softmax':
      return [f(rows * cols), f(rows * cols), rows, cols];
    case 'gatherRows': {
      const indices = new Uint32Array(rows + 1);
      for (let i = 0; i < indices.length; i++) indices[i] = (i * 7 + seed) % k;
      return [f(k * cols), cols, indices, 1, rows, f(rows * cols)];
    }
    case 'forward':
      return [spec, f(paramCount), f(rows * n0), rows, f(rows * units), f(rows * units)];
    case 'backward':
      return [
        spec,
        f(paramCount),
        f(paramCount),
        f(rows * n0),
        rows,
        f(rows * units),
        f(rows * units),
        f(rows * units),
        f(paramCount),
        hyper(),
      ];
    case 'update':
      return [spec, f(paramCount), f(paramCount), f(paramCount), hyper()];
    case 'trainBatch':
      return [
        spec,
        f(paramCount),
        f(paramCount),
        f(paramCount),
        f(rows * n0),
        y(rows),
        rows,
        s.loss,
        f(rows * units),
        f(rows * units),
        f(rows * units),
        hyper(),
      ];
    case 'trainBatches': {
      const n = rows + 2;
      const order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = (i * 5 + seed) % n;
      const bytes = new Uint8Array(n * n0);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + seed) & 255;
      const labels = new Uint8Array(n);
      for (let i = 0; i < n; i++) labels[i] = (i + seed) % nL;
      const batchSize = Math.max(1, rows - 1);
      return [
        spec,
        f(paramCount),
        f(paramCount),
        seed % 2 === 0 ? f(n * n0) : bytes,
        1 / 255,
        0,
        y(n),
        labels,
        order,
        0,
        batchSize,
        Math.ceil(n / batchSize),
        s.loss,
        f(batchSize * units),
        f(batchSize * units),
        f(batchSize * units),
        f(batchSize * n0),
        f(batchSize * nL),
        hyper(),
        new Float64Array(2 * Math.ceil(n / batchSize)),
      ];
    }
  }
}

/** The case's arguments: valid ones, with its mutations applied. */
export function caseArgs(c: KernelCase): unknown[] {
  const args = validArgs(c.kernel, c.shape);
  const done = new Set<number>();
  for (const { arg, m } of c.mutations) {
    const i = arg % args.length;
    if (done.has(i)) continue; // one mutation per argument (a detached buffer cannot be copied)
    done.add(i);
    args[i] = mutate(args[i], m);
  }
  return c.kernel === 'trainBatches' ? batchesCall(args) : args;
}

/**
 * trainBatches' arguments, built and mutated as one flat list (spec, params, velocity, x, xScale,
 * xOffset, y, labels, order, start, batchSize, batches, loss, z, a, delta, xBatch, yBatch, hyper,
 * out), so that each property is mutated on its own, then put into the objects the call takes.
 */
function batchesCall(f: unknown[]): unknown[] {
  return [
    f[0],
    f[1],
    f[2],
    { x: f[3], xScale: f[4], xOffset: f[5], y: f[6], labels: f[7] },
    { order: f[8], start: f[9], batchSize: f[10], batches: f[11], loss: f[12], hyper: f[18] },
    { z: f[13], a: f[14], delta: f[15], xBatch: f[16], yBatch: f[17] },
    f[19],
  ];
}

/** What a call did: returned, or threw (with its code). */
export type Outcome = { ok: true } | { ok: false; error: unknown };

export function runKernel(be: Backend | Record<string, unknown>, c: KernelCase): Outcome {
  const fn = (be as unknown as Record<string, (...args: unknown[]) => unknown>)[c.kernel];
  try {
    fn.apply(be, caseArgs(c));
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The raw addon's functions (no TypeScript checks in front), or undefined where it cannot load. */
export function rawAddon(): Record<string, unknown> | undefined {
  try {
    return loadAddon().addon as unknown as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
