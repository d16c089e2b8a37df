#![no_main]
//! The `ldap_filter` property of `mwsiem::invariants` on libFuzzer's inputs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mwsiem::invariants::ldap_filter(data));
