#![no_main]
//! Structure-aware records (`tests/common/differential_gen.rs`) through the native core, the
//! component in wasmtime and the VRL program with the oldest and the newest supported `vrl`
//! crate (`tests/common/differential.rs`): the same events or the same rejection, apart from
//! the listed differences. Build with `--features differential` (the VRL crates).
#[path = "../../tests/common/differential.rs"]
mod differential;
#[path = "../../tests/common/differential_gen.rs"]
mod differential_gen;
#[path = "../../tests/common/vrl_program.rs"]
mod vrl_program;
libfuzzer_sys::fuzz_target!(init: differential::init(), |data: &[u8]| differential::property(data));
