#!/usr/bin/env node

/*
 * Build the prebuilt binary that ships inside the npm package:
 *
 *   npm run build:prebuild                  →   prebuilds/<platform>-<arch>/blasnet[.<libc>].node
 *   npm run build:prebuild -- --arch arm64  →   prebuilds/linux-arm64/blasnet.glibc.node (cross)
 *
 * On Linux the name carries the C library (blasnet.glibc.node, blasnet.musl.node; see
 * scripts/prebuild-target.js), so the loader never tries a glibc build on musl. One N-API 8 binary
 * per platform and architecture serves every Node >= 20. OpenBLAS is linked statically (CMake
 * option BLASNET_STATIC_OPENBLAS), so the binary needs nothing but the C and C++ runtimes;
 * OpenBLAS's DYNAMIC_ARCH kernels pick the CPU at run time. The build has its own directory
 * (build-prebuild/, or build-prebuild-<arch>/ when cross-compiling; git-ignored), so it never
 * disturbs build/Release; rerunning it is incremental. The result is stripped, loaded once in a
 * child process to check its version and exports (a cross build under qemu-user with the arm64
 * Node of scripts/arm64-node.js, when both are here), and on Linux checked to depend on no shared
 * OpenBLAS or Fortran runtime and to need no newer glibc / libstdc++ than package.json's
 * binary.glibc / binary.glibcxx (what the loader and docs/building.md promise).
 *
 * Every platform builds its own binary on a machine of that platform, except linux-arm64, which
 * is cross-compiled on linux-x64 (docs/building.md):
 *
 *   linux-x64, linux-arm64 (Debian 12 / Ubuntu 22.04 or newer: glibc >= 2.34 and GCC 12's libstdc++):
 *     apt-get install -y g++ cmake libopenblas-dev && npm ci && npm run build:prebuild
 *     (Debian's libopenblas.a is position-independent, DYNAMIC_ARCH, and has no Fortran
 *     dependency, so it links straight into the shared object.)
 *   linux-arm64 from linux-x64 (Debian 12), with cmake/linux-arm64.toolchain.cmake:
 *     dpkg --add-architecture arm64 && apt-get update
 *     apt-get install -y g++-aarch64-linux-gnu libopenblas-dev:arm64
 *     npm run build:prebuild -- --arch arm64
 *   macOS (arm64 or x64): Homebrew's libopenblas.a needs the gfortran runtime, so build a
 *     Fortran-free static OpenBLAS once and point the build at it:
 *       brew install cmake
 *       git clone --depth 1 --branch v0.3.28 https://github.com/OpenMathLib/OpenBLAS && cd OpenBLAS
 *       make NOFORTRAN=1 NO_LAPACK=1 DYNAMIC_ARCH=1 USE_OPENMP=0 NO_SHARED=1
 *       make NOFORTRAN=1 NO_LAPACK=1 NO_SHARED=1 PREFIX=$HOME/openblas-static install
 *       cd <blasnet> && npm ci && npm run build:prebuild -- \
 *         --openblas-lib $HOME/openblas-static/lib/libopenblas.a --openblas-include $HOME/openblas-static/include
 *   Windows (x64, Visual Studio 2022 with "Desktop development with C++", CMake):
 *       vcpkg install openblas:x64-windows-static-md
 *       npm ci && npm run build:prebuild -- --openblas-lib <vcpkg>\installed\x64-windows-static-md\lib\openblas.lib
 *         --openblas-include <vcpkg>\installed\x64-windows-static-md\include\openblas
 *
 * Then copy each prebuilds/<platform>-<arch>/ directory into prebuilds/ of the machine that runs
 * `npm publish` (the `prepack` hook rebuilds only that machine's own platform).
 *
 * Options:
 *   --openblas-lib <file>      the static OpenBLAS library (default: found by CMake: libopenblas.a)
 *   --openblas-include <dir>   the directory holding its cblas.h (default: found by CMake)
 *   --arch <arch>              the target architecture (default: this machine's); only arm64 on
 *                              linux-x64 is a cross build
 *   --build-dir <dir>          the build directory (default: build-prebuild, or
 *                              build-prebuild-<arch> for a cross build)
 *   --out-dir <dir>            where prebuilds/ is (default: this package's prebuilds/; the
 *                              packaging test writes into its staging copy instead)
 *   --no-strip                 keep the symbols
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { prebuildRelative, runtimeLibc } = require('./prebuild-target');
const { emulated } = require('./arm64-node');

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

function fail(message) {
  console.error(`prebuild: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const options = {
    openblasLib: null,
    openblasInclude: null,
    arch: process.arch,
    buildDir: null,
    outDir: path.join(root, 'prebuilds'),
    strip: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--openblas-lib') options.openblasLib = path.resolve(value());
    else if (arg === '--openblas-include') options.openblasInclude = path.resolve(value());
    else if (arg === '--arch') options.arch = value();
    else if (arg === '--build-dir') options.buildDir = value();
    else if (arg === '--out-dir') options.outDir = path.resolve(value());
    else if (arg === '--no-strip') options.strip = false;
    else if (arg === '--help' || arg === '-h') {
      console.log(
        'usage: node scripts/prebuild.js [--arch <arch>] [--openblas-lib <file>] [--openblas-include <dir>] [--build-dir <dir>] [--out-dir <dir>] [--no-strip]',
      );
      console.log(
        'Per-platform instructions: the comment at the top of scripts/prebuild.js, and docs/install.md.',
      );
      process.exit(0);
    } else fail(`unknown option ${arg} (see --help)`);
  }
  return options;
}

function run(command, args, what) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) fail(`${what} could not start: ${result.error.message}`);
  if (result.status !== 0) fail(`${what} failed (exit ${result.status}); see the output above`);
  return (Date.now() - started) / 1000;
}

/** Compares dotted version strings numerically: '2.34' > '2.4'. */
function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function capture(command, args) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  return result.status === 0 ? result.stdout : null;
}

const options = parseArgs(process.argv.slice(2));
// A cross build: only linux-x64 → linux-arm64 (Debian multiarch, cmake/linux-arm64.toolchain.cmake).
const cross = options.arch !== process.arch;
if (cross && !(process.platform === 'linux' && process.arch === 'x64' && options.arch === 'arm64'))
  fail(
    `cannot build for ${process.platform}-${options.arch} here: only linux-x64 → linux-arm64 cross-compiles; build on that platform`,
  );
const target = `${process.platform}-${options.arch}`;
const libc = cross ? 'glibc' : runtimeLibc();
const buildDir = path.resolve(
  root,
  options.buildDir ?? (cross ? `build-prebuild-${options.arch}` : 'build-prebuild'),
);
const outRelative = prebuildRelative(process.platform, options.arch, libc);
const outFile = path.join(options.outDir, path.relative('prebuilds', outRelative));
const crossTool = (tool) => (cross ? `aarch64-linux-gnu-${tool}` : tool);
const started = Date.now();
let cmakeJs;
try {
  cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
} catch {
  fail('cmake-js is not installed; run `npm ci` first');
}

// 1. Configure (every time: cheap when nothing changed, and it makes sure this directory is
//    configured for the static link even if it was created some other way), then build.
const defines = ['--CDBLASNET_STATIC_OPENBLAS=ON', '--CDCMAKE_BUILD_TYPE=Release'];
if (cross) {
  if (!capture('aarch64-linux-gnu-g++', ['--version']))
    fail(
      'no aarch64-linux-gnu-g++: apt-get install -y g++-aarch64-linux-gnu libopenblas-dev:arm64 (after dpkg --add-architecture arm64)',
    );
  defines.push(
    `--CDCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake', 'linux-arm64.toolchain.cmake')}`,
  );
}
if (options.openblasLib) defines.push(`--CDOPENBLAS_STATIC_LIBRARY=${options.openblasLib}`);
if (options.openblasInclude)
  defines.push(`--CDOPENBLAS_CBLAS_INCLUDE_DIR=${options.openblasInclude}`);
console.log(
  `prebuild: blasnet ${pkg.version} for ${target} (N-API ${pkg.binary.napi_versions.join(', ')}), in ${path.relative(root, buildDir)}/`,
);
const configureSeconds = run(
  process.execPath,
  [
    cmakeJs,
    'configure',
    '--out',
    buildDir,
    '--arch',
    options.arch,
    ...defines,
    '--log-level',
    'warn',
  ],
  'cmake-js configure',
);
const buildSeconds = run(
  process.execPath,
  [cmakeJs, 'build', '--out', buildDir, '--arch', options.arch, '--log-level', 'warn'],
  'cmake-js build',
);

const built = [
  path.join(buildDir, 'Release', 'blasnet.node'),
  path.join(buildDir, 'blasnet.node'),
].find((f) => fs.existsSync(f));
if (!built) fail(`the build finished but no blasnet.node is in ${buildDir}/Release`);

// 2. Copy it next to the package (through a temporary name, so a half-written binary is never
//    loadable) and strip it.
fs.mkdirSync(path.dirname(outFile), { recursive: true });
const tmpFile = `${outFile}.tmp-${process.pid}`;
fs.copyFileSync(built, tmpFile);
if (options.strip && process.platform !== 'win32') {
  // --strip-unneeded keeps the dynamic symbol table the loader needs (GNU strip); -x on macOS.
  const stripArgs = process.platform === 'darwin' ? ['-x', tmpFile] : ['--strip-unneeded', tmpFile];
  run(crossTool('strip'), stripArgs, 'strip');
}
fs.renameSync(tmpFile, outFile);

// 3. Check it: it loads in a fresh Node, reports this package's version and the exports the
//    loader requires, and runs sgemm.
const check = `
  const addon = require(${JSON.stringify(outFile)});
  const c = new Float32Array(4);
  addon.sgemm(false, false, 2, 2, 1, 1, new Float32Array([1, 2]), new Float32Array([3, 4]), 0, c);
  if (c.join() !== '3,4,6,8') throw new Error('sgemm gave ' + c.join());
  console.log(JSON.stringify({ version: addon.version, info: addon.info(), trainBatch: typeof addon.trainBatch }));
`;
// A cross build loads under qemu-user with the official arm64 Node (scripts/arm64-node.js), when
// the emulator is installed; else the check is skipped, and said so.
const runner = cross ? emulated(['-e', check]) : [process.execPath, ['-e', check]];
let report = null;
if (typeof runner === 'string') {
  console.log(`prebuild: ${outFile} not loaded: ${runner}`);
} else {
  const checked = spawnSync(runner[0], runner[1], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, LD_LIBRARY_PATH: '' },
  });
  if (checked.status !== 0) fail(`${outFile} does not load:\n${checked.stderr}`);
  report = JSON.parse(checked.stdout.trim().split('\n').pop());
  if (report.version !== pkg.version)
    fail(`${outFile} reports version ${report.version}, expected ${pkg.version}`);
  if (report.trainBatch !== 'function') fail(`${outFile} does not export trainBatch`);
}

// 4. It must not depend on a shared OpenBLAS (or the Fortran runtime a LAPACK build drags in).
let needed = null;
if (process.platform === 'linux') {
  const dynamic = capture('readelf', ['-d', outFile]);
  if (dynamic)
    needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
} else if (process.platform === 'darwin') {
  const libs = capture('otool', ['-L', outFile]);
  if (libs)
    needed = libs
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(' ')[0])
      .filter(Boolean);
}
if (needed) {
  const bad = needed.filter((lib) => /openblas|gfortran|quadmath|lapack|libblas/i.test(lib));
  if (bad.length > 0)
    fail(`${outFile} depends on ${bad.join(', ')}: OpenBLAS was not linked statically`);
}

// 5. On glibc: the newest symbol versions it needs must be no newer than what package.json's
//    binary.glibc / binary.glibcxx promise (the loader checks glibc against it; docs/building.md).
let runtimes = '';
if (process.platform === 'linux' && libc === 'glibc') {
  const versions = capture('readelf', ['-V', '-W', outFile]) ?? fail('readelf -V failed');
  const newest = (prefix) =>
    [...versions.matchAll(new RegExp(`Name: ${prefix}_([0-9.]+)`, 'g'))]
      .map((m) => m[1])
      .sort(compareVersions)
      .pop();
  const glibc = newest('GLIBC');
  const glibcxx = newest('GLIBCXX');
  for (const [what, got, promised] of [
    ['glibc', glibc, pkg.binary.glibc],
    ['libstdc++ (GLIBCXX)', glibcxx, pkg.binary.glibcxx],
  ]) {
    if (got && compareVersions(got, promised) > 0)
      fail(
        `${outFile} needs ${what} ${got}, newer than package.json's binary promises (${promised})`,
      );
  }
  runtimes = `  needs glibc ${glibc}, libstdc++ GLIBCXX_${glibcxx} (package.json binary: ${pkg.binary.glibc}, ${pkg.binary.glibcxx})\n`;
  const machine = /Machine:\s+(.*)/.exec(capture('readelf', ['-h', outFile]) ?? '')?.[1];
  const expected = { x64: 'Advanced Micro Devices X86-64', arm64: 'AArch64' }[options.arch];
  if (expected && machine?.trim() !== expected)
    fail(`${outFile} is built for ${machine}, not ${options.arch}`);
}

const size = fs.statSync(outFile).size;
console.log(
  `prebuild: wrote ${outFile.startsWith(root + path.sep) ? path.relative(root, outFile) : outFile} (${(size / 1048576).toFixed(1)} MiB${options.strip ? ', stripped' : ''})\n` +
    (report
      ? `  version ${report.version}; ${report.info.blas}; ${report.info.threads} thread(s)\n`
      : '') +
    (needed ? `  needs only: ${needed.join(', ')}\n` : '') +
    runtimes +
    `  configure ${configureSeconds.toFixed(1)} s, build ${buildSeconds.toFixed(1)} s, total ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
if (
  !cross &&
  outFile === path.join(root, outRelative) &&
  fs.existsSync(path.join(root, 'build', 'Release', 'blasnet.node'))
) {
  console.log(
    `prebuild: note: the loader tries prebuilds/ before build/Release, so this checkout now runs this binary; ` +
      `delete prebuilds/${target}/ when done packing, or native changes rebuilt into build/Release will not be seen.`,
  );
}
