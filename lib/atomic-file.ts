/**
 * Atomic file replacement: write a temporary file in the same directory, fsync it, rename it over
 * the target, fsync the directory. A reader sees the old file or the new one, never half of one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { blasnetError, type BlasnetError } from './errors';

/** A temporary name next to `target`: same directory, so the rename never crosses file systems. */
export function tempPathFor(target: string, suffix = '.tmp'): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}${suffix}`,
  );
}

/** fsync a directory so a rename inside it is durable; best effort (some file systems refuse). */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows and some network file systems cannot open or fsync a directory: the rename stands.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** An ERR_BLASNET_IO error naming the file and the system error. */
export function ioError(file: string, what: string, cause: unknown): BlasnetError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  const err = blasnetError('ERR_BLASNET_IO', `${file}: ${what}: ${msg}`);
  (err as Error & { cause?: unknown }).cause = cause;
  return err;
}

/**
 * Write `data` (one buffer or a list of chunks) to `target` atomically: temp file in the same
 * directory, fsync, rename, fsync the directory. On any failure the temp file is removed and
 * `target` is left as it was.
 *
 * @example
 * ```ts
 * writeFileAtomic('model.blasnet', bytes);
 * writeFileAtomic('images.idx', [header, body]);
 * ```
 */
export function writeFileAtomic(target: string, data: Uint8Array | readonly Uint8Array[]): void {
  const chunks = data instanceof Uint8Array ? [data] : data;
  const tmp = tempPathFor(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    for (const chunk of chunks) {
      let off = 0;
      while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* never created, or already renamed */
    }
    throw ioError(target, 'cannot write', err);
  }
  fsyncDirectory(path.dirname(target));
}
