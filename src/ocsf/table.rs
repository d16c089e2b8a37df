//! The one table of OCSF 1.8.0 ids and captions mwsiem emits.
//!
//! Every `class_uid`, `category_uid`, `activity_id`, `type_uid` and caption in an event comes from
//! here, so they cannot disagree. The captions are OCSF's own (checked against the official
//! compiled schema by the test suite, `testdata/ocsf/1.8.0/semantics.json`). `category_name` and
//! `type_name` are not written: they are captions of `category_uid` and `type_uid` (OCSF
//! optional), and the bytes go to `message` and `observables` instead (README, "Event size").

/// An OCSF event class and the activities mwsiem uses in it.
#[derive(Debug, PartialEq, Eq)]
pub struct OcsfClass {
    pub uid: u32,
    pub name: &'static str,
    pub category_uid: u32,
    /// `(activity_id, activity_name)`.
    pub activities: &'static [(u8, &'static str)],
}

impl OcsfClass {
    /// The caption of `activity_id`, if this class defines it.
    pub fn activity_name(&self, id: u8) -> Option<&'static str> {
        self.activities.iter().find(|(i, _)| *i == id).map(|(_, n)| *n)
    }
}

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
    activities: CRUD_ACTIVITIES,
};

pub const DATASTORE_ACTIVITY: OcsfClass = OcsfClass {
    uid: 6005,
    name: "Datastore Activity",
    category_uid: 6,
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
};

pub const AUTHENTICATION: OcsfClass = OcsfClass {
    uid: 3002,
    name: "Authentication",
    category_uid: 3,
    activities: &[(0, "Unknown"), (1, "Logon"), (2, "Logoff"), (99, "Other")],
};

pub const ENTITY_MANAGEMENT: OcsfClass = OcsfClass {
    uid: 3004,
    name: "Entity Management",
    category_uid: 3,
    activities: CRUD_ACTIVITIES,
};

pub const USER_ACCESS_MANAGEMENT: OcsfClass = OcsfClass {
    uid: 3005,
    name: "User Access Management",
    category_uid: 3,
    activities: &[
        (0, "Unknown"),
        (1, "Assign Privileges"),
        (2, "Revoke Privileges"),
        (99, "Other"),
    ],
};

pub const BASE_EVENT: OcsfClass = OcsfClass {
    uid: 0,
    name: "Base Event",
    category_uid: 0,
    activities: &[(0, "Unknown"), (99, "Other")],
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
