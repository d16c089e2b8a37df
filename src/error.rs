//! What can go wrong with one record, as data.
//!
//! Every record becomes exactly one event or one [`RecordError`]; adapters turn the error into a
//! dead letter (CLI), a WIT error variant (component) or an in-band error event (Fluent Bit).
//! [`RecordError::code`] is a stable, machine-readable reason shared by all of them.

use crate::json::{ParseError, ParseErrorKind};
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("record of {size} bytes is over the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("invalid UTF-8 at byte {offset}")]
    InvalidUtf8 { offset: usize },
    #[error("invalid JSON at byte {offset}: {reason}")]
    InvalidJson { offset: usize, reason: Cow<'static, str> },
    #[error("nesting deeper than {limit} levels at byte {offset}")]
    TooDeep { offset: usize, limit: usize },
    #[error("record is JSON {found}, not an object")]
    NotAnObject { found: Cow<'static, str> },
    #[error("missing required field `{field}`")]
    MissingField { field: Cow<'static, str> },
    #[error("invalid field `{field}`: {reason}")]
    InvalidField { field: Cow<'static, str>, reason: String },
}

impl RecordError {
    /// A stable reason code for routing and counting (`invalid_json`, `missing_field`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            RecordError::TooLarge { .. } => "too_large",
            RecordError::InvalidUtf8 { .. } => "invalid_utf8",
            RecordError::InvalidJson { .. } => "invalid_json",
            RecordError::TooDeep { .. } => "too_deep",
            RecordError::NotAnObject { .. } => "not_an_object",
            RecordError::MissingField { .. } => "missing_field",
            RecordError::InvalidField { .. } => "invalid_field",
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        RecordError::InvalidField {
            field: Cow::Borrowed(field),
            reason: reason.into(),
        }
    }

    pub(crate) fn missing(field: &'static str) -> Self {
        RecordError::MissingField {
            field: Cow::Borrowed(field),
        }
    }
}

impl From<ParseError> for RecordError {
    fn from(e: ParseError) -> Self {
        match e.kind {
            ParseErrorKind::InvalidUtf8 => RecordError::InvalidUtf8 { offset: e.offset },
            ParseErrorKind::TooDeep { limit } => RecordError::TooDeep {
                offset: e.offset,
                limit,
            },
            kind => RecordError::InvalidJson {
                offset: e.offset,
                reason: Cow::Borrowed(kind.describe()),
            },
        }
    }
}
