/**
 * A/B of two builds of the native addon on one workload, in one process: both `blasnet.node`
 * files are loaded side by side, and whole epochs of `trainBatches` alternate between them (ABBA
 * order), each followed by its own epoch-GEMM ceiling. On this shared machine the speed drifts by
 * tens of percent over minutes, but two epochs a second apart see the same machine, so the median
 * of the per-pair ratios B/A is far steadier than separate runs (an A/A run: 1.005). It is not
 * free of the machine's state: two builds compared five times within half an hour, both ways
 * round, gave 1.03, 0.99, 0.91, 0.83 and 0.99 (as new/old). Run it both ways, more than once, and
 * take the geometric mean.
 *
 *   npx tsx bench/ab.ts --a A.node --b B.node [--workload W3] [--pairs 8] [--threads A,B]
 *   npx tsx bench/ab.ts --a A.node --b B.node --workloads W1,W2,W3 --both-ways [--pairs 8]
 *
 * `--optimizer adam|adamw|rmsprop` trains with that optimizer at η = 0.001 instead of the workload's
 * SGD recipe. The second form runs one child process per workload and per order (A B, then B A, each loading
 * its first file first), and prints every B/A with the geometric mean over all of them: the figure
 * to report.
 *
 * (or the two files as the first arguments; `--threads 1,2` compares one build on one thread
 * against two.) Each build is driven in the form of `trainBatches` it takes (bench/batches-form.ts:
 * builds before the object contract take positional arguments), found once at load. Both sides train from the same
 * initial parameters (the workload's init, seed 1) on the same reshuffled order per pair, so they
 * do the same arithmetic. Prints each side's median epoch, ceiling and ratio, and the pairs.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { loadAddon, type NativeAddon } from '../lib/backend/native/addon';
import { batchesCallOf } from './batches-form';
import { Random } from '../lib/random';
import {
  adaptiveRecipe,
  epochSetup,
  loadBenchData,
  median,
  WORKLOADS,
  type Workload,
} from './common';

function arg(name: string, argv: string[]): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** An addon from an explicit path, loaded beside any other (each has its own thread pool). */
function loadFrom(path: string): NativeAddon {
  const module = { exports: {} as NativeAddon };
  process.dlopen(module, resolve(path)); // a relative path would be looked up as a module
  return module.exports;
}

const USAGE =
  'usage: npx tsx bench/ab.ts --a A.node --b B.node [--workload W3] [--pairs 8] [--threads A,B]\n' +
  '       [--optimizer adam|adamw|rmsprop]\n' +
  '  (or: npx tsx bench/ab.ts A.node B.node ...)\n' +
  '       npx tsx bench/ab.ts --a A.node --b B.node --workloads W1,W2,W3 --both-ways [--pairs 8]\n' +
  'Alternates whole epochs of trainBatches between two builds of blasnet.node (ABBA) and prints\n' +
  'the median B/A ratio. Either build may take the positional trainBatches of builds before the\n' +
  'object contract: each is probed once at load and called in its own form.';

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const named = [arg('--a', argv), arg('--b', argv)];
  const files = named.every((f) => f !== undefined)
    ? (named as string[])
    : argv.filter((a) => a.endsWith('.node'));
  if (files.length !== 2) throw new Error(USAGE);
  if (argv.includes('--both-ways')) {
    const passOn = ['--pairs', '--optimizer'].flatMap((name) => {
      const value = arg(name, argv);
      return value === undefined ? [] : [name, value];
    });
    bothWays(files, (arg('--workloads', argv) ?? 'W1,W2,W3').split(','), passOn);
    return;
  }
  const w = WORKLOADS[(arg('--workload', argv) ?? 'W3') as Workload['name']];
  if (!w) throw new RangeError(`--workload must be W1, W2 or W3, not ${arg('--workload', argv)}`);
  const pairs = Number(arg('--pairs', argv) ?? 8);
  const threads = arg('--threads', argv)?.split(',').map(Number);
  loadAddon(); // the package's own, for its checks of the environment
  const addons = files.map(loadFrom);
  const calls = addons.map((addon, k) => {
    const { form, call } = batchesCallOf(addon);
    console.log(`${k === 0 ? 'A' : 'B'} ${files[k]}: trainBatches takes the ${form} form`);
    return call;
  });
  const data = await loadBenchData(60000, 'bytes');
  const n = data.n;
  const setup = epochSetup(w);
  const { spec, loss } = setup;
  const batch = w.batchSize;
  // The workload's own SGD recipe, or with --optimizer Adam, AdamW or RMSprop at η = 0.001; each
  // side carries its own step count.
  const optimizer = arg('--optimizer', argv);
  if (optimizer !== undefined && !['adam', 'adamw', 'rmsprop'].includes(optimizer))
    throw new RangeError(`--optimizer must be adam, adamw or rmsprop, not ${optimizer}`);
  const recipe = (): { hyper: Float64Array; slots: number } =>
    optimizer === undefined
      ? {
          hyper: new Float64Array([w.learningRate, w.momentum, 0, 0]),
          slots: w.momentum > 0 ? 1 : 0,
        }
      : adaptiveRecipe(optimizer as 'adam' | 'adamw' | 'rmsprop');
  const sides = addons.map(() => {
    const { hyper, slots } = recipe();
    return {
      params: setup.params.slice(),
      velocity: new Float32Array(slots * setup.params.length),
      hyper,
      ...setup.workspace(),
      epochs: [] as number[],
      ceilings: [] as number[],
    };
  });
  const batches = Math.ceil(n / batch);
  const out = new Float64Array(2 * batches);
  const order = new Uint32Array(n);
  const rng = new Random(7);
  const epoch = (k: number): void => {
    const s = sides[k];
    const addon = addons[k];
    if (threads) addon.setThreads(threads[k]);
    const t0 = process.hrtime.bigint();
    calls[k](
      spec,
      s.params,
      s.velocity,
      { x: data.bytes, xScale: 1 / 255, xOffset: 0, y: data.y, labels: data.labels },
      { order, start: 0, batchSize: batch, batches, loss, hyper: s.hyper },
      s,
      out,
    );
    s.epochs.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (s.hyper.length > 9) s.hyper[9] += batches;
    const beta = optimizer !== undefined ? 0 : w.momentum > 0 ? w.momentum : 1;
    s.ceilings.push(addon.benchEpochGemms!(spec, n, batch, beta));
  };
  for (let p = 0; p <= pairs; p++) {
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const k of p % 2 === 0 ? [0, 1] : [1, 0]) epoch(k);
    if (p === 0) {
      // warm-up pair
      for (const s of sides) {
        s.epochs.length = 0;
        s.ceilings.length = 0;
      }
    }
  }
  const ratios = sides[1].epochs.map((e, i) => e / sides[0].epochs[i]);
  console.log(
    `${w.name}, ${pairs} pairs of whole epochs${threads ? `, threads ${threads.join(' vs ')}` : ''}`,
  );
  sides.forEach((s, k) => {
    const r = median(s.epochs.map((e, i) => e / s.ceilings[i]));
    console.log(
      `${k === 0 ? 'A' : 'B'} ${files[k]}: ${median(s.epochs).toFixed(3)} s/epoch, ceiling ${median(s.ceilings).toFixed(3)} s, ratio ${r.toFixed(3)}`,
    );
  });
  console.log(
    `B/A per pair: median ${median(ratios).toFixed(3)} [${ratios.map((r) => r.toFixed(2)).join(' ')}]`,
  );
}

/**
 * Every workload twice, in child processes: A B, then B A (each child loads its first file
 * first). Prints B/A of each run (the second run's A/B inverted) and their geometric mean.
 */
function bothWays(files: string[], workloads: string[], passOn: string[]): void {
  const estimates: number[] = [];
  for (const workload of workloads) {
    for (const [first, second] of [files, [files[1], files[0]]]) {
      const args = ['tsx', __filename, '--a', first, '--b', second, '--workload', workload];
      const output = execFileSync('npx', [...args, ...passOn], {
        encoding: 'utf8',
      });
      const match = /B\/A per pair: median ([0-9.]+)/.exec(output);
      if (!match) throw new Error(`no ratio in the output of ${workload}:\n${output}`);
      const ratio = Number(match[1]);
      const asBA = first === files[0] ? ratio : 1 / ratio; // B/A, whichever was loaded first
      estimates.push(asBA);
      // Each side's line of the child, "A <file>: …" or "B <file>: …", named as in this run.
      const sides = output
        .split('\n')
        .filter((line) => line.includes('s/epoch'))
        .map((line) => {
          const file = line.slice(2, line.indexOf(': '));
          return `${file === files[0] ? 'A' : 'B'} ${line.slice(line.indexOf(': ') + 2)}`;
        })
        .sort();
      console.log(
        `${workload}, loaded ${first === files[0] ? 'A B' : 'B A'}: B/A ${asBA.toFixed(3)}`,
      );
      for (const side of sides) console.log(`  ${side}`);
    }
  }
  const geometric = Math.exp(estimates.reduce((s, r) => s + Math.log(r), 0) / estimates.length);
  console.log(`geometric mean of B/A over ${estimates.length} runs: ${geometric.toFixed(3)}`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
