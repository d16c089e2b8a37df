//! Values that stand for a credential without being one: templates (`${API_KEY}`,
//! `{{ .Values.token }}`, `<your-api-key>`, `%(password)s`, `$1`), runs of mask characters
//! (`XXXXXXXX`, `ghp_xxxxxxxx`, `********`), and words no secret is (`true`, `null`), also after an
//! authorization scheme (`Bearer <token>`). Masking them hides nothing and destroys what a
//! detection engineer searches for, so no credential detector masks one.
//!
//! transforms/vector/mwsiem.vrl states the same test as regular expressions (the `# placeholder`
//! block); the credential tests run both on the same decoys.

use super::text::AUTH_SCHEMES;

const NOT_SECRETS: [&str; 6] = ["true", "false", "null", "none", "nil", "undefined"];

/// True when `value` is a placeholder, not a credential.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim_matches(|c: char| c.is_ascii_whitespace() || c == '"' || c == '\'');
    let v = strip_scheme(v);
    if v.is_empty() {
        return false;
    }
    if NOT_SECRETS.iter().any(|w| v.eq_ignore_ascii_case(w)) {
        return true;
    }
    let b = v.as_bytes();
    // Stars count only as a whole value: a masked credential (`B*****h`) is still one.
    let masks = b.iter().filter(|&&c| matches!(c, b'X' | b'x' | b'#')).count();
    let stars = b.iter().all(|&c| c == b'*');
    (b.len() >= 3 && (masks * 2 >= b.len() || stars)) || only_templates(b)
}

/// `Bearer <token>` is judged by `<token>`.
fn strip_scheme(v: &str) -> &str {
    let word = v
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'-')
        .count();
    let spaces = v[word..].bytes().take_while(|&c| c == b' ').count();
    if spaces > 0 && AUTH_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(&v[..word])) {
        &v[word + spaces..]
    } else {
        v
    }
}

/// Templates and punctuation only, at least one template.
fn only_templates(b: &[u8]) -> bool {
    let mut templates = 0;
    let mut i = 0;
    while i < b.len() {
        if let Some(n) = template_at(&b[i..]) {
            templates += 1;
            i += n;
        } else if b[i].is_ascii_alphanumeric() {
            return false;
        } else {
            i += 1;
        }
    }
    templates > 0
}

/// The length of the template reference `b` starts with, if it starts with one.
pub fn template_len(b: &[u8]) -> Option<usize> {
    template_at(b)
}

/// The length of the template reference `b` starts with: `${...}`, `$(...)`, `{...}`, `<...>`,
/// `%(...)s`, `%s`, `$NAME` (upper case), `$1`.
fn template_at(b: &[u8]) -> Option<usize> {
    let to = |open: usize, close: u8| b[open..].iter().position(|&c| c == close).map(|p| open + p + 1);
    match b {
        [b'$', b'{', ..] => to(2, b'}'),
        [b'$', b'(', ..] => to(2, b')'),
        [b'{', ..] => to(1, b'}'),
        [b'<', ..] => to(1, b'>'),
        [b'%', b'(', ..] => to(2, b')')
            .filter(|&n| matches!(b.get(n), Some(b's' | b'd')))
            .map(|n| n + 1),
        [b'%', b's' | b'd' | b'v', ..] => Some(2),
        // `$1`, `$API_KEY`: positional or upper-case variables (`$dkwilU2nf` is a password).
        [b'$', first, rest @ ..] if first.is_ascii_digit() => {
            Some(2 + rest.iter().take_while(|c| c.is_ascii_digit()).count())
        }
        [b'$', first, rest @ ..] if first.is_ascii_uppercase() || *first == b'_' => {
            let n = rest
                .iter()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || **c == b'_')
                .count();
            Some(2 + n)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_masks_and_words() {
        for v in [
            "${API_KEY}",
            "{{ .Values.sendgrid.token }}",
            "<your-sendgrid-api-key>",
            "{SumoAccessKey}",
            "$1:$2",
            "\"$3:$5\"",
            "%(password)s",
            "XXXXXXXX",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "xoxb-xxxxxxxxxx-xxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx",
            "********",
            "Bearer <token>",
            "Bearer $API_KEY",
            "Bearer XXXXXXXXXXXX",
            "true",
            "NULL",
        ] {
            assert!(is_placeholder(v), "{v}");
        }
    }

    #[test]
    fn credentials_are_not_placeholders() {
        for v in [
            "hunter2",
            "B*****h",
            "Bearer abc123def456",
            "s3cr3t-${suffix}",
            "xkeysib-0a1b2c3d",
            "Xy9$Qw",
            "p@ss{word}",
            "$dkwilU2nfeipc_",
            "$2b$12$.YdAmgROwMLSmfv95mSp69OLMQlP03ekX4q8xbvGCDzemUjwPudAs",
        ] {
            assert!(!is_placeholder(v), "{v}");
        }
    }
}
