#!/usr/bin/env bash
# Regenerates the README screenshots (docs/screenshots/*.png) from the real window under Xvfb:
# the counter with a cart, the counter after a cash payment (change shown large), the blind count and
# its result, and the batches screen in the middle of a mail batch (batches.png).
# Needs: apt-get install -y --no-install-recommends xvfb xauth xdotool imagemagick
#
# `scripts/screenshots.sh --batches BINARY DATA_DIR SHOT_DIR` is the batches driver it runs inside Xvfb.
set -euo pipefail

# Inside Xvfb: a fresh demo city; lee (lead) opens a mail batch, scans the demo stub with a check, keys a
# second account, and the screen is captured with the running total against the control total.
batches_shot() {
    local bin=$1 dir=$2 shots=$3
    export ICED_BACKEND=tiny-skia
    mkdir -p "$dir"
    "$bin" --data-dir "$dir" demo >"$dir/stdout.txt" 2>&1 &
    batch_pid=$!
    trap 'kill "$batch_pid" 2>/dev/null || true' EXIT
    local wid=""
    for _ in $(seq 1 300); do
        wid=$(xdotool search --name "^CityTill" 2>/dev/null | head -n 1 || true)
        [ -n "$wid" ] && break
        kill -0 "$batch_pid" 2>/dev/null || { echo "citytill exited early:"; cat "$dir/stdout.txt"; exit 1; }
        sleep 0.2
    done
    [ -n "$wid" ] || { echo "no CityTill window after 60 s"; cat "$dir/stdout.txt"; exit 1; }
    sleep 1.5
    xdotool windowfocus --sync "$wid"
    key() { xdotool key --window "$wid" --clearmodifiers "$@"; }
    typ() { xdotool type --window "$wid" --delay 25 "$1"; }

    # The demo's stub (digits 11-18 are the amount due in cents) and a second account to key.
    local stub due account control
    stub=$(sed -n -E 's/^A bill stub to scan.*: ([0-9]+)$/\1/p' "$dir/stdout.txt" | head -n 1)
    due=$(awk -v s="$stub" 'BEGIN { printf "%.2f", substr(s, 11, 8) / 100 }')
    account=$(grep -E '^  [^ ]+ .*\(([0-9]+\.[0-9]{2})\)$' "$dir/stdout.txt" | sed -n 2p | awk '{print $1}')
    control=$(awk -v d="$due" 'BEGIN { printf "%.2f", d + 10 }')
    echo "mail batch: stub $stub ($due) + account $account (10.00) = control $control"

    typ "lee"; key Tab; typ "8642"; key Return
    sleep 2.5
    key shift+F1; sleep 1
    key F5; sleep 0.7
    typ "$control"; key Return; typ "2"; key Return
    sleep 1
    typ "$stub"; key Return; sleep 0.7
    typ "T021000021T 1234567890U 0123"; key Return; sleep 0.5
    key Return; sleep 1
    typ "$account"; key Return; sleep 0.7
    typ "T021000021T 555566667777U 0456"; key Return; sleep 0.5
    typ "10"
    sleep 0.7
    import -window "$wid" "$shots/batches.png" && echo "screenshot $shots/batches.png"
    key Return; sleep 1
    key F6; sleep 1
}

if [ "${1:-}" = "--batches" ]; then
    batches_shot "$2" "$3" "$4"
    exit 0
fi

cd "$(dirname "$0")/.."
cargo build --bin citytill
target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p docs/screenshots
xvfb-run -a -s "-screen 0 1280x800x24" scripts/xvfb-e2e.sh "$target/debug/citytill" "$work/demo" docs/screenshots
xvfb-run -a -s "-screen 0 1280x800x24" scripts/screenshots.sh --batches "$target/debug/citytill" "$work/batches" docs/screenshots
ls -l docs/screenshots
