/**
 * `npm run bench` (`npm run bench -- --quick` for a run under two minutes): the kernel benchmark
 * (bench/kernels.ts), the training benchmark (bench/train.ts), then OpenBLAS at its best as a plain
 * C program on the same workloads (bench/openblas-c.ts) with blasnet's ratio to it, then the
 * optimizers' cost on W3 (bench/optimizer-cost.ts: Adam, AdamW, RMSprop against momentum), each
 * printing its header and markdown table; one JSON with all four in bench/results/.
 *
 * Other benchmarks, run on their own: bench/scaling.ts (epoch time against width and batch size,
 * docs/scaling.svg), bench/steps.ts (before/after per optimization), bench/threads.ts (1 vs 2
 * threads per product), bench/idx-load.ts (data loading).
 */
import { fmt, machineInfo, markdownTable, median, type Workload, writeResults } from './common';
import { runKernelBench } from './kernels';
import { runOpenBlasBaseline } from './openblas-c';
import { runOptimizerCost } from './optimizer-cost';
import { runTrainBench, trainChild } from './train';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const json = !argv.includes('--no-json');
const started = Date.now();
const kernels = runKernelBench({ quick, json: false });
console.log('');
const training = runTrainBench({
  quick,
  workloads: ['W1', 'W2', 'W3'],
  backends: ['native', 'js'],
  json: false,
});

async function main(): Promise<void> {
  // The same workloads, epochs and data as the native rows above, in the same run.
  const workloads: Workload['name'][] = ['W1', 'W2', 'W3'];
  // Alternated: each C run followed at once by a blasnet run of the same workload (a child
  // process as in the table above), the ratio per round.
  const epochs = quick ? 3 : 5;
  const openblas = await runOpenBlasBaseline(workloads, epochs, {
    rounds: quick ? 2 : 3,
    blasnet: (name) => trainChild(name, 'native', { quick, epochs })?.secondsPerEpoch,
  });
  const rows = openblas.map((c) => {
    const blasnet = c.rounds?.map((r) => r.blasnet) ?? [];
    return [
      c.workload,
      blasnet.length > 0 ? fmt(median(blasnet), 3) : 'n/a',
      fmt(c.secondsPerEpoch, 3),
      `${c.threads}, ${c.corename} (OPENBLAS_CORETYPE=${c.coretype})`,
      c.ratio === undefined ? 'n/a' : `${fmt(c.ratio, 2)}x`,
      (c.rounds ?? []).map((r) => fmt(r.c / r.blasnet, 2)).join(' '),
    ];
  });
  console.log(
    '\n# blasnet against OpenBLAS at its best (a plain C program, bench/openblas-c/train.c)\n',
  );
  console.log(
    markdownTable(
      [
        'workload',
        'blasnet native s/epoch',
        'C on OpenBLAS s/epoch',
        'OpenBLAS threads, kernels',
        'C / blasnet (median of rounds)',
        'each round',
      ],
      rows,
    ),
  );
  console.log(
    `Rounds of ${epochs} epochs, C then blasnet (one child process each), seconds apart; s/epoch the median over the rounds of each run's median, over 60,000 examples, same workloads and batch sizes; C / blasnet > 1 means blasnet is faster.`,
  );
  console.log('');
  const optimizers = await runOptimizerCost({ workload: 'W3', rounds: quick ? 2 : 6 });
  console.log(`\nTotal: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (json) {
    console.log(
      `JSON: ${writeResults(quick ? 'bench-quick' : 'bench', { machine: machineInfo(), quick, kernels: kernels.rows, training: training.results, openblas, optimizers })}`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
