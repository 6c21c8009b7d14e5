//! DLE EOT real-time status: decoding the one-byte replies for n = 1, 2, 3, 4 into printer state.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A reply byte that cannot be a DLE EOT answer (bits 1 and 4 must be 1, bits 0 and 7 must be 0).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("printer status reply {byte:#04x}: not a DLE EOT answer (fixed bits wrong)")]
pub struct StatusError {
    pub byte: u8,
}

fn checked(byte: u8) -> Result<u8, StatusError> {
    if byte & 0x93 == 0x12 {
        Ok(byte)
    } else {
        Err(StatusError { byte })
    }
}

/// n = 1: printer status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterByte {
    pub drawer_pin3_high: bool,
    pub offline: bool,
    pub waiting_for_recovery: bool,
    pub feed_pressed: bool,
}

/// n = 2: offline cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OfflineCause {
    pub cover_open: bool,
    pub paper_fed_by_feed: bool,
    pub stopped_by_paper_end: bool,
    pub error: bool,
}

/// n = 3: error cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ErrorCause {
    pub mechanical: bool,
    pub autocutter: bool,
    pub unrecoverable: bool,
    pub auto_recoverable: bool,
}

/// Paper roll state from n = 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PaperState {
    #[default]
    Ok,
    NearEnd,
    Out,
}

fn bits(byte: u8) -> (bool, bool, bool, bool) {
    (byte & 0x04 != 0, byte & 0x08 != 0, byte & 0x20 != 0, byte & 0x40 != 0)
}

/// Decodes the reply to `DLE EOT 1`.
pub fn decode_printer(byte: u8) -> Result<PrinterByte, StatusError> {
    let (b2, b3, b5, b6) = bits(checked(byte)?);
    Ok(PrinterByte { drawer_pin3_high: b2, offline: b3, waiting_for_recovery: b5, feed_pressed: b6 })
}

/// Decodes the reply to `DLE EOT 2`.
pub fn decode_offline_cause(byte: u8) -> Result<OfflineCause, StatusError> {
    let (b2, b3, b5, b6) = bits(checked(byte)?);
    Ok(OfflineCause { cover_open: b2, paper_fed_by_feed: b3, stopped_by_paper_end: b5, error: b6 })
}

/// Decodes the reply to `DLE EOT 3`.
pub fn decode_error_cause(byte: u8) -> Result<ErrorCause, StatusError> {
    let (b2, b3, b5, b6) = bits(checked(byte)?);
    Ok(ErrorCause { mechanical: b2, autocutter: b3, unrecoverable: b5, auto_recoverable: b6 })
}

/// Decodes the reply to `DLE EOT 4`: paper end wins over near end.
pub fn decode_paper(byte: u8) -> Result<PaperState, StatusError> {
    let byte = checked(byte)?;
    Ok(if byte & 0x60 != 0 {
        PaperState::Out
    } else if byte & 0x0C != 0 {
        PaperState::NearEnd
    } else {
        PaperState::Ok
    })
}

/// The printer's state as one value, from replies to n = 1, 2, 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterSnapshot {
    pub printer: PrinterByte,
    pub offline_cause: OfflineCause,
    pub paper: PaperState,
}

impl PrinterSnapshot {
    /// Decodes the three replies together.
    pub fn decode(printer: u8, offline_cause: u8, paper: u8) -> Result<Self, StatusError> {
        Ok(Self { printer: decode_printer(printer)?, offline_cause: decode_offline_cause(offline_cause)?, paper: decode_paper(paper)? })
    }

    /// The reason a job cannot print now, if any. Near end is only a warning.
    pub fn job_blocker(&self) -> Option<&'static str> {
        if self.paper == PaperState::Out || self.offline_cause.stopped_by_paper_end {
            Some("paper out")
        } else if self.offline_cause.cover_open {
            Some("cover open")
        } else if self.offline_cause.error {
            Some("printer error")
        } else if self.printer.offline {
            Some("printer offline")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Idle (0x12) means nothing set for every n.
    #[test]
    fn idle_byte() {
        assert_eq!(decode_printer(0x12), Ok(PrinterByte::default()));
        assert_eq!(decode_offline_cause(0x12), Ok(OfflineCause::default()));
        assert_eq!(decode_error_cause(0x12), Ok(ErrorCause::default()));
        assert_eq!(decode_paper(0x12), Ok(PaperState::Ok));
    }

    // Bytes with the fixed bits wrong are refused, never guessed at.
    #[test]
    fn rejects_non_status_bytes() {
        for byte in [0x00, 0x13, 0x92, 0xFF, 0x10, 0x02] {
            assert_eq!(decode_paper(byte), Err(StatusError { byte }));
        }
    }
}
