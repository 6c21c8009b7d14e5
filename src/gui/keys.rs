//! Keyboard shortcuts as a pure mapping from keys to actions, so they can be tested without a window.
//! F-keys and Esc work even while a text field has focus (the app listens to every key event).

use iced::keyboard::{key::Named, Key, Modifiers};

/// What a shortcut asks for. The labels on buttons ("[F5]") come from `label`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortcut {
    Counter,
    Receipts,
    Drawer,
    Devices,
    /// Shift+F1 / Shift+F2 / Shift+F3: the back-office screens (remittance batches, reports, end of day).
    Batches,
    Reports,
    Day,
    /// Shift+F4: the finance office (autopay enrolments, lockbox and online file exceptions).
    Finance,
    /// F5..F9, F11, F12: each screen's own actions, printed on its buttons (on the counter F5..F9 pick
    /// the tender: cash, check, money order, card, ACH; F12 reprints).
    F5,
    F6,
    F7,
    F8,
    F9,
    F11,
    F12,
    /// Lock the window (F10).
    Lock,
    /// Esc: cancel / back.
    Cancel,
    /// Ctrl+T: light/dark theme.
    ToggleTheme,
    /// Tab / Shift+Tab: move focus.
    Next,
    Previous,
    /// Ctrl+D: drop the last cart line (counter). Not Ctrl+Backspace: a focused text field already
    /// takes that as "delete the word before the cursor", and both would happen at once.
    RemoveLine,
    /// Ctrl+Shift+D: drop the last tender (counter).
    RemoveTender,
    /// Up / Down arrows: move a list's selection (text fields leave these keys alone).
    Up,
    Down,
    /// PageUp / PageDown, Home / End: move a list's highlight a page, or to its ends.
    PageUp,
    PageDown,
    Home,
    End,
}

impl Shortcut {
    /// The key as printed on buttons.
    pub fn label(self) -> &'static str {
        match self {
            Shortcut::Counter => "F1",
            Shortcut::Receipts => "F2",
            Shortcut::Drawer => "F3",
            Shortcut::Devices => "F4",
            Shortcut::Batches => "Shift+F1",
            Shortcut::Reports => "Shift+F2",
            Shortcut::Day => "Shift+F3",
            Shortcut::Finance => "Shift+F4",
            Shortcut::F5 => "F5",
            Shortcut::F6 => "F6",
            Shortcut::F7 => "F7",
            Shortcut::F8 => "F8",
            Shortcut::F9 => "F9",
            Shortcut::Lock => "F10",
            Shortcut::F11 => "F11",
            Shortcut::F12 => "F12",
            Shortcut::Cancel => "Esc",
            Shortcut::ToggleTheme => "Ctrl+T",
            Shortcut::Next => "Tab",
            Shortcut::Previous => "Shift+Tab",
            Shortcut::RemoveLine => "Ctrl+D",
            Shortcut::RemoveTender => "Ctrl+Shift+D",
            Shortcut::Up => "Up",
            Shortcut::Down => "Down",
            Shortcut::PageUp => "PageUp",
            Shortcut::PageDown => "PageDown",
            Shortcut::Home => "Home",
            Shortcut::End => "End",
        }
    }
}

/// The shortcut a key press means, if any.
pub fn shortcut(key: &Key, modifiers: Modifiers) -> Option<Shortcut> {
    match key {
        Key::Named(named) => Some(match named {
            Named::F1 if modifiers.shift() => Shortcut::Batches,
            Named::F2 if modifiers.shift() => Shortcut::Reports,
            Named::F3 if modifiers.shift() => Shortcut::Day,
            Named::F4 if modifiers.shift() => Shortcut::Finance,
            Named::F1 => Shortcut::Counter,
            Named::F2 => Shortcut::Receipts,
            Named::F3 => Shortcut::Drawer,
            Named::F4 => Shortcut::Devices,
            Named::F5 => Shortcut::F5,
            Named::F6 => Shortcut::F6,
            Named::F7 => Shortcut::F7,
            Named::F8 => Shortcut::F8,
            Named::F9 => Shortcut::F9,
            Named::F10 => Shortcut::Lock,
            Named::F11 => Shortcut::F11,
            Named::F12 => Shortcut::F12,
            Named::Escape => Shortcut::Cancel,
            Named::Tab if modifiers.shift() => Shortcut::Previous,
            Named::Tab => Shortcut::Next,
            Named::ArrowUp if !modifiers.command() && !modifiers.alt() => Shortcut::Up,
            Named::ArrowDown if !modifiers.command() && !modifiers.alt() => Shortcut::Down,
            Named::PageUp if !modifiers.command() && !modifiers.alt() => Shortcut::PageUp,
            Named::PageDown if !modifiers.command() && !modifiers.alt() => Shortcut::PageDown,
            // Plain Home/End (a text field also moves its cursor; lists act only once a row is highlighted).
            Named::Home if modifiers.is_empty() => Shortcut::Home,
            Named::End if modifiers.is_empty() => Shortcut::End,
            _ => return None,
        }),
        Key::Character(c) if modifiers.command() && c.as_str().eq_ignore_ascii_case("t") => Some(Shortcut::ToggleTheme),
        Key::Character(c) if modifiers.command() && !modifiers.alt() && c.as_str().eq_ignore_ascii_case("d") => Some(if modifiers.shift() { Shortcut::RemoveTender } else { Shortcut::RemoveLine }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves every F-key printed on a button (Shift+F1/F2 included) maps back to its action, and plain letters are left to the fields.
    #[test]
    fn f_keys_map_to_actions_and_letters_do_not() {
        let cases = [
            (Named::F1, Shortcut::Counter),
            (Named::F3, Shortcut::Drawer),
            (Named::F5, Shortcut::F5),
            (Named::F6, Shortcut::F6),
            (Named::F11, Shortcut::F11),
            (Named::F10, Shortcut::Lock),
            (Named::Escape, Shortcut::Cancel),
        ];
        for (named, expected) in cases {
            assert_eq!(shortcut(&Key::Named(named), Modifiers::empty()), Some(expected));
        }
        assert_eq!(shortcut(&Key::Named(Named::Tab), Modifiers::SHIFT), Some(Shortcut::Previous));
        assert_eq!(shortcut(&Key::Character("t".into()), Modifiers::CTRL), Some(Shortcut::ToggleTheme));
        assert_eq!(shortcut(&Key::Character("t".into()), Modifiers::empty()), None);
        assert_eq!(Shortcut::F5.label(), "F5");
        assert_eq!(shortcut(&Key::Named(Named::F1), Modifiers::SHIFT), Some(Shortcut::Batches));
        assert_eq!(shortcut(&Key::Named(Named::F2), Modifiers::SHIFT), Some(Shortcut::Reports));
        assert_eq!(shortcut(&Key::Named(Named::F3), Modifiers::SHIFT), Some(Shortcut::Day));
        assert_eq!(Shortcut::Batches.label(), "Shift+F1");
        assert_eq!(shortcut(&Key::Named(Named::F4), Modifiers::SHIFT), Some(Shortcut::Finance));
        assert_eq!(shortcut(&Key::Named(Named::F4), Modifiers::empty()), Some(Shortcut::Devices));
        assert_eq!(Shortcut::Finance.label(), "Shift+F4");
    }

    // Proves Ctrl+D and Ctrl+Shift+D (either letter case) map to removing the last cart line and the last tender, plain
    // and Alt-held D stay with the fields, the plain arrows map to Up/Down, and the button labels name those keys.
    #[test]
    fn remove_keys_and_arrows_map_to_actions() {
        assert_eq!(shortcut(&Key::Character("d".into()), Modifiers::CTRL), Some(Shortcut::RemoveLine));
        assert_eq!(shortcut(&Key::Character("D".into()), Modifiers::CTRL | Modifiers::SHIFT), Some(Shortcut::RemoveTender));
        assert_eq!(shortcut(&Key::Character("d".into()), Modifiers::CTRL | Modifiers::SHIFT), Some(Shortcut::RemoveTender));
        assert_eq!(shortcut(&Key::Character("d".into()), Modifiers::empty()), None);
        assert_eq!(shortcut(&Key::Character("D".into()), Modifiers::SHIFT), None);
        assert_eq!(shortcut(&Key::Character("d".into()), Modifiers::CTRL | Modifiers::ALT), None);
        assert_eq!(shortcut(&Key::Named(Named::Backspace), Modifiers::CTRL), None, "Ctrl+Backspace stays the fields' delete-word");
        assert_eq!(shortcut(&Key::Named(Named::ArrowUp), Modifiers::empty()), Some(Shortcut::Up));
        assert_eq!(shortcut(&Key::Named(Named::ArrowDown), Modifiers::empty()), Some(Shortcut::Down));
        assert_eq!(shortcut(&Key::Named(Named::ArrowDown), Modifiers::CTRL), None);
        assert_eq!((Shortcut::RemoveLine.label(), Shortcut::RemoveTender.label()), ("Ctrl+D", "Ctrl+Shift+D"));
    }

    // Proves PageUp/PageDown and plain Home/End map to the list keys, and Shift+Home / Ctrl+End (selecting or
    // jumping inside a text field) stay with the fields.
    #[test]
    fn page_and_end_keys_map_to_list_moves() {
        assert_eq!(shortcut(&Key::Named(Named::PageUp), Modifiers::empty()), Some(Shortcut::PageUp));
        assert_eq!(shortcut(&Key::Named(Named::PageDown), Modifiers::empty()), Some(Shortcut::PageDown));
        assert_eq!(shortcut(&Key::Named(Named::Home), Modifiers::empty()), Some(Shortcut::Home));
        assert_eq!(shortcut(&Key::Named(Named::End), Modifiers::empty()), Some(Shortcut::End));
        assert_eq!(shortcut(&Key::Named(Named::Home), Modifiers::SHIFT), None);
        assert_eq!(shortcut(&Key::Named(Named::End), Modifiers::CTRL), None);
    }
}
