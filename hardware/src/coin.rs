//! Coin counter exchange: request, value + checksum frame, ACK/NAK with bounded retries.

use crate::transport::{Link, TransportError};
use std::time::{Duration, Instant};
use thiserror::Error;

/// Host → device: "send your total".
pub const REQUEST: u8 = 0x05;
pub const STX: u8 = 0x02;
pub const ETX: u8 = 0x03;
pub const ACK: u8 = 0x06;
pub const NAK: u8 = 0x15;
/// Most digits in a value frame (cents).
pub const MAX_DIGITS: usize = 12;

/// Why a coin total could not be obtained.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CoinError {
    #[error("coin frame: {problem}")]
    Frame { problem: &'static str },
    #[error("coin frame: checksum {found:#04x}, expected {expected:#04x}")]
    Checksum { found: u8, expected: u8 },
    #[error("coin counter: no valid answer after {attempts} attempts within {timeout_ms} ms each")]
    NoAnswer { attempts: u32, timeout_ms: u64 },
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// XOR of the digits and ETX (block check character).
pub fn checksum(payload: &[u8]) -> u8 {
    payload.iter().fold(ETX, |acc, b| acc ^ b)
}

/// `STX digits ETX BCC` for a total in cents.
pub fn encode_frame(total_cents: u64) -> Vec<u8> {
    let digits = total_cents.to_string().into_bytes();
    let mut frame = vec![STX];
    frame.extend_from_slice(&digits);
    frame.push(ETX);
    frame.push(checksum(&digits));
    frame
}

/// Reads a complete frame; rejects anything malformed.
pub fn parse_frame(frame: &[u8]) -> Result<u64, CoinError> {
    let fail = |problem| CoinError::Frame { problem };
    let [STX, body @ .., ETX, bcc] = frame else {
        return Err(fail("must be STX digits ETX checksum"));
    };
    if body.is_empty() || body.len() > MAX_DIGITS || !body.iter().all(u8::is_ascii_digit) {
        return Err(fail("value must be 1 to 12 digits"));
    }
    let expected = checksum(body);
    if *bcc != expected {
        return Err(CoinError::Checksum { found: *bcc, expected });
    }
    std::str::from_utf8(body).ok().and_then(|s| s.parse().ok()).ok_or(fail("value is not a number"))
}

/// Reads one frame (from STX through the checksum byte) within `timeout`; None when nothing complete came.
fn read_frame(link: &mut dyn Link, timeout: Duration) -> Result<Option<Vec<u8>>, CoinError> {
    let deadline = Instant::now() + timeout;
    let mut frame: Vec<u8> = Vec::new();
    let mut byte = [0u8; 1];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if link.read_timeout(&mut byte, left.max(Duration::from_millis(1)))? == 0 {
            continue;
        }
        if frame.is_empty() && byte[0] != STX {
            continue;
        }
        frame.push(byte[0]);
        let complete = frame.len() >= 2 && frame[frame.len() - 2] == ETX;
        if complete || frame.len() > MAX_DIGITS + 3 {
            return Ok(Some(frame));
        }
    }
    Ok(None)
}

/// Asks the coin counter for its total: request, read the frame, ACK it or NAK and retry.
pub fn request_total(link: &mut dyn Link, timeout_ms: u64, attempts: u32) -> Result<u64, CoinError> {
    let timeout = Duration::from_millis(timeout_ms);
    link.write_all(&[REQUEST])?;
    for _ in 0..attempts.max(1) {
        let Some(frame) = read_frame(link, timeout)? else {
            link.write_all(&[REQUEST])?;
            continue;
        };
        match parse_frame(&frame) {
            Ok(total) => {
                link.write_all(&[ACK])?;
                return Ok(total);
            }
            Err(_) => link.write_all(&[NAK])?,
        }
    }
    Err(CoinError::NoAnswer { attempts, timeout_ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    // A frame round-trips; a flipped checksum or a letter is refused.
    #[test]
    fn frames() {
        let frame = encode_frame(12345);
        assert_eq!(parse_frame(&frame), Ok(12345));
        let mut bad = frame.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(matches!(parse_frame(&bad), Err(CoinError::Checksum { .. })));
        assert!(parse_frame(&[STX, b'1', b'A', ETX, 0]).is_err());
        assert!(parse_frame(&[]).is_err());
    }
}
