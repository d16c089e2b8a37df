//! Splitting `request_uri` into the parts OCSF's `url` object has (RFC 3986, section 3).
//!
//! Only splitting: no normalization and no percent-decoding, so every part is a slice of the
//! original and the original can be rebuilt from them.

/// The parts of an absolute or relative URI, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UrlParts<'a> {
    pub scheme: Option<&'a str>,
    /// `user[:password]` before `@` in the authority.
    pub userinfo: Option<&'a str>,
    pub host: Option<&'a str>,
    /// The port as written, and its value when it is a valid port number.
    pub port: Option<(&'a str, Option<u16>)>,
    pub path: &'a str,
    /// Without the leading `?`.
    pub query: Option<&'a str>,
    /// Without the leading `#`.
    pub fragment: Option<&'a str>,
}

/// Splits a URI. Never fails: what is not recognizable ends up in `path`.
pub fn split_url(uri: &str) -> UrlParts<'_> {
    let mut parts = UrlParts::default();
    let mut rest = uri;
    if let Some(i) = rest.find('#') {
        parts.fragment = Some(&rest[i + 1..]);
        rest = &rest[..i];
    }
    if let Some(i) = rest.find('?') {
        parts.query = Some(&rest[i + 1..]);
        rest = &rest[..i];
    }
    if let Some(i) = rest.find(':') {
        let scheme = &rest[..i];
        let valid = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
        if valid {
            parts.scheme = Some(scheme);
            rest = &rest[i + 1..];
        }
    }
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find('/').unwrap_or(after.len());
        let mut authority = &after[..end];
        rest = &after[end..];
        if let Some(at) = authority.rfind('@') {
            parts.userinfo = Some(&authority[..at]);
            authority = &authority[at + 1..];
        }
        // `[v6]:port`, or `host:port` with a single colon.
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            match v6.find(']') {
                Some(close) => {
                    let host = &authority[..close + 2];
                    (host, authority[close + 2..].strip_prefix(':'))
                }
                None => (authority, None),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        parts.host = Some(host);
        parts.port = port.map(|p| {
            (
                p,
                p.parse::<u16>().ok().filter(|_| p.bytes().all(|b| b.is_ascii_digit())),
            )
        });
    }
    parts.path = rest;
    parts
}

/// The query's `name=value` pairs, split on `&` (and `;`), not decoded.
/// `text` with `%XX` escapes (and `+` as a space in a query) decoded, when it has any; bytes
/// that do not make UTF-8 are replaced. `None` when there is nothing to decode.
pub fn percent_decode(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if !b.iter().any(|&c| c == b'%' || c == b'+') {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

pub fn query_pairs(query: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    query
        .split(['&', ';'])
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (p, None),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb+c%3d%"), Some("a/b c=%".to_owned()));
        assert_eq!(percent_decode("%zz%4"), Some("%zz%4".to_owned()));
        assert_eq!(percent_decode("plain"), None);
    }

    #[test]
    fn splits_vendor_examples() {
        let u = split_url("https://company.service-now.com/api/now/table/incident");
        assert_eq!(u.scheme, Some("https"));
        assert_eq!(u.host, Some("company.service-now.com"));
        assert_eq!(u.path, "/api/now/table/incident");
        assert_eq!(u.query, None);
        let u = split_url("moveworks.my.salesforce.com/services/data/v58.0/query?q=SELECT+Id");
        assert_eq!(u.scheme, None);
        assert_eq!(u.host, None);
        assert_eq!(u.path, "moveworks.my.salesforce.com/services/data/v58.0/query");
        assert_eq!(u.query, Some("q=SELECT+Id"));
    }

    #[test]
    fn userinfo_port_ipv6_fragment() {
        let u = split_url("https://bot:s3cret@[2001:db8::1]:8443/p?a=1&b#frag");
        assert_eq!(u.userinfo, Some("bot:s3cret"));
        assert_eq!(u.host, Some("[2001:db8::1]"));
        assert_eq!(u.port, Some(("8443", Some(8443))));
        assert_eq!(u.path, "/p");
        assert_eq!(u.fragment, Some("frag"));
        assert_eq!(
            query_pairs(u.query.unwrap()).collect::<Vec<_>>(),
            [("a", Some("1")), ("b", None)]
        );
        assert_eq!(split_url("http://h:99999/").port, Some(("99999", None)));
        assert_eq!(split_url("http://h:/").port, Some(("", None)));
    }

    #[test]
    fn garbage_is_a_path() {
        let u = split_url("not a url at all");
        assert_eq!(u.path, "not a url at all");
        assert_eq!(u.host, None);
    }
}
