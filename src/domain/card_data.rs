//! The one card-number detector: every free-text value from any source passes it before it is stored,
//! synced, printed or logged, and the ledger's write path checks each entry with it again.
//!
//! Text is normalised first: any Unicode decimal digit (full-width, Arabic-Indic, mathematical...) counts as
//! its digit, and digit groups joined by separators (spaces of any kind and any number, `-`, `.`, `/`, `_`,
//! their full-width and dash variants, and invisible format characters) count as one run. Any whole group or
//! chain of neighbouring groups holding 13–19 digits that passes the Luhn check is a full card number
//! (so a number with an expiry date or a stray digit group written next to it is still found).

/// The refusal line for `field`; it never repeats the value.
pub fn refusal(field: &str) -> String {
    format!("{field}: looks like a card number; CityTill never stores card numbers (record only brand, last4, auth and terminal reference)")
}

/// Refuses `text` for `field` when it holds a full card number.
pub fn refuse(field: &str, text: &str) -> Result<(), String> {
    if contains_card_number(text) {
        return Err(refusal(field));
    }
    Ok(())
}

/// True when `text` holds a full card number (see the module comment for what that means).
pub fn contains_card_number(text: &str) -> bool {
    may_hold_one(text) && !card_spans(&tokens(text, Mode::Plain)).is_empty()
}

/// True when a journal payload (JSON text, its escapes read) or column holds a full card number. Digits
/// inside runs of 32 or more lower-case hex digits are passed over: those are the hashes the ledger writes
/// itself (a SHA-256 in hex holds a Luhn-valid 13–19 digit run about one time in 230). Input never gets
/// this exemption: the edge check (`contains_card_number`) has no hash exception.
pub fn ledger_text_holds_card_number(text: &str) -> bool {
    may_hold_one(text) && !card_spans(&tokens(text, Mode::Json)).is_empty()
}

/// A quick first pass without allocating (every journal entry passes here): false only when `text` is ASCII
/// without JSON escapes and no chain of ASCII digits and separators holds 13 digits, so no card number can be
/// in it. Anything else gets the full reading.
fn may_hold_one(text: &str) -> bool {
    if !text.is_ascii() || text.contains('\\') {
        return true;
    }
    let (mut chain, mut longest) = (0, 0);
    for byte in text.bytes() {
        if byte.is_ascii_digit() {
            chain += 1;
            longest = longest.max(chain);
        } else if !matches!(byte, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b'-' | b'.' | b'/' | b'_') {
            chain = 0;
        }
    }
    longest >= 13
}

/// `text` with each full card number replaced by `[card number removed]` and each control character other
/// than a newline shown as `\u{..}`: what a refusal line or the log file may receive. (Newlines stay: a
/// refusal may list several rows; what the log receives from input is only a field name, never a value.)
pub fn redact(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut removed = vec![false; chars.len()];
    for (start, end) in card_spans(&tokens(text, Mode::Plain)) {
        removed[start..end].fill(true);
    }
    let mut out = String::with_capacity(text.len());
    for (index, c) in chars.iter().enumerate() {
        if removed[index] {
            if index == 0 || !removed[index - 1] {
                out.push_str("[card number removed]");
            }
            continue;
        }
        if c.is_control() && *c != '\n' {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(*c)));
        } else {
            out.push(*c);
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tok {
    Digit(u8),
    Separator,
    Other,
}

/// One token per character of `text` (in JSON mode an escape such as `\u00a0` or `\t` is one token, repeated
/// so the indexes still count characters of the raw text).
fn tokens(text: &str, mode: Mode) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::with_capacity(chars.len());
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if mode == Mode::Json && c == '\\' {
            let (tok, width) = json_escape(&chars[index + 1..]);
            out.extend(std::iter::repeat_n(tok, width + 1));
            index += width + 1;
            continue;
        }
        out.push(classify(c));
        index += 1;
    }
    if mode == Mode::Json {
        hide_hex_hashes(&chars, &mut out);
    }
    out
}

/// The token of a JSON escape after its backslash, and how many characters it spans after the backslash.
fn json_escape(rest: &[char]) -> (Tok, usize) {
    match rest.first() {
        Some('u') if rest.len() >= 5 => {
            let hex: String = rest[1..5].iter().collect();
            let c = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
            (c.map_or(Tok::Other, classify), 5)
        }
        Some('t' | 'n' | 'r' | 'f' | 'b') => (Tok::Separator, 1),
        Some(c) => (classify(*c), 1),
        None => (Tok::Other, 0),
    }
}

/// Marks digits inside runs of at least 32 lower-case hex characters as not digits.
fn hide_hex_hashes(chars: &[char], toks: &mut [Tok]) {
    let mut start = 0;
    while start < chars.len() {
        let hex = chars[start..].iter().take_while(|c| c.is_ascii_digit() || ('a'..='f').contains(c)).count();
        if hex >= 32 {
            toks[start..start + hex].fill(Tok::Other);
        }
        start += hex.max(1);
    }
}

fn classify(c: char) -> Tok {
    if let Some(digit) = decimal_digit(c) {
        return Tok::Digit(digit);
    }
    if is_separator(c) {
        return Tok::Separator;
    }
    Tok::Other
}

/// The value of any Unicode decimal digit (general category Nd), ASCII first.
pub fn decimal_digit(c: char) -> Option<u8> {
    if c.is_ascii_digit() {
        return Some(c as u8 - b'0');
    }
    if c.is_ascii() || !c.is_numeric() {
        return None;
    }
    let code = u32::from(c);
    let zero = match ND_ZEROS.binary_search(&code) {
        Ok(found) => ND_ZEROS[found],
        Err(0) => return None,
        Err(after) => ND_ZEROS[after - 1],
    };
    u8::try_from(code - zero).ok().filter(|d| *d < 10)
}

/// Characters that may stand between the digit groups of a written card number.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '.' | '/' | '_'
                | '\u{00AD}' // soft hyphen
                | '\u{00B7}' // middle dot
                | '\u{2010}'..='\u{2015}' // hyphens and dashes
                | '\u{2212}' // minus sign
                | '\u{2024}' // one dot leader
                | '\u{2044}' // fraction slash
                | '\u{2215}' // division slash
                | '\u{200B}'..='\u{200D}' // zero-width space and joiners
                | '\u{2060}' // word joiner
                | '\u{FEFF}' // zero-width no-break space
                | '\u{3002}' // ideographic full stop
                | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' // small and full-width hyphens
                | '\u{FF0E}' | '\u{FF0F}' | '\u{FF3F}' | '\u{FF61}' // full-width . / _ and halfwidth full stop
        )
}

/// The first code point of each block of ten Unicode decimal digits (Nd, Unicode 15), sorted. Unicode
/// assigns decimal digits only in contiguous blocks 0 to 9, so a digit's value is its distance from the zero.
const ND_ZEROS: [u32; 68] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50,
    0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730,
    0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x11F50, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E950, 0x1FBF0,
];

/// A maximal group of digits: token range and digit values.
struct Group {
    start: usize,
    end: usize,
    digits: Vec<u8>,
}

/// The token ranges (start, end) of every full card number found.
fn card_spans(toks: &[Tok]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for chain in chains(toks) {
        for first in 0..chain.len() {
            let mut digits: Vec<u8> = Vec::new();
            for (last, group) in chain.iter().enumerate().skip(first) {
                digits.extend(&group.digits);
                if digits.len() > 19 {
                    break;
                }
                if digits.len() >= 13 && luhn_ok(&digits) {
                    spans.push((chain[first].start, chain[last].end));
                }
            }
        }
    }
    spans
}

/// Digit groups, gathered into chains of groups joined only by separators.
fn chains(toks: &[Tok]) -> Vec<Vec<Group>> {
    let mut chains: Vec<Vec<Group>> = Vec::new();
    let mut current: Vec<Group> = Vec::new();
    let mut index = 0;
    while index < toks.len() {
        match toks[index] {
            Tok::Digit(_) => {
                let start = index;
                let mut digits = Vec::new();
                while let Some(Tok::Digit(d)) = toks.get(index) {
                    digits.push(*d);
                    index += 1;
                }
                current.push(Group { start, end: index, digits });
            }
            Tok::Separator if !current.is_empty() => {
                let gap_end = toks[index..].iter().position(|t| *t != Tok::Separator).map_or(toks.len(), |p| index + p);
                if !matches!(toks.get(gap_end), Some(Tok::Digit(_))) {
                    chains.push(std::mem::take(&mut current));
                }
                index = gap_end;
            }
            _ => {
                if !current.is_empty() {
                    chains.push(std::mem::take(&mut current));
                }
                index += 1;
            }
        }
    }
    if !current.is_empty() {
        chains.push(current);
    }
    chains
}

fn luhn_ok(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(*d);
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = "4111111111111111";

    // Proves every written form of a card number the outside test used is found, and ordinary text is not.
    #[test]
    fn finds_card_numbers_however_written() {
        for text in [
            FULL,
            "4111 1111 1111 1111",
            "4111  1111  1111  1111",
            "4111-1111-1111-1111",
            "4111.1111.1111.1111",
            "4111/1111/1111/1111",
            "4111_1111_1111_1111",
            "4111\u{a0}1111\u{a0}1111\u{a0}1111",
            "4111\u{202f}1111\u{2007}1111\u{3000}1111",
            "４１１１１１１１１１１１１１１１",
            "４１１１ １１１１ １１１１ １１１１",
            "\u{664}\u{661}\u{661}\u{661} 1111 1111 1111",
            "ref=5500 0000 0000 0004",
            "card 4111 1111 1111 1111 12/26",
            "99 4111-1111-1111-1111",
            "x4111111111111111y",
            "3782 822463 10005",
            "4111\u{200b}1111\u{200b}1111\u{200b}1111",
        ] {
            assert!(contains_card_number(text), "{text}");
            assert!(refuse("reason", text).unwrap_err().starts_with("reason: looks like a card number"), "{text}");
            assert!(!refuse("reason", text).unwrap_err().contains("4111"), "the refusal never repeats the value");
        }
        for text in ["T01-000042", "Paid 84.12 on 2026-11-24", "routing 021000021 check 1001", "4111 1111 1111 1112", "12345678901234567890123", "Oak Ave 12"] {
            assert!(!contains_card_number(text), "{text}");
        }
        assert!(!contains_card_number("4111111111111111111111"), "a 22-digit run is not a card number");
        for text in ["4111-1111-1111-1111", "4111\t1111\t1111\t1111", "4111\u{b}1111\u{c}1111\r1111", "a4111111111111111b"] {
            assert!(may_hold_one(text) && contains_card_number(text), "the quick pass lets {text:?} through to the full reading");
        }
        assert!(!may_hold_one(r#"{"kind":"payment_taken","receipt":"T01-000042","amount":"84.12"}"#));
    }

    // Proves Arabic-Indic and mathematical digits are read as the digits they are.
    #[test]
    fn reads_every_unicode_decimal_digit() {
        assert_eq!(decimal_digit('٤'), Some(4));
        assert_eq!(decimal_digit('９'), Some(9));
        assert_eq!(decimal_digit('\u{1D7D8}'), Some(0));
        assert_eq!(decimal_digit('a'), None);
        assert_eq!(decimal_digit('½'), None);
        let arabic: String = FULL.chars().map(|c| char::from_u32(0x660 + c.to_digit(10).unwrap_or(0)).unwrap_or('x')).collect();
        assert!(contains_card_number(&arabic));
        for zero in ND_ZEROS {
            for d in 0..10 {
                let c = char::from_u32(zero + d).unwrap_or('x');
                assert!(c.is_numeric(), "U+{:X}", zero + d);
                assert_eq!(decimal_digit(c), Some(d as u8), "U+{:X}", zero + d);
            }
        }
    }

    // Proves the ledger check reads JSON escapes, passes over hex hashes, and finds numbers beside them.
    #[test]
    fn ledger_check_reads_json_and_skips_hashes() {
        assert!(ledger_text_holds_card_number(r#"{"reason":"4111\u00a01111\u00a01111\u00a01111"}"#));
        assert!(ledger_text_holds_card_number(r#"{"reason":"4111\t1111\t1111\t1111"}"#));
        let hash = "ab160779642275635cdef0123456789abcdef0123456789abcdef0123456789a";
        assert!(contains_card_number(hash), "the hash holds a Luhn-valid run by chance");
        assert!(!ledger_text_holds_card_number(&format!(r#"{{"hash":"{hash}"}}"#)));
        assert!(ledger_text_holds_card_number(&format!(r#"{{"hash":"{hash}","r":"{FULL}"}}"#)));
        assert!(!ledger_text_holds_card_number(r#"{"kind":"payment_taken","receipt":"T01-000042","amount":"84.12","at":"2026-11-24T10:00:00Z"}"#));
    }

    proptest::proptest! {
        // Proves the quick first pass never turns away text the full reading finds a card number in.
        #[test]
        fn quick_pass_never_misses(text in "[0-9 .\\-/_a-f\t\\\\\"u０-９\u{a0}]{0,60}") {
            let full = !card_spans(&tokens(&text, Mode::Plain)).is_empty() || !card_spans(&tokens(&text, Mode::Json)).is_empty();
            proptest::prop_assert!(!full || may_hold_one(&text), "{:?}", text);
        }

        // Proves every Luhn-valid 13–19 digit number is found whatever separators stand between its digits.
        #[test]
        fn finds_any_number_with_any_separators(digits in proptest::collection::vec(0u8..10, 12..=18), gaps in proptest::collection::vec(0usize..9, 19), words in "[a-z ]{0,8}") {
            let sum: u32 = digits.iter().rev().enumerate().map(|(i, d)| { let d = u32::from(*d); if i % 2 == 0 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d } }).sum();
            let mut number = digits.clone();
            number.push(((10 - sum % 10) % 10) as u8);
            let separators = ["", "", " ", "  ", "-", ".", "/", "_", "\u{a0}"];
            let written: String = number.iter().enumerate().map(|(i, d)| format!("{}{d}", if i == 0 { "" } else { separators[gaps[i]] })).collect();
            let text = format!("{words}{written}{words}");
            proptest::prop_assert!(luhn_ok(&number));
            proptest::prop_assert!(contains_card_number(&text), "{:?}", text);
            proptest::prop_assert!(!redact(&text).chars().any(|c| c.is_ascii_digit()), "{:?}", redact(&text));
        }
    }

    // Proves redaction removes the number and shows control characters instead of passing them on.
    #[test]
    fn redact_removes_numbers_and_controls() {
        assert_eq!(redact("--amount: '4111 1111 1111 1111' bad\n"), "--amount: '[card number removed]' bad\n");
        assert_eq!(redact("a\u{1b}[2Jb\u{7}"), "a\\u{1b}[2Jb\\u{7}");
        assert_eq!(redact("2 problems:\n  line 2\n"), "2 problems:\n  line 2\n");
        assert_eq!(redact("plain 84.12"), "plain 84.12");
    }
}
