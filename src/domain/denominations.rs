//! Denomination counts ("20x5,10x3,0.25x40"): how cash is counted at open, drop and close.

use crate::money::Money;

/// US currency denominations, largest first (the default; settings may replace them).
pub const USD_CENTS: &[i64] = &[10000, 5000, 2000, 1000, 500, 200, 100, 50, 25, 10, 5, 1];

/// One row of a count: this many pieces of this denomination.
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct DenominationCount {
    pub denomination: Money,
    pub pieces: i64,
}

/// Parses `"20x5,10x3"` against the allowed denominations; each denomination at most once.
pub fn parse_count(field: &str, text: &str, allowed_cents: &[i64]) -> Result<Vec<DenominationCount>, String> {
    let mut rows: Vec<DenominationCount> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (denomination, pieces) = part.split_once(['x', 'X', '*']).ok_or_else(|| format!("{field}: '{part}' must be DENOMINATIONxPIECES, like 20x5"))?;
        let denomination = Money::parse_positive(field, denomination, Money::from_cents(1_000_000)).map_err(|e| e.to_string())?;
        if !allowed_cents.contains(&denomination.cents()) {
            return Err(format!("{field}: {denomination} is not a denomination of this currency"));
        }
        let pieces: i64 = pieces.trim().parse().map_err(|_| format!("{field}: '{pieces}' is not a whole number of pieces"))?;
        if !(0..=100_000).contains(&pieces) {
            return Err(format!("{field}: {pieces} pieces of {denomination} is out of range (0 to 100000)"));
        }
        if rows.iter().any(|row| row.denomination == denomination) {
            return Err(format!("{field}: {denomination} is counted twice"));
        }
        rows.push(DenominationCount { denomination, pieces });
    }
    rows.sort_by_key(|row| std::cmp::Reverse(row.denomination));
    Ok(rows)
}

/// The value of a count; None only on overflow, which the piece limits rule out.
pub fn total(rows: &[DenominationCount]) -> Option<Money> {
    rows.iter().try_fold(Money::ZERO, |acc, row| acc.checked_add(row.denomination.checked_mul(row.pieces)?))
}

/// Writes a count back in the `20x5,10x3` form.
pub fn format_count(rows: &[DenominationCount]) -> String {
    rows.iter().map(|row| format!("{}x{}", trim_cents(row.denomination), row.pieces)).collect::<Vec<_>>().join(",")
}

fn trim_cents(money: Money) -> String {
    if money.cents() % 100 == 0 {
        (money.cents() / 100).to_string()
    } else {
        money.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves a float count parses to the exact total and bad rows are refused naming the field.
    #[test]
    fn counts_parse_and_total() {
        let rows = parse_count("float", "20x5,10x3,5x4,1x10,0.25x40", USD_CENTS).unwrap();
        assert_eq!(total(&rows), Some(Money::from_cents(17000)));
        assert_eq!(format_count(&rows), "20x5,10x3,5x4,1x10,0.25x40");
        assert!(parse_count("float", "3x1", USD_CENTS).unwrap_err().contains("not a denomination"));
        assert!(parse_count("float", "20x-1", USD_CENTS).unwrap_err().starts_with("float:"));
        assert!(parse_count("float", "20x1,20x2", USD_CENTS).unwrap_err().contains("twice"));
        assert!(parse_count("count", "abc", USD_CENTS).unwrap_err().starts_with("count:"));
    }
}
