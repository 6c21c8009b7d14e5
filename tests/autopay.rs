//! Autopay ACH debits through the real binary: enrolment with a second person, prenote and debit runs
//! released as NACHA files (checked by an outside parser where one is installed), settlement, returns,
//! refusals of bad input, and the full bank account number kept out of the ledger, backups and journal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{City, PIN};

const NUMBER: &str = "987654321012";

/// A city with `[autopay]` settings and the key file beside the PIN key (outside the data dir).
fn autopay_city() -> City {
    let city = City::new();
    let settings = city.data().join("citytill.toml");
    let mut text = std::fs::read_to_string(&settings).unwrap_or_default();
    text.push_str(&format!(
        "\n[autopay]\nkey_file = \"{}\"\nimmediate_destination = \"021000021\"\nimmediate_destination_name = \"First Bank\"\nimmediate_origin = \"1234567890\"\nimmediate_origin_name = \"City of Springfield\"\ncompany_name = \"Springfield Util\"\ncompany_id = \"1234567890\"\n",
        city.dir.path().join("keys").join("autopay.key").display().to_string().replace('\\', "/")
    ));
    std::fs::write(&settings, text).unwrap();
    city
}

fn enrol(city: &City, account: &str, routing: &str, number: &str, rule: &str, kind: &str) -> common::Run {
    city.as_user("lee", PIN)
        .args(&["autopay", "enrol", "--account", account, "--routing", routing, "--bank-account", number, "--rule", rule, "--draft-day", "5", "--account-type", kind])
        .approver("sam", PIN)
        .expect_ok()
}

fn balance(city: &City, account: &str) -> i64 {
    city.sql_i64(&format!("SELECT balance_cents FROM payables WHERE number = '{account}'"))
}

fn verify(city: &City) {
    let run = city.ok(&["verify"], &[]);
    assert!(run.stdout.contains("clean"), "{}", run.stdout);
}

/// Enrols two accounts, releases the prenote run (AR1, 2026-12-01) and the debit run (AR2, 2026-12-05); returns the debit file's text.
fn prenote_and_debit(city: &City) -> String {
    enrol(city, "100200-01", "011000015", NUMBER, "full", "checking");
    enrol(city, "BL-0000042", "021000021", "55443322", "fixed:50.00", "savings");
    city.as_user("lee", PIN).args(&["autopay", "run", "--date", "2026-12-01"]).expect_ok();
    city.as_user("lee", PIN).args(&["autopay", "approve", "AR1", "--out", &city.path("ar1.ach")]).approver("sam", PIN).expect_ok();
    city.as_user("lee", PIN).args(&["autopay", "run", "--date", "2026-12-05"]).expect_ok();
    city.as_user("lee", PIN).args(&["autopay", "approve", "AR2", "--out", &city.path("ar2.ach")]).approver("sue", PIN).expect_ok();
    std::fs::read_to_string(city.path("ar2.ach")).unwrap()
}

// Proves an enrolment goes out first as a zero-dollar prenote (28/38), is debited (27/37) only in a later run,
// the file is well formed (94-character records in blocks of ten, hash and totals), `file` writes it again
// identically, and each debit is pending until settlement, then posts to its account; verify replays it all.
#[test]
fn prenote_then_debit_then_settlement() {
    let city = autopay_city();
    let text = prenote_and_debit(&city);
    let prenotes = std::fs::read_to_string(city.path("ar1.ach")).unwrap();
    let codes = |file: &str| file.lines().filter(|l| l.starts_with('6')).map(|l| l[1..3].to_string()).collect::<Vec<_>>();
    assert_eq!(codes(&prenotes), ["28", "38"]);
    assert!(prenotes.lines().filter(|l| l.starts_with('6')).all(|l| &l[29..39] == "0000000000"));
    assert_eq!(codes(&text), ["27", "37"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() % 10, 0);
    assert!(lines.iter().all(|l| l.len() == 94), "{text}");
    assert!(lines[2].contains(NUMBER) && lines[2][29..39] == *"0000008412", "{}", lines[2]);
    let control = lines.iter().find(|l| l.starts_with('9') && !l.starts_with("99")).unwrap();
    assert_eq!(&control[21..31], "0003200003", "entry hash = 01100001 + 02100002");
    assert_eq!(&control[31..43], "000000013412");
    // Released: pending, not yet on the accounts.
    assert_eq!(balance(&city, "100200-01"), 8412);
    city.as_user("lee", PIN).args(&["autopay", "file", "AR2", "--out", &city.path("again.ach")]).expect_ok();
    assert_eq!(std::fs::read_to_string(city.path("again.ach")).unwrap(), text, "the outbox writes the identical file");
    city.as_user("lee", PIN).args(&["autopay", "approve", "AR2", "--out", &city.path("x.ach")]).approver("sam", PIN).expect_refused("was released already", 0);
    // Two banking days after Saturday the 5th is Tuesday the 8th.
    let early = city.as_user("lee", PIN).args(&["autopay", "settle", "--date", "2026-12-07"]).expect_ok();
    assert!(early.stdout.contains("Nothing settles"), "{}", early.stdout);
    city.as_user("lee", PIN).args(&["autopay", "settle", "--date", "2026-12-08"]).expect_ok();
    assert_eq!(balance(&city, "100200-01"), 0);
    assert_eq!(balance(&city, "BL-0000042"), 7000);
    assert_eq!(city.sql_i64("SELECT COALESCE(SUM(debit_cents) - SUM(credit_cents), 0) FROM postings WHERE account = '1060'"), 0, "ACH receivable cleared");
    verify(&city);
}

// Proves the releasing approver must be a second person: the preparer is refused (and the refusal journaled).
#[test]
fn the_preparer_cannot_release_the_run() {
    let city = autopay_city();
    enrol(&city, "100200-01", "011000015", NUMBER, "full", "checking");
    city.as_user("sam", PIN).args(&["autopay", "run", "--date", "2026-12-01"]).expect_ok();
    city.as_user("lee", PIN).args(&["autopay", "approve", "AR1", "--out", &city.path("a.ach")]).approver("sam", PIN).expect_refused("approver: sam", 1);
    assert!(!std::path::Path::new(&city.path("a.ach")).exists());
    city.as_user("lee", PIN)
        .args(&["autopay", "enrol", "--account", "BL-0000042", "--routing", "011000015", "--bank-account", "1234567", "--rule", "full", "--draft-day", "5"])
        .approver("lee", PIN)
        .expect_refused("approver: lee", 1);
    // A wrong run is rejected by a second person: nothing goes out, the date and the prenote are free again.
    city.as_user("lee", PIN).args(&["autopay", "reject", "AR1", "--reason", "wrong date"]).approver("sam", PIN).expect_refused("approver: sam", 1);
    city.as_user("lee", PIN).args(&["autopay", "reject", "AR1", "--reason", "wrong date"]).approver("sue", PIN).expect_ok();
    city.as_user("lee", PIN).args(&["autopay", "approve", "AR1", "--out", &city.path("a.ach")]).approver("sue", PIN).expect_refused("was rejected", 0);
    let again = city.as_user("lee", PIN).args(&["autopay", "run", "--date", "2026-12-01"]).expect_ok();
    assert!(again.stdout.contains("Run AR2") && again.stdout.contains("1 prenotes"), "{}", again.stdout);
    city.as_user("lee", PIN).args(&["autopay", "approve", "AR2", "--out", &city.path("a.ach")]).approver("sue", PIN).expect_ok();
    let file = std::fs::read_to_string(city.path("a.ach")).unwrap();
    assert!(file.lines().any(|l| l.starts_with("628") && l.ends_with("021000020000002")), "a new trace number, never AR1's: {file}");
    verify(&city);
}

// Proves a well-formed return file whose entries CityTill never sent (moov-io/ach's published WEB return sample)
// is refused whole, naming the line and the trace number, and writes nothing.
#[test]
fn a_return_file_for_someone_elses_entries_is_refused_whole() {
    let city = autopay_city();
    prenote_and_debit(&city);
    let before = city.journal_len();
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ach/moov-return-WEB.ach");
    let run = city.as_user("lee", PIN).args(&["autopay", "returns", sample.to_str().unwrap()]).approver("sam", PIN).run();
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(run.stderr.contains("line 4: original trace number: '091400600000001' is not an entry CityTill sent"), "{}", run.stderr);
    assert_eq!(city.journal_len(), before, "a refused return file writes nothing");
}

// Proves the bank's returns reverse a settled debit onto its account with the fee, take a pending one out of the
// ACH receivable, suspend on R02 (not on R01), and that re-reading the file, an unknown trace number and a
// malformed line are refused naming the line, writing nothing. The return file is built from our own debit file
// and read back by our own reader (the round trip).
#[test]
fn returns_reverse_charge_and_suspend() {
    let city = autopay_city();
    let text = prenote_and_debit(&city);
    city.as_user("lee", PIN).args(&["autopay", "settle", "--date", "2026-12-08"]).expect_ok();
    let lines: Vec<&str> = text.lines().collect();
    let entries: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with('6')).collect();
    let returned = |entry: &str, code: &str, trace: &str| {
        let detail = format!("6{}{}{}", if &entry[1..3] == "27" { "26" } else { "36" }, &entry[3..79], "011000010000001");
        let addenda = format!("{:<79}{}", format!("799{code}{}      {}", &entry[79..94], &entry[3..11]), trace);
        [detail, addenda]
    };
    let file = |records: Vec<String>| {
        let mut all = vec![lines[0].to_string(), lines[1].to_string()];
        all.extend(records);
        all.push(lines[4].to_string());
        all.push(lines[5].to_string());
        all.join("\n") + "\n"
    };
    let mut records = returned(entries[0], "R02", "011000010000001").to_vec();
    records.extend(returned(entries[1], "R01", "011000010000002"));
    city.write("returns.ach", &file(records.clone()));

    // A malformed line: the reason code.
    let mut bad = records.clone();
    bad[1] = bad[1].replacen("799R02", "799X02", 1);
    city.write("bad.ach", &file(bad));
    city.as_user("lee", PIN).args(&["autopay", "returns", &city.path("bad.ach")]).approver("sam", PIN).expect_refused("line 4: return reason code", 0);
    // An unknown trace number.
    let mut unknown = records.clone();
    unknown[1] = unknown[1].replacen(&entries[0][79..94], "021000029999999", 1);
    city.write("unknown.ach", &file(unknown));
    city.as_user("lee", PIN).args(&["autopay", "returns", &city.path("unknown.ach")]).approver("sam", PIN).expect_refused("line 4: original trace number: '021000029999999'", 0);

    // What the window shows first: the library's preview of the same file, which writes nothing.
    let before = city.sql_i64("SELECT COUNT(*) FROM journal");
    {
        let settings = citytill::config::Settings::load(&city.data()).unwrap();
        let ledger = citytill::ledger::Ledger::open_read_only(&city.ledger()).unwrap();
        let lee = citytill::ops::auth::Actor { name: "lee".into(), role: citytill::domain::ids::Role::Lead };
        let bytes = std::fs::read(city.path("returns.ach")).unwrap();
        let preview = citytill::ops::autopay_returns::preview(&ledger.read().unwrap(), &settings, &lee, &bytes).unwrap();
        let lines: Vec<_> =
            preview.lines.iter().map(|l| (l.line, l.enrolment.as_str(), l.account.as_str(), l.amount.cents(), l.code.as_str(), l.meaning, l.settled, l.fee.cents(), l.suspends)).collect();
        assert_eq!(lines, [(4, "AP1", "100200-01", 8412, "R02", Some("account closed"), true, 2500, true), (6, "AP2", "BL-0000042", 5000, "R01", Some("insufficient funds"), true, 2500, false)]);
        assert_eq!((preview.reversed.cents(), preview.fees.cents(), preview.suspended.clone()), (13412, 5000, vec!["AP1".to_string()]));
        let bad = std::fs::read(city.path("bad.ach")).unwrap();
        let error = citytill::ops::autopay_returns::preview(&ledger.read().unwrap(), &settings, &lee, &bad).unwrap_err().to_string();
        assert!(error.starts_with("line 4: return reason code"), "{error}");
    }
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM journal"), before, "a preview writes nothing");
    let run = city.as_user("lee", PIN).args(&["autopay", "returns", &city.path("returns.ach")]).approver("sam", PIN).expect_ok();
    assert!(run.stdout.contains("suspended: AP1"), "{}", run.stdout);
    assert_eq!(balance(&city, "100200-01"), 8412 + 2500, "reinstated with the NSF fee");
    assert_eq!(balance(&city, "BL-0000042"), 12000 + 2500);
    let list = city.ok(&["autopay", "list"], &[]).stdout;
    assert!(list.contains("AP1") && list.contains("suspended (R02)") && list.contains("****1012"), "{list}");
    assert!(list.lines().any(|l| l.starts_with("AP2") && l.ends_with("active")), "R01 does not suspend: {list}");
    city.as_user("lee", PIN).args(&["autopay", "returns", &city.path("returns.ach")]).approver("sam", PIN).expect_refused("read already", 0);
    {
        let settings = citytill::config::Settings::load(&city.data()).unwrap();
        let ledger = citytill::ledger::Ledger::open_read_only(&city.ledger()).unwrap();
        let lee = citytill::ops::auth::Actor { name: "lee".into(), role: citytill::domain::ids::Role::Lead };
        let error = citytill::ops::autopay_returns::preview(&ledger.read().unwrap(), &settings, &lee, &std::fs::read(city.path("returns.ach")).unwrap()).unwrap_err().to_string();
        assert!(error.contains("was read already"), "the preview refuses a file read before: {error}");
    }
    assert_eq!(balance(&city, "100200-01"), 8412 + 2500, "never reversed twice");
    // The billing file: each settled debit once, the return and its fee as negative rows; a rerun writes the same file.
    city.as_user("lee", PIN).args(&["export", "payments", "--date", "2026-12-08", "--out", &city.path("billing.csv")]).expect_ok();
    let billing = std::fs::read_to_string(city.path("billing.csv")).unwrap();
    for row in [
        "100200-01,utility,84.12,AR2-ACH0000003,2026-12-08,ach,T01-AR2",
        "BL-0000042,license,50.00,AR2-ACH0000004,2026-12-08,ach,T01-AR2",
        "100200-01,utility,-84.12,AR2-ACH0000003:return:",
        "100200-01,utility,-25.00,AR2-ACH0000003:return-fee:",
        "BL-0000042,license,-50.00,AR2-ACH0000004:return:",
    ] {
        assert!(billing.contains(row), "{row} missing from:\n{billing}");
    }
    assert_eq!(billing.lines().count(), 1 + 6, "{billing}");
    city.as_user("lee", PIN).args(&["export", "payments", "--date", "2026-12-08", "--out", &city.path("billing2.csv")]).expect_ok();
    assert_eq!(std::fs::read_to_string(city.path("billing2.csv")).unwrap(), billing, "nothing new: the same file again, no second set");
    // A suspended enrolment is not debited again.
    let next = city.as_user("lee", PIN).args(&["autopay", "run", "--date", "2027-01-05"]).expect_ok();
    assert!(next.stdout.contains("1 debits (50.00)"), "{}", next.stdout);
    verify(&city);
}

// Proves bad enrolment input gets one line naming the field and writes nothing: a routing number failing the
// ABA checksum, a card number as the bank account or the account, a bad rule, an unknown account, a CSV row;
// and a run without the originator settings names the missing setting.
#[test]
fn bad_input_is_refused_naming_the_field() {
    let city = City::new();
    let key = city.dir.path().join("keys").join("autopay.key");
    let enrol = |args: &[&str], needle: &str| {
        let mut all = vec!["autopay", "enrol", "--draft-day", "5"];
        all.extend_from_slice(args);
        city.as_user("lee", PIN).args(&all).approver("sam", PIN).env("CITYTILL_AUTOPAY_KEY_FILE", &key.display().to_string()).expect_refused(needle, 0);
    };
    enrol(&["--account", "100200-01", "--routing", "011000016", "--bank-account", NUMBER, "--rule", "full"], "--routing: '011000016' is not 9 digits with a valid ABA checksum");
    enrol(&["--account", "100200-01", "--routing", "011000015", "--bank-account", "4111111111111111", "--rule", "full"], "--bank-account:");
    enrol(&["--account", "4111 1111 1111 1111", "--routing", "011000015", "--bank-account", NUMBER, "--rule", "full"], "--account:");
    enrol(&["--account", "100200-01", "--routing", "011000015", "--bank-account", NUMBER, "--rule", "half"], "--rule: 'half'");
    enrol(&["--account", "100200-01", "--routing", "011000015", "--bank-account", "12a4", "--rule", "full"], "--bank-account: must be 4 to 17 digits");
    enrol(&["--account", "999", "--routing", "011000015", "--bank-account", NUMBER, "--rule", "full"], "--account: '999' is not a known account");
    city.write("enrol.csv", &format!("account,routing,bank_account,account_type,rule,draft_day\n100200-01,011000015,{NUMBER},checking,full,5\nBL-0000042,011000016,1234567,checking,full,5\n"));
    city.as_user("lee", PIN).args(&["autopay", "import", &city.path("enrol.csv")]).approver("sam", PIN).expect_refused("row 3 routing:", 0);
    assert!(!key.exists(), "no key file made for refused input");
    city.as_user("lee", PIN).args(&["autopay", "run", "--date", "2026-12-01"]).expect_refused("autopay.immediate_destination: not set", 0);
}

// Proves the full bank account number is nowhere but sealed: not in the SQLite file (or its WAL), not in any
// journal payload (what head office is sent), not in a backup; the list shows only the last 4; and the key
// file lives outside the data directory. A CSV import enrols all its rows.
#[test]
fn full_bank_account_number_is_never_stored() {
    let city = autopay_city();
    city.write("enrol.csv", &format!("account,routing,bank_account,account_type,rule,draft_day\n100200-01,011000015,{NUMBER},checking,full,5\nBL-0000042,021000021,55443322,savings,fixed:50.00,10\n"));
    let run = city.as_user("lee", PIN).args(&["autopay", "import", &city.path("enrol.csv")]).approver("sam", PIN).expect_ok();
    assert!(run.stdout.contains("AP1, AP2"), "{}", run.stdout);
    city.as_user("lee", PIN).args(&["autopay", "run", "--date", "2026-12-01"]).expect_ok();
    city.as_user("lee", PIN).args(&["autopay", "approve", "AR1", "--out", &city.path("ar1.ach")]).approver("sam", PIN).expect_ok();
    assert!(std::fs::read_to_string(city.path("ar1.ach")).unwrap().contains(NUMBER), "the bank's file needs the number");
    city.as_user("boss", common::ADMIN_PIN).args(&["backup", &city.path("backup.sqlite")]).expect_ok();
    for entry in std::fs::read_dir(city.data()).unwrap().flatten() {
        let bytes = common::read_all(&entry.path());
        assert!(!bytes.windows(NUMBER.len()).any(|w| w == NUMBER.as_bytes()), "{} holds the number", entry.path().display());
    }
    let backup = common::read_all(std::path::Path::new(&city.path("backup.sqlite")));
    assert!(!backup.is_empty() && !backup.windows(NUMBER.len()).any(|w| w == NUMBER.as_bytes()), "the backup holds the number");
    let conn = rusqlite::Connection::open(city.ledger()).unwrap();
    let payloads: Vec<String> = conn.prepare("SELECT payload FROM journal").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert!(payloads.iter().any(|p| p.contains("\"last4\":\"1012\"") && p.contains("fingerprint")));
    assert!(payloads.iter().all(|p| !p.contains(NUMBER) && !p.contains("87654321012")));
    assert!(city.dir.path().join("keys").join("autopay.key").exists());
    assert!(std::fs::read_dir(city.data()).unwrap().flatten().all(|e| !e.file_name().to_string_lossy().contains("autopay")));
    let list = city.ok(&["autopay", "list"], &[]).stdout;
    assert!(list.contains("****1012") && !list.contains(NUMBER), "{list}");
    verify(&city);
    // A sealed account removed behind the app's back is found by verify.
    conn.execute("DELETE FROM autopay_accounts WHERE enrolment = 'AP2'", []).unwrap();
    let run = city.run(&["verify"], &[]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(format!("{}{}", run.stdout, run.stderr).contains("autopay account"), "{}{}", run.stdout, run.stderr);
}

// Proves an outside NACHA parser (PyPI carta-ach) reads our debit file with the same batch, entries, amounts,
// hash and totals. Skips with a plain message where Python or the package is missing, unless
// CITYTILL_REQUIRE_ACH_ORACLE=1 (CI installs it: .ci/run; CITYTILL_ACH_PYTHONPATH names its folder).
#[test]
fn outside_parser_reads_our_file() {
    let python_path = std::env::var("CITYTILL_ACH_PYTHONPATH").unwrap_or_default();
    let required = std::env::var("CITYTILL_REQUIRE_ACH_ORACLE").is_ok_and(|v| v == "1");
    let probe = std::process::Command::new("python3").args(["-c", "import ach.parser"]).env("PYTHONPATH", &python_path).output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        assert!(!required, "CITYTILL_REQUIRE_ACH_ORACLE=1 but python3 cannot import ach.parser (pip install carta-ach): {probe:?}");
        eprintln!("skipped: the outside ACH parser (PyPI carta-ach) is not installed; set CITYTILL_ACH_PYTHONPATH or pip install carta-ach");
        return;
    }
    let city = autopay_city();
    prenote_and_debit(&city);
    let script = r#"
import sys
from ach.parser import Parser
text = open(sys.argv[1]).read()
data = Parser(text).as_dict()
head, control = data['file_header'], data['file_control']
assert head['record_size'] == '094' and head['blk_factor'] == '10' and head['immediate_dest'] == ' 021000021', head
(batch,) = data['batches']
assert batch['batch_header']['std_ent_cls_code'] == 'PPD' and batch['batch_header']['serv_cls_code'] == '225', batch['batch_header']
entries = [e['entry_detail'] for e in batch['entries']]
total = sum(int(e['amount']) for e in entries)
routes = sum(int(e['recv_dfi_id']) for e in entries) % 10**10
for record in (batch['batch_control'], control):
    assert int(record['debit_amount']) == total and int(record['credit_amount']) == 0, record
    assert int(record['entry_hash']) == routes, record
    assert int(record['entadd_count']) == len(entries), record
assert int(control['batch_count']) == 1 and int(control['block_count']) * 10 == len(text.splitlines()), control
print(len(entries), total, ' '.join(e['transaction_code'] + ':' + e['dfi_acnt_num'].strip() for e in entries))
"#;
    let out = std::process::Command::new("python3").args(["-c", script, &city.path("ar2.ach")]).env("PYTHONPATH", &python_path).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "carta-ach refused our file: {}{}", stdout, String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.trim(), format!("2 13412 27:{NUMBER} 37:55443322"));
}

// Proves the release is an outbox: killed after its entry commits and before the file exists, the run stays
// released (approving again is refused, so no second set of debits), and `autopay file` writes the file from
// the entries, identical on every rewrite.
#[test]
fn a_release_killed_before_its_file_is_written_loses_nothing() {
    let city = autopay_city();
    enrol(&city, "100200-01", "011000015", NUMBER, "full", "checking");
    // The number may come from the environment instead of the command line (`--bank-account -`).
    city.as_user("lee", PIN)
        .args(&["autopay", "enrol", "--account", "BL-0000042", "--routing", "021000021", "--bank-account", "-", "--rule", "full", "--draft-day", "5"])
        .approver("sam", PIN)
        .env("CITYTILL_BANK_ACCOUNT", "55443322")
        .expect_ok();
    city.as_user("lee", PIN).args(&["autopay", "run", "--date", "2026-12-01"]).expect_ok();
    let killed =
        city.as_user("lee", PIN).args(&["autopay", "approve", "AR1", "--out", &city.path("ar1.ach")]).approver("sam", PIN).env("CITYTILL_TEST_FAULT", "autopay-release-after-commit:kill").run();
    assert_ne!(killed.code, 0);
    assert!(!std::path::Path::new(&city.path("ar1.ach")).exists(), "killed before the file");
    city.as_user("lee", PIN).args(&["autopay", "approve", "AR1", "--out", &city.path("ar1.ach")]).approver("sam", PIN).expect_refused("was released already", 0);
    city.as_user("lee", PIN).args(&["autopay", "file", "AR1", "--out", &city.path("a.ach")]).expect_ok();
    city.as_user("sam", PIN).args(&["autopay", "file", "AR1", "--out", &city.path("b.ach")]).expect_ok();
    let (a, b) = (std::fs::read_to_string(city.path("a.ach")).unwrap(), std::fs::read_to_string(city.path("b.ach")).unwrap());
    assert_eq!(a, b);
    assert_eq!(a.lines().filter(|l| l.starts_with("628")).count(), 2, "{a}");
    assert!(a.contains("62802100002155443322 "), "the number read from CITYTILL_BANK_ACCOUNT: {a}");
    verify(&city);
}
