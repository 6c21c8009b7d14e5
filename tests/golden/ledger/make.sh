#!/usr/bin/env bash
# Writes tests/golden/ledger/ledger.sqlite with a given (previous) release of citytill: a counter and office
# day touching most event kinds, then closed and sealed. Run once per release whose ledgers must keep
# verifying; the file is never rewritten (tests/event_golden.rs verifies it with today's code).
# Usage: tests/golden/ledger/make.sh PATH/TO/OLD/citytill
set -euo pipefail
BIN=$1
OUT=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DATA=$WORK/data
export CITYTILL_PIN_KEY_FILE=$WORK/pin.key
unset CITYTILL_USER CITYTILL_PIN CITYTILL_APPROVER_PIN CITYTILL_DATA_DIR CITYTILL_NOW
ADMIN_PIN=246810
PIN=135790
c() { "$BIN" --data-dir "$DATA" "$@" >>"$WORK/log" 2>&1 || { tail -5 "$WORK/log"; return 1; }; }
as() { local user=$1; shift; CITYTILL_PIN=$PIN c --user "$user" "$@"; }
approved() { local user=$1; shift; CITYTILL_PIN=$PIN CITYTILL_APPROVER_PIN=$PIN c --user "$user" "$@" --approver sam; }

CITYTILL_NEW_PIN=$ADMIN_PIN c init --terminal T01 --admin boss
for pair in ana:cashier ben:cashier lee:lead sam:supervisor sue:supervisor; do
  CITYTILL_PIN=$ADMIN_PIN CITYTILL_NEW_PIN=$PIN c user add "${pair%%:*}" --role "${pair##*:}" --user boss
done
printf 'kind,number,name,address,status,balance\nutility,100200-01,Maria Garcia,12 Oak Ave,active,84.12\nutility,100300-02,James Smith,400 Main St,delinquent,250.00\nlicense,BL-0000042,Rossi Bakery,9 Main St,active,120.00\ncitation,PC00001234,Linh Nguyen,77 River Rd,active,45.00\n' > "$WORK/payables.csv"
CITYTILL_PIN=$ADMIN_PIN c --user boss import payables "$WORK/payables.csv"
printf 'code,description,amount,gl_account\nNSF,Returned check fee,25.00,4610\nDOG,Dog license,15.00,4210\nMISC,Miscellaneous,,4900\n' > "$WORK/fees.csv"
CITYTILL_PIN=$ADMIN_PIN c --user boss import fees "$WORK/fees.csv"
CITYTILL_PIN=1 c --user ana drawer open --float 1 --count 1x1 || true   # a failed login
as ana drawer open --float 170.00 --count 20x5,10x3,5x4,1x10,0.25x40
as ana pay --account 100200-01 --amount 84.12 --tender cash=100.00
as ana pay --account BL-0000042 --tender check=120.00,routing=021000021,account=000123456789,number=1001
as ana pay --fee DOG --tender cash=20.00
as ana pay --fee MISC=5.50 --tender cash=10.00
approved ana void T01-000004 --reason "keyed the wrong fee"
approved ana refund T01-000001 --amount 10.00 --reason "billing credit"
approved lee nsf T01-000002 --fee NSF
approved ana drawer paid-out 3.00 --reason "postage due"
approved ana drawer paid-in 5.00 --reason "change fund"
as ana drawer no-sale --reason "change for the meter"
as ana drawer drop 20.00
as ana receipt reprint T01-000003 --print-to stdout
as lee batch open mail --control-total 55.00 --items 2
as ana batch add M1 --account 100300-02 --amount 10.00 --micr "T021000021T 555566667777U 0456"
as ana batch add M1 --account 100300-02 --amount 45.00 --tender money_order=45.00,number=MO-77
as ana batch add M1 --account PC00001234 --amount 1.00 --tender money_order=1.00,number=MO-78
as ana batch remove M1 --item 3 --reason "keyed twice"
as ana batch balance M1
approved lee batch approve M1
as sue batch open drop-box --control-total 25.00 --items 1
as ana batch add B1 --account 100300-02 --amount 25.00 --tender cash=25.00
as ana batch balance B1
approved ana batch reject B1 --reason "envelope had no stub"
as lee batch reopen B1 --reason "stub found in the box"
as ana batch balance B1
approved ana batch approve B1
as ana drawer close --count 20x9,10x3,5x4,1x1,0.25x40,0.10x1,0.01x2 --checks 1=120.00
approved lee batch approve D1
DATE=$(sqlite3 "$DATA/ledger.sqlite" "SELECT business_date FROM journal ORDER BY seq DESC LIMIT 1" 2>/dev/null || date -u +%F)
as lee deposit create --date "$DATE" || true
as lee export payments --date "$DATE" --out "$WORK/export.csv" || true
as lee day close --date "$DATE"
"$BIN" --data-dir "$DATA" verify
"$BIN" --data-dir "$DATA" backup "$OUT/ledger.sqlite" --user boss >/dev/null 2>&1 || CITYTILL_PIN=$ADMIN_PIN "$BIN" --data-dir "$DATA" backup "$OUT/ledger.sqlite" --user boss
sqlite3 "$OUT/ledger.sqlite" "SELECT kind, COUNT(*) FROM journal GROUP BY kind" 2>/dev/null || true
