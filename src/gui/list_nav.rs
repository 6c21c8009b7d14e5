//! Keyboard movement in a list (search results, receipts): Up/Down one row, PageUp/PageDown a page,
//! Home/End the ends; the highlighted row is kept in view by snapping the list's scrollable to it.

use iced::widget::operation::{snap_to, RelativeOffset};
use iced::Task;

use super::keys::Shortcut;

/// Rows a PageUp / PageDown moves.
pub const PAGE: usize = 8;

/// A movement of a list's highlight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
}

impl Move {
    /// The movement a key asks for, if it is a list key.
    pub fn from_shortcut(shortcut: Shortcut) -> Option<Move> {
        Some(match shortcut {
            Shortcut::Up => Move::Up,
            Shortcut::Down => Move::Down,
            Shortcut::PageUp => Move::PageUp,
            Shortcut::PageDown => Move::PageDown,
            Shortcut::Home => Move::Home,
            Shortcut::End => Move::End,
            _ => return None,
        })
    }
}

/// The highlighted row after `movement` in a list of `len` rows (None: nothing highlighted yet). From no
/// highlight, Down / PageDown / Home start at the first row and Up / PageUp / End at the last; moves stop
/// at the ends. An empty list has no highlight.
pub fn moved(current: Option<usize>, len: usize, movement: Move) -> Option<usize> {
    let last = len.checked_sub(1)?;
    Some(match (current.map(|c| c.min(last)), movement) {
        (_, Move::Home) | (None, Move::Down | Move::PageDown) => 0,
        (_, Move::End) | (None, Move::Up | Move::PageUp) => last,
        (Some(c), Move::Up) => c.saturating_sub(1),
        (Some(c), Move::Down) => (c + 1).min(last),
        (Some(c), Move::PageUp) => c.saturating_sub(PAGE),
        (Some(c), Move::PageDown) => (c + PAGE).min(last),
    })
}

/// Where the scrollable must sit (0.0 top … 1.0 bottom) for row `index` of `len` to be in view.
pub fn offset(index: usize, len: usize) -> f32 {
    if len <= 1 {
        0.0
    } else {
        index.min(len - 1) as f32 / (len - 1) as f32
    }
}

/// Scrolls the list `id` so row `index` of `len` is in view.
pub fn follow<M: Send + 'static>(id: &'static str, index: usize, len: usize) -> Task<M> {
    snap_to(id, RelativeOffset { x: None, y: Some(offset(index, len)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves the highlight moves row by row and page by page, jumps to the ends, starts at the right end
    // from nothing, stops at the ends, and that the scroll offset follows it from top (0) to bottom (1).
    #[test]
    fn highlight_moves_and_stops_at_the_ends() {
        assert_eq!(moved(None, 0, Move::Down), None);
        assert_eq!(moved(None, 20, Move::Down), Some(0));
        assert_eq!(moved(None, 20, Move::Up), Some(19));
        assert_eq!(moved(Some(0), 20, Move::Up), Some(0));
        assert_eq!(moved(Some(3), 20, Move::Down), Some(4));
        assert_eq!(moved(Some(3), 20, Move::PageDown), Some(3 + PAGE));
        assert_eq!(moved(Some(15), 20, Move::PageDown), Some(19));
        assert_eq!(moved(Some(3), 20, Move::PageUp), Some(0));
        assert_eq!(moved(Some(3), 20, Move::End), Some(19));
        assert_eq!(moved(Some(19), 20, Move::Home), Some(0));
        assert_eq!(moved(Some(30), 5, Move::Down), Some(4), "a highlight beyond a shorter list is clamped");
        assert_eq!((offset(0, 20), offset(19, 20), offset(0, 1)), (0.0, 1.0, 0.0));
        assert!((offset(10, 21) - 0.5).abs() < f32::EPSILON);
    }
}
