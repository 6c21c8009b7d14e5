//! Text field style: typed text, placeholder and border readable on the page and on cards (iced's default
//! placeholder and border are too faint: 2.9:1 and 1.2:1 on a card).

use iced::widget::text_input::{default, Status, Style};
use iced::{Color, Theme};

/// Every field of the window: the placeholder in the muted hint colour, the border dark (light mode) or
/// pale (dark mode) enough to find the field on a card (3:1).
pub fn field(theme: &Theme, status: Status) -> Style {
    let palette = theme.extended_palette();
    let style = default(theme, status);
    let (text, page) = (palette.background.base.text, palette.background.base.color);
    let mix = |c: f32, p: f32| c * 0.7 + p * 0.3;
    let outline = Color { r: mix(text.r, page.r), g: mix(text.g, page.g), b: mix(text.b, page.b), a: 1.0 };
    let border = match status {
        Status::Active | Status::Disabled => iced::Border { color: outline, ..style.border },
        _ => style.border,
    };
    Style { placeholder: Color { a: 0.72, ..text }, border, ..style }
}
