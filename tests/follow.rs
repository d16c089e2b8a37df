//! `mwsiem follow`: a mirror refreshed the way the vendor refreshes it, with mwsiem killed at
//! random moments, yields every record exactly once; bad state is refused; stdout streams.
//!
//! The kill test draws its refreshes and kill points from a seed printed on failure
//! (`MWSIEM_FOLLOW_SEED` replays one); the union of every run's output must equal one
//! `replay` of the final tree (plus the files removed along the way), event for event.

mod common;
#[path = "common/credentials.rs"]
mod credentials;
#[path = "common/lake.rs"]
mod lake;
#[path = "common/mirror.rs"]
mod mirror;

use common::{mwsiem, repo, scratch};
use credentials::Rng;
use mirror::Mirror;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Where a follow run keeps its state and writes.
struct Run {
    dir: PathBuf,
}

impl Run {
    fn new(name: &str) -> Run {
        Run {
            dir: scratch(&format!("follow-{name}")),
        }
    }

    fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    fn events(&self) -> PathBuf {
        self.dir.join("events.ndjson")
    }

    fn dead(&self) -> PathBuf {
        self.dir.join("dead.ndjson")
    }

    fn follow(&self, root: &Path, extra: &[&str]) -> Command {
        let mut cmd = mwsiem();
        cmd.arg("follow")
            .arg(root)
            .arg("--state")
            .arg(self.state())
            .arg("--output")
            .arg(self.events())
            .arg("--dead-letter")
            .arg(self.dead())
            .args(extra);
        cmd
    }

    /// Waits (at most a minute) until the events file has `n` lines.
    fn wait_for_events(&self, n: usize, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while lines(&self.events()).len() < n {
            assert!(Instant::now() < deadline, "{what}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn once(&self, root: &Path, extra: &[&str]) -> Output {
        let out = self.follow(root, &[&["--once"], extra].concat()).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        out
    }
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// What `replay` makes of `paths`: (events, dead letters).
fn replay(paths: &[&Path], dir: &Path, tag: &str) -> (Vec<String>, Vec<String>) {
    let (events, dead) = (
        dir.join(format!("replay-{tag}.ndjson")),
        dir.join(format!("replay-{tag}.dead.ndjson")),
    );
    let out = mwsiem()
        .arg("replay")
        .args(paths)
        .args(["--engine", "native", "-q", "--output"])
        .arg(&events)
        .arg("--dead-letter")
        .arg(&dead)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    (lines(&events), lines(&dead))
}

fn multiset(lines: &[String]) -> BTreeMap<&str, usize> {
    let mut m = BTreeMap::new();
    for l in lines {
        *m.entry(l.as_str()).or_default() += 1;
    }
    m
}

/// Lines in `got` but not `want` and the other way round, counted.
fn difference(got: &[String], want: &[String]) -> (usize, usize, Vec<String>) {
    let (g, w) = (multiset(got), multiset(want));
    let mut extra = 0;
    let mut missing = 0;
    let mut examples = Vec::new();
    for (l, n) in &g {
        let m = w.get(l).copied().unwrap_or(0);
        if *n > m {
            extra += n - m;
            examples.push(format!("extra x{}: {}", n - m, &l[..l.len().min(300)]));
        }
    }
    for (l, n) in &w {
        let m = g.get(l).copied().unwrap_or(0);
        if *n > m {
            missing += n - m;
            examples.push(format!("missing x{}: {}", n - m, &l[..l.len().min(300)]));
        }
    }
    examples.truncate(6);
    (extra, missing, examples)
}

#[test]
fn follow_once_emits_exactly_what_replay_emits_and_then_nothing() {
    let run = Run::new("fixtures");
    let tree = repo().join("testdata/sftp");
    // The component, as `replay` runs by default: same bytes, same order as the golden replay.
    let out = run.once(&tree, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pass 1: 45 records in, 38 events out, 8 dead letters, 0 duplicates skipped, 4 files read"),
        "{stderr}"
    );
    let golden = std::fs::read_to_string(repo().join("testdata/sftp.ocsf.json")).unwrap();
    assert_eq!(std::fs::read_to_string(run.events()).unwrap(), golden);
    assert_eq!(lines(&run.dead()).len(), 8);
    let (_, replay_dead) = replay(&[&tree], &run.dir, "fixtures");
    assert_eq!(lines(&run.dead()), replay_dead);

    // Nothing changed: nothing read, nothing written.
    let out = run.once(&tree, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pass 1: 0 records in, 0 events out, 0 dead letters, 0 duplicates skipped, 0 files read"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(run.events()).unwrap(), golden);
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(run.dead()).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
}

fn kill(child: &mut Child, signal: i32) -> Option<i32> {
    unsafe { libc::kill(child.id() as i32, signal) };
    child.wait().unwrap().code()
}

#[test]
fn a_refreshed_mirror_killed_at_random_yields_every_record_once() {
    let seed = std::env::var("MWSIEM_FOLLOW_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(credentials::seed);
    eprintln!("MWSIEM_FOLLOW_SEED={seed}");
    let mut rng = Rng::new(seed);
    let run = Run::new("kill");
    let mut mirror = Mirror::new(&run.dir.join("mirror"));
    // A first catch-up long enough to be killed in the middle of.
    for _ in 0..6 {
        mirror.new_day(&mut rng, 250);
    }
    let root = mirror.root.clone();
    // Every run also writes a Security Lake (small spools: many rolls to be killed around).
    let config = lake::lake_config(&run.dir, "roll_bytes = 65536\n");
    let lake_dir = run.dir.join("lake");
    let lake_args = [
        "-c",
        config.to_str().unwrap(),
        "--security-lake",
        lake_dir.to_str().unwrap(),
    ];
    let fast = [
        &[
            "--engine",
            "native",
            "--poll",
            "20ms",
            "--settle",
            "40ms",
            "--commit-interval",
            "25ms",
            "--quiet",
        ][..],
        &lake_args,
    ]
    .concat();
    let log = run.dir.join("follow.stderr");
    let spawn = || {
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        (run.follow(&root, &fast).stderr(stderr).spawn().unwrap(), Instant::now())
    };
    let mut removed: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let (mut kills, mut terms) = (0, 0);
    let (mut child, mut spawned) = spawn();
    for step in 0..120 {
        mirror.refresh(&mut rng);
        std::thread::sleep(Duration::from_millis(rng.below(40) as u64));
        match rng.below(10) {
            0..=2 => {
                assert_eq!(kill(&mut child, libc::SIGKILL), None);
                kills += 1;
                (child, spawned) = spawn();
            }
            3 => {
                // Past its start-up (the handlers are set first thing), a stop is clean.
                std::thread::sleep(Duration::from_millis(100).saturating_sub(spawned.elapsed()));
                let status = kill(&mut child, libc::SIGTERM);
                let err = std::fs::read_to_string(&log).unwrap_or_default();
                assert_eq!(status, Some(0), "a stop on SIGTERM is clean: {err}");
                terms += 1;
                (child, spawned) = spawn();
            }
            _ => {}
        }
        if step % 30 == 29 {
            // A file goes away. What it held was emitted first: a catch-up pass (the running
            // follow is killed for it: one state, one process), then its replay is expected.
            kill(&mut child, libc::SIGKILL);
            run.once(
                &root,
                &[&["--engine", "native", "--settle", "0ms"][..], &lake_args].concat(),
            );
            if let Some(path) = mirror.remove_one(&mut rng) {
                removed.push(replay(&[&path], &run.dir, "removed"));
                std::fs::remove_file(&path).unwrap();
            }
            (child, spawned) = spawn();
        }
    }
    mirror.complete();
    std::thread::sleep(Duration::from_millis(100));
    kill(&mut child, libc::SIGKILL);
    kills += 1;
    // The last pass: whatever the killed runs left.
    run.once(&root, &[&["--engine", "native"][..], &lake_args].concat());

    let (mut want_events, mut want_dead) = replay(&[&root], &run.dir, "final");
    for (e, d) in removed {
        want_events.extend(e);
        want_dead.extend(d);
    }
    let (got_events, got_dead) = (lines(&run.events()), lines(&run.dead()));
    let report = format!(
        "seed {seed}: {} records in the final tree, {kills} SIGKILLs, {terms} SIGTERMs, refreshes {:?}; \
         {} events written, {} expected; {} dead letters written, {} expected",
        mirror.records(),
        mirror.done,
        got_events.len(),
        want_events.len(),
        got_dead.len(),
        want_dead.len()
    );
    eprintln!("{report}");
    let (extra, missing, examples) = difference(&got_events, &want_events);
    assert!(
        extra == 0 && missing == 0,
        "{report}\nevents: {extra} extra, {missing} missing\n{}",
        examples.join("\n")
    );
    let (extra, missing, examples) = difference(&got_dead, &want_dead);
    assert!(
        extra == 0 && missing == 0,
        "{report}\ndead letters: {extra} extra, {missing} missing\n{}",
        examples.join("\n")
    );
    assert!(want_events.len() > 1500 && kills > 20, "{report}");
    // The lake holds the same events, each once (the events file was just shown exactly once).
    let lake = lake::read_back(&run.events(), &lake_dir, &lake::DEFAULT_SOURCES)
        .unwrap_or_else(|e| panic!("{report}\nsecurity lake: {e}"));
    eprintln!("{} objects; {lake}", lake::objects(&lake_dir).len());
}

#[test]
fn a_crash_before_the_first_commit_repeats_nothing() {
    let mut rng = Rng::new(7);
    let run = Run::new("first-commit");
    let mut mirror = Mirror::new(&run.dir.join("mirror"));
    for _ in 0..16 {
        mirror.new_day(&mut rng, 300);
    }
    // No commit before the end of the pass: killed in the middle of it, nothing is committed
    // but the output's length at start-up.
    let mut child = run
        .follow(&mirror.root, &["--engine", "native", "--commit-interval", "1h", "-q"])
        .spawn()
        .unwrap();
    run.wait_for_events(100, "no events");
    kill(&mut child, libc::SIGKILL);
    let written = lines(&run.events()).len();
    assert!(
        written < 4000,
        "the first pass ended before the kill ({written} events)"
    );
    let out = run.once(&mirror.root, &["--engine", "native"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("lines written after the last commit are kept"),
        "{stderr}"
    );
    let (want, _) = replay(&[&mirror.root], &run.dir, "first-commit");
    let (extra, missing, examples) = difference(&lines(&run.events()), &want);
    assert!(
        extra == 0 && missing == 0,
        "killed after {written} events: {extra} extra, {missing} missing\n{}",
        examples.join("\n")
    );
}

/// A crash between the events of one record (a grant to three grantees): the events already
/// written after the last commit are kept, and only the others are written when the record is
/// read again, so the output holds each event once.
#[test]
fn a_crash_between_the_events_of_one_record_repeats_and_loses_nothing() {
    let run = Run::new("split-record");
    let root = run.dir.join("mirror");
    let day = root.join("logs/v1/2025-07-29");
    std::fs::create_dir_all(&day).unwrap();
    let file = day.join("2025-07-29_audit_log.json");
    let record = |id: &str, grants: &str| {
        format!(
            r#"{{"version": "2", "severity": "INFO", "event_id": "{id}", "event_type": "PERMISSION_CHANGE", "event_source": "MOVEWORKS", "event_time": "2025-07-29 15:53:42.047730", "event_data": {{"user_id": "16054822774505271985", "assigned_roles": [{grants}]}}}}"#
        ) + "\n"
    };
    std::fs::write(
        &file,
        record("split0001", r#"{"app": "A", "roles": ["R"], "grantee": "1"}"#),
    )
    .unwrap();
    run.once(&root, &["--engine", "native"]);
    assert_eq!(lines(&run.events()).len(), 1);

    // The grant to three grantees arrives, and a crash after the last commit left only the
    // first of its events in the output.
    let grants = r#"{"app": "A", "roles": ["R"], "grantee": "1"}, {"app": "B", "roles": ["S"], "grantee": "2"}, {"app": "C", "roles": ["T"], "grantee": "3"}"#;
    std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap()
        .write_all(record("split0002", grants).as_bytes())
        .unwrap();
    let (want, _) = replay(&[&root], &run.dir, "split-record");
    assert_eq!(want.len(), 4, "one event, then one per grantee");
    let first_part = want.iter().find(|e| e.contains("\"uid\":\"2:split0002#1\"")).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(run.events())
        .unwrap()
        .write_all(format!("{first_part}\n").as_bytes())
        .unwrap();

    let out = run.once(&root, &["--engine", "native"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("lines written after the last commit are kept"),
        "{stderr}"
    );
    let (extra, missing, examples) = difference(&lines(&run.events()), &want);
    assert!(
        extra == 0 && missing == 0,
        "{extra} extra, {missing} missing\n{}",
        examples.join("\n")
    );
}

#[test]
fn events_leave_on_stdout_as_their_records_complete() {
    let run = Run::new("stdout");
    let root = run.dir.join("mirror");
    let day = root.join("logs/v1/2025-10-16");
    std::fs::create_dir_all(&day).unwrap();
    let file = day.join("2025-10-16_audit_log.json");
    let fixture =
        std::fs::read_to_string(repo().join("testdata/sftp/logs/2024-08-20/2024-08-20_audit_log.json")).unwrap();
    let first = fixture.lines().next().unwrap().to_owned();
    std::fs::write(&file, "").unwrap();
    let mut child = mwsiem()
        .args(["follow", "--engine", "native", "--poll", "50ms", "--state"])
        .arg(run.state())
        .arg(&root)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    let mut out = std::fs::OpenOptions::new().append(true).open(&file).unwrap();
    // Half a record: nothing may come out.
    out.write_all(&first.as_bytes()[..first.len() / 2]).unwrap();
    assert!(
        rx.recv_timeout(Duration::from_millis(600)).is_err(),
        "half a record was emitted"
    );
    // Its rest, while the process keeps running: its event comes out.
    out.write_all(&first.as_bytes()[first.len() / 2..]).unwrap();
    out.write_all(b"\n").unwrap();
    let started = Instant::now();
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the completed record's event");
    eprintln!("event {} ms after its record completed", started.elapsed().as_millis());
    assert!(line.contains("\"original_event_uid\":\"v1api0000001\""), "{line}");
    kill(&mut child, libc::SIGTERM);
}

#[test]
fn bad_state_is_a_clear_error_never_a_silent_restart() {
    let tree = repo().join("testdata/sftp");
    let expect_refusal = |run: &Run, what: &str, needle: &str| {
        let out = run.follow(&tree, &["--once", "--engine", "native"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(stderr.contains(needle), "{what}: {stderr}");
        assert!(lines(&run.events()).is_empty(), "{what}: events written");
    };

    let run = Run::new("corrupt");
    std::fs::create_dir_all(run.state()).unwrap();
    let garbage: Vec<u8> = (0..64 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(run.state().join("state.sqlite3"), &garbage).unwrap();
    expect_refusal(&run, "garbage", "is corrupt");

    // A real state whose pages were damaged after it was written.
    let run = Run::new("damaged");
    run.once(&tree, &["--engine", "native"]);
    let state_file = run.state().join("state.sqlite3");
    let mut bytes = std::fs::read(&state_file).unwrap();
    assert!(bytes.len() > 8192, "state of {} bytes", bytes.len());
    for b in &mut bytes[4096..8192] {
        *b ^= 0x5a;
    }
    std::fs::write(&state_file, &bytes).unwrap();
    std::fs::write(run.events(), "").unwrap();
    expect_refusal(&run, "damaged pages", "is corrupt");

    let run = Run::new("future");
    run.once(&tree, &["--engine", "native"]);
    let db = rusqlite::Connection::open(run.state().join("state.sqlite3")).unwrap();
    db.pragma_update(None, "user_version", 99).unwrap();
    drop(db);
    std::fs::write(run.events(), "").unwrap();
    expect_refusal(&run, "future version", "has layout version 99");

    let run = Run::new("locked");
    let mut first = run
        .follow(&tree, &["--engine", "native", "--poll", "50ms"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    run.wait_for_events(38, "the first follow wrote nothing");
    let out = Run { dir: run.dir.clone() }
        .follow(&tree, &["--once", "--engine", "native"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("in use by another mwsiem follow"));
    kill(&mut first, libc::SIGTERM);
    assert_eq!(lines(&run.events()).len(), 38, "the second follow wrote nothing");

    let run = Run::new("missing");
    let out = run
        .follow(&run.dir.join("no-such-mirror"), &["--once"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file or directory"));
}
