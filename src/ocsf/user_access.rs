//! User Access Management (3005): PERMISSION_CHANGE.
//!
//! Each `{app, roles, grantee}` grant becomes `app:role` privileges. OCSF has one `user` per
//! event: it is the grantee. When one record grants roles to several grantees, OCSF cannot say
//! who got what, so the original `assigned_roles` is also kept under `unmapped`. The apps the
//! roles belong to are the `resources`.

use super::table::{STATUS_SUCCESS, USER_ACCESS_MANAGEMENT};
use super::{ClassEvent, unknown_user, user_actor, user_with_uid};
use crate::decode::PermissionChangeEvent;
use crate::json::{Map, Value};

pub(super) fn permission_change(e: PermissionChangeEvent<'_>) -> ClassEvent<'_> {
    let mut c = ClassEvent::new(&USER_ACCESS_MANAGEMENT, 1, STATUS_SUCCESS);
    c.fields.insert_opt("actor", user_actor(e.user_id));
    let mut grantees = e.assigned_roles.iter().filter_map(|g| g.grantee.as_ref());
    let first = grantees.next().cloned();
    let several = grantees.any(|g| Some(g) != first.as_ref());
    c.fields.insert("user", first.map_or_else(unknown_user, user_with_uid));
    let privileges = e
        .assigned_roles
        .iter()
        .flat_map(|g| g.roles.iter().map(move |r| Value::str(format!("{}:{}", g.app, r))))
        .collect();
    c.fields.insert("privileges", Value::Array(privileges));
    // The apps the roles belong to, once each, in the order they first appear.
    let mut apps: Vec<&str> = Vec::new();
    for g in &e.assigned_roles {
        if !g.app.is_empty() && !apps.contains(&&*g.app) {
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
    c.leftover = e.extra;
    if several {
        c.leftover.insert("assigned_roles", e.assigned_roles_raw);
    }
    c
}
