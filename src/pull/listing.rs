//! What the mirror takes from a server's directory listings, and where each file lands: pure
//! decisions on the names the server sends, kept apart from the SFTP session so that a fuzz
//! target can run them (`fuzz/fuzz_targets/sftp_listing.rs` includes this file).
//!
//! A hostile or broken server may list any name: `..`, `/etc/passwd`, `a/../../b`, a NUL,
//! backslashes, dot names, names far over the file system's limit; russh-sftp hands over names
//! that are not UTF-8 with U+FFFD in place of the bad bytes. Only a day directory named like a
//! date and a visible export file with no separator in its name are taken, so a file always
//! lands at `MIRROR/<layout>/<day>/<name>` and nowhere else.

use chrono::NaiveDate;

/// The two layouts' roots on the server, in the order their dates interleave.
pub const LAYOUTS: [&str; 2] = ["logs", "logs/v1"];

/// The date of a day directory (`YYYY-MM-DD`, ten characters), or `None` for any other entry or
/// one before `since`.
pub fn day_dir(name: &str, is_dir: bool, since: Option<NaiveDate>) -> Option<NaiveDate> {
    let date = NaiveDate::parse_from_str(name, "%Y-%m-%d").ok()?;
    (is_dir && name.len() == 10 && since.is_none_or(|s| date >= s)).then_some(date)
}

/// The files `replay` reads: visible `.json`, `.jsonl`, `.ndjson` regular files whose name is
/// one path component.
pub fn is_export_name(name: &str, is_file: bool) -> bool {
    is_file
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && [".json", ".jsonl", ".ndjson"].iter().any(|x| name.ends_with(x))
}

/// The longest export file name the mirror can keep: its part file
/// (`.NAME.SIZE-MTIME-FROM.mwsiem-part`, each number at its widest) must fit in the 255 bytes a
/// file name has on Linux file systems.
pub const MAX_LOCAL_NAME: usize = 255 - ".".len() - ".".len() - 20 - 1 - 10 - 1 - 20 - ".mwsiem-part".len();

/// Why a listed export file cannot be kept under the mirror, when it cannot. Such a file is
/// skipped and reported: failing on it failed every later pull at the same file, and the files
/// after it were never mirrored (found while writing the `sftp_listing` target).
pub fn unstorable(name: &str) -> Option<String> {
    if name.contains('\0') {
        Some("its name holds a NUL byte".to_owned())
    } else if name.len() > MAX_LOCAL_NAME {
        Some(format!(
            "its name is {} bytes, over the {MAX_LOCAL_NAME} a local copy can have",
            name.len()
        ))
    } else {
        None
    }
}

/// Where a file of the day directory `layout/day` is kept, relative to the mirror (and read
/// from, relative to the export root).
pub fn relative_path(layout: &str, day: &str, name: &str) -> String {
    format!("{layout}/{day}/{name}")
}

/// The `sftp_listing` fuzz target's property, on any bytes: a listing of day directories, then
/// the listing of each day taken, one entry a line (`d`, `f` or anything else for the kind, then
/// the name). Every file taken lands directly in its day directory, which is directly in its
/// layout's directory under the mirror: no component is `..`, `.` or a root, and the name is
/// exactly one component.
#[cfg(any(test, fuzzing))]
pub fn property(data: &[u8]) {
    use std::path::{Component, Path};
    let (layout, rest) = match data.split_first() {
        Some((b, rest)) => (LAYOUTS[usize::from(b & 1)], rest),
        None => (LAYOUTS[0], data),
    };
    // Names as russh-sftp hands them over: bytes that are not UTF-8 replaced.
    let text = String::from_utf8_lossy(rest);
    let entries: Vec<(char, &str)> = text
        .split('\n')
        .filter_map(|line| line.chars().next().map(|k| (k, &line[k.len_utf8()..])))
        .collect();
    let mirror = Path::new("/srv/mirror");
    let layout_dir = mirror.join(layout);
    for &(_, day) in entries.iter().filter(|(k, n)| day_dir(n, *k == 'd', None).is_some()) {
        let day_path = Path::new(day);
        assert!(
            matches!(day_path.components().collect::<Vec<_>>()[..], [Component::Normal(_)]),
            "a day directory taken is not one plain component: {day:?}"
        );
        // The same listing stands in for the day's: every name of it is offered as a file.
        for &(kind, name) in &entries {
            if !is_export_name(name, kind == 'f') {
                continue;
            }
            let rel = relative_path(layout, day, name);
            let local = mirror.join(&rel);
            assert!(
                Path::new(&rel).components().all(|c| matches!(c, Component::Normal(_))),
                "{rel:?} has a component that is not a plain name"
            );
            assert!(local.starts_with(mirror), "{rel:?} leaves the mirror");
            assert_eq!(
                local.parent(),
                Some(layout_dir.join(day).as_path()),
                "{rel:?} is not directly in its day directory"
            );
            assert_eq!(local.file_name().and_then(|n| n.to_str()), Some(name), "{rel:?}");
            assert!(!name.starts_with('.'), "hidden names are the mirror's own part files");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_a_local_copy_cannot_have_are_refused_with_a_reason() {
        assert_eq!(MAX_LOCAL_NAME, 189);
        assert_eq!(unstorable("2025-10-16_audit_log.json"), None);
        assert_eq!(unstorable(&format!("{}.json", "a".repeat(184))), None);
        assert!(
            unstorable(&format!("{}.json", "a".repeat(185)))
                .unwrap()
                .contains("190 bytes")
        );
        assert!(unstorable("a\0b.json").unwrap().contains("NUL"));
        // The longest name kept still fits a part file's 255-byte name.
        let widest = format!(
            ".{}.{}-{}-{}.mwsiem-part",
            "a".repeat(MAX_LOCAL_NAME),
            u64::MAX,
            u32::MAX,
            u64::MAX
        );
        assert_eq!(widest.len(), 255);
    }

    #[test]
    fn day_directories_only() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert_eq!(day_dir("2025-10-16", true, None), d("2025-10-16"));
        assert_eq!(day_dir("2025-10-16", false, None), None);
        assert_eq!(day_dir("2025-10-16", true, d("2025-10-17")), None);
        assert_eq!(day_dir("2025-10-16", true, d("2025-10-16")), d("2025-10-16"));
        for name in [
            "..",
            ".",
            "/",
            "2025-10-16/..",
            "2025-13-01",
            "2025-10-16x",
            "20251016",
            "",
        ] {
            assert_eq!(day_dir(name, true, None), None, "{name:?}");
        }
    }

    #[test]
    fn hostile_file_names_are_not_taken() {
        for name in [
            "../x.json",
            "/etc/x.json",
            "a/../../b.json",
            "..\\x.json",
            ".hidden.json",
            "..json",
            "x.json/",
            "x.txt",
        ] {
            assert!(!is_export_name(name, true), "{name:?}");
        }
        assert!(is_export_name("2025-10-16_audit_log.json", true));
        assert!(!is_export_name("2025-10-16_audit_log.json", false));
        assert_eq!(
            relative_path("logs/v1", "2025-10-16", "a.json"),
            "logs/v1/2025-10-16/a.json"
        );
    }

    /// Every input the `sftp_listing` fuzz target kept or that once broke it.
    #[test]
    fn the_fuzz_corpus_keeps_the_property() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut n = 0;
        for dir in ["corpus/sftp_listing", "regressions/sftp_listing"] {
            for entry in std::fs::read_dir(root.join(dir)).into_iter().flatten() {
                property(&std::fs::read(entry.unwrap().path()).unwrap());
                n += 1;
            }
        }
        assert!(n > 0, "fuzz/corpus/sftp_listing is empty");
    }
}
