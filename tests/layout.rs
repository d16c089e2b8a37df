//! The layout has no import circle: no module of `src/` uses, directly or through others, a
//! module that uses it back. A type two modules need lives in one home both import
//! (`redact::config` for `[redaction]`, `ingest::commit::FollowError`, `redact::text`).
//!
//! Read from the source text: every `crate::a::b` and `super::a` path outside comments and
//! `#[cfg(test)]` modules, resolved to the longest module of `src/` it names. A module's use of
//! its own ancestors (`super::Action`, re-exported by the parent) is the parent's business and
//! not counted, so a circle is between modules that are not each other's ancestors.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/redact/scrub.rs` -> `redact::scrub`; `src/redact/mod.rs` -> `redact`; `src/lib.rs` -> "".
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and without its `#[cfg(test)] mod tests`.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module paths a file's code names: `crate::a::b::c` and `super::a::b` (with `{a, b}`
/// groups flattened to their first segment, enough to find the module).
fn named_paths(code: &str) -> Vec<(bool, Vec<String>)> {
    let mut out = Vec::new();
    for root in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(root) {
            let start = from + at;
            from = start + root.len();
            let before = code[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let rest = &code[from..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            let mut segments: Vec<String> = rest[..end]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            // `super::super::x`
            let mut ups = 1;
            while segments.first().is_some_and(|s| s == "super") {
                segments.remove(0);
                ups += 1;
            }
            out.push((root == "crate::", {
                let mut v = vec![format!("^{ups}")];
                v.extend(segments);
                v
            }));
        }
    }
    out
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = std::fs::read_to_string(file).unwrap();
        for (from_crate, path) in named_paths(&code(&text)) {
            let ups: usize = path[0][1..].parse().unwrap();
            let mut full = if from_crate {
                Vec::new()
            } else {
                // `super` of `a::b` (a/b.rs) is `a`; of `a` (a/mod.rs) is the crate.
                let mut base = module.clone();
                for _ in 0..ups {
                    base.pop();
                }
                base
            };
            full.extend(path[1..].iter().cloned());
            let Some(target) = (1..=full.len())
                .rev()
                .map(|n| full[..n].to_vec())
                .find(|m| modules.contains(m))
            else {
                continue;
            };
            if target == module || module.starts_with(&target) {
                continue;
            }
            edges.entry(module.clone()).or_default().insert(target);
        }
    }
    // Any circle: a module reachable from one of the modules it uses.
    let name = |m: &Vec<String>| if m.is_empty() { "crate".to_owned() } else { m.join("::") };
    let mut circles = Vec::new();
    for (from, targets) in &edges {
        for to in targets {
            // Depth-first from `to`, looking for `from`.
            let (mut stack, mut seen, mut parent) = (vec![to.clone()], BTreeSet::new(), BTreeMap::new());
            while let Some(m) = stack.pop() {
                if &m == from {
                    let mut chain = vec![name(from)];
                    let mut at = m.clone();
                    while let Some(p) = parent.get(&at) {
                        chain.push(name(p));
                        at = p.clone();
                    }
                    chain.reverse();
                    circles.push(format!("{} -> {}", name(from), chain.join(" -> ")));
                    break;
                }
                for next in edges.get(&m).into_iter().flatten() {
                    if seen.insert(next.clone()) {
                        parent.insert(next.clone(), m.clone());
                        stack.push(next.clone());
                    }
                }
            }
        }
    }
    assert!(circles.is_empty(), "import circles:\n{}", circles.join("\n"));
    // The test reads what it should: the circles it was written against are edges no more, and
    // edges it must see are there.
    assert!(edges[&vec!["config".to_owned()]].contains(&vec!["redact".to_owned()]));
    assert!(
        edges[&vec!["ingest".to_owned(), "follow".to_owned()]]
            .contains(&vec!["ingest".to_owned(), "commit".to_owned()])
    );
}
