#!/usr/bin/env node
'use strict';
// Install step for blasnet. It never fails the install: when no prebuilt
// binary matches and the native build cannot run (no compiler, no cmake,
// no OpenBLAS), blasnet still works on its pure-TypeScript backend, and the
// loader says why at run time. Nothing here downloads anything.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const prebuild = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'blasnet.node');

function loads(file) {
  try {
    require(file);
    return true;
  } catch {
    return false;
  }
}

if (process.env.BLASNET_SKIP_BUILD === '1') {
  console.log('blasnet: BLASNET_SKIP_BUILD=1, skipping the native build');
  process.exit(0);
}
if (fs.existsSync(prebuild) && loads(prebuild)) {
  console.log(`blasnet: using the prebuilt binary ${path.relative(root, prebuild)}`);
  process.exit(0);
}
if (!fs.existsSync(path.join(root, 'CMakeLists.txt'))) process.exit(0);

const cmakeJs = (() => {
  try {
    return require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  } catch {
    return null;
  }
})();
if (!cmakeJs) {
  console.warn('blasnet: cmake-js is not installed; the pure-TypeScript backend will be used');
  process.exit(0);
}
const result = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.warn(
    'blasnet: the native build failed (see above); blasnet will run on its pure-TypeScript backend.\n' +
      '  To get the fast native backend: install a C++ compiler, cmake and OpenBLAS ' +
      '(Debian/Ubuntu: apt-get install -y g++ cmake libopenblas-dev), then run `npm rebuild blasnet`.',
  );
}
process.exit(0);
