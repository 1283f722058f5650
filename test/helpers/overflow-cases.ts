/**
 * Calls of the raw addon with sizes near 2^31 and 2^63 and buffers of a few floats: each must be
 * refused with a coded RangeError before any buffer is touched. Run by test/07 in a child process
 * (runOverflowCases), since on code without checked arithmetic some of them crash the process.
 */
import { writeSync } from 'node:fs';
import type { NativeAddon } from '../../lib/backend/native/addon';

/** The largest int32 (a layer size, a BLAS dimension). */
const B = 2 ** 31 - 1;
const SIGMOID = 1;
const SOFTMAX = 4;

const f32 = (length = 4) => new Float32Array(length);
const hyper = (momentum = 0) => new Float64Array([0.1, momentum, 0, 0]);

/** A spec [L, n0..nL, act1..actL] with sigmoid layers. */
function spec(sizes: number[], out = SIGMOID): Int32Array {
  const L = sizes.length - 1;
  return Int32Array.from([L, ...sizes, ...Array<number>(L - 1).fill(SIGMOID), out]);
}

// 3 · (2^31 − 1)^2 weights: the parameter count overflows int64 (wrapped negative, it passed
// every length check and update() walked past a 4-float buffer).
const WRAPPING = spec([B, B, B, B]);
// 2 · (2^31 − 1)^2 + 3 · (2^31 − 1) + 1 = 2^63 − 2^31 parameters: fits, just, and needs buffers
// no machine has.
const NEAR_2_63 = spec([B, B, B, 1]);
// Few parameters but 3 · 2^31 units per example: batch · units overflows for a batch near 2^31.
const WIDE_UNITS = spec([1, B, 1, B, 1, B, 1]);

/** A name and a call of the raw addon that must throw a coded RangeError. */
export interface OverflowCase {
  name: string;
  call: (addon: NativeAddon) => unknown;
}

function trainBatchesArgs(
  s: Int32Array,
  start: number,
  batchSize: number,
  batches: number,
  labels: Uint8Array | null = null,
  loss = 0,
): Parameters<NativeAddon['trainBatches']> {
  return [
    s,
    f32(),
    f32(),
    { x: f32(), xScale: 1, xOffset: 0, y: f32(), labels },
    { order: new Uint32Array(4), start, batchSize, batches, loss, hyper: hyper() },
    { z: f32(), a: f32(), delta: f32(), xBatch: f32(), yBatch: f32() },
    new Float64Array(8),
  ];
}

export const OVERFLOW_CASES: OverflowCase[] = [
  {
    name: 'update with a parameter count past 2^63',
    call: (a) => a.update(WRAPPING, f32(), f32(), f32(), hyper()),
  },
  {
    name: 'update with momentum and a parameter count past 2^63',
    call: (a) => a.update(WRAPPING, f32(), f32(), f32(), hyper(0.9)),
  },
  {
    name: 'update with a parameter count of 2^63 - 2^31',
    call: (a) => a.update(NEAR_2_63, f32(), f32(), f32(), hyper()),
  },
  {
    name: 'forward with a parameter count past 2^63',
    call: (a) => a.forward(WRAPPING, f32(), f32(), 1, f32(), f32()),
  },
  {
    name: 'forward with batch · units past 2^63',
    call: (a) => a.forward(WIDE_UNITS, f32(), f32(), B, f32(), f32()),
  },
  {
    name: 'forward with a batch of 2^63',
    call: (a) => a.forward(spec([1, 1]), f32(), f32(), 2 ** 63, f32(), f32()),
  },
  {
    name: 'backward with a parameter count past 2^63',
    call: (a) => a.backward(WRAPPING, f32(), f32(), f32(), 1, f32(), f32(), f32()),
  },
  {
    name: 'backward with batch · units past 2^63',
    call: (a) => a.backward(WIDE_UNITS, f32(), f32(), f32(), B, f32(), f32(), f32()),
  },
  {
    name: 'trainBatch with a parameter count past 2^63',
    call: (a) =>
      a.trainBatch(WRAPPING, f32(), f32(), f32(), f32(), f32(), 1, 0, f32(), f32(), f32(), hyper()),
  },
  {
    name: 'trainBatch with batch · units past 2^63',
    call: (a) =>
      a.trainBatch(WIDE_UNITS, f32(), f32(), f32(), f32(), f32(), B, 0, f32(), f32(), f32(), null),
  },
  {
    name: 'trainBatches with a parameter count past 2^63',
    call: (a) => a.trainBatches(...trainBatchesArgs(WRAPPING, 0, 1, 1)),
  },
  {
    name: 'trainBatches with start + batches · batchSize near 2^63',
    call: (a) => a.trainBatches(...trainBatchesArgs(spec([1, 1]), 2 ** 53 - 1, B, B)),
  },
  {
    name: 'trainBatches with batchSize · units past 2^63',
    call: (a) => a.trainBatches(...trainBatchesArgs(WIDE_UNITS, 0, B, 1)),
  },
  {
    name: 'trainBatches with a softmax spec past 2^63 and labels',
    call: (a) =>
      a.trainBatches(
        ...trainBatchesArgs(spec([B, B, B, B], SOFTMAX), 0, 1, 1, new Uint8Array(4), 1),
      ),
  },
  ...([false, true] as const).flatMap((transA) =>
    ([false, true] as const).map((transB) => ({
      name: `sgemm ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} with m = n = k = 2^31 - 1`,
      call: (a: NativeAddon) => a.sgemm(transA, transB, B, B, B, 1, f32(), f32(), 0, f32()),
    })),
  ),
  {
    name: 'sgemm with m = 2^63',
    call: (a) => a.sgemm(false, false, 2 ** 63, 1, 1, 1, f32(), f32(), 0, f32()),
  },
  {
    name: 'biasActivate with rows = cols = 2^31 - 1',
    call: (a) => a.biasActivate(f32(), f32(), f32(), B, B, SIGMOID),
  },
  {
    name: 'activationBackward with rows = cols = 2^31 - 1',
    call: (a) => a.activationBackward(f32(), f32(), f32(), B, B, SIGMOID),
  },
  {
    name: 'columnSums with rows = cols = 2^31 - 1',
    call: (a) => a.columnSums(f32(), B, B, 1, 0, f32()),
  },
  { name: 'softmax with rows = cols = 2^31 - 1', call: (a) => a.softmax(f32(), f32(), B, B) },
  {
    name: 'gatherRows with start + count past 2^53',
    call: (a) => a.gatherRows(f32(), 1, new Uint32Array(4), 2 ** 53 - 1, B, f32()),
  },
  {
    name: 'gatherRows with count · cols near 2^62',
    call: (a) => a.gatherRows(f32(), B, new Uint32Array(4), 0, 4, f32()),
  },
  {
    name: 'benchSgemm with m = n = k = 2^16',
    call: (a) => a.benchSgemm?.(false, false, 2 ** 16, 2 ** 16, 2 ** 16, 1, false),
  },
  {
    name: 'benchEpochGemms with a parameter count past 2^63',
    call: (a) => a.benchEpochGemms?.(WRAPPING, 1, 1, 0),
  },
];

/**
 * Runs every case on `addon`, one JSON line per case on stdout (written synchronously, so the
 * line of the case that was running survives a crash): `{ name, started }` before the call,
 * `{ name, thrown: { name, code, message } | null }` after it.
 */
export function runOverflowCases(addon: NativeAddon): void {
  const line = (value: unknown) => writeSync(1, `${JSON.stringify(value)}\n`);
  for (const c of OVERFLOW_CASES) {
    line({ name: c.name, started: true });
    let thrown: { name: string; code?: string; message: string } | null = null;
    try {
      c.call(addon);
    } catch (error) {
      const e = error as Error & { code?: string };
      thrown = { name: e.name, code: e.code, message: e.message };
    }
    line({ name: c.name, thrown });
  }
}
