/**
 * The activation registry: names for users, small integer codes for the kernels, and a float64
 * reference of each function for gradient checking. Adding an entry here is all it takes for
 * the gradient-check tests to cover it.
 */
import { rangeError, typeError } from './errors';
import { ActivationCode } from './backend/types';

/**
 * A built-in activation's name.
 *
 * @example
 * ```ts
 * const hidden: ActivationName = 'relu';
 * new Network({ sizes: [2, 8, 1], activations: [hidden, 'sigmoid'] });
 * ```
 */
export type ActivationName =
  | 'identity'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'elu'
  | 'softmax'
  | 'heaviside';

/**
 * The negative slope of `'leakyRelu'`: PyTorch's `nn.LeakyReLU()` default 0.01, as the float32
 * both backends multiply by (torch rounds it so too). Fixed: blasnet has no per-layer parameters.
 *
 * @example
 * ```ts
 * LEAKY_RELU_SLOPE; // 0.009999999776482582 (0.01 in float32)
 * ```
 */
export const LEAKY_RELU_SLOPE = Math.fround(0.01);

/**
 * The α of `'elu'`: PyTorch's `nn.ELU()` default 1, f(z) = α(e^z − 1) for z ≤ 0. Fixed.
 *
 * @example
 * ```ts
 * ELU_ALPHA; // 1
 * ```
 */
export const ELU_ALPHA = 1;

/**
 * One activation: its kernel code and a float64 reference of the forward map.
 *
 * @example
 * ```ts
 * const a = new Float64Array(2);
 * activation('sigmoid').forward64(new Float64Array([0, 0]), a, 2); // a = [0.5, 0.5]
 * ```
 */
export interface Activation {
  readonly name: ActivationName;
  readonly code: ActivationCode;
  /** False for heaviside: it has no useful derivative, so backprop cannot train it. */
  readonly differentiable: boolean;
  /** True for softmax: it normalizes across a row, so only an output layer may use it. */
  readonly outputOnly: boolean;
  /** Float64 forward over one row `z` of length `n` into `a` (row-wise so softmax fits). */
  forward64(z: Float64Array, a: Float64Array, n: number): void;
}

function elementwise(
  name: ActivationName,
  code: ActivationCode,
  f: (z: number) => number,
  differentiable = true,
): Activation {
  return {
    name,
    code,
    differentiable,
    outputOnly: false,
    forward64(z, a, n) {
      for (let j = 0; j < n; j++) a[j] = f(z[j]);
    },
  };
}

/**
 * Every built-in activation, by name.
 *
 * @example
 * ```ts
 * ACTIVATIONS.softmax.outputOnly; // true
 * ACTIVATIONS.heaviside.differentiable; // false
 * ```
 */
export const ACTIVATIONS: Readonly<Record<ActivationName, Activation>> = {
  identity: elementwise('identity', ActivationCode.Identity, (z) => z),
  sigmoid: elementwise('sigmoid', ActivationCode.Sigmoid, (z) =>
    z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)),
  ),
  tanh: elementwise('tanh', ActivationCode.Tanh, Math.tanh),
  relu: elementwise('relu', ActivationCode.Relu, (z) => (z > 0 ? z : 0)),
  /** PyTorch's `LeakyReLU(0.01)`: z if z > 0, else 0.01·z (f'(0) = 0.01, as torch's). */
  leakyRelu: elementwise('leakyRelu', ActivationCode.LeakyRelu, (z) =>
    z > 0 ? z : LEAKY_RELU_SLOPE * z,
  ),
  /** PyTorch's `ELU(1.0)`: z if z > 0, else e^z − 1 (f'(0) = 1, as torch's). */
  elu: elementwise('elu', ActivationCode.Elu, (z) => (z > 0 ? z : ELU_ALPHA * Math.expm1(z))),
  heaviside: elementwise('heaviside', ActivationCode.Heaviside, (z) => (z > 0 ? 1 : 0), false),
  softmax: {
    name: 'softmax',
    code: ActivationCode.Softmax,
    differentiable: true,
    outputOnly: true,
    forward64(z, a, n) {
      let max = -Infinity;
      for (let j = 0; j < n; j++) max = Math.max(max, z[j]);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += a[j] = Math.exp(z[j] - max);
      for (let j = 0; j < n; j++) a[j] /= sum;
    },
  },
};

/**
 * The names {@link activation} accepts.
 *
 * @example
 * ```ts
 * ACTIVATION_NAMES; // ['identity', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'heaviside', 'softmax']
 * ```
 */
export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as ActivationName[];

/**
 * Look an activation up by name; an unknown name throws a `RangeError` listing the valid ones.
 *
 * @example
 * ```ts
 * activation('relu').differentiable; // true
 * ```
 */
export function activation(name: unknown, argName = 'activation'): Activation {
  const list = ACTIVATION_NAMES.map((n) => `"${n}"`).join(', ');
  if (typeof name !== 'string')
    throw typeError(argName, `an activation name (one of ${list})`, name);
  // hasOwn: 'constructor' or 'toString' must not find Object.prototype's members.
  const found = Object.hasOwn(ACTIVATIONS, name)
    ? (ACTIVATIONS as Record<string, Activation>)[name]
    : undefined;
  if (!found) throw rangeError(argName, `an activation name (one of ${list})`, name);
  return found;
}
