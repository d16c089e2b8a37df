//! A strict RFC 8259 parser into [`Value`], borrowing from the input.
//!
//! Why not serde_json here: numbers must stay exact text (ids beyond 2^64, `1.50`), duplicate
//! keys must survive, and the failure must say *where* (byte offset) and *why* in a form the
//! dead-letter file and the in-band error events can carry. Depth is bounded, so a 20,000-deep
//! document is an error, not a stack overflow (the Fluent Bit guest runs on a small stack).

use super::scan::find_special;
use super::value::{Map, Value};
use std::borrow::Cow;

/// Why a document did not parse, and at which byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub kind: ParseErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    InvalidUtf8,
    UnexpectedEnd,
    UnexpectedByte,
    InvalidNumber,
    InvalidEscape,
    ControlCharacterInString,
    TrailingCharacters,
    TooDeep { limit: usize },
}

impl ParseErrorKind {
    pub fn describe(&self) -> &'static str {
        match self {
            ParseErrorKind::InvalidUtf8 => "invalid UTF-8",
            ParseErrorKind::UnexpectedEnd => "unexpected end of input (truncated record?)",
            ParseErrorKind::UnexpectedByte => "unexpected character",
            ParseErrorKind::InvalidNumber => "invalid number",
            ParseErrorKind::InvalidEscape => "invalid escape sequence",
            ParseErrorKind::ControlCharacterInString => "unescaped control character in string",
            ParseErrorKind::TrailingCharacters => "characters after the end of the JSON value",
            ParseErrorKind::TooDeep { .. } => "nesting too deep",
        }
    }
}

/// Parses one complete JSON document. `max_depth` counts nested arrays and objects.
pub fn parse(input: &[u8], max_depth: usize) -> Result<Value<'_>, ParseError> {
    let text = std::str::from_utf8(input).map_err(|e| ParseError {
        offset: e.valid_up_to(),
        kind: ParseErrorKind::InvalidUtf8,
    })?;
    let mut p = Parser {
        src: text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
        max_depth,
    };
    p.skip_ws();
    let v = p.value()?;
    p.skip_ws();
    if p.pos != p.bytes.len() {
        return Err(p.err(ParseErrorKind::TrailingCharacters));
    }
    Ok(v)
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    max_depth: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, kind: ParseErrorKind) -> ParseError {
        ParseError { offset: self.pos, kind }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect_end_or(&self) -> ParseError {
        if self.pos >= self.bytes.len() {
            self.err(ParseErrorKind::UnexpectedEnd)
        } else {
            self.err(ParseErrorKind::UnexpectedByte)
        }
    }

    fn value(&mut self) -> Result<Value<'a>, ParseError> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.expect_end_or()),
        }
    }

    fn literal(&mut self, word: &str, v: Value<'a>) -> Result<Value<'a>, ParseError> {
        let end = self.pos + word.len();
        if self.bytes.get(self.pos..end) == Some(word.as_bytes()) {
            self.pos = end;
            Ok(v)
        } else if end > self.bytes.len() && word.as_bytes().starts_with(&self.bytes[self.pos..]) {
            self.pos = self.bytes.len();
            Err(self.err(ParseErrorKind::UnexpectedEnd))
        } else {
            Err(self.err(ParseErrorKind::UnexpectedByte))
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(self.err(ParseErrorKind::TooDeep { limit: self.max_depth }));
        }
        self.pos += 1;
        Ok(())
    }

    fn object(&mut self) -> Result<Value<'a>, ParseError> {
        self.enter()?;
        // Export objects have up to ~8 members: one allocation, no regrowth.
        let mut map = Map::with_capacity(8);
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Object(map));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.expect_end_or());
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.expect_end_or());
            }
            self.pos += 1;
            self.skip_ws();
            let v = self.value()?;
            map.insert(key, v);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::Object(map));
                }
                _ => return Err(self.expect_end_or()),
            }
        }
    }

    fn array(&mut self) -> Result<Value<'a>, ParseError> {
        self.enter()?;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.expect_end_or()),
            }
        }
    }

    fn number(&mut self) -> Result<Value<'a>, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            None => return Err(self.err(ParseErrorKind::UnexpectedEnd)),
            _ => return Err(self.err(ParseErrorKind::InvalidNumber)),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err(ParseErrorKind::InvalidNumber));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err(ParseErrorKind::InvalidNumber));
            }
            self.digits();
        }
        Ok(Value::Number(Cow::Borrowed(&self.src[start..self.pos])))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    /// Parses a string starting at the opening quote. Borrowed unless it has escapes.
    fn string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        self.pos += 1;
        let start = self.pos;
        let mut owned: Option<String> = None;
        loop {
            let run = self.pos;
            self.pos = find_special(self.bytes, self.pos);
            match self.peek() {
                None => return Err(self.err(ParseErrorKind::UnexpectedEnd)),
                Some(b'"') => {
                    let s = match owned {
                        None => Cow::Borrowed(&self.src[start..self.pos]),
                        Some(mut s) => {
                            s.push_str(&self.src[run..self.pos]);
                            Cow::Owned(s)
                        }
                    };
                    self.pos += 1;
                    return Ok(s);
                }
                Some(b'\\') => {
                    let s = owned.get_or_insert_with(|| String::with_capacity(self.pos - start + 16));
                    s.push_str(&self.src[run..self.pos]);
                    self.escape(s)?;
                }
                Some(_) => return Err(self.err(ParseErrorKind::ControlCharacterInString)),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        self.pos += 1;
        let c = match self.peek() {
            None => return Err(self.err(ParseErrorKind::UnexpectedEnd)),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let hi = self.hex4()?;
                let c = if (0xD800..0xDC00).contains(&hi) {
                    // A high surrogate must be followed by an escaped low one.
                    if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                        return Err(self.err(ParseErrorKind::InvalidEscape));
                    }
                    self.pos += 2;
                    let lo = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err(self.err(ParseErrorKind::InvalidEscape));
                    }
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                } else {
                    char::from_u32(hi)
                };
                out.push(c.ok_or_else(|| self.err(ParseErrorKind::InvalidEscape))?);
                return Ok(());
            }
            Some(_) => return Err(self.err(ParseErrorKind::InvalidEscape)),
        };
        out.push(c);
        self.pos += 1;
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let Some(h) = self.bytes.get(self.pos..self.pos + 4) else {
            self.pos = self.bytes.len();
            return Err(self.err(ParseErrorKind::UnexpectedEnd));
        };
        let mut n = 0u32;
        for &b in h {
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(self.err(ParseErrorKind::InvalidEscape)),
            };
            n = n * 16 + u32::from(d);
        }
        self.pos += 4;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Value<'_> {
        parse(s.as_bytes(), 64).expect(s)
    }

    fn err(s: &[u8]) -> ParseErrorKind {
        parse(s, 64).expect_err("should fail").kind
    }

    #[test]
    fn keeps_big_integers_and_number_text_exact() {
        let v = ok(r#"{"user_id": 12608431283658477771123, "x": 1.50, "e": -2E+3}"#);
        let m = v.as_object().unwrap();
        assert_eq!(m.get("user_id").unwrap().as_text(), Some("12608431283658477771123"));
        assert_eq!(m.get("x").unwrap().as_text(), Some("1.50"));
        assert_eq!(m.get("e").unwrap().as_text(), Some("-2E+3"));
    }

    #[test]
    fn borrows_plain_strings_and_decodes_escapes() {
        let v = ok(r#"["plain", "a\"b\\c\/\n\u00e9\ud83d\ude00"]"#);
        let Value::Array(items) = v else { panic!() };
        assert!(matches!(&items[0], Value::String(Cow::Borrowed("plain"))));
        assert_eq!(items[1].as_str(), Some("a\"b\\c/\né😀"));
    }

    #[test]
    fn keeps_duplicate_keys_in_order() {
        let v = ok(r#"{"a":1,"a":2}"#);
        let pairs: Vec<_> = v
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_text().unwrap().to_string()))
            .collect();
        assert_eq!(pairs, [("a".into(), "1".into()), ("a".into(), "2".into())]);
    }

    #[test]
    fn rejects_malformed_input_with_a_reason() {
        assert_eq!(err(br#"{"a": "b"#), ParseErrorKind::UnexpectedEnd);
        assert_eq!(err(br#"{"a": tru"#), ParseErrorKind::UnexpectedEnd);
        assert_eq!(err(br#"{"a": 01}"#), ParseErrorKind::UnexpectedByte);
        assert_eq!(err(br#"{"a": 1.}"#), ParseErrorKind::InvalidNumber);
        assert_eq!(err(br#"{"a": "\x"}"#), ParseErrorKind::InvalidEscape);
        assert_eq!(err(br#"{"a": "\ud800"}"#), ParseErrorKind::InvalidEscape);
        assert_eq!(err(b"{\"a\": \"b\0\"}"), ParseErrorKind::ControlCharacterInString);
        assert_eq!(err(b"{} x"), ParseErrorKind::TrailingCharacters);
        assert_eq!(err(b"{\"a\": \"\xff\"}"), ParseErrorKind::InvalidUtf8);
        assert_eq!(err(b""), ParseErrorKind::UnexpectedEnd);
        assert_eq!(err(b"{,}"), ParseErrorKind::UnexpectedByte);
    }

    #[test]
    fn bounds_depth_without_recursing_past_the_limit() {
        let deep = "[".repeat(20_000) + &"]".repeat(20_000);
        assert_eq!(
            parse(deep.as_bytes(), 64).unwrap_err().kind,
            ParseErrorKind::TooDeep { limit: 64 }
        );
        let fine = "[".repeat(64) + &"]".repeat(64);
        assert!(parse(fine.as_bytes(), 64).is_ok());
    }

    #[test]
    fn reports_utf8_error_offset() {
        let e = parse(b"{\"k\": \"ab\xc3\"}", 8).unwrap_err();
        assert_eq!(
            e,
            ParseError {
                offset: 9,
                kind: ParseErrorKind::InvalidUtf8
            }
        );
    }
}
