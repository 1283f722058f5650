#!/usr/bin/env bash
# clang-format over native/ and bench/'s C: `--check` fails on any file the formatter would change (npm run lint),
# without it the files are rewritten in place (npm run format).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "clang-format is not installed (Debian/Ubuntu: apt-get install -y clang-format)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files 'native/*.cc' 'native/*.h' 'native/*.inc' 'bench/*.c')
if [ "${1:-}" = "--check" ]; then
  clang-format --dry-run --Werror "${files[@]}"
else
  clang-format -i "${files[@]}"
fi
