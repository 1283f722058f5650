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
