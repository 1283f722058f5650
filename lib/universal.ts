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
 * 1. The box is mapped to [−1, 1]^n. The hidden units start as seeded random sigmoids whose
 *    transitions fall inside the box (random directions, slopes growing with K, centres drawn
 *    uniformly in the box).
 * 2. Fit, by one of two methods:
 *    - `'levenberg-marquardt'` (default, a direct fit): the output layer c by least squares, then
 *      Levenberg-Marquardt on every weight, hidden and output (JᵀJ on the backend's sgemm).
 *    - `'sgd'`: backpropagation with `fitSync` (quadratic loss, mini-batch SGD with momentum and a
 *      1/t schedule) on every weight, then the output layer c by least squares.
 *    Least squares: with H = [1 | f(U·Wᵀ + b)] `[N, K+1]` and targets y `[N]`, the normal
 *    equations (HᵀH + λI) c = Hᵀy are formed with the backend's sgemm and solved by Cholesky in
 *    float64, with a tiny ridge λ (1e-7 of the largest diagonal entry, raised if needed, since
 *    HᵀH is float32) and two steps of iterative refinement.
 * 3. The input scaling is folded into the first layer, so the network takes x ∈ S as it is.
 * Levenberg-Marquardt reaches errors SGD would need very many epochs for (1e-4 and below in 1-D);
 * the network's float32 weights put a floor near 1e-5 under either.
 */
import { activation } from './activations';
import type { BackendName } from './backend/select';
import type { Backend } from './backend/types';
import { rangeError, shapeError, typeError } from './errors';
import { checkNetwork, Network } from './network';
import { Random } from './random';
import { fitSync } from './train';
import { checkInt, checkNumber, checkOneOf, checkOptions, isArray } from './validate';

/**
 * The function to approximate: one number per point, called with the point's coordinates.
 *
 * @example
 * ```ts
 * const g: TargetFunction = (x, y) => Math.sin(x) * Math.cos(y);
 * ```
 */
export type TargetFunction = (...x: number[]) => number;

/**
 * A closed interval [lo, hi] with lo < hi.
 *
 * @example
 * ```ts
 * const domain: Interval[] = [[0, Math.PI], [0, Math.PI]];
 * ```
 */
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
  /**
   * Training grid points per dimension, both ends included. Default 64 in 1-D, 24 in 2-D (about
   * 4096 points in all above), raised to keep at least 4 points per weight.
   */
  trainPoints?: number;
  /** Sup-norm grid points per dimension. Default 2001 in 1-D, 161 in 2-D, and at least 4× denser than training. */
  testPoints?: number;
  /**
   * How the weights are fitted (after a seeded random hidden layer):
   * - `'levenberg-marquardt'` (default): the output layer by least squares, then Levenberg-Marquardt
   *   on all weights (a direct fit: sharp and quick for the few hundred weights of one small layer).
   * - `'sgd'`: backpropagation with `fitSync` (quadratic loss, mini-batch SGD with momentum and a
   *   1/t schedule) on all weights, then the output layer by least squares.
   */
  method?: 'levenberg-marquardt' | 'sgd';
  /** Levenberg-Marquardt iterations at most (it stops earlier once the loss stops falling). Default 200. */
  iterations?: number;
  /** SGD epochs over the training grid. Default 300. */
  epochs?: number;
  /** SGD: examples per step. Default 4. */
  batchSize?: number;
  /** SGD: η, on inputs scaled to [−1, 1]. Default 0.05. */
  learningRate?: number;
  /** SGD: momentum μ. Default 0.9. */
  momentum?: number;
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
  /** Mean quadratic loss ½(g − OUT)² on the training grid after each iteration (LM) or epoch (SGD). */
  lossHistory: number[];
}

const OPTION_NAMES: (keyof ApproximateOptions)[] = [
  'domain',
  'hiddenUnits',
  'activation',
  'seed',
  'trainPoints',
  'testPoints',
  'method',
  'iterations',
  'epochs',
  'batchSize',
  'learningRate',
  'momentum',
  'backend',
];

/** Most weights Levenberg-Marquardt fits (its JᵀJ is P × P, its Jacobian N × P). */
const MAX_LM_WEIGHTS = 1024;

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
  if (options === undefined)
    throw typeError('options', 'an options object { domain, hiddenUnits, ... }', options);
  const box = checkDomain('options.domain', opts.domain);
  const n = box.length;
  const K = checkInt('options.hiddenUnits', opts.hiddenUnits, 1, 4096);
  const act = checkOneOf('options.activation', opts.activation ?? 'sigmoid', [
    'sigmoid',
    'tanh',
  ] as const);
  const seed = checkInt('options.seed', opts.seed ?? 1, 0, 0xffffffff);
  const trainPer = checkInt(
    'options.trainPoints',
    opts.trainPoints ?? defaultTrainPoints(n, K),
    2,
    MAX_GRID,
  );
  const testPer = checkInt(
    'options.testPoints',
    opts.testPoints ?? defaultTestPoints(n, trainPer),
    2,
    MAX_GRID,
  );
  if (trainPer ** n > MAX_GRID)
    throw rangeError(
      'options.trainPoints',
      `at most ${MAX_GRID} grid points in all (points^${n})`,
      trainPer,
    );
  if (testPer ** n > MAX_GRID)
    throw rangeError(
      'options.testPoints',
      `at most ${MAX_GRID} grid points in all (points^${n})`,
      testPer,
    );
  const method = checkOneOf('options.method', opts.method ?? 'levenberg-marquardt', [
    'levenberg-marquardt',
    'sgd',
  ] as const);
  const iterations = checkInt('options.iterations', opts.iterations ?? 200, 0, 1e6);
  const epochs = checkInt('options.epochs', opts.epochs ?? 300, 0, 1e7);
  const batchSize = checkInt('options.batchSize', opts.batchSize ?? 4, 1);
  const learningRate = checkNumber('options.learningRate', opts.learningRate ?? 0.05, 0);
  const momentum = checkNumber('options.momentum', opts.momentum ?? 0.9, 0, 0.999999);
  if (method === 'levenberg-marquardt' && K * (n + 2) + 1 > MAX_LM_WEIGHTS) {
    throw rangeError(
      'options.hiddenUnits',
      `at most ${Math.floor((MAX_LM_WEIGHTS - 1) / (n + 2))} units for ${n} input(s) with Levenberg-Marquardt (or method 'sgd')`,
      K,
    );
  }

  const network = new Network({
    sizes: [n, K, 1],
    activations: [act, 'identity'],
    seed,
    init: 'xavier',
    ...(opts.backend === undefined ? {} : { backend: opts.backend }),
  });
  const mid = box.map(([lo, hi]) => (lo + hi) / 2);
  const half = box.map(([lo, hi]) => (hi - lo) / 2);

  // Training data on the [−1, 1]^n-scaled grid.
  const train = grid(box, trainPer);
  const N = train.count;
  const u = new Float32Array(N * n); // u: [N, n], the scaled inputs
  for (let i = 0; i < N * n; i++) u[i] = (train.x[i] - mid[i % n]) / half[i % n];
  const target = evaluateTarget(g, train.x, N, n, 'g');
  const y = Float32Array.from(target); // y: [N, 1]

  initHidden(network, K, n, act, new Random((seed ^ 0x5eed) >>> 0));
  let lossHistory: number[] = [];
  if (method === 'levenberg-marquardt') {
    solveOutputLayer(network, u, y, N);
    lossHistory = levenbergMarquardt(network, u, y, N, iterations);
  } else {
    if (epochs > 0) {
      const { history } = fitSync(
        network,
        { x: u, y },
        {
          epochs,
          batchSize: Math.min(batchSize, N),
          learningRate,
          momentum,
          schedule: { type: 'inverse', decay: 10 / epochs },
          loss: 'quadratic',
          seed,
        },
      );
      lossHistory = history.map((h) => h.loss);
    }
    solveOutputLayer(network, u, y, N);
  }
  foldScaling(network, K, n, mid, half);

  const trainOut = network.predict(train.x);
  let trainSupError = 0;
  for (let i = 0; i < N; i++)
    trainSupError = Math.max(trainSupError, Math.abs(target[i] - trainOut[i]));
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
export function supNormError(
  g: TargetFunction,
  network: Network,
  domain: Interval | readonly Interval[],
  points: number,
): ErrorReport {
  if (typeof g !== 'function') throw typeError('g', 'a function of the input coordinates', g);
  checkNetwork('network', network);
  const box = checkDomain('domain', domain);
  const n = box.length;
  if (network.inputSize !== n || network.outputSize !== 1) {
    throw shapeError(
      'network',
      `a network with ${n} input(s) and 1 output for this domain`,
      `sizes [${network.sizes.join(', ')}]`,
    );
  }
  const per = checkInt('points', points, 2, MAX_GRID);
  if (per ** n > MAX_GRID)
    throw rangeError('points', `at most ${MAX_GRID} grid points in all (points^${n})`, per);
  const test = grid(box, per);
  const want = evaluateTarget(g, test.x, test.count, n, 'g');
  const out = network.predict(test.x);
  let sup = -1;
  let worst = 0;
  let sq = 0;
  for (let i = 0; i < test.count; i++) {
    const e = Math.abs(want[i] - out[i]);
    sq += e * e;
    if (e > sup) {
      sup = e;
      worst = i;
    }
  }
  return {
    supError: sup,
    at: Array.from(test.x.subarray(worst * n, worst * n + n)),
    rmsError: Math.sqrt(sq / test.count),
    points: test.count,
  };
}

/**
 * Training points per dimension: a base grid (64 in 1-D, 24 in 2-D, ~4096 points above), more
 * when needed so the grid has at least 4 points per weight (P = K(n + 2) + 1): fewer points than
 * weights would let the fit interpolate them and swing between them.
 */
function defaultTrainPoints(n: number, K: number): number {
  const base = n === 1 ? 64 : n === 2 ? 24 : Math.max(3, Math.floor(4096 ** (1 / n)));
  return Math.max(base, Math.ceil((4 * (K * (n + 2) + 1)) ** (1 / n)));
}

/** Sup-norm grid points per dimension: 2001 in 1-D, 161 in 2-D, ~65536 points above; always more than 4× the training spacing. */
function defaultTestPoints(n: number, train: number): number {
  const base = n === 1 ? 2001 : n === 2 ? 161 : Math.floor(65536 ** (1 / n));
  return Math.max(base, 4 * (train - 1) + 1);
}

function checkDomain(name: string, domain: unknown): [number, number][] {
  if (!isArray(domain) || domain.length === 0)
    throw typeError(name, 'an interval [lo, hi] or an array of intervals, one per input', domain);
  const intervals: unknown[] = typeof domain[0] === 'number' ? [domain] : domain;
  if (intervals.length > 64) throw rangeError(name, 'at most 64 dimensions', domain);
  return intervals.map((iv, j) => {
    const at = intervals === domain ? `${name}[${j}]` : name;
    if (!isArray(iv) || iv.length !== 2) throw typeError(at, 'an interval [lo, hi]', iv);
    const lo = checkNumber(`${at}[0]`, iv[0]);
    const hi = checkNumber(`${at}[1]`, iv[1]);
    if (!(hi > lo))
      throw rangeError(`${at}[1]`, `an upper bound greater than the lower bound ${lo}`, hi);
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
      const [lo, hi] = box[j];
      x[i * n + j] = lo + ((hi - lo) * index[j]) / (points - 1);
    }
    for (let j = n - 1; j >= 0; j--) {
      if (++index[j] < points) break;
      index[j] = 0;
    }
  }
  return { x, count };
}

/** g at every row of x `[count, n]` (the float32 grid points), checked finite. */
function evaluateTarget(
  g: TargetFunction,
  x: Float32Array,
  count: number,
  n: number,
  name: string,
): Float64Array {
  const out = new Float64Array(count);
  const point = new Array<number>(n);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < n; j++) point[j] = x[i * n + j];
    const v: unknown = g(...point);
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw rangeError(`${name}(${point.join(', ')})`, 'a finite number', v);
    out[i] = v;
  }
  return out;
}

/**
 * Seeded random hidden units on the scaled box [−1, 1]^n: unit k is f(a_k v_kᵀ(u − c_k)) with
 * v_k a random unit direction, a_k a slope in [1, 1 + 2K^(1/n)] and c_k uniform in the box, so
 * every unit changes inside the box and larger K gets sharper units.
 */
function initHidden(
  network: Network,
  K: number,
  n: number,
  act: 'sigmoid' | 'tanh',
  rng: Random,
): void {
  const w = new Float32Array(K * n); // w^1: [K, n]
  const b = new Float32Array(K);
  const spread = 2 * K ** (1 / n);
  const scale = act === 'tanh' ? 0.5 : 1; // tanh(z) = 2σ(2z) − 1 is twice as steep
  for (let k = 0; k < K; k++) {
    const v = new Float64Array(n);
    let norm = 0;
    while (norm < 1e-6) {
      norm = 0;
      for (let j = 0; j < n; j++) {
        v[j] = rng.normal();
        norm += v[j] ** 2;
      }
    }
    norm = Math.sqrt(norm);
    const slope = scale * (1 + spread * rng.uniform());
    let dot = 0;
    for (let j = 0; j < n; j++) {
      const wj = (slope * v[j]) / norm;
      w[k * n + j] = wj;
      dot += wj * (2 * rng.uniform() - 1);
    }
    b[k] = -dot;
  }
  network.setWeights(1, w);
  network.setBiases(1, b);
}

/**
 * H = [1 | f(U·W1ᵀ + b1)] `[N, K+1]` for the network's hidden layer, on its backend.
 */
function hiddenMatrix(network: Network, u: Float32Array, N: number): Float32Array {
  const be = network.backend;
  const n = network.inputSize;
  const K = network.sizes[1];
  const K1 = K + 1;
  const z = new Float32Array(N * K);
  const a = new Float32Array(N * K);
  // z = 1 · U · W1ᵀ + 0 · z:  A = U [N, n], op(B) = W1ᵀ [n, K] (W1 stored [K, n], transB), C = z [N, K].
  be.sgemm(false, true, N, K, n, 1, u, network.getWeights(1), 0, z);
  be.biasActivate(z, a, network.getBiases(1), N, K, activation(network.activations[0]).code); // a = f(z + b1): [N, K]
  const h = new Float32Array(N * K1);
  for (let i = 0; i < N; i++) {
    h[i * K1] = 1;
    h.set(a.subarray(i * K, (i + 1) * K), i * K1 + 1);
  }
  return h;
}

/**
 * Least squares c = argmin ‖H c − y‖² (+ a tiny ridge) for H `[N, m]`, y `[N]`: the normal
 * equations on the backend's sgemm, Cholesky in float64, two steps of iterative refinement.
 */
function leastSquares(
  be: Backend,
  h: Float32Array,
  y: Float32Array,
  N: number,
  m: number,
): Float64Array {
  const gram = new Float32Array(m * m);
  // HᵀH = 1 · Hᵀ · H:  op(A) = Hᵀ [m, N] (H stored [N, m], transA), B = H [N, m], C = [m, m].
  be.sgemm(true, false, m, m, N, 1, h, h, 0, gram);
  const rhs = new Float32Array(m);
  // Hᵀy = 1 · Hᵀ · y:  op(A) = Hᵀ [m, N] (transA), B = y [N, 1], C = rhs [m, 1].
  be.sgemm(true, false, m, 1, N, 1, h, y, 0, rhs);
  const factor = choleskyWithRidge(gram, m, 1e-7);
  const c = solveCholesky(factor, Float64Array.from(rhs), m);
  // Iterative refinement: r = y − H c, c += solve(Hᵀ r); recovers accuracy lost to a float32 HᵀH.
  const c32 = Float32Array.from(c);
  const r = new Float32Array(N);
  const hr = new Float32Array(m);
  for (let step = 0; step < 2; step++) {
    r.set(y);
    // r = −1 · H · c + 1 · r:  A = H [N, m], B = c [m, 1], C = r [N, 1].
    be.sgemm(false, false, N, 1, m, -1, h, c32, 1, r);
    // Hᵀr:  op(A) = Hᵀ [m, N] (transA), B = r [N, 1], C = hr [m, 1].
    be.sgemm(true, false, m, 1, N, 1, h, r, 0, hr);
    const dc = solveCholesky(factor, Float64Array.from(hr), m);
    for (let j = 0; j < m; j++) c32[j] = c[j] = c[j] + dc[j];
  }
  return c;
}

/** Solve the output layer (c₀, c) of the network by least squares on its current hidden layer. */
function solveOutputLayer(network: Network, u: Float32Array, y: Float32Array, N: number): void {
  const K1 = network.sizes[1] + 1;
  const c = Float32Array.from(leastSquares(network.backend, hiddenMatrix(network, u, N), y, N, K1));
  network.setBiases(2, c.subarray(0, 1));
  network.setWeights(2, c.subarray(1));
}

/**
 * Levenberg-Marquardt on every parameter p = (W1 [K, n], b1 [K], c [K], c₀) of equation (1),
 * minimizing ½ Σ_i (OUT(u_i) − y_i)². Each iteration forms the Jacobian J `[N, P]` in float64
 * (∂OUT/∂c_k = h_ik, ∂OUT/∂b_k = c_k f'(z_ik), ∂OUT/∂W_kj = c_k f'(z_ik) u_ij, ∂OUT/∂c₀ = 1),
 * JᵀJ with the backend's sgemm, and solves (JᵀJ + μ diag(JᵀJ)) δ = −Jᵀr by Cholesky; a step that
 * lowers the cost is taken and μ shrinks, else μ grows. Returns the mean ½r² per iteration.
 */
function levenbergMarquardt(
  network: Network,
  u: Float32Array,
  y: Float32Array,
  N: number,
  iterations: number,
): number[] {
  const be = network.backend;
  const n = network.inputSize;
  const K = network.sizes[1];
  const tanh = network.activations[0] === 'tanh';
  const P = K * (n + 2) + 1;
  const oB = K * n; // offsets in p: W1, then b1, c, c₀
  const oC = oB + K;
  const o0 = oC + K;
  const p = new Float64Array(P);
  p.set(network.getWeights(1), 0);
  p.set(network.getBiases(1), oB);
  p.set(network.getWeights(2), oC);
  p[o0] = network.getBiases(2)[0];

  const h = new Float64Array(N * K);
  const r = new Float64Array(N);
  const forward = (q: Float64Array, out: Float64Array): number => {
    let cost = 0;
    for (let i = 0; i < N; i++) {
      let o = q[o0];
      for (let k = 0; k < K; k++) {
        let zk = q[oB + k];
        for (let j = 0; j < n; j++) zk += q[k * n + j] * u[i * n + j];
        const hk = tanh ? Math.tanh(zk) : sigmoid(zk);
        h[i * K + k] = hk;
        o += q[oC + k] * hk;
      }
      out[i] = o - y[i];
      cost += out[i] * out[i];
    }
    return cost / (2 * N);
  };

  const J = new Float32Array(N * P); // J: [N, P]
  const A = new Float32Array(P * P); // JᵀJ: [P, P]
  const grad = new Float64Array(P);
  const trial = new Float64Array(P);
  const rTrial = new Float64Array(N);
  const history: number[] = [];
  let cost = forward(p, r);
  let mu = 1e-3;
  let done = false;
  for (let it = 0; it < iterations; it++) {
    // J and Jᵀr at p (h holds f(z) at p after the last accepted forward).
    grad.fill(0);
    for (let i = 0; i < N; i++) {
      const row = i * P;
      for (let k = 0; k < K; k++) {
        const hk = h[i * K + k];
        const dz = p[oC + k] * (tanh ? 1 - hk * hk : hk * (1 - hk));
        for (let j = 0; j < n; j++) J[row + k * n + j] = dz * u[i * n + j];
        J[row + oB + k] = dz;
        J[row + oC + k] = hk;
      }
      J[row + o0] = 1;
      for (let q = 0; q < P; q++) grad[q] += J[row + q] * r[i];
    }
    // JᵀJ = 1 · Jᵀ · J:  op(A) = Jᵀ [P, N] (J stored [N, P], transA), B = J [N, P], C = [P, P].
    be.sgemm(true, false, P, P, N, 1, J, J, 0, A);
    let accepted = false;
    while (mu < 1e12) {
      const L = dampedCholesky(A, P, mu);
      if (L) {
        const step = solveCholesky(L, grad, P);
        for (let q = 0; q < P; q++) trial[q] = p[q] - step[q];
        const next = forward(trial, rTrial);
        if (next < cost) {
          accepted = true;
          p.set(trial);
          r.set(rTrial);
          const gain = (cost - next) / cost;
          cost = next;
          mu = Math.max(mu / 3, 1e-12);
          done = gain < 1e-10; // converged: no measurable progress
          break;
        }
      }
      mu *= 4;
    }
    history.push(cost);
    if (!accepted || done) break; // h holds f(z) at p: the accepted trial was evaluated last
  }
  const w1 = Float32Array.from(p.subarray(0, oB));
  network.setWeights(1, w1);
  network.setBiases(1, Float32Array.from(p.subarray(oB, oC)));
  network.setWeights(2, Float32Array.from(p.subarray(oC, o0)));
  network.setBiases(2, Float32Array.of(p[o0]));
  return history;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Cholesky of A + μ·(diag(A) + 1e-9·max diag(A)), or undefined when not positive definite. */
function dampedCholesky(a: Float32Array, m: number, mu: number): Float64Array | undefined {
  let maxDiag = 0;
  for (let i = 0; i < m; i++) maxDiag = Math.max(maxDiag, a[i * m + i]);
  const damped = Float32Array.from(a);
  for (let i = 0; i < m; i++)
    damped[i * m + i] = a[i * m + i] + mu * (a[i * m + i] + 1e-9 * maxDiag);
  return cholesky(damped, m, 0);
}

/** Cholesky L of (A + λI), λ = ridge · max diag(A), raised tenfold until A + λI is positive definite. */
function choleskyWithRidge(a: Float32Array, m: number, ridge: number): Float64Array {
  let maxDiag = 0;
  for (let i = 0; i < m; i++) maxDiag = Math.max(maxDiag, a[i * m + i]);
  for (let lambda = ridge * (maxDiag || 1); ; lambda *= 10) {
    const l = cholesky(a, m, lambda);
    if (l) return l;
  }
}

function cholesky(a: Float32Array, m: number, lambda: number): Float64Array | undefined {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * m + j] + (i === j ? lambda : 0);
      for (let k = 0; k < j; k++) sum -= l[i * m + k] * l[j * m + k];
      if (i === j) {
        if (!(sum > 0)) return undefined;
        l[i * m + i] = Math.sqrt(sum);
      } else {
        l[i * m + j] = sum / l[j * m + j];
      }
    }
  }
  return l;
}

/** Solve L Lᵀ x = b. */
function solveCholesky(l: Float64Array, b: Float64Array, m: number): Float64Array {
  const x = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * m + k] * x[k];
    x[i] = s / l[i * m + i];
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < m; k++) s -= l[k * m + i] * x[k];
    x[i] = s / l[i * m + i];
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
      const wj = w[k * n + j] / half[j];
      w[k * n + j] = wj;
      shift += wj * mid[j];
    }
    b[k] = b[k] - shift;
  }
  network.setWeights(1, w);
  network.setBiases(1, b);
}
