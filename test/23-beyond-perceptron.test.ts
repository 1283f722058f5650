/**
 * The lecture's two answers to XOR, which one perceptron cannot learn (B.1): (a) a better
 * representation, a feature map in which a perceptron separates it; (b) an MLP with one hidden
 * layer trained by backpropagation.
 */
import { expect } from 'chai';
import { Network } from '../lib/network';
import { gateData, mapFeatures, pairwiseProducts, Perceptron } from '../lib/perceptron';
import { fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';

const XOR = gateData('xor');
const XOR_DATA = {
  x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]),
  y: new Float32Array([0, 1, 1, 0]),
  labels: new Uint8Array([0, 1, 1, 0]),
};

describe('feature maps', () => {
  it('pairwiseProducts appends x_i·x_j for i < j: (x₁, x₂, x₁x₂) for XOR', () => {
    const m = pairwiseProducts(XOR.x, 2);
    expect(m.features).to.equal(3);
    expect(Array.from(m.x)).to.deep.equal([0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1]);
    const three = pairwiseProducts(new Float32Array([2, 3, 5]), 3);
    expect(three.features).to.equal(6);
    expect(Array.from(three.x)).to.deep.equal([2, 3, 5, 6, 10, 15]);
  });

  it('mapFeatures applies any map row by row', () => {
    const m = mapFeatures(
      [
        [1, 2],
        [3, 4],
      ],
      2,
      ([a, b]) => [a! + b!, a! * b!, 1],
    );
    expect(m.features).to.equal(3);
    expect(Array.from(m.x)).to.deep.equal([3, 2, 1, 7, 12, 1]);
  });
});

forEachBackend('beyond the perceptron: XOR', (be) => {
  it('a plain perceptron cannot learn XOR: converged false, examples still misclassified', () => {
    for (const mode of ['batch', 'online'] as const) {
      const r = new Perceptron({ inputs: 2, backend: be() }).fit(XOR, { mode, maxEpochs: 1000 });
      expect(r.converged, mode).to.equal(false);
      expect(r.misclassified, mode).to.be.above(0);
      expect(r.epochs, mode).to.equal(1000);
    }
  });

  for (const mode of ['batch', 'online'] as const) {
    it(`(a) with the feature x₁x₂ added, a perceptron separates XOR (${mode}): converged, zero errors`, () => {
      const mapped = pairwiseProducts(XOR.x, 2);
      const p = new Perceptron({ inputs: mapped.features, backend: be() });
      const r = p.fit({ x: mapped.x, y: XOR.y }, { mode, maxEpochs: 1000 });
      expect(r.converged).to.equal(true);
      expect(r.misclassified).to.equal(0);
      expect(r.epochs).to.be.within(1, 100);
      expect(Array.from(p.predict(mapped.x))).to.deep.equal([0, 1, 1, 0]);
      // The learned θ is linear in (x₁, x₂, x₁x₂): check it by hand on the four rows.
      const [t0, t1, t2, t3] = Array.from(r.theta);
      const out = XOR.x.map(([a, b]) => (t0! + t1! * a! + t2! * b! + t3! * a! * b! > 0 ? 1 : 0));
      expect(out).to.deep.equal([0, 1, 1, 0]);
      expect(t3!, 'the product feature carries a negative weight').to.be.below(0);
    });
  }

  it('(b) a 2-3-1 sigmoid MLP learns XOR by backpropagation to 100% accuracy (seed 1)', () => {
    const net = new Network({ sizes: [2, 3, 1], activations: 'sigmoid', seed: 1, backend: be() });
    const result = fitSync(net, XOR_DATA, {
      epochs: 2000,
      batchSize: 4,
      learningRate: 2,
      momentum: 0.9,
    });
    expect(Array.from(net.classify(XOR_DATA.x) as Uint8Array)).to.deep.equal([0, 1, 1, 0]);
    const out = net.predict(XOR_DATA.x);
    expect(out[0]).to.be.below(0.1);
    expect(out[1]).to.be.above(0.9);
    expect(out[2]).to.be.above(0.9);
    expect(out[3]).to.be.below(0.1);
    expect(result.history.at(-1)!.accuracy).to.equal(1);
    expect(result.history.at(-1)!.loss).to.be.below(result.history[0].loss / 50);
  });

  it('(b) the 2-3-1 MLP learns XOR from each of 8 seeds; the hidden layer makes it linearly separable', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const net = new Network({ sizes: [2, 3, 1], activations: 'sigmoid', seed, backend: be() });
      fitSync(net, XOR_DATA, { epochs: 2000, batchSize: 4, learningRate: 2, momentum: 0.9, seed });
      expect(Array.from(net.classify(XOR_DATA.x) as Uint8Array), `seed ${seed}`).to.deep.equal([
        0, 1, 1, 0,
      ]);
      // The hidden activations are a feature map learned by backprop: a perceptron separates XOR there.
      const w = net.getWeights(1);
      const b = net.getBiases(1);
      const hidden = XOR.x.map(([x1, x2]) =>
        [0, 1, 2].map((j) => 1 / (1 + Math.exp(-(w[2 * j] * x1! + w[2 * j + 1] * x2! + b[j])))),
      );
      const r = new Perceptron({ inputs: 3, backend: be() }).fit(
        { x: hidden, y: XOR.y },
        { maxEpochs: 10000 },
      );
      expect(r.converged, `seed ${seed}: hidden features separable`).to.equal(true);
    }
  });

  it('(b) with only 2 hidden units (2-2-1) it learns XOR too (seed 1)', () => {
    const net = new Network({ sizes: [2, 2, 1], activations: 'sigmoid', seed: 1, backend: be() });
    fitSync(net, XOR_DATA, { epochs: 2000, batchSize: 4, learningRate: 2, momentum: 0.9 });
    expect(Array.from(net.classify(XOR_DATA.x) as Uint8Array)).to.deep.equal([0, 1, 1, 0]);
  });
});
