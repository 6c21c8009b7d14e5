//! Identifier newtypes: terminal ids and receipt numbers, validated at the edge.

use std::fmt;

/// A terminal's id, e.g. `T01`: 1–8 ASCII letters or digits, upper-cased.
#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct TerminalId(String);

impl TerminalId {
    pub fn parse(text: &str) -> Result<TerminalId, String> {
        let upper = text.trim().to_ascii_uppercase();
        if upper.is_empty() || upper.len() > 8 || !upper.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!("terminal: '{text}' must be 1 to 8 letters or digits, like T01"));
        }
        Ok(TerminalId(upper))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TerminalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A receipt number: the terminal plus a gap-free sequence number, shown as `T01-000042`.
#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct ReceiptNo {
    pub terminal: TerminalId,
    pub number: i64,
}

impl ReceiptNo {
    pub fn parse(text: &str) -> Result<ReceiptNo, String> {
        let problem = || format!("receipt: '{text}' is not a receipt number like T01-000042");
        let (terminal, number) = text.trim().rsplit_once('-').ok_or_else(problem)?;
        let terminal = TerminalId::parse(terminal).map_err(|_| problem())?;
        let number: i64 = number.parse().map_err(|_| problem())?;
        if number < 1 {
            return Err(problem());
        }
        Ok(ReceiptNo { terminal, number })
    }
}

impl fmt::Display for ReceiptNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:06}", self.terminal, self.number)
    }
}

/// A user's role; what each may do is decided in `ops::auth`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Cashier,
    Lead,
    Supervisor,
    Admin,
}

impl Role {
    pub fn parse(text: &str) -> Result<Role, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "cashier" => Ok(Role::Cashier),
            "lead" => Ok(Role::Lead),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            other => Err(format!("role: '{other}' is not one of cashier, lead, supervisor, admin")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Cashier => "cashier",
            Role::Lead => "lead",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Supervisors and admins may approve another person's void, refund, paid-out or over/short.
    pub fn can_approve(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }
}

/// A user name: 1–32 letters, digits, '.', '_' or '-'.
pub fn validate_user_name(field: &str, text: &str) -> Result<String, String> {
    crate::domain::card_data::refuse(field, text)?;
    let name = text.trim();
    if name.is_empty() || name.len() > 32 || !name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        return Err(format!("{field}: '{text}' must be 1 to 32 letters, digits, '.', '_' or '-'"));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves receipt numbers print zero-padded and parse back to the same terminal and number.
    #[test]
    fn receipt_numbers_round_trip() {
        let receipt = ReceiptNo { terminal: TerminalId::parse("t01").unwrap(), number: 42 };
        assert_eq!(receipt.to_string(), "T01-000042");
        assert_eq!(ReceiptNo::parse("T01-000042"), Ok(receipt));
        assert!(ReceiptNo::parse("T01-0").is_err());
        assert!(ReceiptNo::parse("nonsense").unwrap_err().starts_with("receipt:"));
        assert!(TerminalId::parse("T 1").is_err());
    }
}
