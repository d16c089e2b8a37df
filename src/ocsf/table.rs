//! The one table of OCSF 1.8.0 ids and captions mwsiem emits.
//!
//! Every `class_uid`, `category_uid`, `activity_id`, `type_uid` and caption in an event comes from
//! here, so they cannot disagree. The captions are OCSF's own (checked against the official
//! compiled schema by the test suite, `testdata/ocsf/1.8.0/semantics.json`). Every caption is
//! written by default, as every peer producer writes them (tables that predefine them would get
//! NULL columns otherwise); `output.captions = false` leaves out those a reader can derive from
//! the ids.

/// An OCSF event class and the activities mwsiem uses in it.
#[derive(Debug, PartialEq, Eq)]
pub struct OcsfClass {
    pub uid: u32,
    pub name: &'static str,
    pub category_uid: u32,
    /// The caption of `category_uid`.
    pub category_name: &'static str,
    /// `(activity_id, activity_name)`.
    pub activities: &'static [(u8, &'static str)],
    /// `(activity_id, type_name)`: `"<class>: <activity>"`, written out so no event allocates it.
    pub type_names: &'static [(u8, &'static str)],
}

impl OcsfClass {
    /// The caption of `activity_id`, if this class defines it.
    pub fn activity_name(&self, id: u8) -> Option<&'static str> {
        self.activities.iter().find(|(i, _)| *i == id).map(|(_, n)| *n)
    }

    /// The caption of `type_uid` (`API Activity: Read`): the class and the activity's caption,
    /// whatever source word `activity_name` holds for 99.
    pub fn type_name(&self, activity_id: u8) -> &'static str {
        self.type_names
            .iter()
            .find(|(i, _)| *i == activity_id)
            .map_or("Other", |(_, n)| *n)
    }
}

const APPLICATION_ACTIVITY: &str = "Application Activity";
const IDENTITY_AND_ACCESS: &str = "Identity & Access Management";

/// The activities API Activity and Entity Management share (OCSF defines both alike).
const CRUD_ACTIVITIES: &[(u8, &str)] = &[
    (0, "Unknown"),
    (1, "Create"),
    (2, "Read"),
    (3, "Update"),
    (4, "Delete"),
    (99, "Other"),
];

pub const API_ACTIVITY: OcsfClass = OcsfClass {
    uid: 6003,
    name: "API Activity",
    category_uid: 6,
    category_name: APPLICATION_ACTIVITY,
    activities: CRUD_ACTIVITIES,
    type_names: &[
        (0, "API Activity: Unknown"),
        (1, "API Activity: Create"),
        (2, "API Activity: Read"),
        (3, "API Activity: Update"),
        (4, "API Activity: Delete"),
        (99, "API Activity: Other"),
    ],
};

pub const DATASTORE_ACTIVITY: OcsfClass = OcsfClass {
    uid: 6005,
    name: "Datastore Activity",
    category_uid: 6,
    category_name: APPLICATION_ACTIVITY,
    activities: &[
        (0, "Unknown"),
        (1, "Read"),
        (2, "Update"),
        (3, "Connect"),
        (4, "Query"),
        (5, "Write"),
        (6, "Create"),
        (7, "Delete"),
        (8, "List"),
        (99, "Other"),
    ],
    type_names: &[
        (0, "Datastore Activity: Unknown"),
        (1, "Datastore Activity: Read"),
        (2, "Datastore Activity: Update"),
        (3, "Datastore Activity: Connect"),
        (4, "Datastore Activity: Query"),
        (5, "Datastore Activity: Write"),
        (6, "Datastore Activity: Create"),
        (7, "Datastore Activity: Delete"),
        (8, "Datastore Activity: List"),
        (99, "Datastore Activity: Other"),
    ],
};

pub const AUTHENTICATION: OcsfClass = OcsfClass {
    uid: 3002,
    name: "Authentication",
    category_uid: 3,
    category_name: IDENTITY_AND_ACCESS,
    activities: &[(0, "Unknown"), (1, "Logon"), (2, "Logoff"), (99, "Other")],
    type_names: &[
        (0, "Authentication: Unknown"),
        (1, "Authentication: Logon"),
        (2, "Authentication: Logoff"),
        (99, "Authentication: Other"),
    ],
};

pub const ENTITY_MANAGEMENT: OcsfClass = OcsfClass {
    uid: 3004,
    name: "Entity Management",
    category_uid: 3,
    category_name: IDENTITY_AND_ACCESS,
    activities: CRUD_ACTIVITIES,
    type_names: &[
        (0, "Entity Management: Unknown"),
        (1, "Entity Management: Create"),
        (2, "Entity Management: Read"),
        (3, "Entity Management: Update"),
        (4, "Entity Management: Delete"),
        (99, "Entity Management: Other"),
    ],
};

pub const USER_ACCESS_MANAGEMENT: OcsfClass = OcsfClass {
    uid: 3005,
    name: "User Access Management",
    category_uid: 3,
    category_name: IDENTITY_AND_ACCESS,
    activities: &[
        (0, "Unknown"),
        (1, "Assign Privileges"),
        (2, "Revoke Privileges"),
        (99, "Other"),
    ],
    type_names: &[
        (0, "User Access Management: Unknown"),
        (1, "User Access Management: Assign Privileges"),
        (2, "User Access Management: Revoke Privileges"),
        (99, "User Access Management: Other"),
    ],
};

/// Every class mwsiem emits.
pub const CLASSES: [&OcsfClass; 5] = [
    &API_ACTIVITY,
    &DATASTORE_ACTIVITY,
    &AUTHENTICATION,
    &ENTITY_MANAGEMENT,
    &USER_ACCESS_MANAGEMENT,
];

pub const ACTIVITY_OTHER: u8 = 99;

/// `status_id` captions (the same in every class).
pub fn status_caption(id: u8) -> Option<&'static str> {
    Some(match id {
        0 => "Unknown",
        1 => "Success",
        2 => "Failure",
        99 => "Other",
        _ => return None,
    })
}

pub const STATUS_UNKNOWN: u8 = 0;
pub const STATUS_SUCCESS: u8 = 1;
pub const STATUS_FAILURE: u8 = 2;

/// `severity_id` captions (the same in every class).
pub fn severity_caption(id: u8) -> Option<&'static str> {
    Some(match id {
        0 => "Unknown",
        1 => "Informational",
        2 => "Low",
        3 => "Medium",
        4 => "High",
        5 => "Critical",
        6 => "Fatal",
        99 => "Other",
        _ => return None,
    })
}

/// The export's `severity` (a log level) as an OCSF `severity_id`; `None` means Other (99).
///
/// An ERROR record reports a failed operation, not an attack: Medium, not High.
pub fn severity_id_of_log_level(level: &str) -> Option<u8> {
    Some(match level.to_ascii_uppercase().as_str() {
        "TRACE" | "DEBUG" | "INFO" | "INFORMATIONAL" | "NOTICE" => 1,
        "WARN" | "WARNING" => 2,
        "ERROR" | "ERR" => 3,
        "CRITICAL" | "CRIT" | "ALERT" => 5,
        "FATAL" | "EMERGENCY" | "EMERG" => 6,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_defines_unknown_and_other() {
        for c in CLASSES {
            assert_eq!(c.activity_name(0), Some("Unknown"), "{}", c.name);
            assert_eq!(c.activity_name(ACTIVITY_OTHER), Some("Other"), "{}", c.name);
        }
    }

    #[test]
    fn type_names_are_the_class_and_the_activity() {
        for c in CLASSES {
            for (id, activity) in c.activities {
                assert_eq!(c.type_name(*id), format!("{}: {activity}", c.name));
            }
            assert_eq!(c.type_names.len(), c.activities.len(), "{}", c.name);
        }
    }

    #[test]
    fn log_levels() {
        assert_eq!(severity_id_of_log_level("INFO"), Some(1));
        assert_eq!(severity_id_of_log_level("error"), Some(3));
        assert_eq!(severity_id_of_log_level("LOUD"), None);
    }
}
