import { expect } from 'chai';
import { loadMnist, type MnistData } from '../lib/data/mnist';
import { type EncodingName, getEncoding } from '../lib/data/encodings';
import { evaluate } from '../lib/evaluate';
import type { ActivationName } from '../lib/activations';
import type { LossName } from '../lib/losses';
import { Network } from '../lib/network';
import { fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';

/**
 * The lecture's three output layers (B.3) trained on real digits. Thresholds sit well above chance
 * (10%) and well below what each reaches, so a broken encoder, decoder or training step misses them.
 */
const CASES: {
  encoding: EncodingName;
  output: ActivationName;
  loss: LossName;
  learningRate: number;
  minAccuracy: number;
}[] = [
  {
    encoding: 'onehot',
    output: 'softmax',
    loss: 'crossEntropy',
    learningRate: 0.5,
    minAccuracy: 0.88,
  },
  {
    encoding: 'binary',
    output: 'sigmoid',
    loss: 'binaryCrossEntropy',
    learningRate: 0.5,
    minAccuracy: 0.8,
  },
  {
    encoding: 'regression',
    output: 'sigmoid',
    loss: 'quadratic',
    learningRate: 1,
    minAccuracy: 0.25,
  },
];

forEachBackend('a network trains with each output encoding on the bundled digits', (be) => {
  let data: MnistData;
  before(() => (data = loadMnist()));

  for (const c of CASES) {
    it(`${c.encoding}: ${getEncoding(c.encoding).width(10)} ${c.output} output(s), ${c.loss} loss, test accuracy > ${c.minAccuracy}`, () => {
      const enc = getEncoding(c.encoding);
      const n = 4000;
      const train = {
        x: data.train.images.subarray(0, n * 784),
        y: enc.encode(data.train.labels.subarray(0, n), 10),
        labels: data.train.labels.subarray(0, n),
      };
      const test = {
        x: data.test.images,
        y: enc.encode(data.test.labels, 10),
        labels: data.test.labels,
      };
      const net = new Network({
        sizes: [784, 30, enc.width(10)],
        activations: ['sigmoid', c.output],
        seed: 1,
        backend: be(),
      });
      const decode = (outputs: Float32Array, count: number) => enc.decode(outputs, count, 10);
      fitSync(net, train, {
        epochs: 5,
        batchSize: 10,
        learningRate: c.learningRate,
        loss: c.loss,
        decode,
      });
      const { accuracy } = evaluate(net, test, { loss: c.loss, decode });
      console.log(`        ${c.encoding}: test accuracy ${(accuracy! * 100).toFixed(1)}%`);
      expect(accuracy).to.be.above(c.minAccuracy);
    });
  }
});
