/**
 * Finding and loading the native addon (`blasnet.node`). Every candidate binary is tried in
 * order and every failure is kept, so when none loads the one error says what was tried, why
 * each failed and how to fix it. A binary built from another version of blasnet is refused:
 * a stale build is never loaded silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { blasnetError } from '../../errors';
import { packageRoot } from '../../package-root';
import type { Backend } from '../types';
import { checkKernelsAvailable, requestedKernels } from './kernel-choice';
import {
  explainRuntimeTooOld,
  type Libc,
  prebuildRelative,
  type RuntimeMinimums,
  runtimeLibc,
  shippedPrebuilds,
} from './libc';

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
  /** What `BLASNET_KERNELS` asked for when the addon loaded (`'auto'` when unset). */
  kernelsRequested?: 'auto' | 'avx512' | 'avx2' | 'blas';
  /** The best kernels this CPU supports. */
  cpuKernels?: 'avx512' | 'avx2' | 'none';
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
   * Choose blasnet's own sgemm kernels: `'auto'` (the default: what `BLASNET_KERNELS` forced at
   * load, else the best the CPU has), or a path: `'avx512'`, `'avx2'`, `'none'` (BLAS for every
   * product), never above the CPU's best. Process-wide; returns the kernels now in use. For tests
   * and benchmarks comparing the paths.
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

/** How to get a native build where no prebuilt binary fits (the install script fetches cmake-js itself). */
function fixFor(libc: Libc | null): string {
  const toolchain =
    libc === 'musl'
      ? 'Alpine: apk add build-base cmake openblas-dev'
      : 'Debian/Ubuntu: apt-get install -y g++ cmake libopenblas-dev';
  return (
    `To fix it, install a C++ compiler, CMake and OpenBLAS (${toolchain}), ` +
    'then run `npm rebuild blasnet` (or `npm run build:native` in a checkout of blasnet); ' +
    'or run on the pure-TypeScript backend (BLASNET_BACKEND=js).'
  );
}

/**
 * The binaries to try, in order: the prebuilt one for this platform, architecture and (on Linux)
 * C library (`prebuilds/linux-x64/blasnet.glibc.node`), then local builds. With `BLASNET_ADDON`
 * set, that one file only (the sanitizer builds of scripts/sanitize.sh, the arm64 test run).
 * `libc` defaults to this process's (tests pass another).
 */
export function candidatePaths(root: string, libc: Libc | null = runtimeLibc()): string[] {
  const forced = process.env.BLASNET_ADDON;
  if (forced !== undefined && forced !== '') return [resolve(forced)];
  return [
    join(root, prebuildRelative(process.platform, process.arch, libc)),
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
function tryLoad(file: string, version: string, minimums: RuntimeMinimums): NativeAddon | string {
  if (!existsSync(file)) return 'not found';
  let exports: unknown;
  try {
    exports = require(file);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const tooOld = explainRuntimeTooOld(message, minimums);
    return `failed to load: ${tooOld ?? firstLine(message)}`;
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
 * Load the native addon: `prebuilds/<platform>-<arch>/blasnet.<libc>.node` (Linux; elsewhere
 * `blasnet.node`), then `build/Release/blasnet.node`, then `build/Debug/blasnet.node`, under the
 * package root (`root`, default: the installed package's; tests pass a temporary one, and may
 * pass the C library to act as on another system). The binary must report the `version` of
 * `<root>/package.json`.
 * Throws one `ERR_BLASNET_NATIVE` error listing every candidate and why it failed, the prebuilt
 * binaries the package does hold, and what to do; a `RangeError` for an unknown
 * `BLASNET_KERNELS`, and `ERR_BLASNET_NATIVE` when it forces a path this CPU lacks.
 */
export function loadAddon(
  root?: string,
  libc: Libc | null = runtimeLibc(),
): { addon: NativeAddon; path: string } {
  requestedKernels();
  let version: string;
  let minimums: RuntimeMinimums;
  try {
    root ??= packageRoot();
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      version: string;
      binary?: RuntimeMinimums;
    };
    version = pkg.version;
    minimums = pkg.binary ?? {};
  } catch (error) {
    throw blasnetError(
      'ERR_BLASNET_NATIVE',
      `The native blasnet addon could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const failures: string[] = [];
  for (const file of candidatePaths(root, libc)) {
    const result = tryLoad(file, version, minimums);
    if (typeof result !== 'string') {
      checkKernelsAvailable(result.info(), file);
      return { addon: result, path: file };
    }
    failures.push(`  - ${file}: ${result}`);
  }
  const system = `${process.platform}-${process.arch}${libc ? ` with ${libc}` : ''}`;
  const shipped = shippedPrebuilds(root);
  const ownMissing = failures[0]?.endsWith(': not found') ?? true;
  const held =
    shipped.length > 0
      ? `This package holds prebuilt binaries for ${shipped.join(', ')}${ownMissing ? `; none is for ${system}` : ''}.\n`
      : '';
  throw blasnetError(
    'ERR_BLASNET_NATIVE',
    `The native blasnet addon could not be loaded (no usable blasnet.node for ${system}, blasnet ${version}). Tried:\n` +
      `${failures.join('\n')}\n${held}${fixFor(libc)}`,
  );
}
