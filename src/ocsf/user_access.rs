//! User Access Management (3005): PERMISSION_CHANGE.
//!
//! OCSF has one `user` per event, and a record may grant roles to several users: the record
//! becomes **one event per grantee**, each with only that grantee's `app:role` privileges and
//! the apps they belong to as `resources` (one event with every grantee's roles would credit one
//! user with another's admin role). Grantees come in the order they first appear; entries without
//! a grantee are one event for an unidentified user. A grantee given no role (and a record whose
//! `assigned_roles` is empty) assigned nothing: activity Unknown, never Assign Privileges.
//! `normalize` ties the events of one record together with `metadata.correlation_uid`; the
//! record's keys no mapper takes (`unmapped`) ride on its first event only, each event's part
//! of `all_roles` on each.

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
    // The record's leftovers ride on its first event, but for `all_roles`, which is per grantee
    // too: a copy in each would make a record naming n grantees n times its size.
    let n = grantees.len();
    let mut extra = extra;
    let mut all_roles = if n > 1 {
        split_all_roles(&mut extra, &index)
    } else {
        None
    };
    let mut extra = Some(extra);
    grantees
        .into_iter()
        .enumerate()
        .map(|(i, (grantee, grants))| {
            let mut leftover = extra.take().unwrap_or_else(Map::new);
            if let Some(parts) = all_roles.as_mut() {
                let part = Value::Array(std::mem::take(&mut parts[i]));
                match leftover.get_mut("all_roles") {
                    Some(slot) => *slot = part,
                    None => leftover.insert("all_roles", part),
                }
            }
            grantee_event(user_id.clone(), grantee, &grants, leftover)
        })
        .collect()
}

/// `all_roles` (every role each grantee now holds) split by grantee, in the events' order, its
/// place in `extra` left empty: each event shows its own grantee's roles, as it shows only that
/// grantee's privileges, and a record naming n grantees costs O(n) output, not n copies of
/// every grantee's roles. An entry naming no grantee goes with the unidentified user's event;
/// one whose grantee has no event of its own, or that is not an object with a text grantee,
/// goes with the first event, so nothing is dropped. `None` when `all_roles` is not a list.
fn split_all_roles<'a>(
    extra: &mut Map<'a>,
    index: &HashMap<Option<Cow<'a, str>>, usize>,
) -> Option<Vec<Vec<Value<'a>>>> {
    let Some(Value::Array(items)) = extra.get_mut("all_roles") else {
        return None;
    };
    let mut parts = vec![Vec::new(); index.len().max(1)];
    for item in std::mem::take(items) {
        let key = match item.as_object().map(|m| m.get("grantee")) {
            Some(None) => Some(None),
            Some(Some(Value::String(g) | Value::Number(g))) => Some(Some(g.clone())),
            _ => None,
        };
        let at = key.and_then(|k| index.get(&k).copied()).unwrap_or(0);
        parts[at].push(item);
    }
    Some(parts)
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
