//! The native host harness: runs the mwsiem component on wasmtime.
//!
//! * One [`ComponentEngine`] per process: the wasmtime `Engine`, the compiled component (from an
//!   on-disk precompiled cache when possible, see [`cache`]) and an `InstancePre` reused for every
//!   instantiation.
//! * One [`ComponentPipeline`] per worker: a `Store` capped in memory, with a CPU bound per call
//!   (epoch deadline or fuel), holding one guest `pipeline` resource.
//! * A trap poisons the whole `Store`. The records of the trapping call are retried one per call
//!   in a fresh `Store` so that only the record that traps becomes a dead letter, with the trap
//!   reason and what the guest wrote to stderr; processing goes on.
//!
//! ## Embedding the component in another wasmtime host
//!
//! The component needs only WASI (for its stderr) and the `directory` import. With plain
//! wasmtime and the WIT in `wit/` (`mwsiem export-component mwsiem.wasm` writes the file):
//!
//! ```no_run
//! use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
//! use wasmtime::{Engine, Store};
//! use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
//!
//! mod bindings {
//!     wasmtime::component::bindgen!({ path: "wit", world: "transform-world" });
//! }
//! use bindings::TransformWorld;
//! use bindings::mwsiem::transform::{directory, types};
//!
//! struct State { wasi: WasiCtx, table: ResourceTable }
//!
//! impl WasiView for State {
//!     fn ctx(&mut self) -> WasiCtxView<'_> {
//!         WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
//!     }
//! }
//! impl types::Host for State {}
//! impl directory::Host for State {
//!     // Your user directory: called with each Moveworks user_id the events mention.
//!     fn lookup(&mut self, _user_id: String) -> Option<directory::UserInfo> {
//!         None
//!     }
//!     fn has_users(&mut self) -> bool {
//!         false
//!     }
//! }
//!
//! fn main() -> wasmtime::Result<()> {
//!     let engine = Engine::default();
//!     let component = Component::from_file(&engine, "mwsiem.wasm")?;
//!     let mut linker = Linker::new(&engine);
//!     wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
//!     TransformWorld::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
//!     let state = State { wasi: WasiCtx::builder().build(), table: ResourceTable::new() };
//!     let mut store = Store::new(&engine, state);
//!     let world = TransformWorld::instantiate(&mut store, &component, &linker)?;
//!     let api = world.mwsiem_transform_transform().pipeline();
//!     // The configuration is mwsiem.toml text; "" means the defaults.
//!     let pipeline = api.call_create(&mut store, "")?.expect("valid configuration");
//!     let meta = types::RecordMeta { source: Some("audit.json".into()), timestamp_ms: None };
//!     let record = br#"{"version": "2", "event_type": "CONFIG_CHANGE",
//!         "event_time": "2025-07-29 15:21:33.228745", "event_data": {"config_name": "X"}}"#;
//!     match api.call_process(&mut store, pipeline, record, &meta)? {
//!         Ok(event) => println!("{event}"),
//!         Err(reason) => eprintln!("rejected: {reason:?}"),
//!     }
//!     pipeline.resource_drop(&mut store)?;
//!     Ok(())
//! }
//! ```

pub mod cache;

use crate::config::{CpuLimitKind, HostConfig};
use crate::enrich::UserDirectory;
use crate::error::RecordError;
use crate::pipeline::RecordMeta;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::{HasSelf, Linker, ResourceAny, ResourceTable};
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

wasmtime::component::bindgen!({
    path: "wit",
    world: "transform-world",
});

use self::mwsiem::transform::directory;
use self::mwsiem::transform::types::{self, BatchItem, RecordError as WitRecordError, RecordMeta as WitRecordMeta};

/// The component embedded in the `mwsiem` binary.
pub fn embedded_component() -> &'static [u8] {
    mwsiem_guest_artifacts::COMPONENT
}

/// The Fluent Bit filter module embedded in the `mwsiem` binary.
pub fn embedded_fluentbit_module() -> &'static [u8] {
    mwsiem_guest_artifacts::FLUENTBIT_MODULE
}

/// Epoch ticks are this long; a call's deadline is a whole number of ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);
/// Fuel every call gets regardless of its size.
const FUEL_BASE: u64 = 50_000_000;
/// What the guest may write to stderr per Store before it is cut.
const STDERR_CAPACITY: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("cannot compile the component: {0:#}")]
    Compile(wasmtime::Error),
    #[error("cannot instantiate the component: {0:#}")]
    Instantiate(wasmtime::Error),
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// Why a record produced no event when it went through the component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentError {
    /// The core rejected the record (the same error as the native engine's).
    Record(RecordError),
    /// The guest trapped on this record.
    Trap { reason: String, stderr: String },
}

/// Per-Store state: WASI (stderr only), resource limits and the user directory.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: MemoryCap,
    stderr: MemoryOutputPipe,
    directory: Arc<dyn UserDirectory>,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for HostState {}

impl directory::Host for HostState {
    fn has_users(&mut self) -> bool {
        self.directory.has_users()
    }

    fn lookup(&mut self, user_id: String) -> Option<directory::UserInfo> {
        self.directory.lookup(&user_id).map(|u| directory::UserInfo {
            email: u.email,
            name: u.name,
            department: u.department,
        })
    }
}

/// `StoreLimits`, remembering the growth it refused, so a trap caused by the memory cap can
/// say so (the guest's own out-of-memory message may not make it out of a full memory).
pub struct MemoryCap {
    limits: StoreLimits,
    refused: Option<usize>,
}

impl wasmtime::ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let ok = self.limits.memory_growing(current, desired, maximum)?;
        if !ok {
            self.refused = Some(desired);
        }
        Ok(ok)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

/// The compiled component, ready to instantiate.
pub struct ComponentEngine {
    engine: Engine,
    pre: TransformWorldPre<HostState>,
    limits: HostConfig,
    /// Stops the epoch ticker when the engine goes.
    _ticker: Option<EpochTicker>,
}

impl ComponentEngine {
    /// Compiles (or loads from `cache`) `component` for the CPU bound `limits` asks for.
    pub fn new(component: &[u8], limits: &HostConfig, cache: &cache::CompileCache) -> Result<Self, HostError> {
        let engine = Engine::new(&engine_config(limits.cpu_limit)).map_err(HostError::Compile)?;
        let component = cache.load_or_compile(&engine, component).map_err(HostError::Compile)?;
        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(HostError::Instantiate)?;
        TransformWorld::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s).map_err(HostError::Instantiate)?;
        let pre = linker.instantiate_pre(&component).map_err(HostError::Instantiate)?;
        let pre = TransformWorldPre::new(pre).map_err(HostError::Instantiate)?;
        let ticker = (limits.cpu_limit == CpuLimitKind::Epoch).then(|| EpochTicker::start(&engine));
        Ok(ComponentEngine {
            engine,
            pre,
            limits: limits.clone(),
            _ticker: ticker,
        })
    }

    /// A pipeline in its own Store, configured with `config_toml` (the guest parses it).
    pub fn pipeline(
        &self,
        config_toml: &str,
        directory: Arc<dyn UserDirectory>,
    ) -> Result<ComponentPipeline<'_>, HostError> {
        let (store, bindings, pipeline) = self.instantiate(config_toml, &directory)?;
        Ok(ComponentPipeline {
            engine: self,
            config_toml: config_toml.to_owned(),
            directory,
            store,
            bindings,
            pipeline,
            armed: 0,
        })
    }

    fn instantiate(
        &self,
        config_toml: &str,
        directory: &Arc<dyn UserDirectory>,
    ) -> Result<(Store<HostState>, TransformWorld, ResourceAny), HostError> {
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        let wasi = WasiCtx::builder().stderr(stderr.clone()).build();
        let limits = StoreLimitsBuilder::new()
            .memory_size(usize::try_from(self.limits.memory_limit_bytes).unwrap_or(usize::MAX))
            .instances(8)
            .build();
        let mut store = Store::new(
            &self.engine,
            HostState {
                wasi,
                table: ResourceTable::new(),
                limits: MemoryCap { limits, refused: None },
                stderr,
                directory: Arc::clone(directory),
            },
        );
        store.limiter(|s| &mut s.limits);
        let _ = self.arm(&mut store, config_toml.len());
        let bindings = self.pre.instantiate(&mut store).map_err(HostError::Instantiate)?;
        let pipeline = bindings
            .mwsiem_transform_transform()
            .pipeline()
            .call_create(&mut store, config_toml)
            .map_err(HostError::Instantiate)?
            .map_err(HostError::Config)?;
        Ok((store, bindings, pipeline))
    }

    /// Sets the CPU bound for the next call, which will read `input_bytes` of input; returns
    /// the fuel given (0 under `epoch`).
    fn arm(&self, store: &mut Store<HostState>, input_bytes: usize) -> u64 {
        match self.limits.cpu_limit {
            CpuLimitKind::Epoch => {
                store.epoch_deadline_trap();
                let ticks = self
                    .limits
                    .call_timeout_ms
                    .div_ceil(EPOCH_TICK.as_millis() as u64)
                    .max(1);
                store.set_epoch_deadline(ticks);
                0
            }
            CpuLimitKind::Fuel => {
                let fuel = FUEL_BASE.saturating_add(self.limits.fuel_per_byte.saturating_mul(input_bytes as u64));
                // Fuel is enabled in this engine's config, so this cannot fail.
                let _ = store.set_fuel(fuel);
                fuel
            }
        }
    }
}

fn engine_config(cpu: CpuLimitKind) -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    match cpu {
        CpuLimitKind::Epoch => config.epoch_interruption(true),
        CpuLimitKind::Fuel => config.consume_fuel(true),
    };
    config
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
struct EpochTicker {
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl EpochTicker {
    fn start(engine: &Engine) -> Self {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (engine, flag) = (engine.weak(), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                match engine.upgrade() {
                    Some(e) => e.increment_epoch(),
                    None => break,
                }
            }
        });
        EpochTicker { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// One guest pipeline in its own Store.
pub struct ComponentPipeline<'e> {
    engine: &'e ComponentEngine,
    config_toml: String,
    directory: Arc<dyn UserDirectory>,
    store: Store<HostState>,
    bindings: TransformWorld,
    pipeline: ResourceAny,
    /// Fuel the last call was given (`cpu_limit = "fuel"` only).
    armed: u64,
}

/// What a batch call returns per record, in input order.
pub type RecordResult = Result<String, ComponentError>;

impl ComponentPipeline<'_> {
    /// Normalizes one record.
    pub fn process(&mut self, record: &[u8], meta: &RecordMeta<'_>) -> RecordResult {
        self.armed = self.engine.arm(&mut self.store, record.len());
        let meta = wit_meta(meta);
        let call = self.bindings.mwsiem_transform_transform().pipeline().call_process(
            &mut self.store,
            self.pipeline,
            record,
            &meta,
        );
        match call {
            Ok(result) => result.map_err(|e| ComponentError::Record(from_wit_error(e))),
            Err(trap) => Err(self.recover(trap)),
        }
    }

    /// Normalizes records the host framed, in one call. When the call traps, the records are
    /// retried one per call, so only the records that trap on their own are lost to the trap.
    pub fn process_records(&mut self, records: &[&[u8]], meta: &RecordMeta<'_>) -> Vec<RecordResult> {
        let bytes: usize = records.iter().map(|r| r.len()).sum();
        self.armed = self.engine.arm(&mut self.store, bytes);
        let wit = wit_meta(meta);
        let owned: Vec<Vec<u8>> = records.iter().map(|r| r.to_vec()).collect();
        let call = self
            .bindings
            .mwsiem_transform_transform()
            .pipeline()
            .call_process_records(&mut self.store, self.pipeline, &owned, &wit);
        match call {
            Ok(items) if items.len() == records.len() => items.into_iter().map(item_result).collect(),
            Ok(items) => {
                let reason = format!("guest returned {} results for {} records", items.len(), records.len());
                records
                    .iter()
                    .map(|_| {
                        Err(ComponentError::Trap {
                            reason: reason.clone(),
                            stderr: String::new(),
                        })
                    })
                    .collect()
            }
            Err(trap) => {
                let _ = self.recover(trap);
                records.iter().map(|r| self.process(r, meta)).collect()
            }
        }
    }

    /// Normalizes an export chunk the guest frames itself (NDJSON, pretty objects, an array):
    /// `(offset, line, result)` per record, in order. A trap fails every record of the call.
    pub fn process_batch(
        &mut self,
        data: &[u8],
        meta: &RecordMeta<'_>,
    ) -> Result<Vec<(u64, u64, RecordResult)>, ComponentError> {
        self.armed = self.engine.arm(&mut self.store, data.len());
        let call = self
            .bindings
            .mwsiem_transform_transform()
            .pipeline()
            .call_process_batch(&mut self.store, self.pipeline, data, &wit_meta(meta));
        match call {
            Ok(items) => Ok(items.into_iter().map(|i| (i.offset, i.line, item_result(i))).collect()),
            Err(trap) => Err(self.recover(trap)),
        }
    }

    /// The fuel (WebAssembly instructions, as wasmtime counts them) the last call burned, when
    /// the engine runs under `cpu_limit = "fuel"`: a cost that does not vary with the machine's
    /// load, which `tests/budget.rs` holds to a committed budget.
    pub fn last_call_fuel(&self) -> Option<u64> {
        match self.engine.limits.cpu_limit {
            CpuLimitKind::Fuel => self.store.get_fuel().ok().map(|left| self.armed.saturating_sub(left)),
            CpuLimitKind::Epoch => None,
        }
    }

    /// Records, events and errors the current guest instance has seen.
    pub fn counters(&mut self) -> Option<(u64, u64, u64)> {
        let c = self
            .bindings
            .mwsiem_transform_transform()
            .pipeline()
            .call_counters(&mut self.store, self.pipeline)
            .ok()?;
        Some((c.records, c.events, c.errors))
    }

    /// Turns a trap into a record error and replaces the poisoned Store with a fresh one.
    fn recover(&mut self, trap: wasmtime::Error) -> ComponentError {
        let stderr = String::from_utf8_lossy(&self.store.data().stderr.contents()).into_owned();
        if std::env::var_os("MWSIEM_DEBUG_TRAPS").is_some() {
            eprintln!("mwsiem: trap: {trap:?}");
        }
        let mut reason = trap_reason(&trap);
        if let Some(wanted) = self.store.data().limits.refused {
            reason.push_str(&format!(
                " (guest memory capped at {} bytes by host.memory_limit_bytes; it asked for {wanted})",
                self.engine.limits.memory_limit_bytes
            ));
        }
        let error = ComponentError::Trap { reason, stderr };
        // The configuration instantiated before, so it will again.
        if let Ok((store, bindings, pipeline)) = self.engine.instantiate(&self.config_toml, &self.directory) {
            self.store = store;
            self.bindings = bindings;
            self.pipeline = pipeline;
        }
        error
    }
}

/// The trap's own words (`wasm trap: wasm `unreachable` instruction executed`), not the
/// backtrace header wasmtime puts first.
fn trap_reason(e: &wasmtime::Error) -> String {
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => trap.to_string(),
        None => e.root_cause().to_string(),
    }
}

fn wit_meta(meta: &RecordMeta<'_>) -> WitRecordMeta {
    WitRecordMeta {
        source: meta.source.map(str::to_owned),
        timestamp_ms: meta.timestamp_ms,
    }
}

fn item_result(item: BatchItem) -> RecordResult {
    item.result.map_err(|e| ComponentError::Record(from_wit_error(e)))
}

/// The WIT error as the core's, so both engines report identical reasons and messages.
pub fn from_wit_error(e: WitRecordError) -> RecordError {
    let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    match e {
        WitRecordError::TooLarge((size, limit)) => RecordError::TooLarge {
            size: n(size),
            limit: n(limit),
        },
        WitRecordError::InvalidUtf8(offset) => RecordError::InvalidUtf8 { offset: n(offset) },
        WitRecordError::InvalidJson((offset, reason)) => RecordError::InvalidJson {
            offset: n(offset),
            reason: Cow::Owned(reason),
        },
        WitRecordError::TooDeep((offset, limit)) => RecordError::TooDeep {
            offset: n(offset),
            limit: n(limit),
        },
        WitRecordError::NotAnObject(found) => RecordError::NotAnObject {
            found: Cow::Owned(found),
        },
        WitRecordError::MissingField(field) => RecordError::MissingField {
            field: Cow::Owned(field),
        },
        WitRecordError::InvalidField((field, reason)) => RecordError::InvalidField {
            field: Cow::Owned(field),
            reason,
        },
    }
}
