#!/usr/bin/env bash
# Opens the demo window under the current X display (run it inside xvfb-run) and prints the window's
# geometry as xdotool's shell lines (WIDTH=…, HEIGHT=…, X=…, Y=…) once it has settled.
#
# Usage: xvfb-run -a -s "-screen 0 1024x768x24" scripts/xvfb-geometry.sh BINARY DATA_DIR
set -euo pipefail

bin=$1
dir=$2
export ICED_BACKEND=tiny-skia
mkdir -p "$dir"
"$bin" --data-dir "$dir" demo >"$dir/stdout.txt" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT

wid=""
for _ in $(seq 1 300); do
    wid=$(xdotool search --name "^CityTill" 2>/dev/null | head -n 1 || true)
    [ -n "$wid" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "citytill exited early:"; cat "$dir/stdout.txt"; exit 1; }
    sleep 0.2
done
[ -n "$wid" ] || { echo "no CityTill window after 60 s"; cat "$dir/stdout.txt"; exit 1; }
sleep 2.5
xdotool getwindowgeometry --shell "$wid"
