//! `transforms/vector/*.vrl` run the way Vector's `remap` transform runs them: compiled once
//! with the stock function library, then resolved against one event per record.
//!
//! Compiled twice, once against each `vrl` crate a supported Vector release locks: [`v0_33`]
//! (Vector 0.56.x, 0.57.x; the default, re-exported here) and [`v0_34`] (Vector 0.58.x). A
//! function that one of them lacks fails to compile there, as `vector validate` fails for users.
//!
//! Shared by the parity tests (tests/vector.rs) and the three-way benchmark (benches/three_way.rs),
//! which use different parts of it.
#![allow(dead_code)]

/// How a record ended in a VRL program: events (none, one, or several when the program sets the
/// root to an array, which Vector emits as one event per element), or a dead-letter reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VrlOutcome {
    /// The event as compact JSON.
    Event(String),
    /// The root was set to an array: Vector emits each element as its own event.
    Events(Vec<String>),
    /// `abort "<reason>: <message>"`: the reason code and the whole message.
    Aborted { reason: String, message: String },
    /// A runtime error Vector would also route to `dropped` (a bug in the program if it happens).
    Failed(String),
}

/// vector.yaml's remap stages compiled against one `vrl` version.
pub trait Remaps {
    /// The `vrl` crate version.
    fn version(&self) -> &'static str;
    /// Every compiler warning of both programs.
    fn warnings(&self) -> Vec<String>;
    /// One event of the file source (`message`, `offset`) through both stages: what leaves
    /// stage 2 for each record stage 1 made (none for a blank line).
    fn file_event(&mut self, message: &[u8], offset: u64) -> Vec<VrlOutcome>;
    /// One record straight into stage 2.
    fn record(&mut self, record: &[u8]) -> VrlOutcome;
}

/// The remap stages for every supported `vrl` version, oldest first.
pub fn all_remaps() -> Vec<Box<dyn Remaps>> {
    vec![
        Box::new(v0_33::VectorRemaps::load()),
        Box::new(v0_34::VectorRemaps::load()),
    ]
}

/// Against `vrl` 0.33.1 (Vector 0.56.x and 0.57.x).
pub mod v0_33 {
    use ::vrl as vrl_api;
    const VERSION: &str = "0.33.1";
    include!("vrl_runner.rs");
}

/// Against `vrl` 0.34.0 (Vector 0.58.x).
pub mod v0_34 {
    use ::vrl_034 as vrl_api;
    const VERSION: &str = "0.34.0";
    include!("vrl_runner.rs");
}

pub use v0_33::VrlProgram;
