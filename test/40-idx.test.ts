import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { expect } from 'chai';
import {
  decodeIdx,
  encodeIdx,
  IDX_TYPE_CODES,
  IDX_TYPES,
  type IdxReadOptions,
  type IdxType,
  type IdxTypedArray,
  isGzip,
  readIdx,
  readIdxAsync,
  writeIdx,
} from '../lib/data/idx';
import {
  expectArgError,
  expectFormatError,
  idxBytes,
  makeTempDir,
  pattern,
  thrown,
} from './fixtures/data-helpers';

/** Sample values of each type, including its extremes and (for floats) NaN, ±Infinity, −0. */
function samples(type: IdxType): IdxTypedArray {
  switch (type) {
    case 'uint8':
      return new Uint8Array([0, 1, 127, 128, 254, 255]);
    case 'int8':
      return new Int8Array([-128, -1, 0, 1, 126, 127]);
    case 'int16':
      return new Int16Array([-32768, -258, -1, 0, 258, 32767]);
    case 'int32':
      return new Int32Array([-2147483648, -16909060, -1, 0, 16909060, 2147483647]);
    case 'float32':
      return new Float32Array([-Infinity, -1.5e-40, -0, Math.fround(Math.PI), 3.4e38, NaN]);
    case 'float64':
      return new Float64Array([-Infinity, -5e-324, -0, Math.PI, 1.7976931348623157e308, NaN]);
  }
}

/** A big byte count as the messages write it: `about 1.23e45`. */
function approx(n: bigint): string {
  const d = n.toString();
  return `${d[0]}.${d.slice(1, 3)}e${d.length - 1}`;
}

function sameElements(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).to.equal(b.length);
  for (let i = 0; i < a.length; i++)
    expect(Object.is(a[i], b[i]), `element ${i}: ${a[i]} vs ${b[i]}`).to.equal(true);
}

describe('40 IDX files', () => {
  /** Every file read by the tests below, good or bad, for readIdxAsync to read again at the end. */
  const read: Array<{ file: string; options?: Omit<IdxReadOptions, 'name'> }> = [];
  let dir: string;
  let cleanup: () => void;
  before(() => {
    ({ dir, cleanup } = makeTempDir());
  });
  after(() => {
    cleanup();
  });

  describe('decoding', () => {
    it('reads a hand-built uint8 file as a view with the header dims', () => {
      const bytes = idxBytes(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);
      const a = decodeIdx(bytes);
      expect(a.type).to.equal('uint8');
      expect(a.dims).to.deep.equal([2, 3]);
      expect(Array.from(a.data)).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(a.data).to.be.instanceOf(Uint8Array);
    });

    it('uint8 data of a large buffer is a view over the bytes (no copy)', () => {
      const body = pattern(100_000);
      const bytes = idxBytes(0x08, [100, 1000], body);
      const a = decodeIdx(bytes);
      expect(a.data.buffer).to.equal(bytes.buffer);
      expect(a.data.byteOffset).to.equal(bytes.byteOffset + 12);
    });

    it('reads multi-byte types big-endian', () => {
      expect(
        Array.from(decodeIdx(idxBytes(0x0b, [2], [0x01, 0x02, 0xff, 0xfe])).data),
      ).to.deep.equal([258, -2]);
      expect(
        Array.from(decodeIdx(idxBytes(0x0c, [1], [0x01, 0x02, 0x03, 0x04])).data),
      ).to.deep.equal([16909060]);
      expect(Array.from(decodeIdx(idxBytes(0x0d, [1], [0x3f, 0xc0, 0, 0])).data)).to.deep.equal([
        1.5,
      ]);
      expect(
        Array.from(
          decodeIdx(idxBytes(0x0e, [1], [0xc0, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18])).data,
        ),
      ).to.deep.equal([-Math.PI]);
      expect(Array.from(decodeIdx(idxBytes(0x09, [2], [0xff, 0x7f])).data)).to.deep.equal([
        -1, 127,
      ]);
    });

    it('detects gzip from the bytes, not the name', () => {
      const raw = idxBytes(0x08, [3], [7, 2, 1]);
      const gz = zlib.gzipSync(raw);
      expect(isGzip(gz)).to.equal(true);
      expect(isGzip(raw)).to.equal(false);
      const named = path.join(dir, 'looks-raw-idx1-ubyte');
      fs.writeFileSync(named, gz);
      expect(Array.from(readIdx(named).data)).to.deep.equal([7, 2, 1]);
      const misnamed = path.join(dir, 'looks-gzipped-idx1-ubyte.gz');
      fs.writeFileSync(misnamed, raw);
      expect(Array.from(readIdx(misnamed).data)).to.deep.equal([7, 2, 1]);
    });

    it('accepts a dimension of size 0 (an empty array)', () => {
      const a = decodeIdx(idxBytes(0x0d, [0, 28, 28], []));
      expect(a.dims).to.deep.equal([0, 28, 28]);
      expect(a.data.length).to.equal(0);
    });
  });

  describe('round trip write → read, every type, raw and gzip', () => {
    for (const type of IDX_TYPES) {
      for (const gzip of [false, true]) {
        it(`${type} ${gzip ? 'gzip' : 'raw'}`, () => {
          const data = samples(type);
          const file = path.join(dir, `rt-${type}${gzip ? '.gz' : ''}`);
          writeIdx(file, { data, dims: [2, 3] });
          const bytes = fs.readFileSync(file);
          expect(isGzip(bytes)).to.equal(gzip);
          const back = readIdx(file);
          read.push({ file });
          expect(back.type).to.equal(type);
          expect(back.dims).to.deep.equal([2, 3]);
          expect(back.data.constructor).to.equal(data.constructor);
          sameElements(back.data, data);
          // And through memory, both ways.
          sameElements(decodeIdx(encodeIdx({ data, dims: [6] }, { gzip })).data, data);
          // The header says what it should.
          const raw = gzip ? zlib.gunzipSync(bytes) : bytes;
          expect(Array.from(raw.subarray(0, 4))).to.deep.equal([0, 0, IDX_TYPE_CODES[type], 2]);
        });
      }
    }

    it("writes big-endian bytes and leaves the caller's array untouched", () => {
      const data = new Int16Array([258, -2]);
      const bytes = encodeIdx({ data });
      expect(Array.from(bytes)).to.deep.equal([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
      expect(Array.from(data)).to.deep.equal([258, -2]);
    });

    it('defaults dims to [length] and gzip to the file name; options override it', () => {
      const data = pattern(10);
      const gzFile = path.join(dir, 'default.gz');
      writeIdx(gzFile, { data });
      expect(isGzip(fs.readFileSync(gzFile))).to.equal(true);
      writeIdx(gzFile, { data }, { gzip: false });
      expect(isGzip(fs.readFileSync(gzFile))).to.equal(false);
      expect(readIdx(gzFile).dims).to.deep.equal([10]);
    });

    it('round-trips a large uint8 array and many dimensions', () => {
      const data = pattern(2 * 3 * 4 * 5 * 6);
      const a = decodeIdx(encodeIdx({ data, dims: [2, 3, 4, 5, 6] }, { gzip: true, level: 1 }));
      expect(a.dims).to.deep.equal([2, 3, 4, 5, 6]);
      sameElements(a.data, data);
    });
  });

  describe('atomic writes', () => {
    it('leaves no temporary file behind and replaces the old file whole', () => {
      const sub = path.join(dir, 'atomic');
      fs.mkdirSync(sub);
      const file = path.join(sub, 'a-idx1-ubyte');
      writeIdx(file, { data: pattern(1000) });
      writeIdx(file, { data: pattern(5, 1, 0) });
      expect(fs.readdirSync(sub)).to.deep.equal(['a-idx1-ubyte']);
      expect(Array.from(readIdx(file).data)).to.deep.equal([0, 1, 2, 3, 4]);
    });

    it('fails with ERR_BLASNET_IO naming the file, keeps the old file, cleans up the temp file', () => {
      const sub = path.join(dir, 'atomic-fail');
      fs.mkdirSync(sub);
      const target = path.join(sub, 'is-a-directory');
      fs.mkdirSync(target);
      fs.writeFileSync(path.join(target, 'keep'), 'x');
      const err = thrown(() => writeIdx(target, { data: pattern(3) }));
      expect(err.code).to.equal('ERR_BLASNET_IO');
      expect(err.message).to.match(
        new RegExp(`^${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write: `),
      );
      expect(fs.readdirSync(sub)).to.deep.equal(['is-a-directory']);
      expect(fs.readFileSync(path.join(target, 'keep'), 'utf8')).to.equal('x');
    });

    it('fails with ERR_BLASNET_IO when the directory does not exist', () => {
      const err = thrown(() =>
        writeIdx(path.join(dir, 'no', 'such', 'dir', 'f'), { data: pattern(3) }),
      );
      expect(err.code).to.equal('ERR_BLASNET_IO');
    });
  });

  describe('corrupted files: each gives ERR_BLASNET_FORMAT naming the file and the problem', () => {
    let n = 0;
    /** Write `bytes` to a fresh file and expect readIdx to fail with `<file>: <message>`. */
    function expectBad(
      bytes: Uint8Array,
      message: string | RegExp,
      name = `bad-${n++}-idx3-ubyte`,
      again = true,
    ): string {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      if (again) {
        read.push({ file: path.join(dir, `async-${path.basename(file)}`) });
        fs.copyFileSync(file, read.at(-1)!.file);
      }
      if (typeof message === 'string')
        expectFormatError(() => readIdx(file), `${file}: ${message}`);
      else
        expectFormatError(
          () => readIdx(file),
          new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${message.source}$`),
        );
      return file;
    }
    const good = idxBytes(0x08, [5, 3, 2], pattern(30));

    it('wrong magic', () => {
      const bad = Buffer.from(good);
      bad[0] = 0x50;
      bad[1] = 0x4b;
      expectBad(
        bad,
        'not an IDX file: wrong magic 50 4b 08 03 (an IDX file starts with 00 00 <type> <dimensions>)',
      );
      expectBad(
        Buffer.from('%PDF-1.4 hello'),
        'not an IDX file: wrong magic 25 50 44 46 (an IDX file starts with 00 00 <type> <dimensions>)',
      );
    });

    it('unknown type byte', () => {
      for (const byte of [0x00, 0x07, 0x0a, 0x0f, 0xff]) {
        const bad = Buffer.from(good);
        bad[2] = byte;
        const hex = `0x${byte.toString(16).padStart(2, '0').toUpperCase()}`;
        expectBad(
          bad,
          `unknown data type byte ${hex} (IDX types are 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)`,
        );
      }
    });

    it('zero dimensions', () => {
      expectBad(
        Buffer.from([0, 0, 0x08, 0, 1, 2, 3]),
        'zero dimensions in the header (an IDX file has at least 1)',
      );
    });

    it('a dimension product that overflows or exceeds the limit', () => {
      const max = 0xffffffff;
      expect((BigInt(max) ** 3n).toString()).to.equal('79228162458924105385300197375');
      expectBad(
        idxBytes(0x08, [max, max, max], [1, 2, 3]),
        'dimensions 4294967295x4294967295x4294967295 of uint8 describe about 7.92e28 bytes, over the limit of 2147483648 bytes (options.maxBytes)',
      );
      // 2^16 x 2^16 = 2^32 elements of float64 = 2^35 bytes: overflows 32 bits and the cap.
      expectBad(
        idxBytes(0x0e, [65536, 65536], []),
        'dimensions 65536x65536 of float64 describe 34359738368 bytes, over the limit of 2147483648 bytes (options.maxBytes)',
      );
      // A lower cap is honoured, and a zero dimension makes any product empty.
      const file = path.join(dir, 'capped-idx3-ubyte');
      fs.writeFileSync(file, idxBytes(0x0d, [60000, 28, 28], []));
      expectFormatError(
        () => readIdx(file, { maxBytes: 1_000_000 }),
        `${file}: dimensions 60000x28x28 of float32 describe 188160000 bytes, over the limit of 1000000 bytes (options.maxBytes)`,
      );
      expect(decodeIdx(idxBytes(0x08, [max, 0, max], [])).data.length).to.equal(0);
      // 255 dimensions whose product overflows a double, then a zero: still empty, not NaN.
      const many = new Array<number>(255).fill(max);
      many[254] = 0;
      expect(decodeIdx(idxBytes(0x0e, many, [])).dims.length).to.equal(255);
      many[254] = max;
      expectFormatError(
        () => decodeIdx(idxBytes(0x0e, many, [])),
        `<buffer>: dimensions ${'4294967295x'.repeat(8)}… (255 dimensions) of float64 describe about ${approx(8n * BigInt(max) ** 255n)} bytes, over the limit of 2147483648 bytes (options.maxBytes)`,
      );
    });

    it('truncated header', () => {
      expectBad(
        good.subarray(0, 10),
        'truncated header: 3 dimensions need 16 header bytes but the file has 10',
      );
      expectBad(good.subarray(0, 3), 'too short for an IDX header: 3 bytes (the magic alone is 4)');
      expectBad(new Uint8Array(0), 'empty file (0 bytes), not an IDX file');
    });

    it('truncated body', () => {
      expectBad(
        idxBytes(0x08, [60000, 28, 28], pattern(1000)),
        'truncated body: header says 60000x28x28 (47040000 bytes) but 1000 bytes follow',
        'train-images-idx3-ubyte',
      );
      expectBad(
        good.subarray(0, good.length - 1),
        'truncated body: header says 5x3x2 (30 bytes) but 29 bytes follow',
      );
      expectBad(
        idxBytes(0x0d, [2, 2], pattern(15)),
        'truncated body: header says 2x2 (16 bytes) but 15 bytes follow',
      );
    });

    it('truncated body inside a gzip file', () => {
      expectBad(
        zlib.gzipSync(idxBytes(0x08, [60000, 28, 28], pattern(1000))),
        'truncated body: header says 60000x28x28 (47040000 bytes) but 1000 bytes follow',
        'train-images-idx3-ubyte.gz',
      );
    });

    it('trailing garbage', () => {
      expectBad(
        Buffer.concat([good, Buffer.from('junk')]),
        'trailing garbage: header says 5x3x2 (30 bytes) but 34 bytes follow (4 extra)',
      );
      expectBad(
        zlib.gzipSync(Buffer.concat([good, Buffer.alloc(1)])),
        'trailing garbage: header says 5x3x2 (30 bytes) but 31 bytes follow (1 extra)',
      );
    });

    it('truncated gzip stream', () => {
      const gz = zlib.gzipSync(idxBytes(0x08, [100, 10], pattern(1000)));
      for (const keep of [3, 10, 20, Math.floor(gz.length / 2), gz.length - 8, gz.length - 1]) {
        expectBad(
          gz.subarray(0, keep),
          'truncated gzip stream (unexpected end of file): the file ends before the compressed data does',
        );
      }
    });

    it('corrupted gzip stream (flipped bytes in the deflate stream and the trailer)', () => {
      const gz = zlib.gzipSync(idxBytes(0x08, [100, 10], pattern(1000)));
      // One known flip, with its exact message (the CRC catches it).
      const one = Buffer.from(gz);
      one[gz.length - 6] ^= 0xff;
      expectBad(one, 'corrupted gzip stream (incorrect data check)');
      const sizeFlip = Buffer.from(gz);
      sizeFlip[gz.length - 2] ^= 0x01;
      expectBad(sizeFlip, 'corrupted gzip stream (incorrect length check)');
      // Every other byte of the deflate body and trailer: never a crash, never silently wrong data.
      let checked = 0;
      for (let pos = 10; pos < gz.length; pos++) {
        const bad = Buffer.from(gz);
        bad[pos] ^= 0x55;
        // (readIdxAsync reads every seventh of these again at the end: all of them take seconds.)
        expectBad(
          bad,
          /(corrupted gzip stream \(.+\)|truncated gzip stream \(unexpected end of file\): the file ends before the compressed data does)/,
          undefined,
          pos % 7 === 0,
        );
        checked++;
      }
      expect(checked).to.be.greaterThan(20);
    });

    it('a gzip bomb stops at the limit, refused from its header before its body is inflated', () => {
      const bomb = zlib.gzipSync(idxBytes(0x08, [4_000_000], new Uint8Array(4_000_000)));
      const file = path.join(dir, 'bomb-idx1-ubyte.gz');
      fs.writeFileSync(file, bomb);
      read.push({ file, options: { maxBytes: 1_000_000 } }, { file });
      expectFormatError(
        () => readIdx(file, { maxBytes: 1_000_000 }),
        `${file}: dimensions 4000000 of uint8 describe 4000000 bytes, over the limit of 1000000 bytes (options.maxBytes)`,
      );
      expect(readIdx(file).data.length).to.equal(4_000_000);
    });

    it('decodeIdx names the buffer, or options.name', () => {
      expectFormatError(
        () => decodeIdx(new Uint8Array([1, 2, 3, 4])),
        '<buffer>: not an IDX file: wrong magic 01 02 03 04 (an IDX file starts with 00 00 <type> <dimensions>)',
      );
      expectFormatError(
        () => decodeIdx(new Uint8Array([0, 0, 8, 0]), { name: 'x.idx' }),
        'x.idx: zero dimensions in the header (an IDX file has at least 1)',
      );
    });

    it('a missing file is ERR_BLASNET_IO naming it', () => {
      const file = path.join(dir, 'missing-idx1-ubyte');
      const err = thrown(() => readIdx(file));
      expect(err.code).to.equal('ERR_BLASNET_IO');
      expect(err.message).to.include(`${file}: cannot read: `);
      expect(err.message).to.include('ENOENT');
      const asDir = thrown(() => readIdx(dir));
      expect(asDir.code).to.equal('ERR_BLASNET_IO');
    });
  });

  describe('readIdxAsync: the same arrays and the same errors as readIdx, streaming gzip', () => {
    it('reads every file of the tests above as readIdx does, or fails with the same code and message', async () => {
      // A file the corrupted-files tests wrote is read back as a copy (their names repeat).
      expect(read.length).to.be.greaterThan(40);
      let failures = 0;
      for (const { file, options } of read) {
        let expected: ReturnType<typeof readIdx> | undefined;
        let expectedError: (Error & { code?: string }) | undefined;
        try {
          expected = readIdx(file, options);
        } catch (err) {
          expectedError = err as Error & { code?: string };
        }
        let got: ReturnType<typeof readIdx> | undefined;
        let gotError: (Error & { code?: string }) | undefined;
        try {
          got = await readIdxAsync(file, options);
        } catch (err) {
          gotError = err as Error & { code?: string };
        }
        if (expectedError) {
          failures++;
          expect(gotError, `${file}: expected ${expectedError.message}`).to.be.instanceOf(Error);
          expect(gotError!.message, file).to.equal(expectedError.message);
          expect(gotError!.code, file).to.equal(expectedError.code);
        } else {
          expect(gotError, `${file}: ${gotError?.message}`).to.equal(undefined);
          expect(got!.type).to.equal(expected!.type);
          expect(got!.dims).to.deep.equal(expected!.dims);
          // The same bytes (NaN payloads included), compared at once: some arrays have millions.
          const bytes = (a: IdxTypedArray) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
          expect(bytes(got!.data).equals(bytes(expected!.data)), `${file}: data`).to.equal(true);
          expect(got!.data.constructor).to.equal(expected!.data.constructor);
        }
      }
      expect(failures, 'bad files among them').to.be.greaterThan(30);
    });

    it('a missing file or a directory is ERR_BLASNET_IO naming it; bad arguments are thrown', async () => {
      const file = path.join(dir, 'missing-async-idx1-ubyte');
      const err = await readIdxAsync(file).then(
        () => undefined,
        (e: Error & { code?: string }) => e,
      );
      expect(err?.code).to.equal('ERR_BLASNET_IO');
      expect(err?.message).to.include(`${file}: cannot read: `);
      const asDir = await readIdxAsync(dir).then(
        () => undefined,
        (e: Error & { code?: string }) => e,
      );
      expect(asDir?.code).to.equal('ERR_BLASNET_IO');
      for (const bad of ['', 3, null]) {
        const e = await readIdxAsync(bad as never).then(
          () => undefined,
          (x: Error) => x,
        );
        expect(e).to.be.instanceOf(TypeError);
        expect(e!.message).to.contain('for file but received');
      }
      const badOption = await readIdxAsync(file, { maxBytes: -1 }).then(
        () => undefined,
        (x: Error) => x,
      );
      expect(badOption).to.be.instanceOf(RangeError);
    });

    it('grows its buffer when the gzip trailer understates the size', async () => {
      const data = idxBytes(0x08, [50, 400], pattern(20000)); // 20,012 bytes
      const file = path.join(dir, 'two-members-idx2-ubyte.gz');
      // Two gzip members: the trailer read (the last member's ISIZE) says 12 of the 20,012 bytes.
      fs.writeFileSync(
        file,
        Buffer.concat([
          zlib.gzipSync(data.subarray(0, 20000)),
          zlib.gzipSync(data.subarray(20000)),
        ]),
      );
      const a = await readIdxAsync(file);
      expect(a.dims).to.deep.equal([50, 400]);
      sameElements(a.data, readIdx(file).data);
    });
  });

  describe('rejects bad input', () => {
    it('decodeIdx / isGzip bytes', () => {
      for (const bad of [
        null,
        undefined,
        'abc',
        [0, 0, 8, 1],
        new Uint16Array(4),
        new ArrayBuffer(8),
        42,
      ]) {
        expectArgError(() => decodeIdx(bad as never), 'bytes');
        expectArgError(() => isGzip(bad as never), 'bytes');
      }
    });

    it('read options', () => {
      const bytes = idxBytes(0x08, [1], [1]);
      for (const bad of [-1, 1.5, 'big', NaN, 2 ** 33, null])
        expectArgError(() => decodeIdx(bytes, { maxBytes: bad as never }), 'options.maxBytes');
      for (const bad of [42, null, ['x']])
        expectArgError(() => decodeIdx(bytes, { name: bad as never }), 'options.name');
      for (const bad of [42, 'opts', [1], null])
        expectArgError(() => decodeIdx(bytes, bad as never), 'options');
    });

    it('readIdx / writeIdx file', () => {
      for (const bad of [undefined, null, '', 42, {}, ['a']]) {
        expectArgError(() => readIdx(bad as never), 'file');
        expectArgError(() => writeIdx(bad as never, { data: new Uint8Array(1) }), 'file');
      }
    });

    it('encodeIdx / writeIdx array', () => {
      const file = path.join(dir, 'never-written');
      const cases: Array<[unknown, string]> = [
        [null, 'array'],
        [undefined, 'array'],
        [new Uint8Array(2), 'array.data'],
        [[1, 2], 'array'],
        [{}, 'array.data'],
        [{ data: [1, 2] }, 'array.data'],
        [{ data: new Uint16Array(2) }, 'array.data'],
        [{ data: new Uint8ClampedArray(2) }, 'array.data'],
        [{ data: new Uint8Array(4), dims: [3] }, 'array.data'],
        [{ data: new Uint8Array(4), dims: [] }, 'array.dims'],
        [{ data: new Uint8Array(4), dims: '4' }, 'array.dims'],
        [{ data: new Uint8Array(4), dims: [2, -2] }, 'array.dims[1]'],
        [{ data: new Uint8Array(4), dims: [2, 2.5] }, 'array.dims[1]'],
        [{ data: new Uint8Array(4), dims: [2 ** 32, 0] }, 'array.dims[0]'],
        [{ data: new Uint8Array(0), dims: new Array(256).fill(0) }, 'array.dims'],
        [{ data: new Uint8Array(1), type: 'float32' }, 'array.data'],
        [{ data: new Uint8Array(1), type: 'uint16' }, 'array.type'],
        [{ data: new Uint8Array(1), type: 8 }, 'array.type'],
      ];
      for (const [bad, name] of cases) {
        expectArgError(() => encodeIdx(bad as never), name);
        expectArgError(() => writeIdx(file, bad as never), name);
      }
      expect(fs.existsSync(file)).to.equal(false);
    });

    it('write options', () => {
      const data = { data: new Uint8Array(1) };
      for (const bad of ['yes', 1, null])
        expectArgError(() => encodeIdx(data, { gzip: bad as never }), 'options.gzip');
      for (const bad of [-1, 10, 2.5, '9'])
        expectArgError(() => encodeIdx(data, { level: bad as never }), 'options.level');
      for (const bad of ['gzip', 7, [true]])
        expectArgError(() => encodeIdx(data, bad as never), 'options');
    });
  });
});
