/**
 * `Backend.trainBatches` in TypeScript: many training steps per call, each batch gathered
 * straight from the dataset (bytes converted on the way) and the optimizer step fused into the
 * backward pass, as the native core does (native/core/train_phases.cc):
 *   for l = L..1:  δ^(l−1) = (δ^l · w^l) ∘ σ'(z^(l−1))    with w^l before the step (l > 1)
 *                  target ← −η · δ^lᵀ · a^(l−1) + beta · target   (one sgemm, no gradient buffer)
 *                  target_b ← −η · Σ_rows δ^l + beta · target_b
 * where target is w (plain SGD, beta = 1 − η·l2) or the velocity (momentum, beta = μ; with
 * Nesterov or l2 a pass before it, and w += v, or w += (1 + μ)·v for Nesterov, after it).
 * Adam, AdamW and RMSprop need the gradient itself: g ← δ^lᵀ · a^(l−1) into a gradient buffer
 * (beta 0), then their elementwise step (optimizers.ts), as the native core does.
 * Arguments are assumed valid (`CheckedBackend` checked them).
 */
import { rangeError } from '../../errors';
import { blockOffset, type Layout } from '../spec';
import type { BatchData, BatchRun, BatchWorkspace } from '../batches-contract';
import { ActivationCode, type Dropout, LossCode, type UpdateHyper } from '../types';
import { activationBackwardAt } from './activations';
import { layoutOf } from './layout';
import { lossValue, outputDelta } from './loss';
import { forwardPass, hiddenBackwardAt } from './network';
import { adaptiveStep, isAdaptive, type StepCoef, stepCoef } from './optimizers';
import { columnSumsAt } from './reduce';
import { sgemmAt } from './sgemm';

/** Rows of x (floats, or bytes as fround(fround(byte · scale) + offset)) into dst `[count, cols]`. */
function gatherInputs(
  x: Float32Array | Uint8Array,
  cols: number,
  order: Uint32Array,
  first: number,
  count: number,
  scale: number,
  offset: number,
  dst: Float32Array,
): void {
  if (x instanceof Float32Array) {
    for (let i = 0; i < count; i++) {
      const from = order[first + i] * cols;
      dst.set(x.subarray(from, from + cols), i * cols);
    }
    return;
  }
  for (let i = 0; i < count; i++) {
    const from = order[first + i] * cols;
    const to = i * cols;
    for (let j = 0; j < cols; j++) dst[to + j] = Math.fround(x[from + j] * scale) + offset;
  }
}

/** The first largest output of each row (or output > 0.5 for one column) against labels[order[..]]. */
function countCorrect(
  a: Float32Array,
  off: number,
  rows: number,
  cols: number,
  labels: Uint8Array,
  order: Uint32Array,
  first: number,
): number {
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const o = off + r * cols;
    let best = 0;
    if (cols === 1) {
      best = a[o] > 0.5 ? 1 : 0;
    } else {
      let bestValue = a[o];
      for (let j = 1; j < cols; j++) {
        if (a[o + j] > bestValue) {
          bestValue = a[o + j];
          best = j;
        }
      }
    }
    if (best === labels[order[first + r]]) correct++;
  }
  return correct;
}

/** Where the fused product accumulates −η·g for params[from, from + count), and the passes around it. */
function stepBlock(
  params: Float32Array,
  velocity: Float32Array,
  from: number,
  count: number,
  h: UpdateHyper,
  l2: number,
  product: (target: Float32Array, beta: number) => void,
): void {
  const eta = h[0];
  const mu = h[1];
  const nesterov = h[2] === 1;
  if (mu === 0) {
    product(params, Math.fround(1 - eta * l2));
    return;
  }
  const decay = Math.fround(eta * l2);
  const muF = Math.fround(mu);
  const pass = nesterov || l2 !== 0;
  if (pass) {
    for (let i = from; i < from + count; i++) {
      const w = params[i];
      if (nesterov) params[i] = w - muF * velocity[i];
      velocity[i] = muF * velocity[i] - decay * w;
    }
  }
  product(velocity, pass ? 1 : muF);
  const f = nesterov ? Math.fround(1 + mu) : 1;
  for (let i = from; i < from + count; i++) params[i] += f * velocity[i];
}

/** BP2..BP4 with the step fused in, for `rows` examples whose δ^L is already in place. */
function backwardAndStep(
  layout: Layout,
  params: Float32Array,
  velocity: Float32Array,
  x: Float32Array,
  rows: number,
  z: Float32Array,
  a: Float32Array,
  delta: Float32Array,
  h: UpdateHyper,
  grad: Float32Array | null,
  coef: StepCoef | null,
  dropout: Dropout | null,
  step: number,
): void {
  const negEta = -h[0];
  const l2 = h[3];
  for (let l = layout.L; l >= 1; l--) {
    const nIn = layout.sizes[l - 1];
    const nOut = layout.sizes[l];
    const out = blockOffset(layout, l, rows);
    const aPrev = l === 1 ? x : a;
    const prevOff = l === 1 ? 0 : blockOffset(layout, l - 1, rows);
    const w = layout.wOffset[l - 1];
    const b = layout.bOffset[l - 1];
    if (l > 1) {
      // deltaPrev[N, nIn] = delta[N, nOut] · w[nOut, nIn], with w before the step; ∘= σ'(zPrev)
      // (∘ mask / (1 − p) with dropout)
      sgemmAt(false, false, rows, nIn, nOut, 1, delta, out, params, w, 0, delta, prevOff);
      hiddenBackwardAt(layout, l - 1, delta, z, a, prevOff, rows, dropout, step);
    }
    if (grad !== null && coef !== null) {
      // g[nOut, nIn] = delta[N, nOut]ᵀ · aPrev[N, nIn] (Trans, NoTrans); g_b = Σ_rows delta; then
      // the optimizer's elementwise step (l2 on weights only).
      const P = layout.paramCount;
      sgemmAt(true, false, nOut, nIn, rows, 1, delta, out, aPrev, prevOff, 0, grad, w);
      adaptiveStep(coef, params, grad, velocity, P, w, nOut * nIn, Math.fround(l2));
      columnSumsAt(delta, out, rows, nOut, 1, 0, grad, b);
      adaptiveStep(coef, params, grad, velocity, P, b, nOut, 0);
      continue;
    }
    // target[nOut, nIn] = −η · delta[N, nOut]ᵀ · aPrev[N, nIn] + beta · target  (Trans, NoTrans)
    stepBlock(params, velocity, w, nOut * nIn, h, l2, (target, beta) =>
      sgemmAt(true, false, nOut, nIn, rows, negEta, delta, out, aPrev, prevOff, beta, target, w),
    );
    // target_b[nOut] = −η · Σ_rows delta + beta · target_b  (no decay on biases)
    stepBlock(params, velocity, b, nOut, h, 0, (target, beta) =>
      columnSumsAt(delta, out, rows, nOut, negEta, beta, target, b),
    );
  }
}

/** `Backend.trainBatches` (see `types.ts`). */
export function trainBatches(
  spec: Int32Array,
  params: Float32Array,
  velocity: Float32Array,
  data: BatchData,
  run: BatchRun,
  workspace: BatchWorkspace,
  out: Float64Array,
): number {
  const { x, y } = data;
  const labels = data.labels ?? null;
  const { order, start, batchSize, batches, loss, hyper, dropout } = run;
  const { z, a, delta, xBatch, yBatch } = workspace;
  const layout = layoutOf(spec);
  const d = dropout ?? null;
  const L = layout.L;
  const n0 = layout.sizes[0];
  const nL = layout.sizes[L];
  const scale = Math.fround(data.xScale ?? 1);
  const offset = Math.fround(data.xOffset ?? 0);
  const fused =
    (loss === LossCode.CrossEntropy && layout.acts[L - 1] === ActivationCode.Softmax) ||
    (loss === LossCode.BinaryCrossEntropy && layout.acts[L - 1] === ActivationCode.Sigmoid);
  // Read once, as the native core does: order may live in a SharedArrayBuffer that another thread
  // rewrites during the call, so this call's indices are copied into private memory and checked
  // there, and only the copy is used after (the gathers and the correct counts see the same rows).
  const indices = order.slice(start, Math.min(start + batches * batchSize, order.length));
  const rowsOfX = x.length / n0;
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] >= rowsOfX)
      throw rangeError(`order[${start + i}]`, `a row index below ${rowsOfX}`, indices[i]);
  }
  const grad = isAdaptive(hyper) ? new Float32Array(layout.paramCount) : null;
  for (let bi = 0; bi < batches; bi++) {
    const first = bi * batchSize;
    const rows = Math.min(batchSize, indices.length - first);
    gatherInputs(x, n0, indices, first, rows, scale, offset, xBatch);
    for (let i = 0; i < rows; i++) {
      const from = indices[first + i] * nL;
      for (let j = 0; j < nL; j++) yBatch[i * nL + j] = y[from + j];
    }
    const step = d ? d[1] + bi : 0;
    forwardPass(layout, params, xBatch, rows, z, a, d, step);
    const outOff = blockOffset(layout, L, rows);
    const value = lossValue(loss, z, a, outOff, yBatch, rows, nL);
    out[2 * bi] = value;
    out[2 * bi + 1] =
      labels !== null ? countCorrect(a, outOff, rows, nL, labels, indices, first) : 0;
    outputDelta(loss, a, outOff, yBatch, rows, nL, delta);
    if (!fused)
      activationBackwardAt(delta, outOff, z, outOff, a, outOff, rows, nL, layout.acts[L - 1]);
    const coef = grad !== null ? stepCoef(hyper, bi) : null;
    backwardAndStep(
      layout,
      params,
      velocity,
      xBatch,
      rows,
      z,
      a,
      delta,
      hyper,
      grad,
      coef,
      d,
      step,
    );
    if (!Number.isFinite(value)) return bi + 1;
  }
  return batches;
}
