//! The connection-string lexer, written with nom. The grammar is `grammar/connection-string.ebnf`.
//!
//! This layer only splits text into `(key, value)` pairs with their byte offsets; validating keys
//! against the catalog and values against their types happens in [`super::Config::parse`].

use nom::{
    IResult, Parser,
    branch::alt,
    bytes::complete::{is_not, tag, tag_no_case, take_till},
    character::complete::multispace0,
    combinator::{opt, value},
    multi::fold_many0,
};

use crate::error::ConnectionStringErrorKind;

/// One `key=value` pair as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawPair {
    /// The key with all whitespace removed.
    pub key: String,
    /// Byte offset of the key's first non-space character.
    pub key_offset: usize,
    /// The value: unquoted and trimmed, or the inside of quotes/braces with doubled quotes folded.
    pub value: String,
    /// Byte offset of the value's first character (the opening quote for quoted values).
    pub value_offset: usize,
}

/// A lexing failure: what and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    pub kind: ConnectionStringErrorKind,
    pub offset: usize,
    /// Start of the key of the pair being read, so excerpts can mask secret values.
    pub pair_start: usize,
}

/// Text inside `open ... close` where a doubled `close` stands for one literal `close`.
fn delimited_body(open: char, close: char) -> impl FnMut(&str) -> IResult<&str, String> {
    let (close_str, doubled): (&'static str, &'static str) = match close {
        '\'' => ("'", "''"),
        '"' => ("\"", "\"\""),
        _ => ("}", "}}"),
    };
    move |input: &str| {
        let (rest, _) = nom::character::complete::char(open).parse(input)?;
        let (rest, body) = fold_many0(
            alt((is_not(close_str), value(close_str, tag(doubled)))),
            String::new,
            |mut acc: String, piece: &str| {
                acc.push_str(piece);
                acc
            },
        )
        .parse(rest)?;
        let (rest, _) = nom::character::complete::char(close).parse(rest)?;
        Ok((rest, body))
    }
}

fn jdbc_prefix(input: &str) -> IResult<&str, Option<&str>> {
    let (rest, _) = multispace0(input)?;
    opt(alt((
        tag_no_case("jdbc:cdata:zohobooks:"),
        tag_no_case("jdbc:zohobooks:"),
    )))
    .parse(rest)
}

/// Splits a connection string into pairs. Empty segments are skipped; a JDBC prefix is stripped.
pub(crate) fn lex(input: &str) -> Result<Vec<RawPair>, LexError> {
    let offset_of = |rest: &str| input.len() - rest.len();
    let mut pairs = Vec::new();
    let mut rest = match jdbc_prefix(input) {
        Ok((rest, _)) => rest,
        Err(_) => input,
    };
    loop {
        // Skip whitespace and empty segments.
        let (r, _) = multispace0::<_, nom::error::Error<&str>>(rest).unwrap_or((rest, ""));
        rest = r;
        if rest.is_empty() {
            return Ok(pairs);
        }
        if let Some(r) = rest.strip_prefix(';') {
            rest = r;
            continue;
        }
        let pair_start = offset_of(rest);
        let (r, raw_key) =
            take_till::<_, _, nom::error::Error<&str>>(|c| c == '=' || c == ';')(rest)
                .unwrap_or((rest, ""));
        let key = super::properties::normalize_name(raw_key);
        let Some(after_eq) = r.strip_prefix('=') else {
            return Err(LexError {
                kind: ConnectionStringErrorKind::MissingEquals,
                offset: offset_of(r),
                pair_start,
            });
        };
        if key.is_empty() {
            return Err(LexError {
                kind: ConnectionStringErrorKind::EmptyKey,
                offset: pair_start,
                pair_start,
            });
        }
        let (after_ws, _) =
            nom::character::complete::space0::<_, nom::error::Error<&str>>(after_eq)
                .unwrap_or((after_eq, ""));
        let value_offset = offset_of(after_ws);
        let first = after_ws.chars().next();
        let (r, value) = match first {
            Some(q @ ('\'' | '"')) => match delimited_body(q, q)(after_ws) {
                Ok(ok) => ok,
                Err(_) => {
                    return Err(LexError {
                        kind: ConnectionStringErrorKind::UnterminatedQuote { quote: q },
                        offset: value_offset,
                        pair_start,
                    });
                }
            },
            Some('{') => match delimited_body('{', '}')(after_ws) {
                Ok(ok) => ok,
                Err(_) => {
                    return Err(LexError {
                        kind: ConnectionStringErrorKind::UnterminatedBrace,
                        offset: value_offset,
                        pair_start,
                    });
                }
            },
            _ => {
                let (r, v) = take_till::<_, _, nom::error::Error<&str>>(|c| c == ';')(after_ws)
                    .unwrap_or((after_ws, ""));
                (r, v.trim().to_owned())
            }
        };
        // After a quoted value only whitespace may come before ';' or the end.
        let (r, _) = multispace0::<_, nom::error::Error<&str>>(r).unwrap_or((r, ""));
        if !r.is_empty() && !r.starts_with(';') {
            return Err(LexError {
                kind: ConnectionStringErrorKind::TextAfterQuote,
                offset: offset_of(r),
                pair_start,
            });
        }
        let key_offset = pair_start + (raw_key.len() - raw_key.trim_start().len());
        pairs.push(RawPair {
            key,
            key_offset,
            value,
            value_offset,
        });
        rest = r;
    }
}

/// Whether a value must be quoted to print back unchanged.
pub(crate) fn needs_quotes(value: &str) -> bool {
    value.is_empty()
        || value.trim() != value
        || value.starts_with(['\'', '"', '{'])
        || value.contains(|c: char| c == ';' || c.is_control())
}

/// Quotes a value for a connection string when needed: `'...'` with `'` doubled.
pub(crate) fn quote_value(value: &str) -> String {
    if needs_quotes(value) {
        format!("'{}'", value.replace('\'', "''"))
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(s: &str) -> Vec<(String, String)> {
        lex(s)
            .unwrap()
            .into_iter()
            .map(|p| (p.key, p.value))
            .collect()
    }

    #[test]
    fn basic_pairs_and_offsets() {
        let pairs = lex("  A = 1 ;B=two").unwrap();
        assert_eq!(pairs[0].key, "A");
        assert_eq!(pairs[0].key_offset, 2);
        assert_eq!(pairs[0].value, "1");
        assert_eq!(pairs[0].value_offset, 6);
        assert_eq!(pairs[1].value, "two");
    }

    #[test]
    fn quotes_braces_and_escapes() {
        assert_eq!(
            kv("A='it''s; = ok '"),
            vec![("A".into(), "it's; = ok ".into())]
        );
        assert_eq!(
            kv("A=\"say \"\"hi\"\"\""),
            vec![("A".into(), "say \"hi\"".into())]
        );
        assert_eq!(kv("A={x;}}y}"), vec![("A".into(), "x;}y".into())]);
    }

    #[test]
    fn errors_have_kinds_and_offsets() {
        let e = lex("A=1;B").unwrap_err();
        assert_eq!(e.kind, ConnectionStringErrorKind::MissingEquals);
        assert_eq!(e.offset, 5);
        let e = lex("A='abc").unwrap_err();
        assert_eq!(
            e.kind,
            ConnectionStringErrorKind::UnterminatedQuote { quote: '\'' }
        );
        assert_eq!(e.offset, 2);
        let e = lex("A='abc' x").unwrap_err();
        assert_eq!(e.kind, ConnectionStringErrorKind::TextAfterQuote);
        assert_eq!(e.offset, 8);
        assert_eq!(
            lex(" =1").unwrap_err().kind,
            ConnectionStringErrorKind::EmptyKey
        );
        assert_eq!(
            lex("A={x").unwrap_err().kind,
            ConnectionStringErrorKind::UnterminatedBrace
        );
    }

    #[test]
    fn quoting_round_trips() {
        for v in [
            "plain",
            " lead",
            "semi;colon",
            "it's",
            "{brace",
            "\"dq",
            "tab\t",
        ] {
            let s = format!("K={}", quote_value(v));
            assert_eq!(kv(&s), vec![("K".into(), v.into())], "{s}");
        }
    }
}
