//! API Activity (6003): EXTERNAL_API calls, USER_TOKEN_LOG token use, and every event type or
//! schema version this build does not know.
//!
//! `api.operation` names the endpoint's operation, as CloudTrail's `eventName` or GitHub's
//! `action` do, never the HTTP method (which is `http_request.http_method`): the URL path for a
//! REST-like API, the method name for an RPC-style one (Slack's Web API `/api/chat.postMessage`
//! is `chat.postMessage`; GraphQL and JSON-RPC endpoints are their path). The activity comes from
//! the HTTP method only where the API is REST-like: an RPC API POSTs to read, so its calls are
//! activity Other, the method kept in `http_request.http_method`. An unknown event type is an
//! API Activity of activity Other with the type as `api.operation`, as OCSF's own examples of
//! SaaS audit logs map what they do not know: a class a data lake can register, where Base
//! Event (class 0) can be registered by none.

use super::table::{ACTIVITY_OTHER, API_ACTIVITY, STATUS_FAILURE, STATUS_SUCCESS, STATUS_UNKNOWN};
use super::{ClassEvent, moveworks_actor, moveworks_endpoint, outcome_of};
use crate::decode::{ExternalApiEvent, UnknownEvent, UserTokenLogEvent};
use crate::json::{Map, Value};
use crate::parse::url::split_url;
use std::borrow::Cow;

/// OCSF `http_request.http_method` values.
const HTTP_METHODS: [&str; 9] = [
    "OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT", "PATCH",
];

/// API Activity's activity for an HTTP method.
fn activity_of_method(method: &str) -> u8 {
    match method.to_ascii_uppercase().as_str() {
        "POST" => 1,
        "GET" | "HEAD" | "OPTIONS" => 2,
        "PUT" | "PATCH" => 3,
        "DELETE" => 4,
        _ => 99,
    }
}

/// How an endpoint is called: resources by HTTP method (REST), or named procedures (RPC).
#[derive(Debug, PartialEq, Eq)]
enum Style<'p> {
    Rest,
    /// An RPC-style endpoint and its operation name.
    Rpc(&'p str),
}

/// The API style of a URL path: Slack's Web API (`/api/<family>.<method>`), GraphQL, JSON-RPC,
/// XML-RPC and SOAP endpoints are RPC; everything else is taken as REST.
fn style_of_path(path: &str) -> Style<'_> {
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if let Some(method) = path.strip_prefix("/api/")
        && !method.is_empty()
        && !method.contains('/')
        && method.contains('.')
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        && method.as_bytes()[0].is_ascii_alphabetic()
    {
        return Style::Rpc(method);
    }
    let lower = last.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "graphql" | "jsonrpc" | "json-rpc" | "xmlrpc" | "xml-rpc" | "rpc" | "soap"
    ) || lower.ends_with(".asmx")
    {
        return Style::Rpc(path);
    }
    Style::Rest
}

pub(super) fn external_api(e: ExternalApiEvent<'_>) -> ClassEvent<'_> {
    let parts = split_url(&e.request_uri);
    let style = style_of_path(parts.path);
    let activity = match style {
        Style::Rest => activity_of_method(&e.request_method),
        Style::Rpc(_) => ACTIVITY_OTHER,
    };
    let status = match &e.response_status_code {
        None => STATUS_UNKNOWN,
        Some((_, code)) if *code < 400 => STATUS_SUCCESS,
        Some(_) => STATUS_FAILURE,
    };
    let mut c = ClassEvent::new(&API_ACTIVITY, activity, status);
    // OCSF's http_method is an enum of upper-case methods: a method it does not list (PROPFIND)
    // is kept as the activity's name.
    let method = e.request_method.to_ascii_uppercase();
    let listed = HTTP_METHODS.contains(&method.as_str());
    if activity == ACTIVITY_OTHER && !listed {
        c.activity_other = Some(e.request_method.clone());
    }
    c.duration = e.execution_time_ms;

    c.fields.insert("actor", moveworks_actor(e.user_id));
    let operation = match style {
        Style::Rpc(name) => name,
        Style::Rest if !parts.path.is_empty() => parts.path,
        // No path to name the endpoint by: the method is all the record says.
        Style::Rest => &e.request_method,
    };
    let mut api = Map::with_capacity(1);
    api.insert("operation", Value::str(operation.to_owned()));
    c.fields.insert("api", Value::Object(api));
    c.fields.insert("src_endpoint", moveworks_endpoint());

    let mut dst = Map::with_capacity(2);
    dst.insert_opt(
        "hostname",
        parts.host.filter(|h| !h.is_empty()).map(|h| Value::str(h.to_owned())),
    );
    dst.insert_opt("port", parts.port.and_then(|(_, p)| p).map(|p| Value::int(p.into())));
    if dst.get("hostname").is_some() {
        c.fields.insert("dst_endpoint", Value::Object(dst));
    }

    let mut url = Map::with_capacity(6);
    url.insert("url_string", Value::String(e.request_uri.clone()));
    url.insert_opt("scheme", parts.scheme.map(|s| Value::str(s.to_owned())));
    url.insert_opt(
        "hostname",
        parts.host.filter(|h| !h.is_empty()).map(|h| Value::str(h.to_owned())),
    );
    url.insert_opt("port", parts.port.and_then(|(_, p)| p).map(|p| Value::int(p.into())));
    if !parts.path.is_empty() {
        url.insert("path", Value::str(parts.path.to_owned()));
    }
    url.insert_opt("query_string", parts.query.map(|q| Value::str(q.to_owned())));
    let mut request = Map::with_capacity(2);
    // `http_method` holds the method in OCSF's upper case: a word written otherwise stays.
    let as_written = (listed && method != *e.request_method).then(|| e.request_method.clone());
    if listed {
        request.insert("http_method", Value::str(method));
    }
    request.insert("url", Value::Object(url));
    c.fields.insert("http_request", Value::Object(request));

    if let Some((text, code)) = e.response_status_code {
        let mut response = Map::with_capacity(2);
        response.insert("code", Value::int(code.into()));
        response.insert_opt("length", e.response_size_bytes.map(Value::int));
        c.fields.insert("http_response", Value::Object(response));
        c.status_code = Some(text);
    }
    let mut leftover = e.extra;
    leftover.insert_opt("request_method", as_written.map(Value::String));
    // OCSF's `trace` profile: the v2 export's trace id is the one attribute `trace` requires.
    if let Some(trace_id) = leftover.take_if("trace_id", non_empty_text) {
        let mut trace = Map::with_capacity(1);
        trace.insert("uid", Value::String(trace_id));
        c.fields.insert("trace", Value::Object(trace));
        c.profiles.push("trace");
    }
    c.leftover = leftover;
    c
}

/// An event type or schema version this build does not know: the record stays whole under
/// `unmapped` (see `decode`), the type is the operation, the user it names is Moveworks' user.
pub(super) fn unknown<'a>(event_type: &Cow<'a, str>, e: UnknownEvent<'a>) -> ClassEvent<'a> {
    let mut c = ClassEvent::new(&API_ACTIVITY, ACTIVITY_OTHER, STATUS_UNKNOWN);
    c.fields.insert("actor", moveworks_actor(e.user_id));
    let mut api = Map::with_capacity(1);
    api.insert("operation", Value::String(event_type.clone()));
    c.fields.insert("api", Value::Object(api));
    c.fields.insert("src_endpoint", moveworks_endpoint());
    c
}

/// A non-empty string (ids): anything else stays for `unmapped`.
fn non_empty_text<'a>(v: &Value<'a>) -> Option<Cow<'a, str>> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

pub(super) fn user_token_log(e: UserTokenLogEvent<'_>) -> ClassEvent<'_> {
    let status = outcome_of(&e.status);
    let mut c = ClassEvent::new(&API_ACTIVITY, 2, status);
    if status == 99 {
        c.status_other = Some(e.status.clone());
    }
    c.status_code = Some(e.status);
    c.fields.insert("actor", moveworks_actor(e.user_id));
    let mut api = Map::with_capacity(1);
    let operation = match &e.operation {
        Some(op) => op.name.clone(),
        None => Cow::Borrowed("user_token"),
    };
    api.insert("operation", Value::String(operation));
    c.fields.insert("api", Value::Object(api));
    c.fields.insert("src_endpoint", moveworks_endpoint());
    let mut leftover = e.extra;
    if let Some(mut op) = e.operation {
        c.status_detail = op.extra.take_if("error", non_empty_text);
        if let Some(id) = op.integration_id {
            let mut resource = Map::with_capacity(2);
            resource.insert("uid", Value::String(id));
            resource.insert("type", Value::str("Integration"));
            c.fields
                .insert("resources", Value::Array(vec![Value::Object(resource)]));
        }
        if !op.extra.is_empty() {
            leftover.insert(op.key, Value::Object(op.extra));
        }
    }
    c.leftover = leftover;
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_to_activities() {
        assert_eq!(activity_of_method("POST"), 1);
        assert_eq!(activity_of_method("get"), 2);
        assert_eq!(activity_of_method("OPTIONS"), 2);
        assert_eq!(activity_of_method("PATCH"), 3);
        assert_eq!(activity_of_method("DELETE"), 4);
        assert_eq!(activity_of_method("PROPFIND"), 99);
    }

    #[test]
    fn rpc_endpoints_are_named_by_their_method() {
        assert_eq!(style_of_path("/api/chat.postMessage"), Style::Rpc("chat.postMessage"));
        assert_eq!(
            style_of_path("/api/conversations.history"),
            Style::Rpc("conversations.history")
        );
        assert_eq!(style_of_path("/graphql"), Style::Rpc("/graphql"));
        assert_eq!(style_of_path("/api/v4/GraphQL/"), Style::Rpc("/api/v4/GraphQL/"));
        assert_eq!(
            style_of_path("/services/Service.asmx"),
            Style::Rpc("/services/Service.asmx")
        );
        // REST: ids, versions and file names are not Slack methods.
        assert_eq!(style_of_path("/api/now/table/incident"), Style::Rest);
        assert_eq!(style_of_path("/api/v1.0/users"), Style::Rest);
        assert_eq!(style_of_path("/api/1.2"), Style::Rest);
        assert_eq!(style_of_path("/rest/api/3/issue"), Style::Rest);
        assert_eq!(style_of_path("/v1.0/me/messages"), Style::Rest);
        assert_eq!(style_of_path(""), Style::Rest);
    }
}
