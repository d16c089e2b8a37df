//! `mwsiem replay` streams: records leave while stdin stays open, memory is bounded by the
//! largest record rather than by the input, and a record over the limit is a dead letter that
//! says where it is instead of a copy of it.

mod common;

use common::{mwsiem, repo};
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn fixture_lines() -> Vec<String> {
    std::fs::read_to_string(repo().join("testdata/sftp/logs/2024-08-20/2024-08-20_audit_log.json"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn stdin_records_leave_while_the_pipe_stays_open() {
    let mut child = mwsiem()
        .args(["replay", "-", "--engine", "native", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    let records = fixture_lines();
    // Three records, one of them pretty-printed over many lines, and the pipe stays open.
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&records[1]).unwrap()).unwrap();
    write!(stdin, "{}\n{pretty}\n{}\n", records[0], records[2]).unwrap();
    stdin.flush().unwrap();
    let started = Instant::now();
    let mut got = Vec::new();
    while got.len() < 3 {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => got.push(line),
            Err(_) => panic!("only {} of 3 events before stdin closed", got.len()),
        }
    }
    eprintln!(
        "3 events {} ms after their records were written",
        started.elapsed().as_millis()
    );
    for (event, id) in got.iter().zip(["v1api0000001", "v1api0000002", "v1api0000003"]) {
        assert!(event.contains(&format!("\"original_event_uid\":\"{id}\"")), "{event}");
    }
    // One more after a pause, then the end.
    std::thread::sleep(Duration::from_millis(300));
    writeln!(stdin, "{}", records[3]).unwrap();
    drop(stdin);
    assert!(
        rx.recv_timeout(Duration::from_secs(30))
            .unwrap()
            .contains("v1api0000004")
    );
    assert!(child.wait().unwrap().success());
}

/// Peak resident memory (KiB) of `mwsiem replay -` over `records` junk records of `size` bytes
/// written to its stdin as they are made (nothing of the input is ever on disk).
// The child is reaped by `wait4`, which also gives its resource usage.
#[allow(clippy::zombie_processes)]
fn peak_rss_kib(records: usize, size: usize) -> i64 {
    let mut child = mwsiem()
        .args(["replay", "-", "--engine", "native", "-q", "--output", "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let pad = "A".repeat(size);
    let writer = std::thread::spawn(move || {
        for i in 0..records {
            writeln!(stdin, "{{\"version\":\"2\",\"event_id\":\"m{i}\",\"pad\":\"{pad}\"}}").unwrap();
        }
    });
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    writer.join().unwrap();
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "status {status}"
    );
    usage.ru_maxrss
}

#[test]
fn memory_is_bounded_by_the_record_not_by_the_input() {
    // 6 MB and 60 MB of 8 KiB records.
    let small = peak_rss_kib(750, 8 * 1024);
    let large = peak_rss_kib(7_500, 8 * 1024);
    eprintln!("peak RSS: 6 MB in -> {small} KiB, 60 MB in -> {large} KiB");
    assert!(
        (large as f64) <= small as f64 * 1.10,
        "peak RSS grew with the input: {small} KiB for 6 MB, {large} KiB for 60 MB"
    );
}

#[test]
fn a_record_over_the_limit_is_a_dead_letter_with_its_place_not_its_copy() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("streaming-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("small.toml");
    std::fs::write(&config, "[limits]\nmax_record_bytes = 4096\n").unwrap();
    let input = dir.join("input.json");
    let records = fixture_lines();
    let big = format!(
        "{{\"version\":\"1\",\"event_id\":\"big\",\"pad\":\"{}\"}}",
        "B".repeat(100_000)
    );
    std::fs::write(&input, format!("{}\n{big}\n{}\n", records[0], records[1])).unwrap();
    let dead = dir.join("dead.ndjson");
    let out = mwsiem()
        .args(["replay", "--engine", "native", "-q", "--config"])
        .arg(&config)
        .arg("--dead-letter")
        .arg(&dead)
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    let line = std::fs::read_to_string(&dead).unwrap();
    let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(v["reason"], "too_large");
    assert_eq!(v["source"]["size"], big.len());
    assert_eq!(v["source"]["offset"], records[0].len() + 1);
    let head = v["record_head"].as_str().unwrap();
    assert!(
        big.starts_with(head) && head.len() >= 4096 && head.len() <= 16 * 1024,
        "{}",
        head.len()
    );
    assert!(v.get("record").is_none());
}
