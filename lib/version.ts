/** blasnet's version, read from its package.json (the native binary must report the same). */
import { readFileSync } from 'node:fs';
import { packageRoot } from './package-root';

/**
 * The package version, e.g. `'0.1.0'`.
 *
 * @example
 * ```ts
 * console.log(`blasnet ${version}`); // blasnet 0.1.0
 * ```
 */
export const version: string = (
  JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }
).version;
