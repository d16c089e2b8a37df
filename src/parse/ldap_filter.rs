//! RFC 4515 LDAP search filters, as text: parsed to a tree that borrows its values, and rendered
//! back with every assertion value passed through a function (to hide it under the restricted
//! profile while the filter's structure stays readable: `(&(objectClass=user)(mail=…))`).

use nom::{
    IResult, Parser,
    branch::alt,
    bytes::complete::{tag, take_while, take_while1},
    character::complete::char,
    combinator::{all_consuming, opt, recognize},
    error::{Error, ErrorKind},
    multi::many0,
    sequence::{delimited, preceded},
};

/// How deep `&`, `|` and `!` may nest.
pub const MAX_DEPTH: usize = 32;

/// A parsed filter. Values are the escaped text as written (`\2a` stays `\2a`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter<'a> {
    And(Vec<Filter<'a>>),
    Or(Vec<Filter<'a>>),
    Not(Box<Filter<'a>>),
    /// `attr=value`, `attr~=value`, `attr>=value`, `attr<=value`.
    Compare {
        attr: &'a str,
        op: &'static str,
        value: &'a str,
    },
    /// `attr=*`.
    Present {
        attr: &'a str,
    },
    /// `attr=initial*any*...*final`.
    Substrings {
        attr: &'a str,
        initial: &'a str,
        any: Vec<&'a str>,
        last: &'a str,
    },
    /// `attr:dn:rule:=value` (attr or rule may be absent).
    Extensible {
        attr: &'a str,
        dn: bool,
        rule: &'a str,
        value: &'a str,
    },
}

/// Parses a complete filter (surrounding whitespace allowed); `None` when it is not one.
pub fn parse_filter(text: &str) -> Option<Filter<'_>> {
    all_consuming(delimited(
        take_while(|c| c == ' '),
        |i| filter(i, 0),
        take_while(|c| c == ' '),
    ))
    .parse(text)
    .ok()
    .map(|(_, f)| f)
}

fn filter(i: &str, depth: usize) -> IResult<&str, Filter<'_>> {
    if depth > MAX_DEPTH {
        return Err(nom::Err::Failure(Error::new(i, ErrorKind::TooLarge)));
    }
    delimited(char('('), |i| component(i, depth), char(')')).parse(i)
}

fn component(i: &str, depth: usize) -> IResult<&str, Filter<'_>> {
    alt((
        preceded(char('&'), many0(|i| filter(i, depth + 1))).map(Filter::And),
        preceded(char('|'), many0(|i| filter(i, depth + 1))).map(Filter::Or),
        preceded(char('!'), |i| filter(i, depth + 1)).map(|f| Filter::Not(Box::new(f))),
        extensible,
        item,
    ))
    .parse(i)
}

/// `attr` with options: `cn`, `mail;binary`, `1.2.840.113556.1.4.8`.
fn attribute(i: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == ';' || c == '_').parse(i)
}

/// Escaped value text: anything but `(`, `)`, `*`, NUL; `\` must start a two-hex-digit escape.
fn value(i: &str) -> IResult<&str, &str> {
    recognize(many0(alt((
        take_while1(|c: char| !matches!(c, '(' | ')' | '*' | '\\' | '\0')),
        recognize((char('\\'), hex_digit, hex_digit)),
    ))))
    .parse(i)
}

fn hex_digit(i: &str) -> IResult<&str, char> {
    nom::character::complete::satisfy(|c| c.is_ascii_hexdigit()).parse(i)
}

fn item(i: &str) -> IResult<&str, Filter<'_>> {
    let (i, attr) = attribute(i)?;
    let (i, op) = alt((tag("~="), tag(">="), tag("<="), tag("="))).parse(i)?;
    if op != "=" {
        let (i, v) = value(i)?;
        let op = match op {
            "~=" => "~=",
            ">=" => ">=",
            _ => "<=",
        };
        return Ok((i, Filter::Compare { attr, op, value: v }));
    }
    let (i, first) = value(i)?;
    let (i, rest) = many0(preceded(char('*'), value)).parse(i)?;
    Ok((
        i,
        match rest.len() {
            0 => Filter::Compare {
                attr,
                op: "=",
                value: first,
            },
            1 if first.is_empty() && rest[0].is_empty() => Filter::Present { attr },
            _ => {
                let mut any = rest;
                let last = any.pop().unwrap_or("");
                Filter::Substrings {
                    attr,
                    initial: first,
                    any,
                    last,
                }
            }
        },
    ))
}

fn extensible(i: &str) -> IResult<&str, Filter<'_>> {
    let (i, attr) = opt(attribute).parse(i)?;
    let (i, dn) = opt(tag(":dn")).parse(i)?;
    let (i, rule) = opt(preceded(
        char(':'),
        take_while1(|c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-'),
    ))
    .parse(i)?;
    let (i, _) = tag(":=").parse(i)?;
    if attr.is_none() && rule.is_none() {
        return Err(nom::Err::Error(Error::new(i, ErrorKind::Verify)));
    }
    let (i, v) = value(i)?;
    Ok((
        i,
        Filter::Extensible {
            attr: attr.unwrap_or(""),
            dn: dn.is_some(),
            rule: rule.unwrap_or(""),
            value: v,
        },
    ))
}

impl Filter<'_> {
    /// The filter as text, every assertion value replaced by `hide(attribute, value)`.
    pub fn render(&self, hide: &dyn Fn(&str, &str) -> String) -> String {
        let mut out = String::new();
        self.render_into(&mut out, hide);
        out
    }

    fn render_into(&self, out: &mut String, hide: &dyn Fn(&str, &str) -> String) {
        out.push('(');
        match self {
            Filter::And(fs) | Filter::Or(fs) => {
                out.push(if matches!(self, Filter::And(_)) { '&' } else { '|' });
                for f in fs {
                    f.render_into(out, hide);
                }
            }
            Filter::Not(f) => {
                out.push('!');
                f.render_into(out, hide);
            }
            Filter::Compare { attr, op, value } => {
                out.push_str(attr);
                out.push_str(op);
                out.push_str(&hide(attr, value));
            }
            Filter::Present { attr } => {
                out.push_str(attr);
                out.push_str("=*");
            }
            Filter::Substrings {
                attr,
                initial,
                any,
                last,
            } => {
                out.push_str(attr);
                out.push('=');
                let part = |v: &str| if v.is_empty() { String::new() } else { hide(attr, v) };
                out.push_str(&part(initial));
                for a in any {
                    out.push('*');
                    out.push_str(&part(a));
                }
                out.push('*');
                out.push_str(&part(last));
            }
            Filter::Extensible { attr, dn, rule, value } => {
                out.push_str(attr);
                if *dn {
                    out.push_str(":dn");
                }
                if !rule.is_empty() {
                    out.push(':');
                    out.push_str(rule);
                }
                out.push_str(":=");
                out.push_str(&hide(attr, value));
            }
        }
        out.push(')');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(v: &str) -> String {
        v.to_owned()
    }

    fn round_trip(f: &str) {
        let parsed = parse_filter(f).unwrap_or_else(|| panic!("{f}"));
        assert_eq!(parsed.render(&|_, v| same(v)), f);
    }

    #[test]
    fn every_filter_form_round_trips() {
        for f in [
            "(&(objectClass=user)(mail=coryweb*))",
            "(|(cn=O\\27Brien)(mail=ob*@acme.com))",
            "(!(userAccountControl:1.2.840.113556.1.4.803:=2))",
            "(cn=*)",
            "(cn=*a*b*)",
            "(cn=a*b*c)",
            "(sn~=smith)",
            "(uSNChanged>=1000)",
            "(uSNChanged<=2000)",
            "(cn:dn:=Jane)",
            "(:dn:2.5.13.5:=x)",
            "(cn=\\2a\\28literal\\29)",
            "(&)",
            "(sAMAccountName=jdoe)",
            "(memberOf:1.2.840.113556.1.4.1941:=CN=Admins,OU=Groups,DC=acme,DC=com)",
        ] {
            round_trip(f);
        }
    }

    #[test]
    fn structure_of_the_vendor_example() {
        let f = parse_filter("(&(objectClass=user)(mail=coryweb*))").unwrap();
        assert_eq!(
            f,
            Filter::And(vec![
                Filter::Compare {
                    attr: "objectClass",
                    op: "=",
                    value: "user"
                },
                Filter::Substrings {
                    attr: "mail",
                    initial: "coryweb",
                    any: vec![],
                    last: ""
                },
            ])
        );
        let hidden = f.render(&|a, v| {
            if a == "objectClass" {
                v.to_owned()
            } else {
                "…".to_owned()
            }
        });
        assert_eq!(hidden, "(&(objectClass=user)(mail=…*))");
    }

    #[test]
    fn rejects_malformed_filters() {
        for bad in [
            "",
            "cn=x",
            "(cn=x",
            "(cn=x))",
            "(&(cn=x)",
            "(cn=a\\2)",
            "(cn=a\\zz)",
            "((cn=x))",
            "(=x)",
            "(:=x)",
        ] {
            assert!(parse_filter(bad).is_none(), "{bad:?}");
        }
        let deep = "(!".repeat(1000) + "(cn=x)" + &")".repeat(1000);
        assert!(parse_filter(&deep).is_none());
    }
}
