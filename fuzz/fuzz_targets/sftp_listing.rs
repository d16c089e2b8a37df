#![no_main]
//! SFTP listing names (the binary's `src/pull/listing.rs`, compiled in here: the pull side is
//! not part of the library) on libFuzzer's inputs: a file never lands outside the mirror.
#[path = "../../src/pull/listing.rs"]
#[allow(dead_code)]
mod listing;
libfuzzer_sys::fuzz_target!(|data: &[u8]| listing::property(data));
