/**
 * The native loader: the order it tries binaries in, the reason it keeps for each one that fails
 * ("not found", "failed to load", a stale version), the one error with the fix when native is
 * forced, and `BLASNET_BACKEND`. Loader situations are built in temporary package roots (a
 * package.json named blasnet, and binaries copied where the loader looks); the environment
 * variable cases run in child processes, over a copy of lib/ in such a root.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { candidatePaths, loadAddon } from '../lib/backend/native/addon';
import {
  explainRuntimeTooOld,
  libcInMaps,
  prebuildRelative,
  runtimeLibc,
  shippedPrebuilds,
} from '../lib/backend/native/libc';

const repo = resolve(__dirname, '..');
const version = (
  JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }
).version;
const target = `${process.platform}-${process.arch}`;

const temps: string[] = [];
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A temporary package root: a package.json named blasnet with `packageVersion`, no binaries. */
function fakeRoot(packageVersion = version): string {
  const root = mkdtempSync(join(tmpdir(), 'blasnet-loader-'));
  temps.push(root);
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ name: 'blasnet', version: packageVersion }),
  );
  return root;
}

const SLOTS = { prebuild: 0, release: 1, debug: 2 } as const;

/** Put a binary (a copy of `source`, or the bytes given) where the loader looks. */
function place(root: string, slot: keyof typeof SLOTS, source: string | { bytes: string }): string {
  const file = candidatePaths(root)[SLOTS[slot]];
  mkdirSync(dirname(file), { recursive: true });
  if (typeof source === 'string') copyFileSync(source, file);
  else writeFileSync(file, source.bytes);
  return file;
}

function loadError(root: string): Error & { code?: string } {
  try {
    loadAddon(root);
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error(`loadAddon(${root}) did not throw`);
}

/** The binary this checkout loads, or why there is none (the tests that need one skip with it). */
let realBinary: string | undefined;
let noBinaryReason = '';
try {
  realBinary = loadAddon().path;
} catch (error) {
  noBinaryReason = (error as Error).message.split('\n')[0];
}

function needsBinary(ctx: Mocha.Context): string {
  if (!realBinary) {
    console.log(`      skipped, no native binary loads here: ${noBinaryReason}`);
    ctx.skip();
  }
  return realBinary!;
}

describe('native loader', () => {
  it('tries the prebuild for this platform first, then build/Release, then build/Debug', () => {
    const root = fakeRoot();
    const libc = process.platform === 'linux' ? `.${runtimeLibc()}` : '';
    expect(candidatePaths(root)).to.deep.equal([
      join(root, 'prebuilds', target, `blasnet${libc}.node`),
      join(root, 'build', 'Release', 'blasnet.node'),
      join(root, 'build', 'Debug', 'blasnet.node'),
    ]);
  });

  it('with no binary anywhere, says "not found" for every candidate and how to fix it', () => {
    const root = fakeRoot();
    const error = loadError(root);
    expect(error.code).to.equal('ERR_BLASNET_NATIVE');
    const libc = process.platform === 'linux' ? ` with ${runtimeLibc()}` : '';
    expect(error.message).to.include(`for ${target}${libc}, blasnet ${version}`);
    for (const file of candidatePaths(root)) expect(error.message).to.include(`${file}: not found`);
    expect(error.message).to.include('apt-get install -y g++ cmake libopenblas-dev');
    expect(error.message).to.include('npm rebuild blasnet');
  });

  it('says "failed to load" with the reason for a file that is not a loadable library', () => {
    const root = fakeRoot();
    const bad = place(root, 'release', { bytes: 'this is not a shared library\n' });
    const error = loadError(root);
    expect(error.code).to.equal('ERR_BLASNET_NATIVE');
    expect(error.message).to.match(new RegExp(`${escapeText(bad)}: failed to load: \\S`));
    expect(error.message).to.include(`${candidatePaths(root)[0]}: not found`);
  });

  it('refuses a binary built for another version: a stale build, and how to rebuild', function () {
    const binary = needsBinary(this);
    const root = fakeRoot('99.0.0-next');
    const file = place(root, 'release', binary);
    const error = loadError(root);
    expect(error.code).to.equal('ERR_BLASNET_NATIVE');
    expect(error.message).to.include(
      `${file}: built for blasnet ${version}, but this is blasnet 99.0.0-next (a stale build; rebuild it)`,
    );
    expect(error.message).to.include('npm rebuild blasnet');
  });

  it('loads a matching prebuild before a local build', function () {
    const binary = needsBinary(this);
    const root = fakeRoot();
    const prebuild = place(root, 'prebuild', binary);
    place(root, 'release', binary);
    const { addon, path } = loadAddon(root);
    expect(path).to.equal(prebuild);
    expect(addon.version).to.equal(version);
    expect(addon.info().blas).to.match(/OpenBLAS/);
  });

  it('falls back to build/Release when the prebuild cannot load', function () {
    const binary = needsBinary(this);
    const root = fakeRoot();
    place(root, 'prebuild', { bytes: 'built for another platform' });
    const release = place(root, 'release', binary);
    expect(loadAddon(root).path).to.equal(release);
  });
});

describe('BLASNET_BACKEND and backend() (child processes)', () => {
  /** A package root with a copy of lib/ and, optionally, binaries: the installed package's situation. */
  function packageCopy(packageVersion = version): string {
    const root = fakeRoot(packageVersion);
    cpSync(join(repo, 'lib'), join(root, 'lib'), { recursive: true });
    return root;
  }

  interface Probe {
    report?: {
      name: string;
      binary?: string;
      blas: string;
      requested: string;
      fallbackReason?: string;
    };
    error?: { name: string; code?: string; message: string };
    stderr: string;
  }

  /** Calls `backend()` of `<root>/lib` in a fresh Node with `BLASNET_BACKEND` set (or unset). */
  function probe(root: string, backendEnv: string | undefined): Probe {
    const script = join(mkdtempSync(join(tmpdir(), 'blasnet-probe-')), 'probe.ts');
    temps.push(dirname(script));
    writeFileSync(
      script,
      `import { backend } from ${JSON.stringify(join(root, 'lib', 'backend', 'select'))};\n` +
        `try { console.log(JSON.stringify({ report: backend() })); }\n` +
        `catch (e) { const { name, code, message } = e as Error & { code?: string }; console.log(JSON.stringify({ error: { name, code, message } })); }\n`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.BLASNET_BACKEND;
    if (backendEnv !== undefined) env.BLASNET_BACKEND = backendEnv;
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: repo,
      env,
      encoding: 'utf8',
    });
    expect(child.status, `probe failed:\n${child.stderr}`).to.equal(0);
    return {
      ...(JSON.parse(child.stdout.trim().split('\n').pop()!) as Probe),
      stderr: child.stderr,
    };
  }

  const notices = (stderr: string) =>
    stderr
      .split('\n')
      .filter((line) => line.includes('blasnet: the native backend is unavailable'));

  it('BLASNET_BACKEND=native with nothing loadable throws one error: what was tried and how to fix it', () => {
    const root = packageCopy();
    const { error } = probe(root, 'native');
    expect(error, 'no error').to.not.equal(undefined);
    expect(error!.code).to.equal('ERR_BLASNET_NATIVE');
    expect(error!.message).to.include('The native backend was requested but cannot load');
    for (const file of candidatePaths(root))
      expect(error!.message).to.include(`${file}: not found`);
    expect(error!.message).to.include('libopenblas-dev');
    expect(error!.message).to.include('npm rebuild blasnet');
  });

  it('auto with nothing loadable runs on js, with one notice and the reason in backend()', () => {
    const root = packageCopy();
    const { report, stderr } = probe(root, undefined);
    expect(report!.name).to.equal('js');
    expect(report!.requested).to.equal('auto');
    expect(report!.binary).to.equal(undefined);
    expect(report!.fallbackReason).to.include(`${candidatePaths(root)[0]}: not found`);
    expect(notices(stderr)).to.have.length(1);
  });

  it('BLASNET_BACKEND=js forces js, without a notice, even where native loads', () => {
    for (const root of [packageCopy(), repo]) {
      const { report, stderr } = probe(root, 'js');
      expect(report!.name).to.equal('js');
      expect(report!.requested).to.equal('js');
      expect(report!.fallbackReason).to.equal('the js backend was requested');
      expect(notices(stderr)).to.have.length(0);
    }
  });

  it('BLASNET_BACKEND=bogus is a clear RangeError naming the variable and the choices', () => {
    const { error } = probe(packageCopy(), 'bogus');
    expect(error!.name).to.equal('RangeError');
    expect(error!.code).to.equal('ERR_BLASNET_RANGE');
    expect(error!.message).to.include('BLASNET_BACKEND');
    expect(error!.message).to.include('"bogus"');
    expect(error!.message).to.include('"native"');
  });

  it('backend() tells which binary was loaded, from where', function () {
    const binary = needsBinary(this);
    const { report } = probe(repo, undefined);
    expect(report!.name).to.equal('native');
    expect(report!.binary).to.equal(binary);
    expect(candidatePaths(repo)).to.include(report!.binary);
    expect(report!.blas).to.match(/^OpenBLAS/);
    expect(report!.fallbackReason).to.equal(undefined);
  });

  it('a stale binary is never loaded silently: auto says so, native throws', function () {
    const binary = needsBinary(this);
    const root = packageCopy('99.0.0-next');
    place(root, 'release', binary);
    const auto = probe(root, undefined);
    expect(auto.report!.name).to.equal('js');
    expect(auto.report!.fallbackReason).to.include('a stale build; rebuild it');
    expect(notices(auto.stderr)).to.have.length(1);
    const forced = probe(root, 'native');
    expect(forced.error!.code).to.equal('ERR_BLASNET_NATIVE');
    expect(forced.error!.message).to.include(
      `built for blasnet ${version}, but this is blasnet 99.0.0-next`,
    );
    expect(forced.error!.message).to.include('npm rebuild blasnet');
  });
});

describe('prebuilds tagged by C library', () => {
  it('names Linux prebuilds by libc (as prebuildify does), others by platform alone', () => {
    expect(prebuildRelative('linux', 'arm64', 'glibc')).to.equal(
      join('prebuilds', 'linux-arm64', 'blasnet.glibc.node'),
    );
    expect(prebuildRelative('linux', 'x64', 'musl')).to.equal(
      join('prebuilds', 'linux-x64', 'blasnet.musl.node'),
    );
    expect(prebuildRelative('darwin', 'arm64', null)).to.equal(
      join('prebuilds', 'darwin-arm64', 'blasnet.node'),
    );
  });

  it("reads this process's C library without spawning: glibc here on Debian", function () {
    if (process.platform !== 'linux') this.skip();
    const report = process.report.getReport() as { header: { glibcVersionRuntime?: string } };
    expect(runtimeLibc()).to.equal(report.header.glibcVersionRuntime ? 'glibc' : 'musl');
  });

  it('tells glibc (new and old file names) from musl by the mapped libraries', () => {
    const line = (file: string) => `7f3c4a000000-7f3c4a028000 r--p 00000000 08:01 1234 ${file}\n`;
    expect(libcInMaps(line('/usr/lib/x86_64-linux-gnu/libc.so.6'))).to.equal('glibc');
    expect(libcInMaps(line('/lib/x86_64-linux-gnu/libc-2.31.so'))).to.equal('glibc');
    expect(libcInMaps(line('/lib/ld-musl-x86_64.so.1'))).to.equal('musl');
    expect(libcInMaps(line('/lib/ld-musl-aarch64.so.1') + line('/usr/lib/libc.so.6'))).to.equal(
      'musl',
    );
    expect(libcInMaps(line('/usr/lib/libcrypto.so.3'))).to.equal(undefined);
  });

  it('on musl never tries a glibc prebuild, and says which prebuilds exist and what to do', function () {
    const binary = needsBinary(this);
    const root = fakeRoot();
    const glibcFile = join(root, prebuildRelative(process.platform, process.arch, 'glibc'));
    mkdirSync(dirname(glibcFile), { recursive: true });
    copyFileSync(binary, glibcFile);
    // As on Alpine: the same package, a process whose C library is musl.
    const error = (() => {
      try {
        loadAddon(root, 'musl');
      } catch (caught) {
        return caught as Error & { code?: string };
      }
      throw new Error('loadAddon did not throw on musl');
    })();
    expect(error.code).to.equal('ERR_BLASNET_NATIVE');
    expect(error.message).to.not.include(glibcFile);
    const muslFile = join(root, prebuildRelative(process.platform, process.arch, 'musl'));
    if (process.platform === 'linux') {
      expect(error.message).to.include(`${muslFile}: not found`);
      expect(error.message).to.include(
        `holds prebuilt binaries for ${target} (glibc); none is for ${target} with musl`,
      );
      expect(error.message).to.include('apk add build-base cmake openblas-dev');
    }
    expect(error.message).to.include('npm rebuild blasnet');
    expect(error.message).to.include('BLASNET_BACKEND=js');
    // The same package on glibc loads that binary.
    if (process.platform === 'linux') expect(loadAddon(root, 'glibc').path).to.equal(glibcFile);
  });

  it('lists the prebuilds a package holds', () => {
    const root = fakeRoot();
    for (const file of [
      prebuildRelative('linux', 'x64', 'glibc'),
      prebuildRelative('linux', 'arm64', 'glibc'),
      prebuildRelative('darwin', 'arm64', null),
    ]) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), '');
    }
    expect(shippedPrebuilds(root)).to.deep.equal([
      'darwin-arm64',
      'linux-arm64 (glibc)',
      'linux-x64 (glibc)',
    ]);
  });

  it("explains a glibc or libstdc++ too old for the prebuild, from the dynamic loader's message", () => {
    const minimums = { glibc: '2.34', glibcxx: '3.4.30' };
    const glibc = explainRuntimeTooOld(
      "/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /app/node_modules/blasnet/prebuilds/linux-x64/blasnet.glibc.node)",
      minimums,
    );
    expect(glibc).to.match(
      /^this system's glibc lacks GLIBC_2\.34: the prebuilt binaries need glibc >= 2\.34 and libstdc\+\+ with GLIBCXX_3\.4\.30/,
    );
    const cxx = explainRuntimeTooOld(
      "/lib64/libstdc++.so.6: version `GLIBCXX_3.4.30' not found (required by /x/blasnet.glibc.node)",
      minimums,
    );
    expect(cxx).to.match(/^this system's libstdc\+\+ lacks GLIBCXX_3\.4\.30/);
    expect(explainRuntimeTooOld('invalid ELF header', minimums)).to.equal(undefined);
  });

  it('package.json states the minimum glibc and libstdc++ that scripts/prebuild.js enforces', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
      binary: { glibc: string; glibcxx: string };
    };
    expect(pkg.binary.glibc).to.match(/^2\.\d+$/);
    expect(pkg.binary.glibcxx).to.match(/^3\.4\.\d+$/);
  });
});

describe('BLASNET_ADDON', () => {
  const before = process.env.BLASNET_ADDON;
  afterEach(() => {
    if (before === undefined) delete process.env.BLASNET_ADDON;
    else process.env.BLASNET_ADDON = before;
  });

  it('names the one binary the loader tries (the sanitizer builds of scripts/sanitize.sh)', () => {
    process.env.BLASNET_ADDON = 'build-asan/Release/blasnet.node';
    expect(candidatePaths('/any/root')).to.deep.equal([resolve('build-asan/Release/blasnet.node')]);
    const missing = join(tmpdir(), 'blasnet-no-such-dir', 'blasnet.node');
    process.env.BLASNET_ADDON = missing;
    const error = loadError(repo);
    expect(error.code).to.equal('ERR_BLASNET_NATIVE');
    expect(error.message).to.include(`${missing}: not found`);
    expect(error.message).to.not.include(join('build', 'Release'));
    process.env.BLASNET_ADDON = '';
    expect(candidatePaths('/r')).to.have.length(3);
  });
});

function escapeText(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
