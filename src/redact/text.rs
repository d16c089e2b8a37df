//! Byte-level text primitives the credential scanners share ([`super::scrub`],
//! [`super::commands`], [`super::placeholder`]): one home, so no scanner imports another's
//! helpers in a circle.

/// A credential span, in bytes.
pub(super) type Span = (usize, usize);

/// HTTP authorization schemes whose credential follows the word (`Bearer <token>`); the
/// placeholder rule looks through them too.
pub(super) const AUTH_SCHEMES: [&str; 8] = [
    "bearer",
    "basic",
    "token",
    "ssws",
    "negotiate",
    "ntlm",
    "apikey",
    "sso-key",
];

/// The end of the run of bytes from `from` that `ok` accepts.
pub(super) fn run(b: &[u8], from: usize, ok: impl Fn(u8) -> bool) -> usize {
    b[from..].iter().position(|&c| !ok(c)).map_or(b.len(), |n| from + n)
}

/// A naive search: the strings are short, where building a `memmem` searcher costs more.
pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while let Some(n) = hay[i..=hay.len() - needle.len()].iter().position(|&c| c == first) {
        if &hay[i + n..i + n + needle.len()] == needle {
            return Some(i + n);
        }
        i += n + 1;
    }
    None
}

pub(super) fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

pub(super) fn contains_ci(hay: &str, needle: &str) -> bool {
    find_ci(hay.as_bytes(), needle.as_bytes()).is_some()
}
