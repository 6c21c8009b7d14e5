#!/usr/bin/env bash
# Drives the real CityTill window under Xvfb with xdotool: opens the demo city (simulated devices),
# signs in as ana, pays the first demo account with a balance in cash, and leaves the evidence in
# DATA_DIR: sim/printed/NNNN.txt (what the simulated printer received) and citytill.log (device events).
# With SHOT_DIR it also saves PNG screenshots of the counter and the blind close (scripts/screenshots.sh).
#
# Usage: xvfb-run -a -s "-screen 0 1280x800x24" scripts/xvfb-e2e.sh BINARY DATA_DIR [SHOT_DIR]
set -euo pipefail

bin=$1
dir=$2
shots=${3:-}
# shellcheck source=scripts/xvfb-demo.sh
source "$(dirname "$0")/xvfb-demo.sh"
start_demo "$bin" "$dir"
sleep 1.5
xdotool windowfocus --sync "$wid"

# The first listed demo account with something due: "  NUMBER NAME (BALANCE)".
line=$(grep -E '^  [^ ]+ .*\(([0-9]+\.[0-9]{2})\)$' "$dir/stdout.txt" | grep -v '(0.00)$' | head -n 1)
account=$(echo "$line" | awk '{print $1}')
balance=$(echo "$line" | sed -E 's/.*\(([0-9.]+)\)$/\1/')
cash=$(awk -v b="$balance" 'BEGIN { printf "%d", b + 20 }')
echo "paying account $account (balance $balance) with $cash cash"

key() { xdotool key --window "$wid" --clearmodifiers "$@"; }
typ() { xdotool type --window "$wid" --delay 25 "$1"; }
shot() { [ -n "$shots" ] && import -window "$wid" "$shots/$1.png" && echo "screenshot $shots/$1.png"; return 0; }

# Login: focus starts in the user field; Tab moves to the PIN; Enter signs in.
typ "ana"; key Tab; typ "1357"; key Return
sleep 2.5
# No drawer yet: the window opens the float count (focus on the 100.00 row). Float 100.00 = 5 × 20.00.
key Tab; key Tab; typ "5"; key Return
sleep 1
# The float count kicked the drawer open; close it (as the cashier would) so the payment's kick shows.
"$bin" --data-dir "$dir" devices sim drawer close
sleep 0.5
key F1
sleep 0.5
# Counter: the account number, Enter (cart, focus jumps to the amount), the cash, Enter.
typ "$account"; key Return
sleep 1
typ "$cash"
sleep 0.5
shot counter-cart
key Return

# Wait for the simulated printer to render the receipt.
for _ in $(seq 1 100); do
    ls "$dir"/sim/printed/*.txt >/dev/null 2>&1 && break
    sleep 0.1
done
sleep 1
shot counter-change

if [ -n "$shots" ]; then
    # Drawer screen, blind close: F3 then F11; fill a few counts and record them.
    key F3; sleep 0.7; key F11; sleep 0.7
    typ "1"; key Tab; key Tab; typ "4"; key Tab; typ "2"; key Tab; typ "3"; key Tab; key Tab; typ "4"
    sleep 0.5
    shot blind-count
    key Return
    sleep 1.5
    shot blind-close-result
fi
