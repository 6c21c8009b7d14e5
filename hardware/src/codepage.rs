//! Text for the printer: PC858 encoding (ESC t 19) with transliteration of characters it lacks.
//!
//! escpos 0.20's own PC858 table maps ASCII `-` to 0xF0 and has other slips, so CityTill keeps
//! its own table and hands the printer finished bytes.

/// ESC/POS code page number for PC858 (`ESC t 19`).
pub const PC858_PAGE: u8 = 19;

/// Code page 858 upper half (0x80..=0xFF); index 0 is byte 0x80.
const PC858_HIGH: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', 'ø', '£', 'Ø', '×', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '®', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', 'Á', 'Â', 'À', '©', '╣', '║', '╗', '╝', '¢', '¥', '┐', //
    '└', '┴', '┬', '├', '─', '┼', 'ã', 'Ã', '╚', '╔', '╩', '╦', '╠', '═', '╬', '¤', //
    'ð', 'Ð', 'Ê', 'Ë', 'È', '€', 'Í', 'Î', 'Ï', '┘', '┌', '█', '▄', '¦', 'Ì', '▀', //
    'Ó', 'ß', 'Ô', 'Ò', 'õ', 'Õ', 'µ', 'þ', 'Þ', 'Ú', 'Û', 'Ù', 'ý', 'Ý', '¯', '´', //
    '\u{AD}', '±', '‗', '¾', '¶', '§', '÷', '¸', '°', '¨', '·', '¹', '³', '²', '■', '\u{A0}',
];

/// Encodes one character to its PC858 byte, if the code page has it.
/// Control characters are refused so receipt text can never smuggle printer commands.
pub fn pc858_byte(c: char) -> Option<u8> {
    if (' '..='~').contains(&c) {
        return Some(c as u8);
    }
    PC858_HIGH.iter().position(|&h| h == c).map(|i| 0x80 + i as u8)
}

/// Decodes a PC858 byte back to a character (used by the printer simulator).
pub fn pc858_char(byte: u8) -> char {
    match byte {
        0x20..=0x7E => byte as char,
        0x80..=0xFF => PC858_HIGH[(byte - 0x80) as usize],
        _ => ' ',
    }
}

/// Replacement text for characters PC858 lacks (typographic quotes, dashes, other Latin letters).
fn transliterate_char(c: char) -> &'static str {
    match c {
        '‘' | '’' | '‚' | '′' => "'",
        '“' | '”' | '„' | '″' => "\"",
        '–' | '—' | '−' | '‐' => "-",
        '…' => "...",
        '•' | '∙' => "*",
        '™' => "TM",
        '\t' => " ",
        'Œ' => "OE",
        'œ' => "oe",
        'Š' | 'Ś' | 'Ş' => "S",
        'š' | 'ś' | 'ş' => "s",
        'Ž' | 'Ź' | 'Ż' => "Z",
        'ž' | 'ź' | 'ż' => "z",
        'Č' | 'Ć' => "C",
        'č' | 'ć' => "c",
        'Ł' => "L",
        'ł' => "l",
        'Ń' | 'Ň' => "N",
        'ń' | 'ň' => "n",
        'Ř' => "R",
        'ř' => "r",
        'Ě' | 'Ę' => "E",
        'ě' | 'ę' => "e",
        'Ą' => "A",
        'ą' => "a",
        'Ů' | 'Ű' => "U",
        'ů' | 'ű' => "u",
        'Ő' => "O",
        'ő' => "o",
        'Ğ' => "G",
        'ğ' => "g",
        'İ' => "I",
        'ı' => "i",
        'Ÿ' => "Y",
        _ => "?",
    }
}

/// Rewrites text so every character exists in PC858 (what the printer will show).
pub fn transliterate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if pc858_byte(c).is_some() {
            out.push(c);
        } else {
            out.push_str(transliterate_char(c));
        }
    }
    out
}

/// Encodes text as PC858 bytes, transliterating first; never emits a control byte.
pub fn encode_pc858(text: &str) -> Vec<u8> {
    transliterate(text).chars().filter_map(pc858_byte).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The euro sign is 0xD5 in PC858, as hardware.md states, and ASCII stays ASCII (including '-').
    #[test]
    fn euro_and_ascii() {
        assert_eq!(encode_pc858("€ 5-A"), vec![0xD5, b' ', b'5', b'-', b'A']);
        assert_eq!(encode_pc858("é"), vec![0x82]);
    }

    // Characters PC858 lacks are transliterated, never sent as UTF-8, and control bytes never pass.
    #[test]
    fn transliterates_and_blocks_controls() {
        assert_eq!(encode_pc858("“Łódź” – ok…"), b"\"L\xa2dz\" - ok...".to_vec());
        assert_eq!(encode_pc858("a\x1bp\x00b"), b"a?p?b".to_vec());
        assert_eq!(encode_pc858("漢"), b"?".to_vec());
    }

    // Every byte 0x80..=0xFF decodes to a character that encodes back to the same byte.
    #[test]
    fn table_round_trips() {
        for byte in 0x80..=0xFFu8 {
            assert_eq!(pc858_byte(pc858_char(byte)), Some(byte), "byte {byte:#x}");
        }
    }
}
