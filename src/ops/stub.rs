//! Bill-stub scanlines: the city's stub templates (the `[scanline]` settings, template files, the shipped
//! layouts), read once at start, and the one stub reader the window and `batch add` / `scan stub` share.
//!
//! ```toml
//! [scanline]
//! templates = ["stubs/water-2027.toml"]      # files, relative to the data dir
//! shipped = true                             # also the layouts in hardware/profiles (default true)
//! [[scanline.template]]                      # or inline, same keys as a template file
//! name = "parking" ...
//! ```

use std::path::Path;

use citytill_hardware::scanline::{Stub, Template};

use crate::money::Money;

/// The layouts CityTill ships (hardware/profiles): used when the city names none, and beside its own unless
/// `shipped = false`.
const SHIPPED: &[(&str, &str)] = &[
    ("hardware/profiles/scanline-demo-30.toml", include_str!("../../hardware/profiles/scanline-demo-30.toml")),
    ("hardware/profiles/scanline-city-utility.toml", include_str!("../../hardware/profiles/scanline-city-utility.toml")),
];

/// The field every stub template must have: what the item is paid to.
pub const ACCOUNT_FIELD: &str = "account";

/// The stub templates in force, in order (the city's own first).
#[derive(Clone, Debug)]
pub struct StubTemplates {
    templates: Vec<Template>,
}

/// What a line read as a stub is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StubRead {
    /// A template of that length read it, check digits verified.
    Stub {
        /// The stub as parsed (every field of its template).
        stub: Stub,
        /// Account number candidates: as printed, and without leading zeros.
        accounts: Vec<String>,
        /// The amount due printed on the stub.
        amount: Option<Money>,
    },
    /// Templates of that length exist but none accepted it (check digit, a letter): say so, never guess.
    Bad(String),
    /// No template has that length.
    NoTemplate(String),
}

impl StubTemplates {
    /// The shipped layouts only.
    pub fn shipped() -> StubTemplates {
        StubTemplates { templates: SHIPPED.iter().filter_map(|(_, text)| Template::from_toml_str(text).ok()).collect() }
    }

    /// Exactly these templates (a `--template FILE` given on the command line).
    pub fn only(template: Template) -> Result<StubTemplates, String> {
        require_account(&template, &template.name)?;
        Ok(StubTemplates { templates: vec![template] })
    }

    /// The `[scanline]` settings table (absent = the shipped layouts); template files are relative to `data_dir`.
    /// A bad template or key is one line naming the file or `scanline.…` key and the field.
    pub fn from_settings(table: Option<&toml::Table>, data_dir: &Path) -> Result<StubTemplates, String> {
        let Some(table) = table else { return Ok(StubTemplates::shipped()) };
        let mut templates = Vec::new();
        let mut shipped = true;
        for (key, value) in table {
            match (key.as_str(), value) {
                ("shipped", toml::Value::Boolean(flag)) => shipped = *flag,
                ("templates", toml::Value::Array(paths)) => {
                    for (index, path) in paths.iter().enumerate() {
                        let name = format!("scanline.templates[{index}]");
                        let path = path.as_str().ok_or_else(|| format!("{name}: must be a template file name"))?;
                        let file = data_dir.join(path);
                        let template = Template::from_path(&file).map_err(|e| format!("{name}: {e}"))?;
                        require_account(&template, &format!("{name}: template {}", file.display()))?;
                        templates.push(template);
                    }
                }
                ("template", toml::Value::Array(tables)) => {
                    for (index, inline) in tables.iter().enumerate() {
                        let name = format!("scanline.template[{index}]");
                        let text = toml::to_string(inline).map_err(|e| format!("{name}: {e}"))?;
                        let template = Template::from_toml_str(&text).map_err(|e| format!("{name}: {e}"))?;
                        require_account(&template, &format!("{name}: template {}", template.name))?;
                        templates.push(template);
                    }
                }
                ("shipped", _) => return Err("scanline.shipped: must be true or false".into()),
                ("templates", _) => return Err("scanline.templates: must be a list of template file names".into()),
                ("template", _) => return Err("scanline.template: must be [[scanline.template]] tables".into()),
                (other, _) => return Err(format!("scanline.{other}: unknown key (templates, template, shipped)")),
            }
        }
        if shipped {
            templates.extend(StubTemplates::shipped().templates);
        }
        if templates.is_empty() {
            return Err("scanline: no stub templates (list templates or leave shipped = true)".into());
        }
        Ok(StubTemplates { templates })
    }

    /// The templates' names and lengths, for messages: "demo-30 (30), city-utility (42)".
    pub fn describe(&self) -> String {
        self.templates.iter().map(|t| format!("{} ({})", t.name, t.length)).collect::<Vec<_>>().join(", ")
    }

    /// Whether some template reads lines of `length` digits.
    pub fn knows_length(&self, length: usize) -> bool {
        self.templates.iter().any(|t| t.length == length)
    }

    /// Reads a scanned or typed stub line with the first template of its length that accepts it.
    pub fn read(&self, line: &str) -> StubRead {
        let length = line.trim().chars().filter(|c| *c != ' ').count();
        let mut first_problem = None;
        for template in self.templates.iter().filter(|t| t.length == length) {
            match template.parse(line) {
                Ok(stub) => {
                    let Some(raw) = stub.field(ACCOUNT_FIELD).map(str::to_string) else { continue };
                    let trimmed = raw.trim_start_matches('0').to_string();
                    let mut accounts = vec![raw];
                    if !trimmed.is_empty() && !accounts.contains(&trimmed) {
                        accounts.push(trimmed);
                    }
                    let amount = stub.amount_due_cents.map(Money::from_cents);
                    return StubRead::Stub { stub, accounts, amount };
                }
                Err(problem) => {
                    first_problem.get_or_insert(problem.to_string());
                }
            }
        }
        match first_problem {
            Some(problem) => StubRead::Bad(problem),
            None => StubRead::NoTemplate(format!("scanline: {length} digits; no stub template has that length ({})", self.describe())),
        }
    }
}

fn require_account(template: &Template, name: &str) -> Result<(), String> {
    if template.fields.iter().any(|f| f.name == ACCOUNT_FIELD) {
        return Ok(());
    }
    Err(format!("{name}: field {ACCOUNT_FIELD}: missing (a stub template names the account it pays)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = "000123456700004550240500000002";

    fn settings(text: &str) -> toml::Table {
        text.parse::<toml::Table>().unwrap()
    }

    // Proves the shipped layouts read their own published examples and a failed check digit is never guessed.
    #[test]
    fn shipped_layouts_read_their_examples() {
        let stubs = StubTemplates::shipped();
        let StubRead::Stub { accounts, amount, .. } = stubs.read(DEMO) else { panic!("demo stub not read") };
        assert_eq!(accounts, ["0001234567", "1234567"]);
        assert_eq!(amount, Some(Money::from_cents(4550)));
        assert!(matches!(stubs.read("003456789011102960000000000100000000010008"), StubRead::Stub { .. }));
        assert_eq!(stubs.read("000123456700004550240500000003"), StubRead::Bad("scanline: check digit at position 30 is 3, expected 2".into()));
        assert!(matches!(stubs.read("1234567890123456789012"), StubRead::NoTemplate(m) if m.contains("demo-30 (30)")));
    }

    // Proves an inline city template reads a 24-digit stub the shipped layouts cannot, and comes first.
    #[test]
    fn inline_city_template_is_read_first() {
        let table = settings(
            "[[template]]\nname = \"parking\"\nlength = 24\n\
             [[template.field]]\nname = \"account\"\nstart = 1\nlength = 12\n\
             [[template.field]]\nname = \"amount_due\"\nstart = 13\nlength = 11\ndecimals = 2\n\
             [[template.check]]\nposition = 24\nrange = [1, 23]\nmodulus = 10\nweights = [2, 1]\nfrom = \"right\"\nsum = \"digits\"\nresult = \"complement\"\n",
        );
        assert!(matches!(StubTemplates::shipped().read("000000777001000000025008"), StubRead::NoTemplate(_)));
        let stubs = StubTemplates::from_settings(Some(&table), Path::new("/nonexistent")).unwrap();
        assert!(stubs.describe().starts_with("parking (24), demo-30 (30)"), "{}", stubs.describe());
        let read = stubs.read(&luhn("00000077700100000002500"));
        assert!(matches!(read, StubRead::Stub { ref accounts, amount: Some(a), .. } if accounts[1] == "777001" && a == Money::from_cents(2500)), "{read:?}");
    }

    // Proves a bad template or key is refused with one line naming the key and the field, never a panic.
    #[test]
    fn bad_templates_are_refused_naming_the_field() {
        let missing_length = settings("[[template]]\nname = \"x\"\n[[template.field]]\nname = \"account\"\nstart = 1\nlength = 5\n");
        let error = StubTemplates::from_settings(Some(&missing_length), Path::new("/")).unwrap_err();
        assert!(error.starts_with("scanline.template[0]: ") && error.contains("length"), "{error}");
        let no_account = settings("[[template]]\nname = \"x\"\nlength = 5\n[[template.field]]\nname = \"acct\"\nstart = 1\nlength = 5\n");
        let error = StubTemplates::from_settings(Some(&no_account), Path::new("/")).unwrap_err();
        assert_eq!(error, "scanline.template[0]: template x: field account: missing (a stub template names the account it pays)");
        let error = StubTemplates::from_settings(Some(&settings("templates = [\"nope.toml\"]")), Path::new("/data")).unwrap_err();
        assert!(error.starts_with("scanline.templates[0]: template /data/nope.toml: "), "{error}");
        let error = StubTemplates::from_settings(Some(&settings("shiped = false")), Path::new("/")).unwrap_err();
        assert!(error.starts_with("scanline.shiped: unknown key"), "{error}");
        let error = StubTemplates::from_settings(Some(&settings("shipped = false")), Path::new("/")).unwrap_err();
        assert!(error.starts_with("scanline: no stub templates"), "{error}");
    }

    /// Appends the Luhn check digit (weights 2,1 from the right of the payload).
    fn luhn(payload: &str) -> String {
        let sum: u32 = payload
            .chars()
            .rev()
            .enumerate()
            .map(|(i, c)| {
                let d = c.to_digit(10).unwrap() * if i % 2 == 0 { 2 } else { 1 };
                d / 10 + d % 10
            })
            .sum();
        format!("{payload}{}", (10 - sum % 10) % 10)
    }
}
