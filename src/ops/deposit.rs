//! Deposits: approved batches' money to the bank — cash by denomination (drawer counts less the float
//! kept), each check listed, totals per bank account (chosen by tender, configurable), one numbered slip.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::accounts;
use crate::domain::denominations::{self, DenominationCount};
use crate::domain::events::{DepositCheck, DepositLine, DepositSlip, Event, TenderAmount};
use crate::domain::funds::Funds;
use crate::domain::states::{BatchItemState, BatchState};
use crate::domain::tender::{Tender, TenderKind};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::money::Money;
use crate::money::MoneyError;
use crate::ops::auth::Actor;
use crate::ops::batch::{self, BatchSummary};

/// The file in the data dir that routes tenders to bank accounts.
pub const ROUTING_FILE: &str = "deposit.toml";

/// Which bank account (a GL asset account) each tender is deposited to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BankRouting {
    pub default_bank: String,
    /// Per tender (cash, check, money_order): a bank account other than the default.
    pub tender: BTreeMap<String, String>,
    /// The city's funds (`[funds]` of citytill.toml): a fund with a bank of its own takes its share of
    /// every tender there; the rest goes by tender as above.
    #[serde(skip)]
    pub funds: Funds,
}

impl Default for BankRouting {
    fn default() -> BankRouting {
        BankRouting { default_bank: accounts::BANK_OPERATING.into(), tender: BTreeMap::new(), funds: Funds::default() }
    }
}

impl BankRouting {
    /// Reads `dir/deposit.toml` (a missing file means everything goes to the operating account) and the
    /// funds of `dir/citytill.toml`.
    pub fn load(dir: &Path) -> Result<BankRouting> {
        let path = dir.join(ROUTING_FILE);
        let mut routing: BankRouting = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| Error::file(&path, e.message().to_string()))?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => BankRouting::default(),
            Err(error) => return Err(Error::file(&path, error)),
        };
        routing.funds = crate::config::Settings::load(dir)?.funds;
        Ok(routing)
    }

    pub fn bank_for(&self, tender: TenderKind) -> &str {
        self.tender.get(tender.as_str()).unwrap_or(&self.default_bank)
    }

    /// The bank a fund's share of a tender goes to: the fund's own, else the tender's.
    pub fn bank_for_fund(&self, tender: TenderKind, fund: &str) -> &str {
        self.funds.bank_of(fund).unwrap_or_else(|| self.bank_for(tender))
    }

    /// Every named bank must be an asset account of the chart.
    fn validate(&self, conn: &Connection) -> Result<()> {
        for (key, code) in std::iter::once(("default_bank", &self.default_bank)).chain(self.tender.iter().map(|(k, v)| (k.as_str(), v))) {
            if key != "default_bank" && TenderKind::parse(key).is_err() {
                return Err(Error::Invalid(format!("{ROUTING_FILE}: tender '{key}' is not one of cash, check, money_order").into()));
            }
            let class: Option<String> = conn.query_row("SELECT class FROM accounts WHERE code = ?1", [code], |r| r.get(0)).ok();
            if class.as_deref() != Some("asset") {
                return Err(Error::Invalid(format!("{ROUTING_FILE}: {key} = '{code}' is not a bank (asset) account of the chart").into()));
            }
        }
        for (fund, bank) in self.funds.codes().into_iter().filter_map(|f| self.funds.bank_of(f).map(|b| (f, b))) {
            let class: Option<String> = conn.query_row("SELECT class FROM accounts WHERE code = ?1", [bank], |r| r.get(0)).ok();
            if class.as_deref() != Some("asset") {
                return Err(Error::Invalid(format!("funds.fund.{fund}.bank: '{bank}' is not a bank (asset) account of the chart").into()));
            }
        }
        Ok(())
    }
}

/// A recorded deposit: its number, the batches in it and the slip.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DepositResult {
    pub deposit: String,
    pub batches: Vec<String>,
    pub total: Money,
    pub slip: DepositSlip,
    /// The deposit split by fund and tender, with the bank each part went to (the slip's lines are these
    /// summed per bank and tender).
    pub funds: Vec<FundPart>,
}

/// One fund's share of one tender in a deposit.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FundPart {
    pub fund: String,
    pub name: String,
    pub tender: TenderKind,
    pub bank_account: String,
    pub amount: Money,
}

/// The part of a deposit that goes to one bank account: each fund's share of each tender, and their subtotal.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BankShare {
    pub bank_account: String,
    /// The bank account's name in the chart ("Bank - operating account"), or its code when the chart has none.
    pub bank_name: String,
    /// By fund, then tender.
    pub parts: Vec<FundPart>,
    pub subtotal: Money,
}

/// A deposit's fund parts grouped under the bank each goes to (in the order of the bank codes), with the
/// banks' names from the chart: where the money goes, as the supervisor takes it to the bank.
pub fn by_bank(conn: &Connection, parts: &[FundPart]) -> Result<Vec<BankShare>> {
    let mut statement = conn.prepare_cached("SELECT name FROM accounts WHERE code = ?1")?;
    let mut names = BTreeMap::new();
    for part in parts {
        if !names.contains_key(&part.bank_account) {
            let name: Option<String> = statement.query_row([&part.bank_account], |r| r.get(0)).optional()?;
            names.insert(part.bank_account.clone(), name.unwrap_or_else(|| part.bank_account.clone()));
        }
    }
    group_by_bank(parts, &|code| names.get(code).cloned().unwrap_or_else(|| code.to_string()))
}

fn group_by_bank(parts: &[FundPart], name_of: &dyn Fn(&str) -> String) -> Result<Vec<BankShare>> {
    let mut banks: BTreeMap<&str, Vec<FundPart>> = BTreeMap::new();
    for part in parts {
        banks.entry(part.bank_account.as_str()).or_default().push(part.clone());
    }
    banks
        .into_iter()
        .map(|(bank, mut parts)| {
            parts.sort_by(|a, b| (&a.name, &a.fund, a.tender.as_str()).cmp(&(&b.name, &b.fund, b.tender.as_str())));
            let subtotal = parts.iter().map(|p| p.amount).sum::<Result<Money, MoneyError>>()?;
            Ok(BankShare { bank_account: bank.to_string(), bank_name: name_of(bank), parts, subtotal })
        })
        .collect()
}

/// Puts every approved, undeposited batch of `date` into one deposit.
pub fn create(ledger: &mut Ledger, actor: &Actor, routing: &BankRouting, date: &str) -> Result<DepositResult> {
    actor.require(crate::ops::export::OFFICE_ROLES, "prepare deposits")?;
    ledger.write(|w| {
        routing.validate(w.conn())?;
        let batches: Vec<BatchSummary> = batch::list(w.conn(), Some(date))?.into_iter().filter(|b| b.state == BatchState::Approved && b.deposit.is_none()).collect();
        if batches.is_empty() {
            return Err(Error::refused("--date", format!("{date} has no approved batch waiting for a deposit")));
        }
        let (slip, funds) = build_slip(w.conn(), routing, date, &batches)?;
        let count: i64 = w.conn().query_row("SELECT COUNT(*) FROM deposits", [], |r| r.get(0))?;
        let deposit = format!("{}-DEP-{:04}", w.terminal(), count + 1);
        let ids: Vec<String> = batches.iter().map(|b| b.batch.clone()).collect();
        let total = slip.lines.iter().map(|l| l.amount).sum::<Result<Money, MoneyError>>()?;
        w.append(Some(&actor.name), None, &Event::DepositCreated { deposit: deposit.clone(), batches: ids.clone(), slip: slip.clone() })?;
        Ok(DepositResult { deposit, batches: ids, total, slip, funds })
    })
}

/// Everything that moved into undeposited funds for these batches, itemised for the bank.
fn build_slip(conn: &Connection, routing: &BankRouting, date: &str, batches: &[BatchSummary]) -> Result<(DepositSlip, Vec<FundPart>)> {
    let funds = &routing.funds;
    // (tender, fund) → cents, for the tenders that go to the bank.
    let mut shares: BTreeMap<(TenderKind, String), i64> = BTreeMap::new();
    let mut cash: BTreeMap<i64, i64> = BTreeMap::new();
    let mut uncounted = 0i64;
    let mut checks = Vec::new();
    let mut money_orders = Vec::new();
    let mut per_tender: BTreeMap<TenderKind, i64> = BTreeMap::new();
    // A lockbox or online file's card and ACH items were settled to the bank by the processor: they leave
    // undeposited funds with the deposit too (a counter's or mail batch's card and ACH stay in clearing).
    let mut settled: BTreeMap<TenderKind, i64> = BTreeMap::new();
    for summary in batches {
        match summary.drawer_id {
            Some(drawer_id) => {
                let close = drawer_close(conn, drawer_id)?;
                let counted = |kind: TenderKind| close.counted.iter().find(|c| c.tender == kind).map_or(0, |c| c.amount.cents());
                let drops = drops(conn, drawer_id)?;
                let counted_cash = counted(TenderKind::Cash);
                let kept = close.float_kept.cents().min(counted_cash);
                match split_float(&close.cash_count, &float_count(conn, drawer_id)?, kept) {
                    Some(rows) => rows.iter().for_each(|row| *cash.entry(row.denomination.cents()).or_default() += row.pieces),
                    None => uncounted += counted_cash - kept,
                }
                uncounted += drops;
                *per_tender.entry(TenderKind::Cash).or_default() += counted_cash - kept + drops;
                *per_tender.entry(TenderKind::Check).or_default() += counted(TenderKind::Check);
                *per_tender.entry(TenderKind::MoneyOrder).or_default() += counted(TenderKind::MoneyOrder);
                let taken = drawer_shares(conn, funds, drawer_id)?;
                for (kind, total) in [(TenderKind::Cash, counted_cash - kept + drops), (TenderKind::Check, counted(TenderKind::Check)), (TenderKind::MoneyOrder, counted(TenderKind::MoneyOrder))] {
                    let parts: BTreeMap<String, i64> = taken.iter().filter(|(k, _, _)| *k == kind).map(|(_, f, c)| (f.clone(), *c)).collect();
                    for (fund, cents) in fit_to_total(parts, total, &funds.default) {
                        *shares.entry((kind, fund)).or_default() += cents;
                    }
                }
                for (reference, tender) in drawer_tenders(conn, drawer_id)? {
                    list_paper(&reference, &tender, &mut checks, &mut money_orders);
                }
            }
            None => {
                for item in batch::items_in_state(conn, &summary.batch, BatchItemState::Posted)? {
                    let reference = item.reference(&summary.batch);
                    if item.tender.kind == TenderKind::Cash {
                        uncounted += item.amount.cents();
                    }
                    *shares.entry((item.tender.kind, funds.fund_of_kind(item.payable_kind).to_string())).or_default() += item.amount.cents();
                    if batch::is_file_batch(summary) && !item.tender.kind.goes_in_drawer() {
                        *settled.entry(item.tender.kind).or_default() += item.amount.cents();
                    } else {
                        *per_tender.entry(item.tender.kind).or_default() += item.amount.cents();
                    }
                    list_paper(&reference, &item.tender, &mut checks, &mut money_orders);
                }
            }
        }
    }
    // Each tender's total to the bank, split by fund (the shares fitted to it exactly), each part to its
    // fund's bank or the tender's.
    let mut by_bank: BTreeMap<(String, TenderKind), i64> = BTreeMap::new();
    let mut parts: Vec<FundPart> = Vec::new();
    let deposited = per_tender.into_iter().filter(|(t, c)| *c != 0 && matches!(t, TenderKind::Cash | TenderKind::Check | TenderKind::MoneyOrder)).chain(settled.into_iter().filter(|(_, c)| *c != 0));
    let mut totals: BTreeMap<TenderKind, i64> = BTreeMap::new();
    for (tender, cents) in deposited {
        *totals.entry(tender).or_default() += cents;
    }
    for (tender, total) in totals {
        let of_tender: BTreeMap<String, i64> = shares.iter().filter(|((k, _), _)| *k == tender).map(|((_, f), c)| (f.clone(), *c)).collect();
        for (fund, cents) in fit_to_total(of_tender, total, &funds.default) {
            let bank = routing.bank_for_fund(tender, &fund).to_string();
            *by_bank.entry((bank.clone(), tender)).or_default() += cents;
            parts.push(FundPart { name: funds.name_of(&fund).to_string(), fund, tender, bank_account: bank, amount: Money::from_cents(cents) });
        }
    }
    let slip = DepositSlip {
        business_date: date.to_string(),
        cash: cash.into_iter().rev().filter(|(_, p)| *p != 0).map(|(d, pieces)| DenominationCount { denomination: Money::from_cents(d), pieces }).collect(),
        cash_uncounted: Money::from_cents(uncounted),
        checks,
        money_orders,
        lines: by_bank.into_iter().map(|((bank_account, tender), cents)| DepositLine { bank_account, tender, amount: Money::from_cents(cents) }).collect(),
    };
    Ok((slip, parts))
}

/// Shares by fund made to add up to `total` exactly: what they leave over (float differences, over/short,
/// paid-ins) is the default fund's; what they claim beyond it (refunds, shortages, paid-outs) is taken back
/// from the default fund first, then from the others in order. Zero shares are left out.
fn fit_to_total(mut parts: BTreeMap<String, i64>, total: i64, default: &str) -> Vec<(String, i64)> {
    let claimed: i64 = parts.values().sum();
    *parts.entry(default.to_string()).or_default() += total - claimed;
    let mut deficit = 0;
    if let Some(share) = parts.get_mut(default) {
        if *share < 0 {
            deficit = -*share;
            *share = 0;
        }
    }
    for share in parts.values_mut() {
        let take = deficit.min(*share).max(0);
        *share -= take;
        deficit -= take;
    }
    let mut out: Vec<(String, i64)> = parts.into_iter().filter(|(_, c)| *c != 0).collect();
    // The default fund first, as the funds are listed.
    out.sort_by_key(|(fund, _)| fund != default);
    out
}

/// The drawer's payments that still stand, their in-drawer tenders split by fund (`Funds::split_tenders`).
fn drawer_shares(conn: &Connection, funds: &Funds, drawer_id: i64) -> Result<Vec<(TenderKind, String, i64)>> {
    if funds.is_single() {
        return Ok(Vec::new()); // one fund: the remainder rule puts everything in it
    }
    let mut statement = conn.prepare_cached("SELECT j.payload FROM receipts r JOIN journal j ON j.seq = r.seq WHERE r.drawer_id = ?1 AND r.status <> 'voided' ORDER BY r.number")?;
    let payloads: Vec<String> = statement.query_map(params![drawer_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for payload in payloads {
        if let Ok(Event::PaymentTaken { lines, tenders, change, .. }) = crate::ledger::payload::decode_tagged(&payload) {
            out.extend(funds.split_tenders(&lines, &tenders, change).into_iter().filter(|(k, _, _)| k.goes_in_drawer()));
        }
    }
    let mut summed: BTreeMap<(TenderKind, String), i64> = BTreeMap::new();
    for (kind, fund, cents) in out {
        *summed.entry((kind, fund)).or_default() += cents;
    }
    Ok(summed.into_iter().map(|((k, f), c)| (k, f, c)).collect())
}

fn list_paper(reference: &str, tender: &Tender, checks: &mut Vec<DepositCheck>, money_orders: &mut Vec<DepositCheck>) {
    let entry = DepositCheck {
        reference: reference.to_string(),
        number: tender.number.clone().unwrap_or_default(),
        routing: tender.routing.clone().unwrap_or_default(),
        account_last4: tender.account_last4.clone().unwrap_or_default(),
        amount: tender.amount,
    };
    match tender.kind {
        TenderKind::Check => checks.push(entry),
        TenderKind::MoneyOrder => money_orders.push(entry),
        _ => {}
    }
}

struct Close {
    cash_count: Vec<DenominationCount>,
    counted: Vec<TenderAmount>,
    float_kept: Money,
}

fn drawer_close(conn: &Connection, drawer_id: i64) -> Result<Close> {
    let payload: String =
        conn.query_row("SELECT j.payload FROM entry_refs r JOIN journal j ON j.seq = r.seq WHERE r.kind = 'drawer_closed' AND r.subject = ?1", [drawer_id.to_string()], |r| r.get(0))?;
    match crate::ledger::payload::decode_tagged(&payload) {
        Ok(Event::DrawerClosed { cash_count, counted, float_kept, .. }) => Ok(Close { cash_count, counted, float_kept }),
        _ => Err(Error::Invariant(format!("drawer {drawer_id}: close entry unreadable"))),
    }
}

fn float_count(conn: &Connection, drawer_id: i64) -> Result<Vec<DenominationCount>> {
    let payload: String =
        conn.query_row("SELECT j.payload FROM entry_refs r JOIN journal j ON j.seq = r.seq WHERE r.kind = 'drawer_opened' AND r.subject = ?1", [drawer_id.to_string()], |r| r.get(0))?;
    match crate::ledger::payload::decode_tagged(&payload) {
        Ok(Event::DrawerOpened { count, .. }) => Ok(count),
        _ => Err(Error::Invariant(format!("drawer {drawer_id}: open entry unreadable"))),
    }
}

fn drops(conn: &Connection, drawer_id: i64) -> Result<i64> {
    let mut statement = conn.prepare_cached("SELECT j.payload FROM entry_refs r JOIN journal j ON j.seq = r.seq WHERE r.kind = 'cash_dropped' AND r.subject = ?1 ORDER BY r.seq")?;
    let payloads: Vec<String> = statement.query_map([drawer_id.to_string()], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut total = 0;
    for payload in payloads {
        match crate::ledger::payload::decode_tagged(&payload) {
            Ok(Event::CashDropped { amount, .. }) => total += amount.cents(),
            _ => return Err(Error::Invariant(format!("drawer {drawer_id}: a drop entry is unreadable"))),
        }
    }
    Ok(total)
}

/// The check and money-order tenders of a drawer's payments that still stand (not voided), by receipt.
pub fn drawer_tenders(conn: &Connection, drawer_id: i64) -> Result<Vec<(String, Tender)>> {
    let mut statement = conn.prepare_cached("SELECT r.receipt, j.payload FROM receipts r JOIN journal j ON j.seq = r.seq WHERE r.drawer_id = ?1 AND r.status <> 'voided' ORDER BY r.number")?;
    let rows: Vec<(String, String)> = statement.query_map(params![drawer_id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (receipt, payload) in rows {
        if let Ok(Event::PaymentTaken { tenders, .. }) = crate::ledger::payload::decode_tagged(&payload) {
            out.extend(tenders.into_iter().filter(|t| matches!(t.kind, TenderKind::Check | TenderKind::MoneyOrder)).map(|t| (receipt.clone(), t)));
        }
    }
    Ok(out)
}

/// The counted cash less the float kept, by denomination: the float's own pieces stay first, then any
/// remainder is kept from the largest pieces that fit. None when no exact split exists.
pub fn split_float(counted: &[DenominationCount], float: &[DenominationCount], kept_cents: i64) -> Option<Vec<DenominationCount>> {
    let mut left: BTreeMap<i64, i64> = counted.iter().map(|r| (r.denomination.cents(), r.pieces)).collect();
    let mut to_keep = kept_cents;
    let mut float_rows: Vec<(i64, i64)> = float.iter().map(|r| (r.denomination.cents(), r.pieces)).collect();
    float_rows.sort_by_key(|row| std::cmp::Reverse(row.0));
    for (denomination, pieces) in float_rows {
        let available = left.get(&denomination).copied().unwrap_or(0);
        let take = pieces.min(available).min(to_keep / denomination.max(1));
        to_keep -= take * denomination;
        left.insert(denomination, available - take);
    }
    for (denomination, pieces) in left.iter_mut().rev() {
        let take = (*pieces).min(to_keep / (*denomination).max(1));
        to_keep -= take * *denomination;
        *pieces -= take;
    }
    if to_keep != 0 {
        return None;
    }
    let rows: Vec<DenominationCount> = left.into_iter().rev().filter(|(_, p)| *p > 0).map(|(d, pieces)| DenominationCount { denomination: Money::from_cents(d), pieces }).collect();
    debug_assert!(denominations::total(&rows).is_some());
    Some(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(text: &str) -> Vec<DenominationCount> {
        denominations::parse_count("count", text, denominations::USD_CENTS).unwrap()
    }

    // Proves a tender's fund shares are fitted to what is deposited exactly: a surplus (over, paid-in) is the
    // default fund's, a shortfall comes off the default fund first and then the others in order.
    #[test]
    fn fund_shares_fit_the_deposit_exactly() {
        let parts = |rows: &[(&str, i64)]| rows.iter().map(|(f, c)| (f.to_string(), *c)).collect::<BTreeMap<String, i64>>();
        let owned = |rows: &[(&str, i64)]| rows.iter().map(|(f, c)| (f.to_string(), *c)).collect::<Vec<_>>();
        assert_eq!(fit_to_total(parts(&[("water", 8412), ("parking", 4500)]), 12912, "general"), owned(&[("parking", 4500), ("water", 8412)]));
        assert_eq!(fit_to_total(parts(&[("water", 8412)]), 8512, "general"), owned(&[("general", 100), ("water", 8412)]));
        assert_eq!(fit_to_total(parts(&[("general", 50), ("water", 100), ("parking", 50)]), 120, "general"), owned(&[("parking", 20), ("water", 100)]));
        assert_eq!(fit_to_total(BTreeMap::new(), 500, "general"), owned(&[("general", 500)]));
    }

    // Proves a deposit's fund parts are grouped under the bank each goes to: two funds sharing the operating
    // bank are listed under it with their subtotal, the water fund's own bank apart, each bank named.
    #[test]
    fn fund_parts_are_grouped_by_bank_with_subtotals() {
        let part =
            |fund: &str, tender: TenderKind, bank: &str, cents: i64| FundPart { fund: fund.into(), name: format!("{fund} fund"), tender, bank_account: bank.into(), amount: Money::from_cents(cents) };
        let parts = [
            part("water", TenderKind::Cash, "1002", 8412),
            part("general", TenderKind::Cash, "1001", 100),
            part("parking", TenderKind::Check, "1001", 4500),
            part("water", TenderKind::Check, "1002", 1000),
        ];
        let names = |code: &str| if code == "1001" { "Bank - operating account".to_string() } else { format!("bank {code}") };
        let banks = group_by_bank(&parts, &names).unwrap();
        type Shown<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str, i64)>, i64);
        let shown: Vec<Shown<'_>> = banks
            .iter()
            .map(|b| (b.bank_account.as_str(), b.bank_name.as_str(), b.parts.iter().map(|p| (p.fund.as_str(), p.tender.as_str(), p.amount.cents())).collect(), b.subtotal.cents()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("1001", "Bank - operating account", vec![("general", "cash", 100), ("parking", "check", 4500)], 4600),
                ("1002", "bank 1002", vec![("water", "cash", 8412), ("water", "check", 1000)], 9412),
            ]
        );
    }

    // Proves the float's own pieces are kept back first and the rest of the count is deposited exactly.
    #[test]
    fn float_is_kept_by_denomination() {
        let counted = count("20x10,10x3,5x4,1x10,0.25x40");
        let float = count("20x5,10x3,5x4,1x10,0.25x40");
        let deposit = split_float(&counted, &float, 17000).unwrap();
        assert_eq!(deposit, count("20x5"));
        let other = split_float(&count("50x2,20x1"), &float, 7000).unwrap();
        assert_eq!(denominations::total(&other), Some(Money::from_cents(5000)));
        assert!(split_float(&count("20x1"), &float, 500).is_none());
    }
}
