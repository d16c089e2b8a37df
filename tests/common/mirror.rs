//! A mirrored SFTP tree refreshed the way the vendor refreshes it, driven by a test: files that
//! grow (a piece at a time, so a record is often cut in the middle), are truncated and written
//! again with the same records plus new ones, are replaced by a rename, JSON-array files that can
//! only be rewritten, new day directories, and files removed. Records come from the fixture
//! tree's valid records with fresh event ids, plus broken records now and then.
#![allow(dead_code)]

use super::credentials::Rng;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Ndjson,
    Pretty,
    Array,
}

struct MirrorFile {
    path: PathBuf,
    shape: Shape,
    version: u8,
    records: Vec<String>,
    /// Bytes of the rendered content not written yet (a record cut by the last append).
    unwritten: Vec<u8>,
}

pub struct Mirror {
    pub root: PathBuf,
    files: Vec<MirrorFile>,
    templates: [Vec<serde_json::Value>; 2],
    next_id: u64,
    next_day: u32,
    /// Operations done, by name, for the test's report.
    pub done: std::collections::BTreeMap<&'static str, u32>,
}

/// The valid records of the fixture tree, by schema version.
fn templates() -> [Vec<serde_json::Value>; 2] {
    let mut out = [Vec::new(), Vec::new()];
    let tree = super::repo().join("testdata/sftp/logs");
    let mut files = vec![];
    for dir in ["", "v1"] {
        for day in std::fs::read_dir(tree.join(dir)).unwrap() {
            let day = day.unwrap().path();
            if day.file_name().unwrap() == "v1" || !day.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(&day).unwrap() {
                files.push(f.unwrap().path());
            }
        }
    }
    files.sort();
    let pipeline = mwsiem::Pipeline::new(mwsiem::Config::default());
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        for r in mwsiem::Framer::new(&bytes) {
            let mut sink = Vec::new();
            if pipeline.process_into(r.bytes, &mut sink).is_err() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_slice(r.bytes).unwrap();
            let i = usize::from(v["version"] == "2");
            out[i].push(v);
        }
    }
    assert!(
        out[0].len() >= 5 && out[1].len() >= 5,
        "templates: {} {}",
        out[0].len(),
        out[1].len()
    );
    out
}

impl Mirror {
    pub fn new(root: &Path) -> Mirror {
        let _ = std::fs::remove_dir_all(root);
        std::fs::create_dir_all(root).unwrap();
        Mirror {
            root: root.to_owned(),
            files: Vec::new(),
            templates: templates(),
            next_id: 0,
            next_day: 0,
            done: Default::default(),
        }
    }

    fn note(&mut self, op: &'static str) {
        *self.done.entry(op).or_default() += 1;
    }

    /// A new record of `version`: a template with a fresh id, or (1 in 25) a broken one.
    fn record(&mut self, rng: &mut Rng, version: u8) -> String {
        self.next_id += 1;
        if rng.below(25) == 0 {
            return format!(
                "{{\"version\": \"{version}\", \"event_id\": \"broken-{:06}\", \"event_type\": \"EXTERNAL_API\"}}",
                self.next_id
            );
        }
        let templates = &self.templates[usize::from(version == 2)];
        let mut v = rng.pick(templates).clone();
        v["event_id"] = serde_json::Value::String(format!("mirror-{:06}", self.next_id));
        serde_json::to_string(&v).unwrap()
    }

    fn render(shape: Shape, records: &[String]) -> Vec<u8> {
        let pretty =
            |r: &String| serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(r).unwrap()).unwrap();
        match shape {
            Shape::Ndjson => records
                .iter()
                .map(|r| format!("{r}\n"))
                .collect::<String>()
                .into_bytes(),
            Shape::Pretty => records
                .iter()
                .map(|r| format!("{}\n", pretty(r)))
                .collect::<String>()
                .into_bytes(),
            Shape::Array => {
                let items: Vec<String> = records.iter().map(|r| pretty(r).replace('\n', "\n  ")).collect();
                format!("[\n  {}\n]\n", items.join(",\n  ")).into_bytes()
            }
        }
    }

    /// A new day file with `n` records (both layouts in turn, the shape at random).
    pub fn new_day(&mut self, rng: &mut Rng, n: usize) {
        self.next_day += 1;
        let day = format!("2025-11-{:02}", self.next_day);
        let (dir, version) = if self.next_day.is_multiple_of(2) {
            (self.root.join("logs/v1").join(&day), 2)
        } else {
            (self.root.join("logs").join(&day), 1)
        };
        std::fs::create_dir_all(&dir).unwrap();
        let shape = *rng.pick(&[Shape::Ndjson, Shape::Pretty, Shape::Array]);
        let records: Vec<String> = (0..n).map(|_| self.record(rng, version)).collect();
        let path = dir.join(format!("{day}_audit_log.json"));
        std::fs::write(&path, Self::render(shape, &records)).unwrap();
        self.files.push(MirrorFile {
            path,
            shape,
            version,
            records,
            unwritten: Vec::new(),
        });
        self.note("new day");
    }

    /// One refresh of a random file.
    pub fn refresh(&mut self, rng: &mut Rng) {
        if self.files.is_empty() || rng.below(12) == 0 {
            let n = 1 + rng.below(40);
            return self.new_day(rng, n);
        }
        let i = rng.below(self.files.len());
        let new: Vec<String> = (0..1 + rng.below(6))
            .map(|_| {
                let v = self.files[i].version;
                self.record(rng, v)
            })
            .collect();
        let can_append = self.files[i].shape != Shape::Array;
        match rng.below(4) {
            0 | 1 if can_append => self.append(i, new, rng),
            0..=2 => self.rewrite_in_place(i, new, rng),
            _ => self.replace(i, new),
        }
    }

    /// Writes what the last append left unwritten, then appends, cutting the new bytes at a
    /// random point (the rest waits for a later refresh or [`Mirror::complete`]).
    fn append(&mut self, i: usize, new: Vec<String>, rng: &mut Rng) {
        let f = &mut self.files[i];
        let before = Self::render(f.shape, &f.records).len();
        f.records.extend(new);
        let all = Self::render(f.shape, &f.records);
        let mut out = std::fs::OpenOptions::new().append(true).open(&f.path).unwrap();
        out.write_all(&std::mem::take(&mut f.unwritten)).unwrap();
        let fresh = &all[before..];
        let cut = if rng.below(2) == 0 {
            fresh.len()
        } else {
            rng.below(fresh.len() + 1)
        };
        out.write_all(&fresh[..cut]).unwrap();
        f.unwritten = fresh[cut..].to_vec();
        self.note(if cut < fresh.len() {
            "append, cut inside a record"
        } else {
            "append"
        });
    }

    /// Truncates and writes the whole content again (old records plus new), in pieces.
    fn rewrite_in_place(&mut self, i: usize, new: Vec<String>, rng: &mut Rng) {
        let f = &mut self.files[i];
        f.records.extend(new);
        f.unwritten.clear();
        let all = Self::render(f.shape, &f.records);
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&f.path)
            .unwrap();
        let mut at = 0;
        while at < all.len() {
            let n = (1 + rng.below(all.len())).min(all.len() - at);
            out.write_all(&all[at..at + n]).unwrap();
            out.flush().unwrap();
            at += n;
            std::thread::sleep(Duration::from_millis(rng.below(4) as u64));
        }
        self.note("rewrite in place");
    }

    /// Writes the whole content to a hidden temporary file and renames it over the file.
    fn replace(&mut self, i: usize, new: Vec<String>) {
        let f = &mut self.files[i];
        f.records.extend(new);
        f.unwritten.clear();
        let tmp = f.path.with_file_name(".incoming.tmp");
        std::fs::write(&tmp, Self::render(f.shape, &f.records)).unwrap();
        std::fs::rename(&tmp, &f.path).unwrap();
        self.note("replace by rename");
    }

    /// Removes a random file whose content is complete; returns its path.
    pub fn remove_one(&mut self, rng: &mut Rng) -> Option<PathBuf> {
        let complete: Vec<usize> = (0..self.files.len())
            .filter(|&i| self.files[i].unwritten.is_empty())
            .collect();
        if complete.len() < 2 {
            return None;
        }
        let i = complete[rng.below(complete.len())];
        let f = self.files.remove(i);
        self.note("remove");
        Some(f.path)
    }

    /// Writes every cut record's rest: the tree is complete.
    pub fn complete(&mut self) {
        for f in &mut self.files {
            if !f.unwritten.is_empty() {
                let mut out = std::fs::OpenOptions::new().append(true).open(&f.path).unwrap();
                out.write_all(&std::mem::take(&mut f.unwritten)).unwrap();
            }
        }
    }

    pub fn records(&self) -> usize {
        self.files.iter().map(|f| f.records.len()).sum()
    }
}
