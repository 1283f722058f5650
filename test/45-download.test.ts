/**
 * downloadMnist against a local HTTP server on 127.0.0.1 (never the internet): good files, a
 * truncated transfer, a corrupted body, a 404 then a good mirror, a stalled transfer.
 */
import * as fs from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
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
import { proxyFor } from '../lib/data/proxy';
import { makeTempDir, rejected, writeSyntheticMnist } from './fixtures/data-helpers';

const NAMES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];

type Mode =
  | 'good'
  | '404'
  | 'truncate'
  | 'corrupt'
  | 'recompressed'
  | 'stall'
  | 'truncate-once'
  | 'first-only';

const PROXY_VARS = [
  'http_proxy',
  'HTTP_PROXY',
  'https_proxy',
  'HTTPS_PROXY',
  'no_proxy',
  'NO_PROXY',
];

describe('45 downloadMnist (local HTTP server)', () => {
  let root: string;
  let cleanup: () => void;
  let server: http.Server;
  let handle: http.RequestListener;
  let base: string;
  let proxy: http.Server;
  let proxyUrl: string;
  const proxied: string[] = [];
  const savedEnv: Record<string, string | undefined> = {};
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
    handle = (req, res) => {
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
      } else if (mode === 'first-only') {
        if (name === NAMES[0]) res.writeHead(200, { 'Content-Length': body.length }).end(body);
        else res.writeHead(404).end('not found');
      }
    };
    server = http.createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // A forward proxy: absolute-URI GETs for http, CONNECT tunnels for https; it logs each.
    proxy = http.createServer((req, res) => {
      proxied.push(`${req.method} ${req.url}`);
      const up = http.request(new URL(req.url ?? ''), { headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end();
    });
    proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      proxied.push(`CONNECT ${req.url}`);
      const [host, port] = (req.url ?? '').split(':');
      const up = net.connect(Number(port), host === 'localhost' ? '127.0.0.1' : host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    // These tests set the proxy variables themselves; the runner's own must not leak in.
    for (const name of PROXY_VARS) {
      savedEnv[name] = process.env[name];
      delete process.env[name];
    }
  });

  after(async () => {
    for (const name of PROXY_VARS) {
      if (savedEnv[name] === undefined) delete process.env[name];
      else process.env[name] = savedEnv[name];
    }
    for (const s of [server, proxy]) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    cleanup();
  });

  afterEach(() => {
    for (const name of PROXY_VARS) delete process.env[name];
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

  describe('proxies (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) and cleaning up', () => {
    it('proxyFor reads the variables as curl does', () => {
      const u = (s: string) => new URL(s);
      const p = (url: string, env: NodeJS.ProcessEnv) => proxyFor(u(url), env)?.href;
      expect(p('https://a.example/x', {})).to.equal(undefined);
      expect(p('https://a.example/x', { HTTPS_PROXY: 'http://proxy:3128' })).to.equal(
        'http://proxy:3128/',
      );
      expect(p('https://a.example/x', { HTTP_PROXY: 'http://proxy:3128' })).to.equal(undefined);
      expect(p('http://a.example/x', { http_proxy: 'proxy:8080' })).to.equal('http://proxy:8080/');
      // Lower case wins over upper case.
      expect(
        p('https://a.example/', { https_proxy: 'http://low:1', HTTPS_PROXY: 'http://up:2' }),
      ).to.equal('http://low:1/');
      const env = { HTTPS_PROXY: 'http://proxy:3128' };
      for (const noProxy of [
        'a.example',
        '.example',
        '*.example',
        'example',
        'other, a.example',
        '*',
        'a.example:443',
      ])
        expect(p('https://a.example/x', { ...env, NO_PROXY: noProxy }), noProxy).to.equal(
          undefined,
        );
      for (const noProxy of ['b.example', 'xa.example', 'a.example:8443', 'ample'])
        expect(p('https://a.example/x', { ...env, no_proxy: noProxy }), noProxy).to.equal(
          'http://proxy:3128/',
        );
      expect(p('https://127.0.0.1:8443/', { ...env, NO_PROXY: '127.0.0.1' })).to.equal(undefined);
      expect(p('https://[::1]:8443/', { ...env, NO_PROXY: '::1' })).to.equal(undefined);
    });

    it('goes through HTTP_PROXY for an http mirror, and NO_PROXY bypasses it', async () => {
      process.env.HTTP_PROXY = proxyUrl;
      const before = proxied.length;
      const result = await downloadMnist(options(fresh()));
      expect(result.files.map((f) => f.status)).to.deep.equal(NAMES.map(() => 'downloaded'));
      expect(proxied.slice(before)).to.deep.equal(NAMES.map((n) => `GET ${mirror('good')}${n}`));
      // NO_PROXY: straight to the mirror, the proxy sees nothing.
      process.env.no_proxy = 'localhost,127.0.0.1';
      const direct = await downloadMnist(options(fresh()));
      expect(direct.files.map((f) => f.status)).to.deep.equal(NAMES.map(() => 'downloaded'));
      expect(proxied.length).to.equal(before + NAMES.length);
    });

    it('says when the proxy cannot be reached', async () => {
      process.env.http_proxy = 'http://127.0.0.1:9';
      const err = await rejected(downloadMnist(options(fresh(), { retries: 0 })));
      expect(err.code).to.equal('ERR_BLASNET_IO');
      expect(err.message).to.include('cannot reach the proxy 127.0.0.1:9');
    });

    it('tunnels an https mirror through HTTPS_PROXY with CONNECT, checking the certificate (a child process trusting a test CA)', async function () {
      const dir = fresh();
      fs.mkdirSync(dir);
      try {
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'ec',
            '-pkeyopt',
            'ec_paramgen_curve:prime256v1',
            '-nodes',
            '-days',
            '1',
            '-subj',
            '/CN=localhost',
            '-addext',
            'subjectAltName=DNS:localhost',
            '-keyout',
            path.join(dir, 'key.pem'),
            '-out',
            path.join(dir, 'cert.pem'),
          ],
          { stdio: 'ignore' },
        );
      } catch {
        console.log('      skipped: openssl is not available to make a test certificate');
        this.skip();
      }
      const secure = https.createServer(
        {
          key: fs.readFileSync(path.join(dir, 'key.pem')),
          cert: fs.readFileSync(path.join(dir, 'cert.pem')),
        },
        handle,
      );
      await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
      const port = (secure.address() as AddressInfo).port;
      const download = path.join(__dirname, '..', 'lib', 'data', 'download.ts');
      const script = `require(${JSON.stringify(download)}).downloadMnist({ dir: process.argv[1], mirrors: ['https://localhost:${port}/good/'], checksums: JSON.parse(process.argv[2]), retries: 0 })
        .then((r) => console.log(JSON.stringify(r.files.map((f) => f.status))), (e) => { console.log(e.message); process.exit(1); })`;
      const run = (target: string, env: NodeJS.ProcessEnv) =>
        new Promise<{ status: number | null; stdout: string }>((resolve) => {
          // Asynchronous, so this process's proxy and server keep serving meanwhile.
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', '-e', script, target, JSON.stringify(checksums)],
            { env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem'), ...env } },
          );
          let stdout = '';
          child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
          child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
          child.on('exit', (status: number | null) => resolve({ status, stdout }));
        });
      try {
        const before = proxied.length;
        const viaProxy = await run(path.join(dir, 'via-proxy'), { HTTPS_PROXY: proxyUrl });
        expect(viaProxy.status, viaProxy.stdout).to.equal(0);
        expect(JSON.parse(viaProxy.stdout)).to.deep.equal(NAMES.map(() => 'downloaded'));
        expect(proxied.slice(before)).to.deep.equal(NAMES.map(() => `CONNECT localhost:${port}`));
        // NO_PROXY=localhost: direct, and the proxy sees nothing more.
        const bypass = await run(path.join(dir, 'direct'), {
          HTTPS_PROXY: proxyUrl,
          NO_PROXY: 'localhost',
        });
        expect(bypass.status, bypass.stdout).to.equal(0);
        expect(proxied.length).to.equal(before + NAMES.length);
      } finally {
        secure.closeAllConnections();
        await new Promise<void>((resolve) => secure.close(() => resolve()));
      }
    });

    it('a failed download removes the directories it created, and only those', async () => {
      // Created by this call (two levels): removed.
      const top = fresh();
      const nested = path.join(top, 'a', 'mnist');
      await rejected(downloadMnist(options(nested, { mirrors: [mirror('404')], retries: 0 })));
      expect(fs.existsSync(top), `${top} left behind`).to.equal(false);
      // An existing directory stays, with what was in it.
      const existing = fresh();
      fs.mkdirSync(existing);
      fs.writeFileSync(path.join(existing, 'notes.txt'), 'mine');
      await rejected(downloadMnist(options(existing, { mirrors: [mirror('404')], retries: 0 })));
      expect(fs.readdirSync(existing)).to.deep.equal(['notes.txt']);
      const empty = fresh();
      fs.mkdirSync(empty);
      await rejected(downloadMnist(options(empty, { mirrors: [mirror('404')], retries: 0 })));
      expect(fs.existsSync(empty)).to.equal(true);
      // Verified files from this run stay for the next run to resume from.
      const partial = fresh();
      await rejected(
        downloadMnist(options(partial, { mirrors: [mirror('first-only')], retries: 0 })),
      );
      expect(fs.readdirSync(partial)).to.deep.equal([NAMES[0]]);
    });
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
