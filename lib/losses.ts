/**
 * Losses. A loss gives its value and ∂L/∂a^L for a batch (both averaged over the N examples, as
 * in the lecture; mean absolute error and Huber average over all N·nOut elements, as PyTorch's
 * `reduction='mean'`: see docs/losses.md); the built-in ones also carry a kernel code so the native core can fuse them
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
 * // log-cosh, as a user-defined loss
 * const logCosh: Loss = {
 *   name: 'logCosh',
 *   value: (a, y, batch, nOut) => { let s = 0; for (let i = 0; i < batch * nOut; i++) s += Math.log(Math.cosh(a[i] - y[i])); return s / batch; },
 *   gradient: (a, y, batch, nOut, out) => { for (let i = 0; i < batch * nOut; i++) out[i] = Math.tanh(a[i] - y[i]) / batch; },
 * };
 * ```
 */
export interface Loss {
  readonly name: string;
  /** Mean loss over the batch (float64); what the mean divides by is the loss's to define. */
  value(
    a: ArrayLike<number>,
    y: ArrayLike<number>,
    batch: number,
    nOut: number,
    z: ArrayLike<number>,
  ): number;
  /** ∂L/∂a^L of that mean into `out` `[batch, nOut]` (so already divided by the batch size N). */
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
export type LossName =
  | 'quadratic'
  | 'crossEntropy'
  | 'binaryCrossEntropy'
  | 'meanAbsoluteError'
  | 'huber';

/**
 * The δ of the `'huber'` loss: PyTorch's `nn.HuberLoss()` default 1, where the loss turns from
 * quadratic to linear. Fixed: blasnet's built-in losses have no parameters.
 *
 * @example
 * ```ts
 * HUBER_DELTA; // 1
 * ```
 */
export const HUBER_DELTA = 1;

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

/** Writes h'(a − y)/(N·nOut) into out: the gradient of a mean over every element. */
function elementMeanGradient(slope: (d: number) => number) {
  return (
    a: ArrayLike<number>,
    y: ArrayLike<number>,
    batch: number,
    nOut: number,
    out: Float32Array,
  ): void => {
    const elements = batch * nOut;
    for (let i = 0; i < elements; i++) out[i] = slope(a[i] - y[i]) / elements;
  };
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
  /**
   * PyTorch's `L1Loss()`: L = 1/(N·nOut) Σ |a − y|, the mean over every element;
   * ∂L/∂a = sign(a − y)/(N·nOut), 0 where a = y (torch's sign).
   */
  meanAbsoluteError: {
    name: 'meanAbsoluteError',
    code: LossCode.MeanAbsoluteError,
    value(a, y, batch, nOut) {
      let s = 0;
      for (let i = 0; i < batch * nOut; i++) s += Math.abs(a[i] - y[i]);
      return s / nOut / batch;
    },
    gradient: elementMeanGradient((d) => (d > 0 ? 1 : d < 0 ? -1 : d)),
  },
  /**
   * PyTorch's `HuberLoss(delta=1)`: L = 1/(N·nOut) Σ h(a − y), h(d) = d²/2 for |d| < δ, else
   * δ(|d| − δ/2); ∂L/∂a = clamp(a − y, −δ, δ)/(N·nOut) (a − y itself at |a − y| = δ, as torch's).
   */
  huber: {
    name: 'huber',
    code: LossCode.Huber,
    value(a, y, batch, nOut) {
      let s = 0;
      for (let i = 0; i < batch * nOut; i++) {
        const d = Math.abs(a[i] - y[i]);
        s += d < HUBER_DELTA ? 0.5 * d * d : HUBER_DELTA * (d - 0.5 * HUBER_DELTA);
      }
      return s / nOut / batch;
    },
    gradient: elementMeanGradient((d) =>
      d < -HUBER_DELTA ? -HUBER_DELTA : d > HUBER_DELTA ? HUBER_DELTA : d,
    ),
  },
};

/**
 * The names {@link loss} accepts.
 *
 * @example
 * ```ts
 * LOSS_NAMES; // ['quadratic', 'crossEntropy', 'binaryCrossEntropy', 'meanAbsoluteError', 'huber']
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
