#![no_main]
//! The `python_literal` property of `mwsiem::invariants` on libFuzzer's inputs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mwsiem::invariants::python_literal(data));
