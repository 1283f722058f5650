/**
 * A small seeded PRNG (xoshiro128**), the one source of randomness in blasnet: the same seed gives
 * the same initial weights and the same shuffles on every backend and every run.
 */
import { rangeError } from './errors';
import { checkInt } from './validate';

/**
 * Anything that yields uniform unsigned 32-bit integers, such as a {@link Random}.
 *
 * @example
 * ```ts
 * const source: Uint32Source = new Random(7);
 * const order = permutation(10, source); // 0..9 shuffled, the same for seed 7 on every run
 * ```
 */
export interface Uint32Source {
  /** A uniform integer in [0, 2^32). */
  nextUint32(): number;
}

/**
 * A seeded random number generator.
 *
 * @example
 * ```ts
 * const rng = new Random(7);
 * const i = rng.below(10); // an integer in 0..9, the same for seed 7 on every run
 * ```
 */
export class Random implements Uint32Source {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  /**
   * @param seed an integer in [0, 2^32); the state is spread from it with splitmix32.
   * @example
   * ```ts
   * const rng = new Random(42);
   * rng.uniform(); // a float in [0, 1), the same every run
   * ```
   */
  constructor(seed: number) {
    checkInt('seed', seed, 0, 0xffffffff);
    let x = seed >>> 0;
    const next = () => {
      // splitmix32: decorrelates nearby seeds so seeds 1 and 2 give unrelated streams.
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
   * A uniform 32-bit unsigned integer.
   *
   * @example
   * ```ts
   * const bits = rng.nextUint32(); // an integer in [0, 2^32)
   * ```
   */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
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
   * A uniform float in [0, 1) with 32 random bits.
   *
   * @example
   * ```ts
   * const keep = rng.uniform() < 0.8; // true with probability 0.8
   * ```
   */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * A uniform integer in [0, n) for n in [1, 2^32], without modulo bias.
   *
   * @example
   * ```ts
   * const die = rng.below(6) + 1; // 1..6
   * ```
   */
  below(n: number): number {
    return uniformBelow(this, checkInt('n', n, 1, 4294967296));
  }

  /**
   * A standard normal N(0, 1) sample (Box-Muller, both values used).
   *
   * @example
   * ```ts
   * const w = rng.normal() * 0.1; // a sample of N(0, 0.1²)
   * ```
   */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * Shuffle in place (Fisher-Yates) and return the array.
   *
   * @example
   * ```ts
   * const order = new Random(3).shuffle(range(10)); // a permutation of 0..9, the same every run
   * ```
   */
  shuffle<T extends { length: number; [i: number]: number }>(values: T): T {
    return shuffle(values, this);
  }

  /**
   * The generator's position: its four 32-bit state words, for a checkpoint (a pending
   * {@link normal} spare is not kept). {@link Random.restore} continues the stream from there.
   *
   * @example
   * ```ts
   * const saved = rng.save();
   * const again = Random.restore(saved); // again.nextUint32() === rng.nextUint32()
   * ```
   */
  save(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /**
   * A generator at a position {@link Random.save} returned: four integers in [0, 2^32), not all 0.
   *
   * @example
   * ```ts
   * const rng = Random.restore([1, 2, 3, 4]);
   * ```
   */
  static restore(words: readonly number[]): Random {
    const rng = new Random(0);
    if (words.length !== 4 || words.every((w) => w === 0))
      throw rangeError('words', 'four 32-bit integers, not all 0', `length ${words.length}`);
    words.forEach((w, i) => checkInt(`words[${i}]`, w, 0, 0xffffffff));
    [rng.s0, rng.s1, rng.s2, rng.s3] = words;
    return rng;
  }
}

/** A uniform integer in [0, n) by rejection (n already checked), without modulo bias. */
export function uniformBelow(source: Uint32Source, n: number): number {
  if (n === 4294967296) return source.nextUint32();
  const limit = 4294967296 - (4294967296 % n);
  for (;;) {
    const r = source.nextUint32();
    if (r < limit) return r % n;
  }
}

/**
 * Fisher-Yates shuffle of `values` in place, drawing from `source`; returns `values`.
 *
 * @example
 * ```ts
 * shuffle(range(10), new Random(3)); // the same permutation every run
 * ```
 */
export function shuffle<T extends { length: number; [i: number]: number }>(
  values: T,
  source: Uint32Source,
): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = uniformBelow(source, i + 1);
    const t = values[i];
    values[i] = values[j];
    values[j] = t;
  }
  return values;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * `[0, 1, ..., n − 1]` as a `Uint32Array`, the index order a training epoch shuffles.
 *
 * @example
 * ```ts
 * new Random(1).shuffle(range(5)); // a permutation of 0..4
 * ```
 */
export function range(n: number): Uint32Array {
  checkInt('n', n, 0, 0xffffffff);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
