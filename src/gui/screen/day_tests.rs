//! End-of-day screen tests on a real throwaway ledger: a cashier's day through to the deposit (slip shown,
//! PDF saved) and the day close asked for twice; and what the library refuses, shown as it says it.

use citytill::domain::denominations::{parse_count, USD_CENTS};
use citytill::domain::ids::Role;
use citytill::ops::auth::Actor;
use citytill::ops::drawer::Count;
use iced::Task;

use super::Message;
use crate::gui::app::{App, Message as AppMessage, Screen};
use crate::gui::keys::Shortcut;
use crate::gui::screen::counter::Message as CounterMessage;
use crate::gui::testing::{assert_snapshot, fixture, send, settle, signed_in, simulator};

fn day(app: &mut App, message: Message) {
    send(app, AppMessage::Day(message));
}

fn business_date(app: &mut App) -> String {
    let found = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let into = found.clone();
    let task = Task::perform(app.ctx.worker.run(|ledger| Ok(ledger.business_date()?.to_string())), move |date: Result<String, crate::gui::worker::WorkerError>| {
        if let (Ok(date), Ok(mut found)) = (date, into.lock()) {
            *found = date;
        }
        AppMessage::Activity
    });
    settle(app, task);
    let date = found.lock().map(|d| d.clone()).unwrap_or_default();
    date
}

/// Ana takes 84.12 in cash for account 100200 (tendering 100.00) through the counter, then her drawer is
/// counted exactly (100.00 float + 84.12) and its counter batch D1 approved by lee with sam, on the ledger thread.
fn day_of_payments(fixture: &crate::gui::testing::Fixture) {
    let mut app = signed_in(fixture, "ana", "1357");
    send(&mut app, AppMessage::Counter(CounterMessage::LookupChanged("100200".into())));
    send(&mut app, AppMessage::Counter(CounterMessage::LookupSubmitted));
    send(&mut app, AppMessage::Counter(CounterMessage::Amount("100".into())));
    send(&mut app, AppMessage::Counter(CounterMessage::AmountSubmitted));
    let settings = fixture.ctx.settings.clone();
    let task = Task::perform(
        fixture.ctx.worker.run(move |ledger| {
            let ana = Actor { name: "ana".into(), role: Role::Cashier };
            let count = Count { cash: parse_count("count", "100x1,20x4,1x4,0.10x1,0.01x2", USD_CENTS).map_err(|e| citytill::Error::Invalid(e.into()))?, ..Count::default() };
            citytill::ops::drawer::close(ledger, &settings, &ana, Some(count), None, None)?;
            let (lee, sam) = (Actor { name: "lee".into(), role: Role::Lead }, Actor { name: "sam".into(), role: Role::Supervisor });
            citytill::ops::batch::approve(ledger, &lee, &sam, "D1")?;
            Ok(())
        }),
        |done: Result<(), crate::gui::worker::WorkerError>| {
            assert_eq!(done, Ok(()));
            AppMessage::Activity
        },
    );
    settle(&mut app, task);
}

// Proves a lead prepares the day's deposit from the window (its number, batch count and 84.12 total in the
// notice, the slip on screen, a real PDF in <data dir>/reports), that a second deposit of the same date is
// refused with the library's message, and that the day closes only on the second F9: the first only asks,
// Esc withdraws the question, and after the close the business date has moved to the next day.
#[test]
fn deposit_and_day_close() {
    let fixture = fixture();
    day_of_payments(&fixture);
    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, AppMessage::Shortcut(Shortcut::Day));
    assert_eq!(app.screen, Screen::Day);
    assert_eq!(app.day.date, "2026-03-02");

    send(&mut app, AppMessage::Shortcut(Shortcut::F5));
    let notice = app.day.notice.clone().unwrap_or_else(|| panic!("{:?}", app.day.error));
    assert!(notice.starts_with("Deposit ") && notice.contains(": 1 batch, 84.12."), "{notice}");
    let slip = app.day.slip().map(str::to_string).unwrap();
    assert!(slip.contains("DEPOSIT SLIP") && slip.contains("84.12"), "{slip}");
    let pdf = notice.split("Slip saved in the data directory as ").nth(1).map(|p| p.trim_end_matches('.')).unwrap();
    assert!(pdf.starts_with("reports/deposit-slip-T01-"), "{pdf}");
    assert!(std::fs::read(fixture.ctx.data_dir.join(pdf)).unwrap().starts_with(b"%PDF"));
    let mut ui = simulator(app.view());
    assert!(ui.find("Prepare deposit [F5]").is_ok());
    assert_snapshot(&mut ui, &app.theme(), "day_deposit");
    drop(ui);

    day(&mut app, Message::Deposit);
    assert!(app.day.error.as_deref().is_some_and(|e| e.contains("2026-03-02")), "a second deposit of the date: {:?} {:?}", app.day.error, app.day.notice);

    day(&mut app, Message::Cancel);
    send(&mut app, AppMessage::Shortcut(Shortcut::F9));
    assert!(app.day.confirming(), "the first F9 only asks");
    assert_eq!(business_date(&mut app), "2026-03-02");
    send(&mut app, AppMessage::Shortcut(Shortcut::Cancel));
    assert!(!app.day.confirming());
    assert_eq!(app.screen, Screen::Day, "Esc withdrew the question, it did not leave");
    send(&mut app, AppMessage::Shortcut(Shortcut::F9));
    send(&mut app, AppMessage::Shortcut(Shortcut::F9));
    assert_eq!(app.day.notice.as_deref(), Some("Business date 2026-03-02 closed (1 drawer, 1 batch); new entries go to 2026-03-03."), "{:?}", app.day.error);
    assert_eq!(business_date(&mut app), "2026-03-03");
    assert_eq!(app.status.business_date, "2026-03-03", "the status bar follows");
}

// Proves what the library refuses reaches the screen as it says it, with nothing written: a cashier may not
// close the day, a lead may not while a drawer and its batch are open (both named), a date that is not a
// date is named without asking to confirm, and a deposit with nothing approved says so.
#[test]
fn refusals_are_shown() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Go(Screen::Day));
    day(&mut app, Message::CloseDay);
    day(&mut app, Message::CloseDay);
    assert!(app.day.error.as_deref().is_some_and(|e| e.contains("close the business day")), "{:?}", app.day.error);

    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, AppMessage::Go(Screen::Day));
    day(&mut app, Message::CloseDay);
    day(&mut app, Message::CloseDay);
    let error = app.day.error.clone().unwrap_or_default();
    assert!(error.contains("2026-03-02 cannot close") && error.contains("drawer 1 (ana) is open") && error.contains("batch D1 is open"), "{error}");
    assert_eq!(business_date(&mut app), "2026-03-02");

    day(&mut app, Message::Date("2026-02-30".into()));
    day(&mut app, Message::CloseDay);
    assert!(!app.day.confirming());
    assert!(crate::gui::testing::visible_texts(&app).iter().any(|t| t == "Business date: '2026-02-30' is not a date like 2026-11-24."), "{:?}", app.day.error);
    day(&mut app, Message::Date("2026-03-02".into()));
    day(&mut app, Message::Deposit);
    assert!(app.day.error.is_some() && app.day.slip().is_none(), "nothing approved to deposit: {:?} {:?}", app.day.error, app.day.notice);
}

// Proves the live drawer overview on the Day end screen: a supervisor sees ana's open drawer with its cash
// receipts and expected cash (100.00 float + 84.12 + 45.50 = 229.62) and, with a drop limit of 200.00, "Drop
// due"; after a 50.00 drop (a drawer action) the overview is read again: no drop due, 179.62 expected; a lead
// (who may not approve) sees the row without any expected cash.
#[test]
fn drawer_overview_shows_each_drawer_and_drop_due() {
    use crate::gui::screen::drawer::{Action, Message as DrawerMessage};
    let mut fixture = fixture();
    let mut settings = (*fixture.ctx.settings).clone();
    settings.limits.drawer_cash_limit = citytill::Money::from_cents(20_000);
    fixture.ctx.settings = std::sync::Arc::new(settings);
    let mut ana = signed_in(&fixture, "ana", "1357");
    for (account, cash) in [("100200", "84.12"), ("1234567", "45.50")] {
        send(&mut ana, AppMessage::Counter(CounterMessage::LookupChanged(account.into())));
        send(&mut ana, AppMessage::Counter(CounterMessage::LookupSubmitted));
        send(&mut ana, AppMessage::Counter(CounterMessage::Amount(cash.into())));
        send(&mut ana, AppMessage::Counter(CounterMessage::AmountSubmitted));
        assert!(ana.counter.completed().is_some(), "{:?}", ana.counter.error());
    }
    let mut sam = signed_in(&fixture, "sam", "975310");
    send(&mut sam, AppMessage::Go(Screen::Day));
    let line = sam.day.drawers.first().cloned().unwrap_or_else(|| panic!("no drawer in the overview: {:?}", sam.day.error));
    assert_eq!((line.cashier.as_str(), line.state.as_str(), line.cash_receipts, line.drop_due), ("ana", "open", 2, true));
    assert_eq!(line.expected_cash, Some(citytill::Money::from_cents(22_962)));
    let mut ui = simulator(sam.view());
    for shown in ["Drawers today", "ana", "open", "229.62", "Drop due"] {
        assert!(ui.find(shown).is_ok(), "{shown:?} is not on the Day end screen");
    }
    assert_snapshot(&mut ui, &sam.theme(), "day_drawer_overview");
    drop(ui);
    send(&mut ana, AppMessage::Go(Screen::Drawer));
    send(&mut ana, AppMessage::Drawer(DrawerMessage::Start(Action::Drop)));
    send(&mut ana, AppMessage::Drawer(DrawerMessage::Amount("50".into())));
    send(&mut ana, AppMessage::Drawer(DrawerMessage::Submit));
    assert!(ana.drawer.error().is_none(), "{:?}", ana.drawer.error());
    assert_eq!(ana.day.drawers.first().map(|d| (d.drop_due, d.expected_cash)), Some((false, None)), "ana's own overview after her drop");
    send(&mut sam, AppMessage::Go(Screen::Day));
    assert_eq!(sam.day.drawers.first().map(|d| (d.drop_due, d.expected_cash)), Some((false, Some(citytill::Money::from_cents(17_962)))));
    let mut lee = signed_in(&fixture, "lee", "8642");
    send(&mut lee, AppMessage::Go(Screen::Day));
    assert_eq!(lee.day.drawers.first().map(|d| (d.cashier.as_str(), d.expected_cash)), Some(("ana", None)));
    assert!(!crate::gui::testing::visible_texts(&lee).iter().any(|t| t.contains("179.62") || t == "Expected cash"), "a lead sees expected cash");
}

// Proves the deposit screen shows where the money goes: with a water fund banking at 1002 and a licence fund and
// the general fund banking by tender (1001), ana's 84.12 water payment, 150.00 licence payment and a 1.00 over
// are shown as each bank with each fund's share of each tender and the bank's subtotal — the two funds sharing
// 1001 grouped under it (151.00), the water fund's own bank apart (84.12) — beside the slip (snapshot looked at).
#[test]
fn deposit_shows_the_split_by_bank_and_fund() {
    let fixture = fixture();
    let settings = fixture.ctx.data_dir.join("citytill.toml");
    let mut text = std::fs::read_to_string(&settings).unwrap_or_default();
    text.push_str(
        "\n[funds]\ndefault = \"general\"\n[funds.fund.general]\nname = \"General fund\"\n[funds.fund.water]\nname = \"Water fund\"\nbank = \"1002\"\n[funds.fund.licenses]\nname = \"License fund\"\n[funds.kinds]\nutility = \"water\"\nlicense = \"licenses\"\n",
    );
    std::fs::write(&settings, text).unwrap();
    let mut ana = signed_in(&fixture, "ana", "1357");
    for (account, cash) in [("100200", "84.12"), ("BL-3004", "150.00")] {
        send(&mut ana, AppMessage::Counter(CounterMessage::LookupChanged(account.into())));
        send(&mut ana, AppMessage::Counter(CounterMessage::LookupSubmitted));
        send(&mut ana, AppMessage::Counter(CounterMessage::Amount(cash.into())));
        send(&mut ana, AppMessage::Counter(CounterMessage::AmountSubmitted));
        assert!(ana.counter.completed().is_some(), "{:?}", ana.counter.error());
    }
    let settings = fixture.ctx.settings.clone();
    let task = Task::perform(
        fixture.ctx.worker.run(move |ledger| {
            let ana = Actor { name: "ana".into(), role: Role::Cashier };
            // 100.00 float + 84.12 + 150.00, and 1.00 over.
            let count = Count { cash: parse_count("count", "100x3,20x1,10x1,5x1,0.10x1,0.01x2", USD_CENTS).map_err(|e| citytill::Error::Invalid(e.into()))?, ..Count::default() };
            citytill::ops::drawer::close(ledger, &settings, &ana, Some(count), None, None)?;
            let (lee, sam) = (Actor { name: "lee".into(), role: Role::Lead }, Actor { name: "sam".into(), role: Role::Supervisor });
            citytill::ops::batch::approve(ledger, &lee, &sam, "D1")?;
            Ok(())
        }),
        |done: Result<(), crate::gui::worker::WorkerError>| {
            assert_eq!(done, Ok(()));
            AppMessage::Activity
        },
    );
    settle(&mut ana, task);

    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, AppMessage::Go(Screen::Day));
    send(&mut app, AppMessage::Shortcut(Shortcut::F5));
    assert!(app.day.slip().is_some(), "{:?}", app.day.error);
    type Bank<'a> = (&'a str, Vec<(&'a str, &'a str, i64)>, i64);
    let banks: Vec<Bank<'_>> =
        app.day.banks().iter().map(|b| (b.bank_account.as_str(), b.parts.iter().map(|p| (p.name.as_str(), p.tender.as_str(), p.amount.cents())).collect(), b.subtotal.cents())).collect();
    assert_eq!(banks, vec![("1001", vec![("General fund", "cash", 100), ("License fund", "cash", 15000)], 15100), ("1002", vec![("Water fund", "cash", 8412)], 8412)]);
    let mut ui = simulator(app.view());
    for shown in ["Where the money goes: by bank and fund", "1001 Bank - operating account", "1002 Bank - utility fund account", "  License fund", "Subtotal to 1001", "151.00", "84.12"] {
        assert!(ui.find(shown).is_ok(), "{shown:?} is not on the deposit screen");
    }
    assert_snapshot(&mut ui, &app.theme(), "day_deposit_by_fund");
}

// Proves the day end screen tells a refusal from a failure: the library's refusal of a deposit with nothing
// approved names the date, so it is written under the date field (not in the banner; snapshot looked at); the same F5 with the
// ledger thread's queue full is a failure, said in the banner with "call IT" and under no field, the date kept
// as typed and F5 taking it again; the close refused for open drawers names no field, so it is in the banner.
#[test]
fn a_refusal_is_under_the_date_and_a_failure_in_the_banner() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, AppMessage::Go(Screen::Day));
    day(&mut app, Message::Deposit);
    let refusal = app.day.refusal(super::DATE_ID).map(str::to_string).unwrap_or_else(|| panic!("under the date: {:?}", app.day.error));
    assert!(refusal.contains("2026-03-02 has no approved batch"), "{refusal}");
    assert_eq!(app.day.banner_error(), None, "a refusal about the date is not in the banner");
    assert!(crate::gui::testing::visible_texts(&app).iter().any(|t| t.contains("has no approved batch")), "shown");
    let mut ui = simulator(app.view());
    assert_snapshot(&mut ui, &app.theme(), "day_date_refusal");
    drop(ui);

    let full = crate::gui::testing::FullQueue::hold(&fixture.ctx.worker);
    day(&mut app, Message::Deposit);
    full.release();
    let failure = app.day.banner_error().map(str::to_string).unwrap_or_else(|| panic!("in the banner: {:?}", app.day.error));
    assert!(failure.contains("already waiting") && failure.contains("call IT"), "{failure}");
    assert_eq!(app.day.refusal(super::DATE_ID), None, "a failure is not written under the date");
    assert_eq!((app.day.date.as_str(), app.day.step), ("2026-03-02", super::Step::Idle), "the date kept, and F5 takes it again");
    assert!(crate::gui::testing::visible_texts(&app).iter().any(|t| t.contains("call IT")), "shown");

    day(&mut app, Message::Deposit);
    assert!(app.day.refusal(super::DATE_ID).is_some_and(|r| r.contains("has no approved batch")), "F5 again reaches the ledger: {:?}", app.day.error);
    day(&mut app, Message::Date("2026-03-0".into()));
    assert_eq!((app.day.refusal(super::DATE_ID), app.day.banner_error()), (None, None), "typing in the date answers its refusal");
    day(&mut app, Message::Date("2026-03-02".into()));
    day(&mut app, Message::CloseDay);
    day(&mut app, Message::CloseDay);
    assert!(app.day.banner_error().is_some_and(|e| e.contains("cannot close") && !e.contains("call IT")), "a refusal naming no field is in the banner: {:?}", app.day.error);
    assert_eq!(app.day.refusal(super::DATE_ID), None);
}
