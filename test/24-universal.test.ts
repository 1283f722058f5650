/**
 * Universal approximation (lecture B.2, equations 1 and 2): one hidden layer of K sigmoid units
 * approximates a continuous function on a compact set, with the sup-norm error measured on a
 * grid denser than the training points falling as K grows.
 */
import { expect } from 'chai';
import { approximate, supNormError } from '../lib/universal';
import { forEachBackend } from './helpers/backends';

const TWO_PI = 2 * Math.PI;
const sinCos = (x: number, y: number) => Math.sin(x) * Math.cos(y);
const SQUARE: [number, number][] = [
  [0, Math.PI],
  [0, Math.PI],
];

/** Non-increasing "in a robust sense": never more than 1.5× the error of the previous K. */
function expectFalling(errors: number[], label: string) {
  for (let i = 1; i < errors.length; i++)
    expect(errors[i], `${label}: K step ${i}`).to.be.at.most(1.5 * errors[i - 1]);
}

forEachBackend('universal approximation', (be) => {
  it('sin on [0, 2π]: sup-norm error falls with K ∈ {2, 4, 8, 16}; below ε = 0.05 from K = 4', () => {
    const Ks = [2, 4, 8, 16];
    const runs = Ks.map((K) =>
      approximate(Math.sin, { domain: [0, TWO_PI], hiddenUnits: K, seed: 1, backend: be() }),
    );
    const errors = runs.map((r) => r.supError);
    expectFalling(errors, 'sin');
    expect(errors[3]).to.be.below(errors[0] / 4);
    expect(errors[1], 'K = 4').to.be.below(0.05);
    expect(errors[3], 'K = 16').to.be.below(1e-3);
    for (const [i, r] of runs.entries()) {
      expect(r.network.sizes).to.deep.equal([1, Ks[i], 1]);
      expect(r.network.activations).to.deep.equal(['sigmoid', 'identity']);
      expect(r.points, 'the sup-norm grid is denser than the training grid').to.be.above(
        4 * r.trainPoints,
      );
      expect(r.supError).to.be.at.least(r.trainSupError * 0.5);
    }
    // The network takes x itself (the [−1, 1] scaling is folded into layer 1).
    const net = runs[3].network;
    const xs = [0, 1, Math.PI / 2, 3, 4.5, TWO_PI];
    const out = net.predict(new Float32Array(xs));
    xs.forEach((x, i) => expect(out[i]).to.be.closeTo(Math.sin(Math.fround(x)), 1e-3));
  });

  it('sin(x)·cos(y) on [0, π]²: sup-norm error falls with K ∈ {2, 4, 8, 16}; below ε = 0.05 from K = 8', () => {
    const Ks = [2, 4, 8, 16];
    const errors = Ks.map(
      (K) =>
        approximate(sinCos, { domain: SQUARE, hiddenUnits: K, seed: 1, backend: be() }).supError,
    );
    expectFalling(errors, 'sin·cos');
    expect(errors[3]).to.be.below(errors[0] / 4);
    expect(errors[2], 'K = 8').to.be.below(0.05);
    expect(errors[3], 'K = 16').to.be.below(0.01);
    expect(errors[0], 'K = 2 is far from it').to.be.above(0.1);
  });

  it('the reported sup-norm error is what an independent, denser grid measures', () => {
    const r = approximate(sinCos, { domain: SQUARE, hiddenUnits: 8, seed: 2, backend: be() });
    const check = supNormError(sinCos, r.network, SQUARE, 301);
    expect(check.points).to.equal(301 * 301);
    expect(check.supError).to.be.closeTo(r.supError, 0.25 * r.supError);
    expect(check.rmsError).to.be.below(check.supError);
    expect(
      Math.abs(sinCos(check.at[0], check.at[1]) - r.network.predict(new Float32Array(check.at))[0]),
    ).to.be.closeTo(check.supError, 1e-6);
  });

  it('is deterministic for a seed, and other seeds do about as well', () => {
    const a = approximate(Math.sin, {
      domain: [0, TWO_PI],
      hiddenUnits: 8,
      seed: 5,
      backend: be(),
    });
    const b = approximate(Math.sin, {
      domain: [0, TWO_PI],
      hiddenUnits: 8,
      seed: 5,
      backend: be(),
    });
    expect(Array.from(b.network.params)).to.deep.equal(Array.from(a.network.params));
    expect(b.supError).to.equal(a.supError);
    for (const seed of [2, 3, 4]) {
      expect(
        approximate(Math.sin, { domain: [0, TWO_PI], hiddenUnits: 8, seed, backend: be() })
          .supError,
        `seed ${seed}`,
      ).to.be.below(0.01);
    }
  });

  it("method 'sgd' (backpropagation, then least squares for c) also gets sin below 0.1 with K = 32", () => {
    const r = approximate(Math.sin, {
      domain: [0, TWO_PI],
      hiddenUnits: 32,
      seed: 1,
      method: 'sgd',
      backend: be(),
    });
    expect(r.lossHistory).to.have.length(300);
    expect(r.lossHistory.at(-1)).to.be.below(r.lossHistory[0] / 10);
    expect(r.supError).to.be.below(0.1);
  });

  it('exp(−(x² + y²)) on [−2, 2]² with tanh units: error below 0.05 at K = 16', () => {
    const g = (x: number, y: number) => Math.exp(-(x * x + y * y));
    const r2 = approximate(g, {
      domain: [
        [-2, 2],
        [-2, 2],
      ],
      hiddenUnits: 2,
      activation: 'tanh',
      seed: 1,
      backend: be(),
    });
    const r16 = approximate(g, {
      domain: [
        [-2, 2],
        [-2, 2],
      ],
      hiddenUnits: 16,
      activation: 'tanh',
      seed: 1,
      backend: be(),
    });
    expect(r16.network.activations).to.deep.equal(['tanh', 'identity']);
    expect(r16.supError).to.be.below(0.05);
    expect(r16.supError).to.be.below(r2.supError / 4);
  });
});
