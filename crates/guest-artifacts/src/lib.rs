//! The `mwsiem` WebAssembly component and Fluent Bit module, built by this crate's build script from the workspace's
//! own sources, embedded so that the `mwsiem` binary needs nothing else at run time.

/// The component (`wasm32-wasip2`, the WIT world `mwsiem:transform/transform-world`).
pub const COMPONENT: &[u8] = include_bytes!(env!("MWSIEM_COMPONENT_PATH"));

/// The Fluent Bit `wasm` filter module (`wasm32-wasip1`, exports `mwsiem_filter`, `malloc`, `free`).
pub const FLUENTBIT_MODULE: &[u8] = include_bytes!(env!("MWSIEM_FLUENTBIT_MODULE_PATH"));
