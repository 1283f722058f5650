/**
 * The model file format, version 1 (little-endian, one file):
 *
 * | bytes | content |
 * |---|---|
 * | 0..7 | magic `BLASNET\n` |
 * | 8..11 | uint32: byte length H of the JSON header |
 * | 12..12+H | UTF-8 JSON header (below) |
 * | ..P | zero padding so the payload starts at a multiple of 4 (P = header.payloadOffset) |
 * | P.. | the parameters as float32, in the network's flat layout (w^1, b^1, w^2, b^2, ...) |
 *
 * Header: `{ format: "blasnet-model", version: 1, sizes, activations, paramCount, dtype: "float32",
 * byteOrder: "little", payloadOffset, sha256 (hex of the payload bytes), blasnet (version), metadata? }`.
 * Loading checks every field, the exact file length, the checksum and that every value is finite.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { ACTIVATION_NAMES, type ActivationName } from './activations';
import type { BackendName } from './backend/select';
import type { Backend } from './backend/types';
import { writeFileAtomic } from './atomic-file';
import { blasnetError, typeError } from './errors';
import { checkJsonObject, checkOptions, isUint8Array } from './validate';
import { checkNetwork, Network } from './network';
import { version as blasnetVersion } from './version';

const MAGIC = Buffer.from('BLASNET\n', 'latin1');
/**
 * The format version this build writes and reads.
 *
 * @example
 * ```ts
 * MODEL_FORMAT_VERSION; // 1: saveNetwork writes it, loadNetwork rejects any other version
 * ```
 */
export const MODEL_FORMAT_VERSION = 1;

interface Header {
  format: 'blasnet-model';
  version: number;
  sizes: number[];
  activations: ActivationName[];
  paramCount: number;
  dtype: 'float32';
  byteOrder: 'little';
  payloadOffset: number;
  sha256: string;
  blasnet: string;
  metadata?: Record<string, unknown>;
}

function requireLittleEndian(): void {
  if (endianness() !== 'LE')
    throw blasnetError(
      'ERR_BLASNET_FORMAT',
      'blasnet model files are little-endian; this machine is big-endian',
    );
}

/**
 * The bytes of a model file for `net` (with optional JSON-safe metadata).
 *
 * @example
 * ```ts
 * const bytes = serializeNetwork(net, { trainedOn: 'mnist' });
 * const copy = deserializeNetwork(bytes);
 * ```
 */
export function serializeNetwork(net: Network, metadata?: Record<string, unknown>): Buffer {
  requireLittleEndian();
  checkNetwork('net', net);
  const payload = Buffer.from(net.params.buffer, net.params.byteOffset, net.params.byteLength);
  const header: Header = {
    format: 'blasnet-model',
    version: MODEL_FORMAT_VERSION,
    sizes: [...net.sizes],
    activations: [...net.activations],
    paramCount: net.params.length,
    dtype: 'float32',
    byteOrder: 'little',
    payloadOffset: 0,
    sha256: createHash('sha256').update(payload).digest('hex'),
    blasnet: blasnetVersion,
  };
  if (metadata !== undefined) header.metadata = checkJsonObject('metadata', metadata);
  // The offset is part of the header, whose length depends on the offset's digits: settle it.
  let json = '';
  for (let i = 0; i < 3; i++) {
    json = JSON.stringify(header);
    header.payloadOffset = align4(12 + Buffer.byteLength(json));
  }
  json = JSON.stringify(header);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(header.payloadOffset + payload.length);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(headerBytes.length, 8);
  headerBytes.copy(out, 12);
  payload.copy(out, header.payloadOffset);
  return out;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Rebuild a network from model-file bytes; `source` names the file in errors.
 *
 * @example
 * ```ts
 * const net = deserializeNetwork(readFileSync('model.blasnet'), { backend: 'js' });
 * ```
 */
export function deserializeNetwork(
  bytes: Uint8Array,
  options: { backend?: BackendName | Backend; source?: string } = {},
): Network {
  requireLittleEndian();
  checkOptions('options', options);
  const source = options.source ?? 'model';
  const bad = (what: string) => blasnetError('ERR_BLASNET_FORMAT', `${source}: ${what}`);
  if (!isUint8Array(bytes)) throw typeError('bytes', 'a Buffer or Uint8Array', bytes);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC))
    throw bad('not a blasnet model file (bad magic bytes)');
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > buf.length)
    throw bad(
      `truncated: the header says it is ${headerLength} bytes but only ${buf.length - 12} follow`,
    );
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(12, 12 + headerLength).toString('utf8')) as Header;
  } catch (error) {
    throw bad(`the JSON header is corrupted (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || header.format !== 'blasnet-model')
    throw bad('the header is not a blasnet-model header');
  if (header.version !== MODEL_FORMAT_VERSION)
    throw bad(
      `format version ${header.version} is not supported (this blasnet reads version ${MODEL_FORMAT_VERSION})`,
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
  let expectedCount = 0;
  for (let l = 1; l < sizes.length; l++) expectedCount += sizes[l] * sizes[l - 1] + sizes[l];
  if (header.paramCount !== expectedCount)
    throw bad(
      `paramCount ${header.paramCount} does not match the sizes ${JSON.stringify(sizes)} (${expectedCount})`,
    );
  if (header.payloadOffset !== align4(12 + headerLength))
    throw bad(`payloadOffset ${header.payloadOffset} is not where the header ends`);
  const expectedLength = header.payloadOffset + 4 * expectedCount;
  if (buf.length < expectedLength)
    throw bad(
      `truncated: expected ${expectedLength} bytes for ${expectedCount} parameters but the file has ${buf.length}`,
    );
  if (buf.length > expectedLength)
    throw bad(`${buf.length - expectedLength} unexpected bytes after the parameters`);
  const payload = buf.subarray(header.payloadOffset, expectedLength);
  const sha = createHash('sha256').update(payload).digest('hex');
  if (sha !== header.sha256)
    throw bad(
      `checksum mismatch: the parameters were modified or corrupted (sha256 ${sha}, header says ${header.sha256})`,
    );
  const net = new Network({
    sizes,
    activations: acts,
    backend: options.backend,
    init: 'he',
    seed: 0,
  });
  // Copy the bytes: the payload may not be 4-byte aligned within its ArrayBuffer.
  new Uint8Array(net.params.buffer, net.params.byteOffset, net.params.byteLength).set(payload);
  for (let i = 0; i < net.params.length; i++) {
    if (!Number.isFinite(net.params[i]))
      throw bad(`parameter ${i} is not finite (${net.params[i]})`);
  }
  return net;
}

/**
 * Save `net` to `path` atomically (write aside, then rename): a crash mid-save never destroys
 * the previous file.
 *
 * @example
 * ```ts
 * saveNetwork(net, 'mnist.blasnet');
 * ```
 */
export function saveNetwork(net: Network, path: string, metadata?: Record<string, unknown>): void {
  if (typeof path !== 'string' || path === '') throw typeError('path', 'a file path', path);
  writeFileAtomic(path, serializeNetwork(net, metadata));
}

/**
 * Load a network saved by {@link saveNetwork}, checking everything in the file.
 *
 * @example
 * ```ts
 * const net = loadNetwork('mnist.blasnet');
 * net.classify(images);
 * ```
 */
export function loadNetwork(
  path: string,
  options: { backend?: BackendName | Backend } = {},
): Network {
  if (typeof path !== 'string' || path === '') throw typeError('path', 'a file path', path);
  checkOptions('options', options);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw blasnetError('ERR_BLASNET_IO', `Cannot read ${path}: ${(error as Error).message}`);
  }
  return deserializeNetwork(bytes, { backend: options.backend, source: path });
}

/**
 * The metadata stored with a model file, or undefined. Checks what it reads (magic bytes, the
 * header's length, its JSON, its format and version) and throws `ERR_BLASNET_FORMAT` on a
 * corrupted or foreign file; the parameters are not read (use {@link deserializeNetwork} for that).
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
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC))
    throw bad('not a blasnet model file (bad magic bytes)');
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > buf.length)
    throw bad(
      `truncated: the header says it is ${headerLength} bytes but only ${buf.length - 12} follow`,
    );
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(12, 12 + headerLength).toString('utf8')) as Header;
  } catch (error) {
    throw bad(`the JSON header is corrupted (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || header.format !== 'blasnet-model')
    throw bad('the header is not a blasnet-model header');
  if (header.version !== MODEL_FORMAT_VERSION)
    throw bad(
      `format version ${header.version} is not supported (this blasnet reads version ${MODEL_FORMAT_VERSION})`,
    );
  const metadata = header.metadata;
  if (metadata === undefined) return undefined;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
    throw bad(`the metadata is not an object (${JSON.stringify(metadata)?.slice(0, 40)})`);
  return metadata;
}
