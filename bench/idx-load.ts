/**
 * IDX / MNIST load times: `npx tsx bench/idx-load.ts [dir]`.
 *
 * Times (median of 5 runs) reading the bundled digits and, when `dir` is given or Debian's
 * `dataset-fashion-mnist` is installed, a full-size 60,000-image set: the gzip read of the 47 MB
 * training images, the same bytes decoded from memory uncompressed, and the whole `loadMnist` with
 * the float32 conversion. MB/s counts decompressed bytes. Not part of `npm test`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { decodeIdx, readIdx } from '../lib/data/idx';
import { BUNDLED_MNIST_DIR, loadMnist } from '../lib/data/mnist';

const RUNS = 5;
const DEBIAN_FASHION = '/usr/share/datasets/fashion-mnist';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median seconds of `RUNS` runs of `fn` (after one warm-up run). */
function time(fn: () => unknown): number {
  fn();
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(runs);
}

function row(label: string, seconds: number, bytes: number): void {
  const mb = bytes / 1e6;
  // Below a millisecond (a view, no copy) a rate means nothing: print microseconds instead.
  const rate =
    seconds < 1e-3
      ? `${(seconds * 1e6).toFixed(1).padStart(7)} µs `
      : `${(mb / seconds).toFixed(0).padStart(7)} MB/s`;
  console.log(
    `${label.padEnd(58)} ${seconds.toFixed(4).padStart(8)} s ${rate}  (${mb.toFixed(1)} MB)`,
  );
}

function findFile(dir: string, base: string): string {
  for (const name of [base, `${base}.gz`])
    if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  throw new Error(`${dir}: no ${base}[.gz]`);
}

function benchSet(title: string, dir: string): void {
  console.log(`\n## ${title}: ${dir}`);
  const imagesFile = findFile(dir, 'train-images-idx3-ubyte');
  const images = readIdx(imagesFile);
  const pixelBytes = images.data.byteLength;
  row(
    `readIdx ${path.basename(imagesFile)} [${images.dims.join('x')}]`,
    time(() => readIdx(imagesFile)),
    pixelBytes,
  );
  const onDisk = fs.readFileSync(imagesFile);
  const raw = onDisk[0] === 0x1f && onDisk[1] === 0x8b ? zlib.gunzipSync(onDisk) : onDisk;
  row(
    '  decodeIdx of the same bytes, uncompressed, in memory',
    time(() => decodeIdx(raw)),
    pixelBytes,
  );
  row(
    '  zlib.gunzipSync alone (the floor for a .gz read)',
    time(() => (onDisk[0] === 0x1f ? zlib.gunzipSync(onDisk) : onDisk)),
    pixelBytes,
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'idx-bench-'));
  try {
    const rawFile = path.join(tmp, 'train-images-idx3-ubyte');
    fs.writeFileSync(rawFile, raw);
    row(
      '  readIdx of an uncompressed copy (file read + view)',
      time(() => readIdx(rawFile)),
      pixelBytes,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  let total = 0;
  const m = loadMnist({ dir });
  total = m.train.bytes.byteLength + m.test.bytes.byteLength;
  row(
    `loadMnist, 4 files, ${m.train.count} + ${m.test.count} images (bytes only)`,
    time(() => loadMnist({ dir })),
    total,
  );
  row(
    '  loadMnist + float32 images of train and test',
    time(() => {
      const d = loadMnist({ dir });
      return d.train.images.length + d.test.images.length;
    }),
    total,
  );
}

function main(): void {
  const cpus = os.cpus();
  console.log('# bench/idx-load.ts');
  console.log(`CPU: ${cpus[0]?.model ?? 'unknown'} (${cpus.length} logical cores)`);
  console.log(
    `Node ${process.version}, ${os.platform()} ${os.release()} ${os.arch()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
  );
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; median of ${RUNS} runs after a warm-up`,
  );
  benchSet('bundled digits', BUNDLED_MNIST_DIR);
  const arg = process.argv[2];
  if (arg !== undefined) benchSet('given set', path.resolve(arg));
  else if (fs.existsSync(path.join(DEBIAN_FASHION, 'train-images-idx3-ubyte.gz')))
    benchSet('Fashion-MNIST (Debian package)', DEBIAN_FASHION);
  else
    console.log('\n(no full-size set: pass a directory, or apt-get install dataset-fashion-mnist)');
}

main();
