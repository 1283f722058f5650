/**
 * What an adaptive optimizer costs on the fused native step: whole epochs of W3 (or another
 * workload) with SGD + momentum (the workload's own recipe), Adam, AdamW and RMSprop, alternated
 * in one process, round after round in a rotating order, so that each optimizer's epoch is
 * compared with a momentum epoch seconds apart, under the same load. The figure is the median of
 * the per-round ratios optimizer / momentum (issue 14's bar: Adam at most 1.15x on W3).
 *
 *   npx tsx bench/optimizer-cost.ts [--workload W3] [--rounds 6]
 *
 * Part of `npm run bench` (bench/run.ts). Every optimizer trains from the same initial weights on
 * the same shuffled order per round, through the backend's `trainBatches` (one call per epoch, as
 * `fitSync` makes it), with its own state carried from epoch to epoch.
 */
import { getBackend } from '../lib/backend/select';
import { Random } from '../lib/random';
import {
  adaptiveRecipe,
  epochSetup,
  fmt,
  headerLines,
  loadBenchData,
  machineInfo,
  markdownTable,
  median,
  WORKLOADS,
  type Workload,
} from './common';

/** One optimizer's row: median seconds per epoch and the median per-round ratio to momentum. */
export interface OptimizerCost {
  workload: Workload['name'];
  optimizer: string;
  secondsPerEpoch: number;
  toMomentum: number;
  epochs: number[];
}

interface Recipe {
  name: string;
  /** `[η, μ, nesterov, l2, optimizer, β1 (RMSprop: α), β2, eps, weightDecay, steps]` */
  hyper: Float64Array;
  slots: number;
}

function recipes(w: Workload): Recipe[] {
  return [
    {
      name: `SGD + momentum ${w.momentum}`,
      hyper: new Float64Array([w.learningRate, w.momentum, 0, 0, 0, 0, 0, 0, 0, 0]),
      slots: w.momentum > 0 ? 1 : 0,
    },
    { name: 'Adam', ...adaptiveRecipe('adam') },
    { name: 'AdamW', ...adaptiveRecipe('adamw') },
    { name: 'RMSprop', ...adaptiveRecipe('rmsprop') },
  ];
}

/** Runs the comparison and prints its table; returns the rows. */
export async function runOptimizerCost(
  options: { workload?: Workload['name']; rounds?: number } = {},
): Promise<OptimizerCost[]> {
  const w = WORKLOADS[options.workload ?? 'W3'];
  const rounds = options.rounds ?? 6;
  const backend = getBackend('native');
  const data = await loadBenchData(60000, 'bytes');
  const n = data.n;
  const setup = epochSetup(w);
  const { spec, loss } = setup;
  const batch = w.batchSize;
  const batches = Math.ceil(n / batch);
  const workspace = setup.workspace();
  const sides = recipes(w).map((r) => ({
    ...r,
    params: setup.params.slice(),
    velocity: new Float32Array(r.slots * setup.params.length),
    epochs: [] as number[],
  }));
  const out = new Float64Array(2 * batches);
  const order = new Uint32Array(n);
  const rng = new Random(7);
  const data0 = { x: data.bytes, xScale: 1 / 255, xOffset: 0, y: data.y, labels: data.labels };
  // Round 0 warms up (page faults, the pool's threads), and is dropped.
  for (let round = 0; round <= rounds; round++) {
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let k = 0; k < sides.length; k++) {
      const s = sides[(k + round) % sides.length];
      const t0 = process.hrtime.bigint();
      const done = backend.trainBatches(
        spec,
        s.params,
        s.velocity,
        data0,
        { order, start: 0, batchSize: batch, batches, loss, hyper: s.hyper },
        workspace,
        out,
      );
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      s.hyper[9] += done; // the adaptive optimizers' step count, as fitSync carries it
      if (round > 0) s.epochs.push(seconds);
    }
  }
  const momentum = sides[0].epochs;
  const rows: OptimizerCost[] = sides.map((s) => ({
    workload: w.name,
    optimizer: s.name,
    secondsPerEpoch: median(s.epochs),
    toMomentum: median(s.epochs.map((e, i) => e / momentum[i])),
    epochs: s.epochs,
  }));
  console.log(
    `# Optimizer cost on the fused native step: ${w.name}, ${rounds} rounds of one epoch each\n`,
  );
  const info = backend.info();
  console.log(
    headerLines(machineInfo(), [
      `Workload: ${w.title}; adaptive optimizers at η = 0.001`,
      `Data: ${data.source}${data.note ? ` (${data.note})` : ''}`,
      `blasnet: kernels ${info.kernels}, ${info.threads} threads`,
    ]),
  );
  console.log('');
  console.log(
    markdownTable(
      ['optimizer', 's/epoch (median)', 'to momentum (median of per-round ratios)'],
      rows.map((r) => [r.optimizer, fmt(r.secondsPerEpoch, 3), `${fmt(r.toMomentum, 2)}x`]),
    ),
  );
  return rows;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const at = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  runOptimizerCost({
    workload: at('--workload') as Workload['name'] | undefined,
    rounds: at('--rounds') ? Number(at('--rounds')) : undefined,
  }).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
