//! OpenSSH `known_hosts`: is the key a server offers the one recorded for it?
//!
//! Our own reader, not russh's helper: that one ignores `@revoked` lines, wildcard and negated
//! patterns and treats a missing file as empty without saying so. Here a host is looked up as
//! OpenSSH looks it up (`host` on port 22, `[host]:port` otherwise, plain or hashed `|1|salt|hash`
//! names, `*`/`?` wildcards, `!negation`), and the answer names the line it comes from. Lines
//! this reader does not understand (`@cert-authority`, bad base64) are skipped: they can never
//! make an unknown key acceptable.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use std::path::{Path, PathBuf};

/// What the file says about the key a server offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A line lists this key for this host.
    Known { line: usize },
    /// The host has no entry at all: refused unless accepting new keys was asked for.
    Unknown,
    /// The host is listed with other keys: refused always (the key changed, or someone is in
    /// the middle).
    Changed { lines: Vec<usize>, algorithms: Vec<String> },
    /// The key is marked `@revoked`.
    Revoked { line: usize },
}

/// The name a host is recorded under.
pub fn host_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_owned()
    } else {
        format!("[{host}]:{port}")
    }
}

/// Checks `algorithm` + `blob` (the key's SSH wire encoding) for `host`:`port` against the text
/// of a known_hosts file.
pub fn check(text: &str, host: &str, port: u16, algorithm: &str, blob: &[u8]) -> Verdict {
    let name = host_name(host, port);
    let mut known = None;
    let mut other = (Vec::new(), Vec::new());
    for (i, raw) in text.lines().enumerate() {
        let Some(entry) = Entry::parse(raw) else { continue };
        if !entry.matches_host(&name) {
            continue;
        }
        let same_key = entry.algorithm == algorithm && entry.blob == blob;
        match entry.marker {
            Marker::Revoked if same_key => return Verdict::Revoked { line: i + 1 },
            Marker::Revoked | Marker::CertAuthority => {}
            Marker::None if same_key => known = known.or(Some(i + 1)),
            Marker::None => {
                other.0.push(i + 1);
                other.1.push(entry.algorithm.to_owned());
            }
        }
    }
    match known {
        Some(line) => Verdict::Known { line },
        None if other.0.is_empty() => Verdict::Unknown,
        None => Verdict::Changed {
            lines: other.0,
            algorithms: other.1,
        },
    }
}

/// The line `accept_new_host_key` appends.
pub fn entry_line(host: &str, port: u16, algorithm: &str, blob: &[u8]) -> String {
    format!("{} {algorithm} {}\n", host_name(host, port), STANDARD.encode(blob))
}

/// Appends a key, creating the file (0600) and its directory (0700) as ssh does.
pub fn append(path: &Path, line: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(line.as_bytes())?;
    f.sync_all()
}

/// `~/.ssh/known_hosts`, as ssh's `UserKnownHostsFile` default.
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".ssh/known_hosts"))
}

#[derive(Debug, PartialEq, Eq)]
enum Marker {
    None,
    Revoked,
    CertAuthority,
}

struct Entry<'a> {
    marker: Marker,
    hosts: &'a str,
    algorithm: &'a str,
    blob: Vec<u8>,
}

impl<'a> Entry<'a> {
    fn parse(line: &'a str) -> Option<Entry<'a>> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut fields = line.split_ascii_whitespace();
        let mut first = fields.next()?;
        let marker = match first {
            "@revoked" => Marker::Revoked,
            "@cert-authority" => Marker::CertAuthority,
            m if m.starts_with('@') => return None,
            _ => Marker::None,
        };
        if marker != Marker::None {
            first = fields.next()?;
        }
        let algorithm = fields.next()?;
        let blob = STANDARD.decode(fields.next()?).ok()?;
        Some(Entry {
            marker,
            hosts: first,
            algorithm,
            blob,
        })
    }

    /// A positive pattern matches and no negated one does (OpenSSH's `match_hostname`).
    fn matches_host(&self, name: &str) -> bool {
        if let Some(hashed) = self.hosts.strip_prefix("|1|") {
            return hashed_matches(hashed, name);
        }
        let mut positive = false;
        for pattern in self.hosts.split(',') {
            match pattern.strip_prefix('!') {
                Some(neg) if wildcard(neg, name) => return false,
                Some(_) => {}
                None => positive |= wildcard(pattern, name),
            }
        }
        positive
    }
}

fn hashed_matches(hashed: &str, name: &str) -> bool {
    let Some((salt, hash)) = hashed.split_once('|') else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (STANDARD.decode(salt), STANDARD.decode(hash)) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(&salt) else {
        return false;
    };
    mac.update(name.as_bytes());
    mac.verify_slice(&hash).is_ok()
}

/// `*` and `?` glob, case-insensitive (host names are).
///
/// Greedy with one backtrack point (the last `*`): O(pattern x name). The recursive matcher it
/// replaces tried every split at every `*`, exponential in the stars: `*a*a*a...*b` against a
/// long run of `a`s never finished, so one crafted known_hosts line stalled every pull.
fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut pi, mut ni) = (0, 0);
    // Where the last `*` was, and the name position it currently stands for up to.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(c) if *c == b'?' || c.eq_ignore_ascii_case(&n[ni]) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    star = Some((sp, sn + 1));
                    pi = sp + 1;
                    ni = sn + 1;
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// The `known_hosts` fuzz target's property, on any bytes: `host\nalgorithm\n` then a file's
/// text. Checking never panics; once our own entry for the key is appended the key is known
/// (or revoked, when the text revokes it); once a revocation is appended it is revoked.
#[cfg(any(test, fuzzing))]
pub fn property(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let (host, algorithm, file) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    // A name and an algorithm as ssh would send them: no separators, wildcards or markers.
    let host: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .take(255)
        .collect();
    let algorithm: String = algorithm.chars().filter(|c| c.is_ascii_graphic()).take(64).collect();
    let (host, algorithm) = (
        if host.is_empty() { "h".to_owned() } else { host },
        if algorithm.is_empty() {
            "ssh-ed25519".to_owned()
        } else {
            algorithm
        },
    );
    let port = 22 + u16::try_from(data.len() % 3).unwrap_or(0);
    // A key is never empty (an empty one has no base64 field to read back).
    let blob = [&b"k"[..], data.get(..16).unwrap_or(data)].concat();
    let blob = blob.as_slice();
    let before = check(file, &host, port, &algorithm, blob);
    let with_ours = format!("{file}\n{}", entry_line(&host, port, &algorithm, blob));
    match (check(&with_ours, &host, port, &algorithm, blob), before) {
        (Verdict::Known { .. }, _) | (Verdict::Revoked { .. }, Verdict::Revoked { .. }) => {}
        (after, before) => panic!("after appending our entry: {after:?} (before: {before:?})"),
    }
    let revoked = format!(
        "{with_ours}@revoked {} {algorithm} {}\n",
        host_name(&host, port),
        STANDARD.encode(blob)
    );
    assert!(
        matches!(check(&revoked, &host, port, &algorithm, blob), Verdict::Revoked { .. }),
        "a revoked key is not revoked"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real keys (ssh-keygen -t ed25519 / -t rsa, throw-away).
    const ED: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIJ+rzQZSgFSda602v88W+o4qJNnYwhtHMDXFIrKfEn+m";
    const ED2: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIOEBVl7XA6Pb7MXlFuA/NncIlg7I494YXjBKpvwIfQzW";

    fn blob(b64: &str) -> Vec<u8> {
        STANDARD.decode(b64).unwrap()
    }

    /// The textbook dynamic program (O(pattern x name) time and memory), as the oracle.
    fn glob_reference(p: &[u8], n: &[u8]) -> bool {
        let mut row = vec![false; n.len() + 1];
        row[0] = true;
        for &c in p {
            let mut next = vec![false; n.len() + 1];
            if c == b'*' {
                next[0] = row[0];
            }
            for j in 1..=n.len() {
                next[j] = match c {
                    b'*' => next[j - 1] || row[j],
                    b'?' => row[j - 1],
                    _ => row[j - 1] && c.eq_ignore_ascii_case(&n[j - 1]),
                };
            }
            row = next;
        }
        row[n.len()]
    }

    #[test]
    fn globs_match_as_the_reference_and_in_polynomial_time() {
        let alphabet = [b'a', b'A', b'b', b'*', b'?', b'.'];
        // Every pattern of up to 4 symbols against every name of up to 4 of `aAb.`.
        let mut patterns = vec![Vec::new()];
        for _ in 0..4 {
            let longer: Vec<Vec<u8>> = patterns
                .iter()
                .filter(|p| p.len() == patterns.last().map_or(0, Vec::len))
                .flat_map(|p| alphabet.iter().map(move |&c| [p.as_slice(), &[c]].concat()))
                .collect();
            patterns.extend(longer);
        }
        let names: Vec<Vec<u8>> = patterns
            .iter()
            .filter(|p| !p.contains(&b'*') && !p.contains(&b'?'))
            .cloned()
            .collect();
        for p in &patterns {
            for n in &names {
                let (ps, ns) = (std::str::from_utf8(p).unwrap(), std::str::from_utf8(n).unwrap());
                assert_eq!(wildcard(ps, ns), glob_reference(p, n), "{ps:?} against {ns:?}");
            }
        }
        // 500 stars against 255 `a`s: the recursive matcher never returned.
        let pattern = format!("{}b", "*a".repeat(500));
        assert!(!wildcard(&pattern, &"a".repeat(255)));
        assert!(wildcard(&format!("{}*", "*a".repeat(500)), &"a".repeat(500)));
    }

    /// Every input the `known_hosts` fuzz target kept or that once broke it.
    #[test]
    fn the_fuzz_corpus_keeps_the_property() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut n = 0;
        for dir in ["corpus/known_hosts", "regressions/known_hosts"] {
            for entry in std::fs::read_dir(root.join(dir)).into_iter().flatten() {
                property(&std::fs::read(entry.unwrap().path()).unwrap());
                n += 1;
            }
        }
        assert!(n > 0, "fuzz/corpus/known_hosts is empty");
    }

    #[test]
    fn plain_port_and_patterns() {
        let text = format!(
            "# comment\n\n[127.0.0.1]:2222 ssh-ed25519 {ED}\nsftp.example.com,10.0.0.5 ssh-ed25519 {ED2} host2\n*.vendor.net,!bad.vendor.net ssh-ed25519 {ED}\n"
        );
        let k = |h, p, b| check(&text, h, p, "ssh-ed25519", &blob(b));
        assert_eq!(k("127.0.0.1", 2222, ED), Verdict::Known { line: 3 });
        // Port 22 entries are not the same host as port 2222.
        assert_eq!(k("127.0.0.1", 22, ED), Verdict::Unknown);
        assert_eq!(k("10.0.0.5", 22, ED2), Verdict::Known { line: 4 });
        assert_eq!(
            k("sftp.example.com", 22, ED),
            Verdict::Changed {
                lines: vec![4],
                algorithms: vec!["ssh-ed25519".into()]
            }
        );
        assert_eq!(k("SFTP.vendor.net", 22, ED), Verdict::Known { line: 5 });
        assert_eq!(k("bad.vendor.net", 22, ED), Verdict::Unknown);
    }

    #[test]
    fn hashed_entries() {
        // `ssh-keygen -H` form: |1|base64(salt)|base64(HMAC-SHA1(salt, name)).
        let salt = [7u8; 20];
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&salt).unwrap();
        mac.update(b"[sftp.example.com]:2222");
        let hash = mac.finalize().into_bytes();
        let text = format!(
            "|1|{}|{} ssh-ed25519 {ED}\n",
            STANDARD.encode(salt),
            STANDARD.encode(hash)
        );
        assert_eq!(
            check(&text, "sftp.example.com", 2222, "ssh-ed25519", &blob(ED)),
            Verdict::Known { line: 1 }
        );
        assert_eq!(
            check(&text, "sftp.example.com", 22, "ssh-ed25519", &blob(ED)),
            Verdict::Unknown
        );
    }

    #[test]
    fn revoked_wins_and_junk_is_skipped() {
        let text = format!(
            "h ssh-ed25519 not-base64!\n@cert-authority *.example.com ssh-ed25519 {ED2}\nh ssh-ed25519 {ED}\n@revoked * ssh-ed25519 {ED}\n@weird h ssh-ed25519 {ED2}\n"
        );
        assert_eq!(
            check(&text, "h", 22, "ssh-ed25519", &blob(ED)),
            Verdict::Revoked { line: 4 }
        );
        // The cert-authority and unknown-marker lines never make a key known.
        assert_eq!(
            check(&text, "x.example.com", 22, "ssh-ed25519", &blob(ED2)),
            Verdict::Unknown
        );
        assert_eq!(check("", "h", 22, "ssh-ed25519", &blob(ED)), Verdict::Unknown);
    }

    #[test]
    fn entry_line_reads_back() {
        let line = entry_line("127.0.0.1", 2222, "ssh-ed25519", &blob(ED));
        assert_eq!(line, format!("[127.0.0.1]:2222 ssh-ed25519 {ED}\n"));
        assert_eq!(
            check(&line, "127.0.0.1", 2222, "ssh-ed25519", &blob(ED)),
            Verdict::Known { line: 1 }
        );
    }
}
