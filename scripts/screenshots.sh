#!/usr/bin/env bash
# Regenerates the README screenshots (docs/screenshots/*.png) from the real window under Xvfb:
# the counter with a cart, the counter after a cash payment (change shown large), the blind count and
# its result. Needs: apt-get install -y --no-install-recommends xvfb xauth xdotool imagemagick
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --bin citytill
target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p docs/screenshots
xvfb-run -a -s "-screen 0 1280x800x24" scripts/xvfb-e2e.sh "$target/debug/citytill" "$work/demo" docs/screenshots
ls -l docs/screenshots
