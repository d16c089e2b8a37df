//! `sftp://USER@HOST[:PORT]/ROOT`: where the vendor's export tree is.
//!
//! The path is the server's own: `sftp://u@h/exports` is `/exports`, and `sftp://u@h/~/exports`
//! (or `sftp://u@h/./exports`) is relative to the login directory, as OpenSSH's `sftp` reads it.
//! Percent escapes are decoded in the user and the path. A password in the URL is refused: it
//! would sit in the process list and in shell history.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SftpUrl {
    pub user: String,
    pub host: String,
    pub port: u16,
    /// The export root on the server (the directory holding `logs/`).
    pub root: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{url}` is not an sftp:// URL: {why} (expected sftp://USER@HOST[:PORT]/ROOT)")]
pub struct UrlError {
    url: String,
    why: &'static str,
}

impl SftpUrl {
    pub fn parse(text: &str) -> Result<SftpUrl, UrlError> {
        let fail = |why| UrlError {
            url: redact_userinfo(text),
            why,
        };
        let rest = text
            .strip_prefix("sftp://")
            .ok_or_else(|| fail("the scheme must be sftp://"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        let (userinfo, hostport) = authority.rsplit_once('@').ok_or_else(|| fail("no user"))?;
        if userinfo.contains(':') {
            return Err(fail(
                "a password in the URL is refused; use password_env or password_file",
            ));
        }
        let user = percent_decode(userinfo).ok_or_else(|| fail("bad percent escape in the user"))?;
        if user.is_empty() {
            return Err(fail("empty user"));
        }
        let (host, port) = split_host_port(hostport).ok_or_else(|| fail("bad host or port"))?;
        let mut root = percent_decode(path).ok_or_else(|| fail("bad percent escape in the path"))?;
        // `/~/x` and `/./x`: relative to the login directory.
        for relative in ["/~/", "/./"] {
            if let Some(r) = root.strip_prefix(relative) {
                root = r.to_owned();
            }
        }
        if root == "/~" || root == "/." {
            root = ".".to_owned();
        }
        let root = root.trim_end_matches('/');
        Ok(SftpUrl {
            user,
            host,
            port,
            root: if root.is_empty() {
                "/".to_owned()
            } else {
                root.to_owned()
            },
        })
    }

    /// `ROOT/rel` on the server.
    pub fn remote_path(&self, rel: &str) -> String {
        if self.root == "/" {
            format!("/{rel}")
        } else {
            format!("{}/{rel}", self.root)
        }
    }
}

impl fmt::Display for SftpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let root = if self.root.starts_with('/') {
            self.root.clone()
        } else {
            format!("/~/{}", self.root)
        };
        write!(f, "sftp://{}@{host}:{}{root}", self.user, self.port)
    }
}

fn split_host_port(hostport: &str) -> Option<(String, u16)> {
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() || host.contains(['/', '@', ' ']) {
        return None;
    }
    let port = match port {
        None => 22,
        Some(p) => p.parse::<u16>().ok().filter(|&p| p != 0)?,
    };
    Some((host.to_ascii_lowercase(), port))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// An error message must not repeat a password someone put in the URL.
fn redact_userinfo(text: &str) -> String {
    match (text.find("://"), text.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &text[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &text[..s + 3], &text[at..]),
                None => text.to_owned(),
            }
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let u = SftpUrl::parse("sftp://moveworks@sftp.example.com/exports").unwrap();
        assert_eq!(
            u,
            SftpUrl {
                user: "moveworks".into(),
                host: "sftp.example.com".into(),
                port: 22,
                root: "/exports".into()
            }
        );
        assert_eq!(u.remote_path("logs"), "/exports/logs");
        let u = SftpUrl::parse("sftp://a%40b@127.0.0.1:2222/").unwrap();
        assert_eq!((u.user.as_str(), u.port, u.root.as_str()), ("a@b", 2222, "/"));
        assert_eq!(u.remote_path("logs"), "/logs");
        let u = SftpUrl::parse("sftp://u@[::1]:2200/~/out/").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.root.as_str()), ("::1", 2200, "out"));
        assert_eq!(u.to_string(), "sftp://u@[::1]:2200/~/out");
        assert_eq!(SftpUrl::parse("sftp://u@h").unwrap().root, "/");
        assert_eq!(SftpUrl::parse("sftp://u@h/~").unwrap().root, ".");
    }

    #[test]
    fn refusals() {
        for bad in [
            "http://u@h/x",
            "sftp://h/x",
            "sftp://@h/x",
            "sftp://u@/x",
            "sftp://u@h:0/x",
            "sftp://u@h:99999/x",
            "sftp://u@h:x/x",
            "sftp://u@h/%zz",
        ] {
            assert!(SftpUrl::parse(bad).is_err(), "{bad}");
        }
        let e = SftpUrl::parse("sftp://u:hunter2@h/x").unwrap_err().to_string();
        assert!(e.contains("password in the URL is refused"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }
}
