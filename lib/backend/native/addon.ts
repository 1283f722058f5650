/**
 * Finding and loading the native addon (`blasnet.node`). Every candidate binary is tried in
 * order and every failure is kept, so when none loads the one error says what was tried, why
 * each failed and how to fix it. A binary built from another version of blasnet is refused:
 * a stale build is never loaded silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blasnetError } from '../../errors';
import { packageRoot } from '../../package-root';
import type { Backend } from '../types';

/** What `info()` of the addon reports. */
export interface NativeInfo {
  /** OpenBLAS's build description, e.g. `'OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64'`. */
  blas: string;
  /** BLAS threads in use. */
  threads: number;
  /** The OpenBLAS kernel set chosen for this CPU, e.g. `'Haswell'`. */
  corename: string;
  /** blasnet's own small-matrix sgemm kernels in use: `'avx512'`, `'avx2'` or `'none'` (BLAS does every product). */
  kernels?: 'avx512' | 'avx2' | 'none';
  /**
   * Threads of blasnet's own pool running now (process-wide), besides the callers': 0 until a
   * large product or a training team needs them, and 0 again once the last environment using the
   * addon has ended.
   */
  poolThreads?: number;
}

/**
 * The raw exports of `blasnet.node` (native/binding/addon.cc). The kernels have exactly the
 * signatures of the `Backend` methods in `../types`; the C++ side re-checks every argument and
 * throws `TypeError`/`RangeError` with a `code`, but does no more validation than it needs to
 * stay in bounds (the `CheckedBackend` wrapper gives the full TypeScript checks).
 */
export interface NativeAddon extends Omit<Backend, 'name' | 'info'> {
  /** The blasnet version the binary was built from (package.json's `version`). */
  readonly version: string;
  info(): NativeInfo;
  /**
   * Choose blasnet's own sgemm kernels: `'auto'` (the best the CPU has), or lower: `'avx2'`,
   * `'none'` (BLAS for every product). Process-wide; returns the kernels now in use. For tests and
   * benchmarks comparing the paths.
   */
  setKernels?(kernels: 'auto' | 'avx512' | 'avx2' | 'none'): 'avx512' | 'avx2' | 'none';
  /**
   * Benchmarks only (bench/): seconds for `reps` sgemm calls at one shape, looped in C++ through
   * the core's sgemm (`direct` false) or straight into cblas_sgemm (`direct` true).
   */
  benchSgemm?(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    reps: number,
    direct: boolean,
  ): number;
  /**
   * Benchmarks only: seconds for the GEMMs of one epoch back to back in C++ (the sgemm ceiling).
   * `beta` 0: the weight gradient into a buffer of its own; else accumulated with that beta as
   * the fused step of `trainBatches` does (1 for plain SGD, μ with momentum).
   */
  benchEpochGemms?(spec: Int32Array, examples: number, batch: number, beta: number): number;
}

/** The functions a binary must export to be usable (an older layout is refused, not half-used). */
const REQUIRED_FUNCTIONS = [
  'info',
  'setThreads',
  'sgemm',
  'biasActivate',
  'activationBackward',
  'columnSums',
  'softmax',
  'gatherRows',
  'forward',
  'backward',
  'update',
  'trainBatch',
  'trainBatches',
] as const;

const FIX =
  'To fix it, install a C++ compiler, CMake and OpenBLAS (Debian/Ubuntu: apt-get install -y g++ cmake libopenblas-dev), ' +
  'then run `npm rebuild blasnet` (or `npm run build:native` in a checkout of blasnet).';

/** The binaries to try, in order: a prebuilt one for this platform, then local builds. */
export function candidatePaths(root: string): string[] {
  return [
    join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'blasnet.node'),
    join(root, 'build', 'Release', 'blasnet.node'),
    join(root, 'build', 'Debug', 'blasnet.node'),
  ];
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? text
  );
}

/** Loads one candidate; returns the addon, or why it cannot be used. */
function tryLoad(file: string, version: string): NativeAddon | string {
  if (!existsSync(file)) return 'not found';
  let exports: unknown;
  try {
    exports = require(file);
  } catch (error) {
    return `failed to load: ${firstLine(error instanceof Error ? error.message : String(error))}`;
  }
  const addon = exports as Partial<Record<string, unknown>>;
  if (addon.version !== version) {
    return `built for blasnet ${String(addon.version)}, but this is blasnet ${version} (a stale build; rebuild it)`;
  }
  const missing = REQUIRED_FUNCTIONS.filter((name) => typeof addon[name] !== 'function');
  if (missing.length > 0)
    return `does not export ${missing.join(', ')} (a stale or foreign build; rebuild it)`;
  return exports as NativeAddon;
}

/**
 * Load the native addon: `prebuilds/<platform>-<arch>/blasnet.node`, then
 * `build/Release/blasnet.node`, then `build/Debug/blasnet.node`, under the package root
 * (`root`, default: the installed package's; tests pass a temporary one). The binary must
 * report the `version` of `<root>/package.json`.
 * Throws one `ERR_BLASNET_NATIVE` error listing every candidate and why it failed.
 */
export function loadAddon(root?: string): { addon: NativeAddon; path: string } {
  let version: string;
  try {
    root ??= packageRoot();
    version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch (error) {
    throw blasnetError(
      'ERR_BLASNET_NATIVE',
      `The native blasnet addon could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const failures: string[] = [];
  for (const file of candidatePaths(root)) {
    const result = tryLoad(file, version);
    if (typeof result !== 'string') return { addon: result, path: file };
    failures.push(`  - ${file}: ${result}`);
  }
  throw blasnetError(
    'ERR_BLASNET_NATIVE',
    `The native blasnet addon could not be loaded (no usable blasnet.node for ${process.platform}-${process.arch}, blasnet ${version}). Tried:\n` +
      `${failures.join('\n')}\n${FIX}`,
  );
}
