/**
 * The adaptive optimizers of the TypeScript backend, one short function each, as
 * native/core/optimizer.cc computes them: the scalars of step t in float64 rounded to float32 once
 * (PyTorch's single-tensor CPU code), then every element through the same float32 operations in
 * the same order (each rounded with Math.fround: +, −, ×, ÷ and sqrt of float32 values rounded
 * through float64 give the float32 result), so both backends take the same step from the same
 * gradient. SGD, momentum and Nesterov are in `update.ts`; the rules are in docs/optimizers.md.
 */
import type { UpdateHyper } from '../types';

const f = Math.fround;

/** The float32 scalars of step t (see bn_step_coef in blasnet_core.h). */
export interface StepCoef {
  rmsprop: boolean;
  /** AdamW: 1 − η·weightDecay (1 otherwise). */
  decay: number;
  keep1: number;
  take1: number;
  /** β2 (RMSprop: α) and 1 − β2. */
  keep2: number;
  take2: number;
  /** sqrt(1 − β2^t) (1 for RMSprop). */
  bias2Sqrt: number;
  eps: number;
  /** −η / (1 − β1^t) (RMSprop: −η). */
  negStep: number;
}

/** Whether `hyper` selects Adam, AdamW or RMSprop (which need the gradient itself). */
export function isAdaptive(hyper: UpdateHyper): boolean {
  return hyper.length > 4 && hyper[4] !== 0;
}

/** Blocks of paramCount floats in the state buffer (see `UpdateHyper`). */
export function stateSlotsOf(hyper: UpdateHyper): number {
  if (hyper.length > 4 && (hyper[4] === 1 || hyper[4] === 2)) return 2;
  if (hyper.length > 4 && hyper[4] === 3) return 1;
  return hyper[1] > 0 ? 1 : 0;
}

/** The scalars of step t = steps + 1 + `offset` (offset: the batch within a trainBatches call). */
export function stepCoef(h: UpdateHyper, offset = 0): StepCoef {
  const eta = h[0];
  const t = h[9] + 1 + offset;
  const decay = h[4] === 2 ? f(1 - eta * h[8]) : 1;
  if (h[4] === 3) {
    const alpha = h[5];
    return {
      rmsprop: true,
      decay,
      keep1: 0,
      take1: 0,
      keep2: f(alpha),
      take2: f(1 - alpha),
      bias2Sqrt: 1,
      eps: f(h[7]),
      negStep: f(-eta),
    };
  }
  return {
    rmsprop: false,
    decay,
    keep1: f(h[5]),
    take1: f(1 - h[5]),
    keep2: f(h[6]),
    take2: f(1 - h[6]),
    bias2Sqrt: f(Math.sqrt(1 - h[6] ** t)),
    eps: f(h[7]),
    negStep: f(-(eta / (1 - h[5] ** t))),
  };
}

/**
 * Adam over p[from, from + n) (AdamW: p ← p·(1 − η·λ) first), m and v at `s1` = paramCount past
 * them: g ← g + l2·p; m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²;
 * p ← p − η/(1 − β1^t) · m / (sqrt(v) / sqrt(1 − β2^t) + eps).
 */
function adam(
  c: StepCoef,
  p: Float32Array,
  g: Float32Array,
  state: Float32Array,
  s1: number,
  from: number,
  n: number,
  l2: number,
): void {
  for (let i = from; i < from + n; i++) {
    const gi = f(g[i] + f(l2 * p[i]));
    const pi = f(p[i] * c.decay);
    const mi = f(f(c.keep1 * state[i]) + f(c.take1 * gi));
    const vi = f(f(c.keep2 * state[s1 + i]) + f(f(c.take2 * gi) * gi));
    state[i] = mi;
    state[s1 + i] = vi;
    const denom = f(f(f(Math.sqrt(vi)) / c.bias2Sqrt) + c.eps);
    p[i] = f(pi + f(c.negStep * f(mi / denom)));
  }
}

/** RMSprop over p[from, from + n): g ← g + l2·p; v ← α v + (1 − α) g²; p ← p − η · g / (sqrt(v) + eps). */
function rmsprop(
  c: StepCoef,
  p: Float32Array,
  g: Float32Array,
  v: Float32Array,
  from: number,
  n: number,
  l2: number,
): void {
  for (let i = from; i < from + n; i++) {
    const gi = f(g[i] + f(l2 * p[i]));
    const vi = f(f(c.keep2 * v[i]) + f(f(c.take2 * gi) * gi));
    v[i] = vi;
    p[i] = f(p[i] + f(c.negStep * f(gi / f(f(Math.sqrt(vi)) + c.eps))));
  }
}

/**
 * One adaptive step over p[from, from + n) with gradient g (same indices) and the state buffer
 * (slot 1, Adam's v, `paramCount` floats after slot 0); `l2` is 0 for biases.
 */
export function adaptiveStep(
  c: StepCoef,
  p: Float32Array,
  g: Float32Array,
  state: Float32Array,
  paramCount: number,
  from: number,
  n: number,
  l2: number,
): void {
  if (c.rmsprop) rmsprop(c, p, g, state, from, n, l2);
  else adam(c, p, g, state, paramCount, from, n, l2);
}
