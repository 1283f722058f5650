/**
 * Activations over `[rows, cols]` blocks of the workspaces: the fused bias add and activation of
 * the forward pass, the row-wise softmax, and backprop through an activation (the σ'(z) factor of
 * BP1 and BP2). Each block starts at an offset into its buffer, so the network passes workspace
 * blocks without making views. Arguments are assumed valid (`CheckedBackend` checked them).
 * Arithmetic is in double (JS numbers), rounded to float32 when stored.
 */
import { rangeError } from '../../errors';
import { ActivationCode } from '../types';

/** LeakyReLU's slope as float32, as torch and the native core multiply by it (one rounding). */
const LEAKY_SLOPE = Math.fround(0.01);
/** ELU's α (torch's default). */
const ELU_ALPHA = 1;

/**
 * Row-wise softmax of z `[rows, cols]` (from z[zOff]) into a (from a[aOff]):
 * a[r, j] = exp(z[r, j] − max_k z[r, k]) / Σ_k exp(z[r, k] − max_k z[r, k]).
 * Subtracting the row max keeps exp from overflowing.
 */
export function softmaxAt(
  z: Float32Array,
  zOff: number,
  a: Float32Array,
  aOff: number,
  rows: number,
  cols: number,
): void {
  for (let r = 0; r < rows; r++) {
    const zr = zOff + r * cols;
    const ar = aOff + r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (z[zr + j] > max) max = z[zr + j];
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(z[zr + j] - max);
      a[ar + j] = e;
      sum += e;
    }
    for (let j = 0; j < cols; j++) a[ar + j] /= sum;
  }
}

/**
 * Forward through one layer's activation, after its sgemm:
 * z[r, j] += bias[j]; a[r, j] = σ(z[r, j]) (softmax: row-wise over j), for a `[rows, cols]` block
 * at z[zOff] and a[aOff], bias at bias[biasOff]. σ sees z as stored (rounded to float32), the
 * same value backprop later reads.
 */
export function biasActivateAt(
  z: Float32Array,
  zOff: number,
  a: Float32Array,
  aOff: number,
  bias: Float32Array,
  biasOff: number,
  rows: number,
  cols: number,
  act: ActivationCode,
): void {
  for (let r = 0; r < rows; r++) {
    const zr = zOff + r * cols;
    const ar = aOff + r * cols;
    switch (act) {
      case ActivationCode.Identity:
        for (let j = 0; j < cols; j++) {
          const v = Math.fround(z[zr + j] + bias[biasOff + j]);
          z[zr + j] = v;
          a[ar + j] = v;
        }
        break;
      case ActivationCode.Sigmoid:
        // 1 / (1 + e^−v) is safe in double for any v: e^−v overflows to Infinity, giving 0.
        for (let j = 0; j < cols; j++) {
          const v = Math.fround(z[zr + j] + bias[biasOff + j]);
          z[zr + j] = v;
          a[ar + j] = 1 / (1 + Math.exp(-v));
        }
        break;
      case ActivationCode.Tanh:
        for (let j = 0; j < cols; j++) {
          const v = Math.fround(z[zr + j] + bias[biasOff + j]);
          z[zr + j] = v;
          a[ar + j] = Math.tanh(v);
        }
        break;
      case ActivationCode.Relu:
        for (let j = 0; j < cols; j++) {
          const v = Math.fround(z[zr + j] + bias[biasOff + j]);
          z[zr + j] = v;
          a[ar + j] = v > 0 ? v : 0;
        }
        break;
      case ActivationCode.Heaviside:
        for (let j = 0; j < cols; j++) {
          const v = Math.fround(z[zr + j] + bias[biasOff + j]);
          z[zr + j] = v;
          a[ar + j] = v > 0 ? 1 : 0;
        }
        break;
      case ActivationCode.LeakyRelu:
        for (let j = 0; j < cols; j++) {
          const v = Math.fround(z[zr + j] + bias[biasOff + j]);
          z[zr + j] = v;
          a[ar + j] = v > 0 ? v : v * LEAKY_SLOPE;
        }
        break;
      case ActivationCode.Elu:
        // expm1: no cancellation in e^v − 1 for v near 0.
        for (let j = 0; j < cols; j++) {
          const v = Math.fround(z[zr + j] + bias[biasOff + j]);
          z[zr + j] = v;
          a[ar + j] = v > 0 ? v : ELU_ALPHA * Math.expm1(v);
        }
        break;
      case ActivationCode.Softmax:
        for (let j = 0; j < cols; j++) z[zr + j] += bias[biasOff + j];
        softmaxAt(z, zr, a, ar, 1, cols);
        break;
    }
  }
}

/**
 * Backprop through an activation, in place over a `[rows, cols]` block of delta (at dOff), with
 * the layer's z and a = σ(z) blocks (at zOff, aOff): on entry delta holds ∂L/∂a, on exit ∂L/∂z.
 * - identity: σ' = 1 (delta unchanged); sigmoid: σ' = a(1 − a); tanh: σ' = 1 − a²;
 * - relu: σ'(z) = 1 if z > 0 else 0 (0 at z = 0, as PyTorch);
 * - leakyRelu: σ'(z) = 1 if z > 0 else 0.01 (0.01 at z = 0, as PyTorch);
 * - elu: σ'(z) = 1 if z > 0 else α e^z (α at z = 0, as PyTorch), from z rather than a + α;
 * - softmax: the Jacobian-vector product delta_j ← a_j (delta_j − Σ_k delta_k a_k), row by row.
 * Heaviside has no derivative; `CheckedBackend` rejects it before this runs.
 */
export function activationBackwardAt(
  delta: Float32Array,
  dOff: number,
  z: Float32Array,
  zOff: number,
  a: Float32Array,
  aOff: number,
  rows: number,
  cols: number,
  act: ActivationCode,
): void {
  const size = rows * cols;
  switch (act) {
    case ActivationCode.Identity:
      return;
    case ActivationCode.Sigmoid:
      for (let i = 0; i < size; i++) {
        const s = a[aOff + i];
        delta[dOff + i] *= s * (1 - s);
      }
      return;
    case ActivationCode.Tanh:
      for (let i = 0; i < size; i++) {
        const t = a[aOff + i];
        delta[dOff + i] *= 1 - t * t;
      }
      return;
    case ActivationCode.Relu:
      for (let i = 0; i < size; i++) if (!(z[zOff + i] > 0)) delta[dOff + i] = 0;
      return;
    case ActivationCode.LeakyRelu:
      for (let i = 0; i < size; i++) if (!(z[zOff + i] > 0)) delta[dOff + i] *= LEAKY_SLOPE;
      return;
    case ActivationCode.Elu:
      for (let i = 0; i < size; i++) {
        const v = z[zOff + i];
        if (!(v > 0)) delta[dOff + i] *= ELU_ALPHA * Math.exp(v);
      }
      return;
    case ActivationCode.Softmax:
      for (let r = 0; r < rows; r++) {
        const dr = dOff + r * cols;
        const ar = aOff + r * cols;
        let dot = 0;
        for (let j = 0; j < cols; j++) dot += delta[dr + j] * a[ar + j];
        for (let j = 0; j < cols; j++) delta[dr + j] = a[ar + j] * (delta[dr + j] - dot);
      }
      return;
    case ActivationCode.Heaviside:
      throw rangeError('act', 'a differentiable activation', 'heaviside');
  }
}
