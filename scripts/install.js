#!/usr/bin/env node

// Install step for blasnet. It never fails the install and never downloads anything:
//   1. a prebuilt binary for this platform (prebuilds/<platform>-<arch>/blasnet.node, shipped in
//      the npm package) that loads and reports this package's version: nothing to do;
//   2. otherwise, when CMake is on the PATH, build from source with cmake-js (its Node-API headers
//      come from the node-api-headers package, not from the network) → build/Release/blasnet.node;
//   3. otherwise, or when that build fails, say so in one notice: blasnet runs on its
//      pure-TypeScript backend, and the loader reports why at run time (`backend()`).
// BLASNET_SKIP_BUILD=1 skips step 2.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const target = `${process.platform}-${process.arch}`;
const prebuild = path.join(root, 'prebuilds', target, 'blasnet.node');
const HOW_TO_BUILD =
  'To get the native backend, install a C++ compiler, CMake and OpenBLAS ' +
  '(Debian/Ubuntu: apt-get install -y g++ cmake libopenblas-dev), then run `npm rebuild blasnet`.';

function packageVersion() {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** Why `file` cannot be used, or null when it loads and reports this package's version. */
function problemWith(file) {
  if (!fs.existsSync(file)) return 'not found';
  let addon;
  try {
    addon = require(file);
  } catch (error) {
    return `failed to load: ${String(error?.message).split('\n')[0]}`;
  }
  const version = packageVersion();
  if (addon.version !== version)
    return `built for blasnet ${addon.version}, but this is blasnet ${version} (a stale build)`;
  return null;
}

function onPath(command) {
  const names = process.platform === 'win32' ? [`${command}.exe`, `${command}.cmd`] : [command];
  return (process.env.PATH || '')
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => names.some((name) => fs.existsSync(path.join(dir, name))));
}

function main() {
  const prebuildProblem = problemWith(prebuild);
  if (prebuildProblem === null) {
    console.log(`blasnet: using the prebuilt binary prebuilds/${target}/blasnet.node`);
    return;
  }
  const why =
    prebuildProblem === 'not found'
      ? `no prebuilt binary for ${target}`
      : `the prebuilt binary for ${target} cannot be used (${prebuildProblem})`;

  if (process.env.BLASNET_SKIP_BUILD === '1') {
    console.log(
      `blasnet: ${why}; BLASNET_SKIP_BUILD=1, so no native build: the pure-TypeScript backend will be used.`,
    );
    return;
  }
  if (!fs.existsSync(path.join(root, 'CMakeLists.txt'))) {
    console.warn(
      `blasnet: ${why} and no sources to build from; the pure-TypeScript backend will be used.`,
    );
    return;
  }
  if (!onPath('cmake')) {
    console.warn(
      `blasnet: ${why} and CMake is not on the PATH, so the native addon is not built; the pure-TypeScript backend will be used.\n  ${HOW_TO_BUILD}`,
    );
    return;
  }
  let cmakeJs;
  try {
    cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  } catch {
    console.warn(
      `blasnet: ${why} and cmake-js is not installed; the pure-TypeScript backend will be used.\n  ${HOW_TO_BUILD}`,
    );
    return;
  }
  console.log(`blasnet: ${why}; building the native addon from source (cmake-js compile)`);
  const result = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.warn(
      `blasnet: the native build failed (see above); blasnet will run on its pure-TypeScript backend.\n  ${HOW_TO_BUILD}`,
    );
  }
}

try {
  main();
} catch (error) {
  // Never fail the install: the loader reports the real problem at run time.
  console.warn(
    `blasnet: install step skipped (${error?.message}); the loader will report at run time.`,
  );
}
process.exit(0);
