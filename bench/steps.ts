/**
 * Before/after figures for each training optimization, measured in one run, interleaved
 * (round-robin over the variants, `--rounds` times, each a child process of bench/train.ts), so a
 * busy machine slows every variant alike. Medians of the per-run medians.
 *
 *   npx tsx bench/steps.ts [--baseline-root DIR] [--rounds 3] [--epochs 3] [--workloads W1,W2,W3]
 *
 * The variants, cumulative:
 *   baseline      --baseline-root: a checkout of blasnet from before these optimizations, with
 *                 its own build and this bench/ copied in (per-batch path, BLAS for every product)
 *   + kernels     the own sgemm kernels (and the float sigmoid), still one crossing per batch
 *   + trainBatches many batches per call, gathered in C++, the step fused into backward
 *   + bytes       inputs kept as bytes, converted per batch
 *   + 2 threads   large products split over both cores
 * and, for reference, the final state with BLAS for every product (`kernels none`).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  fmt,
  headerLines,
  machineInfo,
  markdownTable,
  median,
  WORKLOADS,
  type Workload,
  writeResults,
} from './common';
import type { ChildResult } from './train';

interface Variant {
  name: string;
  root?: string;
  flags: string[];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function runChild(
  root: string,
  workload: string,
  flags: string[],
  epochs: number,
): ChildResult | undefined {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'bench', 'train.ts'),
      '--child',
      '--workload',
      workload,
      '--backend',
      'native',
      '--examples',
      '60000',
      '--epochs',
      String(epochs),
      '--ceiling-runs',
      '1',
      ...flags,
    ],
    { encoding: 'utf8', cwd: root, maxBuffer: 1 << 26 },
  );
  const line = r.stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
  if (!line) {
    process.stderr.write(`${workload} ${flags.join(' ')} in ${root}: failed\n${r.stderr}\n`);
    return undefined;
  }
  return JSON.parse(line.slice(9)) as ChildResult;
}

function main(): void {
  const here = join(__dirname, '..');
  const baseline = arg('--baseline-root');
  const rounds = Number(arg('--rounds') ?? 3);
  const epochs = Number(arg('--epochs') ?? 3);
  const workloads = (arg('--workloads') ?? 'W1,W2,W3').split(',') as Workload['name'][];
  const variants: Variant[] = [
    ...(baseline
      ? [
          {
            name: 'baseline (before)',
            root: baseline,
            flags: ['--per-batch', '--inputs', 'floats'],
          },
        ]
      : []),
    {
      name: '+ own kernels, 1 thread',
      flags: ['--per-batch', '--inputs', 'floats', '--threads', '1'],
    },
    {
      name: '+ trainBatches (fused step, batches per call)',
      flags: ['--inputs', 'floats', '--threads', '1'],
    },
    { name: '+ byte inputs', flags: ['--inputs', 'bytes', '--threads', '1'] },
    { name: '+ 2 threads (final)', flags: ['--inputs', 'bytes', '--threads', '2'] },
    {
      name: 'final, but BLAS for every product',
      flags: ['--inputs', 'bytes', '--threads', '2', '--kernels', 'none'],
    },
  ];
  console.log('# blasnet: training time per optimization (native backend)\n');
  console.log(
    headerLines(machineInfo(), [
      `${rounds} rounds × ${epochs} epochs per variant, interleaved; s/epoch is the median over rounds of each run's median epoch`,
    ]),
  );
  const times = new Map<string, number[]>();
  const rss = new Map<string, number[]>();
  const acc = new Map<string, number[][]>();
  for (let r = 0; r < rounds; r++) {
    for (const w of workloads) {
      for (const v of variants) {
        const res = runChild(v.root ?? here, w, v.flags, epochs);
        if (!res) continue;
        const key = `${w}|${v.name}`;
        times.set(key, [...(times.get(key) ?? []), res.secondsPerEpoch]);
        rss.set(key, [...(rss.get(key) ?? []), res.maxRssMB]);
        acc.set(key, [...(acc.get(key) ?? []), res.accuracy]);
        process.stderr.write(
          `  round ${r + 1} ${w} ${v.name}: ${res.secondsPerEpoch.toFixed(3)} s/epoch\n`,
        );
      }
    }
  }
  const rows: string[][] = [];
  for (const w of workloads) {
    let previous: number | undefined;
    for (const v of variants) {
      const key = `${w}|${v.name}`;
      const t = times.get(key);
      if (!t) continue;
      const s = median(t);
      const speedup =
        previous !== undefined && !v.name.startsWith('final, but')
          ? `${fmt(previous / s, 2)}x`
          : '';
      rows.push([
        w,
        v.name,
        fmt(s, 3),
        speedup,
        t.map((x) => x.toFixed(3)).join(' '),
        fmt(median(rss.get(key)!), 0),
        acc
          .get(key)![0]
          .map((a) => (a * 100).toFixed(2))
          .join(' '),
      ]);
      if (!v.name.startsWith('final, but')) previous = s;
    }
  }
  console.log(
    '\n' +
      markdownTable(
        [
          'workload',
          'variant',
          's/epoch',
          'vs previous',
          'runs',
          'peak RSS MB',
          'train acc % per epoch (round 1)',
        ],
        rows,
      ),
  );
  console.log(`\nWorkloads: ${workloads.map((n) => `${n} = ${WORKLOADS[n].title}`).join('; ')}.`);
  if (!process.argv.includes('--no-json')) {
    console.log(
      `JSON: ${writeResults('steps', { variants, times: Object.fromEntries(times), rss: Object.fromEntries(rss), acc: Object.fromEntries(acc) })}`,
    );
  }
}

main();
