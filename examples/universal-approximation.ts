/**
 * Universal approximation (lecture B.2, equations 1 and 2): OUT(x) = Σ_k c_k f(θ_kᵀx̃) + c_0 with
 * K sigmoid units approximates a continuous g on a compact set; the sup-norm error
 * max |g(x) − OUT(x)|, measured on a grid denser than the training points, falls as K grows.
 *
 *   npx tsx examples/universal-approximation.ts
 */
import { getBackend } from '../lib/backend/select';
import { approximate, type ApproximateOptions, type TargetFunction } from '../lib/universal';

const EPSILON = 0.05;

interface Case {
  title: string;
  g: TargetFunction;
  domain: ApproximateOptions['domain'];
  Ks: number[];
  method?: ApproximateOptions['method'];
}

const cases: Case[] = [
  {
    title: 'g(x) = sin x on [0, 2π]',
    g: Math.sin,
    domain: [0, 2 * Math.PI],
    Ks: [1, 2, 3, 4, 6, 8, 12, 16],
  },
  {
    title: 'g(x, y) = sin x · cos y on [0, π]²',
    g: (x, y) => Math.sin(x) * Math.cos(y),
    domain: [
      [0, Math.PI],
      [0, Math.PI],
    ],
    Ks: [1, 2, 4, 8, 12, 16, 24],
  },
  {
    title: "g(x) = sin x on [0, 2π], method 'sgd' (backpropagation only, then least squares for c)",
    g: Math.sin,
    domain: [0, 2 * Math.PI],
    Ks: [4, 8, 16, 32],
    method: 'sgd',
  },
];

const be = getBackend();
console.log(
  `OUT(x) = Σ_{k=1..K} c_k σ(θ_kᵀx̃) + c_0: one hidden layer of K sigmoid units, identity output (seed 1, ${be.name} backend).`,
);
console.log(
  'Default fit: c by least squares, then Levenberg-Marquardt on all weights; sup-norm error on a dense grid.\n',
);

for (const c of cases) {
  console.log(c.title);
  console.log(
    `${'K'.padStart(5)}${'weights'.padStart(9)}${'train pts'.padStart(11)}${'test pts'.padStart(10)}${'sup |g − OUT|'.padStart(16)}${'RMS error'.padStart(12)}`,
  );
  let reached: number | undefined;
  for (const K of c.Ks) {
    const r = approximate(c.g, {
      domain: c.domain,
      hiddenUnits: K,
      seed: 1,
      ...(c.method ? { method: c.method } : {}),
    });
    const weights = r.network.params.length;
    if (reached === undefined && r.supError < EPSILON) reached = K;
    console.log(
      `${String(K).padStart(5)}${String(weights).padStart(9)}${String(r.trainPoints).padStart(11)}${String(r.points).padStart(10)}${r.supError.toExponential(2).padStart(16)}${r.rmsError.toExponential(2).padStart(12)}`,
    );
  }
  console.log(
    reached === undefined
      ? `  ε = ${EPSILON} not reached for these K\n`
      : `  |g − OUT| < ε = ${EPSILON} everywhere on the grid from K = ${reached}\n`,
  );
}
