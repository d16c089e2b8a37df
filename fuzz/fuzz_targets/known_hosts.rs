#![no_main]
//! `known_hosts` parsing and matching (the binary's `src/pull/known_hosts.rs`, compiled in
//! here: the pull side is not part of the library) on libFuzzer's inputs.
#[path = "../../src/pull/known_hosts.rs"]
#[allow(dead_code)]
mod known_hosts;
libfuzzer_sys::fuzz_target!(|data: &[u8]| known_hosts::property(data));
