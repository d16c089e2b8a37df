//! Python literals, as EXTERNAL_LDAP_API writes its `request`:
//! `{'search_request': {'base_dn': 'dc=corp', 'scope': 2, 'filter': '(mail=a*)'}}`.
//!
//! The export prints the request with Python's `repr`, so: single- or double-quoted strings with
//! backslash escapes (and `r`/`u`/`b` prefixes), ints and floats, `True`/`False`/`None`, dicts,
//! lists and tuples. The result is the core's JSON tree, borrowing unescaped strings.

use crate::json::{Map, Value};
use nom::{
    IResult, Parser,
    branch::alt,
    bytes::complete::{is_not, tag, take_while, take_while_m_n, take_while1},
    character::complete::{char, multispace0, one_of},
    combinator::{all_consuming, map, opt, recognize, value},
    error::{Error, ErrorKind},
    multi::separated_list0,
    sequence::{delimited, preceded, terminated},
};
use std::borrow::Cow;

/// How deep dicts and lists may nest in a request (real ones are 2-3 levels).
pub const MAX_DEPTH: usize = 16;

/// Parses one Python literal (surrounding whitespace allowed). `None` when it is not one.
pub fn parse_python_literal(text: &str) -> Option<Value<'_>> {
    all_consuming(delimited(multispace0, |i| literal(i, 0), multispace0))
        .parse(text)
        .ok()
        .map(|(_, v)| v)
}

fn literal(i: &str, depth: usize) -> IResult<&str, Value<'_>> {
    if depth > MAX_DEPTH {
        return Err(nom::Err::Failure(Error::new(i, ErrorKind::TooLarge)));
    }
    alt((
        |i| dict(i, depth + 1),
        |i| sequence(i, '[', ']', depth + 1),
        |i| sequence(i, '(', ')', depth + 1),
        map(string, Value::String),
        number,
        value(Value::Bool(true), tag("True")),
        value(Value::Bool(false), tag("False")),
        value(Value::Null, tag("None")),
    ))
    .parse(i)
}

/// `, ` between items, with any whitespace.
fn comma(i: &str) -> IResult<&str, char> {
    delimited(multispace0, char(','), multispace0).parse(i)
}

fn dict(i: &str, depth: usize) -> IResult<&str, Value<'_>> {
    let entry = |i| {
        let (i, key) = alt((string, map(number_text, Cow::Borrowed))).parse(i)?;
        let (i, _) = delimited(multispace0, char(':'), multispace0).parse(i)?;
        let (i, v) = literal(i, depth)?;
        Ok((i, (key, v)))
    };
    let (i, entries) = delimited(
        terminated(char('{'), multispace0),
        terminated(separated_list0(comma, entry), opt(comma)),
        preceded(multispace0, char('}')),
    )
    .parse(i)?;
    Ok((i, Value::Object(entries.into_iter().collect::<Map<'_>>())))
}

fn sequence(i: &str, open: char, close: char, depth: usize) -> IResult<&str, Value<'_>> {
    let (i, items) = delimited(
        terminated(char(open), multispace0),
        terminated(separated_list0(comma, |i| literal(i, depth)), opt(comma)),
        preceded(multispace0, char(close)),
    )
    .parse(i)?;
    Ok((i, Value::Array(items)))
}

fn number_text(i: &str) -> IResult<&str, &str> {
    recognize((
        opt(one_of("+-")),
        take_while1(|c: char| c.is_ascii_digit()),
        opt((char('.'), take_while(|c: char| c.is_ascii_digit()))),
        opt((
            one_of("eE"),
            opt(one_of("+-")),
            take_while1(|c: char| c.is_ascii_digit()),
        )),
    ))
    .parse(i)
}

/// A Python number as a JSON number when its text is one (`2`, `-1.5`), else as text (`+3`, `1.`).
fn number(i: &str) -> IResult<&str, Value<'_>> {
    let (rest, text) = number_text(i)?;
    let json_ok = crate::json::parse(text.as_bytes(), 1).is_ok();
    let v = if json_ok {
        Value::Number(Cow::Borrowed(text))
    } else {
        Value::String(Cow::Borrowed(text))
    };
    Ok((rest, v))
}

/// A quoted string with an optional `r`/`u`/`b` prefix.
fn string(i: &str) -> IResult<&str, Cow<'_, str>> {
    let (i, prefix) = take_while_m_n(0, 2, |c: char| "rRuUbB".contains(c)).parse(i)?;
    let raw = prefix.contains(['r', 'R']);
    alt((|i| quoted(i, '\'', raw), |i| quoted(i, '"', raw))).parse(i)
}

fn quoted(i: &str, q: char, raw: bool) -> IResult<&str, Cow<'_, str>> {
    let (mut i, _) = char(q).parse(i)?;
    let mut out: Option<String> = None;
    let stop: &str = if q == '\'' { "'\\" } else { "\"\\" };
    loop {
        let (rest, run) = opt(is_not(stop)).parse(i)?;
        let run = run.unwrap_or("");
        let Some(c) = rest.chars().next() else {
            return Err(nom::Err::Error(Error::new(rest, ErrorKind::Char)));
        };
        if c == q {
            let s = match out {
                Some(mut s) => {
                    s.push_str(run);
                    Cow::Owned(s)
                }
                None => Cow::Borrowed(run),
            };
            return Ok((&rest[1..], s));
        }
        // A backslash.
        let buf = out.get_or_insert_with(String::new);
        buf.push_str(run);
        let (rest, decoded) = escape(&rest[1..], raw)?;
        buf.push_str(&decoded);
        i = rest;
    }
}

/// The character(s) an escape stands for; `raw` strings keep the backslash.
fn escape(i: &str, raw: bool) -> IResult<&str, Cow<'static, str>> {
    let Some(c) = i.chars().next() else {
        return Err(nom::Err::Error(Error::new(i, ErrorKind::Escaped)));
    };
    let rest = &i[c.len_utf8()..];
    if raw {
        return Ok((rest, Cow::Owned(format!("\\{c}"))));
    }
    let simple = match c {
        '\\' => Some('\\'),
        '\'' => Some('\''),
        '"' => Some('"'),
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'v' => Some('\u{b}'),
        '0' => Some('\0'),
        _ => None,
    };
    if let Some(ch) = simple {
        return Ok((rest, Cow::Owned(ch.to_string())));
    }
    let width = match c {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        '\n' => return Ok((rest, Cow::Borrowed(""))),
        // Python keeps unknown escapes as written.
        other => return Ok((rest, Cow::Owned(format!("\\{other}")))),
    };
    let (rest, hex) = take_while_m_n(width, width, |c: char| c.is_ascii_hexdigit()).parse(rest)?;
    let ch = u32::from_str_radix(hex, 16)
        .ok()
        .and_then(char::from_u32)
        .ok_or_else(|| nom::Err::Error(Error::new(i, ErrorKind::Escaped)))?;
    Ok((rest, Cow::Owned(ch.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::to_string;

    fn json(s: &str) -> String {
        to_string(&parse_python_literal(s).unwrap_or_else(|| panic!("{s}")))
    }

    #[test]
    fn vendor_ldap_request() {
        assert_eq!(
            json(
                "{'search_request': {'base_dn': '{{dc_base_filter}}', 'scope': 2, 'filter': '(&(objectClass=user)(mail=coryweb*))'}}"
            ),
            r#"{"search_request":{"base_dn":"{{dc_base_filter}}","scope":2,"filter":"(&(objectClass=user)(mail=coryweb*))"}}"#
        );
    }

    #[test]
    fn quotes_escapes_and_constants() {
        assert_eq!(
            json(r#"{"a": 'it\'s', 'b': "say \"hi\"", 'c': '\x41\u00e9\n'}"#),
            r#"{"a":"it's","b":"say \"hi\"","c":"Aé\n"}"#
        );
        assert_eq!(
            json("[True, False, None, -3, 1.5, (1, 2,), []]"),
            r#"[true,false,null,-3,1.5,[1,2],[]]"#
        );
        assert_eq!(json(r"{'f': r'(cn=a\2a)'}"), r#"{"f":"(cn=a\\2a)"}"#);
        assert_eq!(
            json("{'attrs': ['cn', 'mail'], 'size_limit': 0, 'x': {'y': {}},}"),
            r#"{"attrs":["cn","mail"],"size_limit":0,"x":{"y":{}}}"#
        );
        assert_eq!(json("{1: 'one'}"), r#"{"1":"one"}"#);
    }

    #[test]
    fn rejects_non_literals_and_bounds_depth() {
        for bad in [
            "",
            "{'a': }",
            "{'a' 1}",
            "{'a': 'unterminated}",
            "foo()",
            "{'a': 1} extra",
            "{'a': '\\x4'}",
        ] {
            assert!(parse_python_literal(bad).is_none(), "{bad:?}");
        }
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse_python_literal(&deep).is_none());
    }
}
