/**
 * downloadMnist against a local HTTP server on 127.0.0.1 (never the internet): good files, a
 * truncated transfer, a corrupted body, a 404 then a good mirror, a stalled transfer.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import {
  DATASETS,
  downloadMnist,
  type DownloadOptions,
  type FetchLike,
  type FileChecksum,
} from '../lib/data/download';
import { loadMnist } from '../lib/data/mnist';
import { makeTempDir, rejected, writeSyntheticMnist } from './fixtures/data-helpers';

const NAMES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];

type Mode = 'good' | '404' | 'truncate' | 'corrupt' | 'recompressed' | 'stall' | 'truncate-once';

describe('45 downloadMnist (local HTTP server)', () => {
  let root: string;
  let cleanup: () => void;
  let server: http.Server;
  let base: string;
  const files = new Map<string, Buffer>();
  const checksums: Record<string, FileChecksum> = {};
  const requests = new Map<string, number>();
  let k = 0;

  const fresh = (): string => path.join(root, `dl-${k++}`);
  const mirror = (mode: Mode): string => `${base}/${mode}/`;
  const count = (mode: Mode, name: string): number => requests.get(`/${mode}/${name}`) ?? 0;
  /** A fetch that must never be called (bad-input tests must fail before any request). */
  const noFetch: FetchLike = () => {
    throw new Error('fetch must not be called');
  };

  before(async () => {
    ({ dir: root, cleanup } = makeTempDir('blasnet-dl-'));
    const src = path.join(root, 'source');
    fs.mkdirSync(src);
    writeSyntheticMnist(src, { train: 300, test: 100, rows: 8, cols: 8 });
    for (const name of NAMES) {
      const bytes = fs.readFileSync(path.join(src, name));
      files.set(name, bytes);
      checksums[name] = {
        md5: createHash('md5').update(bytes).digest('hex'),
        sha256: createHash('sha256').update(bytes).digest('hex'),
      };
    }
    server = http.createServer((req, res) => {
      const url = req.url ?? '/';
      requests.set(url, (requests.get(url) ?? 0) + 1);
      const [, mode, name] = url.split('/') as [string, Mode, string];
      const body = files.get(name);
      if (body === undefined || mode === '404') {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      if (mode === 'good' || (mode === 'truncate-once' && requests.get(url)! > 1)) {
        res.writeHead(200, { 'Content-Length': body.length }).end(body);
      } else if (mode === 'truncate' || mode === 'truncate-once') {
        res.writeHead(200, { 'Content-Length': body.length });
        res.write(body.subarray(0, Math.floor(body.length / 2)), () =>
          setTimeout(() => res.socket?.destroy(), 20),
        );
      } else if (mode === 'corrupt') {
        const bad = Buffer.from(body);
        bad[Math.floor(bad.length / 2)] ^= 0xff;
        res.writeHead(200, { 'Content-Length': bad.length }).end(bad);
      } else if (mode === 'recompressed') {
        const other = zlib.gzipSync(zlib.gunzipSync(body), { level: 1 });
        res.writeHead(200, { 'Content-Length': other.length }).end(other);
      } else if (mode === 'stall') {
        res.writeHead(200, { 'Content-Length': body.length });
        res.write(body.subarray(0, 10)); // and never more
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    cleanup();
  });

  function options(dir: string, extra: Partial<DownloadOptions> = {}): DownloadOptions {
    return { dir, mirrors: [mirror('good')], checksums, backoffMs: 1, ...extra };
  }

  function expectNoPartial(dir: string): void {
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : [])
      expect(f, `left behind in ${dir}`).to.not.match(/\.part$|\.tmp$/);
  }

  it('downloads and verifies the four files, ready for loadMnist, reporting progress', async () => {
    const dir = fresh();
    const progress: Array<[number, number | null, string]> = [];
    const result = await downloadMnist(
      options(dir, { onProgress: (b, t, f) => progress.push([b, t, f]) }),
    );
    expect(result.dir).to.equal(dir);
    expect(result.dataset).to.equal('mnist');
    expect(result.files.map((f) => [f.name, f.status, f.verifiedBy])).to.deep.equal(
      NAMES.map((n) => [n, 'downloaded', 'archive']),
    );
    for (const f of result.files) {
      expect(f.url).to.equal(mirror('good') + f.name);
      expect(fs.readFileSync(f.path).equals(files.get(f.name)!)).to.equal(true);
      expect(f.bytes).to.equal(files.get(f.name)!.length);
      // Progress starts at 0 and ends at the total, for every file.
      const mine = progress.filter((p) => p[2] === f.name);
      expect(mine[0][0]).to.equal(0);
      expect(mine[mine.length - 1]).to.deep.equal([f.bytes, f.bytes, f.name]);
    }
    expectNoPartial(dir);
    const m = loadMnist({ dir });
    expect([m.train.count, m.test.count, m.rows, m.cols]).to.deep.equal([300, 100, 8, 8]);
  });

  it('downloads through a symbolic link to the file it names, and refuses a FIFO there', async () => {
    const dir = fresh();
    const store = fresh();
    fs.mkdirSync(dir);
    fs.mkdirSync(store);
    const linked = NAMES[0];
    fs.symlinkSync(path.join(store, linked), path.join(dir, linked)); // dangling until downloaded
    await downloadMnist(options(dir));
    expect(fs.lstatSync(path.join(dir, linked)).isSymbolicLink()).to.equal(true);
    expect(fs.readFileSync(path.join(store, linked)).equals(files.get(linked)!)).to.equal(true);
    expectNoPartial(dir);
    expectNoPartial(store);
    // Present and verified through the link: not downloaded again.
    const before = count('good', linked);
    expect((await downloadMnist(options(dir))).files[0].status).to.equal('present');
    expect(count('good', linked)).to.equal(before);
    // A FIFO where a file goes is refused at once: reading it would wait for a writer forever.
    const withFifo = fresh();
    fs.mkdirSync(withFifo);
    execFileSync('mkfifo', [path.join(withFifo, NAMES[0])]);
    const err = await rejected(downloadMnist(options(withFifo)));
    expect(err.code).to.equal('ERR_BLASNET_IO');
    expect(err.message).to.match(/FIFO.*not a regular file/);
    expect(fs.lstatSync(path.join(withFifo, NAMES[0])).isFIFO()).to.equal(true);
  });

  it('skips files already present and verified (no request made)', async () => {
    const dir = fresh();
    await downloadMnist(options(dir));
    const before = count('good', NAMES[0]);
    const again = await downloadMnist(options(dir));
    expect(again.files.map((f) => [f.status, f.url])).to.deep.equal(
      NAMES.map(() => ['present', null]),
    );
    expect(count('good', NAMES[0])).to.equal(before);
  });

  it('replaces a present file that fails verification, and ignores a stale .part', async () => {
    const dir = fresh();
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, NAMES[0]), 'corrupted leftovers');
    fs.writeFileSync(path.join(dir, `${NAMES[1]}.part`), 'half a file');
    const result = await downloadMnist(options(dir));
    expect(result.files[0].status).to.equal('downloaded');
    expect(fs.readFileSync(path.join(dir, NAMES[0])).equals(files.get(NAMES[0])!)).to.equal(true);
    expectNoPartial(dir);
  });

  it('a 404 on the first mirror falls through to the second', async () => {
    const dir = fresh();
    const result = await downloadMnist(
      options(dir, { mirrors: [mirror('404'), mirror('good')], retries: 0 }),
    );
    for (const f of result.files) {
      expect(f.url).to.equal(mirror('good') + f.name);
      expect(count('404', f.name)).to.be.at.least(1);
    }
  });

  it('a truncated transfer never leaves a file that looks complete, and the error lists every attempt', async () => {
    const dir = fresh();
    const err = await rejected(
      downloadMnist(options(dir, { mirrors: [mirror('truncate')], retries: 1 })),
    );
    expect(err.code).to.equal('ERR_BLASNET_IO');
    const dest = path.join(dir, NAMES[0]);
    const url = mirror('truncate') + NAMES[0];
    expect(err.message).to.match(
      new RegExp(
        `^${dest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: download failed from 1 mirror in 2 rounds:\n`,
      ),
    );
    expect(err.message).to.include(`round 1: ${url}: `);
    expect(err.message).to.include(`round 2: ${url}: `);
    expect(err.message).to.match(/terminated|truncated|closed/);
    expect(fs.existsSync(dest)).to.equal(false);
    expectNoPartial(dir);
  });

  it('retries after a truncated transfer, with backoff, and then succeeds', async () => {
    const dir = fresh();
    const t0 = Date.now();
    const result = await downloadMnist(
      options(dir, { mirrors: [mirror('truncate-once')], retries: 2, backoffMs: 30 }),
    );
    expect(Date.now() - t0).to.be.at.least(4 * 30 - 5); // one backoff per file
    for (const f of result.files) {
      expect(f.status).to.equal('downloaded');
      expect(count('truncate-once', f.name)).to.equal(2);
    }
    expectNoPartial(dir);
  });

  it('a corrupted body fails the checksum and is never renamed into place', async () => {
    const dir = fresh();
    const err = await rejected(
      downloadMnist(options(dir, { mirrors: [mirror('corrupt')], retries: 0 })),
    );
    expect(err.code).to.equal('ERR_BLASNET_IO');
    const c = checksums[NAMES[0]];
    expect(err.message).to.include(
      `round 1: ${mirror('corrupt')}${NAMES[0]}: checksum mismatch: md5 `,
    );
    expect(err.message).to.include(`, expected ${c.md5}; sha256 `);
    expect(err.message).to.include(`, expected ${c.sha256}`);
    expect(fs.existsSync(path.join(dir, NAMES[0]))).to.equal(false);
    expectNoPartial(dir);
    // A good mirror after the corrupt one saves the day.
    const ok = await downloadMnist(
      options(dir, { mirrors: [mirror('corrupt'), mirror('good')], retries: 0 }),
    );
    expect(ok.files.every((f) => f.url!.startsWith(mirror('good')))).to.equal(true);
  });

  it('verifies a re-compressed copy by its content SHA-256', async () => {
    const dir = fresh();
    const byContent: Record<string, FileChecksum> = {};
    for (const name of NAMES) {
      byContent[name] = {
        md5: checksums[name].md5,
        contentSha256: createHash('sha256')
          .update(zlib.gunzipSync(files.get(name)!))
          .digest('hex'),
      };
    }
    const result = await downloadMnist(
      options(dir, { mirrors: [mirror('recompressed')], checksums: byContent, retries: 0 }),
    );
    expect(result.files.map((f) => f.verifiedBy)).to.deep.equal([
      'content',
      'content',
      'content',
      'content',
    ]);
    // Without the content checksum, the same bytes are rejected.
    const err = await rejected(
      downloadMnist(options(fresh(), { mirrors: [mirror('recompressed')], retries: 0 })),
    );
    expect(err.message).to.include('checksum mismatch');
  });

  it('gives up on a stalled transfer after timeoutMs without data', async () => {
    const dir = fresh();
    const err = await rejected(
      downloadMnist(options(dir, { mirrors: [mirror('stall')], retries: 0, timeoutMs: 300 })),
    );
    expect(err.code).to.equal('ERR_BLASNET_IO');
    expect(err.message).to.include(
      `round 1: ${mirror('stall')}${NAMES[0]}: stalled: no data for 300 ms (options.timeoutMs)`,
    );
    expectNoPartial(dir);
  });

  it('an AbortSignal cancels with ERR_BLASNET_ABORTED; a throwing progress callback is not retried', async () => {
    const dir = fresh();
    const ac = new AbortController();
    const err = await rejected(
      downloadMnist(options(dir, { onProgress: () => ac.abort(), signal: ac.signal })),
    );
    expect(err.code).to.equal('ERR_BLASNET_ABORTED');
    expectNoPartial(dir);
    const before = count('good', NAMES[0]);
    const boom = new Error('boom');
    const err2 = await rejected(
      downloadMnist(
        options(fresh(), {
          onProgress: () => {
            throw boom;
          },
          retries: 3,
        }),
      ),
    );
    expect(err2).to.equal(boom);
    expect(count('good', NAMES[0])).to.equal(before + 1);
  });

  it('uses an injected fetch and reports HTTP errors', async () => {
    const calls: string[] = [];
    const fake: FetchLike = async (url) => {
      calls.push(url);
      return {
        ok: false,
        status: 503,
        statusText: 'Service Unavailable',
        headers: { get: () => null },
        body: null,
      };
    };
    const err = await rejected(
      downloadMnist({
        dir: fresh(),
        mirrors: ['http://mirror.invalid/a', 'http://mirror.invalid/b/'],
        checksums,
        retries: 0,
        fetchImpl: fake,
      }),
    );
    expect(calls).to.deep.equal([
      'http://mirror.invalid/a/train-images-idx3-ubyte.gz',
      'http://mirror.invalid/b/train-images-idx3-ubyte.gz',
    ]);
    expect(err.message).to.include(
      'round 1: http://mirror.invalid/a/train-images-idx3-ubyte.gz: HTTP 503 Service Unavailable',
    );
  });

  it('knows the published checksums and default mirrors of MNIST and Fashion-MNIST', () => {
    expect(DATASETS.mnist.checksums['train-images-idx3-ubyte.gz'].md5).to.equal(
      'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    );
    expect(DATASETS.mnist.checksums['train-labels-idx1-ubyte.gz'].md5).to.equal(
      'd53e105ee54ea40749a09fcbcd1e9432',
    );
    expect(DATASETS.mnist.checksums['t10k-images-idx3-ubyte.gz'].md5).to.equal(
      '9fb629c4189551a2d022fa330f9573f3',
    );
    expect(DATASETS.mnist.checksums['t10k-labels-idx1-ubyte.gz'].md5).to.equal(
      'ec29112dd5afa0611ce80d1b7f02629c',
    );
    expect(DATASETS['fashion-mnist'].checksums['train-images-idx3-ubyte.gz'].md5).to.equal(
      '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    );
    expect(DATASETS['fashion-mnist'].checksums['train-labels-idx1-ubyte.gz'].md5).to.equal(
      '25c81989df183df01b3e8a0aad5dffbe',
    );
    expect(DATASETS['fashion-mnist'].checksums['t10k-images-idx3-ubyte.gz'].md5).to.equal(
      'bef4ecab320f06d8554ea6380940ec79',
    );
    expect(DATASETS['fashion-mnist'].checksums['t10k-labels-idx1-ubyte.gz'].md5).to.equal(
      'bb300cfdad3c16e7a12a480ee83cd310',
    );
    expect(DATASETS.mnist.mirrors.length).to.be.at.least(2);
    for (const ds of Object.values(DATASETS))
      expect(Object.keys(ds.checksums)).to.deep.equal(NAMES);
  });

  it('verifies the installed Debian Fashion-MNIST files against the content checksums (skipped when absent)', async function () {
    const debian = '/usr/share/datasets/fashion-mnist';
    if (!fs.existsSync(path.join(debian, NAMES[0]))) {
      console.log(`      skipped: ${debian} not installed (apt-get install dataset-fashion-mnist)`);
      this.skip();
    }
    const dir = fresh();
    fs.mkdirSync(dir);
    for (const name of NAMES) fs.copyFileSync(path.join(debian, name), path.join(dir, name));
    const result = await downloadMnist({ dir, dataset: 'fashion-mnist', fetchImpl: noFetch });
    expect(result.files.map((f) => [f.status, f.verifiedBy])).to.deep.equal(
      NAMES.map(() => ['present', 'content']),
    );
  });

  describe('rejects bad input (before any request)', () => {
    async function expectArgRejection(opts: unknown, name: string): Promise<void> {
      const err = await rejected(downloadMnist(opts as DownloadOptions));
      expect(
        err instanceof TypeError || err instanceof RangeError,
        `${name}: ${err.message}`,
      ).to.equal(true);
      expect(err.message).to.match(/^Expected .+ for .+ but received .+$/s);
      expect(err.message).to.include(` for ${name} but received `);
    }

    it('options', async () => {
      const dir = fresh();
      const ok = { dir, fetchImpl: noFetch, mirrors: [mirror('good')], checksums };
      for (const bad of [undefined, null, 5, 'dir', [dir]])
        await expectArgRejection(bad, 'options');
      for (const bad of [undefined, '', 5, null])
        await expectArgRejection({ ...ok, dir: bad }, 'options.dir');
      for (const bad of ['emnist', 'MNIST', 5])
        await expectArgRejection({ ...ok, dataset: bad }, 'options.dataset');
      for (const bad of ['http://x/', [], [5], ['ftp://x/'], ['not a url']])
        await expectArgRejection(
          { ...ok, mirrors: bad },
          Array.isArray(bad) && bad.length === 1 ? 'options.mirrors[0]' : 'options.mirrors',
        );
      for (const bad of [-1, 1.5, '3', 101])
        await expectArgRejection({ ...ok, retries: bad }, 'options.retries');
      for (const bad of [-1, NaN, '10'])
        await expectArgRejection({ ...ok, backoffMs: bad }, 'options.backoffMs');
      for (const bad of [0, -5, 1.5, 'x'])
        await expectArgRejection({ ...ok, timeoutMs: bad }, 'options.timeoutMs');
      for (const bad of ['fn', 5, {}])
        await expectArgRejection({ ...ok, onProgress: bad }, 'options.onProgress');
      for (const bad of ['fetch', 5, {}])
        await expectArgRejection({ ...ok, fetchImpl: bad }, 'options.fetchImpl');
      for (const bad of ['signal', 5, {}])
        await expectArgRejection({ ...ok, signal: bad }, 'options.signal');
      for (const bad of [5, 'sums', [1]])
        await expectArgRejection({ ...ok, checksums: bad }, 'options.checksums');
      await expectArgRejection(
        { ...ok, checksums: { 'other.gz': { md5: 'a'.repeat(32) } } },
        'options.checksums',
      );
      const key = `options.checksums["${NAMES[0]}"]`;
      await expectArgRejection({ ...ok, checksums: { [NAMES[0]]: {} } }, key);
      await expectArgRejection({ ...ok, checksums: { [NAMES[0]]: { sha1: 'a'.repeat(40) } } }, key);
      await expectArgRejection({ ...ok, checksums: { [NAMES[0]]: { md5: 'xyz' } } }, `${key}.md5`);
      await expectArgRejection(
        { ...ok, checksums: { [NAMES[0]]: { sha256: 'a'.repeat(32) } } },
        `${key}.sha256`,
      );
      await expectArgRejection(
        { ...ok, checksums: { [NAMES[0]]: { contentSha256: 5 } } },
        `${key}.contentSha256`,
      );
      expect(fs.existsSync(dir)).to.equal(false);
    });
  });
});
