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
    u8::try_from(units).ok().filter(|u| *u >= 1).ok_or(CommandError::PulseTime { field, value_ms })
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

/// Module (narrowest bar) width used for Code 128, in dots (`GS w 2`): about 0.25 mm at 203 dpi, which
/// common scanners read; narrower is not used.
pub const CODE128_MODULE_DOTS: u32 = 2;

/// A Code 128 symbol planned for `GS k 73`: the data bytes (code-set selectors included) and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code128Plan {
    /// `GS k 73` data: `{B` + ASCII, `{C` + one byte 0..=99 per digit pair, switching where it pays.
    pub data: Vec<u8>,
    /// Symbol characters: start, data, code-set switches and the check character.
    pub symbols: usize,
}

impl Code128Plan {
    /// Width of the printed symbol in modules: 11 per symbol character plus 13 for the stop pattern.
    pub fn modules(&self) -> u32 {
        u32::try_from(self.symbols).unwrap_or(u32::MAX / 16).saturating_mul(11).saturating_add(13)
    }

    /// Width in dots at [`CODE128_MODULE_DOTS`].
    pub fn width_dots(&self) -> u32 {
        self.modules().saturating_mul(CODE128_MODULE_DOTS)
    }
}

/// Plans Code 128 for `data`: subset C (two digits per symbol) for runs of 4 or more digits — or a whole
/// payload of an even number of digits — and subset B for the rest. Epson's GS k 73 takes the code set as
/// `{B` / `{C` inside the data, and in subset C each digit pair as one byte 0..=99 (Epson ESC/POS reference,
/// GS k, m = 73: "CODE C: each 2 digits as 1 byte, 00h..63h"). python-escpos emits the same bytes: its
/// `barcode(code, "CODE128", function_type="B")` checks `^\{[A-C][\x00-\x7F]+$` (src/escpos/constants.py,
/// BARCODE_FORMATS) and writes `GS k 73 len(code) code` (src/escpos/escpos.py, `barcode`).
pub fn code128_plan(data: &str) -> Result<Code128Plan, CommandError> {
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
    let bytes = data.as_bytes();
    let all_digits_even = bytes.iter().all(u8::is_ascii_digit) && bytes.len().is_multiple_of(2);
    let mut out = Vec::new();
    let mut symbols = 1; // start character
    let mut set: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if run >= 4 || (all_digits_even && run >= 2) {
            let pairs = run / 2;
            if set != Some(b'C') {
                out.extend_from_slice(b"{C");
                symbols += usize::from(set.is_some());
                set = Some(b'C');
            }
            for pair in bytes[i..i + 2 * pairs].chunks(2) {
                out.push((pair[0] - b'0') * 10 + (pair[1] - b'0'));
                symbols += 1;
            }
            i += 2 * pairs;
        } else {
            if set != Some(b'B') {
                out.extend_from_slice(b"{B");
                symbols += usize::from(set.is_some());
                set = Some(b'B');
            }
            out.push(bytes[i]);
            symbols += 1;
            i += 1;
        }
    }
    Ok(Code128Plan { data: out, symbols: symbols + 1 })
}

/// The text a `GS k 73` payload encodes (`{B` ASCII and `{C` digit pairs), for the simulator's rendering.
pub fn code128_text(payload: &[u8]) -> String {
    let mut text = String::new();
    let mut set = b'B';
    let mut i = 0;
    while i < payload.len() {
        if payload[i] == b'{' && i + 1 < payload.len() {
            set = payload[i + 1];
            i += 2;
            continue;
        }
        if set == b'C' {
            text.push_str(&format!("{:02}", payload[i]));
        } else {
            text.push(char::from(payload[i]));
        }
        i += 1;
    }
    text
}

/// `GS h`, `GS w`, `GS H` then `GS k 73 n data`: Code 128 with text under the bars, subset C for digit runs.
pub fn code128(data: &str) -> Result<Vec<u8>, CommandError> {
    Ok(code128_bytes(&code128_plan(data)?))
}

/// The command bytes of a planned Code 128 symbol.
pub fn code128_bytes(plan: &Code128Plan) -> Vec<u8> {
    let module = u8::try_from(CODE128_MODULE_DOTS).unwrap_or(2);
    let mut out = vec![0x1D, 0x68, 80, 0x1D, 0x77, module, 0x1D, 0x48, 2, 0x1D, 0x6B, 73];
    out.push(u8::try_from(plan.data.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(&plan.data);
    out
}

/// `GS V 66 0`: feed to the cutting position, then a partial cut (one point left uncut). Epson ESC/POS reference,
/// GS V (download4.epson.biz/sec_pubs/pos/reference_en/escpos/gs_cv.html; also the TM-U210 ESC/POS manual p. 373,
/// office.manualsonline.com/manuals/mfg/epson/tmu210.html?p=373): function B is m = 65 (feed, then a *full* cut) and m = 66 (feed, then a partial cut). escpos 0.20's
/// `partial_cut()` sends `GS V 65 1` — a full cut — which python-escpos (`cut(feed=False)` = `GS V 66 0`) showed up.
pub const PARTIAL_CUT: [u8; 4] = [0x1D, 0x56, 0x42, 0x00];
/// `GS V 65 0`: feed to the cutting position, then a full cut.
pub const FULL_CUT: [u8; 4] = [0x1D, 0x56, 0x41, 0x00];

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
    fn code128_subset_b_bytes() {
        let bytes = code128("R-42").unwrap();
        assert_eq!(&bytes[9..], &[0x1D, 0x6B, 73, 6, b'{', b'B', b'R', b'-', b'4', b'2']);
        assert!(code128("").is_err());
        assert!(code128("é").is_err());
    }

    // Digit runs go out in subset C, one byte per digit pair (Epson GS k 73 "{C"), switching back to B for the
    // rest; the data stays in python-escpos's CODE128 format (^\{[A-C][\x00-\x7F]+$) and needs fewer symbols.
    #[test]
    fn code128_subset_c_for_digit_runs() {
        let digits = code128_plan("00012345").unwrap();
        assert_eq!(digits.data, [b'{', b'C', 0, 1, 23, 45]);
        assert_eq!(digits.symbols, 6, "start + 4 pairs + check");
        let mixed = code128_plan("R-2024-000123").unwrap();
        assert_eq!(mixed.data, [b'{', b'B', b'R', b'-', b'{', b'C', 20, 24, b'{', b'B', b'-', b'{', b'C', 0, 1, 23]);
        assert_eq!(mixed.symbols, 13, "subset B alone would need 15");
        assert_eq!(code128_plan("R-42").unwrap().symbols, 6, "short digit runs stay in B");
        let odd = code128_plan("123").unwrap();
        assert_eq!(odd.data, *b"{B123");
        for plan in [digits, mixed, odd] {
            assert!(plan.data.starts_with(b"{") && matches!(plan.data[1], b'A'..=b'C') && plan.data.iter().all(|b| *b <= 0x7F));
            assert!(code128_text(&plan.data).len() >= 3);
        }
        assert_eq!(code128_text(&code128_plan("R-2024-000123").unwrap().data), "R-2024-000123");
        assert_eq!(code128_plan("1234").unwrap().width_dots(), (11 * 4 + 13) * 2);
    }

    // Status requests are exactly three bytes.
    #[test]
    fn status_request_bytes() {
        assert_eq!(status_request(4), [0x10, 0x04, 0x04]);
    }
}
