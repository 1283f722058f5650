/**
 * The `BLASNET_KERNELS` environment variable: which path the native backend's products take.
 * The addon reads it once when it loads (native/core/kernel.cc, which chooses the kernels' table);
 * the loader checks it here, so that an unknown name or a path this CPU lacks is an error at load
 * instead of a silent fallback to another path (see docs/kernels.md).
 */
import { blasnetError } from '../../errors';
import { checkOneOf } from '../../validate';
import type { NativeInfo } from './addon';

/**
 * A value of `BLASNET_KERNELS`: `'auto'` (the best this CPU has), or a path to force:
 * `'avx512'`, `'avx2'`, or `'blas'` (OpenBLAS for every product; `'none'` is the same, the name
 * `info().kernels` reports for it).
 *
 * @example
 * ```ts
 * // BLASNET_KERNELS=avx2 npx mocha   (the whole suite on the AVX2 kernels)
 * const choice: KernelChoice = 'avx2';
 * ```
 */
export type KernelChoice = 'auto' | 'avx512' | 'avx2' | 'blas' | 'none';

const CHOICES: readonly KernelChoice[] = ['auto', 'avx512', 'avx2', 'blas', 'none'];

/** The paths from slowest to fastest: a CPU that has one has those before it. */
const RANK = { none: 0, blas: 0, avx2: 1, avx512: 2 } as const;

/** `BLASNET_KERNELS` checked: `'auto'` when unset or empty; a `RangeError` for an unknown name. */
export function requestedKernels(
  env: string | undefined = process.env.BLASNET_KERNELS,
): KernelChoice {
  if (env === undefined || env === '') return 'auto';
  return checkOneOf('the BLASNET_KERNELS environment variable', env, CHOICES);
}

/**
 * Throws `ERR_BLASNET_NATIVE` when the loaded addon was asked (by `BLASNET_KERNELS`, as it read it
 * at load) for a path this CPU lacks; the addon itself would quietly use the CPU's best.
 */
export function checkKernelsAvailable(info: NativeInfo, file: string): void {
  const requested = info.kernelsRequested;
  const cpu = info.cpuKernels;
  if (requested === undefined || requested === 'auto' || cpu === undefined) return;
  if (RANK[requested] > RANK[cpu]) {
    throw blasnetError(
      'ERR_BLASNET_NATIVE',
      `The native blasnet addon (${file}) cannot run as BLASNET_KERNELS=${requested} asks: this CPU's best kernels are ${cpu === 'none' ? 'none (BLAS only)' : `"${cpu}"`}. ` +
        'Unset BLASNET_KERNELS (or set it to "auto") to use the best this CPU has, or choose a path it supports.',
    );
  }
}
