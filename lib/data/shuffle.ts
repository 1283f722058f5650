/**
 * Seeded shuffling and mini-batches for the data pipeline: a small PRNG of our own
 * (xoshiro128**, seeded through splitmix32), Fisher–Yates over a `Uint32Array` of indices, and
 * a batch iterator that hands out index ranges and gathers rows into reused buffers, so an epoch
 * never copies the whole training set.
 */
import { rangeError, shapeError, typeError } from '../errors';
import { checkBoolean, checkInt, checkOptions } from '../validate';

/** Anything that yields uniform unsigned 32-bit integers: a {@link DataRng}, or blasnet's `Random`. */
export interface Uint32Source {
  /** A uniform integer in [0, 2^32). */
  nextUint32(): number;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A seeded xoshiro128** generator: the same seed gives the same shuffles on every machine and run.
 * The state is spread from the seed with splitmix32, so nearby seeds give unrelated streams.
 *
 * @example
 * ```ts
 * const rng = new DataRng(42);
 * rng.nextUint32(); // the same 32-bit integer on every run
 * rng.below(10);    // an integer in [0, 10)
 * ```
 */
export class DataRng implements Uint32Source {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * @param seed an integer in [0, 2^32).
   * @example
   * ```ts
   * const a = new DataRng(7), b = new DataRng(7);
   * a.uniform() === b.uniform(); // true
   * ```
   */
  constructor(seed: number) {
    checkInt('seed', seed, 0, 0xffffffff);
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let t = x;
      t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
      t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
      return (t ^ (t >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /**
   * A uniform integer in [0, 2^32).
   * @example
   * ```ts
   * new DataRng(1).nextUint32(); // 2442144158, the same every run
   * ```
   */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * A uniform float in [0, 1).
   * @example
   * ```ts
   * const u = new DataRng(3).uniform(); // 0 <= u < 1
   * ```
   */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * A uniform integer in [0, n), without modulo bias.
   * @param n an integer in [1, 2^32].
   * @example
   * ```ts
   * const die = new DataRng(5).below(6) + 1; // 1..6
   * ```
   */
  below(n: number): number {
    checkInt('n', n, 1, 4294967296);
    return uniformBelow(this, n);
  }
}

/** Unbiased integer in [0, n) by rejection; n already checked. */
function uniformBelow(rng: Uint32Source, n: number): number {
  if (n === 4294967296) return rng.nextUint32();
  const limit = 4294967296 - (4294967296 % n);
  for (;;) {
    const x = rng.nextUint32();
    if (x < limit) return x % n;
  }
}

function toRng(name: string, value: unknown): Uint32Source {
  if (typeof value === 'number') return new DataRng(checkInt(name, value, 0, 0xffffffff));
  if (value !== null && typeof value === 'object' && typeof (value as Uint32Source).nextUint32 === 'function') {
    return value as Uint32Source;
  }
  throw typeError(name, 'a seed (an integer in [0, 4294967295]) or an object with nextUint32()', value);
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
 * const order = identityIndices(5);
 * shuffleInPlace(order, 42); // Uint32Array [3, 0, 2, 1, 4], the same every run
 * ```
 */
export function shuffleInPlace(indices: Uint32Array, rng: number | Uint32Source): Uint32Array {
  if (!(indices instanceof Uint32Array)) throw typeError('indices', 'a Uint32Array', indices);
  const source = toRng('rng', rng);
  for (let i = indices.length - 1; i > 0; i--) {
    const j = uniformBelow(source, i + 1);
    const t = indices[i]!;
    indices[i] = indices[j]!;
    indices[j] = t;
  }
  return indices;
}

/**
 * `Uint32Array [0, 1, …, n−1]`.
 * @param n the number of indices, an integer in [0, 2^32 − 1].
 * @example
 * ```ts
 * identityIndices(3); // Uint32Array [0, 1, 2]
 * ```
 */
export function identityIndices(n: number): Uint32Array {
  checkInt('n', n, 0, 0xffffffff);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
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
  return shuffleInPlace(identityIndices(n), source);
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
export function gatherRows<T extends Float32Array | Uint8Array>(source: T, rowSize: number, indices: Uint32Array, out?: T): T {
  if (!(source instanceof Float32Array) && !(source instanceof Uint8Array)) throw typeError('source', 'a Float32Array or a Uint8Array', source);
  checkInt('rowSize', rowSize, 1);
  if (!(indices instanceof Uint32Array)) throw typeError('indices', 'a Uint32Array', indices);
  if (source.length % rowSize !== 0) {
    throw shapeError('source', `a length that is a multiple of rowSize ${rowSize}`, `length ${source.length}`);
  }
  const rows = source.length / rowSize;
  const need = indices.length * rowSize;
  let dest: T;
  if (out === undefined) {
    dest = new (source.constructor as new (n: number) => T)(need);
  } else {
    if (out.constructor !== source.constructor) throw typeError('out', `a ${source.constructor.name}`, out);
    if (out.length < need) throw shapeError('out', `at least ${need} elements`, `length ${out.length}`);
    dest = out;
  }
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    if (r >= rows) throw rangeError(`indices[${i}]`, `a row index < ${rows}`, r);
    const from = r * rowSize;
    dest.set(source.subarray(from, from + rowSize), i * rowSize);
  }
  return dest;
}

/** Options of {@link miniBatches}. */
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

/** One mini-batch as an index range: `indices` is a view into the epoch's order. */
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
 * const rng = new DataRng(1);
 * for (let epoch = 0; epoch < 3; epoch++) {
 *   for (const { indices } of miniBatches(50000, { batchSize: 10, rng })) {
 *     // train on the rows `indices`
 *   }
 * }
 * ```
 */
export function miniBatches(n: number, options: MiniBatchOptions): Generator<IndexBatch, void, undefined> {
  // Checked here, not inside the generator, so bad arguments throw at the call.
  const { order, batchSize, dropLast } = checkBatchOptions(n, options);
  return indexBatches(n, order, batchSize, dropLast);
}

function* indexBatches(n: number, order: Uint32Array, batchSize: number, dropLast: boolean): Generator<IndexBatch, void, undefined> {
  const count = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  for (let b = 0; b < count; b++) {
    const start = b * batchSize;
    const end = Math.min(n, start + batchSize);
    yield { index: b, start, end, indices: order.subarray(start, end) };
  }
}

function checkBatchOptions(n: number, options: unknown): { order: Uint32Array; batchSize: number; dropLast: boolean } {
  checkInt('n', n, 0, 0xffffffff);
  if (options === undefined) throw typeError('options', 'an options object with batchSize', options);
  const o = checkOptions<MiniBatchOptions>('options', options);
  const batchSize = checkInt('options.batchSize', o.batchSize, 1);
  const doShuffle = o.shuffle === undefined ? true : checkBoolean('options.shuffle', o.shuffle);
  const dropLast = o.dropLast === undefined ? false : checkBoolean('options.dropLast', o.dropLast);
  const rng = toRng('options.rng', o.rng ?? 0);
  let order: Uint32Array;
  if (o.order !== undefined) {
    if (!(o.order instanceof Uint32Array)) throw typeError('options.order', 'a Uint32Array', o.order);
    if (o.order.length !== n) throw shapeError('options.order', `a Uint32Array of length ${n}`, `length ${o.order.length}`);
    order = o.order;
    for (let i = 0; i < n; i++) order[i] = i;
  } else {
    order = identityIndices(n);
  }
  if (doShuffle) shuffleInPlace(order, rng);
  return { order, batchSize, dropLast };
}

/** A labelled set to batch: a row-major `[n, inputSize]` matrix and n labels. */
export interface BatchSource {
  /** `[n, inputSize]` row-major. */
  images: Float32Array;
  /** n labels. */
  labels: Uint8Array;
}

/** One gathered mini-batch. */
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
 * const rng = new DataRng(42);
 * for (const batch of batches(train, { batchSize: 10, rng })) {
 *   // batch.images: Float32Array [batch.size, 784], batch.labels: Uint8Array [batch.size]
 * }
 * ```
 */
export function batches(set: BatchSource, options: MiniBatchOptions): Generator<Batch, void, undefined> {
  if (set === null || typeof set !== 'object') throw typeError('set', 'an object with images and labels', set);
  if (!(set.images instanceof Float32Array)) throw typeError('set.images', 'a Float32Array', set.images);
  if (!(set.labels instanceof Uint8Array)) throw typeError('set.labels', 'a Uint8Array', set.labels);
  const n = set.labels.length;
  if (n === 0 ? set.images.length !== 0 : set.images.length % n !== 0) {
    throw shapeError('set.images', `a length that is a multiple of the ${n} labels`, `length ${set.images.length}`);
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
      const r = indices[i]!;
      xBuf.set(set.images.subarray(r * inputSize, (r + 1) * inputSize), i * inputSize);
      yBuf[i] = set.labels[r]!;
    }
    yield { index: b, start, end, indices, size, images: xBuf.subarray(0, size * inputSize), labels: yBuf.subarray(0, size) };
  }
}
