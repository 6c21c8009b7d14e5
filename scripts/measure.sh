#!/usr/bin/env bash
# Measures the window's cold start (launch → window mapped, demo city already created) and its idle
# memory (RSS after 10 s at the login screen) under Xvfb, then runs the in-process latency harness
# (scan-to-filled-form, Enter-to-receipt-bytes). Prints numbers; asserts nothing.
# Needs xvfb, xauth, xdotool. Usage: scripts/measure.sh [release]
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-debug}
flag=""; [ "$profile" = release ] && flag="--release"
cargo build $flag --bin citytill
bin=${CARGO_TARGET_DIR:-target}/$profile/citytill
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/run.sh" <<INNER
#!/usr/bin/env bash
set -euo pipefail
# First run creates the demo city; stop it once the window shows.
"$bin" --data-dir "$work/demo" demo >/dev/null 2>&1 & pid=\$!
until xdotool search --name "^CityTill" >/dev/null 2>&1; do sleep 0.05; done
kill \$pid; wait \$pid 2>/dev/null || true
start=\$(date +%s%N)
"$bin" --data-dir "$work/demo" demo >/dev/null 2>&1 & pid=\$!
until xdotool search --onlyvisible --name "^CityTill" >/dev/null 2>&1; do sleep 0.01; done
echo "cold start to login window: \$(( (\$(date +%s%N) - start) / 1000000 )) ms ($profile build, simulators included)"
sleep 10
echo "idle memory at login: \$(grep VmRSS /proc/\$pid/status | awk '{print \$2/1024}') MB RSS"
kill \$pid; wait \$pid 2>/dev/null || true
INNER
chmod +x "$work/run.sh"
xvfb-run -a -s "-screen 0 1280x800x24" "$work/run.sh"
cargo test $flag --bin citytill gui::harness -- --ignored --nocapture 2>&1 | grep -E "median"
