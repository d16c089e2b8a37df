//! Credentials in the shapes tools write their own input in: command lines (`curl -u`, a flag
//! that names a secret and the value after it, MySQL's `-p<password>`) and configuration files
//! echoed into a log (NuGet's `<add key=... value=.../>`, a Kubernetes Secret's `data:` block).
//! Each finder adds spans of `text` for [`super::scrub`], which filters placeholders out.

use super::entropy::looks_random;
use super::names::classify;
use super::placeholder::is_placeholder;
use super::text::{Span, contains_ci, find, find_ci, run};

/// The password of `curl -u user:password` (and `--user`, `--user=`, quoted or not).
pub(super) fn curl_users(text: &str, spans: &mut Vec<Span>) {
    let b = text.as_bytes();
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let mut i = 0;
    while let Some(n) = find(&b[i..], b"-u") {
        let at = i + n;
        i = at + 2;
        let long = at > 0 && b[at - 1] == b'-';
        let flag = if long { at - 1 } else { at };
        if (flag > 0 && !ws(b[flag - 1])) || (long && !b[at + 2..].starts_with(b"ser")) {
            continue;
        }
        let mut j = if long { at + 5 } else { at + 2 };
        if b.get(j) == Some(&b'=') {
            j += 1;
        } else {
            let spaces = b[j..].iter().take(5).take_while(|&&c| c == b' ').count();
            j += spaces;
        }
        if matches!(b.get(j), Some(b'"' | b'\'')) {
            j += 1;
        }
        let user_start = j;
        let mut user = run(b, j, |c| !(c == b':' || c == b'"' || c == b'\'' || ws(c)));
        let user_end = user;
        // `"user":"password"` and `user:'password'` quote each part.
        if matches!(b.get(user), Some(b'"' | b'\'')) {
            user += 1;
        }
        if b.get(user) != Some(&b':') {
            continue;
        }
        let mut pw = user + 1;
        if matches!(b.get(pw), Some(b'"' | b'\'')) {
            pw += 1;
        }
        let end = run(b, pw, |c| !(c == b'"' || c == b'\'' || ws(c)));
        // `-u <user:password>` names the parts: a placeholder as a whole.
        let whole = format!("{}:{}", &text[user_start..user_end], &text[pw..end]);
        if end > pw && !is_placeholder(&whole) {
            spans.push((pw, end));
            i = end;
        }
    }
}

/// The value after a command-line flag that names a secret, given as the next word:
/// `--client-secret VALUE`, `--password 'VALUE'` (a hint name needs a random-looking value);
/// `-p VALUE` (a password, unless it is a port or a path); and MySQL's `-pVALUE`. The `=` forms
/// are `name=value` pairs ([`named_values`]).
pub(super) fn flag_values(text: &str, spans: &mut Vec<Span>) {
    let b = text.as_bytes();
    // Whether `-p` takes a password is asked only when a `-p` is met.
    let mut p_tool = None;
    let mut i = 0;
    while let Some(n) = b[i..].iter().position(|&c| c == b'-') {
        let at = i + n;
        i = at + 1;
        if at > 0 && !matches!(b[at - 1], b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'' | b'[' | b',') {
            continue;
        }
        let dashes = if b.get(at + 1) == Some(&b'-') { 2 } else { 1 };
        let name_end = run(b, at + dashes, |c| {
            c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
        });
        if name_end == at + dashes || !b[at + dashes].is_ascii_alphabetic() {
            continue;
        }
        let name = &text[at + dashes..name_end];
        if dashes == 1 && name.len() > 1 {
            // `-pS3cret`: MySQL's attached password.
            if name.starts_with('p')
                && !name.starts_with("port")
                && *p_tool.get_or_insert_with(|| password_p_tool(text))
            {
                let end = run(b, at + 2, |c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\''));
                spans.push((at + 2, end));
                i = end;
            }
            continue;
        }
        // The next word, or the next element of an array written as text (`"--token", "v"`).
        let mut spaces = run(b, name_end, |c| c == b' ' || c == b'\t');
        let mut listed = None;
        if spaces == name_end
            && let Some(&q @ (b'"' | b'\'')) = b.get(name_end)
            && let comma = run(b, name_end + 1, |c| c == b' ' || c == b'\t')
            && b.get(comma) == Some(&b',')
            && let open = run(b, comma + 1, |c| c == b' ' || c == b'\t')
            && b.get(open) == Some(&q)
        {
            spaces = open;
            listed = Some(q);
        }
        if spaces == name_end || spaces >= b.len() {
            continue;
        }
        let (start, end) = match (listed, b[spaces]) {
            (Some(_), _) | (None, b'"' | b'\'') => (spaces + 1, run(b, spaces + 1, |c| c != b'"' && c != b'\'')),
            _ => (
                spaces,
                run(b, spaces, |c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'')),
            ),
        };
        // The next flag, not a value: `--x`, or `-x` alone. A value may start with `-` (a
        // random base64url token does).
        if end > start && b[start] == b'-' && (b.get(start + 1) == Some(&b'-') || end - start == 2) {
            continue;
        }
        let p = name == "p" && *p_tool.get_or_insert_with(|| password_p_tool(text));
        if end > start && flag_takes_secret(name, &text[start..end], p) {
            spans.push((start, end));
            i = end;
        }
    }
}

/// Tools whose `-p` takes a password (`mysql -p`, `sshpass -p`); elsewhere `-p` is a port
/// (`docker run -p 8080:80`, `ssh -p 22`) or a path (`mkdir -p`).
const PASSWORD_P_TOOLS: [&str; 4] = ["mysql", "mariadb", "sshpass", "mongo"];

/// Whether `text` names a tool whose `-p` flag takes a password.
pub fn password_p_tool(text: &str) -> bool {
    PASSWORD_P_TOOLS.iter().any(|t| contains_ci(text, t))
}

/// An argv element that is the next flag (`--x`, or `-x` alone), not the value of the one before
/// it: a value may start with `-`, as a random base64url token does.
pub fn is_flag(element: &str) -> bool {
    element.starts_with("--") || (element.len() == 2 && element.starts_with('-'))
}

/// Whether the value after the flag `name` (without its dashes) is a credential; `p_tool` says
/// whether the command is one of [`PASSWORD_P_TOOLS`].
pub fn flag_takes_secret(name: &str, value: &str, p_tool: bool) -> bool {
    if name == "p" {
        return p_tool
            && !value.bytes().all(|c| c.is_ascii_digit() || c == b':')
            && !matches!(value.as_bytes()[0], b'/' | b'.' | b'~');
    }
    let class = classify(name);
    class.secret || (value.len() >= 16 && class.hint() && looks_random(value))
}

/// `<add key="ClearTextPassword" value="..."/>` (NuGet, .NET app settings): the value of an
/// element whose `key` or `name` attribute names a secret.
pub(super) fn xml_key_values(text: &str, spans: &mut Vec<Span>) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(n) = find_ci(&b[i..], b"value=") {
        let at = i + n;
        i = at + 6;
        if !matches!(b.get(at + 6), Some(b'"' | b'\'')) {
            continue;
        }
        if at == 0 || !matches!(b[at - 1], b' ' | b'\t' | b'\n') {
            continue;
        }
        // The element this attribute belongs to starts at the last `<`.
        let Some(open) = b[..at].iter().rposition(|&c| c == b'<') else {
            continue;
        };
        let tag = &text[open..at];
        let named = ["key=", "name="].iter().find_map(|attr| {
            let p = find_ci(tag.as_bytes(), attr.as_bytes())?;
            let rest = &tag[p + attr.len()..];
            let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            rest[1..].split(quote).next()
        });
        if !named.is_some_and(|n| classify(n).secret) {
            continue;
        }
        let end = run(b, at + 7, |c| c != b'"' && c != b'\'');
        if end > at + 7 {
            spans.push((at + 7, end));
            i = end;
        }
    }
}

/// A Kubernetes Secret written out (`kind: Secret` ... `data:`): every value of its `data:` or
/// `stringData:` block, whatever the key is called (`config.json:`, `.dockerconfigjson: |`).
pub(super) fn kubernetes_secret_data(text: &str, spans: &mut Vec<Span>) {
    let b = text.as_bytes();
    let Some(kind) = find_ci(b, b"kind:") else { return };
    let after = &b[kind + 5..];
    let lead = after
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'"' | b'\''))
        .count();
    let word = &after[lead..];
    if !(word.len() >= 6
        && word[..6].eq_ignore_ascii_case(b"secret")
        && word.get(6).is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_'))
    {
        return;
    }
    let mut lines = line_starts(b);
    // The block starts after the first `data:` or `stringData:` line.
    if !lines.any(|(s, e)| matches!(text[s..e].trim(), "data:" | "stringData:")) {
        return;
    }
    for (s, e) in lines {
        let indent = b[s..e].iter().take_while(|c| matches!(c, b' ' | b'\t')).count();
        if indent == 0 {
            break;
        }
        let content = s + indent;
        let key = run(b, content, |c| {
            c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')
        });
        let value = if key > content && key < e && b[key] == b':' {
            run(b, key + 1, |c| c == b' ' || c == b'\t')
        } else {
            content
        };
        if value < e {
            spans.push((value, e));
        }
    }
}

/// (start, end) of each line of `b`, without its `\r\n` or `\n`.
fn line_starts(b: &[u8]) -> impl Iterator<Item = Span> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at > b.len() {
            return None;
        }
        let end = b[at..].iter().position(|&c| c == b'\n').map_or(b.len(), |p| at + p);
        let line = (at, if end > at && b[end - 1] == b'\r' { end - 1 } else { end });
        at = end + 1;
        Some(line)
    })
}

#[cfg(test)]
mod tests {
    use super::super::action::{Action, Applier};
    use super::super::scrub::scrub;

    fn masked(s: &str) -> String {
        scrub(s, Action::Mask, &Applier::new(None)).into_owned()
    }

    #[test]
    fn flags_on_a_command_line() {
        assert_eq!(
            masked("sync --endpoint https://x --algolia-secret-key Zq8Lm3Nv0Rt6 --verbose"),
            "sync --endpoint https://x --algolia-secret-key Z*****6 --verbose"
        );
        assert_eq!(
            masked(r#"{"cmd":["sync","--password","pa55word!x","-v"]}"#),
            r#"{"cmd":["sync","--password","p*****x","-v"]}"#
        );
        assert_eq!(masked("mysql -u root -pS3cretPass db"), "mysql -u root -pS*****s db");
        assert_eq!(masked("mysql -u root -p S3cretPass db"), "mysql -u root -p S*****s db");
        // `-p` is a port or a path elsewhere; a flag's placeholder stays.
        for s in [
            "docker run -p 8080:80 nginx",
            "mkdir -p /var/lib/app",
            "ssh -p 2222 host",
            "deploy --token $DEPLOY_TOKEN",
        ] {
            assert_eq!(masked(s), s);
        }
    }

    #[test]
    fn config_shapes_tools_echo() {
        assert_eq!(
            masked(r#"<add key="ClearTextPassword" value="v7WgqhRsJ6c" />"#),
            r#"<add key="ClearTextPassword" value="v*****c" />"#
        );
        assert_eq!(
            masked(r#"<add key="Username" value="ci-bot" />"#),
            r#"<add key="Username" value="ci-bot" />"#
        );
        let secret = "apiVersion: v1\nkind: Secret\ndata:\n  config.json: ZXlKaGRYUm9jeUk2ZTMwPQ==\n  .dockerconfigjson: |\n    eyJhdXRocyI6e319Cg\nmetadata:\n  name: app\n";
        assert_eq!(
            masked(secret),
            "apiVersion: v1\nkind: Secret\ndata:\n  config.json: Z*****=\n  .dockerconfigjson: *****\n    e*****g\nmetadata:\n  name: app\n"
        );
        assert_eq!(
            masked("BUNDLE_GEMS__CONTRIBSYS__COM: ci-reader:huQcOaSuLsB8"),
            "BUNDLE_GEMS__CONTRIBSYS__COM: c*****8"
        );
    }
}
