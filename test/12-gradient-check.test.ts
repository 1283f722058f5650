import { expect } from 'chai';
import { ACTIVATIONS, type ActivationName } from '../lib/activations';
import { blockOffset, decodeSpec } from '../lib/backend/spec';
import { ActivationCode, type Backend } from '../lib/backend/types';
import { gradientCheck } from '../lib/gradient-check';
import { LOSSES, type Loss } from '../lib/losses';
import { Network } from '../lib/network';
import { Random } from '../lib/random';
import { forEachBackend } from './helpers/backends';

/** Targets a loss can take: one-hot for cross-entropy, in (0, 1) for the others. */
function targets(rng: Random, n: number, nOut: number, oneHot: boolean): Float32Array {
  const y = new Float32Array(n * nOut);
  for (let r = 0; r < n; r++) {
    if (oneHot) y[r * nOut + rng.below(nOut)] = 1;
    else for (let j = 0; j < nOut; j++) y[r * nOut + j] = 0.1 + 0.8 * rng.uniform();
  }
  return y;
}

function inputs(rng: Random, n: number, nIn: number): Float32Array {
  return Float32Array.from({ length: n * nIn }, () => rng.normal());
}

const differentiable = Object.values(ACTIVATIONS).filter((a) => a.differentiable);
const hidden = differentiable.filter((a) => !a.outputOnly).map((a) => a.name);
const output = differentiable.map((a) => a.name);

forEachBackend('gradientCheck', (be) => {
  // Every activation × every loss it can go with, iterated from the registries so a new entry is covered.
  for (const lossEntry of Object.values(LOSSES)) {
    for (const out of output) {
      if (lossEntry.requires && lossEntry.requires !== out) continue;
      for (const h of hidden) {
        it(`passes for ${h} hidden, ${out} output, ${lossEntry.name} loss`, () => {
          const rng = new Random(17);
          const sizes = [4, 5, 3, 3];
          const net = new Network({
            sizes,
            activations: [h, h, out] as ActivationName[],
            init: 'xavier',
            seed: 3,
            backend: be(),
          });
          const x = inputs(rng, 6, 4);
          const y = targets(rng, 6, 3, lossEntry.name === 'crossEntropy');
          const report = gradientCheck(net, x, y, { loss: lossEntry.name });
          expect(report.layers).to.have.length(3);
          expect(report.passed, JSON.stringify(report)).to.equal(true);
          expect(report.maxRelativeError).to.be.below(1e-3);
        });
      }
    }
  }

  it('passes for a user-supplied loss (forward natively, ∂L/∂a in TypeScript, backward natively)', () => {
    const cubic: Loss = {
      name: 'meanCubic',
      value: (a, y, n, nOut) => {
        let s = 0;
        for (let i = 0; i < n * nOut; i++) s += Math.abs(a[i] - y[i]) ** 3;
        return s / (3 * n);
      },
      gradient: (a, y, n, nOut, out) => {
        for (let i = 0; i < n * nOut; i++)
          out[i] = (Math.sign(a[i] - y[i]) * (a[i] - y[i]) ** 2) / n;
      },
    };
    const rng = new Random(2);
    const net = new Network({
      sizes: [3, 4, 2],
      activations: ['tanh', 'sigmoid'],
      seed: 4,
      backend: be(),
    });
    const report = gradientCheck(net, inputs(rng, 5, 3), targets(rng, 5, 2, false), {
      loss: cubic,
    });
    expect(report.passed, JSON.stringify(report)).to.equal(true);
  });

  it('fails when backward is broken', () => {
    const rng = new Random(5);
    const net = new Network({
      sizes: [4, 5, 3],
      activations: ['sigmoid', 'sigmoid'],
      seed: 3,
      backend: be(),
    });
    const x = inputs(rng, 6, 4);
    const y = targets(rng, 6, 3, false);
    expect(gradientCheck(net, x, y).passed).to.equal(true);
    // A backward that forgets σ'(z) in the hidden layer: BP2 without its Hadamard factor.
    const real = be();
    const broken: Backend = Object.create(real);
    broken.trainBatch = (spec, params, grad, _velocity, xb, yb, batch, _loss, z, a, delta) => {
      real.forward(spec, params, xb, batch, z, a);
      const off = blockOffset(decodeSpec(spec), 2, batch);
      for (let i = 0; i < batch * 3; i++) delta[off + i] = (a[off + i] - yb[i]) / batch;
      const noHadamard = spec.slice();
      noHadamard[2 + 2] = ActivationCode.Identity; // layer 1's σ' taken as 1
      real.backward(noHadamard, params, grad, xb, batch, z, a, delta);
      return 0;
    };
    const report = gradientCheck(net, x, y, { backend: broken });
    expect(report.passed).to.equal(false);
    expect(report.layers[0].weights).to.be.above(1e-2);
  });

  it('rejects bad options', () => {
    const net = new Network({ sizes: [2, 1], backend: be() });
    const x = new Float32Array(2);
    const y = new Float32Array(1);
    expect(() => gradientCheck(net, x, y, { epsilon: 0 })).to.throw(RangeError, /options\.epsilon/);
    expect(() => gradientCheck(net, x, y, { loss: 'nope' as never })).to.throw(
      RangeError,
      /options\.loss/,
    );
    expect(() => gradientCheck(net, new Float32Array(3), y)).to.throw(RangeError, /data\.x/);
    expect(() => gradientCheck(net, x, y, { tolerence: 1 } as never)).to.throw(
      RangeError,
      /options\.tolerence/,
    );
  });
});
