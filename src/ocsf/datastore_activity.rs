//! Datastore Activity (6005): EXTERNAL_LDAP_API operations against the customer's directory.
//!
//! The request is a Python-literal dict keyed by the LDAP operation
//! (`{'search_request': {'base_dn': ..., 'scope': 2, 'filter': ...}}`): the operation picks the
//! activity, `base_dn` names the `database`, the filter is `query_info.query_string`, and the
//! request's other members (scope, attributes, ...) go to `query_info.data`. A request that does
//! not parse keeps its text under `unmapped` and the event is flagged, never rejected.

use super::table::{DATASTORE_ACTIVITY, STATUS_UNKNOWN};
use super::{ClassEvent, moveworks_actor, moveworks_endpoint};
use crate::decode::ExternalLdapApiEvent;
use crate::json::{Map, Value};
use crate::parse::pylit::parse_python_literal;
use std::borrow::Cow;

/// `metadata.labels` entry of an event whose LDAP request could not be parsed.
pub const LABEL_LDAP_REQUEST_UNPARSED: &str = "mwsiem:ldap_request_unparsed";

/// Datastore Activity's activity for an LDAP operation (RFC 4511 names, snake_cased).
fn activity_of_operation(op: &str) -> u8 {
    match op {
        "search_request" => 4,
        "bind_request" => 3,
        "compare_request" => 1,
        "modify_request" | "modify_dn_request" => 2,
        "add_request" => 6,
        "delete_request" | "del_request" => 7,
        _ => 99,
    }
}

/// OCSF `database` for the directory: named by the base DN when the request has one. Datastore
/// Activity needs a database (or bucket, or table), so there is always one.
fn directory(base_dn: Option<Cow<'_, str>>) -> Value<'_> {
    let mut db = Map::with_capacity(3);
    db.insert("name", base_dn.map_or(Value::str(super::LDAP_DIRECTORY), Value::String));
    db.insert("type_id", Value::int(99));
    db.insert("type", Value::str("LDAP Directory"));
    Value::Object(db)
}

/// What every LDAP event has, its request parsed or not: Moveworks acting for the user, and the
/// directory, which is a (hierarchical) database.
fn directory_fields<'a>(c: &mut ClassEvent<'a>, user_id: Option<Cow<'a, str>>, base_dn: Option<Cow<'a, str>>) {
    c.fields.insert("actor", moveworks_actor(user_id));
    c.fields.insert("src_endpoint", moveworks_endpoint());
    c.fields.insert("type_id", Value::int(1));
    c.fields.insert("type", Value::str("Database"));
    c.fields.insert("database", directory(base_dn));
}

pub(super) fn external_ldap_api(e: ExternalLdapApiEvent<'_>) -> ClassEvent<'_> {
    let mut leftover = e.extra;
    // The request is parsed from an owned copy so the event does not borrow a temporary.
    let parsed = parse_python_literal(&e.request).map(Value::into_owned);
    let operation = match parsed {
        Some(Value::Object(m)) if m.len() == 1 => m.into_iter().next(),
        _ => None,
    };
    let Some((op, Value::Object(mut args))) = operation else {
        let mut c = ClassEvent::new(&DATASTORE_ACTIVITY, 99, STATUS_UNKNOWN);
        c.activity_other = Some(Cow::Borrowed("LDAP request"));
        directory_fields(&mut c, e.user_id, None);
        leftover.insert("request", Value::String(e.request));
        c.leftover = leftover;
        c.labels.push(LABEL_LDAP_REQUEST_UNPARSED);
        return c;
    };

    let activity = activity_of_operation(&op);
    let mut c = ClassEvent::new(&DATASTORE_ACTIVITY, activity, STATUS_UNKNOWN);
    if activity == 99 {
        c.activity_other = Some(op.clone());
    }
    let base_dn = args.take_text("base_dn").or_else(|| args.take_text("dn"));
    directory_fields(&mut c, e.user_id, base_dn);
    let filter = args.take_str("filter");
    let mut query = Map::with_capacity(3);
    query.insert("name", Value::String(op));
    query.insert_opt("query_string", filter.map(Value::String));
    if !args.is_empty() {
        query.insert("data", Value::Object(args));
    }
    if query.get("query_string").is_some() {
        c.fields.insert("query_info", Value::Object(query));
    } else if let Some(Value::Object(data)) = query.take("data") {
        // No filter (bind, add, ...): OCSF's query_info needs one, so the arguments stay unmapped.
        leftover.insert("request", Value::Object(data));
    }
    c.leftover = leftover;
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_to_activities() {
        assert_eq!(activity_of_operation("search_request"), 4);
        assert_eq!(activity_of_operation("bind_request"), 3);
        assert_eq!(activity_of_operation("frobnicate"), 99);
    }
}
