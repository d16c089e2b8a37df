#![no_main]
//! The `framer` property of `mwsiem::invariants` on libFuzzer's inputs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mwsiem::invariants::framer(data));
