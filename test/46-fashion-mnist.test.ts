/**
 * The loader on a real full-size IDX set: Fashion-MNIST from Debian's `dataset-fashion-mnist`
 * package when it is installed (it is not in CI: the suite is skipped visibly, with the reason).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { readIdx } from '../lib/data/idx';
import { loadMnist } from '../lib/data/mnist';

const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

describe('46 Fashion-MNIST, a full-size set of the same layout (when installed)', () => {
  before(function () {
    if (!fs.existsSync(path.join(DEBIAN_DIR, 'train-images-idx3-ubyte.gz'))) {
      console.log(
        `      skipped: ${DEBIAN_DIR} not found (apt-get install dataset-fashion-mnist to run these)`,
      );
      this.skip();
    }
  });

  it('reads the 47 MB uint8 training images in well under a second', () => {
    const t0 = process.hrtime.bigint();
    const images = readIdx(path.join(DEBIAN_DIR, 'train-images-idx3-ubyte.gz'));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    expect(images.type).to.equal('uint8');
    expect(images.dims).to.deep.equal([60000, 28, 28]);
    console.log(`      train-images (gzip, 47,040,000 bytes of pixels): ${seconds.toFixed(3)} s`);
    expect(seconds).to.be.lessThan(3); // ~0.5 s here; generous for a loaded CI machine
  });

  it("loads 60,000 + 10,000 items of 28x28 in 10 balanced classes, with Nielsen's validation split", () => {
    const t0 = process.hrtime.bigint();
    const m = loadMnist({ dir: DEBIAN_DIR, validation: 10000 });
    expect(m.train.count).to.equal(50000);
    expect(m.validation!.count).to.equal(10000);
    expect(m.test.count).to.equal(10000);
    expect([m.rows, m.cols, m.inputSize, m.classes]).to.deep.equal([28, 28, 784, 10]);
    const counts = new Array<number>(10).fill(0);
    for (const l of m.test.labels) counts[l]++;
    expect(counts).to.deep.equal(new Array<number>(10).fill(1000));
    const images = m.train.images; // the float conversion happens here
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    expect(images.length).to.equal(50000 * 784);
    console.log(`      loadMnist + float32 conversion of 60,000 images: ${seconds.toFixed(3)} s`);
  });
});
