/**
 * leakyRelu, elu, meanAbsoluteError and huber against PyTorch itself: values and derivatives made
 * by torch.nn (LeakyReLU(), ELU(), L1Loss(), HuberLoss()) with autograd, committed as
 * test/fixtures/torch-activations.json by scripts/make-torch-activations-fixture.py (torch is not
 * needed here). The fixture's points include every kink, so the derivative blasnet takes there is
 * torch's: leaky ReLU's 0.01 and ELU's 1 at z = 0, the absolute error's sign(0) = 0, and Huber's
 * a − y itself at |a − y| = δ = 1.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ACTIVATIONS, ELU_ALPHA, LEAKY_RELU_SLOPE } from '../lib/activations';
import { blockOffset, decodeSpec } from '../lib/backend/spec';
import { ActivationCode, type Backend, LossCode } from '../lib/backend/types';
import { evaluate } from '../lib/evaluate';
import { gradientCheck } from '../lib/gradient-check';
import { HUBER_DELTA, LOSSES } from '../lib/losses';
import { Network } from '../lib/network';
import { forEachBackend } from './helpers/backends';

interface ActivationCase {
  name: 'leakyRelu' | 'elu';
  z: number[];
  a: number[];
  derivative: number[];
}
interface LossCase {
  name: 'meanAbsoluteError' | 'huber';
  a: number[][];
  y: number[][];
  value: number;
  gradient: number[][];
}
interface Fixture {
  activations: ActivationCase[];
  losses: LossCase[];
  network: {
    sizes: number[];
    activations: ('leakyRelu' | 'elu' | 'identity')[];
    params: number[];
    x: number[];
    y: number[];
    outputs: number[];
    cases: { loss: 'meanAbsoluteError' | 'huber'; value: number; grad: number[] }[];
  };
}

const FIXTURE: Fixture = JSON.parse(
  readFileSync(path.join(__dirname, 'fixtures', 'torch-activations.json'), 'utf8'),
);
const CODES = { leakyRelu: ActivationCode.LeakyRelu, elu: ActivationCode.Elu } as const;
const LOSS_CODES = {
  meanAbsoluteError: LossCode.MeanAbsoluteError,
  huber: LossCode.Huber,
} as const;

/** |got − want| ≤ abs + rel·|want|, element by element, with the index in the message. */
function expectNear(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  abs: number,
  rel: number,
  what: string,
) {
  expect(got.length, `${what}: length`).to.equal(want.length);
  for (let i = 0; i < want.length; i++) {
    const tol = abs + rel * Math.abs(want[i]);
    expect(
      Math.abs(got[i] - want[i]),
      `${what}[${i}]: ${got[i]} vs torch ${want[i]}`,
    ).to.be.at.most(tol);
  }
}

describe('torch.nn defaults', () => {
  it('are the fixed parameters: slope 0.01 (float32), α = 1, δ = 1', () => {
    expect(LEAKY_RELU_SLOPE).to.equal(Math.fround(0.01));
    expect(ELU_ALPHA).to.equal(1);
    expect(HUBER_DELTA).to.equal(1);
    expect(FIXTURE.activations.map((c) => c.name)).to.deep.equal(['leakyRelu', 'elu']);
  });

  for (const c of FIXTURE.activations) {
    it(`${c.name}: the float64 reference (gradient checks, ONNX comparisons) is torch's function`, () => {
      const z = Float64Array.from(c.z);
      const a = new Float64Array(z.length);
      ACTIVATIONS[c.name].forward64(z, a, z.length);
      // torch's float32 ELU takes e^z − 1 without expm1 (−1.19e−7 at z = −1e−7, not −1e−7).
      expectNear(a, c.a, 3e-8, 2e-7, c.name);
    });
  }

  for (const c of FIXTURE.losses) {
    it(`${c.name}: value and ∂L/∂a of the TypeScript loss equal torch's (float64)`, () => {
      const a = c.a.flat();
      const y = c.y.flat();
      const rows = c.a.length;
      const cols = c.a[0].length;
      const l = LOSSES[c.name];
      expect(l.value(a, y, rows, cols, a)).to.be.closeTo(c.value, 1e-15);
      const g = new Float32Array(rows * cols);
      l.gradient(a, y, rows, cols, g);
      expectNear(g, c.gradient.flat(), 0, 1e-7, `${c.name} gradient`);
    });
  }
});

forEachBackend('torch.nn activations and losses', (be) => {
  for (const c of FIXTURE.activations) {
    it(`${c.name}: forward and derivative at every point, the kink at 0 included, are torch's`, () => {
      const n = c.z.length;
      const z = Float32Array.from(c.z);
      const a = new Float32Array(n);
      be().biasActivate(z, a, new Float32Array(n), 1, n, CODES[c.name]);
      if (c.name === 'leakyRelu')
        expect(Array.from(a)).to.deep.equal(c.a); // z · 0.01f, one rounding
      else expectNear(a, c.a, 3e-8, 2e-7, c.name);
      const delta = new Float32Array(n).fill(1);
      be().activationBackward(delta, z, a, 1, n, CODES[c.name]);
      expectNear(delta, c.derivative, 0, 1.2e-7, `${c.name}'`);
      const atZero = c.z.indexOf(0);
      expect(delta[atZero], `${c.name}'(0)`).to.equal(c.derivative[atZero]);
      expect(delta[atZero]).to.equal(c.name === 'leakyRelu' ? Math.fround(0.01) : 1);
    });
  }

  for (const c of FIXTURE.losses) {
    it(`${c.name}: trainBatch's loss and δ^L on an identity layer are torch's, kinks included`, () => {
      // One identity layer with w = I and b = 0, so a^L = x and δ^L = ∂L/∂a^L.
      const rows = c.a.length;
      const cols = c.a[0].length;
      const spec = Int32Array.from([1, cols, cols, ActivationCode.Identity]);
      const params = new Float32Array(cols * cols + cols);
      for (let j = 0; j < cols; j++) params[j * cols + j] = 1;
      const x = Float32Array.from(c.a.flat());
      const y = Float32Array.from(c.y.flat());
      const ws = () => new Float32Array(rows * cols);
      const [z, a, delta] = [ws(), ws(), ws()];
      const grad = new Float32Array(params.length);
      const value = be().trainBatch(
        spec,
        params,
        grad,
        new Float32Array(0),
        x,
        y,
        rows,
        LOSS_CODES[c.name],
        z,
        a,
        delta,
        null,
      );
      // a rounded to float32 moves a − y by up to 1e-8: the loss follows within that.
      expect(value).to.be.closeTo(c.value, 1e-7);
      expectNear(delta, c.gradient.flat(), 1e-9, 1e-6, `${c.name} δ^L`);
      // The kinks exactly: a − y = 0 gives 0; a − y = ±1 gives ±1/(N·nOut) for both losses.
      const d = c.a.flat().map((v, i) => v - c.y.flat()[i]);
      for (let i = 0; i < d.length; i++) {
        if (d[i] === 0) expect(delta[i], `δ at a = y (${i})`).to.equal(0);
        if (Math.abs(d[i]) === 1)
          expect(delta[i], `δ at |a − y| = 1 (${i})`).to.equal(Math.fround(d[i] / (rows * cols)));
      }
    });
  }

  const net = FIXTURE.network;
  for (const c of net.cases) {
    it(`a [3, 5, 4, 2] leakyRelu/elu/identity MLP with ${c.loss}: loss and every parameter gradient are torch's`, () => {
      const network = new Network({
        sizes: net.sizes,
        activations: net.activations,
        backend: be(),
      });
      network.params.set(net.params);
      const x = Float32Array.from(net.x);
      const y = Float32Array.from(net.y);
      expectNear(network.predict(x), net.outputs, 1e-6, 1e-5, 'outputs');
      expect(evaluate(network, { x, y }, { loss: c.loss }).loss).to.be.closeTo(
        c.value,
        1e-5 * c.value,
      );
      const rows = net.x.length / net.sizes[0];
      const units = net.sizes.slice(1).reduce((s, n) => s + n, 0);
      const ws = () => new Float32Array(rows * units);
      const [z, a, delta] = [ws(), ws(), ws()];
      const grad = new Float32Array(network.params.length);
      const value = be().trainBatch(
        network.spec,
        network.params,
        grad,
        new Float32Array(0),
        x,
        y,
        rows,
        LOSS_CODES[c.loss],
        z,
        a,
        delta,
        null,
      );
      expect(value).to.be.closeTo(c.value, 1e-5 * c.value);
      const scale = Math.max(...c.grad.map(Math.abs));
      expectNear(grad, c.grad, 1e-5 * scale, 1e-5, `${c.loss} gradient`);
      // And against float64 finite differences of the same network.
      const report = gradientCheck(network, x, y, { loss: c.loss, samplesPerLayer: 100 });
      expect(report.passed, JSON.stringify(report)).to.equal(true);
    });
  }

  it("gradientCheck fails where the leaky ReLU's derivative is taken as ReLU's (0 below the kink)", () => {
    // Forward with the real leaky ReLU; backward with ReLU's σ' in the hidden layer.
    const real = be();
    const broken: Backend = Object.create(real);
    broken.trainBatch = (spec, params, grad, _velocity, xb, yb, batch, _loss, z, a, delta) => {
      real.forward(spec, params, xb, batch, z, a);
      const off = blockOffset(decodeSpec(spec), 2, batch);
      const out = new Float32Array(batch * 2);
      LOSSES.huber.gradient(a.subarray(off), yb, batch, 2, out);
      delta.set(out, off);
      const asRelu = spec.slice();
      asRelu[2 + 2] = ActivationCode.Relu; // layer 1's σ'
      real.backward(asRelu, params, grad, xb, batch, z, a, delta);
      return 0;
    };
    const network = new Network({
      sizes: [3, 6, 2],
      activations: ['leakyRelu', 'identity'],
      seed: 4,
      backend: be(),
    });
    const x = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7) * 2);
    const y = Float32Array.from({ length: 16 }, (_, i) => Math.cos(i));
    expect(gradientCheck(network, x, y, { loss: 'huber' }).passed).to.equal(true);
    const report = gradientCheck(network, x, y, { loss: 'huber', backend: broken });
    expect(report.passed).to.equal(false);
    expect(report.layers[0].weights).to.be.above(report.tolerance);
  });
});
