/**
 * Plain float64 reference implementations of the backend contract (`lib/backend/types.ts`):
 * naive loops, written from the lecture's formulas and sharing no code with either backend, so
 * the tests can trust them. Inputs are the float32 arrays the kernels see; outputs are
 * Float64Arrays. Networks are described by `sizes` (n0..nL) and `acts` (codes of layers 1..L).
 */
import { ActivationCode, LossCode } from '../../lib/backend/types';

// ---------------------------------------------------------------- matrices

/** C = alpha · op(A) · op(B) + beta · C, with beta = 0 ignoring C entirely (NaN or not). */
export function refSgemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  beta: number,
  c: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[p * m + i] : a[i * k + p];
        const bpj = transB ? b[j * k + p] : b[p * n + j];
        sum += aip * bpj;
      }
      out[i * n + j] = alpha * sum + (beta === 0 ? 0 : beta * c[i * n + j]);
    }
  }
  return out;
}

/** Σ_p |alpha · op(A)[i,p] · op(B)[p,j]| + |beta · C[i,j]|: the scale a float32 sgemm's error is measured against. */
export function refSgemmMagnitude(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  beta: number,
  c: ArrayLike<number>,
): Float64Array {
  const abs = (x: ArrayLike<number>) => Float64Array.from(x as ArrayLike<number>, Math.abs);
  return refSgemm(
    transA,
    transB,
    m,
    n,
    k,
    Math.abs(alpha),
    abs(a),
    abs(b),
    beta === 0 ? 0 : Math.abs(beta),
    beta === 0 ? c : abs(c),
  );
}

/** out[j] = alpha · Σ_r m[r, j] + beta · out[j] (beta = 0 ignores out). */
export function refColumnSums(
  m: ArrayLike<number>,
  rows: number,
  cols: number,
  alpha: number,
  beta: number,
  out: ArrayLike<number>,
): Float64Array {
  const res = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += m[r * cols + j];
    res[j] = alpha * sum + (beta === 0 ? 0 : beta * out[j]);
  }
  return res;
}

/** dst[i, :] = src[indices[start + i], :]. */
export function refGatherRows(
  src: ArrayLike<number>,
  cols: number,
  indices: ArrayLike<number>,
  start: number,
  count: number,
): Float64Array {
  const dst = new Float64Array(count * cols);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < cols; j++) dst[i * cols + j] = src[indices[start + i] * cols + j];
  }
  return dst;
}

// ---------------------------------------------------------------- activations

/** σ(v) for an element-wise activation. */
export function refActivate(act: ActivationCode, v: number): number {
  switch (act) {
    case ActivationCode.Identity:
      return v;
    case ActivationCode.Sigmoid:
      return 1 / (1 + Math.exp(-v));
    case ActivationCode.Tanh:
      return Math.tanh(v);
    case ActivationCode.Relu:
      return Math.max(0, v);
    case ActivationCode.Heaviside:
      return v > 0 ? 1 : 0;
    default:
      throw new Error(`not element-wise: ${act}`);
  }
}

/** σ'(v) for an element-wise activation (relu'(0) = 0). */
export function refDerivative(act: ActivationCode, v: number): number {
  switch (act) {
    case ActivationCode.Identity:
      return 1;
    case ActivationCode.Sigmoid: {
      const s = 1 / (1 + Math.exp(-v));
      return s * (1 - s);
    }
    case ActivationCode.Tanh: {
      const t = Math.tanh(v);
      return 1 - t * t;
    }
    case ActivationCode.Relu:
      return v > 0 ? 1 : 0;
    default:
      throw new Error(`no derivative: ${act}`);
  }
}

/** Row-wise softmax of z `[rows, cols]`. */
export function refSoftmax(z: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const a = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, z[r * cols + j]);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(z[r * cols + j] - max);
    for (let j = 0; j < cols; j++) a[r * cols + j] = Math.exp(z[r * cols + j] - max) / sum;
  }
  return a;
}

/** z' = z + bias (per row) and a = σ(z'), row-wise softmax for softmax. */
export function refBiasActivate(
  z: ArrayLike<number>,
  bias: ArrayLike<number>,
  rows: number,
  cols: number,
  act: ActivationCode,
): { z: Float64Array; a: Float64Array } {
  const zOut = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < cols; j++) zOut[r * cols + j] = z[r * cols + j] + bias[j];
  const a =
    act === ActivationCode.Softmax
      ? refSoftmax(zOut, rows, cols)
      : zOut.map((v) => refActivate(act, v));
  return { z: zOut, a };
}

/**
 * ∂L/∂z from ∂L/∂a (delta) through σ at z: element-wise delta·σ'(z), and for softmax the full
 * Jacobian product Σ_k delta_k ∂a_k/∂z_j = Σ_k delta_k a_k (1[j = k] − a_j).
 */
export function refActivationBackward(
  delta: ArrayLike<number>,
  z: ArrayLike<number>,
  rows: number,
  cols: number,
  act: ActivationCode,
): Float64Array {
  const out = new Float64Array(rows * cols);
  if (act === ActivationCode.Softmax) {
    const a = refSoftmax(z, rows, cols);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        let sum = 0;
        for (let k = 0; k < cols; k++) {
          const jac = a[r * cols + k] * ((j === k ? 1 : 0) - a[r * cols + j]);
          sum += delta[r * cols + k] * jac;
        }
        out[r * cols + j] = sum;
      }
    }
    return out;
  }
  for (let i = 0; i < rows * cols; i++) out[i] = delta[i] * refDerivative(act, z[i]);
  return out;
}

// ---------------------------------------------------------------- networks

/** Parameter offsets of w^l and b^l (index l − 1) and the total count. */
export function refOffsets(sizes: readonly number[]): { w: number[]; b: number[]; count: number } {
  const w: number[] = [];
  const b: number[] = [];
  let o = 0;
  for (let l = 1; l < sizes.length; l++) {
    w.push(o);
    o += sizes[l] * sizes[l - 1];
    b.push(o);
    o += sizes[l];
  }
  return { w, b, count: o };
}

/** What the reference forward pass computes: z^l and a^l per layer (index l − 1), a^0 = x. */
export interface RefForward {
  z: Float64Array[];
  a: Float64Array[];
}

/** z^l = a^(l−1) · w^lᵀ + b^l, a^l = σ(z^l), for each example row. */
export function refForward(
  sizes: readonly number[],
  acts: readonly ActivationCode[],
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  batch: number,
): RefForward {
  const off = refOffsets(sizes);
  const zs: Float64Array[] = [];
  const as: Float64Array[] = [];
  let aPrev: ArrayLike<number> = x;
  for (let l = 1; l < sizes.length; l++) {
    const nIn = sizes[l - 1];
    const nOut = sizes[l];
    const z = new Float64Array(batch * nOut);
    for (let r = 0; r < batch; r++) {
      for (let j = 0; j < nOut; j++) {
        let sum = params[off.b[l - 1] + j];
        for (let k = 0; k < nIn; k++)
          sum += params[off.w[l - 1] + j * nIn + k] * aPrev[r * nIn + k];
        z[r * nOut + j] = sum;
      }
    }
    const act = acts[l - 1];
    const a =
      act === ActivationCode.Softmax
        ? refSoftmax(z, batch, nOut)
        : z.map((v) => refActivate(act, v));
    zs.push(z);
    as.push(a);
    aPrev = a;
  }
  return { z: zs, a: as };
}

/** The mean loss over the batch, from the output layer's a (and z), by the textbook formulas. */
export function refLoss(
  loss: LossCode,
  aL: ArrayLike<number>,
  y: ArrayLike<number>,
  batch: number,
  nL: number,
): number {
  let total = 0;
  for (let i = 0; i < batch * nL; i++) {
    const a = aL[i];
    const t = y[i];
    if (loss === LossCode.Quadratic) total += 0.5 * (a - t) * (a - t);
    else if (loss === LossCode.CrossEntropy) total -= t === 0 ? 0 : t * Math.log(a);
    else total -= (t === 0 ? 0 : t * Math.log(a)) + (t === 1 ? 0 : (1 - t) * Math.log(1 - a));
  }
  return total / batch;
}

/** ∂L/∂a^L of the built-in losses: (a − y)/N for quadratic; general forms for the others. */
export function refLossGradient(
  loss: LossCode,
  aL: ArrayLike<number>,
  y: ArrayLike<number>,
  batch: number,
  nL: number,
): Float64Array {
  const g = new Float64Array(batch * nL);
  for (let i = 0; i < batch * nL; i++) {
    const a = aL[i];
    const t = y[i];
    if (loss === LossCode.Quadratic) g[i] = (a - t) / batch;
    else if (loss === LossCode.CrossEntropy) g[i] = -t / a / batch;
    else g[i] = (-t / a + (1 - t) / (1 - a)) / batch;
  }
  return g;
}

/** What the reference backward pass computes: δ^l per layer (index l − 1) and the gradient in the params layout. */
export interface RefBackward {
  delta: Float64Array[];
  grad: Float64Array;
}

/**
 * BP1..BP4 from ∂L/∂a^L (dLda): δ^L = dLda ∘ σ'(z^L) (Jacobian product for softmax),
 * δ^l = (δ^(l+1) · w^(l+1)) ∘ σ'(z^l), ∂L/∂b^l = Σ_rows δ^l, ∂L/∂w^l_jk = Σ_rows δ^l_j a^(l−1)_k.
 */
export function refBackward(
  sizes: readonly number[],
  acts: readonly ActivationCode[],
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  batch: number,
  fwd: RefForward,
  dLda: ArrayLike<number>,
): RefBackward {
  const L = sizes.length - 1;
  const off = refOffsets(sizes);
  const grad = new Float64Array(off.count);
  const deltas: Float64Array[] = new Array(L);
  let delta = refActivationBackward(dLda, fwd.z[L - 1], batch, sizes[L], acts[L - 1]);
  for (let l = L; l >= 1; l--) {
    deltas[l - 1] = delta;
    const nIn = sizes[l - 1];
    const nOut = sizes[l];
    const aPrev: ArrayLike<number> = l === 1 ? x : fwd.a[l - 2];
    for (let j = 0; j < nOut; j++) {
      let gb = 0;
      for (let r = 0; r < batch; r++) gb += delta[r * nOut + j];
      grad[off.b[l - 1] + j] = gb;
      for (let k = 0; k < nIn; k++) {
        let gw = 0;
        for (let r = 0; r < batch; r++) gw += delta[r * nOut + j] * aPrev[r * nIn + k];
        grad[off.w[l - 1] + j * nIn + k] = gw;
      }
    }
    if (l > 1) {
      const dPrev = new Float64Array(batch * nIn);
      for (let r = 0; r < batch; r++) {
        for (let k = 0; k < nIn; k++) {
          let sum = 0;
          for (let j = 0; j < nOut; j++)
            sum += delta[r * nOut + j] * params[off.w[l - 1] + j * nIn + k];
          dPrev[r * nIn + k] = sum;
        }
      }
      delta = refActivationBackward(dPrev, fwd.z[l - 2], batch, nIn, acts[l - 2]);
    }
  }
  return { delta: deltas, grad };
}

/** The optimizer step of `UpdateHyper` in float64; returns the new params and velocity. */
export function refUpdate(
  sizes: readonly number[],
  params: ArrayLike<number>,
  grad: ArrayLike<number>,
  velocity: ArrayLike<number>,
  hyper: ArrayLike<number>,
): { params: Float64Array; velocity: Float64Array } {
  const [eta, mu, nesterov, l2] = [hyper[0], hyper[1], hyper[2], hyper[3]];
  const off = refOffsets(sizes);
  const p = Float64Array.from(params as ArrayLike<number>);
  const v = mu > 0 ? Float64Array.from(velocity as ArrayLike<number>) : new Float64Array(0);
  const isWeight = new Uint8Array(off.count);
  for (let l = 1; l < sizes.length; l++) isWeight.fill(1, off.w[l - 1], off.b[l - 1]);
  for (let i = 0; i < off.count; i++) {
    const g = grad[i] + (isWeight[i] ? l2 * params[i] : 0);
    if (mu === 0) {
      p[i] = params[i] - eta * g;
    } else {
      v[i] = mu * velocity[i] - eta * g;
      p[i] = nesterov ? params[i] + mu * v[i] - eta * g : params[i] + v[i];
    }
  }
  return { params: p, velocity: v };
}

/** One reference training step: forward, loss, backward (and the gradient), before any update. */
export function refTrainBatch(
  sizes: readonly number[],
  acts: readonly ActivationCode[],
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  batch: number,
  loss: LossCode,
): { fwd: RefForward; loss: number; back: RefBackward } {
  const L = sizes.length - 1;
  const fwd = refForward(sizes, acts, params, x, batch);
  const value = refLoss(loss, fwd.a[L - 1], y, batch, sizes[L]);
  const dLda = refLossGradient(loss, fwd.a[L - 1], y, batch, sizes[L]);
  return { fwd, loss: value, back: refBackward(sizes, acts, params, x, batch, fwd, dLda) };
}

// ---------------------------------------------------------------- comparisons

/** The largest |x|. */
export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

/**
 * Assert |actual[i] − expected[i]| ≤ tol(i) for every i < expected.length, where tol is a number
 * or a function of i; the failure names the worst element. NaN anywhere fails.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number | ((i: number) => number),
  what: string,
): void {
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const t = typeof tol === 'number' ? tol : tol(i);
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= t)) {
      const excess = Number.isNaN(err) ? Infinity : err - t;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (worst >= 0) {
    const t = typeof tol === 'number' ? tol : tol(worst);
    throw new Error(
      `${what}: element ${worst} is ${actual[worst]} but expected ${expected[worst]} (tolerance ${t.toExponential(2)})`,
    );
  }
}

/** Tolerance rtol·|expected[i]| + atol, for {@link expectClose}. */
export function relTol(
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
): (i: number) => number {
  return (i) => rtol * Math.abs(expected[i]) + atol;
}
