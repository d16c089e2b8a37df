//! Base Event (0): event types and schema versions this build does not know.
//! The whole record is under `unmapped` (see `decode`); the envelope still fills `metadata`.

use super::ClassEvent;
use super::table::{ACTIVITY_OTHER, BASE_EVENT, STATUS_UNKNOWN};
use std::borrow::Cow;

pub(super) fn unknown<'a>(event_type: &Cow<'a, str>) -> ClassEvent<'a> {
    let mut c = ClassEvent::new(&BASE_EVENT, ACTIVITY_OTHER, STATUS_UNKNOWN);
    c.activity_other = Some(event_type.clone());
    c
}
