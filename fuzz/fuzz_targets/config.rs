#![no_main]
//! The `config` property of `mwsiem::invariants` on libFuzzer's inputs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mwsiem::invariants::config(data));
