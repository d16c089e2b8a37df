//! One fixed column layout per class, derived from the vendored OCSF 1.3.0 class schema.
//!
//! Glue and Athena reject a column whose type changes between objects, so the columns never
//! depend on the events: every object of a class has every attribute the class schema defines,
//! most of them null. JSON Schema types map so:
//!
//! | OCSF (JSON Schema)                         | Parquet (Arrow)                       |
//! |--------------------------------------------|---------------------------------------|
//! | string (also enums and patterns)           | UTF8 string                           |
//! | integer (`integer_t`, `long_t`, times)     | INT64 (times stay epoch milliseconds) |
//! | number                                     | DOUBLE                                |
//! | boolean                                    | BOOLEAN                               |
//! | object with attributes                     | struct of its attributes              |
//! | array                                      | list of its item type                 |
//! | `json_t` (`unmapped`, `enrichments[].data`, any-typed attributes) | UTF8 JSON text |
//!
//! An object that contains itself (a `process`'s `parent_process`, a `user`'s `groups` that name
//! users) is expanded once; inside itself it is JSON text, so the layout is finite and the same
//! for every event.

use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::Arc;

/// The OCSF version Security Lake's custom sources take (its user guide: "Security Lake
/// supports OCSF version 1.3 and earlier").
pub const LAKE_OCSF_VERSION: &str = "1.3.0";

/// What a value must be to sit in a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A string: the values an enum allows, and the most characters it may have.
    Str {
        allowed: Option<Vec<String>>,
        max_chars: Option<usize>,
    },
    /// An integer; `Some` lists the ids an enum allows.
    Int(Option<Vec<i64>>),
    Float,
    Bool,
    /// Free-form: written as JSON text.
    Json,
    Object(Object),
    List(Box<Kind>),
}

/// An object's attributes, in schema order (sorted by name), with an index by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object {
    pub attrs: Vec<(String, Kind)>,
    /// By name: the position in `attrs` and whether the schema requires the attribute.
    index: HashMap<String, (usize, bool)>,
}

impl Object {
    fn new(attrs: Vec<(String, Kind)>, required: &[&str]) -> Object {
        let index = attrs
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.clone(), (i, required.contains(&n.as_str()))))
            .collect();
        Object { attrs, index }
    }

    /// The kind of attribute `name`, if the schema defines it.
    pub fn get(&self, name: &str) -> Option<&Kind> {
        self.index.get(name).map(|&(i, _)| &self.attrs[i].1)
    }

    /// Whether the schema requires attribute `name`.
    pub fn requires(&self, name: &str) -> bool {
        self.index.get(name).is_some_and(|&(_, r)| r)
    }
}

/// A class schema that cannot be turned into columns (the vendored files are checked by the
/// tests, so this means a corrupted build).
#[derive(Debug, thiserror::Error)]
#[error("OCSF class schema {class}: {reason}")]
pub struct SchemaError {
    pub class: String,
    pub reason: String,
}

/// The columns of one class: the attribute tree the projection follows and the Arrow schema
/// the Parquet writer uses.
#[derive(Debug, Clone)]
pub struct ClassColumns {
    pub root: Object,
    pub arrow: SchemaRef,
}

impl ClassColumns {
    /// From a JSON Schema (draft 2020-12, `$defs` and `$ref`, as `ocsf-json-schema` writes it).
    pub fn from_json_schema(class: &str, text: &str) -> Result<ClassColumns, SchemaError> {
        let err = |reason: String| SchemaError {
            class: class.to_owned(),
            reason,
        };
        let js: Json = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
        let empty = serde_json::Map::new();
        let defs = js.get("$defs").and_then(Json::as_object).unwrap_or(&empty);
        let props = js
            .get("properties")
            .and_then(Json::as_object)
            .ok_or_else(|| err("no properties".into()))?;
        let root = object_of(props, required_of(&js), defs, &mut Vec::new());
        let arrow = Arc::new(Schema::new(fields_of(&root)));
        Ok(ClassColumns { root, arrow })
    }

    /// One line per leaf column (`path: type`), for the committed layout files the tests
    /// compare: a change to the columns is a visible diff.
    #[cfg(test)]
    pub fn describe(&self) -> String {
        let mut out = String::new();
        describe_object(&self.root, "", &mut out);
        out
    }
}

fn required_of(def: &Json) -> Vec<&str> {
    def.get("required")
        .and_then(Json::as_array)
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default()
}

fn object_of<'a>(
    props: &'a serde_json::Map<String, Json>,
    required: Vec<&str>,
    defs: &'a serde_json::Map<String, Json>,
    ancestry: &mut Vec<&'a str>,
) -> Object {
    let mut attrs: Vec<(String, Kind)> = props
        .iter()
        .map(|(name, p)| (name.clone(), kind_of(p, defs, ancestry)))
        .collect();
    attrs.sort_by(|a, b| a.0.cmp(&b.0));
    Object::new(attrs, &required)
}

fn kind_of<'a>(p: &'a Json, defs: &'a serde_json::Map<String, Json>, ancestry: &mut Vec<&'a str>) -> Kind {
    if let Some(name) = p
        .get("$ref")
        .and_then(Json::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        let def = defs.get(name);
        let def_props = def
            .and_then(|d| d.get("properties"))
            .and_then(Json::as_object)
            .filter(|p| !p.is_empty());
        return match (def, def_props) {
            (Some(def), Some(props)) if !ancestry.contains(&name) => {
                ancestry.push(name);
                let o = object_of(props, required_of(def), defs, ancestry);
                ancestry.pop();
                Kind::Object(o)
            }
            _ => Kind::Json,
        };
    }
    let ints = || {
        p.get("enum")
            .and_then(Json::as_array)
            .map(|e| e.iter().filter_map(Json::as_i64).collect::<Vec<_>>())
            .or_else(|| p.get("const").and_then(Json::as_i64).map(|c| vec![c]))
    };
    match p.get("type").and_then(Json::as_str) {
        Some("string") => Kind::Str {
            allowed: p
                .get("enum")
                .and_then(Json::as_array)
                .map(|e| e.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()),
            max_chars: p
                .get("maxLength")
                .and_then(Json::as_u64)
                .and_then(|n| usize::try_from(n).ok()),
        },
        Some("integer") => Kind::Int(ints()),
        Some("number") => Kind::Float,
        Some("boolean") => Kind::Bool,
        Some("array") => Kind::List(Box::new(
            p.get("items")
                .map_or(Kind::Json, |items| kind_of(items, defs, ancestry)),
        )),
        // `object` without attributes, or any type: free-form.
        _ => Kind::Json,
    }
}

fn data_type(kind: &Kind) -> DataType {
    match kind {
        Kind::Str { .. } | Kind::Json => DataType::Utf8,
        Kind::Int(_) => DataType::Int64,
        Kind::Float => DataType::Float64,
        Kind::Bool => DataType::Boolean,
        Kind::Object(o) => DataType::Struct(fields_of(o)),
        Kind::List(item) => DataType::List(Arc::new(Field::new("element", data_type(item), true))),
    }
}

fn fields_of(o: &Object) -> Fields {
    o.attrs
        .iter()
        .map(|(name, kind)| Field::new(name, data_type(kind), true))
        .collect()
}

#[cfg(test)]
fn describe_object(o: &Object, prefix: &str, out: &mut String) {
    for (name, kind) in &o.attrs {
        describe_kind(kind, &format!("{prefix}{name}"), out);
    }
}

#[cfg(test)]
fn describe_kind(kind: &Kind, path: &str, out: &mut String) {
    let leaf = match kind {
        Kind::Object(o) => return describe_object(o, &format!("{path}."), out),
        Kind::List(item) => return describe_kind(item, &format!("{path}[]"), out),
        Kind::Str { .. } => "string",
        Kind::Json => "string (JSON)",
        Kind::Int(_) => "int64",
        Kind::Float => "double",
        Kind::Bool => "boolean",
    };
    out.push_str(path);
    out.push_str(": ");
    out.push_str(leaf);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = r##"{
      "$defs": {
        "object": {"type": "object", "properties": {}, "additionalProperties": true},
        "process": {"type": "object", "properties": {
            "name": {"type": "string"},
            "parent_process": {"$ref": "#/$defs/process"},
            "pid": {"type": "integer"}}},
        "user": {"type": "object", "properties": {"uid": {"type": "string"}}}
      },
      "properties": {
        "unmapped": {"$ref": "#/$defs/object"},
        "class_uid": {"type": "integer", "const": 6003},
        "activity_id": {"type": "integer", "enum": [0, 1, 99]},
        "time": {"type": "integer"},
        "process": {"$ref": "#/$defs/process"},
        "users": {"type": "array", "items": {"$ref": "#/$defs/user"}},
        "any": {"type": ["object", "string"]},
        "ok": {"type": "boolean"},
        "score": {"type": "number"}
      }
    }"##;

    #[test]
    fn types_map_and_a_recursive_object_is_expanded_once() {
        let c = ClassColumns::from_json_schema("t", SCHEMA).unwrap();
        assert_eq!(
            c.describe(),
            "activity_id: int64\nany: string (JSON)\nclass_uid: int64\nok: boolean\n\
             process.name: string\nprocess.parent_process: string (JSON)\nprocess.pid: int64\n\
             score: double\ntime: int64\nunmapped: string (JSON)\nusers[].uid: string\n"
        );
        assert_eq!(c.root.get("class_uid"), Some(&Kind::Int(Some(vec![6003]))));
        assert_eq!(c.root.get("activity_id"), Some(&Kind::Int(Some(vec![0, 1, 99]))));
        assert_eq!(c.arrow.fields().len(), 9);
        assert!(matches!(
            c.arrow.field_with_name("users").unwrap().data_type(),
            DataType::List(f) if matches!(f.data_type(), DataType::Struct(_))
        ));
    }

    /// The columns of every class, committed in testdata/lake/columns/ (`MWSIEM_BLESS=1` writes
    /// them): a change to the layout Glue and Athena see is a reviewed diff, never a surprise.
    #[test]
    fn the_columns_of_every_class_are_the_committed_ones() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/lake/columns");
        for class in &crate::lake::config::LAKE_CLASSES {
            let got = class.columns().unwrap().describe();
            let path = dir.join(format!("{}.txt", class.key));
            if std::env::var_os("MWSIEM_BLESS").is_some() {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &got).unwrap();
            }
            let want = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                got == want,
                "{}: columns differ from {} (MWSIEM_BLESS=1 to accept)",
                class.key,
                path.display()
            );
        }
    }

    #[test]
    fn a_broken_schema_is_an_error() {
        assert!(ClassColumns::from_json_schema("t", "{").is_err());
        assert!(ClassColumns::from_json_schema("t", "{}").is_err());
    }
}
