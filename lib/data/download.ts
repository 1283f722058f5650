/**
 * Download the four files of MNIST or Fashion-MNIST from mirrors, verified against a table of
 * published checksums, written atomically.
 *
 * Each file goes to `<file>.part`, is hashed as it streams, verified, fsynced and only then renamed
 * to its real name: an interrupted, truncated or corrupted download never leaves a file that looks
 * complete. A file already present and verified is skipped. Failures are retried across the mirrors
 * in order, with exponential backoff between rounds.
 *
 * Verification accepts a file when its archive checksums (`md5`, `sha256` of the `.gz` bytes, as
 * published) all match; failing that, when its decompressed content matches `contentSha256` (so a
 * mirror that re-compressed the files, as Debian's `dataset-fashion-mnist` did, still verifies).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { blasnetError, type BlasnetError, rangeError, typeError } from '../errors';
import { checkInt, checkNumber, checkOneOf, checkOptions, isAbortSignal } from '../validate';
import { fsyncDirectory, ioError, resolveWriteTarget } from '../atomic-file';
import { readRegularFileSync } from '../regular-file';
import { MNIST_FILE_NAMES } from './mnist';
import { proxiedFetch } from './proxy';

/**
 * The datasets {@link downloadMnist} knows.
 * @example
 * ```ts
 * const dataset: DatasetName = 'fashion-mnist';
 * await downloadMnist({ dir: 'data/fashion', dataset });
 * ```
 */
export type DatasetName = 'mnist' | 'fashion-mnist';

/**
 * What a file must hash to. At least one field must be given. Hex digests, lower or upper case.
 * @example
 * ```ts
 * const check: FileChecksum = { md5: 'ec29112dd5afa0611ce80d1b7f02629c' };
 * ```
 */
export interface FileChecksum {
  /** MD5 of the file as downloaded (the `.gz`), as published by the dataset. */
  md5?: string;
  /** SHA-256 of the file as downloaded (the `.gz`). */
  sha256?: string;
  /** SHA-256 of the decompressed IDX content: verifies a mirror's re-compressed copy. */
  contentSha256?: string;
}

/**
 * A dataset's default mirrors and the checksums of its four files.
 * @example
 * ```ts
 * const source: DatasetSource = DATASETS.mnist;
 * source.mirrors[0]; // the first mirror tried
 * ```
 */
export interface DatasetSource {
  /** Base URLs, tried in order; a file's URL is the base + its name. */
  mirrors: readonly string[];
  /** Checksums by file name (`train-images-idx3-ubyte.gz`, …). */
  checksums: Readonly<Record<string, FileChecksum>>;
}

/**
 * The known datasets: mirrors and checksums. Provenance: MNIST's md5s are the published ones (as
 * used by torchvision); its `.gz` SHA-256s and content SHA-256s are the values many independent
 * projects pin. Fashion-MNIST's md5s are those in its README; its content SHA-256s were computed
 * here from Debian's `dataset-fashion-mnist` package (whose `.gz` files are re-compressed, so
 * their md5s differ from the published ones while the content is identical).
 *
 * @example
 * ```ts
 * DATASETS.mnist.checksums['t10k-labels-idx1-ubyte.gz'].md5; // 'ec29112dd5afa0611ce80d1b7f02629c'
 * ```
 */
export const DATASETS: Readonly<Record<DatasetName, DatasetSource>> = Object.freeze({
  mnist: Object.freeze({
    mirrors: Object.freeze([
      'https://ossci-datasets.s3.amazonaws.com/mnist/',
      'https://storage.googleapis.com/cvdf-datasets/mnist/',
    ]),
    checksums: Object.freeze({
      'train-images-idx3-ubyte.gz': {
        md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
        sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
        contentSha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
      },
      'train-labels-idx1-ubyte.gz': {
        md5: 'd53e105ee54ea40749a09fcbcd1e9432',
        sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
        contentSha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
      },
      't10k-images-idx3-ubyte.gz': {
        md5: '9fb629c4189551a2d022fa330f9573f3',
        sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
        contentSha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
      },
      't10k-labels-idx1-ubyte.gz': {
        md5: 'ec29112dd5afa0611ce80d1b7f02629c',
        sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
        contentSha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
      },
    }),
  }),
  'fashion-mnist': Object.freeze({
    mirrors: Object.freeze(['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/']),
    checksums: Object.freeze({
      'train-images-idx3-ubyte.gz': {
        md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
        contentSha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
      },
      'train-labels-idx1-ubyte.gz': {
        md5: '25c81989df183df01b3e8a0aad5dffbe',
        contentSha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
      },
      't10k-images-idx3-ubyte.gz': {
        md5: 'bef4ecab320f06d8554ea6380940ec79',
        contentSha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
      },
      't10k-labels-idx1-ubyte.gz': {
        md5: 'bb300cfdad3c16e7a12a480ee83cd310',
        contentSha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
      },
    }),
  }),
});

/** The four file names, in download order. */
const FILE_NAMES = [
  MNIST_FILE_NAMES.trainImages,
  MNIST_FILE_NAMES.trainLabels,
  MNIST_FILE_NAMES.testImages,
  MNIST_FILE_NAMES.testLabels,
].map((n) => `${n}.gz`);

/**
 * The subset of a `fetch` Response that {@link downloadMnist} uses.
 * @example
 * ```ts
 * const notFound: FetchResponseLike = { ok: false, status: 404, statusText: 'Not Found', headers: new Headers(), body: null };
 * ```
 */
export interface FetchResponseLike {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  body: AsyncIterable<Uint8Array> | null;
}

/**
 * A `fetch`-compatible function (Node's global `fetch` by default).
 * @example
 * ```ts
 * const logged: FetchLike = (url, init) => {
 *   console.log('GET', url);
 *   return fetch(url, init);
 * };
 * await downloadMnist({ dir: 'data/mnist', fetchImpl: logged });
 * ```
 */
export type FetchLike = (
  url: string,
  init: { signal?: AbortSignal; redirect?: 'follow' },
) => Promise<FetchResponseLike>;

/**
 * Options of {@link downloadMnist}.
 * @example
 * ```ts
 * const options: DownloadOptions = { dir: 'data/mnist', retries: 4, backoffMs: 2000 };
 * await downloadMnist(options);
 * ```
 */
export interface DownloadOptions {
  /** Directory to download into (created if missing). */
  dir: string;
  /** `'mnist'` (default) or `'fashion-mnist'`. */
  dataset?: DatasetName;
  /** Base URLs tried in order (default: the dataset's mirrors in {@link DATASETS}). */
  mirrors?: readonly string[];
  /** Extra rounds over all mirrors after the first fails (default 2). */
  retries?: number;
  /** Wait before the second round in ms, doubled each further round (default 1000). */
  backoffMs?: number;
  /** Give up on a request when no data arrives for this many ms (default 60000). */
  timeoutMs?: number;
  /** Called as bytes arrive: bytes so far, the total (from Content-Length, or `null`), the file name. */
  onProgress?: (bytes: number, total: number | null, file: string) => void;
  /** Replaces the checksums of the named files (tests use this with small synthetic files). */
  checksums?: Readonly<Record<string, FileChecksum>>;
  /**
   * The `fetch` to use (default: Node's global `fetch`, or, where `HTTPS_PROXY`/`HTTP_PROXY`
   * (lower case too) names a proxy and `NO_PROXY` does not exempt the host, a request through
   * that proxy: CONNECT tunnelling for https).
   */
  fetchImpl?: FetchLike;
  /** Cancels the download; the error has code `ERR_BLASNET_ABORTED`. */
  signal?: AbortSignal;
}

/**
 * One file's outcome.
 * @example
 * ```ts
 * for (const f of (await downloadMnist({ dir: 'data/mnist' })).files) {
 *   console.log(f.name, f.status, f.bytes); // e.g. train-images-idx3-ubyte.gz downloaded 9912422
 * }
 * ```
 */
export interface DownloadedFile {
  /** The file name, e.g. `train-images-idx3-ubyte.gz`. */
  name: string;
  /** Its path on disk. */
  path: string;
  /** `'present'`: already there and verified; `'downloaded'`: fetched and verified now. */
  status: 'present' | 'downloaded';
  /** The URL it came from (`null` when present). */
  url: string | null;
  /** Its size in bytes. */
  bytes: number;
  /** Which check it passed: the archive digests, or the decompressed content's SHA-256. */
  verifiedBy: 'archive' | 'content';
}

/**
 * What {@link downloadMnist} returns.
 * @example
 * ```ts
 * const result: DownloadResult = await downloadMnist({ dir: 'data/mnist' });
 * loadMnist({ dir: result.dir });
 * ```
 */
export interface DownloadResult {
  /** The directory, absolute. */
  dir: string;
  /** The dataset downloaded. */
  dataset: DatasetName;
  /** The four files. */
  files: DownloadedFile[];
}

const HEX = { md5: 32, sha256: 64, contentSha256: 64 } as const;

function checkChecksum(name: string, value: unknown): FileChecksum {
  const o = checkOptions<FileChecksum>(name, value);
  let any = false;
  for (const key of Object.keys(o)) {
    if (!(key in HEX)) throw rangeError(name, 'only the keys md5, sha256, contentSha256', key);
    const v = o[key as keyof FileChecksum];
    if (v === undefined) continue;
    const len = HEX[key as keyof typeof HEX];
    if (typeof v !== 'string')
      throw typeError(`${name}.${key}`, `a hex string of ${len} digits`, v);
    if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(v))
      throw rangeError(`${name}.${key}`, `a hex string of ${len} digits`, v);
    any = true;
  }
  if (!any) throw rangeError(name, 'at least one of md5, sha256, contentSha256', value);
  return o;
}

function checkMirrors(value: unknown): string[] {
  if (!Array.isArray(value)) throw typeError('options.mirrors', 'an array of http(s) URLs', value);
  if (value.length === 0) throw rangeError('options.mirrors', 'at least one mirror URL', value);
  return value.map((m, i) => {
    if (typeof m !== 'string') throw typeError(`options.mirrors[${i}]`, 'an http(s) URL string', m);
    let url: URL;
    try {
      url = new URL(m);
    } catch {
      throw rangeError(`options.mirrors[${i}]`, 'an http(s) URL', m);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw rangeError(`options.mirrors[${i}]`, 'an http(s) URL', m);
    return m.endsWith('/') ? m : `${m}/`;
  });
}

/** Hex digests of bytes. */
function digest(algorithm: 'md5' | 'sha256', bytes: Uint8Array): string {
  return createHash(algorithm).update(bytes).digest('hex');
}

type Verdict = { ok: true; by: 'archive' | 'content' } | { ok: false; why: string };

/** Verify a whole file's bytes (with its archive digests precomputed when streamed). */
function verify(
  bytes: Uint8Array,
  check: FileChecksum,
  digests?: { md5: string; sha256: string },
): Verdict {
  const md5 = check.md5 === undefined ? undefined : (digests?.md5 ?? digest('md5', bytes));
  const sha = check.sha256 === undefined ? undefined : (digests?.sha256 ?? digest('sha256', bytes));
  const problems: string[] = [];
  const archiveGiven = check.md5 !== undefined || check.sha256 !== undefined;
  if (check.md5 !== undefined && md5 !== check.md5.toLowerCase())
    problems.push(`md5 ${md5}, expected ${check.md5.toLowerCase()}`);
  if (check.sha256 !== undefined && sha !== check.sha256.toLowerCase())
    problems.push(`sha256 ${sha}, expected ${check.sha256.toLowerCase()}`);
  if (archiveGiven && problems.length === 0) return { ok: true, by: 'archive' };
  if (check.contentSha256 !== undefined) {
    let content: Uint8Array = bytes;
    if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        content = zlib.gunzipSync(bytes);
      } catch (err) {
        problems.push(`gzip stream does not decompress (${(err as Error).message})`);
        return { ok: false, why: `checksum mismatch: ${problems.join('; ')}` };
      }
    }
    const c = digest('sha256', content);
    if (c === check.contentSha256.toLowerCase()) return { ok: true, by: 'content' };
    problems.push(`content sha256 ${c}, expected ${check.contentSha256.toLowerCase()}`);
  }
  return { ok: false, why: `checksum mismatch: ${problems.join('; ')}` };
}

/** An error that must not be retried (a throwing progress callback, an abort). */
class Fatal extends Error {
  constructor(readonly inner: unknown) {
    super('fatal');
  }
}

function abortedError(file: string): BlasnetError {
  return blasnetError('ERR_BLASNET_ABORTED', `${file}: download aborted`);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A file already in place larger than this is not read to verify it (MNIST's largest is 9.9 MB). */
const EXISTING_MAX_BYTES = 1 << 30;

/** Fetch `url` into `part`, hashing as it streams; returns the size and digests. */
async function fetchToFile(
  fetchImpl: FetchLike,
  url: string,
  part: string,
  name: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  onProgress: DownloadOptions['onProgress'],
): Promise<{ bytes: number; md5: string; sha256: string }> {
  // An idle timeout: the request is abandoned when no byte arrives for timeoutMs (a slow but
  // moving transfer is never cut off).
  const idle = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(
      () => idle.abort(new Error(`stalled: no data for ${timeoutMs} ms (options.timeoutMs)`)),
      timeoutMs,
    );
  };
  const combined = signal === undefined ? idle.signal : AbortSignal.any([signal, idle.signal]);
  arm();
  let handle: fs.promises.FileHandle | undefined;
  try {
    const res = await fetchImpl(url, { signal: combined, redirect: 'follow' });
    if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    if (res.body === null) throw new Error('empty response body');
    const length = res.headers.get('content-length');
    // With a Content-Encoding the length counts encoded bytes, not the ones fetch hands us.
    const total =
      length !== null && res.headers.get('content-encoding') === null && /^\d+$/.test(length)
        ? Number(length)
        : null;
    const md5 = createHash('md5');
    const sha = createHash('sha256');
    handle = await fs.promises.open(part, 'w', 0o644);
    let bytes = 0;
    const report = (): void => {
      if (onProgress === undefined) return;
      try {
        onProgress(bytes, total, name);
      } catch (err) {
        throw new Fatal(err);
      }
    };
    report();
    for await (const chunk of res.body) {
      arm();
      md5.update(chunk);
      sha.update(chunk);
      let off = 0;
      while (off < chunk.length)
        off += (await handle.write(chunk, off, chunk.length - off)).bytesWritten;
      bytes += chunk.length;
      report();
    }
    if (total !== null && bytes !== total)
      throw new Error(`truncated transfer: ${bytes} of ${total} bytes`);
    await handle.sync();
    return { bytes, md5: md5.digest('hex'), sha256: sha.digest('hex') };
  } catch (err) {
    // Report the stall rather than the generic abort it caused.
    if (idle.signal.aborted && !(err instanceof Fatal)) throw idle.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
    await handle?.close();
  }
}

/**
 * Download the four files of MNIST or Fashion-MNIST (`train-images-idx3-ubyte.gz`,
 * `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`) into
 * `dir`, ready for `loadMnist({ dir })`.
 *
 * Each file is verified against the checksum table ({@link DATASETS}, or `options.checksums`);
 * one already present and verified is not downloaded again. A download streams to
 * `<file>.part` and is renamed only once verified. Mirrors are tried in order; after a round in
 * which all fail, the next round waits `backoffMs`, doubling each time, up to `retries` extra rounds.
 * Proxies are taken from `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (or their lower-case forms).
 * A download that fails removes the directories it created if nothing verified is left in them.
 *
 * @param options `dir` (required), `dataset`, `mirrors`, `retries`, `backoffMs`, `timeoutMs`,
 *   `onProgress`, `checksums`, `fetchImpl`, `signal`.
 * @throws `ERR_BLASNET_IO` listing every attempt when a file cannot be fetched and verified from
 *   any mirror; `ERR_BLASNET_ABORTED` when `signal` aborts.
 * @example
 * ```ts
 * await downloadMnist({
 *   dir: 'data/mnist',
 *   onProgress: (bytes, total, file) => process.stderr.write(`\r${file} ${bytes}/${total ?? '?'}`),
 * });
 * const mnist = loadMnist({ dir: 'data/mnist', validation: 10000 });
 * ```
 */
export async function downloadMnist(options: DownloadOptions): Promise<DownloadResult> {
  if (options === undefined) throw typeError('options', 'an options object with dir', options);
  const o = checkOptions<DownloadOptions>('options', options);
  if (typeof o.dir !== 'string' || o.dir.length === 0)
    throw typeError('options.dir', 'a non-empty directory path', o.dir);
  const dir = path.resolve(o.dir);
  const dataset =
    o.dataset === undefined
      ? 'mnist'
      : checkOneOf<DatasetName>('options.dataset', o.dataset, ['mnist', 'fashion-mnist']);
  const source = DATASETS[dataset];
  const mirrors = o.mirrors === undefined ? [...source.mirrors] : checkMirrors(o.mirrors);
  const retries = o.retries === undefined ? 2 : checkInt('options.retries', o.retries, 0, 100);
  const backoffMs =
    o.backoffMs === undefined ? 1000 : checkNumber('options.backoffMs', o.backoffMs, 0, 3_600_000);
  const timeoutMs =
    o.timeoutMs === undefined ? 60_000 : checkInt('options.timeoutMs', o.timeoutMs, 1, 2 ** 31 - 1);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function')
    throw typeError('options.onProgress', 'a function', o.onProgress);
  // The default honours HTTP(S)_PROXY and NO_PROXY, which Node's fetch ignores (./proxy.ts).
  const fetchImpl: FetchLike =
    o.fetchImpl ?? proxiedFetch(globalThis.fetch as unknown as FetchLike);
  if (typeof fetchImpl !== 'function')
    throw typeError('options.fetchImpl', 'a fetch-compatible function', o.fetchImpl);
  const signal = o.signal;
  if (signal !== undefined && !isAbortSignal(signal))
    throw typeError('options.signal', 'an AbortSignal', signal);
  const checksums: Record<string, FileChecksum> = { ...source.checksums };
  if (o.checksums !== undefined) {
    const given = checkOptions<Record<string, FileChecksum>>('options.checksums', o.checksums);
    for (const key of Object.keys(given)) {
      if (!FILE_NAMES.includes(key))
        throw rangeError('options.checksums', `keys among ${FILE_NAMES.join(', ')}`, key);
      checksums[key] = checkChecksum(`options.checksums["${key}"]`, given[key]);
    }
  }

  // The first directory this call creates (undefined when dir existed): a failed download
  // removes what it created, and only that, when nothing verified was left in it.
  let created: string | undefined;
  try {
    created = fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw ioError(dir, 'cannot create the directory', err);
  }
  try {
    return await downloadFiles(dir, dataset, mirrors, checksums, retries, backoffMs, {
      fetchImpl,
      timeoutMs,
      signal,
      onProgress: o.onProgress,
    });
  } catch (err) {
    removeCreatedIfEmpty(dir, created);
    throw err;
  }
}

/**
 * Remove `dir` and its parents up to `created` (the first directory mkdir made), each only if
 * empty: verified files from this run stay (the next run resumes from them), and so does
 * anything that was there before.
 */
function removeCreatedIfEmpty(dir: string, created: string | undefined): void {
  if (created === undefined) return;
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      fs.rmdirSync(d);
    } catch {
      return; // not empty (or not ours to remove)
    }
    if (d === path.resolve(created) || d === path.dirname(d)) return;
  }
}

/** The download proper, into an existing `dir`. */
async function downloadFiles(
  dir: string,
  dataset: DatasetName,
  mirrors: readonly string[],
  checksums: Readonly<Record<string, FileChecksum>>,
  retries: number,
  backoffMs: number,
  io: {
    fetchImpl: FetchLike;
    timeoutMs: number;
    signal: AbortSignal | undefined;
    onProgress: DownloadOptions['onProgress'];
  },
): Promise<DownloadResult> {
  const { fetchImpl, timeoutMs, signal } = io;
  const files: DownloadedFile[] = [];
  for (const name of FILE_NAMES) {
    const check = checksums[name];
    const dest = path.join(dir, name);
    if (signal?.aborted) throw abortedError(dest);
    // The file a link at dest names (the link stays); a FIFO or directory there is refused.
    const target = resolveWriteTarget(dest).path;

    // Already there and verified: keep it.
    if (fs.existsSync(target)) {
      let bytes: Buffer | undefined;
      try {
        bytes = readRegularFileSync(target, EXISTING_MAX_BYTES, 'the largest dataset file');
      } catch {
        bytes = undefined; // unreadable: download again over it
      }
      if (bytes !== undefined) {
        const v = verify(bytes, check);
        if (v.ok) {
          files.push({
            name,
            path: dest,
            status: 'present',
            url: null,
            bytes: bytes.length,
            verifiedBy: v.by,
          });
          continue;
        }
      }
    }

    const part = `${target}.part`;
    const attempts: string[] = [];
    let done: DownloadedFile | undefined;
    for (let round = 0; round <= retries && done === undefined; round++) {
      if (round > 0) {
        try {
          await sleep(backoffMs * 2 ** (round - 1), signal);
        } catch {
          throw abortedError(dest);
        }
      }
      for (const mirror of mirrors) {
        if (signal?.aborted) throw abortedError(dest);
        const url = mirror + name;
        try {
          const got = await fetchToFile(
            fetchImpl,
            url,
            part,
            name,
            timeoutMs,
            signal,
            io.onProgress,
          );
          const v = verify(fs.readFileSync(part), check, got);
          if (!v.ok) throw new Error(v.why);
          fs.renameSync(part, target);
          fsyncDirectory(path.dirname(target));
          done = {
            name,
            path: dest,
            status: 'downloaded',
            url,
            bytes: got.bytes,
            verifiedBy: v.by,
          };
          break;
        } catch (err) {
          try {
            fs.rmSync(part, { force: true });
          } catch {
            /* nothing to remove */
          }
          if (err instanceof Fatal) throw err.inner;
          if (signal?.aborted) throw abortedError(dest);
          const e = err as Error & { cause?: Error };
          const why = e.cause?.message ? `${e.message} (${e.cause.message})` : e.message;
          attempts.push(`round ${round + 1}: ${url}: ${why}`);
        }
      }
    }
    if (done === undefined) {
      throw blasnetError(
        'ERR_BLASNET_IO',
        `${dest}: download failed from ${mirrors.length} mirror${mirrors.length === 1 ? '' : 's'} in ${retries + 1} round${retries === 0 ? '' : 's'}:\n  ${attempts.join('\n  ')}`,
      );
    }
    files.push(done);
  }
  return { dir, dataset, files };
}
