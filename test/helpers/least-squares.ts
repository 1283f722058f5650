/**
 * Float64 references for regression tests: R² of predictions, and a least-squares line (the
 * linear baseline a regression network should match or beat).
 */

/** R² = 1 − SS_res / SS_tot, in float64. */
export function rSquared(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const n = truth.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i] / n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += (truth[i] - predicted[i]) ** 2;
    ssTot += (truth[i] - mean) ** 2;
  }
  return 1 - ssRes / ssTot;
}

/** Float64 least squares with an intercept (the last weight), by the normal equations. */
export function leastSquares(x: Float32Array, y: Float32Array, d: number): number[] {
  const n = y.length;
  const m = d + 1;
  const a = Array.from({ length: m }, () => new Array<number>(m + 1).fill(0));
  for (let i = 0; i < n; i++) {
    const row = [...Array.from(x.subarray(i * d, i * d + d)), 1];
    for (let p = 0; p < m; p++) {
      for (let q = 0; q < m; q++) a[p][q] += row[p] * row[q];
      a[p][m] += row[p] * y[i];
    }
  }
  // Gauss–Jordan with partial pivoting; a tiny ridge keeps one-hot columns (which sum to the
  // intercept) solvable.
  for (let p = 0; p < m; p++) a[p][p] += 1e-6;
  for (let p = 0; p < m; p++) {
    let pivot = p;
    for (let r = p + 1; r < m; r++) if (Math.abs(a[r][p]) > Math.abs(a[pivot][p])) pivot = r;
    [a[p], a[pivot]] = [a[pivot], a[p]];
    for (let r = 0; r < m; r++) {
      if (r === p) continue;
      const f = a[r][p] / a[p][p];
      for (let q = p; q <= m; q++) a[r][q] -= f * a[p][q];
    }
  }
  return a.map((row, p) => row[m] / row[p]);
}
