import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { expect } from 'chai';
import { loadMnist, loadMnistAsync, type MnistData, MNIST_FILE_NAMES } from '../lib/data/mnist';
import {
  expectArgError,
  expectFormatError,
  idxBytes,
  makeTempDir,
  syntheticPixels,
  thrown,
  writeSyntheticMnist,
} from './fixtures/data-helpers';

describe('43 MNIST loader (synthetic IDX sets)', () => {
  let root: string;
  let cleanup: () => void;
  let k = 0;
  /** A fresh dataset directory. */
  function dataset(o: Parameters<typeof writeSyntheticMnist>[1] = {}): string {
    const dir = path.join(root, `set-${k++}`);
    fs.mkdirSync(dir);
    writeSyntheticMnist(dir, o);
    return dir;
  }
  before(() => {
    ({ dir: root, cleanup } = makeTempDir());
  });
  after(() => {
    cleanup();
  });

  it('loads shapes, labels and the raw bytes from the files', () => {
    const dir = dataset({ train: 50, test: 20, rows: 4, cols: 3 });
    const m = loadMnist({ dir });
    expect([m.rows, m.cols, m.inputSize, m.classes]).to.deep.equal([4, 3, 12, 10]);
    expect(m.train.count).to.equal(50);
    expect(m.test.count).to.equal(20);
    expect(m.validation).to.equal(null);
    expect(m.train.images).to.be.instanceOf(Float32Array);
    expect(m.train.images.length).to.equal(50 * 12);
    expect(m.train.bytes).to.be.instanceOf(Uint8Array);
    expect(Array.from(m.train.bytes)).to.deep.equal(Array.from(syntheticPixels(50, 12, 0)));
    expect(Array.from(m.test.bytes)).to.deep.equal(Array.from(syntheticPixels(20, 12, 100)));
    expect(Array.from(m.train.labels.subarray(0, 12))).to.deep.equal([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1,
    ]);
    expect(m.files.trainImages).to.equal(path.join(dir, `${MNIST_FILE_NAMES.trainImages}.gz`));
    expect(m.standardized).to.equal(false);
    expect(m.mean).to.equal(null);
  });

  it('scales pixels to [0, 1] as byte / 255', () => {
    const m = loadMnist({ dir: dataset() });
    for (const set of [m.train, m.test]) {
      let min = Infinity;
      let max = -Infinity;
      set.images.forEach((v, i) => {
        expect(v).to.equal(Math.fround(set.bytes[i] / 255));
        if (v < min) min = v;
        if (v > max) max = v;
      });
      expect(min).to.be.at.least(0);
      expect(max).to.be.at.most(1);
    }
    // The float matrix is built once, then cached.
    expect(m.train.images).to.equal(m.train.images);
  });

  it('reads raw files too, and the dotted names some mirrors use', () => {
    const dir = dataset({ gzip: false });
    expect(loadMnist({ dir }).train.count).to.equal(50);
    const dotted = path.join(root, 'dotted');
    fs.mkdirSync(dotted);
    for (const f of fs.readdirSync(dir))
      fs.copyFileSync(path.join(dir, f), path.join(dotted, f.replace(/-(idx\d)/, '.$1')));
    expect(loadMnist({ dir: dotted }).files.testLabels).to.equal(
      path.join(dotted, 't10k-labels.idx1-ubyte'),
    );
  });

  it('carves the validation split from the end of the training file, as views', () => {
    const dir = dataset({ train: 50 });
    const full = loadMnist({ dir });
    const m = loadMnist({ dir, validation: 15 });
    const v = m.validation!;
    expect(m.train.count).to.equal(35);
    expect(v.count).to.equal(15);
    expect(m.train.labels.length).to.equal(35);
    expect(v.images.length).to.equal(15 * m.inputSize);
    // Views of one buffer, no copies: the validation rows follow the training rows in memory.
    expect(v.images.buffer).to.equal(m.train.images.buffer);
    expect(v.images.byteOffset).to.equal(m.train.images.byteOffset + m.train.images.byteLength);
    expect(v.labels.buffer).to.equal(m.train.labels.buffer);
    expect(v.bytes.buffer).to.equal(m.train.bytes.buffer);
    // The same examples as the tail of the full set.
    expect(Array.from(v.labels)).to.deep.equal(Array.from(full.train.labels.subarray(35)));
    expect(Array.from(v.images)).to.deep.equal(
      Array.from(full.train.images.subarray(35 * m.inputSize)),
    );
  });

  it("standardizes by the training part's mean and std (validation excluded)", () => {
    const dir = dataset({ train: 50 });
    const m = loadMnist({ dir, standardize: true, validation: 10 });
    const bytes = m.train.bytes;
    let sum = 0;
    for (const b of bytes) sum += b / 255;
    const mean = sum / bytes.length;
    let sq = 0;
    for (const b of bytes) sq += (b / 255 - mean) ** 2;
    const std = Math.sqrt(sq / bytes.length);
    expect(m.standardized).to.equal(true);
    expect(m.mean).to.be.closeTo(mean, 1e-12);
    expect(m.std).to.be.closeTo(std, 1e-12);
    // The training part now has mean 0 and std 1; validation and test use the same transform.
    let s = 0;
    let s2 = 0;
    for (const v of m.train.images) {
      s += v;
      s2 += v * v;
    }
    expect(s / m.train.images.length).to.be.closeTo(0, 1e-5);
    expect(s2 / m.train.images.length).to.be.closeTo(1, 1e-4);
    expect(m.test.images[5]).to.be.closeTo((m.test.bytes[5] / 255 - mean) / std, 1e-5);
    expect(m.validation!.images[0]).to.be.closeTo(
      (m.validation!.bytes[0] / 255 - mean) / std,
      1e-5,
    );
  });

  it('reads classes from the data, or options.classes; shape from the files, whatever it is', () => {
    expect(loadMnist({ dir: dataset({ classes: 3 }) }).classes).to.equal(3);
    expect(loadMnist({ dir: dataset({ classes: 3 }), classes: 10 }).classes).to.equal(10);
    const m = loadMnist({ dir: dataset({ rows: 5, cols: 7, train: 12, test: 3 }) });
    expect([m.rows, m.cols, m.inputSize, m.train.count, m.test.count]).to.deep.equal([
      5, 7, 35, 12, 3,
    ]);
  });

  it('accepts explicit file paths', () => {
    const dir = dataset();
    const other = path.join(root, 'renamed');
    fs.mkdirSync(other);
    fs.copyFileSync(
      path.join(dir, 'train-images-idx3-ubyte.gz'),
      path.join(other, 'emnist-train-images.gz'),
    );
    const m = loadMnist({
      dir,
      files: { trainImages: path.join(other, 'emnist-train-images.gz') },
    });
    expect(m.files.trainImages).to.equal(path.join(other, 'emnist-train-images.gz'));
    expect(m.train.count).to.equal(50);
  });

  describe('file errors name the file', () => {
    function replace(dir: string, name: string, bytes: Buffer): string {
      const file = path.join(dir, `${name}.gz`);
      fs.writeFileSync(file, zlib.gzipSync(bytes));
      return file;
    }

    it('an images file and a labels file of different counts', () => {
      const dir = dataset({ train: 50 });
      const labels = replace(
        dir,
        'train-labels-idx1-ubyte',
        idxBytes(0x08, [49], new Uint8Array(49)),
      );
      expectFormatError(
        () => loadMnist({ dir }),
        `${labels}: label count mismatch: 49 labels but ${path.join(dir, 'train-images-idx3-ubyte.gz')} has 50 images`,
      );
      const dir2 = dataset({ test: 20 });
      const testLabels = replace(
        dir2,
        't10k-labels-idx1-ubyte',
        idxBytes(0x08, [21], new Uint8Array(21)),
      );
      expectFormatError(
        () => loadMnist({ dir: dir2 }),
        `${testLabels}: label count mismatch: 21 labels but ${path.join(dir2, 't10k-images-idx3-ubyte.gz')} has 20 images`,
      );
    });

    it('files of the wrong type or shape', () => {
      const dir = dataset();
      const f = replace(
        dir,
        'train-images-idx3-ubyte',
        idxBytes(0x0d, [2, 1, 1], new Uint8Array(8)),
      );
      expectFormatError(
        () => loadMnist({ dir }),
        `${f}: expected an images file of uint8 pixels (type byte 0x08) but the header says float32`,
      );
      replace(dir, 'train-images-idx3-ubyte', idxBytes(0x08, [50], new Uint8Array(50)));
      expectFormatError(
        () => loadMnist({ dir }),
        `${f}: expected an images file of 2 or more dimensions [count, rows, cols] but the header has 1 (50)`,
      );
      const dir2 = dataset();
      const l = replace(
        dir2,
        'train-labels-idx1-ubyte',
        idxBytes(0x08, [50, 1], new Uint8Array(50)),
      );
      expectFormatError(
        () => loadMnist({ dir: dir2 }),
        `${l}: expected a labels file of 1 dimension but the header has 2 (50x1)`,
      );
      replace(dir2, 'train-labels-idx1-ubyte', idxBytes(0x09, [50], new Uint8Array(50)));
      expectFormatError(
        () => loadMnist({ dir: dir2 }),
        `${l}: expected a labels file of uint8 labels (type byte 0x08) but the header says int8`,
      );
    });

    it('test images of another size, test labels beyond the classes', () => {
      const dir = dataset({ rows: 4, cols: 3 });
      const t = replace(
        dir,
        't10k-images-idx3-ubyte',
        idxBytes(0x08, [20, 3, 4], new Uint8Array(240)),
      );
      expectFormatError(
        () => loadMnist({ dir }),
        `${t}: image size 3x4 differs from 4x3 in ${path.join(dir, 'train-images-idx3-ubyte.gz')}`,
      );
      const dir2 = dataset({ classes: 5 });
      const labels = new Uint8Array(20);
      labels[7] = 5;
      const l = replace(dir2, 't10k-labels-idx1-ubyte', idxBytes(0x08, [20], labels));
      expectFormatError(
        () => loadMnist({ dir: dir2 }),
        `${l}: label 5 at index 7 is out of range: the training labels give 5 classes (labels 0..4)`,
      );
      const l2 = path.join(dir2, 'train-labels-idx1-ubyte.gz');
      expectFormatError(
        () => loadMnist({ dir: dir2, classes: 4 }),
        `${l2}: label 4 at index 4 is out of range: options.classes is 4 (labels 0..3)`,
      );
    });

    it('corrupted files surface the IDX error', () => {
      const dir = dataset();
      const f = path.join(dir, 'train-images-idx3-ubyte.gz');
      const gz = fs.readFileSync(f);
      fs.writeFileSync(f, gz.subarray(0, gz.length - 10));
      expectFormatError(
        () => loadMnist({ dir }),
        `${f}: truncated gzip stream (unexpected end of file): the file ends before the compressed data does`,
      );
    });

    it('a missing file is ERR_BLASNET_IO with the names tried and a hint', () => {
      const dir = dataset();
      fs.rmSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'));
      const err = thrown(() => loadMnist({ dir }));
      expect(err.code).to.equal('ERR_BLASNET_IO');
      expect(err.message).to.equal(
        `${dir}: no t10k-labels-idx1-ubyte file (tried t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte.gz, t10k-labels.idx1-ubyte, t10k-labels.idx1-ubyte.gz); download the dataset with downloadMnist({ dir }) or pass options.files.testLabels`,
      );
    });

    it('an empty training file', () => {
      const dir = dataset();
      const f = replace(dir, 'train-images-idx3-ubyte', idxBytes(0x08, [0, 4, 3], []));
      replace(dir, 'train-labels-idx1-ubyte', idxBytes(0x08, [0], []));
      expectFormatError(() => loadMnist({ dir }), `${f}: the training set is empty (0 images)`);
    });
  });

  describe('loadMnistAsync: what loadMnist gives, or the same error', () => {
    function sameData(a: MnistData, b: MnistData): void {
      const { train: _t, validation: _v, test: _s, ...rest } = a;
      const { train: _t2, validation: _v2, test: _s2, ...restB } = b;
      expect(restB).to.deep.equal(rest);
      const bytes = (x: Uint8Array | Float32Array) =>
        Buffer.from(x.buffer, x.byteOffset, x.byteLength);
      for (const key of ['train', 'validation', 'test'] as const) {
        const x = a[key];
        const y = b[key];
        if (x === null || y === null) {
          expect(y, key).to.equal(x);
          continue;
        }
        expect(y.count, key).to.equal(x.count);
        for (const field of ['bytes', 'labels', 'images'] as const) {
          expect(bytes(y[field]).equals(bytes(x[field])), `${key}.${field}`).to.equal(true);
        }
      }
    }
    async function same(options: unknown): Promise<void> {
      let expected: MnistData | undefined;
      let expectedError: (Error & { code?: string }) | undefined;
      try {
        expected = loadMnist(options as never);
      } catch (err) {
        expectedError = err as Error & { code?: string };
      }
      const got = await loadMnistAsync(options as never).then(
        (data) => ({ data, error: undefined }),
        (error: Error & { code?: string }) => ({ data: undefined, error }),
      );
      if (expectedError) {
        expect(got.error, `expected ${expectedError.message}`).to.be.instanceOf(
          expectedError.constructor,
        );
        expect(got.error!.message).to.equal(expectedError.message);
        expect(got.error!.code).to.equal(expectedError.code);
      } else {
        expect(got.error, got.error?.message).to.equal(undefined);
        sameData(expected!, got.data!);
      }
    }
    function replace(dir: string, name: string, bytes: Buffer): void {
      fs.writeFileSync(path.join(dir, `${name}.gz`), zlib.gzipSync(bytes));
    }

    it('the bundled digits, a gzip set with a validation split and standardization, raw files, explicit paths', async () => {
      await same(undefined);
      await same({
        dir: dataset({ train: 50, test: 20, rows: 4, cols: 3 }),
        validation: 10,
        standardize: true,
      });
      await same({ dir: dataset({ gzip: false }), classes: 12 });
      const dir = dataset();
      const other = path.join(root, 'renamed-async');
      fs.mkdirSync(other);
      fs.copyFileSync(
        path.join(dir, 'train-images-idx3-ubyte.gz'),
        path.join(other, 'emnist-train-images.gz'),
      );
      await same({ dir, files: { trainImages: path.join(other, 'emnist-train-images.gz') } });
    });

    it('the same errors: counts, types, sizes, classes, a truncated gzip, a missing file, an empty set, bad options', async () => {
      let dir = dataset({ train: 50 });
      replace(dir, 'train-labels-idx1-ubyte', idxBytes(0x08, [49], new Uint8Array(49)));
      await same({ dir });
      dir = dataset();
      replace(dir, 'train-images-idx3-ubyte', idxBytes(0x0d, [2, 1, 1], new Uint8Array(8)));
      await same({ dir });
      dir = dataset({ rows: 4, cols: 3 });
      replace(dir, 't10k-images-idx3-ubyte', idxBytes(0x08, [20, 3, 4], new Uint8Array(240)));
      await same({ dir });
      await same({ dir: dataset({ classes: 5 }), classes: 4 });
      dir = dataset();
      const f = path.join(dir, 'train-images-idx3-ubyte.gz');
      fs.writeFileSync(f, fs.readFileSync(f).subarray(0, -10));
      await same({ dir });
      dir = dataset();
      fs.rmSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'));
      await same({ dir });
      dir = dataset();
      replace(dir, 'train-images-idx3-ubyte', idxBytes(0x08, [0, 4, 3], []));
      replace(dir, 'train-labels-idx1-ubyte', idxBytes(0x08, [0], []));
      await same({ dir });
      for (const bad of [
        5,
        { dir: '' },
        { dir: dataset(), validation: 50 },
        { dir: dataset(), files: { trainImage: 'x' } },
      ])
        await same(bad);
    });
  });

  describe('rejects bad input', () => {
    let dir: string;
    before(() => {
      dir = dataset({ train: 50 });
    });
    it('options', () => {
      for (const bad of [5, 'dir', [1], null])
        expectArgError(() => loadMnist(bad as never), 'options');
      for (const bad of [5, '', null, ['a']])
        expectArgError(() => loadMnist({ dir: bad as never }), 'options.dir');
      for (const bad of ['yes', 1, null])
        expectArgError(() => loadMnist({ dir, standardize: bad as never }), 'options.standardize');
      for (const bad of [-1, 1.5, '10', null, NaN, 50, 51])
        expectArgError(() => loadMnist({ dir, validation: bad as never }), 'options.validation');
      for (const bad of [0, 257, 2.5, '10', null])
        expectArgError(() => loadMnist({ dir, classes: bad as never }), 'options.classes');
      for (const bad of [5, 'files', [1]])
        expectArgError(() => loadMnist({ dir, files: bad as never }), 'options.files');
      expectArgError(
        () => loadMnist({ dir, files: { trainImage: 'x' } as never }),
        'options.files',
      );
      for (const bad of [5, '', null])
        expectArgError(
          () => loadMnist({ dir, files: { testLabels: bad as never } }),
          'options.files.testLabels',
        );
    });
  });
});
