/**
 * The IDX file format (LeCun's MNIST format), read and written in full.
 *
 * ```
 * offset  bytes  meaning
 * 0       2      0x00 0x00
 * 2       1      data type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
 * 3       1      number of dimensions d (1..255)
 * 4       4·d    each dimension, a big-endian unsigned 32-bit integer
 * 4+4·d   …      the data, row-major, big-endian, exactly (product of the dimensions) elements
 * ```
 *
 * A file may be gzip-compressed; that is detected from its first two bytes (1f 8b), never from its
 * name. Every header is checked against the real length of the data, and every problem is an
 * `ERR_BLASNET_FORMAT` error that names the file and says what is wrong.
 *
 * Speed: a file is read whole, gunzipped in one `zlib.gunzipSync` call and viewed in place
 * (`readIdxAsync` streams a gzip file instead, so the compressed bytes are never all in memory);
 * uint8/int8 data is a view over those bytes (no per-element work), multi-byte types are copied
 * once and byte-swapped by Node's native `Buffer#swap16/32/64`.
 *
 * Memory: a gzip stream's header is inflated first (a few KiB of output at most), checked, and
 * the exact size it describes allocated once; inflating stops as soon as the output runs past
 * that size (plus one byte, so that one stray byte is still reported exactly). A gzip bomb costs
 * what its header claims, never what it inflates to, and no buffer is ever grown by copying.
 */
import * as os from 'node:os';
import * as zlib from 'node:zlib';
import { blasnetError, type BlasnetError, rangeError, shapeError, typeError } from '../errors';
import { checkBoolean, checkInt, checkOptions } from '../validate';
import { ioError, writeFileAtomic } from '../atomic-file';
import { openRegularFile, readRegularFileSync } from '../regular-file';

/**
 * The element types of IDX, by name.
 * @example
 * ```ts
 * const type: IdxType = readIdx('t10k-labels-idx1-ubyte.gz').type; // 'uint8'
 * ```
 */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/**
 * A typed array that holds the elements of one IDX type.
 * @example
 * ```ts
 * const data: IdxTypedArray = new Float32Array([0.5, 1]);
 * encodeIdx({ data }); // a float32 IDX file
 * ```
 */
export type IdxTypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Float32Array
  | Float64Array;

/**
 * An n-dimensional array as stored in an IDX file: its element type, its dimensions (outermost
 * first, e.g. `[60000, 28, 28]`) and its elements, row-major, in the matching typed array.
 *
 * @example
 * ```ts
 * const labels: IdxArray = { type: 'uint8', dims: [3], data: new Uint8Array([7, 2, 1]) };
 * if (labels.type === 'uint8') labels.data; // narrowed to Uint8Array
 * ```
 */
export type IdxArray =
  | { type: 'uint8'; dims: number[]; data: Uint8Array }
  | { type: 'int8'; dims: number[]; data: Int8Array }
  | { type: 'int16'; dims: number[]; data: Int16Array }
  | { type: 'int32'; dims: number[]; data: Int32Array }
  | { type: 'float32'; dims: number[]; data: Float32Array }
  | { type: 'float64'; dims: number[]; data: Float64Array };

interface TypeInfo {
  code: number;
  size: 1 | 2 | 4 | 8;
  ctor: {
    new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): IdxTypedArray;
    new (length: number): IdxTypedArray;
    name: string;
  };
}

const TYPES: Readonly<Record<IdxType, TypeInfo>> = {
  uint8: { code: 0x08, size: 1, ctor: Uint8Array },
  int8: { code: 0x09, size: 1, ctor: Int8Array },
  int16: { code: 0x0b, size: 2, ctor: Int16Array },
  int32: { code: 0x0c, size: 4, ctor: Int32Array },
  float32: { code: 0x0d, size: 4, ctor: Float32Array },
  float64: { code: 0x0e, size: 8, ctor: Float64Array },
};

/**
 * The IDX type byte of each element type (`uint8` → 0x08 … `float64` → 0x0E).
 * @example
 * ```ts
 * IDX_TYPE_CODES.float32; // 0x0d
 * ```
 */
export const IDX_TYPE_CODES: Readonly<Record<IdxType, number>> = Object.freeze({
  uint8: 0x08,
  int8: 0x09,
  int16: 0x0b,
  int32: 0x0c,
  float32: 0x0d,
  float64: 0x0e,
});

/**
 * The element types, in type-byte order.
 * @example
 * ```ts
 * for (const type of IDX_TYPES) console.log(type, IDX_TYPE_CODES[type]);
 * ```
 */
export const IDX_TYPES: readonly IdxType[] = Object.freeze([
  'uint8',
  'int8',
  'int16',
  'int32',
  'float32',
  'float64',
] as IdxType[]);

const TYPE_BY_CODE = new Map<number, IdxType>(IDX_TYPES.map((t) => [TYPES[t].code, t]));

/**
 * The default cap on the data of one IDX file: 2 GiB, far above any MNIST-like set (47 MB).
 * @example
 * ```ts
 * readIdx('huge-idx3-ubyte', { maxBytes: 2 * IDX_DEFAULT_MAX_BYTES });
 * ```
 */
export const IDX_DEFAULT_MAX_BYTES = 2 ** 31;
const ABSOLUTE_MAX_BYTES = 2 ** 32; // Node 20's largest Buffer

const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

/**
 * Options of {@link decodeIdx} and {@link readIdx}.
 * @example
 * ```ts
 * const options: IdxReadOptions = { maxBytes: 100e6, name: 'upload.idx' };
 * decodeIdx(bytes, options);
 * ```
 */
export interface IdxReadOptions {
  /** The largest data size accepted, in bytes (default 2 GiB): guards against absurd headers and gzip bombs. */
  maxBytes?: number;
  /** The name to put in error messages (`decodeIdx` only; `readIdx` uses the path). Default `"<buffer>"`. */
  name?: string;
}

/**
 * Options of {@link encodeIdx} and {@link writeIdx}.
 * @example
 * ```ts
 * const options: IdxWriteOptions = { gzip: true, level: 6 };
 * writeIdx('out/weights-idx2-float', { data: w, dims: [30, 784] }, options);
 * ```
 */
export interface IdxWriteOptions {
  /** Gzip the output. Default: `false` for `encodeIdx`; for `writeIdx`, whether the path ends in `.gz`. */
  gzip?: boolean;
  /** Gzip level 0..9 (default 9: the files are written once and read often). */
  level?: number;
}

/**
 * An input to {@link encodeIdx}: the data, its dimensions (default `[data.length]`), its type (default from the array class).
 * @example
 * ```ts
 * const input: IdxInput = { data: new Uint8Array(2 * 28 * 28), dims: [2, 28, 28] };
 * encodeIdx(input, { gzip: true });
 * ```
 */
export interface IdxInput {
  /** Elements, row-major; the array class fixes the IDX type unless `type` is given. */
  data: IdxTypedArray;
  /** Dimensions, outermost first; their product must equal `data.length`. Default `[data.length]`. */
  dims?: readonly number[];
  /** The element type; must match the class of `data`. */
  type?: IdxType;
}

function formatError(name: string, what: string): BlasnetError {
  return blasnetError('ERR_BLASNET_FORMAT', `${name}: ${what}`);
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0').toUpperCase()}`;
}

/** `60000x28x28`; a long list is cut so a hostile header cannot make a huge message. */
function describeDims(dims: readonly number[]): string {
  return dims.length <= 8
    ? dims.join('x')
    : `${dims.slice(0, 8).join('x')}x… (${dims.length} dimensions)`;
}

/** A byte count: exact up to 21 digits, else in scientific notation. */
function describeBig(n: bigint): string {
  const s = n.toString();
  return s.length <= 21 ? s : `about ${s[0]}.${s.slice(1, 3)}e${s.length - 1}`;
}

/**
 * Whether `bytes` start with the gzip magic 1f 8b.
 * @example
 * ```ts
 * isGzip(fs.readFileSync('train-images-idx3-ubyte.gz')); // true
 * ```
 */
export function isGzip(bytes: Uint8Array): boolean {
  if (!(bytes instanceof Uint8Array)) throw typeError('bytes', 'a Uint8Array', bytes);
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function checkMaxBytes(value: unknown): number {
  if (value === undefined) return IDX_DEFAULT_MAX_BYTES;
  return checkInt('options.maxBytes', value, 0, ABSOLUTE_MAX_BYTES);
}

/** The largest IDX header: magic, type, count, 255 dimensions. */
const HEADER_MAX = 4 + 4 * 255;
/** Deflate's largest expansion: 258 bytes from 2 bits. No gzip stream inflates to more than this many times its size. */
const DEFLATE_MAX_RATIO = 1032;
/**
 * After the header or the length already condemned a gzip file, inflating goes on for this many
 * bytes more to see whether the stream itself is corrupted: that, the root cause, is reported
 * first, as when small files were inflated whole.
 */
const DRAIN_BYTES = 1 << 20;

/** A zlib error as a format error naming the file (ours pass through). */
function gzipError(name: string, err: unknown): BlasnetError {
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code === 'string' && e.code.startsWith('ERR_BLASNET_')) return e as BlasnetError;
  if (e.code === 'Z_BUF_ERROR')
    return formatError(
      name,
      `truncated gzip stream (${e.message}): the file ends before the compressed data does`,
    );
  return formatError(name, `corrupted gzip stream (${e.message})`);
}

function trailingGarbage(name: string, layout: Layout, limit: number): BlasnetError {
  return formatError(
    name,
    `trailing garbage: header says ${describeDims(layout.dims)} (${layout.dataBytes} bytes) but more than ${limit - layout.headerBytes} bytes follow`,
  );
}

/** The chunk size that makes gunzipSync allocate one buffer for up to `want` bytes. */
function oneChunk(want: number, input: Uint8Array): number {
  const bound = input.length * DEFLATE_MAX_RATIO + HEADER_MAX; // no stream inflates to more
  return Math.max(zlib.constants.Z_MIN_CHUNK, Math.min(want + 1, bound + 1, ABSOLUTE_MAX_BYTES));
}

/** Inflates the first `k` input bytes as far as they go; 'over' past `HEADER_MAX + DRAIN_BYTES` output. */
function inflatePrefix(input: Uint8Array, k: number): Buffer | 'over' {
  try {
    return zlib.gunzipSync(input.subarray(0, k), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      maxOutputLength: HEADER_MAX + DRAIN_BYTES,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return 'over';
    throw err;
  }
}

/**
 * At least the first HEADER_MAX bytes of the inflated stream (all of it if it is shorter), from
 * the shortest input prefixes that give them: longer prefixes by fours, then a bisection when a
 * prefix inflates to over a MiB (a bomb). Throws zlib's errors.
 */
function gunzipHead(input: Uint8Array): Buffer {
  let lo = 0;
  let k = Math.min(64, input.length);
  for (;;) {
    const out = inflatePrefix(input, k);
    if (out !== 'over') {
      if (out.length >= HEADER_MAX || k >= input.length) return out;
      lo = k;
      k = Math.min(input.length, k * 4);
      continue;
    }
    // One input byte adds at most a few KiB of output, so some prefix in (lo, k) lands between.
    let hi = k;
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const o = inflatePrefix(input, mid);
      if (o === 'over') hi = mid;
      else if (o.length >= HEADER_MAX) return o;
      else lo = mid;
    }
    const o = inflatePrefix(input, lo);
    if (o === 'over') throw new Error('inflates to over a MiB from one byte'); // not deflate
    return o;
  }
}

/** The zlib error met while inflating the first `budget` output bytes of `input`, if any. */
function gzipErrorWithin(
  input: Uint8Array,
  name: string,
  budget: number,
): BlasnetError | undefined {
  try {
    zlib.gunzipSync(input, {
      maxOutputLength: Math.min(budget, ABSOLUTE_MAX_BYTES),
      chunkSize: oneChunk(budget, input),
    });
    return undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
    return gzipError(name, err);
  }
}

/**
 * Gunzip an IDX stream into one buffer of the size its header describes (plus one byte), turning
 * zlib's errors into format errors that name the file. The header is checked before the body is
 * inflated: a header over `maxBytes` is refused having inflated at most a MiB.
 */
function gunzip(input: Uint8Array, name: string, maxBytes: number): Buffer {
  let head: Buffer;
  try {
    head = gunzipHead(input);
  } catch (err) {
    throw gzipError(name, err);
  }
  let layout: Layout | undefined;
  try {
    layout = parseHeader(head, name, maxBytes, true);
  } catch (err) {
    throw gzipErrorWithin(input, name, HEADER_MAX + DRAIN_BYTES) ?? err;
  }
  // Without a whole header, `head` is the whole stream: decode() reports what is missing.
  const want = layout === undefined ? HEADER_MAX : layout.headerBytes + layout.dataBytes;
  try {
    return zlib.gunzipSync(input, {
      maxOutputLength: Math.min(want + 1, ABSOLUTE_MAX_BYTES), // zlib's own range ends there
      chunkSize: oneChunk(want + 1, input),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' && layout !== undefined)
      throw (
        gzipErrorWithin(input, name, want + 1 + DRAIN_BYTES) ??
        trailingGarbage(name, layout, want + 1)
      );
    throw gzipError(name, err);
  }
}

/**
 * Decode IDX bytes (raw or gzip-compressed, detected from the bytes) into an {@link IdxArray},
 * checking the header against the real length. For uncompressed uint8/int8 input the returned
 * `data` is a view over `bytes` (no copy).
 *
 * @param bytes the file contents.
 * @param options `name` for error messages, `maxBytes` cap on the data size.
 * @throws `ERR_BLASNET_FORMAT` naming the file and the problem: not IDX, unknown type byte, no
 *   dimensions, too large, truncated header or body, trailing bytes, corrupted or truncated gzip.
 * @example
 * ```ts
 * const bytes = new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 2, 1]);
 * const { type, dims, data } = decodeIdx(bytes); // 'uint8', [3], Uint8Array [7, 2, 1]
 * ```
 */
export function decodeIdx(bytes: Uint8Array, options?: IdxReadOptions): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw typeError('bytes', 'a Uint8Array', bytes);
  const o = checkOptions<IdxReadOptions>('options', options);
  const maxBytes = checkMaxBytes(o.maxBytes);
  let name = '<buffer>';
  if (o.name !== undefined) {
    if (typeof o.name !== 'string') throw typeError('options.name', 'a string', o.name);
    name = o.name;
  }
  return decode(bytes, name, maxBytes);
}

/** An IDX header, checked: where the data starts, how long it is. */
interface Layout {
  type: IdxType;
  dims: number[];
  headerBytes: number;
  elements: number;
  dataBytes: number;
}

/**
 * Parse and check the header at the start of `bytes`. With `partial` (more bytes may follow),
 * returns undefined when `bytes` end inside the header; without, that is an error.
 */
function parseHeader(
  bytes: Uint8Array,
  name: string,
  maxBytes: number,
  partial: boolean,
): Layout | undefined {
  if (bytes.length < 4) {
    if (partial) return undefined;
    throw formatError(
      name,
      `too short for an IDX header: ${bytes.length} byte${bytes.length === 1 ? '' : 's'} (the magic alone is 4)`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const first = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(
      ' ',
    );
    throw formatError(
      name,
      `not an IDX file: wrong magic ${first} (an IDX file starts with 00 00 <type> <dimensions>)`,
    );
  }
  const typeByte = bytes[2];
  const type = TYPE_BY_CODE.get(typeByte);
  if (type === undefined) {
    const known = IDX_TYPES.map((t) => `${hex(TYPES[t].code)} ${t}`).join(', ');
    throw formatError(name, `unknown data type byte ${hex(typeByte)} (IDX types are ${known})`);
  }
  const ndims = bytes[3];
  if (ndims === 0)
    throw formatError(name, 'zero dimensions in the header (an IDX file has at least 1)');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    if (partial) return undefined;
    throw formatError(
      name,
      `truncated header: ${ndims} dimensions need ${headerBytes} header bytes but the file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const dims: number[] = new Array<number>(ndims);
  const { size } = TYPES[type];
  let product = 1; // stops growing once over the cap, so it stays exact below it and never overflows
  let tooLarge = false;
  let empty = false;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims[i] = d;
    if (d === 0) empty = true;
    if (!tooLarge) {
      product *= d;
      if (product * size > maxBytes) tooLarge = true;
    }
  }
  const elements = empty ? 0 : product;
  if (tooLarge && !empty) {
    const exact = dims.reduce((p, d) => p * BigInt(d), BigInt(size));
    throw formatError(
      name,
      `dimensions ${describeDims(dims)} of ${type} describe ${describeBig(exact)} bytes, over the limit of ${maxBytes} bytes (options.maxBytes)`,
    );
  }
  return { type, dims, headerBytes, elements, dataBytes: elements * size };
}

function decode(input: Uint8Array, name: string, maxBytes: number): IdxArray {
  if (input.length === 0) throw formatError(name, 'empty file (0 bytes), not an IDX file');
  const bytes = isGzip(input) ? gunzip(input, name, maxBytes) : input;
  return decodeInflated(bytes, name, maxBytes);
}

/** Decode IDX bytes that are not (or no longer) gzip-compressed. */
function decodeInflated(bytes: Uint8Array, name: string, maxBytes: number): IdxArray {
  const { type, dims, headerBytes, elements, dataBytes } = parseHeader(
    bytes,
    name,
    maxBytes,
    false,
  ) as Layout;
  const { size, ctor } = TYPES[type];
  const follow = bytes.length - headerBytes;
  const says = `header says ${describeDims(dims)} (${dataBytes} bytes)`;
  if (follow < dataBytes)
    throw formatError(name, `truncated body: ${says} but ${follow} bytes follow`);
  if (follow > dataBytes)
    throw formatError(
      name,
      `trailing garbage: ${says} but ${follow} bytes follow (${follow - dataBytes} extra)`,
    );

  const body = bytes.subarray(headerBytes);
  let data: IdxTypedArray;
  if (size === 1) {
    // A view, except over a small pooled Buffer, which we copy so `data.buffer` is ours alone.
    const pooled = body.buffer.byteLength > bytes.length && bytes.length < 8192;
    const own = pooled ? body.slice() : body;
    data = new ctor(own.buffer, own.byteOffset, elements);
  } else {
    const copy = new ArrayBuffer(dataBytes); // aligned, and ours to swap in place
    const u8 = new Uint8Array(copy);
    u8.set(body);
    if (LITTLE_ENDIAN_HOST && dataBytes > 0) {
      const buf = Buffer.from(copy);
      if (size === 2) buf.swap16();
      else if (size === 4) buf.swap32();
      else buf.swap64();
    }
    data = new ctor(copy, 0, elements);
  }
  return { type, dims, data } as IdxArray;
}

/**
 * Read an IDX file (raw or gzip, detected from its bytes) whole and decode it.
 *
 * @param file the path.
 * @param options `maxBytes` cap on the data size (default 2 GiB).
 * @throws `ERR_BLASNET_IO` when the file cannot be read; `ERR_BLASNET_FORMAT` (naming the file)
 *   when it is not a well-formed IDX file.
 * @example
 * ```ts
 * const images = readIdx('data/train-images-idx3-ubyte.gz');
 * images.dims; // [60000, 28, 28]
 * ```
 */
export function readIdx(file: string, options?: Omit<IdxReadOptions, 'name'>): IdxArray {
  if (typeof file !== 'string' || file.length === 0)
    throw typeError('file', 'a non-empty path string', file);
  const o = checkOptions<IdxReadOptions>('options', options);
  const maxBytes = checkMaxBytes(o.maxBytes);
  // Refuses a FIFO, device or directory (/dev/zero would be read until memory ran out, a FIFO
  // would block forever) and a file too large to hold `maxBytes` of data, before reading it.
  const bytes = readRegularFileSync(file, fileLimit(maxBytes), FILE_LIMIT_NAME);
  return decode(bytes, file, maxBytes);
}

/** The largest file that can hold `maxBytes` of data: header and gzip framing included. */
function fileLimit(maxBytes: number): number {
  // Stored (incompressible) deflate blocks add 5 bytes per 64 KiB; a gzip member 18 bytes.
  return maxBytes + HEADER_MAX + Math.ceil(maxBytes / 1000) + 65536;
}
const FILE_LIMIT_NAME = 'options.maxBytes, plus room for the header and gzip framing';

/**
 * Read an IDX file as {@link readIdx} does, without blocking the event loop and without holding
 * the compressed file in memory: a gzip file is streamed through zlib, 64 KiB at a time, into one
 * buffer sized from its gzip trailer, so the peak is the data (47 MB for Fashion-MNIST's training
 * images) rather than the data plus the file (another 26 MB). A raw file is read whole. The same
 * checks and errors as {@link readIdx}.
 *
 * @param file the path.
 * @param options `maxBytes` cap on the data size (default 2 GiB).
 * @throws (rejects with) `ERR_BLASNET_IO` when the file cannot be read; `ERR_BLASNET_FORMAT`
 *   (naming the file) when it is not a well-formed IDX file or its gzip stream is corrupted or
 *   truncated.
 * @example
 * ```ts
 * const images = await readIdxAsync('data/train-images-idx3-ubyte.gz');
 * images.dims; // [60000, 28, 28]
 * ```
 */
export async function readIdxAsync(
  file: string,
  options?: Omit<IdxReadOptions, 'name'>,
): Promise<IdxArray> {
  if (typeof file !== 'string' || file.length === 0)
    throw typeError('file', 'a non-empty path string', file);
  const o = checkOptions<IdxReadOptions>('options', options);
  const maxBytes = checkMaxBytes(o.maxBytes);
  // Stats before opening: a FIFO is refused before an open() could wait for a writer forever.
  const { handle, size } = await openRegularFile(file, fileLimit(maxBytes), FILE_LIMIT_NAME);
  const head = Buffer.alloc(2);
  try {
    await handle.read(head, 0, Math.min(2, size), 0);
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw ioError(file, 'cannot read', err);
  }
  if (size < 2 || !isGzip(head)) {
    // Raw (or too short to tell): nothing to save by streaming.
    let bytes: Buffer;
    try {
      bytes = await handle.readFile();
    } catch (err) {
      throw ioError(file, 'cannot read', err);
    } finally {
      await handle.close().catch(() => undefined);
    }
    return decode(bytes, file, maxBytes);
  }
  // As gunzip() does, streamed: the header first, then one buffer of the size it describes (plus
  // one byte), refusing output past it at once. After a verdict, up to DRAIN_BYTES more are
  // inflated to see whether the stream is corrupted, which is then reported instead (as gunzip()).
  const bound = size * DEFLATE_MAX_RATIO + HEADER_MAX;
  let headBytes: Buffer = Buffer.alloc(0);
  let layout: Layout | undefined;
  let out: Buffer | undefined;
  let want = 0;
  let used = 0;
  let seen = 0;
  let verdict: BlasnetError | undefined;
  let drainUntil = 0;
  const condemn = (err: unknown, budget: number): void => {
    verdict = err as BlasnetError;
    drainUntil = budget;
  };
  const input = handle.createReadStream({ start: 0, highWaterMark: 1 << 16 });
  const gunzipper = zlib.createGunzip({ chunkSize: 1 << 16 });
  input.on('error', (err) => gunzipper.destroy(ioError(file, 'cannot read', err)));
  input.pipe(gunzipper);
  try {
    for await (const chunk of gunzipper as AsyncIterable<Buffer>) {
      seen += chunk.length;
      if (verdict !== undefined) {
        if (seen > drainUntil) break;
        continue;
      }
      let fresh: Buffer = chunk;
      if (out === undefined) {
        headBytes = headBytes.length === 0 ? chunk : Buffer.concat([headBytes, chunk]);
        try {
          layout = parseHeader(headBytes, file, maxBytes, true);
        } catch (err) {
          condemn(err, HEADER_MAX + DRAIN_BYTES);
          if (seen > drainUntil) break;
          continue;
        }
        if (layout === undefined) continue; // the header goes on in the next chunk
        want = layout.headerBytes + layout.dataBytes;
        out = Buffer.allocUnsafe(Math.min(want + 1, bound));
        fresh = headBytes;
      }
      if (used + fresh.length > out.length) {
        condemn(trailingGarbage(file, layout as Layout, want + 1), want + 1 + DRAIN_BYTES);
        if (seen > drainUntil) break;
        continue;
      }
      fresh.copy(out, used);
      used += fresh.length;
    }
  } catch (err) {
    throw gzipError(file, err);
  } finally {
    input.destroy();
    gunzipper.destroy();
    await handle.close().catch(() => undefined);
  }
  if (verdict !== undefined) throw verdict;
  return decodeInflated(out === undefined ? headBytes : out.subarray(0, used), file, maxBytes);
}

function typeOfArray(data: unknown): IdxType | undefined {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  return undefined;
}

function checkWriteOptions(
  options: unknown,
  defaultGzip: boolean,
): { gzip: boolean; level: number } {
  const o = checkOptions<IdxWriteOptions>('options', options);
  const gzip = o.gzip === undefined ? defaultGzip : checkBoolean('options.gzip', o.gzip);
  const level = o.level === undefined ? 9 : checkInt('options.level', o.level, 0, 9);
  return { gzip, level };
}

/** Validate an IdxInput; returns the header and body chunks (body is a view for 1-byte types). */
function encodeChunks(array: unknown): { header: Buffer; body: Uint8Array } {
  if (array === null || typeof array !== 'object' || Array.isArray(array)) {
    throw typeError('array', 'an object { data, dims?, type? }', array);
  }
  const input = array as IdxInput;
  const inferred = typeOfArray(input.data);
  if (inferred === undefined) {
    throw typeError(
      'array.data',
      'a Uint8Array, Int8Array, Int16Array, Int32Array, Float32Array or Float64Array',
      input.data,
    );
  }
  let type = inferred;
  if (input.type !== undefined) {
    if (typeof input.type !== 'string')
      throw typeError('array.type', `one of ${IDX_TYPES.join(', ')}`, input.type);
    if (!(IDX_TYPES as readonly string[]).includes(input.type))
      throw rangeError('array.type', `one of ${IDX_TYPES.join(', ')}`, input.type);
    if (input.type !== inferred) {
      throw typeError(
        'array.data',
        `a ${TYPES[input.type].ctor.name} for type "${input.type}"`,
        input.data,
      );
    }
    type = input.type;
  }
  const data = input.data;
  let dims: readonly number[];
  if (input.dims === undefined) {
    dims = [data.length];
  } else {
    if (!Array.isArray(input.dims))
      throw typeError('array.dims', 'an array of dimensions', input.dims);
    dims = input.dims;
  }
  if (dims.length < 1 || dims.length > 255)
    throw rangeError('array.dims', 'between 1 and 255 dimensions', dims);
  let product = 1;
  dims.forEach((d, i) => {
    checkInt(`array.dims[${i}]`, d, 0, 0xffffffff);
    product *= d;
  });
  if (product !== data.length) {
    throw shapeError(
      'array.data',
      `${product} elements (dims ${describeDims(dims)})`,
      `length ${data.length}`,
    );
  }
  const { code, size } = TYPES[type];
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = code;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let body: Uint8Array = raw;
  if (size > 1 && LITTLE_ENDIAN_HOST && raw.length > 0) {
    const swapped = Buffer.from(raw); // a copy: the caller's array is never touched
    if (size === 2) swapped.swap16();
    else if (size === 4) swapped.swap32();
    else swapped.swap64();
    body = swapped;
  }
  return { header, body };
}

/**
 * Encode an array as IDX bytes (big-endian), optionally gzip-compressed.
 *
 * @param array `{ data, dims?, type? }`: `dims` defaults to `[data.length]`, `type` to the array class.
 * @param options `gzip` (default false), `level` 0..9 (default 9).
 * @example
 * ```ts
 * const bytes = encodeIdx({ data: new Float32Array([1, 2, 3, 4]), dims: [2, 2] });
 * decodeIdx(bytes).dims; // [2, 2]
 * ```
 */
export function encodeIdx(array: IdxInput, options?: IdxWriteOptions): Uint8Array {
  const { header, body } = encodeChunks(array);
  const { gzip, level } = checkWriteOptions(options, false);
  const joined = Buffer.concat([header, body]);
  return gzip ? zlib.gzipSync(joined, { level }) : joined;
}

/**
 * Write an array as an IDX file, atomically: the bytes go to a temporary file in the same
 * directory, which is fsynced and renamed over `file`, so a reader never sees a partial file and a
 * failed write leaves any previous file intact.
 *
 * @param file the path; gzip is on by default when it ends in `.gz`.
 * @param array `{ data, dims?, type? }` as for {@link encodeIdx}.
 * @param options `gzip` (default: from the name), `level` 0..9 (default 9).
 * @throws `ERR_BLASNET_IO` naming the file when it cannot be written.
 * @example
 * ```ts
 * writeIdx('out/labels-idx1-ubyte.gz', { data: new Uint8Array([7, 2, 1]) });
 * readIdx('out/labels-idx1-ubyte.gz').data; // Uint8Array [7, 2, 1]
 * ```
 */
export function writeIdx(file: string, array: IdxInput, options?: IdxWriteOptions): void {
  if (typeof file !== 'string' || file.length === 0)
    throw typeError('file', 'a non-empty path string', file);
  const { header, body } = encodeChunks(array);
  const { gzip, level } = checkWriteOptions(options, file.endsWith('.gz'));
  const chunks = gzip ? [zlib.gzipSync(Buffer.concat([header, body]), { level })] : [header, body];
  writeFileAtomic(file, chunks);
}
