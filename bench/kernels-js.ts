/**
 * Quick local timing of the pure-TypeScript sgemm on the MLP shapes, for tuning its block sizes
 * (not part of npm test; `npm run bench` is the real benchmark). Reports the best and the median
 * run, because the machine may be shared. Native is timed alongside when it loads.
 *
 * Run: npx tsx bench/kernels-js.ts
 */
import { nativeAvailability, getBackend } from '../lib/backend/select';
import { sgemm } from '../lib/backend/js/sgemm';

interface Shape {
  label: string;
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
}

const shapes: Shape[] = [
  {
    label: 'forward 784→30, batch 10:   z = a·wᵀ',
    transA: false,
    transB: true,
    m: 10,
    n: 30,
    k: 784,
  },
  {
    label: 'forward 784→800, batch 128: z = a·wᵀ',
    transA: false,
    transB: true,
    m: 128,
    n: 800,
    k: 784,
  },
  {
    label: 'gradW [800, 784], batch 128: δᵀ·a',
    transA: true,
    transB: false,
    m: 800,
    n: 784,
    k: 128,
  },
  {
    label: 'δ back 800→784, batch 128:  δ·w',
    transA: false,
    transB: false,
    m: 128,
    n: 784,
    k: 800,
  },
  { label: 'square 256, both transposed', transA: true, transB: true, m: 256, n: 256, k: 256 },
];

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

function fill(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

/** GFLOP/s of the best and the median run over about a second. */
function time(gemm: Gemm, s: Shape): { best: number; median: number } {
  const a = fill(s.m * s.k, 1);
  const b = fill(s.k * s.n, 2);
  const c = fill(s.m * s.n, 3);
  const flops = 2 * s.m * s.n * s.k;
  // Group tiny calls so the timer resolution does not matter.
  const group = Math.max(1, Math.floor(2e6 / flops));
  for (let w = 0; w < 3; w++) gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, b, 0, c);
  const times: number[] = [];
  const start = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - start) < 1e9 || times.length < 5) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < group; r++) gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, b, 0, c);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9 / group);
  }
  times.sort((x, y) => x - y);
  return { best: flops / times[0] / 1e9, median: flops / times[times.length >> 1] / 1e9 };
}

const native = nativeAvailability().available ? getBackend('native') : undefined;
if (native) native.setThreads(1);
console.log(
  `sgemm GFLOP/s, best (median); js single-threaded${native ? `, native: ${native.info().blas}, 1 thread` : ''}`,
);
for (const s of shapes) {
  const js = time(sgemm, s);
  const nat = native ? time((...args) => native.sgemm(...args), s) : undefined;
  const shape = `${s.m}×${s.n}×${s.k} ${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'}`.padEnd(16);
  const fmt = (r: { best: number; median: number }) =>
    `${r.best.toFixed(2)} (${r.median.toFixed(2)})`.padEnd(14);
  console.log(`${shape} js ${fmt(js)}${nat ? ` native ${fmt(nat)}` : ''} ${s.label}`);
}
