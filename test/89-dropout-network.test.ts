/**
 * Dropout as part of the network (as nn.Dropout is part of a PyTorch model): the option and its
 * coded errors, the backends' argument checks (TypeScript and C++), the model file, predict and
 * evaluate without it, fit with it, the CLI's --dropout, and a learning check on the bundled
 * digits that a missing scale or a mask missing from backward does not pass.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { loadAddon } from '../lib/backend/native/addon';
import { getBackend, nativeAvailability } from '../lib/backend/select';
import { makeSpec } from '../lib/backend/spec';
import { ActivationCode, type Backend } from '../lib/backend/types';
import { main } from '../lib/cli/main';
import type { ActivationName } from '../lib/activations';
import { trainInBackground } from '../lib/background';
import { networkFromModelBytes } from '../lib/browser/model-bytes';
import { evaluate } from '../lib/evaluate';
import { LOSSES, type Loss } from '../lib/losses';
import { deserializeNetwork, loadNetwork, serializeNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { fitSync } from '../lib/train';
import { bundledOneHot } from './helpers/mnist';
import { mulberry32, randomFloat32, randomInt } from './helpers/random';

const haveNative = nativeAvailability().available;
const kinds = haveNative ? (['native', 'js'] as const) : (['js'] as const);

function expectCoded(
  fn: () => unknown,
  kind: typeof TypeError | typeof RangeError,
  code: string,
  what: RegExp,
) {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(kind);
    expect((error as { code?: string }).code).to.equal(code);
    expect((error as Error).message).to.match(/^Expected /);
    expect((error as Error).message).to.match(what);
    return;
  }
  expect.fail('no error thrown');
}

function smallData(n: number, seed: number) {
  const rng = mulberry32(seed);
  const x = randomFloat32(rng, n * 6, -1, 1);
  const labels = new Uint8Array(n);
  const y = new Float32Array(n * 3);
  for (let r = 0; r < n; r++) {
    labels[r] = randomInt(rng, 3);
    y[r * 3 + labels[r]] = 1;
  }
  return { x, y, labels };
}

describe('dropout: the network option', () => {
  it('takes one rate for every hidden layer, or one per hidden layer, and clone keeps it', () => {
    expect(new Network({ sizes: [4, 5, 6, 2], dropout: 0.3 }).dropout).to.deep.equal([0.3, 0.3]);
    const net = new Network({ sizes: [4, 5, 6, 2], dropout: [0.5, 0] });
    expect(net.dropout).to.deep.equal([0.5, 0]);
    expect(Object.isFrozen(net.dropout)).to.equal(true);
    expect(net.clone('js').dropout).to.deep.equal([0.5, 0]);
    expect(new Network({ sizes: [4, 5, 2] }).dropout).to.deep.equal([0]);
    expect(new Network({ sizes: [4, 2], dropout: 0 }).dropout).to.deep.equal([]);
  });

  it('rejects bad rates with coded errors naming them', () => {
    const make = (dropout: unknown) => () =>
      new Network({ sizes: [4, 5, 6, 2], dropout: dropout as number });
    expectCoded(make('0.5'), TypeError, 'ERR_BLASNET_TYPE', /for dropout but received "0.5"/);
    expectCoded(make(1), RangeError, 'ERR_BLASNET_RANGE', /a rate in \[0, 1\) for dropout/);
    expectCoded(make(-0.1), RangeError, 'ERR_BLASNET_RANGE', /for dropout/);
    expectCoded(make(Number.NaN), RangeError, 'ERR_BLASNET_RANGE', /for dropout but received NaN/);
    expectCoded(make([0.5]), RangeError, 'ERR_BLASNET_RANGE', /2 rates \(one per hidden layer\)/);
    expectCoded(make([0.5, '0']), TypeError, 'ERR_BLASNET_TYPE', /for dropout\[1\]/);
    expectCoded(
      make([0.5, 1.5]),
      RangeError,
      'ERR_BLASNET_RANGE',
      /for dropout\[1\] but received 1.5/,
    );
    expectCoded(
      () => new Network({ sizes: [4, 2], dropout: 0.5 }),
      RangeError,
      'ERR_BLASNET_RANGE',
      /0 for a network without hidden layers/,
    );
  });
});

describe('dropout: the backends check the argument', () => {
  const spec = makeSpec([2, 3, 1], [ActivationCode.Relu, ActivationCode.Sigmoid]);
  const params = new Float32Array(13);
  // One forward pass of one example through `be` (a backend, or the addon without the checks).
  const forward = (be: Pick<Backend, 'forward'>, dropout: unknown) => () =>
    be.forward(
      spec,
      params,
      new Float32Array(2),
      1,
      new Float32Array(4),
      new Float32Array(4),
      dropout as Float64Array,
    );
  for (const kind of kinds) {
    it(`${kind}: a Float64Array [seed, step, p1..p(L-1)] or nothing`, () => {
      const be = getBackend(kind);
      forward(be, null)();
      forward(be, undefined)();
      forward(be, Float64Array.from([1, 2, 0.5]))();
      expectCoded(forward(be, [1, 2, 0.5]), TypeError, 'ERR_BLASNET_TYPE', /for dropout/);
      expectCoded(
        forward(be, new Float64Array(2)),
        RangeError,
        'ERR_BLASNET_SHAPE',
        /length L \+ 1 = 3/,
      );
      expectCoded(
        forward(be, Float64Array.from([2 ** 32, 0, 0.5])),
        RangeError,
        'ERR_BLASNET_RANGE',
        /dropout\[0\] \(seed\)/,
      );
      expectCoded(
        forward(be, Float64Array.from([1, -1, 0.5])),
        RangeError,
        'ERR_BLASNET_RANGE',
        /dropout\[1\] \(step\)/,
      );
      expectCoded(
        forward(be, Float64Array.from([1, 0.5, 0.5])),
        RangeError,
        'ERR_BLASNET_RANGE',
        /dropout\[1\] \(step\)/,
      );
      expectCoded(
        forward(be, Float64Array.from([1, 0, 1])),
        RangeError,
        'ERR_BLASNET_RANGE',
        /dropout\[2\] \(rate of layer 1\)/,
      );
    });
  }

  it('the C++ binding checks it again, without the TypeScript layer', function () {
    if (!haveNative) this.skip();
    const addon = loadAddon().addon;
    const call = (dropout: unknown) => forward(addon, dropout);
    call(Float64Array.from([1, 2, 0.5]))();
    expectCoded(call(new Float32Array(3)), TypeError, 'ERR_BLASNET_TYPE', /for dropout/);
    expectCoded(call(new Float64Array(4)), RangeError, 'ERR_BLASNET_SHAPE', /for dropout/);
    expectCoded(
      call(Float64Array.from([1.5, 0, 0.5])),
      RangeError,
      'ERR_BLASNET_RANGE',
      /dropout\[0\] \(seed\)/,
    );
    expectCoded(
      call(Float64Array.from([1, 0, Number.NaN])),
      RangeError,
      'ERR_BLASNET_RANGE',
      /rate of layer 1/,
    );
  });
});

describe('dropout: predict and evaluate run without it, fit with it', () => {
  for (const kind of kinds) {
    it(`${kind}: predict and evaluate give the bits of the same weights without dropout`, () => {
      const d = smallData(40, 3);
      const net = new Network({
        sizes: [6, 16, 3],
        activations: ['relu', 'softmax'],
        backend: kind,
        dropout: 0.5,
      });
      const plain = new Network({
        sizes: [6, 16, 3],
        activations: ['relu', 'softmax'],
        backend: kind,
      });
      plain.params.set(net.params);
      expect(Array.from(net.predict(d.x))).to.deep.equal(Array.from(plain.predict(d.x)));
      expect(evaluate(net, d)).to.deep.equal(evaluate(plain, d));
    });
  }

  it('fitSync: the same seed gives the same weights, another seed other masks; the fused and per-batch loops agree', () => {
    const d = smallData(50, 4);
    const train = (seed: number, onBatch?: () => void, backend: 'native' | 'js' = kinds[0]) => {
      const net = new Network({
        sizes: [6, 20, 3],
        activations: ['tanh', 'softmax'],
        seed: 2,
        backend,
        dropout: 0.4,
      });
      fitSync(net, d, { epochs: 3, batchSize: 5, learningRate: 0.2, seed, onBatch });
      return net.params;
    };
    const a = train(1);
    expect(Array.from(train(1))).to.deep.equal(Array.from(a));
    const maxDiff = (p: Float32Array, q: Float32Array) =>
      p.reduce((m, v, i) => Math.max(m, Math.abs(v - q[i])), 0);
    expect(maxDiff(train(2), a)).to.be.above(1e-3);
    // One backend call per batch (an onBatch callback) steps through the same masks.
    expect(
      maxDiff(
        train(1, () => {}),
        a,
      ),
    ).to.be.below(1e-5);
    if (haveNative) expect(maxDiff(train(1, undefined, 'js'), a)).to.be.below(1e-5);
  });

  for (const kind of kinds) {
    it(`${kind}: a loss defined in TypeScript (forward, then backward) steps through the same masks`, () => {
      const d = smallData(30, 7);
      const { value, gradient } = LOSSES.quadratic;
      const mine: Loss = { name: 'myQuadratic', value, gradient };
      const train = (loss: Loss | 'quadratic') => {
        const net = new Network({
          sizes: [6, 14, 10, 3],
          activations: ['sigmoid', 'tanh', 'sigmoid'],
          seed: 2,
          backend: kind,
          dropout: [0.3, 0.5],
        });
        fitSync(net, d, { epochs: 2, batchSize: 6, learningRate: 1, seed: 3, loss });
        return net;
      };
      const builtin = train('quadratic');
      const own = train(mine);
      const diff = own.params.reduce((m, v, i) => Math.max(m, Math.abs(v - builtin.params[i])), 0);
      expect(diff).to.be.below(1e-6);
      const plain = new Network({
        sizes: [6, 14, 10, 3],
        activations: ['sigmoid', 'tanh', 'sigmoid'],
        seed: 2,
        backend: kind,
      });
      fitSync(plain, d, { epochs: 2, batchSize: 6, learningRate: 1, seed: 3, loss: mine });
      expect(
        plain.params.reduce((m, v, i) => Math.max(m, Math.abs(v - own.params[i])), 0),
      ).to.be.above(1e-3);
    });
  }
});

describe('dropout: training in the background', () => {
  it('a Network or a spec with dropout trains in the worker as fitSync does (same masks), and comes back with it', async () => {
    const d = smallData(40, 6);
    const options = {
      sizes: [6, 12, 3],
      activations: ['relu', 'softmax'] as ActivationName[],
      seed: 3,
    };
    const here = new Network({ ...options, backend: 'js', dropout: 0.5 });
    const start = here.clone();
    const fitOptions = { epochs: 2, batchSize: 4, learningRate: 0.1, seed: 5 };
    fitSync(here, d, fitOptions);
    for (const network of [start, { ...options, dropout: 0.5 }]) {
      const job = trainInBackground({ network, data: d, fit: fitOptions, backend: 'js' });
      const { network: trained } = await job.result;
      expect(trained.dropout).to.deep.equal([0.5]);
      // (The worker steps batch by batch to report them: the reference path, to float rounding.)
      const diff = trained.params.reduce((m, v, i) => Math.max(m, Math.abs(v - here.params[i])), 0);
      expect(diff).to.be.below(1e-5);
    }
  });
});

describe('dropout: the model file', () => {
  it('keeps the rates; a file without dropout has no such field', () => {
    const net = new Network({ sizes: [4, 5, 6, 2], dropout: [0.5, 0.25] });
    const bytes = serializeNetwork(net);
    expect(deserializeNetwork(bytes).dropout).to.deep.equal([0.5, 0.25]);
    const plain = serializeNetwork(new Network({ sizes: [4, 5, 6, 2] }));
    expect(Buffer.from(plain).toString('latin1')).not.to.include('dropout');
    expect(deserializeNetwork(plain).dropout).to.deep.equal([0, 0]);
    // The browser build's reader too.
    expect(networkFromModelBytes(bytes).dropout).to.deep.equal([0.5, 0.25]);
  });

  it('refuses a bad dropout field, even under a valid checksum', () => {
    const bytes = Buffer.from(
      serializeNetwork(new Network({ sizes: [4, 5, 6, 2], dropout: [0.5, 0.25] })),
    );
    const text = bytes.toString('latin1');
    const at = text.indexOf('"dropout":[0.5,');
    expect(at).to.be.above(0);
    bytes.write('"dropout":[1.5,', at, 'latin1');
    // A new trailer: the SHA-256 of everything before it (docs: format version 2).
    const end = bytes.length - 32;
    createHash('sha256').update(bytes.subarray(0, end)).digest().copy(bytes, end);
    try {
      deserializeNetwork(bytes);
      expect.fail('loaded');
    } catch (error) {
      expect((error as { code?: string }).code).to.equal('ERR_BLASNET_FORMAT');
      expect((error as Error).message).to.include('invalid dropout [1.5,0.25]');
    }
    expect(() => networkFromModelBytes(bytes)).to.throw('invalid dropout [1.5,0.25]');
  });
});

describe('dropout: the CLI', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-dropout-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function run(...args: string[]) {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer | string, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    const status = await main(args, { stdout: sink, stderr: sink });
    return { status, text: chunks.join('') };
  }

  it('train --dropout trains with it and saves it in the model file', async () => {
    const out = path.join(tmp, 'd.blasnet');
    const r = await run(
      'train',
      '--layers',
      '784,40,10',
      '--epochs',
      '1',
      '--dropout',
      '0.3',
      '--out',
      out,
      '--json',
    );
    expect(r.status, r.text).to.equal(0);
    const start = JSON.parse(r.text.split('\n')[0]) as { settings: { dropout: number[] } };
    expect(start.settings.dropout).to.deep.equal([0.3]);
    expect(loadNetwork(out).dropout).to.deep.equal([0.3]);
  });

  it('rejects a rate out of range, or the wrong count, as usage errors', async () => {
    for (const [args, what] of [
      [['--dropout', '1'], /Expected a rate in \[0, 1\) for --dropout but received 1/],
      [['--dropout', 'x'], /for --dropout/],
      [['--layers', '784,30,20,10', '--dropout', '0.1,0.2,0.3'], /one per hidden layer/],
      [['--layers', '784,10', '--dropout', '0.5'], /without hidden layers/],
    ] as const) {
      const r = await run('train', ...args, '--epochs', '1');
      expect(r.status, r.text).to.equal(2);
      expect(r.text).to.match(what);
    }
  });
});

describe('dropout: learning on the bundled digits', () => {
  it('[784, 300, 10] ReLU, p = 0.5: a lower test loss and a higher accuracy than without dropout', function () {
    this.timeout(600_000);
    const { train, test } = bundledOneHot();
    const run = (dropout: number) => {
      const net = new Network({
        sizes: [784, 300, 10],
        activations: ['relu', 'softmax'],
        init: 'he',
        seed: 1,
        dropout,
      });
      fitSync(net, train, { epochs: 30, batchSize: 10, learningRate: 0.1, seed: 1 });
      return evaluate(net, test);
    };
    const without = run(0);
    const withDropout = run(0.5);
    // Measured (native): without 95.75 % and loss 0.157, with 96.65 % and 0.145 (AVX-512 kernels);
    // with 0.150 on the AVX2 path, whose sums round differently. Broken variants of the same run:
    // kept units not scaled by 1/(1 − p), 96.20 % and 0.217; the mask applied in forward but not
    // in BP2, 95.10 % and 1.96. The bounds sit between the working paths and the broken ones.
    expect(withDropout.accuracy).to.be.at.least(0.962);
    expect(withDropout.accuracy).to.be.above(without.accuracy!);
    expect(withDropout.loss).to.be.at.most(0.17);
    expect(withDropout.loss).to.be.below(without.loss);
  });
});
