/**
 * safetensors both ways: the exact layout of the format's specification, a bit-exact round trip,
 * a file written from PyTorch predicting what PyTorch predicted, and every corruption rejected
 * with a coded error saying what is wrong.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTIVATION_NAMES, type ActivationName } from '../lib/activations';
import {
  fromSafetensors,
  loadSafetensors,
  saveSafetensors,
  toSafetensors,
} from '../lib/interop/safetensors';
import { encodeSafetensors, MAX_HEADER_BYTES } from '../lib/interop/safetensors-format';
import { Network } from '../lib/network';
import { version } from '../lib/version';
import { forEachBackend } from './helpers/backends';
import { crashReport, ROOT, runChild } from './helpers/child';

const FIXTURES = join(__dirname, 'fixtures');

/** Little-endian bytes of float32 values, written independently of the code under test. */
function f32le(values: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(4 * values.length);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i], 4 * i);
  return out;
}

/** A safetensors file from a header text (padded as given) and raw data. */
function file(header: string, data: Uint8Array = new Uint8Array(0), n?: number): Buffer {
  const text = Buffer.from(header, 'utf8');
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(n ?? text.length));
  return Buffer.concat([size, text, data]);
}

/** Pad a header text with spaces to a multiple of 8, as the specification's writer does. */
function pad8(text: string): string {
  return text + ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
}

function expectFormatError(fn: () => unknown, message: RegExp): void {
  let caught: (Error & { code?: string }) | undefined;
  try {
    fn();
  } catch (error) {
    caught = error as Error & { code?: string };
  }
  expect(caught, `expected a throw matching ${message}`).to.be.instanceOf(Error);
  expect(caught!.code).to.equal('ERR_BLASNET_FORMAT');
  expect(caught!.message).to.match(message);
}

describe('safetensors container: the specification layout', () => {
  it('lays out one tensor as the reference writer does (no padding needed)', () => {
    const data = new Float32Array([0, 1, 2, 3, 4, 5]);
    const bytes = encodeSafetensors(new Map([['attn.0', { shape: [1, 2, 3], data }]]));
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).to.equal(64); // already a multiple of 8: no spaces
    expect(Buffer.from(bytes).equals(file(json, f32le(data)))).to.equal(true);
    expect([...bytes.subarray(0, 8)]).to.deep.equal([64, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('pads the header with spaces so the data starts at a multiple of 8', () => {
    const data = new Float32Array([0, 1, 2, 3, 4, 5]);
    const bytes = encodeSafetensors(new Map([['attn0', { shape: [1, 1, 2, 3], data }]]));
    const json = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).to.equal(65);
    expect(Buffer.from(bytes).equals(file(`${json}${' '.repeat(7)}`, f32le(data)))).to.equal(true);
    expect(bytes[0]).to.equal(72);
  });

  it('writes __metadata__ first, and an empty file as "{}" padded', () => {
    const withMeta = encodeSafetensors(new Map(), { framework: 'pt' });
    expect(
      Buffer.from(withMeta).equals(file(pad8('{"__metadata__":{"framework":"pt"}}'))),
    ).to.equal(true);
    expect(withMeta.length).to.equal(8 + 40);
    expect(Buffer.from(encodeSafetensors(new Map())).equals(file('{}      '))).to.equal(true);
  });
});

describe('safetensors of a network', () => {
  it('writes nn.Sequential names, F32 [out, in] weights, sorted offsets without gaps', () => {
    const net = new Network({ sizes: [4, 5, 3], activations: ['relu', 'softmax'], seed: 3 });
    const bytes = Buffer.from(toSafetensors(net));
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).to.equal(0);
    const header = bytes.subarray(8, 8 + n).toString('utf8');
    const json =
      `{"__metadata__":{"activations":"relu,softmax","blasnet":"${version}","format":"pt","sizes":"4,5,3"},` +
      '"0.bias":{"dtype":"F32","shape":[5],"data_offsets":[0,20]},' +
      '"0.weight":{"dtype":"F32","shape":[5,4],"data_offsets":[20,100]},' +
      '"2.bias":{"dtype":"F32","shape":[3],"data_offsets":[100,112]},' +
      '"2.weight":{"dtype":"F32","shape":[3,5],"data_offsets":[112,172]}}';
    expect(header).to.equal(pad8(json));
    const data = bytes.subarray(8 + n);
    expect(data.length).to.equal(172);
    expect(data.subarray(0, 20).equals(f32le(net.getBiases(1)))).to.equal(true);
    expect(data.subarray(20, 100).equals(f32le(net.getWeights(1)))).to.equal(true);
    expect(data.subarray(100, 112).equals(f32le(net.getBiases(2)))).to.equal(true);
    expect(data.subarray(112, 172).equals(f32le(net.getWeights(2)))).to.equal(true);
  });

  it('sorts module names as the reference does ("10.bias" before "2.bias")', () => {
    const net = new Network({ sizes: [2, 2, 2, 2, 2, 2, 2], seed: 1 });
    const bytes = Buffer.from(toSafetensors(net));
    const header = JSON.parse(bytes.subarray(8, 8 + bytes.readUInt32LE(0)).toString());
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    expect(names).to.deep.equal([
      '0.bias',
      '0.weight',
      '10.bias',
      '10.weight',
      '2.bias',
      '2.weight',
      '4.bias',
      '4.weight',
      '6.bias',
      '6.weight',
      '8.bias',
      '8.weight',
    ]);
    // And it loads back in module order, not in file order.
    const back = fromSafetensors(bytes, { backend: 'js' });
    expect(Buffer.from(back.params.buffer).equals(Buffer.from(net.params.buffer))).to.equal(true);
  });

  it('keeps the caller metadata and refuses to shadow its own keys', () => {
    const net = new Network({ sizes: [2, 1], seed: 1 });
    const bytes = Buffer.from(toSafetensors(net, { trainedOn: 'xor' }));
    const header = JSON.parse(bytes.subarray(8, 8 + bytes.readUInt32LE(0)).toString());
    expect(header.__metadata__.trainedOn).to.equal('xor');
    const err = (() => {
      try {
        toSafetensors(net, { sizes: '1' });
      } catch (e) {
        return e as RangeError & { code: string };
      }
    })();
    expect(err).to.be.instanceOf(RangeError);
    expect(err!.code).to.equal('ERR_BLASNET_RANGE');
  });
});

forEachBackend('safetensors round trip and PyTorch weights', (be) => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'blasnet-st-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips every activation bit for bit through a file, leaving no temp file', () => {
    const hidden = ACTIVATION_NAMES.filter((a) => a !== 'softmax');
    for (const [i, act] of hidden.entries()) {
      for (const out of ACTIVATION_NAMES) {
        const activations: ActivationName[] = [act, 'tanh', out];
        const net = new Network({ sizes: [3, 7, 4, 2], activations, seed: i + 1, backend: be() });
        const path = join(dir, `${act}-${out}.safetensors`);
        saveSafetensors(net, path);
        const back = loadSafetensors(path, { backend: be() });
        expect(back.sizes).to.deep.equal([3, 7, 4, 2]);
        expect(back.activations).to.deep.equal(activations);
        expect(Buffer.from(back.params.buffer).equals(Buffer.from(net.params.buffer))).to.equal(
          true,
        );
        const x = new Float32Array(3 * 5).map((_, k) => Math.sin(k));
        expect(back.predict(x)).to.deep.equal(net.predict(x));
      }
    }
    expect(readdirSync(dir).filter((f) => !f.endsWith('.safetensors'))).to.deep.equal([]);
  });

  it('loads a network written by PyTorch and predicts what PyTorch predicted', () => {
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'torch-mlp.json'), 'utf8')) as {
      sizes: number[];
      activations: ActivationName[];
      inputs: number[][];
      outputs: number[][];
    };
    const net = loadSafetensors(join(FIXTURES, 'torch-mlp.safetensors'), {
      sizes: expected.sizes,
      activations: expected.activations,
      backend: be(),
    });
    expect(net.sizes).to.deep.equal([4, 5, 3]);
    const y = net.predict(new Float32Array(expected.inputs.flat()));
    const want = expected.outputs.flat();
    expect(y.length).to.equal(want.length);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(y[i] - want[i]));
    expect(worst).to.be.below(1e-6);
  });

  it('asks for the activations when a PyTorch file does not name them', () => {
    const err = (() => {
      try {
        loadSafetensors(join(FIXTURES, 'torch-mlp.safetensors'), { backend: be() });
      } catch (e) {
        return e as TypeError & { code: string };
      }
    })();
    expect(err).to.be.instanceOf(TypeError);
    expect(err!.code).to.equal('ERR_BLASNET_TYPE');
    expect(err!.message).to.match(/\[4, 5, 3\]\) for options\.activations/);
  });
});

describe('safetensors: rejects bad files and bad arguments', () => {
  const w = '"0.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[4,12]}';
  const b = '"0.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
  const good = (header = `{${b},${w}}`, data: Uint8Array = f32le([0.5, 1, 2])) =>
    file(pad8(header), data);
  const opts = { activations: 'sigmoid' as const, backend: 'js' as const };

  it('loads the hand-made good file (the base of the corruptions below)', () => {
    const net = fromSafetensors(good(), opts);
    expect(net.sizes).to.deep.equal([2, 1]);
    expect([...net.params]).to.deep.equal([1, 2, 0.5]);
  });

  it('loads PyTorch-style prefixes, any module numbering and any offset order', () => {
    const header = `{"m.3.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"m.3.bias":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`;
    const net = fromSafetensors(file(header, f32le([1, 2, 0.5])), opts);
    expect([...net.params]).to.deep.equal([1, 2, 0.5]);
  });

  const corrupt: Array<[string, () => Uint8Array, RegExp]> = [
    ['shorter than 8 bytes', () => new Uint8Array(5), /shorter than the 8-byte/],
    [
      'a header over the 100 MB cap',
      () => file('{}', new Uint8Array(0), MAX_HEADER_BYTES + 1),
      /over the 100000000-byte limit/,
    ],
    [
      'a header size with the high 32 bits set',
      () => file('{}', new Uint8Array(0), 2 ** 40),
      /over the 100000000-byte limit/,
    ],
    ['a header longer than the file', () => file('{}', new Uint8Array(0), 64), /truncated/],
    ['a header that is not UTF-8', () => file('{"\xff":1}').fill(0xff, 10, 11), /UTF-8/],
    ['a header that is not an object', () => file('[1,2,3] '), /must start with "\{"/],
    ['corrupted JSON', () => file('{"a":  '), /JSON header is corrupted/],
    ['a duplicate name', () => good(`{${b},${w},${w.replace('[4,12]', '[12,20]')}}`), /twice/],
    ['an F64 tensor', () => good(`{${b},${w.replace('F32', 'F64')}}`), /F64; blasnet loads/],
    ['an unknown dtype', () => good(`{${b},${w.replace('F32', 'F33')}}`), /unknown dtype "F33"/],
    [
      'a shape that does not fit its bytes',
      () => good(`{${b},${w.replace('[1,2]', '[1,3]')}}`),
      /needs 12 bytes/,
    ],
    ['a negative shape', () => good(`{${b},${w.replace('[1,2]', '[-1,-2]')}}`), /invalid shape/],
    [
      'reversed offsets',
      () => good(`{${b},${w.replace('[4,12]', '[12,4]')}}`),
      /invalid data_offsets/,
    ],
    [
      'overlapping offsets',
      () => good(`{${b},${w.replace('[4,12]', '[0,8]')}}`, f32le([0, 0])),
      /overlaps/,
    ],
    [
      'a gap',
      () => good(`{${b},${w.replace('[4,12]', '[8,16]')}}`, f32le([0, 0, 0, 0])),
      /a gap of 4 bytes/,
    ],
    [
      'offsets past the end',
      () => good(`{${b},${w}}`, f32le([0, 0])),
      /truncated: tensor "0.weight" ends at byte 12/,
    ],
    [
      'bytes after the last tensor',
      () => good(`{${b},${w}}`, f32le([0, 0, 0, 0])),
      /4 unexpected bytes/,
    ],
    [
      'a NaN weight',
      () => good(undefined, f32le([0.5, 1, Number.NaN])),
      /0.weight element 1 is not finite \(NaN\)/,
    ],
    [
      'an infinite bias',
      () => good(undefined, f32le([Infinity, 1, 2])),
      /0.bias element 0 is not finite/,
    ],
    [
      'non-string metadata',
      () => good(`{"__metadata__":{"sizes":[2,1]},${b},${w}}`),
      /not a string/,
    ],
    [
      'metadata sizes that disagree',
      () => good(`{"__metadata__":{"sizes":"2,3"},${b},${w}}`),
      /metadata says sizes 2,3/,
    ],
    [
      'unknown metadata activations',
      () => good(`{"__metadata__":{"activations":"swish"},${b},${w}}`),
      /activations "swish"/,
    ],
    [
      'a tensor that is not a Linear layer',
      () => good(`{${b},${w.replace('0.weight', '0.running_mean')}}`),
      /unexpected tensor "0.running_mean"/,
    ],
    [
      'a Linear layer without bias',
      () => good(`{${w.replace('[4,12]', '[0,8]')}}`, f32le([1, 2])),
      /a weight but no bias/,
    ],
    [
      'a 1-D weight',
      () => good(`{${b},${w.replace('[1,2]', '[2]')}}`),
      /not \[out_features, in_features\]/,
    ],
    [
      'a bias of the wrong length',
      () => good(`{${b.replace('[1]', '[1,1]')},${w}}`),
      /0.bias has shape \[1,1\]/,
    ],
    [
      'layers that do not chain',
      () =>
        good(
          `{${b},${w},${w.replace(/0\.weight/, '2.weight').replace('[4,12]', '[12,20]')},${b.replace('0.bias', '2.bias').replace('[0,4]', '[20,24]')}}`,
          f32le([0, 0, 0, 0, 0, 0]),
        ),
      /2.weight takes 2 inputs but the layer before it has 1 outputs/,
    ],
    [
      'two models in one file',
      () => good(`{${b},${w.replace('0.weight', 'a.0.weight')}}`),
      /two models/,
    ],
    ['no tensors', () => good('{}', new Uint8Array(0)), /no tensors/],
  ];
  for (const [what, make, message] of corrupt) {
    it(`rejects ${what}`, () => expectFormatError(() => fromSafetensors(make(), opts), message));
  }

  it('rejects bad arguments with the usual error kinds and codes', () => {
    const net = new Network({ sizes: [2, 1], seed: 1 });
    const cases: Array<[() => unknown, typeof TypeError | typeof RangeError, string]> = [
      [() => toSafetensors({} as Network), TypeError, 'ERR_BLASNET_TYPE'],
      [() => toSafetensors(net, { note: 1 as unknown as string }), TypeError, 'ERR_BLASNET_TYPE'],
      [() => fromSafetensors('abc' as unknown as Uint8Array, opts), TypeError, 'ERR_BLASNET_TYPE'],
      [
        () => fromSafetensors(good(), { ...opts, size: [2, 1] } as never),
        RangeError,
        'ERR_BLASNET_RANGE',
      ],
      [() => fromSafetensors(good(), { ...opts, sizes: [2, 2] }), RangeError, 'ERR_BLASNET_SHAPE'],
      [
        () => fromSafetensors(good(), { ...opts, sizes: 'abc' as never }),
        TypeError,
        'ERR_BLASNET_TYPE',
      ],
      [
        () => fromSafetensors(good(), { activations: 'swish' as never }),
        RangeError,
        'ERR_BLASNET_RANGE',
      ],
      [() => saveSafetensors(net, ''), TypeError, 'ERR_BLASNET_TYPE'],
      [() => loadSafetensors(42 as unknown as string), TypeError, 'ERR_BLASNET_TYPE'],
    ];
    for (const [fn, kind, code] of cases) {
      let caught: (Error & { code?: string }) | undefined;
      try {
        fn();
      } catch (e) {
        caught = e as Error & { code?: string };
      }
      expect(caught, String(fn)).to.be.instanceOf(kind);
      expect(caught!.code, String(fn)).to.equal(code);
      expect(caught!.message).to.match(/^Expected .* for .* but received /);
    }
  });

  it('loads only a regular file within options.maxBytes, as loadNetwork does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'blasnet-st-'));
    try {
      const net = new Network({ sizes: [3, 2], activations: ['sigmoid'], seed: 1 });
      const file = join(dir, 'net.safetensors');
      saveSafetensors(net, file);
      const size = statSync(file).size;
      expect(() => loadSafetensors(file, { maxBytes: size - 1 }))
        .to.throw(
          `${file}: the file is ${size} bytes, over the limit of ${size - 1} bytes (options.maxBytes)`,
        )
        .with.property('code', 'ERR_BLASNET_FORMAT');
      expect(loadSafetensors(file, { maxBytes: size, backend: 'js' }).sizes).to.deep.equal([3, 2]);
      expect(() => loadSafetensors(file, { maxBytes: -1 }))
        .to.throw(RangeError)
        .with.property('code', 'ERR_BLASNET_RANGE');
      // fromSafetensors reads bytes, not files: no maxBytes there.
      expect(() => fromSafetensors(readFileSync(file), { maxBytes: 10 } as never))
        .to.throw(RangeError)
        .with.property('code', 'ERR_BLASNET_RANGE');
      expect(() => loadSafetensors(dir))
        .to.throw(/cannot read: it is a directory, not a regular file/)
        .with.property('code', 'ERR_BLASNET_IO');
      // A FIFO is refused at once, not waited on: in a child, so a hang fails instead of blocking.
      const fifo = join(dir, 'pipe');
      execFileSync('mkfifo', [fifo]);
      const r = runChild(`
        import { loadSafetensors } from ${JSON.stringify(join(ROOT, 'lib', 'interop', 'safetensors'))};
        try { loadSafetensors(${JSON.stringify(fifo)}); console.log('no error'); }
        catch (e) { console.log((e as { code: string }).code + ' ' + (e as Error).message); }
      `);
      expect(r.signal, crashReport(r)).to.equal(null);
      expect(r.stdout.trim()).to.match(/^ERR_BLASNET_IO .*pipe: cannot read: it is a FIFO/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says which file could not be read or written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'blasnet-st-'));
    try {
      expect(() => loadSafetensors(join(dir, 'missing.safetensors')))
        .to.throw(/missing\.safetensors/)
        .with.property('code', 'ERR_BLASNET_IO');
      const net = new Network({ sizes: [2, 1], seed: 1 });
      expect(() => saveSafetensors(net, join(dir, 'no', 'such', 'dir.safetensors')))
        .to.throw(/dir\.safetensors/)
        .with.property('code', 'ERR_BLASNET_IO');
      writeFileSync(join(dir, 'bad.safetensors'), 'not a file');
      expect(() => loadSafetensors(join(dir, 'bad.safetensors'), opts)).to.throw(
        /bad\.safetensors: /,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
