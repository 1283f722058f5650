/**
 * Reading a blasnet model file (format version 1, see lib/model-file.ts for the layout) from
 * bytes without Node built-ins, for the browser bundle. lib/model-file.ts stays the Node reader:
 * it relies on `Buffer` and `node:crypto`. This one makes the same checks in the same order,
 * with DataView, TextDecoder and a plain SHA-256; test/63-browser.test.ts holds the two to the
 * same answers on good and damaged files.
 */
import { ACTIVATION_NAMES, type ActivationName } from '../activations';
import type { Backend } from '../backend/types';
import { type BlasnetError, blasnetError, typeError } from '../errors';
import { Network } from '../network';
import { sha256Hex } from './sha256';

const MAGIC = 'BLASNET\n';
const FORMAT_VERSION = 1;

/**
 * Rebuild a network from model-file bytes (what `saveNetwork` wrote), checking the magic bytes,
 * the header, the exact length, the SHA-256 checksum and that every parameter is finite.
 * `source` names the file in errors (all `ERR_BLASNET_FORMAT`).
 */
export function networkFromModelBytes(
  bytes: Uint8Array,
  options: { backend?: Backend; source?: string } = {},
): Network {
  const source = options.source ?? 'model';
  const bad = (what: string): BlasnetError =>
    blasnetError('ERR_BLASNET_FORMAT', `${source}: ${what}`);
  if (!(bytes instanceof Uint8Array)) throw typeError('bytes', 'a Uint8Array', bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let magic = '';
  for (let i = 0; i < Math.min(8, bytes.length); i++) magic += String.fromCharCode(bytes[i]);
  if (bytes.length < 12 || magic !== MAGIC) throw bad('not a blasnet model file (bad magic bytes)');
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length)
    throw bad(
      `truncated: the header says it is ${headerLength} bytes but only ${bytes.length - 12} follow`,
    );
  let header: Record<string, unknown>;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(
      bytes.subarray(12, 12 + headerLength),
    );
    header = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw bad(`the JSON header is corrupted (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || header.format !== 'blasnet-model')
    throw bad('the header is not a blasnet-model header');
  if (header.version !== FORMAT_VERSION)
    throw bad(
      `format version ${header.version} is not supported (this blasnet reads version ${FORMAT_VERSION})`,
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
  let count = 0;
  for (let l = 1; l < sizes.length; l++) count += sizes[l] * sizes[l - 1] + sizes[l];
  if (header.paramCount !== count)
    throw bad(
      `paramCount ${header.paramCount} does not match the sizes ${JSON.stringify(sizes)} (${count})`,
    );
  const payloadOffset = (12 + headerLength + 3) & ~3;
  if (header.payloadOffset !== payloadOffset)
    throw bad(`payloadOffset ${header.payloadOffset} is not where the header ends`);
  const expectedLength = payloadOffset + 4 * count;
  if (bytes.length < expectedLength)
    throw bad(
      `truncated: expected ${expectedLength} bytes for ${count} parameters but the file has ${bytes.length}`,
    );
  if (bytes.length > expectedLength)
    throw bad(`${bytes.length - expectedLength} unexpected bytes after the parameters`);
  const sha = sha256Hex(bytes.subarray(payloadOffset, expectedLength));
  if (sha !== header.sha256)
    throw bad(
      `checksum mismatch: the parameters were modified or corrupted (sha256 ${sha}, header says ${header.sha256})`,
    );
  const net = new Network({
    sizes: sizes as number[],
    activations: acts as ActivationName[],
    backend: options.backend,
    init: 'he',
    seed: 0,
  });
  // DataView reads little-endian on any host, and from any alignment.
  for (let i = 0; i < count; i++) {
    const v = view.getFloat32(payloadOffset + 4 * i, true);
    if (!Number.isFinite(v)) throw bad(`parameter ${i} is not finite (${v})`);
    net.params[i] = v;
  }
  return net;
}
