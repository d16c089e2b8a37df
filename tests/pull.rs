//! `mwsiem pull` and `follow --sftp` against a real OpenSSH server (tests/common/sshd.rs):
//! first mirror and incremental pulls, a transfer cut by killing the server and resumed, a file
//! rewritten during its transfer, host-key and credential refusals, unreadable directories, a
//! hanging server, and a pull + follow whose events equal a replay of the server's tree.

mod common;
#[path = "common/proxy.rs"]
mod proxy;
#[path = "common/sshd.rs"]
mod sshd;

use common::{mwsiem, repo, scratch};
use proxy::Proxy;
use sshd::{PASSPHRASE, PASSWORD, Sshd};
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// `mwsiem pull` of `server` into `mirror`, logging in with the plain ed25519 key.
fn pull(server: &Sshd, mirror: &Path) -> Command {
    pull_via(server, server.port, mirror)
}

fn pull_via(server: &Sshd, port: u16, mirror: &Path) -> Command {
    let mut cmd = pull_bare(server, port, mirror);
    cmd.args(["--timeout", "10s", "--retries", "0"]);
    cmd
}

/// Without the tests' usual timeout and retries.
fn pull_bare(server: &Sshd, port: u16, mirror: &Path) -> Command {
    let mut cmd = mwsiem();
    cmd.arg("pull")
        .arg(server.url_on(port))
        .arg("--mirror")
        .arg(mirror)
        .arg("--known-hosts")
        .arg(server.known_hosts());
    cmd
}

fn with_key(mut cmd: Command, server: &Sshd, key: &str) -> Command {
    cmd.arg("-i").arg(server.key(key));
    cmd
}

fn run(mut cmd: Command) -> Output {
    cmd.stdin(Stdio::null()).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> String {
    let e = stderr(&o);
    assert!(o.status.success(), "exit {:?}: {e}", o.status.code());
    e
}

fn fails(o: Output, code: i32, needle: &str) -> String {
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "{e}");
    assert!(e.contains(needle), "expected `{needle}` in: {e}");
    e
}

/// Every file under `root` (relative path -> bytes), hidden ones included.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The files, sizes and mtimes of the server's tree: a pull must never change them.
fn server_fingerprint(root: &Path) -> Vec<(String, u64, i64)> {
    tree(root)
        .keys()
        .map(|rel| {
            let m = std::fs::metadata(root.join(rel)).unwrap();
            (rel.clone(), m.len(), m.mtime())
        })
        .collect()
}

/// A server whose export tree is a copy of `testdata/sftp`.
fn serving_the_fixtures(name: &str) -> Sshd {
    let server = Sshd::start(name);
    copy_tree(&repo().join("testdata/sftp"), &server.root());
    server
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in tree(from) {
        let p = to.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        set_age(&p, 60);
    }
    let _ = Command::new("chmod").arg("-R").arg("a+rX").arg(to).status();
}

/// Writes a server file and gives it an mtime `age` seconds in the past, so a later change
/// always has a different (whole-second) mtime.
fn put(path: &Path, bytes: &[u8], age: u64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let _ = Command::new("chmod").arg("a+rx").arg(path.parent().unwrap()).status();
    std::fs::write(path, bytes).unwrap();
    set_age(path, age);
}

fn set_age(path: &Path, age: u64) {
    let f = std::fs::File::options().append(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(age)).unwrap();
}

/// Deterministic NDJSON-looking bytes.
fn lines(seed: u64, bytes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes + 128);
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while out.len() < bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(format!("{{\"n\":{x},\"pad\":\"{:0>40}\"}}\n", x % 1_000_003).as_bytes());
    }
    out.truncate(bytes);
    out
}

/// Part files left in a mirror (the lock file is always there).
fn hidden_files(root: &Path) -> Vec<String> {
    tree(root)
        .into_keys()
        .filter(|k| k.rsplit('/').next().unwrap().starts_with('.') && k != LOCK)
        .collect()
}

const LOCK: &str = ".mwsiem-pull.lock";

/// The mirror's export files (without the lock).
fn mirrored(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut t = tree(root);
    t.remove(LOCK);
    t
}

#[test]
fn first_mirror_then_only_what_changed() {
    let server = serving_the_fixtures("incremental");
    let root = server.root();
    let dir = scratch("pull-incremental");
    let mirror = dir.join("mirror");
    let before = server_fingerprint(&root);

    let e = ok(run(with_key(pull(&server, &mirror), &server, "id_ed25519")));
    assert!(
        e.contains("4 files: 4 new, 0 rewritten, 0 appended, 0 unchanged"),
        "{e}"
    );
    assert_eq!(mirrored(&mirror), tree(&root));
    assert_eq!(server_fingerprint(&root), before, "the pull changed the server's tree");

    let e = ok(run(with_key(pull(&server, &mirror), &server, "id_ed25519")));
    assert!(
        e.contains("4 files: 0 new, 0 rewritten, 0 appended, 4 unchanged"),
        "{e}"
    );
    assert!(e.contains("0.0 MB"), "{e}");

    // An append: only the new bytes travel, into the same file (a follower sees it grow).
    let grown = root.join("logs/v1/2025-10-16/2025-10-16_audit_log.json");
    let inode = std::fs::metadata(mirror.join("logs/v1/2025-10-16/2025-10-16_audit_log.json"))
        .unwrap()
        .ino();
    let mut bytes = std::fs::read(&grown).unwrap();
    bytes.extend(lines(1, 100_000));
    // (Ages of a few seconds: a copy is trusted as unchanged only 2 s past the remote mtime.)
    put(&grown, &bytes, 10);
    // A rewrite that keeps the length but not the bytes, and one that shrinks the file.
    let same_len = root.join("logs/2024-08-20/2024-08-20_audit_log.json");
    let mut b = std::fs::read(&same_len).unwrap();
    b.reverse();
    put(&same_len, &b, 10);
    let shrunk = root.join("logs/v1/2025-07-25/2025-07-25_audit_log.json");
    let b = std::fs::read(&shrunk).unwrap();
    put(&shrunk, &b[..b.len() / 2], 10);
    let e = ok(run(with_key(pull(&server, &mirror), &server, "id_ed25519")));
    assert!(
        e.contains("4 files: 0 new, 2 rewritten, 1 appended, 1 unchanged"),
        "{e}"
    );
    assert_eq!(mirrored(&mirror), tree(&root));
    assert_eq!(
        std::fs::metadata(mirror.join("logs/v1/2025-10-16/2025-10-16_audit_log.json"))
            .unwrap()
            .ino(),
        inode
    );
    // An append whose prefix changed is a rewrite, not an append.
    let mut b = std::fs::read(&grown).unwrap();
    b[10] ^= 1;
    b.extend(lines(2, 5000));
    put(&grown, &b, 5);
    let e = ok(run(with_key(pull(&server, &mirror), &server, "id_ed25519")));
    assert!(e.contains("0 new, 1 rewritten, 0 appended, 3 unchanged"), "{e}");
    assert_eq!(mirrored(&mirror), tree(&root));
    assert!(hidden_files(&mirror).is_empty());

    // SFTP mtimes are whole seconds: a file fetched in the second it was written is not trusted
    // as unchanged, so a same-length rewrite within that second is still seen.
    let quick = root.join("logs/2025-10-15/2025-10-15_audit_log.json");
    let b = std::fs::read(&quick).unwrap();
    put(&quick, &b, 0);
    ok(run(with_key(pull(&server, &mirror), &server, "id_ed25519")));
    let mut b2 = b.clone();
    b2.reverse();
    std::fs::write(&quick, &b2).unwrap();
    let e = ok(run(with_key(pull(&server, &mirror), &server, "id_ed25519")));
    assert!(e.contains("1 rewritten"), "{e}");
    assert_eq!(
        std::fs::read(mirror.join("logs/2025-10-15/2025-10-15_audit_log.json")).unwrap(),
        b2
    );

    // --since: older date directories are not even listed.
    let recent = dir.join("recent");
    let mut cmd = with_key(pull(&server, &recent), &server, "id_ed25519");
    cmd.args(["--since", "2025-10-01"]);
    let e = ok(run(cmd));
    assert!(e.contains("2 files: 2 new"), "{e}");
    assert_eq!(
        mirrored(&recent).into_keys().collect::<Vec<_>>(),
        [
            "logs/2025-10-15/2025-10-15_audit_log.json",
            "logs/v1/2025-10-16/2025-10-16_audit_log.json"
        ]
    );
}

/// A pull through a proxy that holds the transfer after `budget` bytes, started and waited for
/// until it is held: the transfer is then certainly mid-file.
fn held_pull(server: &Sshd, budget: u64, mut cmd: impl FnMut(u16) -> Command) -> (Proxy, std::process::Child) {
    let proxy = Proxy::start(server.port, Some(budget));
    server.trust_port(proxy.port);
    let child = cmd(proxy.port).stderr(Stdio::piped()).spawn().unwrap();
    proxy.wait_holding(Duration::from_secs(60));
    (proxy, child)
}

const BIG: &str = "logs/v1/2025-11-02/2025-11-02_audit_log.json";

#[test]
fn transfer_cut_by_killing_the_server_resumes_after_restart() {
    let mut server = Sshd::start("resume");
    let root = server.root();
    let big = lines(3, 48 << 20);
    put(&root.join(BIG), &big, 60);
    put(
        &root.join("logs/2025-11-01/2025-11-01_audit_log.json"),
        &lines(4, 1000),
        60,
    );
    let mirror = scratch("pull-resume").join("mirror");
    let (proxy, child) = held_pull(&server, 8 << 20, |port| {
        with_key(pull_via(&server, port, &mirror), &server, "id_ed25519")
    });
    std::thread::sleep(Duration::from_millis(300));
    server.kill();
    proxy.cut();
    let out = child.wait_with_output().unwrap();
    let e = fails(out, 1, "giving up after 1 attempts");
    let parts = hidden_files(&mirror);
    assert_eq!(parts.len(), 1, "{parts:?} {e}");
    let part_len = std::fs::metadata(mirror.join(&parts[0])).unwrap().len();
    assert!(
        part_len > 1 << 20 && part_len < big.len() as u64,
        "part of {part_len} bytes"
    );
    assert!(!mirror.join(BIG).exists(), "an unverified file reached the mirror");

    server.restart();
    let e = ok(run(with_key(pull(&server, &mirror), &server, "id_ed25519")));
    assert!(e.contains("1 resumed"), "{e}");
    assert_eq!(std::fs::read(mirror.join(BIG)).unwrap(), big);
    // Only what the part lacked was fetched (plus the small file if it came after the cut).
    let fetched = mb(&e);
    let rest = (big.len() as u64 - part_len) as f64 / 1e6;
    assert!(
        (fetched - rest).abs() <= 0.1,
        "fetched {fetched} MB, {rest} MB were missing: {e}"
    );
    assert_eq!(mirrored(&mirror), tree(&root));
}

/// The "N MB" of a summary line.
fn mb(summary: &str) -> f64 {
    let before = summary.split(" MB in ").next().unwrap();
    before.rsplit(' ').next().unwrap().parse().unwrap()
}

#[test]
fn file_rewritten_during_its_transfer_is_fetched_again() {
    let server = Sshd::start("rewrite");
    let root = server.root();
    put(&root.join(BIG), &lines(5, 48 << 20), 60);
    let mirror = scratch("pull-rewrite").join("mirror");
    let (proxy, child) = held_pull(&server, 6 << 20, |port| {
        with_key(pull_via(&server, port, &mirror), &server, "id_ed25519")
    });
    // The vendor's refresh: the same path rewritten in place, mid-transfer.
    let new = lines(6, 50 << 20);
    put(&root.join(BIG), &new, 0);
    proxy.release();
    let e = ok(child.wait_with_output().unwrap());
    assert!(e.contains("1 new") && e.contains("1 changed during transfer"), "{e}");
    assert_eq!(
        std::fs::read(mirror.join(BIG)).unwrap(),
        new,
        "the mirror holds a mix of two versions"
    );
    assert!(hidden_files(&mirror).is_empty());
}

#[test]
fn host_keys_are_checked_like_openssh() {
    let server = serving_the_fixtures("hostkey");
    let dir = scratch("pull-hostkey");
    let mirror = dir.join("mirror");
    let trusted = std::fs::read_to_string(server.known_hosts()).unwrap();
    let other = std::fs::read_to_string(server.dir.join("host_other.pub")).unwrap();
    let other: Vec<&str> = other.split_whitespace().take(2).collect();

    // A changed key: refused, exit 2, nothing downloaded.
    std::fs::write(
        server.known_hosts(),
        format!("[127.0.0.1]:{} {} {}\n", server.port, other[0], other[1]),
    )
    .unwrap();
    let e = fails(
        run(with_key(pull(&server, &mirror), &server, "id_ed25519")),
        2,
        "HOST KEY CHANGED",
    );
    assert!(e.contains("line(s) 1"), "{e}");
    assert!(mirrored(&mirror).is_empty(), "something was downloaded");
    // Not even --accept-new-host-key accepts a changed key.
    let mut cmd = with_key(pull(&server, &mirror), &server, "id_ed25519");
    cmd.arg("--accept-new-host-key");
    fails(run(cmd), 2, "HOST KEY CHANGED");

    // Revoked.
    std::fs::write(
        server.known_hosts(),
        format!("{trusted}@revoked * {}", trusted.split_once(' ').unwrap().1),
    )
    .unwrap();
    fails(
        run(with_key(pull(&server, &mirror), &server, "id_ed25519")),
        2,
        "@revoked",
    );

    // Unknown: refused unless asked, then recorded, then known.
    std::fs::remove_file(server.known_hosts()).unwrap();
    fails(
        run(with_key(pull(&server, &mirror), &server, "id_ed25519")),
        2,
        "is not in",
    );
    assert!(mirrored(&mirror).is_empty());
    let mut cmd = with_key(pull(&server, &mirror), &server, "id_ed25519");
    cmd.arg("--accept-new-host-key");
    let e = ok(run(cmd));
    assert!(e.contains("added the ssh-ed25519 key of [127.0.0.1]:"), "{e}");
    assert_eq!(std::fs::read_to_string(server.known_hosts()).unwrap(), trusted);
    assert_eq!(std::fs::metadata(server.known_hosts()).unwrap().mode() & 0o777, 0o600);
    ok(run(with_key(pull(&server, &mirror), &server, "id_ed25519")));
    assert_eq!(mirrored(&mirror), tree(&server.root()));
}

#[test]
fn credentials_keys_passwords_and_refusals() {
    let server = serving_the_fixtures("creds");
    let dir = scratch("pull-creds");
    let mut n = 0;
    let mut fresh = || {
        n += 1;
        dir.join(format!("m{n}"))
    };
    let mut all_stderr = String::new();
    for key in ["id_ed25519", "id_rsa", "id_ecdsa", "id_short"] {
        all_stderr += &ok(run(with_key(pull(&server, &fresh()), &server, key)));
    }
    // The short-scalar key encrypted (its passphrase is the fixture's).
    let mut cmd = with_key(pull(&server, &fresh()), &server, "id_short_encrypted");
    cmd.env("MWSIEM_SFTP_PASSPHRASE", "test passphrase");
    all_stderr += &ok(run(cmd));
    // An encrypted key: the passphrase from the environment.
    let mut cmd = with_key(pull(&server, &fresh()), &server, "id_encrypted");
    cmd.env("MWSIEM_SFTP_PASSPHRASE", PASSPHRASE);
    all_stderr += &ok(run(cmd));
    all_stderr += &fails(
        run(with_key(pull(&server, &fresh()), &server, "id_encrypted")),
        2,
        "is encrypted and $MWSIEM_SFTP_PASSPHRASE is not set",
    );
    let mut cmd = with_key(pull(&server, &fresh()), &server, "id_encrypted");
    cmd.env("MY_PASSPHRASE", "wrong")
        .args(["--passphrase-env", "MY_PASSPHRASE"]);
    all_stderr += &fails(run(cmd), 2, "cannot decrypt the key");
    // A key the server does not know.
    all_stderr += &fails(
        run(with_key(pull(&server, &fresh()), &server, "id_stranger")),
        2,
        "authentication as mwsiem-sftp@[127.0.0.1]:",
    );
    // A key others can read is refused before anything is sent.
    let key = server.key("id_ed25519");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut cmd = pull(&server, &fresh());
    cmd.arg("-i").arg(&key);
    all_stderr += &fails(run(cmd), 2, "permissions 0644 are too open");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();

    // Passwords: from an environment variable or a 0600 file, never the command line.
    let mut cmd = pull(&server, &fresh());
    cmd.env("SFTP_PW", PASSWORD).args(["--password-env", "SFTP_PW"]);
    all_stderr += &ok(run(cmd));
    let mut cmd = pull(&server, &fresh());
    cmd.env("SFTP_PW", "not the password")
        .args(["--password-env", "SFTP_PW"]);
    all_stderr += &fails(run(cmd), 2, "(tried: password)");
    let pw_file = dir.join("pw");
    std::fs::write(&pw_file, format!("{PASSWORD}\n")).unwrap();
    std::fs::set_permissions(&pw_file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let mut cmd = pull(&server, &fresh());
    cmd.arg("--password-file").arg(&pw_file);
    all_stderr += &fails(run(cmd), 2, "permissions 0640 are too open");
    std::fs::set_permissions(&pw_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut cmd = pull(&server, &fresh());
    cmd.arg("--password-file").arg(&pw_file);
    all_stderr += &ok(run(cmd));
    // A password in the URL is refused, and not repeated.
    let mut cmd = mwsiem();
    cmd.arg("pull")
        .arg(server.url().replace("mwsiem-sftp@", "mwsiem-sftp:hunter2@"))
        .arg("--mirror")
        .arg(fresh());
    all_stderr += &fails(run(cmd), 2, "a password in the URL is refused");
    for secret in [PASSWORD, PASSPHRASE, "not the password", "hunter2"] {
        assert!(!all_stderr.contains(secret), "a secret was logged: {all_stderr}");
    }
}

#[test]
fn unreadable_directories_and_files_are_reported_the_rest_mirrored() {
    let server = serving_the_fixtures("unreadable");
    let root = server.root();
    std::fs::set_permissions(root.join("logs/2025-10-15"), std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(
        root.join("logs/v1/2025-07-25/2025-07-25_audit_log.json"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let mirror = scratch("pull-unreadable").join("mirror");
    let e = fails(
        run(with_key(pull(&server, &mirror), &server, "id_ed25519")),
        1,
        "2 parts of the export could not be mirrored",
    );
    assert!(
        e.contains("cannot list") && e.contains("logs/2025-10-15: Permission denied"),
        "{e}"
    );
    assert!(
        e.contains("cannot read") && e.contains("2025-07-25_audit_log.json: Permission denied"),
        "{e}"
    );
    assert_eq!(
        mirrored(&mirror).into_keys().collect::<Vec<_>>(),
        [
            "logs/2024-08-20/2024-08-20_audit_log.json",
            "logs/v1/2025-10-16/2025-10-16_audit_log.json"
        ]
    );
}

#[test]
fn a_hanging_server_times_out_and_is_retried_with_backoff() {
    let server = serving_the_fixtures("hang");
    let dir = scratch("pull-hang");
    server.freeze();
    let start = Instant::now();
    let mut cmd = with_key(pull_bare(&server, server.port, &dir.join("m1")), &server, "id_ed25519");
    cmd.args(["--timeout", "1s", "--retries", "2", "--backoff", "100ms"]);
    let e = fails(run(cmd), 1, "giving up after 3 attempts: timed out");
    assert!(
        e.contains("retry 1/2 in 0.1s") && e.contains("retry 2/2 in 0.2s"),
        "{e}"
    );
    assert!(start.elapsed() < Duration::from_secs(30), "{:?}", start.elapsed());

    // The server comes back during the backoff: the pull succeeds.
    let mut cmd = with_key(pull_bare(&server, server.port, &dir.join("m2")), &server, "id_ed25519");
    cmd.args(["--timeout", "1s", "--retries", "5", "--backoff", "1s"]);
    let child = cmd.stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    server.thaw();
    let e = ok(child.wait_with_output().unwrap());
    assert!(e.contains("retry 1/5"), "{e}");
    assert_eq!(mirrored(&dir.join("m2")), tree(&server.root()));
}

/// Records like the fixtures', with ids of their own.
fn records(template: &str, prefix: &str, n: usize) -> String {
    (0..n)
        .map(|i| template.replace("v1api0000001", &format!("{prefix}{i:07}")) + "\n")
        .collect()
}

fn replay(root: &Path) -> Vec<String> {
    let out = mwsiem().arg("replay").arg(root).arg("--quiet").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn event_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn follow_sftp_events_equal_a_replay_of_the_server_tree() {
    let mut server = serving_the_fixtures("follow");
    let root = server.root();
    let template = std::fs::read_to_string(root.join("logs/2024-08-20/2024-08-20_audit_log.json")).unwrap();
    let template = template.lines().next().unwrap().to_owned();
    let day = root.join("logs/2025-11-03/2025-11-03_audit_log.json");
    put(&day, records(&template, "a", 50).as_bytes(), 60);
    let dir = scratch("pull-follow");
    let (mirror, state, events) = (dir.join("mirror"), dir.join("state"), dir.join("events.ndjson"));
    let (url, known_hosts, key) = (server.url(), server.known_hosts(), server.key("id_ed25519"));
    let follow = |extra: &[&str]| {
        let mut cmd = mwsiem();
        cmd.arg("follow")
            .arg("--sftp")
            .arg(&url)
            .arg("--mirror")
            .arg(&mirror)
            .arg("--state")
            .arg(&state)
            .arg("--output")
            .arg(&events)
            .arg("--known-hosts")
            .arg(&known_hosts)
            .arg("-i")
            .arg(&key)
            .args(["--timeout", "2s", "--retries", "1", "--backoff", "200ms", "--quiet"])
            .args(extra);
        cmd
    };
    ok(run(follow(&["--once"])));
    assert_eq!(
        event_lines(&events),
        replay(&root),
        "follow --sftp --once differs from replay"
    );

    // A refresh: an append, and a rewrite that keeps its records and adds more.
    let mut b = std::fs::read(&day).unwrap();
    b.extend(records(&template, "b", 30).as_bytes());
    put(&day, &b, 30);
    let rewritten = root.join("logs/2024-08-20/2024-08-20_audit_log.json");
    let mut b = records(&template, "c", 5).into_bytes();
    b.extend(std::fs::read(&rewritten).unwrap());
    put(&rewritten, &b, 30);
    ok(run(follow(&["--once"])));
    assert_eq!(
        sorted(event_lines(&events)),
        sorted(replay(&root)),
        "each record once after a refresh"
    );

    // Live: pulls every 300 ms through a server crash and restart, stopped by SIGTERM.
    let mut child = follow(&["--interval", "300ms", "--poll", "100ms", "--settle", "100ms"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    server.kill();
    put(
        &root.join("logs/v1/2025-11-04/2025-11-04_audit_log.json"),
        records(&template, "d", 40).as_bytes(),
        20,
    );
    std::thread::sleep(Duration::from_secs(1));
    server.restart();
    let mut b = std::fs::read(&day).unwrap();
    b.extend(records(&template, "e", 20).as_bytes());
    put(&day, &b, 10);
    let want = sorted(replay(&root));
    let deadline = Instant::now() + Duration::from_secs(60);
    while event_lines(&events).len() < want.len() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    unsafe { libc_kill(child.id() as i32, 15) };
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{err}");
    assert_eq!(sorted(event_lines(&events)), want, "{err}");

    // An unknown host key stops follow --sftp with exit 2 and downloads nothing.
    let empty = dir.join("empty_known_hosts");
    std::fs::write(&empty, "").unwrap();
    let mut cmd = mwsiem();
    cmd.arg("follow")
        .arg("--sftp")
        .arg(server.url())
        .arg("--mirror")
        .arg(dir.join("m2"))
        .arg("--state")
        .arg(dir.join("s2"))
        .arg("--known-hosts")
        .arg(&empty)
        .arg("-i")
        .arg(server.key("id_ed25519"))
        .arg("--quiet");
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is not in"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(mirrored(&dir.join("m2")).is_empty());
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn a_transfer_that_stalls_mid_file_times_out_and_two_pulls_never_share_a_mirror() {
    let server = Sshd::start("stall");
    put(&server.root().join(BIG), &lines(7, 32 << 20), 60);
    let mirror = scratch("pull-stall").join("mirror");
    let (proxy, child) = held_pull(&server, 4 << 20, |port| {
        let mut cmd = with_key(pull_bare(&server, port, &mirror), &server, "id_ed25519");
        cmd.args(["--timeout", "1s", "--retries", "1", "--backoff", "100ms"]);
        cmd
    });
    // While it is stuck, a second pull into the same mirror is refused.
    let e = fails(
        run(with_key(pull(&server, &mirror), &server, "id_ed25519")),
        1,
        "is being written by another pull",
    );
    assert!(!e.contains("giving up"), "{e}");
    let start = Instant::now();
    let e = fails(
        child.wait_with_output().unwrap(),
        1,
        "giving up after 2 attempts: timed out",
    );
    assert!(e.contains("retry 1/1"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(20), "{:?}", start.elapsed());
    assert_eq!(hidden_files(&mirror).len(), 1, "the part is kept for a resume");
    assert!(!mirror.join(BIG).exists());
    proxy.release();
    let e = ok(run(with_key(pull(&server, &mirror), &server, "id_ed25519")));
    assert!(e.contains("1 resumed"), "{e}");
    assert_eq!(mirrored(&mirror), tree(&server.root()));
}

#[test]
fn everything_can_come_from_the_sftp_table_of_the_config() {
    let server = serving_the_fixtures("config");
    let dir = scratch("pull-config");
    let config = dir.join("mwsiem.toml");
    std::fs::copy(server.key("id_encrypted"), dir.join("id")).unwrap();
    std::fs::set_permissions(dir.join("id"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(
        &config,
        format!(
            "[sftp]\nurl = \"{}\"\nmirror = \"mirror\"\nknown_hosts = \"{}\"\nidentity = [\"id\"]\n\
             passphrase_env = \"KEY_PASS\"\nsince = \"2025-01-01\"\ntimeout = \"10s\"\nretries = 0\nbackoff = \"100ms\"\n",
            server.url(),
            server.known_hosts().display()
        ),
    )
    .unwrap();
    let mut cmd = mwsiem();
    cmd.arg("pull").arg("-c").arg(&config).env("KEY_PASS", PASSPHRASE);
    let e = ok(run(cmd));
    assert!(e.contains("3 files: 3 new"), "{e}");
    // Paths are relative to the config file; --since skipped 2024-08-20.
    assert_eq!(
        mirrored(&dir.join("mirror")).into_keys().collect::<Vec<_>>(),
        [
            "logs/2025-10-15/2025-10-15_audit_log.json",
            "logs/v1/2025-07-25/2025-07-25_audit_log.json",
            "logs/v1/2025-10-16/2025-10-16_audit_log.json"
        ]
    );
    // A flag wins over its key.
    let mut cmd = mwsiem();
    cmd.arg("pull")
        .arg("-c")
        .arg(&config)
        .args(["--since", "2025-10-16"])
        .arg("--mirror")
        .arg(dir.join("m2"));
    cmd.env("KEY_PASS", PASSPHRASE);
    let e = ok(run(cmd));
    assert!(e.contains("1 file: 1 new"), "{e}");
    // A misspelled key, or a bad value, is an error, not ignored.
    std::fs::write(&config, "[sftp]\nurl = \"sftp://u@h/\"\nidentiy = \"id\"\n").unwrap();
    let mut cmd = mwsiem();
    cmd.arg("pull").arg("-c").arg(&config);
    fails(run(cmd), 2, "unknown field `identiy`");
    std::fs::write(
        &config,
        "[sftp]\nurl = \"sftp://u@h/\"\nmirror = \"m\"\nbackoff = \"soon\"\n",
    )
    .unwrap();
    let mut cmd = mwsiem();
    cmd.arg("pull").arg("-c").arg(&config);
    fails(run(cmd), 2, "sftp.backoff: `soon` is not a duration");
}
