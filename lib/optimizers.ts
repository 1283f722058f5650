/**
 * The optimizers `fitSync`/`fit` take, as PyTorch's torch.optim defines them (single-tensor
 * implementation, foreach=False, amsgrad=False): SGD (with momentum and Nesterov from the options
 * `momentum`/`nesterov`), Adam, AdamW and RMSprop (non-centred, no momentum). The update rules,
 * their state and how they meet blasnet's L2 `weightDecay` are in docs/optimizers.md; the
 * elementwise steps are `native/core/optimizer.cc` and `lib/backend/js/optimizers.ts`.
 */
import { rangeError, typeError } from './errors';
import { checkNumber, checkOneOf, checkOptions, isObject } from './validate';

/**
 * The optimizers by name.
 *
 * @example
 * ```ts
 * const name: OptimizerName = 'adam';
 * fitSync(net, train, { optimizer: name, learningRate: 0.001 });
 * ```
 */
export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'rmsprop';

/**
 * An optimizer by name (defaults as PyTorch's) or as an object with its options, named as PyTorch
 * names them. SGD's momentum and Nesterov stay the options `momentum` and `nesterov` of fitSync.
 * - `{ type: 'adam', beta1 = 0.9, beta2 = 0.999, eps = 1e-8 }`
 * - `{ type: 'adamw', beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.01 }`: decoupled
 *   decay p ← p·(1 − η·weightDecay) of every parameter, biases included (as `AdamW(model.parameters())`)
 * - `{ type: 'rmsprop', alpha = 0.99, eps = 1e-8 }`
 *
 * @example
 * ```ts
 * fitSync(net, train, { optimizer: { type: 'adamw', weightDecay: 0.05 }, learningRate: 0.001 });
 * ```
 */
export type Optimizer =
  | OptimizerName
  | { type: 'sgd' }
  | { type: 'adam'; beta1?: number; beta2?: number; eps?: number }
  | { type: 'adamw'; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }
  | { type: 'rmsprop'; alpha?: number; eps?: number };

/**
 * An optimizer with every option filled in: what training uses and a checkpoint stores.
 *
 * @example
 * ```ts
 * const adam: OptimizerSettings = resolveOptimizer('adam'); // { type: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8, ... }
 * ```
 */
export interface OptimizerSettings {
  type: OptimizerName;
  /** SGD: μ (0 is plain SGD). */
  momentum: number;
  /** SGD: Nesterov's momentum. */
  nesterov: boolean;
  /** Adam, AdamW: β1; RMSprop: α. */
  beta1: number;
  /** Adam, AdamW: β2 (0 otherwise). */
  beta2: number;
  /** Adam, AdamW, RMSprop: added to the denominator, outside the square root. */
  eps: number;
  /** AdamW: the decoupled weight decay (0 otherwise). */
  weightDecay: number;
}

/** The optimizer codes of `UpdateHyper[4]` (lib/backend/types.ts). */
export const OPTIMIZER_CODES: Record<OptimizerName, number> = {
  sgd: 0,
  adam: 1,
  adamw: 2,
  rmsprop: 3,
};

const NAMES: OptimizerName[] = ['sgd', 'adam', 'adamw', 'rmsprop'];
const KEYS: Record<OptimizerName, string[]> = {
  sgd: ['type'],
  adam: ['type', 'beta1', 'beta2', 'eps'],
  adamw: ['type', 'beta1', 'beta2', 'eps', 'weightDecay'],
  rmsprop: ['type', 'alpha', 'eps'],
};

/**
 * Check an {@link Optimizer} (`name` for the messages, e.g. `'options.optimizer'`) and fill in its
 * defaults. `momentum` and `nesterov` belong to SGD: with any other optimizer they must be 0/false.
 *
 * @example
 * ```ts
 * resolveOptimizer({ type: 'rmsprop', alpha: 0.9 }).beta1; // 0.9 (RMSprop's α)
 * resolveOptimizer('adam', 'options.optimizer', 0.9); // RangeError: momentum is SGD's
 * ```
 */
export function resolveOptimizer(
  value: Optimizer | undefined,
  name = 'options.optimizer',
  momentum = 0,
  nesterov = false,
): OptimizerSettings {
  const given: unknown = value ?? 'sgd';
  let type: OptimizerName;
  let opts: Record<string, unknown> = {};
  if (typeof given === 'string') {
    type = checkOneOf(name, given, NAMES);
  } else {
    if (!isObject(given) || Array.isArray(given))
      throw typeError(name, `one of ${NAMES.join(', ')} or an object { type, ... }`, given);
    type = checkOneOf(`${name}.type`, (given as { type?: unknown }).type, NAMES);
    opts = checkOptions(name, given, KEYS[type] as never) as Record<string, unknown>;
  }
  if (type !== 'sgd' && (momentum !== 0 || nesterov))
    throw rangeError(
      momentum !== 0 ? 'options.momentum' : 'options.nesterov',
      `${momentum !== 0 ? '0' : 'false'} with the ${type} optimizer (momentum and nesterov are SGD's)`,
      momentum !== 0 ? momentum : nesterov,
    );
  const open1 = (key: string, fallback: number) => {
    // β in [0, 1), as torch.optim checks it.
    const v = checkNumber(`${name}.${key}`, opts[key] ?? fallback, 0, 1);
    if (v === 1) throw rangeError(`${name}.${key}`, 'a number in [0, 1)', v);
    return v;
  };
  const eps = checkNumber(`${name}.eps`, opts.eps ?? 1e-8, 0);
  switch (type) {
    case 'sgd':
      return { type, momentum, nesterov, beta1: 0, beta2: 0, eps: 0, weightDecay: 0 };
    case 'rmsprop':
      return {
        type,
        momentum: 0,
        nesterov: false,
        beta1: checkNumber(`${name}.alpha`, opts.alpha ?? 0.99, 0, 1),
        beta2: 0,
        eps,
        weightDecay: 0,
      };
    default:
      return {
        type,
        momentum: 0,
        nesterov: false,
        beta1: open1('beta1', 0.9),
        beta2: open1('beta2', 0.999),
        eps,
        weightDecay:
          type === 'adamw' ? checkNumber(`${name}.weightDecay`, opts.weightDecay ?? 0.01, 0) : 0,
      };
  }
}

/**
 * How many blocks of `paramCount` floats the optimizer's state holds: SGD 0 (1 with momentum: the
 * velocity), Adam and AdamW 2 (m, then v), RMSprop 1 (the square average).
 *
 * @example
 * ```ts
 * new Float32Array(stateSlots(resolveOptimizer('adam')) * net.params.length); // m and v
 * ```
 */
export function stateSlots(o: OptimizerSettings): number {
  if (o.type === 'adam' || o.type === 'adamw') return 2;
  if (o.type === 'rmsprop') return 1;
  return o.momentum > 0 ? 1 : 0;
}

/**
 * The backends' `UpdateHyper` (length 10) for an optimizer: learning rate, `l2` (blasnet's
 * Nielsen weight decay λ/n, weights only) and the steps already taken are filled in per call.
 *
 * @example
 * ```ts
 * const hyper = makeHyper(resolveOptimizer('adam'), 0.001, 0); // hyper[9] = steps taken so far
 * ```
 */
export function makeHyper(o: OptimizerSettings, learningRate: number, l2: number): Float64Array {
  return new Float64Array([
    learningRate,
    o.momentum,
    o.nesterov ? 1 : 0,
    l2,
    OPTIMIZER_CODES[o.type],
    o.beta1,
    o.beta2,
    o.eps,
    o.weightDecay,
    0,
  ]);
}
