/**
 * The relative difference of two parameter vectors, max_i |a_i − b_i| / max_i |b_i| (Infinity
 * where a NaN appears): the tests' measure of "the same parameters to float32 rounding".
 */
export function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return Number.isNaN(worst) ? Infinity : worst / scale;
}

/** How many indices hold different bits (so NaN equals NaN only bit for bit, and 0 is not −0). */
export function differingBits(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let count = 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) count++;
  return count;
}
