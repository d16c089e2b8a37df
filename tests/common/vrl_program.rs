//! `transforms/vector/*.vrl` run the way Vector's `remap` transform runs them: compiled once
//! with the stock function library, then resolved against one event per record.
//!
//! Compiled once against each `vrl` crate a supported Vector release locks, and against the
//! newest crate as an early warning for the next Vector ([`VERSIONS`]). A function one of them
//! lacks fails to compile there, and a warning fails the tests, as `vector validate` fails (or
//! warns at every start) for users.
//!
//! Shared by the parity tests (tests/vector.rs, tests/vector_shapes.rs, tests/credentials.rs)
//! and the three-way benchmark (benches/three_way.rs), which use different parts of it.
#![allow(dead_code)]

/// The `vrl` crates the programs are compiled with, oldest first, and the Vector releases that
/// run each (from Vector's own Cargo.lock and release notes; `../shared/forwarders.md`).
pub const VERSIONS: [(&str, &str); 5] = [
    ("0.33.1", "Vector 0.56.x"),
    ("0.34.0", "Vector 0.57.x"),
    ("0.35.0", "Vector 0.58.x"),
    ("0.36.0", "Vector 0.59.x"),
    ("0.38.0", "the newest vrl crate, for the next Vector"),
];

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

/// One compiled program, whichever `vrl` crate compiled it.
pub trait Program {
    /// The compiler's warnings, formatted as `vector validate` prints them.
    fn warnings(&self) -> &[String];
    /// Runs one record (its bytes as the `file` source would hand them over).
    fn run(&mut self, record: &[u8]) -> VrlOutcome;
    /// Runs one whole event given as JSON.
    fn run_event(&mut self, event: serde_json::Value) -> VrlOutcome;
    /// Runs the dead-letter program on a dropped event whose `message` is `record`'s bytes.
    fn run_dead_letter(&mut self, record: &[u8], offset: u64, reason: &str) -> VrlOutcome;
}

/// vector.yaml's remap stages compiled against one `vrl` version.
pub trait Remaps {
    /// The `vrl` crate version.
    fn version(&self) -> &'static str;
    /// `vrl X (Vector Y)`, for test messages.
    fn label(&self) -> String {
        let vector = VERSIONS
            .iter()
            .find(|(v, _)| *v == self.version())
            .map_or("?", |(_, r)| r);
        format!("vrl {} ({vector})", self.version())
    }
    /// Every compiler warning of both programs.
    fn warnings(&self) -> Vec<String>;
    /// One event of the file source (`message`, `offset`) through both stages: what leaves
    /// stage 2 for each record stage 1 made (none for a blank line).
    fn file_event(&mut self, message: &[u8], offset: u64) -> Vec<VrlOutcome>;
    /// One record straight into stage 2.
    fn record(&mut self, record: &[u8]) -> VrlOutcome;
    /// Any other program (an inline remap `source` of a shipped config) with the same crate.
    fn compile(&self, source: &str) -> Result<Box<dyn Program>, String>;
}

/// The remap stages for every `vrl` version in [`VERSIONS`], oldest first.
// The `differential` fuzz target builds only the oldest and the newest crate (see below).
#[cfg(not(fuzzing))]
pub fn all_remaps() -> Vec<Box<dyn Remaps>> {
    let all: Vec<Box<dyn Remaps>> = vec![
        Box::new(v0_33::VectorRemaps::load()),
        Box::new(v0_34::VectorRemaps::load()),
        Box::new(v0_35::VectorRemaps::load()),
        Box::new(v0_36::VectorRemaps::load()),
        Box::new(v0_38::VectorRemaps::load()),
    ];
    let versions: Vec<_> = all.iter().map(|r| r.version()).collect();
    let listed: Vec<_> = VERSIONS.iter().map(|(v, _)| *v).collect();
    assert_eq!(versions, listed, "every listed vrl version is compiled");
    all
}

/// The runner compiled against one `vrl` crate (renamed `vrl_api` inside the module).
macro_rules! vrl_version {
    ($module:ident, $krate:ident, $version:literal) => {
        pub mod $module {
            use ::$krate as vrl_api;
            const VERSION: &str = $version;
            include!("vrl_runner.rs");
        }
    };
}

vrl_version!(v0_33, vrl_033, "0.33.1");
// The fuzz crate has only the oldest and the newest crate: the VRL compiler is the largest
// build in the tree, and instrumented five times it would take hours on a small machine.
#[cfg(not(fuzzing))]
vrl_version!(v0_34, vrl_034, "0.34.0");
#[cfg(not(fuzzing))]
vrl_version!(v0_35, vrl_035, "0.35.0");
#[cfg(not(fuzzing))]
vrl_version!(v0_36, vrl_036, "0.36.0");
vrl_version!(v0_38, vrl_038, "0.38.0");

/// `source` (an inline remap of a shipped config, or a program changed by a test) compiled with
/// every `vrl` in [`VERSIONS`]: a compile error or a warning fails the test, naming `what`.
#[cfg(not(fuzzing))]
pub fn compile_in_every_vrl(source: &str, what: &str) -> Vec<(String, Box<dyn Program>)> {
    all_remaps()
        .into_iter()
        .map(|remaps| {
            let label = remaps.label();
            let program = remaps
                .compile(source)
                .unwrap_or_else(|e| panic!("{label}: {what} does not compile:\n{e}"));
            assert!(
                program.warnings().is_empty(),
                "{label}: {what}: {:?}",
                program.warnings()
            );
            (label, program)
        })
        .collect()
}

/// The oldest supported version's runner, for tests of one program's behaviour.
#[allow(unused_imports)]
pub use v0_33::VrlProgram;
