//! Builds the `mwsiem` library for `wasm32-wasip2` (the component, via wit-bindgen) and for
//! `wasm32-wasip1` (the Fluent Bit filter module) and hands their paths to `src/lib.rs`, so that
//! a plain `cargo build` of the CLI embeds both.
//!
//! Following wasmtime's `crates/test-programs/artifacts/build.rs`: a separate target directory
//! (the outer build holds a lock on its own), no inherited `CARGO_ENCODED_RUSTFLAGS` or rustc
//! wrappers (clippy's would lint the guest), and `rerun-if-changed` from the guest's `.d` file.
//! The guest is always built in release: size and speed are what it is for.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest_dir.join("../..").canonicalize().expect("workspace root");
    let target_dir = out_dir.join("guest-target");

    let component = build(&root, &target_dir, "wasm32-wasip2", &[]);
    println!("cargo:rustc-env=MWSIEM_COMPONENT_PATH={}", component.display());
    // Fluent Bit copies records in with the module's own malloc/free when both are exported;
    // they are wasi-libc's (defining them in Rust would clash).
    let module = build(
        &root,
        &target_dir,
        "wasm32-wasip1",
        &["-C", "link-arg=--export=malloc", "-C", "link-arg=--export=free"],
    );
    println!("cargo:rustc-env=MWSIEM_FLUENTBIT_MODULE_PATH={}", module.display());
    println!("cargo:rerun-if-changed=build.rs");
}

/// Builds the library as a `cdylib` for `target`; returns the `.wasm` path.
fn build(root: &Path, target_dir: &Path, target: &str, rustc_args: &[&str]) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "rustc",
            "--lib",
            "--release",
            "--locked",
            "--crate-type",
            "cdylib",
            "--target",
            target,
        ])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_BUILD_RUSTC_WRAPPER")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("MAKEFLAGS")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true")
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "3")
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort")
        // The component may use 128-bit SIMD: every wasmtime runs it, and memchr and the byte
        // scans use it (8% fewer instructions per record, tests/budget.rs). The Fluent Bit
        // module may not: Fluent Bit builds WAMR with WAMR_BUILD_SIMD 0
        // (src/wasm/CMakeLists.txt), so a SIMD instruction would fail to load.
        .env("CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS", "-Ctarget-feature=+simd128")
        .env_remove("CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS");
    if !rustc_args.is_empty() {
        cmd.arg("--").args(rustc_args);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo for the {target} guest: {e}"));
    if !status.success() {
        panic!(
            "building the {target} guest failed ({status}); is the target installed? run: rustup target add {target}"
        );
    }
    let wasm = target_dir.join(target).join("release").join("mwsiem.wasm");
    rerun_if_deps_change(&wasm.with_extension("d"));
    wasm
}

/// Emits `rerun-if-changed` for every source file the guest was built from.
fn rerun_if_deps_change(deps_file: &Path) {
    let Ok(contents) = std::fs::read_to_string(deps_file) else {
        panic!("missing {}", deps_file.display());
    };
    for line in contents.lines() {
        let Some(pos) = line.find(": ") else { continue };
        let mut parts = line[pos + 2..].split_whitespace();
        while let Some(part) = parts.next() {
            let mut file = part.to_owned();
            while file.ends_with('\\') {
                file.pop();
                file.push(' ');
                file.push_str(parts.next().unwrap_or(""));
            }
            println!("cargo:rerun-if-changed={file}");
        }
    }
}
