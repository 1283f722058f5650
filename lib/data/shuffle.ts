/**
 * Seeded shuffling and mini-batches for the data pipeline: a small PRNG of our own
 * (xoshiro128**, seeded through splitmix32), Fisher–Yates over a `Uint32Array` of indices, and
 * a batch iterator that hands out index ranges and gathers rows into reused buffers, so an epoch
 * never copies the whole training set.
 */
import { rangeError, shapeError, typeError } from '../errors';
import {
  checkBoolean,
  checkInt,
  checkOptions,
  isFloat32Array,
  isObject,
  isUint32Array,
  isUint8Array,
} from '../validate';
import { Random, range, shuffle, type Uint32Source } from '../random';

function toRng(name: string, value: unknown): Uint32Source {
  if (typeof value === 'number') return new Random(checkInt(name, value, 0, 0xffffffff));
  if (isObject(value) && typeof (value as Uint32Source).nextUint32 === 'function') {
    return value as Uint32Source;
  }
  throw typeError(
    name,
    'a seed (an integer in [0, 4294967295]) or an object with nextUint32()',
    value,
  );
}

/**
 * Shuffle `indices` in place with Fisher–Yates, drawing from `rng` (a seed or a generator), and
 * return it. Shuffling a permutation again gives another permutation, so one `Uint32Array` can be
 * reshuffled every epoch.
 *
 * @param indices the array to permute in place.
 * @param rng a seed in [0, 2^32) or a {@link Uint32Source}; a generator carries on its stream.
 * @example
 * ```ts
 * const order = range(5);
 * shuffleInPlace(order, 42); // Uint32Array [3, 0, 2, 1, 4], the same every run
 * ```
 */
export function shuffleInPlace(indices: Uint32Array, rng: number | Uint32Source): Uint32Array {
  if (!isUint32Array(indices)) throw typeError('indices', 'a Uint32Array', indices);
  return shuffle(indices, toRng('rng', rng));
}

/**
 * A seeded random permutation of `0 … n−1` (Fisher–Yates over a `Uint32Array`).
 * @param n the number of indices.
 * @param rng a seed in [0, 2^32) or a {@link Uint32Source}.
 * @example
 * ```ts
 * const order = permutation(60000, 1); // deterministic for seed 1
 * ```
 */
export function permutation(n: number, rng: number | Uint32Source): Uint32Array {
  checkInt('n', n, 0, 0xffffffff);
  const source = toRng('rng', rng);
  return shuffle(range(n), source);
}

/**
 * Copy the rows `indices` of a row-major `[n, rowSize]` matrix into `out` (`[indices.length, rowSize]`),
 * allocating `out` when it is not given. This is the only copy a mini-batch costs.
 *
 * @param source the matrix, `n * rowSize` elements.
 * @param rowSize the number of elements per row (e.g. 784).
 * @param indices the rows to take, each `< n`.
 * @param out optional destination of at least `indices.length * rowSize` elements; reused between batches.
 * @example
 * ```ts
 * const x = new Float32Array([0, 1, 10, 11, 20, 21]); // 3 rows of 2
 * gatherRows(x, 2, new Uint32Array([2, 0])); // Float32Array [20, 21, 0, 1]
 * ```
 */
export function gatherRows<T extends Float32Array | Uint8Array>(
  source: T,
  rowSize: number,
  indices: Uint32Array,
  out?: T,
): T {
  if (!isFloat32Array(source) && !isUint8Array(source))
    throw typeError('source', 'a Float32Array or a Uint8Array', source);
  checkInt('rowSize', rowSize, 1);
  if (!isUint32Array(indices)) throw typeError('indices', 'a Uint32Array', indices);
  if (source.length % rowSize !== 0) {
    throw shapeError(
      'source',
      `a length that is a multiple of rowSize ${rowSize}`,
      `length ${source.length}`,
    );
  }
  const rows = source.length / rowSize;
  const need = indices.length * rowSize;
  let dest: T;
  if (out === undefined) {
    dest = new (source.constructor as new (n: number) => T)(need);
  } else {
    if (out.constructor !== source.constructor)
      throw typeError('out', `a ${source.constructor.name}`, out);
    if (out.length < need)
      throw shapeError('out', `at least ${need} elements`, `length ${out.length}`);
    dest = out;
  }
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (r >= rows) throw rangeError(`indices[${i}]`, `a row index < ${rows}`, r);
    const from = r * rowSize;
    dest.set(source.subarray(from, from + rowSize), i * rowSize);
  }
  return dest;
}

/**
 * Options of {@link miniBatches} and {@link batches}.
 * @example
 * ```ts
 * const options: MiniBatchOptions = { batchSize: 10, rng: new Random(1), dropLast: true };
 * for (const { indices } of miniBatches(50000, options)) {
 *   // train on the rows `indices`
 * }
 * ```
 */
export interface MiniBatchOptions {
  /** Examples per batch, an integer ≥ 1. */
  batchSize: number;
  /** Shuffle the order before batching (default true). */
  shuffle?: boolean;
  /** A seed or a generator for the shuffle (default seed 0). Pass one generator across epochs for a new order each epoch. */
  rng?: number | Uint32Source;
  /** Drop the last, smaller batch (default false). */
  dropLast?: boolean;
  /** A `Uint32Array` of length n to hold the order (reused across epochs instead of allocating one). */
  order?: Uint32Array;
}

/**
 * One mini-batch as an index range: `indices` is a view into the epoch's order.
 * @example
 * ```ts
 * const first: IndexBatch = miniBatches(100, { batchSize: 10 }).next().value!;
 * first.indices.length; // 10
 * ```
 */
export interface IndexBatch {
  /** The position of this batch in the epoch, from 0. */
  index: number;
  /** Offset of the first example of the batch in the epoch's order. */
  start: number;
  /** One past the last example (`end − start` is the batch size). */
  end: number;
  /** The example indices of this batch: `order.subarray(start, end)`, no copy. */
  indices: Uint32Array;
}

/**
 * Iterate one epoch of mini-batches over `n` examples as index ranges. The order is (optionally)
 * shuffled once per call; each batch's `indices` is a subarray view of it, so nothing is copied.
 * Gather the rows with {@link gatherRows}.
 *
 * @param n the number of examples.
 * @param options batch size, shuffling, seed.
 * @example
 * ```ts
 * const rng = new Random(1);
 * for (let epoch = 0; epoch < 3; epoch++) {
 *   for (const { indices } of miniBatches(50000, { batchSize: 10, rng })) {
 *     // train on the rows `indices`
 *   }
 * }
 * ```
 */
export function miniBatches(
  n: number,
  options: MiniBatchOptions,
): Generator<IndexBatch, void, undefined> {
  // Checked here, not inside the generator, so bad arguments throw at the call.
  const { order, batchSize, dropLast } = checkBatchOptions(n, options);
  return indexBatches(n, order, batchSize, dropLast);
}

function* indexBatches(
  n: number,
  order: Uint32Array,
  batchSize: number,
  dropLast: boolean,
): Generator<IndexBatch, void, undefined> {
  const count = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  for (let b = 0; b < count; b++) {
    const start = b * batchSize;
    const end = Math.min(n, start + batchSize);
    yield { index: b, start, end, indices: order.subarray(start, end) };
  }
}

function checkBatchOptions(
  n: number,
  options: unknown,
): { order: Uint32Array; batchSize: number; dropLast: boolean } {
  checkInt('n', n, 0, 0xffffffff);
  if (options === undefined)
    throw typeError('options', 'an options object with batchSize', options);
  const o = checkOptions<MiniBatchOptions>('options', options);
  const batchSize = checkInt('options.batchSize', o.batchSize, 1);
  const doShuffle = o.shuffle === undefined ? true : checkBoolean('options.shuffle', o.shuffle);
  const dropLast = o.dropLast === undefined ? false : checkBoolean('options.dropLast', o.dropLast);
  const rng = toRng('options.rng', o.rng ?? 0);
  let order: Uint32Array;
  if (o.order !== undefined) {
    if (!isUint32Array(o.order)) throw typeError('options.order', 'a Uint32Array', o.order);
    if (o.order.length !== n)
      throw shapeError('options.order', `a Uint32Array of length ${n}`, `length ${o.order.length}`);
    order = o.order;
    for (let i = 0; i < n; i++) order[i] = i;
  } else {
    order = range(n);
  }
  if (doShuffle) shuffleInPlace(order, rng);
  return { order, batchSize, dropLast };
}

/**
 * A labelled set to batch: a row-major `[n, inputSize]` matrix and n labels.
 * @example
 * ```ts
 * const set: BatchSource = { images: new Float32Array(4 * 784), labels: new Uint8Array([1, 2, 3, 4]) };
 * [...batches(set, { batchSize: 2 })].length; // 2
 * ```
 */
export interface BatchSource {
  /** `[n, inputSize]` row-major. */
  images: Float32Array;
  /** n labels. */
  labels: Uint8Array;
}

/**
 * One gathered mini-batch.
 * @example
 * ```ts
 * for (const batch of batches(loadMnist().train, { batchSize: 10 })) {
 *   const b: Batch = batch; // b.images [b.size, 784], b.labels [b.size]
 * }
 * ```
 */
export interface Batch extends IndexBatch {
  /** `[size, inputSize]` rows of the batch: a view of a buffer reused by the next batch. */
  images: Float32Array;
  /** `[size]` labels of the batch: a view of a buffer reused by the next batch. */
  labels: Uint8Array;
  /** Rows in this batch (`end − start`). */
  size: number;
}

/**
 * Iterate one epoch of gathered mini-batches of a labelled set: rows and labels are copied
 * into two buffers of one batch each, allocated once per call and reused for every batch (copy
 * them if you keep them past the next iteration).
 *
 * @param set `{ images: Float32Array [n, inputSize], labels: Uint8Array [n] }`, e.g. `loadMnist().train`.
 * @param options batch size, shuffling, seed.
 * @example
 * ```ts
 * const { train } = loadMnist();
 * const rng = new Random(42);
 * for (const batch of batches(train, { batchSize: 10, rng })) {
 *   // batch.images: Float32Array [batch.size, 784], batch.labels: Uint8Array [batch.size]
 * }
 * ```
 */
export function batches(
  set: BatchSource,
  options: MiniBatchOptions,
): Generator<Batch, void, undefined> {
  if (!isObject(set)) throw typeError('set', 'an object with images and labels', set);
  if (!isFloat32Array(set.images)) throw typeError('set.images', 'a Float32Array', set.images);
  if (!isUint8Array(set.labels)) throw typeError('set.labels', 'a Uint8Array', set.labels);
  const n = set.labels.length;
  if (n === 0 ? set.images.length !== 0 : set.images.length % n !== 0) {
    throw shapeError(
      'set.images',
      `a length that is a multiple of the ${n} labels`,
      `length ${set.images.length}`,
    );
  }
  const inputSize = n === 0 ? 0 : set.images.length / n;
  const { order, batchSize, dropLast } = checkBatchOptions(n, options);
  return gatheredBatches(set, n, inputSize, order, batchSize, dropLast);
}

function* gatheredBatches(
  set: BatchSource,
  n: number,
  inputSize: number,
  order: Uint32Array,
  batchSize: number,
  dropLast: boolean,
): Generator<Batch, void, undefined> {
  const count = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  const size0 = Math.min(batchSize, n);
  const xBuf = new Float32Array(size0 * inputSize);
  const yBuf = new Uint8Array(size0);
  for (let b = 0; b < count; b++) {
    const start = b * batchSize;
    const end = Math.min(n, start + batchSize);
    const indices = order.subarray(start, end);
    const size = end - start;
    for (let i = 0; i < size; i++) {
      const r = indices[i];
      xBuf.set(set.images.subarray(r * inputSize, (r + 1) * inputSize), i * inputSize);
      yBuf[i] = set.labels[r];
    }
    yield {
      index: b,
      start,
      end,
      indices,
      size,
      images: xBuf.subarray(0, size * inputSize),
      labels: yBuf.subarray(0, size),
    };
  }
}
