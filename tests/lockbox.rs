//! Lockbox and online payment files through the real binary: one batch per file on the file's own control
//! totals, exceptions for unknown or closed accounts resolved by a lead, second-person approval, re-imports
//! refused by fingerprint, malformed files refused whole naming the line and field.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{City, PIN};

/// A BAI lockbox type 6 record (templates/lockbox/bai-lockbox.toml's positions).
fn detail(item: u32, cents: i64, check: &str, account: &str) -> String {
    format!("6001{item:03}{cents:010}0210000211234567890{check:>10}{account:<20}")
}

/// The file: header, batch header, the items, batch total, lockbox total (count and amount), trailer.
fn lockbox_file(items: &[(i64, &str, &str)], count: usize, total: i64) -> String {
    let mut out = vec!["1000000012345670210000212612020915".to_string(), "500100012345672612020".to_string()];
    for (i, (cents, check, account)) in items.iter().enumerate() {
        out.push(detail(i as u32 + 1, *cents, check, account));
    }
    out.push(format!("7001{count:04}{total:010}"));
    out.push(format!("81234567261202{count:04}{total:010}"));
    out.push("9000001".into());
    out.join("\r\n") + "\r\n"
}

fn balance_of(city: &City, account: &str) -> i64 {
    city.sql_i64(&format!("SELECT balance_cents FROM payables WHERE number = '{account}'"))
}

// Proves a lockbox file becomes one batch held in suspense: known accounts are items, an unknown and a closed
// account are exceptions, the batch cannot balance (so cannot be approved) until both are resolved, a refund
// counts toward the file's total, whoever entered an item cannot approve, a second person's approval posts the items,
// the same file is refused a second time, and verify passes after each step.
#[test]
fn lockbox_file_to_approved_batch_with_exceptions() {
    let city = City::new();
    let items = [(8412, "1001", "100200-01"), (4500, "1002", "PC00001234"), (1000, "1003", "NOPE-77"), (500, "1004", "BP-0000007")];
    city.write("lockbox.txt", &lockbox_file(&items, 4, 14412));
    let lee = || city.as_user("lee", PIN);
    city.as_user("ana", PIN).args(&["lockbox", "import", &city.path("lockbox.txt"), "--template", "bai-lockbox"]).expect_refused("may not import lockbox", 0);
    let imported = lee().args(&["lockbox", "import", &city.path("lockbox.txt"), "--template", "bai-lockbox", "--json"]).expect_ok().json();
    assert_eq!((imported["batch"].as_str(), imported["items"].as_i64(), imported["exceptions"].as_i64()), (Some("L1"), Some(2), Some(2)), "{imported}");
    assert_eq!((imported["control_total"].as_str(), imported["deposit_date"].as_str()), (Some("144.12"), Some("2026-12-02")));
    assert_eq!(balance_of(&city, "100200-01"), 8412, "nothing reaches an account before approval");
    city.ok(&["verify"], &[]);

    lee().args(&["lockbox", "import", &city.path("lockbox.txt"), "--template", "bai-lockbox"]).expect_refused("was imported already as batch L1", 0);
    lee().args(&["batch", "balance", "L1"]).expect_refused("L1 has 2 unresolved exception(s)", 0);
    lee().args(&["batch", "add", "L1", "--account", "100200-01", "--amount", "1"]).expect_refused("holds a file's items", 0);
    let open = lee().args(&["lockbox", "exceptions", "--json"]).expect_ok().json();
    let open: Vec<(&str, &str)> = open.as_array().unwrap().iter().map(|r| (r["reference"].as_str().unwrap(), r["problem"].as_str().unwrap())).collect();
    assert_eq!(open, [("L1-E1", "unknown account"), ("L1-E2", "account BP-0000007 is closed")]);

    lee().args(&["lockbox", "resolve", "L1-E1", "--apply-to", "BP-0000007", "--reason", "coupon misread"]).expect_refused("--apply-to: 'BP-0000007': account BP-0000007 is closed", 0);
    lee().args(&["lockbox", "resolve", "L1-E1", "--apply-to", "100300-02", "--refund", "--reason", "x"]).expect_refused("--apply-to: give --apply-to ACCOUNT or --refund", 0);
    city.as_user("sam", PIN).args(&["lockbox", "resolve", "L1-E1", "--apply-to", "100300-02", "--reason", "coupon misread; the check is James Smith's"]).expect_ok();
    lee().args(&["lockbox", "resolve", "L1-E1", "--refund", "--reason", "again"]).expect_refused("L1-E1 is applied already", 0);
    lee().args(&["lockbox", "resolve", "L1-E2", "--refund", "--reason", "permit closed; check returned to the builder"]).expect_ok();
    assert_eq!(lee().args(&["lockbox", "exceptions", "--json"]).expect_ok().json().as_array().map(Vec::len), Some(0));
    city.ok(&["verify"], &[]);

    lee().args(&["batch", "balance", "L1"]).expect_ok();
    // sam applied an exception (entered an item), so sam may not approve; sue may.
    lee().approver("sam", PIN).args(&["batch", "approve", "L1"]).expect_refused("sam prepared batch L1", 1);
    let approved = lee().approver("sue", PIN).args(&["batch", "approve", "L1", "--json"]).expect_ok().json();
    assert_eq!(approved["state"].as_str(), Some("approved"), "{approved}");
    assert_eq!((balance_of(&city, "100200-01"), balance_of(&city, "PC00001234"), balance_of(&city, "100300-02")), (0, 0, 25000 - 1000));
    let resolved = lee().args(&["lockbox", "exceptions", "--all", "--json"]).expect_ok().json();
    let states: Vec<(&str, &str)> = resolved.as_array().unwrap().iter().map(|r| (r["reference"].as_str().unwrap(), r["state"].as_str().unwrap())).collect();
    assert_eq!(states, [("L1-E1", "applied"), ("L1-E2", "refunded")]);
    city.ok(&["verify"], &[]);
}

// Proves a malformed or self-contradicting file is refused whole with one line naming the line and field, and
// that nothing at all is written (no batch, no journal entry).
#[test]
fn malformed_lockbox_files_are_refused_whole() {
    let city = City::new();
    let lee = || city.as_user("lee", PIN);
    let good = lockbox_file(&[(8412, "1001", "100200-01"), (4500, "1002", "PC00001234")], 2, 12912);
    let cases = [
        (good.replace("0000004500021", "000000450X021"), "lockbox.txt: line 4 field items.amount: '000000450X' is not an amount"),
        (lockbox_file(&[(8412, "1001", "100200-01"), (4500, "1002", "PC00001234")], 3, 12912), "line 6 field totals.count: the control record says 3 items, the file holds 2"),
        (lockbox_file(&[(8412, "1001", "100200-01"), (4500, "1002", "PC00001234")], 2, 12913), "line 6 field totals.amount: the control record says 129.13, the items total 129.12"),
        (good.replace("9000001", "X000001"), "line 7 field record_type: 'X' is not a record type of template bai-lockbox"),
        (good.replace("1002PC00001234", "1002"), "line 4 field items.account: the record is 56 characters; the field is columns 47-66"),
        (good.replace("81234567261202", "81234567261302"), "line 6 field totals.date: '261302' is not a date"),
        (good.replace("PC00001234", "4111111111111111"), "line 4 field items.account"),
        (good.lines().filter(|l| !l.starts_with('8')).collect::<Vec<_>>().join("\n"), "has no control record"),
    ];
    for (text, needle) in cases {
        city.write("lockbox.txt", &text);
        lee().args(&["lockbox", "import", &city.path("lockbox.txt"), "--template", "bai-lockbox"]).expect_refused(needle, 0);
    }
    lee().args(&["lockbox", "import", &city.path("lockbox.txt"), "--template", "nope"]).expect_refused("--template: 'nope' is not a shipped template", 0);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM batches WHERE kind = 'lockbox'"), 0);
    city.ok(&["verify"], &[]);
}

// Proves a web/IVR settlement CSV becomes an `online` batch through the shipped CSV template, a city's own
// template is found by name (a file in <data dir>/lockbox, or one named in citytill.toml's [lockbox] templates,
// where a broken one is refused naming the settings key), and a CSV row of the wrong width is refused naming its line.
#[test]
fn online_settlement_csv_and_a_city_template() {
    let city = City::new();
    let csv = "RecordType,Confirmation,Account,PaymentDate,Amount,ItemCount\n\
               D,W100231,100200-01,2026-12-02,84.12,\n\
               D,W100232,BL-0000042,2026-12-02,120,\n\
               T,,,2026-12-02,204.12,2\n";
    city.write("web.csv", csv);
    let lee = || city.as_user("lee", PIN);
    let done = lee().args(&["lockbox", "import", &city.path("web.csv"), "--template", "online-csv", "--json"]).expect_ok().json();
    assert_eq!((done["batch"].as_str(), done["kind"].as_str(), done["total"].as_str(), done["exceptions"].as_i64()), (Some("W1"), Some("online"), Some("204.12"), Some(0)), "{done}");
    lee().args(&["batch", "balance", "W1"]).expect_ok();
    lee().approver("sue", PIN).args(&["batch", "approve", "W1"]).expect_ok();
    assert_eq!((balance_of(&city, "100200-01"), balance_of(&city, "BL-0000042")), (0, 0));

    city.write("bad.csv", &csv.replace("D,W100232,BL-0000042,2026-12-02,120,", "D,W100232,BL-0000042,2026-12-02,120"));
    lee().args(&["lockbox", "import", &city.path("bad.csv"), "--template", "online-csv"]).expect_refused("bad.csv: line 3: 5 fields where the header has 6", 0);

    // The city's processor names its columns differently: a copy of the shipped layout with its names.
    let shipped = std::fs::read_to_string(format!("{}/templates/lockbox/online-csv.toml", env!("CARGO_MANIFEST_DIR"))).unwrap();
    std::fs::create_dir_all(city.data().join("lockbox")).unwrap();
    std::fs::write(city.data().join("lockbox/ivr.toml"), shipped.replace("name = \"online-csv\"", "name = \"ivr\"").replace("\"Account\"", "\"AcctNo\"")).unwrap();
    city.write("ivr.csv", &csv.replace("Account,", "AcctNo,").replace("W1002", "I1002"));
    let done = lee().args(&["lockbox", "import", &city.path("ivr.csv"), "--template", "ivr", "--json"]).expect_ok().json();
    assert_eq!(done["batch"].as_str(), Some("W2"), "{done}");

    // Named in citytill.toml ([lockbox] templates), found by its own name; a broken one is refused naming the key.
    std::fs::write(city.data().join("lockbox/proc.toml"), shipped.replace("name = \"online-csv\"", "name = \"processor-x\"").replace("\"Confirmation\"", "\"ConfNo\"")).unwrap();
    let settings = city.data().join("citytill.toml");
    let original = std::fs::read_to_string(&settings).unwrap_or_default();
    std::fs::write(&settings, format!("{original}\n[lockbox]\ntemplates = [\"lockbox/proc.toml\"]\n")).unwrap();
    city.write("proc.csv", &csv.replace("Confirmation,", "ConfNo,").replace("W1002", "P1002"));
    let done = lee().args(&["lockbox", "import", &city.path("proc.csv"), "--template", "processor-x", "--json"]).expect_ok().json();
    assert_eq!(done["batch"].as_str(), Some("W3"), "{done}");
    assert!(city.ok(&["lockbox", "templates"], &[]).stdout.starts_with("processor-x"));
    std::fs::write(city.data().join("lockbox/proc.toml"), shipped.replace("format = \"csv\"", "format = \"xml\"")).unwrap();
    lee().args(&["lockbox", "import", &city.path("proc.csv"), "--template", "processor-x"]).expect_refused("lockbox.templates[0]: template ", 0);
    city.ok(&["verify"], &[]);
}

// Proves the library's redirect of an exception (what the window's apply form uses): the account is read with its
// name, kind, status and balance beside the item's own kind (the file's other items: utility); an unknown or
// closed account is refused naming --apply-to; a change of kind is refused unless confirmed for that very kind,
// writing nothing (the command line likewise, until --kind-change names it); confirmed, the item is applied and
// the batch balances; verify replays it.
#[test]
fn redirect_to_another_kind_needs_its_confirmation() {
    use citytill::domain::ids::Role;
    use citytill::domain::payable::PayableKind;
    use citytill::ops::auth::Actor;
    use citytill::ops::lockbox_redirect;
    let city = City::new();
    let items = [(8412, "1001", "100200-01"), (1000, "1003", "NOPE-77")];
    city.write("lockbox.txt", &lockbox_file(&items, 2, 9412));
    city.as_user("lee", PIN).args(&["lockbox", "import", &city.path("lockbox.txt"), "--template", "bai-lockbox"]).expect_ok();
    let mut ledger = citytill::ledger::Ledger::open(&city.ledger()).unwrap();
    let lee = Actor { name: "lee".into(), role: Role::Lead };
    let refused = |account: &str| lockbox_redirect::target(&ledger.read().unwrap(), &lee, "L1-E1", account).unwrap_err().to_string();
    assert_eq!(refused("NOPE-1"), "--apply-to: 'NOPE-1': unknown account");
    assert_eq!(refused("BP-0000007"), "--apply-to: 'BP-0000007': account BP-0000007 is closed");
    let same = lockbox_redirect::target(&ledger.read().unwrap(), &lee, "L1-E1", "100300-02").unwrap();
    assert_eq!((same.name.as_str(), same.kind, same.status.as_str(), same.balance.cents(), same.original_kind), ("James Smith", PayableKind::Utility, "delinquent", 25000, Some(PayableKind::Utility)));
    assert!(!same.changes_kind());
    let other = lockbox_redirect::target(&ledger.read().unwrap(), &lee, "L1-E1", "PC00001234").unwrap();
    assert_eq!((other.kind, other.original_kind, other.changes_kind()), (PayableKind::Citation, Some(PayableKind::Utility), true));

    let before = city.sql_i64("SELECT COUNT(*) FROM journal");
    for confirmed in [None, Some(PayableKind::Permit)] {
        let error = lockbox_redirect::apply(&mut ledger, &lee, "L1-E1", "PC00001234", "coupon misread", confirmed).unwrap_err().to_string();
        assert!(error.starts_with("--apply-to: PC00001234 is a citation account and L1-E1 was paid for a utility account"), "{error}");
    }
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM journal"), before, "a refused redirect writes nothing");
    drop(ledger);
    // The command line asks the same: --kind-change names the kind accepted.
    let lee_cli = || city.as_user("lee", PIN);
    lee_cli().args(&["lockbox", "resolve", "L1-E1", "--apply-to", "PC00001234", "--reason", "coupon misread"]).expect_refused("(--kind-change citation)", 0);
    lee_cli().args(&["lockbox", "resolve", "L1-E1", "--apply-to", "PC00001234", "--reason", "coupon misread", "--kind-change", "parking"]).expect_refused("--kind-change: 'parking' is not one of", 0);
    let done = lee_cli().args(&["lockbox", "resolve", "L1-E1", "--apply-to", "PC00001234", "--reason", "coupon misread; the check is Linh Nguyen's", "--kind-change", "citation"]).expect_ok();
    assert!(done.stdout.contains("L1-E1 applied to PC00001234 as item L1-0002"), "{}", done.stdout);
    city.as_user("lee", PIN).args(&["batch", "balance", "L1"]).expect_ok();
    city.ok(&["verify"], &[]);
}
