/**
 * The lecture's three choices for the output layer of an MNIST network (B.3), as encoders from
 * labels to target matrices and decoders from network outputs back to labels:
 *
 * - `'regression'`: 1 neuron, the label as a number, scaled to [0, 1] by default
 *   (y = label / (classes − 1), so a sigmoid can reach it); decoded by rounding and clamping.
 * - `'binary'`: ⌈log2 classes⌉ neurons (4 for digits), the label's binary code, most significant bit
 *   first; decoded by thresholding each output at 0.5. A code that is not a class (10…15 for
 *   digits) decodes to the nearest valid class: the one whose code is closest to the raw outputs
 *   in squared Euclidean distance, ties to the smaller class. Decoded labels are always < classes.
 * - `'onehot'`: `classes` neurons (10 for digits), a 1 at the label; decoded by argmax.
 *
 * Targets and outputs are row-major `Float32Array [n, width]`, one example per row.
 */
import { rangeError, shapeError, typeError } from '../errors';
import { checkBoolean, checkInt, checkOptions, isFloat32Array, isUint8Array } from '../validate';

/**
 * The names of the built-in encodings.
 * @example
 * ```ts
 * const name: EncodingName = 'onehot';
 * getEncoding(name).width(10); // 10
 * ```
 */
export type EncodingName = 'regression' | 'binary' | 'onehot';

/**
 * A way to present class labels to a network: how many output neurons, the targets for a batch of
 * labels, and the labels a batch of outputs stands for.
 *
 * @example
 * ```ts
 * const enc: LabelEncoding = getEncoding('onehot');
 * const y = enc.encode(new Uint8Array([3, 1]), 10); // Float32Array [2 * 10]
 * enc.decode(y, 2);                                 // Uint8Array [3, 1]
 * ```
 */
export interface LabelEncoding {
  /** The registry name. */
  readonly name: EncodingName;
  /** Output neurons needed for `classes` classes. */
  width(classes: number): number;
  /** `labels [n]` → targets `Float32Array [n, width(classes)]`; every label must be < `classes`. */
  encode(labels: Uint8Array, classes: number): Float32Array;
  /**
   * Network outputs `[n, width]` → labels `[n]`. `classes` (default 10, or the width for onehot)
   * bounds the decoded labels.
   */
  decode(outputs: Float32Array, n: number, classes?: number): Uint8Array;
}

/**
 * Options of {@link getEncoding}.
 * @example
 * ```ts
 * const options: EncodingOptions = { scaled: false };
 * getEncoding('regression', options).encode(new Uint8Array([7]), 10); // Float32Array [7]
 * ```
 */
export interface EncodingOptions {
  /** `'regression'` only: scale targets to [0, 1] as label / (classes − 1) (default true). */
  scaled?: boolean;
}

function checkClasses(classes: unknown): number {
  return checkInt('classes', classes, 1, 256);
}

function checkLabels(labels: unknown, classes: number): Uint8Array {
  if (!isUint8Array(labels)) throw typeError('labels', 'a Uint8Array', labels);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes)
      throw rangeError(`labels[${i}]`, `a label in [0, ${classes - 1}]`, labels[i]);
  }
  return labels;
}

/** Check outputs/n and return the row width (`outputs.length / n`), checked against `expected` when given. */
function checkOutputs(outputs: unknown, n: unknown, expected?: number): number {
  if (!isFloat32Array(outputs)) throw typeError('outputs', 'a Float32Array', outputs);
  const rows = checkInt('n', n, 0);
  if (rows === 0) {
    if (outputs.length !== 0)
      throw shapeError('outputs', 'an empty Float32Array for n = 0', `length ${outputs.length}`);
    return expected ?? 0;
  }
  if (expected !== undefined) {
    if (outputs.length !== rows * expected) {
      throw shapeError(
        'outputs',
        `a Float32Array of length n * ${expected} = ${rows * expected}`,
        `length ${outputs.length}`,
      );
    }
    return expected;
  }
  if (outputs.length % rows !== 0 || outputs.length === 0) {
    throw shapeError(
      'outputs',
      `a Float32Array whose length is a positive multiple of n = ${rows}`,
      `length ${outputs.length}`,
    );
  }
  return outputs.length / rows;
}

function decodeClasses(classes: unknown, fallback: number): number {
  return classes === undefined ? fallback : checkClasses(classes);
}

function bitsFor(classes: number): number {
  return Math.max(1, Math.ceil(Math.log2(classes)));
}

/** The regression encoding; `scaled` maps labels to [0, 1]. */
function regression(scaled: boolean): LabelEncoding {
  return {
    name: 'regression',
    width(classes: number): number {
      checkClasses(classes);
      return 1;
    },
    encode(labels: Uint8Array, classes: number): Float32Array {
      const c = checkClasses(classes);
      checkLabels(labels, c);
      const scale = scaled && c > 1 ? 1 / (c - 1) : 1;
      const out = new Float32Array(labels.length);
      for (let i = 0; i < labels.length; i++) out[i] = labels[i] * scale;
      return out;
    },
    decode(outputs: Float32Array, n: number, classes?: number): Uint8Array {
      const c = decodeClasses(classes, 10);
      checkOutputs(outputs, n, 1);
      const scale = scaled ? c - 1 : 1;
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = Math.round(outputs[i] * scale);
        // NaN decodes to 0; everything else is clamped into [0, classes − 1].
        out[i] = v > c - 1 ? c - 1 : v > 0 ? v : 0;
      }
      return out;
    },
  };
}

/**
 * The binary encoding. Decoding thresholds each output at 0.5 to read a code; a code ≥ classes
 * (for digits: 1010…1111, i.e. 10…15) is not a class and decodes to the valid class whose code is
 * nearest to the raw outputs in squared Euclidean distance (ties → the smaller class).
 */
const binary: LabelEncoding = {
  name: 'binary',
  width(classes: number): number {
    return bitsFor(checkClasses(classes));
  },
  encode(labels: Uint8Array, classes: number): Float32Array {
    const c = checkClasses(classes);
    checkLabels(labels, c);
    const w = bitsFor(c);
    const out = new Float32Array(labels.length * w);
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i];
      for (let b = 0; b < w; b++) out[i * w + b] = (l >> (w - 1 - b)) & 1; // MSB first
    }
    return out;
  },
  decode(outputs: Float32Array, n: number, classes?: number): Uint8Array {
    const c = decodeClasses(classes, 10);
    const w = bitsFor(c);
    checkOutputs(outputs, n, w);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const row = i * w;
      let code = 0;
      for (let b = 0; b < w; b++) code = (code << 1) | (outputs[row + b] >= 0.5 ? 1 : 0);
      if (code < c) {
        out[i] = code;
        continue;
      }
      let best = 0;
      let bestDist = Infinity;
      for (let k = 0; k < c; k++) {
        let d = 0;
        for (let b = 0; b < w; b++) {
          const diff = outputs[row + b] - ((k >> (w - 1 - b)) & 1);
          d += diff * diff;
        }
        if (d < bestDist) {
          bestDist = d;
          best = k;
        }
      }
      out[i] = best;
    }
    return out;
  },
};

/** The one-hot encoding: `classes` neurons, argmax decoding (first maximum wins; NaN never wins). */
const onehot: LabelEncoding = {
  name: 'onehot',
  width(classes: number): number {
    return checkClasses(classes);
  },
  encode(labels: Uint8Array, classes: number): Float32Array {
    const c = checkClasses(classes);
    checkLabels(labels, c);
    const out = new Float32Array(labels.length * c);
    for (let i = 0; i < labels.length; i++) out[i * c + labels[i]] = 1;
    return out;
  },
  decode(outputs: Float32Array, n: number, classes?: number): Uint8Array {
    const expected = classes === undefined ? undefined : checkClasses(classes);
    const w = checkOutputs(outputs, n, expected);
    if (w > 256)
      throw shapeError('outputs', 'at most 256 columns (classes) per row', `${w} columns`);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const row = i * w;
      let best = 0;
      let bestValue = -Infinity;
      for (let k = 0; k < w; k++) {
        const v = outputs[row + k];
        if (v > bestValue) {
          bestValue = v;
          best = k;
        }
      }
      out[i] = best;
    }
    return out;
  },
};

const REGRESSION_SCALED = Object.freeze(regression(true));
const REGRESSION_RAW = Object.freeze(regression(false));

/**
 * The built-in encodings by name (regression scaled to [0, 1]).
 * @example
 * ```ts
 * encodings.binary.width(10); // 4
 * ```
 */
export const encodings: Readonly<Record<EncodingName, LabelEncoding>> = Object.freeze({
  regression: REGRESSION_SCALED,
  binary: Object.freeze(binary),
  onehot: Object.freeze(onehot),
});

/**
 * The names of the built-in encodings.
 * @example
 * ```ts
 * encodingNames; // ['regression', 'binary', 'onehot']
 * ```
 */
export const encodingNames: readonly EncodingName[] = Object.freeze([
  'regression',
  'binary',
  'onehot',
] as EncodingName[]);

/**
 * Look up an encoding by name.
 *
 * @param name `'regression'`, `'binary'` or `'onehot'`.
 * @param options `scaled` (regression only, default true): targets label / (classes − 1) instead of the label itself.
 * @throws `RangeError` listing the valid names for an unknown name.
 * @example
 * ```ts
 * const enc = getEncoding('binary');
 * enc.encode(new Uint8Array([5]), 10); // Float32Array [0, 1, 0, 1]
 * getEncoding('regression', { scaled: false }).encode(new Uint8Array([7]), 10); // Float32Array [7]
 * ```
 */
export function getEncoding(name: EncodingName, options?: EncodingOptions): LabelEncoding {
  if (typeof name !== 'string')
    throw typeError('name', `one of ${encodingNames.map((n) => `"${n}"`).join(', ')}`, name);
  if (!(encodingNames as readonly string[]).includes(name)) {
    throw rangeError('name', `one of ${encodingNames.map((n) => `"${n}"`).join(', ')}`, name);
  }
  const o = checkOptions<EncodingOptions>('options', options);
  const scaled = o.scaled === undefined ? true : checkBoolean('options.scaled', o.scaled);
  if (name === 'regression') return scaled ? REGRESSION_SCALED : REGRESSION_RAW;
  return encodings[name];
}
