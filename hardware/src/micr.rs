//! Check MICR (E-13B) lines from serial or keyboard-wedge readers → typed fields: MagTek raw (FC00xx) and parsed
//! (FC01xx / FC02xx) formats, Honeywell and Axiohm/Unisys symbol sets, Unicode glyphs; US and Canadian transits.
//!
//! Sources for the formats (cited where each is used below):
//! - MagTek Excella STX Technical Reference (P/N 99875340), Appendix A "Format List": raw format 00xx with the
//!   symbol-set table (xx = 00..07; +16 collapses runs of spaces, +32 removes all spaces), parsed formats 01xx/02xx.
//!   The Mini MICR RS-232 / USB / Wedge manuals (P/N 99875134-family, Appendix A) carry the same 00xx/01xx/02xx text.
//! - Honeywell "OCR Programming User's Guide", MICR E-13B Template: Transit `A`, Amount `B`, On-Us `C`, Dash `D`.
//! - Axiohm A758 Owner's Guide ch. 7 (and the Wincor Nixdorf TH320 Programmer's Guide, same table): Amount `&`,
//!   Dash `'`, On-Us `(`, Transit `)`, unrecognised `?`.
//! - Canadian (CPA Standard 006) cheques: the transit field is `ddddd-ddd` (branch transit, dash, institution).

use crate::Money;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use thiserror::Error;

/// Longest MICR line accepted (a check line is about 65 characters).
pub const MAX_LINE_CHARS: usize = 128;

/// How a reader spells the four E-13B symbols and the "unreadable" mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SymbolSet {
    pub transit: char,
    pub on_us: char,
    pub amount: char,
    /// None when the set drops dashes (MagTek sets 04–07 print a dash as `0` or leave it out).
    pub dash: Option<char>,
    pub unreadable: char,
}

/// MagTek raw-format symbol sets, FC00xx with xx = 00..07 (Excella STX P/N 99875340, Appendix A, "Fmt 00xx: Raw
/// Data Format", the xx table): transit, on-us, amount, dash, error.
const MAGTEK_SETS: [SymbolSet; 8] = [
    SymbolSet { transit: 'T', on_us: 'U', amount: '$', dash: Some('-'), unreadable: '?' },
    SymbolSet { transit: 't', on_us: 'o', amount: 'a', dash: Some('d'), unreadable: '?' },
    SymbolSet { transit: 'T', on_us: 'O', amount: 'A', dash: Some('D'), unreadable: '?' },
    SymbolSet { transit: 'T', on_us: 'U', amount: '$', dash: Some('-'), unreadable: '*' },
    // 04–06: the dash is sent as the digit `0`, so it cannot be told from a zero (a Canadian transit then reads
    // as 9 digits); 07 leaves dashes out.
    SymbolSet { transit: 'T', on_us: 'U', amount: '$', dash: None, unreadable: '?' },
    SymbolSet { transit: 'T', on_us: 'U', amount: '$', dash: None, unreadable: '*' },
    SymbolSet { transit: 't', on_us: 'o', amount: 'a', dash: None, unreadable: '?' },
    SymbolSet { transit: 'T', on_us: 'U', amount: '$', dash: None, unreadable: '?' },
];

/// Honeywell OCR/MICR readers (OCR Programming User's Guide, "MICR E-13B Template"): A transit, B amount, C on-us, D dash.
const HONEYWELL: SymbolSet = SymbolSet { transit: 'A', on_us: 'C', amount: 'B', dash: Some('D'), unreadable: '?' };
/// Axiohm / Unisys / Wincor check printers' MICR readers (Axiohm A758 Owner's Guide ch. 7): ) transit, ( on-us,
/// & amount, ' dash, ? unrecognised.
const AXIOHM: SymbolSet = SymbolSet { transit: ')', on_us: '(', amount: '&', dash: Some('\''), unreadable: '?' };

/// What a reader sends for one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// MagTek raw format `00xx` (the whole MICR line): `xx` = symbol set 0..=7, plus 16 (runs of spaces become one)
    /// or 32 (all spaces removed), which only change spacing.
    MagtekRaw(u8),
    /// MagTek parsed text `01xx` (labelled fields `TR…;AC…;CK…`), or `02xx` (the same plus `/PE` and error labels);
    /// `xx` = 00 keeps dashes, 01 writes them as `d`.
    MagtekParsed { error_labels: bool, dash_as_d: bool },
    /// Honeywell symbol set `A B C D`.
    Honeywell,
    /// Axiohm/Unisys symbol set `) ( & '`.
    Axiohm,
    /// ⑆ ⑈ ⑇ ⑉ (U+2446..U+2449).
    Unicode,
}

impl Format {
    /// MagTek FC0000 (`T U $ -`); `"00"` is its short alias.
    pub const F00: Format = Format::MagtekRaw(0);
    /// MagTek FC0001 (`t o a d`); `"01"` is its short alias.
    pub const F01: Format = Format::MagtekRaw(1);
    /// MagTek FC0002 (`T O A D`); `"02"` is its short alias.
    pub const F02: Format = Format::MagtekRaw(2);

    /// Parses a format name: MagTek's four-digit codes (`0000`–`0007` and their +16/+32 spacing variants,
    /// `0100`, `0101`, `0200`, `0201`, optionally written `FC0001`), the short aliases `00`, `01`, `02`,
    /// `honeywell`, `axiohm` (or `unisys`) and `unicode`.
    pub fn from_code(code: &str) -> Result<Self, MicrError> {
        let unknown = || MicrError::UnknownFormat { format: code.to_string() };
        let lower = code.trim().to_ascii_lowercase();
        let digits = lower.strip_prefix("fc").unwrap_or(&lower);
        match digits {
            "00" | "01" | "02" => return Ok(Self::MagtekRaw(digits.parse().map_err(|_| unknown())?)),
            "honeywell" => return Ok(Self::Honeywell),
            "axiohm" | "unisys" => return Ok(Self::Axiohm),
            "unicode" => return Ok(Self::Unicode),
            "0100" | "0101" | "0200" | "0201" => return Ok(Self::MagtekParsed { error_labels: digits.starts_with("02"), dash_as_d: digits.ends_with('1') }),
            _ => {}
        }
        let xx = match digits.strip_prefix("00") {
            Some(xx) if xx.len() == 2 && xx.bytes().all(|b| b.is_ascii_digit()) => xx.parse::<u8>().map_err(|_| unknown())?,
            _ => return Err(unknown()),
        };
        if xx % 16 > 7 || xx >= 64 {
            return Err(unknown());
        }
        Ok(Self::MagtekRaw(xx))
    }

    /// The name this format is written with in settings and JSON (`0000`, `0101`, `honeywell`, …).
    pub fn code(self) -> String {
        match self {
            Self::MagtekRaw(xx) => format!("00{xx:02}"),
            Self::MagtekParsed { error_labels, dash_as_d } => format!("0{}0{}", if error_labels { 2 } else { 1 }, u8::from(dash_as_d)),
            Self::Honeywell => "honeywell".into(),
            Self::Axiohm => "axiohm".into(),
            Self::Unicode => "unicode".into(),
        }
    }

    /// The symbol set of a raw-line format (None for the parsed formats).
    pub fn symbols(self) -> Option<SymbolSet> {
        match self {
            Self::MagtekRaw(xx) => MAGTEK_SETS.get(usize::from(xx % 16)).copied(),
            Self::Honeywell => Some(HONEYWELL),
            Self::Axiohm => Some(AXIOHM),
            Self::Unicode => Some(SymbolSet { transit: '\u{2446}', on_us: '\u{2448}', amount: '\u{2447}', dash: Some('\u{2449}'), unreadable: '?' }),
            Self::MagtekParsed { .. } => None,
        }
    }

    /// Guesses the format: Unicode glyphs, MagTek parsed text (`…TR<digits>;…`), else the first raw symbol set
    /// whose characters cover the whole line, in the order MagTek 0001, 0000, 0002, 0003, Axiohm, Honeywell.
    pub fn detect(line: &str) -> Self {
        if line.chars().any(|c| ('\u{2446}'..='\u{2449}').contains(&c)) {
            return Self::Unicode;
        }
        if parsed_transit_label(line).is_some() {
            let error_labels = line.contains("/PE");
            return Self::MagtekParsed { error_labels, dash_as_d: false };
        }
        let candidates = [Self::F01, Self::F00, Self::F02, Self::MagtekRaw(3), Self::Axiohm, Self::Honeywell];
        candidates.into_iter().find(|format| line.chars().all(|c| c == ' ' || symbol(c, *format).is_some())).unwrap_or(Self::F00)
    }
}

impl Serialize for Format {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.code())
    }
}

/// Where a parsed-format (01xx/02xx) line's transit label starts: the manuals' examples open with a two-letter
/// prefix before `TR` (`PTTR444455556;AC…`), so up to two letters may come first.
fn parsed_transit_label(line: &str) -> Option<usize> {
    let position = line.find("TR")?;
    let prefix_ok = position <= 2 && line[..position].chars().all(|c| c.is_ascii_uppercase());
    let then_value = line[position + 2..].chars().next().is_some_and(|c| c.is_ascii_digit() || c == '?');
    (prefix_ok && then_value && (line.contains(';') || !line.contains(' '))).then_some(position)
}

/// Whether a scanned line is meant as a MICR line (it has a transit symbol or a parsed-format transit label), so a
/// refusal can explain what is wrong with it rather than treating it as unknown text.
pub fn looks_like_micr(line: &str, format: Option<Format>) -> bool {
    let detected = format.is_none();
    let format = format.unwrap_or_else(|| Format::detect(line));
    if detected && matches!(format, Format::Honeywell | Format::Axiohm) {
        // Letters and brackets are common in other scans: guessed, these sets need both transit symbols.
        let transit = format.symbols().map_or('\u{2446}', |set| set.transit);
        return line.chars().filter(|c| *c == transit).count() == 2;
    }
    match format.symbols() {
        Some(set) => line.contains(set.transit) || line.chars().any(|c| matches!(c, 'T' | 't' | '\u{2446}')),
        None => parsed_transit_label(line).is_some() || line.contains("TR"),
    }
}

/// Why a MICR line was refused. Messages name the field and the problem.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MicrError {
    #[error(
        "MICR format {format:?}: must be a MagTek format code (0000–0007, +16/+32 spacing variants, 0100, 0101, 0200, 0201; 00, 01, 02 are short for 0000, 0001, 0002), honeywell, axiohm or unicode"
    )]
    UnknownFormat { format: String },
    #[error("MICR line: empty")]
    Empty,
    #[error("MICR line: {length} characters, at most {max} allowed")]
    TooLong { length: usize, max: usize },
    #[error("MICR line: character {character:?} at position {position} is not valid in format {format}")]
    UnexpectedCharacter { character: char, position: usize, format: String },
    #[error("transit field: expected 2 transit symbols, found {found}")]
    TransitSymbols { found: usize },
    #[error("{field}: unreadable character {character:?} at position {position}")]
    Unreadable { field: &'static str, character: char, position: usize },
    #[error("routing number {routing:?}: must be 9 digits (US) or ddddd-ddd (Canadian transit-institution)")]
    RoutingLength { routing: String },
    #[error("routing number {routing}: checksum fails")]
    RoutingChecksum { routing: String },
    #[error("amount field: {problem}")]
    Amount { problem: &'static str },
    #[error("account: missing from the on-us field")]
    AccountMissing,
    #[error("on-us field: {groups} digit groups, expected at most 2 (account and check number)")]
    OnUsGroups { groups: usize },
    #[error("{field}: unexpected symbol at position {position}")]
    MisplacedSymbol { field: &'static str, position: usize },
    #[error("parsed MICR text: field {field:?} is not one of TR, AC, CK, AM, TP, EP")]
    UnknownLabel { field: String },
    #[error("parsed MICR text: no {label} ({field}) field")]
    MissingLabel { label: &'static str, field: &'static str },
    #[error("parsed MICR text: the reader reports {errors}")]
    ReaderError { errors: String },
}

/// A parsed check line. The full account number is never kept, only its masked form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Micr {
    pub format: Format,
    pub routing: String,
    pub account_masked: String,
    pub account_last4: String,
    pub check_number: Option<String>,
    pub amount_cents: Option<i64>,
    pub aux_on_us: Option<String>,
}

impl Serialize for Micr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(7))?;
        map.serialize_entry("routing", &self.routing)?;
        map.serialize_entry("account_last4", &self.account_last4)?;
        map.serialize_entry("account_masked", &self.account_masked)?;
        map.serialize_entry("check_number", &self.check_number)?;
        map.serialize_entry("amount", &self.amount_cents.map(|c| Money::from_cents(c).to_string()))?;
        map.serialize_entry("aux_on_us", &self.aux_on_us)?;
        map.serialize_entry("format", &self.format)?;
        map.end()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sym {
    Digit(u8),
    Transit,
    OnUs,
    Amount,
    Dash,
    Unreadable,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    sym: Sym,
    position: usize,
    character: char,
}

fn symbol(c: char, format: Format) -> Option<Sym> {
    let set = format.symbols()?;
    let sym = match c {
        '0'..='9' => Sym::Digit(c as u8 - b'0'),
        _ if c == set.unreadable => Sym::Unreadable,
        _ if c == set.transit => Sym::Transit,
        _ if c == set.on_us => Sym::OnUs,
        _ if c == set.amount => Sym::Amount,
        _ if Some(c) == set.dash => Sym::Dash,
        _ => return None,
    };
    Some(sym)
}

fn tokenize(line: &str, format: Format) -> Result<Vec<Token>, MicrError> {
    let mut tokens = Vec::new();
    for (index, c) in line.chars().enumerate() {
        if c == ' ' {
            continue;
        }
        let sym = symbol(c, format).ok_or_else(|| MicrError::UnexpectedCharacter { character: c, position: index + 1, format: format.code() })?;
        tokens.push(Token { sym, position: index + 1, character: c });
    }
    Ok(tokens)
}

/// `3(d1+d4+d7) + 7(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10)` for a 9-digit routing number.
pub fn routing_checksum_ok(routing: &str) -> bool {
    let digits: Vec<u32> = routing.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 9 || routing.len() != 9 {
        return false;
    }
    let weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
    digits.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>() % 10 == 0
}

/// Reads a run of digits (and dashes, dropped) for `field`; '?' and other symbols are errors.
fn digits(field: &'static str, tokens: &[Token]) -> Result<String, MicrError> {
    let mut out = String::new();
    for token in tokens {
        match token.sym {
            Sym::Digit(d) => out.push(char::from(b'0' + d)),
            Sym::Dash => {}
            Sym::Unreadable => return Err(MicrError::Unreadable { field, character: token.character, position: token.position }),
            _ => return Err(MicrError::MisplacedSymbol { field, position: token.position }),
        }
    }
    Ok(out)
}

fn positions_of(tokens: &[Token], sym: Sym) -> Vec<usize> {
    tokens.iter().enumerate().filter(|(_, t)| t.sym == sym).map(|(i, _)| i).collect()
}

/// A Canadian transit number as printed between the transit symbols: 5-digit branch transit, dash, 3-digit
/// institution number (`12345-001`). It carries no check digit. MagTek's format 44xx ("if Canadian check, replace
/// dash with a space") and 40xx (country code 2 = Canadian) show readers pass this dash through.
pub fn canadian_transit_ok(routing: &str) -> bool {
    let bytes = routing.as_bytes();
    bytes.len() == 9 && bytes[5] == b'-' && bytes.iter().enumerate().all(|(i, b)| i == 5 || b.is_ascii_digit())
}

/// A routing field CityTill accepts: 9 US digits with a valid checksum, or a Canadian `ddddd-ddd` transit.
pub fn transit_ok(routing: &str) -> bool {
    routing_checksum_ok(routing) || canadian_transit_ok(routing)
}

/// The routing field from its tokens (digits and at most one dash): US 9 digits with checksum, or Canadian.
fn routing(tokens: &[Token]) -> Result<String, MicrError> {
    let digits_only = digits("routing number", tokens)?;
    let dashes: Vec<usize> = tokens.iter().enumerate().filter(|(_, t)| t.sym == Sym::Dash).map(|(i, _)| i).collect();
    match dashes.as_slice() {
        [] => us_routing(digits_only),
        [5] if tokens.len() == 9 => Ok(format!("{}-{}", &digits_only[..5], &digits_only[5..])),
        _ => Err(MicrError::RoutingLength { routing: tokens.iter().map(|t| t.character).collect() }),
    }
}

fn us_routing(routing: String) -> Result<String, MicrError> {
    if routing.len() != 9 {
        return Err(MicrError::RoutingLength { routing });
    }
    if !routing_checksum_ok(&routing) {
        return Err(MicrError::RoutingChecksum { routing });
    }
    Ok(routing)
}

/// Splits the right side into the on-us part and the optional amount.
fn split_amount(tokens: &[Token]) -> Result<(&[Token], Option<i64>), MicrError> {
    let marks = positions_of(tokens, Sym::Amount);
    match marks.as_slice() {
        [] => Ok((tokens, None)),
        [start, end] if *end == tokens.len() - 1 => {
            let amount = digits("amount field", &tokens[start + 1..*end])?;
            if amount.len() != 10 {
                return Err(MicrError::Amount { problem: "must be 10 digits between amount symbols" });
            }
            let cents = amount.parse::<i64>().map_err(|_| MicrError::Amount { problem: "not a number" })?;
            Ok((&tokens[..*start], Some(cents)))
        }
        [_, _] => Err(MicrError::Amount { problem: "must be the last field of the line" }),
        _ => Err(MicrError::Amount { problem: "expected 2 amount symbols" }),
    }
}

/// Account (the longest group) and check number (the other group, if any) from the on-us field.
fn on_us(tokens: &[Token]) -> Result<(String, Option<String>), MicrError> {
    let mut groups: Vec<String> = Vec::new();
    for chunk in tokens.split(|t| t.sym == Sym::OnUs) {
        let group = digits("on-us field", chunk)?;
        if !group.is_empty() {
            groups.push(group);
        }
    }
    match groups.len() {
        0 => Err(MicrError::AccountMissing),
        1 => Ok((groups.remove(0), None)),
        2 => {
            let account_index = usize::from(groups[1].len() > groups[0].len());
            let account = groups.remove(account_index);
            Ok((account, Some(groups.remove(0))))
        }
        n => Err(MicrError::OnUsGroups { groups: n }),
    }
}

fn aux_on_us(tokens: &[Token]) -> Result<Option<String>, MicrError> {
    let inner: Vec<Token> = tokens.iter().copied().filter(|t| t.sym != Sym::OnUs).collect();
    let aux = digits("auxiliary on-us field", &inner)?;
    Ok(if aux.is_empty() { None } else { Some(aux) })
}

/// Masks all but the last 4 digits: `1234567890` → `******7890`.
pub fn mask_account(account: &str) -> (String, String) {
    let count = account.chars().count();
    let last4: String = account.chars().skip(count.saturating_sub(4)).collect();
    (format!("{}{}", "*".repeat(count.saturating_sub(4)), last4), last4)
}

/// Parses one MICR line; `format` None guesses it from the symbols used.
pub fn parse(line: &str, format: Option<Format>) -> Result<Micr, MicrError> {
    let line = line.trim_matches(|c: char| c == '\r' || c == '\n' || c == ' ');
    let length = line.chars().count();
    if length == 0 {
        return Err(MicrError::Empty);
    }
    if length > MAX_LINE_CHARS {
        return Err(MicrError::TooLong { length, max: MAX_LINE_CHARS });
    }
    let format = format.unwrap_or_else(|| Format::detect(line));
    if let Format::MagtekParsed { .. } = format {
        return parse_labelled(line, format);
    }
    let tokens = tokenize(line, format)?;
    let transit = positions_of(&tokens, Sym::Transit);
    let [first, second] = transit.as_slice() else {
        return Err(MicrError::TransitSymbols { found: transit.len() });
    };
    let routing = routing(&tokens[first + 1..*second])?;
    let aux = aux_on_us(&tokens[..*first])?;
    let (on_us_tokens, amount_cents) = split_amount(&tokens[second + 1..])?;
    let (account, check) = on_us(on_us_tokens)?;
    let (account_masked, account_last4) = mask_account(&account);
    let check_number = check.or_else(|| aux.clone());
    Ok(Micr { format, routing, account_masked, account_last4, check_number, amount_cents, aux_on_us: aux })
}

/// The error labels of MagTek format 02xx (Excella STX P/N 99875340, Appendix A, "Fmt 02xx: Parsed Text Format
/// with Error Labels"), after `/PE`.
const ERROR_LABELS: [(&str, &str); 7] = [
    ("TR", "a transit error"),
    ("CK", "a check number error"),
    ("TC", "a transit check digit error"),
    ("AM", "an amount error"),
    ("OU", "an on-us/account number error"),
    ("TP", "a TPC error"),
    ("NE", "no error"),
];

/// One labelled value as tokens: digits, `-` or `d` for a dash, the reader's `?` for unreadable; spaces dropped.
fn value_tokens(value: &str, start: usize, format: Format) -> Result<Vec<Token>, MicrError> {
    let mut tokens = Vec::new();
    for (index, c) in value.chars().enumerate() {
        let position = start + index;
        let sym = match c {
            ' ' => continue,
            '0'..='9' => Sym::Digit(c as u8 - b'0'),
            '-' | 'd' => Sym::Dash,
            '?' => Sym::Unreadable,
            _ => return Err(MicrError::UnexpectedCharacter { character: c, position, format: format.code() }),
        };
        tokens.push(Token { sym, position, character: c });
    }
    Ok(tokens)
}

/// MagTek parsed text, formats 01xx and 02xx (Excella STX P/N 99875340, Appendix A, "Fmt 01xx: Parsed Text
/// Format"): `;`-separated fields labelled TR transit, AC account, CK check number, AM amount, TP tpc, EP epc,
/// e.g. `PTTR444455556;AC999-222-3;CK11045`; 02xx appends `/PE` and error labels (`/PENE` = no error). The
/// manuals' examples open with `PT` before the first label; up to two such letters are skipped.
fn parse_labelled(line: &str, format: Format) -> Result<Micr, MicrError> {
    let (body, errors) = match line.split_once("/PE") {
        Some((body, errors)) => (body, Some(errors)),
        None => (line, None),
    };
    if let Some(errors) = errors {
        let codes: Vec<&str> = (0..errors.len() / 2).filter_map(|i| errors.get(i * 2..i * 2 + 2)).collect();
        let problems: Vec<&str> = codes.iter().filter(|code| **code != "NE").map(|code| ERROR_LABELS.iter().find(|(label, _)| label == code).map_or("an unknown error", |(_, text)| *text)).collect();
        if !problems.is_empty() || codes.is_empty() {
            let errors = if problems.is_empty() { "an error with no label".to_string() } else { problems.join(", ") };
            return Err(MicrError::ReaderError { errors });
        }
    }
    let skip = parsed_transit_label(body).ok_or(MicrError::MissingLabel { label: "TR", field: "transit" })?;
    let (mut routing_value, mut account, mut check_number, mut amount_cents, mut aux) = (None, None, None, None, None);
    let mut position = skip + 1;
    for field in body[skip..].split(';') {
        let text = field.trim_start();
        let label = text.get(..2).unwrap_or(text);
        let start = position + (field.len() - text.len()) + 2;
        let value = text.get(2..).unwrap_or("");
        let tokens = value_tokens(value, start, format)?;
        match label {
            "TR" => routing_value = Some(routing(&tokens)?),
            "AC" => account = Some(digits("account", &tokens)?),
            "CK" => check_number = Some(digits("check number", &tokens)?).filter(|n| !n.is_empty()),
            "AM" => {
                let amount = digits("amount field", &tokens)?;
                if amount.is_empty() || amount.len() > 12 {
                    return Err(MicrError::Amount { problem: "must be 1 to 12 digits" });
                }
                amount_cents = Some(amount.parse::<i64>().map_err(|_| MicrError::Amount { problem: "not a number" })?);
            }
            "TP" => aux = Some(digits("auxiliary on-us field", &tokens)?).filter(|n| !n.is_empty()),
            "EP" => {}
            _ => return Err(MicrError::UnknownLabel { field: text.chars().take(12).collect() }),
        }
        position += field.chars().count() + 1;
    }
    let routing = routing_value.ok_or(MicrError::MissingLabel { label: "TR", field: "transit" })?;
    let account = account.filter(|a| !a.is_empty()).ok_or(MicrError::AccountMissing)?;
    let (account_masked, account_last4) = mask_account(&account);
    let check_number = check_number.or_else(|| aux.clone());
    Ok(Micr { format, routing, account_masked, account_last4, check_number, amount_cents, aux_on_us: aux })
}

/// Rewrites a reader line with the Unicode E-13B glyphs, for display.
pub fn to_unicode(line: &str, format: Format) -> String {
    line.chars()
        .map(|c| match symbol(c, format) {
            Some(Sym::Transit) => '\u{2446}',
            Some(Sym::Amount) => '\u{2447}',
            Some(Sym::OnUs) => '\u{2448}',
            Some(Sym::Dash) => '\u{2449}',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The public routing numbers pass the checksum and 112000025 fails it.
    #[test]
    fn routing_vectors() {
        for good in ["111000025", "021000021", "011000015", "122105155"] {
            assert!(routing_checksum_ok(good), "{good}");
        }
        assert!(!routing_checksum_ok("112000025"));
        assert!(!routing_checksum_ok("12345678"));
    }

    // A personal check in format 00 yields routing, masked account and check number.
    #[test]
    fn personal_check_format_00() {
        let micr = parse("T021000021T 1234567890U 0123", Some(Format::F00)).unwrap();
        assert_eq!(micr.routing, "021000021");
        assert_eq!(micr.account_masked, "******7890");
        assert_eq!(micr.account_last4, "7890");
        assert_eq!(micr.check_number.as_deref(), Some("0123"));
        assert_eq!(micr.amount_cents, None);
    }

    // The same check in formats 01, 02 and Unicode glyphs parses to the same fields.
    #[test]
    fn all_formats_agree() {
        let expected = parse("U000456U T111000025T 98765-4321U $0000012345$", None).unwrap();
        for line in ["o000456o t111000025t 98765d4321o a0000012345a", "O000456O T111000025T 98765D4321O A0000012345A", "⑈000456⑈ ⑆111000025⑆ 98765⑉4321⑈ ⑇0000012345⑇"] {
            let micr = parse(line, None).unwrap();
            assert_eq!((micr.routing.as_str(), micr.account_last4.as_str()), ("111000025", "4321"), "{line}");
            assert_eq!(micr.amount_cents, Some(12345));
            assert_eq!(micr.check_number, expected.check_number);
            assert_eq!(micr.aux_on_us.as_deref(), Some("000456"));
        }
    }

    // Bad checksums and unreadable characters are refused with a message naming the field.
    #[test]
    fn clear_errors() {
        let err = parse("T112000025T 1234567890U 0123", None).unwrap_err();
        assert_eq!(err.to_string(), "routing number 112000025: checksum fails");
        let err = parse("T0210?0021T 1234567890U", None).unwrap_err();
        assert_eq!(err.to_string(), "routing number: unreadable character '?' at position 6");
        let err = parse("T021000021T 12345?7890U", None).unwrap_err();
        assert!(err.to_string().starts_with("on-us field: unreadable"), "{err}");
        assert_eq!(parse("021000021 1234U", None).unwrap_err(), MicrError::TransitSymbols { found: 0 });
        assert!(matches!(parse("T021000021T 1234U", Some(Format::F01)), Err(MicrError::UnexpectedCharacter { .. })));
    }

    // MagTek's own four-digit codes are read, the old two-digit names stay aliases of 0000/0001/0002, and codes
    // outside the manual's table are refused with a message listing what is accepted.
    #[test]
    fn magtek_format_codes() {
        assert_eq!(Format::from_code("0001").unwrap(), Format::from_code("01").unwrap());
        assert_eq!(Format::from_code("00").unwrap(), Format::MagtekRaw(0));
        assert_eq!(Format::from_code("FC0002").unwrap(), Format::F02);
        assert_eq!(Format::from_code("0033").unwrap().symbols(), Format::F01.symbols());
        assert_eq!(Format::from_code("0101").unwrap(), Format::MagtekParsed { error_labels: false, dash_as_d: true });
        assert_eq!(Format::from_code("0200").unwrap(), Format::MagtekParsed { error_labels: true, dash_as_d: false });
        assert_eq!(Format::from_code("unisys").unwrap(), Format::Axiohm);
        for bad in ["0008", "0300", "03", "0064", "abc"] {
            let err = Format::from_code(bad).unwrap_err().to_string();
            assert!(err.starts_with(&format!("MICR format {bad:?}: must be a MagTek format code")), "{err}");
        }
        assert_eq!(Format::from_code("0017").unwrap().code(), "0017");
    }

    // The Excella/Mini MICR manual's raw-format example (MICR line T122000218T 1234 5678 9U 1321) read as FC0001,
    // FC0017 (one space) and FC0033 (no spaces) gives the same routing, account and check number.
    #[test]
    fn magtek_manual_raw_examples() {
        for (line, code) in [("t122000218t 1234 5678 9o 1321", "0001"), ("t122000218t 1234 5678 9o 1321", "0017"), ("t122000218t123456789o1321", "0033"), ("T122000218T 1234 5678 9U 1321", "0000")] {
            for format in [Some(Format::from_code(code).unwrap()), None] {
                let micr = parse(line, format).unwrap_or_else(|e| panic!("{line} as {code}: {e}"));
                assert_eq!((micr.routing.as_str(), micr.account_last4.as_str(), micr.check_number.as_deref()), ("122000218", "6789", Some("1321")), "{line}");
            }
        }
        // Set 03 marks an unreadable character with '*', not '?'.
        let err = parse("T1220*0218T 123456789U 1321", Some(Format::from_code("0003").unwrap())).unwrap_err();
        assert_eq!(err.to_string(), "routing number: unreadable character '*' at position 6");
    }

    // MagTek parsed text (01xx) and parsed text with error labels (02xx), with the manuals' own example lines:
    // labelled fields become routing/account/check number; the manual's transit 444455556 fails the ABA checksum and
    // is refused; an error label from the reader refuses the line naming the error.
    #[test]
    fn magtek_parsed_formats() {
        let err = parse("PTTR444455556;AC999-222-3;CK11045", None).unwrap_err();
        assert_eq!(err.to_string(), "routing number 444455556: checksum fails");
        for line in ["PTTR122000218;AC999-222-3;CK11045", "PTTR122000218;AC 999-222-3;CK11045", "PTTR122000218;AC999d222d3;CK11045", "PTTR122000218;AC999-222-3;CK11045/PENE"] {
            let micr = parse(line, None).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(micr.routing, "122000218", "{line}");
            assert_eq!(micr.account_masked, "***2223", "{line}");
            assert_eq!(micr.check_number.as_deref(), Some("11045"), "{line}");
        }
        let micr = parse("TR122000218;AC12345678;CK1001;AM0000001050", Some(Format::from_code("0100").unwrap())).unwrap();
        assert_eq!(micr.amount_cents, Some(1050));
        let err = parse("PTTR111?11111;AC123456/PETR", None).unwrap_err();
        assert_eq!(err.to_string(), "parsed MICR text: the reader reports a transit error");
        let err = parse("PTTR122000218;XX12345", None).unwrap_err();
        assert_eq!(err.to_string(), "parsed MICR text: field \"XX12345\" is not one of TR, AC, CK, AM, TP, EP");
    }

    // Honeywell (A transit, B amount, C on-us, D dash) and Axiohm/Unisys () transit, ( on-us, & amount, ' dash)
    // lines parse, configured or detected, to the same fields as the MagTek line.
    #[test]
    fn other_readers_symbol_sets() {
        for (line, format) in [("C000456C A111000025A 98765D4321C B0000012345B", Format::Honeywell), ("(000456( )111000025) 98765'4321( &0000012345&", Format::Axiohm)] {
            for given in [Some(format), None] {
                let micr = parse(line, given).unwrap_or_else(|e| panic!("{line}: {e}"));
                assert_eq!((micr.routing.as_str(), micr.account_last4.as_str()), ("111000025", "4321"), "{line}");
                assert_eq!(micr.amount_cents, Some(12345));
                assert_eq!(micr.aux_on_us.as_deref(), Some("000456"));
                assert_eq!(micr.format, format);
            }
        }
        assert!(looks_like_micr(")111000025) 1234(", None));
        assert!(!looks_like_micr("12345 678", None));
        assert!(!looks_like_micr("ABC 123", None), "a guessed Honeywell line needs two transit symbols");
        assert!(looks_like_micr("ABC 123", Some(Format::Honeywell)), "configured, any transit symbol will do");
    }

    // A Canadian cheque's transit field ddddd-ddd (branch, dash, institution) is accepted as the routing, in any
    // symbol set with a dash; a dash elsewhere in the transit field is still refused.
    #[test]
    fn canadian_transit() {
        for line in ["T12345-001T 1234567U 0123", "t12345d001t 1234567o 0123", "⑆12345⑉001⑆ 1234567⑈ 0123", "PTTR12345-001;AC1234567;CK0123"] {
            let micr = parse(line, None).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(micr.routing, "12345-001", "{line}");
            assert_eq!(micr.check_number.as_deref(), Some("0123"));
        }
        assert!(transit_ok("12345-001") && transit_ok("021000021") && !transit_ok("1234-5001") && !transit_ok("112000025"));
        let err = parse("T1234-50012T 1234567U", None).unwrap_err();
        assert!(matches!(err, MicrError::RoutingLength { .. }), "{err}");
    }

    // JSON carries the keys the CLI promises and never the full account.
    #[test]
    fn json_keys() {
        let micr = parse("T021000021T 1234567890U 0123 $0000001050$", None).unwrap();
        let json = serde_json::to_value(&micr).unwrap();
        assert_eq!(json["routing"], "021000021");
        assert_eq!(json["account_last4"], "7890");
        assert_eq!(json["check_number"], "0123");
        assert_eq!(json["amount"], "10.50");
        assert!(!json.to_string().contains("1234567890"));
    }
}
