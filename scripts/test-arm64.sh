#!/usr/bin/env bash
# The linux-arm64 prebuild, tested on an x86-64 Linux machine under emulation (qemu-user) with
# the official arm64 Node.js (scripts/arm64-node.js):
#
#   bash scripts/test-arm64.sh        (CI runs it from .ci/run)
#
# 1. Cross-compiles prebuilds/linux-arm64/blasnet.glibc.node (scripts/prebuild.js --arch arm64,
#    incremental in build-prebuild-arm64/; it loads the result once under qemu).
# 2. Compiles a subset of the suite to JavaScript (tsconfig.arm64-test.json → build-arm64-test/):
#    tsx cannot run there (its esbuild binary is x86-64), and compiled tests start faster under
#    emulation. The subset: 02 (every kernel against the float64 reference, native vs js), 04
#    (network steps, native vs js), 23 (XOR and the perceptron) and 81 (backend() is native on
#    OpenBLAS; XOR; 500 bundled digits on both backends).
# 3. Runs them with mocha in the arm64 Node under qemu-aarch64-static. The loader finds the arm64
#    prebuild as an installed package would (no BLASNET_ADDON), and the run fails unless test 81
#    saw backend() native on OpenBLAS from that binary.
# Needs (Debian 12): dpkg --add-architecture arm64; apt-get install g++-aarch64-linux-gnu
# libopenblas-dev:arm64 libc6:arm64 libstdc++6:arm64 qemu-user-static.
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)

echo "== test-arm64: cross-compile the linux-arm64 prebuild"
node scripts/prebuild.js --arch arm64

echo "== test-arm64: compile the subset (tsconfig.arm64-test.json)"
rm -rf build-arm64-test
npx --no-install tsc -p tsconfig.arm64-test.json
# lib/data finds the bundled digits beside lib/, as in the package.
ln -s ../data build-arm64-test/data

NODE=$(node scripts/arm64-node.js)
echo "== test-arm64: mocha under qemu-aarch64-static, Node $(qemu-aarch64-static -L / "$NODE" -p 'process.version + " " + process.arch')"
T1=$(date +%s)
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
# --no-config: the repository's .mocharc loads tsx, and its node-option would make mocha re-spawn
# node (an arm64 binary the host cannot exec without binfmt_misc).
(unset BLASNET_ADDON BLASNET_BACKEND BLASNET_KERNELS
  qemu-aarch64-static -L / "$NODE" node_modules/mocha/bin/mocha.js --no-config --forbid-only \
    --timeout 0 --reporter spec \
    build-arm64-test/test/02-kernels.test.js build-arm64-test/test/04-network-step.test.js \
    build-arm64-test/test/23-beyond-perceptron.test.js build-arm64-test/test/81-platform-smoke.test.js) | tee "$LOG"
grep -q "linux-arm64: OpenBLAS .*prebuilds/linux-arm64/blasnet.glibc.node" "$LOG" ||
  { echo "test-arm64: FAILED: backend() did not report native OpenBLAS from the arm64 prebuild" >&2; exit 1; }
! grep -q "native backend skipped" "$LOG" || { echo "test-arm64: FAILED: native was skipped" >&2; exit 1; }
echo "== test-arm64: passed (mocha $(($(date +%s) - T1)) s, total $(($(date +%s) - T0)) s)"
