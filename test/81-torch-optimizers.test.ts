/**
 * blasnet's Adam, AdamW and RMSprop against PyTorch's own numbers: test/fixtures/torch-optimizers.json,
 * written by scripts/make-optimizer-fixture.py (torch.optim, foreach=False) from a [4, 6, 3]
 * tanh/softmax network and 25 fixed batches of 8, and Adam after torch.nn.utils.clip_grad_norm_.
 * The same recipe trained by fitSync (batches in order) ends at PyTorch's parameters to float32
 * rounding, on both backends; the clipping test also checks each step's gradient norm.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ActivationName } from '../lib/activations';
import { clipGradNorm } from '../lib/clip';
import { Network } from '../lib/network';
import type { Optimizer } from '../lib/optimizers';
import { fitSync } from '../lib/train';
import { TrainingStep } from '../lib/step';
import { loss } from '../lib/losses';
import { range } from '../lib/random';
import { forEachBackend } from './helpers/backends';

interface Fixture {
  sizes: number[];
  activations: ActivationName[];
  batchSize: number;
  steps: number;
  initial: number[];
  x: number[];
  y: number[];
  cases: Array<{
    optimizer: Exclude<Optimizer, string>;
    learningRate: number;
    clipNorm?: number;
    norms?: number[];
    params: number[];
  }>;
}

const fixture = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'torch-optimizers.json'), 'utf8'),
) as Fixture;

/** float32 rounding after 25 steps: a few units in the last place of parameters of size ~0.5. */
const TOLERANCE = 5e-7;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return Number.isNaN(worst) ? Infinity : worst;
}

forEachBackend('optimizers against PyTorch', (be) => {
  const data = { x: new Float32Array(fixture.x), y: new Float32Array(fixture.y) };
  for (const c of fixture.cases) {
    const what = `${JSON.stringify(c.optimizer)}, lr ${c.learningRate}${c.clipNorm ? `, clipNorm ${c.clipNorm}` : ''}`;
    it(`${what}: the parameters of torch.optim after ${fixture.steps} steps`, () => {
      const net = new Network({
        sizes: fixture.sizes,
        activations: fixture.activations,
        backend: be(),
      });
      net.params.set(fixture.initial);
      fitSync(net, data, {
        optimizer: c.optimizer,
        learningRate: c.learningRate,
        clipNorm: c.clipNorm,
        batchSize: fixture.batchSize,
        epochs: 1,
        shuffle: false,
      });
      expect(maxAbsDiff(net.params, c.params)).to.be.at.most(TOLERANCE);
      // The steps moved the parameters far beyond the tolerance.
      expect(maxAbsDiff(fixture.initial, c.params)).to.be.above(1000 * TOLERANCE);
    });
  }

  const clipped = fixture.cases.find((c) => c.clipNorm !== undefined);
  it('clipGradNorm returns the norms clip_grad_norm_ returned, step by step', () => {
    if (!clipped?.norms || clipped.clipNorm === undefined) throw new Error('no clipping case');
    const net = new Network({
      sizes: fixture.sizes,
      activations: fixture.activations,
      backend: be(),
    });
    net.params.set(fixture.initial);
    const step = new TrainingStep(
      net,
      loss('crossEntropy'),
      fixture.batchSize,
      new Float32Array(0),
    );
    const order = range(fixture.steps * fixture.batchSize);
    const hyper = new Float64Array([0, 0, 0, 0, 1, 0.9, 0.999, 1e-8, 0, 0]);
    hyper[0] = clipped.learningRate;
    const state = new Float32Array(2 * net.params.length);
    for (let s = 0; s < fixture.steps; s++) {
      step.run(data.x, data.y, order, s * fixture.batchSize, fixture.batchSize, null);
      const norm = clipGradNorm(step.grad, clipped.clipNorm);
      expect(norm, `step ${s + 1}`).to.be.closeTo(clipped.norms[s], 2e-6 * clipped.norms[s]);
      let after = 0;
      for (const g of step.grad) after += g * g;
      expect(Math.sqrt(after)).to.be.at.most(clipped.clipNorm * (1 + 1e-6));
      hyper[9] = s;
      net.backend.update(net.spec, net.params, step.grad, state, hyper);
    }
    expect(maxAbsDiff(net.params, clipped.params)).to.be.at.most(TOLERANCE);
  });
});
