/**
 * What a typed array really is, read from its internal slots through the intrinsic getters of
 * %TypedArray%.prototype. `instanceof`, `.length` and `.constructor` can all be faked (a Proxy
 * around a Float32Array passes `instanceof Float32Array`; a subclass or an own property can make
 * `length` lie), and these slots are what the native core reads, so both backends and every
 * public check see the same array.
 */
import { types } from 'node:util';

/** `Float32Array`, `Uint8Array`, …: the typed-array kinds blasnet takes. */
export type TypedArrayKind =
  | 'Float32Array'
  | 'Float64Array'
  | 'Uint8Array'
  | 'Uint32Array'
  | 'Int32Array'
  | 'Int8Array'
  | 'Int16Array'
  | 'Uint16Array'
  | 'Uint8ClampedArray'
  | 'BigInt64Array'
  | 'BigUint64Array';

export interface KindToArray {
  Float32Array: Float32Array;
  Float64Array: Float64Array;
  Uint8Array: Uint8Array;
  Uint32Array: Uint32Array;
  Int32Array: Int32Array;
  Int8Array: Int8Array;
  Int16Array: Int16Array;
  Uint16Array: Uint16Array;
  Uint8ClampedArray: Uint8ClampedArray;
  BigInt64Array: BigInt64Array;
  BigUint64Array: BigUint64Array;
}

// The intrinsic getters of %TypedArray%.prototype read a view's internal slots: a Proxy, an
// object made with Object.create(Float32Array.prototype) or an overridden `length` cannot fake
// them (`instanceof` and `.length` can be faked by all three).
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
function intrinsicGetter(owner: object, key: PropertyKey): (this: unknown) => unknown {
  // Every engine Node 20 ships has these accessors (ES2015).
  return (Object.getOwnPropertyDescriptor(owner, key) as PropertyDescriptor).get as (
    this: unknown,
  ) => unknown;
}
const tagOf = intrinsicGetter(typedArrayPrototype, Symbol.toStringTag);
const lengthOf = intrinsicGetter(typedArrayPrototype, 'length');
const bufferOf = intrinsicGetter(typedArrayPrototype, 'buffer');
const byteOffsetOf = intrinsicGetter(typedArrayPrototype, 'byteOffset');
const sliceBuffer = ArrayBuffer.prototype.slice;

/**
 * The real kind of a typed array (`'Float32Array'`, …) read from its internal slot, or
 * undefined for anything else (a DataView, a Proxy, an array, a look-alike object).
 */
export function typedArrayKind(value: unknown): TypedArrayKind | undefined {
  if (!ArrayBuffer.isView(value)) return undefined;
  return tagOf.call(value) as TypedArrayKind | undefined;
}

/** The real element count of a typed array (0 once its buffer is detached). */
export function realLength(view: ArrayBufferView): number {
  return lengthOf.call(view) as number;
}

/**
 * Whether a typed array's buffer was transferred away (`structuredClone(x, { transfer })`,
 * `postMessage`). Node 20 has no `ArrayBuffer.prototype.detached`: a detached buffer is one whose
 * `slice` throws, and only an empty view can be on one, so non-empty views cost nothing.
 */
export function isDetached(view: ArrayBufferView): boolean {
  if (realLength(view) > 0) return false;
  const buffer = bufferOf.call(view);
  if (types.isSharedArrayBuffer(buffer)) return false; // it cannot be detached
  try {
    sliceBuffer.call(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/**
 * A plain view on the same memory when `view` is a subclass (whose methods might not behave as a
 * typed array's): kernels then read exactly the elements the native core would read.
 */
export function plainView<K extends TypedArrayKind>(view: KindToArray[K], kind: K): KindToArray[K] {
  const Ctor = globalThis[kind] as unknown as {
    prototype: object;
    new (buffer: ArrayBufferLike, byteOffset: number, length: number): KindToArray[K];
  };
  if (Object.getPrototypeOf(view) === Ctor.prototype) return view;
  return new Ctor(
    bufferOf.call(view) as ArrayBufferLike,
    byteOffsetOf.call(view) as number,
    realLength(view),
  );
}
