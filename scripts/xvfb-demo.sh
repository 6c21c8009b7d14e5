#!/usr/bin/env bash
# Sourced by the xvfb-*.sh scripts: start_demo BINARY DATA_DIR opens the demo window on the current X display
# and waits (at most 60 s) until it exists; sets `pid` (the citytill process, killed when the script exits) and
# `wid` (its window). The demo's stdout is kept in DATA_DIR/stdout.txt.

start_demo() {
    local bin=$1 dir=$2
    export ICED_BACKEND=tiny-skia
    mkdir -p "$dir"
    "$bin" --data-dir "$dir" demo >"$dir/stdout.txt" 2>&1 &
    pid=$!
    trap 'kill "$pid" 2>/dev/null || true' EXIT
    # The window appears once the demo city exists (first run creates ~2,000 payables).
    wid=""
    for _ in $(seq 1 300); do
        wid=$(xdotool search --name "^CityTill" 2>/dev/null | head -n 1 || true)
        [ -n "$wid" ] && break
        kill -0 "$pid" 2>/dev/null || { echo "citytill exited early:"; cat "$dir/stdout.txt"; exit 1; }
        sleep 0.2
    done
    [ -n "$wid" ] || { echo "no CityTill window after 60 s"; cat "$dir/stdout.txt"; exit 1; }
}
