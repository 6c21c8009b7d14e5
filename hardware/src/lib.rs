//! CityTill counter peripherals: receipt printer, cash drawer, remittance scanner, money counter, with simulators.
//!
//! `hardware` knows nothing of the ledger, SQLite or the window: documents and commands go in,
//! [`device::DeviceEvent`]s come out on `std::sync::mpsc` channels (the window forwards them through
//! an iced Subscription). Every wait on a device is bounded by a configurable timeout.
//!
//! # What the app calls
//! - Settings: [`config::DevicesConfig`] is the `[devices]` TOML section (serde, `Default` = no devices):
//!   per device a [`config::DeviceEntry`] with `profile` (embedded name such as `tm-t88`, or a path),
//!   `transport` (`serial:/dev/ttyUSB0?baud=9600&parity=none&flow=none`, `tcp:host:9100`,
//!   `file:/dev/usb/lp0`, `sim:`, or `printer` for a drawer on the printer's DK port), `[timeouts]` in ms,
//!   drawer polarity `open_when_high`, kick `kick_pin` / `pulse_on_ms` / `pulse_off_ms`, `left_open_after_ms`.
//! - Receipts: [`receipt::Receipt`] (plain data), [`receipt::layout`] (pure, 32/42/48 columns),
//!   [`encode::encode_receipt`] (ESC/POS bytes), [`encode::Endorsement`] for check endorsement.
//! - Workers (one owner per port): [`commands::open_printer`] → [`printer::Printer`] with
//!   `print(&Receipt) -> JobId`, `kick_drawer()`, `endorse(&Endorsement)` / `validate(..)` (wait for the slip,
//!   print, eject; [`slip`]), `read_check()` (TM-H6000 MICR, `FS a 0`: a `ScanData::Micr` event), `test_page()`, `status()`;
//!   [`commands::open_drawer`] → [`drawer::Drawer`] (serial drawers: [`drawer_serial`] reads the switch from a
//!   modem line and holds a kick until the solenoid has charged); [`scanner::Scanner::open`] (events
//!   `DeviceEvent::Data(ScanData::Micr | Stub | Unknown)`); [`counter_device::Counter::open`] (events
//!   `DeviceEvent::CounterReport` with `rows: Vec<(denomination_cents, pieces)>`).
//! - Parsers: [`micr::parse`] (`Micr` serializes to `routing`, `account_last4`, `check_number`, `amount`),
//!   [`scanline::Template::from_toml_str`] / [`scanline::Template::from_path`] and `template.parse(line)`
//!   (`Stub` serializes each field by name plus `check_digits_ok`), [`wedge::BurstDetector`],
//!   [`counter::parse_report`] (a counter profile's `[counter]` section: line patterns, tolerated bytes, ACK/NAK).
//! - Customer display: [`display::Display`] (`show(DisplayLines)` returns at once, the newest screen wins;
//!   `test_pattern()`), [`display::encode_init`] / [`display::encode_lines`] (Epson DM-D or CD5220 bytes, pure).
//! - Opening them all: [`set::DeviceSet`] (the window and the command line alike; a printer-wired drawer is
//!   kicked through the printer's worker; [`set::DeviceSet::wait_read`] waits, bounded, for a first reading).
//! - CLI: [`commands::list_ports`], [`commands::status`], [`commands::test_device`].
//! - Simulators: [`sim::Simulators::start`] (pty + TCP printer, scanner, counter, serial drawer, writes
//!   `devices.toml`, renders jobs to `printed/NNNN.txt` + `.bin`, control socket `control.sock`),
//!   [`sim::control`] from any process, [`sim::materialize`] for `sim:` transports.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod claim;
pub mod codepage;
pub mod commands;
pub mod config;
pub mod counter;
pub mod counter_device;
pub mod device;
pub mod display;
pub mod drawer;
pub mod drawer_serial;
pub mod drawer_wiring;
pub mod encode;
pub mod escpos_bytes;
pub mod linereader;
pub mod micr;
pub mod printer;
pub mod profile;
pub mod reader;
pub mod receipt;
pub mod reconnect;
pub mod scanline;
pub mod scanner;
pub mod set;
pub mod sim;
pub mod slip;
#[cfg(windows)]
pub mod spooler;
pub mod status;
pub mod transport;
pub mod wedge;

pub use citytill_money::Money;
