//! Finding credentials inside free text, wherever a string came from.
//!
//! Recognized (a hand-written scanner and one Aho-Corasick automaton: no regex engine in the
//! guests):
//! * JWTs (`eyJ...`.`...`.`...`) and the well-known token formats of [`super::formats`]
//!   (cloud, SaaS and CI vendors), with an AWS secret key that follows its access key id;
//! * authorization schemes: `Bearer <token>`, `Basic <b64>`, `Token`, `SSWS`, `Negotiate`, and
//!   `Digest ...` to the end of its line;
//! * header lines and key/value pairs whose name says secret (`Authorization: ...`,
//!   `password=...`, `"client_secret": "..."`, Python `'simple': b'...'`), or hints at one and
//!   holds a random-looking value (`"key": "Zx81kq..."`);
//! * passwords in URL userinfo: `https://user:pass@host`, `postgres://u:p@db`;
//! * PEM, OpenSSH, PGP and PuTTY private keys and SAML assertions (XML or base64).
//!
//! A string with JSON escapes (`\/`, `\u0041`) is scanned decoded, so an escaped credential is
//! found too; when one is, the decoded text is what gets masked.
//!
//! Every finding is a span of the string; [`scrub`] replaces each span by the action's result.

use super::action::{Action, Applier, MASK};
use super::commands::{curl_users, flag_values, kubernetes_secret_data, xml_key_values};
use super::entropy::looks_random;
use super::formats::{MIN_TOKEN_LEN, token_spans};
use super::names::classify;
use super::placeholder::is_placeholder;
use super::text::{AUTH_SCHEMES, Span, contains_ci, find, run};
use std::borrow::Cow;

/// Passes [`scrub`] makes at most with `Action::Mask`; one is the rule, two rare, more unseen.
pub const MAX_MASK_PASSES: usize = 8;

/// `text` with every credential span replaced by `action`'s output; borrowed when none is found.
///
/// Masking repeats until the text is stable. A detector may judge one span by text another span
/// covers (the `}` that closes a template, the `;` a value ends at, a value's entropy), and once
/// that is masked a second look can find more: without the repeat, masking masked text again
/// changed it (found by the `credentials` fuzz target). Hashing and dropping make one pass: a
/// hash of a hash is a different value, not a steadier one.
pub fn scrub<'a>(text: &'a str, action: Action, applier: &Applier) -> Cow<'a, str> {
    let Cow::Owned(mut out) = scrub_once(text, action, applier) else {
        return Cow::Borrowed(text);
    };
    if action == Action::Mask {
        for _ in 1..MAX_MASK_PASSES {
            match scrub_once(&out, action, applier) {
                Cow::Owned(next) if next != out => out = next,
                _ => break,
            }
        }
    }
    Cow::Owned(out)
}

fn scrub_once<'a>(text: &'a str, action: Action, applier: &Applier) -> Cow<'a, str> {
    let (spans, escaped) = scan(text);
    if escaped && let Some(decoded) = decode_escapes(text) {
        let spans = scan(&decoded).0;
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        return Cow::Owned(replace_spans(&decoded, spans, action, applier));
    }
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(replace_spans(text, spans, action, applier))
}

fn replace_spans(text: &str, spans: Vec<Span>, action: Action, applier: &Applier) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in spans {
        out.push_str(&text[at..start]);
        out.push_str(&applier.apply_inline(action, &text[start..end]));
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// True when `text` holds a credential (used by tests and callers that must refuse, not mask).
pub fn has_credential(text: &str) -> bool {
    let (spans, escaped) = scan(text);
    match escaped.then(|| decode_escapes(text)).flatten() {
        Some(decoded) => !scan(&decoded).0.is_empty(),
        None => !spans.is_empty(),
    }
}

/// `text` with its JSON escapes undone until none is left (JSON in a string in a string, and
/// deeper); `None` when it has none. `\\`, `\"`, `\/`, `\n`, `\r`, `\t` and `\u00XX` for
/// printable ASCII are decoded; other escapes stay as they are.
///
/// Decoding stops only when nothing is left to decode: a credential under one more level than a
/// fixed count was missed, and masking decoded text that still held escapes was not idempotent
/// (the next pass decoded further and masked again; found by the `credentials` fuzz target). It
/// costs O(n log n): an escape k levels deep needs 2^k bytes, as each level's backslash is
/// written with two bytes or more at the level below.
pub fn decode_escapes(text: &str) -> Option<String> {
    let mut out = decode_level(text)?;
    while let Some(next) = decode_level(&out) {
        out = next;
    }
    Some(out)
}

/// One level of [`decode_escapes`], left to right; `None` when nothing was decoded.
fn decode_level(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut i = b.iter().position(|&c| c == b'\\')?;
    let mut out: Option<String> = None;
    let mut at = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        let decoded = match b.get(i + 1) {
            Some(&c @ (b'\\' | b'"' | b'/')) => Some((c, 2)),
            Some(b'n') => Some((b'\n', 2)),
            Some(b'r') => Some((b'\r', 2)),
            Some(b't') => Some((b'\t', 2)),
            Some(b'u' | b'U') if b.get(i + 2..i + 4) == Some(b"00") => b
                .get(i + 4..i + 6)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .filter(|c| c.is_ascii_graphic())
                .map(|c| (c, 6)),
            _ => None,
        };
        match decoded {
            Some((c, len)) => {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                o.push_str(&text[at..i]);
                o.push(char::from(c));
                i += len;
                at = i;
            }
            None => i += 1,
        }
    }
    let mut o = out?;
    o.push_str(&text[at..]);
    Some(o)
}

/// Base64 of `<samlp:`, `<saml:`, `<saml2:` and `<?xml ` (a posted SAMLResponse).
const BASE64_SAML: [&str; 4] = ["PHNhbWxwOl", "PHNhbWw6", "PHNhbWwyO", "PD94bWwg"];

/// Whole-string credentials: SAML documents and private keys are redacted entirely.
fn whole_string_secret(text: &str) -> bool {
    let t = text;
    (t.starts_with('<') && (contains_ci(t, "assertion") || contains_ci(t, "samlp:")))
        || (contains_ci(t, "-----begin")
            && (contains_ci(t, "private key-----") || contains_ci(t, "private key block-----")))
        || (contains_ci(t, "putty-user-key-file") && contains_ci(t, "private-lines:"))
}

const UPPER_BYTE: u8 = 1;
const LOWER_BYTE: u8 = 2;
/// A byte that may start something the first pass notes (a separator, `eyJ`, `-----`, `PuTTY`,
/// an escape).
const MARK_BYTE: u8 = 8;

/// What the first pass needs to know of each byte, looked up once.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_uppercase() {
            t[c] |= UPPER_BYTE;
        }
        if b.is_ascii_lowercase() {
            t[c] |= LOWER_BYTE;
        }
        if matches!(b, b'=' | b':' | b' ' | b'y' | b'-' | b'P' | b'\\' | b'<' | b'\n') {
            t[c] |= MARK_BYTE;
        }
        c += 1;
    }
    t
};

/// Sorted, non-overlapping spans of credentials in `text` (as it is, escapes not decoded).
pub fn credential_spans(text: &str) -> Vec<Span> {
    scan(text).0
}

/// [`credential_spans`], and whether `text` has a backslash (so may hide one behind escapes).
fn scan(text: &str) -> (Vec<Span>, bool) {
    let b = text.as_bytes();
    if b.len() < 8 {
        // Decoded, it is shorter still: no credential either way.
        return (Vec::new(), false);
    }
    if b.len() >= 100 && BASE64_SAML.iter().any(|p| text.starts_with(p)) {
        return (vec![(0, text.len())], b.contains(&b'\\'));
    }
    // One pass decides which detectors can possibly match; most strings need none.
    let (mut sep, mut space, mut url, mut jwt, mut pem, mut escaped, mut curl) =
        (false, false, false, false, false, false, false);
    // A command-line flag (`-x`, `--x` after a space, a quote, `[` or `,`), an element (`<`) and
    // a second line: what the command and config-file finders need.
    let (mut flag, mut element, mut lines) = (false, false, false);
    // The longest run without a space: a token has none, so it lies in a run of at least
    // MIN_TOKEN_LEN bytes.
    let (mut word_start, mut longest) = (0usize, 0usize);
    // Which kinds of characters the string has (a token needs a letter).
    let mut mix = 0u8;
    for (i, &c) in b.iter().enumerate() {
        let class = BYTE_CLASS[usize::from(c)];
        mix |= class;
        if class & MARK_BYTE == 0 {
            continue;
        }
        let next = |s: &[u8]| b.get(i + 1..i + 1 + s.len()) == Some(s);
        match c {
            b'=' => sep = true,
            b':' => {
                sep = true;
                url |= next(b"//");
            }
            b' ' => {
                space = true;
                longest = longest.max(i - word_start);
                word_start = i + 1;
            }
            // `eyJ` is noted at its `y`: `e` is the commonest letter, `y` a rare one.
            b'y' => jwt |= i > 0 && b[i - 1] == b'e' && next(b"J"),
            b'-' => {
                pem |= next(b"----");
                curl |= next(b"u");
                flag |= !flag
                    && (i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'' | b'[' | b','))
                    && b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'-');
            }
            b'<' => element = true,
            b'\n' => lines = true,
            b'P' => pem |= next(b"uTTY"),
            b'\\' => escaped = true,
            _ => {}
        }
    }
    if (b[0] == b'<' || pem) && whole_string_secret(text) {
        return (vec![(0, text.len())], escaped);
    }
    // A token has a letter and lies in a run of MIN_TOKEN_LEN bytes without a space: strings
    // without one (captions, sentences of short words, times, numeric ids) need no prefix search.
    longest = longest.max(b.len() - word_start);
    // Only Slack's legacy workspace tokens are shorter than 15 bytes: a shorter run is searched
    // only when it could be one (ids and uids of 13 or 14 bytes are common, and not tokens).
    let tokens = mix & (UPPER_BYTE | LOWER_BYTE) != 0
        && (longest >= 15 || (longest >= MIN_TOKEN_LEN && find(b, b"xox").is_some()));
    let mut spans = Vec::new();
    if jwt {
        jwts(b, &mut spans);
    }
    if tokens {
        let found = spans.len();
        token_spans(b, &mut spans);
        if spans.len() > found {
            aws_secret_keys(b, &mut spans);
        }
    }
    if space {
        auth_schemes(text, &mut spans);
    }
    if sep {
        named_values(text, &mut spans);
    }
    if url {
        userinfo_passwords(text, &mut spans);
    }
    if curl {
        curl_users(text, &mut spans);
    }
    if flag {
        flag_values(text, &mut spans);
    }
    if sep && element {
        xml_key_values(text, &mut spans);
    }
    if sep && lines {
        kubernetes_secret_data(text, &mut spans);
    }
    // A detector that found `${API_KEY}`, `XXXXXXXX` or `Bearer <token>` found a placeholder.
    if !spans.is_empty() {
        spans.retain(|&(s, e)| !is_placeholder(&text[s..e]));
    }
    (merge(spans), escaped)
}

fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=')
}

/// `eyJ<b64url>.<b64url>.<b64url>?`: a JWT (its header always starts `{"`, base64 `eyJ`).
fn jwts(b: &[u8], spans: &mut Vec<Span>) {
    let mut i = 0;
    while let Some(n) = find(&b[i..], b"eyJ") {
        let start = i + n;
        let a = run(b, start, is_b64url);
        if a < b.len() && b[a] == b'.' && a - start >= 10 {
            let p = run(b, a + 1, is_b64url);
            if p > a + 1 {
                let end = if p < b.len() && b[p] == b'.' {
                    run(b, p + 1, is_b64url)
                } else {
                    p
                };
                if p < b.len() && b[p] == b'.' {
                    spans.push((start, end));
                    i = end;
                    continue;
                }
            }
        }
        i = start + 3;
    }
}

/// The AWS secret access key that follows an access key id in free text (`AKIA... <40 chars>`):
/// the first run of exactly 40 base64 characters within 100 ASCII bytes after the id.
fn aws_secret_keys(b: &[u8], spans: &mut Vec<Span>) {
    let key = |c: u8| c.is_ascii_alphanumeric() || c == b'/' || c == b'+';
    let ids: Vec<usize> = spans
        .iter()
        .filter(|&&(s, _)| matches!(b.get(s..s + 4), Some(b"AKIA" | b"ASIA" | b"ABIA" | b"ACCA")))
        .map(|&(_, e)| e)
        .collect();
    for id_end in ids {
        for p in id_end + 1..=(id_end + 100).min(b.len()) {
            if !b[p - 1].is_ascii() {
                break;
            }
            let Some(secret) = b.get(p..p + 40) else { break };
            if secret.iter().all(|&c| key(c)) && b.get(p + 40).is_none_or(|&c| !key(c) && c != b'=') {
                spans.push((p, p + 40));
                break;
            }
        }
    }
}

/// `Bearer <token>` and the other HTTP authorization schemes; the scheme word is kept.
fn auth_schemes(text: &str, spans: &mut Vec<Span>) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(n) = b[i..].iter().position(|&c| c == b' ') {
        let space = i + n;
        i = space + 1;
        // The word before this space.
        let start = b[..space]
            .iter()
            .rposition(|c| !(c.is_ascii_alphanumeric() || *c == b'-'))
            .map_or(0, |p| p + 1);
        let word = &text[start..space];
        // Digest credentials are a list of parameters (`username="..", response=".."`): the
        // whole list, to the end of its line, is the credential.
        if word.eq_ignore_ascii_case("digest") {
            let tok = run(b, space, |c| c == b' ');
            let end = run(b, tok, |c| c != b'\n' && c != b'\r');
            if end - tok >= 8 && b[tok..end].contains(&b'=') {
                spans.push((tok, end));
                i = end.max(i);
            }
            continue;
        }
        // A scheme starts a header value or a word (`/oauth2/token AUTH_MODE=saml` is a path).
        let bounded = start == 0
            || matches!(
                b[start - 1],
                b' ' | b'\t' | b'\r' | b'\n' | b':' | b'"' | b'\'' | b'=' | b'(' | b'[' | b','
            );
        if !bounded || !AUTH_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(word)) {
            continue;
        }
        let tok = run(b, space, |c| c == b' ');
        let end = run(b, tok, is_token_char);
        // A real credential is long and not a plain word ("Basic setup", "token expired"), nor
        // the next assignment (`token MODE=x`: base64 has `=` only at its end).
        let value = &b[tok..end];
        let assignment = value.windows(2).any(|w| w[0] == b'=' && w[1] != b'=');
        if value.len() >= 8
            && !assignment
            && value
                .iter()
                .any(|c| c.is_ascii_digit() || matches!(c, b'-' | b'_' | b'.' | b'/' | b'+' | b'='))
        {
            spans.push((tok, end));
            i = end.max(i);
        }
    }
}

/// `name=value`, `name: value`, `"name": "value"` where `name` says secret. The value ends at
/// `&`, `;`, `,`, whitespace or a closing quote (a header value at the end of its line).
fn named_values(text: &str, spans: &mut Vec<Span>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c != b'=' && c != b':' {
            i += 1;
            continue;
        }
        // The name before the separator, skipping a closing quote and spaces.
        let mut name_end = i;
        while name_end > 0 && b[name_end - 1] == b' ' {
            name_end -= 1;
        }
        let quoted = name_end > 0 && (b[name_end - 1] == b'"' || b[name_end - 1] == b'\'');
        if quoted {
            name_end -= 1;
            // A quoted name inside JSON inside a string: `\"password\": ...`.
            while name_end > 0 && b[name_end - 1] == b'\\' {
                name_end -= 1;
            }
        }
        let name_start = b[..name_end]
            .iter()
            .rposition(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')))
            .map_or(0, |p| p + 1);
        let name = &text[name_start..name_end];
        // `://` is a URL, not a `name:value`; a `name:` inside a word (`arn:aws:...:secret:x`)
        // is not a header name.
        let url = c == b':' && b.get(i + 1..i + 3) == Some(b"//");
        let inside = c == b':' && name_start > 0 && matches!(b[name_start - 1], b':' | b'/');
        if name.is_empty() || url || inside {
            i += 1;
            continue;
        }
        // Numbers before a `:` (times, ports) are never names.
        if !name.bytes().any(|c| c.is_ascii_alphabetic()) {
            i += 1;
            continue;
        }
        let class = classify(name);
        let secret = class.secret;
        let structure = !secret && class.structure;
        let mut v = i + 1;
        // PHP and Ruby write `'name' => 'value'`.
        if c == b'=' && b.get(v) == Some(&b'>') {
            v += 1;
        }
        while v < b.len() && b[v] == b' ' {
            v += 1;
        }
        // A Python string prefix (`b'...'`, `u"..."`, `rb'...'`) before a quote.
        let prefix = b[v.min(b.len())..]
            .iter()
            .take(3)
            .position(|c| !matches!(c, b'b' | b'B' | b'r' | b'R' | b'u' | b'U'))
            .filter(|&n| (1..=2).contains(&n) && matches!(b.get(v + n), Some(b'"' | b'\'')));
        v += prefix.unwrap_or(0);
        let escapes = b[v.min(b.len())..].iter().take_while(|&&c| c == b'\\').count();
        let (start, end) = match b.get(v) {
            Some(&q @ (b'"' | b'\'')) => {
                let end = b[v + 1..].iter().position(|&x| x == q).map_or(b.len(), |p| v + 1 + p);
                (v + 1, end)
            }
            // JSON inside a JSON string, at any depth: `\"value\"`, `\\\"value\\\"`. The
            // value ends where the next escaped quote starts.
            Some(b'\\') if b.get(v + escapes) == Some(&b'"') => {
                let from = v + escapes + 1;
                let end = b[from..]
                    .iter()
                    .enumerate()
                    .position(|(k, &x)| x == b'"' && k > 0 && b[from + k - 1] == b'\\')
                    .map_or(b.len(), |k| {
                        let quote = from + k;
                        quote - b[from..quote].iter().rev().take_while(|&&c| c == b'\\').count()
                    });
                (from, end)
            }
            _ => {
                // A header value runs to the end of its line (or to the quote that opened the
                // header, `-H "Authorization: ..."`); a query value to `&` or `;`.
                let header = c == b':';
                let opener = (header && secret && name_start > 0)
                    .then(|| b[name_start - 1])
                    .filter(|q| matches!(q, b'"' | b'\''));
                let end = b[v..]
                    .iter()
                    .position(|&x| {
                        x == b'\n'
                            || x == b'\r'
                            || Some(x) == opener
                            || (!header && matches!(x, b'&' | b';' | b',' | b' ' | b'"' | b'\''))
                    })
                    .map_or(b.len(), |p| v + p);
                // A value masked already (`t*****k`) ends where its mask does: masking may have
                // swallowed the `;` it ended at, when its span merged with a longer one
                // (`token=t;x@h` beside the userinfo `x`), so the rescan must not run on.
                (v, masked_len(&text[v..end]).map_or(end, |n| v + n))
            }
        };
        let quoted_value = start > v;
        // `token={{ .Values.token }}`: a template runs past the space an unquoted value ends at
        // (one that ends before the value does, `$6asZ8*wEbt2`, is part of a password).
        if !quoted_value
            && let Some(n) = super::placeholder::template_len(&b[v..])
            && v + n >= end
            && is_placeholder(&text[v..v + n])
        {
            i += 1;
            continue;
        }
        // A value holding a mask (`usess=a*****b` inside it) is judged by what it was: masking
        // what it held changes its entropy, and a value left whole before must stay so.
        let random = || {
            end - start >= 16
                && (structure || class.hint())
                && !text[start..end].contains(MASK)
                && looks_random(&text[start..end])
        };
        if end > start && (secret || (structure && quoted_value) || random()) {
            spans.push((start, end));
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
}

/// The length of a mask ([`super::action::mask`]'s `t*****k`) that starts `value` and is not
/// followed by a letter or digit (a password that merely starts so runs on and is masked whole).
fn masked_len(value: &str) -> Option<usize> {
    let mut chars = value.char_indices();
    let (_, first) = chars.next()?;
    let stars = first.len_utf8();
    if value.get(stars..stars + 5) != Some("*****") {
        return None;
    }
    let last = value[stars + 5..].chars().next()?;
    let n = stars + 5 + last.len_utf8();
    let next = value[n..].chars().next();
    (!next.is_some_and(char::is_alphanumeric)).then_some(n)
}

/// The password of `scheme://user:password@host`.
fn userinfo_passwords(text: &str, spans: &mut Vec<Span>) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(n) = find(&b[i..], b"://") {
        let auth_start = i + n + 3;
        let auth_end = b[auth_start..]
            .iter()
            .position(|&c| matches!(c, b'/' | b'?' | b'#' | b' ' | b'"' | b'\'' | b'\n'))
            .map_or(b.len(), |p| auth_start + p);
        if let Some(at) = b[auth_start..auth_end].iter().rposition(|&c| c == b'@') {
            let userinfo = &b[auth_start..auth_start + at];
            if let Some(colon) = userinfo.iter().position(|&c| c == b':') {
                let start = auth_start + colon + 1;
                let end = auth_start + at;
                if end > start {
                    spans.push((start, end));
                }
            }
        }
        i = auth_end.max(auth_start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(s: &str) -> String {
        scrub(s, Action::Mask, &Applier::new(None)).into_owned()
    }

    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

    /// Four levels of JSON escaping (one past the three once decoded): the secret is found,
    /// and masking what was masked changes nothing (the `credentials` fuzz target's finding).
    #[test]
    fn any_depth_of_escaping_is_undone_and_masking_is_idempotent() {
        let mut text = r#"{"password": "Zx81kqP0aQ9rT5wY"}"#.to_owned();
        for _ in 0..4 {
            let quoted = crate::json::to_string(&crate::json::Value::str(text.clone()));
            text = quoted[1..quoted.len() - 1].to_owned();
        }
        let once = masked(&text);
        assert_eq!(once, r#"{"password": "Z*****Y"}"#);
        assert_eq!(masked(&once), once);
        let found = include_bytes!("../../fuzz/regressions/credentials/idempotent-past-three-escape-levels");
        let found = std::str::from_utf8(found).unwrap();
        let once = masked(found);
        assert_eq!(masked(&once), once);
    }

    #[test]
    fn jwts_anywhere() {
        assert_eq!(masked(&format!("token {JWT} expired")), "token e*****U expired");
        assert_eq!(masked(JWT), "e*****U");
        assert_eq!(
            masked("eyJ not a jwt. eyJhbGciOiJIUzI1NiJ9 alone"),
            "eyJ not a jwt. eyJhbGciOiJIUzI1NiJ9 alone"
        );
    }

    #[test]
    fn authorization_schemes_and_headers() {
        assert_eq!(
            masked("Authorization: Bearer abcdef123456.xyz"),
            "Authorization: B*****z"
        );
        assert_eq!(
            masked("curl -H 'Authorization: Basic dXNlcjpwYXNz'"),
            "curl -H 'Authorization: B*****z'"
        );
        assert_eq!(masked("use bearer abc123def456ghi"), "use bearer a*****i");
        assert_eq!(
            masked("Basic setup finished, token expired"),
            "Basic setup finished, token expired"
        );
        assert_eq!(
            masked("Cookie: session=abc; theme=dark\nAccept: */*"),
            "Cookie: s*****k\nAccept: */*"
        );
    }

    #[test]
    fn secret_named_pairs() {
        assert_eq!(
            masked("https://x.okta.com/oauth2/v1/token?client_id=mw&client_secret=s3cr3tValue&grant_type=x"),
            "https://x.okta.com/oauth2/v1/token?client_id=mw&client_secret=s*****e&grant_type=x"
        );
        assert_eq!(
            masked(r#"{"user": "jd", "password": "hunter2!"}"#),
            r#"{"user": "jd", "password": "h*****!"}"#
        );
        assert_eq!(masked("api_key=AbCdEf0123; x=1"), "api_key=A*****3; x=1");
        assert_eq!(masked("status_code=200 code_path=x"), "status_code=200 code_path=x");
        assert_eq!(masked("'secret_key' => 'sk_abc123def'"), "'secret_key' => 's*****f'");
        assert_eq!(
            masked("curl -u svc:Pa55word! https://x"),
            "curl -u svc:P*****! https://x"
        );
        assert_eq!(masked("curl --user='svc:Pa55word!' x"), "curl --user='svc:P*****!' x");
        assert_eq!(
            masked("curl -u svc https://x -H 'X: 1'"),
            "curl -u svc https://x -H 'X: 1'"
        );
    }

    #[test]
    fn userinfo_passwords_and_vendor_tokens() {
        assert_eq!(
            masked("ldaps://svc:Pa55w0rd!@dc1.acme.com:636/"),
            "ldaps://svc:P*****!@dc1.acme.com:636/"
        );
        assert_eq!(masked("https://user@host/x"), "https://user@host/x");
        assert_eq!(masked("slack xoxb-123456789012-abcdefghijkl ok"), "slack x*****l ok");
        assert_eq!(masked("key AKIAIOSFODNN7EXAMPLE."), "key A*****E.");
        // All capitals, no digit: found by its prefix all the same.
        assert_eq!(masked("ID AKIAABCDEFGHIJKLMNOP"), "ID A*****P");
        assert_eq!(masked("ghp_abcdefghijklmnopqrstuvwxyz0123456789"), "g*****9");
    }

    #[test]
    fn whole_documents() {
        assert_eq!(masked("<saml:Assertion ID=\"x\">...</saml:Assertion>"), "<*****>");
        assert_eq!(
            masked("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"),
            "-*****-"
        );
        let b64 = format!("PHNhbWxwOlJlc3BvbnNl{}", "A".repeat(120));
        assert_eq!(masked(&b64), "P*****A");
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for s in [
            "AUTHN_EVENT_LOGIN_SUCCESS",
            "https://company.service-now.com/api/now/table/incident",
            "(&(objectClass=user)(mail=coryweb*))",
            "2025-10-16 19:00:23.850992",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)",
        ] {
            assert!(
                matches!(scrub(s, Action::Mask, &Applier::new(None)), Cow::Borrowed(_)),
                "{s}"
            );
        }
    }

    #[test]
    fn quotes_and_nested_escapes() {
        assert_eq!(masked("curl --user name:'Pa55word!' x"), "curl --user name:'P*****!' x");
        assert_eq!(
            masked(r#"curl --user "u":"Pa55word!" x"#),
            r#"curl --user "u":"P*****!" x"#
        );
        // JSON in a string in a string: scanned (and written) decoded.
        assert_eq!(
            masked(r#"{\"log\":\"password = \\\"s3cr3tValue\\\"\"}"#),
            r#"{"log":"password = "s*****e""}"#
        );
        assert_eq!(
            masked(r#"$config = array(\"secret_key\" => \"sk9Fq2Lm0Zx7\");"#),
            r#"$config = array("secret_key" => "s*****7");"#
        );
    }

    #[test]
    fn rescanning_what_was_masked_changes_nothing() {
        // The named value ends at `;`, the userinfo password at `@`: their merged span is masked
        // whole, and the rescan must not run the value on to the quote.
        let s = "token=https://s:ab;cd@host\"x";
        let once = masked(s);
        assert_eq!(once, "token=h*****d@host\"x");
        assert_eq!(masked(&once), once);
        // A password that merely starts like a mask is masked whole.
        assert_eq!(masked("password=a*****b2c3 next"), "password=a*****3 next");
        // A hint-named value (`usess=`) that held a masked random one: not random once masked.
        let nested = "x=usess=urebem1-pemer-mpt/As=usessrasss=usess=urcr-mss=usess=urebem1-pemer-mpt/As=usessrasss=usess=urcme~~~~~";
        let once = masked(nested);
        assert_eq!(masked(&once), once);
        let found = include_bytes!("../../fuzz/regressions/credentials/token-value-merged-with-userinfo");
        let once = masked(std::str::from_utf8(found).unwrap());
        assert_eq!(masked(&once), once);
    }

    #[test]
    fn placeholders_are_kept() {
        for s in [
            "curl -H \"Authorization: Bearer <token>\" https://api.example/v1",
            "curl -H \"Authorization: Bearer $API_KEY\" https://api.example/v1",
            "curl -u <user:password> https://api.example/v1",
            "curl --user \"$3:$5\" \"$9\"",
            "API_KEY=${API_KEY}",
            "token={{ .Values.sendgrid.token }}",
            "password: XXXXXXXX",
            "export GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "TOKEN_URL=https://login.example.com/oauth2/token AUTH_MODE=saml",
            "secretArn: arn:aws:secretsmanager:us-east-1:123:secret:prod/db-XhyCUl",
        ] {
            assert_eq!(masked(s), s);
        }
    }
}
