//! Fast JSON reading of internally tagged enums (`Event`, `LineTarget`): no buffering when the tag comes first.
//!
//! serde's derived `Deserialize` for `#[serde(tag = "...")]` enums buffers the whole value into its private
//! `Content` tree before it looks at the variant: dozens of small allocations per journal payload, and once
//! more for every nested tagged value, on every entry `verify` replays. Our serializer always writes the tag
//! first, so [`internally_tagged!`] reads the first key and, when it is the tag, reads the remaining entries
//! straight into the variant's fields (through a private externally tagged twin of the enum, which derive
//! builds). A value whose tag comes later (reordered by hand or by PostgreSQL's `jsonb`) has its entries
//! kept in order and is read again from JSON text with the tag first, so both orders go down the same path.
//!
//! What we write reads back identically in any key order (proven below). Against malformed input the reading
//! is at least as strict as derive's, except that a direct read skips an unknown field's value without
//! validating numbers inside it; and it does not take serde's rarely used sequence form (`["kind", fields...]`),
//! which no CityTill writer produces. Serialization is untouched: the enum keeps its derived `Serialize`
//! with the tag attribute, so payload bytes (hash-chained, synced to head office) are unchanged.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, MapAccess, VariantAccess, Visitor};

/// Declares an internally tagged enum with the derived `Serialize` and a fast `Deserialize`.
///
/// The input is the enum as it would be written with `#[derive(serde::Deserialize)]`, minus that derive:
/// a `#[serde(tag = "...")]` (optionally `, rename_all = "..."`) attribute among its attributes, and only
/// struct variants whose fields carry no attributes. The variants are declared once; the macro emits the
/// enum itself plus, privately, an externally tagged twin (a serde `remote` definition of the enum, so
/// derive builds the enum itself) that both readings go through.
macro_rules! internally_tagged {
    // The tagging attribute: kept on the enum (for Serialize) and remembered for Deserialize.
    (@munch [$($attrs:tt)*] [] #[serde(tag = $tag:literal $(, rename_all = $rename:literal)? $(,)?)] $($rest:tt)*) => {
        $crate::domain::event_json::internally_tagged! {
            @munch [$($attrs)* #[serde(tag = $tag $(, rename_all = $rename)?)]] [tag = $tag; rename = ($($rename)?)] $($rest)*
        }
    };
    // Any other attribute (doc comments, derives) is kept as it is.
    (@munch [$($attrs:tt)*] [$($tagging:tt)*] #[$attr:meta] $($rest:tt)*) => {
        $crate::domain::event_json::internally_tagged! { @munch [$($attrs)* #[$attr]] [$($tagging)*] $($rest)* }
    };
    (@munch [$($attrs:tt)*] [tag = $tag:literal; rename = ($($rename:literal)?)]
        $vis:vis enum $name:ident {
            $(
                $(#[doc = $vdoc:literal])*
                $variant:ident { $( $field:ident : $fty:ty ),* $(,)? }
            ),* $(,)?
        }
    ) => {
        $($attrs)*
        $vis enum $name {
            $( $(#[doc = $vdoc])* $variant { $( $field: $fty ),* }, )*
        }

        const _: () = {
            /// The enum itself, by a name serde's `remote` attribute can be given.
            type Remote = $name;

            /// The externally tagged twin: derive's visitors for each variant's fields, reached without buffering.
            /// As a `remote` definition, derive builds the enum itself from it (no conversion).
            #[derive(serde::Deserialize)]
            #[serde(remote = "Remote")]
            $(#[serde(rename_all = $rename)])?
            #[allow(dead_code, clippy::large_enum_variant)]
            enum Twin {
                $( $variant { $( $field: $fty ),* }, )*
            }

            impl<'de> $crate::domain::event_json::ExternallyTagged<'de> for Twin {
                type Target = $name;

                fn deserialize_twin<D: serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<$name, D::Error> {
                    Twin::deserialize(deserializer)
                }
            }

            impl<'de> serde::Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<$name, D::Error> {
                    $crate::domain::event_json::deserialize_tagged::<Twin, D>(
                        deserializer,
                        $tag,
                        concat!("internally tagged enum ", stringify!($name)),
                    )
                }
            }

            /// The deserializer serde would have derived, kept for the differential tests.
            #[cfg(test)]
            impl $crate::domain::event_json::DerivedReference for $name {
                fn deserialize_derived<'de, D: serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<$name, D::Error> {
                    #[derive(serde::Deserialize)]
                    #[serde(tag = $tag $(, rename_all = $rename)?)]
                    #[allow(clippy::large_enum_variant)]
                    enum Derived {
                        $( $variant { $( $field: $fty ),* }, )*
                    }
                    <Derived as serde::Deserialize>::deserialize(deserializer).map(|derived| match derived {
                        $( Derived::$variant { $($field),* } => $name::$variant { $($field),* }, )*
                    })
                }
            }
        };
    };
    (@munch $($unexpected:tt)*) => {
        compile_error!("internally_tagged!: expected `#[serde(tag = \"...\"[, rename_all = \"...\"])]` and an enum of struct variants without field attributes");
    };
    ($($input:tt)*) => {
        $crate::domain::event_json::internally_tagged! { @munch [] [] $($input)* }
    };
}
pub(crate) use internally_tagged;

/// The serde-derived deserializer of an [`internally_tagged!`] enum, to compare against in tests.
#[cfg(test)]
pub(crate) trait DerivedReference: Sized {
    fn deserialize_derived<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// The externally tagged twin of an [`internally_tagged!`] enum: reads the enum from a deserializer that
/// presents it as `{variant: {fields}}` ([`Direct`]).
pub(crate) trait ExternallyTagged<'de> {
    type Target: DeserializeOwned;

    fn deserialize_twin<D: Deserializer<'de>>(deserializer: D) -> Result<Self::Target, D::Error>;
}

/// Deserializes the internally tagged value whose externally tagged twin is `T` (what the macro calls).
pub(crate) fn deserialize_tagged<'de, T, D>(deserializer: D, tag: &'static str, expecting: &'static str) -> Result<T::Target, D::Error>
where
    T: ExternallyTagged<'de>,
    D: Deserializer<'de>,
{
    deserializer.deserialize_map(TaggedVisitor::<T> { tag, expecting, twin: PhantomData })
}

/// Reads a map holding a tag entry: directly when the tag is its first key, through a buffer otherwise.
struct TaggedVisitor<T> {
    tag: &'static str,
    expecting: &'static str,
    twin: PhantomData<T>,
}

impl<'de, T: ExternallyTagged<'de>> Visitor<'de> for TaggedVisitor<T> {
    type Value = T::Target;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(self.expecting)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T::Target, A::Error> {
        let first = match map.next_key::<Key<'de>>()? {
            None => return Err(de::Error::missing_field(self.tag)),
            Some(Key(key)) if key == self.tag => return T::deserialize_twin(Direct { map, tag: self.tag }),
            Some(Key(key)) => key.into_owned(),
        };
        // The tag comes later (reordered by hand or by PostgreSQL's jsonb): the entries are kept in order,
        // duplicates and nested values untouched, written out again with the tag first and read down the same path.
        let mut tag_value: Option<Node> = None;
        let mut text = String::from("{");
        let mut rest = String::new();
        Node::Str(first).write_to(&mut rest);
        rest.push(':');
        map.next_value::<Node>()?.write_to(&mut rest);
        while let Some(Key(key)) = map.next_key()? {
            if key == self.tag {
                if tag_value.is_some() {
                    return Err(de::Error::duplicate_field(self.tag));
                }
                tag_value = Some(map.next_value()?);
            } else {
                rest.push(',');
                Node::Str(key.into_owned()).write_to(&mut rest);
                rest.push(':');
                map.next_value::<Node>()?.write_to(&mut rest);
            }
        }
        let tag_value = tag_value.ok_or_else(|| de::Error::missing_field(self.tag))?;
        Node::Str(self.tag.to_string()).write_to(&mut text);
        text.push(':');
        tag_value.write_to(&mut text);
        text.push(',');
        text.push_str(&rest);
        text.push('}');
        serde_json::from_str(&text).map_err(de::Error::custom)
    }
}

/// A JSON value kept as it came — keys in order, duplicates too — to be written out again as JSON text.
enum Node {
    Null,
    Bool(bool),
    Signed(i64),
    Unsigned(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    fn write_to(&self, out: &mut String) {
        match self {
            Node::Null => out.push_str("null"),
            Node::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Node::Signed(value) => out.push_str(itoa::Buffer::new().format(*value)),
            Node::Unsigned(value) => out.push_str(itoa::Buffer::new().format(*value)),
            // serde_json writes a float so that it reads back as the same float (non-finite ones as null).
            Node::Float(value) => out.push_str(&serde_json::Value::from(*value).to_string()),
            Node::Str(text) => out.push_str(&serde_json::Value::from(text.as_str()).to_string()),
            Node::Seq(items) => {
                out.push('[');
                for (at, item) in items.iter().enumerate() {
                    if at > 0 {
                        out.push(',');
                    }
                    item.write_to(out);
                }
                out.push(']');
            }
            Node::Map(entries) => {
                out.push('{');
                for (at, (key, value)) in entries.iter().enumerate() {
                    if at > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::from(key.as_str()).to_string());
                    out.push(':');
                    value.write_to(out);
                }
                out.push('}');
            }
        }
    }
}

impl<'de> de::Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        struct NodeVisitor;
        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = Node;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("any JSON value")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }

            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }

            fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
                de::Deserialize::deserialize(deserializer)
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Node, E> {
                Ok(Node::Bool(value))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Node, E> {
                Ok(Node::Signed(value))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Node, E> {
                Ok(Node::Unsigned(value))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Node, E> {
                Ok(Node::Float(value))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Node, E> {
                Ok(Node::Str(value.to_string()))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<Node, E> {
                Ok(Node::Str(value))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(Key(key)) = map.next_key()? {
                    entries.push((key.into_owned(), map.next_value()?));
                }
                Ok(Node::Map(entries))
            }
        }
        deserializer.deserialize_any(NodeVisitor)
    }
}

/// A map key as it comes: borrowed from the input when it can be.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'de>, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a field name")
            }

            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_string())))
            }

            fn visit_string<E: de::Error>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The twin read from a map whose first key was the tag: the tag's value is next, then the fields.
struct Direct<A> {
    map: A,
    tag: &'static str,
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for Direct<A> {
    type Error = A::Error;

    fn deserialize_enum<V: Visitor<'de>>(self, _name: &'static str, _variants: &'static [&'static str], visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_enum(self)
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, A::Error> {
        Err(de::Error::custom("an internally tagged enum's twin is read only as an enum"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

impl<'de, A: MapAccess<'de>> EnumAccess<'de> for Direct<A> {
    type Error = A::Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(mut self, seed: V) -> Result<(V::Value, Self), A::Error> {
        // The tag's value, read by the variant identifier straight from the input.
        let variant = self.map.next_value_seed(seed)?;
        Ok((variant, self))
    }
}

impl<'de, A: MapAccess<'de>> VariantAccess<'de> for Direct<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        Err(de::Error::custom("internally_tagged! supports struct variants only"))
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, _seed: S) -> Result<S::Value, A::Error> {
        Err(de::Error::custom("internally_tagged! supports struct variants only"))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, A::Error> {
        Err(de::Error::custom("internally_tagged! supports struct variants only"))
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(Fields { map: self.map, tag: self.tag })
    }
}

/// The rest of a tag-first map: the variant's fields, where the tag may not appear again.
struct Fields<A> {
    map: A,
    tag: &'static str,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Fields<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        match self.map.next_key::<Key<'de>>()? {
            None => Ok(None),
            Some(Key(key)) if key == self.tag => Err(de::Error::duplicate_field(self.tag)),
            Some(Key(Cow::Borrowed(key))) => seed.deserialize(BorrowedStrDeserializer::new(key)).map(Some),
            Some(Key(Cow::Owned(key))) => seed.deserialize(StringDeserializer::new(key)).map(Some),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::DerivedReference;
    use crate::domain::denominations::DenominationCount;
    use crate::domain::events::*;
    use crate::domain::ids::Role;
    use crate::domain::payable::{FeeRow, PayableKind};
    use crate::domain::tender::{Tender, TenderKind};
    use crate::money::Money;
    use proptest::prelude::*;
    use serde::Deserialize;

    fn m(cents: i64) -> Money {
        Money::from_cents(cents)
    }

    /// The old, derived reading of a whole JSON text (what `serde_json::from_str` did before).
    fn derived<T: DerivedReference>(text: &str) -> Result<T, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let value = T::deserialize_derived(&mut deserializer)?;
        deserializer.end()?;
        Ok(value)
    }

    // ----- an order-keeping JSON tree, for reordering keys and mutating payloads -----

    /// JSON with object keys in their written order (duplicates kept); scalars as their JSON text.
    #[derive(Clone, Debug)]
    enum J {
        Raw(String),
        Arr(Vec<J>),
        Obj(Vec<(String, J)>),
    }

    impl<'de> Deserialize<'de> for J {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<J, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = J;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("JSON")
                }
                fn visit_unit<E>(self) -> Result<J, E> {
                    Ok(J::Raw("null".into()))
                }
                fn visit_bool<E>(self, v: bool) -> Result<J, E> {
                    Ok(J::Raw(v.to_string()))
                }
                fn visit_i64<E>(self, v: i64) -> Result<J, E> {
                    Ok(J::Raw(v.to_string()))
                }
                fn visit_u64<E>(self, v: u64) -> Result<J, E> {
                    Ok(J::Raw(v.to_string()))
                }
                fn visit_f64<E>(self, v: f64) -> Result<J, E> {
                    Ok(J::Raw(serde_json::to_string(&v).unwrap()))
                }
                fn visit_str<E>(self, v: &str) -> Result<J, E> {
                    Ok(J::Raw(serde_json::to_string(v).unwrap()))
                }
                fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
                    let mut items = Vec::new();
                    while let Some(item) = seq.next_element()? {
                        items.push(item);
                    }
                    Ok(J::Arr(items))
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
                    let mut entries = Vec::new();
                    while let Some(entry) = map.next_entry()? {
                        entries.push(entry);
                    }
                    Ok(J::Obj(entries))
                }
            }
            deserializer.deserialize_any(V)
        }
    }

    impl J {
        fn parse(text: &str) -> J {
            serde_json::from_str(text).unwrap()
        }

        fn text(&self) -> String {
            match self {
                J::Raw(raw) => raw.clone(),
                J::Arr(items) => format!("[{}]", items.iter().map(J::text).collect::<Vec<_>>().join(",")),
                J::Obj(entries) => format!(
                    "{{{}}}",
                    entries.iter().map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap(), v.text())).collect::<Vec<_>>().join(",")
                ),
            }
        }

        /// Every object's keys in reverse order (so every tag comes last).
        fn reversed(&self) -> J {
            match self {
                J::Raw(raw) => J::Raw(raw.clone()),
                J::Arr(items) => J::Arr(items.iter().map(J::reversed).collect()),
                J::Obj(entries) => J::Obj(entries.iter().rev().map(|(k, v)| (k.clone(), v.reversed())).collect()),
            }
        }

        /// Every object's keys rotated by `by` (a different order per object size).
        fn rotated(&self, by: usize) -> J {
            match self {
                J::Raw(raw) => J::Raw(raw.clone()),
                J::Arr(items) => J::Arr(items.iter().map(|i| i.rotated(by)).collect()),
                J::Obj(entries) => {
                    let mut entries: Vec<_> = entries.iter().map(|(k, v)| (k.clone(), v.rotated(by))).collect();
                    if !entries.is_empty() {
                        let n = by % entries.len();
                        entries.rotate_left(n);
                    }
                    J::Obj(entries)
                }
            }
        }

        fn paths(&self, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
            out.push(here.clone());
            let children: Vec<&J> = match self {
                J::Raw(_) => vec![],
                J::Arr(items) => items.iter().collect(),
                J::Obj(entries) => entries.iter().map(|(_, v)| v).collect(),
            };
            for (i, child) in children.into_iter().enumerate() {
                here.push(i);
                child.paths(here, out);
                here.pop();
            }
        }

        fn at(&mut self, path: &[usize]) -> &mut J {
            match path.split_first() {
                None => self,
                Some((&i, rest)) => match self {
                    J::Arr(items) => items[i].at(rest),
                    J::Obj(entries) => entries[i].1.at(rest),
                    J::Raw(_) => unreachable!(),
                },
            }
        }
    }

    /// Wrong or odd values (all valid JSON, so that a refusal is about the value, not the syntax).
    const ODD: &[&str] = &[
        "null", "true", "0", "1", "-1", "1.5", "18446744073709551615", "\"\"", "\"x\"", "\"cash\"", "\"payable\"", "\"fee\"",
        "\"citation\"", "\"0.00\"", "\"-1.005\"", "{}", "[]", "{\"cash\":null}", "[1]", "\"payment_taken\"", "\"no_sale\"",
        "{\"type\":\"fee\"}",
    ];
    const KEYS: &[&str] = &["extra", "kind", "type", "number", "receipt", "applied", "reason", "tender", "0", "name"];

    #[derive(Clone, Debug)]
    enum Mutation {
        Replace(usize, usize),
        Remove(usize, usize),
        Duplicate(usize, usize),
        AddKey(usize, usize, usize),
        MoveLast(usize, usize),
        Reverse(usize),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        let n = any::<usize>();
        prop_oneof![
            3 => (n, 0..ODD.len()).prop_map(|(p, o)| Mutation::Replace(p, o)),
            2 => (n, n).prop_map(|(p, i)| Mutation::Remove(p, i)),
            1 => (n, n).prop_map(|(p, i)| Mutation::Duplicate(p, i)),
            2 => (n, 0..KEYS.len(), 0..ODD.len()).prop_map(|(p, k, o)| Mutation::AddKey(p, k, o)),
            2 => (n, n).prop_map(|(p, i)| Mutation::MoveLast(p, i)),
            1 => n.prop_map(Mutation::Reverse),
        ]
    }

    fn mutate(json: &mut J, mutation: &Mutation) {
        let mut paths = Vec::new();
        json.paths(&mut Vec::new(), &mut paths);
        let pick = |p: usize| paths[p % paths.len()].clone();
        let odd = |o: usize| J::Raw(ODD[o].to_string());
        match *mutation {
            Mutation::Replace(p, o) => *json.at(&pick(p)) = odd(o),
            Mutation::Remove(p, i) => match json.at(&pick(p)) {
                J::Obj(entries) if !entries.is_empty() => {
                    let n = entries.len();
                    entries.remove(i % n);
                }
                J::Arr(items) if !items.is_empty() => {
                    let n = items.len();
                    items.remove(i % n);
                }
                _ => {}
            },
            Mutation::Duplicate(p, i) => {
                if let J::Obj(entries) = json.at(&pick(p)) {
                    if !entries.is_empty() {
                        let entry = entries[i % entries.len()].clone();
                        entries.push(entry);
                    }
                }
            }
            Mutation::AddKey(p, k, o) => {
                if let J::Obj(entries) = json.at(&pick(p)) {
                    let at = p % (entries.len() + 1);
                    entries.insert(at, (KEYS[k].to_string(), odd(o)));
                }
            }
            Mutation::MoveLast(p, i) => {
                if let J::Obj(entries) = json.at(&pick(p)) {
                    if !entries.is_empty() {
                        let entry = entries.remove(i % entries.len());
                        entries.push(entry);
                    }
                }
            }
            Mutation::Reverse(p) => {
                if let J::Obj(entries) = json.at(&pick(p)) {
                    entries.reverse();
                }
            }
        }
    }

    // ----- events -----

    fn text() -> impl Strategy<Value = String> {
        "[ -~é—\u{1F600}]{0,6}"
    }

    fn money() -> impl Strategy<Value = Money> {
        (-100_000_000i64..100_000_000).prop_map(Money::from_cents)
    }

    fn opt_text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(text())
    }

    fn payable_kind() -> impl Strategy<Value = PayableKind> {
        proptest::sample::select(PayableKind::ALL.to_vec())
    }

    fn tender_kind() -> impl Strategy<Value = TenderKind> {
        proptest::sample::select(TenderKind::ALL.to_vec())
    }

    fn tender() -> impl Strategy<Value = Tender> {
        (tender_kind(), money(), opt_text(), opt_text(), opt_text(), opt_text(), opt_text(), opt_text(), opt_text()).prop_map(
            |(kind, amount, routing, account_last4, number, brand, last4, auth, reference)| Tender {
                kind,
                amount,
                routing,
                account_last4,
                number,
                brand,
                last4,
                auth,
                reference,
            },
        )
    }

    fn line_target() -> impl Strategy<Value = LineTarget> {
        prop_oneof![
            (text(), payable_kind()).prop_map(|(number, kind)| LineTarget::Payable { number, kind }),
            (text(), text(), text()).prop_map(|(code, description, gl_account)| LineTarget::Fee { code, description, gl_account }),
        ]
    }

    fn line() -> impl Strategy<Value = PaymentLine> {
        (line_target(), money(), money()).prop_map(|(target, applied, credit)| PaymentLine { target, applied, credit })
    }

    fn allocation() -> impl Strategy<Value = Allocation> {
        (text(), opt_text(), money()).prop_map(|(account, payable, amount)| Allocation { account, payable, amount })
    }

    fn counts() -> impl Strategy<Value = Vec<DenominationCount>> {
        proptest::collection::vec((money(), any::<i64>()).prop_map(|(denomination, pieces)| DenominationCount { denomination, pieces }), 0..3)
    }

    fn tender_amounts() -> impl Strategy<Value = Vec<TenderAmount>> {
        proptest::collection::vec((tender_kind(), money()).prop_map(|(tender, amount)| TenderAmount { tender, amount }), 0..3)
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            (text(), any::<i64>(), any::<i64>(), text(), proptest::collection::vec(line(), 0..4), proptest::collection::vec(tender(), 0..4), money())
                .prop_map(|(receipt, number, drawer_id, cashier, lines, tenders, change)| Event::PaymentTaken {
                    receipt,
                    number,
                    drawer_id,
                    cashier,
                    lines,
                    tenders,
                    change
                }),
            (text(), money(), proptest::collection::vec(allocation(), 0..3), text(), money(), text(), opt_text(), text()).prop_map(
                |(receipt, check_amount, allocations, fee_code, fee_amount, fee_gl_account, fee_charged_to, fee_receivable_account)| {
                    Event::CheckReturned { receipt, check_amount, allocations, fee_code, fee_amount, fee_gl_account, fee_charged_to, fee_receivable_account }
                }
            ),
            (any::<i64>(), text(), counts(), tender_amounts(), tender_amounts(), tender_amounts(), money(), opt_text()).prop_map(
                |(drawer_id, cashier, cash_count, counted, expected, over_short, float_kept, reason)| Event::DrawerClosed {
                    drawer_id,
                    cashier,
                    cash_count,
                    counted,
                    expected,
                    over_short,
                    float_kept,
                    reason
                }
            ),
            (text(), any::<i64>(), text(), payable_kind(), money(), tender(), opt_text(), text()).prop_map(
                |(batch, item, payable, payable_kind, amount, tender, stub, entered_by)| Event::BatchItemAdded {
                    batch,
                    item: BatchItem { item, payable, payable_kind, amount, tender, stub, entered_by }
                }
            ),
            (text(), text(), proptest::collection::vec((any::<i64>(), line()).prop_map(|(item, line)| PostedItem { item, line }), 0..3))
                .prop_map(|(batch, approver, posted)| Event::BatchApproved { batch, approver, posted }),
            (text(), any::<bool>()).prop_map(|(terminal, training)| Event::TerminalInitialized { terminal, training }),
            (text(), proptest::sample::select(vec![Role::Cashier, Role::Lead, Role::Supervisor, Role::Admin]))
                .prop_map(|(name, role)| Event::UserAdded { name, role }),
            (any::<i64>(), text()).prop_map(|(drawer_id, reason)| Event::NoSale { drawer_id, reason }),
            (text(), proptest::collection::vec((text(), text(), proptest::option::of(money()), text()), 0..3)).prop_map(|(source, rows)| {
                Event::FeesImported {
                    source,
                    rows: rows.into_iter().map(|(code, description, amount, gl_account)| FeeRow { code, description, amount, gl_account }).collect(),
                }
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]

        // Proves every event reads back as itself — from text and from bytes, with the tag first as written,
        // with every object's keys reversed (`kind` and `type` last, the buffered path) and with keys rotated.
        #[test]
        fn events_read_back_in_any_key_order(event in event(), by in 0usize..16) {
            let text = serde_json::to_string(&event).unwrap();
            prop_assert_eq!(&serde_json::from_str::<Event>(&text).unwrap(), &event);
            prop_assert_eq!(&serde_json::from_slice::<Event>(text.as_bytes()).unwrap(), &event);
            let json = J::parse(&text);
            let reversed = json.reversed().text();
            prop_assert!(reversed.ends_with(&format!("\"kind\":\"{}\"}}", event.kind())), "{}", reversed);
            prop_assert_eq!(&serde_json::from_str::<Event>(&reversed).unwrap(), &event);
            prop_assert_eq!(&serde_json::from_str::<Event>(&json.rotated(by).text()).unwrap(), &event);
            prop_assert_eq!(&serde_json::from_value::<Event>(serde_json::from_str(&reversed).unwrap()).unwrap(), &event);
        }

        // Proves the new reading is never more lenient than the derived one on payloads mangled with
        // valid JSON (wrong types, missing, duplicated, reordered and unknown keys, a repeated tag): whatever
        // it accepts, derive accepted as the same event; and it refuses whatever derive refused.
        #[test]
        fn events_read_as_derive_did(event in event(), mutations in proptest::collection::vec(mutation(), 0..5)) {
            let mut json = J::parse(&serde_json::to_string(&event).unwrap());
            for mutation in &mutations {
                mutate(&mut json, mutation);
            }
            let text = json.text();
            let new = serde_json::from_str::<Event>(&text);
            let old = derived::<Event>(&text);
            match (&new, &old) {
                (Ok(new), Ok(old)) => prop_assert_eq!(new, old, "{}", text),
                (Ok(new), Err(old)) => prop_assert!(false, "{}\naccepted as {:?}, derive refused: {}", text, new, old),
                (Err(_), _) => {}
            }
            if old.is_err() {
                prop_assert!(new.is_err(), "{}", text);
            }
        }
    }

    const TYPICAL: &str = r#"{"kind":"payment_taken","receipt":"B02-004997","number":4997,"drawer_id":1,"cashier":"bench","lines":[{"target":{"type":"payable","number":"PC00000996","kind":"citation"},"applied":"10.96","credit":"0.00"}],"tenders":[{"kind":"cash","amount":"20.00"}],"change":"9.04"}"#;

    // Proves the refusals a reader of journal payloads relies on: missing or unknown kind, a missing
    // field, a wrong type, a kind given twice (first or later), a field given twice, and non-objects.
    #[test]
    fn malformed_payloads_are_refused() {
        let refused = |text: &str| {
            assert!(serde_json::from_str::<Event>(text).is_err(), "accepted: {text}");
            assert!(derived::<Event>(text).is_err(), "derive accepted: {text}");
        };
        refused(&TYPICAL.replace("\"kind\":\"payment_taken\",", ""));
        refused(&TYPICAL.replace("\"payment_taken\"", "\"payment_took\""));
        refused(&TYPICAL.replace("\"payment_taken\"", "10"));
        refused(&TYPICAL.replace(",\"change\":\"9.04\"", ""));
        refused(&TYPICAL.replace("\"number\":4997", "\"number\":\"4997\""));
        refused(&TYPICAL.replace("\"drawer_id\":1,", "\"drawer_id\":1,\"kind\":\"no_sale\","));
        refused(&TYPICAL.replace("\"drawer_id\":1,", "\"drawer_id\":1,\"drawer_id\":2,"));
        refused(&TYPICAL.replace("\"type\":\"payable\",", "\"type\":\"payable\",\"type\":\"fee\","));
        let tag_last = r#"{"drawer_id":3,"reason":"jam","kind":"no_sale"}"#;
        assert_eq!(serde_json::from_str::<Event>(tag_last).unwrap(), Event::NoSale { drawer_id: 3, reason: "jam".into() });
        refused(&tag_last.replace("\"kind\"", "\"reason\":\"again\",\"kind\""));
        refused(&tag_last.replace("\"kind\":\"no_sale\"", "\"kind\":\"no_sale\",\"kind\":\"no_sale\""));
        refused(&tag_last.replace(",\"kind\":\"no_sale\"", ""));
        for not_an_object in ["\"payment_taken\"", "42", "null", "true", "[]", "{}", ""] {
            refused(not_an_object);
        }
    }

    // Proves serialization is byte-identical to the derived output captured before this change.
    #[test]
    fn serialization_is_unchanged() {
        let golden = [
            r#"{"kind":"payment_taken","receipt":"B02-004997","number":4997,"drawer_id":1,"cashier":"bench","lines":[{"target":{"type":"payable","number":"PC00000996","kind":"citation"},"applied":"10.96","credit":"0.00"}],"tenders":[{"kind":"cash","amount":"20.00"}],"change":"9.04"}"#,
            r#"{"kind":"payment_taken","receipt":"B02-004998","number":-7,"drawer_id":2,"cashier":"ann","lines":[{"target":{"type":"payable","number":"PC00000996","kind":"citation"},"applied":"10.96","credit":"0.00"},{"target":{"type":"fee","code":"COPY","description":"Copies — ünïcode \\ \"quoted\"","gl_account":"4100"},"applied":"2.50","credit":"-0.03"}],"tenders":[{"kind":"card","amount":"5.00","brand":"visa","last4":"4242","auth":"A1\"b"},{"kind":"check","amount":"12.34","routing":"021000021","account_last4":"6789","number":"1001"}],"change":"0.00"}"#,
            r#"{"kind":"payment_voided","receipt":"B02-1","reason":"typo","drawer_id":1,"lines":[],"tenders":[],"change":"0.00"}"#,
            r#"{"kind":"check_returned","receipt":"B02-2","check_amount":"12.34","allocations":[{"account":"1200","payable":"U1","amount":"12.34"}],"fee_code":"NSF","fee_amount":"25.00","fee_gl_account":"4300","fee_charged_to":"U1","fee_receivable_account":"1210"}"#,
            r#"{"kind":"check_returned","receipt":"B02-3","check_amount":"0.01","allocations":[{"account":"1200","payable":null,"amount":"0.01"}],"fee_code":"NSF","fee_amount":"0.00","fee_gl_account":"4300","fee_charged_to":null,"fee_receivable_account":"1210"}"#,
            r#"{"kind":"drawer_closed","drawer_id":3,"cashier":"bo","cash_count":[{"denomination":"20.00","pieces":5},{"denomination":"0.25","pieces":40}],"counted":[{"tender":"cash","amount":"110.00"}],"expected":[{"tender":"cash","amount":"110.00"},{"tender":"money_order","amount":"0.05"}],"over_short":[],"float_kept":"100.00","reason":null}"#,
            r#"{"kind":"drawer_closed","drawer_id":3,"cashier":"bo","cash_count":[],"counted":[],"expected":[],"over_short":[{"tender":"ach","amount":"-1.00"}],"float_kept":"0.00","reason":"forced"}"#,
            r#"{"kind":"batch_item_added","batch":"M1","item":{"item":7,"payable":"U9","payable_kind":"utility","amount":"42.00","tender":{"kind":"check","amount":"12.34","routing":"021000021","account_last4":"6789","number":"1001"},"stub":"stub","entered_by":"lee"}}"#,
            r#"{"kind":"batch_item_added","batch":"B2","item":{"item":8,"payable":"T1","payable_kind":"tax","amount":"0.01","tender":{"kind":"money_order","amount":"0.01"},"entered_by":"lee"}}"#,
            r#"{"kind":"batch_opened","batch":"B2","batch_kind":"drop_box","preparer":"lee","control_total":"0.99","control_items":2}"#,
            r#"{"kind":"batch_approved","batch":"M1","approver":"sue","posted":[{"item":1,"line":{"target":{"type":"fee","code":"COPY","description":"Copies — ünïcode \\ \"quoted\"","gl_account":"4100"},"applied":"2.50","credit":"-0.03"}}]}"#,
            r#"{"kind":"deposit_created","deposit":"D-1","batches":["D1","M1"],"slip":{"business_date":"2024-05-01","cash":[{"denomination":"20.00","pieces":5},{"denomination":"0.25","pieces":40}],"cash_uncounted":"3.00","checks":[{"reference":"M1-0001","number":"1001","routing":"021000021","account_last4":"6789","amount":"12.34"}],"money_orders":[],"lines":[{"bank_account":"1010","tender":"check","amount":"12.34"}]}}"#,
            r#"{"kind":"terminal_initialized","terminal":"B02","training":true}"#,
            r#"{"kind":"user_added","name":"ann","role":"supervisor"}"#,
            r#"{"kind":"login_failed","name":"ann","attempts":3}"#,
            r#"{"kind":"fees_imported","source":"fees.csv","rows":[{"code":"COPY","description":"Copy","amount":null,"gl_account":"4100"}]}"#,
            r#"{"kind":"payments_exported","date":"2024-05-01","references":["B02-1"],"total":"10.96"}"#,
        ];
        let fixtures = fixtures();
        assert_eq!(fixtures.len(), golden.len());
        for (event, golden) in fixtures.iter().zip(golden) {
            assert_eq!(serde_json::to_string(event).unwrap(), golden);
            assert_eq!(&serde_json::from_str::<Event>(golden).unwrap(), event);
        }
    }

    fn fixtures() -> Vec<Event> {
        let card = Tender { brand: Some("visa".into()), last4: Some("4242".into()), auth: Some("A1\"b".into()), ..Tender::new(TenderKind::Card, m(500)) };
        let check = Tender { routing: Some("021000021".into()), account_last4: Some("6789".into()), number: Some("1001".into()), ..Tender::new(TenderKind::Check, m(1234)) };
        let payable_line = PaymentLine { target: LineTarget::Payable { number: "PC00000996".into(), kind: PayableKind::Citation }, applied: m(1096), credit: m(0) };
        let fee_line = PaymentLine {
            target: LineTarget::Fee { code: "COPY".into(), description: "Copies — ünïcode \\ \"quoted\"".into(), gl_account: "4100".into() },
            applied: m(250),
            credit: m(-3),
        };
        let counts = vec![DenominationCount { denomination: m(2000), pieces: 5 }, DenominationCount { denomination: m(25), pieces: 40 }];
        let ta = |tender, cents| TenderAmount { tender, amount: m(cents) };
        vec![
            Event::PaymentTaken {
                receipt: "B02-004997".into(),
                number: 4997,
                drawer_id: 1,
                cashier: "bench".into(),
                lines: vec![payable_line.clone()],
                tenders: vec![Tender::new(TenderKind::Cash, m(2000))],
                change: m(904),
            },
            Event::PaymentTaken {
                receipt: "B02-004998".into(),
                number: -7,
                drawer_id: 2,
                cashier: "ann".into(),
                lines: vec![payable_line.clone(), fee_line.clone()],
                tenders: vec![card.clone(), check.clone()],
                change: m(0),
            },
            Event::PaymentVoided { receipt: "B02-1".into(), reason: "typo".into(), drawer_id: 1, lines: vec![], tenders: vec![], change: m(0) },
            Event::CheckReturned {
                receipt: "B02-2".into(),
                check_amount: m(1234),
                allocations: vec![Allocation { account: "1200".into(), payable: Some("U1".into()), amount: m(1234) }],
                fee_code: "NSF".into(),
                fee_amount: m(2500),
                fee_gl_account: "4300".into(),
                fee_charged_to: Some("U1".into()),
                fee_receivable_account: "1210".into(),
            },
            Event::CheckReturned {
                receipt: "B02-3".into(),
                check_amount: m(1),
                allocations: vec![Allocation { account: "1200".into(), payable: None, amount: m(1) }],
                fee_code: "NSF".into(),
                fee_amount: m(0),
                fee_gl_account: "4300".into(),
                fee_charged_to: None,
                fee_receivable_account: "1210".into(),
            },
            Event::DrawerClosed {
                drawer_id: 3,
                cashier: "bo".into(),
                cash_count: counts.clone(),
                counted: vec![ta(TenderKind::Cash, 11000)],
                expected: vec![ta(TenderKind::Cash, 11000), ta(TenderKind::MoneyOrder, 5)],
                over_short: vec![],
                float_kept: m(10000),
                reason: None,
            },
            Event::DrawerClosed {
                drawer_id: 3,
                cashier: "bo".into(),
                cash_count: vec![],
                counted: vec![],
                expected: vec![],
                over_short: vec![ta(TenderKind::Ach, -100)],
                float_kept: m(0),
                reason: Some("forced".into()),
            },
            Event::BatchItemAdded {
                batch: "M1".into(),
                item: BatchItem { item: 7, payable: "U9".into(), payable_kind: PayableKind::Utility, amount: m(4200), tender: check.clone(), stub: Some("stub".into()), entered_by: "lee".into() },
            },
            Event::BatchItemAdded {
                batch: "B2".into(),
                item: BatchItem { item: 8, payable: "T1".into(), payable_kind: PayableKind::Tax, amount: m(1), tender: Tender::new(TenderKind::MoneyOrder, m(1)), stub: None, entered_by: "lee".into() },
            },
            Event::BatchOpened { batch: "B2".into(), batch_kind: BatchKind::DropBox, preparer: "lee".into(), control_total: m(99), control_items: 2 },
            Event::BatchApproved { batch: "M1".into(), approver: "sue".into(), posted: vec![PostedItem { item: 1, line: fee_line }] },
            Event::DepositCreated {
                deposit: "D-1".into(),
                batches: vec!["D1".into(), "M1".into()],
                slip: DepositSlip {
                    business_date: "2024-05-01".into(),
                    cash: counts,
                    cash_uncounted: m(300),
                    checks: vec![DepositCheck { reference: "M1-0001".into(), number: "1001".into(), routing: "021000021".into(), account_last4: "6789".into(), amount: m(1234) }],
                    money_orders: vec![],
                    lines: vec![DepositLine { bank_account: "1010".into(), tender: TenderKind::Check, amount: m(1234) }],
                },
            },
            Event::TerminalInitialized { terminal: "B02".into(), training: true },
            Event::UserAdded { name: "ann".into(), role: crate::domain::ids::Role::Supervisor },
            Event::LoginFailed { name: "ann".into(), attempts: 3 },
            Event::FeesImported {
                source: "fees.csv".into(),
                rows: vec![crate::domain::payable::FeeRow { code: "COPY".into(), description: "Copy".into(), amount: None, gl_account: "4100".into() }],
            },
            Event::PaymentsExported { date: "2024-05-01".into(), references: vec!["B02-1".into()], total: m(1096) },
        ]
    }
}
