/**
 * OpenBLAS at its best, as a plain C program (bench/openblas-c/train.c): the baseline blasnet's
 * training is compared with in `npm run bench`.
 *
 *   npx tsx bench/openblas-c.ts [--workloads W1,W2,W3] [--epochs 5]
 *
 * "At its best": OpenBLAS's own threads, one per core, and its best kernels for the CPU. The
 * environment here sets `OPENBLAS_CORETYPE=Haswell` (older OpenBLAS builds misbehave on some new
 * CPUs), which runs 256-bit kernels on an AVX-512 CPU; OpenBLAS 0.3.21's SkylakeX kernels compute
 * correctly on this machine's CPU and run about 1.5× faster at W3's shapes, so on CPUs with
 * AVX-512 this sets `OPENBLAS_CORETYPE=SkylakeX` for the C program only. The program is compiled
 * with `-O3 -march=native` against the system OpenBLAS (pkg-config), into build-bench/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { loadBenchData, median, ROOT, type Workload, WORKLOADS } from './common';

/** What one run of the C program measured. */
export interface OpenBlasResult {
  workload: Workload['name'];
  epochSeconds: number[];
  /** Median seconds per epoch over 60,000 examples. */
  secondsPerEpoch: number;
  accuracy: number;
  threads: number;
  corename: string;
  /** The OPENBLAS_CORETYPE the program ran with (`'(unset)'` when none). */
  coretype: string;
  /** With `alternate`: each round's C median and blasnet's seconds per epoch, run one after the other. */
  rounds?: { c: number; blasnet: number }[];
  /** With `alternate`: the median over the rounds of C / blasnet (> 1: blasnet is faster). */
  ratio?: number;
}

const SOURCE = join(ROOT, 'bench', 'openblas-c', 'train.c');

/** Whether the CPU has AVX-512 Foundation (Linux: its /proc/cpuinfo flags). */
function hasAvx512(): boolean {
  try {
    return /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/** Compile train.c once per change into build-bench/openblas-train; returns the binary's path. */
export function buildOpenBlasTrainer(): string {
  const dir = join(ROOT, 'build-bench');
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, 'openblas-train');
  const fresh = (() => {
    try {
      return statSync(binary).mtimeMs >= statSync(SOURCE).mtimeMs;
    } catch {
      return false;
    }
  })();
  if (fresh) return binary;
  const flags = spawnSync('pkg-config', ['--cflags', '--libs', 'openblas'], { encoding: 'utf8' });
  if (flags.status !== 0) throw new Error('pkg-config cannot find openblas (libopenblas-dev)');
  const cc = spawnSync(
    'gcc',
    ['-O3', '-march=native', SOURCE, '-o', binary, ...flags.stdout.trim().split(/\s+/), '-lm'],
    { encoding: 'utf8' },
  );
  if (cc.status !== 0) throw new Error(`gcc failed:\n${cc.stderr}`);
  return binary;
}

/** Write the first `examples` benchmark examples as the C program reads them: pixels, then labels. */
async function writeData(examples: number): Promise<string> {
  const data = await loadBenchData(examples, 'bytes');
  const file = join(os.tmpdir(), `blasnet-openblas-bench-${process.pid}.bin`);
  writeFileSync(file, Buffer.concat([data.bytes, data.labels]));
  return file;
}

/**
 * Train each workload with the C program for `epochs` epochs on 60,000 examples, OpenBLAS at its
 * best (see the file's comment); returns the median epoch time of each. With `alternate`, each
 * workload runs `rounds` times, each C run followed at once by `alternate.blasnet` (blasnet's
 * seconds per epoch on the same workload): on a shared machine the speed drifts by tens of
 * percent over minutes, so the ratio is taken per round, seconds apart, and its median reported.
 */
export async function runOpenBlasBaseline(
  workloads: Workload['name'][],
  epochs: number,
  alternate?: { rounds: number; blasnet: (name: Workload['name']) => number | undefined },
): Promise<OpenBlasResult[]> {
  const binary = buildOpenBlasTrainer();
  const examples = 60000;
  const file = await writeData(examples);
  const coretype = hasAvx512() ? 'SkylakeX' : process.env.OPENBLAS_CORETYPE;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPENBLAS_NUM_THREADS: String(os.availableParallelism()),
  };
  if (coretype === undefined) delete env.OPENBLAS_CORETYPE;
  else env.OPENBLAS_CORETYPE = coretype;
  const results: OpenBlasResult[] = [];
  try {
    for (const name of workloads) {
      const rounds: { c: number; blasnet: number }[] = [];
      let last: OpenBlasResult | undefined;
      for (let round = 0; round < (alternate?.rounds ?? 1); round++) {
        last = runOnce(name);
        const blasnet = alternate?.blasnet(name);
        if (blasnet !== undefined) rounds.push({ c: last.secondsPerEpoch, blasnet });
      }
      if (!last) continue;
      if (alternate) {
        last.rounds = rounds;
        last.secondsPerEpoch = median(rounds.map((r) => r.c));
        last.ratio = median(rounds.map((r) => r.c / r.blasnet));
      }
      results.push(last);
    }
  } finally {
    rmSync(file, { force: true }); // 47 MB: leave nothing behind
  }
  return results;

  function runOnce(name: Workload['name']): OpenBlasResult {
    const w = WORKLOADS[name];
    const run = spawnSync(
      binary,
      [
        file,
        String(examples),
        String(epochs),
        w.sizes.join(','),
        w.activations.join(','),
        w.loss,
        String(w.learningRate),
        String(w.batchSize),
        String(w.momentum),
      ],
      { encoding: 'utf8', env },
    );
    if (run.status !== 0) throw new Error(`${name}: openblas-train failed\n${run.stderr}`);
    const out = JSON.parse(run.stdout) as {
      epochSeconds: number[];
      accuracy: number;
      threads: number;
      corename: string;
    };
    return {
      workload: name,
      epochSeconds: out.epochSeconds,
      secondsPerEpoch: median(out.epochSeconds),
      accuracy: out.accuracy,
      threads: out.threads,
      corename: out.corename,
      coretype: coretype ?? '(unset)',
    };
  }
}

function arg(name: string, argv: string[]): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const workloads = (arg('--workloads', argv) ?? 'W1,W2,W3').split(',') as Workload['name'][];
  runOpenBlasBaseline(workloads, Number(arg('--epochs', argv) ?? 5)).then(
    (rs) => {
      for (const r of rs)
        console.log(
          `${r.workload}: ${r.secondsPerEpoch.toFixed(3)} s/epoch (epochs ${r.epochSeconds.map((s) => s.toFixed(3)).join(' ')}), ` +
            `train acc ${(r.accuracy * 100).toFixed(2)}%, ${r.threads} threads, ${r.corename} (OPENBLAS_CORETYPE=${r.coretype})`,
        );
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
