/**
 * Argument checks shared by the public API and the backends. Each one throws the error form of
 * `errors.ts` (naming the argument, what was expected, what came) and returns the checked value.
 */
import { types } from 'node:util';
import { rangeError, shapeError, typeError } from './errors';
import {
  isDetached,
  type KindToArray,
  realLength,
  type TypedArrayKind,
  typedArrayKind,
} from './typed-array';

/** A whole number in [min, max]. */
export function checkInt(
  name: string,
  value: unknown,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number') throw typeError(name, `an integer >= ${min}`, value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw rangeError(
      name,
      max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`,
      value,
    );
  }
  return value;
}

/** A finite number, optionally bounded below (inclusive). */
export function checkNumber(name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number') throw typeError(name, 'a finite number', value);
  if (!Number.isFinite(value) || value < min || value > max) {
    const bounds =
      min === -Infinity && max === Infinity
        ? 'a finite number'
        : max === Infinity
          ? `a finite number >= ${min}`
          : `a finite number in [${min}, ${max}]`;
    throw rangeError(name, bounds, value);
  }
  return value;
}

/**
 * A finite number that stays finite as a float32 (a kernel scalar such as sgemm's alpha): the
 * native core takes these as `float`, so 1e39 would become Infinity there.
 */
export function checkFloat(name: string, value: unknown): number {
  if (typeof value !== 'number') throw typeError(name, 'a finite number', value);
  if (!Number.isFinite(value) || !Number.isFinite(Math.fround(value)))
    throw rangeError(name, 'a finite number (that fits a float)', value);
  return value;
}

/** A boolean. */
export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw typeError(name, 'a boolean', value);
  return value;
}

/**
 * A usable typed array of `kind`: the real kind (no Proxy or look-alike), a `length` property
 * that tells the truth, and a buffer that is not detached.
 */
export function isTypedArrayOf<K extends TypedArrayKind>(
  value: unknown,
  kind: K,
): value is KindToArray[K] {
  return (
    typedArrayKind(value) === kind &&
    (value as ArrayBufferView & { length: number }).length ===
      realLength(value as ArrayBufferView) &&
    !isDetached(value as ArrayBufferView)
  );
}

/** A usable `Float32Array` (see {@link isTypedArrayOf}). */
export function isFloat32Array(value: unknown): value is Float32Array {
  return isTypedArrayOf(value, 'Float32Array');
}

/** A usable `Uint8Array`, `Buffer` included (see {@link isTypedArrayOf}). */
export function isUint8Array(value: unknown): value is Uint8Array {
  return isTypedArrayOf(value, 'Uint8Array');
}

/** A usable `Uint32Array` (see {@link isTypedArrayOf}). */
export function isUint32Array(value: unknown): value is Uint32Array {
  return isTypedArrayOf(value, 'Uint32Array');
}

/** A usable `Int32Array` (see {@link isTypedArrayOf}). */
export function isInt32Array(value: unknown): value is Int32Array {
  return isTypedArrayOf(value, 'Int32Array');
}

/** A usable `Float64Array` (see {@link isTypedArrayOf}). */
export function isFloat64Array(value: unknown): value is Float64Array {
  return isTypedArrayOf(value, 'Float64Array');
}

/** A usable typed array of any numeric kind (not a DataView; see {@link isTypedArrayOf}). */
export function isNumericTypedArray(value: unknown): value is ArrayLike<number> & ArrayBufferView {
  const kind = typedArrayKind(value);
  return (
    kind !== undefined &&
    kind !== 'BigInt64Array' &&
    kind !== 'BigUint64Array' &&
    isTypedArrayOf(value, kind)
  );
}

/** A usable typed array of `kind` with at least `minLength` elements. */
export function checkTyped<K extends TypedArrayKind>(
  name: string,
  value: unknown,
  kind: K,
  minLength = 0,
): KindToArray[K] {
  const article = /^[AEIOU]/.test(kind) ? 'an' : 'a';
  if (!isTypedArrayOf(value, kind)) throw typeError(name, `${article} ${kind}`, value);
  if (value.length < minLength)
    throw shapeError(
      name,
      `${article} ${kind} of at least ${minLength} elements`,
      `length ${value.length}`,
    );
  return value;
}

/** A usable `Float32Array` holding at least `minLength` elements (never a detached one). */
export function checkFloat32(name: string, value: unknown, minLength = 0): Float32Array {
  return checkTyped(name, value, 'Float32Array', minLength);
}

/** A `Float32Array` of exactly `length` elements. */
export function checkFloat32Exact(name: string, value: unknown, length: number): Float32Array {
  if (!isFloat32Array(value)) throw typeError(name, 'a Float32Array', value);
  if (value.length !== length)
    throw shapeError(name, `a Float32Array of length ${length}`, `length ${value.length}`);
  return value;
}

/** Every element finite (no NaN, no ±Infinity); names the first bad index. */
export function checkAllFinite(name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw rangeError(`${name}[${i}]`, 'a finite number', v);
  }
}

/** A usable `Uint32Array` holding at least `minLength` elements. */
export function checkUint32(name: string, value: unknown, minLength = 0): Uint32Array {
  return checkTyped(name, value, 'Uint32Array', minLength);
}

/** A usable `Int32Array`. */
export function checkInt32(name: string, value: unknown): Int32Array {
  return checkTyped(name, value, 'Int32Array');
}

/** One of a fixed list of strings; the error lists them. */
export function checkOneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (typeof value !== 'string')
    throw typeError(name, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
  if (!(allowed as readonly string[]).includes(value))
    throw rangeError(name, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
  return value as T;
}

/**
 * A plain options object (undefined reads as {}). With `known`, an unknown key (a typo such as
 * `learningrate`) is a `RangeError` listing the known ones, not a silently ignored setting.
 */
export function checkOptions<T extends object>(
  name: string,
  value: unknown,
  known?: readonly (keyof T & string)[],
): Partial<T> {
  if (value === undefined) return {};
  if (!isObject(value) || isArray(value)) throw typeError(name, 'an options object', value);
  if (known) {
    for (const key of Object.keys(value)) {
      if (!(known as readonly string[]).includes(key))
        throw rangeError(`${name}.${key}`, `a known option (${known.join(', ')})`, key);
    }
  }
  return value as Partial<T>;
}

/** How deep user metadata may nest: far beyond any real use, far below the stack's limit. */
export const MAX_JSON_DEPTH = 64;

/**
 * A plain object that becomes JSON and back unchanged in kind: no BigInt, no cycle, at most
 * {@link MAX_JSON_DEPTH} levels. Returns its JSON copy (what a file would store), so getters and
 * `toJSON` run once, here. Anything `JSON.stringify` itself throws becomes a coded TypeError.
 */
export function checkJsonObject(name: string, value: unknown): Record<string, unknown> {
  if (!isObject(value) || isArray(value))
    throw typeError(name, 'a plain object of JSON values', value);
  try {
    walkJson(value, name, 0, new Set());
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  } catch (error) {
    if (typeof (error as { code?: unknown })?.code === 'string') throw error;
    throw typeError(
      name,
      `a plain object of JSON values (JSON.stringify failed: ${String((error as Error)?.message ?? error)})`,
      value,
    );
  }
}

function walkJson(value: unknown, path: string, depth: number, ancestors: Set<object>): void {
  if (typeof value === 'bigint')
    throw typeError(path, 'a JSON value (a BigInt has no JSON form: store it as a string)', value);
  if (!isObject(value)) return;
  if (depth >= MAX_JSON_DEPTH)
    throw rangeError(path, `metadata nested at most ${MAX_JSON_DEPTH} levels deep`, value);
  if (ancestors.has(value))
    throw typeError(path, 'a JSON value (not a cycle: this object contains itself)', value);
  ancestors.add(value);
  const inArray = isArray(value);
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    walkJson(child, inArray ? `${path}[${key}]` : `${path}.${key}`, depth + 1, ancestors);
  }
  ancestors.delete(value);
}

/**
 * A Proxy whose handler was revoked: every operation on it throws an uncoded TypeError, even
 * `Array.isArray` and `in`, so checks ask this before touching a value.
 */
export function isRevokedProxy(value: unknown): boolean {
  if (!types.isProxy(value)) return false;
  try {
    Reflect.getPrototypeOf(value as object);
    return false;
  } catch {
    return true;
  }
}

/** A non-null object that can be read (not a revoked Proxy). */
export function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !isRevokedProxy(value);
}

/** An AbortSignal; false (not a throw from `instanceof`) for a revoked Proxy. */
export function isAbortSignal(value: unknown): value is AbortSignal {
  return !isRevokedProxy(value) && value instanceof AbortSignal;
}

/** `Array.isArray`, answering false (not throwing) for a revoked Proxy. */
export function isArray(value: unknown): value is unknown[] {
  return !isRevokedProxy(value) && Array.isArray(value);
}
