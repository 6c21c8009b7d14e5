//! Settings: a documented TOML file in the data dir (`citytill.toml`), parsed into typed, validated values.

use std::path::Path;

use crate::domain::denominations::USD_CENTS;
use crate::error::{Error, Result};
use crate::money::{Money, DEFAULT_MAX_CENTS};
use citytill_hardware::config::DevicesConfig;

/// The settings file as written on disk; every field has a default so an empty file is valid.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Printed at the top of every receipt.
    pub city_name: String,
    pub city_address: String,
    /// The city's bank account printed in the endorsement on the back of a check ("For deposit only, City of
    /// …, account …"; Receipts, Endorse check on a printer with a slip station). Empty: no account line.
    pub deposit_account: String,
    pub limits: Limits,
    pub policy: Policy,
    pub currency: Currency,
    pub security: Security,
    /// Head-office connection (absent = standalone).
    pub hq: Option<toml::Table>,
    /// Peripherals (see hardware/README.md), read into their types when the settings load; absent = none configured.
    pub devices: Option<DevicesConfig>,
    /// Bill-stub scanline templates (see ops::stub); absent = the shipped layouts.
    pub scanline: Option<toml::Table>,
    /// Lockbox and online-payment file templates (see ops::lockbox_file): `templates = ["lockbox/bank.toml"]`.
    pub lockbox: Option<toml::Table>,
    pub window: Window,
    /// Autopay (ACH debits): the originator's identity, the key file and the return fee; absent = defaults.
    pub autopay: Option<Autopay>,
    /// Funds: which fund each payable kind and fee belongs to, and each fund's bank (see docs/finance.md).
    #[serde(skip_serializing_if = "crate::domain::funds::Funds::is_single")]
    pub funds: crate::domain::funds::Funds,
    /// Convenience fees on card and ACH tenders; absent (or `enabled = false`) = none.
    pub convenience_fee: Option<crate::domain::convenience_fee::ConvenienceFeeSettings>,
}

/// `[autopay]`: what the NACHA file says about the city and its bank, and how returns are charged.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Autopay {
    /// The key bank account numbers are sealed with, OUTSIDE the data dir and its backups. Empty =
    /// `<platform config dir>/<terminal>.autopaykey`; CITYTILL_AUTOPAY_KEY_FILE overrides both.
    pub key_file: String,
    /// The city's bank (ODFI) routing number: the file's immediate destination and the trace numbers' prefix.
    pub immediate_destination: String,
    pub immediate_destination_name: String,
    /// The originator as the bank knows it (10 characters, often the company id).
    pub immediate_origin: String,
    pub immediate_origin_name: String,
    /// Batch header: company name (16) and identification (10) the bank assigned.
    pub company_name: String,
    pub company_id: String,
    /// Fee code charged on a returned debit ("" = none; absent = `policy.returned_check_fee`).
    pub return_fee: Option<String>,
    /// Banking days (Monday to Friday) from a debit's effective date to its settlement (default 2).
    pub settlement_days: Option<i64>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Window {
    /// Text and controls scale (1.0 = 100%, 1.25, 1.5): on top of the screen's own scale; the window keeps
    /// its 1280×800 size on screen and lays its screens out in the room left.
    pub scale: f32,
}

impl Default for Window {
    fn default() -> Window {
        Window { scale: 1.0 }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest amount any one field may carry.
    pub max_amount: Money,
    /// Over/short beyond this (either way) at close needs a supervisor and a written reason.
    pub over_short_approval: Money,
    /// Cash in the drawer above this prompts a drop; change above it is confirmed before a payment is recorded.
    pub drawer_cash_limit: Money,
    /// The counter asks for confirmation when more than this many times the amount due is tendered (0: never).
    pub tender_confirm_multiple: i64,
    /// Wrong PINs before a lockout.
    pub login_attempts: i64,
    pub lockout_minutes: i64,
    /// The window locks after this many idle minutes.
    pub idle_lock_minutes: i64,
    /// Most lines and tenders one payment may carry.
    pub max_lines: usize,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// "credit" keeps an overpayment as customer credit; "refuse" rejects it.
    pub overpayment: String,
    /// Whether a check may be written for more than due (the difference given as cash change).
    pub check_over_amount: bool,
    /// Whether a no-sale needs a supervisor's approval.
    pub no_sale_requires_approval: bool,
    /// Fee code charged on a returned check when none is named.
    pub returned_check_fee: String,
    /// `report bank`: a bank credit matches a deposit or file batch of the same amount up to this many days apart.
    pub bank_match_days: i64,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Security {
    /// The PIN key file: the secret every PIN hash is keyed with, kept OUTSIDE the data dir and its
    /// backups. Empty = `<platform config dir>/<terminal>.pinkey` (e.g. ~/.config/citytill/T01.pinkey);
    /// the environment variable CITYTILL_PIN_KEY_FILE overrides both.
    pub pin_key_file: String,
    /// Shortest PIN a supervisor or admin (an approver) may be given.
    pub approver_pin_length: usize,
    /// A clock jump of more than this many minutes (either way) is shown to the cashier and journaled.
    pub clock_jump_minutes: i64,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Currency {
    /// Denominations counted in a drawer, in cents, largest first.
    pub denominations_cents: Vec<i64>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            city_name: "City of Springfield".into(),
            city_address: "100 Main Street".into(),
            deposit_account: String::new(),
            limits: Limits::default(),
            policy: Policy::default(),
            currency: Currency::default(),
            security: Security::default(),
            hq: None,
            devices: None,
            scanline: None,
            lockbox: None,
            window: Window::default(),
            autopay: None,
            funds: crate::domain::funds::Funds::default(),
            convenience_fee: None,
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_amount: Money::from_cents(DEFAULT_MAX_CENTS),
            over_short_approval: Money::from_cents(500),
            drawer_cash_limit: Money::from_cents(200_000),
            tender_confirm_multiple: 10,
            login_attempts: 5,
            lockout_minutes: 30,
            idle_lock_minutes: 5,
            max_lines: 50,
        }
    }
}

impl Default for Policy {
    fn default() -> Policy {
        Policy { overpayment: "credit".into(), check_over_amount: false, no_sale_requires_approval: false, returned_check_fee: "NSF".into(), bank_match_days: 3 }
    }
}

impl Default for Security {
    fn default() -> Security {
        Security { pin_key_file: String::new(), approver_pin_length: 6, clock_jump_minutes: 10 }
    }
}

impl Default for Currency {
    fn default() -> Currency {
        Currency { denominations_cents: USD_CENTS.to_vec() }
    }
}

/// The file name of the settings inside the data dir.
pub const FILE_NAME: &str = "citytill.toml";

impl Settings {
    /// Reads `dir/citytill.toml`; a missing file means the defaults. Errors name the file and the key.
    pub fn load(dir: &Path) -> Result<Settings> {
        let path = dir.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => Settings::parse(&text).map_err(|message| Error::file(&path, message)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(error) => Err(Error::file(&path, error)),
        }
    }

    pub fn parse(text: &str) -> std::result::Result<Settings, String> {
        // The [devices] text is checked (no card number, no control character) before its shape is read, so
        // a refusal of a misspelt key there (which quotes the line) never repeats a card number.
        let raw: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        if let Some(toml::Value::Table(devices)) = raw.get("devices") {
            check_table_text("devices", devices)?;
        }
        let settings: Settings = toml::from_str(text).map_err(|e| e.to_string())?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        // Free text printed on receipts and reports, and every text value of the [hq] and [devices] tables:
        // one line each, never a card number.
        crate::domain::text::check("city_name", &self.city_name)?;
        crate::domain::text::check("city_address", &self.city_address)?;
        crate::domain::text::check("deposit_account", &self.deposit_account)?;
        crate::domain::text::check("policy.returned_check_fee", &self.policy.returned_check_fee)?;
        if let Some(autopay) = &self.autopay {
            for (name, value) in [
                ("autopay.key_file", autopay.key_file.as_str()),
                ("autopay.immediate_destination_name", autopay.immediate_destination_name.as_str()),
                ("autopay.immediate_origin_name", autopay.immediate_origin_name.as_str()),
                ("autopay.company_name", autopay.company_name.as_str()),
                ("autopay.return_fee", autopay.return_fee.as_deref().unwrap_or("")),
            ] {
                crate::domain::text::check(name, value)?;
            }
        }
        for (name, table) in [("hq", &self.hq), ("scanline", &self.scanline), ("lockbox", &self.lockbox)] {
            if let Some(table) = table {
                check_table_text(name, table)?;
            }
        }
        self.funds.validate()?;
        if let Some(fees) = &self.convenience_fee {
            crate::domain::convenience_fee::ConvenienceFees::read(fees)?;
        }
        let limits = &self.limits;
        if limits.max_amount.cents() <= 0 || limits.over_short_approval.is_negative() {
            return Err("limits: max_amount must be positive and over_short_approval not negative".into());
        }
        if !(1..=100).contains(&limits.login_attempts) || !(1..=1440).contains(&limits.lockout_minutes) {
            return Err("limits: login_attempts must be 1..100 and lockout_minutes 1..1440".into());
        }
        if !(0..=1_000_000).contains(&limits.tender_confirm_multiple) {
            return Err("limits: tender_confirm_multiple must be 0..1000000 (0 never asks)".into());
        }
        if !(4..=64).contains(&self.security.approver_pin_length) || !(1..=1440).contains(&self.security.clock_jump_minutes) {
            return Err("security: approver_pin_length must be 4..64 and clock_jump_minutes 1..1440".into());
        }
        if !(1..=500).contains(&limits.max_lines) {
            return Err("limits: max_lines must be 1..500".into());
        }
        if !(0..=31).contains(&self.policy.bank_match_days) {
            return Err(format!("policy.bank_match_days: {} must be 0..31", self.policy.bank_match_days));
        }
        if !["credit", "refuse"].contains(&self.policy.overpayment.as_str()) {
            return Err(format!("policy.overpayment: '{}' must be \"credit\" or \"refuse\"", self.policy.overpayment));
        }
        if !(1.0..=2.0).contains(&self.window.scale) {
            return Err(format!("window.scale: {} must be from 1.0 to 2.0 (1.25 is 125%)", self.window.scale));
        }
        if self.currency.denominations_cents.is_empty() || self.currency.denominations_cents.iter().any(|c| *c <= 0) {
            return Err("currency.denominations_cents: must list positive cent values".into());
        }
        Ok(())
    }

    /// The convenience fees, read (validated at load: a file that would not read never gets here; off then).
    pub fn convenience_fees(&self) -> crate::domain::convenience_fee::ConvenienceFees {
        self.convenience_fee.as_ref().and_then(|raw| crate::domain::convenience_fee::ConvenienceFees::read(raw).ok()).unwrap_or_default()
    }

    /// The commented settings file written by `init`, so an admin sees every knob.
    pub fn documented_file(&self) -> String {
        let body = toml::to_string_pretty(self).unwrap_or_default();
        format!(
            "# CityTill settings. Amounts are decimal strings (\"5.00\"). Changes take effect at the next start.\n\
             # limits.over_short_approval: over/short beyond this at drawer close needs a supervisor and a reason.\n\
             # limits.login_attempts / lockout_minutes: wrong PINs before a lockout; lockouts grow 1, 5, 15 minutes up to lockout_minutes.\n\
             # security.pin_key_file: the PIN key, outside the data dir and its backups (\"\" = <config dir>/<terminal>.pinkey).\n\
             # security.approver_pin_length: shortest PIN for supervisors and admins. The city's time zone is fixed at init (--time-zone).\n\
             # deposit_account: the city's bank account endorsed on the back of checks (\"For deposit only, <city_name>, account <deposit_account>\").\n\
             # policy.overpayment: \"credit\" keeps overpayments as customer credit, \"refuse\" rejects them.\n\
             # policy.check_over_amount: allow checks written for more than due (difference returned in cash).\n\
             # window.scale: text and controls scale of the window (1.0, 1.25, 1.5; up to 2.0).\n\
             # [hq] database_url = \"postgresql://...\" enables head-office sync; [devices] configures peripherals;\n\
             # [scanline] templates = [\"stubs/water.toml\"] adds the city's bill-stub layouts (shipped = false drops the demo ones).\n\
             # [lockbox] templates = [\"lockbox/ourbank.toml\"] adds the city's lockbox and online-payment file layouts (docs/lockbox.md).\n\
             # [funds] and [convenience_fee] (off by default): funds by payable kind and fee, and card/ACH convenience fees (docs/finance.md).\n\n{body}"
        )
    }
}

/// Checks every string inside a settings table (named by its dotted key) with `text::check`.
fn check_table_text(path: &str, table: &toml::Table) -> std::result::Result<(), String> {
    for (key, value) in table {
        check_value_text(&format!("{path}.{key}"), value)?;
    }
    Ok(())
}

fn check_value_text(path: &str, value: &toml::Value) -> std::result::Result<(), String> {
    match value {
        toml::Value::String(text) => crate::domain::text::check(path, text),
        toml::Value::Array(items) => items.iter().enumerate().try_for_each(|(i, item)| check_value_text(&format!("{path}[{i}]"), item)),
        toml::Value::Table(table) => check_table_text(path, table),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves the documented file parses back to the same settings, and unknown keys are named in the error.
    #[test]
    fn documented_file_round_trips_and_unknown_keys_fail() {
        let settings = Settings::default();
        let parsed = Settings::parse(&settings.documented_file()).unwrap();
        assert_eq!(parsed.limits.over_short_approval, Money::from_cents(500));
        let error = Settings::parse("[limits]\nover_shrt = \"1.00\"\n").unwrap_err();
        assert!(error.contains("over_shrt"), "{error}");
        let error = Settings::parse("[policy]\noverpayment = \"keep\"\n").unwrap_err();
        assert!(error.contains("policy.overpayment"), "{error}");
    }

    // Proves a card number or a control character in any text setting is refused, naming the key.
    #[test]
    fn text_settings_are_read_strictly() {
        let error = Settings::parse("city_name = \"4111 1111 1111 1111\"\n").unwrap_err();
        assert!(error.starts_with("city_name: looks like a card number") && !error.contains("4111"), "{error}");
        let error = Settings::parse("city_address = \"1 Main\\u001b[2J\"\n").unwrap_err();
        assert!(error.starts_with("city_address: has control characters"), "{error}");
        let error = Settings::parse("[devices.printer]\nname = \"4111.1111.1111.1111\"\n").unwrap_err();
        assert!(error.starts_with("devices.printer.name: looks like a card number"), "{error}");
    }

    // Proves [devices] is read into its types once, when the settings load: entries come out typed, and a
    // misspelt key or a wrong type is refused then, naming the key (before, the table loaded as any text and
    // the mistake showed only when a device command re-parsed it).
    #[test]
    fn devices_are_typed_when_settings_load() {
        let settings = Settings::parse("[devices.printer]\nprofile = \"tm-t88\"\ntransport = \"tcp:10.0.0.5:9100\"\n[devices.printer.timeouts]\nstatus_timeout_ms = 800\n").unwrap();
        let devices = settings.devices.unwrap();
        let printer = devices.printer.unwrap();
        assert_eq!((printer.profile.as_str(), printer.transport.as_str(), printer.timeouts.status_timeout_ms), ("tm-t88", "tcp:10.0.0.5:9100", 800));
        assert!(devices.drawer.is_none());
        let error = Settings::parse("[devices.printer]\nprofile = \"tm-t88\"\ntransport = \"sim:\"\nopen_when_hihg = true\n").unwrap_err();
        assert!(error.contains("open_when_hihg") && error.contains("line 4"), "{error}");
        let error = Settings::parse("[devices.drawer]\nprofile = \"apg\"\ntransport = \"printer\"\nkick_pin = \"two\"\n").unwrap_err();
        assert!(error.contains("kick_pin") || error.contains("line 4"), "{error}");
        let error = Settings::parse("[devices.drawer]\nprofile = \"apg\"\ntransport = \"printer\"\nnote = \"4111 1111 1111 1111\"\n").unwrap_err();
        assert!(error.starts_with("devices.drawer.note: looks like a card number") && !error.contains("4111"), "{error}");
    }

    // Proves `[window] scale` reads 1.25 and 1.5, defaults to 1.0, and a scale outside 1.0..2.0 is refused naming the key.
    #[test]
    fn window_scale_is_read_and_bounded() {
        assert_eq!(Settings::default().window.scale, 1.0);
        assert_eq!(Settings::parse("[window]\nscale = 1.25\n").unwrap().window.scale, 1.25);
        assert_eq!(Settings::parse("[window]\nscale = 1.5\n").unwrap().window.scale, 1.5);
        for bad in ["0.5", "3.0", "nan"] {
            let error = Settings::parse(&format!("[window]\nscale = {bad}\n")).unwrap_err();
            assert!(error.starts_with("window.scale:"), "{bad}: {error}");
        }
    }
}
