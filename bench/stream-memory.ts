/**
 * Peak memory of training on a CSV file streamed (csvBatches + fit) against loaded into memory
 * (loadCsv + fitSync): `npm run bench:stream-memory [-- --mb 200 --heap 64]`.
 *
 * Writes a CSV of about `--mb` MB (16 numeric features, 4 classes: seeded Gaussian clusters) to
 * the temporary folder, then trains one epoch of a [16, 32, 4] network on it in child processes,
 * each reporting its peak RSS (`process.resourceUsage().maxRSS`):
 * - streamed, with V8's heap capped at `--heap` MB (`--max-old-space-size`), on the whole file
 *   and on an eighth of it: the peak stays the same, the file does not matter;
 * - in memory, uncapped, on the eighth and on the whole file: the peak grows with the file;
 * - in memory, capped like the streamed run, on the whole file: it runs out of memory.
 * Prints the machine, Node, the file sizes, each run's peak RSS and outcome. Timings are printed
 * for information only (the machine may be shared). Not part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { csvBatches } from '../lib/data/csv-batches';
import { loadCsv } from '../lib/data/csv';
import { getEncoding } from '../lib/data/encodings';
import { Scaler } from '../lib/data/scaler';
import { Network } from '../lib/network';
import { Random } from '../lib/random';
import { fit, fitSync } from '../lib/train';
import { childArgs, headerLines, machineInfo } from './common';

const FEATURES = 16;
const CLASSES = 4;
const TRAIN = { epochs: 1, batchSize: 64, learningRate: 0.1, seed: 1 };
const SHUFFLE_BUFFER = 10_000;

/** Writes about `mb` MB of CSV rows to `file`; returns the rows written. */
function writeTable(file: string, mb: number): number {
  const rng = new Random(7);
  const centers = Array.from({ length: CLASSES }, () =>
    Array.from({ length: FEATURES }, () => rng.normal() * 2),
  );
  const fd = openSync(file, 'w');
  const header = [...Array.from({ length: FEATURES }, (_, j) => `f${j}`), 'class'].join(',');
  writeSync(fd, `${header}\n`);
  let bytes = header.length + 1;
  let rows = 0;
  while (bytes < mb * 1e6) {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const k = rng.below(CLASSES);
      const cells = centers[k].map((c) => (c + rng.normal()).toFixed(4));
      lines.push(`${cells.join(',')},c${k}`);
    }
    const chunk = `${lines.join('\n')}\n`;
    writeSync(fd, chunk);
    bytes += chunk.length;
    rows += lines.length;
  }
  closeSync(fd);
  return rows;
}

/** A child's work: train one epoch on `file`, print one JSON line. */
async function child(mode: string, file: string): Promise<void> {
  const started = performance.now();
  const net = new Network({
    sizes: [FEATURES, 32, CLASSES],
    activations: ['tanh', 'softmax'],
    seed: 1,
  });
  let accuracy: number | undefined;
  if (mode === 'stream') {
    const rows = await csvBatches(file, { target: 'class', scale: 'standard', batchSize: 1000 });
    const result = await fit(net, rows, { ...TRAIN, shuffleBuffer: SHUFFLE_BUFFER });
    accuracy = result.history[0].accuracy;
  } else {
    const table = await loadCsv(file, { target: 'class' });
    const labels = table.target.labels as Uint8Array;
    const x = Scaler.fit(table.x, table.features, 'standard').transform(table.x);
    const y = getEncoding('onehot').encode(labels, CLASSES);
    accuracy = fitSync(net, { x, y, labels }, TRAIN).history[0].accuracy;
  }
  const peakMb = process.resourceUsage().maxRSS / 1024;
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ peakMb, seconds, accuracy }));
}

interface Run {
  label: string;
  mode: 'stream' | 'memory';
  file: string;
  heapMb?: number;
}

function runChild(run: Run): string {
  const args = [
    ...(run.heapMb ? [`--max-old-space-size=${run.heapMb}`] : []),
    ...childArgs(__filename),
    '--child',
    run.mode,
    run.file,
  ];
  const out = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = out.stdout.trim().split('\n').at(-1) ?? '';
  const size = (statSync(run.file).size / 1e6).toFixed(0);
  const heap = run.heapMb ? `${run.heapMb} MB` : 'default';
  const head = `| ${run.label} | ${size} MB | ${heap} |`;
  if (out.status === 0 && line.startsWith('{')) {
    const r = JSON.parse(line) as { peakMb: number; seconds: number; accuracy?: number };
    const acc = r.accuracy === undefined ? 'n/a' : `${(r.accuracy * 100).toFixed(1)}%`;
    return `${head} ${r.peakMb.toFixed(0)} MB | ${acc} | ${r.seconds.toFixed(1)} s | completed |`;
  }
  const why = /heap out of memory|Allocation failed/.test(out.stderr)
    ? 'out of memory (V8 heap limit)'
    : `failed: ${out.signal ?? `exit ${out.status}`} ${out.stderr.trim().split('\n').at(-1) ?? ''}`;
  return `${head} - | - | - | ${why} |`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mb: { type: 'string', default: '200' },
      heap: { type: 'string', default: '64' },
      child: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (values.child) {
    const [mode, file] = process.argv.slice(process.argv.indexOf('--child') + 1);
    await child(mode, file);
    return;
  }
  const mb = Number(values.mb);
  const heapMb = Number(values.heap);
  const big = join(os.tmpdir(), `blasnet-stream-${process.pid}.csv`);
  const small = join(os.tmpdir(), `blasnet-stream-${process.pid}-eighth.csv`);
  try {
    const rows = writeTable(big, mb);
    const smallRows = writeTable(small, mb / 8);
    console.log(
      headerLines(machineInfo(), [
        `Table: ${rows.toLocaleString('en')} rows (${(statSync(big).size / 1e6).toFixed(0)} MB) and ${smallRows.toLocaleString('en')} rows (${(statSync(small).size / 1e6).toFixed(0)} MB), ${FEATURES} features, ${CLASSES} classes`,
        `Training: one epoch of [${FEATURES}, 32, ${CLASSES}], batch ${TRAIN.batchSize}; streamed with shuffleBuffer ${SHUFFLE_BUFFER.toLocaleString('en')} and csvBatches' batches of 1,000 rows`,
        `Memory budget: V8's heap capped with --max-old-space-size=${heapMb} where it says so`,
      ]),
    );
    console.log('');
    console.log('| run | file | V8 heap cap | peak RSS | accuracy | time | outcome |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    const runs: Run[] = [
      { label: 'streamed', mode: 'stream', file: small, heapMb },
      { label: 'streamed', mode: 'stream', file: big, heapMb },
      { label: 'in memory', mode: 'memory', file: small },
      { label: 'in memory', mode: 'memory', file: big },
      { label: 'in memory', mode: 'memory', file: big, heapMb },
    ];
    for (const run of runs) console.log(runChild(run));
  } finally {
    rmSync(big, { force: true });
    rmSync(small, { force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
