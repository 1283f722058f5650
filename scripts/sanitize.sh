#!/usr/bin/env bash
# The native tests under sanitizers (CI: .ci/run). Builds the addon with ASan + UBSan into
# build-asan/ and with TSan into build-tsan/ (CMake option BLASNET_SANITIZE), then runs node with
# the sanitizer's runtime preloaded (Node itself is not instrumented) and BLASNET_ADDON pointing the
# loader at that build:
#   address: the native tests (02 kernels, 03 native guards, 04 network step, 05 fast paths, 88
#            dropout step, 92 adaptive optimizers fused into the kernels' store);
#   thread:  the tests that run the thread pool and the training team (05 fast paths, 07 kernel
#            paths, 88 dropout step, 92 fused adaptive step, which split products and training
#            steps over 2 and 3 threads).
# Any sanitizer report fails the run: ASan and UBSan (no recovery) abort the process, TSan exits
# with a non-zero status at the end, and the output is also searched for reports, which catches
# those from child processes that a test may have tolerated.
#
#   bash scripts/sanitize.sh [address|thread|all]    (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
case "$mode" in
  address | thread | all) ;;
  *)
    echo "usage: bash scripts/sanitize.sh [address|thread|all]" >&2
    exit 2
    ;;
esac

ASAN_TESTS=(test/02-kernels.test.ts test/03-native-guards.test.ts test/04-network-step.test.ts
  test/05-fast-paths.test.ts test/88-dropout-step.test.ts test/92-adaptive-fused.test.ts)
TSAN_TESTS=(test/05-fast-paths.test.ts test/07-kernel-paths.test.ts test/88-dropout-step.test.ts
  test/92-adaptive-fused.test.ts)
REPORTS='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|WARNING: ThreadSanitizer|ThreadSanitizer: reported'

build() { # build-<dir> <sanitizer>
  echo "== build $1 (BLASNET_SANITIZE=$2)"
  mkdir -p "$1"
  npx cmake-js compile -O "$1" --CDBLASNET_SANITIZE="$2" >"$1/build.log" 2>&1 || {
    tail -40 "$1/build.log"
    exit 1
  }
  # (grep without -q: reading all of nm's output, it never stops nm with SIGPIPE, which pipefail
  # would count as a failure.)
  if ! nm -D "$1/Release/blasnet.node" | grep "__$3_" >/dev/null; then
    echo "$1/Release/blasnet.node is not instrumented (no __$3_ symbols)" >&2
    exit 1
  fi
}

run() { # <label> <runtime .so> <tests...>; the sanitizer options are in the environment
  local label=$1 runtime=$2
  shift 2
  local log
  log=$(mktemp)
  echo "== $label: ${*}"
  # The binary the loader takes must be the sanitized one.
  LD_PRELOAD="$runtime" node --import tsx -e \
    "const { loadAddon } = require('./lib/backend/native/addon'); const { path } = loadAddon(); if (path !== require('node:path').resolve(process.env.BLASNET_ADDON)) { console.error('loaded ' + path); process.exit(1); }"
  local status=0
  # node itself, not npx (whose own node process would run under the sanitizer too) and without
  # mocha's --node-option (which starts a second node).
  LD_PRELOAD="$runtime" node --import tsx node_modules/mocha/bin/mocha.js --no-config \
    --timeout 600000 --reporter dot "$@" 2>&1 | tee "$log" || status=$?
  if grep -Eq "$REPORTS" "$log"; then
    echo "$label: sanitizer reports above" >&2
    status=1
  fi
  rm -f "$log"
  return "$status"
}

# Native only: the js halves of the suites add nothing under a sanitizer.
export BLASNET_BACKEND=native

if [ "$mode" = address ] || [ "$mode" = all ]; then
  build build-asan address asan
  # detect_leaks=0: Node does not free everything at exit, by design.
  BLASNET_ADDON=build-asan/Release/blasnet.node \
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run "ASan + UBSan" "$(gcc -print-file-name=libasan.so)" "${ASAN_TESTS[@]}"
fi

if [ "$mode" = thread ] || [ "$mode" = all ]; then
  build build-tsan thread tsan
  # ignore_noninstrumented_modules=1 instead of suppressions: Node and V8 are not instrumented, so
  # TSan cannot see their atomics and reported 19 races inside V8's platform, its counters and
  # MessagePort in one run of 07 (none with a blasnet frame), and the child processes it spawns
  # exited with TSan's status 66. With the option, TSan checks what the instrumented addon does
  # (every access of its code, its atomics and its mutexes) and ignores what Node does.
  BLASNET_ADDON=build-tsan/Release/blasnet.node \
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1" \
    run "TSan" "$(gcc -print-file-name=libtsan.so)" "${TSAN_TESTS[@]}"
fi
