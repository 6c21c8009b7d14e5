//! The one place where a message becomes what the window shows: the library's "field: problem" lines
//! (written for the command line, e.g. "--amount: a refund must be more than zero") turn into whole
//! sentences in the cashier's terms — the field named as the window labels it, no `--flag`, a capital
//! first letter and a full stop. The CLI keeps the library's text as it is.

/// The window's name for a field the library names (with or without the CLI's leading `--`).
fn label(field: &str) -> Option<&'static str> {
    Some(match field.trim_start_matches("--") {
        "account" => "Account",
        "amount" => "Amount",
        "approver" => "Supervisor",
        "pin" => "PIN",
        "reason" => "Reason",
        "fee" => "Fee",
        "count" | "float" => "Count",
        "checks" => "Checks",
        "money-orders" => "Money orders",
        "card-batch" => "Card batch total",
        "date" => "Business date",
        "control-total" => "Control total",
        "items" => "Number of items",
        "item" => "Item",
        "micr" => "Check",
        "stub" => "Stub",
        "seal" => "Seal",
        "lookup" => "Lookup",
        "receipt" | "receipts" => "Receipt",
        "tender" => "Tender",
        "drawer" => "Drawer",
        "batch" => "Batch",
        "counter" => "Money counter",
        "reprint" => "Reprint",
        "user" => "User",
        "login" => "Sign-in",
        "window" => "Window",
        "routing" => "Routing number",
        "bank-account" => "Bank account",
        "account-type" => "Account type",
        "draft-day" => "Draft day",
        "fixed-amount" => "Amount",
        "rule" => "Debit rule",
        "enrolment" => "Enrolment",
        "exception" | "ITEM" => "Exception",
        "apply-to" => "Apply to account",
        _ => return None,
    })
}

/// `message` as the window shows it (see the module note). Text without a field prefix keeps its words.
pub fn sentence(message: &str) -> String {
    let message = message.trim();
    let (field, rest) = match message.split_once(": ") {
        // A field prefix is one word ("--amount", "approver", "card-batch"), known or CLI-flag shaped.
        Some((field, rest)) if !field.contains(' ') && (field.starts_with("--") || label(field).is_some()) => {
            let name = label(field).map(str::to_string).unwrap_or_else(|| capital(&field.trim_start_matches("--").replace('-', " ")));
            (Some(name), rest)
        }
        _ => (None, message),
    };
    let mut rest = inline_flags(rest);
    if !rest.ends_with(['.', '?', '!', '…']) {
        rest.push('.');
    }
    match field {
        Some(name) => format!("{name}: {rest}"),
        None => capital(&rest),
    }
}

/// "close it with --approver and --reason" → "close it with supervisor and reason".
fn inline_flags(text: &str) -> String {
    text.split(' ')
        .map(|word| match word.strip_prefix("--") {
            Some(flag) if flag.starts_with(|c: char| c.is_ascii_lowercase()) => {
                let end = flag.find(|c: char| !(c.is_ascii_lowercase() || c == '-')).unwrap_or(flag.len());
                let (name, tail) = flag.split_at(end);
                let words = label(name).map(str::to_lowercase).unwrap_or_else(|| name.replace('-', " "));
                format!("{words}{tail}")
            }
            _ => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn capital(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::sentence;

    // Proves the library's CLI-shaped lines read as whole sentences in the window's terms, with no `--flag` left.
    #[test]
    fn cli_field_names_become_window_labels() {
        assert_eq!(sentence("--amount: a refund must be more than zero"), "Amount: a refund must be more than zero.");
        assert_eq!(sentence("--reason: say why in 3 to 200 characters"), "Reason: say why in 3 to 200 characters.");
        assert_eq!(sentence("approver: unknown user or wrong PIN"), "Supervisor: unknown user or wrong PIN.");
        assert_eq!(
            sentence("--count: this drawer's count is already recorded; close it with --approver and --reason"),
            "Count: this drawer's count is already recorded; close it with supervisor and reason."
        );
        assert_eq!(sentence("--card-batch: required"), "Card batch total: required.");
        assert_eq!(sentence("--some-new-flag: is wrong"), "Some new flag: is wrong.");
        assert_eq!(sentence("Receipt T01-000001 voided"), "Receipt T01-000001 voided.");
        assert_eq!(sentence("Batch M1 balanced: 55.50 in 2 items. A supervisor approves it [F7]."), "Batch M1 balanced: 55.50 in 2 items. A supervisor approves it [F7].");
        assert!(!sentence("fee RC: a variable fee needs an amount, like --fee RC=25.00").contains("--"));
    }
}
