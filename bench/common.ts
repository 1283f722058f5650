/**
 * Shared pieces of the benchmarks: the machine header, the three training workloads of issue 7,
 * the 60,000-example data set they train on, FLOP counts, the sgemm ceiling of an epoch, medians
 * and markdown tables. Not part of the library.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { loadAddon, type NativeAddon } from '../lib/backend/native/addon';
import { decodeSpec, type Layout, makeSpec } from '../lib/backend/spec';
import { sgemmAt } from '../lib/backend/js/sgemm';
import { getBackend } from '../lib/backend/select';
import { ActivationCode, LossCode } from '../lib/backend/types';
import { readIdxAsync } from '../lib/data/idx';
import { loadMnist } from '../lib/data/mnist';
import type { ActivationName } from '../lib/activations';
import type { InitName } from '../lib/init';
import type { LossName } from '../lib/losses';
import { Network } from '../lib/network';
import { packageRoot } from '../lib/package-root';

/** The checkout, whether this runs from bench/ under tsx or compiled into build-bench/bench/. */
export const ROOT = packageRoot();
export const RESULTS_DIR = join(ROOT, 'bench', 'results');

/**
 * Node's arguments to run a benchmark file in a child process: compiled JavaScript runs as it is
 * (`npm run bench` compiles bench/ and lib/ with tsconfig.bench.json first, so that a child's
 * peak RSS is blasnet's and not also the 35–45 MB of the tsx loader), TypeScript under tsx.
 */
export function childArgs(file: string): string[] {
  return file.endsWith('.js') ? [file] : ['--import', 'tsx', file];
}

/** Where Debian's `dataset-fashion-mnist` puts the four IDX files. */
export const DEBIAN_FASHION_DIR = '/usr/share/datasets/fashion-mnist';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The native addon when it loads (for its bench exports and its info), else undefined. */
export function tryAddon(): NativeAddon | undefined {
  try {
    return loadAddon().addon;
  } catch {
    return undefined;
  }
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  openblas: string;
  corename: string;
  threads: number | null;
  date: string;
}

export function machineInfo(): MachineInfo {
  const addon = tryAddon();
  const info = addon?.info();
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    openblas: info ? info.blas : 'native addon not loaded',
    corename: info ? info.corename : 'n/a',
    threads: info ? info.threads : null,
    date: new Date().toISOString(),
  };
}

export function headerLines(m: MachineInfo, extra: string[] = []): string {
  return [
    `CPU: ${m.cpu} (${m.cores} logical cores, ${m.platform}); load average ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
    `Node: ${m.node}`,
    `OpenBLAS: ${m.openblas}; kernel set ${m.corename}; BLAS threads at start: ${m.threads ?? 'n/a'}`,
    ...extra,
  ].join('\n');
}

// ---- workloads -------------------------------------------------------------------------------

export interface Workload {
  name: 'W1' | 'W2' | 'W3';
  title: string;
  sizes: number[];
  activations: ActivationName[];
  init: InitName;
  loss: LossName;
  learningRate: number;
  batchSize: number;
  momentum: number;
}

export const WORKLOADS: Readonly<Record<Workload['name'], Workload>> = {
  W1: {
    name: 'W1',
    title: "[784, 30, 10] sigmoid, quadratic, SGD η=3.0, batch 10, N(0,1) (Nielsen's)",
    sizes: [784, 30, 10],
    activations: ['sigmoid', 'sigmoid'],
    init: 'normal',
    loss: 'quadratic',
    learningRate: 3.0,
    batchSize: 10,
    momentum: 0,
  },
  W2: {
    name: 'W2',
    title: '[784, 100, 10] sigmoid + softmax, cross-entropy, SGD η=0.5, batch 32, Glorot',
    sizes: [784, 100, 10],
    activations: ['sigmoid', 'softmax'],
    init: 'glorot',
    loss: 'crossEntropy',
    learningRate: 0.5,
    batchSize: 32,
    momentum: 0,
  },
  W3: {
    name: 'W3',
    title: '[784, 800, 10] relu + softmax, cross-entropy, momentum 0.9, η=0.02, batch 128, He',
    sizes: [784, 800, 10],
    activations: ['relu', 'softmax'],
    init: 'he',
    loss: 'crossEntropy',
    learningRate: 0.02,
    batchSize: 128,
    momentum: 0.9,
  },
};

const ACT_CODES: Record<string, ActivationCode> = {
  identity: ActivationCode.Identity,
  sigmoid: ActivationCode.Sigmoid,
  tanh: ActivationCode.Tanh,
  relu: ActivationCode.Relu,
  softmax: ActivationCode.Softmax,
};

export function specOf(sizes: readonly number[], activations: readonly string[]): Int32Array {
  return makeSpec(
    sizes,
    activations.map((a) => ACT_CODES[a]),
  );
}

/**
 * Floating-point operations of the GEMMs of one epoch: per batch of r rows, 2·r·n(l−1)·nl for
 * each layer's forward and weight gradient, and again for the δ of every layer but the first.
 */
export function epochFlops(sizes: readonly number[], examples: number): number {
  let perRow = 0;
  for (let l = 1; l < sizes.length; l++) {
    const mn = sizes[l] * sizes[l - 1];
    perRow += 2 * mn * (l === 1 ? 2 : 3);
  }
  return perRow * examples; // linear in the rows, so partial batches need no special case
}

/** Whole epochs of `trainBatches` on a workload, as bench/ab.ts and bench/optimizer-cost.ts run them. */
export interface EpochSetup {
  spec: Int32Array;
  loss: LossCode;
  /** The workload's initial parameters (its init, seed 1): every side starts from a copy. */
  params: Float32Array;
  /** A fresh workspace for the workload's batch size. */
  workspace: () => {
    z: Float32Array;
    a: Float32Array;
    delta: Float32Array;
    xBatch: Float32Array;
    yBatch: Float32Array;
  };
}

export function epochSetup(w: Workload): EpochSetup {
  const init = new Network({
    sizes: w.sizes,
    activations: w.activations,
    init: w.init,
    seed: 1,
    backend: getBackend('js'),
  });
  const units = w.sizes.slice(1).reduce((s, u) => s + u, 0);
  const batch = w.batchSize;
  return {
    spec: specOf(w.sizes, w.activations),
    loss: w.loss === 'crossEntropy' ? LossCode.CrossEntropy : LossCode.Quadratic,
    params: init.params,
    workspace: () => ({
      z: new Float32Array(batch * units),
      a: new Float32Array(batch * units),
      delta: new Float32Array(batch * units),
      xBatch: new Float32Array(batch * w.sizes[0]),
      yBatch: new Float32Array(batch * w.sizes.at(-1)!),
    }),
  };
}

/**
 * Adam, AdamW or RMSprop at η = 0.001 with PyTorch's defaults, as an update hyper
 * `[η, μ, nesterov, l2, optimizer, β1 (RMSprop: α), β2, eps, weightDecay, steps]`, and the
 * blocks of state it needs.
 */
export function adaptiveRecipe(name: 'adam' | 'adamw' | 'rmsprop'): {
  hyper: Float64Array;
  slots: number;
} {
  const code = { adam: 1, adamw: 2, rmsprop: 3 }[name];
  return {
    hyper: new Float64Array([
      0.001,
      0,
      0,
      0,
      code,
      code === 3 ? 0.99 : 0.9,
      0.999,
      1e-8,
      code === 2 ? 0.01 : 0,
      0,
    ]),
    slots: code === 3 ? 1 : 2,
  };
}

// ---- data ------------------------------------------------------------------------------------

export interface BenchData {
  /** Float inputs `[n, 784]` in [0, 1], unless loaded as bytes only. */
  x?: Float32Array;
  y: Float32Array;
  labels: Uint8Array;
  /** The uint8 pixels `x` was made from, `[n, 784]`. */
  bytes: Uint8Array;
  n: number;
  source: string;
  note?: string;
}

const INSTALL_HINT =
  'Fashion-MNIST is not installed: `apt-get install dataset-fashion-mnist` (Debian/Ubuntu) puts it in ' +
  `${DEBIAN_FASHION_DIR}, or set BLASNET_BENCH_DATA to a directory holding the four IDX files.`;

/**
 * The 60,000 training examples of Fashion-MNIST (or of the directory in BLASNET_BENCH_DATA), the
 * first `examples` of them. Without the files: the bundled 8,000 digits tiled to `examples`,
 * with a note saying so.
 */
export async function loadBenchData(
  examples: number,
  inputs: 'bytes' | 'floats' = 'floats',
): Promise<BenchData> {
  const dir = process.env.BLASNET_BENCH_DATA ?? DEBIAN_FASHION_DIR;
  let bytes: Uint8Array;
  let labels: Uint8Array;
  let source: string;
  let note: string | undefined;
  const trainImages = ['train-images-idx3-ubyte.gz', 'train-images-idx3-ubyte']
    .map((f) => join(dir, f))
    .find(existsSync);
  const trainLabels = ['train-labels-idx1-ubyte.gz', 'train-labels-idx1-ubyte']
    .map((f) => join(dir, f))
    .find(existsSync);
  if (trainImages && trainLabels) {
    // The training files only (the test set is not needed here, nor its memory), streamed: the
    // 26 MB compressed file is never in memory beside the 47 MB of pixels.
    bytes = (await readIdxAsync(trainImages)).data as Uint8Array;
    labels = (await readIdxAsync(trainLabels)).data as Uint8Array;
    source = `Fashion-MNIST-layout IDX files in ${dir} (${labels.length} training examples)`;
  } else {
    const data = loadMnist();
    source = `the bundled ${data.train.count} MNIST digits, tiled to ${examples}`;
    note = `NOTE: ${INSTALL_HINT} Falling back to ${source}: timings are comparable, accuracies are not.`;
    bytes = data.train.bytes;
    labels = data.train.labels;
  }
  const width = 784;
  const available = labels.length;
  const n = examples;
  if (available < n) {
    // Tile: example i is example i mod available.
    const tiled = new Uint8Array(n * width);
    const tiledLabels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      tiled.set(bytes.subarray((i % available) * width, ((i % available) + 1) * width), i * width);
      tiledLabels[i] = labels[i % available];
    }
    bytes = tiled;
    labels = tiledLabels;
  } else {
    bytes = bytes.subarray(0, n * width);
    labels = labels.subarray(0, n);
  }
  let x: Float32Array | undefined;
  if (inputs === 'floats') {
    x = new Float32Array(n * width);
    for (let i = 0; i < x.length; i++) x[i] = bytes[i] / 255;
  }
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + labels[i]] = 1;
  return { x, y, labels, bytes, n, source, note };
}

// ---- the JS sgemm ceiling --------------------------------------------------------------------

/** The GEMMs of one epoch back to back on the pure-TypeScript sgemm (mirrors benchEpochGemms). */
export function jsEpochGemms(
  spec: Int32Array,
  examples: number,
  batch: number,
  beta: number,
): number {
  const fused = beta !== 0;
  const layout: Layout = decodeSpec(spec);
  const L = layout.L;
  const fill = (n: number, salt: number) =>
    Float32Array.from({ length: n }, (_, i) => ((i * 7 + salt) % 251) / 251 - 0.25);
  const params = fill(layout.paramCount, 3);
  const grad = fill(layout.paramCount, 7);
  const x = fill(batch * layout.sizes[0], 4);
  const a = fill(batch * layout.unitsPerExample, 5);
  const z = new Float32Array(a.length);
  const delta = fill(a.length, 6);
  const units = (l: number, rows: number) => {
    let u = 0;
    for (let j = 1; j < l; j++) u += layout.sizes[j];
    return rows * u;
  };
  const t0 = process.hrtime.bigint();
  for (let first = 0; first < examples; first += batch) {
    const rows = Math.min(batch, examples - first);
    for (let l = 1; l <= L; l++) {
      const [aPrev, aOff] = l === 1 ? [x, 0] : [a, units(l - 1, rows)];
      sgemmAt(
        false,
        true,
        rows,
        layout.sizes[l],
        layout.sizes[l - 1],
        1,
        aPrev,
        aOff,
        params,
        layout.wOffset[l - 1],
        0,
        z,
        units(l, rows),
      );
    }
    for (let l = L; l >= 1; l--) {
      const [aPrev, aOff] = l === 1 ? [x, 0] : [a, units(l - 1, rows)];
      sgemmAt(
        true,
        false,
        layout.sizes[l],
        layout.sizes[l - 1],
        rows,
        fused ? -1e-9 : 1,
        delta,
        units(l, rows),
        aPrev,
        aOff,
        beta,
        grad,
        layout.wOffset[l - 1],
      );
      if (l === 1) break;
      sgemmAt(
        false,
        false,
        rows,
        layout.sizes[l - 1],
        layout.sizes[l],
        1,
        delta,
        units(l, rows),
        params,
        layout.wOffset[l - 1],
        0,
        delta,
        units(l - 1, rows),
      );
    }
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

// ---- output ----------------------------------------------------------------------------------

export function markdownTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(headers),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

export function writeResults(name: string, payload: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(RESULTS_DIR, `${name}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
  return file;
}

export function fmt(v: number | undefined | null, digits = 2): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return 'n/a';
  return v.toFixed(digits);
}
