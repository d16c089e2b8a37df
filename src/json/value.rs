//! The JSON tree the core works on: borrowed from the input where it can be, ordered, and exact.
//!
//! `serde_json::Value` would do for most JSON, but not for audit logs: it rounds integers beyond
//! `u64` through `f64`, rewrites `1.50` as `1.5`, drops duplicate keys and sorts or hashes objects.
//! Here a number is the text it was written as, an object keeps every pair in input order, and
//! strings without escapes point into the input.

use std::borrow::Cow;

/// One JSON value. Numbers are kept as their source text (validated JSON number syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Number(Cow<'a, str>),
    /// An integer the core computed (ids, times, codes): written in decimal, no allocation.
    Int(i64),
    String(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    Object(Map<'a>),
}

/// An object: pairs in the order they came, duplicates included (lossless by construction).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Map<'a> {
    entries: Vec<(Cow<'a, str>, Value<'a>)>,
}

impl<'a> Value<'a> {
    /// A string value from anything string-like.
    pub fn str(s: impl Into<Cow<'a, str>>) -> Self {
        Value::String(s.into())
    }

    /// An integer value, written in decimal.
    pub fn int(n: i64) -> Self {
        Value::Int(n)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map<'a>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Map<'a>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The JSON type name, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) | Value::Int(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// The text of a string, or of a number: for fields that exports write either way
    /// (`"response_status_code": "200"` or `200`, ids as strings or bare integers).
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::String(s) | Value::Number(s) => Some(s),
            _ => None,
        }
    }

    /// An integer written as a JSON number or a decimal string, if it fits `i64`.
    /// Fractions, exponents and out-of-range values give `None`: callers keep the original.
    pub fn as_i64(&self) -> Option<i64> {
        if let Value::Int(n) = self {
            return Some(*n);
        }
        let t = self.as_text()?.trim();
        let digits = t.strip_prefix('-').unwrap_or(t);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    }

    /// Detach from the input buffer (used where a value must outlive the record).
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Number(n) => Value::Number(Cow::Owned(n.into_owned())),
            Value::Int(n) => Value::Int(n),
            Value::String(s) => Value::String(Cow::Owned(s.into_owned())),
            Value::Array(a) => Value::Array(a.into_iter().map(Value::into_owned).collect()),
            Value::Object(m) => Value::Object(m.into_owned()),
        }
    }
}

impl<'a> Map<'a> {
    pub fn new() -> Self {
        Map { entries: Vec::new() }
    }

    pub fn with_capacity(n: usize) -> Self {
        Map {
            entries: Vec::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends a pair; keys are not deduplicated (mappers insert each key once).
    pub fn insert(&mut self, key: impl Into<Cow<'a, str>>, value: Value<'a>) {
        self.entries.push((key.into(), value));
    }

    /// Appends a pair only when there is a value.
    pub fn insert_opt(&mut self, key: impl Into<Cow<'a, str>>, value: Option<Value<'a>>) {
        if let Some(v) = value {
            self.insert(key, v);
        }
    }

    /// Appends an object only when it has members, so optional OCSF objects never appear empty.
    pub fn insert_nonempty(&mut self, key: impl Into<Cow<'a, str>>, value: Map<'a>) {
        if !value.is_empty() {
            self.insert(key, Value::Object(value));
        }
    }

    /// The first value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value<'a>> {
        self.entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Removes and returns the first value under `key`: the "consume" of consume-and-leave-over.
    /// A duplicate key stays behind and so ends up under `unmapped`, never lost.
    pub fn take(&mut self, key: &str) -> Option<Value<'a>> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(i).1)
    }

    /// Takes `key` only if `accept` likes its value; otherwise leaves it for `unmapped`.
    pub fn take_if<T>(&mut self, key: &str, accept: impl FnOnce(&Value<'a>) -> Option<T>) -> Option<T> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        let out = accept(&self.entries[i].1)?;
        self.entries.remove(i);
        Some(out)
    }

    /// Takes a string-or-number field as text (ids, status codes); anything else stays.
    pub fn take_text(&mut self, key: &str) -> Option<Cow<'a, str>> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        match &self.entries[i].1 {
            Value::String(_) | Value::Number(_) => match self.entries.remove(i).1 {
                Value::String(s) | Value::Number(s) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }

    /// Takes a string field; any other type stays for `unmapped`.
    pub fn take_str(&mut self, key: &str) -> Option<Cow<'a, str>> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        match self.entries[i].1 {
            Value::String(_) => match self.entries.remove(i).1 {
                Value::String(s) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value<'a>)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut Value<'a>)> {
        self.entries.iter_mut().map(|(k, v)| (&**k, v))
    }

    /// Keeps only the pairs `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &mut Value<'a>) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    pub fn into_owned(self) -> Map<'static> {
        Map {
            entries: self
                .entries
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                .collect(),
        }
    }
}

impl<'a> IntoIterator for Map<'a> {
    type Item = (Cow<'a, str>, Value<'a>);
    type IntoIter = std::vec::IntoIter<(Cow<'a, str>, Value<'a>)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> FromIterator<(Cow<'a, str>, Value<'a>)> for Map<'a> {
    fn from_iter<I: IntoIterator<Item = (Cow<'a, str>, Value<'a>)>>(iter: I) -> Self {
        Map {
            entries: iter.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_consumes_first_duplicate_and_leaves_the_rest() {
        let mut m = Map::new();
        m.insert("a", Value::str("1"));
        m.insert("a", Value::str("2"));
        assert_eq!(m.take("a"), Some(Value::str("1")));
        assert_eq!(m.get("a"), Some(&Value::str("2")));
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn take_text_leaves_wrong_types_in_place() {
        let mut m = Map::new();
        m.insert("code", Value::Bool(true));
        assert_eq!(m.take_text("code"), None);
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn as_i64_accepts_strings_and_numbers_but_not_fractions() {
        assert_eq!(Value::str("200").as_i64(), Some(200));
        assert_eq!(Value::Number("-7".into()).as_i64(), Some(-7));
        assert_eq!(Value::Number("1.5".into()).as_i64(), None);
        assert_eq!(Value::Number("1e3".into()).as_i64(), None);
        assert_eq!(Value::str("99999999999999999999").as_i64(), None);
        assert_eq!(Value::str("").as_i64(), None);
    }
}
