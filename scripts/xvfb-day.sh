#!/usr/bin/env bash
# A cashier's whole day in the real CityTill window under Xvfb, typed with xdotool the way a cashier works
# (keys, Tab between fields, Enter to finish; no mouse): sign in as ana, count the float (5 × 20.00), three
# customers from the demo's "Accounts to try" (A: cash with change; B: found by name, picked by keyboard,
# a check by its MICR line; C: 100.00 cash, a stray second Enter that must tender nothing, the rest by
# a check whose routing, account and number are typed into their own fields with Tab between them), a 100.00 drop to the safe, a void of A's receipt approved by supervisor sam, and the blind close
# counted right (1 × 100.00, the two checks). Each step waits for its evidence (a printed receipt) or a
# bounded pause; tests/gui_xvfb.rs checks the ledger afterwards through the citytill CLI.
#
# Usage: xvfb-run -a -s "-screen 0 1024x768x24" scripts/xvfb-day.sh BINARY DATA_DIR
set -euo pipefail

bin=$1
dir=$2
# shellcheck source=scripts/xvfb-demo.sh
source "$(dirname "$0")/xvfb-demo.sh"
start_demo "$bin" "$dir"
sleep 2
xdotool windowfocus --sync "$wid"

# The demo's three accounts to try ("  NUMBER NAME (BALANCE)"), smallest balance first: A pays the
# smallest, C (the split, 100.00 of it cash) the largest.
mapfile -t accounts < <(grep -E '^  [0-9]+ .*\([0-9]+\.[0-9]{2}\)$' "$dir/stdout.txt" | sed -E 's/^  ([0-9]+) .*\(([0-9.]+)\)$/\2 \1/' | sort -n | awk '{print $2}')
[ "${#accounts[@]}" -ge 3 ] || { echo "fewer than three demo accounts:"; cat "$dir/stdout.txt"; exit 1; }
name() { grep -E "^  $1 " "$dir/stdout.txt" | sed -E 's/^  [0-9]+ (.*) \([0-9.]+\)$/\1/'; }
balance() { grep -E "^  $1 " "$dir/stdout.txt" | sed -E 's/.*\(([0-9.]+)\)$/\1/'; }
a=${accounts[0]} b=${accounts[1]} c=${accounts[2]}
echo "A $a $(balance "$a") cash; B $b $(balance "$b") check; C $c $(balance "$c") split"

key() { xdotool key --window "$wid" --clearmodifiers "$@"; sleep 0.15; }
typ() { xdotool type --window "$wid" --delay 30 "$1"; sleep 0.15; }
# With SHOT_DIR set, screenshots of each step (to see where a run went wrong).
shot() { [ -n "${SHOT_DIR:-}" ] && import -window "$wid" "$SHOT_DIR/$1.png"; return 0; }
printed() { find "$dir/sim/printed" -name '*.txt' 2>/dev/null | wc -l; }
# Waits (at most 15 s) until the simulated printer holds more than $1 documents.
wait_printed() {
    for _ in $(seq 1 150); do
        [ "$(printed)" -gt "$1" ] && { sleep 0.5; return 0; }
        sleep 0.1
    done
    shot failed; echo "nothing printed after step: $2"; exit 1
}

# Sign in: the user field has focus; Tab to the PIN; Enter.
typ "ana"; key Tab; typ "1357"; key Return
sleep 2.5
# No drawer yet: the float count opens with focus on the 100.00 row; Tab Tab is the 20.00 row: 5 × 20.00.
key Tab; key Tab; typ "5"; key Return
sleep 1.5
key F1; sleep 0.5

# Customer A: the account, Enter (focus jumps to the amount), 20.00 cash handed over, Enter: change given.
n=$(printed)
typ "$a"; key Return; sleep 1
typ "20"; key Return
wait_printed "$n" "customer A (cash with change)"

# Customer B has no stub and pays by check: the name typed (results show as it is typed), Down highlights
# the first, Enter picks it; F6 (check; focus in its routing field), the MICR line the keyboard-wedge reader
# types there, Enter: it fills routing, account and number, and tenders the check for the exact amount.
n=$(printed)
typ "$(name "$b")"; sleep 1.2; key Down; key Return; sleep 1
key F6; typ "T021000021T 1234567890U 0456"; key Return
wait_printed "$n" "customer B (check)"

# Customer C splits: 100 cash Enter (a partial tender) and, from habit, Enter again (it must tender nothing
# more); then the rest: its amount, F6 (focus in Routing), the routing number, Tab, the account number, Tab,
# the check number, Enter in that last field tenders the check.
n=$(printed)
rest=$(awk -v b="$(balance "$c")" 'BEGIN { printf "%.2f", b - 100 }')
typ "$c"; key Return; sleep 1
typ "100"; key Return; sleep 0.7
key Return; sleep 0.7
typ "$rest"; key F6; typ "021000021"; key Tab; typ "555566667777"; key Tab; typ "0789"; shot check-fields; key Return
wait_printed "$n" "customer C (split cash and check)"

# Too much cash in the drawer: a drop to the safe (Drawer F3, Drop F6, focus in the amount): 100.00, Enter.
key F3; sleep 0.7
key F6; sleep 0.5
typ "100"; key Return
sleep 1.5
shot dropped

# Customer A comes back: the payment was for the wrong account. Receipts (F2), the receipt number, Enter,
# Void (F6): reason, Tab, the supervisor, Tab, their PIN, Enter.
key F2; sleep 0.7
typ "TRN1-000001"; key Return; sleep 1
key F6; sleep 0.5
typ "paid the wrong account"; key Tab; typ "sam"; key Tab; typ "975310"; shot void-form; key Return
sleep 2
shot voided

# Blind close: Drawer (F3), close (F11), focus in the 100.00 row: 1 × 100.00 (the float and C's 100.00 in,
# 100.00 dropped, A's cash handed back); Tab past the other eleven denominations to the checks: 2 checks, Tab,
# their total; Enter records the count.
key F3; sleep 0.7
key F11; sleep 0.7
typ "1"
for _ in $(seq 1 12); do key Tab; done
typ "2"; key Tab; typ "$(awk -v b="$(balance "$b")" -v c="$(balance "$c")" 'BEGIN { printf "%.2f", b + c - 100 }')"
shot blind-count
key Return
sleep 2.5
shot closed
echo "day done"
