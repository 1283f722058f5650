#!/usr/bin/env bash
# Train a short run with --report and take a headless Chromium screenshot of the HTML report.
#
#   scripts/report-screenshot.sh [out.png]        (default docs/report-screenshot.png)
#
# Installs Debian's chromium when it is missing (needs root and apt). The run uses the bundled
# digits and the CLI's default network, so it takes a few seconds on the native backend.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/docs/report-screenshot.png}"
EPOCHS="${EPOCHS:-15}"

if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium not found: installing Debian's chromium package" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

WORK="$(mktemp -d)"
PROFILE="$(mktemp -d)"
trap 'rm -rf "$WORK" "$PROFILE"' EXIT

cd "$ROOT"
# The compiled CLI when it is built and current, else the TypeScript sources through tsx.
if [[ -f dist/cli/main.js && dist/cli/main.js -nt lib/cli/main.ts ]]; then
  CLI=(node dist/cli/main.js)
else
  CLI=(node --import tsx lib/cli/main.ts)
fi
"${CLI[@]}" train --epochs "$EPOCHS" --out "$WORK/model.blasnet" --report "$WORK/report.html"

mkdir -p "$(dirname "$OUT")"
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --user-data-dir="$PROFILE" --force-device-scale-factor=1 \
  --screenshot="$WORK/shot.png" --window-size=1200,1800 "file://$WORK/report.html" 2>"$WORK/chromium.log" || {
  cat "$WORK/chromium.log" >&2
  exit 1
}
cp "$WORK/shot.png" "$OUT"
echo "screenshot: $OUT ($(stat -c %s "$OUT") bytes)"
