#!/usr/bin/env bash
# What installing a blasnet tarball costs an empty app: node_modules' size, package count, and
# the install's wall time (the figures in the README's install section; docs/building.md).
#
#   bash scripts/install-size.sh blasnet-0.1.0.tgz [runs]
#
# One warm-up install fills npm's cache, so the timed runs (default 3) measure installing from
# the cache (--prefer-offline), not the network. Each run is a fresh empty app. Prints whether
# cmake-js ended up in node_modules.
set -euo pipefail
TARBALL=$(realpath "$1")
RUNS=${2:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/blasnet-size.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

install_app() {
  local app="$WORK/$1"
  mkdir -p "$app"
  printf '{ "name": "size-%s", "version": "1.0.0", "private": true }\n' "$1" >"$app/package.json"
  (cd "$app" && npm install --prefer-offline --no-audit --no-fund --loglevel=error "$TARBALL" >/dev/null)
}

install_app warm-up
times=()
for i in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  install_app "run$i"
  times+=("$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')")
done
app="$WORK/run1"
bytes=$(du -sb "$app/node_modules" | cut -f1)
packages=$(find "$app/node_modules" -name package.json -path '*/node_modules/*/package.json' -not -path '*/node_modules/*/node_modules/*/*/*' |
  awk -F/node_modules/ '{ split($NF, p, "/"); n = (p[1] ~ /^@/) ? p[1] "/" p[2] : p[1]; print n }' | sort -u | wc -l)
blasnet=$(du -sb "$app/node_modules/blasnet" | cut -f1)
echo "tarball: $(basename "$TARBALL")"
echo "node_modules: $(awk -v b="$bytes" 'BEGIN { printf "%.1f MiB", b / 1048576 }') ($packages packages), of which blasnet $(awk -v b="$blasnet" 'BEGIN { printf "%.1f MiB", b / 1048576 }')"
echo "install time (s, from npm's cache, $RUNS runs): ${times[*]}"
if [[ -d $app/node_modules/cmake-js ]]; then echo "cmake-js: installed"; else echo "cmake-js: not installed"; fi
