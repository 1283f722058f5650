/**
 * The backend for the CLI's --backend and --threads options.
 */
import { type BackendName, getBackend } from '../backend/select';
import type { Backend } from '../backend/types';
import { CliError } from './errors';

/** The backend for a CLI choice, as a runtime failure with the loader's fix when native cannot load. */
export function cliBackend(name: BackendName, threads: number | undefined): Backend {
  let be: Backend;
  try {
    be = getBackend(name);
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.code === 'ERR_BLASNET_NATIVE')
      throw new CliError(
        e.code,
        `${e.message}\nOr run with --backend js (pure TypeScript, slower).`,
      );
    throw error;
  }
  if (threads !== undefined) be.setThreads(threads);
  return be;
}
