/**
 * The perceptron of lecture B.1: the Heaviside unit, the perceptron rule in batch and online
 * form checked step by step against a float64 textbook reference, learning the linearly
 * separable gates and random separable sets (2, 50 and 1000 dimensions) to zero errors, the
 * convergence theorem's mistake bound, and XOR, which it cannot learn.
 */
import { expect } from 'chai';
import type { Backend } from '../lib/backend/types';
import {
  gateData,
  linearlySeparable,
  Perceptron,
  type PerceptronFitResult,
} from '../lib/perceptron';
import { Random } from '../lib/random';
import { forEachBackend } from './helpers/backends';

/** The textbook perceptron rule in float64, example by example (online) or over all of M (batch). */
function referenceFit(
  x: number[][],
  y: number[],
  mode: 'batch' | 'online',
  maxEpochs: number,
  alpha: (epoch: number) => number = () => 1,
) {
  const d1 = x[0].length + 1;
  const theta = new Array<number>(d1).fill(0);
  const xt = x.map((row) => [1, ...row]);
  const out = (row: number[]) => (row.reduce((s, v, j) => s + v * theta[j], 0) > 0 ? 1 : -1);
  const history: number[] = [];
  let epochs = 0;
  for (;;) {
    const wrong = xt.map((row, i) => out(row) !== y[i]);
    history.push(wrong.filter(Boolean).length);
    if (history.at(-1) === 0 || epochs === maxEpochs) break;
    const a = alpha(epochs);
    if (mode === 'batch') {
      const step = new Array<number>(d1).fill(0);
      xt.forEach((row, i) => wrong[i] && row.forEach((v, j) => (step[j] += y[i] * v)));
      step.forEach((v, j) => (theta[j] += a * v));
    } else {
      xt.forEach((row, i) => {
        if (out(row) !== y[i]) row.forEach((v, j) => (theta[j] += a * y[i] * v));
      });
    }
    epochs++;
  }
  return { theta, history, epochs };
}

const signed = (labels: number[]) => labels.map((v) => (v === 1 ? 1 : -1));

/** θᵀx̃ for every row in float64, independently of the backend. */
function scores64(theta: ArrayLike<number>, x: Float32Array, d: number): number[] {
  const n = x.length / d;
  const s: number[] = [];
  for (let i = 0; i < n; i++) {
    let v = theta[0];
    for (let j = 0; j < d; j++) v += theta[j + 1] * x[i * d + j];
    s.push(v);
  }
  return s;
}

/** A backend that records every sgemm call, delegating to a real one. */
function spy(be: Backend) {
  const calls: {
    transA: boolean;
    transB: boolean;
    m: number;
    n: number;
    k: number;
    a: Float32Array;
  }[] = [];
  const wrapped = new Proxy(be, {
    get(target, prop, receiver) {
      if (prop === 'sgemm') {
        return (
          transA: boolean,
          transB: boolean,
          m: number,
          n: number,
          k: number,
          alpha: number,
          a: Float32Array,
          b: Float32Array,
          beta: number,
          c: Float32Array,
        ) => {
          calls.push({ transA, transB, m, n, k, a });
          target.sgemm(transA, transB, m, n, k, alpha, a, b, beta, c);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { backend: wrapped, calls };
}

function expectConverged(r: PerceptronFitResult, what: string) {
  expect(r.converged, `${what} converged`).to.equal(true);
  expect(r.misclassified, `${what} misclassified`).to.equal(0);
  expect(r.history.at(-1), `${what} last history entry`).to.equal(0);
  expect(r.history).to.have.length(r.epochs + 1);
}

describe('Perceptron (no training)', () => {
  it('is the Heaviside unit f(θᵀx̃) with the bias folded in as x₀ = 1', () => {
    const p = new Perceptron({ inputs: 2, theta: [3, -2, -2], backend: 'js' });
    expect(
      Array.from(
        p.scores([
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ]),
      ),
    ).to.deep.equal([3, 1, 1, -1]);
    expect(
      Array.from(
        p.predict([
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ]),
      ),
    ).to.deep.equal([1, 1, 1, 0]);
    // f(0) = 0: a score of exactly zero is output 0 (class −1).
    p.setTheta([0, 1, -1]);
    expect(Array.from(p.predict(new Float32Array([1, 1, 2, 1, 1, 2])))).to.deep.equal([0, 1, 0]);
    expect(Array.from(p.getTheta())).to.deep.equal([0, 1, -1]);
  });

  it('starts from θ = 0 and counts misclassified examples with either label encoding', () => {
    const p = new Perceptron({ inputs: 2, backend: 'js' });
    expect(Array.from(p.getTheta())).to.deep.equal([0, 0, 0]);
    // θ = 0 outputs 0 everywhere: the class −1 examples are right, the class +1 ones wrong.
    expect(p.misclassified(gateData('or'))).to.equal(3);
    expect(p.misclassified({ x: gateData('or').x, y: [-1, 1, 1, 1] })).to.equal(3);
    expect(p.misclassified({ x: gateData('or').x, y: new Int8Array([-1, 1, 1, 1]) })).to.equal(3);
  });

  it('getTheta returns a copy', () => {
    const p = new Perceptron({ inputs: 1, theta: [1, 2], backend: 'js' });
    p.getTheta()[0] = 99;
    expect(Array.from(p.getTheta())).to.deep.equal([1, 2]);
  });
});

forEachBackend('Perceptron rule', (be) => {
  it('batch AND from θ = 0 follows the hand computation: M = {11}, then {00, 01, 10}, then {11}', () => {
    const p = new Perceptron({ inputs: 2, backend: be() });
    const r = p.fit(gateData('and'));
    // θ: (0,0,0) → +(1,1,1) → −(3,1,1) → +(1,1,1) = (−1, 1, 1), which computes AND.
    expect(r.history).to.deep.equal([1, 3, 1, 0]);
    expect(r.epochs).to.equal(3);
    expect(r.updates).to.equal(3);
    expect(Array.from(r.theta)).to.deep.equal([-1, 1, 1]);
    expect(r.kept).to.equal('last');
    expect(r.labels).to.equal('binary');
  });

  for (const mode of ['batch', 'online'] as const) {
    it(`${mode}: θ, epochs and history equal the float64 reference on the gates and on integer data`, () => {
      const datasets: { x: number[][]; y: number[] }[] = (
        ['and', 'or', 'nand', 'nor', 'xor', 'xnor'] as const
      ).map((g) => gateData(g));
      const rng = new Random(5);
      for (let t = 0; t < 6; t++) {
        // Small integer features and labels from an integer teacher: float32 arithmetic is exact.
        const d = 2 + t;
        const teacher = Array.from({ length: d + 1 }, () => rng.below(7) - 3);
        const x = Array.from({ length: 12 + 3 * t }, () =>
          Array.from({ length: d }, () => rng.below(7) - 3),
        );
        const y = x.map((row) =>
          row.reduce((s, v, j) => s + v * teacher[j + 1], teacher[0]) > 0 ? 1 : 0,
        );
        datasets.push({ x, y });
      }
      for (const [i, data] of datasets.entries()) {
        const ref = referenceFit(data.x, signed(data.y), mode, 60);
        const r = new Perceptron({ inputs: data.x[0].length, backend: be() }).fit(data, {
          mode,
          maxEpochs: 60,
          keep: 'last',
        });
        expect(r.history, `dataset ${i} history`).to.deep.equal(ref.history);
        expect(r.epochs, `dataset ${i} epochs`).to.equal(ref.epochs);
        expect(Array.from(r.theta), `dataset ${i} θ`).to.deep.equal(ref.theta);
        expect(r.converged).to.equal(ref.history.at(-1) === 0);
      }
    });
  }

  it('follows a learning-rate schedule α_i (a function of the epoch, or a schedule object)', () => {
    const data = gateData('nand');
    const alpha = (epoch: number) => 1 / (epoch + 1);
    const ref = referenceFit(data.x, signed(data.y), 'batch', 100, alpha);
    const r = new Perceptron({ inputs: 2, backend: be() }).fit(data, {
      schedule: (epoch) => 1 / (epoch + 1),
    });
    expectConverged(r, 'NAND with α_i = 1/(i+1)');
    expect(r.epochs).to.equal(ref.epochs);
    r.theta.forEach((v, j) => expect(v).to.be.closeTo(ref.theta[j], 1e-6));
    const seen: number[] = [];
    const xor = gateData('xor');
    new Perceptron({ inputs: 2, backend: be() }).fit(xor, {
      maxEpochs: 5,
      learningRate: 2,
      schedule: { type: 'step', every: 2, factor: 0.5 },
      onEpoch: (e) => seen.push(e.learningRate),
    });
    expect(seen).to.deep.equal([2, 2, 1, 1, 0.5]);
  });

  for (const mode of ['batch', 'online'] as const) {
    it(`${mode}: learns AND, OR, NAND and NOR to zero errors and reports the epochs`, () => {
      for (const gate of ['and', 'or', 'nand', 'nor'] as const) {
        const data = gateData(gate);
        const p = new Perceptron({ inputs: 2, backend: be() });
        const r = p.fit(data, { mode });
        expectConverged(r, gate);
        expect(r.epochs, gate).to.be.within(1, 20);
        expect(Array.from(p.predict(data.x)), gate).to.deep.equal(data.y);
        expect(p.misclassified(data)).to.equal(0);
      }
    });
  }

  it('gives the same θ for labels given as 0/1 or as ±1 (Float32Array, Int8Array or array)', () => {
    const data = gateData('or');
    const a = new Perceptron({ inputs: 2, backend: be() }).fit(data);
    const b = new Perceptron({ inputs: 2, backend: be() }).fit({
      x: data.x,
      y: new Float32Array(signed(data.y)),
    });
    const c = new Perceptron({ inputs: 2, backend: be() }).fit({
      x: new Float32Array(data.x.flat()),
      y: Int8Array.from(signed(data.y)),
    });
    expect(Array.from(b.theta)).to.deep.equal(Array.from(a.theta));
    expect(Array.from(c.theta)).to.deep.equal(Array.from(a.theta));
    expect([a.labels, b.labels, c.labels]).to.deep.equal(['binary', 'signed', 'signed']);
  });

  for (const mode of ['batch', 'online'] as const) {
    it(`${mode}: on XOR it stops after maxEpochs with converged false and examples still misclassified`, () => {
      const data = gateData('xor');
      const p = new Perceptron({ inputs: 2, backend: be() });
      const r = p.fit(data, { mode, maxEpochs: 5000 });
      expect(r.converged).to.equal(false);
      expect(r.epochs).to.equal(5000);
      expect(r.history).to.have.length(5001);
      expect(r.misclassified).to.be.within(1, 4);
      expect(Math.min(...r.history)).to.be.above(0); // no θ the run met separates XOR
      // The kept θ is the pocket θ: the fewest misclassified of the run, and what p now holds.
      expect(r.misclassified).to.equal(Math.min(...r.history));
      expect(p.misclassified(data)).to.equal(r.misclassified);
      expect(Array.from(p.getTheta())).to.deep.equal(Array.from(r.theta));
    });
  }

  it("keep: 'last' returns the final θ, 'best' the fewest-mistakes θ of the run", () => {
    // Separable data with 8 labels flipped: not separable, and the batch rule wanders.
    const base = linearlySeparable({ examples: 300, features: 2, margin: 0.05, seed: 11 });
    const y = Int8Array.from(base.y);
    for (let i = 0; i < 8; i++) y[i * 37] = -y[i * 37];
    const data = { x: base.x, y };
    const last = new Perceptron({ inputs: 2, backend: be() });
    const rl = last.fit(data, { maxEpochs: 200, keep: 'last' });
    const best = new Perceptron({ inputs: 2, backend: be() });
    const rb = best.fit(data, { maxEpochs: 200 });
    expect(rl.converged).to.equal(false);
    expect(rl.misclassified).to.equal(rl.history.at(-1));
    expect(last.misclassified(data)).to.equal(rl.misclassified);
    expect(rb.history).to.deep.equal(rl.history); // the same run, only the kept θ differs
    expect(rb.misclassified).to.equal(Math.min(...rb.history));
    expect(best.misclassified(data)).to.equal(rb.misclassified);
    expect(rb.misclassified).to.be.below(rl.misclassified);
    expect(rb.kept).to.equal('best');
    expect(rb.history[rb.keptEpoch]).to.equal(rb.misclassified);
    expect(rb.misclassified).to.be.at.least(1).and.at.most(20);
  });

  it('reports every epoch through onEpoch and continues from the current θ on a second fit', () => {
    const data = gateData('nand');
    const reports: { epoch: number; misclassified: number; updates: number }[] = [];
    const p = new Perceptron({ inputs: 2, backend: be() });
    const r = p.fit(data, { mode: 'online', onEpoch: (e) => reports.push(e) });
    expect(reports.map((e) => e.epoch)).to.deep.equal(
      Array.from({ length: r.epochs }, (_, i) => i + 1),
    );
    expect(reports.map((e) => e.misclassified)).to.deep.equal(r.history.slice(0, -1));
    expect(reports.reduce((s, e) => s + e.updates, 0)).to.equal(r.updates);
    const again = p.fit(data);
    expect(again.epochs).to.equal(0);
    expect(again.converged).to.equal(true);
  });

  it('runs on the backend sgemm: X̃ built once per fit, scores [n, d+1]·[d+1, 1], update X̃ᵀ·(y∘m)', () => {
    const data = linearlySeparable({ examples: 64, features: 5, margin: 0.05, seed: 2 });
    const { backend, calls } = spy(be());
    const r = new Perceptron({ inputs: 5, backend }).fit(data);
    expectConverged(r, 'spied fit');
    expect(r.epochs).to.be.above(1);
    expect(calls).to.have.length(2 * r.epochs + 1);
    const xt = calls[0].a;
    expect(xt.length).to.equal(64 * 6);
    for (const [i, c] of calls.entries()) {
      expect(c.a, `call ${i} reuses X̃`).to.equal(xt);
      const shape = [c.transA, c.transB, c.m, c.n, c.k];
      expect(shape, `call ${i}`).to.deep.equal(
        i % 2 === 0 ? [false, false, 64, 1, 6] : [true, false, 6, 1, 64],
      );
    }
    const online = spy(be());
    const ro = new Perceptron({ inputs: 5, backend: online.backend }).fit(data, { mode: 'online' });
    expect(online.calls).to.have.length(ro.epochs + 1); // one scoring sgemm per epoch, updates are per example
  });
});

forEachBackend('Perceptron on linearly separable sets', (be) => {
  const cases = [
    { examples: 200, features: 2, margin: 0.02, seed: 1 },
    { examples: 500, features: 50, margin: 0.05, seed: 2 },
    { examples: 2000, features: 1000, margin: 0.1, seed: 3 },
  ];
  for (const c of cases) {
    for (const mode of ['batch', 'online'] as const) {
      it(`${mode}: ${c.examples} examples × ${c.features} features, margin ${c.margin}: zero errors`, () => {
        const data = linearlySeparable(c);
        const p = new Perceptron({ inputs: c.features, backend: be() });
        const r = p.fit(data, { mode, maxEpochs: 2000 });
        expectConverged(r, `${c.features}-D ${mode}`);
        expect(r.examples).to.equal(c.examples);
        expect(r.labels).to.equal('signed');
        // Independent check in float64: every example on its side of the learned hyperplane.
        const s = scores64(r.theta, data.x, c.features);
        const wrong = s.filter((v, i) => (v > 0 ? 1 : -1) !== data.y[i]).length;
        expect(wrong).to.equal(0);
        expect(Array.from(p.predict(data.x)).map((v) => (v ? 1 : -1))).to.deep.equal(
          Array.from(data.y),
        );
        if (mode === 'online') {
          // Novikoff: mistakes <= (R‖θ*‖/γ)², R = max ‖x̃‖, θ* the teacher, γ its margin.
          let R2 = 0;
          for (let i = 0; i < c.examples; i++)
            R2 = Math.max(
              R2,
              1 +
                data.x
                  .subarray(i * c.features, (i + 1) * c.features)
                  .reduce((t, v) => t + v * v, 0),
            );
          const t2 = data.teacher.reduce((t, v) => t + v * v, 0);
          expect(r.updates).to.be.at.most((R2 * t2) / c.margin ** 2);
        }
      });
    }
  }

  it('the teacher really separates the generated set with the stated margin', () => {
    const { x, y, teacher, margin } = linearlySeparable({
      examples: 1000,
      features: 20,
      margin: 0.1,
      seed: 9,
    });
    const s = scores64(teacher, x, 20);
    expect(Math.min(...s.map((v, i) => v * y[i]))).to.be.at.least(margin * 0.999);
    const positives = Array.from(y).filter((v) => v === 1).length;
    expect(positives).to.be.within(250, 750);
  });
});
