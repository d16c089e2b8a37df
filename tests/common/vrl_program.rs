//! `transforms/vector/mwsiem.vrl` run the way Vector's `remap` transform runs it: compiled once
//! with the stock function library, then resolved against one event per record, the record's
//! text in `.message` (what Vector's `file` source produces).
//!
//! Shared by the parity test (tests/vector.rs) and the three-way benchmark (benches/three_way.rs),
//! which use different parts of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use vrl::compiler::runtime::{Runtime, Terminate};
use vrl::compiler::state::RuntimeState;
use vrl::compiler::{Program, TargetValue, TimeZone};
use vrl::value::{Secrets, Value};

/// The VRL program, compiled.
pub struct VrlProgram {
    program: Program,
    runtime: Runtime,
    timezone: TimeZone,
}

/// How a record ended in the VRL program: an event, or a dead-letter reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VrlOutcome {
    /// The event as compact JSON.
    Event(String),
    /// `abort "<reason>: <message>"`: the reason code and the whole message.
    Aborted { reason: String, message: String },
    /// A runtime error Vector would also route to `dropped` (a bug in the program if it happens).
    Failed(String),
}

impl VrlProgram {
    /// Compiles the shipped program; a compile error is a test failure with VRL's own diagnostics.
    pub fn load() -> Self {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("transforms/vector/mwsiem.vrl");
        let source = std::fs::read_to_string(&path).expect("transforms/vector/mwsiem.vrl");
        Self::compile(&source).unwrap_or_else(|e| panic!("{} does not compile:\n{e}", path.display()))
    }

    pub fn compile(source: &str) -> Result<Self, String> {
        let functions = vrl::stdlib::all();
        let compiled = vrl::compiler::compile(source, &functions)
            .map_err(|d| vrl::diagnostic::Formatter::new(source, d).to_string())?;
        Ok(VrlProgram {
            program: compiled.program,
            runtime: Runtime::new(RuntimeState::default()),
            timezone: TimeZone::default(),
        })
    }

    /// Runs one record (its bytes as the `file` source would hand them over).
    pub fn run(&mut self, record: &[u8]) -> VrlOutcome {
        let mut event = BTreeMap::new();
        event.insert("message".into(), Value::Bytes(record.to_vec().into()));
        self.resolve(Value::Object(event))
    }

    /// Runs one whole event given as JSON.
    pub fn run_event(&mut self, event: serde_json::Value) -> VrlOutcome {
        self.resolve(Value::from(event))
    }

    fn resolve(&mut self, event: Value) -> VrlOutcome {
        let mut target = TargetValue {
            value: event,
            metadata: Value::Object(BTreeMap::new()),
            secrets: Secrets::default(),
        };
        let result = self.runtime.resolve(&mut target, &self.program, &self.timezone);
        self.runtime.clear();
        match result {
            Ok(_) => VrlOutcome::Event(serde_json::to_string(&target.value).expect("VRL values serialize")),
            Err(Terminate::Abort(e)) => {
                let message = e.to_string();
                let reason = message.split(':').next().unwrap_or("").trim().to_owned();
                VrlOutcome::Aborted { reason, message }
            }
            Err(Terminate::Error(e)) => VrlOutcome::Failed(e.to_string()),
            Err(other) => VrlOutcome::Failed(format!("{other:?}")),
        }
    }
}
