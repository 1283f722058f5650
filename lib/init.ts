/**
 * Weight initialization from a seeded {@link Random}: the same seed gives the same network, bit
 * for bit, on every backend.
 */
import { rangeError, typeError } from './errors';
import type { Layout } from './backend/spec';
import type { Random } from './random';

/**
 * - `normal`: w, b ~ N(0, 1), Nielsen's network.py.
 * - `xavier`: w ~ N(0, 1/nIn), b ~ N(0, 1), Nielsen's network2.py default.
 * - `he`: w ~ N(0, 2/nIn), b = 0, for ReLU layers.
 * - `glorot`: w ~ U(−√(6/(nIn+nOut)), +√(6/(nIn+nOut))), b = 0.
 *
 * @example
 * ```ts
 * new Network({ sizes: [784, 100, 10], activations: ['relu', 'softmax'], init: 'he' });
 * ```
 */
export type InitName = 'normal' | 'xavier' | 'he' | 'glorot';

/**
 * The names {@link initialize} accepts.
 *
 * @example
 * ```ts
 * INIT_NAMES; // ['normal', 'xavier', 'he', 'glorot']
 * ```
 */
export const INIT_NAMES: readonly InitName[] = ['normal', 'xavier', 'he', 'glorot'];

/**
 * Fill `params` (the flat layout of `layout`) with initial weights and biases.
 *
 * @example
 * ```ts
 * initialize(layout, params, 'he', new Random(7));
 * ```
 */
export function initialize(
  layout: Layout,
  params: Float32Array,
  init: InitName,
  rng: Random,
): void {
  if (typeof init !== 'string') throw typeError('init', `one of ${INIT_NAMES.join(', ')}`, init);
  if (!INIT_NAMES.includes(init))
    throw rangeError('init', `one of ${INIT_NAMES.map((n) => `"${n}"`).join(', ')}`, init);
  for (let l = 1; l <= layout.L; l++) {
    const nIn = layout.sizes[l - 1];
    const nOut = layout.sizes[l];
    const w = params.subarray(layout.wOffset[l - 1], layout.wOffset[l - 1] + nOut * nIn);
    const b = params.subarray(layout.bOffset[l - 1], layout.bOffset[l - 1] + nOut);
    switch (init) {
      case 'normal':
        fillNormal(w, 1, rng);
        fillNormal(b, 1, rng);
        break;
      case 'xavier':
        fillNormal(w, 1 / Math.sqrt(nIn), rng);
        fillNormal(b, 1, rng);
        break;
      case 'he':
        fillNormal(w, Math.sqrt(2 / nIn), rng);
        b.fill(0);
        break;
      case 'glorot': {
        const limit = Math.sqrt(6 / (nIn + nOut));
        for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * limit;
        b.fill(0);
        break;
      }
    }
  }
}

function fillNormal(out: Float32Array, std: number, rng: Random): void {
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
}
