/**
 * blasnet's errors: built-in `TypeError`/`RangeError`/`Error` with a stable `code`, so callers
 * can branch on `err.code` while `instanceof TypeError` keeps working.
 */
import { types } from 'node:util';
import { isDetached, realLength, typedArrayKind } from './typed-array';

/**
 * Every `code` blasnet puts on the errors it throws.
 *
 * @example
 * ```ts
 * try { loadNetwork('model.blasnet'); } catch (err) {
 *   if ((err as BlasnetError).code === 'ERR_BLASNET_FORMAT') console.error('corrupted or not a model file');
 * }
 * ```
 */
export type BlasnetErrorCode =
  | 'ERR_BLASNET_TYPE' // an argument of the wrong kind
  | 'ERR_BLASNET_RANGE' // a value out of range (negative size, unknown name, non-finite number)
  | 'ERR_BLASNET_SHAPE' // lengths or sizes that do not fit together
  | 'ERR_BLASNET_NATIVE' // the native backend could not load, or failed inside
  | 'ERR_BLASNET_FORMAT' // a file that is corrupted, truncated or of the wrong kind
  | 'ERR_BLASNET_DIVERGED' // training produced a NaN or infinite loss
  | 'ERR_BLASNET_IO' // a file or network operation failed
  | 'ERR_BLASNET_ABORTED' // training was cancelled through an AbortSignal
  | 'ERR_BLASNET_WORKER' // a training worker exited without sending its result
  | 'ERR_BLASNET_USAGE'; // a command-line usage error

/**
 * An error blasnet threw: a built-in error class with a `code`.
 *
 * @example
 * ```ts
 * try { new Network({ sizes: [2] }); } catch (err) {
 *   (err as BlasnetError).code; // 'ERR_BLASNET_RANGE', and err instanceof RangeError
 * }
 * ```
 */
export type BlasnetError = Error & { code: BlasnetErrorCode };

function withCode<E extends Error>(
  error: E,
  code: BlasnetErrorCode,
): E & { code: BlasnetErrorCode } {
  return Object.assign(error, { code });
}

/**
 * Describe a received value for an error message: short, never the whole array, and never
 * trusting the value (a Proxy, a revoked Proxy or a lying `length` must not throw from here).
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (typeof value === 'symbol') return 'a symbol';
  if (types.isProxy(value)) {
    try {
      Reflect.getPrototypeOf(value as object);
    } catch {
      return 'a revoked Proxy';
    }
    return typeof value === 'function' ? 'a Proxy (function)' : 'a Proxy';
  }
  if (typeof value === 'function') return 'a function';
  if (types.isDataView(value)) return 'a DataView';
  const kind = typedArrayKind(value);
  if (kind !== undefined) {
    const view = value as ArrayBufferView;
    if (isDetached(view)) return `a detached ${kind}`;
    const length = realLength(view);
    const claimed = (view as unknown as { length: unknown }).length;
    return claimed === length
      ? `${kind} of length ${length}`
      : `${kind} of length ${length} whose length property says ${describeScalar(claimed)}`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

function describeScalar(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}

/** `TypeError: Expected <what> for <name> but received <value>`. */
export function typeError(name: string, expected: string, received: unknown): BlasnetError {
  return withCode(
    new TypeError(`Expected ${expected} for ${name} but received ${describe(received)}`),
    'ERR_BLASNET_TYPE',
  );
}

/** `RangeError: Expected <what> for <name> but received <value>`. */
export function rangeError(
  name: string,
  expected: string,
  received: unknown,
  code: BlasnetErrorCode = 'ERR_BLASNET_RANGE',
): BlasnetError {
  return withCode(
    new RangeError(`Expected ${expected} for ${name} but received ${describe(received)}`),
    code,
  );
}

/** A `RangeError` for sizes that do not fit together; `received` is already described. */
export function shapeError(name: string, expected: string, received: string): BlasnetError {
  return withCode(
    new RangeError(`Expected ${expected} for ${name} but received ${received}`),
    'ERR_BLASNET_SHAPE',
  );
}

/** A plain `Error` with a blasnet code (files, native loading, divergence). */
export function blasnetError(code: BlasnetErrorCode, message: string): BlasnetError {
  return withCode(new Error(message), code);
}
