/**
 * Losses. A loss gives its value and ∂L/∂a^L for a batch (both averaged over the N examples, as
 * in the lecture); the built-in ones also carry a kernel code so the native core can fuse them
 * into one training step. A user-supplied {@link Loss} object works on every backend: the
 * network runs forward natively, asks the loss for ∂L/∂a^L in TypeScript, then runs backward.
 */
import { rangeError, typeError } from './errors';
import type { ActivationName } from './activations';
import { LossCode } from './backend/types';
import { isObject } from './validate';

/**
 * A loss over a batch. `a` and `y` are `[batch, nOut]`; `z` is the output layer's weighted input.
 *
 * @example
 * ```ts
 * // mean absolute error, as a user-defined loss
 * const mae: Loss = {
 *   name: 'mae',
 *   value: (a, y, batch, nOut) => { let s = 0; for (let i = 0; i < batch * nOut; i++) s += Math.abs(a[i] - y[i]); return s / batch; },
 *   gradient: (a, y, batch, nOut, out) => { for (let i = 0; i < batch * nOut; i++) out[i] = Math.sign(a[i] - y[i]) / batch; },
 * };
 * ```
 */
export interface Loss {
  readonly name: string;
  /** Mean loss over the batch (float64). */
  value(
    a: ArrayLike<number>,
    y: ArrayLike<number>,
    batch: number,
    nOut: number,
    z: ArrayLike<number>,
  ): number;
  /** ∂L/∂a^L into `out` `[batch, nOut]`, already divided by the batch size N. */
  gradient(
    a: ArrayLike<number>,
    y: ArrayLike<number>,
    batch: number,
    nOut: number,
    out: Float32Array,
  ): void;
}

/**
 * A built-in loss: a {@link Loss} with a kernel code and the output activation it requires, if any.
 *
 * @example
 * ```ts
 * const ce: BuiltinLoss = LOSSES.crossEntropy;
 * ce.requires; // 'softmax'
 * ```
 */
export interface BuiltinLoss extends Loss {
  readonly name: LossName;
  readonly code: LossCode;
  readonly requires?: ActivationName;
}

/**
 * A built-in loss's name.
 *
 * @example
 * ```ts
 * const name: LossName = 'crossEntropy';
 * evaluate(net, test, { loss: name });
 * ```
 */
export type LossName = 'quadratic' | 'crossEntropy' | 'binaryCrossEntropy';

function softplus(t: number): number {
  return Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
}

function meanDifference(
  a: ArrayLike<number>,
  y: ArrayLike<number>,
  batch: number,
  nOut: number,
  out: Float32Array,
): void {
  for (let i = 0; i < batch * nOut; i++) out[i] = (a[i] - y[i]) / batch;
}

/**
 * Every built-in loss, by name.
 *
 * @example
 * ```ts
 * LOSSES.quadratic.value([1, 0], [0, 0], 1, 2, [0, 0]); // 0.5 = ‖a − y‖² / 2
 * LOSSES.binaryCrossEntropy.requires; // 'sigmoid'
 * ```
 */
export const LOSSES: Readonly<Record<LossName, BuiltinLoss>> = {
  /** L = 1/(2N) Σ ‖a − y‖² (the lecture's); ∂L/∂a = (a − y)/N. */
  quadratic: {
    name: 'quadratic',
    code: LossCode.Quadratic,
    value(a, y, batch, nOut) {
      let s = 0;
      for (let i = 0; i < batch * nOut; i++) s += (a[i] - y[i]) ** 2;
      return s / (2 * batch);
    },
    gradient: meanDifference,
  },
  /** L = −1/N Σ y log a over a softmax output, computed stably from z; δ^L = (a − y)/N. */
  crossEntropy: {
    name: 'crossEntropy',
    code: LossCode.CrossEntropy,
    requires: 'softmax',
    value(_a, y, batch, nOut, z) {
      let s = 0;
      for (let r = 0; r < batch; r++) {
        const row = r * nOut;
        let max = -Infinity;
        for (let j = 0; j < nOut; j++) max = Math.max(max, z[row + j]);
        let sum = 0;
        for (let j = 0; j < nOut; j++) sum += Math.exp(z[row + j] - max);
        const logSum = Math.log(sum) + max;
        for (let j = 0; j < nOut; j++)
          if (y[row + j] !== 0) s -= y[row + j] * (z[row + j] - logSum);
      }
      return s / batch;
    },
    // ∂L/∂a_j = −y_j / (N a_j); through softmax's Jacobian it becomes (a − y)/N.
    gradient(a, y, batch, nOut, out) {
      for (let i = 0; i < batch * nOut; i++)
        out[i] = y[i] === 0 ? 0 : -y[i] / (batch * Math.max(a[i], 1e-30));
    },
  },
  /** L = −1/N Σ [y log a + (1 − y) log(1 − a)] over a sigmoid output, stable from z; δ^L = (a − y)/N. */
  binaryCrossEntropy: {
    name: 'binaryCrossEntropy',
    code: LossCode.BinaryCrossEntropy,
    requires: 'sigmoid',
    value(_a, y, batch, nOut, z) {
      let s = 0;
      for (let i = 0; i < batch * nOut; i++)
        s += y[i] * softplus(-z[i]) + (1 - y[i]) * softplus(z[i]);
      return s / batch;
    },
    gradient(a, y, batch, nOut, out) {
      for (let i = 0; i < batch * nOut; i++) {
        const ai = Math.min(Math.max(a[i], 1e-30), 1 - 1e-7);
        out[i] = (ai - y[i]) / (batch * ai * (1 - ai));
      }
    },
  },
};

/**
 * The names {@link loss} accepts.
 *
 * @example
 * ```ts
 * LOSS_NAMES; // ['quadratic', 'crossEntropy', 'binaryCrossEntropy']
 * ```
 */
export const LOSS_NAMES = Object.keys(LOSSES) as LossName[];

/**
 * A loss by name, or a user-supplied {@link Loss} object checked for its two methods.
 *
 * @example
 * ```ts
 * loss('crossEntropy').requires; // 'softmax'
 * ```
 */
export function loss(spec: unknown, argName = 'loss'): Loss {
  const list = LOSS_NAMES.map((n) => `"${n}"`).join(', ');
  if (typeof spec === 'string') {
    const found = Object.hasOwn(LOSSES, spec)
      ? (LOSSES as Record<string, BuiltinLoss>)[spec]
      : undefined;
    if (!found) throw rangeError(argName, `a loss name (one of ${list}) or a Loss object`, spec);
    return found;
  }
  if (
    isObject(spec) &&
    typeof (spec as Loss).value === 'function' &&
    typeof (spec as Loss).gradient === 'function'
  ) {
    return spec as Loss;
  }
  throw typeError(
    argName,
    `a loss name (one of ${list}) or an object with value() and gradient()`,
    spec,
  );
}

/** Whether a loss is one of the built-ins, which the kernels can fuse. */
export function isBuiltin(l: Loss): l is BuiltinLoss {
  return (LOSSES as Record<string, Loss>)[l.name] === l;
}
