/**
 * Kernel benchmark (issue 2, item 8): sgemm at the MLP shapes, every GEMM of a 784→h layer
 * (h = 30, 100, 800) at batch 10, 32 and 128:
 *   forward        z = a·wᵀ   [NoTrans, Trans]   m = batch, n = h,   k = 784
 *   weight grad    δᵀ·a       [Trans, NoTrans]   m = h,     n = 784, k = batch
 *   input grad     δ·w        [NoTrans, NoTrans] m = batch, n = 784, k = h
 * Columns: GFLOP/s of the native sgemm called from JS through N-API (the raw addon export, one
 * crossing per call), of the same core sgemm looped in C++ (`benchSgemm`, no crossing), of
 * cblas_sgemm called directly in C (no core in between), and of the pure-TypeScript sgemm; then
 * native/JS and N-API/C. Medians of 5 interleaved runs of ~0.1 s each.
 *
 *   npx tsx bench/kernels.ts [--quick] [--threads N] [--no-json]
 */
import { sgemm as jsSgemm } from '../lib/backend/js/sgemm';
import {
  fmt,
  headerLines,
  machineInfo,
  markdownTable,
  median,
  tryAddon,
  writeResults,
} from './common';

interface Shape {
  gemm: 'forward' | 'weight grad' | 'input grad';
  batch: number;
  hidden: number;
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
}

function shapes(batches: number[], hiddens: number[]): Shape[] {
  const out: Shape[] = [];
  for (const batch of batches) {
    for (const hidden of hiddens) {
      out.push({
        gemm: 'forward',
        batch,
        hidden,
        transA: false,
        transB: true,
        m: batch,
        n: hidden,
        k: 784,
      });
      out.push({
        gemm: 'weight grad',
        batch,
        hidden,
        transA: true,
        transB: false,
        m: hidden,
        n: 784,
        k: batch,
      });
      out.push({
        gemm: 'input grad',
        batch,
        hidden,
        transA: false,
        transB: false,
        m: batch,
        n: 784,
        k: hidden,
      });
    }
  }
  return out;
}

function fill(n: number, salt: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * 7 + salt) % 251) / 251 - 0.25;
  return out;
}

type Gemm = (
  tA: boolean,
  tB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  b: Float32Array,
  beta: number,
  c: Float32Array,
) => void;

/** Seconds per call, over `reps` calls from JS. */
function timeJs(
  gemm: Gemm,
  s: Shape,
  reps: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
): number {
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, b, 0, c);
  return Number(process.hrtime.bigint() - t0) / 1e9 / reps;
}

export interface KernelRow {
  shape: Shape;
  napi: number;
  coreLoop: number;
  cblas: number;
  js: number;
}

export function runKernelBench(opts: { quick: boolean; threads?: number; json: boolean }): {
  table: string;
  rows: KernelRow[];
} {
  const addon = tryAddon();
  if (addon && opts.threads) addon.setThreads(opts.threads);
  const machine = machineInfo();
  console.log(
    `# blasnet kernel benchmark: sgemm at the MLP shapes${opts.quick ? ' (--quick)' : ''}\n`,
  );
  console.log(
    headerLines(machine, [
      `BLAS threads during the run: ${addon ? addon.info().threads : 'n/a'}` +
        (opts.threads ? ' (forced)' : ' (library default)'),
      'JS: the pure-TypeScript sgemm, single-threaded',
    ]),
  );
  const runs = opts.quick ? 3 : 5;
  const budget = opts.quick ? 0.04 : 0.1; // seconds per measurement
  const rows: KernelRow[] = [];
  for (const s of shapes([10, 32, 128], [30, 100, 800])) {
    const flops = 2 * s.m * s.n * s.k;
    const a = fill(s.m * s.k, 1);
    const b = fill(s.k * s.n, 2);
    const c = fill(s.m * s.n, 3);
    // Calibrate reps per measurement on the JS sgemm (slowest) and on native separately.
    const jsReps = Math.max(1, Math.round(budget / Math.max(timeJs(jsSgemm, s, 1, a, b, c), 1e-7)));
    let nativeReps = 1;
    if (addon) {
      timeJs(addon.sgemm, s, 3, a, b, c);
      nativeReps = Math.max(
        3,
        Math.round(budget / Math.max(timeJs(addon.sgemm, s, 10, a, b, c), 1e-8)),
      );
    }
    const napi: number[] = [];
    const loop: number[] = [];
    const direct: number[] = [];
    const js: number[] = [];
    for (let r = 0; r < runs; r++) {
      if (addon) {
        napi.push(timeJs(addon.sgemm, s, nativeReps, a, b, c));
        loop.push(
          addon.benchSgemm!(s.transA, s.transB, s.m, s.n, s.k, nativeReps, false) / nativeReps,
        );
        direct.push(
          addon.benchSgemm!(s.transA, s.transB, s.m, s.n, s.k, nativeReps, true) / nativeReps,
        );
      }
      js.push(timeJs(jsSgemm, s, jsReps, a, b, c));
    }
    const g = (xs: number[]) => (xs.length ? flops / median(xs) / 1e9 : NaN);
    rows.push({ shape: s, napi: g(napi), coreLoop: g(loop), cblas: g(direct), js: g(js) });
  }
  const table = markdownTable(
    [
      'GEMM',
      'batch',
      'hidden',
      'op',
      'm×n×k',
      'native N-API GFLOP/s',
      'core loop in C',
      'cblas direct in C',
      'JS GFLOP/s',
      'native/JS',
      'N-API / cblas',
    ],
    rows.map((r) => [
      r.shape.gemm,
      String(r.shape.batch),
      String(r.shape.hidden),
      `${r.shape.transA ? 'T' : 'N'}${r.shape.transB ? 'T' : 'N'}`,
      `${r.shape.m}×${r.shape.n}×${r.shape.k}`,
      fmt(r.napi, 1),
      fmt(r.coreLoop, 1),
      fmt(r.cblas, 1),
      fmt(r.js, 2),
      `${fmt(r.napi / r.js, 1)}x`,
      fmt(r.napi / r.cblas, 2),
    ]),
  );
  console.log(`\n${table}`);
  const goal = rows.find(
    (r) => r.shape.gemm === 'forward' && r.shape.batch === 128 && r.shape.hidden === 800,
  );
  if (goal) {
    const vsLoop = (goal.napi / goal.coreLoop - 1) * 100;
    const vsBlas = (goal.napi / goal.cblas - 1) * 100;
    const sign = (v: number) => `${v >= 0 ? '+' : ''}${fmt(v, 1)}%`;
    console.log(
      `\nGoal: native sgemm through N-API at 128×800×784 (forward) within 10% of the direct C call. Same sgemm looped in C: ` +
        `${fmt(goal.napi, 1)} vs ${fmt(goal.coreLoop, 1)} GFLOP/s (${sign(vsLoop)}) → ${vsLoop >= -10 ? 'holds' : 'misses'}; ` +
        `against cblas_sgemm called directly: ${fmt(goal.cblas, 1)} GFLOP/s (${sign(vsBlas)}) → ${vsBlas >= -10 ? 'holds' : 'misses'}.`,
    );
  }
  // The price of one crossing: a 1×1×1 product through N-API against the same product looped in C.
  let crossingMicros: number | undefined;
  if (addon) {
    const one = new Float32Array(1);
    const s: Shape = {
      gemm: 'forward',
      batch: 1,
      hidden: 1,
      transA: false,
      transB: false,
      m: 1,
      n: 1,
      k: 1,
    };
    const napi: number[] = [];
    const loop: number[] = [];
    for (let r = 0; r < 5; r++) {
      napi.push(timeJs(addon.sgemm, s, 200000, one, one, one));
      loop.push(addon.benchSgemm!(false, false, 1, 1, 1, 200000, false) / 200000);
    }
    crossingMicros = (median(napi) - median(loop)) * 1e6;
    console.log(
      `One N-API crossing (sgemm 1×1×1 from JS: ${fmt(median(napi) * 1e6, 3)} µs per call, the same looped in C: ${fmt(median(loop) * 1e6, 3)} µs): ${fmt(crossingMicros, 3)} µs.`,
    );
  }
  if (opts.json) console.log(`JSON: ${writeResults('kernels', { machine, rows, crossingMicros })}`);
  return { table, rows };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--threads');
  runKernelBench({
    quick: argv.includes('--quick'),
    threads: i >= 0 ? Number(argv[i + 1]) : undefined,
    json: !argv.includes('--no-json'),
  });
}
