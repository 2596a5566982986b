//! Reading the `null`s of Go's encoding without touching user data.
//!
//! The server (and the official CLI, for the workflow text of crons and generators) writes a nil
//! slice or map as `null`. [`Lenient`] reads a JSON value into a model type so that:
//!
//! - a `null` member of a struct is read as absent: the field takes its default (`#[serde(default)]`
//!   on every model type, so `maxexectime` stays −1);
//! - a `null` where a list, a map or a string is expected is read as empty;
//! - free-form JSON (a [`Value`] field: `args`, `kwargs`, `out`, ...) is handed over exactly as
//!   it came, its `null`s included, because a `Value` asks for "any" and gets the raw value.
//!
//! Everything else (numbers, booleans, enums) is read as serde_json reads it.

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{DeserializeOwned, IntoDeserializer, Visitor};
use serde::Deserializer;
use serde_json::{Map, Value};

/// Reads `value` as `T`, with the rules of the module.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value) -> serde_json::Result<T> {
    T::deserialize(Lenient(value))
}

/// A JSON value read with Go's `null`s taken as "absent" or "empty".
pub(crate) struct Lenient(pub(crate) Value);

impl<'de> IntoDeserializer<'de, serde_json::Error> for Lenient {
    type Deserializer = Lenient;

    fn into_deserializer(self) -> Lenient {
        self
    }
}

fn members(object: Map<String, Value>, skip_null: bool) -> impl Iterator<Item = (String, Lenient)> {
    object
        .into_iter()
        .filter(move |(_, value)| !(skip_null && value.is_null()))
        .map(|(key, value)| (key, Lenient(value)))
}

fn visit_members<'de, V: Visitor<'de>>(
    object: Map<String, Value>,
    skip_null: bool,
    visitor: V,
) -> serde_json::Result<V::Value> {
    let mut access = MapDeserializer::new(members(object, skip_null));
    let value = visitor.visit_map(&mut access)?;
    access.end()?;
    Ok(value)
}

fn visit_items<'de, V: Visitor<'de>>(
    items: Vec<Value>,
    visitor: V,
) -> serde_json::Result<V::Value> {
    let mut access = SeqDeserializer::new(items.into_iter().map(Lenient));
    let value = visitor.visit_seq(&mut access)?;
    access.end()?;
    Ok(value)
}

impl<'de> Deserializer<'de> for Lenient {
    type Error = serde_json::Error;

    /// "Any value" is what free-form JSON asks for: the raw value, nulls and all.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> serde_json::Result<V::Value> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> serde_json::Result<V::Value> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Lenient(other)),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> serde_json::Result<V::Value> {
        match self.0 {
            Value::Null => visit_items(Vec::new(), visitor),
            Value::Array(items) => visit_items(items, visitor),
            other => other.deserialize_seq(visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> serde_json::Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> serde_json::Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> serde_json::Result<V::Value> {
        match self.0 {
            Value::Null => visit_members(Map::new(), false, visitor),
            Value::Object(object) => visit_members(object, false, visitor),
            other => other.deserialize_map(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> serde_json::Result<V::Value> {
        match self.0 {
            Value::Null => visit_members(Map::new(), true, visitor),
            Value::Object(object) => visit_members(object, true, visitor),
            other => other.deserialize_struct(name, fields, visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> serde_json::Result<V::Value> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> serde_json::Result<V::Value> {
        match self.0 {
            Value::Null => visitor.visit_string(String::new()),
            other => other.deserialize_string(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> serde_json::Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> serde_json::Result<V::Value> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct identifier ignored_any
    }
}

/// A value of one of the server's own structs that colonykit keeps as JSON (an executor's
/// `capabilities` and `allocations`, a spec's `fs`, a condition's `gpu`): Go writes their nil
/// lists and maps as `null` and their unset state as a zero value. Reads `null` members as
/// absent, and a value that holds nothing but zeros as `null` (unset).
pub(crate) mod server_struct {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        let mut value = Value::deserialize(deserializer)?;
        drop_null_members(&mut value);
        Ok(if is_zero(&value) { Value::Null } else { value })
    }

    fn drop_null_members(value: &mut Value) {
        match value {
            Value::Object(members) => {
                members.retain(|_, member| !member.is_null());
                members.values_mut().for_each(drop_null_members);
            }
            Value::Array(items) => items.iter_mut().for_each(drop_null_members),
            _ => {}
        }
    }

    /// Go's zero value: null, "", 0, false, or an object of zeros. (An empty list is a value.)
    fn is_zero(value: &Value) -> bool {
        match value {
            Value::Null => true,
            Value::Bool(b) => !b,
            Value::Number(n) => n.as_f64() == Some(0.0),
            Value::String(s) => s.is_empty(),
            Value::Array(_) => false,
            Value::Object(members) => members.values().all(is_zero),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::HashMap;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(default)]
    struct Item {
        name: String,
        list: Vec<String>,
        env: HashMap<String, String>,
        limit: i64,
        data: Value,
        values: Vec<Value>,
        nested: Option<Box<Item>>,
    }

    impl Default for Item {
        fn default() -> Self {
            Item {
                name: String::new(),
                list: Vec::new(),
                env: HashMap::new(),
                limit: -1,
                data: Value::Null,
                values: Vec::new(),
                nested: None,
            }
        }
    }

    #[test]
    fn struct_nulls_take_defaults_and_free_form_nulls_stay() {
        let item: Item = from_value(serde_json::json!({
            "name": null, "list": null, "env": null, "limit": null,
            "data": {"a": null, "b": [null, {"c": null}]},
            "values": [null, {"x": null}],
            "nested": {"name": "n", "list": [null], "data": null}
        }))
        .unwrap();
        assert_eq!(item.name, "");
        assert!(item.list.is_empty() && item.env.is_empty());
        assert_eq!(item.limit, -1);
        assert_eq!(
            item.data,
            serde_json::json!({"a": null, "b": [null, {"c": null}]})
        );
        assert_eq!(
            item.values,
            vec![Value::Null, serde_json::json!({"x": null})]
        );
        let nested = item.nested.unwrap();
        assert_eq!(nested.list, vec![String::new()]);
        assert_eq!(nested.data, Value::Null);
    }

    #[test]
    fn wrong_types_are_still_errors() {
        assert!(from_value::<Item>(serde_json::json!({"limit": "x"})).is_err());
        assert!(from_value::<Item>(serde_json::json!({"list": {}})).is_err());
        assert!(from_value::<Item>(serde_json::json!([1])).is_err());
    }

    #[derive(Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "server_struct::deserialize", default)]
        caps: Value,
    }

    #[test]
    fn server_structs_read_zero_as_unset() {
        let read = |json: Value| from_value::<Holder>(json).unwrap().caps;
        assert_eq!(
            read(serde_json::json!({"caps": {"hardware": null, "software": null}})),
            Value::Null
        );
        assert_eq!(
            read(serde_json::json!({"caps": {"name": "", "count": 0}})),
            Value::Null
        );
        assert_eq!(
            read(
                serde_json::json!({"caps": {"hardware": [{"model": "m", "network": null}], "software": null}})
            ),
            serde_json::json!({"hardware": [{"model": "m"}]})
        );
        assert_eq!(
            read(serde_json::json!({"caps": {"software": []}})),
            serde_json::json!({"software": []})
        );
    }
}
