/**
 * Atomic file writes: write beside the target, flush to disk, then rename over it. A crash or an
 * error mid-write leaves the previous file whole and no half-written one behind.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { blasnetError } from './errors';

/**
 * Write `data` to `path` atomically.
 *
 * @example
 * ```ts
 * writeFileAtomic('model.blasnet', bytes);
 * ```
 */
export function writeFileAtomic(path: string, data: Uint8Array): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx');
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // The temp file may never have been created.
    }
    throw blasnetError('ERR_BLASNET_IO', `Cannot write ${path}: ${(error as Error).message}`);
  }
}
