//! JSON in and out for the core: an exact, order-keeping tree ([`Value`]), a strict bounded-depth
//! parser and a deterministic writer.

mod parse;
pub(crate) mod scan;
mod value;
mod write;

pub use parse::{ParseError, ParseErrorKind, parse};
pub use value::{Map, Value};
pub use write::{to_string, write_int, write_str, write_value};
