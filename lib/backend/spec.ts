/**
 * The network spec and the buffer layouts computed from it (see `types.ts` for the rules).
 * The C++ core computes the same offsets from the same `Int32Array`.
 */
import { shapeError, typeError } from '../errors';
import { isInt32Array } from '../validate';
import { ActivationCode } from './types';

/**
 * A decoded spec: layer sizes n0..nL, the activation code of layers 1..L, and where each layer's
 * weights and biases sit in the parameter buffer.
 *
 * @example
 * ```ts
 * const net = new Network({ sizes: [784, 30, 10] });
 * const layout: Layout = net.layout;
 * const w2 = net.params.subarray(layout.wOffset[1], layout.bOffset[1]); // w² as [10, 30]
 * ```
 */
export interface Layout {
  /** Number of weight layers L. */
  L: number;
  /** sizes[l] = n_l for l = 0..L. */
  sizes: number[];
  /** acts[l - 1] = activation code of layer l. */
  acts: ActivationCode[];
  /** Offset of w^l in the parameter buffer, index l - 1. */
  wOffset: number[];
  /** Offset of b^l in the parameter buffer, index l - 1. */
  bOffset: number[];
  /** Total number of parameters. */
  paramCount: number;
  /** n1 + ... + nL: workspace floats per example. */
  unitsPerExample: number;
}

const MAX_ACT = ActivationCode.Elu;

/** At most this many weight layers: the native core's fixed-size layout (BN_MAX_LAYERS). */
export const MAX_LAYERS = 256;

/** Build the `Int32Array` spec `[L, n0..nL, act1..actL]`. */
export function makeSpec(sizes: readonly number[], acts: readonly ActivationCode[]): Int32Array {
  const L = sizes.length - 1;
  const spec = new Int32Array(2 + 2 * L);
  spec[0] = L;
  for (let l = 0; l <= L; l++) spec[1 + l] = sizes[l];
  for (let l = 0; l < L; l++) spec[2 + L + l] = acts[l];
  return spec;
}

/** Decode and check a spec (the same checks the C++ core makes). */
export function decodeSpec(spec: unknown): Layout {
  if (!isInt32Array(spec)) throw typeError('spec', 'an Int32Array', spec);
  const L = spec[0] ?? 0;
  if (L > MAX_LAYERS)
    throw shapeError(
      'spec',
      `at most ${MAX_LAYERS} weight layers (the native core's limit)`,
      `L = ${L}`,
    );
  if (L < 1 || spec.length !== 2 + 2 * L) {
    throw shapeError(
      'spec',
      'an Int32Array [L, n0..nL, act1..actL] with L >= 1',
      `length ${spec.length} with L = ${L}`,
    );
  }
  const sizes: number[] = [];
  for (let l = 0; l <= L; l++) {
    const n = spec[1 + l];
    if (n < 1) throw shapeError(`spec size n${l}`, 'a layer size >= 1', String(n));
    sizes.push(n);
  }
  const acts: ActivationCode[] = [];
  for (let l = 0; l < L; l++) {
    const code = spec[2 + L + l];
    if (code < 0 || code > MAX_ACT)
      throw shapeError(
        `spec activation of layer ${l + 1}`,
        `an activation code in [0, ${MAX_ACT}]`,
        String(code),
      );
    if (code === ActivationCode.Softmax && l !== L - 1)
      throw shapeError(
        `spec activation of layer ${l + 1}`,
        'softmax on the output layer only',
        `softmax on hidden layer ${l + 1}`,
      );
    acts.push(code as ActivationCode);
  }
  const wOffset: number[] = [];
  const bOffset: number[] = [];
  let offset = 0;
  let units = 0;
  for (let l = 1; l <= L; l++) {
    wOffset.push(offset);
    offset += sizes[l] * sizes[l - 1];
    bOffset.push(offset);
    offset += sizes[l];
    units += sizes[l];
  }
  return { L, sizes, acts, wOffset, bOffset, paramCount: offset, unitsPerExample: units };
}

/** Offset of layer l's block (1-based) in a workspace for `batch` rows. */
export function blockOffset(layout: Layout, l: number, batch: number): number {
  let units = 0;
  for (let j = 1; j < l; j++) units += layout.sizes[j];
  return batch * units;
}
