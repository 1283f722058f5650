/**
 * Atomic file replacement: write a temporary file in the target's directory, fsync it, rename it
 * over the target, fsync the directory. A reader sees the old file or the new one, never half of
 * one.
 *
 * The target is the file a path finally names: a symbolic link is followed (the rename would
 * otherwise replace the link itself with a regular file), and an existing destination that is not
 * a regular file (a device such as /dev/null, a FIFO, a directory, a socket) is refused, since
 * renaming over it would replace it.
 *
 * Temporary files are visible while a save runs, and a process killed mid-save leaves its one
 * behind. Linux's never-visible alternative, `open(dir, O_TMPFILE)` then `linkat()`, is not
 * reachable from Node's fs API (and needs /proc or AT_EMPTY_PATH privileges to link), so temp
 * files get a recognisable name, `.<name>.blasnet-tmp-<pid>-<thread>-<random>`, and every save
 * removes the leftovers next to its target whose process is gone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { blasnetError, type BlasnetError } from './errors';
import { fileKind } from './regular-file';

const TEMP_TAG = 'blasnet-tmp';

/** A temporary name next to `target`: same directory, so the rename never crosses file systems. */
export function tempPathFor(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${TEMP_TAG}-${process.pid}-${threadId}-${randomBytes(4).toString('hex')}`,
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

/** Symbolic links followed before giving up, as Linux's own limit (ELOOP). */
const MAX_LINKS = 40;

/**
 * The path a save to `target` must replace: symbolic links followed to the file they name (which
 * need not exist yet), and refused with ERR_BLASNET_IO when that file exists and is not a regular
 * file. Also returns the existing file's permission bits, which the replacement keeps.
 *
 * @example
 * ```ts
 * resolveWriteTarget('latest.blasnet'); // { path: '/models/run-7.blasnet', mode: 0o644 } for a link
 * ```
 */
export function resolveWriteTarget(target: string): { path: string; mode?: number } {
  let p = path.resolve(target);
  for (let links = 0; ; links++) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path: p }; // a new file
      throw ioError(target, 'cannot write', err);
    }
    if (stat.isSymbolicLink()) {
      if (links >= MAX_LINKS)
        throw ioError(target, 'cannot write', new Error(`more than ${MAX_LINKS} symbolic links`));
      let link: string;
      try {
        link = fs.readlinkSync(p);
      } catch (err) {
        throw ioError(target, 'cannot write', err);
      }
      p = path.resolve(path.dirname(p), link);
      continue;
    }
    if (!stat.isFile()) {
      const where = p === path.resolve(target) ? '' : ` (${p})`;
      throw blasnetError(
        'ERR_BLASNET_IO',
        `${target}: cannot write: the destination${where} is ${fileKind(stat)}, not a regular file; a save replaces only regular files`,
      );
    }
    return { path: p, mode: stat.mode & 0o7777 };
  }
}

/** Whether process `pid` exists (EPERM: it does, owned by someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Remove the temp files that saves to `target` left behind when their process died (killed
 * mid-save). Best effort: a file that cannot be removed stays. A temp of this process is stale
 * only if it belongs to this thread (which is not writing one now: saves are synchronous), as a
 * pid can be reused (containers restart at the same small pid) but a live thread's own file is
 * always in use. Temps of other live processes, or of other threads of this one, are left alone.
 * Also removes the `.<name>.<pid>.<hex>.tmp` files that saves named that way before this scheme.
 *
 * @example
 * ```ts
 * removeStaleTemps('/models/mnist.blasnet'); // after a save was killed by the OOM killer
 * ```
 */
export function removeStaleTemps(target: string): number {
  const dir = path.dirname(target);
  const base = escapeRegExp(path.basename(target));
  const current = new RegExp(`^\\.${base}\\.${TEMP_TAG}-(\\d+)-(\\d+)-[0-9a-f]{8}$`);
  const legacy = new RegExp(`^\\.${base}\\.(\\d+)\\.[0-9a-f]{8}\\.tmp$`);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = current.exec(name) ?? legacy.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    const thread = m[2] === undefined ? undefined : Number(m[2]);
    const stale =
      pid === process.pid
        ? thread === threadId
        : pid > 0 && pid <= 0x7fffffff && !processAlive(pid);
    if (!stale) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
      removed++;
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}

/**
 * Write `data` (one buffer or a list of chunks) to `target` atomically: temp file in the target's
 * directory, fsync, rename, fsync the directory. A symbolic link is written through (the file it
 * names is replaced, the link stays); a destination that exists and is not a regular file is
 * refused. On any failure the temp file is removed and the destination is left as it was; after
 * a success, temp files that killed saves left next to it are removed.
 *
 * @example
 * ```ts
 * writeFileAtomic('model.blasnet', bytes);
 * writeFileAtomic('images.idx', [header, body]);
 * ```
 */
export function writeFileAtomic(target: string, data: Uint8Array | readonly Uint8Array[]): void {
  const chunks = data instanceof Uint8Array ? [data] : data;
  const dest = resolveWriteTarget(target);
  const tmp = tempPathFor(dest.path);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', dest.mode ?? 0o644);
    if (dest.mode !== undefined) fs.fchmodSync(fd, dest.mode); // the umask applied to the open
    for (const chunk of chunks) {
      let off = 0;
      while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, dest.path);
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
  fsyncDirectory(path.dirname(dest.path));
  removeStaleTemps(dest.path);
}
