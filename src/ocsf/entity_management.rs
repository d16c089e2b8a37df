//! Entity Management (3004): CONFIG_CHANGE and AGENT_STUDIO_LOG.
//!
//! The actor is the user who made the change; a change the export says the system made
//! (`change_origin_type: SYSTEM`) is Moveworks' own, `actor.app_name`.

use super::table::{ENTITY_MANAGEMENT, STATUS_SUCCESS, STATUS_UNKNOWN};
use super::{ClassEvent, outcome_of, user_actor};
use crate::decode::{AgentStudioLogEvent, ConfigChangeEvent};
use crate::json::{Map, Value};

/// `managed_entity.type_id` 99 Other: OCSF's kinds (device, user, group, organization, policy,
/// email) have no configuration or Agent Studio object; `type` names it.
const ENTITY_TYPE_OTHER: i64 = 99;
/// `entity.type` of an Agent Studio object whose record names no `log_type`.
pub(super) const AGENT_STUDIO_ENTITY: &str = "Agent Studio Entity";

/// Entity Management's activity for a CRUD word (`DELETE`, `AGENT_STUDIO_LOG_METHOD_READ`).
fn activity_of_crud(word: &str) -> u8 {
    let w = word.to_ascii_uppercase();
    let last = w.rsplit('_').next().unwrap_or(&w);
    match last {
        "CREATE" | "ADD" | "INSERT" => 1,
        "READ" | "GET" | "LIST" | "VIEW" => 2,
        "UPDATE" | "MODIFY" | "EDIT" | "WRITE" => 3,
        "DELETE" | "REMOVE" => 4,
        _ => 99,
    }
}

pub(super) fn config_change(e: ConfigChangeEvent<'_>) -> ClassEvent<'_> {
    // Before `operation_type` existed (2026), every CONFIG_CHANGE was an update.
    let activity = e.operation_type.as_deref().map_or(3, activity_of_crud);
    // The export records changes that were applied.
    let mut c = ClassEvent::new(&ENTITY_MANAGEMENT, activity, STATUS_SUCCESS);
    if activity == 99 {
        c.activity_other = e.operation_type.clone();
    }
    let mut leftover = e.extra;
    let system = leftover.take_if("change_origin_type", |v| match v {
        Value::String(s) if s.eq_ignore_ascii_case("SYSTEM") => Some(()),
        _ => None,
    });
    match (system, user_actor(e.user_id)) {
        (Some(()), actor) => {
            let mut a = match actor {
                Some(Value::Object(a)) => a,
                _ => Map::with_capacity(1),
            };
            a.insert("app_name", Value::str("Moveworks"));
            c.fields.insert("actor", Value::Object(a));
        }
        (None, actor) => c.fields.insert_opt("actor", actor),
    }
    let mut entity = Map::with_capacity(4);
    entity.insert("name", Value::String(e.config_name));
    entity.insert("type", Value::str("Configuration"));
    entity.insert("type_id", Value::int(ENTITY_TYPE_OTHER));
    entity.insert_opt("version", e.config_version.map(Value::String));
    c.fields.insert("entity", Value::Object(entity));
    c.leftover = leftover;
    c
}

pub(super) fn agent_studio_log(e: AgentStudioLogEvent<'_>) -> ClassEvent<'_> {
    let activity = activity_of_crud(&e.method);
    let status = e.result.as_deref().map_or(STATUS_UNKNOWN, outcome_of);
    let mut c = ClassEvent::new(&ENTITY_MANAGEMENT, activity, status);
    if activity == 99 {
        c.activity_other = Some(e.method.clone());
    }
    if status == 99 {
        c.status_other = e.result.clone();
    }
    c.status_code = e.result;
    c.fields.insert_opt("actor", user_actor(e.user_id));
    let mut entity = Map::with_capacity(3);
    match e.uivar_uuid {
        Some(uid) => entity.insert("uid", Value::String(uid)),
        // OCSF needs a name or uid; without the uuid the product area names the entity.
        None => entity.insert("name", Value::str("Agent Studio")),
    }
    // type_id 99 needs its `type`: the log type, else what every Agent Studio object is.
    entity.insert(
        "type",
        e.log_type.map_or(Value::str(AGENT_STUDIO_ENTITY), Value::String),
    );
    entity.insert("type_id", Value::int(ENTITY_TYPE_OTHER));
    c.fields.insert("entity", Value::Object(entity));
    c.leftover = e.extra;
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crud_words() {
        assert_eq!(activity_of_crud("AGENT_STUDIO_LOG_METHOD_READ"), 2);
        assert_eq!(activity_of_crud("DELETE"), 4);
        assert_eq!(activity_of_crud("create"), 1);
        assert_eq!(activity_of_crud("AGENT_STUDIO_LOG_METHOD_PUBLISH"), 99);
    }
}
