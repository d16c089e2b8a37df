//! The typed `event_data` of each Moveworks event type.
//!
//! Field names follow the vendor's export documentation. Each struct keeps what it did not
//! understand in `extra`, so the normalizer can put it under `unmapped`.

use crate::error::RecordError;
use crate::json::{Map, Value};
use std::borrow::Cow;

/// The event types of the SIEM export, plus everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    ExternalApi,
    ExternalLdapApi,
    ConfigChange,
    PermissionChange,
    Authentication,
    AgentStudioLog,
    UserTokenLog,
    /// Any other `event_type` (older exports: `WorkflowTriggerLog`, `WorkflowUpdateLog`, `ActionLog`).
    Unknown,
}

impl EventKind {
    pub const ALL: [EventKind; 8] = [
        EventKind::ExternalApi,
        EventKind::ExternalLdapApi,
        EventKind::ConfigChange,
        EventKind::PermissionChange,
        EventKind::Authentication,
        EventKind::AgentStudioLog,
        EventKind::UserTokenLog,
        EventKind::Unknown,
    ];

    pub fn from_event_type(t: &str) -> Self {
        match t {
            "EXTERNAL_API" => EventKind::ExternalApi,
            "EXTERNAL_LDAP_API" => EventKind::ExternalLdapApi,
            "CONFIG_CHANGE" => EventKind::ConfigChange,
            "PERMISSION_CHANGE" => EventKind::PermissionChange,
            "AUTHENTICATION" => EventKind::Authentication,
            "AGENT_STUDIO_LOG" => EventKind::AgentStudioLog,
            "USER_TOKEN_LOG" => EventKind::UserTokenLog,
            _ => EventKind::Unknown,
        }
    }

    /// The export's name for the type (`OTHER` for unknown ones), for summaries.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::ExternalApi => "EXTERNAL_API",
            EventKind::ExternalLdapApi => "EXTERNAL_LDAP_API",
            EventKind::ConfigChange => "CONFIG_CHANGE",
            EventKind::PermissionChange => "PERMISSION_CHANGE",
            EventKind::Authentication => "AUTHENTICATION",
            EventKind::AgentStudioLog => "AGENT_STUDIO_LOG",
            EventKind::UserTokenLog => "USER_TOKEN_LOG",
            EventKind::Unknown => "OTHER",
        }
    }
}

/// The typed `event_data`.
#[derive(Debug)]
pub enum EventBody<'a> {
    ExternalApi(ExternalApiEvent<'a>),
    ExternalLdapApi(ExternalLdapApiEvent<'a>),
    ConfigChange(ConfigChangeEvent<'a>),
    PermissionChange(PermissionChangeEvent<'a>),
    Authentication(AuthenticationEvent<'a>),
    AgentStudioLog(AgentStudioLogEvent<'a>),
    UserTokenLog(UserTokenLogEvent<'a>),
    /// Unknown type or version: the envelope's `extra` holds the whole record, but for the
    /// user it names.
    Unknown(UnknownEvent<'a>),
}

impl<'a> EventBody<'a> {
    pub fn kind(&self) -> EventKind {
        match self {
            EventBody::ExternalApi(_) => EventKind::ExternalApi,
            EventBody::ExternalLdapApi(_) => EventKind::ExternalLdapApi,
            EventBody::ConfigChange(_) => EventKind::ConfigChange,
            EventBody::PermissionChange(_) => EventKind::PermissionChange,
            EventBody::Authentication(_) => EventKind::Authentication,
            EventBody::AgentStudioLog(_) => EventKind::AgentStudioLog,
            EventBody::UserTokenLog(_) => EventKind::UserTokenLog,
            EventBody::Unknown(_) => EventKind::Unknown,
        }
    }

    pub(crate) fn decode(kind: EventKind, mut d: Map<'a>) -> Result<Self, RecordError> {
        Ok(match kind {
            EventKind::ExternalApi => {
                let user_id = d.take_text("user_id");
                let request_method = required_str(&mut d, "request_method", "event_data.request_method")?;
                let request_uri = required_str(&mut d, "request_uri", "event_data.request_uri")?;
                let response_status_code = d.take_if("response_status_code", http_status);
                // OCSF's http_response needs a code; without one the size stays unmapped.
                let response_size_bytes = match response_status_code {
                    Some(_) => d.take_if("response_size_bytes", non_negative),
                    None => None,
                };
                EventBody::ExternalApi(ExternalApiEvent {
                    user_id,
                    request_method,
                    request_uri,
                    response_status_code,
                    execution_time_ms: d.take_if("execution_time_ms", non_negative),
                    response_size_bytes,
                    extra: d,
                })
            }
            EventKind::ExternalLdapApi => EventBody::ExternalLdapApi(ExternalLdapApiEvent {
                user_id: d.take_text("user_id"),
                request: required_str(&mut d, "request", "event_data.request")?,
                extra: d,
            }),
            EventKind::ConfigChange => EventBody::ConfigChange(ConfigChangeEvent {
                user_id: d.take_text("user_id"),
                config_name: required_str(&mut d, "config_name", "event_data.config_name")?,
                config_version: d.take_text("config_version"),
                operation_type: d.take_str("operation_type"),
                extra: d,
            }),
            EventKind::PermissionChange => {
                let user_id = d.take_text("user_id");
                let assigned_roles = match d.take_if("assigned_roles", role_grants) {
                    Some(g) => g,
                    None if d.get("assigned_roles").is_some() => {
                        return Err(RecordError::invalid(
                            "event_data.assigned_roles",
                            "expected a list of {app, roles, grantee} objects",
                        ));
                    }
                    None => {
                        return Err(RecordError::missing("event_data.assigned_roles"));
                    }
                };
                EventBody::PermissionChange(PermissionChangeEvent {
                    user_id,
                    assigned_roles,
                    extra: d,
                })
            }
            EventKind::Authentication => EventBody::Authentication(AuthenticationEvent {
                user_id: d.take_text("user_id"),
                authn_event_type: required_str(&mut d, "authn_event_type", "event_data.authn_event_type")?,
                app: d.take_str("app"),
                source_ip: d.take_if("source_ip", |v| v.as_str().and_then(|s| s.trim().parse().ok())),
                user_agent: d.take_str("user_agent"),
                extra: d,
            }),
            EventKind::AgentStudioLog => EventBody::AgentStudioLog(AgentStudioLogEvent {
                user_id: d.take_text("user_id"),
                method: required_str(&mut d, "method", "event_data.method")?,
                uivar_uuid: d.take_text("uivar_uuid"),
                result: d.take_str("result"),
                log_type: d.take_str("log_type"),
                extra: d,
            }),
            EventKind::UserTokenLog => EventBody::UserTokenLog(UserTokenLogEvent {
                user_id: d.take_text("user_id"),
                status: required_str(&mut d, "status", "event_data.status")?,
                operation: take_token_operation(&mut d),
                extra: d,
            }),
            EventKind::Unknown => EventBody::Unknown(UnknownEvent { user_id: None }),
        })
    }
}

/// An event type or schema version this build does not know.
#[derive(Debug)]
pub struct UnknownEvent<'a> {
    /// `event_data.user_id`, the one field every documented type uses alike (the Moveworks user
    /// the event is about), taken out of the record kept under `unmapped`.
    pub user_id: Option<Cow<'a, str>>,
}

/// EXTERNAL_API: an HTTP call Moveworks made to a customer system.
#[derive(Debug)]
pub struct ExternalApiEvent<'a> {
    pub user_id: Option<Cow<'a, str>>,
    pub request_method: Cow<'a, str>,
    pub request_uri: Cow<'a, str>,
    /// The status code as written, and its value when it is a valid HTTP status (100-599).
    pub response_status_code: Option<(Cow<'a, str>, u16)>,
    pub execution_time_ms: Option<i64>,
    pub response_size_bytes: Option<i64>,
    pub extra: Map<'a>,
}

/// EXTERNAL_LDAP_API: an LDAP operation; `request` is a Python-literal dict as text.
#[derive(Debug)]
pub struct ExternalLdapApiEvent<'a> {
    pub user_id: Option<Cow<'a, str>>,
    pub request: Cow<'a, str>,
    pub extra: Map<'a>,
}

/// CONFIG_CHANGE: a configuration object changed (or, since 2026, was deleted).
#[derive(Debug)]
pub struct ConfigChangeEvent<'a> {
    pub user_id: Option<Cow<'a, str>>,
    pub config_name: Cow<'a, str>,
    pub config_version: Option<Cow<'a, str>>,
    pub operation_type: Option<Cow<'a, str>>,
    pub extra: Map<'a>,
}

/// PERMISSION_CHANGE: roles granted to one or more users.
#[derive(Debug)]
pub struct PermissionChangeEvent<'a> {
    pub user_id: Option<Cow<'a, str>>,
    pub assigned_roles: Vec<RoleGrant<'a>>,
    pub extra: Map<'a>,
}

impl PermissionChangeEvent<'_> {
    /// How many grantees the record names (entries without one count as one unidentified
    /// grantee): its events, one each, and at least one.
    pub fn grantee_count(&self) -> usize {
        let distinct: std::collections::HashSet<_> = self.assigned_roles.iter().map(|g| &g.grantee).collect();
        distinct.len().max(1)
    }
}

/// One entry of `assigned_roles`.
#[derive(Debug, Clone)]
pub struct RoleGrant<'a> {
    pub app: Cow<'a, str>,
    pub roles: Vec<Cow<'a, str>>,
    pub grantee: Option<Cow<'a, str>>,
}

/// AUTHENTICATION: a login or logout to a Moveworks app.
#[derive(Debug)]
pub struct AuthenticationEvent<'a> {
    pub user_id: Option<Cow<'a, str>>,
    pub authn_event_type: Cow<'a, str>,
    pub app: Option<Cow<'a, str>>,
    /// Only a syntactically valid IPv4/IPv6 address is taken; anything else stays unmapped.
    pub source_ip: Option<std::net::IpAddr>,
    pub user_agent: Option<Cow<'a, str>>,
    /// `idp_metadata` and anything unknown.
    pub extra: Map<'a>,
}

/// AGENT_STUDIO_LOG: an Agent Studio object read or changed.
#[derive(Debug)]
pub struct AgentStudioLogEvent<'a> {
    pub user_id: Option<Cow<'a, str>>,
    pub method: Cow<'a, str>,
    pub uivar_uuid: Option<Cow<'a, str>>,
    pub result: Option<Cow<'a, str>>,
    pub log_type: Option<Cow<'a, str>>,
    pub extra: Map<'a>,
}

/// USER_TOKEN_LOG: Moveworks used a user's delegated token for an integration.
#[derive(Debug)]
pub struct UserTokenLogEvent<'a> {
    pub user_id: Option<Cow<'a, str>>,
    pub status: Cow<'a, str>,
    pub operation: Option<TokenOperation<'a>>,
    pub extra: Map<'a>,
}

/// The `<operation>_log` object of a USER_TOKEN_LOG (`retrieve_access_token_log`).
#[derive(Debug)]
pub struct TokenOperation<'a> {
    /// The key without its `_log` suffix: `retrieve_access_token`.
    pub name: Cow<'a, str>,
    /// The key as written, to put leftovers back under their original name.
    pub key: Cow<'a, str>,
    pub integration_id: Option<Cow<'a, str>>,
    /// `sanitized_access_token_info` and anything else inside the operation object.
    pub extra: Map<'a>,
}

fn required_str<'a>(d: &mut Map<'a>, key: &str, field: &'static str) -> Result<Cow<'a, str>, RecordError> {
    match d.take_str(key) {
        Some(s) => Ok(s),
        None => match d.get(key) {
            Some(v) => Err(RecordError::invalid(
                field,
                format!("expected a string, found {}", v.kind()),
            )),
            None => Err(RecordError::missing(field)),
        },
    }
}

fn http_status<'a>(v: &Value<'a>) -> Option<(Cow<'a, str>, u16)> {
    let n = u16::try_from(v.as_i64()?).ok().filter(|c| (100..=599).contains(c))?;
    match v {
        Value::String(s) | Value::Number(s) => Some((s.clone(), n)),
        _ => None,
    }
}

fn non_negative(v: &Value<'_>) -> Option<i64> {
    v.as_i64().filter(|n| *n >= 0)
}

/// All entries must fit, or the field is not ours to map (the caller reports it).
fn role_grants<'a>(v: &Value<'a>) -> Option<Vec<RoleGrant<'a>>> {
    let Value::Array(items) = v else { return None };
    items
        .iter()
        .map(|item| {
            let m = item.as_object()?;
            if m.iter().any(|(k, _)| !matches!(k, "app" | "roles" | "grantee")) || m.len() > 3 {
                return None;
            }
            let app = Cow::clone(match m.get("app")? {
                Value::String(s) => s,
                _ => return None,
            });
            let roles = match m.get("roles")? {
                Value::Array(r) => r
                    .iter()
                    .map(|r| match r {
                        Value::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?,
                _ => return None,
            };
            let grantee = match m.get("grantee") {
                None => None,
                Some(Value::String(s) | Value::Number(s)) => Some(s.clone()),
                Some(_) => return None,
            };
            Some(RoleGrant { app, roles, grantee })
        })
        .collect()
}

/// Takes the first `*_log` object of a USER_TOKEN_LOG as the operation it describes.
fn take_token_operation<'a>(d: &mut Map<'a>) -> Option<TokenOperation<'a>> {
    let key = d
        .iter()
        .find(|(k, v)| k.ends_with("_log") && k.len() > 4 && matches!(v, Value::Object(_)))
        .map(|(k, _)| k.to_owned())?;
    let Some(Value::Object(mut inner)) = d.take(&key) else {
        return None;
    };
    let name = Cow::Owned(key[..key.len() - 4].to_owned());
    Some(TokenOperation {
        name,
        key: Cow::Owned(key),
        integration_id: inner.take_text("integration_id"),
        extra: inner,
    })
}
