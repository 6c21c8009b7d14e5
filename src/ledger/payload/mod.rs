//! Reading journal payloads into `Event`s: the one place a payload is decoded. The journal stores each
//! entry's kind in its own column, so a payload is read by that column straight into its kind's derived
//! struct (`kinds.rs`) — no buffering of the JSON to find the tag, whatever order its keys are in (head
//! office's `jsonb` reorders them). Writing is `Event`'s derived `Serialize`, unchanged: the bytes, and so
//! the chain hashes head office recomputes, are those of every earlier release (tests/event_golden.rs).

mod kinds;
mod line_target;

use serde::Deserialize;

use crate::domain::events::Event;

/// The event an entry of kind `kind` (the journal's column) holds in `payload`.
pub fn decode(kind: &str, payload: &str) -> Result<Event, serde_json::Error> {
    let mut reader = serde_json::Deserializer::from_str(payload);
    let event = kinds::decode_as(kind, &mut reader)?;
    reader.end()?;
    Ok(event)
}

/// The event a payload holds when its kind column is not at hand (a payload from head office or a
/// record): the kind is the payload's own `kind` key.
pub fn decode_tagged(payload: &str) -> Result<Event, serde_json::Error> {
    decode(&Tag::of(payload)?, payload)
}

/// Whether `payload` states `kind` as its own tag, where every payload CityTill writes states it: first.
/// (`verify` checks this beside the hash, so a payload is never read as a kind it does not claim.)
pub fn states_kind(payload: &[u8], kind: &[u8]) -> bool {
    payload.strip_prefix(b"{\"kind\":\"").and_then(|rest| rest.strip_prefix(kind)).is_some_and(|rest| rest.first() == Some(&b'"'))
}

/// Just a payload's `kind` key (every other key skipped unread).
#[derive(Deserialize)]
struct Tag<'a> {
    #[serde(borrow)]
    kind: std::borrow::Cow<'a, str>,
}

impl Tag<'_> {
    fn of(payload: &str) -> Result<String, serde_json::Error> {
        Ok(serde_json::from_str::<Tag<'_>>(payload)?.kind.into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves a payload is read by its column, in any key order, and refused when it lacks a field, has
    // a field of the wrong type, or the column names no kind.
    #[test]
    fn payloads_are_read_by_their_column() {
        let written = r#"{"kind":"no_sale","drawer_id":3,"reason":"jam"}"#;
        let event = Event::NoSale { drawer_id: 3, reason: "jam".into() };
        assert_eq!(decode("no_sale", written).unwrap(), event);
        assert_eq!(decode("no_sale", r#"{"reason":"jam","drawer_id":3,"kind":"no_sale"}"#).unwrap(), event);
        assert_eq!(decode_tagged(r#"{"reason":"jam","drawer_id":3,"kind":"no_sale"}"#).unwrap(), event);
        assert!(decode("no_sale", r#"{"kind":"no_sale","drawer_id":3}"#).unwrap_err().to_string().contains("reason"));
        assert!(decode("no_sale", r#"{"kind":"no_sale","drawer_id":"3","reason":"jam"}"#).is_err());
        assert!(decode("no_sale", r#"{"kind":"no_sale","drawer_id":3,"drawer_id":4,"reason":"jam"}"#).is_err());
        assert!(decode("no_sale", &format!("{written} x")).is_err());
        assert!(decode("no_sold", written).unwrap_err().to_string().contains("unknown event kind 'no_sold'"));
        assert!(decode_tagged(r#"{"drawer_id":3,"reason":"jam"}"#).is_err());
    }

    // Proves the tag check verify relies on: the payload's own first key must name the column's kind.
    #[test]
    fn a_payload_states_its_kind_first() {
        assert!(states_kind(br#"{"kind":"no_sale","drawer_id":3}"#, b"no_sale"));
        assert!(!states_kind(br#"{"kind":"no_sale_x","drawer_id":3}"#, b"no_sale"));
        assert!(!states_kind(br#"{"kind":"paid_in","drawer_id":3}"#, b"no_sale"));
        assert!(!states_kind(br#"{"drawer_id":3,"kind":"no_sale"}"#, b"no_sale"));
    }

    // Proves an old payload written before an optional field existed still reads: day closes recorded
    // before `chain_head` was added hold no such key and read as `chain_head: None` (`#[serde(default)]`).
    #[test]
    fn an_old_payload_without_a_new_optional_field_reads() {
        let old = r#"{"kind":"day_closed","date":"2026-11-20","drawers":2,"batches":1}"#;
        assert_eq!(decode("day_closed", old).unwrap(), Event::DayClosed { date: "2026-11-20".into(), drawers: 2, batches: 1, chain_head: None });
    }

    // Proves a renamed field keeps reading its old payloads through `#[serde(alias)]`, on the same
    // by-column path as the real kinds (a test-only kind: no real field has been renamed yet).
    #[test]
    fn a_renamed_field_reads_through_its_alias() {
        #[derive(Deserialize, PartialEq, Debug)]
        struct Renamed {
            #[serde(alias = "drawer")]
            drawer_id: i64,
        }
        let read = |payload: &str| Renamed::deserialize(&mut serde_json::Deserializer::from_str(payload)).unwrap();
        assert_eq!(read(r#"{"kind":"renamed","drawer":7}"#), Renamed { drawer_id: 7 });
        assert_eq!(read(r#"{"kind":"renamed","drawer_id":7}"#), Renamed { drawer_id: 7 });
    }
}
