//! The bank's NACHA return file, read strictly: every record 94 characters, each returned entry (6) followed
//! by its return addenda (7, type 99) with the reason code and the original entry's trace number. A bad line
//! refuses the whole file, naming the line and the field.

/// One returned entry as the bank sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Returned {
    /// The addenda's line number in the file (1-based), for refusals.
    pub line: usize,
    pub code: String,
    pub original_trace: String,
    pub amount_cents: i64,
}

/// The return reason codes whose enrolment is suspended: the account is closed, missing, invalid, or the
/// customer says the debit was not authorised (R01 insufficient funds and the like are only reversed).
pub const SUSPENDING: &[&str] = &["R02", "R03", "R04", "R07", "R10"];

/// What a reason code means, for the listing (None: a code this reader does not know, still accepted).
pub fn reason(code: &str) -> Option<&'static str> {
    Some(match code {
        "R01" => "insufficient funds",
        "R02" => "account closed",
        "R03" => "no account / unable to locate account",
        "R04" => "invalid account number",
        "R05" => "unauthorised debit to consumer account",
        "R06" => "returned per ODFI's request",
        "R07" => "authorisation revoked by customer",
        "R08" => "payment stopped",
        "R09" => "uncollected funds",
        "R10" => "customer advises not authorised",
        "R16" => "account frozen",
        "R20" => "non-transaction account",
        _ => return None,
    })
}

fn digits(field: &str, line: usize, text: &str) -> Result<i64, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("line {line}: {field}: '{}' is not digits", text.trim()));
    }
    text.parse().map_err(|_| format!("line {line}: {field}: '{text}' is out of range"))
}

/// Reads every returned entry, or the first problem as `line N: field: problem`.
pub fn read(text: &str) -> Result<Vec<Returned>, String> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, i64)> = None;
    let mut saw_header = false;
    let mut saw_control = false;
    for (index, raw) in text.split('\n').enumerate() {
        let line = index + 1;
        let record = raw.strip_suffix('\r').unwrap_or(raw);
        if record.is_empty() {
            continue;
        }
        if record.len() != crate::domain::ach::RECORD || !record.is_ascii() {
            return Err(format!("line {line}: record: {} characters; every record is 94", record.chars().count()));
        }
        let kind = &record[..1];
        if !saw_header && kind != "1" {
            return Err(format!("line {line}: record type: '{kind}' before the file header (1)"));
        }
        if pending.is_some() && kind != "7" {
            return Err(format!("line {}: addenda: a returned entry must be followed by its return addenda (7)", line));
        }
        match kind {
            "1" if !saw_header => saw_header = true,
            "5" | "8" => {}
            "6" => {
                let code = &record[1..3];
                if !["21", "22", "26", "27", "31", "32", "36", "37"].contains(&code) {
                    return Err(format!("line {line}: transaction code: '{code}' is not a return of an ACH entry"));
                }
                pending = Some((line, digits("amount", line, &record[29..39])?));
            }
            "7" => {
                let Some((_, amount_cents)) = pending.take() else {
                    return Err(format!("line {line}: addenda: no entry detail (6) before it"));
                };
                if &record[1..3] != "99" {
                    return Err(format!("line {line}: addenda type: '{}' is not 99 (a return)", &record[1..3]));
                }
                let code = &record[3..6];
                if !(code.starts_with('R') && code[1..].bytes().all(|b| b.is_ascii_digit())) {
                    return Err(format!("line {line}: return reason code: '{}' is not R followed by two digits", code.trim()));
                }
                let original_trace = &record[6..21];
                digits("original trace number", line, original_trace)?;
                out.push(Returned { line, code: code.to_string(), original_trace: original_trace.to_string(), amount_cents });
            }
            "9" if record.bytes().all(|b| b == b'9') && saw_control => {}
            "9" if !saw_control => saw_control = true,
            other => return Err(format!("line {line}: record type: '{other}' is not expected here")),
        }
    }
    if let Some((line, _)) = pending {
        return Err(format!("line {line}: addenda: the returned entry has no return addenda (7)"));
    }
    if !saw_header || !saw_control {
        return Err("file: no file header (1) or file control (9) record; not a NACHA file".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pad(text: &str) -> String {
        format!("{text:<94}")
    }

    // Proves a return entry and its addenda are read, and a malformed addenda line is refused naming its line.
    #[test]
    fn reads_returns_and_names_a_bad_line() {
        let header = pad("101 021000021 123456789261205");
        let entry = pad("626011000015123456789        0000008412100200-01      MARIA GARCIA            1011000010000001");
        let addenda = pad("799R01021000020000001      01100001                                            011000010000001");
        let control = pad("9000001000001000000010000000000");
        let file = [header.clone(), entry.clone(), addenda, control.clone()].join("\n");
        let read = read(&file).unwrap();
        assert_eq!(read, vec![Returned { line: 3, code: "R01".into(), original_trace: "021000020000001".into(), amount_cents: 8412 }]);
        let bad = pad("799X01021000020000001");
        let error = super::read(&[header, entry, bad, control].join("\n")).unwrap_err();
        assert!(error.starts_with("line 3: return reason code"), "{error}");
    }

    // Proves the reader reads a return file CityTill did not write: moov-io/ach's published WEB return sample
    // (two batches, R01 and R03, transaction codes 26 and 21) gives both returns with their codes, original
    // trace numbers and amounts, and each addenda's own line number.
    #[test]
    fn reads_a_return_file_written_by_another_ach_library() {
        let file = include_str!("../../tests/fixtures/ach/moov-return-WEB.ach");
        let read = read(file).unwrap();
        assert_eq!(
            read,
            vec![
                Returned { line: 4, code: "R01".into(), original_trace: "091400600000001".into(), amount_cents: 12_354 },
                Returned { line: 8, code: "R03".into(), original_trace: "091400600000003".into(), amount_cents: 4_565 },
            ]
        );
        assert_eq!(read.iter().filter(|r| SUSPENDING.contains(&r.code.as_str())).count(), 1, "R03 suspends, R01 does not");
    }
}
