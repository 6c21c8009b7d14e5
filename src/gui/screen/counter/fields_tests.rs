//! Counter tests for the tender detail inputs (routing, account, check number; brand, last 4, auth,
//! reference): their Tab order, the MICR scan that fills them, and refusals shown under the input at fault.

use citytill::domain::tender::{contains_card_number, TenderField, TenderKind};
use citytill::Money;
use citytill_hardware::device::{DeviceEvent, ScanData};
use iced::widget::Id;
use iced::Rectangle;
use iced_test::selector::Candidate;

use super::{field_id, Message, AMOUNT_ID};
use crate::gui::app::{App, Message as AppMessage};
use crate::gui::testing::{assert_snapshot, fixture, send, signed_in, simulator, simulator_at, visible_texts, wholly_visible};

fn counter(app: &mut App, message: Message) {
    send(app, AppMessage::Counter(message));
}

/// A signed-in window with account 100200 (84.12 due) in the cart.
fn with_cart() -> (crate::gui::testing::Fixture, App) {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    assert_eq!(app.counter.total_due(), Money::from_cents(8412), "{:?}", app.counter.error);
    (fixture, app)
}

/// The ids of the focusable widgets in the order Tab (`focus_next`) walks them: the widget tree's order.
fn tab_order(app: &App) -> Vec<String> {
    let mut ui = simulator(app.view());
    let mut ids = Vec::new();
    let _ = ui.find(|candidate: Candidate<'_>| -> Option<()> {
        if let Candidate::Focusable { id: Some(id), .. } = candidate {
            ids.push(format!("{id:?}"));
        }
        None
    });
    ids
}

fn id(name: &'static str) -> String {
    format!("{:?}", Id::new(name))
}

/// Where the text input `name` and the text `content` are drawn.
fn bounds(app: &App, name: &'static str, content: &str) -> (Option<Rectangle>, Option<Rectangle>) {
    let mut ui = simulator(app.view());
    let (wanted, mut input, mut label) = (Id::new(name), None, None);
    let _ = ui.find(|candidate: Candidate<'_>| -> Option<()> {
        match candidate {
            Candidate::TextInput { id: Some(id), bounds, .. } if *id == wanted => input = Some(bounds),
            Candidate::Text { content: text, bounds, .. } if text == content => label = Some(bounds),
            _ => {}
        }
        None
    });
    (input, label)
}

// Proves Check shows routing, account and check number as three inputs that Tab reaches in that order right
// after the amount (Card: brand, last 4, auth, reference), and that Enter in routing or account moves on
// without tendering while Enter in the check number tenders.
#[test]
fn tab_goes_amount_routing_account_number_and_enter_in_the_last_tenders() {
    let (_fixture, mut app) = with_cart();
    counter(&mut app, Message::Kind(TenderKind::Check));
    let order = tab_order(&app);
    let amount = order.iter().position(|i| *i == id(AMOUNT_ID)).unwrap_or_else(|| panic!("{order:?}"));
    let expected: Vec<String> = [AMOUNT_ID, field_id(TenderField::Routing), field_id(TenderField::Account), field_id(TenderField::Number)].into_iter().map(id).collect();
    assert_eq!(order[amount..amount + 4], expected[..], "{order:?}");
    counter(&mut app, Message::Kind(TenderKind::Card));
    let order = tab_order(&app);
    let card: Vec<String> = TenderField::of(TenderKind::Card).iter().map(|f| id(field_id(*f))).collect();
    assert_eq!(order[amount + 1..amount + 5], card[..], "{order:?}");

    counter(&mut app, Message::Kind(TenderKind::Check));
    counter(&mut app, Message::Amount("50".into()));
    for (field, value) in [(TenderField::Routing, "021000021"), (TenderField::Account, "12345678")] {
        counter(&mut app, Message::Field(field, value.into()));
        counter(&mut app, Message::FieldSubmitted(field));
        assert!(app.counter.cart.tenders().is_empty(), "Enter in {field:?} must not tender yet");
    }
    counter(&mut app, Message::Field(TenderField::Number, "1001".into()));
    counter(&mut app, Message::FieldSubmitted(TenderField::Number));
    let tender = app.counter.cart.tenders().first().cloned().unwrap_or_else(|| panic!("{:?}", app.counter.tender.field_error));
    assert_eq!((tender.routing.as_deref(), tender.account_last4.as_deref(), tender.number.as_deref()), (Some("021000021"), Some("5678"), Some("1001")));
    assert_eq!(app.counter.remaining(), Money::from_cents(3412));
}

// Proves a check read by the MICR reader fills the routing, account (its last 4 only) and check number inputs
// and picks Check, leaving the amount to the cashier; the full account number is never shown.
#[test]
fn micr_scan_fills_the_three_check_fields() {
    let (_fixture, mut app) = with_cart();
    let micr = citytill_hardware::micr::parse("T021000021T 123456789U 1001", None).unwrap();
    send(&mut app, AppMessage::Device(DeviceEvent::Data(ScanData::Micr(micr))));
    assert_eq!(app.counter.tender.kind, TenderKind::Check);
    let fields = &app.counter.tender.fields;
    assert_eq!((fields.routing.as_str(), fields.account.as_str(), fields.number.as_str()), ("021000021", "6789", "1001"));
    let texts = visible_texts(&app);
    assert!(texts.iter().any(|t| t == "6789") && texts.iter().any(|t| t == "1001"), "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains("123456789")), "the full account number is on screen: {texts:?}");
    counter(&mut app, Message::AmountSubmitted);
    assert!(app.counter.completed().is_some(), "Enter on the scanned check pays the exact amount: {:?} {:?}", app.counter.error, app.counter.tender.field_error);
}

// Proves a routing number failing the ABA checksum is refused under the routing input itself (not in the
// banner), what was typed stays there for the selection to replace, and nothing is tendered or recorded.
#[test]
fn bad_routing_is_named_under_the_routing_field_and_nothing_is_recorded() {
    let (_fixture, mut app) = with_cart();
    counter(&mut app, Message::Kind(TenderKind::Check));
    for (field, value) in [(TenderField::Routing, "112000025"), (TenderField::Account, "12345678"), (TenderField::Number, "1001")] {
        counter(&mut app, Message::Field(field, value.into()));
    }
    counter(&mut app, Message::FieldSubmitted(TenderField::Number));
    let (field, problem) = app.counter.tender.field_error.clone().unwrap_or_else(|| panic!("no field error; banner {:?}", app.counter.error));
    assert_eq!(field, TenderField::Routing);
    assert!(problem.contains("routing number '112000025'"), "{problem}");
    assert!(app.counter.error.is_none(), "the refusal belongs beside the field: {:?}", app.counter.error);
    assert!(app.counter.cart.tenders().is_empty() && app.counter.completed().is_none());
    assert_eq!(app.counter.tender.fields.routing, "112000025", "kept (selected) so typing replaces it");
    let (input, label) = bounds(&app, field_id(TenderField::Routing), &problem);
    let (input, label) = (input.expect("routing input drawn"), label.expect("refusal drawn"));
    assert!(label.y >= input.y + input.height && label.y < input.y + input.height + 40.0, "refusal {label:?} not under routing {input:?}");
    assert!(label.x >= input.x - 1.0 && label.x < input.x + input.width, "refusal {label:?} not in routing's column {input:?}");
    counter(&mut app, Message::Field(TenderField::Routing, "021000021".into()));
    assert!(app.counter.tender.field_error.is_none(), "retyping the field clears its refusal");
}

// Proves a full card number typed into a card's Last 4 or Reference input is refused naming that input, is
// wiped from every input (never shown again, never tendered), and nothing is recorded; one typed as the
// amount is wiped too.
#[test]
fn full_card_number_in_last4_or_reference_never_leaves_the_screen() {
    for field in [TenderField::Last4, TenderField::Reference] {
        let (_fixture, mut app) = with_cart();
        counter(&mut app, Message::Kind(TenderKind::Card));
        counter(&mut app, Message::Field(TenderField::Brand, "visa".into()));
        counter(&mut app, Message::Field(TenderField::Last4, "1111".into()));
        counter(&mut app, Message::Field(field, "4111 1111 1111 1111".into()));
        counter(&mut app, Message::FieldSubmitted(TenderField::Reference));
        assert_eq!(app.counter.tender.field_error.as_ref().map(|(f, _)| *f), Some(field), "{:?}", app.counter.tender.field_error);
        assert!(app.counter.tender.field_error.as_ref().is_some_and(|(_, e)| e.contains("looks like a card number") && !contains_card_number(e)));
        assert!(app.counter.tender.fields.get(field).is_empty(), "the card number stays in {field:?}");
        assert!(app.counter.cart.tenders().is_empty() && app.counter.completed().is_none());
        assert!(!visible_texts(&app).iter().any(|t| contains_card_number(t)), "a card number is on screen");
    }
    let (_fixture, mut app) = with_cart();
    counter(&mut app, Message::Amount("4111111111111111".into()));
    counter(&mut app, Message::AmountSubmitted);
    assert!(app.counter.tender.amount.is_empty() && app.counter.cart.tenders().is_empty(), "a card number typed as the amount is kept");
    assert!(!visible_texts(&app).iter().any(|t| contains_card_number(t)), "a card number is on screen");
}

// Proves the detail inputs fit the smallest counter screen (1024×768): with a refusal wrapped under a card's
// Last 4 (four inputs side by side) every input, the refusal and Complete are wholly on screen.
#[test]
fn detail_inputs_and_their_refusal_fit_1024_by_768() {
    const SMALL: (f32, f32) = (1024.0, 768.0);
    let (_fixture, mut app) = with_cart();
    counter(&mut app, Message::Kind(TenderKind::Card));
    counter(&mut app, Message::Field(TenderField::Brand, "visa".into()));
    counter(&mut app, Message::Field(TenderField::Last4, "42424".into()));
    counter(&mut app, Message::AmountSubmitted);
    let problem = app.counter.tender.field_error.clone().map(|(_, p)| p).unwrap_or_else(|| panic!("no refusal: {:?}", app.counter.error));
    let mut ui = simulator_at(SMALL, app.view());
    for field in TenderField::of(TenderKind::Card) {
        assert!(wholly_visible(&mut ui, SMALL, iced_test::selector::id(field_id(*field))).is_some(), "{field:?} is not on screen");
    }
    assert!(wholly_visible(&mut ui, SMALL, problem.as_str()).is_some(), "the refusal is not on screen");
    assert!(wholly_visible(&mut ui, SMALL, "Complete [Enter]").is_some(), "Complete is pushed off screen");
    assert_snapshot(&mut ui, &app.theme(), "counter_card_refusal_1024");
}

// Proves the window's typed check and card fields and the command line's `--tender` text make the same
// request: account 100200 at 84.12 with a 50.00 check keyed field by field in the window equals
// `--account 100200 --amount 84.12 --tender check=50.00,routing=…,account=…,number=…`, and so for a card.
#[test]
fn window_fields_and_command_line_text_make_the_same_request() {
    let max = Money::from_cents(citytill::money::DEFAULT_MAX_CENTS);
    type Case<'a> = (TenderKind, &'a [(TenderField, &'a str)], &'a str);
    let cases: [Case; 2] = [
        (
            TenderKind::Check,
            &[(TenderField::Routing, "021000021"), (TenderField::Account, "99912345678"), (TenderField::Number, "1001")],
            "check=50.00,routing=021000021,account=99912345678,number=1001",
        ),
        (
            TenderKind::Card,
            &[(TenderField::Brand, "visa"), (TenderField::Last4, "4242"), (TenderField::Auth, "A1B2C3"), (TenderField::Reference, "TRM-7")],
            "card=50.00,brand=visa,last4=4242,auth=A1B2C3,ref=TRM-7",
        ),
    ];
    for (kind, fields, text) in cases {
        let (_fixture, mut app) = with_cart();
        counter(&mut app, Message::Amount("50.00".into()));
        counter(&mut app, Message::Kind(kind));
        for (field, value) in fields {
            counter(&mut app, Message::Field(*field, (*value).into()));
        }
        counter(&mut app, Message::AmountSubmitted);
        assert_eq!(app.counter.cart.tenders().len(), 1, "{:?}", app.counter.tender.field_error);
        let mut command_line = citytill::ops::payment::Cart::default();
        command_line.add_account_text("100200", Some("84.12"), max).unwrap();
        command_line.add_tender_text(text, max).unwrap();
        assert_eq!(app.counter.cart.request().unwrap(), command_line.request().unwrap(), "{kind:?}");
    }
}

// Proves the window charges a city's card convenience fee the way the ledger does: with a 2.5% (minimum 1.00)
// card fee, picking Card says the fee and the amount in all before anything is taken, a bare Enter tenders
// that amount (84.12 + 2.10), and the payment completes with the fee as its own line — where a counter
// without the fee's cart would have its card refused as short.
#[test]
fn card_convenience_fee_is_shown_then_charged() {
    use citytill::domain::convenience_fee::{ConvenienceFeeSettings, ConvenienceFees, TierSettings};
    let raw = ConvenienceFeeSettings { enabled: true, card: Some(TierSettings { percent: "2.5".into(), minimum: "1.00".into(), ..TierSettings::default() }), ..ConvenienceFeeSettings::default() };
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    // The city's settings carry the schedule: the window's cart shows it and the ledger charges it.
    let settings = citytill::config::Settings { convenience_fee: Some(raw.clone()), ..(*app.ctx.settings).clone() };
    app.ctx.settings = std::sync::Arc::new(settings);
    app.counter = super::Counter::with_fees(ConvenienceFees::read(&raw).unwrap());
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    assert_eq!(app.counter.total_due(), Money::from_cents(8412), "cash carries no fee: {:?}", app.counter.error);
    counter(&mut app, Message::Kind(TenderKind::Card));
    assert!(visible_texts(&app).iter().any(|t| t == "Card adds a convenience fee of 2.10 — 86.22 in all"), "{:?}", visible_texts(&app));
    counter(&mut app, Message::Field(TenderField::Brand, "visa".into()));
    counter(&mut app, Message::Field(TenderField::Last4, "4242".into()));
    counter(&mut app, Message::Field(TenderField::Auth, "A1".into()));
    counter(&mut app, Message::AmountSubmitted);
    let completed = app.counter.completed().unwrap_or_else(|| panic!("{:?} {:?}", app.counter.error, app.counter.tender.field_error));
    assert_eq!(completed.result.total, Money::from_cents(8622));
    let lines = match &completed.info.payment {
        citytill::domain::events::Event::PaymentTaken { lines, .. } => lines.clone(),
        other => panic!("{other:?}"),
    };
    assert!(lines.iter().any(|l| matches!(&l.target, citytill::domain::events::LineTarget::Fee { code, .. } if code == "CONV-FEE") && l.amount() == Money::from_cents(210)), "{lines:?}");
}

// Proves a mistyped tender amount is refused under the amount itself (not in the banner), nothing is
// tendered, and typing again takes the refusal away.
#[test]
fn a_bad_amount_is_refused_under_the_amount() {
    let (_fixture, mut app) = with_cart();
    counter(&mut app, Message::Amount("12.345".into()));
    counter(&mut app, Message::AmountSubmitted);
    let problem = app.counter.tender.amount_error.clone().unwrap_or_else(|| panic!("no amount refusal; banner {:?}", app.counter.error));
    assert!(problem.contains("12.345"), "{problem}");
    assert_eq!(app.counter.error, None, "the banner does not repeat it");
    assert!(app.counter.cart.tenders().is_empty(), "nothing tendered");
    let sentence = crate::gui::wording::sentence(&problem);
    assert!(visible_texts(&app).contains(&sentence), "the refusal is on screen");
    counter(&mut app, Message::Amount("12.34".into()));
    assert_eq!(app.counter.tender.amount_error, None);
}
