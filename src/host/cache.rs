//! Precompiled components on disk, so a process starts in milliseconds instead of compiling.
//!
//! The file name is the SHA-256 of the component bytes and of the engine's compatibility hash
//! (wasmtime version, target, compiler settings): a different component or engine never reuses
//! a file. Loading a precompiled file runs its machine code, so the cache directory is created
//! `0700` and files are written `0600` by rename; a file that fails to load is recompiled over.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where precompiled components live, if anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileCache {
    /// Compile every time.
    Off,
    Dir(PathBuf),
}

impl CompileCache {
    /// `$MWSIEM_CACHE_DIR`, else `$XDG_CACHE_HOME/mwsiem`, else `~/.cache/mwsiem`; off when none
    /// is set.
    pub fn default_location() -> Self {
        let env = |k| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        match env("MWSIEM_CACHE_DIR")
            .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("mwsiem")))
            .or_else(|| env("HOME").map(|d| d.join(".cache/mwsiem")))
        {
            Some(dir) => CompileCache::Dir(dir),
            None => CompileCache::Off,
        }
    }

    /// The path a component would be cached at for `engine`.
    pub fn path_for(&self, engine: &Engine, component: &[u8]) -> Option<PathBuf> {
        let CompileCache::Dir(dir) = self else { return None };
        let mut compat = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut compat);
        let mut h = Sha256::new();
        h.update(component);
        h.update(compat.finish().to_le_bytes());
        let digest: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Some(dir.join(format!("component-{}.cwasm", &digest[..32])))
    }

    /// The compiled component, from the cache when a valid entry exists.
    pub fn load_or_compile(&self, engine: &Engine, component: &[u8]) -> wasmtime::Result<Component> {
        let Some(path) = self.path_for(engine, component) else {
            return Component::new(engine, component);
        };
        if path.is_file() {
            // SAFETY: the file was written by `store` below from `Engine::precompile_component`
            // of these exact bytes (its name is their hash), in a directory only this user can
            // write; wasmtime also checks that it was compiled for a compatible engine.
            if let Ok(c) = unsafe { Component::deserialize_file(engine, &path) } {
                return Ok(c);
            }
        }
        let compiled = engine.precompile_component(component)?;
        // A cache that cannot be written only costs time on the next start.
        let _ = store(&path, &compiled);
        // SAFETY: `compiled` was produced just now by this engine.
        unsafe { Component::deserialize(engine, &compiled) }
    }
}

fn store(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let tmp = dir.join(format!(
        ".tmp-{}-{}",
        std::process::id(),
        path.file_name().and_then(|n| n.to_str()).unwrap_or("c")
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(&tmp)?, bytes)?;
    std::fs::rename(&tmp, path)
}
