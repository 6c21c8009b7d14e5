//! ESC/POS commands escpos 0.20 gets wrong or lacks: the 5-byte drawer kick, Code 128, DLE EOT, slip station.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Drawer connector pin driven by the kick pulse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DrawerPin {
    /// Pin 2 (`m = 0`), the usual first drawer.
    #[serde(rename = "2")]
    Pin2,
    /// Pin 5 (`m = 1`), a second drawer.
    #[serde(rename = "5")]
    Pin5,
}

impl DrawerPin {
    /// Pin from its connector number (2 or 5).
    pub fn from_number(pin: u8) -> Result<Self, CommandError> {
        match pin {
            2 => Ok(Self::Pin2),
            5 => Ok(Self::Pin5),
            other => Err(CommandError::DrawerPin { pin: other }),
        }
    }
}

/// Why a command could not be built from its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommandError {
    #[error("drawer pin {pin}: must be 2 or 5")]
    DrawerPin { pin: u8 },
    #[error("{field} {value_ms} ms: must be between 2 and 510 ms")]
    PulseTime { field: &'static str, value_ms: u32 },
    #[error("barcode {data:?}: {problem}")]
    Barcode { data: String, problem: &'static str },
}

/// Converts a pulse time in ms to ESC p units of 2 ms (rounded up), 1..=255.
fn pulse_units(field: &'static str, value_ms: u32) -> Result<u8, CommandError> {
    let units = value_ms.div_ceil(2);
    u8::try_from(units)
        .ok()
        .filter(|u| *u >= 1)
        .ok_or(CommandError::PulseTime { field, value_ms })
}

/// `ESC p m t1 t2`: always all five bytes (escpos's `cash_drawer()` drops t1 and t2).
pub fn drawer_kick(pin: DrawerPin, pulse_on_ms: u32, pulse_off_ms: u32) -> Result<[u8; 5], CommandError> {
    let m = match pin {
        DrawerPin::Pin2 => 0,
        DrawerPin::Pin5 => 1,
    };
    let t1 = pulse_units("pulse_on_ms", pulse_on_ms)?;
    let t2 = pulse_units("pulse_off_ms", pulse_off_ms)?;
    Ok([0x1B, 0x70, m, t1, t2])
}

/// `DLE EOT n`: real-time status request (without the stray 00 escpos appends).
pub fn status_request(n: u8) -> [u8; 3] {
    [0x10, 0x04, n]
}

/// `DLE DC4 fn=8 d1..d7` (10 14 08 01 03 14 01 06 02 08): clear the receive and print buffers. A real-time
/// command; the printer answers [`CLEAR_RESPONSE`] and nothing else may be sent until it has. Epson ESC/POS
/// reference, "DLE DC4 (fn=8) Clear buffer(s)"
/// (https://download4.epson.biz/sec_pubs/pos/reference_en/escpos/dle_dc4_fn8.html): TM-T88IV/V/VI/VII, TM-T20,
/// TM-m30, TM-T90, TM-L90 and others; not the TM-T88III and older, not the TM-H6000 series.
pub const CLEAR_BUFFERS: [u8; 10] = [0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08];
/// The "Clear response" to [`CLEAR_BUFFERS`]: header 37h, identifier 25h, NUL.
pub const CLEAR_RESPONSE: [u8; 3] = [0x37, 0x25, 0x00];

/// Longest Code 128 payload we print (one line of a 58 mm roll stays scannable).
pub const CODE128_MAX_LEN: usize = 40;

/// `GS h`, `GS w`, `GS H` then `GS k 73 n {B data`: Code 128 subset B with text under the bars.
pub fn code128(data: &str) -> Result<Vec<u8>, CommandError> {
    let fail = |problem| CommandError::Barcode { data: data.to_string(), problem };
    if data.is_empty() {
        return Err(fail("empty"));
    }
    if data.len() > CODE128_MAX_LEN {
        return Err(fail("longer than 40 characters"));
    }
    if !data.bytes().all(|b| (0x20..=0x7E).contains(&b) && b != b'{') {
        return Err(fail("only printable ASCII without '{' can be encoded"));
    }
    let mut out = vec![0x1D, 0x68, 80, 0x1D, 0x77, 2, 0x1D, 0x48, 2, 0x1D, 0x6B, 73];
    out.push((data.len() + 2) as u8);
    out.extend_from_slice(b"{B");
    out.extend_from_slice(data.as_bytes());
    Ok(out)
}

/// `ESC c 0 n` station selection: roll.
pub const SELECT_ROLL: [u8; 4] = [0x1B, 0x63, 0x30, 0x02];
/// `ESC c 0 n` station selection: slip (check endorsement on TM-H6000-class printers).
pub const SELECT_SLIP: [u8; 4] = [0x1B, 0x63, 0x30, 0x04];
/// Form feed: print and eject the slip.
pub const EJECT_SLIP: u8 = 0x0C;

#[cfg(test)]
mod tests {
    use super::*;

    // The kick is five bytes with both pulse times, matching python-escpos's cashdraw(2) and hardware.md.
    #[test]
    fn kick_is_five_bytes() {
        assert_eq!(drawer_kick(DrawerPin::Pin2, 100, 100), Ok([0x1B, 0x70, 0x00, 0x32, 0x32]));
        assert_eq!(drawer_kick(DrawerPin::Pin2, 50, 500), Ok([0x1B, 0x70, 0x00, 0x19, 0xFA]));
        assert_eq!(drawer_kick(DrawerPin::Pin5, 100, 100), Ok([0x1B, 0x70, 0x01, 0x32, 0x32]));
    }

    // Pulse times outside what one byte of 2 ms units can say are refused, naming the field.
    #[test]
    fn kick_rejects_bad_times() {
        let err = drawer_kick(DrawerPin::Pin2, 0, 100).unwrap_err();
        assert_eq!(err.to_string(), "pulse_on_ms 0 ms: must be between 2 and 510 ms");
        assert!(drawer_kick(DrawerPin::Pin2, 100, 512).is_err());
        assert!(DrawerPin::from_number(3).is_err());
    }

    // Code 128 goes out as GS k 73 with the {B subset prefix and the right length byte.
    #[test]
    fn code128_bytes() {
        let bytes = code128("R-42").unwrap();
        assert_eq!(&bytes[9..], &[0x1D, 0x6B, 73, 6, b'{', b'B', b'R', b'-', b'4', b'2']);
        assert!(code128("").is_err());
        assert!(code128("é").is_err());
    }

    // Status requests are exactly three bytes.
    #[test]
    fn status_request_bytes() {
        assert_eq!(status_request(4), [0x10, 0x04, 0x04]);
    }
}
