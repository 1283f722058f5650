/**
 * The lecture's experiments, reproduced on the bundled digits (8,000 train, 2,000 test):
 *
 * (a) Nielsen's setup: [784, 30, 10], sigmoid everywhere, quadratic loss, SGD η = 3.0,
 *     mini-batches of 10, 30 epochs.
 * (b) The three output encodings of lecture B.3 on the same data, hidden layer (30 sigmoid) and
 *     budget (30 epochs of mini-batches of 10): 1 neuron (regression), 4 neurons (binary code),
 *     10 neurons (one-hot), plus the natural loss of each (binary cross-entropy for the bits,
 *     softmax with cross-entropy for the 10 classes).
 * (c) Sigmoid vs tanh vs ReLU hidden layers, [784, 30, 10] softmax + cross-entropy, at two
 *     learning rates.
 *
 * Every row is run with several seeds (initial weights and shuffles); the table gives the mean
 * and standard deviation of the final test accuracy, the mean final training loss and the mean
 * seconds per run.
 *
 *   npx tsx scripts/experiments.ts [--data DIR] [--out results.md] [--backend native|js|auto]
 *                                  [--seeds N] [--epochs N] [--threads N] [--deterministic]
 *
 * --deterministic leaves out what depends on the machine and the moment (seconds, Node version,
 * CPUs, BLAS), so that on the js backend the output is the same on every machine:
 * test/08-docs.test.ts compares `--backend js --seeds 1 --epochs 1 --deterministic` with
 * docs/examples.md. (The native backend's figures depend on its kernel path, avx512, avx2 or
 * blas, in the last bits of every float32 sum; see docs/examples.md and docs/kernels.md.)
 */
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import type { ActivationName } from '../lib/activations';
import { type BackendName, getBackend } from '../lib/backend/select';
import { type EncodingName, getEncoding, loadMnist } from '../lib/data';
import { evaluate } from '../lib/evaluate';
import type { InitName } from '../lib/init';
import type { LossName } from '../lib/losses';
import { Network } from '../lib/network';
import { fitSync } from '../lib/train';
import { version } from '../lib/version';

interface Experiment {
  group: 'a' | 'b' | 'c';
  name: string;
  hidden: ActivationName;
  output: ActivationName;
  encoding: EncodingName;
  loss: LossName;
  learningRate: number;
  init?: InitName;
}

interface Row {
  experiment: Experiment;
  sizes: number[];
  accuracies: number[];
  losses: number[];
  seconds: number[];
}

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    seeds: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '30' },
    threads: { type: 'string' },
    deterministic: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (values.help) {
  console.log(
    'Usage: npx tsx scripts/experiments.ts [--data DIR] [--out results.md] [--backend native|js|auto] [--seeds N] [--epochs N] [--threads N] [--deterministic]',
  );
  process.exit(0);
}
const seeds = Number(values.seeds);
const epochs = Number(values.epochs);
if (!Number.isInteger(seeds) || seeds < 1)
  throw new Error(`Expected an integer >= 1 for --seeds but received ${values.seeds}`);
if (!Number.isInteger(epochs) || epochs < 1)
  throw new Error(`Expected an integer >= 1 for --epochs but received ${values.epochs}`);
const backend = getBackend(values.backend as BackendName);
if (values.threads !== undefined) backend.setThreads(Number(values.threads));
const data = loadMnist(values.data === undefined ? undefined : { dir: values.data });
const deterministic = values.deterministic === true;
const BATCH = 10;
const HIDDEN = 30;

const ACT: Record<string, string> = {
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  relu: 'ReLU',
  softmax: 'softmax',
  identity: 'identity',
};

const EXPERIMENTS: Experiment[] = [
  {
    group: 'a',
    name: "Nielsen's network.py setup",
    hidden: 'sigmoid',
    output: 'sigmoid',
    encoding: 'onehot',
    loss: 'quadratic',
    learningRate: 3.0,
  },
  {
    group: 'b',
    name: '1 neuron: regression (label / 9)',
    hidden: 'sigmoid',
    output: 'sigmoid',
    encoding: 'regression',
    loss: 'quadratic',
    learningRate: 3.0,
  },
  {
    group: 'b',
    name: '4 neurons: binary code',
    hidden: 'sigmoid',
    output: 'sigmoid',
    encoding: 'binary',
    loss: 'quadratic',
    learningRate: 3.0,
  },
  {
    group: 'b',
    name: '10 neurons: one-hot (the run of (a))',
    hidden: 'sigmoid',
    output: 'sigmoid',
    encoding: 'onehot',
    loss: 'quadratic',
    learningRate: 3.0,
  },
  {
    group: 'b',
    name: '4 neurons: binary code, cross-entropy per bit',
    hidden: 'sigmoid',
    output: 'sigmoid',
    encoding: 'binary',
    loss: 'binaryCrossEntropy',
    learningRate: 0.5,
  },
  {
    group: 'b',
    name: '10 neurons: one-hot, softmax + cross-entropy',
    hidden: 'sigmoid',
    output: 'softmax',
    encoding: 'onehot',
    loss: 'crossEntropy',
    learningRate: 0.5,
  },
  ...(['sigmoid', 'tanh', 'relu'] as const).flatMap((hidden) =>
    [0.1, 0.5].map(
      (learningRate): Experiment => ({
        group: 'c',
        name: `${ACT[hidden]} hidden layer`,
        hidden,
        output: 'softmax',
        encoding: 'onehot',
        loss: 'crossEntropy',
        learningRate,
        init: hidden === 'relu' ? 'he' : 'xavier',
      }),
    ),
  ),
];

const done = new Map<string, Row>();

/** Run an experiment over every seed (a configuration already run is reused, not rerun). */
function run(e: Experiment): Row {
  const key = JSON.stringify({ ...e, group: undefined, name: undefined });
  const previous = done.get(key);
  if (previous) return { ...previous, experiment: e };
  const encoding = getEncoding(e.encoding);
  const classes = data.classes;
  const decode = (outputs: Float32Array, n: number) => encoding.decode(outputs, n, classes);
  const train = {
    x: data.train.images,
    y: encoding.encode(data.train.labels, classes),
    labels: data.train.labels,
  };
  const test = {
    x: data.test.images,
    y: encoding.encode(data.test.labels, classes),
    labels: data.test.labels,
  };
  const sizes = [data.inputSize, HIDDEN, encoding.width(classes)];
  const row: Row = { experiment: e, sizes, accuracies: [], losses: [], seconds: [] };
  for (let seed = 1; seed <= seeds; seed++) {
    const net = new Network({
      sizes,
      activations: [e.hidden, e.output],
      init: e.init ?? 'xavier',
      seed,
      backend,
    });
    const started = performance.now();
    const result = fitSync(net, train, {
      epochs,
      batchSize: BATCH,
      learningRate: e.learningRate,
      loss: e.loss,
      seed,
      decode,
    });
    row.seconds.push((performance.now() - started) / 1000);
    row.accuracies.push(evaluate(net, test, { loss: e.loss, decode }).accuracy!);
    row.losses.push(result.history[result.history.length - 1].loss);
  }
  process.stderr.write(
    `  (${e.group}) ${e.name}, η = ${e.learningRate}: ${(mean(row.accuracies) * 100).toFixed(2)}%\n`,
  );
  done.set(key, row);
  return row;
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

function sd(v: number[]): number {
  if (v.length < 2) return 0;
  const m = mean(v);
  return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1));
}

function accuracyText(r: Row): string {
  const m = (mean(r.accuracies) * 100).toFixed(2);
  return seeds > 1 ? `${m}% ± ${(sd(r.accuracies) * 100).toFixed(2)}` : `${m}%`;
}

const LOSS: Record<LossName, string> = {
  quadratic: 'quadratic',
  crossEntropy: 'cross-entropy',
  binaryCrossEntropy: 'binary cross-entropy',
  meanAbsoluteError: 'mean absolute error',
  huber: 'Huber',
};

function table(rows: Row[]): string {
  const seconds = deterministic ? '' : ' seconds |';
  const lines = [
    `| experiment | network | output, loss | η | test accuracy | final train loss |${seconds}`,
    `|---|---|---|---:|---:|---:|${deterministic ? '' : '---:|'}`,
  ];
  for (const r of rows) {
    const e = r.experiment;
    lines.push(
      `| ${e.name} | [${r.sizes.join(', ')}] ${ACT[e.hidden]} | ${ACT[e.output]}, ${LOSS[e.loss]} | ${e.learningRate.toFixed(1)} | ${accuracyText(r)} | ${mean(r.losses).toFixed(4)} |${deterministic ? '' : ` ${mean(r.seconds).toFixed(1)} |`}`,
    );
  }
  return lines.join('\n');
}

const started = performance.now();
process.stderr.write(
  `Running ${EXPERIMENTS.length} experiments x ${seeds} seeds on ${backend.name}...\n`,
);
const rows = EXPERIMENTS.map(run);
const total = (performance.now() - started) / 1000;
const info = backend.info();
// The command that reproduces the table (where it is written to does not matter).
const argv = process.argv
  .slice(2)
  .filter((a, i, all) => a !== '--out' && all[i - 1] !== '--out' && !a.startsWith('--out='));
const command = `npx tsx scripts/experiments.ts${argv.length ? ` ${argv.join(' ')}` : ''}`;
const dataName = values.data ?? 'the bundled digits';
const md = `## Experiments (lecture B.3 and Nielsen, chapter 1)

Data: ${dataName}, ${data.train.count} training and ${data.test.count} test images (${data.rows}x${data.cols}, pixels / 255).
Every run: mini-batch SGD, batches of ${BATCH}, ${epochs} epoch${epochs === 1 ? '' : 's'}, ${HIDDEN} hidden neurons, no momentum or weight decay.
Each row is ${seeds} run${seeds > 1 ? 's' : ''} with seed${seeds > 1 ? `s 1..${seeds}` : ' 1'} (initial weights and shuffles): test accuracy after the last epoch as mean ± standard deviation, mean final training loss (the loss of that row's own loss function, so rows with different losses are not comparable)${deterministic ? '' : ', mean seconds per run'}.

Reproduce: \`${command}\`

${deterministic ? `Backend: ${info.name}.` : `Machine: ${info.name} backend (${info.blas}, ${info.threads} BLAS thread${info.threads === 1 ? '' : 's'}), Node ${process.version}, ${os.cpus().length} CPUs, blasnet ${version}. Total time ${total.toFixed(0)} s.`}

### (a) Nielsen's network: [784, 30, 10], sigmoid, quadratic loss, η = 3.0

${table(rows.filter((r) => r.experiment.group === 'a'))}

Nielsen reports about 95% after 30 epochs on 50,000 training images; with the 8,000 bundled ones it reaches the figure above.

### (b) The three output encodings (same hidden layer of 30 sigmoid neurons, same budget)

${table(rows.filter((r) => r.experiment.group === 'b'))}

Regression decodes by rounding 9 × output; the binary code by thresholding each bit at 0.5 (a code of 10..15 goes to the nearest valid digit); one-hot by argmax. One output neuron has to put the ten digits on a line, in an order (4 between 3 and 5) that their shapes do not have, and an error of 1/18 already changes the label; four bits must all be right at once, and a digit's bits are not features of its shape either; ten outputs give each class its own detector, which is why the lecture picks option c), ten neurons.

### (c) Hidden activations: sigmoid vs tanh vs ReLU ([784, 30, 10], softmax + cross-entropy; ReLU with He initialization, the others Xavier)

${table(rows.filter((r) => r.experiment.group === 'c'))}
`;
console.log(md);
if (values.out) {
  writeFileSync(values.out, md);
  process.stderr.write(`written to ${values.out}\n`);
}
