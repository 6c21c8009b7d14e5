//! Button styles: primary (the action Enter does), secondary (other actions), danger (voids, refunds), and tabs.

use iced::widget::button::{Status, Style};
use iced::{border, Background, Color, Theme};

/// `base` moved a little away from `text` (darker under white text, lighter under black): a hovered or
/// pressed button shows the change while its label keeps (or gains) contrast.
fn away_from(base: Color, text: Color, amount: f32) -> Color {
    let target = if text.r + text.g + text.b > 1.5 { 0.0 } else { 1.0 };
    let mix = |c: f32| c + (target - c) * amount;
    Color { r: mix(base.r), g: mix(base.g), b: mix(base.b), a: base.a }
}

fn filled(base: Color, text: Color, status: Status) -> Style {
    let background = match status {
        Status::Hovered | Status::Pressed => away_from(base, text, 0.18),
        Status::Disabled => Color { a: 0.4, ..base },
        Status::Active => base,
    };
    Style { background: Some(Background::Color(background)), text_color: text, border: border::rounded(6), ..Style::default() }
}

/// The main action of a screen (shown with its key, e.g. "Complete [Enter]").
pub fn primary(theme: &Theme, status: Status) -> Style {
    let pair = theme.extended_palette().primary.strong;
    filled(pair.color, pair.text, status)
}

/// Every other action.
pub fn secondary(theme: &Theme, status: Status) -> Style {
    let pair = theme.extended_palette().background.strong;
    filled(pair.color, pair.text, status)
}

/// Actions that reverse money: void, refund, returned check.
pub fn danger(theme: &Theme, status: Status) -> Style {
    let pair = theme.extended_palette().danger.base;
    filled(pair.color, pair.text, status)
}

/// A navigation tab; `active` marks the screen being shown.
pub fn tab(active: bool) -> impl Fn(&Theme, Status) -> Style {
    move |theme, status| if active { primary(theme, status) } else { secondary(theme, status) }
}

/// A search result row: flat until hovered.
pub fn row(theme: &Theme, status: Status) -> Style {
    let palette = theme.extended_palette();
    let background = match status {
        Status::Hovered | Status::Pressed => Some(Background::Color(palette.background.weak.color)),
        _ => None,
    };
    Style { background, text_color: palette.background.base.text, border: border::rounded(4), ..Style::default() }
}

/// The search result or list row the keyboard highlight is on (Enter picks it): filled like the primary action.
pub fn row_highlighted(theme: &Theme, status: Status) -> Style {
    Style { border: border::rounded(4), ..primary(theme, status) }
}

/// A list row's style: `row_highlighted` when the keyboard highlight is on it, else `row`.
pub fn list_row(highlighted: bool) -> fn(&Theme, Status) -> Style {
    if highlighted {
        row_highlighted
    } else {
        row
    }
}
