/**
 * The built-in losses over the output layer of a batch: the mean loss value and the output delta.
 * N is the batch size; a, z, y and delta are `[N, nL]` blocks. Sums are in double.
 * - Quadratic:          L = 1/(2N) Σ (a − y)²
 * - CrossEntropy:       L = −1/N Σ_{y ≠ 0} y · logsoftmax(z), logsoftmax computed stably from z
 * - BinaryCrossEntropy: L = 1/N Σ [y · softplus(−z) + (1 − y) · softplus(z)],
 *                       softplus(t) = max(t, 0) + log1p(exp(−|t|))   (stable for any z)
 * - MeanAbsoluteError:  L = 1/(N·nL) Σ |a − y|     (torch's L1Loss: the mean over every element)
 * - Huber:              L = 1/(N·nL) Σ h(a − y), h(d) = d²/2 for |d| < 1, else |d| − 1/2
 *                       (torch's HuberLoss(delta=1), mean over every element)
 * The delta written is ∂L/∂a for Quadratic, MeanAbsoluteError and Huber (the network then applies
 * σ'): (a − y)/N, sign(a − y)/(N·nL) (0 at a = y) and clamp(a − y, −1, 1)/(N·nL); and (a − y)/N,
 * already δ^L = ∂L/∂z, for CrossEntropy + softmax and BinaryCrossEntropy + sigmoid (fused).
 */
import { LossCode } from '../types';

/** Huber's δ, torch's default. */
const HUBER_DELTA = 1;

/** sign(d), 0 at 0 as torch's (and NaN kept). */
function sign(d: number): number {
  return d > 0 ? 1 : d < 0 ? -1 : d;
}

/** h'(d) = d clamped to [−δ, δ] (d itself at |d| = δ, as torch's; NaN kept). */
function huberSlope(d: number): number {
  return d < -HUBER_DELTA ? -HUBER_DELTA : d > HUBER_DELTA ? HUBER_DELTA : d;
}

function softplus(t: number): number {
  return (t > 0 ? t : 0) + Math.log1p(Math.exp(-Math.abs(t)));
}

/** The mean loss of the batch, from the output blocks z, a (at outOff) and y (at 0). */
export function lossValue(
  loss: LossCode,
  z: Float32Array,
  a: Float32Array,
  outOff: number,
  y: Float32Array,
  batch: number,
  nL: number,
): number {
  let total = 0;
  switch (loss) {
    case LossCode.Quadratic: {
      const size = batch * nL;
      for (let i = 0; i < size; i++) {
        const d = a[outOff + i] - y[i];
        total += d * d;
      }
      return total / (2 * batch);
    }
    case LossCode.CrossEntropy: {
      for (let r = 0; r < batch; r++) {
        const zr = outOff + r * nL;
        const yr = r * nL;
        let max = -Infinity;
        for (let j = 0; j < nL; j++) if (z[zr + j] > max) max = z[zr + j];
        let sumExp = 0;
        for (let j = 0; j < nL; j++) sumExp += Math.exp(z[zr + j] - max);
        const logSumExp = Math.log(sumExp);
        for (let j = 0; j < nL; j++) {
          const yj = y[yr + j];
          // logsoftmax(z)_j = (z_j − max) − log Σ_k exp(z_k − max)
          if (yj !== 0) total -= yj * (z[zr + j] - max - logSumExp);
        }
      }
      return total / batch;
    }
    case LossCode.BinaryCrossEntropy: {
      const size = batch * nL;
      for (let i = 0; i < size; i++) {
        const zi = z[outOff + i];
        const yi = y[i];
        total += yi * softplus(-zi) + (1 - yi) * softplus(zi);
      }
      return total / batch;
    }
    case LossCode.MeanAbsoluteError: {
      const size = batch * nL;
      for (let i = 0; i < size; i++) total += Math.abs(a[outOff + i] - y[i]);
      return total / nL / batch;
    }
    case LossCode.Huber: {
      const size = batch * nL;
      for (let i = 0; i < size; i++) {
        const d = Math.abs(a[outOff + i] - y[i]);
        total += d < HUBER_DELTA ? 0.5 * d * d : HUBER_DELTA * (d - 0.5 * HUBER_DELTA);
      }
      return total / nL / batch;
    }
  }
  return NaN;
}

/**
 * The loss's delta over the `[N, nL]` output block: delta[outOff + i] = (a[outOff + i] − y[i]) / N,
 * or for MeanAbsoluteError and Huber h'(a − y) / (N·nL).
 */
export function outputDelta(
  loss: LossCode,
  a: Float32Array,
  outOff: number,
  y: Float32Array,
  batch: number,
  nL: number,
  delta: Float32Array,
): void {
  const size = batch * nL;
  if (loss === LossCode.MeanAbsoluteError || loss === LossCode.Huber) {
    const slope = loss === LossCode.MeanAbsoluteError ? sign : huberSlope;
    const elements = batch * nL;
    for (let i = 0; i < size; i++) delta[outOff + i] = slope(a[outOff + i] - y[i]) / elements;
    return;
  }
  for (let i = 0; i < size; i++) delta[outOff + i] = (a[outOff + i] - y[i]) / batch;
}
