//! verify's model: the projections as the journal says they must be, built by folding every entry's effects.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::domain::effects::Effect;

use super::scan;

/// Rows under a text key, in insertion order, found through a hash index: the large tables (payables,
/// receipts, exported payments) cost one hash per lookup instead of string compares down a tree.
pub(super) struct Keyed<V> {
    pub(super) index: HashMap<Box<str>, u32>,
    pub(super) rows: Vec<(Box<str>, V)>,
}

impl<V> Default for Keyed<V> {
    fn default() -> Self {
        Keyed { index: HashMap::new(), rows: Vec::new() }
    }
}

impl<V> Keyed<V> {
    pub(super) fn position(&self, key: &str) -> Option<u32> {
        self.index.get(key).copied()
    }

    pub(super) fn get(&self, key: &str) -> Option<&V> {
        self.position(key).map(|at| &self.rows[at as usize].1)
    }

    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.position(key).map(|at| &mut self.rows[at as usize].1)
    }

    /// Inserts or replaces; returns whether the key was already there.
    pub(super) fn put(&mut self, key: &str, value: V) -> bool {
        match self.position(key) {
            Some(at) => {
                self.rows[at as usize].1 = value;
                true
            }
            None => {
                self.index.insert(key.into(), self.rows.len() as u32);
                self.rows.push((key.into(), value));
                false
            }
        }
    }
}

/// Receipts in the order they were issued (which is number order), with an index by receipt text
/// built only as far as a lookup needs it: a payment's lines and most voids name a receipt just issued.
#[derive(Default)]
pub(super) struct Receipts {
    pub(super) rows: Vec<(Box<str>, ReceiptModel)>,
    pub(super) index: HashMap<Box<str>, u32>,
    pub(super) indexed: usize,
}

impl Receipts {
    pub(super) fn position(&mut self, receipt: &str) -> Option<u32> {
        let recent = self.rows.len().saturating_sub(8)..self.rows.len();
        if let Some(at) = recent.rev().find(|at| &*self.rows[*at].0 == receipt) {
            return Some(at as u32);
        }
        self.index_all();
        self.index.get(receipt).copied()
    }

    pub(super) fn index_all(&mut self) {
        while let Some((receipt, _)) = self.rows.get(self.indexed) {
            self.index.insert(receipt.clone(), self.indexed as u32);
            self.indexed += 1;
        }
    }

    /// The receipt with this number: where numbering is gap-free (checked while folding), row number - 1.
    pub(super) fn by_number(&self, number: i64) -> Option<u32> {
        let direct = usize::try_from(number - 1).ok().filter(|at| self.rows.get(*at).is_some_and(|(_, r)| r.number == number));
        direct.or_else(|| self.rows.binary_search_by_key(&number, |(_, r)| r.number).ok()).map(|at| at as u32)
    }
}

/// The projections as the journal says they must be.
#[derive(Default)]
pub(super) struct Model {
    pub(super) payables: Keyed<PayableModel>,
    /// Rows of chunked imports not committed yet, by import: invisible until the import commits.
    pub(super) staged: HashMap<i64, Vec<(String, PayableModel)>>,
    pub(super) fees: BTreeMap<String, (String, Option<i64>, String)>,
    pub(super) users: BTreeMap<String, UserModel>,
    pub(super) drawers: BTreeMap<i64, (String, String, i64, String)>,
    pub(super) drawer_totals: BTreeMap<(i64, &'static str), i64>,
    pub(super) receipts: Receipts,
    /// Amount per (receipt number, payable position in `payables`).
    pub(super) receipt_lines: HashMap<(i64, u32), i64>,
    pub(super) last_receipt: i64,
    /// Cashier names, shared by their receipts.
    pub(super) cashiers: Vec<Arc<str>>,
    pub(super) batches: BTreeMap<String, BatchModel>,
    pub(super) batch_items: BTreeMap<(String, i64), BatchItemModel>,
    pub(super) deposits: BTreeMap<String, (String, i64, i64, i64)>,
    pub(super) exported: Keyed<i64>,
    pub(super) closed_through: Option<String>,
    /// `entry_refs`: (kind, subject, seq).
    pub(super) entry_refs: BTreeMap<(String, String, i64), ()>,
}

/// A user row: role, active, and the commitment to the PIN hash (`pin_set`).
pub(super) type UserModel = (String, bool, Option<String>);

/// A payable row: kind, name, address, status, balance.
pub(super) type PayableModel = (String, String, String, String, i64);

/// A batch item row: payable, amount, tender, entered by, seq, state.
pub(super) type BatchItemModel = (String, i64, String, String, i64, String);

#[derive(PartialEq, Debug)]
pub(super) struct BatchModel {
    pub(super) kind: String,
    pub(super) drawer_id: Option<i64>,
    pub(super) business_date: String,
    pub(super) preparer: String,
    pub(super) control: i64,
    pub(super) control_items: i64,
    pub(super) state: String,
    pub(super) approver: Option<String>,
    pub(super) reason: Option<String>,
    pub(super) deposit: Option<String>,
}

#[derive(PartialEq, Debug)]
pub(super) struct ReceiptModel {
    pub(super) number: i64,
    pub(super) seq: i64,
    pub(super) drawer_id: Option<i64>,
    pub(super) cashier: Arc<str>,
    pub(super) business_date: Arc<str>,
    pub(super) total: i64,
    pub(super) status: Cow<'static, str>,
    pub(super) refunded: i64,
    pub(super) reprints: i64,
}

impl ReceiptModel {
    /// The columns after `receipt` in `RECEIPT_COLUMNS` (text that is not UTF-8 shown with U+FFFD).
    pub(super) fn read(row: &scan::Row<'_>) -> crate::error::Result<ReceiptModel> {
        let text = |column| row.bytes(column).map(String::from_utf8_lossy);
        Ok(ReceiptModel {
            number: row.int(1),
            seq: row.int(2),
            drawer_id: row.optional_int(3),
            cashier: Arc::from(text(4)?),
            business_date: Arc::from(text(5)?),
            total: row.int(6),
            status: Cow::Owned(text(7)?.into_owned()),
            refunded: row.int(8),
            reprints: row.int(9),
        })
    }

    /// Whether the row holds this receipt, read without copying it.
    pub(super) fn matches(&self, row: &scan::Row<'_>) -> bool {
        let same = || -> crate::error::Result<bool> {
            Ok(row.int(1) == self.number
                && row.int(2) == self.seq
                && row.optional_int(3) == self.drawer_id
                && row.bytes(4)? == self.cashier.as_bytes()
                && row.bytes(5)? == self.business_date.as_bytes()
                && row.int(6) == self.total
                && row.bytes(7)? == self.status.as_bytes()
                && row.int(8) == self.refunded
                && row.int(9) == self.reprints)
        };
        same().unwrap_or(false)
    }
}

pub(super) const RECEIPT_COLUMNS: &str = "SELECT receipt, number, seq, drawer_id, cashier, business_date, total_cents, status, refunded_cents, reprints FROM receipts";

impl Model {
    pub(super) fn fold(&mut self, seq: i64, business_date: &Arc<str>, effect: &Effect<'_>) -> std::result::Result<(), String> {
        match effect {
            Effect::UpsertPayable(row) => {
                self.payables.put(&row.number, (row.kind.as_str().into(), row.name.clone(), row.address.clone(), row.status.clone(), row.balance.cents()));
            }
            Effect::PayableBalance { number, delta } => {
                let payable = self.payables.get_mut(number).ok_or_else(|| format!("payment on unknown payable {number}"))?;
                payable.4 += delta.cents();
            }
            Effect::StagePayable { import, row } => {
                let staged = (row.kind.as_str().into(), row.name.clone(), row.address.clone(), row.status.clone(), row.balance.cents());
                self.staged.entry(*import).or_default().push((row.number.clone(), staged));
            }
            Effect::CommitImport { import } => {
                for (number, row) in self.staged.remove(import).ok_or_else(|| format!("commits import {import}, which staged nothing"))? {
                    self.payables.put(&number, row);
                }
            }
            Effect::UpsertFee(row) => {
                self.fees.insert(row.code.clone(), (row.description.clone(), row.amount.map(|m| m.cents()), row.gl_account.clone()));
            }
            Effect::UpsertUser { name, role } => {
                let commit = self.users.remove(*name).and_then(|(_, _, commit)| commit);
                self.users.insert(name.to_string(), (role.as_str().into(), true, commit));
            }
            Effect::SetPinCommit { name, commit } => {
                self.users.get_mut(*name).ok_or_else(|| format!("sets the PIN of unknown user {name}"))?.2 = Some(commit.to_string());
            }
            Effect::DeactivateUser { name } => {
                self.users.get_mut(*name).ok_or_else(|| format!("deactivates unknown user {name}"))?.1 = false;
            }
            Effect::OpenDrawer { drawer_id, cashier, float } => {
                self.drawers.insert(*drawer_id, (cashier.to_string(), business_date.to_string(), float.cents(), "open".into()));
            }
            Effect::DrawerTotal { drawer_id, tender, delta } => {
                *self.drawer_totals.entry((*drawer_id, tender.as_str())).or_default() += delta.cents();
            }
            Effect::CountDrawer { drawer_id } => {
                self.drawers.get_mut(drawer_id).ok_or_else(|| format!("counts unknown drawer {drawer_id}"))?.3 = "counted".into();
            }
            Effect::CloseDrawer { drawer_id } => {
                self.drawers.get_mut(drawer_id).ok_or_else(|| format!("closes unknown drawer {drawer_id}"))?.3 = "closed".into();
            }
            Effect::IssueReceipt { number, receipt, drawer_id, cashier, total } => {
                let follows = self.last_receipt;
                self.last_receipt = *number;
                let cashier = self.cashier(cashier);
                let model = ReceiptModel {
                    number: *number,
                    seq,
                    drawer_id: Some(*drawer_id),
                    cashier,
                    business_date: business_date.clone(),
                    total: total.cents(),
                    status: Cow::Borrowed("paid"),
                    refunded: 0,
                    reprints: 0,
                };
                self.receipts.rows.push((Box::from(*receipt), model));
                if *number != follows + 1 {
                    return Err(format!("receipt number gap: {receipt} follows receipt number {follows}"));
                }
            }
            Effect::ReceiptPayable { receipt, payable, amount } => {
                let on = self.payables.position(payable).ok_or_else(|| format!("receipt number {receipt} pays unknown payable {payable}"))?;
                *self.receipt_lines.entry((*receipt, on)).or_default() += amount.cents();
            }
            Effect::ReceiptStatus { receipt, status } => self.receipt(receipt)?.status = Cow::Borrowed(status.as_str()),
            Effect::ReceiptRefunded { receipt, amount } => {
                let model = self.receipt(receipt)?;
                model.refunded += amount.cents();
                model.status = Cow::Borrowed(if model.refunded >= model.total { "refunded" } else { "partially_refunded" });
            }
            Effect::ReceiptReprinted { receipt } => self.receipt(receipt)?.reprints += 1,
            Effect::OpenBatch { batch, kind, drawer_id, preparer, control_total, control_items } => {
                let row = BatchModel {
                    kind: kind.as_str().into(),
                    drawer_id: *drawer_id,
                    business_date: business_date.to_string(),
                    preparer: preparer.to_string(),
                    control: control_total.cents(),
                    control_items: *control_items,
                    state: "open".into(),
                    approver: None,
                    reason: None,
                    deposit: None,
                };
                if self.batches.insert(batch.clone(), row).is_some() {
                    return Err(format!("batch {batch} opened twice"));
                }
            }
            Effect::BatchState { batch, state, approver, reason } => {
                let row = self.batches.get_mut(batch).ok_or_else(|| format!("refers to unknown batch {batch}"))?;
                row.state = state.to_string();
                row.approver = approver.map(str::to_string);
                row.reason = reason.map(str::to_string);
            }
            Effect::AddBatchItem { batch, item } => {
                let value = (item.payable.clone(), item.amount.cents(), item.tender.kind.as_str().to_string(), item.entered_by.clone(), seq, "held".to_string());
                if self.batch_items.insert((batch.to_string(), item.item), value).is_some() {
                    return Err(format!("batch {batch} item {} added twice", item.item));
                }
            }
            Effect::BatchItemState { batch, item, state } => {
                let row = self.batch_items.get_mut(&(batch.to_string(), *item)).ok_or_else(|| format!("refers to unknown item {item} of batch {batch}"))?;
                row.5 = state.to_string();
            }
            Effect::RecordDeposit { deposit, total, batches } => {
                self.deposits.insert(deposit.to_string(), (business_date.to_string(), seq, total.cents(), *batches));
            }
            Effect::BatchDeposited { batch, deposit } => {
                let row = self.batches.get_mut(*batch).ok_or_else(|| format!("deposits unknown batch {batch}"))?;
                if let Some(earlier) = &row.deposit {
                    return Err(format!("batch {batch} deposited twice ({earlier} and {deposit})"));
                }
                row.deposit = Some(deposit.to_string());
            }
            Effect::EntryRef { kind, subject } => {
                self.entry_refs.insert((kind.to_string(), subject.clone(), seq), ());
            }
            Effect::CloseDay { date } => self.closed_through = Some(date.to_string()),
            Effect::ExportPayment { reference } => {
                if self.exported.put(reference, seq) {
                    return Err(format!("payment {reference} exported twice"));
                }
            }
        }
        Ok(())
    }

    pub(super) fn receipt(&mut self, receipt: &str) -> std::result::Result<&mut ReceiptModel, String> {
        match self.receipts.position(receipt) {
            Some(at) => Ok(&mut self.receipts.rows[at as usize].1),
            None => Err(format!("refers to unknown receipt {receipt}")),
        }
    }

    /// The shared name of a cashier (a city has a few dozen; the last one is nearly always it).
    pub(super) fn cashier(&mut self, name: &str) -> Arc<str> {
        if let Some(known) = self.cashiers.iter().rev().find(|known| &***known == name) {
            return known.clone();
        }
        let name: Arc<str> = Arc::from(name);
        self.cashiers.push(name.clone());
        name
    }
}
