//! `--security-lake`: Parquet objects in the custom-source layout that pyarrow and DuckDB read
//! back equal to the NDJSON events of the same run (tests/lake/read_back.py), from replay and
//! follow, to a directory and to a real S3-compatible server (moto) that refuses wrong
//! credentials and dies in the middle of an upload. The SIGKILL test of follow
//! (tests/follow.rs) also writes a lake.

mod common;
#[path = "common/credentials.rs"]
mod credentials;
#[path = "common/lake.rs"]
mod lake;
#[path = "common/mirror.rs"]
mod mirror;

use common::{mwsiem, repo, scratch};
use lake::{DEFAULT_SOURCES, free_port, lake_config, objects, python, read_back};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

const ALL_FIXTURES: [&str; 3] = ["testdata/cases", "testdata/shapes", "testdata/sftp"];

fn replay_into(dir: &Path, config: &Path, lake: &str, events: &Path, inputs: &[&str]) -> Output {
    run(mwsiem()
        .args(["replay", "--engine", "native", "-c"])
        .arg(config)
        .args(["--security-lake", lake, "-o"])
        .arg(events)
        .args(inputs.iter().map(|i| repo().join(i)))
        .current_dir(dir))
}

#[test]
fn replay_objects_read_back_equal_to_the_events_and_the_check_can_fail() {
    let dir = scratch("lake-replay");
    let config = lake_config(&dir, "");
    let (lake, events) = (dir.join("lake"), dir.join("events.ndjson"));
    let out = replay_into(&dir, &config, lake.to_str().unwrap(), &events, &ALL_FIXTURES);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("security lake: 1719 rows in "), "{stderr}");
    let summary = read_back(&events, &lake, &DEFAULT_SOURCES).unwrap();
    assert!(summary.contains("1719 rows, 1719 events, 5 sources"), "{summary}");
    let all = objects(&lake);

    // The same input again: the same objects under the same names, nothing added.
    replay_into(&dir, &config, lake.to_str().unwrap(), &events, &ALL_FIXTURES);
    assert_eq!(objects(&lake), all);

    // The check sees a lost object, and a row changed inside one (on a smaller lake).
    let (lake, events) = (dir.join("small"), dir.join("small.ndjson"));
    replay_into(&dir, &config, lake.to_str().unwrap(), &events, &["testdata/sftp"]);
    let first = objects(&lake);
    let victim = lake.join(&first[first.len() / 2]);
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::remove_file(&victim).unwrap();
    let e = read_back(&events, &lake, &DEFAULT_SOURCES).unwrap_err();
    assert!(e.contains("events missing"), "{e}");
    std::fs::write(&victim, bytes).unwrap();
    let mut events_text = std::fs::read_to_string(&events).unwrap();
    events_text = events_text.replacen("\"severity_id\":1", "\"severity_id\":2", 1);
    let changed = dir.join("changed.ndjson");
    std::fs::write(&changed, events_text).unwrap();
    let e = read_back(&changed, &lake, &DEFAULT_SOURCES).unwrap_err();
    assert!(e.contains("1 events missing, 1 rows extra"), "{e}");
}

#[test]
fn a_class_left_unnamed_is_not_written_and_the_run_says_so() {
    let dir = scratch("lake-unnamed");
    let config = lake_config(&dir, "[security_lake.sources]\napi_activity = \"moveworks-api\"\n");
    let (lake, events) = (dir.join("lake"), dir.join("events.ndjson"));
    let out = replay_into(&dir, &config, lake.to_str().unwrap(), &events, &ALL_FIXTURES);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for class in [
        "Authentication",
        "User Access Management",
        "Entity Management",
        "Datastore Activity",
    ] {
        assert!(
            stderr.contains(&format!("{class} has no source name")),
            "{class}: {stderr}"
        );
    }
    assert!(
        stderr.contains("Authentication events not written (no source name)"),
        "{stderr}"
    );
    assert!(objects(&lake).iter().all(|o| o.starts_with("ext/moveworks-api/")));
    read_back(&events, &lake, &[("moveworks-api", 6003)]).unwrap();
}

#[test]
fn config_mistakes_are_clear_errors() {
    let dir = scratch("lake-config");
    let fail = |config: &Path, lake: &str| {
        let out = mwsiem()
            .args(["replay", "--engine", "native", "-c"])
            .arg(config)
            .args(["--security-lake", lake])
            .arg(repo().join("testdata/sftp"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let none = dir.join("none.toml");
    std::fs::write(&none, "").unwrap();
    assert!(fail(&none, "out").contains("needs a [security_lake] table"));
    let long = lake_config(
        &dir,
        "[security_lake.sources]\napi_activity = \"moveworks-api-activity\"\n",
    );
    assert!(fail(&long, "out").contains("1 to 20 characters"));
    assert!(fail(&lake_config(&dir, ""), "gs://bucket").contains("expected a directory or s3://BUCKET"));
}

#[test]
fn sources_prints_one_registration_per_class() {
    let dir = scratch("lake-sources");
    let config = lake_config(&dir, "");
    let out = run(mwsiem()
        .args(["security-lake", "sources", "-c"])
        .arg(&config)
        .args(["--glue-role-arn", "arn:aws:iam::123456789012:role/lake-glue"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("aws securitylake create-custom-log-source").count(),
        5,
        "{text}"
    );
    for (source, _) in DEFAULT_SOURCES {
        assert!(text.contains(&format!("--source-name {source}")), "{text}");
    }
    assert!(text.contains("--event-classes ENTITY_MANAGEMENT_AUDIT"), "{text}");
    assert!(
        text.contains("roleArn=arn:aws:iam::123456789012:role/lake-glue"),
        "{text}"
    );
}

#[test]
fn follow_writes_each_row_once_across_runs() {
    let dir = scratch("lake-follow");
    let mirror = dir.join("mirror");
    copy_tree(&repo().join("testdata/sftp"), &mirror);
    let config = lake_config(&dir, "");
    let (lake, events) = (dir.join("lake"), dir.join("events.ndjson"));
    let follow = || {
        run(mwsiem()
            .args(["follow", "--once", "--engine", "native", "-c"])
            .arg(&config)
            .arg("--state")
            .arg(dir.join("state"))
            .args(["--security-lake", lake.to_str().unwrap(), "-o"])
            .arg(&events)
            .arg(&mirror))
    };
    follow();
    let first = objects(&lake);
    assert!(!first.is_empty());
    // A new day arrives: only its rows are new objects.
    let day = mirror.join("logs/v1/2025-12-01");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::copy(
        repo().join("testdata/cases/seed_v2_external_api.json"),
        day.join("2025-12-01_audit_log.json"),
    )
    .unwrap();
    follow();
    let second = objects(&lake);
    assert!(second.len() > first.len() && first.iter().all(|o| second.contains(o)));
    // Nothing new: nothing written.
    follow();
    assert_eq!(objects(&lake), second);
    assert!(
        std::fs::read_dir(dir.join("state/security-lake")).unwrap().count() == 1,
        "one open spool left, sealed ones removed"
    );
    read_back(&events, &lake, &DEFAULT_SOURCES).unwrap();
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::create_dir_all(to).unwrap();
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// A Python helper process (tests/lake/s3.py) and its first line of output.
fn s3_helper(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(python())
        .arg(repo().join("tests/lake/s3.py"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(!line.is_empty(), "s3.py {args:?} did not start");
    (child, line)
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn s3_gets_every_row_once_through_refused_credentials_a_dying_server_and_a_kill() {
    let dir = scratch("lake-s3");
    let (moto_port, proxy_port) = (free_port(), free_port());
    let (mut moto, keys) = s3_helper(&["serve", &moto_port.to_string()]);
    let keys: serde_json::Value = serde_json::from_str(&keys).unwrap();
    let (key, secret) = (
        keys["access_key_id"].as_str().unwrap().to_owned(),
        keys["secret_access_key"].as_str().unwrap().to_owned(),
    );
    // A mirror big enough for several objects per roll (roll_bytes is small).
    let mut rng = credentials::Rng::new(25);
    let mut mirror = mirror::Mirror::new(&dir.join("mirror"));
    for _ in 0..3 {
        mirror.new_day(&mut rng, 300);
    }
    mirror.complete();
    let config_to = |port: u16, name: &str| {
        let path = lake_config(
            &dir,
            &format!("roll_bytes = 150000\nendpoint = \"http://127.0.0.1:{port}\"\n"),
        );
        let named = dir.join(name);
        std::fs::rename(&path, &named).unwrap();
        named
    };
    let direct = config_to(moto_port, "direct.toml");
    let proxied = config_to(proxy_port, "proxied.toml");
    let events = dir.join("events.ndjson");
    let root = mirror.root.clone();
    let follow = |config: &Path, secret: &str, extra: &[&str]| {
        let mut cmd = mwsiem();
        cmd.args(["follow", "--engine", "native", "-c"])
            .arg(config)
            .arg("--state")
            .arg(dir.join("state"))
            .args(["--security-lake", "s3://lake/securitylake", "-o"])
            .arg(&events)
            .arg(&root)
            .args(extra);
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") {
                cmd.env_remove(k);
            }
        }
        cmd.env("AWS_ACCESS_KEY_ID", &key).env("AWS_SECRET_ACCESS_KEY", secret);
        cmd
    };

    // 1. Wrong credentials: refused, said clearly, the run fails and the rows stay spooled.
    let out = follow(&direct, "wrong-secret", &["--once"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("SignatureDoesNotMatch") && stderr.contains("the server refused the credentials"),
        "{stderr}"
    );
    assert!(!stderr.contains(&secret), "no secret in messages");

    // 2. The right credentials, through a server that dies in the middle of an upload and
    //    comes back: object_store retries, mwsiem writes again what failed.
    let (mut proxy, _) = s3_helper(&["proxy", &proxy_port.to_string(), &moto_port.to_string(), "400000"]);
    let mut child = follow(&proxied, &secret, &["--poll", "50ms", "--quiet"])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while proxy.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the server never died mid-upload");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let (mut proxy, _) = s3_helper(&["proxy", &proxy_port.to_string(), &moto_port.to_string()]);
    std::thread::sleep(Duration::from_millis(1500));
    // 3. Killed without warning, then a last catch-up run.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap();
    // A new day, written by the last run with its keys from a profile of the shared
    // credentials file.
    mirror.new_day(&mut rng, 100);
    mirror.complete();
    let credentials = dir.join("aws-credentials");
    std::fs::write(
        &credentials,
        format!(
            "[default]\nregion = eu-west-1\n\n[lake]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
        ),
    )
    .unwrap();
    let out = follow(&proxied, &secret, &["--once"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_CONFIG_FILE", dir.join("no-config"))
        .env("AWS_PROFILE", "lake")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    stop(&mut proxy);

    let got = dir.join("downloaded");
    let out = run(Command::new(python())
        .arg(repo().join("tests/lake/s3.py"))
        .args([
            "download",
            &moto_port.to_string(),
            &key,
            &secret,
            "lake",
            "securitylake",
        ])
        .arg(&got));
    let n: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    stop(&mut moto);
    assert!(n >= 10, "{n} objects");
    let summary = read_back(&events, &got, &DEFAULT_SOURCES).unwrap();
    eprintln!("{n} objects downloaded; {summary}");
}
