//! Attacks: a careless operator or a hostile insider tries to get a full card number into anything that
//! lasts — the journal (and so head office), the log, backups, exports and reports — through every free-text
//! field of every command, written the ways people and spreadsheets write card numbers. Each attempt must be
//! refused with one line naming the field (never repeating the number), writing nothing; afterwards no file
//! CityTill wrote holds a Luhn-valid 13–19 digit run.
//!
//! What this defends: the "no card numbers" promise (PCI DSS keeps a city out of scope only if the PAN is
//! never stored). What it cannot: a number written as words, or split over two fields.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{find_card_numbers, read_all, City, ADMIN_PIN, PIN};
use proptest::prelude::*;

const FULL: &str = "4111111111111111";

/// A city with ana's drawer open and one cash payment, so void/refund have a receipt to aim at.
fn city_with_receipt() -> (City, String) {
    let city = City::new();
    city.ana_with_drawer();
    let run = city.as_user("ana", PIN).args(&["--json", "pay", "--account", "100200-01", "--amount", "20.00", "--tender", "cash=20.00"]).expect_ok();
    let receipt = run.json()["receipt"].as_str().unwrap_or_default().to_string();
    assert!(!receipt.is_empty(), "{}", run.stdout);
    (city, receipt)
}

/// Every file under `dir` (recursively) that holds a full card number, with the numbers found.
fn card_numbers_under(dir: &Path) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).into_iter().flatten().filter_map(Result::ok).map(|e| e.path()));
            continue;
        }
        let numbers = find_card_numbers(&normalised(&read_all(&path)));
        if !numbers.is_empty() {
            found.push((path.display().to_string(), numbers));
        }
    }
    found
}

/// File bytes with full-width digits made ASCII and separators between digits removed, so the scanner also
/// finds a number stored as `４１１１ １１１１…` or `4111.1111…`. JSON escapes of spaces count as separators.
fn normalised(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes).replace("\\u00a0", " ").replace("\\t", " ");
    let chars: Vec<char> = text.chars().map(|c| if ('０'..='９').contains(&c) { char::from(b'0' + (c as u32 - '０' as u32) as u8) } else { c }).collect();
    let separator = |c: char| c.is_whitespace() || "-./_".contains(c);
    let mut out = String::new();
    for (index, c) in chars.iter().enumerate() {
        if separator(*c) && index > 0 && chars[index - 1].is_ascii_digit() {
            let next = chars[index..].iter().find(|c| !separator(**c));
            if next.is_some_and(char::is_ascii_digit) {
                continue;
            }
        }
        out.push(*c);
    }
    out.into_bytes()
}

/// Writes what every reader of the city can take away: a backup, the billing export, and each report in
/// every format, into `dir`.
fn take_everything_away(city: &City, dir: &Path) {
    std::fs::create_dir_all(dir).expect("dir");
    let out = |name: &str| dir.join(name).display().to_string();
    city.as_user("boss", ADMIN_PIN).args(&["backup", &out("backup.sqlite")]).run();
    city.as_user("boss", ADMIN_PIN).args(&["export", "payments", "--out", &out("export.csv")]).run();
    for report in ["drawer", "day", "gl", "exceptions", "gaps", "over-short", "nsf"] {
        for format in ["text", "csv", "json", "pdf"] {
            city.as_user("boss", ADMIN_PIN).args(&["report", report, "--format", format, "--out", &out(&format!("{report}.{format}"))]).run();
        }
    }
}

// Proves the findings of the outside test are refused: a card number in a void, refund, no-sale, paid-in or
// paid-out reason, in a tender ref with two spaces between groups, and as `--amount`.
#[test]
fn card_numbers_in_reasons_refs_and_amounts_are_refused() {
    let (city, receipt) = city_with_receipt();
    let spaced = "4111  1111  1111  1111";
    let reason = format!("customer card {spaced}");
    let ana = || city.as_user("ana", PIN);
    ana().approver("sam", PIN).args(&["void", &receipt, "--reason", &reason]).expect_refused("--reason: looks like a card number", 0);
    ana().approver("sam", PIN).args(&["refund", &receipt, "--amount", "1.00", "--reason", &reason]).expect_refused("--reason: looks like a card number", 0);
    ana().args(&["drawer", "no-sale", "--reason", &reason]).expect_refused("--reason: looks like a card number", 0);
    ana().approver("sam", PIN).args(&["drawer", "paid-in", "5.00", "--reason", &reason]).expect_refused("--reason: looks like a card number", 0);
    ana().approver("sam", PIN).args(&["drawer", "paid-out", "5.00", "--reason", &reason]).expect_refused("--reason: looks like a card number", 0);
    ana().args(&["pay", "--account", "100200-01", "--amount", "5", "--tender", &format!("card=5.00,brand=visa,last4=1111,ref={spaced}")]).expect_refused("card: a full card number", 0);
    for amount in [FULL, "4111 1111 1111 1111", "abc"] {
        let run = ana().args(&["pay", "--account", "100200-01", "--amount", amount, "--tender", "cash=5"]).expect_refused("--amount:", 0);
        assert!(find_card_numbers(&normalised(run.stderr.as_bytes())).is_empty(), "the refusal repeats the number: {}", run.stderr);
    }
    ana().approver("sam", PIN).args(&["refund", &receipt, "--amount", FULL, "--reason", "customer asked"]).expect_refused("--amount:", 0);
    ana().approver("sam", PIN).args(&["drawer", "paid-out", FULL, "--reason", "customer asked"]).expect_refused("amount:", 0);
    let log = String::from_utf8_lossy(&read_all(&city.data().join("citytill.log"))).to_string();
    assert!(log.contains("command refused: invalid input at --amount"), "the refusals are logged, naming the field: {log}");
    assert!(!log.contains("abc"), "a value that failed to parse is never echoed into the log: {log}");
    assert_eq!(card_numbers_under(&city.data()), Vec::<(String, Vec<String>)>::new());
}

// Proves imported names and addresses holding a card number written with dots, slashes, no-break spaces,
// doubled spaces or full-width digits are refused, naming line and column, importing nothing.
#[test]
fn imported_card_numbers_however_written_are_refused() {
    let city = City::new();
    let before = city.journal_len();
    for written in
        ["4111.1111.1111.1111", "4111/1111/1111/1111", "4111\u{a0}1111\u{a0}1111\u{a0}1111", "4111  1111  1111  1111", "４１１１１１１１１１１１１１１１", "４１１１ １１１１ １１１１ １１１１"]
    {
        for (column, row) in [("name", format!("utility,X-1,Ann {written},1 A St,active,1.00")), ("address", format!("utility,X-1,Ann Lee,{written},active,1.00"))] {
            city.write("attack.csv", &format!("kind,number,name,address,status,balance\n{row}\n"));
            let run = city.as_user("boss", ADMIN_PIN).args(&["import", "payables", &city.path("attack.csv")]).run();
            assert_ne!(run.code, 0, "{written:?} in {column} was imported");
            assert!(run.stderr.contains(&format!("line 2, column {column}: looks like a card number")), "{written:?}: {}", run.stderr);
        }
    }
    std::fs::remove_file(city.path("attack.csv")).expect("remove fixture");
    // The file's name is journaled as the import's source, so it is checked like the rows.
    let named = format!("{FULL}.csv");
    city.write(&named, "kind,number,name,address,status,balance\nutility,X-1,Ann Lee,1 A St,active,1.00\n");
    city.as_user("boss", ADMIN_PIN).args(&["import", "payables", &city.path(&named)]).expect_refused("file name: looks like a card number", 0);
    std::fs::remove_file(city.path(&named)).expect("remove fixture");
    assert_eq!(city.journal_len(), before);
    assert_eq!(card_numbers_under(city.dir.path()), Vec::<(String, Vec<String>)>::new());
}

// Proves a card number in the settings file (printed on every receipt) is refused naming the key, and the
// refusal does not copy it into the log.
#[test]
fn card_number_in_settings_is_refused() {
    let city = City::new();
    let settings = city.data().join("citytill.toml");
    let original = std::fs::read_to_string(&settings).expect("settings");
    for key in ["city_name", "city_address"] {
        std::fs::write(&settings, original.replace(&format!("{key} = \""), &format!("{key} = \"4111 1111 1111 1111 "))).expect("write settings");
        let run = city.run(&["verify"], &[]);
        assert_ne!(run.code, 0, "{key}: {}", run.stdout);
        assert!(run.stderr.contains(&format!("{key}: looks like a card number")), "{key}: {}", run.stderr);
    }
    std::fs::write(&settings, original.replace("city_name = \"", "city_name = 4111111111111111\nx = \"")).expect("write settings");
    assert_ne!(city.run(&["verify"], &[]).code, 0);
    std::fs::write(&settings, &original).expect("restore settings");
    assert_eq!(card_numbers_under(&city.data()), Vec::<(String, Vec<String>)>::new());
}

/// A generated card number: a real issuer prefix or any digits, 13–19 long, with a valid Luhn digit.
fn card_number() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![Just("4".to_string()), Just("51".to_string()), Just("37".to_string()), Just("6011".to_string()), Just(String::new())];
    (prefix, 13usize..=19, proptest::collection::vec(0u32..10, 19)).prop_map(|(prefix, length, digits)| {
        let mut number: Vec<u32> = prefix.chars().filter_map(|c| c.to_digit(10)).collect();
        number.extend(digits.iter().take(length - 1 - number.len()));
        let sum: u32 = number
            .iter()
            .rev()
            .enumerate()
            .map(|(i, d)| {
                if i % 2 == 0 {
                    if d * 2 > 9 {
                        d * 2 - 9
                    } else {
                        d * 2
                    }
                } else {
                    *d
                }
            })
            .sum();
        number.push((10 - sum % 10) % 10);
        number.iter().map(|d| char::from_digit(*d, 10).unwrap_or('0')).collect()
    })
}

/// The card number written with random separators between digits and random digit forms.
fn written(number: &str, separators: &[usize], full_width: bool) -> String {
    const SEPARATORS: [&str; 12] = ["", "", "", " ", "  ", "-", ".", "/", "_", "\u{a0}", "\u{202f}", " - "];
    let mut out = String::new();
    for (index, c) in number.chars().enumerate() {
        if index > 0 {
            out.push_str(SEPARATORS[separators[index] % SEPARATORS.len()]);
        }
        let digit = c.to_digit(10).unwrap_or(0);
        out.push(if full_width { char::from_u32('０' as u32 + digit).unwrap_or(c) } else { c });
    }
    out
}

/// Every free-text field of every command, as (needle the refusal must hold, arguments with `{}` for the text).
const FIELDS: &[(&str, &[&str])] = &[
    ("--reason", &["void", "{receipt}", "--reason", "card {}"]),
    ("--reason", &["refund", "{receipt}", "--amount", "1.00", "--reason", "card {}"]),
    ("--reason", &["drawer", "no-sale", "--reason", "card {}"]),
    ("--reason", &["drawer", "paid-in", "5.00", "--reason", "card {}"]),
    ("--reason", &["drawer", "paid-out", "5.00", "--reason", "card {}"]),
    ("card", &["pay", "--account", "100200-01", "--amount", "5", "--tender", "card=5.00,brand=visa,last4=1111,ref={}"]),
    ("card", &["pay", "--account", "100200-01", "--amount", "5", "--tender", "card=5.00,brand=visa,last4=1111,auth={}"]),
    ("card", &["pay", "--account", "100200-01", "--amount", "5", "--tender", "ach=5.00,ref={}"]),
    ("card", &["pay", "--account", "100200-01", "--amount", "5", "--tender", "check=5.00,number={}"]),
    ("--account", &["pay", "--account", "{}", "--tender", "cash=5"]),
    ("--amount", &["pay", "--account", "100200-01", "--amount", "{}", "--tender", "cash=5"]),
    ("--fee", &["pay", "--fee", "{}", "--tender", "cash=5"]),
    ("lookup", &["lookup", "{}"]),
    ("name", &["user", "add", "{}", "--role", "cashier"]),
    ("--reason", &["batch", "reject", "M1", "--reason", "card {}"]),
    ("--reason", &["batch", "remove", "M1", "--item", "1", "--reason", "card {}"]),
    ("--account", &["batch", "add", "M1", "--account", "{}", "--amount", "5"]),
    ("card", &["batch", "add", "M1", "--account", "100200-01", "--amount", "5", "--tender", "money_order=5.00,number={}"]),
    ("--reason", &["drawer", "close", "--count", "20x5", "--reason", "card {}"]),
];

// Proves any generated card number, written with random separators and digit forms, put into any free-text
// field of any command, is refused naming the field, writes nothing, and leaves no trace on disk.
#[test]
fn no_free_text_field_lets_a_card_number_in() {
    // One city for all generated cases (each case runs the real binary once): ana's drawer is open, there is
    // a receipt, and lead lee has mail batch M1 with one item.
    let (city, receipt) = city_with_receipt();
    city.as_user("lee", PIN).args(&["batch", "open", "mail", "--control-total", "10.00", "--items", "2"]).expect_ok();
    city.as_user("lee", PIN).args(&["batch", "add", "M1", "--account", "100300-02", "--amount", "5.00"]).expect_ok();
    let config = ProptestConfig { cases: 64, max_shrink_iters: 8, failure_persistence: None, ..ProptestConfig::default() };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let cases = (card_number(), proptest::collection::vec(0usize..100, 19), any::<bool>(), 0..FIELDS.len());
    let outcome = runner.run(&cases, |(number, separators, full_width, field)| {
        let text = written(&number, &separators, full_width);
        let (needle, template) = FIELDS[field];
        let args: Vec<String> = template.iter().map(|a| a.replace("{receipt}", &receipt).replace("{}", &text)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let user = match args[0] {
            "user" => ("boss", ADMIN_PIN),
            "batch" => ("lee", PIN),
            _ => ("ana", PIN),
        };
        let approved = ["void", "refund", "paid-in", "paid-out", "reject"].iter().any(|a| args[..2].contains(a));
        let mut call = city.as_user(user.0, user.1).args(&args);
        if approved {
            call = call.approver("sue", PIN);
        }
        let run = call.expect_refused(needle, 0);
        prop_assert!(run.stderr.contains("card number") || needle == "--amount", "{:?}: {}", args, run.stderr);
        prop_assert!(find_card_numbers(&normalised(run.stderr.as_bytes())).is_empty(), "the refusal repeats the number: {}", run.stderr);
        let found = card_numbers_under(&city.data());
        prop_assert!(found.is_empty(), "{:?} left {:?}", args, found);
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    // After every attempt: nothing anyone can take away (backup, export, reports) holds one either.
    let away = city.dir.path().join("away");
    take_everything_away(&city, &away);
    assert!(away.join("backup.sqlite").exists(), "the backup was written");
    assert_eq!(card_numbers_under(city.dir.path()), Vec::<(String, Vec<String>)>::new());
}

// Proves that after a day's work and every refused attempt above, nothing anyone can take away — backup,
// billing export, every report in every format — holds a card number.
#[test]
fn nothing_taken_away_holds_a_card_number() {
    let (city, receipt) = city_with_receipt();
    city.as_user("ana", PIN).args(&["pay", "--account", "100300-02", "--amount", "10.00", "--tender", "card=10.00,brand=visa,last4=1111,auth=A1B2C3,ref=TRM-7"]).expect_ok();
    city.as_user("ana", PIN).approver("sam", PIN).args(&["void", &receipt, "--reason", &format!("card {}", written(FULL, &[4; 19], false))]).run();
    city.as_user("ana", PIN).approver("sam", PIN).args(&["void", &receipt, "--reason", "wrong account"]).expect_ok();
    let away = city.dir.path().join("away");
    take_everything_away(&city, &away);
    assert!(away.join("backup.sqlite").exists() && away.join("day.csv").exists() && away.join("gl.pdf").exists(), "the takeaways were written");
    assert_eq!(card_numbers_under(city.dir.path()), Vec::<(String, Vec<String>)>::new());
}

// Proves the one write path itself refuses an entry holding a card number (defence in depth behind the edge
// checks: a future command that forgets its check still cannot store one), while the ledger's hashes pass.
#[test]
fn the_write_path_refuses_an_entry_holding_a_card_number() {
    let city = City::new();
    let before = city.journal_len();
    let mut ledger = citytill::ledger::Ledger::open(&city.ledger()).expect("open ledger");
    for name in [FULL.to_string(), "4111\u{a0}1111\u{a0}1111\u{a0}1111".into(), "4111\t1111\t1111\t1111".into(), "４１１１１１１１１１１１１１１１".into()] {
        let event = citytill::domain::events::Event::UserDeactivated { name };
        let outcome = ledger.write(|w| w.append(None, None, &event));
        let error = outcome.expect_err("an entry with a card number was written").to_string();
        assert!(error.starts_with("ledger invariant broken: user_deactivated entry: holds what looks like a card number"), "{error}");
    }
    let user = ledger.write(|w| w.append(Some("4111-1111-1111-1111"), None, &citytill::domain::events::Event::UserDeactivated { name: "ben".into() }));
    assert!(user.is_err(), "a card number as the acting user is refused too");
    drop(ledger);
    assert_eq!(city.journal_len(), before);
    city.as_user("boss", ADMIN_PIN).args(&["verify"]).expect_ok();
}
