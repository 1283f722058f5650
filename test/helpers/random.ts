/**
 * A seeded PRNG for tests (mulberry32: 32-bit state, good enough for test data, fully
 * deterministic across runs and machines) and helpers making random typed arrays from it.
 */

/** A function returning uniform numbers in [0, 1). */
export type Rng = () => number;

/** mulberry32 seeded with `seed`. */
export function mulberry32(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n uniform floats in [lo, hi). */
export function randomFloat32(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng();
  return out;
}

/** A standard normal sample (Box–Muller). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** n normal floats with the given standard deviation. */
export function normalFloat32(rng: Rng, n: number, std = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = std * gaussian(rng);
  return out;
}

/** A random integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/**
 * Parameters for a network of `sizes` in the contract's layout (per layer w^l `[nl, n(l−1)]`,
 * then b^l `[nl]`): weights N(0, 1/n(l−1)) (Nielsen's default), biases N(0, 1).
 */
export function randomParams(rng: Rng, sizes: readonly number[]): Float32Array {
  let count = 0;
  for (let l = 1; l < sizes.length; l++) count += sizes[l] * sizes[l - 1] + sizes[l];
  const params = new Float32Array(count);
  let o = 0;
  for (let l = 1; l < sizes.length; l++) {
    const nIn = sizes[l - 1];
    const nOut = sizes[l];
    const std = 1 / Math.sqrt(nIn);
    for (let i = 0; i < nOut * nIn; i++) params[o++] = std * gaussian(rng);
    for (let i = 0; i < nOut; i++) params[o++] = gaussian(rng);
  }
  return params;
}

/** Targets `[batch, n]`: one-hot rows (oneHot) or independent values in [0, 1]. */
export function randomTargets(rng: Rng, batch: number, n: number, oneHot: boolean): Float32Array {
  const y = new Float32Array(batch * n);
  for (let r = 0; r < batch; r++) {
    if (oneHot) y[r * n + randomInt(rng, n)] = 1;
    else for (let j = 0; j < n; j++) y[r * n + j] = rng();
  }
  return y;
}
