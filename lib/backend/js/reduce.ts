/**
 * Reductions and row moves: column sums (the bias gradient, BP3) and gathering the rows of a
 * shuffled mini-batch. Arguments are assumed valid (`CheckedBackend` checked them).
 */
import { rangeError } from '../../errors';

/** Float64 accumulators for column sums, grown when a wider matrix first comes (reused after). */
let sums = new Float64Array(1024);

/**
 * out[outOff + j] = alpha · Σ_r m[mOff + r*cols + j] + beta · out[outOff + j] over a `[rows, cols]`
 * block. Rows are summed in order into float64 accumulators, reading m contiguously.
 * beta = 0 overwrites out (NaN in out does not propagate), as sgemm.
 */
export function columnSumsAt(
  m: Float32Array,
  mOff: number,
  rows: number,
  cols: number,
  alpha: number,
  beta: number,
  out: Float32Array,
  outOff: number,
): void {
  if (sums.length < cols) sums = new Float64Array(Math.max(cols, 2 * sums.length));
  const acc = sums;
  for (let j = 0; j < cols; j++) acc[j] = m[mOff + j];
  for (let r = 1; r < rows; r++) {
    const row = mOff + r * cols;
    for (let j = 0; j < cols; j++) acc[j] += m[row + j];
  }
  if (beta === 0) {
    for (let j = 0; j < cols; j++) out[outOff + j] = alpha * acc[j];
  } else {
    for (let j = 0; j < cols; j++) out[outOff + j] = alpha * acc[j] + beta * out[outOff + j];
  }
}

/**
 * dst[i, :] = src[indices[start + i], :] for i < count, rows of `cols` floats. Each index is read
 * once, checked and used (the indices may be shared memory that another thread rewrites after the
 * caller's check), as in the native core.
 */
export function gatherRows(
  src: Float32Array,
  cols: number,
  indices: Uint32Array,
  start: number,
  count: number,
  dst: Float32Array,
): void {
  const srcRows = Math.floor(src.length / cols);
  for (let i = 0; i < count; i++) {
    const row = indices[start + i];
    if (row >= srcRows)
      throw rangeError(`indices[${start + i}]`, `a row index below ${srcRows}`, row);
    const from = row * cols;
    const to = i * cols;
    for (let j = 0; j < cols; j++) dst[to + j] = src[from + j];
  }
}
