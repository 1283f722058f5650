/**
 * The cars table of vega-datasets (a devDependency) and a float64 least-squares baseline, shared by
 * the tests that learn it (test/47 from its CSV, test/86 with the Huber and absolute-error losses).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A package's folder, found through node_modules (vega-datasets exports no subpaths). */
export function packageDir(name: string): string {
  for (const base of require.resolve.paths(name) ?? []) {
    if (fs.existsSync(path.join(base, name, 'package.json'))) return path.join(base, name);
  }
  throw new Error(`${name} is not installed (a devDependency)`);
}

export interface Car {
  Miles_per_Gallon: number | null;
  Cylinders: number;
  Displacement: number;
  Horsepower: number | null;
  Weight_in_lbs: number;
  Acceleration: number;
  Origin: string;
  /** The model year, as a date string ("1970-01-01"). */
  Year: string;
}
export const CARS: Car[] = JSON.parse(
  fs.readFileSync(path.join(packageDir('vega-datasets'), 'data', 'cars.json'), 'utf8'),
);

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
