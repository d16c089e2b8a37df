//! EXTERNAL_LDAP_API operations against the customer's directory: Datastore Activity (6005),
//! but for binds, which are Authentication (3002).
//!
//! The request is a Python-literal dict keyed by the LDAP operation
//! (`{'search_request': {'base_dn': ..., 'scope': 2, 'filter': ...}}`): the operation picks the
//! activity, `base_dn` (or the entry's `dn`) names the `database`, the filter is
//! `query_info.query_string` with the record's event id as `query_info.uid` (OCSF needs a uid or
//! name there, and the event id identifies this query's execution). The request's other arguments (scope, attributes, ...) stay under
//! `unmapped.event_data.request`: `query_info.data` is the data a query returned, and
//! `query_info.name` the name of a saved query, neither of which a request has.
//!
//! A bind (`bind_request`) is an authentication to the directory, not a database operation: an
//! Authentication Logon over LDAP (`auth_protocol_id` 12) whose `user` is the identity that binds,
//! named by its DN (RFC 4511 calls the bind's DN its `name`). The export records no outcome.
//!
//! A request that does not parse keeps its text under `unmapped` and the event is flagged, never
//! rejected.

use super::table::{AUTHENTICATION, DATASTORE_ACTIVITY, STATUS_UNKNOWN};
use super::{ClassEvent, moveworks_actor, moveworks_endpoint, unknown_user};
use crate::decode::ExternalLdapApiEvent;
use crate::json::{Map, Value};
use crate::parse::pylit::parse_python_literal;
use std::borrow::Cow;

/// `metadata.labels` entry of an event whose LDAP request could not be parsed.
pub const LABEL_LDAP_REQUEST_UNPARSED: &str = "mwsiem:ldap_request_unparsed";

/// Authentication's `auth_protocol_id` for LDAP, and its caption.
const AUTH_PROTOCOL_LDAP: i64 = 12;
pub(crate) const AUTH_PROTOCOL_LDAP_NAME: &str = "LDAP";

/// Datastore Activity's activity for an LDAP operation (RFC 4511 names, snake_cased).
fn activity_of_operation(op: &str) -> u8 {
    match op {
        "search_request" => 4,
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

pub(super) fn external_ldap_api<'a>(e: ExternalLdapApiEvent<'a>, event_id: Option<&Cow<'a, str>>) -> ClassEvent<'a> {
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

    if op == "bind_request" {
        return bind(e.user_id, args, leftover);
    }
    let activity = activity_of_operation(&op);
    let mut c = ClassEvent::new(&DATASTORE_ACTIVITY, activity, STATUS_UNKNOWN);
    if activity == 99 {
        c.activity_other = Some(op.clone());
    }
    let base_dn = args.take_text("base_dn").or_else(|| args.take_text("dn"));
    directory_fields(&mut c, e.user_id, base_dn);
    // OCSF's query_info needs a `uid` or `name` beside the query: the record's event id is the
    // unique identifier of this query's execution (as a database's query id is); without one
    // the filter stays with the request's other arguments.
    if let Some(uid) = event_id.filter(|id| !id.is_empty())
        && let Some(filter) = args.take_str("filter")
    {
        let mut query = Map::with_capacity(2);
        query.insert("uid", Value::String(uid.clone()));
        query.insert("query_string", Value::String(filter));
        c.fields.insert("query_info", Value::Object(query));
    }
    if !args.is_empty() {
        leftover.insert("request", Value::Object(args));
    }
    c.leftover = leftover;
    c
}

/// An LDAP bind: Moveworks authenticating to the directory as the bind DN.
fn bind<'a>(user_id: Option<Cow<'a, str>>, mut args: Map<'a>, mut leftover: Map<'a>) -> ClassEvent<'a> {
    let mut c = ClassEvent::new(&AUTHENTICATION, 1, STATUS_UNKNOWN);
    c.fields.insert("actor", moveworks_actor(user_id));
    c.fields.insert("src_endpoint", moveworks_endpoint());
    // An empty DN (an anonymous bind) names no one, and stays where it was.
    let non_empty = |v: &Value<'a>| match v {
        Value::String(s) | Value::Number(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    let dn = args
        .take_if("dn", non_empty)
        .or_else(|| args.take_if("name", non_empty));
    c.fields.insert(
        "user",
        match dn {
            Some(dn) => {
                let mut user = Map::with_capacity(1);
                user.insert("name", Value::String(dn));
                Value::Object(user)
            }
            // An anonymous bind names no one.
            None => unknown_user(),
        },
    );
    // Authentication needs a service or dst_endpoint: the customer's directory, which the
    // export does not name (the same placeholder as a search's unnamed database).
    let mut service = Map::with_capacity(1);
    service.insert("name", Value::str(super::LDAP_DIRECTORY));
    c.fields.insert("service", Value::Object(service));
    c.fields.insert("auth_protocol_id", Value::int(AUTH_PROTOCOL_LDAP));
    c.caption("auth_protocol", AUTH_PROTOCOL_LDAP_NAME);
    // The credentials (`password`, `authentication`) stay here, redacted under every profile.
    if !args.is_empty() {
        leftover.insert("request", Value::Object(args));
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
        assert_eq!(activity_of_operation("frobnicate"), 99);
    }
}
