/**
 * Universal approximation (lecture B.2, equations 1 and 2): a network with one hidden layer of K
 * units of a non-constant, bounded, monotonically increasing f,
 *
 *     OUT(x) = Σ_{k=1..K} c_k f(θ_kᵀx̃) + c_0                                     (1)
 *
 * approximates a continuous g on a compact set S to any ε > 0 for K = K(ε) large enough:
 * |g(x) − OUT(x)| < ε for all x ∈ S                                              (2).
 *
 * {@link approximate} builds such a network for a box S = [lo₁, hi₁] × .. × [lo_n, hi_n] and
 * measures the sup-norm error max |g − OUT| on a grid denser than the training points. How:
 * 1. The box is mapped to [−1, 1]^n. Hidden units start as seeded random sigmoids whose
 *    transitions fall inside the box (random directions, slopes growing with K, centres drawn
 *    uniformly in the box).
 * 2. The output layer c is solved by least squares on the training grid (below).
 * 3. Backpropagation (`fitSync`: quadratic loss, mini-batch SGD with momentum, a 1/t schedule)
 *    trains all weights, hidden and output.
 * 4. The output layer is solved by least squares once more for the trained hidden layer: with
 *    H = [1 | f(U·Wᵀ + b)] `[N, K+1]` and targets G `[N, 1]`, the normal equations
 *    (HᵀH + λI) c = HᵀG are formed with the backend's sgemm and solved by Cholesky in float64,
 *    with a tiny ridge λ (relative 1e-7, raised if needed) because HᵀH is float32, and two steps
 *    of iterative refinement.
 * 5. The input scaling is folded into the first layer, so the network takes x in S itself.
 */
import { activation } from './activations';
import { BackendName } from './backend/select';
import { Backend } from './backend/types';
import { rangeError, shapeError, typeError } from './errors';
import { Network } from './network';
import { Random } from './random';
import { fitSync } from './train';
import { checkBoolean, checkInt, checkNumber, checkOneOf, checkOptions } from './validate';

/** The function to approximate: one number per point, called with the point's coordinates. */
export type TargetFunction = (...x: number[]) => number;

/** A closed interval [lo, hi] with lo < hi. */
export type Interval = readonly [number, number];

/**
 * Options of {@link approximate}.
 *
 * @example
 * ```ts
 * const options: ApproximateOptions = { domain: [[0, Math.PI], [0, Math.PI]], hiddenUnits: 24, seed: 1 };
 * ```
 */
export interface ApproximateOptions {
  /** The compact set S: `[lo, hi]` for one input, or one interval per input dimension. */
  domain: Interval | readonly Interval[];
  /** K, the number of hidden units (>= 1). */
  hiddenUnits: number;
  /** f of the hidden layer: `'sigmoid'` (default) or `'tanh'` (both bounded and increasing). */
  activation?: 'sigmoid' | 'tanh';
  /** Seed of the initial hidden layer and of the SGD shuffles. Default 1. */
  seed?: number;
  /** Training grid points per dimension (including both ends). Default 64 in 1-D, 24 in 2-D, fewer above. */
  trainPoints?: number;
  /** Sup-norm grid points per dimension. Default 2001 in 1-D, 161 in 2-D, fewer above (always denser than training). */
  testPoints?: number;
  /** Backpropagation epochs over the training grid; 0 keeps the random hidden layer. Default 300. */
  epochs?: number;
  /** Examples per SGD step. Default 16. */
  batchSize?: number;
  /** η of SGD on the [−1, 1]-scaled inputs. Default 0.05. */
  learningRate?: number;
  /** Momentum μ. Default 0.9. */
  momentum?: number;
  /** Solve the output layer by least squares before and after SGD. Default true. */
  leastSquares?: boolean;
  /** Backend of the network. Default `'auto'`. */
  backend?: BackendName | Backend;
}

/**
 * The sup-norm error of a network against g over a grid: where it is largest, and the RMS.
 *
 * @example
 * ```ts
 * const { supError, at } = supNormError(Math.sin, network, [0, 2 * Math.PI], 4001);
 * ```
 */
export interface ErrorReport {
  /** max |g(x) − OUT(x)| over the grid. */
  supError: number;
  /** A grid point where the maximum is reached. */
  at: number[];
  /** √(mean (g − OUT)²) over the grid. */
  rmsError: number;
  /** Grid points evaluated. */
  points: number;
}

/**
 * What {@link approximate} returns.
 *
 * @example
 * ```ts
 * const { network, supError, trainSupError } = approximate(Math.sin, { domain: [0, 2 * Math.PI], hiddenUnits: 8 });
 * ```
 */
export interface Approximation extends ErrorReport {
  /** The network `[n, K, 1]`: hidden f, identity output; it takes x ∈ S unscaled. */
  network: Network;
  /** K. */
  hiddenUnits: number;
  /** max |g − OUT| over the training grid. */
  trainSupError: number;
  /** Training grid points (all dimensions). */
  trainPoints: number;
  /** Mean quadratic loss of each SGD epoch. */
  lossHistory: number[];
}

const OPTION_NAMES: (keyof ApproximateOptions)[] = [
  'domain', 'hiddenUnits', 'activation', 'seed', 'trainPoints', 'testPoints', 'epochs', 'batchSize', 'learningRate', 'momentum', 'leastSquares', 'backend',
];

/** Largest grid (all dimensions) either phase evaluates. */
const MAX_GRID = 1 << 22;

/**
 * Fit g on a box with one hidden layer of K units (equation 1) and measure the sup-norm error
 * (equation 2) on a grid denser than the training points. Deterministic for a seed.
 *
 * @example
 * ```ts
 * const r = approximate(Math.sin, { domain: [0, 2 * Math.PI], hiddenUnits: 8, seed: 1 });
 * r.supError; // well under 0.05
 * r.network.predict(new Float32Array([Math.PI / 2])); // ≈ [1]
 * const r2 = approximate((x, y) => Math.sin(x) * Math.cos(y), { domain: [[0, Math.PI], [0, Math.PI]], hiddenUnits: 24 });
 * ```
 */
export function approximate(g: TargetFunction, options: ApproximateOptions): Approximation {
  if (typeof g !== 'function') throw typeError('g', 'a function of the input coordinates', g);
  const opts = checkOptions<ApproximateOptions>('options', options, OPTION_NAMES);
  if (options === undefined) throw typeError('options', 'an options object { domain, hiddenUnits, ... }', options);
  const box = checkDomain('options.domain', opts.domain);
  const n = box.length;
  const K = checkInt('options.hiddenUnits', opts.hiddenUnits, 1, 4096);
  const act = checkOneOf('options.activation', opts.activation ?? 'sigmoid', ['sigmoid', 'tanh'] as const);
  const seed = checkInt('options.seed', opts.seed ?? 1, 0, 0xffffffff);
  const trainPer = checkInt('options.trainPoints', opts.trainPoints ?? defaultTrainPoints(n), 2, MAX_GRID);
  const testPer = checkInt('options.testPoints', opts.testPoints ?? defaultTestPoints(n, trainPer), 2, MAX_GRID);
  if (trainPer ** n > MAX_GRID) throw rangeError('options.trainPoints', `at most ${MAX_GRID} grid points in all (points^${n})`, trainPer);
  if (testPer ** n > MAX_GRID) throw rangeError('options.testPoints', `at most ${MAX_GRID} grid points in all (points^${n})`, testPer);
  const epochs = checkInt('options.epochs', opts.epochs ?? 300, 0, 1e7);
  const batchSize = checkInt('options.batchSize', opts.batchSize ?? 16, 1);
  const learningRate = checkNumber('options.learningRate', opts.learningRate ?? 0.05, 0);
  const momentum = checkNumber('options.momentum', opts.momentum ?? 0.9, 0, 0.999999);
  const leastSquares = checkBoolean('options.leastSquares', opts.leastSquares ?? true);
  if (!leastSquares && epochs === 0) throw rangeError('options.epochs', 'at least 1 epoch when leastSquares is false (nothing would fit the output layer)', epochs);

  const network = new Network({ sizes: [n, K, 1], activations: [act, 'identity'], seed, init: 'xavier', ...(opts.backend === undefined ? {} : { backend: opts.backend }) });
  const mid = box.map(([lo, hi]) => (lo + hi) / 2);
  const half = box.map(([lo, hi]) => (hi - lo) / 2);

  // Training data on the [−1, 1]^n-scaled grid.
  const train = grid(box, trainPer);
  const N = train.count;
  const u = new Float32Array(N * n); // u: [N, n], the scaled inputs
  for (let i = 0; i < N * n; i++) u[i] = (train.x[i]! - mid[i % n]!) / half[i % n]!;
  const target = evaluateTarget(g, train.x, N, n, 'g');
  const y = Float32Array.from(target); // y: [N, 1]

  initHidden(network, K, n, act, new Random(seed ^ 0x5eed));
  if (leastSquares && (epochs === 0 || process.env.PRE_LS)) solveOutputLayer(network, u, y, N);
  const lossHistory: number[] = [];
  if (epochs > 0) {
    const { history } = fitSync(network, { x: u, y }, {
      epochs,
      batchSize: Math.min(batchSize, N),
      learningRate,
      momentum,
      schedule: { type: 'inverse', decay: 10 / epochs },
      loss: 'quadratic',
      seed,
    });
    for (const h of history) lossHistory.push(h.loss);
    if (leastSquares) solveOutputLayer(network, u, y, N);
  }
  foldScaling(network, K, n, mid, half);

  const trainOut = network.predict(train.x);
  let trainSupError = 0;
  for (let i = 0; i < N; i++) trainSupError = Math.max(trainSupError, Math.abs(target[i]! - trainOut[i]!));
  const report = supNormError(g, network, box, testPer);
  return { network, hiddenUnits: K, trainSupError, trainPoints: N, lossHistory, ...report };
}

/**
 * max |g(x) − OUT(x)| of a one-output network over a regular grid of `points` per dimension
 * on the box `domain` (both ends included), with where it is reached and the RMS error.
 *
 * @example
 * ```ts
 * supNormError((x, y) => Math.exp(-(x * x + y * y)), net, [[-1, 1], [-1, 1]], 201).supError;
 * ```
 */
export function supNormError(g: TargetFunction, network: Network, domain: Interval | readonly Interval[], points: number): ErrorReport {
  if (typeof g !== 'function') throw typeError('g', 'a function of the input coordinates', g);
  if (!(network instanceof Network)) throw typeError('network', 'a Network', network);
  const box = checkDomain('domain', domain);
  const n = box.length;
  if (network.inputSize !== n || network.outputSize !== 1) {
    throw shapeError('network', `a network with ${n} input(s) and 1 output for this domain`, `sizes [${network.sizes.join(', ')}]`);
  }
  const per = checkInt('points', points, 2, MAX_GRID);
  if (per ** n > MAX_GRID) throw rangeError('points', `at most ${MAX_GRID} grid points in all (points^${n})`, per);
  const test = grid(box, per);
  const want = evaluateTarget(g, test.x, test.count, n, 'g');
  const out = network.predict(test.x);
  let sup = -1;
  let worst = 0;
  let sq = 0;
  for (let i = 0; i < test.count; i++) {
    const e = Math.abs(want[i]! - out[i]!);
    sq += e * e;
    if (e > sup) {
      sup = e;
      worst = i;
    }
  }
  return { supError: sup, at: Array.from(test.x.subarray(worst * n, worst * n + n)), rmsError: Math.sqrt(sq / test.count), points: test.count };
}

function defaultTrainPoints(n: number): number {
  if (n === 1) return 64;
  if (n === 2) return 24;
  return Math.max(3, Math.floor(4096 ** (1 / n)));
}

function defaultTestPoints(n: number, train: number): number {
  if (n === 1) return 2001;
  if (n === 2) return 161;
  return Math.max(2 * train + 1, Math.floor(65536 ** (1 / n)));
}

function checkDomain(name: string, domain: unknown): [number, number][] {
  if (!Array.isArray(domain) || domain.length === 0) throw typeError(name, 'an interval [lo, hi] or an array of intervals, one per input', domain);
  const intervals: unknown[] = typeof domain[0] === 'number' ? [domain] : domain;
  if (intervals.length > 64) throw rangeError(name, 'at most 64 dimensions', domain);
  return intervals.map((iv, j) => {
    const at = intervals === domain ? `${name}[${j}]` : name;
    if (!Array.isArray(iv) || iv.length !== 2) throw typeError(at, 'an interval [lo, hi]', iv);
    const lo = checkNumber(`${at}[0]`, iv[0]);
    const hi = checkNumber(`${at}[1]`, iv[1]);
    if (!(hi > lo)) throw rangeError(`${at}[1]`, `an upper bound greater than the lower bound ${lo}`, hi);
    return [lo, hi] as [number, number];
  });
}

/** A regular grid: `points` per dimension, both ends included; x `[count, n]`, last dimension fastest. */
function grid(box: [number, number][], points: number): { x: Float32Array; count: number } {
  const n = box.length;
  const count = points ** n;
  const x = new Float32Array(count * n);
  const index = new Array<number>(n).fill(0);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < n; j++) {
      const [lo, hi] = box[j]!;
      x[i * n + j] = lo + ((hi - lo) * index[j]!) / (points - 1);
    }
    for (let j = n - 1; j >= 0; j--) {
      if (++index[j]! < points) break;
      index[j] = 0;
    }
  }
  return { x, count };
}

/** g at every row of x `[count, n]` (the float32 grid points), checked finite. */
function evaluateTarget(g: TargetFunction, x: Float32Array, count: number, n: number, name: string): Float64Array {
  const out = new Float64Array(count);
  const point = new Array<number>(n);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < n; j++) point[j] = x[i * n + j]!;
    const v: unknown = g(...point);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw rangeError(`${name}(${point.join(', ')})`, 'a finite number', v);
    out[i] = v;
  }
  return out;
}

/**
 * Seeded random hidden units on the scaled box [−1, 1]^n: unit k is f(a_k v_kᵀ(u − c_k)) with
 * v_k a random unit direction, a_k a slope in [1, 1 + 2K^(1/n)] and c_k uniform in the box, so
 * every unit changes inside the box and larger K gets sharper units.
 */
function initHidden(network: Network, K: number, n: number, act: 'sigmoid' | 'tanh', rng: Random): void {
  const w = new Float32Array(K * n); // w^1: [K, n]
  const b = new Float32Array(K);
  const spread = 2 * K ** (1 / n);
  const scale = act === 'tanh' ? 0.5 : 1; // tanh(z) = 2σ(2z) − 1 is twice as steep
  for (let k = 0; k < K; k++) {
    const v = new Float64Array(n);
    let norm = 0;
    while (norm < 1e-6) {
      norm = 0;
      for (let j = 0; j < n; j++) norm += (v[j] = rng.normal()) ** 2;
    }
    norm = Math.sqrt(norm);
    const slope = scale * (1 + spread * rng.uniform());
    let dot = 0;
    for (let j = 0; j < n; j++) {
      const wj = (slope * v[j]!) / norm;
      w[k * n + j] = wj;
      dot += wj * (2 * rng.uniform() - 1);
    }
    b[k] = -dot;
  }
  network.setWeights(1, w);
  network.setBiases(1, b);
}

/**
 * Least squares for the output layer: c = argmin ‖H c − y‖² (+ a tiny ridge), H = [1 | f(U·Wᵀ + b)].
 */
function solveOutputLayer(network: Network, u: Float32Array, y: Float32Array, N: number): void {
  const be = network.backend;
  const n = network.inputSize;
  const K = network.sizes[1]!;
  const K1 = K + 1;
  const w1 = network.getWeights(1); // [K, n]
  const b1 = network.getBiases(1); // [K]
  const z = new Float32Array(N * K);
  const a = new Float32Array(N * K);
  // z = 1 · U · W1ᵀ + 0 · z:  A = U [N, n], op(B) = W1ᵀ [n, K] (W1 stored [K, n], transB), C = z [N, K].
  be.sgemm(false, true, N, K, n, 1, u, w1, 0, z);
  be.biasActivate(z, a, b1, N, K, activation(network.activations[0]).code); // a = f(z + b1): [N, K]
  const h = new Float32Array(N * K1); // H = [1 | a]: [N, K+1]
  for (let i = 0; i < N; i++) {
    h[i * K1] = 1;
    h.set(a.subarray(i * K, (i + 1) * K), i * K1 + 1);
  }
  const gram = new Float32Array(K1 * K1);
  // HᵀH = 1 · Hᵀ · H:  op(A) = Hᵀ [K+1, N] (H stored [N, K+1], transA), B = H [N, K+1], C = [K+1, K+1].
  be.sgemm(true, false, K1, K1, N, 1, h, h, 0, gram);
  const rhs = new Float32Array(K1);
  // Hᵀy = 1 · Hᵀ · y:  op(A) = Hᵀ [K+1, N] (transA), B = y [N, 1], C = rhs [K+1, 1].
  be.sgemm(true, false, K1, 1, N, 1, h, y, 0, rhs);
  const factor = choleskyWithRidge(gram, K1);
  const c = solveCholesky(factor, Float64Array.from(rhs), K1);
  // Iterative refinement: r = y − H c, c += solve(Hᵀ r). Recovers accuracy lost to float32 HᵀH.
  const c32 = Float32Array.from(c);
  const r = new Float32Array(N);
  const hr = new Float32Array(K1);
  for (let step = 0; step < 2; step++) {
    r.set(y);
    // r = −1 · H · c + 1 · r:  A = H [N, K+1], B = c [K+1, 1], C = r [N, 1].
    be.sgemm(false, false, N, 1, K1, -1, h, c32, 1, r);
    // Hᵀr:  op(A) = Hᵀ [K+1, N] (transA), B = r [N, 1], C = hr [K+1, 1].
    be.sgemm(true, false, K1, 1, N, 1, h, r, 0, hr);
    const dc = solveCholesky(factor, Float64Array.from(hr), K1);
    for (let j = 0; j < K1; j++) c32[j] = c[j] = c[j]! + dc[j]!;
  }
  network.setBiases(2, c32.subarray(0, 1));
  network.setWeights(2, c32.subarray(1));
}

/** Cholesky L of (A + λI), λ = 1e-7 · max diag(A), raised tenfold until A + λI is positive definite. */
function choleskyWithRidge(a: Float32Array, m: number): Float64Array {
  let maxDiag = 0;
  for (let i = 0; i < m; i++) maxDiag = Math.max(maxDiag, a[i * m + i]!);
  for (let lambda = 1e-7 * (maxDiag || 1); ; lambda *= 10) {
    const l = cholesky(a, m, lambda);
    if (l) return l;
  }
}

function cholesky(a: Float32Array, m: number, lambda: number): Float64Array | undefined {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * m + j]! + (i === j ? lambda : 0);
      for (let k = 0; k < j; k++) sum -= l[i * m + k]! * l[j * m + k]!;
      if (i === j) {
        if (!(sum > 0)) return undefined;
        l[i * m + i] = Math.sqrt(sum);
      } else {
        l[i * m + j] = sum / l[j * m + j]!;
      }
    }
  }
  return l;
}

/** Solve L Lᵀ x = b. */
function solveCholesky(l: Float64Array, b: Float64Array, m: number): Float64Array {
  const x = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * m + k]! * x[k]!;
    x[i] = s / l[i * m + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < m; k++) s -= l[k * m + i]! * x[k]!;
    x[i] = s / l[i * m + i]!;
  }
  return x;
}

/** Fold u = (x − mid) / half into layer 1: w'_kj = w_kj / half_j, b'_k = b_k − Σ_j w'_kj mid_j. */
function foldScaling(network: Network, K: number, n: number, mid: number[], half: number[]): void {
  const w = network.getWeights(1);
  const b = network.getBiases(1);
  for (let k = 0; k < K; k++) {
    let shift = 0;
    for (let j = 0; j < n; j++) {
      const wj = w[k * n + j]! / half[j]!;
      w[k * n + j] = wj;
      shift += wj * mid[j]!;
    }
    b[k] = b[k]! - shift;
  }
  network.setWeights(1, w);
  network.setBiases(1, b);
}
