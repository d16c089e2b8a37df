//! The dead-letter file: one NDJSON line per rejected record, with the reason, where it came from
//! and the record's exact bytes, for reprocessing. It may hold secrets the events never show, so
//! it is created readable by its owner only (0600).

use base64::Engine as _;
use mwsiem::Record;
use mwsiem::json::{Map, Value, write_value};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

pub struct DeadLetters {
    out: BufWriter<File>,
}

impl DeadLetters {
    pub fn create(path: &Path) -> io::Result<Self> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path)?;
        // An existing file keeps its old mode on open: tighten it.
        #[cfg(unix)]
        file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        Ok(DeadLetters {
            out: BufWriter::new(file),
        })
    }

    pub fn write(&mut self, source: &str, record: &Record<'_>, code: &str, message: &str) -> io::Result<()> {
        let line = dead_letter_line(source, record, code, message);
        self.out.write_all(&line)?;
        self.out.write_all(b"\n")
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// `{"reason":..,"message":..,"source":{"file","line","offset"},"record":..}`; a record that is
/// not UTF-8 is carried as `record_base64` so its bytes survive exactly.
pub fn dead_letter_line(source: &str, record: &Record<'_>, code: &str, message: &str) -> Vec<u8> {
    let mut m = Map::with_capacity(4);
    m.insert("reason", Value::str(code));
    m.insert("message", Value::str(message));
    let mut src = Map::with_capacity(3);
    src.insert("file", Value::str(source));
    src.insert("line", Value::Number(record.line.to_string().into()));
    src.insert("offset", Value::Number(record.offset.to_string().into()));
    m.insert("source", Value::Object(src));
    match std::str::from_utf8(record.bytes) {
        Ok(text) => m.insert("record", Value::str(text)),
        Err(_) => m.insert(
            "record_base64",
            Value::str(base64::engine::general_purpose::STANDARD.encode(record.bytes)),
        ),
    }
    let mut out = Vec::with_capacity(record.bytes.len() + 128);
    write_value(&mut out, &Value::Object(m));
    out
}
