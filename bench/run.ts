/**
 * `npm run bench` (`npm run bench -- --quick` for a run under two minutes): the kernel benchmark
 * (bench/kernels.ts) then the training benchmark (bench/train.ts), each printing its header and
 * markdown table; one JSON with both in bench/results/.
 *
 * Other benchmarks, run on their own: bench/scaling.ts (epoch time against width and batch size,
 * docs/scaling.svg), bench/steps.ts (before/after per optimization), bench/threads.ts (1 vs 2
 * threads per product), bench/idx-load.ts (data loading).
 */
import { machineInfo, writeResults } from './common';
import { runKernelBench } from './kernels';
import { runTrainBench } from './train';

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
console.log(`\nTotal: ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (json) {
  console.log(
    `JSON: ${writeResults(quick ? 'bench-quick' : 'bench', { machine: machineInfo(), quick, kernels: kernels.rows, training: training.results })}`,
  );
}
