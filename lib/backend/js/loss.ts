/**
 * The built-in losses over the output layer of a batch: the mean loss value and the output delta.
 * N is the batch size; a, z, y and delta are `[N, nL]` blocks. Sums are in double.
 * - Quadratic:          L = 1/(2N) Σ (a − y)²
 * - CrossEntropy:       L = −1/N Σ_{y ≠ 0} y · logsoftmax(z), logsoftmax computed stably from z
 * - BinaryCrossEntropy: L = 1/N Σ [y · softplus(−z) + (1 − y) · softplus(z)],
 *                       softplus(t) = max(t, 0) + log1p(exp(−|t|))   (stable for any z)
 * The delta written is (a − y)/N for all three: ∂L/∂a for Quadratic (the network then applies
 * σ'), and already δ^L = ∂L/∂z for CrossEntropy + softmax and BinaryCrossEntropy + sigmoid (fused).
 */
import { LossCode } from '../types';

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
  }
  return NaN;
}

/** delta[outOff + i] = (a[outOff + i] − y[i]) / N over the `[N, nL]` output block. */
export function outputDelta(
  a: Float32Array,
  outOff: number,
  y: Float32Array,
  batch: number,
  nL: number,
  delta: Float32Array,
): void {
  const size = batch * nL;
  for (let i = 0; i < size; i++) delta[outOff + i] = (a[outOff + i] - y[i]) / batch;
}
