import { expect } from 'chai';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { deserializeNetwork, loadNetwork, saveNetwork, serializeNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';

const XOR = { x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]), y: new Float32Array([0, 1, 1, 0]) };

forEachBackend('model files', (be) => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'blasnet-model-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips bit for bit: identical predictions, and training continues identically', () => {
    const net = new Network({
      sizes: [2, 5, 3, 1],
      activations: ['relu', 'tanh', 'sigmoid'],
      seed: 4,
      backend: be(),
    });
    fitSync(net, XOR, { epochs: 20, batchSize: 2, learningRate: 0.5 });
    const file = join(dir, 'xor.blasnet');
    saveNetwork(net, file, { note: 'xor' });
    const loaded = loadNetwork(file, { backend: be() });
    expect(loaded.sizes).to.deep.equal(net.sizes);
    expect(loaded.activations).to.deep.equal(net.activations);
    expect(Buffer.from(loaded.params.buffer).equals(Buffer.from(net.params.buffer))).to.equal(true);
    expect(
      Buffer.from(loaded.predict(XOR.x).buffer).equals(Buffer.from(net.predict(XOR.x).buffer)),
    ).to.equal(true);
    fitSync(net, XOR, { epochs: 5, batchSize: 2, learningRate: 0.5, seed: 3 });
    fitSync(loaded, XOR, { epochs: 5, batchSize: 2, learningRate: 0.5, seed: 3 });
    expect(Buffer.from(loaded.params.buffer).equals(Buffer.from(net.params.buffer))).to.equal(true);
  });

  it('rejects corrupted, truncated and edited files with a message saying what is wrong', () => {
    const net = new Network({
      sizes: [3, 4, 2],
      activations: ['sigmoid', 'softmax'],
      seed: 1,
      backend: be(),
    });
    const good = serializeNetwork(net);
    const headerLength = good.readUInt32LE(8);
    const header = JSON.parse(good.subarray(12, 12 + headerLength).toString());
    // A version 2 file ends with the SHA-256 of everything before it: edits recompute it.
    const withHeader = (
      edit: (h: Record<string, unknown>) => void,
      payload = good.subarray(header.payloadOffset, good.length - 32),
    ) => {
      const h = { ...header };
      edit(h);
      let json = JSON.stringify(h);
      // keep the payload offset consistent with the new header length
      h.payloadOffset = (12 + Buffer.byteLength(json) + 3) & ~3;
      json = JSON.stringify(h);
      h.payloadOffset = (12 + Buffer.byteLength(json) + 3) & ~3;
      json = JSON.stringify(h);
      const end = (h.payloadOffset as number) + payload.length;
      const out = Buffer.alloc(end + 32);
      good.copy(out, 0, 0, 8);
      out.writeUInt32LE(Buffer.byteLength(json), 8);
      out.write(json, 12);
      payload.copy(out, h.payloadOffset as number);
      createHash('sha256').update(out.subarray(0, end)).digest().copy(out, end);
      return out;
    };
    const nanPayload = Buffer.from(good.subarray(header.payloadOffset, good.length - 32));
    nanPayload.writeFloatLE(NaN, 4);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 35] ^= 0x40; // in the last parameter, before the 32-byte checksum
    const cases: [string, Buffer, RegExp][] = [
      ['empty', Buffer.alloc(0), /bad magic/],
      ['wrong magic', Buffer.concat([Buffer.from('NOTAMODEL'), good.subarray(9)]), /bad magic/],
      ['truncated header', good.subarray(0, 40), /truncated: the header says/],
      ['truncated payload', good.subarray(0, good.length - 5), /truncated: expected \d+ bytes/],
      [
        'trailing bytes',
        Buffer.concat([good, Buffer.from([1, 2, 3, 4])]),
        /4 unexpected bytes after the parameters/,
      ],
      ['edited payload', flipped, /checksum mismatch/],
      [
        'broken JSON',
        Buffer.concat([
          good.subarray(0, 12),
          Buffer.from('{'.padEnd(headerLength, ' ')),
          good.subarray(12 + headerLength),
        ]),
        /JSON header is corrupted/,
      ],
      ['future version', withHeader((h) => (h.version = 99)), /format version 99 is not supported/],
      [
        'edited sizes',
        withHeader((h) => (h.sizes = [3, 5, 2])),
        /paramCount 26 does not match the sizes \[3,5,2\]/,
      ],
      [
        'bad activation',
        withHeader((h) => (h.activations = ['sigmoid', 'swish'])),
        /invalid activations/,
      ],
      ['NaN parameter', withHeader(() => {}, nanPayload), /parameter 1 is not finite/],
    ];
    for (const [name, bytes, message] of cases) {
      const file = join(dir, `${name}.blasnet`);
      writeFileSync(file, bytes);
      expect(() => loadNetwork(file), name)
        .to.throw(Error, message)
        .with.property('code', 'ERR_BLASNET_FORMAT');
      expect(() => loadNetwork(file), name).to.throw(
        new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
      );
    }
    expect(() => deserializeNetwork(good, { backend: be() })).to.not.throw();
  });

  it('saves atomically: a failed save leaves the previous file whole and no temp file behind', () => {
    if (process.getuid?.() === 0) {
      // root ignores directory permissions, so make the rename itself fail: the target is a directory.
      const target = join(dir, 'model.blasnet');
      const net = new Network({ sizes: [2, 1], backend: be() });
      saveNetwork(net, join(dir, 'keep.blasnet'));
      const before = readFileSync(join(dir, 'keep.blasnet'));
      mkdirSync(target);
      writeFileSync(join(target, 'inside'), 'occupied');
      expect(() => saveNetwork(net, target))
        .to.throw(Error, /cannot write/)
        .with.property('code', 'ERR_BLASNET_IO');
      expect(readFileSync(join(dir, 'keep.blasnet')).equals(before)).to.equal(true);
    } else {
      const file = join(dir, 'model.blasnet');
      const net = new Network({ sizes: [2, 1], backend: be() });
      saveNetwork(net, file);
      const before = readFileSync(file);
      chmodSync(dir, 0o500);
      try {
        expect(() =>
          saveNetwork(new Network({ sizes: [2, 1], seed: 9, backend: be() }), file),
        ).to.throw(/cannot write/);
      } finally {
        chmodSync(dir, 0o700);
      }
      expect(readFileSync(file).equals(before)).to.equal(true);
    }
    expect(readdirSync(dir).filter((f) => f.includes('blasnet-tmp'))).to.deep.equal([]);
  });

  it('rejects bad arguments', () => {
    const net = new Network({ sizes: [2, 1], backend: be() });
    expect(() => saveNetwork(net, '' as never)).to.throw(TypeError, /for path/);
    expect(() => saveNetwork({} as never, join(dir, 'a'))).to.throw(TypeError, /a Network for net/);
    expect(() => loadNetwork(42 as never)).to.throw(TypeError, /for path/);
    expect(() => loadNetwork(join(dir, 'missing.blasnet')))
      .to.throw(Error, /Cannot read/)
      .with.property('code', 'ERR_BLASNET_IO');
  });
});
