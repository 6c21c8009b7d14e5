//! Text styles and the bundled fonts: DejaVu Sans everywhere (the window must show text with no system fonts).

use citytill::domain::states::BatchState;
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
    Style { color: Some(theme.palette().warning) }
}

/// Text on the highlighted row: the row's own colour.
pub fn highlighted(theme: &Theme) -> Style {
    Style { color: Some(theme.extended_palette().primary.strong.text) }
}

/// A batch's state word (open, balanced, approved, rejected) in the list; on the highlighted row it takes
/// the row's own text colour (a state colour on the row's fill is unreadable).
pub fn batch_state(state: BatchState, highlighted: bool) -> fn(&Theme) -> Style {
    if highlighted {
        return self::highlighted;
    }
    match state {
        BatchState::Approved | BatchState::Balanced => success,
        BatchState::Rejected => danger,
        BatchState::Open => warning,
    }
}
