//! The `mwsiem replay` command: output, dead letters, summary and exit codes.

mod common;

use common::*;
use std::io::Write;
use std::process::{Output, Stdio};

fn mwsiem(args: &[&str]) -> Output {
    common::mwsiem().args(args).output().unwrap()
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mwsiem-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn replays_the_sftp_tree_in_date_order() {
    let out = mwsiem(&["replay", "testdata/sftp"]);
    assert_eq!(out.status.code(), Some(0));
    golden(
        &repo().join("testdata/sftp.ocsf.json"),
        std::str::from_utf8(&out.stdout).unwrap(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("45 records in, 38 events out, 8 dead letters (4 files"),
        "{stderr}"
    );
    assert!(stderr.contains("EXTERNAL_API         11"), "{stderr}");
    assert!(stderr.contains("events/s"), "{stderr}");
}

#[test]
fn dead_letters_keep_reason_source_and_exact_bytes() {
    let dead = tmp("dead.ndjson");
    let events = tmp("events.ndjson");
    std::fs::write(&dead, "stale content").unwrap();
    let input = repo().join("testdata/cases/hostile_framing.json");
    let out = mwsiem(&[
        "replay",
        input.to_str().unwrap(),
        "--output",
        events.to_str().unwrap(),
        "--dead-letter",
        dead.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&dead).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let source = std::fs::read(&input).unwrap();
    let letters = std::fs::read_to_string(&dead).unwrap();
    let events = std::fs::read_to_string(&events).unwrap();
    let records = mwsiem::Framer::new(&source).count();
    assert_eq!(letters.lines().count() + events.lines().count(), records);
    assert_eq!(letters.lines().count(), 8);
    for line in letters.lines() {
        let l: serde_json::Value = serde_json::from_str(line).unwrap();
        let offset = l["source"]["offset"].as_u64().unwrap() as usize;
        let record = l["record"].as_str().unwrap();
        assert_eq!(&source[offset..offset + record.len()], record.as_bytes());
        assert!(l["reason"].is_string() && l["message"].is_string());
        assert_eq!(l["source"]["file"], input.to_str().unwrap());
    }
}

#[test]
fn non_utf8_dead_letters_are_base64() {
    let dead = tmp("dead-b64.ndjson");
    let input = tmp("bad-utf8.json");
    std::fs::write(&input, b"{\"a\":\"\xff\"}\n").unwrap();
    let out = mwsiem(&[
        "replay",
        input.to_str().unwrap(),
        "--dead-letter",
        dead.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let l: serde_json::Value = serde_json::from_str(std::fs::read_to_string(&dead).unwrap().trim()).unwrap();
    assert_eq!(l["reason"], "invalid_utf8");
    assert_eq!(l["record_base64"], "eyJhIjoi/yJ9");
}

#[test]
fn stdin_gives_the_same_events_as_the_file() {
    let path = repo().join("testdata/cases/v2_external_api.json");
    let from_file = mwsiem(&["replay", path.to_str().unwrap(), "-q"]);
    let mut child = common::mwsiem()
        .args(["replay", "-", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(&path).unwrap())
        .unwrap();
    let from_stdin = child.wait_with_output().unwrap();
    assert_eq!(from_stdin.status.code(), Some(0));
    assert!(!from_file.stdout.is_empty());
    assert_eq!(from_file.stdout, from_stdin.stdout);
}

#[test]
fn config_errors_exit_2_with_a_clear_message() {
    let config = tmp("bad.toml");
    std::fs::write(&config, "[output]\nraw_dta = true\n").unwrap();
    let out = mwsiem(&["replay", "testdata/sftp", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown field `raw_dta`"), "{stderr}");
    assert!(out.stdout.is_empty());

    let out = mwsiem(&["replay", "--config", "/nonexistent/mwsiem.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read config"));

    let out = mwsiem(&["replay", "--frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let out = mwsiem(&["replay", "--engine", "quantum"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn io_errors_exit_1() {
    let out = mwsiem(&["replay", "testdata/does-not-exist"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("testdata/does-not-exist"));
    let out = mwsiem(&["replay", "testdata/sftp", "--output", "/nonexistent-dir/out.json"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn raw_data_from_the_config_file() {
    let config = tmp("raw.toml");
    std::fs::write(&config, "[output]\nraw_data = true\n[redaction]\nprofile = \"full\"\n").unwrap();
    let out = mwsiem(&[
        "replay",
        "testdata/cases/seed_v2_agent_studio_log.json",
        "-c",
        config.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let ev: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(ev["raw_data"].as_str().unwrap().contains("SorjFyTNZnDK"));
}

#[test]
fn both_engines_replay_identically() {
    let component = mwsiem(&["replay", "testdata/sftp", "testdata/cases", "-q"]);
    let native = mwsiem(&["replay", "testdata/sftp", "testdata/cases", "-q", "--engine", "native"]);
    assert_eq!(component.status.code(), Some(0));
    assert!(component.stdout.len() > 10_000);
    assert_eq!(component.stdout, native.stdout);
}

#[test]
fn a_trap_in_the_guest_does_not_stop_the_replay() {
    let config = tmp("small-memory.toml");
    std::fs::write(&config, "[host]\nmemory_limit_bytes = 4194304\n").unwrap();
    let input = tmp("with-huge-record.json");
    let good = std::fs::read_to_string(repo().join("testdata/cases/v2_config_change.json")).unwrap();
    let huge = format!(
        r#"{{"version":"2","event_type":"X","event_time":"2025-01-01 00:00:00","blob":"{}"}}"#,
        "A".repeat(8 << 20)
    );
    std::fs::write(&input, format!("{good}{huge}\n{good}")).unwrap();
    let dead = tmp("trap-dead.ndjson");
    let out = mwsiem(&[
        "replay",
        input.to_str().unwrap(),
        "-c",
        config.to_str().unwrap(),
        "--dead-letter",
        dead.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // The fixture has 3 good records and 1 without config_name, twice; then the huge one.
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 6);
    let letters = std::fs::read_to_string(&dead).unwrap();
    let reasons: Vec<serde_json::Value> = letters.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(
        reasons
            .iter()
            .map(|l| l["reason"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["missing_field", "trap", "missing_field"]
    );
    let l = &reasons[1];
    assert_eq!(l["reason"], "trap");
    assert!(
        l["message"].as_str().unwrap().contains("the component trapped"),
        "{}",
        l["message"]
    );
    assert_eq!(l["record"].as_str().unwrap().len(), huge.len());
}

#[test]
fn users_file_from_the_flag_or_the_config() {
    let by_flag = mwsiem(&[
        "replay",
        "testdata/cases/seed_v2_permission_change.json",
        "--users",
        "testdata/users.csv",
        "-q",
    ]);
    assert_eq!(by_flag.status.code(), Some(0));
    let ev: serde_json::Value = serde_json::from_slice(&by_flag.stdout).unwrap();
    assert_eq!(ev["user"]["email_addr"], "cory.webb@acme.example");
    assert_eq!(ev["actor"]["user"]["full_name"], "Ada Admin, Jr.");

    let config = repo().join("testdata/mwsiem-users.toml");
    let by_config = mwsiem(&[
        "replay",
        "testdata/cases/seed_v2_permission_change.json",
        "-c",
        config.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(by_config.stdout, by_flag.stdout);

    let missing = mwsiem(&["replay", "testdata/sftp", "--users", "/nonexistent/users.csv"]);
    assert_eq!(missing.status.code(), Some(2));
    let bad = tmp("bad-users.csv");
    std::fs::write(&bad, "email\nx@y\n").unwrap();
    let bad = mwsiem(&["replay", "testdata/sftp", "--users", bad.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("user_id"));
}

#[test]
fn another_component_build_can_be_loaded() {
    let out = mwsiem(&["replay", "testdata/sftp", "--component", "/nonexistent.wasm"]);
    assert_eq!(out.status.code(), Some(2));
    let not_wasm = tmp("not.wasm");
    std::fs::write(&not_wasm, b"\0asm garbage").unwrap();
    let out = mwsiem(&[
        "replay",
        "testdata/sftp",
        "--component",
        not_wasm.to_str().unwrap(),
        "--no-cache",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot compile the component"));
}

#[test]
fn exports_the_embedded_component() {
    let path = tmp("exported.wasm");
    let out = mwsiem(&["export-component", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..4], b"\0asm");
    // A component (layer 1), not a core module (version 1, layer 0).
    assert_eq!(&bytes[6..8], &[1, 0]);
    let replay = mwsiem(&["replay", "testdata/sftp", "-q", "--component", path.to_str().unwrap()]);
    assert_eq!(
        replay.stdout,
        std::fs::read(repo().join("testdata/sftp.ocsf.json")).unwrap()
    );
}

#[test]
fn exports_the_fluent_bit_module() {
    let path = tmp("mwsiem_fluentbit.wasm");
    let out = mwsiem(&["export-fluentbit-module", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let bytes = std::fs::read(&path).unwrap();
    // A core module (version 1, layer 0) that names its entry points.
    assert_eq!(&bytes[..8], b"\0asm\x01\0\0\0");
    for export in [&b"mwsiem_filter"[..], b"malloc", b"free", b"memory"] {
        assert!(
            bytes.windows(export.len()).any(|w| w == export),
            "{}",
            String::from_utf8_lossy(export)
        );
    }
}

/// `--version` names what a deployment has to match: the OCSF version of the events (the core's
/// own constant), the component's WIT package (as `wit/mwsiem.wit` declares it) and the
/// forwarder releases the shipped programs are checked against.
#[test]
fn version_names_ocsf_wit_and_the_forwarders() {
    let out = mwsiem(&["--version"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!("mwsiem {}\n", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    assert!(
        text.contains(&format!("OCSF {} events", mwsiem::ocsf::OCSF_VERSION)),
        "{text}"
    );
    let wit = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/wit/mwsiem.wit")).unwrap();
    let package = wit
        .lines()
        .find_map(|l| l.trim().strip_prefix("package ")?.strip_suffix(';'))
        .expect("wit/mwsiem.wit declares its package");
    assert!(text.contains(&format!("WIT {package} ")), "{text}");
    for names in [
        "Vector 0.56.x to 0.59.x",
        "vrl 0.33.1 to 0.36.0",
        "Fluent Bit 5.1.x",
        "WAMR 2.4.1",
    ] {
        assert!(text.contains(names), "{names}: {text}");
    }
    // `-V` stays the one-line version.
    let short = String::from_utf8(mwsiem(&["-V"]).stdout).unwrap();
    assert_eq!(short.trim(), format!("mwsiem {}", env!("CARGO_PKG_VERSION")));
}

/// The subcommands `mwsiem --help` lists.
fn subcommands() -> Vec<String> {
    let help = String::from_utf8(mwsiem(&["--help"]).stdout).unwrap();
    let commands = help.split("Commands:").nth(1).unwrap().split("\n\n").next().unwrap();
    commands
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

/// `mwsiem man DIR` writes a page per subcommand, and each names every option its --help does.
#[test]
fn man_pages_cover_every_subcommand_and_option() {
    let dir = tmp("man");
    let out = mwsiem(&["man", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let main = std::fs::read_to_string(dir.join("mwsiem.1")).unwrap();
    assert!(main.contains(".TH mwsiem 1"), "{main}");
    let subcommands = subcommands();
    assert!(subcommands.len() >= 8, "{subcommands:?}");
    for sub in &subcommands {
        assert!(
            main.contains(&format!("mwsiem\\-{}(1)", sub.replace('-', "\\-"))),
            "mwsiem.1 lists {sub}"
        );
        let page = std::fs::read_to_string(dir.join(format!("mwsiem-{sub}.1")))
            .unwrap_or_else(|e| panic!("mwsiem-{sub}.1: {e}"));
        assert!(
            page.starts_with(".ie") && page.contains(&format!(".TH mwsiem-{sub} 1")),
            "{page}"
        );
        let help = String::from_utf8(mwsiem(&[sub, "--help"]).stdout).unwrap();
        let longs: Vec<&str> = help
            .split_whitespace()
            .filter_map(|w| w.trim_end_matches(',').strip_prefix("--"))
            .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
            .collect();
        for long in longs {
            assert!(
                page.contains(&format!("\\-\\-{}", long.replace('-', "\\-"))),
                "mwsiem-{sub}.1 lacks --{long}"
            );
        }
    }
}

/// `mwsiem completions SHELL` prints a script that knows every subcommand; bash's parses.
#[test]
fn completions_know_every_subcommand() {
    let subcommands = subcommands();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = mwsiem(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for sub in &subcommands {
            assert!(script.contains(sub.as_str()), "{shell} completion lacks {sub}");
        }
        if shell == "bash" {
            let mut bash = std::process::Command::new("bash")
                .arg("-n")
                .stdin(Stdio::piped())
                .spawn()
                .unwrap();
            bash.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
            assert!(bash.wait().unwrap().success(), "bash -n rejects the bash completion");
        }
    }
    assert_eq!(mwsiem(&["completions", "tcsh"]).status.code(), Some(2));
}
