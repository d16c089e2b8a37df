//! Authentication (3002): AUTHENTICATION logins and logouts.
//!
//! `authn_event_type` (`AUTHN_EVENT_LOGIN_SUCCESS`) gives both the activity (LOGIN/LOGOUT) and the
//! outcome (its suffix); it is kept whole in `status_code`. The identity provider's reason for
//! the outcome (`idp_metadata.reason`, `INVALID_CREDENTIALS`) is the `status_detail`.

use super::table::AUTHENTICATION;
use super::{ClassEvent, outcome_of, unknown_user, user_with_uid};
use crate::decode::AuthenticationEvent;
use crate::json::{Map, Value};

fn activity_of_authn(t: &str) -> u8 {
    let t = t.to_ascii_uppercase();
    if t.contains("LOGOUT") || t.contains("LOGOFF") || t.contains("SIGNOUT") {
        2
    } else if t.contains("LOGIN") || t.contains("LOGON") || t.contains("SIGNIN") {
        1
    } else {
        99
    }
}

pub(super) fn authentication(e: AuthenticationEvent<'_>) -> ClassEvent<'_> {
    let activity = activity_of_authn(&e.authn_event_type);
    let status = outcome_of(&e.authn_event_type);
    let mut c = ClassEvent::new(&AUTHENTICATION, activity, if status == 99 { 0 } else { status });
    if activity == 99 {
        c.activity_other = Some(e.authn_event_type.clone());
    }
    c.status_code = Some(e.authn_event_type);
    c.fields
        .insert("user", e.user_id.map_or_else(unknown_user, user_with_uid));
    // OCSF needs a service or dst_endpoint: without `app`, the service is Moveworks itself.
    let mut service = Map::with_capacity(1);
    service.insert("name", e.app.map_or(Value::str("Moveworks"), Value::String));
    c.fields.insert("service", Value::Object(service));
    if let Some(ip) = e.source_ip {
        let mut src = Map::with_capacity(1);
        src.insert("ip", Value::str(ip.to_string()));
        c.fields.insert("src_endpoint", Value::Object(src));
    }
    if let Some(ua) = e.user_agent {
        let mut req = Map::with_capacity(1);
        req.insert("user_agent", Value::String(ua));
        c.fields.insert("http_request", Value::Object(req));
    }
    let mut leftover = e.extra;
    if let Some(Value::Object(idp)) = leftover.get_mut("idp_metadata") {
        // An empty reason says nothing: it stays where it was, under `unmapped`.
        c.status_detail = idp.take_if("reason", |v| match v {
            Value::String(r) if !r.is_empty() => Some(r.clone()),
            _ => None,
        });
    }
    c.leftover = leftover;
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authn_event_types() {
        assert_eq!(activity_of_authn("AUTHN_EVENT_LOGIN_SUCCESS"), 1);
        assert_eq!(activity_of_authn("AUTHN_EVENT_LOGOUT_SUCCESS"), 2);
        assert_eq!(activity_of_authn("AUTHN_EVENT_MFA_CHALLENGE"), 99);
        assert_eq!(outcome_of("AUTHN_EVENT_LOGIN_FAILURE"), 2);
    }
}
