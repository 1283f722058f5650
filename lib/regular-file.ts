/**
 * Reading a file that must be a regular file of bounded size. `readFileSync(path)` reads whatever
 * the path names: `/dev/zero` until memory runs out, and a FIFO blocks the thread in `open()`
 * until a writer appears, which may be never. Here the file is opened non-blocking (a FIFO's
 * `open()` returns at once; on a regular file the flag does nothing), `fstat`ed through the
 * descriptor (so the checked file is the one read, whatever happens to the path meanwhile),
 * refused unless it is a regular file no larger than the cap, and only then read.
 */
import * as fs from 'node:fs';
import { type BlasnetError, blasnetError } from './errors';

// O_NONBLOCK does not exist on Windows, where opening a named pipe does not wait for a writer.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** "a FIFO", "a directory", ...: what a non-regular file is, for error messages. */
export function fileKind(stat: fs.Stats): string {
  if (stat.isFile()) return 'a regular file';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** ERR_BLASNET_IO `<file>: cannot read: <why>`, keeping the system error as `cause`. */
function readError(file: string, cause: unknown): BlasnetError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  const err = blasnetError('ERR_BLASNET_IO', `${file}: cannot read: ${msg}`);
  (err as Error & { cause?: unknown }).cause = cause;
  return err;
}

function checkStat(file: string, stat: fs.Stats, maxBytes: number, limitName: string): number {
  if (!stat.isFile())
    throw blasnetError(
      'ERR_BLASNET_IO',
      `${file}: cannot read: it is ${fileKind(stat)}, not a regular file`,
    );
  if (stat.size > maxBytes)
    throw blasnetError(
      'ERR_BLASNET_FORMAT',
      `${file}: the file is ${stat.size} bytes, over the limit of ${maxBytes} bytes (${limitName})`,
    );
  return stat.size;
}

/**
 * Open the regular file `file` for reading, refusing anything else (FIFO, device, directory,
 * socket) with ERR_BLASNET_IO and a file over `maxBytes` with ERR_BLASNET_FORMAT before a byte is
 * read; `limitName` names the option that raises the cap. The caller closes `fd`. A failing
 * `open` or `fstat` throws the system error as it is, for the caller to word.
 *
 * @example
 * ```ts
 * const { fd, size } = openRegularFileSync('model.blasnet', 2 ** 31, 'options.maxBytes');
 * ```
 */
export function openRegularFileSync(
  file: string,
  maxBytes: number,
  limitName: string,
): { fd: number; size: number } {
  const fd = fs.openSync(file, OPEN_FLAGS);
  try {
    return { fd, size: checkStat(file, fs.fstatSync(fd), maxBytes, limitName) };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/**
 * Read the regular file `file` whole, as {@link openRegularFileSync} opens it; a system error is
 * ERR_BLASNET_IO `<file>: cannot read: <why>`.
 *
 * @example
 * ```ts
 * const bytes = readRegularFileSync('images.idx', 2 ** 31, 'options.maxBytes');
 * ```
 */
export function readRegularFileSync(file: string, maxBytes: number, limitName: string): Buffer {
  let fd: number | undefined;
  try {
    const opened = openRegularFileSync(file, maxBytes, limitName);
    fd = opened.fd;
    const size = opened.size;
    const out = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = fs.readSync(fd, out, got, size - got, got);
      if (n === 0) break; // shrank since the fstat: return what is there, the format checks judge it
      got += n;
    }
    return got === size ? out : out.subarray(0, got);
  } catch (err) {
    if (isCoded(err)) throw err;
    throw readError(file, err);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function isCoded(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_BLASNET_');
}

/**
 * Open the regular file `file` for reading without blocking the event loop: `stat` first, so a
 * FIFO is refused before any `open()` could wait for a writer (and opened non-blocking anyway,
 * should the path change in between), then checked again through the descriptor. Resolves with
 * the handle (the caller closes it) and the size.
 *
 * @example
 * ```ts
 * const { handle, size } = await openRegularFile('images.idx.gz', 2 ** 31, 'options.maxBytes');
 * try { ... } finally { await handle.close(); }
 * ```
 */
export async function openRegularFile(
  file: string,
  maxBytes: number,
  limitName: string,
): Promise<{ handle: fs.promises.FileHandle; size: number }> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    checkStat(file, await fs.promises.stat(file), Number.POSITIVE_INFINITY, limitName);
    handle = await fs.promises.open(file, OPEN_FLAGS);
    const size = checkStat(file, await handle.stat(), maxBytes, limitName);
    return { handle, size };
  } catch (err) {
    await handle?.close().catch(() => undefined);
    if (isCoded(err)) throw err;
    throw readError(file, err);
  }
}
