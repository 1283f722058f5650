/**
 * The fuzz suite's bad and edge values. A case holds only plain data (a mutation's name and a
 * few numbers), so fast-check can print and shrink it; `mutate` turns it into the real value,
 * fresh for every call (a kernel writes its buffers, and a detached buffer cannot be reused).
 */
import fc from 'fast-check';

/** One way to spoil (or keep valid in an odd form) an argument. */
export type Mutation =
  | { k: 'scalar'; v: number } // an index into SCALARS
  | { k: 'typed'; v: number } // an index into TYPED_MUTATIONS
  | { k: 'element'; at: number; v: number } // one element of a typed array set to SCALARS[v]
  | { k: 'corrupt'; at: number; bits: number; cut: number }; // bytes: flip bits, maybe truncate

/** Values for any argument: wrong kinds, non-finite numbers, sizes near the limits. */
export const SCALARS: readonly (() => unknown)[] = [
  () => undefined,
  () => null,
  () => true,
  () => Number.NaN,
  () => Number.POSITIVE_INFINITY,
  () => Number.NEGATIVE_INFINITY,
  () => -1,
  () => 0,
  () => -0,
  () => 1.5,
  () => 2 ** 31 - 1,
  () => 2 ** 31,
  () => 2 ** 53,
  () => 1e39, // finite as a double, Infinity as a float32
  () => 1n,
  () => '1',
  () => 'constructor', // a key every object inherits
  () => '__proto__',
  () => Symbol('fuzz'),
  () => () => 1,
  () => ({}),
  () => [],
  () => {
    const sparse = [1];
    sparse[2] = 3; // a hole at index 1
    return sparse;
  },
  () => [[1], [1, 2]], // ragged
  () => ({ length: 1e9 }), // lies about its length
  () => new DataView(new ArrayBuffer(8)),
  () => new Proxy({}, {}),
  () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  },
  () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    return cyclic;
  },
  () => ({ big: 1n }),
  () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 10000; i++) deep = { d: deep };
    return deep;
  },
];

/** Small numbers, where a huge one would ask for gigabytes or hours (epochs, n of permutation). */
export const SMALL_SCALARS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 15, 16, 17];

type Typed = Float32Array | Float64Array | Uint8Array | Uint32Array | Int32Array;
type TypedCtor = new (n: number | ArrayBufferLike, offset?: number, length?: number) => Typed;

function ctorOf(valid: Typed): TypedCtor {
  return Object.getPrototypeOf(valid).constructor as TypedCtor;
}

/** Mutations of a valid typed array: disguises, look-alikes, detached and shared buffers. */
export const TYPED_MUTATIONS: readonly ((valid: Typed) => unknown)[] = [
  (valid) => new Proxy(valid, {}), // passes instanceof, has no typed-array slots
  (valid) =>
    new Proxy(valid, {
      get: (t, key) => (key === 'length' ? t.length * 4 + 8 : Reflect.get(t, key)),
    }),
  (valid) => {
    structuredClone(valid.buffer, { transfer: [valid.buffer as ArrayBuffer] });
    return valid; // detached: length 0, every copy or slice of it throws
  },
  (valid) => {
    const shared = new (ctorOf(valid))(new SharedArrayBuffer(valid.byteLength));
    shared.set(valid as never);
    return shared; // valid, in shared memory
  },
  (valid) => {
    const Lying = class extends (ctorOf(valid) as unknown as Float32ArrayConstructor) {
      override get length(): number {
        return 1 << 20;
      }
    };
    return new Lying(Math.max(0, valid.length - 1)); // claims 2^20 elements, holds fewer
  },
  (valid) => Object.create(Object.getPrototypeOf(valid), { length: { value: valid.length } }),
  (valid) => new Float64Array(valid.length),
  (valid) => new Float32Array(valid.length),
  (valid) => new Uint8Array(valid.length),
  (valid) => new (ctorOf(valid))(Math.max(0, valid.length - 1)), // one short
  (valid) => new (ctorOf(valid))(0),
  (valid) => {
    const longer = new (ctorOf(valid))(valid.length + 3);
    longer.set(valid as never);
    return longer; // valid: longer than needed
  },
  (valid) => Array.from(valid as ArrayLike<number>), // a plain array of the same values
  (valid) => ({ length: valid.length, 0: 1 }),
  (valid) => new (ctorOf(valid))(valid.buffer, 0, 0), // an empty view on a live buffer
];

/** A mutation for an argument; `typed` says whether the valid value is a typed array. */
export function mutationArb(): fc.Arbitrary<Mutation> {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({ k: fc.constant('scalar' as const), v: fc.nat(SCALARS.length - 1) }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        k: fc.constant('typed' as const),
        v: fc.nat(TYPED_MUTATIONS.length - 1),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant('element' as const),
        at: fc.nat(64),
        v: fc.nat(SCALARS.length - 1),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant('corrupt' as const),
        at: fc.nat(1 << 12),
        bits: fc.integer({ min: 1, max: 255 }),
        cut: fc.nat(3),
      }),
    },
  );
}

function isTypedArray(value: unknown): value is Typed {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/**
 * Apply a mutation to a (fresh) valid value. `small` keeps numbers small where a huge one would
 * only cost time or memory without testing a check.
 */
export function mutate(valid: unknown, m: Mutation, small = false): unknown {
  const scalar = (i: number): unknown => {
    const value = SCALARS[i % SCALARS.length]();
    if (small && typeof value === 'number' && Number.isFinite(value) && Math.abs(value) > 64)
      return SMALL_SCALARS[i % SMALL_SCALARS.length];
    return value;
  };
  switch (m.k) {
    case 'scalar':
      return scalar(m.v);
    case 'typed':
      return isTypedArray(valid) ? TYPED_MUTATIONS[m.v](valid) : scalar(m.v);
    case 'element': {
      if (!isTypedArray(valid) || valid.length === 0) return scalar(m.v);
      const value = SCALARS[m.v]();
      const copy = valid.slice();
      if (typeof value === 'number') (copy as Float64Array)[m.at % copy.length] = value;
      else if (typeof value === 'bigint') (copy as Float64Array)[m.at % copy.length] = 2 ** 31 - 1;
      else (copy as Float64Array)[m.at % copy.length] = -1;
      return copy;
    }
    case 'corrupt': {
      if (!(valid instanceof Uint8Array)) return scalar(m.at);
      const copy = Buffer.from(valid);
      if (copy.length > 0) copy[m.at % copy.length] ^= m.bits;
      if (m.cut === 1) return copy.subarray(0, m.at % (copy.length + 1));
      if (m.cut === 2) return copy.subarray(0, Math.max(0, copy.length - 1 - (m.at % 8)));
      return copy;
    }
  }
}

/** A thrown value carries blasnet's code (`ERR_BLASNET_*`). */
export function isCoded(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_BLASNET_');
}

/** One line about a thrown value, for reports. */
export function errorLine(error: unknown): string {
  if (error instanceof Error)
    return `${error.constructor.name}: ${error.message.split('\n')[0].slice(0, 160)}`;
  return `non-Error thrown: ${String(error).slice(0, 80)}`;
}
