/**
 * A corpus of damaged files: model files and IDX files truncated at every offset and with a bit
 * flipped in every byte, a header claiming 2³¹ items, and gzip bombs. Each one is refused with a
 * coded error that names the file and what is wrong; none crashes, hangs or loads silently; and
 * a bomb costs memory near what its header claims, not what it inflates to (measured in a child
 * process, whose peak RSS is its own).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { decodeIdx, encodeIdx, readIdx, readIdxAsync } from '../lib/data/idx';
import { deserializeNetwork, loadNetwork, serializeNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { forEachBackend } from './helpers/backends';

type Coded = Error & { code?: string };

function thrown(fn: () => unknown): Coded | undefined {
  try {
    fn();
  } catch (err) {
    return err as Coded;
  }
  return undefined;
}

/** What a model-file error may say: each names one thing that is wrong. */
const MODEL_REASONS =
  /^\S+: (not a blasnet model file \(bad magic bytes\)|the header says it is \d+ bytes, over the limit of \d+|truncated: .+|the JSON header is corrupted \(.+\)|the header is not a blasnet-model header|format version .+ is not supported .+|unsupported payload .+|invalid layer sizes .+|invalid activations .+|paramCount .+ does not match the sizes .+|payloadOffset .+ is not where the header ends|\d+ unexpected bytes after the parameters.*|checksum mismatch: .+|parameter \d+ is not finite .+)$/s;

const IDX_REASONS =
  /^\S+: (empty file \(0 bytes\), not an IDX file|too short for an IDX header: .+|not an IDX file: wrong magic .+|unknown data type byte .+|zero dimensions in the header .+|truncated header: .+|dimensions .+ describe .+ bytes, over the limit of \d+ bytes \(options.maxBytes\)|truncated body: .+|trailing garbage: .+|truncated gzip stream .+|corrupted gzip stream .+)$/s;

forEachBackend('corrupted model files', (be) => {
  const net = new Network({
    sizes: [3, 4, 2],
    activations: ['tanh', 'softmax'],
    seed: 5,
    backend: be(),
  });
  const metadata = { trainedOn: 'xor', classes: ['no', 'yes'], note: 'kept with the weights' };
  const good = serializeNetwork(net, metadata);
  const headerEnd = 12 + good.readUInt32LE(8);
  const metaStart = good.indexOf('"metadata"');

  it('refuses the file truncated at every offset, naming what is missing', () => {
    for (let keep = 0; keep < good.length; keep++) {
      const err = thrown(() =>
        deserializeNetwork(good.subarray(0, keep), { backend: be(), source: `cut-${keep}` }),
      );
      expect(err?.code, `cut at ${keep}: ${err?.message}`).to.equal('ERR_BLASNET_FORMAT');
      expect(err?.message).to.match(MODEL_REASONS);
      expect(err?.message.startsWith(`cut-${keep}: `)).to.equal(true);
    }
  });

  it('refuses a bit flipped in any byte: magic, header, metadata, padding, parameters, checksum', () => {
    expect(metaStart).to.be.within(12, headerEnd);
    const regions = { header: 0, metadata: 0, payload: 0 };
    for (let pos = 0; pos < good.length; pos++) {
      for (const bit of [pos % 8, (pos + 3) % 8]) {
        const bad = Buffer.from(good);
        bad[pos] ^= 1 << bit;
        const err = thrown(() => deserializeNetwork(bad, { backend: be(), source: 'flipped' }));
        expect(err?.code, `bit ${bit} of byte ${pos}: ${err?.message ?? 'loaded'}`).to.equal(
          'ERR_BLASNET_FORMAT',
        );
        expect(err?.message).to.match(MODEL_REASONS);
      }
      if (pos >= metaStart && pos < headerEnd - 1) regions.metadata++;
      else if (pos < headerEnd) regions.header++;
      else regions.payload++;
    }
    expect(regions.metadata).to.be.above(60);
    // And through loadNetwork, from disk, a sample of them.
    const dir = fs.mkdtempSync(join(tmpdir(), 'blasnet-corpus-'));
    try {
      for (let pos = 0; pos < good.length; pos += 13) {
        const bad = Buffer.from(good);
        bad[pos] ^= 0x10;
        const file = join(dir, `flip-${pos}.blasnet`);
        fs.writeFileSync(file, bad);
        const err = thrown(() => loadNetwork(file, { backend: be() }));
        expect(err?.code, `${file}: ${err?.message}`).to.equal('ERR_BLASNET_FORMAT');
        expect(err?.message.startsWith(`${file}: `)).to.equal(true);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still loads a version 1 file (checksum of the parameters only, in the header)', () => {
    const payload = Buffer.from(net.params.buffer, net.params.byteOffset, net.params.byteLength);
    const header: Record<string, unknown> = {
      format: 'blasnet-model',
      version: 1,
      sizes: [3, 4, 2],
      activations: ['tanh', 'softmax'],
      paramCount: net.params.length,
      dtype: 'float32',
      byteOrder: 'little',
      payloadOffset: 0,
      sha256: createHash('sha256').update(payload).digest('hex'),
      blasnet: '0.1.0',
      metadata,
    };
    for (let i = 0; i < 3; i++)
      header.payloadOffset = (12 + Buffer.byteLength(JSON.stringify(header)) + 3) & ~3;
    const json = Buffer.from(JSON.stringify(header));
    const v1 = Buffer.alloc((header.payloadOffset as number) + payload.length);
    v1.write('BLASNET\n', 'latin1');
    v1.writeUInt32LE(json.length, 8);
    json.copy(v1, 12);
    payload.copy(v1, header.payloadOffset as number);
    const loaded = deserializeNetwork(v1, { backend: be() });
    expect(Array.from(loaded.params)).to.deep.equal(Array.from(net.params));
    const flipped = Buffer.from(v1);
    flipped[flipped.length - 2] ^= 0x01;
    expect(thrown(() => deserializeNetwork(flipped))?.message).to.match(/checksum mismatch/);
  });

  it('refuses headers claiming 2³¹ parameters or a 4 GiB header, before allocating them', () => {
    const withHeader = (edit: (h: Record<string, unknown>) => void): Buffer => {
      const h = JSON.parse(good.subarray(12, headerEnd).toString()) as Record<string, unknown>;
      edit(h);
      const json = Buffer.from(JSON.stringify(h));
      const out = Buffer.alloc(12 + json.length + 64);
      good.copy(out, 0, 0, 8);
      out.writeUInt32LE(json.length, 8);
      json.copy(out, 12);
      return out;
    };
    const huge = withHeader((h) => {
      h.sizes = [65536, 32768];
      h.activations = ['sigmoid'];
      h.paramCount = 65536 * 32768 + 32768;
      h.payloadOffset = 0;
    });
    const hugeHeader = Buffer.from(good);
    hugeHeader.writeUInt32LE(0xffffffff, 8);
    const dir = fs.mkdtempSync(join(tmpdir(), 'blasnet-corpus-'));
    try {
      for (const [name, bytes, message] of [
        ['huge-params', huge, /payloadOffset 0 is not where the header ends/],
        ['huge-header', hugeHeader, /the header says it is 4294967295 bytes, over the limit/],
      ] as const) {
        const file = join(dir, name);
        fs.writeFileSync(file, bytes);
        const err = thrown(() => loadNetwork(file, { backend: be() }));
        expect(err?.code).to.equal('ERR_BLASNET_FORMAT');
        expect(err?.message).to.match(message);
      }
      const sized = withHeader((h) => {
        h.sizes = [65536, 32768];
        h.activations = ['sigmoid'];
        h.paramCount = 65536 * 32768 + 32768;
      });
      const json = sized.readUInt32LE(8);
      const h = JSON.parse(sized.subarray(12, 12 + json).toString()) as Record<string, number>;
      h.payloadOffset = (12 + json + 3) & ~3;
      const fixed = withHeader((x) => Object.assign(x, h));
      const file = join(dir, 'claims-2^31');
      fs.writeFileSync(file, fixed);
      const err = thrown(() => loadNetwork(file, { backend: be() }));
      expect(err?.code).to.equal('ERR_BLASNET_FORMAT');
      expect(err?.message, err?.message).to.match(
        /truncated: expected 8590\d{6} bytes for 2147516416 parameters and the checksum but the file has \d+$/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('corrupted IDX files', () => {
  const raw = Buffer.from(
    encodeIdx({ data: new Uint8Array(30).map((_, i) => i), dims: [5, 3, 2] }),
  );
  const floats = Buffer.from(
    encodeIdx({ data: new Float32Array([1.5, -2, 3, 0.25, 1e-3, 7]), dims: [2, 3] }),
  );
  const gz = zlib.gzipSync(raw);
  const gzFloats = zlib.gzipSync(floats);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'blasnet-idx-corpus-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** decodeIdx, readIdx and readIdxAsync all refuse `bytes` the same way. */
  async function refused(bytes: Uint8Array, name: string, every = true): Promise<string> {
    const err = thrown(() => decodeIdx(bytes, { name }));
    expect(err?.code, `${name}: ${err?.message ?? 'decoded'}`).to.equal('ERR_BLASNET_FORMAT');
    expect(err?.message).to.match(IDX_REASONS);
    if (every) {
      const file = join(dir, name);
      fs.writeFileSync(file, bytes);
      expect(thrown(() => readIdx(file))?.message).to.equal(err?.message.replace(name, file));
      const late = await readIdxAsync(file).then(
        () => undefined,
        (e: Coded) => e,
      );
      expect(late?.message).to.equal(err?.message.replace(name, file));
    }
    return err?.message ?? '';
  }

  it('refuses raw and gzip files truncated at every offset', async () => {
    for (const [kind, bytes] of [
      ['raw', raw],
      ['float', floats],
      ['gz', gz],
      ['gzfloat', gzFloats],
    ] as const) {
      for (let keep = 0; keep < bytes.length; keep++)
        await refused(bytes.subarray(0, keep), `${kind}-cut-${keep}`, keep % 5 === 0);
    }
  });

  it('refuses a bit flipped in any byte of a gzip file past its unchecked mtime/OS fields', async () => {
    // Bytes 4..9 of a gzip header (mtime, extra flags, OS) are covered by no check: skipped.
    for (const [kind, bytes] of [
      ['gz', gz],
      ['gzfloat', gzFloats],
    ] as const) {
      const original = decodeIdx(bytes);
      for (let pos = 0; pos < bytes.length; pos++) {
        if (pos >= 4 && pos <= 9) continue;
        const bad = Buffer.from(bytes);
        bad[pos] ^= 1 << (pos % 8);
        // The deflate stream's last byte may end in padding bits no decoder reads: a flip there
        // changes nothing, and must decode to the very same array.
        if (thrown(() => decodeIdx(bad)) === undefined) {
          expect(pos, `${kind}: a flip in byte ${pos} decoded`).to.equal(bytes.length - 9);
          expect(decodeIdx(bad)).to.deep.equal(original);
          continue;
        }
        await refused(bad, `${kind}-flip-${pos}`, pos % 4 === 0);
      }
    }
    // In a raw file only the header is checkable: a flip in the magic, the count or a dimension.
    for (const pos of [0, 1, 3, 4, 7, 8, 11, 12, 15]) {
      const bad = Buffer.from(raw);
      bad[pos] ^= 0x04;
      await refused(bad, `raw-flip-${pos}`);
    }
  });

  it('refuses headers claiming 2³¹ items, raw and gzip, naming the size', async () => {
    const claim = (type: number, tail: number[]) =>
      Buffer.from([0, 0, type, 1, 0x80, 0, 0, 0, ...tail]);
    const uint8 = claim(0x08, [1, 2, 3]);
    expect(await refused(uint8, 'u8-2^31')).to.equal(
      'u8-2^31: truncated body: header says 2147483648 (2147483648 bytes) but 3 bytes follow',
    );
    expect(await refused(zlib.gzipSync(uint8), 'u8-2^31.gz')).to.equal(
      'u8-2^31.gz: truncated body: header says 2147483648 (2147483648 bytes) but 3 bytes follow',
    );
    expect(await refused(zlib.gzipSync(claim(0x0d, [1, 2, 3, 4])), 'f32-2^31.gz')).to.equal(
      'f32-2^31.gz: dimensions 2147483648 of float32 describe 8589934592 bytes, over the limit of 2147483648 bytes (options.maxBytes)',
    );
  });

  it('refuses gzip bombs at the size their header claims: peak RSS stays near it', () => {
    // 64 gzip members of 16 MiB of zeros each (16 KiB compressed): 1 GiB once inflated. The
    // first one starts with a header claiming 1,000,000 bytes; the second bomb has no header.
    const zeros = zlib.gzipSync(Buffer.alloc(16 << 20), { level: 9 });
    const header = Buffer.from([0, 0, 0x08, 1, 0, 0x0f, 0x42, 0x40]); // 1,000,000 uint8
    const first = zlib.gzipSync(Buffer.concat([header, Buffer.alloc(16 << 20)]), { level: 9 });
    const bomb = join(dir, 'bomb-idx1-ubyte.gz');
    fs.writeFileSync(bomb, Buffer.concat([first, ...new Array<Buffer>(63).fill(zeros)]));
    const blank = join(dir, 'blank-idx1-ubyte.gz');
    fs.writeFileSync(blank, Buffer.concat(new Array<Buffer>(64).fill(zeros)));
    expect(fs.statSync(bomb).size).to.be.below(2 << 20);
    const script = `
      const fs = require('node:fs');
      const { readIdx, readIdxAsync } = require('./lib/data/idx');
      const [mode, file] = process.argv.slice(-2);
      // getrusage's maxRSS keeps the peak from before exec, when this child was a fork of mocha
      // (all of mocha's pages): on Linux read this process's own peak, VmHWM, reset to now.
      try { fs.writeFileSync('/proc/self/clear_refs', '5'); } catch {}
      const peak = () => {
        let status;
        try { status = fs.readFileSync('/proc/self/status', 'utf8'); }
        catch { return process.resourceUsage().maxRSS; } // no /proc: not Linux
        return Number(/VmHWM:[ \\t]*([0-9]+)/.exec(status)[1]);
      };
      const base = process.memoryUsage().rss / 1024; // kB, now; the peak after is the peak since
      const done = (e) => console.log(JSON.stringify({
        kB: peak() - base, code: e && e.code, message: e && e.message }));
      if (mode === 'sync') { try { readIdx(file); done(); } catch (e) { done(e); } }
      else readIdxAsync(file).then(() => done(), done);
    `;
    for (const [file, message] of [
      [
        bomb,
        /trailing garbage: header says 1000000 \(1000000 bytes\) but more than 1000001 bytes follow$/,
      ],
      [blank, /unknown data type byte 0x00/],
    ] as const) {
      for (const mode of ['sync', 'async']) {
        const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, mode, file], {
          cwd: join(__dirname, '..'),
          timeout: 120_000,
          encoding: 'utf8',
        });
        expect(r.status, r.stderr).to.equal(0);
        const got = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
          kB: number;
          code?: string;
          message?: string;
        };
        console.log(
          `      ${mode} ${file.split('/').at(-1)}: peak RSS growth ${(got.kB / 1024).toFixed(1)} MiB`,
        );
        expect(got.kB, `${mode}: peak RSS growth in kB`).to.be.below(64 * 1024);
        expect(got.code).to.equal('ERR_BLASNET_FORMAT');
        expect(got.message).to.match(message);
      }
    }
  });
});
