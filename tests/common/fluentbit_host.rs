//! A Fluent Bit `wasm` filter host in emulation, shared by tests/fluentbit.rs and
//! benches/fluentbit.rs: the module's own `malloc`/`free`, six i32 arguments, a NUL-terminated
//! result, one instance for everything.
#![allow(dead_code)]

use mwsiem::host::embedded_fluentbit_module;
use std::path::Path;
use wasmtime::{Engine, Instance, Linker, Memory, Module, Store, TypedFunc};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

/// A Fluent Bit filter instance in emulation.
pub struct FluentBit {
    store: Store<WasiP1Ctx>,
    fuel: bool,
    last_fuel: u64,
    memory: Memory,
    malloc: TypedFunc<i32, i32>,
    free: TypedFunc<i32, ()>,
    filter: TypedFunc<(i32, i32, i32, i32, i32, i32), i32>,
}

impl FluentBit {
    /// `accessible_paths`: the directories preopened for the module.
    /// With `fuel`, every call's wasm instruction count is measured ([`FluentBit::last_fuel`]).
    pub fn new(accessible: &[&Path], fuel: bool) -> Self {
        let mut config = wasmtime::Config::new();
        config.consume_fuel(fuel);
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, embedded_fluentbit_module()).expect("module compiles");
        let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |c| c).unwrap();
        let mut wasi = WasiCtxBuilder::new();
        for dir in accessible {
            wasi.preopened_dir(dir, dir.to_str().unwrap(), FsPerms::ReadOnly)
                .unwrap();
        }
        let mut store = Store::new(&engine, wasi.build_p1());
        if fuel {
            store.set_fuel(u64::MAX).unwrap();
        }
        let instance: Instance = linker.instantiate(&mut store, &module).unwrap();
        // WAMR runs a reactor's `_initialize` after instantiation.
        if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            init.call(&mut store, ()).unwrap();
        }
        FluentBit {
            memory: instance.get_memory(&mut store, "memory").expect("exports memory"),
            malloc: instance.get_typed_func(&mut store, "malloc").expect("exports malloc"),
            free: instance.get_typed_func(&mut store, "free").expect("exports free"),
            filter: instance
                .get_typed_func(&mut store, "mwsiem_filter")
                .expect("exports mwsiem_filter"),
            store,
            fuel,
            last_fuel: 0,
        }
    }

    fn copy_in(&mut self, bytes: &[u8]) -> i32 {
        let ptr = self.malloc.call(&mut self.store, bytes.len() as i32 + 1).unwrap();
        assert_ne!(ptr, 0, "guest malloc failed");
        let mut with_nul = bytes.to_vec();
        with_nul.push(0);
        self.memory.write(&mut self.store, ptr as usize, &with_nul).unwrap();
        ptr
    }

    /// One record through the filter; the returned JSON text.
    pub fn call(&mut self, tag: &str, record: &[u8]) -> String {
        let tag_ptr = self.copy_in(tag.as_bytes());
        let rec_ptr = self.copy_in(record);
        let args = (
            tag_ptr,
            tag.len() as i32,
            1_760_641_223,
            850_000_000,
            rec_ptr,
            record.len() as i32,
        );
        let before = if self.fuel { self.store.get_fuel().unwrap() } else { 0 };
        let out = self.filter.call(&mut self.store, args).expect("the filter never traps");
        if self.fuel {
            self.last_fuel = before - self.store.get_fuel().unwrap();
        }
        let text = self.read_c_string(out);
        self.free.call(&mut self.store, tag_ptr).unwrap();
        self.free.call(&mut self.store, rec_ptr).unwrap();
        text
    }

    /// One record through the filter chain of the shipped fluent-bit.yaml: the wasm filter, and
    /// while its output is marked `mwsiem_pending` (more records wait) the copy that
    /// `rewrite_tag` sends back through it, with the mark removed by `modify`. The outputs that
    /// reach the outputs, in order; none when the record only fed an open record.
    pub fn call_chain(&mut self, tag: &str, record: &[u8]) -> Vec<String> {
        let mut outputs = Vec::new();
        let mut out = self.call(tag, record);
        while !out.is_empty() {
            let _: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&out).expect("outputs are JSON objects");
            // The mark is the last member, as the module appends it; `modify` removes it.
            let Some(at) = out.rfind(",\"mwsiem_pending\":\"") else {
                outputs.push(out);
                break;
            };
            outputs.push(format!("{}}}", &out[..at]));
            // Fluent Bit hands the copy over as its JSON, keys in order, the mark last.
            out = self.call("moveworks.pending1", out.as_bytes());
        }
        outputs
    }

    /// Wasm instructions the last `call` executed (with fuel on).
    pub fn last_fuel(&self) -> u64 {
        self.last_fuel
    }

    pub fn call_null_record(&mut self) -> String {
        let out = self.filter.call(&mut self.store, (0, 0, 0, 0, 0, 0)).expect("no trap");
        self.read_c_string(out)
    }

    fn read_c_string(&mut self, ptr: i32) -> String {
        assert_ne!(ptr, 0);
        let mem = self.memory.data(&self.store);
        let start = ptr as usize;
        let len = mem[start..].iter().position(|&b| b == 0).expect("NUL-terminated");
        String::from_utf8(mem[start..start + len].to_vec()).expect("UTF-8")
    }

    pub fn memory_size(&self) -> usize {
        self.memory.data_size(&self.store)
    }
}

/// What the shipped config makes Fluent Bit 5.1 send the filter (`tail` without a parser,
/// `path_key: path`, read from `plugins/in_tail/tail_file.c` and `flb_utils_write_str`): each
/// line in file order without its `\n` (and without a `\r` before it, unless the line is only
/// that `\r`), lines over `buffer_max_size` skipped, a last line without `\n` not sent, as
/// `{"log": LINE, "path": FILE}` in Fluent Bit's JSON: control characters and non-ASCII as
/// `\uXXXX`, and bytes that are not UTF-8 removed (measured in a real Fluent Bit 5.1.1: a line
/// holding `\xff\xfe` reaches the filter without them).
/// The text of `file` as the filter receives it, lines rejoined: what the core should frame to
/// give the filter's outputs (`tail` without `\r` before `\n`, without bytes that are not UTF-8,
/// without a last line that has no `\n`).
pub fn fluent_bit_text(file: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for record in tail_records("", file) {
        let v: serde_json::Value = serde_json::from_slice(&record).unwrap();
        out.extend_from_slice(v["log"].as_str().unwrap().as_bytes());
        out.push(b'\n');
    }
    out
}

pub fn tail_records(path: &str, file: &[u8]) -> Vec<Vec<u8>> {
    const BUFFER_MAX_SIZE: usize = 17 << 20;
    let mut out = Vec::new();
    let mut rest = file;
    while let Some(n) = rest.iter().position(|&b| b == b'\n') {
        let mut line = &rest[..n];
        rest = &rest[n + 1..];
        if line.len() >= 2 && line.ends_with(b"\r") {
            line = &line[..line.len() - 1];
        }
        if line.len() > BUFFER_MAX_SIZE {
            continue;
        }
        let mut json = b"{\"log\":".to_vec();
        fluent_bit_string(line, &mut json);
        json.extend_from_slice(b",\"path\":");
        fluent_bit_string(path.as_bytes(), &mut json);
        json.push(b'}');
        out.push(json);
    }
    out
}

fn fluent_bit_string(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.extend_from_slice(b"\\\""),
                '\\' => out.extend_from_slice(b"\\\\"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\t' => out.extend_from_slice(b"\\t"),
                '\r' => out.extend_from_slice(b"\\r"),
                c if c.is_ascii() && !c.is_ascii_control() => out.push(c as u8),
                c => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.extend_from_slice(format!("\\u{u:04x}").as_bytes());
                    }
                }
            }
        }
    }
    out.push(b'"');
}
