//! WCAG 2.1 contrast of every text/background pair the theme's styles produce, light and dark: 4.5:1 for
//! text (all of it, large or not), 3:1 for the borders that mark a field or a question.

use iced::widget::{button, text_input};
use iced::{Background, Color, Theme};

use super::{button as buttons, container, text, text_input as inputs, Mode};

/// WCAG 2.1 relative luminance of an opaque colour.
fn luminance(color: Color) -> f32 {
    let channel = |c: f32| if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) };
    0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)
}

/// WCAG 2.1 contrast ratio of two opaque colours (1 to 21).
fn ratio(a: Color, b: Color) -> f32 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `top` drawn over the opaque `under` (translucent muted text, hovered buttons).
fn over(top: Color, under: Color) -> Color {
    let a = top.a;
    Color { r: top.r * a + under.r * (1.0 - a), g: top.g * a + under.g * (1.0 - a), b: top.b * a + under.b * (1.0 - a), a: 1.0 }
}

fn solid(background: Option<Background>) -> Color {
    match background {
        Some(Background::Color(color)) => color,
        other => panic!("a style without a plain background colour: {other:?}"),
    }
}

/// The surfaces text sits on: the page, a card, the status bar and a question card.
fn surfaces(theme: &Theme) -> Vec<(&'static str, Color, Color)> {
    let page = theme.extended_palette().background.base;
    let mut all = vec![("page", page.color, page.text)];
    for (name, style) in [("card", container::card(theme)), ("status bar", container::status_bar(theme)), ("question", container::question(theme))] {
        let color = solid(style.background);
        all.push((name, color, style.text_color.expect("a surface sets its text colour")));
    }
    all
}

/// (what, foreground, background).
type Pair = (String, Color, Color);
type TextStyle = fn(&Theme) -> iced::widget::text::Style;
type ButtonStyle = fn(&Theme, button::Status) -> button::Style;

/// Every (what, text, background) the theme draws, and every (what, border, beside) a field or question shows.
fn pairs(theme: &Theme) -> (Vec<Pair>, Vec<Pair>) {
    let (mut texts, mut borders) = (Vec::new(), Vec::new());
    let text_styles: [(&str, TextStyle); 4] = [("muted", text::muted), ("danger", text::danger), ("success", text::success), ("warning", text::warning)];
    for (surface, background, plain) in surfaces(theme) {
        texts.push((format!("text on {surface}"), plain, background));
        // The status bar shows plain text and troubles in the danger colour; the other surfaces every text style.
        let styles = if surface == "status bar" { &text_styles[1..2] } else { &text_styles[..] };
        for (name, style) in styles {
            let color = style(theme).color.expect("the style sets a colour");
            texts.push((format!("{name} text on {surface}"), over(color, background), background));
        }
        if surface == "status bar" {
            continue;
        }
        let buttons: [(&str, ButtonStyle); 5] = [
            ("primary button", buttons::primary),
            ("secondary button", buttons::secondary),
            ("danger button", buttons::danger),
            ("list row", buttons::row),
            ("highlighted row", buttons::row_highlighted),
        ];
        for (name, style) in buttons {
            // Disabled buttons are exempt (WCAG 1.4.3 inactive components).
            for status in [button::Status::Active, button::Status::Hovered, button::Status::Pressed] {
                let style = style(theme, status);
                let fill = style.background.map(|b| over(solid(Some(b)), background)).unwrap_or(background);
                texts.push((format!("{name} ({status:?}) on {surface}"), style.text_color, fill));
                // A batch's state word in the list (a card), on a plain row and on the highlighted one.
                if surface == "card" && name.ends_with("row") {
                    for &state in citytill::domain::states::BatchState::ALL {
                        let color = text::batch_state(state, name == "highlighted row")(theme).color.unwrap_or(style.text_color);
                        texts.push((format!("batch state {state} on the {name} ({status:?})"), over(color, fill), fill));
                    }
                }
            }
        }
        for status in [text_input::Status::Active, text_input::Status::Hovered, text_input::Status::Focused { is_hovered: false }] {
            let style = inputs::field(theme, status);
            let fill = over(solid(Some(style.background)), background);
            texts.push((format!("typed text ({status:?}) on {surface}"), style.value, fill));
            texts.push((format!("placeholder ({status:?}) on {surface}"), over(style.placeholder, fill), fill));
            borders.push((format!("field border ({status:?}) on {surface}"), style.border.color, background));
        }
    }
    for (name, style) in [("error box", container::error(theme)), ("notice box", container::success(theme)), ("TRAINING banner", container::training(theme))] {
        texts.push((name.to_string(), style.text_color.expect("sets its text colour"), solid(style.background)));
    }
    let question = container::question(theme);
    let page = theme.extended_palette().background.base.color;
    borders.push(("question border inside".into(), question.border.color, solid(question.background)));
    borders.push(("question border outside".into(), question.border.color, page));
    (texts, borders)
}

// Proves every text colour the light and dark themes draw is at least 4.5:1 against what it is drawn on
// (state colours on cards, the status bar and the highlighted row, muted hints, placeholders, buttons and
// boxes), and every field's and question's border at least 3:1 against its surroundings.
#[test]
fn every_colour_pair_meets_wcag_aa() {
    let mut failures = Vec::new();
    for mode in [Mode::Light, Mode::Dark] {
        let theme = mode.theme();
        let (texts, borders) = pairs(&theme);
        assert!(texts.len() > 90, "the pairs cover every surface");
        for (what, fg, bg) in texts {
            let r = ratio(fg, bg);
            if r < 4.5 {
                failures.push(format!("{mode:?}: {what}: {r:.2}:1 (needs 4.5)"));
            }
        }
        for (what, fg, bg) in borders {
            let r = ratio(fg, bg);
            if r < 3.0 {
                failures.push(format!("{mode:?}: {what}: {r:.2}:1 (needs 3)"));
            }
        }
    }
    assert!(failures.is_empty(), "{} pairs fail WCAG AA:\n{}", failures.len(), failures.join("\n"));
}

// Proves the ratio is WCAG's: black on white is 21:1, a colour on itself 1:1, and #767676 on white just passes 4.5.
#[test]
fn contrast_ratio_is_wcags() {
    assert!((ratio(Color::BLACK, Color::WHITE) - 21.0).abs() < 0.01);
    assert!((ratio(Color::WHITE, Color::WHITE) - 1.0).abs() < 0.001);
    let grey = iced::color!(0x767676);
    assert!((ratio(grey, Color::WHITE) - 4.54).abs() < 0.01, "{}", ratio(grey, Color::WHITE));
}
