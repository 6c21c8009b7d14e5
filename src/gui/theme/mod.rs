//! The window's look in one place: light and dark palettes, text sizes, and per-widget styles.

pub mod button;
pub mod container;
pub mod text;
pub mod text_input;

#[cfg(test)]
mod contrast_tests;

use iced::{color, theme::Palette, Theme};

/// Body text size in pixels: readable at arm's length over a counter.
pub const BODY: f32 = 18.0;
/// Headings (screen titles, the payable holder).
pub const HEADING: f32 = 24.0;
/// Amounts that matter (total due, tendered).
pub const AMOUNT: f32 = 30.0;
/// Change due: the one number the cashier must not misread.
pub const CHANGE: f32 = 64.0;
/// Small print (status bar, hints).
pub const SMALL: f32 = 15.0;
/// Space between blocks.
pub const GAP: f32 = 12.0;

/// The two themes the cashier can switch between (Ctrl+T).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Light,
    Dark,
}

impl Mode {
    pub fn toggled(self) -> Mode {
        match self {
            Mode::Light => Mode::Dark,
            Mode::Dark => Mode::Light,
        }
    }

    /// The iced theme for this mode: high-contrast palettes with a calm blue accent. The state colours are
    /// dark (light mode) or pale (dark mode) enough to read 4.5:1 on cards and the status bar (`contrast_tests`).
    pub fn theme(self) -> Theme {
        match self {
            Mode::Light => Theme::custom(
                "CityTill Light",
                Palette { background: color!(0xf7f7f4), text: color!(0x111111), primary: color!(0x1d4f91), success: color!(0x145c2c), warning: color!(0x7a4600), danger: color!(0x9b1c14) },
            ),
            Mode::Dark => Theme::custom(
                "CityTill Dark",
                Palette { background: color!(0x1b1d21), text: color!(0xf2f2f2), primary: color!(0x6fa8ff), success: color!(0x5cc77f), warning: color!(0xf0b44c), danger: color!(0xffa198) },
            ),
        }
    }
}
