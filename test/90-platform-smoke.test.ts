/**
 * The end-to-end check each platform's binary must pass, small enough to run under emulation
 * (scripts/test-arm64.sh runs it with tests 02, 04 and 23 on the linux-arm64 prebuild under
 * qemu): `backend()` reports native on OpenBLAS, a 2-3-1 network learns XOR, and a [784, 30, 10]
 * network learns 500 bundled digits, on both backends, which agree digit by digit.
 */
import { expect } from 'chai';
import { backend, nativeAvailability } from '../lib/backend/select';
import { loadMnist } from '../lib/data';
import { evaluate } from '../lib/evaluate';
import { Network } from '../lib/network';
import { fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';

const XOR = {
  x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]),
  y: new Float32Array([0, 1, 1, 0]),
  labels: new Uint8Array([0, 1, 1, 0]),
};

/** The first `n` digits of a bundled part, one-hot. */
function digits(part: 'train' | 'test', n: number) {
  const mnist = loadMnist();
  const set = mnist[part];
  const y = new Float32Array(n * mnist.classes);
  for (let i = 0; i < n; i++) y[i * mnist.classes + set.labels[i]] = 1;
  return { x: set.images.subarray(0, n * mnist.inputSize), y, labels: set.labels.subarray(0, n) };
}

/** Each backend's predicted labels for the 500 test digits, to compare them. */
const predicted: Partial<Record<string, Uint8Array | Int32Array | number[]>> = {};

describe('81 platform smoke test', () => {
  it('backend() reports native on OpenBLAS wherever the native addon loads', function () {
    if (!nativeAvailability().available || process.env.BLASNET_BACKEND === 'js') this.skip();
    const report = backend();
    expect(report.name).to.equal('native');
    expect(report.blas).to.match(/^OpenBLAS \d/);
    console.log(`      ${process.platform}-${process.arch}: ${report.blas}, ${report.binary}`);
  });
});

forEachBackend('81 platform smoke test', (be, kind) => {
  it('a 2-3-1 sigmoid network learns XOR to 100% accuracy', () => {
    const net = new Network({
      sizes: [2, 3, 1],
      activations: 'sigmoid',
      init: 'normal',
      seed: 2,
      backend: be(),
    });
    fitSync(net, XOR, { epochs: 3000, batchSize: 1, learningRate: 2 });
    // No class names: classify gives the indices, a Uint8Array.
    expect(Array.from(net.classify(XOR.x) as Uint8Array)).to.deep.equal([0, 1, 1, 0]);
  });

  it('a [784, 30, 10] network learns 500 bundled digits: > 75% on 500 test digits', () => {
    const net = new Network({ sizes: [784, 30, 10], seed: 1, backend: be() });
    fitSync(net, digits('train', 500), { epochs: 10, batchSize: 10, learningRate: 3 });
    const test = digits('test', 500);
    const { accuracy } = evaluate(net, test);
    console.log(`      ${kind}: accuracy ${accuracy}`);
    expect(accuracy).to.be.above(0.75);
    predicted[kind] = Array.from(net.classify(test.x) as Uint8Array);
  });

  if (kind === 'js') {
    it('native and js predict the same digit for at least 98% of the 500', function () {
      const { native, js } = predicted;
      if (!native || !js) this.skip();
      let same = 0;
      for (let i = 0; i < js.length; i++) if (native[i] === js[i]) same++;
      expect(same / js.length).to.be.at.least(0.98);
    });
  }
});
