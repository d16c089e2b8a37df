//! Normalization: one typed Moveworks event to one OCSF 1.8.0 event.
//!
//! One mapper per OCSF class (`api_activity`, `datastore_activity`, ...) turns a typed event body
//! into a [`ClassEvent`]: the class, activity and outcome, the class's own fields, and what was
//! left over. [`normalize`] adds what every event has (ids and captions from [`table`], time,
//! severity, metadata) and puts the leftovers under `unmapped` with their original names and
//! nesting (`unmapped.event_data.change_origin_type`).

mod api_activity;
mod authentication;
mod datastore_activity;
mod entity_management;
mod message;
mod observables;
mod path;
pub mod table;
mod user_access;

use crate::config::OutputConfig;
use crate::decode::{Envelope, EventBody, EventKind, MoveworksEvent};
use crate::json::{Map, Value};
use std::borrow::Cow;
use table::{ACTIVITY_OTHER, OcsfClass, severity_caption, severity_id_of_log_level, status_caption};

/// OCSF schema version of every event.
pub const OCSF_VERSION: &str = "1.8.0";
/// `metadata.product`.
pub const PRODUCT_NAME: &str = "Moveworks Audit Logs";
pub const VENDOR_NAME: &str = "Moveworks";
/// `database.name` of an LDAP event whose request names no DN (the class needs a database).
pub(crate) const LDAP_DIRECTORY: &str = "LDAP directory";

/// What a class mapper produced.
pub(crate) struct ClassEvent<'a> {
    pub class: &'static OcsfClass,
    pub activity_id: u8,
    /// The source's own word for the activity, used as `activity_name` when `activity_id` is 99.
    pub activity_other: Option<Cow<'a, str>>,
    pub status_id: u8,
    /// The source's own word for the outcome, used as `status` when `status_id` is 99.
    pub status_other: Option<Cow<'a, str>>,
    pub status_code: Option<Cow<'a, str>>,
    pub status_detail: Option<Cow<'a, str>>,
    pub duration: Option<i64>,
    /// Class-specific attributes, in output order.
    pub fields: Map<'a>,
    /// `event_data` keys the mapper did not consume.
    pub leftover: Map<'a>,
    /// `metadata.labels`: flags such as an unparseable LDAP request.
    pub labels: Vec<&'static str>,
    /// `metadata.profiles`: the OCSF profiles whose attributes the mapper filled (`trace`).
    pub profiles: Vec<&'static str>,
    /// Captions of the class's own enum attributes (`auth_protocol`), written after `fields`
    /// unless `output.captions` is off.
    pub captions: Vec<(&'static str, &'static str)>,
}

impl<'a> ClassEvent<'a> {
    pub fn new(class: &'static OcsfClass, activity_id: u8, status_id: u8) -> Self {
        ClassEvent {
            class,
            activity_id,
            activity_other: None,
            status_id,
            status_other: None,
            status_code: None,
            status_detail: None,
            duration: None,
            fields: Map::with_capacity(8),
            leftover: Map::new(),
            labels: Vec::new(),
            profiles: Vec::new(),
            captions: Vec::new(),
        }
    }

    /// Adds the caption of one of the class's enum attributes.
    pub fn caption(&mut self, key: &'static str, caption: &'static str) {
        self.captions.push((key, caption));
    }
}

/// Builds the OCSF events of a decoded record: one, or one per subject when the record
/// describes several (a grant to several grantees), tied by `metadata.correlation_uid`.
pub fn normalize<'a>(ev: MoveworksEvent<'a>, output: &OutputConfig) -> Vec<Map<'a>> {
    let MoveworksEvent { envelope: env, body } = ev;
    let c = match body {
        EventBody::ExternalApi(e) => api_activity::external_api(e),
        EventBody::UserTokenLog(e) => api_activity::user_token_log(e),
        EventBody::ExternalLdapApi(e) => datastore_activity::external_ldap_api(e, env.event_id.as_ref()),
        EventBody::ConfigChange(e) => entity_management::config_change(e),
        EventBody::AgentStudioLog(e) => entity_management::agent_studio_log(e),
        EventBody::PermissionChange(e) => {
            let parts = user_access::permission_change(e);
            if parts.len() > 1 {
                return several(parts, env, output);
            }
            parts.into_iter().next().expect("one event per grantee, at least one")
        }
        EventBody::Authentication(e) => authentication::authentication(e),
        EventBody::Unknown(e) => api_activity::unknown(&env.event_type, e),
    };
    vec![build(c, env, output, None)]
}

/// The events of a record with several subjects: `metadata.uid` is the record's uid with the
/// event's place (`2:LU8QgcnSTQ2m#2`), `metadata.correlation_uid` the record's uid.
///
/// The record's top-level keys no mapper takes go with the first event only, as its
/// `event_data` leftovers do ([`user_access`]): copied into each, a record's n events would
/// cost n times its size.
fn several<'a>(parts: Vec<ClassEvent<'a>>, mut env: Envelope<'a>, output: &OutputConfig) -> Vec<Map<'a>> {
    let mut extra = Some(std::mem::take(&mut env.extra));
    parts
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let mut e = env.clone();
            e.extra = extra.take().unwrap_or_default();
            build(c, e, output, Some(i + 1))
        })
        .collect()
}

/// One OCSF event: the class mapper's part and what every event has. `part` is the event's
/// place (from 1) among its record's events when there are several.
fn build<'a>(mut c: ClassEvent<'a>, env: Envelope<'a>, output: &OutputConfig, part: Option<usize>) -> Map<'a> {
    let captions = output.captions;

    let mut out = Map::with_capacity(32);
    let class = c.class;
    let activity_id = if class.activity_name(c.activity_id).is_some() {
        c.activity_id
    } else {
        ACTIVITY_OTHER
    };
    // A source word (id 99) is no derivable caption: it is written with or without captions.
    let activity_name: Option<Cow<'a, str>> = match (activity_id, c.activity_other.take()) {
        (ACTIVITY_OTHER, Some(word)) => Some(word),
        (id, _) if captions => Some(Cow::Borrowed(class.activity_name(id).unwrap_or("Other"))),
        _ => None,
    };
    let type_uid = i64::from(class.uid) * 100 + i64::from(activity_id);
    out.insert("class_uid", Value::int(class.uid.into()));
    if captions {
        out.insert("class_name", Value::str(class.name));
    }
    out.insert("category_uid", Value::int(class.category_uid.into()));
    if captions {
        out.insert("category_name", Value::str(class.category_name));
    }
    out.insert("activity_id", Value::int(activity_id.into()));
    out.insert_opt("activity_name", activity_name.map(Value::String));
    out.insert("type_uid", Value::int(type_uid));
    if captions {
        out.insert("type_name", Value::str(class.type_name(activity_id)));
    }

    let severity_id = match env.severity.as_deref() {
        None => 0,
        Some(level) => severity_id_of_log_level(level).unwrap_or(99),
    };
    out.insert("severity_id", Value::int(severity_id.into()));
    match (severity_id, env.severity.as_ref()) {
        (99, Some(level)) => out.insert("severity", Value::String(level.clone())),
        (id, _) if captions => out.insert("severity", Value::str(severity_caption(id).unwrap_or("Other"))),
        _ => {}
    }
    let status_id = if status_caption(c.status_id).is_some() {
        c.status_id
    } else {
        99
    };
    out.insert("status_id", Value::int(status_id.into()));
    match (status_id, c.status_other.take()) {
        (99, Some(word)) => out.insert("status", Value::String(word)),
        (id, _) if captions => out.insert("status", Value::str(status_caption(id).unwrap_or("Other"))),
        _ => {}
    }
    out.insert_opt("status_code", c.status_code.take().map(Value::String));
    out.insert_opt("status_detail", c.status_detail.take().map(Value::String));
    out.insert("time", Value::int(env.time.epoch_ms));
    // The export writes UTC without a zone (design.md, "Input"): no offset is an offset of 0.
    out.insert(
        "timezone_offset",
        Value::int(env.time.offset_minutes.unwrap_or(0).into()),
    );
    out.insert_opt("duration", c.duration.map(Value::int));
    for (k, v) in std::mem::take(&mut c.fields) {
        out.insert(k, v);
    }
    if captions {
        for (k, caption) in c.captions.drain(..) {
            out.insert(k, Value::str(caption));
        }
    }

    let mut metadata = Map::with_capacity(12);
    metadata.insert("version", Value::str(OCSF_VERSION));
    let mut product = Map::with_capacity(2);
    product.insert("name", Value::str(PRODUCT_NAME));
    product.insert("vendor_name", Value::str(VENDOR_NAME));
    metadata.insert("product", Value::Object(product));
    let tenant = output.tenant_uid.as_deref();
    // `version` stays first: follow's dedupe finds an event by `"metadata":{"version":`.
    let record_uid = event_uid(tenant, &env.version, env.event_id.as_deref());
    match (part, record_uid) {
        (Some(i), Some(uid)) => {
            metadata.insert("uid", Value::str(format!("{uid}#{i}")));
            metadata.insert("correlation_uid", Value::str(uid));
        }
        (_, uid) => metadata.insert_opt("uid", uid.map(Value::str)),
    }
    if !c.profiles.is_empty() {
        metadata.insert(
            "profiles",
            Value::Array(c.profiles.iter().map(|p| Value::str(*p)).collect()),
        );
    }
    metadata.insert_opt("tenant_uid", tenant.map(|t| Value::str(t.to_owned())));
    metadata.insert_opt("log_name", output.log_name.as_deref().map(|n| Value::str(n.to_owned())));
    metadata.insert_opt("original_event_uid", env.event_id.map(Value::String));
    metadata.insert("event_code", Value::String(env.event_type));
    metadata.insert("log_version", Value::String(env.version));
    metadata.insert_opt("log_level", env.severity.map(Value::String));
    metadata.insert_opt("log_provider", env.event_source.map(Value::String));
    metadata.insert("original_time", Value::String(env.time_text));
    if !c.labels.is_empty() {
        metadata.insert(
            "labels",
            Value::Array(c.labels.iter().map(|l| Value::str(*l)).collect()),
        );
    }
    out.insert("metadata", Value::Object(metadata));

    let mut unmapped = env.extra;
    if !c.leftover.is_empty() {
        unmapped.insert("event_data", Value::Object(c.leftover));
    }
    out.insert_nonempty("unmapped", unmapped);
    out
}

/// Adds what is derived from the finished, redacted event: `message` and `observables`.
///
/// Run after redaction (see [`message`] and [`observables`] for why), so both repeat only what
/// the event shows.
pub fn describe(ev: &mut Map<'_>, kind: EventKind, captions: bool) {
    let message = message::message(ev, kind);
    let observables = observables::observables(ev, kind, captions);
    ev.insert("message", Value::str(message));
    if !observables.is_empty() {
        ev.insert("observables", Value::Array(observables));
    }
}

/// `metadata.uid`: the export's schema version and event id, `2:Que5vMmYkJuB`, after the
/// configured tenant when there is one (`acme:2:Que5vMmYkJuB`), so that two Moveworks
/// organisations (a provider serving several customers, a company with two orgs) never share one.
///
/// The identity `follow` deduplicates by (the two pipelines are kept apart, since a migration
/// may export one event in both), so one record has one uid on every replay and in every engine.
/// No hash: the VRL program has to compute the same string and the VRL builds we test against
/// have no hash function. A record without an `event_id` gets none: nothing in it identifies it,
/// and its content differs byte-wise between engines.
pub(crate) fn event_uid(tenant: Option<&str>, version: &str, event_id: Option<&str>) -> Option<String> {
    let id = event_id.filter(|id| !id.is_empty())?;
    let mut uid = String::with_capacity(tenant.map_or(0, |t| t.len() + 1) + version.len() + 1 + id.len());
    if let Some(t) = tenant {
        uid.push_str(t);
        uid.push(':');
    }
    uid.push_str(version);
    uid.push(':');
    uid.push_str(id);
    Some(uid)
}

/// `actor` for calls Moveworks makes on a user's behalf: the app, and the user when known.
pub(crate) fn moveworks_actor<'a>(user_id: Option<Cow<'a, str>>) -> Value<'a> {
    let mut actor = Map::with_capacity(2);
    actor.insert("app_name", Value::str("Moveworks"));
    if let Some(uid) = user_id {
        actor.insert("user", user_with_uid(uid));
    }
    Value::Object(actor)
}

/// `actor` for changes a user made, when the record names one.
pub(crate) fn user_actor<'a>(user_id: Option<Cow<'a, str>>) -> Option<Value<'a>> {
    let mut actor = Map::with_capacity(1);
    actor.insert("user", user_with_uid(user_id?));
    Some(Value::Object(actor))
}

/// An OCSF `user` with a `uid` (ids stay strings, exact beyond 2^63).
pub(crate) fn user_with_uid(uid: Cow<'_, str>) -> Value<'_> {
    let mut user = Map::with_capacity(1);
    user.insert("uid", Value::String(uid));
    Value::Object(user)
}

/// A required OCSF `user` the record does not identify: OCSF needs one of name/uid/account.
pub(crate) fn unknown_user<'a>() -> Value<'a> {
    let mut user = Map::with_capacity(1);
    user.insert("name", Value::str("unknown"));
    Value::Object(user)
}

/// `src_endpoint` for calls Moveworks makes (the export names no source address).
pub(crate) fn moveworks_endpoint<'a>() -> Value<'a> {
    let mut ep = Map::with_capacity(1);
    ep.insert("name", Value::str("Moveworks"));
    Value::Object(ep)
}

/// The outcome of an enum value ending in `_SUCCESS` / `_FAILURE` (or `_FAILED`, `_ERROR`).
pub(crate) fn outcome_of(word: &str) -> u8 {
    let w = word.to_ascii_uppercase();
    if w.ends_with("SUCCESS") || w.ends_with("SUCCEEDED") {
        table::STATUS_SUCCESS
    } else if w.ends_with("FAILURE") || w.ends_with("FAILED") || w.ends_with("ERROR") || w.ends_with("DENIED") {
        table::STATUS_FAILURE
    } else {
        99
    }
}
