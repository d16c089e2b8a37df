//! API Activity (6003): EXTERNAL_API calls and USER_TOKEN_LOG token use.

use super::table::{API_ACTIVITY, STATUS_FAILURE, STATUS_SUCCESS, STATUS_UNKNOWN};
use super::{ClassEvent, moveworks_actor, moveworks_endpoint, outcome_of};
use crate::decode::{ExternalApiEvent, UserTokenLogEvent};
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

pub(super) fn external_api(e: ExternalApiEvent<'_>) -> ClassEvent<'_> {
    let activity = activity_of_method(&e.request_method);
    let status = match &e.response_status_code {
        None => STATUS_UNKNOWN,
        Some((_, code)) if *code < 400 => STATUS_SUCCESS,
        Some(_) => STATUS_FAILURE,
    };
    let mut c = ClassEvent::new(&API_ACTIVITY, activity, status);
    if activity == 99 {
        c.activity_other = Some(e.request_method.clone());
    }
    c.duration = e.execution_time_ms;

    c.fields.insert("actor", moveworks_actor(e.user_id));
    let mut api = Map::with_capacity(1);
    api.insert("operation", Value::String(e.request_method.clone()));
    c.fields.insert("api", Value::Object(api));
    c.fields.insert("src_endpoint", moveworks_endpoint());

    let parts = split_url(&e.request_uri);
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
    // OCSF's http_method is an enum of upper-case methods; the word as written is api.operation.
    let method = e.request_method.to_ascii_uppercase();
    if HTTP_METHODS.contains(&method.as_str()) {
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
}
