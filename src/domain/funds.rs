//! Funds (general, water, sewer, parking…): the `[funds]` settings that map payable kinds, fee codes and
//! GL accounts to a fund and each fund to its bank account, and the pure rules that split a payment's
//! tenders and an event's postings by fund — derived from the events at report time, never stored.

use std::collections::BTreeMap;

use crate::domain::accounts;
use crate::domain::events::{Event, LineTarget, PaymentLine};
use crate::domain::payable::PayableKind;
use crate::domain::postings::{postings, Posting};
use crate::domain::tender::{Tender, TenderKind};
use crate::money::Money;

/// `[funds]` as written in citytill.toml. Absent: every payable, fee and deposit is the `general` fund's,
/// deposited as today (by tender, `deposit.toml`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Funds {
    /// The fund of whatever no map names (default "general").
    pub default: String,
    /// Fund code → name and bank account: `[funds.fund.water] name = "Water fund"`, `bank = "1002"`.
    pub fund: BTreeMap<String, Fund>,
    /// Payable kind → fund: `[funds.kinds] utility = "water"`, `citation = "parking"`.
    pub kinds: BTreeMap<String, String>,
    /// Fee code → fund: `[funds.fees] METER = "parking"` (before `gl_accounts`).
    pub fees: BTreeMap<String, String>,
    /// A fee's GL revenue account (from the fee schedule) → fund: `[funds.gl_accounts] "4310" = "water"`.
    pub gl_accounts: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Fund {
    pub name: String,
    /// The fund's bank (an asset account of the chart). Empty: the deposit's routing by tender.
    pub bank: String,
}

impl Default for Funds {
    fn default() -> Funds {
        Funds { default: "general".into(), fund: BTreeMap::new(), kinds: BTreeMap::new(), fees: BTreeMap::new(), gl_accounts: BTreeMap::new() }
    }
}

impl Funds {
    /// Every fund named by a map is declared (the default may be implied), kinds are payable kinds, codes
    /// are plain: one line naming the key.
    pub fn validate(&self) -> Result<(), String> {
        let plain = |code: &str| (1..=32).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !plain(&self.default) {
            return Err(format!("funds.default: '{}' is not a fund code (letters, digits, '_' or '-')", self.default));
        }
        for (code, fund) in &self.fund {
            if !plain(code) {
                return Err(format!("funds.fund.{code}: not a fund code (letters, digits, '_' or '-')"));
            }
            crate::domain::text::check(&format!("funds.fund.{code}.name"), &fund.name)?;
            if !fund.bank.is_empty() && !accounts::valid_code(&fund.bank) {
                return Err(format!("funds.fund.{code}.bank: '{}' is not an account code", fund.bank));
            }
        }
        let known = |fund: &str| fund == self.default || self.fund.contains_key(fund);
        for (table, map) in [("kinds", &self.kinds), ("fees", &self.fees), ("gl_accounts", &self.gl_accounts)] {
            for (key, fund) in map {
                if table == "kinds" {
                    PayableKind::parse(key).map_err(|e| format!("funds.kinds.{key}: {e}"))?;
                }
                if !known(fund) {
                    return Err(format!("funds.{table}.{key}: fund '{fund}' is not declared under [funds.fund]"));
                }
            }
        }
        Ok(())
    }

    /// Only the default fund and no map: every posting and deposit as before funds existed.
    pub fn is_single(&self) -> bool {
        self.fund.keys().all(|f| *f == self.default) && self.kinds.is_empty() && self.fees.is_empty() && self.gl_accounts.is_empty()
    }

    /// Every fund: the default first, then the declared ones.
    pub fn codes(&self) -> Vec<&str> {
        let mut out = vec![self.default.as_str()];
        out.extend(self.fund.keys().map(String::as_str).filter(|code| *code != self.default));
        out
    }

    pub fn name_of<'a>(&'a self, fund: &'a str) -> &'a str {
        match self.fund.get(fund) {
            Some(f) if !f.name.is_empty() => &f.name,
            _ => fund,
        }
    }

    /// The fund's own bank account, if it names one.
    pub fn bank_of(&self, fund: &str) -> Option<&str> {
        self.fund.get(fund).map(|f| f.bank.as_str()).filter(|bank| !bank.is_empty())
    }

    /// The fund whose bank this is (the first declared), else the default.
    pub fn fund_of_bank(&self, bank: &str) -> &str {
        self.fund.iter().find(|(_, f)| f.bank == bank).map_or(self.default.as_str(), |(code, _)| code.as_str())
    }

    pub fn fund_of_kind(&self, kind: PayableKind) -> &str {
        self.kinds.get(kind.as_str()).map_or(self.default.as_str(), String::as_str)
    }

    /// A fee's fund: by its code, else by its GL account, else the default.
    pub fn fund_of_fee(&self, code: &str, gl_account: &str) -> &str {
        self.fees.get(code).or_else(|| self.gl_accounts.get(gl_account)).map_or(self.default.as_str(), String::as_str)
    }

    pub fn fund_of_line(&self, line: &PaymentLine) -> &str {
        match &line.target {
            LineTarget::Payable { kind, .. } => self.fund_of_kind(*kind),
            LineTarget::Fee { code, gl_account, .. } => self.fund_of_fee(code, gl_account),
        }
    }

    /// The fund of a reversal's allocation, known only by its account: a kind's receivable, a mapped GL
    /// account, else the default (customer credit and returned checks included).
    pub fn fund_of_account(&self, account: &str) -> &str {
        if let Some(kind) = PayableKind::ALL.into_iter().find(|k| k.receivable_account() == account) {
            return self.fund_of_kind(kind);
        }
        self.gl_accounts.get(account).map_or(self.default.as_str(), String::as_str)
    }

    /// A payment's tenders split by fund: the tenders net of change (taken from cash first, then checks)
    /// are laid against the lines in order, each tender paying the lines still open. Exact in cents; the
    /// parts of one tender kind add up to what that kind brought in, the parts of one fund to its lines.
    pub fn split_tenders(&self, lines: &[PaymentLine], tenders: &[Tender], change: Money) -> Vec<(TenderKind, String, i64)> {
        let mut dues: Vec<(&str, i64)> = lines.iter().map(|l| (self.fund_of_line(l), l.amount().cents())).collect();
        let mut out: Vec<(TenderKind, String, i64)> = Vec::new();
        let mut index = 0;
        for (kind, net) in net_tenders(tenders, change) {
            let mut left = net;
            while left > 0 && index < dues.len() {
                let take = left.min(dues[index].1);
                if take > 0 {
                    add(&mut out, kind, dues[index].0, take);
                }
                left -= take;
                dues[index].1 -= take;
                if dues[index].1 == 0 {
                    index += 1;
                }
            }
            if left > 0 {
                add(&mut out, kind, &self.default, left);
            }
        }
        out
    }

    /// An event's postings, each with its fund. Payments, batch approvals, autopay, refunds, returned
    /// checks and deposits follow their lines' (or bank's) funds; every other posting is the default
    /// fund's. Per account the amounts are exactly `postings(event)`'s (else the whole event falls to
    /// the default fund), so a GL by fund adds up to the plain GL.
    pub fn postings_by_fund<'a>(&'a self, event: &'a Event) -> Vec<(&'a str, Posting<'a>)> {
        let plain = postings(event);
        let split = self.split_postings(event);
        match split {
            Some(split) if same_per_account(&plain, &split) => split,
            _ => plain.into_iter().map(|p| (self.default.as_str(), p)).collect(),
        }
    }

    fn split_postings<'a>(&'a self, event: &'a Event) -> Option<Vec<(&'a str, Posting<'a>)>> {
        let default = self.default.as_str();
        let mut out: Vec<(&str, Posting)> = Vec::new();
        match event {
            Event::PaymentTaken { lines, tenders, change, .. } | Event::PaymentVoided { lines, tenders, change, .. } => {
                for (kind, fund, cents) in self.split_tenders(lines, tenders, *change) {
                    let fund = self.codes().into_iter().find(|c| *c == fund).unwrap_or(default);
                    out.push((fund, debit(kind.account(), cents)));
                }
                // The change came out of the tenders handed over: both sides in the default fund.
                for (kind, cents) in change_taken(tenders, *change) {
                    out.push((default, debit(kind.account(), cents)));
                }
                out.push((default, credit(accounts::CASH_IN_DRAWER, change.cents())));
                for line in lines {
                    let fund = self.fund_of_line(line);
                    out.push((fund, credit(line.account(), line.applied.cents())));
                    out.push((fund, credit(accounts::CUSTOMER_CREDIT, line.credit.cents())));
                }
                if matches!(event, Event::PaymentVoided { .. }) {
                    out = out.into_iter().map(|(f, p)| (f, Posting { account: p.account, debit: p.credit, credit: p.debit })).collect();
                }
            }
            Event::BatchApproved { posted, .. } | Event::BatchReopened { reversed: posted, .. } => {
                for item in posted {
                    let fund = self.fund_of_line(&item.line);
                    out.push((fund, debit(accounts::REMITTANCE_SUSPENSE, item.line.amount().cents())));
                    out.push((fund, credit(item.line.account(), item.line.applied.cents())));
                    out.push((fund, credit(accounts::CUSTOMER_CREDIT, item.line.credit.cents())));
                }
                if matches!(event, Event::BatchReopened { .. }) {
                    out = out.into_iter().map(|(f, p)| (f, Posting { account: p.account, debit: p.credit, credit: p.debit })).collect();
                }
            }
            Event::AutopaySettled { posted, .. } => {
                for item in posted {
                    let fund = self.fund_of_line(&item.line);
                    let cents = item.line.amount().cents();
                    out.push((fund, debit(accounts::REMITTANCE_SUSPENSE, cents)));
                    out.push((fund, credit(item.line.account(), item.line.applied.cents())));
                    out.push((fund, credit(accounts::CUSTOMER_CREDIT, item.line.credit.cents())));
                    out.push((fund, debit(accounts::BANK_OPERATING, cents)));
                    out.push((fund, credit(accounts::ACH_RECEIVABLE, cents)));
                }
            }
            Event::PaymentRefunded { allocations, .. } => {
                for a in allocations {
                    let fund = self.fund_of_account(&a.account);
                    out.push((fund, debit(&a.account, a.amount.cents())));
                    out.push((fund, credit(accounts::CASH_IN_DRAWER, a.amount.cents())));
                }
            }
            Event::CheckReturned { allocations, fee_amount, fee_gl_account, fee_receivable_account, .. } => {
                for a in allocations {
                    let fund = self.fund_of_account(&a.account);
                    out.push((fund, debit(&a.account, a.amount.cents())));
                    out.push((fund, credit(accounts::UNDEPOSITED_FUNDS, a.amount.cents())));
                }
                let fund = self.fund_of_account(fee_gl_account);
                out.push((fund, debit(fee_receivable_account, fee_amount.cents())));
                out.push((fund, credit(fee_gl_account, fee_amount.cents())));
            }
            Event::DepositCreated { slip, .. } => {
                for line in &slip.lines {
                    let fund = self.fund_of_bank(&line.bank_account);
                    out.push((fund, debit(&line.bank_account, line.amount.cents())));
                    out.push((fund, credit(accounts::UNDEPOSITED_FUNDS, line.amount.cents())));
                }
            }
            _ => return None,
        }
        out.retain(|(_, p)| !(p.debit.is_zero() && p.credit.is_zero()));
        Some(out)
    }
}

fn debit(account: &str, cents: i64) -> Posting<'_> {
    Posting { account, debit: Money::from_cents(cents), credit: Money::ZERO }
}

fn credit(account: &str, cents: i64) -> Posting<'_> {
    Posting { account, debit: Money::ZERO, credit: Money::from_cents(cents) }
}

fn add(out: &mut Vec<(TenderKind, String, i64)>, kind: TenderKind, fund: &str, cents: i64) {
    match out.iter_mut().find(|(k, f, _)| *k == kind && f == fund) {
        Some(row) => row.2 += cents,
        None => out.push((kind, fund.to_string(), cents)),
    }
}

/// How much of the change each tender kind gave: cash first, then checks written over the amount.
fn change_taken(tenders: &[Tender], change: Money) -> Vec<(TenderKind, i64)> {
    let mut left = change.cents();
    let mut out = Vec::new();
    for kind in [TenderKind::Cash, TenderKind::Check] {
        let available: i64 = tenders.iter().filter(|t| t.kind == kind).map(|t| t.amount.cents()).sum();
        let take = available.min(left).max(0);
        if take > 0 {
            out.push((kind, take));
        }
        left -= take;
    }
    if left > 0 {
        out.push((TenderKind::Cash, left));
    }
    out
}

/// The tenders in order with the change taken out of them (see `change_taken`).
fn net_tenders(tenders: &[Tender], change: Money) -> Vec<(TenderKind, i64)> {
    let mut reduce: BTreeMap<TenderKind, i64> = change_taken(tenders, change).into_iter().collect();
    tenders
        .iter()
        .map(|t| {
            let cut = reduce.get(&t.kind).copied().unwrap_or(0).min(t.amount.cents());
            if let Some(left) = reduce.get_mut(&t.kind) {
                *left -= cut;
            }
            (t.kind, t.amount.cents() - cut)
        })
        .collect()
}

fn same_per_account(plain: &[Posting<'_>], split: &[(&str, Posting<'_>)]) -> bool {
    let sum = |rows: &mut dyn Iterator<Item = &Posting<'_>>| {
        let mut map: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for p in rows {
            let entry = map.entry(p.account.to_string()).or_default();
            entry.0 += p.debit.cents();
            entry.1 += p.credit.cents();
        }
        map.retain(|_, (d, c)| *d != 0 || *c != 0);
        map
    };
    sum(&mut plain.iter()) == sum(&mut split.iter().map(|(_, p)| p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn funds() -> Funds {
        let mut funds = Funds::default();
        funds.fund.insert("water".into(), Fund { name: "Water fund".into(), bank: "1002".into() });
        funds.fund.insert("parking".into(), Fund { name: "Parking fund".into(), bank: String::new() });
        funds.kinds.insert("utility".into(), "water".into());
        funds.kinds.insert("citation".into(), "parking".into());
        funds
    }

    fn line(kind: PayableKind, cents: i64) -> PaymentLine {
        PaymentLine { target: LineTarget::Payable { number: "X".into(), kind }, applied: Money::from_cents(cents), credit: Money::ZERO }
    }

    // Proves a payment's tenders are split by fund exactly: 60.00 utility + 40.00 citation paid with 50.00 cash
    // (100.00 handed over, 50.00 change) and a 50.00 check gives cash 50 water, check 10 water + 40 parking,
    // and its postings per fund balance and add up, account by account, to the plain postings.
    #[test]
    fn a_payment_splits_by_fund_and_adds_up() {
        let funds = funds();
        let lines = vec![line(PayableKind::Utility, 6000), line(PayableKind::Citation, 4000)];
        let tenders = vec![Tender::cash(Money::from_cents(10_000)), Tender::new(TenderKind::Check, Money::from_cents(5000))];
        let split = funds.split_tenders(&lines, &tenders, Money::from_cents(5000));
        assert_eq!(split, vec![(TenderKind::Cash, "water".into(), 5000), (TenderKind::Check, "water".into(), 1000), (TenderKind::Check, "parking".into(), 4000)]);
        let event = Event::PaymentTaken { receipt: "T01-000001".into(), number: 1, drawer_id: 1, cashier: "ann".into(), lines, tenders, change: Money::from_cents(5000) };
        let by_fund = funds.postings_by_fund(&event);
        assert!(same_per_account(&postings(&event), &by_fund));
        for fund in ["general", "water", "parking"] {
            let (d, c) = by_fund.iter().filter(|(f, _)| *f == fund).fold((0, 0), |(d, c), (_, p)| (d + p.debit.cents(), c + p.credit.cents()));
            assert_eq!(d, c, "{fund} balances");
        }
        assert!(by_fund.iter().any(|(f, p)| *f == "parking" && p.account == accounts::RECEIVABLE_CITATION && p.credit.cents() == 4000));
    }

    // Proves every fund a map names must be declared, and a kind must be a payable kind, naming the key.
    #[test]
    fn funds_settings_are_checked() {
        assert_eq!(Funds::default().validate(), Ok(()));
        assert_eq!(funds().validate(), Ok(()));
        let mut bad = funds();
        bad.kinds.insert("permit".into(), "sewer".into());
        assert!(bad.validate().unwrap_err().starts_with("funds.kinds.permit: fund 'sewer'"));
        let mut bad = funds();
        bad.kinds.insert("boat".into(), "water".into());
        assert!(bad.validate().unwrap_err().starts_with("funds.kinds.boat:"));
    }
}
