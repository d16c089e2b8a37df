//! The one table of OCSF 1.8.0 ids and captions mwsiem emits.
//!
//! Every `class_uid`, `category_uid`, `activity_id`, `type_uid` and caption in an event comes from
//! here, so they cannot disagree. The captions are OCSF's own (checked against the official
//! compiled schema by the test suite, `testdata/ocsf/1.8.0/semantics.json`).

/// An OCSF event class and the activities mwsiem uses in it.
#[derive(Debug, PartialEq, Eq)]
pub struct OcsfClass {
    pub uid: u32,
    pub name: &'static str,
    pub category_uid: u32,
    /// `None` for Base Event, which has no category.
    pub category_name: Option<&'static str>,
    /// `(activity_id, activity_name, type_name)`.
    pub activities: &'static [(u8, &'static str, &'static str)],
}

impl OcsfClass {
    /// The caption of `activity_id`, if this class defines it.
    pub fn activity_name(&self, id: u8) -> Option<&'static str> {
        self.activities.iter().find(|(i, ..)| *i == id).map(|(_, n, _)| *n)
    }

    /// `type_name` for `activity_id` (`"API Activity: Create"`; `"...: Other"` for 99).
    pub fn type_name(&self, id: u8) -> Option<&'static str> {
        self.activities.iter().find(|(i, ..)| *i == id).map(|(.., t)| *t)
    }
}

pub const API_ACTIVITY: OcsfClass = OcsfClass {
    uid: 6003,
    name: "API Activity",
    category_uid: 6,
    category_name: Some("Application Activity"),
    activities: &[
        (0, "Unknown", "API Activity: Unknown"),
        (1, "Create", "API Activity: Create"),
        (2, "Read", "API Activity: Read"),
        (3, "Update", "API Activity: Update"),
        (4, "Delete", "API Activity: Delete"),
        (99, "Other", "API Activity: Other"),
    ],
};

pub const DATASTORE_ACTIVITY: OcsfClass = OcsfClass {
    uid: 6005,
    name: "Datastore Activity",
    category_uid: 6,
    category_name: Some("Application Activity"),
    activities: &[
        (0, "Unknown", "Datastore Activity: Unknown"),
        (1, "Read", "Datastore Activity: Read"),
        (2, "Update", "Datastore Activity: Update"),
        (3, "Connect", "Datastore Activity: Connect"),
        (4, "Query", "Datastore Activity: Query"),
        (5, "Write", "Datastore Activity: Write"),
        (6, "Create", "Datastore Activity: Create"),
        (7, "Delete", "Datastore Activity: Delete"),
        (8, "List", "Datastore Activity: List"),
        (99, "Other", "Datastore Activity: Other"),
    ],
};

pub const AUTHENTICATION: OcsfClass = OcsfClass {
    uid: 3002,
    name: "Authentication",
    category_uid: 3,
    category_name: Some("Identity & Access Management"),
    activities: &[
        (0, "Unknown", "Authentication: Unknown"),
        (1, "Logon", "Authentication: Logon"),
        (2, "Logoff", "Authentication: Logoff"),
        (99, "Other", "Authentication: Other"),
    ],
};

pub const ENTITY_MANAGEMENT: OcsfClass = OcsfClass {
    uid: 3004,
    name: "Entity Management",
    category_uid: 3,
    category_name: Some("Identity & Access Management"),
    activities: &[
        (0, "Unknown", "Entity Management: Unknown"),
        (1, "Create", "Entity Management: Create"),
        (2, "Read", "Entity Management: Read"),
        (3, "Update", "Entity Management: Update"),
        (4, "Delete", "Entity Management: Delete"),
        (99, "Other", "Entity Management: Other"),
    ],
};

pub const USER_ACCESS_MANAGEMENT: OcsfClass = OcsfClass {
    uid: 3005,
    name: "User Access Management",
    category_uid: 3,
    category_name: Some("Identity & Access Management"),
    activities: &[
        (0, "Unknown", "User Access Management: Unknown"),
        (1, "Assign Privileges", "User Access Management: Assign Privileges"),
        (2, "Revoke Privileges", "User Access Management: Revoke Privileges"),
        (99, "Other", "User Access Management: Other"),
    ],
};

pub const BASE_EVENT: OcsfClass = OcsfClass {
    uid: 0,
    name: "Base Event",
    category_uid: 0,
    category_name: None,
    activities: &[
        (0, "Unknown", "Base Event: Unknown"),
        (99, "Other", "Base Event: Other"),
    ],
};

/// Every class mwsiem emits.
pub const CLASSES: [&OcsfClass; 6] = [
    &API_ACTIVITY,
    &DATASTORE_ACTIVITY,
    &AUTHENTICATION,
    &ENTITY_MANAGEMENT,
    &USER_ACCESS_MANAGEMENT,
    &BASE_EVENT,
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
            for (id, name, type_name) in c.activities {
                assert_eq!(*type_name, format!("{}: {name}", c.name), "{id}");
            }
            assert_eq!(c.activity_name(0), Some("Unknown"), "{}", c.name);
            assert_eq!(c.activity_name(ACTIVITY_OTHER), Some("Other"), "{}", c.name);
        }
    }

    #[test]
    fn log_levels() {
        assert_eq!(severity_id_of_log_level("INFO"), Some(1));
        assert_eq!(severity_id_of_log_level("error"), Some(3));
        assert_eq!(severity_id_of_log_level("LOUD"), None);
    }
}
