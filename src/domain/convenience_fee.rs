//! Convenience fees on card and ACH tenders: the `[convenience_fee]` schedule as written in settings, read
//! strictly into integer amounts (basis points), and the one rule for the fee a payment's tenders carry —
//! used by the cart (what the customer is shown before paying) and by the payment (what is recorded).

use std::collections::BTreeMap;

use crate::domain::tender::{Tender, TenderKind};
use crate::money::Money;

/// The fee line's code on the receipt and in the journal (reserved: a fee-schedule item should not use it).
pub const CODE: &str = "CONV-FEE";
/// The revenue account the fee is credited to (schema migration 11), unless `gl_account` names another.
pub const GL_ACCOUNT: &str = crate::domain::accounts::CONVENIENCE_FEE_REVENUE;

/// `[convenience_fee]` as written: amounts and percents are decimal strings, read in `ConvenienceFees::read`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConvenienceFeeSettings {
    /// Off unless true (absent table = off).
    pub enabled: bool,
    /// Receipt text of the fee line (default "Convenience fee").
    pub description: String,
    /// Revenue account credited (default 4920).
    pub gl_account: String,
    pub card: Option<TierSettings>,
    pub ach: Option<TierSettings>,
}

/// One tender kind's schedule as written.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TierSettings {
    /// Flat amount per payment, e.g. "1.50".
    pub flat: String,
    /// Percent of the amount the tender pays, e.g. "2.5" (at most two decimals: basis points).
    pub percent: String,
    pub minimum: String,
    pub maximum: String,
    /// Bands by amount paid: the first whose `up_to` is at least the amount replaces flat and percent.
    pub tiers: Vec<BandSettings>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BandSettings {
    pub up_to: String,
    pub flat: String,
    pub percent: String,
}

/// A flat amount plus basis points (1/100 of a percent) of the amount.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rate {
    pub flat_cents: i64,
    pub basis_points: i64,
}

impl Rate {
    /// flat + amount × bp / 10,000, the percent part rounded half up to the cent (integer math).
    fn of(self, cents: i64) -> i64 {
        let part = (i128::from(cents) * i128::from(self.basis_points) + 5_000) / 10_000;
        self.flat_cents.saturating_add(i64::try_from(part).unwrap_or(i64::MAX))
    }
}

/// One tender kind's schedule, read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    pub base: Rate,
    /// (up to cents, rate), ascending.
    pub tiers: Vec<(i64, Rate)>,
    pub minimum_cents: i64,
    pub maximum_cents: Option<i64>,
}

impl Schedule {
    /// The fee on `cents` paid: the tier's (or base) rate, then at least the minimum and at most the maximum.
    /// Nothing paid, no fee.
    pub fn fee(&self, cents: i64) -> i64 {
        if cents <= 0 {
            return 0;
        }
        let rate = self.tiers.iter().find(|(up_to, _)| cents <= *up_to).map_or(self.base, |(_, rate)| *rate);
        let fee = rate.of(cents).max(self.minimum_cents);
        self.maximum_cents.map_or(fee, |max| fee.min(max))
    }
}

/// The city's convenience fees, read; `Default` is off.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConvenienceFees {
    pub description: String,
    pub gl_account: String,
    pub by_tender: BTreeMap<TenderKind, Schedule>,
}

impl ConvenienceFees {
    /// Reads the settings strictly; a bad value is one line naming its key (`convenience_fee.card.percent: …`).
    pub fn read(raw: &ConvenienceFeeSettings) -> Result<ConvenienceFees, String> {
        let mut by_tender = BTreeMap::new();
        for (name, kind, table) in [("card", TenderKind::Card, &raw.card), ("ach", TenderKind::Ach, &raw.ach)] {
            if let Some(table) = table {
                let schedule = read_schedule(&format!("convenience_fee.{name}"), table)?;
                if raw.enabled {
                    by_tender.insert(kind, schedule);
                }
            }
        }
        crate::domain::text::check("convenience_fee.description", &raw.description)?;
        let gl_account = if raw.gl_account.trim().is_empty() { GL_ACCOUNT.to_string() } else { raw.gl_account.trim().to_string() };
        if !crate::domain::accounts::valid_code(&gl_account) {
            return Err(format!("convenience_fee.gl_account: '{gl_account}' is not an account code (2-16 letters, digits, '.' or '-')"));
        }
        let description = if raw.description.trim().is_empty() { "Convenience fee".to_string() } else { raw.description.trim().to_string() };
        Ok(ConvenienceFees { description, gl_account, by_tender })
    }

    pub fn is_on(&self) -> bool {
        !self.by_tender.is_empty()
    }

    /// The fee a tender of `kind` paying `cents` of the amount due would carry (0 for other kinds).
    pub fn fee_for(&self, kind: TenderKind, cents: i64) -> Money {
        Money::from_cents(self.by_tender.get(&kind).map_or(0, |schedule| schedule.fee(cents)))
    }

    /// The fee a payment of `principal` (its lines) carries with these tenders, taken in order: each tender
    /// covers what is left of the principal up to its own amount, and a card or ACH tender's fee is figured
    /// on the part it covers. One card tender of principal + fee pays the fee on the principal exactly.
    pub fn fee_for_tenders(&self, principal: Money, tenders: &[Tender]) -> Money {
        if !self.is_on() {
            return Money::ZERO;
        }
        let mut left = principal.cents().max(0);
        let mut fee = 0i64;
        for tender in tenders {
            let covers = tender.amount.cents().max(0).min(left);
            fee = fee.saturating_add(self.fee_for(tender.kind, covers).cents());
            left -= covers;
        }
        Money::from_cents(fee)
    }

    /// The principal the tenders have not yet covered (what a further tender's fee is figured on).
    pub fn uncovered(principal: Money, tenders: &[Tender]) -> Money {
        let mut left = principal.cents().max(0);
        for tender in tenders {
            left -= tender.amount.cents().max(0).min(left);
        }
        Money::from_cents(left)
    }
}

fn read_schedule(path: &str, table: &TierSettings) -> Result<Schedule, String> {
    let base = Rate { flat_cents: amount(&format!("{path}.flat"), &table.flat)?, basis_points: percent(&format!("{path}.percent"), &table.percent)? };
    let minimum_cents = amount(&format!("{path}.minimum"), &table.minimum)?;
    let maximum_cents = if table.maximum.trim().is_empty() { None } else { Some(amount(&format!("{path}.maximum"), &table.maximum)?) };
    if let Some(max) = maximum_cents {
        if max < minimum_cents {
            return Err(format!("{path}.maximum: {} is less than the minimum {}", Money::from_cents(max), Money::from_cents(minimum_cents)));
        }
    }
    let mut tiers = Vec::new();
    for (index, band) in table.tiers.iter().enumerate() {
        let at = format!("{path}.tiers[{index}]");
        let up_to = amount(&format!("{at}.up_to"), &band.up_to)?;
        if up_to <= 0 || tiers.last().is_some_and(|(previous, _)| up_to <= *previous) {
            return Err(format!("{at}.up_to: {} must be above zero and above the tier before it", Money::from_cents(up_to)));
        }
        let rate = Rate { flat_cents: amount(&format!("{at}.flat"), &band.flat)?, basis_points: percent(&format!("{at}.percent"), &band.percent)? };
        tiers.push((up_to, rate));
    }
    Ok(Schedule { base, tiers, minimum_cents, maximum_cents })
}

/// An amount like "1.00" (empty = 0), at most 1,000,000.00.
fn amount(field: &str, text: &str) -> Result<i64, String> {
    if text.trim().is_empty() {
        return Ok(0);
    }
    let money = Money::parse_field(field, text, Money::from_cents(100_000_000)).map_err(|e| e.to_string())?;
    if money.is_negative() {
        return Err(format!("{field}: '{text}' must not be negative"));
    }
    Ok(money.cents())
}

/// A percent like "2.5" or "2.50" (empty = 0) into basis points: digits, at most two decimals, at most 100.
fn percent(field: &str, text: &str) -> Result<i64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    let bad = || format!("{field}: '{text}' is not a percent like \"2.5\" (0 to 100, at most two decimals)");
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || whole.len() > 3 || fraction.len() > 2 || !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let fraction: i64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<2}").parse().map_err(|_| bad())? };
    let basis_points = whole * 100 + fraction;
    if basis_points > 10_000 {
        return Err(bad());
    }
    Ok(basis_points)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(percent: &str, minimum: &str) -> ConvenienceFeeSettings {
        ConvenienceFeeSettings { enabled: true, card: Some(TierSettings { percent: percent.into(), minimum: minimum.into(), ..TierSettings::default() }), ..ConvenienceFeeSettings::default() }
    }

    // Proves 2.5% with a 1.00 minimum: 100.00 → 2.50, 10.00 → 1.00 (minimum), 0.30 rounds half up (0.0075 → 0.01
    // before the minimum); and one card tender of principal + fee pays the fee on the principal alone.
    #[test]
    fn percent_with_minimum_in_integer_math() {
        let fees = ConvenienceFees::read(&card("2.5", "1.00")).unwrap();
        assert_eq!(fees.fee_for(TenderKind::Card, 10_000), Money::from_cents(250));
        assert_eq!(fees.fee_for(TenderKind::Card, 1_000), Money::from_cents(100));
        assert_eq!(fees.fee_for(TenderKind::Ach, 10_000), Money::ZERO, "no ACH schedule, no fee");
        assert_eq!(Rate { flat_cents: 0, basis_points: 250 }.of(30), 1, "0.75 cent rounds half up to 1");
        assert_eq!(Rate { flat_cents: 0, basis_points: 250 }.of(20), 1, "0.5 cent rounds half up");
        assert_eq!(Rate { flat_cents: 0, basis_points: 250 }.of(19), 0);
        let principal = Money::from_cents(10_000);
        let cash_then_card = [Tender::cash(Money::from_cents(4_000)), Tender::new(TenderKind::Card, Money::from_cents(6_150))];
        assert_eq!(fees.fee_for_tenders(principal, &cash_then_card), Money::from_cents(150), "fee on the 60.00 the card covers");
        let card_only = [Tender::new(TenderKind::Card, Money::from_cents(10_250))];
        assert_eq!(fees.fee_for_tenders(principal, &card_only), Money::from_cents(250));
        assert_eq!(fees.fee_for_tenders(principal, &[Tender::cash(principal)]), Money::ZERO);
    }

    // Proves tiers pick the first band at or above the amount, the maximum caps, and off (the default or
    // enabled = false) charges nothing.
    #[test]
    fn tiers_maximum_and_off() {
        let raw = ConvenienceFeeSettings {
            enabled: true,
            ach: Some(TierSettings {
                flat: "3.00".into(),
                maximum: "4.00".into(),
                tiers: vec![BandSettings { up_to: "50.00".into(), flat: "0.50".into(), percent: String::new() }, BandSettings { up_to: "200.00".into(), flat: "1.00".into(), percent: "1".into() }],
                ..TierSettings::default()
            }),
            ..ConvenienceFeeSettings::default()
        };
        let fees = ConvenienceFees::read(&raw).unwrap();
        assert_eq!(fees.fee_for(TenderKind::Ach, 5_000), Money::from_cents(50));
        assert_eq!(fees.fee_for(TenderKind::Ach, 10_000), Money::from_cents(200));
        assert_eq!(fees.fee_for(TenderKind::Ach, 90_000), Money::from_cents(300));
        assert_eq!(fees.fee_for(TenderKind::Ach, 20_000), Money::from_cents(300));
        let capped = ConvenienceFees::read(&ConvenienceFeeSettings { card: Some(TierSettings { percent: "10".into(), maximum: "4.00".into(), ..TierSettings::default() }), ..raw.clone() }).unwrap();
        assert_eq!(capped.fee_for(TenderKind::Card, 100_000), Money::from_cents(400));
        assert!(!ConvenienceFees::default().is_on());
        assert!(!ConvenienceFees::read(&ConvenienceFeeSettings { enabled: false, ..raw }).unwrap().is_on());
    }

    // Proves a bad value is refused naming its key, even while the fees are off.
    #[test]
    fn bad_schedule_names_the_key() {
        for (percent, minimum, key) in [
            ("2,5", "", "convenience_fee.card.percent:"),
            ("101", "", "convenience_fee.card.percent:"),
            ("2.555", "", "convenience_fee.card.percent:"),
            ("2.5", "abc", "convenience_fee.card.minimum:"),
            ("2.5", "-1.00", "convenience_fee.card.minimum:"),
        ] {
            let mut raw = card(percent, minimum);
            raw.enabled = false;
            let error = ConvenienceFees::read(&raw).unwrap_err();
            assert!(error.starts_with(key) && !error.contains('\n'), "{percent}/{minimum}: {error}");
        }
    }
}
