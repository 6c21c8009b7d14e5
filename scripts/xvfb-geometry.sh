#!/usr/bin/env bash
# Opens the demo window under the current X display (run it inside xvfb-run) and prints the window's
# geometry as xdotool's shell lines (WIDTH=…, HEIGHT=…, X=…, Y=…) once it has settled.
#
# Usage: xvfb-run -a -s "-screen 0 1024x768x24" scripts/xvfb-geometry.sh BINARY DATA_DIR
set -euo pipefail

bin=$1
dir=$2
# shellcheck source=scripts/xvfb-demo.sh
source "$(dirname "$0")/xvfb-demo.sh"
start_demo "$bin" "$dir"
sleep 2.5
xdotool getwindowgeometry --shell "$wid"
