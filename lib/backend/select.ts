/**
 * Which backend runs. The native core is tried once per process (per worker thread); in auto
 * mode a failure falls back to the pure-TypeScript backend with one notice and the reason kept
 * for {@link backend}. Forcing native where it cannot load throws the loader's one error that
 * lists every binary tried and how to fix it.
 */
import { blasnetError } from '../errors';
import { checkOneOf, isObject } from '../validate';
import { CheckedBackend } from './checked';
import { createJsBackend } from './js';
import { loadAddon } from './native/addon';
import { createNativeBackend } from './native/backend';
import type { Backend, BackendInfo } from './types';

/**
 * A backend choice: `'native'` (C++ on OpenBLAS), `'js'` (pure TypeScript) or `'auto'` (native when it loads).
 *
 * @example
 * ```ts
 * const choice: BackendName = process.env.CI ? 'js' : 'auto';
 * const net = new Network({ sizes: [2, 3, 1], backend: choice });
 * ```
 */
export type BackendName = 'native' | 'js' | 'auto';

const BACKEND_NAMES: readonly BackendName[] = ['auto', 'native', 'js'];

/**
 * What {@link backend} reports.
 *
 * @example
 * ```ts
 * const report: BackendReport = backend();
 * if (report.name === 'js') console.warn(`blasnet on js: ${report.fallbackReason}`);
 * ```
 */
export interface BackendReport extends BackendInfo {
  /** Why the native backend is not in use, when it is not. */
  fallbackReason?: string;
  /** What was asked for: an explicit choice, `BLASNET_BACKEND`, or `'auto'`. */
  requested: BackendName;
}

let js: Backend | undefined;
let native: Backend | undefined;
let nativeError: Error | undefined;
let defaultName: BackendName | undefined;
let warned = false;

function jsBackend(): Backend {
  js ??= new CheckedBackend(createJsBackend());
  return js;
}

function tryNative(): Backend | undefined {
  if (native || nativeError) return native;
  try {
    const { addon, path } = loadAddon();
    native = new CheckedBackend(createNativeBackend(addon, path));
  } catch (error) {
    nativeError = error instanceof Error ? error : new Error(String(error));
  }
  return native;
}

function requestedName(): BackendName {
  if (defaultName) return defaultName;
  const env = process.env.BLASNET_BACKEND;
  if (env === undefined || env === '') return 'auto';
  return checkOneOf('the BLASNET_BACKEND environment variable', env, BACKEND_NAMES);
}

/**
 * The backend for a choice (default: {@link setBackend}'s, else `BLASNET_BACKEND`, else `'auto'`).
 *
 * @example
 * ```ts
 * const be = getBackend('js');
 * const c = new Float32Array(4);
 * be.sgemm(false, false, 2, 2, 1, 1, new Float32Array([1, 2]), new Float32Array([3, 4]), 0, c);
 * // c = [3, 4, 6, 8]
 * ```
 */
export function getBackend(name?: BackendName | Backend): Backend {
  if (isObject(name) && 'trainBatch' in name) return name;
  const choice = name === undefined ? requestedName() : checkOneOf('backend', name, BACKEND_NAMES);
  if (choice === 'js') return jsBackend();
  const loaded = tryNative();
  if (loaded) return loaded;
  if (choice === 'native') {
    throw blasnetError(
      'ERR_BLASNET_NATIVE',
      `The native backend was requested but cannot load.\n${nativeError?.message}`,
    );
  }
  if (!warned) {
    warned = true;
    process.emitWarning(
      `blasnet: the native backend is unavailable (${summary(nativeError?.message ?? 'unknown')}); using the pure-TypeScript backend. ` +
        'See backend().fallbackReason; to get native, install libopenblas-dev and run `npm rebuild blasnet`.',
      { code: 'BLASNET_FALLBACK' },
    );
  }
  return jsBackend();
}

/** The loader's reasons on one line: each candidate tried, or the first line of another error. */
function summary(text: string): string {
  const tried = text
    .split('\n')
    .filter((line) => line.startsWith('  - '))
    .map((line) => line.slice(4));
  return tried.length > 0
    ? tried.join('; ')
    : (text.split('\n').find((line) => line.trim() !== '') ?? text);
}

/**
 * Set the process-wide default backend (overrides `BLASNET_BACKEND`). Throws at once when
 * `'native'` is asked for and cannot load.
 *
 * @example
 * ```ts
 * setBackend('js'); // every new Network now runs on the pure-TypeScript backend
 * ```
 */
export function setBackend(name: BackendName): void {
  const choice = checkOneOf('backend', name, BACKEND_NAMES);
  if (choice === 'native') getBackend('native');
  defaultName = choice;
}

/**
 * Report the backend in use by default: its name, BLAS and version, threads, the binary loaded
 * and, when native is not in use, why.
 *
 * @example
 * ```ts
 * console.log(backend());
 * // { name: 'native', blas: 'OpenBLAS 0.3.21 ...', threads: 1, binary: '.../build/Release/blasnet.node', requested: 'auto' }
 * ```
 */
export function backend(): BackendReport {
  const requested = requestedName();
  const be = getBackend();
  const report: BackendReport = { ...be.info(), requested };
  if (be.name === 'js') {
    report.fallbackReason =
      requested === 'js' ? 'the js backend was requested' : nativeError?.message;
  }
  return report;
}

/**
 * Whether the native backend can load here, and if not, why (never throws).
 *
 * @example
 * ```ts
 * const { available, reason } = nativeAvailability();
 * if (!available) console.log(reason);
 * ```
 */
export function nativeAvailability(): { available: boolean; reason?: string } {
  return tryNative() ? { available: true } : { available: false, reason: nativeError?.message };
}
