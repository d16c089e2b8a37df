//! User Access Management (3005): PERMISSION_CHANGE.
//!
//! OCSF has one `user` per event, and a record may grant roles to several users: the record
//! becomes **one event per grantee**, each with only that grantee's `app:role` privileges and
//! the apps they belong to as `resources` (one event with every grantee's roles would credit one
//! user with another's admin role). Grantees come in the order they first appear; entries without
//! a grantee are one event for an unidentified user. A grantee given no role (and a record whose
//! `assigned_roles` is empty) assigned nothing: activity Unknown, never Assign Privileges.
//! `normalize` ties the events of one record together with `metadata.correlation_uid`.

use super::table::{STATUS_SUCCESS, USER_ACCESS_MANAGEMENT};
use super::{ClassEvent, unknown_user, user_actor, user_with_uid};
use crate::decode::{PermissionChangeEvent, RoleGrant};
use crate::json::{Map, Value};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Assign Privileges; Unknown when nothing was assigned.
const ASSIGN: u8 = 1;
const UNKNOWN: u8 = 0;

/// One event per grantee (at least one).
pub(super) fn permission_change(e: PermissionChangeEvent<'_>) -> Vec<ClassEvent<'_>> {
    let PermissionChangeEvent {
        user_id,
        assigned_roles,
        extra,
    } = e;
    // Grantees in the order they first appear, each with its grants; found by hash, so a
    // record naming many grantees costs time in proportion to its size.
    let mut grantees: Vec<(Option<Cow<'_, str>>, Vec<RoleGrant<'_>>)> = Vec::new();
    let mut index: HashMap<Option<Cow<'_, str>>, usize> = HashMap::new();
    for grant in assigned_roles {
        match index.get(&grant.grantee) {
            Some(&i) => grantees[i].1.push(grant),
            None => {
                index.insert(grant.grantee.clone(), grantees.len());
                grantees.push((grant.grantee.clone(), vec![grant]));
            }
        }
    }
    if grantees.is_empty() {
        grantees.push((None, Vec::new()));
    }
    // The record's leftovers belong to every event; the last takes them without a copy.
    let n = grantees.len();
    let mut extra = Some(extra);
    grantees
        .into_iter()
        .enumerate()
        .map(|(i, (grantee, grants))| {
            let leftover = if i + 1 == n { extra.take() } else { extra.clone() };
            grantee_event(user_id.clone(), grantee, &grants, leftover.unwrap_or_else(Map::new))
        })
        .collect()
}

fn grantee_event<'a>(
    actor: Option<Cow<'a, str>>,
    grantee: Option<Cow<'a, str>>,
    grants: &[RoleGrant<'a>],
    leftover: Map<'a>,
) -> ClassEvent<'a> {
    let privileges: Vec<Value<'a>> = grants
        .iter()
        .flat_map(|g| g.roles.iter().map(move |r| Value::str(format!("{}:{}", g.app, r))))
        .collect();
    let activity = if privileges.is_empty() { UNKNOWN } else { ASSIGN };
    let mut c = ClassEvent::new(&USER_ACCESS_MANAGEMENT, activity, STATUS_SUCCESS);
    c.fields.insert_opt("actor", user_actor(actor));
    c.fields
        .insert("user", grantee.map_or_else(unknown_user, user_with_uid));
    c.fields.insert("privileges", Value::Array(privileges));
    // The apps the roles belong to, once each, in the order they first appear.
    let mut apps: Vec<&str> = Vec::new();
    let mut seen = HashSet::new();
    for g in grants {
        if !g.app.is_empty() && seen.insert(&*g.app) {
            apps.push(&g.app);
        }
    }
    if !apps.is_empty() {
        let resources = apps
            .into_iter()
            .map(|app| {
                let mut r = Map::with_capacity(2);
                r.insert("name", Value::str(app.to_owned()));
                r.insert("type", Value::str("Application"));
                Value::Object(r)
            })
            .collect();
        c.fields.insert("resources", Value::Array(resources));
    }
    c.leftover = leftover;
    c
}
