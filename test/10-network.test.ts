import { expect } from 'chai';
import { Network } from '../lib/network';
import { forEachBackend } from './helpers/backends';

describe('Network topology and parameters', () => {
  it('lays out w^l [nOut, nIn] then b^l per layer in one buffer', () => {
    const net = new Network({ sizes: [3, 4, 2], activations: ['tanh', 'sigmoid'], backend: 'js' });
    expect(net.params.length).to.equal(3 * 4 + 4 + 4 * 2 + 2);
    expect(net.layout.wOffset).to.deep.equal([0, 16]);
    expect(net.layout.bOffset).to.deep.equal([12, 24]);
    expect(net.getWeights(1).length).to.equal(12);
    expect(net.getBiases(2).length).to.equal(2);
  });

  it('gives the same network for the same seed, bit for bit, and another for another seed', () => {
    for (const init of ['normal', 'xavier', 'he', 'glorot'] as const) {
      const a = new Network({ sizes: [10, 7, 3], init, seed: 5, backend: 'js' });
      const b = new Network({ sizes: [10, 7, 3], init, seed: 5 });
      const c = new Network({ sizes: [10, 7, 3], init, seed: 6, backend: 'js' });
      expect(Buffer.from(a.params.buffer).equals(Buffer.from(b.params.buffer)), init).to.equal(
        true,
      );
      expect(Buffer.from(a.params.buffer).equals(Buffer.from(c.params.buffer)), init).to.equal(
        false,
      );
    }
  });

  it('draws each initializer from its stated distribution', () => {
    const sizes = [400, 300, 10];
    const stats = (w: Float32Array) => {
      let s = 0;
      let s2 = 0;
      let max = 0;
      for (const v of w) {
        s += v;
        s2 += v * v;
        max = Math.max(max, Math.abs(v));
      }
      return { mean: s / w.length, std: Math.sqrt(s2 / w.length - (s / w.length) ** 2), max };
    };
    const normal = stats(new Network({ sizes, init: 'normal', backend: 'js' }).getWeights(1));
    expect(normal.std).to.be.closeTo(1, 0.01);
    const xavier = stats(new Network({ sizes, init: 'xavier', backend: 'js' }).getWeights(1));
    expect(xavier.std).to.be.closeTo(1 / Math.sqrt(400), 0.001);
    const he = new Network({ sizes, init: 'he', backend: 'js' });
    expect(stats(he.getWeights(1)).std).to.be.closeTo(Math.sqrt(2 / 400), 0.001);
    expect(Array.from(he.getBiases(1)).every((b) => b === 0)).to.equal(true);
    const glorot = stats(new Network({ sizes, init: 'glorot', backend: 'js' }).getWeights(1));
    expect(glorot.max).to.be.at.most(Math.sqrt(6 / 700));
    expect(glorot.std).to.be.closeTo(Math.sqrt(6 / 700) / Math.sqrt(3), 0.002);
  });

  it('sets and gets weights and biases as copies', () => {
    const net = new Network({ sizes: [2, 2], activations: 'identity', backend: 'js' });
    net.setWeights(1, new Float32Array([1, 2, 3, 4]));
    net.setBiases(1, new Float32Array([0.5, -0.5]));
    const w = net.getWeights(1);
    w[0] = 99;
    expect(Array.from(net.getWeights(1))).to.deep.equal([1, 2, 3, 4]);
    expect(Array.from(net.getBiases(1))).to.deep.equal([0.5, -0.5]);
  });

  it('clone() copies parameters and is independent', () => {
    const net = new Network({ sizes: [3, 2], backend: 'js', seed: 9 });
    const copy = net.clone();
    expect(Array.from(copy.params)).to.deep.equal(Array.from(net.params));
    copy.params[0] = 42;
    expect(net.params[0]).to.not.equal(42);
  });

  it('rejects bad options with errors that name the argument', () => {
    const bad: [unknown, RegExp, ErrorConstructor][] = [
      [undefined, /sizes/, TypeError],
      [{ sizes: 'abc' }, /sizes/, TypeError],
      [{ sizes: [3] }, /sizes/, RangeError],
      [{ sizes: [3, 0] }, /sizes\[1\]/, RangeError],
      [{ sizes: [3, 2.5] }, /sizes\[1\]/, RangeError],
      [{ sizes: [3, -1] }, /sizes\[1\]/, RangeError],
      [{ sizes: [3, 2], activations: 'swish' }, /"sigmoid".*for activations\[0\]/, RangeError],
      [{ sizes: [3, 2, 1], activations: ['relu'] }, /activations/, RangeError],
      [
        { sizes: [3, 2, 1], activations: ['softmax', 'sigmoid'] },
        /output layer only.*for activations\[0\]/,
        RangeError,
      ],
      [{ sizes: [3, 2], activations: 7 }, /activations/, TypeError],
      [{ sizes: [3, 2], init: 'zeros' }, /init/, RangeError],
      [{ sizes: [3, 2], seed: -1 }, /seed/, RangeError],
      [{ sizes: [3, 2], seed: 1.5 }, /seed/, RangeError],
      [{ sizes: [3, 2], backend: 'gpu' }, /backend/, RangeError],
      [null, /options/, TypeError],
    ];
    for (const [options, message, kind] of bad) {
      expect(() => new Network(options as never), JSON.stringify(options)).to.throw(kind, message);
    }
  });

  it('rejects bad parameter access', () => {
    const net = new Network({ sizes: [2, 2], backend: 'js' });
    expect(() => net.getWeights(0)).to.throw(RangeError, /Expected an integer in \[1, 1\] for l/);
    expect(() => net.getWeights(2)).to.throw(RangeError, /for l/);
    expect(() => net.setWeights(1, new Float32Array(3))).to.throw(RangeError, /for w/);
    expect(() => net.setWeights(1, new Float64Array(4) as never)).to.throw(
      TypeError,
      /Float32Array for w/,
    );
    expect(() => net.setBiases(1, new Float32Array([0, NaN]))).to.throw(RangeError, /b\[1\]/);
  });
});

forEachBackend('Network.predict', (be) => {
  it('computes a = σ(w·x + b) layer by layer', () => {
    const net = new Network({ sizes: [2, 2, 1], activations: ['relu', 'identity'], backend: be() });
    net.setWeights(1, new Float32Array([1, -1, 2, 0.5]));
    net.setBiases(1, new Float32Array([0, -1]));
    net.setWeights(2, new Float32Array([3, -2]));
    net.setBiases(2, new Float32Array([0.25]));
    const x = new Float32Array([1, 2, -3, 4]);
    const expected = [];
    for (let r = 0; r < 2; r++) {
      const x0 = x[2 * r];
      const x1 = x[2 * r + 1];
      const h0 = Math.max(0, x0 - x1);
      const h1 = Math.max(0, 2 * x0 + 0.5 * x1 - 1);
      expected.push(3 * h0 - 2 * h1 + 0.25);
    }
    expect(Array.from(net.predict(x))).to.deep.equal(expected);
  });

  it('predicts large inputs in chunks with the same result as row by row', () => {
    const net = new Network({
      sizes: [5, 8, 3],
      activations: ['tanh', 'softmax'],
      backend: be(),
      seed: 3,
    });
    const n = 2500;
    const x = new Float32Array(n * 5).map((_, i) => Math.sin(i));
    const all = net.predict(x);
    for (const r of [0, 1023, 1024, 2047, 2499]) {
      const one = net.predict(x.slice(r * 5, r * 5 + 5));
      for (let j = 0; j < 3; j++) expect(all[r * 3 + j]).to.be.closeTo(one[j], 1e-6);
    }
    expect(net.classify(x).length).to.equal(n);
  });

  it('rejects inputs of the wrong kind or length', () => {
    const net = new Network({ sizes: [3, 2], backend: be() });
    expect(() => net.predict(new Float32Array(4))).to.throw(RangeError, /rows of 3 inputs for x/);
    expect(() => net.predict(new Float32Array(0))).to.throw(RangeError, /for x/);
    expect(() => net.predict({} as never)).to.throw(TypeError, /Float32Array.*for x/);
    // Plain arrays are inputs too (issue 15): a flat number[] is row-major.
    expect(net.predict([1, 2, 3])).to.deep.equal(net.predict(new Float32Array([1, 2, 3])));
  });
});
