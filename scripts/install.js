#!/usr/bin/env node

// Install step for blasnet. It never fails the install:
//   1. a prebuilt binary for this platform (prebuilds/<platform>-<arch>/blasnet.<libc>.node on
//      Linux, see scripts/prebuild-target.js; shipped in the npm package) that loads and reports
//      this package's version: nothing to do, nothing downloaded;
//   2. otherwise, when CMake is on the PATH, build from source with cmake-js →
//      build/Release/blasnet.node. cmake-js is a build tool, not a dependency, so users of a
//      prebuild never get it: a clone has it as a devDependency; an installed package fetches
//      exactly the devDependencies' pinned version with `npm exec` (from npm's cache, or the
//      registry) only now, when it builds. Its Node-API headers come from npm packages too;
//   3. otherwise, or when that build fails, say so in one notice: blasnet runs on its
//      pure-TypeScript backend, and the loader reports why at run time (`backend()`).
// BLASNET_SKIP_BUILD=1 skips step 2.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { prebuildRelative, runtimeLibc } = require('./prebuild-target');

const root = path.resolve(__dirname, '..');
const libc = runtimeLibc();
const target = `${process.platform}-${process.arch}${libc ? ` (${libc})` : ''}`;
const prebuildName = prebuildRelative(process.platform, process.arch, libc);
const prebuild = path.join(root, prebuildName);
const HOW_TO_BUILD =
  'To get the native backend, install a C++ compiler, CMake and OpenBLAS ' +
  `(${libc === 'musl' ? 'Alpine: apk add build-base cmake openblas-dev' : 'Debian/Ubuntu: apt-get install -y g++ cmake libopenblas-dev'}), ` +
  'then run `npm rebuild blasnet` (it fetches the build tool cmake-js with npm).';

function packageJson() {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  } catch {
    return {};
  }
}

function packageVersion() {
  return packageJson().version;
}

/**
 * How to run cmake-js: { command, args, fetched }. The local one (a clone's devDependency), else
 * `npm exec` of the exact version package.json's devDependencies pin (`fetched`), fetched only for
 * this build.
 */
function cmakeJsCommand() {
  try {
    const local = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
    return { command: process.execPath, args: [local], fetched: null };
  } catch {
    // not installed: fetch it below
  }
  const fetched = `cmake-js@${packageJson().devDependencies?.['cmake-js'] ?? '8.0.0'}`;
  const npmCli = process.env.npm_execpath;
  const [command, npmArgs] = npmCli?.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []];
  const args = [...npmArgs, 'exec', '--yes', `--package=${fetched}`, '--', 'cmake-js'];
  return { command, args, fetched };
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
    console.log(`blasnet: using the prebuilt binary ${prebuildName}`);
    return;
  }
  const why =
    prebuildProblem === 'not found'
      ? `no prebuilt binary for ${target}`
      : `the prebuilt binary ${prebuildName} cannot be used (${prebuildProblem})`;

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
  const { command, args, fetched } = cmakeJsCommand();
  console.log(
    `blasnet: ${why}; building the native addon from source (cmake-js compile${fetched ? `, with ${fetched} fetched by npm exec` : ''})`,
  );
  const result = spawnSync(command, [...args, 'compile'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.warn(
      `blasnet: the native build failed (see above${fetched ? "; fetching cmake-js needs the npm registry or its package in npm's cache" : ''}); blasnet will run on its pure-TypeScript backend.\n  ${HOW_TO_BUILD}`,
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
