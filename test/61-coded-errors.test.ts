/**
 * Issue 13, finding 7: errors without a code, and a JS backend that trusted what the native one
 * rejects. One test per cause the fuzz found; each failed before its fix (with an uncoded
 * TypeError, a SyntaxError or RangeError from deep inside, or the backends disagreeing).
 */
import * as os from 'node:os';
import { expect } from 'chai';
import { getBackend, nativeAvailability } from '../lib/backend/select';
import { makeSpec } from '../lib/backend/spec';
import { ActivationCode } from '../lib/backend/types';
import { downloadMnist } from '../lib/data/download';
import { trainInBackground } from '../lib/background';
import { evaluate } from '../lib/evaluate';
import { gradientCheck } from '../lib/gradient-check';
import { deserializeNetwork, readModelMetadata, serializeNetwork } from '../lib/model-file';
import { argmaxRows, Network } from '../lib/network';
import { Perceptron } from '../lib/perceptron';
import { classificationMetrics, misclassifiedDigits, renderReport } from '../lib/report';
import { fit, fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';

const XOR = {
  x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]),
  y: new Float32Array([0, 1, 1, 0]),
};

/** Expect `fn` to throw `kind` with a blasnet code (and, when given, that code). */
function expectCoded(fn: () => unknown, kind: typeof Error, code?: string, message?: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'it throws').to.be.instanceOf(Error);
  const error = thrown as Error & { code?: unknown };
  expect(error.code, `${error.name}: ${error.message}`)
    .to.be.a('string')
    .that.matches(/^ERR_BLASNET_/);
  expect(error, `${error.name}: ${error.message}`).to.be.instanceOf(kind);
  if (code) expect(error.code).to.equal(code);
  if (message) expect(error.message).to.match(message);
}

function detached(array: Float32Array): Float32Array {
  structuredClone(array.buffer, { transfer: [array.buffer as ArrayBuffer] });
  return array;
}

forEachBackend('typed arrays in a Proxy, look-alikes and detached buffers', (be, kind) => {
  const net = () => new Network({ sizes: [2, 2, 1], seed: 1, backend: kind });

  it('rejects a Float32Array in a Proxy (instanceof passes, its slots are missing)', () => {
    const x = new Proxy(new Float32Array(4), {});
    expect(x instanceof Float32Array).to.equal(true); // what the old check trusted
    expectCoded(() => net().predict(x), TypeError, 'ERR_BLASNET_TYPE', /received a Proxy/);
    expectCoded(() => fitSync(net(), { x, y: XOR.y }), TypeError, 'ERR_BLASNET_TYPE');
    expectCoded(() => new Perceptron({ inputs: 2, backend: kind }).predict(x), TypeError);
    expectCoded(
      () =>
        be().sgemm(
          false,
          false,
          1,
          1,
          1,
          1,
          new Proxy(new Float32Array(1), {}),
          new Float32Array(1),
          0,
          new Float32Array(1),
        ),
      TypeError,
      'ERR_BLASNET_TYPE',
    );
    expectCoded(() => readModelMetadata(new Proxy(serializeNetwork(net()), {})), TypeError);
  });

  it('rejects a typed array whose length property lies (a subclass, an own property, a look-alike)', () => {
    class Lying extends Float32Array {
      override get length(): number {
        return 1 << 20;
      }
    }
    const lookAlike = Object.create(Float32Array.prototype, { length: { value: 4 } });
    const own = new Float32Array(1);
    Object.defineProperty(own, 'length', { value: 4 });
    for (const x of [new Lying(1), lookAlike, own]) {
      expectCoded(() => net().predict(x), TypeError, 'ERR_BLASNET_TYPE');
      expectCoded(() => be().softmax(x, new Float32Array(4), 2, 2), TypeError, 'ERR_BLASNET_TYPE');
    }
  });

  it('rejects detached buffers with a TypeError, wherever they go', () => {
    expectCoded(
      () => net().predict(detached(new Float32Array(4))),
      TypeError,
      'ERR_BLASNET_TYPE',
      /detached/,
    );
    expectCoded(
      () => net().setBiases(2, detached(new Float32Array(1))),
      TypeError,
      'ERR_BLASNET_TYPE',
    );
    expectCoded(
      () => deserializeNetwork(detached(new Float32Array(serializeNetwork(net()).buffer)) as never),
      TypeError,
    );
    const bytes = serializeNetwork(net());
    structuredClone(bytes.buffer, { transfer: [bytes.buffer as ArrayBuffer] });
    expectCoded(() => readModelMetadata(bytes), TypeError, 'ERR_BLASNET_TYPE');
    // A detached src is empty: before, the js backend gathered from it (NaN) while native refused.
    expectCoded(
      () =>
        be().gatherRows(
          detached(new Float32Array(4)),
          2,
          new Uint32Array([0]),
          0,
          1,
          new Float32Array(2),
        ),
      TypeError,
      'ERR_BLASNET_TYPE',
    );
  });

  it('accepts views on a SharedArrayBuffer (valid memory, not a disguise)', () => {
    const x = new Float32Array(new SharedArrayBuffer(16));
    x.set([0, 1, 1, 0]);
    expect(Array.from(net().predict(x))).to.have.length(2);
  });
});

describe('metadata that cannot become JSON', () => {
  const net = () => new Network({ sizes: [2, 1], seed: 1, backend: 'js' });

  it('rejects BigInt, cycles and very deep nesting with coded errors, naming where', () => {
    expectCoded(
      () => serializeNetwork(net(), { count: 1n }),
      TypeError,
      'ERR_BLASNET_TYPE',
      /metadata\.count/,
    );
    const cyclic: Record<string, unknown> = { a: [1] };
    (cyclic.a as unknown[]).push(cyclic);
    expectCoded(() => serializeNetwork(net(), cyclic), TypeError, 'ERR_BLASNET_TYPE', /cycle/);
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 20000; i++) deep = { d: deep };
    expectCoded(() => serializeNetwork(net(), deep), RangeError, 'ERR_BLASNET_RANGE', /deep/);
    const throwing = {
      toJSON(): never {
        throw new Error('not today');
      },
    };
    expectCoded(() => serializeNetwork(net(), { throwing }), TypeError, 'ERR_BLASNET_TYPE');
    expectCoded(() => serializeNetwork(net(), [1, 2] as never), TypeError, 'ERR_BLASNET_TYPE');
  });

  it('still stores plain JSON metadata, shared sub-objects included', () => {
    const shared = { lr: 0.5 };
    const meta = { a: shared, b: shared, list: [1, 'two', null], when: new Date(0) };
    expect(readModelMetadata(serializeNetwork(net(), meta))).to.deep.equal({
      a: { lr: 0.5 },
      b: { lr: 0.5 },
      list: [1, 'two', null],
      when: '1970-01-01T00:00:00.000Z',
    });
  });
});

describe('readModelMetadata on corrupted files', () => {
  const good = () =>
    serializeNetwork(new Network({ sizes: [2, 1], seed: 1, backend: 'js' }), { n: 1 });

  it('reads the metadata of a good file, and undefined when there is none', () => {
    expect(readModelMetadata(good())).to.deep.equal({ n: 1 });
    expect(
      readModelMetadata(serializeNetwork(new Network({ sizes: [2, 1], backend: 'js' }))),
    ).to.equal(undefined);
  });

  it('throws ERR_BLASNET_FORMAT for truncation, bad magic, a bad header and bit flips', () => {
    const bytes = good();
    const headerLength = bytes.readUInt32LE(8);
    const corrupted: Buffer[] = [
      bytes.subarray(0, 5), // shorter than the fixed header
      bytes.subarray(0, 12 + Math.floor(headerLength / 2)), // the JSON cut in half
      Buffer.concat([Buffer.from('NOTAMODEL'), bytes.subarray(9)]),
    ];
    const huge = Buffer.from(bytes);
    huge.writeUInt32LE(0xffffffff, 8); // a header length far past the end
    corrupted.push(huge);
    const flipped = Buffer.from(bytes);
    flipped[12] ^= 0x20; // '{' becomes '['
    corrupted.push(flipped);
    const notOurs = Buffer.from(bytes);
    notOurs.write('"format":"other-model"', 13, 'utf8');
    corrupted.push(notOurs);
    for (const b of corrupted) expectCoded(() => readModelMetadata(b), Error, 'ERR_BLASNET_FORMAT');
    expectCoded(() => readModelMetadata('model.blasnet' as never), TypeError, 'ERR_BLASNET_TYPE');
  });

  it('every single-bit flip in the header gives the metadata or a coded error, never another error', () => {
    const bytes = good();
    const end = 12 + bytes.readUInt32LE(8);
    for (let i = 0; i < end; i++) {
      for (const bit of [1, 4, 128]) {
        const b = Buffer.from(bytes);
        b[i] ^= bit;
        try {
          readModelMetadata(b);
        } catch (error) {
          expect((error as { code?: string }).code, `byte ${i} bit ${bit}: ${error}`).to.match(
            /^ERR_BLASNET_/,
          );
        }
      }
    }
  });
});

describe('functions that take a network check it', () => {
  const data = { x: XOR.x, y: XOR.y };
  const fake = Object.create(Network.prototype) as Network;

  it('fitSync, fit, evaluate, gradientCheck and serializeNetwork reject a non-network with ERR_BLASNET_TYPE', async () => {
    for (const bad of [
      undefined,
      null,
      {},
      fake,
      new Proxy(new Network({ sizes: [2, 1], backend: 'js' }), {}),
    ]) {
      expectCoded(() => fitSync(bad as Network, data), TypeError, 'ERR_BLASNET_TYPE', /for net/);
      expectCoded(() => evaluate(bad as Network, data), TypeError, 'ERR_BLASNET_TYPE', /for net/);
      expectCoded(() => gradientCheck(bad as Network, XOR.x, XOR.y), TypeError, 'ERR_BLASNET_TYPE');
      expectCoded(() => serializeNetwork(bad as Network), TypeError, 'ERR_BLASNET_TYPE');
      let rejected: unknown;
      await fit(bad as Network, data).catch((error: unknown) => (rejected = error));
      expect((rejected as { code?: string }).code).to.equal('ERR_BLASNET_TYPE');
    }
  });

  it('says to use .result when given the trainInBackground handle', async () => {
    const handle = trainInBackground({
      network: { sizes: [2, 2, 1], seed: 1 },
      data,
      fit: { epochs: 1, batchSize: 4, learningRate: 0.1 },
      backend: 'js',
    });
    try {
      expectCoded(() => evaluate(handle as never, data), TypeError, 'ERR_BLASNET_TYPE', /\.result/);
      expectCoded(() => fitSync(handle as never, data), TypeError, 'ERR_BLASNET_TYPE', /\.result/);
    } finally {
      const { network } = await handle.result;
      expect(evaluate(network, data).n).to.equal(4);
    }
  });

  it('evaluate checks its options, argmaxRows its width', () => {
    const net = new Network({ sizes: [2, 1], backend: 'js' });
    expectCoded(() => evaluate(net, data, null as never), TypeError, 'ERR_BLASNET_TYPE');
    expectCoded(() => evaluate(net, data, { decode: 3 as never }), TypeError, 'ERR_BLASNET_TYPE');
    // Before, a width of 2^31 looped over two billion columns of a 6-element array.
    expectCoded(() => argmaxRows(new Float32Array(6), 2 ** 31), RangeError, 'ERR_BLASNET_RANGE');
    expectCoded(() => argmaxRows(new Float32Array(6), Number.POSITIVE_INFINITY), RangeError);
    expectCoded(() => argmaxRows(new Float32Array(6), 4), RangeError, 'ERR_BLASNET_SHAPE');
  });

  it('new Network rejects sparse arrays, inherited names and networks too big to allocate', () => {
    const sizes = [2];
    sizes[2] = 1; // a hole at index 1
    expectCoded(() => new Network({ sizes, backend: 'js' }), TypeError, 'ERR_BLASNET_TYPE');
    const acts = new Array(2);
    acts[1] = 'sigmoid'; // a hole where layer 1's activation should be (map skipped it)
    expectCoded(
      () => new Network({ sizes: [2, 2, 1], activations: acts, backend: 'js' }),
      TypeError,
    );
    expectCoded(
      () => new Network({ sizes: [2, 1], activations: 'constructor' as never, backend: 'js' }),
      RangeError,
    );
    expectCoded(
      () => new Network({ sizes: [1 << 24, 1 << 24], backend: 'js' }),
      RangeError,
      'ERR_BLASNET_RANGE',
    );
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expectCoded(() => new Network(proxy as never), TypeError, 'ERR_BLASNET_TYPE', /revoked Proxy/);
  });
});

describe('an AbortSignal option that is a revoked Proxy', () => {
  // Found by the fuzz once it ran past 20,000 API cases: `instanceof AbortSignal` on a revoked
  // Proxy throws an uncoded TypeError from getPrototypeOf.
  it('is a coded TypeError for fitSync, fit, trainInBackground and downloadMnist', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const net = () => new Network({ sizes: [2, 1], seed: 1, backend: 'js' });
    const signal = proxy as AbortSignal;
    expectCoded(() => fitSync(net(), XOR, { signal }), TypeError, 'ERR_BLASNET_TYPE', /signal/);
    const calls: (() => Promise<unknown>)[] = [
      () => fit(net(), XOR, { signal }),
      async () => trainInBackground({ network: { sizes: [2, 1] }, data: XOR, signal }).result,
      () => downloadMnist({ dir: os.tmpdir(), signal }),
    ];
    for (const call of calls) {
      let rejected: unknown;
      try {
        await call();
      } catch (error) {
        rejected = error;
      }
      expect((rejected as { code?: string } | undefined)?.code, String(rejected)).to.equal(
        'ERR_BLASNET_TYPE',
      );
    }
  });
});

describe('report inputs are checked before they are formatted', () => {
  const metrics = () => classificationMetrics(new Uint8Array([0, 1]), new Uint8Array([0, 0]), 2);

  it('misclassifiedDigits checks its arrays and sizes', () => {
    const l = new Uint8Array([0, 1]);
    expectCoded(() => misclassifiedDigits(l, l, 3 as never, 4), TypeError, 'ERR_BLASNET_TYPE');
    expectCoded(() => misclassifiedDigits(l, new Uint8Array(1), new Uint8Array(8), 4), RangeError);
    expectCoded(() => misclassifiedDigits(l, new Uint8Array(2), new Uint8Array(7), 4), RangeError);
    expectCoded(() => misclassifiedDigits(null as never, l, new Uint8Array(8), 4), TypeError);
    expect(misclassifiedDigits(l, new Uint8Array([0, 0]), new Uint8Array(8), 4).total).to.equal(1);
  });

  it('renderReport checks the fields it formats (a title that is not a string, cyclic settings)', () => {
    const base = { history: [], test: metrics() };
    expectCoded(() => renderReport({ ...base, title: 3 as never }), TypeError, 'ERR_BLASNET_TYPE');
    expectCoded(() => renderReport({ ...base, classNames: [1, 2] as never }), TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expectCoded(() => renderReport({ ...base, settings: cyclic }), TypeError, 'ERR_BLASNET_TYPE');
    expectCoded(() => renderReport({ ...base, history: [{ epoch: 1 }] as never }), TypeError);
    expect(renderReport({ ...base, title: 'ok', settings: { lr: 0.5 } })).to.contain(
      '<title>ok</title>',
    );
  });
});

describe('one kernel contract: native and js accept and reject the same calls', () => {
  before(function () {
    if (!nativeAvailability().available) this.skip();
  });

  /** Run the same call on both backends: both return, or both throw the same class and code. */
  function agree(call: (be: ReturnType<typeof getBackend>) => unknown): string {
    const outcome = (kind: 'native' | 'js') => {
      try {
        call(getBackend(kind));
        return 'accepted';
      } catch (error) {
        return `${(error as Error).constructor.name} ${(error as { code?: string }).code}`;
      }
    };
    const native = outcome('native');
    expect(outcome('js'), `native: ${native}`).to.equal(native);
    return native;
  }

  it('float scalars must fit a float32 on both (1e39 was Infinity in C++, accepted by js)', () => {
    const c = () => new Float32Array(1);
    expect(agree((be) => be.sgemm(false, false, 1, 1, 1, 1e39, c(), c(), 0, c()))).to.equal(
      'RangeError ERR_BLASNET_RANGE',
    );
    expect(agree((be) => be.columnSums(c(), 1, 1, 1, -1e39, c()))).to.equal(
      'RangeError ERR_BLASNET_RANGE',
    );
    expect(agree((be) => be.sgemm(false, false, 1, 1, 1, 3e38, c(), c(), 0, c()))).to.equal(
      'accepted',
    );
  });

  it('at most 256 layers on both (the native core refused more, js ran them)', () => {
    const L = 257;
    const sizes = new Array<number>(L + 1).fill(1);
    const spec = makeSpec(sizes, new Array<ActivationCode>(L).fill(ActivationCode.Identity));
    const f = (n: number) => new Float32Array(n);
    expect(agree((be) => be.forward(spec, f(2 * L), f(1), 1, f(L), f(L)))).to.equal(
      'RangeError ERR_BLASNET_SHAPE',
    );
  });

  it('a typed array whose length lies, or that is detached, is refused by both', () => {
    class Lying extends Float32Array {
      override get length(): number {
        return 64;
      }
    }
    expect(agree((be) => be.softmax(new Lying(1), new Float32Array(4), 2, 2))).to.equal(
      'TypeError ERR_BLASNET_TYPE',
    );
    expect(
      agree((be) =>
        be.gatherRows(
          detached(new Float32Array(2)),
          1,
          new Uint32Array(1),
          0,
          1,
          new Float32Array(1),
        ),
      ),
    ).to.equal('TypeError ERR_BLASNET_TYPE');
  });

  it('a subclass that tells the truth reaches the kernels as the same memory on both', () => {
    class Tagged extends Float32Array {}
    const outputs = (['native', 'js'] as const).map((kind) => {
      const z = Tagged.from([1, 2, 3, 4]) as Float32Array;
      const a = new Tagged(4);
      getBackend(kind).softmax(z, a, 2, 2);
      return Array.from(a);
    });
    expect(outputs[1]).to.deep.equal(outputs[0]);
    expect(outputs[0][0]).to.be.closeTo(Math.exp(1) / (Math.exp(1) + Math.exp(2)), 1e-6);
  });
});
