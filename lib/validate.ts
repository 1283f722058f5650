/**
 * Argument checks shared by the public API and the backends. Each one throws the error form of
 * `errors.ts` (naming the argument, what was expected, what came) and returns the checked value.
 */
import { rangeError, shapeError, typeError } from './errors';

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

/** A boolean. */
export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw typeError(name, 'a boolean', value);
  return value;
}

/** A `Float32Array` holding at least `minLength` elements (a detached buffer has length 0). */
export function checkFloat32(name: string, value: unknown, minLength = 0): Float32Array {
  if (!(value instanceof Float32Array)) throw typeError(name, 'a Float32Array', value);
  if (value.length < minLength)
    throw shapeError(
      name,
      `a Float32Array of at least ${minLength} elements`,
      `a Float32Array of length ${value.length}${value.buffer.byteLength === 0 && minLength > 0 ? ' (detached?)' : ''}`,
    );
  return value;
}

/** A `Float32Array` of exactly `length` elements. */
export function checkFloat32Exact(name: string, value: unknown, length: number): Float32Array {
  if (!(value instanceof Float32Array)) throw typeError(name, 'a Float32Array', value);
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

/** A `Uint32Array` holding at least `minLength` elements. */
export function checkUint32(name: string, value: unknown, minLength = 0): Uint32Array {
  if (!(value instanceof Uint32Array)) throw typeError(name, 'a Uint32Array', value);
  if (value.length < minLength)
    throw shapeError(
      name,
      `a Uint32Array of at least ${minLength} elements`,
      `length ${value.length}`,
    );
  return value;
}

/** An `Int32Array`. */
export function checkInt32(name: string, value: unknown): Int32Array {
  if (!(value instanceof Int32Array)) throw typeError(name, 'an Int32Array', value);
  return value;
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
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw typeError(name, 'an options object', value);
  if (known) {
    for (const key of Object.keys(value)) {
      if (!(known as readonly string[]).includes(key))
        throw rangeError(`${name}.${key}`, `a known option (${known.join(', ')})`, key);
    }
  }
  return value as Partial<T>;
}
