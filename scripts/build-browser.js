#!/usr/bin/env node

// Builds dist/browser/blasnet.mjs: one ES module with blasnet's pure-TypeScript backend, for
// browsers (lib/browser/index.ts says what it exports). No Node built-in may end up in it:
// esbuild's browser platform fails the build on any `node:` import, and the native addon's
// loader is swapped for lib/browser/native-unavailable.ts. `BLASNET_BACKEND` is fixed to "js"
// at build time, since a browser has no `process.env`.
//
//   node scripts/build-browser.js [--outfile FILE] [--no-minify]
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');

/**
 * The plugin that keeps the native addon's loader (node:fs, require of a .node) out, and puts
 * lib/browser/util-types.ts in place of node:util.
 */
const noNative = {
  name: 'blasnet-no-native',
  setup(build) {
    build.onResolve({ filter: /\/native\/addon$/ }, () => ({
      path: path.join(root, 'lib', 'browser', 'native-unavailable.ts'),
    }));
    // Validation asks node:util's types.isProxy and friends; the browser gets brand checks.
    build.onResolve({ filter: /^node:util$/ }, () => ({
      path: path.join(root, 'lib', 'browser', 'util-types.ts'),
    }));
  },
};

/** Build the bundle; resolves to its path, size in bytes and the modules it holds. */
async function buildBrowserBundle({
  outfile = path.join(root, 'dist', 'browser', 'blasnet.mjs'),
  minify = true,
} = {}) {
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'lib', 'browser', 'index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify,
    legalComments: 'none',
    // No process object in a browser: the default backend is js, a fallback warning goes to the console.
    define: { 'process.env.BLASNET_BACKEND': '"js"', 'process.emitWarning': 'console.warn' },
    plugins: [noNative],
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs)[0];
  return { outfile, bytes: output.bytes, inputs: Object.keys(result.metafile.inputs) };
}

module.exports = { buildBrowserBundle };

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--outfile');
  buildBrowserBundle({
    outfile: at >= 0 ? path.resolve(args[at + 1]) : undefined,
    minify: !args.includes('--no-minify'),
  }).then(
    ({ outfile, bytes, inputs }) =>
      console.log(
        `${path.relative(process.cwd(), outfile)}: ${bytes} bytes from ${inputs.length} modules`,
      ),
    (error) => {
      console.error(error.message);
      process.exitCode = 1;
    },
  );
}
