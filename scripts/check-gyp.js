#!/usr/bin/env node

// Checks that binding.gyp still builds: cmake-js is the default build, so without this nothing
// would notice when the node-gyp route rots. It copies binding.gyp, package.json and native/
// into a scratch directory (the real build/ is never touched), links node_modules, runs
// `node-gyp rebuild -j 2` there, loads the binary and runs one small sgemm.
//
//   node scripts/check-gyp.js [--keep]     (--keep leaves the scratch directory for inspection)
//
// Offline: when this Node's own headers are installed next to it (<prefix>/include/node, as
// Debian's nodejs and the official tarballs have), node-gyp is pointed at them with --nodedir
// instead of downloading a header tarball.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const keep = process.argv.includes('--keep');

function step(message) {
  console.log(`check-gyp: ${message}`);
}

function fail(message) {
  console.error(`check-gyp: FAILED: ${message}`);
  process.exitCode = 1;
}

function nodeGypScript() {
  return require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
}

/** `--nodedir=<prefix>` when this Node's headers sit beside it, else nothing (node-gyp downloads). */
function nodedirArgs() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi'))
    ? [`--nodedir=${prefix}`]
    : [];
}

function prepare(dir) {
  for (const file of ['binding.gyp', 'package.json'])
    fs.copyFileSync(path.join(root, file), path.join(dir, file));
  fs.cpSync(path.join(root, 'native'), path.join(dir, 'native'), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
}

function build(dir) {
  const args = [nodeGypScript(), 'rebuild', '-j', '2', ...nodedirArgs()];
  step(`running node ${args.map((a) => path.relative(root, a) || a).join(' ')} in ${dir}`);
  const result = spawnSync(process.execPath, args, { cwd: dir, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status === 0;
}

/** C = A·B for A = [[1, 2, 3], [4, 5, 6]] and B = [[7, 8], [9, 10], [11, 12]]. */
function smoke(addon) {
  const expectedVersion = JSON.parse(
    fs.readFileSync(path.join(root, 'package.json'), 'utf8'),
  ).version;
  if (addon.version !== expectedVersion) {
    fail(`the binary reports version ${addon.version}, package.json says ${expectedVersion}`);
    return;
  }
  const a = new Float32Array([1, 2, 3, 4, 5, 6]);
  const b = new Float32Array([7, 8, 9, 10, 11, 12]);
  const c = new Float32Array(4).fill(Number.NaN); // beta = 0 must overwrite the NaNs
  addon.sgemm(false, false, 2, 2, 3, 1, a, b, 0, c);
  const expected = [58, 64, 139, 154];
  if (!expected.every((v, i) => c[i] === v)) {
    fail(`sgemm gave [${Array.from(c).join(', ')}], expected [${expected.join(', ')}]`);
    return;
  }
  step(`sgemm [2x3]·[3x2] = [${Array.from(c).join(', ')}] as expected`);
  step(`version ${addon.version}, ${addon.info().blas}, ${addon.info().threads} thread(s)`);
}

function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-gyp-'));
  try {
    prepare(dir);
    step(`copied binding.gyp, package.json and native/ into ${dir}`);
    if (!build(dir)) {
      fail('node-gyp rebuild failed (see its output above)');
      return;
    }
    const binary = path.join(dir, 'build', 'Release', 'blasnet.node');
    step(`loading ${binary}`);
    smoke(require(binary));
    if (!process.exitCode) step('OK: binding.gyp builds a working addon');
  } catch (error) {
    fail(error instanceof Error ? (error.stack ?? error.message) : String(error));
  } finally {
    if (keep) step(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
