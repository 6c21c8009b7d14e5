//! Serial drawer controllers (APG SerialPRO-style): where the drawer switch reads (a modem line or a query) and the
//! solenoid's charge time, so a kick sent before the drawer can fire waits for it instead of being lost.
//!
//! APG's Model 484A SerialPRO II guide: the interface is powered by DTR/RTS while the port is open; "open COM port
//! and wait twelve seconds to charge drawer (first time only)", then "6 sec for subsequent recharging"; BEL (0x07)
//! opens the drawer (factory setting); the drawer switch is reported on CTS or RI (a DIP switch picks which), read
//! about 200 ms after the open. A pseudo-terminal has no modem lines, so the switch is read through the
//! [`DrawerSensor`] trait and tests stand a fake sensor in for the line.

use crate::device::JobId;
use crate::drawer::{DrawerSensor, ModemLineSensor, QuerySensor};
use crate::drawer_wiring::DrawerSettings;
use std::time::{Duration, Instant};

/// The sensor a serial drawer's settings call for: a modem line when `sensor_line` is set, else the query bytes.
pub fn sensor_for(settings: &DrawerSettings) -> Box<dyn DrawerSensor> {
    match settings.sensor_line {
        Some(line) => Box::new(ModemLineSensor { line }),
        None => Box::new(QuerySensor { query: settings.status_query.clone() }),
    }
}

/// When the solenoid can fire: `first` after the port is opened (the controller is powered by it), `between`
/// after each open. Zero times mean "always ready".
#[derive(Debug, Clone)]
pub struct ChargeTimer {
    first: Duration,
    between: Duration,
    ready_at: Option<Instant>,
}

impl ChargeTimer {
    /// A timer for a controller with these charge times (ms); not powered yet.
    pub fn new(first_ms: u64, between_ms: u64) -> Self {
        Self { first: Duration::from_millis(first_ms), between: Duration::from_millis(between_ms), ready_at: None }
    }

    /// The port was opened at `now`: the first charge starts.
    pub fn powered(&mut self, now: Instant) {
        self.ready_at = Some(now + self.first);
    }

    /// The port was lost: the next open starts a first charge again.
    pub fn unpowered(&mut self) {
        self.ready_at = None;
    }

    /// The solenoid fired at `now`: it recharges.
    pub fn fired(&mut self, now: Instant) {
        self.ready_at = Some(now + self.between);
    }

    /// How long until the solenoid can fire (zero when ready, or when not powered: opening the port comes first).
    pub fn remaining(&self, now: Instant) -> Duration {
        self.ready_at.map_or(Duration::ZERO, |at| at.saturating_duration_since(now))
    }
}

/// What to do with a kick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KickDecision {
    /// Fire now.
    Fire,
    /// Kept; it fires when the charge is done (at most the charge time away).
    Queued { ready_in: Duration },
    /// Refused, with the reason for the cashier.
    Refused(String),
}

/// Holds at most one kick while the solenoid charges; a second one is refused, never silently dropped.
#[derive(Debug, Clone, Default)]
pub struct KickQueue {
    pending: Option<JobId>,
}

impl KickQueue {
    /// Decides about a new kick `job` given the charge.
    pub fn request(&mut self, job: JobId, charge: &ChargeTimer, now: Instant) -> KickDecision {
        let ready_in = charge.remaining(now);
        if self.pending.is_some() {
            return KickDecision::Refused(format!("drawer still charging (ready in {:.1} s) and one open is already waiting: the drawer opens once", ready_in.as_secs_f64()));
        }
        if ready_in.is_zero() {
            return KickDecision::Fire;
        }
        self.pending = Some(job);
        KickDecision::Queued { ready_in }
    }

    /// The waiting kick, once the charge is done.
    pub fn due(&mut self, charge: &ChargeTimer, now: Instant) -> Option<JobId> {
        if charge.remaining(now).is_zero() {
            self.pending.take()
        } else {
            None
        }
    }

    /// The waiting kick, taken out (the line was lost: it fails rather than firing later by surprise).
    pub fn take(&mut self) -> Option<JobId> {
        self.pending.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // APG timing: a kick within 12 s of opening the port waits for the first charge, one within 6 s of an open
    // waits for the recharge, and a further kick while one waits is refused with a message that says why.
    #[test]
    fn charge_times_queue_one_kick_and_refuse_the_next() {
        let start = Instant::now();
        let mut charge = ChargeTimer::new(12_000, 6_000);
        let mut queue = KickQueue::default();
        assert_eq!(queue.request(1, &charge, start), KickDecision::Fire, "not powered yet: opening the port comes first");
        charge.powered(start);
        assert_eq!(queue.request(1, &charge, start + Duration::from_secs(2)), KickDecision::Queued { ready_in: Duration::from_secs(10) });
        let refused = queue.request(2, &charge, start + Duration::from_secs(3));
        assert_eq!(refused, KickDecision::Refused("drawer still charging (ready in 9.0 s) and one open is already waiting: the drawer opens once".into()));
        assert_eq!(queue.due(&charge, start + Duration::from_millis(11_999)), None);
        assert_eq!(queue.due(&charge, start + Duration::from_secs(12)), Some(1));
        charge.fired(start + Duration::from_secs(12));
        assert!(matches!(queue.request(3, &charge, start + Duration::from_secs(14)), KickDecision::Queued { ready_in } if ready_in == Duration::from_secs(4)));
        assert_eq!(queue.due(&charge, start + Duration::from_secs(18)), Some(3));
        charge.fired(start + Duration::from_secs(18));
        assert_eq!(queue.request(4, &charge, start + Duration::from_secs(24)), KickDecision::Fire);
    }
}
