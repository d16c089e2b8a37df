#![no_main]
//! The Fluent Bit module's line API in wasmtime, against the native core
//! (`tests/common/fluentbit_lines.rs`, compiled in here with the test host it drives).
#[path = "../../tests/common/fluentbit_host.rs"]
mod fluentbit_host;
#[path = "../../tests/common/fluentbit_lines.rs"]
mod fluentbit_lines;
libfuzzer_sys::fuzz_target!(|data: &[u8]| fluentbit_lines::property(data));
