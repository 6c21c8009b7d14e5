//! Reading a payment line's `target` (`LineTarget`, tagged by its `type` key) through one derived struct
//! holding every variant's fields, instead of serde's derived reading of a tagged enum, which buffers
//! each target to find its tag first (verify reads one per payment line).

use serde::de::Error;
use serde::{Deserialize, Deserializer};

use crate::domain::events::LineTarget;
use crate::domain::payable::PayableKind;

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Type {
    Payable,
    Fee,
}

/// Every variant's fields; the `type` says which must be there.
#[derive(Deserialize)]
struct Fields {
    #[serde(rename = "type")]
    target: Type,
    number: Option<String>,
    kind: Option<PayableKind>,
    code: Option<String>,
    description: Option<String>,
    gl_account: Option<String>,
}

impl<'de> Deserialize<'de> for LineTarget {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<LineTarget, D::Error> {
        let fields = Fields::deserialize(deserializer)?;
        let needed = |value: Option<String>, name: &'static str| value.ok_or_else(|| D::Error::missing_field(name));
        Ok(match fields.target {
            Type::Payable => LineTarget::Payable { number: needed(fields.number, "number")?, kind: fields.kind.ok_or_else(|| D::Error::missing_field("kind"))? },
            Type::Fee => LineTarget::Fee { code: needed(fields.code, "code")?, description: needed(fields.description, "description")?, gl_account: needed(fields.gl_account, "gl_account")? },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves both targets read in any key order and a target missing its variant's field or its type,
    // or of an unknown type, is refused.
    #[test]
    fn targets_read_by_their_type() {
        let read = |text: &str| serde_json::from_str::<LineTarget>(text);
        let payable = LineTarget::Payable { number: "U1".into(), kind: PayableKind::Utility };
        assert_eq!(read(r#"{"type":"payable","number":"U1","kind":"utility"}"#).unwrap(), payable);
        assert_eq!(read(r#"{"kind":"utility","number":"U1","type":"payable"}"#).unwrap(), payable);
        let fee = LineTarget::Fee { code: "DOG".into(), description: "Dog".into(), gl_account: "4210".into() };
        assert_eq!(read(r#"{"type":"fee","code":"DOG","description":"Dog","gl_account":"4210"}"#).unwrap(), fee);
        for refused in [
            r#"{"type":"payable","number":"U1"}"#,
            r#"{"type":"fee","code":"DOG","gl_account":"4210"}"#,
            r#"{"number":"U1","kind":"utility"}"#,
            r#"{"type":"invoice","number":"U1","kind":"utility"}"#,
            r#"{"type":"payable","type":"fee","number":"U1","kind":"utility"}"#,
        ] {
            assert!(read(refused).is_err(), "{refused}");
        }
    }
}
