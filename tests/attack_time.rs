//! Attacks on time, through the real binary: a process `TZ` that would move the business date, and a
//! clock set back that would date receipts before earlier ones. The threat model of issue 13 §6.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{City, ADMIN_PIN, PIN};

// Proves the business date is the date in the city's zone (`init --time-zone`), whatever the process's
// `TZ` says: at 04:30 UTC on May 2 it is still May 1 in Chicago, though Kiritimati is already at May 2.
// (Before: the date came from the process's local zone, so `TZ=Pacific/Kiritimati` dated entries a day ahead.)
#[test]
fn business_date_follows_the_city_zone_not_tz() {
    let city = City { dir: tempfile::tempdir().unwrap() };
    let at = [("CITYTILL_NOW", "2026-05-02T04:30:00Z"), ("TZ", "Pacific/Kiritimati")];
    let init = city.ok(&["init", "--terminal", "T01", "--admin", "boss", "--time-zone", "America/Chicago", "--json"], &[at[0], at[1], ("CITYTILL_NEW_PIN", ADMIN_PIN)]);
    assert_eq!(init.json()["time_zone"], "America/Chicago");
    city.ok(&["--user", "boss", "user", "add", "ana", "--role", "cashier"], &[at[0], at[1], ("CITYTILL_PIN", ADMIN_PIN), ("CITYTILL_NEW_PIN", PIN)]);
    city.ok(&["--user", "ana", "drawer", "open", "--float", "20", "--count", "20x1"], &[at[0], at[1], ("CITYTILL_PIN", PIN)]);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM journal WHERE business_date <> '2026-05-01'"), 0, "an entry took the process's date");
    let day = city.ok(&["report", "day", "--json"], &[at[0], at[1]]).json();
    assert_eq!(day["date"], "2026-05-01");
    let refused = city.run(&["init", "--terminal", "T02", "--admin", "boss", "--time-zone", "Mars/Olympus"], &[("CITYTILL_NEW_PIN", ADMIN_PIN)]);
    assert!(refused.code != 0 && refused.stderr.contains("--time-zone: 'Mars/Olympus' is not an IANA time zone"), "{}", refused.stderr);
}

// Proves a clock set back a day does not date entries before the last one: the payment takes the last
// entry's time and business date, a clock_warning is journaled and shown on stderr, and the gap report
// finds no receipt missing. (Before: the entry was dated yesterday and the gap report listed the
// receipts issued "after" it as missing.)
#[test]
fn a_clock_set_back_never_moves_entries_back() {
    let city = City::new();
    city.ana_with_drawer();
    let pay = |env: &[(&str, &str)]| city.run(&["--user", "ana", "pay", "--account", "100200-01", "--amount", "1.00", "--tender", "cash=1.00"], &[&[("CITYTILL_PIN", PIN)], env].concat());
    assert_eq!(pay(&[]).code, 0);
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let back = pay(&[("CITYTILL_NOW", yesterday.as_str())]);
    assert_eq!(back.code, 0, "{}", back.stderr);
    assert!(back.stderr.contains("warning: clock: the clock reads"), "the setback is shown: {}", back.stderr);
    assert_eq!(pay(&[("CITYTILL_NOW", yesterday.as_str())]).code, 0);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM journal WHERE kind = 'clock_warning'"), 2, "one warning per setback seen by each process");
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM journal a JOIN journal b ON b.seq = a.seq + 1 WHERE b.at < a.at OR b.business_date < a.business_date"), 0);
    let dates = city.sql_i64("SELECT COUNT(DISTINCT business_date) FROM receipts");
    assert_eq!(dates, 1, "receipts got different business dates");
    let yesterday_date = (chrono::Utc::now() - chrono::Duration::days(1)).date_naive().to_string();
    for date in [None, Some(yesterday_date.as_str())] {
        let mut args = vec!["report", "gaps"];
        if let Some(date) = date {
            args.extend(["--date", date]);
        }
        let gaps = city.ok(&args, &[]);
        assert!(!gaps.stdout.contains("MISSING"), "{}", gaps.stdout);
    }
    let exceptions = city.ok(&["report", "exceptions"], &[]);
    assert!(exceptions.stdout.contains("clock_warning"), "the auditor sees the warning: {}", exceptions.stdout);
    assert_eq!(city.run(&["verify"], &[]).code, 0);
}

// Proves a clock moved forward between two commands by more than `security.clock_jump_minutes` (10) is
// shown and journaled: each command leaves its reading of the boot clock (which nobody can set) beside
// the wall clock, and the next compares. A small step is not a jump.
#[test]
fn a_clock_jump_between_commands_is_shown() {
    let city = City::new();
    city.ana_with_drawer();
    let pay = |now: String| city.run(&["--user", "ana", "pay", "--account", "100200-01", "--amount", "1.00", "--tender", "cash=1.00"], &[("CITYTILL_PIN", PIN), ("CITYTILL_NOW", now.as_str())]);
    let small = pay((chrono::Utc::now() + chrono::Duration::minutes(3)).to_rfc3339());
    assert!(small.code == 0 && !small.stderr.contains("warning"), "{}", small.stderr);
    let jumped = pay((chrono::Utc::now() + chrono::Duration::minutes(63)).to_rfc3339());
    assert_eq!(jumped.code, 0, "{}", jumped.stderr);
    assert!(jumped.stderr.contains("warning: clock: the clock jumped forward by") && jumped.stderr.contains("since the last command"), "{}", jumped.stderr);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM journal WHERE kind = 'clock_warning' AND payload LIKE '%jumped forward%'"), 1);
}
