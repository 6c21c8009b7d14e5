//! The blind close through the real `citytill` binary: no drawer command, refusal or report the drawer's
//! cashier can run shows what the drawer should hold before the count is recorded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{City, Run, PIN};

/// Fails if the command's output (either stream) shows `figure`, the cash the drawer should hold.
fn blind(run: &Run, figure: &str, step: &str) {
    assert!(!run.stdout.contains(figure) && !run.stderr.contains(figure), "{step} shows the expected cash {figure}: {}{}", run.stdout, run.stderr);
}

// Proves a cashier running drop, paid-in, paid-out, no-sale (also with --json), a refused drop, a refused
// payment whose change the drawer cannot cover, the drawer report and the GL never sees the expected cash; a
// supervisor signed in sees it on both; after the count the close shows it.
#[test]
fn drawer_commands_never_show_expected_cash_before_the_count() {
    let city = City::new();
    city.ana_with_drawer();
    let ana = || city.as_user("ana", PIN);
    // Float 170.00 + 84.12 = 254.12.
    blind(&ana().args(&["pay", "--account", "100200-01", "--tender", "cash=100.00"]).expect_ok(), "254.12", "pay");
    blind(&ana().args(&["drawer", "drop", "40", "--json"]).expect_ok(), "214.12", "drop --json");
    blind(&ana().approver("sam", PIN).args(&["drawer", "paid-in", "10", "--reason", "float top-up"]).expect_ok(), "224.12", "paid-in");
    blind(&ana().approver("sam", PIN).args(&["drawer", "paid-out", "5", "--reason", "postage", "--json"]).expect_ok(), "219.12", "paid-out");
    blind(&ana().args(&["drawer", "no-sale", "--reason", "change for the meter"]).expect_ok(), "219.12", "no-sale");
    blind(&ana().args(&["drawer", "drop", "219.13"]).expect_refused("more cash than this drawer should hold", 0), "219.12", "a refused drop");
    let refused = ana().args(&["pay", "--account", "100300-02", "--tender", "cash=100000"]).expect_refused("the drawer cannot cover 99,750.00 in change", 0);
    blind(&refused, "219.12", "a refused payment");
    for viewer in [None, Some("ana")] {
        let run = match viewer {
            Some(name) => city.as_user(name, PIN).args(&["report", "drawer"]).expect_ok(),
            None => city.ok(&["report", "drawer"], &[]),
        };
        blind(&run, "219.12", "the drawer report");
        assert!(run.stdout.contains("(blind until counted)"), "{}", run.stdout);
    }
    let supervisor = city.as_user("sam", PIN).args(&["report", "drawer"]).expect_ok();
    assert!(supervisor.stdout.contains("219.12"), "a supervisor sees the open drawer's expected cash: {}", supervisor.stdout);
    // The GL's cash-in-drawers line is the same figure: refused to the cashier and to no one signed in.
    blind(&ana().args(&["report", "gl"]).expect_refused("only a supervisor who is not their cashier", 0), "219.12", "the gl report");
    assert_ne!(city.run(&["report", "gl"], &[]).code, 0, "the gl report without a sign-in must be refused while a drawer is open");
    assert!(city.as_user("sam", PIN).args(&["report", "gl"]).expect_ok().stdout.contains("219.12"));
    let close = ana().args(&["drawer", "close", "--count", "100x2,10x1,5x1,1x4,0.10x1,0.01x2"]).expect_ok();
    assert!(close.stdout.contains("219.12"), "after the count the expected cash is shown: {}", close.stdout);
}
