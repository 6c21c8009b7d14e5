//! Container styles: cards, the status bar, the TRAINING banner, and error/notice boxes.

use iced::widget::container::Style;
use iced::{border, Background, Border, Theme};

/// A raised card (payable, cart, tenders, dialogs).
pub fn card(theme: &Theme) -> Style {
    let palette = theme.extended_palette();
    Style {
        background: Some(Background::Color(palette.background.weak.color)),
        text_color: Some(palette.background.weak.text),
        border: Border { color: palette.background.strong.color, width: 1.0, radius: 8.0.into() },
        ..Style::default()
    }
}

/// The bar along the bottom of every screen.
pub fn status_bar(theme: &Theme) -> Style {
    let pair = theme.extended_palette().background.strong;
    Style { background: Some(Background::Color(pair.color)), text_color: Some(pair.text), ..Style::default() }
}

/// The TRAINING banner: impossible to miss.
pub fn training(theme: &Theme) -> Style {
    let pair = theme.extended_palette().warning.strong;
    Style { background: Some(Background::Color(pair.color)), text_color: Some(pair.text), border: border::rounded(4), ..Style::default() }
}

/// An error the cashier must read and act on.
pub fn error(theme: &Theme) -> Style {
    let pair = theme.extended_palette().danger.weak;
    Style { background: Some(Background::Color(pair.color)), text_color: Some(pair.text), border: border::rounded(6), ..Style::default() }
}

/// A confirmation (payment recorded, drawer closed).
pub fn success(theme: &Theme) -> Style {
    let pair = theme.extended_palette().success.weak;
    Style { background: Some(Background::Color(pair.color)), text_color: Some(pair.text), border: border::rounded(6), ..Style::default() }
}

/// A question waiting for an answer (confirm a close, implausible cash): the card's own readable text,
/// marked by a thick warning-coloured border rather than coloured text or an error's red.
pub fn question(theme: &Theme) -> Style {
    let palette = theme.extended_palette();
    Style {
        background: Some(Background::Color(palette.background.weak.color)),
        text_color: Some(palette.background.weak.text),
        border: Border { color: palette.warning.strong.color, width: 3.0, radius: 6.0.into() },
        ..Style::default()
    }
}
