/**
 * The lecture's "naive approach" as a tool: derivatives found numerically, here by central
 * differences in float64, (L(ω + ε) − L(ω − ε)) / 2ε, compared with backpropagation's.
 */
import { activation } from './activations';
import type { Backend } from './backend/types';
import { checkData, defaultLoss } from './evaluate';
import { loss as lossOf, type Loss, type LossName } from './losses';
import { checkNetwork, type Network } from './network';
import { Random } from './random';
import { TrainingStep } from './step';
import { dropoutBits, dropoutRowKey } from './backend/js/dropout';
import { checkInt, checkNumber, checkOptions } from './validate';

/**
 * Options of {@link gradientCheck}.
 *
 * @example
 * ```ts
 * gradientCheck(net, x, y, { loss: 'crossEntropy', epsilon: 1e-5, samplesPerLayer: 100, tolerance: 1e-4 });
 * ```
 */
export interface GradientCheckOptions {
  /** Loss to differentiate. Default: the network's natural loss. */
  loss?: LossName | Loss;
  /** Step ε of the central difference, in float64. Default 1e-6. */
  epsilon?: number;
  /** At most this many weights and this many biases checked per layer (a seeded sample). Default 40. */
  samplesPerLayer?: number;
  /** Largest relative error that passes. Default 1e-3. */
  tolerance?: number;
  /**
   * Seed of the sample, and of the one fixed dropout mask (step 0) a network with dropout is
   * checked with. Default 1.
   */
  seed?: number;
  /** Backend computing backprop's gradient. Default the network's. (Tests pass a broken one.) */
  backend?: Backend;
}

/**
 * One layer's agreement: relative error ‖g_bp − g_num‖ / (‖g_bp‖ + ‖g_num‖) over the checked entries.
 *
 * @example
 * ```ts
 * for (const { layer, weights, biases } of gradientCheck(net, x, y).layers) console.log(layer, weights, biases);
 * ```
 */
export interface LayerCheck {
  layer: number;
  weights: number;
  biases: number;
  /** Largest |g_bp − g_num| over the checked entries. */
  maxAbsoluteError: number;
}

/**
 * What {@link gradientCheck} found.
 *
 * @example
 * ```ts
 * const report: GradientCheckReport = gradientCheck(net, x, y);
 * if (!report.passed) console.log(`max relative error ${report.maxRelativeError} > ${report.tolerance}`);
 * ```
 */
export interface GradientCheckReport {
  layers: LayerCheck[];
  maxRelativeError: number;
  tolerance: number;
  passed: boolean;
}

/**
 * Compare backpropagation's gradient with numerical derivatives, per layer.
 *
 * @example
 * ```ts
 * const report = gradientCheck(net, x, y, { loss: 'quadratic' });
 * report.passed; // true when every layer's relative error is at most 1e-3
 * ```
 */
export function gradientCheck(
  net: Network,
  x: Float32Array,
  y: Float32Array,
  options?: GradientCheckOptions,
): GradientCheckReport {
  checkNetwork('net', net);
  const opts = checkOptions<GradientCheckOptions>('options', options, [
    'loss',
    'epsilon',
    'samplesPerLayer',
    'tolerance',
    'seed',
    'backend',
  ]);
  const n = checkData('data', net, { x, y });
  const loss = lossOf(opts.loss ?? defaultLoss(net), 'options.loss');
  const epsilon = checkNumber('options.epsilon', opts.epsilon ?? 1e-6, 1e-12, 1);
  const samples = checkInt('options.samplesPerLayer', opts.samplesPerLayer ?? 40, 1);
  const tolerance = checkNumber('options.tolerance', opts.tolerance ?? 1e-3, 0);
  const rng = new Random(checkInt('options.seed', opts.seed ?? 1, 0, 0xffffffff));

  const target = opts.backend ? net.clone(opts.backend) : net;
  // With dropout, one fixed mask (the training mask of seed options.seed at step 0) for
  // backpropagation and for every numerical derivative alike.
  const dropoutSeed = opts.seed ?? 1;
  const step = new TrainingStep(target, loss, n, new Float32Array(0), dropoutSeed);
  step.runOn(x, y, n, null);
  const backprop = step.grad;

  const params = Float64Array.from(net.params);
  const lossAt = (index: number, delta: number): number => {
    const saved = params[index];
    params[index] = saved + delta;
    const value = forwardLoss64(net, params, x, y, n, loss, dropoutSeed);
    params[index] = saved;
    return value;
  };
  const numeric = (index: number) =>
    (lossAt(index, epsilon) - lossAt(index, -epsilon)) / (2 * epsilon);

  const layers: LayerCheck[] = [];
  for (let l = 1; l <= net.depth; l++) {
    const nOut = net.sizes[l];
    const wCount = nOut * net.sizes[l - 1];
    const w = compare(sample(rng, wCount, samples), net.layout.wOffset[l - 1], backprop, numeric);
    const b = compare(sample(rng, nOut, samples), net.layout.bOffset[l - 1], backprop, numeric);
    layers.push({
      layer: l,
      weights: w.relative,
      biases: b.relative,
      maxAbsoluteError: Math.max(w.maxAbs, b.maxAbs),
    });
  }
  const maxRelativeError = Math.max(...layers.map((c) => Math.max(c.weights, c.biases)));
  return { layers, maxRelativeError, tolerance, passed: maxRelativeError <= tolerance };
}

function compare(
  indices: number[],
  offset: number,
  backprop: Float32Array,
  numeric: (i: number) => number,
) {
  let diff = 0;
  let normBp = 0;
  let normNum = 0;
  let maxAbs = 0;
  for (const i of indices) {
    const g = backprop[offset + i];
    const num = numeric(offset + i);
    diff += (g - num) ** 2;
    normBp += g * g;
    normNum += num * num;
    maxAbs = Math.max(maxAbs, Math.abs(g - num));
  }
  const scale = Math.sqrt(normBp) + Math.sqrt(normNum);
  // Both gradients zero (a dead ReLU layer, say) agree exactly.
  return { relative: scale === 0 ? 0 : Math.sqrt(diff) / scale, maxAbs };
}

function sample(rng: Random, count: number, limit: number): number[] {
  if (count <= limit) return Array.from({ length: count }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < limit) picked.add(rng.below(count));
  return [...picked];
}

/** The loss of the whole batch in float64, from float64 parameters: the trusted reference. */
function forwardLoss64(
  net: Network,
  params: Float64Array,
  x: Float32Array,
  y: Float32Array,
  n: number,
  loss: Loss,
  dropoutSeed: number,
): number {
  const { sizes, layout } = net;
  const L = net.depth;
  const nOut = sizes[L];
  const zOut = new Float64Array(n * nOut);
  const aOut = new Float64Array(n * nOut);
  const widest = Math.max(...sizes);
  let aPrev = new Float64Array(widest);
  const z = new Float64Array(widest);
  let a = new Float64Array(widest);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < sizes[0]; k++) aPrev[k] = x[r * sizes[0] + k];
    for (let l = 1; l <= L; l++) {
      const nIn = sizes[l - 1];
      const nl = sizes[l];
      const wOff = layout.wOffset[l - 1];
      const bOff = layout.bOffset[l - 1];
      // z^l_j = Σ_k ω^l_jk a^(l−1)_k + b^l_j
      for (let j = 0; j < nl; j++) {
        let s = params[bOff + j];
        for (let k = 0; k < nIn; k++) s += params[wOff + j * nIn + k] * aPrev[k];
        z[j] = s;
      }
      activation(net.activations[l - 1]).forward64(z, a, nl);
      const p = l < L ? net.dropout[l - 1] : 0;
      if (p > 0) {
        // The fixed mask, as docs/dropout.md defines it (step 0): kept units scaled by 1/(1 − p).
        const key = dropoutRowKey(dropoutSeed, 0, l, r);
        const threshold = Math.floor(p * 2 ** 32);
        const scale = Math.fround(1 / (1 - p));
        for (let j = 0; j < nl; j++) a[j] *= dropoutBits(key, j) >= threshold ? scale : 0;
      }
      [aPrev, a] = [a, aPrev];
    }
    zOut.set(z.subarray(0, nOut), r * nOut);
    aOut.set(aPrev.subarray(0, nOut), r * nOut);
  }
  return loss.value(aOut, y, n, nOut, zOut);
}
