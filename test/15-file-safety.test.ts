/**
 * Saves and loads only ever touch regular files: a save writes through a symbolic link to the
 * file it names and refuses devices, FIFOs and directories; a load refuses anything but a regular
 * file (a FIFO must not block, in a child process with a timeout) and files over the size cap;
 * temp files of killed saves are cleaned up by the next save.
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readIdx, readIdxAsync, writeIdx } from '../lib/data/idx';
import { loadNetwork, saveNetwork, serializeNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { forEachBackend } from './helpers/backends';

type Coded = Error & { code?: string };

function thrown(fn: () => unknown): Coded {
  try {
    fn();
  } catch (err) {
    return err as Coded;
  }
  throw new Error('expected an error');
}

forEachBackend('saving and loading only regular files', (be) => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'blasnet-files-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const net = (seed: number) =>
    new Network({ sizes: [3, 4, 2], activations: ['tanh', 'softmax'], seed, backend: be() });

  it('saves through a symbolic link: the link stays, the file it names is replaced', () => {
    const real = join(dir, 'run-7.blasnet');
    const link = join(dir, 'latest.blasnet');
    saveNetwork(net(1), real);
    fs.chmodSync(real, 0o600);
    fs.symlinkSync('run-7.blasnet', link); // relative, as `ln -s` makes them
    saveNetwork(net(2), link);
    expect(fs.lstatSync(link).isSymbolicLink()).to.equal(true);
    expect(fs.readlinkSync(link)).to.equal('run-7.blasnet');
    expect(fs.readFileSync(real).equals(serializeNetwork(net(2)))).to.equal(true);
    expect(fs.statSync(real).mode & 0o777).to.equal(0o600); // the replaced file's mode is kept
    // A chain of links, and a dangling one: the file is created where the chain ends.
    fs.symlinkSync(link, join(dir, 'chain.blasnet'));
    saveNetwork(net(3), join(dir, 'chain.blasnet'));
    expect(fs.readFileSync(real).equals(serializeNetwork(net(3)))).to.equal(true);
    fs.symlinkSync(join(dir, 'new.blasnet'), join(dir, 'dangling.blasnet'));
    saveNetwork(net(4), join(dir, 'dangling.blasnet'));
    expect(fs.lstatSync(join(dir, 'dangling.blasnet')).isSymbolicLink()).to.equal(true);
    expect(loadNetwork(join(dir, 'new.blasnet'), { backend: be() }).params).to.deep.equal(
      net(4).params,
    );
    // IDX files go through the same path.
    fs.symlinkSync('labels-idx1-ubyte', join(dir, 'labels-link'));
    writeIdx(join(dir, 'labels-link'), { data: new Uint8Array([7, 2, 1]) });
    expect(fs.lstatSync(join(dir, 'labels-link')).isSymbolicLink()).to.equal(true);
    expect(Array.from(readIdx(join(dir, 'labels-idx1-ubyte')).data)).to.deep.equal([7, 2, 1]);
    expect(fs.readdirSync(dir).filter((f) => f.includes('tmp'))).to.deep.equal([]);
  });

  it('refuses to save over a FIFO (as it would /dev/null), a directory, or through a link to one', () => {
    const fifo = join(dir, 'null-like');
    execFileSync('mkfifo', [fifo]);
    const target = join(dir, 'a-directory');
    fs.mkdirSync(target);
    fs.symlinkSync(fifo, join(dir, 'link-to-fifo'));
    for (const [file, kind] of [
      [fifo, /FIFO/],
      [target, /directory/],
      [join(dir, 'link-to-fifo'), /FIFO/],
    ] as const) {
      const err = thrown(() => saveNetwork(net(1), file));
      expect(err.code, file).to.equal('ERR_BLASNET_IO');
      expect(err.message).to.match(/cannot write: the destination.* is .*not a regular file/);
      expect(err.message).to.match(kind);
      expect(thrown(() => writeIdx(file, { data: new Uint8Array(3) })).code).to.equal(
        'ERR_BLASNET_IO',
      );
    }
    expect(fs.lstatSync(fifo).isFIFO()).to.equal(true);
    expect(fs.lstatSync(target).isDirectory()).to.equal(true);
    expect(fs.readdirSync(dir).filter((f) => f.includes('tmp'))).to.deep.equal([]);
  });

  it('refuses to load a directory, and a file over the size cap before reading it', async () => {
    const err = thrown(() => loadNetwork(dir, { backend: be() }));
    expect(err.code).to.equal('ERR_BLASNET_IO');
    expect(err.message).to.match(/a directory, not a regular file/);
    const file = join(dir, 'model.blasnet');
    saveNetwork(net(1), file);
    const size = fs.statSync(file).size;
    const capped = thrown(() => loadNetwork(file, { backend: be(), maxBytes: size - 1 }));
    expect(capped.code).to.equal('ERR_BLASNET_FORMAT');
    expect(capped.message).to.equal(
      `${file}: the file is ${size} bytes, over the limit of ${size - 1} bytes (options.maxBytes)`,
    );
    expect(loadNetwork(file, { backend: be(), maxBytes: size }).sizes).to.deep.equal([3, 4, 2]);
    // A sparse 3 GiB file: refused by the default caps, from its size alone.
    const huge = join(dir, 'huge');
    fs.closeSync(fs.openSync(huge, 'w'));
    fs.truncateSync(huge, 3 * 2 ** 30);
    for (const err of [
      thrown(() => loadNetwork(huge, { backend: be() })),
      thrown(() => readIdx(huge)),
      await readIdxAsync(huge).then(
        () => new Error('loaded'),
        (e: Coded) => e,
      ),
    ]) {
      expect((err as Coded).code, err.message).to.equal('ERR_BLASNET_FORMAT');
      expect(err.message).to.match(/the file is 3221225472 bytes, over the limit of \d+ bytes/);
    }
  });

  it('removes the temp files of killed saves, and only those', () => {
    const file = join(dir, 'model.blasnet');
    // A process that has exited: its pid is dead (short of reuse within this test).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
      .stdout.toString()
      .trim();
    const stale = [
      `.model.blasnet.blasnet-tmp-${dead}-0-0123abcd`,
      `.model.blasnet.${dead}.89abcdef.tmp`, // the naming before this scheme
      `.model.blasnet.blasnet-tmp-${process.pid}-0-deadbeef`, // this thread, not writing it
    ];
    const kept = [
      `.model.blasnet.blasnet-tmp-${process.ppid}-0-0123abcd`, // a live process's save
      `.model.blasnet.blasnet-tmp-${process.pid}-5-0123abcd`, // another thread of this process
      `.other.blasnet.blasnet-tmp-${dead}-0-0123abcd`, // another file's
      'model.blasnet.notes',
    ];
    for (const name of [...stale, ...kept]) fs.writeFileSync(join(dir, name), 'partial');
    saveNetwork(net(1), file);
    expect(fs.readdirSync(dir).sort()).to.deep.equal([...kept, 'model.blasnet'].sort());
  });
});

describe('loading a FIFO does not block', () => {
  it('loadNetwork, readIdx and readIdxAsync refuse a FIFO at once (in a child, with a timeout)', () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'blasnet-fifo-'));
    try {
      const fifo = join(dir, 'pipe');
      execFileSync('mkfifo', [fifo]);
      const script = `
        const { loadNetwork } = require('./lib/model-file');
        const { readIdx, readIdxAsync } = require('./lib/data/idx');
        const out = [];
        const code = (fn) => { try { fn(); return 'no error'; } catch (e) { return e.code + ' ' + e.message; } };
        out.push(code(() => loadNetwork(${JSON.stringify(fifo)})));
        out.push(code(() => readIdx(${JSON.stringify(fifo)})));
        readIdxAsync(${JSON.stringify(fifo)}).then(() => 'no error', (e) => e.code + ' ' + e.message)
          .then((r) => { out.push(r); console.log(JSON.stringify(out)); });
      `;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
        cwd: join(__dirname, '..'),
        timeout: 60_000,
        encoding: 'utf8',
      });
      expect(r.error, 'the child hung on the FIFO and was killed').to.equal(undefined);
      expect(r.status, r.stderr).to.equal(0);
      const results = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
      expect(results).to.have.length(3);
      for (const line of results)
        expect(line).to.match(/^ERR_BLASNET_IO .*FIFO.*not a regular file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
