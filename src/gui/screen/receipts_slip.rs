//! The receipts screen's slip printing: on a printer whose profile has a slip station, the city's endorsement
//! on the back of a check receipt's check (F9) or the validation of a paid bill stub (F11), queued on the
//! devices worker — the window asks for the paper and never waits on it; every wait is bounded.

use citytill::domain::events::Event as LedgerEvent;
use citytill::domain::tender::TenderKind;
use citytill::ops::auth::Actor;

use super::Receipts;
use crate::gui::context::Context;
use crate::gui::keys::Shortcut;

/// Printing on a document put in the printer's slip station.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlipPrint {
    /// The city's endorsement on the back of the check a receipt was paid with.
    Endorse,
    /// Receipt number, date, amount and terminal on the bill stub that was paid.
    Validate,
}

impl SlipPrint {
    /// The button's label (its key is shown beside it).
    pub fn label(self) -> &'static str {
        match self {
            SlipPrint::Endorse => "Endorse check",
            SlipPrint::Validate => "Validate",
        }
    }

    pub fn key(self) -> Shortcut {
        match self {
            SlipPrint::Endorse => Shortcut::F9,
            SlipPrint::Validate => Shortcut::F11,
        }
    }

    /// What is put in the slip station.
    pub(super) fn paper(self) -> &'static str {
        match self {
            SlipPrint::Endorse => "check",
            SlipPrint::Validate => "stub",
        }
    }
}

/// Beyond the printer's own wait for the paper, how long a slip job may take to print and report back.
pub const SLIP_MARGIN: std::time::Duration = std::time::Duration::from_secs(30);

impl Receipts {
    /// Whether the shown receipt offers `print` here: only with a slip station, never on a voided receipt;
    /// an endorsement only for a receipt paid (partly) by check, a validation only for a bill (an account) paid.
    pub fn offers_slip(&self, print: SlipPrint) -> bool {
        let Some(info) = self.shown.as_ref().filter(|info| self.slip.is_some() && info.status != citytill::domain::states::ReceiptStatus::Voided) else { return false };
        let LedgerEvent::PaymentTaken { lines, tenders, .. } = &info.payment else { return false };
        match print {
            SlipPrint::Endorse => tenders.iter().any(|t| t.kind == TenderKind::Check),
            SlipPrint::Validate => lines.iter().any(|line| line.payable_number().is_some()),
        }
    }

    /// Queues the endorsement or validation on the devices worker (the window never waits for the printer):
    /// the cashier is told to put the paper in; the job's outcome arrives later (`slip_outcome`).
    pub(super) fn print_slip(&mut self, print: SlipPrint, ctx: &Context, actor: &Actor) {
        let (Some(slip), Some(info)) = (self.slip, self.shown.as_ref()) else { return };
        if !self.offers_slip(print) || self.slip_job.is_some() || self.correcting.is_some() {
            return;
        }
        self.error = None;
        let queued = match print {
            SlipPrint::Endorse => {
                let settings = &ctx.settings;
                let payee = match settings.deposit_account.trim() {
                    "" => settings.city_name.clone(),
                    account => format!("{}, account {account}", settings.city_name),
                };
                let amount = match &info.payment {
                    LedgerEvent::PaymentTaken { tenders, .. } => tenders.iter().filter(|t| t.kind == TenderKind::Check).map(|t| t.amount.cents()).sum(),
                    _ => info.total.cents(),
                };
                let endorsement = citytill_hardware::encode::Endorsement { payee, receipt_number: info.receipt.clone(), date: info.business_date.clone(), amount_cents: amount };
                ctx.devices.endorse(&endorsement)
            }
            SlipPrint::Validate => {
                let mut lines = citytill_hardware::slip::validation_lines(&info.receipt, &info.business_date, info.total.cents(), slip.columns);
                lines.push(format!("TERMINAL {} {}", ctx.terminal, actor.name).chars().take(slip.columns.max(16)).collect());
                ctx.devices.validate(lines)
            }
        };
        match queued {
            Ok(job) => {
                self.slip_job = Some((job, print, info.receipt.clone()));
                self.slip_since = Some(std::time::Instant::now());
                self.notice = Some(format!("Insert the {} in the printer's slip station (waiting up to {} s)…", print.paper(), slip.wait.as_secs()));
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Called every second: a slip job with no outcome long after the printer's wait is given up (the
    /// buttons come back) and the cashier is told to look at the paper, never left waiting.
    pub fn slip_overdue(&mut self, now: std::time::Instant) {
        let wait = self.slip.map_or(std::time::Duration::ZERO, |slip| slip.wait) + SLIP_MARGIN;
        if self.slip_since.is_some_and(|since| now.saturating_duration_since(since) > wait) {
            if let Some((_, print, receipt)) = self.slip_job.take() {
                self.notice = None;
                self.error = Some(format!("The printer did not report on the {} of receipt {receipt}; look at the paper and the Devices screen before trying again.", print.paper()));
            }
            self.slip_since = None;
        }
    }

    /// A printer job ended: if it was the slip job, says how it went (true), else leaves it to others (false).
    pub fn slip_outcome(&mut self, job: u64, failure: Option<String>) -> bool {
        let Some((_, print, receipt)) = self.slip_job.take_if(|(waiting, _, _)| *waiting == job) else { return false };
        self.slip_since = None;
        let wait = self.slip.map_or(0, |slip| slip.wait.as_secs());
        match failure {
            None => {
                self.notice = Some(match print {
                    SlipPrint::Endorse => format!("Endorsed: the check of receipt {receipt}; take it out of the printer."),
                    SlipPrint::Validate => format!("Validated: the stub of receipt {receipt}; take it out of the printer."),
                });
            }
            Some(reason) if reason.contains("was inserted within") => {
                self.notice = None;
                self.error = Some(format!("No {} inserted after {wait} s; nothing was printed. Put it in and press {} again.", print.paper(), print.key().label()));
            }
            Some(reason) => {
                self.notice = None;
                self.error = Some(format!("The {} of receipt {receipt} was not printed: {reason}", print.paper()));
            }
        }
        true
    }
}
