/**
 * When does a second thread pay? The core's sgemm at the MLP shapes (and a few between), looped in
 * C++ (`benchSgemm`), on 1 thread and on 2 with every product split (BLASNET_MIN_MACS_PER_THREAD=1
 * in a child process), interleaved, medians of 7. The crossover sets kSplitMacsPerThread
 * (native/core/tuning.h).
 *
 *   npx tsx bench/threads.ts [--no-json]
 */
import { spawnSync } from 'node:child_process';
import {
  childArgs,
  fmt,
  headerLines,
  machineInfo,
  markdownTable,
  median,
  tryAddon,
  writeResults,
} from './common';

interface Shape {
  op: 'NT' | 'TN' | 'NN';
  m: number;
  n: number;
  k: number;
}

const SHAPES: Shape[] = [];
for (const batch of [10, 32, 64, 128]) {
  for (const hidden of [30, 60, 100, 300, 800]) {
    SHAPES.push({ op: 'NT', m: batch, n: hidden, k: 784 });
    SHAPES.push({ op: 'TN', m: hidden, n: 784, k: batch });
    SHAPES.push({ op: 'NN', m: batch, n: 784, k: hidden });
  }
}

function child(): void {
  const addon = tryAddon()!;
  const threads = Number(process.argv[process.argv.indexOf('--child') + 1]);
  addon.setThreads(threads);
  const out: number[] = [];
  for (const s of SHAPES) {
    const macs = s.m * s.n * s.k;
    const reps = Math.max(5, Math.round(3e7 / macs));
    addon.benchSgemm!(s.op[0] === 'T', s.op[1] === 'T', s.m, s.n, s.k, reps, false);
    out.push(
      addon.benchSgemm!(s.op[0] === 'T', s.op[1] === 'T', s.m, s.n, s.k, reps, false) / reps,
    );
  }
  process.stdout.write(`@@RESULT ${JSON.stringify(out)}\n`);
}

function runOnce(threads: number): number[] {
  const r = spawnSync(process.execPath, [...childArgs(__filename), '--child', String(threads)], {
    encoding: 'utf8',
    env: { ...process.env, BLASNET_MIN_MACS_PER_THREAD: '1' },
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
  if (!line) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(line.slice(9)) as number[];
}

function main(): void {
  const machine = machineInfo();
  console.log('# blasnet: 1 vs 2 kernel threads per product\n');
  console.log(headerLines(machine));
  const one: number[][] = [];
  const two: number[][] = [];
  for (let r = 0; r < 7; r++) {
    one.push(runOnce(1));
    two.push(runOnce(2));
  }
  const rows = SHAPES.map((s, i) => {
    const t1 = median(one.map((x) => x[i]));
    const t2 = median(two.map((x) => x[i]));
    const flops = 2 * s.m * s.n * s.k;
    return [
      s.op,
      `${s.m}×${s.n}×${s.k}`,
      String(s.m * s.n * s.k),
      fmt(flops / t1 / 1e9, 1),
      fmt(flops / t2 / 1e9, 1),
      fmt(t1 / t2, 2),
    ];
  });
  console.log(
    '\n' +
      markdownTable(
        ['op', 'm×n×k', 'multiply-adds', '1 thread GFLOP/s', '2 threads GFLOP/s', 'speedup'],
        rows,
      ),
  );
  if (!process.argv.includes('--no-json'))
    console.log(`JSON: ${writeResults('threads', { machine, shapes: SHAPES, one, two })}`);
}

if (process.argv.includes('--child')) child();
else main();
