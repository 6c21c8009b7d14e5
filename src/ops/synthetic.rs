//! A deterministic synthetic city (payables and fees) for the demo, the benchmark and tests.

use crate::domain::payable::{FeeRow, PayableKind, PayableRow};
use crate::money::Money;

const FIRST: &[&str] = &["Maria", "James", "Linh", "Ahmed", "Grace", "Carlos", "Priya", "Olga", "Samuel", "Aiko", "Fatima", "Peter", "Rosa", "Kwame", "Elena", "David"];
const LAST: &[&str] = &["Garcia", "Smith", "Nguyen", "Khan", "Okafor", "Rossi", "Patel", "Ivanova", "Johnson", "Tanaka", "Haddad", "Novak", "Silva", "Mensah", "Popescu", "Cohen"];
/// Surname roots and endings: with LAST they give a city's worth of distinct family names.
const ROOTS: &[&str] = &["Al", "Bar", "Cal", "Dun", "Ed", "Fair", "Gold", "Hart", "Iver", "Kirk", "Lind", "Mar", "Nor", "Oak", "Pem", "Quin", "Ros", "Stan", "Thorn", "Wes"];
const ENDINGS: &[&str] = &["ley", "ton", "sen", "wood", "berg", "ford", "man", "ski", "dale", "ris", "ova", "ini", "son", "field", "stein"];
const STREETS: &[&str] = &["Main St", "Oak Ave", "Elm St", "River Rd", "Hillcrest Dr", "Maple Ln", "Cedar Ct", "Lakeview Blvd", "Mission St", "Pine St", "Sunset Ave", "Harbor Way"];
const BUSINESSES: &[&str] = &["Bakery", "Auto Repair", "Dental", "Cafe", "Hardware", "Salon", "Bookshop", "Plumbing", "Tacos", "Florist"];

/// A small deterministic generator (xorshift) so the same seed gives the same city.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// One of the 16 common surnames a quarter of the time, else one of 300 composed ones.
fn family_name(rng: &mut Rng) -> String {
    if rng.next().is_multiple_of(4) {
        rng.pick(LAST).to_string()
    } else {
        format!("{}{}", rng.pick(ROOTS), rng.pick(ENDINGS))
    }
}

/// `count` payables: mostly utility accounts, with licenses, citations, permits, invoices and taxes.
pub fn payables(count: usize, seed: u64) -> Vec<PayableRow> {
    let mut rng = Rng(seed.max(1));
    (0..count)
        .map(|index| {
            let roll = rng.next() % 100;
            let kind = match roll {
                0..=59 => PayableKind::Utility,
                60..=69 => PayableKind::License,
                70..=84 => PayableKind::Citation,
                85..=91 => PayableKind::Permit,
                92..=96 => PayableKind::Invoice,
                _ => PayableKind::Tax,
            };
            let family = family_name(&mut rng);
            let name = if kind == PayableKind::License || kind == PayableKind::Tax { format!("{family} {}", rng.pick(BUSINESSES)) } else { format!("{} {family}", rng.pick(FIRST)) };
            let address = format!("{} {}", 100 + rng.next() % 9900, rng.pick(STREETS));
            let number = match kind {
                // Ten digits, as the demo bill stub's account field (hardware/profiles/scanline-demo-30.toml).
                PayableKind::Utility => format!("{:010}", 1_000_000 + index),
                PayableKind::License => format!("BL-{:07}", index),
                PayableKind::Citation => format!("PC{:08}", index),
                PayableKind::Permit => format!("BP-{:07}", index),
                PayableKind::Invoice => format!("INV-{:07}", index),
                PayableKind::Tax => format!("TX-{:07}", index),
            };
            let status = match rng.next() % 20 {
                0 => "delinquent",
                1 => "locked_off",
                _ => "active",
            };
            let balance = Money::from_cents(((rng.next() % 40_000) + 500) as i64);
            PayableRow { kind, number, name, address, status: status.into(), balance }
        })
        .collect()
}

/// A typical fee schedule (fixed and variable fees with their revenue accounts).
pub fn fees() -> Vec<FeeRow> {
    let fee = |code: &str, description: &str, cents: Option<i64>, gl: &str| FeeRow { code: code.into(), description: description.into(), amount: cents.map(Money::from_cents), gl_account: gl.into() };
    vec![
        fee("NSF", "Returned check fee", Some(2500), "4610"),
        fee("DOG", "Dog license", Some(1500), "4210"),
        fee("COPY", "Copies (per page)", Some(25), "4900"),
        fee("NOTARY", "Notary service", Some(1000), "4900"),
        fee("PARKPERMIT", "Residential parking permit", Some(4000), "4320"),
        fee("MISC", "Miscellaneous payment", None, "4900"),
        fee("DAMAGE", "Damage to city property", None, "4950"),
    ]
}

/// A bill-stub scanline in the demo layout (account 10, amount due 8 with cents, period YYMM 4, filler 7,
/// Luhn check digit) for `account` and `amount`, so trainers can "scan" a stub by typing it.
pub fn demo_stub(account: &str, amount: Money, period: &str) -> Option<String> {
    if account.len() != 10 || !account.chars().all(|c| c.is_ascii_digit()) || amount.is_negative() || amount.cents() > 99_999_999 {
        return None;
    }
    let body = format!("{account}{:08}{period:0>4}0000000", amount.cents());
    let sum: u32 = body
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let digit = c.to_digit(10).unwrap_or(0);
            let product = if i % 2 == 0 { digit * 2 } else { digit };
            product / 10 + product % 10
        })
        .sum();
    Some(format!("{body}{}", (10 - sum % 10) % 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves the demo stub generator reproduces the template's published example and its Luhn digit.
    #[test]
    fn demo_stub_matches_the_published_example() {
        assert_eq!(demo_stub("0001234567", Money::from_cents(4550), "2405").as_deref(), Some("000123456700004550240500000002"));
        assert_eq!(demo_stub("12345", Money::from_cents(1), "2405"), None);
    }
}
