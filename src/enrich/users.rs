//! The user directory: who is behind a Moveworks `user_id`.
//!
//! The core never reads files: the host supplies a [`UserDirectory`]. The CLI and the Fluent Bit
//! filter load a [`StaticDirectory`] from CSV or JSON text; the component asks its host through
//! the WIT `directory` import.

use crate::json::{self, Map, Value};
use std::collections::HashMap;

/// One user's directory entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserInfo {
    pub email: Option<String>,
    pub name: Option<String>,
    pub department: Option<String>,
}

/// Looks users up by `user_id` (decimal text).
pub trait UserDirectory: Send + Sync {
    fn lookup(&self, user_id: &str) -> Option<UserInfo>;

    /// False when `lookup` can only say `None` (lets hosts skip the calls).
    fn has_users(&self) -> bool {
        true
    }
}

/// No directory: nothing is added.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoDirectory;

impl UserDirectory for NoDirectory {
    fn lookup(&self, _: &str) -> Option<UserInfo> {
        None
    }

    fn has_users(&self) -> bool {
        false
    }
}

/// A directory held in memory, loaded from a users file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StaticDirectory {
    users: HashMap<String, UserInfo>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DirectoryError {
    #[error("users file line {line}: {reason}")]
    Csv { line: usize, reason: String },
    #[error("users file: {0}")]
    Json(String),
}

impl UserDirectory for StaticDirectory {
    fn lookup(&self, user_id: &str) -> Option<UserInfo> {
        self.users.get(user_id).cloned()
    }

    fn has_users(&self) -> bool {
        !self.users.is_empty()
    }
}

impl StaticDirectory {
    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    pub fn insert(&mut self, user_id: impl Into<String>, info: UserInfo) {
        self.users.insert(user_id.into(), info);
    }

    /// Parses a users file: JSON when it starts with `{` or `[`, CSV otherwise.
    pub fn parse(text: &str) -> Result<Self, DirectoryError> {
        match text.trim_start().as_bytes().first() {
            Some(b'{' | b'[') => Self::from_json(text),
            _ => Self::from_csv(text),
        }
    }

    /// CSV (RFC 4180 quoting) with a header naming `user_id` and any of `email`, `name`,
    /// `department`; other columns are ignored.
    pub fn from_csv(text: &str) -> Result<Self, DirectoryError> {
        let mut rows = csv_rows(text)?.into_iter();
        let Some((_, header)) = rows.next() else {
            return Ok(Self::default());
        };
        let col = |name: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
        let Some(id_col) = col("user_id") else {
            return Err(DirectoryError::Csv {
                line: 1,
                reason: "the header has no `user_id` column".into(),
            });
        };
        let (email, name, dept) = (col("email"), col("name"), col("department"));
        let mut dir = Self::default();
        for (line, row) in rows {
            if row.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let get = |i: Option<usize>| i.and_then(|i| row.get(i)).map(|s| s.trim()).filter(|s| !s.is_empty());
            let Some(id) = get(Some(id_col)) else {
                return Err(DirectoryError::Csv {
                    line,
                    reason: "empty user_id".into(),
                });
            };
            let info = UserInfo {
                email: get(email).map(str::to_owned),
                name: get(name).map(str::to_owned),
                department: get(dept).map(str::to_owned),
            };
            dir.insert(id, info);
        }
        Ok(dir)
    }

    /// JSON: `{"<user_id>": {"email", "name", "department"}, ...}` or
    /// `[{"user_id", "email", "name", "department"}, ...]`.
    pub fn from_json(text: &str) -> Result<Self, DirectoryError> {
        let v = json::parse(text.as_bytes(), 8)
            .map_err(|e| DirectoryError::Json(crate::RecordError::from(e).to_string()))?;
        let mut dir = Self::default();
        let info = |m: &Map<'_>| UserInfo {
            email: m.get("email").and_then(Value::as_str).map(str::to_owned),
            name: m.get("name").and_then(Value::as_str).map(str::to_owned),
            department: m.get("department").and_then(Value::as_str).map(str::to_owned),
        };
        match &v {
            Value::Object(m) => {
                for (id, entry) in m.iter() {
                    let entry = entry
                        .as_object()
                        .ok_or_else(|| DirectoryError::Json(format!("user {id}: not an object")))?;
                    dir.insert(id, info(entry));
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let entry = item
                        .as_object()
                        .ok_or_else(|| DirectoryError::Json(format!("entry {i}: not an object")))?;
                    let id = entry
                        .get("user_id")
                        .and_then(Value::as_text)
                        .ok_or_else(|| DirectoryError::Json(format!("entry {i}: no user_id")))?;
                    dir.insert(id, info(entry));
                }
            }
            _ => return Err(DirectoryError::Json("expected an object or an array".into())),
        }
        Ok(dir)
    }
}

/// Splits CSV text into rows of fields, each row with its 1-based starting line.
fn csv_rows(text: &str) -> Result<Vec<(usize, Vec<String>)>, DirectoryError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let (mut line, mut row_line) = (1, 1);
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push((row_line, std::mem::take(&mut row)));
                line += 1;
                row_line = line;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(DirectoryError::Csv {
            line: row_line,
            reason: "unterminated quoted field".into(),
        });
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push((row_line, row));
    }
    Ok(rows)
}

/// Adds directory facts to every OCSF `user` with a `uid` (`actor.user`, `user`). Facts the
/// event already has are left alone.
pub fn enrich_users(event: &mut Map<'_>, dir: &dyn UserDirectory) {
    if let Some(Value::Object(actor)) = event.get_mut("actor")
        && let Some(Value::Object(user)) = actor.get_mut("user")
    {
        add_user_facts(user, dir);
    }
    if let Some(Value::Object(user)) = event.get_mut("user") {
        add_user_facts(user, dir);
    }
}

fn add_user_facts(user: &mut Map<'_>, dir: &dyn UserDirectory) {
    let Some(info) = user.get("uid").and_then(Value::as_str).and_then(|uid| dir.lookup(uid)) else {
        return;
    };
    if let (Some(email), None) = (info.email, user.get("email_addr")) {
        user.insert("email_addr", Value::str(email));
    }
    if let (Some(name), None) = (info.name, user.get("full_name")) {
        user.insert("full_name", Value::str(name));
    }
    // OCSF's `org` needs the organization's own name, which a directory row does not give;
    // `ldap_person.department` is the attribute made for it.
    if let (Some(dept), None) = (info.department, user.get("ldap_person")) {
        let mut person = Map::with_capacity(1);
        person.insert("department", Value::str(dept));
        user.insert("ldap_person", Value::Object(person));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_quotes_crlf_and_extra_columns() {
        let dir = StaticDirectory::from_csv(
            "\u{feff}user_id,name,email,department,title\r\n9422067216216842966,\"Doe, Jane\",jane@acme.com,IT,x\r\n\n42,\"Say \"\"hi\"\"\",,\"Multi\nline\",\n",
        )
        .unwrap();
        assert_eq!(dir.len(), 2);
        let jane = dir.lookup("9422067216216842966").unwrap();
        assert_eq!(jane.name.as_deref(), Some("Doe, Jane"));
        assert_eq!(jane.email.as_deref(), Some("jane@acme.com"));
        let other = dir.lookup("42").unwrap();
        assert_eq!(other.name.as_deref(), Some("Say \"hi\""));
        assert_eq!(other.email, None);
        assert_eq!(other.department.as_deref(), Some("Multi\nline"));
    }

    #[test]
    fn csv_errors_say_where() {
        assert!(matches!(
            StaticDirectory::from_csv("email\nx@y\n"),
            Err(DirectoryError::Csv { line: 1, .. })
        ));
        assert_eq!(
            StaticDirectory::from_csv("user_id,email\n1,a\n,b\n").unwrap_err(),
            DirectoryError::Csv {
                line: 3,
                reason: "empty user_id".into()
            }
        );
        assert!(StaticDirectory::from_csv("user_id\n\"1\n").is_err());
    }

    #[test]
    fn json_object_or_array() {
        let a = StaticDirectory::parse(r#"{"1": {"email": "a@x", "name": "A", "department": "IT"}}"#).unwrap();
        let b = StaticDirectory::parse(r#"[{"user_id": 1, "email": "a@x", "name": "A", "department": "IT"}]"#).unwrap();
        assert_eq!(a, b);
        assert!(StaticDirectory::parse("[1]").is_err());
        assert!(StaticDirectory::parse("{").is_err());
    }

    #[test]
    fn enrichment_fills_known_users_only() {
        let mut dir = StaticDirectory::default();
        dir.insert(
            "7",
            UserInfo {
                email: Some("a@x".into()),
                name: None,
                department: Some("IT".into()),
            },
        );
        let mut ev = match json::parse(br#"{"actor":{"user":{"uid":"7"}},"user":{"uid":"8"}}"#, 8).unwrap() {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        enrich_users(&mut ev, &dir);
        assert_eq!(
            json::to_string(&Value::Object(ev)),
            r#"{"actor":{"user":{"uid":"7","email_addr":"a@x","ldap_person":{"department":"IT"}}},"user":{"uid":"8"}}"#
        );
    }
}
