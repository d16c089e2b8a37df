//! Reading a finished event by attribute path, for what is derived from it after redaction
//! (`message`, `observables`).

use crate::json::{Map, Value};
use std::borrow::Cow;

/// The value at `path`; an array on the way is entered at its first element (`resources.uid`).
pub(crate) fn value_at<'e, 'a>(ev: &'e Map<'a>, path: &[&str]) -> Option<&'e Value<'a>> {
    let (first, rest) = path.split_first()?;
    let mut v = ev.get(first)?;
    for key in rest {
        if let Value::Array(items) = v {
            v = items.first()?;
        }
        v = v.as_object()?.get(key)?;
    }
    Some(v)
}

/// A string, number or computed integer as text; anything else (objects, empty strings) is none.
pub(crate) fn text<'e>(v: &'e Value<'_>) -> Option<Cow<'e, str>> {
    match v {
        Value::String(s) | Value::Number(s) if !s.is_empty() => Some(Cow::Borrowed(s)),
        Value::Int(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// [`text`] of the value at `path`.
pub(crate) fn text_at<'e>(ev: &'e Map<'_>, path: &[&str]) -> Option<Cow<'e, str>> {
    value_at(ev, path).and_then(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    #[test]
    fn paths_through_objects_and_arrays() {
        let v = parse(br#"{"a":{"b":"x"},"r":[{"uid":"i1"},{"uid":"i2"}],"n":7,"e":""}"#, 8).unwrap();
        let m = v.as_object().unwrap();
        assert_eq!(text_at(m, &["a", "b"]).as_deref(), Some("x"));
        assert_eq!(text_at(m, &["r", "uid"]).as_deref(), Some("i1"));
        assert_eq!(text_at(m, &["n"]).as_deref(), Some("7"));
        assert_eq!(text_at(m, &["e"]), None);
        assert_eq!(text_at(m, &["a"]), None);
        assert_eq!(text_at(m, &["a", "b", "c"]), None);
    }
}
