/**
 * Reading a blasnet model file (format versions 3, 2 and 1, see lib/model-file.ts for the layout)
 * from bytes without Node built-ins, for the browser bundle. lib/model-file.ts stays the Node
 * reader: it relies on `Buffer` and `node:crypto`. This one makes the same checks in the same
 * order with the same messages, with DataView, TextDecoder and a plain SHA-256;
 * test/73-browser.test.ts holds the two to the same answers on good and damaged files.
 */
import { ACTIVATION_NAMES, type ActivationName } from '../activations';
import type { BackendName } from '../backend/select';
import type { Backend } from '../backend/types';
import { isStoredDropout } from '../dropout';
import { type BlasnetError, blasnetError, typeError } from '../errors';
import { checkTrainingHeader, restoreTraining, type TrainingHeader } from '../model-training';
import { modelFields } from '../model-fields';
import { Network } from '../network';
import { checkBoolean, checkOptions } from '../validate';
import { sha256Hex } from './sha256';

const MAGIC = 'BLASNET\n';
/** The newest version read (and the one saveNetwork writes); versions 1 and 2 are read too. */
export const BROWSER_MODEL_FORMAT_VERSION = 3;
/** The largest JSON header, as MODEL_MAX_HEADER_BYTES in lib/model-file.ts (a test holds them equal). */
export const BROWSER_MODEL_MAX_HEADER_BYTES = 16 * 1024 * 1024;
const DIGEST_BYTES = 32;

/** Options of {@link networkFromModelBytes}: those of the Node `deserializeNetwork`. */
export interface ModelBytesOptions {
  /** The backend of the network (in a browser only the js backend exists). */
  backend?: BackendName | Backend;
  /** Accept NaN and infinite parameters (a file saved with `allowNonFinite: true`). Default false. */
  allowNonFinite?: boolean;
  /** Names the file in error messages (default `'model'`). */
  source?: string;
}

interface Header {
  format?: unknown;
  version?: unknown;
  sizes?: unknown;
  activations?: unknown;
  paramCount?: unknown;
  dtype?: unknown;
  byteOrder?: unknown;
  payloadOffset?: unknown;
  sha256?: unknown;
  training?: unknown;
  dropout?: unknown;
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/**
 * Rebuild a network from model-file bytes (what `saveNetwork` writes, version 3 with its training
 * state if saved with it, or an older version 2 or 1 file), checking the magic bytes, the header, the exact length, the SHA-256 checksum
 * and, unless `options.allowNonFinite`, that every parameter is finite. `options.source` names
 * the file in errors (all `ERR_BLASNET_FORMAT`).
 *
 * @example
 * ```ts
 * const bytes = new Uint8Array(await (await fetch('digits.blasnet')).arrayBuffer());
 * const net = networkFromModelBytes(bytes, { source: 'digits.blasnet' });
 * ```
 */
export function networkFromModelBytes(bytes: Uint8Array, options: ModelBytesOptions = {}): Network {
  const opts = checkOptions<ModelBytesOptions>('options', options, [
    'backend',
    'allowNonFinite',
    'source',
  ]);
  const source = opts.source ?? 'model';
  const allowNonFinite =
    opts.allowNonFinite === undefined
      ? false
      : checkBoolean('options.allowNonFinite', opts.allowNonFinite);
  const bad = (what: string): BlasnetError =>
    blasnetError('ERR_BLASNET_FORMAT', `${source}: ${what}`);
  if (!(bytes instanceof Uint8Array)) throw typeError('bytes', 'a Buffer or Uint8Array', bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let magic = '';
  for (let i = 0; i < Math.min(8, bytes.length); i++) magic += String.fromCharCode(bytes[i]);
  if (bytes.length < 12 || magic !== MAGIC) throw bad('not a blasnet model file (bad magic bytes)');
  const headerLength = view.getUint32(8, true);
  if (headerLength > BROWSER_MODEL_MAX_HEADER_BYTES)
    throw bad(
      `the header says it is ${headerLength} bytes, over the limit of ${BROWSER_MODEL_MAX_HEADER_BYTES}`,
    );
  if (12 + headerLength > bytes.length)
    throw bad(
      `truncated: the header says it is ${headerLength} bytes but only ${bytes.length - 12} follow`,
    );
  let header: Header;
  try {
    // As Node's `buf.toString('utf8')`: bad sequences become U+FFFD, and a BOM is kept (so that
    // JSON.parse rejects it there and here alike).
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(
      bytes.subarray(12, 12 + headerLength),
    );
    header = JSON.parse(text) as Header;
  } catch (error) {
    throw bad(`the JSON header is corrupted (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || header.format !== 'blasnet-model')
    throw bad('the header is not a blasnet-model header');
  if (
    header.version !== BROWSER_MODEL_FORMAT_VERSION &&
    header.version !== 1 &&
    header.version !== 2
  )
    throw bad(
      `format version ${header.version} is not supported (this blasnet reads versions 1 to ${BROWSER_MODEL_FORMAT_VERSION})`,
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
    !acts.every((a) => (ACTIVATION_NAMES as unknown[]).includes(a))
  )
    throw bad(`invalid activations ${JSON.stringify(acts)}`);
  if (!isStoredDropout(header.dropout, sizes as number[]))
    throw bad(`invalid dropout ${JSON.stringify(header.dropout)}`);
  let count = 0;
  for (let l = 1; l < sizes.length; l++) count += sizes[l] * sizes[l - 1] + sizes[l];
  if (header.paramCount !== count)
    throw bad(
      `paramCount ${header.paramCount} does not match the sizes ${JSON.stringify(sizes)} (${count})`,
    );
  const payloadOffset = (12 + headerLength + 3) & ~3;
  if (header.payloadOffset !== payloadOffset)
    throw bad(`payloadOffset ${header.payloadOffset} is not where the header ends`);
  if (header.training !== undefined && (header.version as number) < 3)
    throw bad(`a training state in a version ${header.version} file`);
  const stateCount =
    header.training === undefined ? 0 : checkTrainingHeader(header.training, count, bad);
  const paramsEnd = payloadOffset + 4 * count;
  const payloadEnd = paramsEnd + 4 * stateCount;
  const v1 = header.version === 1;
  const expectedLength = payloadEnd + (v1 ? 0 : DIGEST_BYTES);
  const what = v1 ? '' : ' and the checksum';
  if (bytes.length < expectedLength)
    throw bad(
      `truncated: expected ${expectedLength} bytes for ${count} parameters${what} but the file has ${bytes.length}`,
    );
  if (bytes.length > expectedLength)
    throw bad(`${bytes.length - expectedLength} unexpected bytes after the parameters${what}`);
  if (v1) {
    // Version 1's digest, hex in the header, covers the parameters only.
    const sha = sha256Hex(bytes.subarray(payloadOffset, payloadEnd));
    if (sha !== header.sha256)
      throw bad(
        `checksum mismatch: the parameters were modified or corrupted (sha256 ${sha}, header says ${header.sha256})`,
      );
  } else {
    // Version 2's, the 32-byte trailer, covers every byte before it.
    const sha = sha256Hex(bytes.subarray(0, payloadEnd));
    const stored = hex(bytes.subarray(payloadEnd, payloadEnd + DIGEST_BYTES));
    if (sha !== stored)
      throw bad(
        `checksum mismatch: the header, metadata or parameters were modified or corrupted (sha256 ${sha}, the file says ${stored})`,
      );
  }
  const net = new Network({
    sizes: sizes as number[],
    activations: acts as ActivationName[],
    backend: opts.backend,
    init: 'he',
    seed: 0,
    dropout: (header.dropout as number[] | undefined) ?? 0,
    ...modelFields(
      { ...header, sizes: sizes as number[], activations: acts as ActivationName[] },
      bad,
    ),
  });
  // DataView reads little-endian on any host, and from any alignment.
  for (let i = 0; i < count; i++) net.params[i] = view.getFloat32(payloadOffset + 4 * i, true);
  if (!allowNonFinite) {
    for (let i = 0; i < count; i++) {
      if (!Number.isFinite(net.params[i]))
        throw bad(
          `parameter ${i} is not finite (${net.params[i]}); a diverged network saved with { allowNonFinite: true } loads only with { allowNonFinite: true }`,
        );
    }
  }
  if (header.training !== undefined)
    restoreTraining(net, header.training as TrainingHeader, bytes.subarray(paramsEnd, payloadEnd));
  return net;
}
