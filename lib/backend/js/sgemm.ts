/**
 * Single-precision GEMM in plain TypeScript: C ← alpha · op(A) · op(B) + beta · C, row-major.
 *
 * op(A) is `[m, k]` (A stored `[m, k]`, or `[k, m]` when `transA`), op(B) is `[k, n]` (B stored
 * `[k, n]`, or `[n, k]` when `transB`), C is `[m, n]`. Arguments are assumed valid (the
 * `CheckedBackend` checked them).
 *
 * How it is fast without SIMD: all four transpose cases run one micro-kernel in i-k-j order that
 * streams rows of B and C contiguously:
 *   C[i, j] += A[i, p]·B[p, j] + A[i, p+1]·B[p+1, j] + A[i, p+2]·B[p+2, j] + A[i, p+3]·B[p+3, j]
 * for four rows i at once (4 × 4 register block: 16 A values held in registers, each B element
 * loaded serves 4 rows, each C element loaded and stored takes 4 products), j unrolled by 2.
 * Leftover rows run 2 × 4 and 1 × 4 versions, leftover p one at a time.
 * - op(A) is read through strides (A[i, p] at `i*aRow + p*aCol`), one scalar per (i, p) outside the
 *   j loop, so a transposed A costs nothing.
 * - op(B) needs contiguous rows of n: when `transB`, each `[kb, nb]` block of Bᵀ is packed into a
 *   module scratch buffer (allocated once, reused: no allocation per call once warm).
 * - Cache blocking: k in blocks of {@link KC} and j in blocks of {@link NC}; the four B rows in
 *   flight (4 × NC floats) stay in L1 while a row quad passes, the whole B block in L2 while all
 *   m rows pass. Block sizes tuned with `bench/kernels-js.ts` (flat between 256 and 512).
 * Products and sums are formed in double (JS numbers) and rounded to float32 when stored into C,
 * once per 4 products.
 */

/** k block: rows of op(B) per pass over C. */
const KC = 256;
/** j block: columns of C per pass (KC × NC floats of B = 512 KiB, within L2). */
const NC = 512;

/** Scratch for a packed Bᵀ block `[KC, NC]`, allocated on the first transB call and reused. */
let packed: Float32Array | undefined;

/** c[cOff .. cOff+size) ← beta · c (beta = 0 writes zeros: NaN or Inf in C does not propagate). */
function scaleC(c: Float32Array, cOff: number, size: number, beta: number): void {
  if (beta === 1) return;
  const end = cOff + size;
  if (beta === 0) {
    c.fill(0, cOff, end);
    return;
  }
  for (let i = cOff; i < end; i++) c[i] *= beta;
}

/**
 * Pack the block op(B)[p0 .. p0+kb, j0 .. j0+nb] of a B stored `[n, k]` (transB) as `[kb, nb]`
 * row-major into dst: dst[p*nb + j] = b[bOff + (j0 + j)*k + p0 + p]. Reads 4 rows of B
 * (contiguous over p) at a time.
 */
function packTransposed(
  b: Float32Array,
  bOff: number,
  k: number,
  p0: number,
  kb: number,
  j0: number,
  nb: number,
  dst: Float32Array,
): void {
  let j = 0;
  for (; j + 3 < nb; j += 4) {
    const r0 = bOff + (j0 + j) * k + p0;
    const r1 = r0 + k;
    const r2 = r1 + k;
    const r3 = r2 + k;
    let d = j;
    for (let p = 0; p < kb; p++) {
      dst[d] = b[r0 + p];
      dst[d + 1] = b[r1 + p];
      dst[d + 2] = b[r2 + p];
      dst[d + 3] = b[r3 + p];
      d += nb;
    }
  }
  for (; j < nb; j++) {
    const r0 = bOff + (j0 + j) * k + p0;
    let d = j;
    for (let p = 0; p < kb; p++) {
      dst[d] = b[r0 + p];
      d += nb;
    }
  }
}

/**
 * One block: c[cOff + i*n + j] += alpha · Σ_{p < kb} Ablk[i, p] · Bblk[p, j]   for i < m, j < nb,
 * with Ablk[i, p] at a[aOff + i*aRow + p*aCol] and Bblk[p, j] at bb[bOff + p*ldb + j].
 */
function kernel(
  m: number,
  nb: number,
  kb: number,
  alpha: number,
  a: Float32Array,
  aOff: number,
  aRow: number,
  aCol: number,
  bb: Float32Array,
  bOff: number,
  ldb: number,
  c: Float32Array,
  cOff: number,
  n: number,
): void {
  const kb4 = kb & ~3;
  const aCol2 = 2 * aCol;
  const aCol3 = 3 * aCol;
  let i = 0;
  // Four rows of C at a time.
  for (; i + 3 < m; i += 4) {
    const c0 = i * n + cOff;
    const c1 = c0 + n;
    const c2 = c1 + n;
    const c3 = c2 + n;
    const a0 = aOff + i * aRow;
    const a1 = a0 + aRow;
    const a2 = a1 + aRow;
    const a3 = a2 + aRow;
    let p = 0;
    for (; p < kb4; p += 4) {
      const ap = p * aCol;
      const x00 = alpha * a[a0 + ap],
        x01 = alpha * a[a0 + ap + aCol],
        x02 = alpha * a[a0 + ap + aCol2],
        x03 = alpha * a[a0 + ap + aCol3];
      const x10 = alpha * a[a1 + ap],
        x11 = alpha * a[a1 + ap + aCol],
        x12 = alpha * a[a1 + ap + aCol2],
        x13 = alpha * a[a1 + ap + aCol3];
      const x20 = alpha * a[a2 + ap],
        x21 = alpha * a[a2 + ap + aCol],
        x22 = alpha * a[a2 + ap + aCol2],
        x23 = alpha * a[a2 + ap + aCol3];
      const x30 = alpha * a[a3 + ap],
        x31 = alpha * a[a3 + ap + aCol],
        x32 = alpha * a[a3 + ap + aCol2],
        x33 = alpha * a[a3 + ap + aCol3];
      const b0 = bOff + p * ldb;
      const b1 = b0 + ldb;
      const b2 = b1 + ldb;
      const b3 = b2 + ldb;
      let j = 0;
      for (; j + 1 < nb; j += 2) {
        const y0 = bb[b0 + j],
          y1 = bb[b1 + j],
          y2 = bb[b2 + j],
          y3 = bb[b3 + j];
        const v0 = bb[b0 + j + 1],
          v1 = bb[b1 + j + 1],
          v2 = bb[b2 + j + 1],
          v3 = bb[b3 + j + 1];
        c[c0 + j] += x00 * y0 + x01 * y1 + x02 * y2 + x03 * y3;
        c[c1 + j] += x10 * y0 + x11 * y1 + x12 * y2 + x13 * y3;
        c[c2 + j] += x20 * y0 + x21 * y1 + x22 * y2 + x23 * y3;
        c[c3 + j] += x30 * y0 + x31 * y1 + x32 * y2 + x33 * y3;
        c[c0 + j + 1] += x00 * v0 + x01 * v1 + x02 * v2 + x03 * v3;
        c[c1 + j + 1] += x10 * v0 + x11 * v1 + x12 * v2 + x13 * v3;
        c[c2 + j + 1] += x20 * v0 + x21 * v1 + x22 * v2 + x23 * v3;
        c[c3 + j + 1] += x30 * v0 + x31 * v1 + x32 * v2 + x33 * v3;
      }
      if (j < nb) {
        const y0 = bb[b0 + j],
          y1 = bb[b1 + j],
          y2 = bb[b2 + j],
          y3 = bb[b3 + j];
        c[c0 + j] += x00 * y0 + x01 * y1 + x02 * y2 + x03 * y3;
        c[c1 + j] += x10 * y0 + x11 * y1 + x12 * y2 + x13 * y3;
        c[c2 + j] += x20 * y0 + x21 * y1 + x22 * y2 + x23 * y3;
        c[c3 + j] += x30 * y0 + x31 * y1 + x32 * y2 + x33 * y3;
      }
    }
    for (; p < kb; p++) {
      const ap = p * aCol;
      const x0 = alpha * a[a0 + ap],
        x1 = alpha * a[a1 + ap],
        x2 = alpha * a[a2 + ap],
        x3 = alpha * a[a3 + ap];
      const b0 = bOff + p * ldb;
      for (let j = 0; j < nb; j++) {
        const y = bb[b0 + j];
        c[c0 + j] += x0 * y;
        c[c1 + j] += x1 * y;
        c[c2 + j] += x2 * y;
        c[c3 + j] += x3 * y;
      }
    }
  }
  // Two leftover rows.
  if (i + 1 < m) {
    const c0 = i * n + cOff;
    const c1 = c0 + n;
    const a0 = aOff + i * aRow;
    const a1 = a0 + aRow;
    let p = 0;
    for (; p < kb4; p += 4) {
      const ap = p * aCol;
      const x00 = alpha * a[a0 + ap],
        x01 = alpha * a[a0 + ap + aCol],
        x02 = alpha * a[a0 + ap + aCol2],
        x03 = alpha * a[a0 + ap + aCol3];
      const x10 = alpha * a[a1 + ap],
        x11 = alpha * a[a1 + ap + aCol],
        x12 = alpha * a[a1 + ap + aCol2],
        x13 = alpha * a[a1 + ap + aCol3];
      const b0 = bOff + p * ldb;
      const b1 = b0 + ldb;
      const b2 = b1 + ldb;
      const b3 = b2 + ldb;
      for (let j = 0; j < nb; j++) {
        const y0 = bb[b0 + j],
          y1 = bb[b1 + j],
          y2 = bb[b2 + j],
          y3 = bb[b3 + j];
        c[c0 + j] += x00 * y0 + x01 * y1 + x02 * y2 + x03 * y3;
        c[c1 + j] += x10 * y0 + x11 * y1 + x12 * y2 + x13 * y3;
      }
    }
    for (; p < kb; p++) {
      const x0 = alpha * a[a0 + p * aCol],
        x1 = alpha * a[a1 + p * aCol];
      const b0 = bOff + p * ldb;
      for (let j = 0; j < nb; j++) {
        const y = bb[b0 + j];
        c[c0 + j] += x0 * y;
        c[c1 + j] += x1 * y;
      }
    }
    i += 2;
  }
  // One leftover row.
  if (i < m) {
    const c0 = i * n + cOff;
    const a0 = aOff + i * aRow;
    let p = 0;
    for (; p < kb4; p += 4) {
      const ap = p * aCol;
      const x0 = alpha * a[a0 + ap],
        x1 = alpha * a[a0 + ap + aCol],
        x2 = alpha * a[a0 + ap + aCol2],
        x3 = alpha * a[a0 + ap + aCol3];
      const b0 = bOff + p * ldb;
      const b1 = b0 + ldb;
      const b2 = b1 + ldb;
      const b3 = b2 + ldb;
      for (let j = 0; j < nb; j++) {
        c[c0 + j] += x0 * bb[b0 + j] + x1 * bb[b1 + j] + x2 * bb[b2 + j] + x3 * bb[b3 + j];
      }
    }
    for (; p < kb; p++) {
      const x0 = alpha * a[a0 + p * aCol];
      const b0 = bOff + p * ldb;
      for (let j = 0; j < nb; j++) c[c0 + j] += x0 * bb[b0 + j];
    }
  }
}

/**
 * C ← alpha · op(A) · op(B) + beta · C (shapes in the module comment), where the matrices start at
 * a[aOff], b[bOff] and c[cOff]: the network passes workspace blocks without making views.
 */
export function sgemmAt(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  beta: number,
  c: Float32Array,
  cOff: number,
): void {
  scaleC(c, cOff, m * n, beta);
  if (alpha === 0) return;
  // Element (i, p) of op(A) lives at a[aOff + i*aRow + p*aCol].
  const aRow = transA ? 1 : k;
  const aCol = transA ? m : 1;
  if (transB && packed === undefined) packed = new Float32Array(KC * NC);
  const scratch = transB ? packed : undefined;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nb = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kb = Math.min(KC, k - p0);
      if (scratch) {
        // Bblk[kb, nb] = (B[j0 .. j0+nb, p0 .. p0+kb])ᵀ, packed contiguous.
        packTransposed(b, bOff, k, p0, kb, j0, nb, scratch);
        kernel(m, nb, kb, alpha, a, aOff + p0 * aCol, aRow, aCol, scratch, 0, nb, c, cOff + j0, n);
      } else {
        // Bblk[kb, nb] is B[p0 .. p0+kb, j0 .. j0+nb] in place, row stride n.
        kernel(
          m,
          nb,
          kb,
          alpha,
          a,
          aOff + p0 * aCol,
          aRow,
          aCol,
          b,
          bOff + p0 * n + j0,
          n,
          c,
          cOff + j0,
          n,
        );
      }
    }
  }
}

/** C ← alpha · op(A) · op(B) + beta · C, the {@link Backend} kernel (matrices start at index 0). */
export function sgemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  b: Float32Array,
  beta: number,
  c: Float32Array,
): void {
  sgemmAt(transA, transB, m, n, k, alpha, a, 0, b, 0, beta, c, 0);
}
