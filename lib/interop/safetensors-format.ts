/**
 * The safetensors container (Hugging Face's format, the one `safetensors.torch.save_file` writes),
 * for float32 tensors, with no Node built-ins so it also runs in a browser:
 *
 * | bytes | content |
 * |---|---|
 * | 0..7 | uint64 little-endian: byte length N of the header |
 * | 8..8+N | UTF-8 JSON object, padded with spaces to a multiple of 8 |
 * | 8+N.. | the tensors' bytes, back to back, no gaps |
 *
 * The header maps each tensor name to `{ dtype, shape, data_offsets: [begin, end] }` (offsets
 * relative to the byte after the header), plus an optional `__metadata__` of string values.
 * Writing follows the reference implementation byte for byte: tensors sorted by name (all F32, so
 * the reference's first key, the dtype's alignment, ties), compact JSON with `__metadata__` first,
 * space padding to 8. Reading checks everything a hostile file could get wrong before using it.
 */
import { blasnetError, type BlasnetError } from '../errors';

/**
 * The largest header accepted, in bytes: the reference implementation's cap. Real headers are a
 * few hundred bytes per tensor; a larger one is a corrupted or hostile file.
 */
export const MAX_HEADER_BYTES = 100_000_000;

/** Bytes per element of every dtype the format defines (only F32 is loaded). */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** One float32 tensor: its shape (row-major, outermost first) and its values. */
export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

/** What a safetensors file holds: tensors by name (in file order) and the metadata strings. */
export interface SafetensorsContents {
  tensors: Map<string, F32Tensor>;
  metadata: Record<string, string>;
}

const encoder = new TextEncoder();

/**
 * The bytes of a safetensors file holding `tensors` and `metadata`, laid out as the reference
 * writer lays them out.
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, F32Tensor>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  // Sorted by name with plain code-unit order, as the reference (Rust's str ordering on ASCII).
  const sorted = [...tensors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // The JSON is built by hand: an object would move integer-like keys ("5") to the front and
  // treat "__proto__" specially; the reference writes keys in exactly this order.
  const members: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const meta = keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`);
    members.push(`"__metadata__":{${meta.join(',')}}`);
  }
  let offset = 0;
  for (const [name, { shape, data }] of sorted) {
    const bytes = 4 * data.length;
    // Field order dtype, shape, data_offsets: the reference's TensorInfo order.
    const info = { dtype: 'F32', shape: [...shape], data_offsets: [offset, offset + bytes] };
    members.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += bytes;
  }
  const json = encoder.encode(`{${members.join(',')}}`);
  // Pad with spaces so the data starts 8-aligned (a reader can then view it as F32/F64 in place).
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, n, true);
  view.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let at = 8 + n;
  for (const [, { data }] of sorted) {
    // DataView writes little-endian whatever the host's byte order.
    for (let i = 0; i < data.length; i++, at += 4) view.setFloat32(at, data[i], true);
  }
  return out;
}

/**
 * Parse and check a safetensors file: header length against the file, header size cap, UTF-8
 * JSON object, unique names, a known dtype (F32 only is loaded), whole non-negative shapes,
 * offsets that tile the data exactly (sorted by offset, no gap, no overlap, nothing after) and
 * agree with dtype times shape. `source` names the file in errors (all `ERR_BLASNET_FORMAT`).
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsContents {
  const bad = (what: string): BlasnetError =>
    blasnetError('ERR_BLASNET_FORMAT', `${source}: ${what}`);
  if (bytes.length < 8)
    throw bad(`not a safetensors file: ${bytes.length} bytes, shorter than the 8-byte header size`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (n > MAX_HEADER_BYTES)
    throw bad(
      `the header size is ${n} bytes, over the ${MAX_HEADER_BYTES}-byte limit (a corrupted file, or not a safetensors file)`,
    );
  if (8 + n > bytes.length)
    throw bad(
      `truncated: the header says it is ${n} bytes but only ${bytes.length - 8} follow the size`,
    );
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw bad('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) throw bad('the header is not a JSON object (it must start with "{")');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw bad(`the JSON header is corrupted (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw bad('the header is not a JSON object');
  // JSON.parse keeps the last of duplicate keys silently: find them in the text itself.
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) throw bad(`the header names ${JSON.stringify(duplicate)} twice`);

  const entries = Object.entries(header as Record<string, unknown>);
  const metadata: Record<string, string> = {};
  const infos: Array<{ name: string; shape: number[]; begin: number; end: number }> = [];
  for (const [name, value] of entries) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        throw bad('__metadata__ is not an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string')
          throw bad(`__metadata__.${k} is not a string (the format allows strings only)`);
        // defineProperty: a "__proto__" key stays a plain entry instead of a prototype change.
        Object.defineProperty(metadata, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      continue;
    }
    const t = JSON.stringify(name);
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw bad(`tensor ${t} is not described by an object`);
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info.dtype !== 'string' || DTYPE_BYTES[info.dtype] === undefined)
      throw bad(`tensor ${t} has an unknown dtype ${JSON.stringify(info.dtype)}`);
    if (info.dtype !== 'F32')
      throw bad(
        `tensor ${t} is ${info.dtype}; blasnet loads float32 (F32) tensors only (in PyTorch, call model.float() before saving)`,
      );
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw bad(`tensor ${t} has an invalid shape ${JSON.stringify(shape)}`);
    const offsets = info.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[1] < offsets[0]
    )
      throw bad(`tensor ${t} has invalid data_offsets ${JSON.stringify(offsets)}`);
    let count = 1;
    for (const d of shape as number[]) {
      count *= d;
      if (count > Number.MAX_SAFE_INTEGER) throw bad(`tensor ${t} has an impossibly large shape`);
    }
    const [begin, end] = offsets as number[];
    if (end - begin !== 4 * count)
      throw bad(
        `tensor ${t}: F32 of shape ${JSON.stringify(shape)} needs ${4 * count} bytes but data_offsets ${JSON.stringify(offsets)} span ${end - begin}`,
      );
    infos.push({ name, shape: shape as number[], begin, end });
  }

  // The data must be tiled exactly: sorted by offset, each tensor starts where the last ended,
  // and the last one ends at the end of the file.
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataLength = bytes.length - 8 - n;
  let expected = 0;
  for (const info of infos) {
    if (info.begin !== expected)
      throw bad(
        info.begin < expected
          ? `tensor ${JSON.stringify(info.name)} overlaps the tensor before it (data_offsets start at ${info.begin}, expected ${expected})`
          : `a gap of ${info.begin - expected} bytes before tensor ${JSON.stringify(info.name)} (data_offsets start at ${info.begin}, expected ${expected})`,
      );
    if (info.end > dataLength)
      throw bad(
        `truncated: tensor ${JSON.stringify(info.name)} ends at byte ${info.end} of the data but the file holds ${dataLength}`,
      );
    expected = info.end;
  }
  if (expected !== dataLength)
    throw bad(`${dataLength - expected} unexpected bytes after the last tensor`);

  const tensors = new Map<string, F32Tensor>();
  const base = 8 + n;
  for (const { name, shape, begin, end } of infos) {
    const data = new Float32Array((end - begin) / 4);
    for (let i = 0, at = base + begin; i < data.length; i++, at += 4)
      data[i] = view.getFloat32(at, true);
    tensors.set(name, { shape, data });
  }
  return { tensors, metadata };
}

/**
 * The first key that appears twice in the top-level object of a JSON text already known to parse,
 * or undefined. Scans strings and nesting only: enough, since the text is valid JSON.
 */
function firstDuplicateKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (depth !== 1) continue;
      let j = i + 1;
      while (j < text.length && ' \t\r\n'.includes(text[j])) j++;
      if (text[j] !== ':') continue;
      const key = JSON.parse(text.slice(start, i + 1)) as string;
      if (seen.has(key)) return key;
      seen.add(key);
    }
  }
  return undefined;
}
