/**
 * One optimizer step over the whole parameter buffer (see `UpdateHyper` in `types.ts`).
 * With g the mean gradient and, for weights only (never biases), g' = g + l2·w:
 * - μ = 0:               p ← p − η g'                          (velocity untouched)
 * - μ > 0, nesterov = 0: v ← μ v − η g';  p ← p + v            (classical momentum)
 * - μ > 0, nesterov = 1: v ← μ v − η g';  p ← p + μ v − η g'   (Nesterov, Sutskever's form)
 * Adam, AdamW and RMSprop (step t = hyper[9] + 1) are in `optimizers.ts`.
 * Arguments are assumed valid (`CheckedBackend` checked them).
 */
import type { Layout } from '../spec';
import type { UpdateHyper } from '../types';
import { adaptiveStep, isAdaptive, stepCoef } from './optimizers';

/** The step over p[start .. end) with weight decay l2 (0 for biases). */
function step(
  params: Float32Array,
  grad: Float32Array,
  velocity: Float32Array,
  start: number,
  end: number,
  eta: number,
  mu: number,
  nesterov: boolean,
  l2: number,
): void {
  if (mu === 0) {
    for (let i = start; i < end; i++) params[i] -= eta * (grad[i] + l2 * params[i]);
  } else if (!nesterov) {
    for (let i = start; i < end; i++) {
      const v = mu * velocity[i] - eta * (grad[i] + l2 * params[i]);
      velocity[i] = v;
      params[i] += v;
    }
  } else {
    for (let i = start; i < end; i++) {
      const g = grad[i] + l2 * params[i];
      const v = mu * velocity[i] - eta * g;
      velocity[i] = v;
      params[i] += mu * v - eta * g;
    }
  }
}

/** params ← one optimizer step from grad (`velocity`: the optimizer's state); see the module comment. */
export function updateParams(
  layout: Layout,
  params: Float32Array,
  grad: Float32Array,
  velocity: Float32Array,
  hyper: UpdateHyper,
): void {
  const eta = hyper[0];
  const mu = hyper[1];
  const nesterov = hyper[2] === 1;
  const l2 = hyper[3];
  if (isAdaptive(hyper)) {
    const c = stepCoef(hyper);
    const l2f = Math.fround(l2);
    for (let l = 1; l <= layout.L; l++) {
      const w = layout.wOffset[l - 1];
      const b = layout.bOffset[l - 1];
      adaptiveStep(c, params, grad, velocity, layout.paramCount, w, b - w, l2f);
      adaptiveStep(c, params, grad, velocity, layout.paramCount, b, layout.sizes[l], 0);
    }
    return;
  }
  for (let l = 1; l <= layout.L; l++) {
    const w = layout.wOffset[l - 1];
    const b = layout.bOffset[l - 1];
    const nOut = layout.sizes[l];
    // w^l: [nOut, nIn] from w to b, decayed; b^l: [nOut] from b, not decayed.
    step(params, grad, velocity, w, b, eta, mu, nesterov, l2);
    step(params, grad, velocity, b, b + nOut, eta, mu, nesterov, 0);
  }
}
