#!/usr/bin/env bash
# Packaging test: what a user gets from `npm install blasnet`.
#
#   npm run test:pack        (CI runs it from .ci/run)
#
# 1. Packs what `npm pack` would, from a staging copy of the package, so the working tree is
#    never touched (its dist/ and prebuilds/ stay as they are: a checkout keeps loading its own
#    build/Release): the files `npm pack` lists from the tree, a fresh dist/ (tsc), and the static
#    prebuild (scripts/prebuild.js --out-dir). Then checks the tarball's contents: dist/, the
#    prebuild, native/ sources with CMakeLists.txt and binding.gyp, data/, README, LICENSE; never
#    test/, bench/, build/, lib/ or source maps, and no shipped .js names a source map that is
#    not shipped (a dangling sourceMappingURL).
# 2. Installs the tarball into empty temporary projects, with a PATH holding only node, npm and
#    a few coreutils (no cc, g++, cmake, make), with LD_LIBRARY_PATH cleared and no LD_PRELOAD:
#      a. `npm install --ignore-scripts`  → native, from the prebuild
#      b. `npm install` (install script)  → native, from the prebuild; no compile attempted
#      c. the same tarball without prebuilds/, with scripts → installs fine, runs on js, says why;
#         BLASNET_BACKEND=native then throws one error listing what was tried and how to fix it
#    and in each trains XOR 2-3-1 and 500 bundled MNIST digits, checking backend() and, on
#    Linux, that no libopenblas is mapped into the process (/proc/self/maps) and that `ldd`
#    of the installed binary lists no libopenblas.
# BLASNET_PACK_SOURCE_BUILD=1 adds d.: the tarball without prebuilds/, installed with the full
# PATH, must build itself from source at install time and run natively (about 30 to 40 s more,
# so CI leaves it out). cmake-js is no dependency: the install script fetches the pinned one
# with `npm exec` (from npm's cache or the registry).
# Linux arm64 too, on linux-x64 with the cross compiler (required with BLASNET_PACK_ARM64=1, as
# in CI): the tarball also carries prebuilds/linux-arm64/blasnet.glibc.node, cross-compiled into
# the staging copy, and e. runs the installed package of b. (its install script, then XOR and
# the digits) in the official arm64 Node under qemu-aarch64-static (scripts/arm64-node.js).
# Every install must leave cmake-js out of node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."

PLATFORM=$(node -p 'process.platform + "-" + process.arch')
PREBUILD=$(node -p 'const t = require("./scripts/prebuild-target"); t.prebuildRelative(process.platform, process.arch, t.runtimeLibc())')
ARM64=0
if [[ $PLATFORM == linux-x64 ]] && command -v aarch64-linux-gnu-g++ >/dev/null; then
  ARM64=1
elif [[ ${BLASNET_PACK_ARM64:-0} == 1 ]]; then
  echo "pack-test: FAILED: BLASNET_PACK_ARM64=1 needs linux-x64 and aarch64-linux-gnu-g++" >&2
  exit 1
fi
ARM64_PREBUILD=prebuilds/linux-arm64/blasnet.glibc.node
WORK=$(mktemp -d "${TMPDIR:-/tmp}/blasnet-pack.XXXXXX")
STAGE="$WORK/stage"
trap 'rm -rf "$WORK"' EXIT

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
T0=$(date +%s.%N)
TIMINGS=()
STEP_NAME=""
STEP_T0=$T0
step() {
  local now
  now=$(date +%s.%N)
  if [[ -n $STEP_NAME ]]; then TIMINGS+=("$(printf '%6s s  %s' "$(elapsed "$STEP_T0" "$now")" "$STEP_NAME")"); fi
  STEP_NAME=$1
  STEP_T0=$now
  [[ -n $1 ]] && echo "== pack-test: $1"
  return 0
}
fail() {
  echo "pack-test: FAILED: $*" >&2
  exit 1
}

# ---- 1. build and pack --------------------------------------------------------------------------
step "stage the package's files"
# What `npm pack` takes from the tree (by package.json "files"), less dist/ and this platform's
# prebuild, which are built fresh below. Other platforms' prebuilds/ (a publishing job puts them
# there) are kept. The ignore files come along, so the staged pack follows the same rules.
npm pack --dry-run --json --ignore-scripts >"$WORK/tree.json"
node -e '
  const fs = require("fs"), path = require("path");
  const [info] = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const skip = (f) => f.startsWith("dist/") || f.startsWith(`prebuilds/${process.argv[3]}/`) ||
    (process.argv[4] === "1" && f.startsWith("prebuilds/linux-arm64/"));
  for (const f of [...info.files.map((e) => e.path), ".gitignore", ".npmignore"]) {
    if (skip(f) || !fs.existsSync(f)) continue;
    fs.mkdirSync(path.dirname(path.join(process.argv[2], f)), { recursive: true });
    fs.copyFileSync(f, path.join(process.argv[2], f));
  }
' "$WORK/tree.json" "$STAGE" "$PLATFORM" "$ARM64"

step "TypeScript build (a clean dist/) and the browser bundle"
npx --no-install tsc -p tsconfig.json --outDir "$STAGE/dist"
# The browser bundle, as prepack builds it (served as blasnet/browser).
node scripts/build-browser.js --outfile "$STAGE/dist/browser/blasnet.mjs"

step "prebuild ($PREBUILD)"
node scripts/prebuild.js --out-dir "$STAGE/prebuilds"

if [[ $ARM64 == 1 ]]; then
  step "cross-compiled prebuild ($ARM64_PREBUILD)"
  node scripts/prebuild.js --arch arm64 --out-dir "$STAGE/prebuilds"
fi

step "npm pack"
(cd "$STAGE" && npm pack --ignore-scripts --json --pack-destination "$WORK" >"$WORK/pack.json")
TARBALL=$(node -e '
  const [info] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const fs = require("fs"), path = require("path");
  const files = info.files.map((f) => f.path);
  const has = (p) => files.includes(p);
  const problems = [];
  for (const p of ["package.json", "dist/index.js", "dist/index.d.ts", "dist/backend/native/addon.js", "dist/data/mnist.js",
                   process.argv[2], "CMakeLists.txt", "binding.gyp", "scripts/install.js", "scripts/prebuild-target.js",
                   ...(process.argv[3] === "1" ? [process.argv[4]] : [])]) if (!has(p)) problems.push(`missing ${p}`);
  for (const dir of ["native/core/", "native/binding/", "data/mnist-bundled/"])
    if (!files.some((f) => f.startsWith(dir))) problems.push(`missing ${dir}`);
  if (fs.existsSync("README.md") && !has("README.md")) problems.push("missing README.md");
  if (!has("LICENSE")) problems.push("missing LICENSE");
  if (!has("dist/browser/blasnet.mjs")) problems.push("missing dist/browser/blasnet.mjs (the browser bundle)");
  for (const f of files)
    if (/^(test|bench|build|build-[^/]*|lib|examples|node_modules|\.ci)\//.test(f) || f.endsWith(".map") || f.endsWith(".tgz"))
      problems.push(`must not ship ${f}`);
  const mib = (n) => (n / 1048576).toFixed(2) + " MiB";
  const sizeOf = (p) => info.files.filter((f) => f.path.startsWith(p)).reduce((s, f) => s + f.size, 0);
  console.error(`tarball ${info.filename}: ${mib(info.size)} packed, ${mib(info.unpackedSize)} unpacked, ${info.entryCount} files`);
  console.error(`  of which (unpacked) prebuilds/ ${mib(sizeOf("prebuilds/"))}, data/ ${mib(sizeOf("data/"))}, dist/ ${mib(sizeOf("dist/"))}, native/ ${mib(sizeOf("native/"))}`);
  if (problems.length) { console.error(problems.map((p) => "  - " + p).join("\n")); process.exit(1); }
  console.log(path.join(path.dirname(process.argv[1]), info.filename));
' "$WORK/pack.json" "$PREBUILD" "$ARM64" "$ARM64_PREBUILD") || fail "the tarball's contents are wrong (see above)"

# No shipped .js may point at a source map that is not shipped beside it (a debugger or a
# bundler then warns, or fetches a 404): read every .js in the tarball itself.
step "no dangling sourceMappingURL in the tarball"
mkdir -p "$WORK/contents"
tar -xzf "$TARBALL" -C "$WORK/contents"
node -e '
  const fs = require("fs"), path = require("path");
  const root = path.join(process.argv[1], "package");
  const problems = [];
  let checked = 0;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) walk(file);
      else if (/\.(c|m)?js$/.test(e.name)) {
        checked++;
        const m = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(fs.readFileSync(file, "utf8"));
        if (m && !m[1].startsWith("data:") && !fs.existsSync(path.resolve(dir, m[1])))
          problems.push(`${path.relative(root, file)} points at ${m[1]}, which is not shipped`);
      }
    }
  };
  walk(root);
  if (!fs.existsSync(path.join(root, "LICENSE"))) problems.push("no LICENSE in the tarball");
  console.log(`${checked} .js files checked: ${problems.length} dangling sourceMappingURL`);
  if (problems.length) { console.error(problems.slice(0, 20).map((p) => "  - " + p).join("\n")); process.exit(1); }
' "$WORK/contents" || fail "the tarball ships a .js whose source map is missing"

# The same package without its prebuild: what a user on a platform without one gets.
mkdir -p "$WORK/repack"
tar -xzf "$TARBALL" -C "$WORK/repack"
rm -rf "$WORK/repack/package/prebuilds"
NOPREBUILD="$WORK/blasnet-noprebuild.tgz"
tar -czf "$NOPREBUILD" -C "$WORK/repack" package

# ---- 2. a PATH without a toolchain ------------------------------------------------------------
step "restricted PATH"
BIN="$WORK/bin"
mkdir -p "$BIN"
ln -s "$(command -v node)" "$BIN/node"
ln -s "$(command -v npm)" "$BIN/npm"
for tool in sh bash env cat ls mkdir rm cp mv ln chmod uname sed grep dirname basename readlink; do
  if path=$(command -v "$tool"); then ln -sf "$path" "$BIN/$tool"; fi
done
# The emulator for e. (not a toolchain).
if [[ $ARM64 == 1 ]] && path=$(command -v qemu-aarch64-static); then ln -s "$path" "$BIN/qemu-aarch64-static"; fi
if found=$(env -i PATH="$BIN" sh -c 'for t in cc gcc g++ c++ clang cmake make ninja; do command -v $t; done'); then
  [[ -z $found ]] || fail "the restricted PATH still finds a toolchain: $found"
fi
echo "PATH=$BIN: node, npm and coreutils only (no cc, g++, cmake, make)"

# Run a command with only the restricted PATH: no LD_LIBRARY_PATH, no LD_PRELOAD, no CC/CXX.
# HOME stays, for npm's cache and registry settings (dependencies come from the cache when they
# can); so do OPENBLAS_* tuning variables (e.g. OPENBLAS_CORETYPE on a VM whose CPUID misleads).
mapfile -t OPENBLAS_VARS < <(env | grep -E '^OPENBLAS_[A-Z0-9_]*=' || true)
restricted() {
  env -i PATH="$BIN" HOME="$HOME" LD_LIBRARY_PATH= TMPDIR="${TMPDIR:-/tmp}" "${OPENBLAS_VARS[@]}" \
    ${HTTPS_PROXY:+HTTPS_PROXY="$HTTPS_PROXY"} ${https_proxy:+https_proxy="$https_proxy"} \
    ${HTTP_PROXY:+HTTP_PROXY="$HTTP_PROXY"} ${http_proxy:+http_proxy="$http_proxy"} \
    ${NO_PROXY:+NO_PROXY="$NO_PROXY"} ${no_proxy:+no_proxy="$no_proxy"} \
    "$@"
}

# Trains XOR 2-3-1 and 500 bundled MNIST digits from the installed package, and checks where
# the backend came from. Argument: "native" (must run on the prebuild), "js" (no binary at all)
# or "source" (a build/Release made at install time).
cat >"$WORK/verify.js" <<'EOF'
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const expect = process.argv[2];
const blasnet = require('blasnet');
const { loadMnist } = blasnet;
const pkgDir = fs.realpathSync(path.dirname(require.resolve('blasnet/package.json')));
const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };

const report = blasnet.backend();
// XOR, 2-3-1: four examples, full batch.
const x = new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]);
const labels = new Uint8Array([0, 1, 1, 0]);
const xor = new blasnet.Network({ sizes: [2, 3, 1], activations: 'sigmoid', seed: 3 });
const xorFit = blasnet.fitSync(xor, { x, y: Float32Array.from(labels), labels }, { epochs: 2000, batchSize: 4, learningRate: 5 });
const xorAccuracy = xorFit.history.at(-1).accuracy;
check(xorAccuracy === 1, `XOR accuracy ${xorAccuracy}, expected 1`);
// 500 bundled MNIST digits, 784-30-10, tested on 500 others.
const mnist = loadMnist();
const oneHot = (set, n) => {
  const y = new Float32Array(n * mnist.classes);
  for (let i = 0; i < n; i++) y[i * mnist.classes + set.labels[i]] = 1;
  return { x: set.images.subarray(0, n * mnist.inputSize), y, labels: set.labels.subarray(0, n) };
};
const net = new blasnet.Network({ sizes: [mnist.inputSize, 30, mnist.classes], seed: 1 });
blasnet.fitSync(net, oneHot(mnist.train, 500), { epochs: 10, batchSize: 10, learningRate: 3 });
const mnistAccuracy = blasnet.evaluate(net, oneHot(mnist.test, 500)).accuracy;
check(mnistAccuracy > 0.75, `MNIST accuracy ${mnistAccuracy}, expected > 0.75`);

const maps = process.platform === 'linux' ? fs.readFileSync('/proc/self/maps', 'utf8').split('\n') : [];
const mapped = (re) => [...new Set(maps.filter((l) => re.test(l)).map((l) => l.slice(l.indexOf('/'))))];
const openblasMapped = mapped(/libopenblas|libgfortran/);
const addonMapped = mapped(/blasnet(\.[a-z]+)?\.node/);
const target = require(path.join(pkgDir, 'scripts', 'prebuild-target.js'));
const prebuild = path.join(pkgDir, target.prebuildRelative(process.platform, process.arch, target.runtimeLibc()));
check(!fs.existsSync(path.join(path.dirname(require.resolve('blasnet/package.json')), '..', 'cmake-js')), 'cmake-js was installed into node_modules');

check(report.name === (expect === 'source' ? 'native' : expect), `backend ${report.name}, expected ${expect}`);
if (expect === 'source') {
  const local = path.join(pkgDir, 'build', 'Release', 'blasnet.node');
  check(report.binary === local, `binary ${report.binary}, expected the local build ${local}`);
} else if (expect === 'native') {
  check(report.binary === prebuild, `binary ${report.binary}, expected the prebuild ${prebuild}`);
  if (process.platform === 'linux') check(addonMapped.length === 1 && addonMapped[0] === prebuild, `mapped addons: ${addonMapped.join(', ')}`);
} else {
  check(/not found/.test(report.fallbackReason || ''), `fallbackReason should say "not found": ${report.fallbackReason}`);
  check(addonMapped.length === 0, `mapped addons: ${addonMapped.join(', ')}`);
}
if (expect !== 'source') check(openblasMapped.length === 0, `a shared OpenBLAS is mapped: ${openblasMapped.join(', ')}`);

// The exports map: the main entry and package.json resolve; deep paths into dist/ do not.
let deep = 'resolved';
try {
  require.resolve('blasnet/dist/data');
} catch (error) {
  deep = error.code;
}
check(deep === 'ERR_PACKAGE_PATH_NOT_EXPORTED', `require.resolve('blasnet/dist/data'): ${deep}, expected ERR_PACKAGE_PATH_NOT_EXPORTED`);

console.log(JSON.stringify({ backend: report, xorAccuracy, mnistAccuracy, openblasMapped, addonMapped }, null, 2));
if (problems.length) {
  console.error(problems.map((p) => '  - ' + p).join('\n'));
  process.exit(1);
}
EOF

# Asks for native where none can load: must throw ERR_BLASNET_NATIVE listing every candidate and the fix.
cat >"$WORK/force-native.js" <<'EOF'
'use strict';
try {
  require('blasnet').backend();
  console.error('BLASNET_BACKEND=native did not throw');
  process.exit(1);
} catch (error) {
  const m = error.message;
  const ok = error.code === 'ERR_BLASNET_NATIVE' && /prebuilds\/.*blasnet\.(glibc\.)?node: not found/.test(m) &&
    /build\/Release\/blasnet\.node: not found/.test(m) && /libopenblas-dev/.test(m) && /npm rebuild blasnet/.test(m);
  console.log(m);
  process.exit(ok ? 0 : 1);
}
EOF

# install <name> <tarball> [npm install flags...]: a fresh project with the tarball installed.
install_into() {
  local name=$1 tarball=$2
  shift 2
  local app="$WORK/$name"
  mkdir -p "$app"
  printf '{ "name": "%s", "version": "1.0.0", "private": true }\n' "$name" >"$app/package.json"
  cp "$WORK/verify.js" "$WORK/force-native.js" "$app/"  # require('blasnet') resolves from the script's directory
  (cd "$app" && restricted npm install --prefer-offline --no-audit --no-fund --loglevel=error "$@" "$tarball" >"$app/install.log" 2>&1) ||
    { cat "$app/install.log"; fail "npm install $* failed in $name"; }
  [[ ! -e $app/node_modules/cmake-js ]] || fail "installing the tarball brought cmake-js into $name/node_modules"
}

# ---- 3. install and run ---------------------------------------------------------------------
step "a. npm install --ignore-scripts, then train"
install_into ignore-scripts "$TARBALL" --ignore-scripts
(cd "$WORK/ignore-scripts" && restricted BLASNET_BACKEND=native node verify.js native) || fail "ignore-scripts install does not run natively"

step "b. npm install (install script), then train"
install_into with-scripts "$TARBALL" --foreground-scripts
cat "$WORK/with-scripts/install.log"
grep -q "using the prebuilt binary" "$WORK/with-scripts/install.log" || fail "the install script did not pick the prebuild"
[[ ! -e "$WORK/with-scripts/node_modules/blasnet/build" ]] || fail "the install script built from source although a prebuild loads"
(cd "$WORK/with-scripts" && restricted BLASNET_BACKEND=native node verify.js native) || fail "installed package does not run natively"
# The exports map serves ESM importers too, and the bin runs from node_modules/.bin.
(cd "$WORK/with-scripts" && restricted node --input-type=module -e "
  import blasnet, { Network, fitSync } from 'blasnet';
  if (typeof Network !== 'function' || typeof fitSync !== 'function' || blasnet.Network !== Network) process.exit(1);
") || fail "import from 'blasnet' (ESM) does not give the API"
# The browser bundle is served as blasnet/browser; it holds no Node built-in, so Node imports it too.
(cd "$WORK/with-scripts" && restricted node --input-type=module -e "
  import { Network, deserializeNetwork } from 'blasnet/browser';
  if (typeof Network !== 'function' || typeof deserializeNetwork !== 'function') process.exit(1);
") || fail "import from 'blasnet/browser' does not give the browser bundle's API"
(cd "$WORK/with-scripts" && restricted ./node_modules/.bin/blasnet --version) | grep -qx "$(node -p 'require("./package.json").version')" ||
  fail "the installed blasnet bin does not print the version"
if [[ $(uname -s) == Linux ]]; then
  INSTALLED="$WORK/with-scripts/node_modules/blasnet/$PREBUILD"
  echo "ldd $INSTALLED"
  LD_LIBRARY_PATH= ldd "$INSTALLED" | tee "$WORK/ldd.txt"
  ! grep -qiE "openblas|gfortran|not found" "$WORK/ldd.txt" || fail "the installed binary needs a shared OpenBLAS (or a missing library)"
fi

step "c. tarball without prebuilds/ (scripts on, no toolchain), then train on js"
install_into no-prebuild "$NOPREBUILD" --foreground-scripts
cat "$WORK/no-prebuild/install.log"
grep -q "no prebuilt binary for $PLATFORM" "$WORK/no-prebuild/install.log" || fail "the install script did not explain the missing prebuild"
(cd "$WORK/no-prebuild" && restricted node verify.js js 2>"$WORK/no-prebuild/stderr.log") || { cat "$WORK/no-prebuild/stderr.log"; fail "the package without a prebuild does not run on js"; }
grep "the native backend is unavailable" "$WORK/no-prebuild/stderr.log" || fail "no one-line fallback notice"
(cd "$WORK/no-prebuild" && restricted BLASNET_BACKEND=native node force-native.js) || fail "BLASNET_BACKEND=native without a binary does not give the one helpful error"

if [[ $ARM64 == 1 ]]; then
  step "e. linux-arm64 under qemu: the installed package of b., its install script, then train"
  ARM64_RUN=$(node -p 'const r = require("./scripts/arm64-node").emulated([]); typeof r === "string" ? "" : [r[0], ...r[1]].join(" ")')
  [[ -n $ARM64_RUN ]] || fail "no emulator for the arm64 test: $(node -p 'require("./scripts/arm64-node").emulated([])')"
  (cd "$WORK/with-scripts" && restricted $ARM64_RUN node_modules/blasnet/scripts/install.js) | tee "$WORK/arm64-install.log"
  grep -q "using the prebuilt binary $ARM64_PREBUILD" "$WORK/arm64-install.log" || fail "on arm64 the install script did not pick $ARM64_PREBUILD"
  (cd "$WORK/with-scripts" && restricted BLASNET_BACKEND=native $ARM64_RUN verify.js native) | tee "$WORK/arm64-verify.log" ||
    fail "the installed package does not run natively on linux-arm64 under qemu"
  grep -q '"blas": "OpenBLAS' "$WORK/arm64-verify.log" || fail "on arm64 backend() did not report OpenBLAS"
fi

if [[ ${BLASNET_PACK_SOURCE_BUILD:-0} == 1 ]]; then
  step "d. tarball without prebuilds/, full PATH (toolchain and OpenBLAS): built from source at install"
  app="$WORK/source-build"
  mkdir -p "$app"
  printf '{ "name": "source-build", "version": "1.0.0", "private": true }\n' >"$app/package.json"
  cp "$WORK/verify.js" "$app/"
  (cd "$app" && npm install --prefer-offline --no-audit --no-fund --loglevel=error --foreground-scripts "$NOPREBUILD" >"$app/install.log" 2>&1) ||
    { cat "$app/install.log"; fail "npm install with a toolchain failed"; }
  grep "^blasnet:" "$app/install.log"
  grep -q "building the native addon from source" "$app/install.log" || fail "the install script did not build from source"
  (cd "$app" && BLASNET_BACKEND=native node verify.js source) || fail "the source build does not run natively"
fi

step ""
echo "== pack-test: passed"
printf '%s\n' "${TIMINGS[@]}"
printf '%6s s  total\n' "$(elapsed "$T0" "$(date +%s.%N)")"
node -e '
  const [i] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tarball: ${i.filename}, size ${i.size} bytes (${(i.size / 1048576).toFixed(2)} MiB), unpackedSize ${i.unpackedSize} bytes (${(i.unpackedSize / 1048576).toFixed(2)} MiB)`);
' "$WORK/pack.json"
