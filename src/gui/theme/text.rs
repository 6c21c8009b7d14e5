//! Text styles and the bundled fonts: DejaVu Sans everywhere (the window must show text with no system fonts).

use iced::widget::text::Style;
use iced::{Font, Theme};

/// The bundled fonts (assets/, DejaVu license in assets/DejaVu-LICENSE.txt).
pub const SANS_BYTES: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");
pub const SANS_BOLD_BYTES: &[u8] = include_bytes!("../../../assets/DejaVuSans-Bold.ttf");
pub const MONO_BYTES: &[u8] = include_bytes!("../../../assets/DejaVuSansMono.ttf");

pub const SANS: Font = Font::with_name("DejaVu Sans");
pub const BOLD: Font = Font { weight: iced::font::Weight::Bold, ..SANS };
/// Receipt previews: columns line up as on paper.
pub const MONO: Font = Font::with_name("DejaVu Sans Mono");

/// Muted text for hints and labels.
pub fn muted(theme: &Theme) -> Style {
    let text = theme.extended_palette().background.base.text;
    Style { color: Some(iced::Color { a: 0.72, ..text }) }
}

pub fn danger(theme: &Theme) -> Style {
    Style { color: Some(theme.palette().danger) }
}

pub fn success(theme: &Theme) -> Style {
    Style { color: Some(theme.palette().success) }
}

pub fn warning(theme: &Theme) -> Style {
    Style { color: Some(theme.extended_palette().warning.strong.color) }
}
