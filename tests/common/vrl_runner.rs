// The runner, included once per `vrl` crate version by vrl_program.rs (which names the crate
// `vrl_api` in the including module); the copies differ only in the crate they compile against.

use super::{Program as CompiledProgram, VrlOutcome};
use std::collections::BTreeMap;
use std::path::Path;
use vrl_api::compiler::runtime::{Runtime, Terminate};
use vrl_api::compiler::state::RuntimeState;
use vrl_api::compiler::{Program, TargetValue, TimeZone};
use vrl_api::value::{Secrets, Value};

/// A VRL program, compiled.
pub struct VrlProgram {
    program: Program,
    runtime: Runtime,
    timezone: TimeZone,
    warnings: Vec<String>,
}

impl VrlProgram {
    /// Compiles the shipped normalizing program; a compile error is a test failure with VRL's
    /// own diagnostics.
    pub fn load() -> Self {
        Self::load_file("mwsiem.vrl")
    }

    /// Compiles `transforms/vector/<name>`.
    pub fn load_file(name: &str) -> Self {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("transforms/vector").join(name);
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Self::compile(&source).unwrap_or_else(|e| panic!("{} does not compile:\n{e}", path.display()))
    }

    pub fn compile(source: &str) -> Result<Self, String> {
        let functions = vrl_api::stdlib::all();
        let compiled = vrl_api::compiler::compile(source, &functions)
            .map_err(|d| vrl_api::diagnostic::Formatter::new(source, d).to_string())?;
        let warnings = compiled
            .warnings
            .into_iter()
            .map(|w| vrl_api::diagnostic::Formatter::new(source, w).to_string())
            .collect();
        Ok(VrlProgram {
            program: compiled.program,
            runtime: Runtime::new(RuntimeState::default()),
            timezone: TimeZone::default(),
            warnings,
        })
    }

    /// The compiler's warnings, formatted as `vector validate` prints them.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Runs one record (its bytes as the `file` source would hand them over).
    pub fn run(&mut self, record: &[u8]) -> VrlOutcome {
        let mut event = BTreeMap::new();
        event.insert("message".into(), Value::Bytes(record.to_vec().into()));
        self.resolve(Value::Object(event))
    }

    /// Runs the dead-letter program on a dropped event whose `message` is `record`'s bytes.
    pub fn run_dead_letter(&mut self, record: &[u8], offset: u64, reason: &str) -> VrlOutcome {
        let mut dropped = BTreeMap::new();
        dropped.insert("reason".into(), Value::Bytes("abort".into()));
        dropped.insert("message".into(), Value::Bytes(reason.to_owned().into()));
        let mut metadata = BTreeMap::new();
        metadata.insert("dropped".into(), Value::Object(dropped));
        let mut event = BTreeMap::new();
        event.insert("message".into(), Value::Bytes(record.to_vec().into()));
        event.insert("offset".into(), Value::Integer(offset as i64));
        event.insert("file".into(), Value::Bytes("/m/logs/x.json".into()));
        event.insert("metadata".into(), Value::Object(metadata));
        self.resolve(Value::Object(event))
    }

    /// Runs one whole event given as JSON.
    pub fn run_event(&mut self, event: serde_json::Value) -> VrlOutcome {
        self.resolve(Value::from(event))
    }

    fn resolve(&mut self, event: Value) -> VrlOutcome {
        let json = |v: &Value| serde_json::to_string(v).expect("VRL values serialize");
        match self.resolve_value(event) {
            Ok(Value::Array(items)) => VrlOutcome::Events(items.iter().map(json).collect()),
            Ok(other) => VrlOutcome::Event(json(&other)),
            Err(outcome) => outcome,
        }
    }

    /// The event the program leaves, or how it stopped.
    fn resolve_value(&mut self, event: Value) -> Result<Value, VrlOutcome> {
        let mut target = TargetValue {
            value: event,
            metadata: Value::Object(BTreeMap::new()),
            secrets: Secrets::default(),
        };
        let result = self.runtime.resolve(&mut target, &self.program, &self.timezone);
        self.runtime.clear();
        match result {
            Ok(_) => Ok(target.value),
            Err(Terminate::Abort(e)) => {
                let message = e.to_string();
                let reason = message.split(':').next().unwrap_or("").trim().to_owned();
                Err(VrlOutcome::Aborted { reason, message })
            }
            Err(Terminate::Error(e)) => Err(VrlOutcome::Failed(e.to_string())),
            #[allow(unreachable_patterns)]
            Err(other) => Err(VrlOutcome::Failed(format!("{other:?}"))),
        }
    }
}

/// The shipped vector.yaml's two remap stages, `frame.vrl` then `mwsiem.vrl`.
pub struct VectorRemaps {
    frame: VrlProgram,
    mwsiem: VrlProgram,
}

impl VectorRemaps {
    pub fn load() -> Self {
        VectorRemaps {
            frame: VrlProgram::load_file("frame.vrl"),
            mwsiem: VrlProgram::load(),
        }
    }
}

impl super::Remaps for VectorRemaps {
    fn version(&self) -> &'static str {
        VERSION
    }

    fn warnings(&self) -> Vec<String> {
        self.frame.warnings().iter().chain(self.mwsiem.warnings()).cloned().collect()
    }

    fn file_event(&mut self, message: &[u8], offset: u64) -> Vec<VrlOutcome> {
        let mut event = BTreeMap::new();
        event.insert("message".into(), Value::Bytes(message.to_vec().into()));
        event.insert("offset".into(), Value::Integer(offset as i64));
        event.insert("file".into(), Value::Bytes("/mirror/logs/export.json".into()));
        match self.frame.resolve_value(Value::Object(event)) {
            Ok(Value::Array(records)) => records.into_iter().map(|r| self.mwsiem.resolve(r)).collect(),
            Ok(record) => vec![self.mwsiem.resolve(record)],
            // Stage 1 itself failed: a dead letter (it never should).
            Err(outcome) => vec![outcome],
        }
    }

    fn record(&mut self, record: &[u8]) -> VrlOutcome {
        self.mwsiem.run(record)
    }

    fn compile(&self, source: &str) -> Result<Box<dyn CompiledProgram>, String> {
        Ok(Box::new(VrlProgram::compile(source)?))
    }
}

impl CompiledProgram for VrlProgram {
    fn warnings(&self) -> &[String] {
        VrlProgram::warnings(self)
    }

    fn run(&mut self, record: &[u8]) -> VrlOutcome {
        VrlProgram::run(self, record)
    }

    fn run_event(&mut self, event: serde_json::Value) -> VrlOutcome {
        VrlProgram::run_event(self, event)
    }

    fn run_dead_letter(&mut self, record: &[u8], offset: u64, reason: &str) -> VrlOutcome {
        VrlProgram::run_dead_letter(self, record, offset, reason)
    }
}
