/**
 * The model file format (little-endian, one file), version 3, the one this build writes:
 *
 * | bytes | content |
 * |---|---|
 * | 0..7 | magic `BLASNET\n` |
 * | 8..11 | uint32: byte length H of the JSON header |
 * | 12..12+H | UTF-8 JSON header (below) |
 * | ..P | zero padding so the payload starts at a multiple of 4 (P = header.payloadOffset) |
 * | P..E | the parameters as float32, in the network's flat layout (w^1, b^1, w^2, b^2, ...), then (version 3, when saved with `optimizerState`) the optimizer's state as float32 |
 * | E..E+32 | SHA-256 of bytes 0..E: magic, header (metadata included), padding and parameters |
 *
 * Header: `{ format: "blasnet-model", version: 3, sizes, activations, paramCount, dtype: "float32",
 * byteOrder: "little", payloadOffset, blasnet (version), metadata?, training?, dropout?, task?,
 * classes?, scaler? }`; `training` (version 3: the optimizer, its step and epoch counts, the
 * shuffle stream's position and the count of state floats after the parameters) is described in
 * lib/model-training.ts; `dropout` is the rate of each hidden layer, written only when one is not
 * 0. Version 2 is version 3 without `training`, and loads as such. `task`, `classes` (class names
 * in output order) and `scaler` (a {@link ScalerJson}) are written only for a network that has
 * them, so files of networks without them are as before; loading checks them like every other
 * field.
 *
 * Version 1 files (no trailer; `sha256` in the header, the hex digest of the parameter bytes
 * alone) still load, with that older, narrower check: in them a change to the metadata or any
 * other header field that still parses and fits is not detected. Version 2 moved the digest out of
 * the header so that it can cover the header too.
 *
 * Loading checks every field, the exact file length, the checksum and (unless allowed) that every
 * parameter is finite.
 */
import { createHash } from 'node:crypto';
import { closeSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { ACTIVATION_NAMES, type ActivationName } from './activations';
import type { BackendName } from './backend/select';
import type { Backend } from './backend/types';
import { writeFileAtomic } from './atomic-file';
import { isStoredDropout } from './dropout';
import { blasnetError, type BlasnetError, rangeError, typeError } from './errors';
import {
  checkTrainingHeader,
  restoreTraining,
  savedTraining,
  type TrainingHeader,
} from './model-training';
import { checkNetwork, Network } from './network';
import type { ScalerJson } from './data/scaler';
import { modelFields } from './model-fields';
import type { Task } from './task';
import { openRegularFileSync } from './regular-file';
import { checkBoolean, checkInt, checkJsonObject, checkOptions, isUint8Array } from './validate';
import { version as blasnetVersion } from './version';

const MAGIC = Buffer.from('BLASNET\n', 'latin1');
const DIGEST_BYTES = 32;
/**
 * The format version this build writes; it reads this one and version 1.
 *
 * @example
 * ```ts
 * MODEL_FORMAT_VERSION; // 3: saveNetwork writes it, loadNetwork reads versions 1, 2 and 3
 * ```
 */
export const MODEL_FORMAT_VERSION = 3;

/**
 * The largest JSON header (metadata included) a model file may have: 16 MiB. Saving refuses a
 * larger one, and loading reads no further than this before the header has been checked.
 *
 * @example
 * ```ts
 * Buffer.byteLength(JSON.stringify(metadata)) < MODEL_MAX_HEADER_BYTES; // or saveNetwork throws
 * ```
 */
export const MODEL_MAX_HEADER_BYTES = 16 * 1024 * 1024;

/**
 * The largest file {@link loadNetwork} reads unless `options.maxBytes` says otherwise: 2 GiB,
 * a network of about 536 million float32 parameters (MNIST's [784, 100, 10] has 79,510).
 *
 * @example
 * ```ts
 * loadNetwork('huge.blasnet', { maxBytes: 2 * MODEL_DEFAULT_MAX_BYTES });
 * ```
 */
export const MODEL_DEFAULT_MAX_BYTES = 2 ** 31;

interface Header {
  format: 'blasnet-model';
  version: number;
  sizes: number[];
  activations: ActivationName[];
  paramCount: number;
  dtype: 'float32';
  byteOrder: 'little';
  payloadOffset: number;
  /** Version 1 only: hex SHA-256 of the parameter bytes. */
  sha256?: string;
  blasnet: string;
  metadata?: Record<string, unknown>;
  /** Version 3, saved with `optimizerState`: see lib/model-training.ts. */
  training?: TrainingHeader;
  /** Dropout rate of each hidden layer (see `NetworkOptions.dropout`); absent when all are 0. */
  dropout?: number[];
  task?: Task;
  classes?: string[];
  scaler?: ScalerJson;
}

/**
 * Options of {@link serializeNetwork} and {@link saveNetwork}.
 *
 * @example
 * ```ts
 * const options: SaveOptions = { allowNonFinite: true };
 * saveNetwork(brokenNet, 'post-mortem.blasnet', { note: 'diverged' }, options);
 * ```
 */
export interface SaveOptions {
  /**
   * Write parameters that are NaN or infinite instead of refusing to (a diverged network kept for
   * inspection). Such a file loads only with `allowNonFinite: true` too. Default false.
   */
  allowNonFinite?: boolean;
  /**
   * Save the training state too (the optimizer's state, its step count, the shuffle stream's
   * position; see docs/optimizers.md), so that training resumed from the loaded network takes
   * bit for bit the steps it would have taken. Nothing is added for a network never trained.
   * Default false.
   */
  optimizerState?: boolean;
}

/**
 * Options of {@link deserializeNetwork} and {@link loadNetwork}.
 *
 * @example
 * ```ts
 * const options: LoadOptions = { backend: 'js', maxBytes: 64 * 1024 * 1024 };
 * loadNetwork('mnist.blasnet', options);
 * ```
 */
export interface LoadOptions {
  /** The backend of the loaded network. Default: as `new Network` chooses. */
  backend?: BackendName | Backend;
  /** Accept NaN and infinite parameters (a file saved with `allowNonFinite: true`). Default false. */
  allowNonFinite?: boolean;
  /** {@link loadNetwork} only: the largest file read, in bytes. Default {@link MODEL_DEFAULT_MAX_BYTES}. */
  maxBytes?: number;
}

function requireLittleEndian(): void {
  if (endianness() !== 'LE')
    throw blasnetError(
      'ERR_BLASNET_FORMAT',
      'blasnet model files are little-endian; this machine is big-endian',
    );
}

function allowNonFiniteOf(options: { allowNonFinite?: unknown }): boolean {
  return options.allowNonFinite === undefined
    ? false
    : checkBoolean('options.allowNonFinite', options.allowNonFinite);
}

/**
 * The bytes of a model file for `net` (with optional JSON-safe metadata). Refuses, with a
 * `RangeError` (ERR_BLASNET_RANGE), a network with a NaN or infinite parameter unless
 * `options.allowNonFinite` is true: such a file would not load without that flag.
 *
 * @example
 * ```ts
 * const bytes = serializeNetwork(net, { trainedOn: 'mnist' });
 * const copy = deserializeNetwork(bytes);
 * ```
 */
export function serializeNetwork(
  net: Network,
  metadata?: Record<string, unknown>,
  options?: SaveOptions,
): Buffer {
  requireLittleEndian();
  checkNetwork('net', net);
  const opts = checkOptions<SaveOptions>('options', options, ['allowNonFinite', 'optimizerState']);
  const training =
    opts.optimizerState !== undefined && checkBoolean('options.optimizerState', opts.optimizerState)
      ? savedTraining(net)
      : undefined;
  if (!allowNonFiniteOf(opts)) {
    const params = net.params;
    for (let i = 0; i < params.length; i++) {
      if (!Number.isFinite(params[i]))
        throw rangeError(
          `net.params[${i}]`,
          'a finite number (a diverged network is saved only with { allowNonFinite: true }, and then loads only with it)',
          params[i],
        );
    }
  }
  const params = Buffer.from(net.params.buffer, net.params.byteOffset, net.params.byteLength);
  const payload = training ? Buffer.concat([params, training.bytes]) : params;
  const header: Header = {
    format: 'blasnet-model',
    version: MODEL_FORMAT_VERSION,
    sizes: [...net.sizes],
    activations: [...net.activations],
    paramCount: net.params.length,
    dtype: 'float32',
    byteOrder: 'little',
    payloadOffset: 0,
    blasnet: blasnetVersion,
  };
  if (metadata !== undefined) header.metadata = checkJsonObject('metadata', metadata);
  if (training) header.training = training.header;
  // Part of the model, as nn.Dropout is; written only when used, so other files stay as they were.
  if (net.dropout.some((p) => p > 0)) header.dropout = [...net.dropout];
  if (net.task !== undefined) header.task = net.task;
  if (net.classes !== undefined) header.classes = [...net.classes];
  if (net.scaler !== undefined) header.scaler = net.scaler.toJSON();
  // The offset is part of the header, whose length depends on the offset's digits: settle it.
  let json = '';
  for (let i = 0; i < 3; i++) {
    json = JSON.stringify(header);
    header.payloadOffset = align4(12 + Buffer.byteLength(json));
  }
  json = JSON.stringify(header);
  const headerBytes = Buffer.from(json, 'utf8');
  if (headerBytes.length > MODEL_MAX_HEADER_BYTES)
    throw rangeError(
      'metadata',
      `metadata whose JSON keeps the header within ${MODEL_MAX_HEADER_BYTES} bytes`,
      `a header of ${headerBytes.length} bytes`,
    );
  const end = header.payloadOffset + payload.length;
  const out = Buffer.alloc(end + DIGEST_BYTES);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(headerBytes.length, 8);
  headerBytes.copy(out, 12);
  payload.copy(out, header.payloadOffset);
  createHash('sha256').update(out.subarray(0, end)).digest().copy(out, end);
  return out;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Checks the magic, the header and its fields, and that the file is exactly as long as the header
 * says (`fileLength`); `buf` needs only to hold the first 12 + H bytes. Returns the header and
 * where the parameters end.
 */
function checkHeader(
  buf: Buffer,
  fileLength: number,
  bad: (what: string) => BlasnetError,
): { header: Header; payloadEnd: number } {
  if (fileLength < 12 || buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC))
    throw bad('not a blasnet model file (bad magic bytes)');
  const headerLength = buf.readUInt32LE(8);
  if (headerLength > MODEL_MAX_HEADER_BYTES)
    throw bad(
      `the header says it is ${headerLength} bytes, over the limit of ${MODEL_MAX_HEADER_BYTES}`,
    );
  if (12 + headerLength > fileLength)
    throw bad(
      `truncated: the header says it is ${headerLength} bytes but only ${fileLength - 12} follow`,
    );
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(12, 12 + headerLength).toString('utf8')) as Header;
  } catch (error) {
    throw bad(`the JSON header is corrupted (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || header.format !== 'blasnet-model')
    throw bad('the header is not a blasnet-model header');
  if (header.version !== MODEL_FORMAT_VERSION && header.version !== 1 && header.version !== 2)
    throw bad(
      `format version ${header.version} is not supported (this blasnet reads versions 1 to ${MODEL_FORMAT_VERSION})`,
    );
  if (header.dtype !== 'float32' || header.byteOrder !== 'little')
    throw bad(`unsupported payload ${header.dtype}/${header.byteOrder}`);
  const sizes = header.sizes;
  if (
    !Array.isArray(sizes) ||
    sizes.length < 2 ||
    !sizes.every((n) => Number.isInteger(n) && n >= 1 && n <= 1 << 24)
  )
    throw bad(`invalid layer sizes ${JSON.stringify(sizes)}`);
  const acts = header.activations;
  if (
    !Array.isArray(acts) ||
    acts.length !== sizes.length - 1 ||
    !acts.every((a) => ACTIVATION_NAMES.includes(a))
  )
    throw bad(`invalid activations ${JSON.stringify(acts)}`);
  if (!isStoredDropout(header.dropout, sizes))
    throw bad(`invalid dropout ${JSON.stringify(header.dropout)}`);
  let expectedCount = 0;
  for (let l = 1; l < sizes.length; l++) expectedCount += sizes[l] * sizes[l - 1] + sizes[l];
  if (header.paramCount !== expectedCount)
    throw bad(
      `paramCount ${header.paramCount} does not match the sizes ${JSON.stringify(sizes)} (${expectedCount})`,
    );
  modelFields(header, bad);
  if (header.payloadOffset !== align4(12 + headerLength))
    throw bad(`payloadOffset ${header.payloadOffset} is not where the header ends`);
  if (header.training !== undefined && header.version < 3)
    throw bad(`a training state in a version ${header.version} file`);
  const stateCount =
    header.training === undefined ? 0 : checkTrainingHeader(header.training, expectedCount, bad);
  const payloadEnd = header.payloadOffset + 4 * (expectedCount + stateCount);
  const expectedLength = payloadEnd + (header.version === 1 ? 0 : DIGEST_BYTES);
  const what = header.version === 1 ? '' : ' and the checksum';
  if (fileLength < expectedLength)
    throw bad(
      `truncated: expected ${expectedLength} bytes for ${expectedCount} parameters${what} but the file has ${fileLength}`,
    );
  if (fileLength > expectedLength)
    throw bad(`${fileLength - expectedLength} unexpected bytes after the parameters${what}`);
  return { header, payloadEnd };
}

/**
 * Rebuild a network from model-file bytes; `source` names the file in errors. Refuses NaN or
 * infinite parameters unless `options.allowNonFinite` is true.
 *
 * @example
 * ```ts
 * const net = deserializeNetwork(readFileSync('model.blasnet'), { backend: 'js' });
 * ```
 */
export function deserializeNetwork(
  bytes: Uint8Array,
  options: Omit<LoadOptions, 'maxBytes'> & { source?: string } = {},
): Network {
  requireLittleEndian();
  const opts = checkOptions<LoadOptions & { source?: string }>('options', options, [
    'backend',
    'allowNonFinite',
    'source',
  ]);
  const source = opts.source ?? 'model';
  const allowNonFinite = allowNonFiniteOf(opts);
  const bad = (what: string) => blasnetError('ERR_BLASNET_FORMAT', `${source}: ${what}`);
  if (!isUint8Array(bytes)) throw typeError('bytes', 'a Buffer or Uint8Array', bytes);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { header, payloadEnd } = checkHeader(buf, buf.length, bad);
  const paramsEnd = header.payloadOffset + 4 * header.paramCount;
  const payload = buf.subarray(header.payloadOffset, paramsEnd);
  checkDigest(buf, header, payloadEnd, bad);
  const net = new Network({
    sizes: header.sizes,
    activations: header.activations,
    backend: opts.backend,
    init: 'he',
    seed: 0,
    dropout: header.dropout ?? 0,
    ...modelFields(header, bad),
  });
  // Copy the bytes: the payload may not be 4-byte aligned within its ArrayBuffer.
  new Uint8Array(net.params.buffer, net.params.byteOffset, net.params.byteLength).set(payload);
  if (!allowNonFinite) {
    for (let i = 0; i < net.params.length; i++) {
      if (!Number.isFinite(net.params[i]))
        throw bad(
          `parameter ${i} is not finite (${net.params[i]}); a diverged network saved with { allowNonFinite: true } loads only with { allowNonFinite: true }`,
        );
    }
  }
  if (header.training !== undefined)
    restoreTraining(net, header.training, buf.subarray(paramsEnd, payloadEnd));
  return net;
}

/**
 * Save `net` to `path` atomically (write aside, then rename): a crash mid-save never destroys
 * the previous file. A symbolic link is written through to the file it names; a destination that
 * is not a regular file (a device, a FIFO, a directory) is refused with ERR_BLASNET_IO. A network
 * with a NaN or infinite parameter is refused (ERR_BLASNET_RANGE) unless
 * `options.allowNonFinite` is true.
 *
 * @example
 * ```ts
 * saveNetwork(net, 'mnist.blasnet');
 * saveNetwork(net, 'mnist.blasnet', { trainedOn: 'mnist' });
 * ```
 */
export function saveNetwork(
  net: Network,
  path: string,
  metadata?: Record<string, unknown>,
  options?: SaveOptions,
): void {
  if (typeof path !== 'string' || path === '') throw typeError('path', 'a file path', path);
  writeFileAtomic(path, serializeNetwork(net, metadata, options));
}

/** Reads `length` bytes at `position` (fewer at the end of the file). */
function readAt(fd: number, length: number, position: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, out, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return out.subarray(0, got);
}

/**
 * Load a network saved by {@link saveNetwork}, checking everything in the file. Only a regular
 * file is read (a FIFO, device or directory is ERR_BLASNET_IO), no larger than `options.maxBytes`
 * (ERR_BLASNET_FORMAT), and its header is read and checked against the file's size before the
 * rest: a file that is not a model costs at most its first 12 + {@link MODEL_MAX_HEADER_BYTES}
 * bytes.
 *
 * @example
 * ```ts
 * const net = loadNetwork('mnist.blasnet');
 * net.classify(images);
 * ```
 */
export function loadNetwork(path: string, options: LoadOptions = {}): Network {
  if (typeof path !== 'string' || path === '') throw typeError('path', 'a file path', path);
  const opts = checkOptions<LoadOptions>('options', options, [
    'backend',
    'allowNonFinite',
    'maxBytes',
  ]);
  const maxBytes =
    opts.maxBytes === undefined
      ? MODEL_DEFAULT_MAX_BYTES
      : checkInt('options.maxBytes', opts.maxBytes, 0);
  const bad = (what: string) => blasnetError('ERR_BLASNET_FORMAT', `${path}: ${what}`);
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    const file = openRegularFileSync(path, maxBytes, 'options.maxBytes');
    fd = file.fd;
    const head = readAt(fd, Math.min(file.size, 12), 0);
    if (head.length === 12 && head.subarray(0, 8).equals(MAGIC)) {
      const headerLength = Math.min(head.readUInt32LE(8), MODEL_MAX_HEADER_BYTES + 1);
      const withHeader = readAt(fd, Math.min(file.size, 12 + headerLength), 0);
      checkHeader(withHeader, file.size, bad); // the size is right before the rest is read
    } else {
      checkHeader(head, file.size, bad); // throws: not a model file
    }
    bytes = readAt(fd, file.size, 0);
  } catch (error) {
    const e = error as BlasnetError;
    if (typeof e.code === 'string' && e.code.startsWith('ERR_BLASNET_')) throw error;
    throw blasnetError('ERR_BLASNET_IO', `Cannot read ${path}: ${(error as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return deserializeNetwork(bytes, {
    backend: opts.backend,
    allowNonFinite: opts.allowNonFinite,
    source: path,
  });
}

/** The file's SHA-256 against its contents (version 1: the parameters only; see the format notes). */
function checkDigest(
  buf: Buffer,
  header: Header,
  payloadEnd: number,
  bad: (what: string) => BlasnetError,
): void {
  if (header.version === 1) {
    const payload = buf.subarray(header.payloadOffset, payloadEnd);
    const sha = createHash('sha256').update(payload).digest('hex');
    if (sha !== header.sha256)
      throw bad(
        `checksum mismatch: the parameters were modified or corrupted (sha256 ${sha}, header says ${header.sha256})`,
      );
    return;
  }
  const sha = createHash('sha256').update(buf.subarray(0, payloadEnd)).digest();
  const stored = buf.subarray(payloadEnd, payloadEnd + DIGEST_BYTES);
  if (!sha.equals(stored))
    throw bad(
      `checksum mismatch: the header, metadata or parameters were modified or corrupted (sha256 ${sha.toString('hex')}, the file says ${stored.toString('hex')})`,
    );
}

/**
 * The metadata stored with a model file, or undefined. Checks the file as loading does (magic
 * bytes, every header field, the length, the checksum, which in version 2 covers the metadata),
 * without building the network: `ERR_BLASNET_FORMAT` for a corrupted or foreign file.
 *
 * @example
 * ```ts
 * readModelMetadata(readFileSync('mnist.blasnet')); // { trainedOn: 'mnist' }
 * ```
 */
export function readModelMetadata(bytes: Uint8Array): Record<string, unknown> | undefined {
  if (!isUint8Array(bytes)) throw typeError('bytes', 'a Buffer or Uint8Array', bytes);
  const bad = (what: string) => blasnetError('ERR_BLASNET_FORMAT', `model: ${what}`);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { header, payloadEnd } = checkHeader(buf, buf.length, bad);
  checkDigest(buf, header, payloadEnd, bad);
  const metadata = header.metadata as unknown;
  if (metadata === undefined) return undefined;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
    throw bad(`the metadata is not an object (${JSON.stringify(metadata)?.slice(0, 40)})`);
  return metadata as Record<string, unknown>;
}
