/**
 * The whole-network passes of the contract, composed from the kernels (lecture D.2):
 * forward, backward (BP1..BP4), and trainBatch (forward, loss, output delta, backward, update).
 *
 * Shapes, for layer l = 1..L with nIn = n(l−1), nOut = nl and N = batch:
 *   x = a^0: [N, n0]      w^l: [nOut, nIn]      b^l: [nOut]
 *   z^l, a^l, delta^l: [N, nOut] blocks of the workspaces, at blockOffset(layout, l, N)
 *   gradW^l: [nOut, nIn], gradB^l: [nOut] in grad, at the same offsets as w^l, b^l in params.
 * Arguments are assumed valid (`CheckedBackend` checked them).
 */
import { blockOffset, type Layout } from '../spec';
import { ActivationCode, type Dropout, LossCode, type UpdateHyper } from '../types';
import { activationBackwardAt, biasActivateAt } from './activations';
import { applyDropoutAt, dropoutBackwardAt, dropoutRate } from './dropout';
import { layoutOf } from './layout';
import { lossValue, outputDelta } from './loss';
import { columnSumsAt } from './reduce';
import { sgemmAt } from './sgemm';
import { updateParams } from './update';

/**
 * Forward pass: z^l = a^(l−1) · w^lᵀ + b^l, a^l = σ_l(z^l) for l = 1..L; with dropout, then
 * a^l ← a^l ∘ m^l / (1 − p_l) on the hidden layers, the mask at `step`.
 */
export function forwardPass(
  layout: Layout,
  params: Float32Array,
  x: Float32Array,
  batch: number,
  z: Float32Array,
  a: Float32Array,
  dropout: Dropout | null = null,
  step = 0,
): void {
  for (let l = 1; l <= layout.L; l++) {
    const nIn = layout.sizes[l - 1];
    const nOut = layout.sizes[l];
    const out = blockOffset(layout, l, batch);
    const aPrev = l === 1 ? x : a;
    const aPrevOff = l === 1 ? 0 : blockOffset(layout, l - 1, batch);
    // z[N, nOut] = aPrev[N, nIn] · w[nOut, nIn]ᵀ  (NoTrans, Trans)
    sgemmAt(
      false,
      true,
      batch,
      nOut,
      nIn,
      1,
      aPrev,
      aPrevOff,
      params,
      layout.wOffset[l - 1],
      0,
      z,
      out,
    );
    // z += b (per row); a = σ(z)
    biasActivateAt(z, out, a, out, params, layout.bOffset[l - 1], batch, nOut, layout.acts[l - 1]);
    if (dropout && dropoutRate(layout, dropout, l) > 0)
      applyDropoutAt(dropout, step, l, a, out, batch, nOut);
  }
}

/**
 * BP2's σ' on hidden layer l's block of delta: delta ∘= σ'(z^l), and with dropout ∘ m^l / (1 − p_l)
 * (σ' then from σ(z^l) computed again, the stored a^l being masked).
 */
export function hiddenBackwardAt(
  layout: Layout,
  l: number,
  delta: Float32Array,
  z: Float32Array,
  a: Float32Array,
  off: number,
  batch: number,
  dropout: Dropout | null,
  step: number,
): void {
  const n = layout.sizes[l];
  const act = layout.acts[l - 1];
  if (dropout && dropoutRate(layout, dropout, l) > 0)
    dropoutBackwardAt(dropout, step, l, delta, z, off, batch, n, act);
  else activationBackwardAt(delta, off, z, off, a, off, batch, n, act);
}

/**
 * Backward pass from δ^L (already in the output block of delta) down to layer 1:
 *   gradW^l = δ^lᵀ · a^(l−1)   (BP4),   gradB^l = Σ_rows δ^l   (BP3),
 *   δ^(l−1) = (δ^l · w^l) ∘ σ'(z^(l−1))   (BP2), for l > 1 only: the input's gradient is not computed.
 */
function backPropagate(
  layout: Layout,
  params: Float32Array,
  grad: Float32Array,
  x: Float32Array,
  batch: number,
  z: Float32Array,
  a: Float32Array,
  delta: Float32Array,
  dropout: Dropout | null,
): void {
  for (let l = layout.L; l >= 1; l--) {
    const nIn = layout.sizes[l - 1];
    const nOut = layout.sizes[l];
    const out = blockOffset(layout, l, batch);
    const aPrev = l === 1 ? x : a;
    const prevOff = l === 1 ? 0 : blockOffset(layout, l - 1, batch);
    // gradW[nOut, nIn] = delta[N, nOut]ᵀ · aPrev[N, nIn]  (Trans, NoTrans)
    sgemmAt(
      true,
      false,
      nOut,
      nIn,
      batch,
      1,
      delta,
      out,
      aPrev,
      prevOff,
      0,
      grad,
      layout.wOffset[l - 1],
    );
    // gradB[nOut] = Σ_rows delta[N, nOut]
    columnSumsAt(delta, out, batch, nOut, 1, 0, grad, layout.bOffset[l - 1]);
    if (l > 1) {
      // deltaPrev[N, nIn] = delta[N, nOut] · w[nOut, nIn]  (NoTrans, NoTrans)
      sgemmAt(
        false,
        false,
        batch,
        nIn,
        nOut,
        1,
        delta,
        out,
        params,
        layout.wOffset[l - 1],
        0,
        delta,
        prevOff,
      );
      // deltaPrev ∘= σ'(zPrev) (∘ mask / (1 − p) with dropout)
      hiddenBackwardAt(
        layout,
        l - 1,
        delta,
        z,
        a,
        prevOff,
        batch,
        dropout,
        dropout ? dropout[1] : 0,
      );
    }
  }
}

/** `Backend.forward`: the forward pass into the z and a workspaces. */
export function forward(
  spec: Int32Array,
  params: Float32Array,
  x: Float32Array,
  batch: number,
  z: Float32Array,
  a: Float32Array,
  dropout?: Dropout | null,
): void {
  const d = dropout ?? null;
  forwardPass(layoutOf(spec), params, x, batch, z, a, d, d ? d[1] : 0);
}

/**
 * `Backend.backward`: on entry the output block of delta holds ∂L/∂a^L; BP1 turns it into
 * δ^L = ∂L/∂a^L ∘ σ'(z^L) (the Jacobian-vector product for softmax), then BP2..BP4.
 */
export function backward(
  spec: Int32Array,
  params: Float32Array,
  grad: Float32Array,
  x: Float32Array,
  batch: number,
  z: Float32Array,
  a: Float32Array,
  delta: Float32Array,
  velocity?: Float32Array,
  hyper?: UpdateHyper | null,
  dropout?: Dropout | null,
): void {
  const layout = layoutOf(spec);
  const out = blockOffset(layout, layout.L, batch);
  activationBackwardAt(
    delta,
    out,
    z,
    out,
    a,
    out,
    batch,
    layout.sizes[layout.L],
    layout.acts[layout.L - 1],
  );
  backPropagate(layout, params, grad, x, batch, z, a, delta, dropout ?? null);
  if (!hyper) return;
  if (velocity === undefined)
    throw new Error('blasnet: internal error, an update without velocity');
  updateParams(layout, params, grad, velocity, hyper);
}

/** `Backend.update`: one optimizer step over the parameter buffer. */
export function update(
  spec: Int32Array,
  params: Float32Array,
  grad: Float32Array,
  velocity: Float32Array,
  hyper: UpdateHyper,
): void {
  updateParams(layoutOf(spec), params, grad, velocity, hyper);
}

/**
 * `Backend.trainBatch`: forward, the mean loss, the output delta (see `outputDelta`), backward and,
 * when hyper is given, one update. For CrossEntropy + softmax and BinaryCrossEntropy + sigmoid,
 * the delta (a − y)/N is already δ^L (fused); for the other losses it is ∂L/∂a and goes through
 * σ'(z^L).
 * Returns the loss computed before the update.
 */
export function trainBatch(
  spec: Int32Array,
  params: Float32Array,
  grad: Float32Array,
  velocity: Float32Array,
  x: Float32Array,
  y: Float32Array,
  batch: number,
  loss: LossCode,
  z: Float32Array,
  a: Float32Array,
  delta: Float32Array,
  hyper: UpdateHyper | null,
  dropout?: Dropout | null,
): number {
  const layout = layoutOf(spec);
  const L = layout.L;
  const nL = layout.sizes[L];
  const out = blockOffset(layout, L, batch);
  const d = dropout ?? null;
  forwardPass(layout, params, x, batch, z, a, d, d ? d[1] : 0);
  const value = lossValue(loss, z, a, out, y, batch, nL);
  outputDelta(loss, a, out, y, batch, nL, delta);
  const fused =
    (loss === LossCode.CrossEntropy && layout.acts[L - 1] === ActivationCode.Softmax) ||
    (loss === LossCode.BinaryCrossEntropy && layout.acts[L - 1] === ActivationCode.Sigmoid);
  if (!fused) activationBackwardAt(delta, out, z, out, a, out, batch, nL, layout.acts[L - 1]);
  backPropagate(layout, params, grad, x, batch, z, a, delta, d);
  if (hyper !== null) updateParams(layout, params, grad, velocity, hyper);
  return value;
}
