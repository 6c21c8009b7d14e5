//! End-to-end `.ice` scripts (tests/ice/*.ice) run against the real window program: every Task runs,
//! each script boots its own fresh ledger through the "fresh" preset.

use iced::Preset;

use super::app::App;
use super::testing::fixture;
use super::theme;

fn fresh() -> (App, iced::Task<super::app::Message>) {
    let fixture = fixture();
    let ctx = fixture.ctx.clone();
    // The ledger directory must outlive the script; the OS temp dir is cleaned by the test runner's host.
    std::mem::forget(fixture);
    App::new(ctx)
}

// Proves the scripts pass end to end: cash with change, split tender with a check, void with approval
// and refused self-approval, blind close with over/short, a mail batch scanned to balance, and a refused
// routing number retyped over its own selection (the typing replaces it).
#[test]
fn ice_scripts_pass() {
    let program = iced::application(fresh, App::update, App::view)
        .title(App::title)
        .theme(App::theme)
        .subscription(App::subscription)
        .font(theme::text::SANS_BYTES)
        .font(theme::text::SANS_BOLD_BYTES)
        .font(theme::text::MONO_BYTES)
        .default_font(theme::text::SANS)
        .presets([Preset::new("fresh", fresh)]);
    iced_test::run(program, std::env::var("CITYTILL_ICE_DIR").unwrap_or(format!("{}/tests/ice", env!("CARGO_MANIFEST_DIR")))).unwrap();
}
