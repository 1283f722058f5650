/**
 * What the browser bundle has in place of lib/backend/native/addon.ts (scripts/build-browser.mjs
 * swaps it in): there is no native addon in a browser, so loading it fails with the usual error
 * and blasnet runs on the pure-TypeScript backend.
 */
import { blasnetError } from '../errors';
import type { Backend } from '../backend/types';

/** The addon's shape, as lib/backend/native/addon.ts declares it (only the type is used). */
export type NativeAddon = Omit<Backend, 'name' | 'info'> & { version: string };

/** Always fails: the native backend runs in Node only. */
export function loadAddon(): { addon: NativeAddon; path: string } {
  throw blasnetError(
    'ERR_BLASNET_NATIVE',
    'The native backend runs in Node only; in a browser blasnet uses its pure-TypeScript backend.',
  );
}
