//! Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, `${*}`).
//!
//! Substituted values are literal: a tag value containing `*` must not turn into a wildcard,
//! and `${*}` is the documented way to write a literal asterisk inside a pattern.

use super::context::{Lookup, RequestContext};
use super::glob::{self, Tok};

/// Why a variable could not be substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// The key is known to be absent and has no default: the value matches nothing.
    Absent,
    /// The key's value is not known: the match is undecided on this key.
    Unknown(String),
}

enum Piece<'a> {
    Text(&'a str),
    Literal(&'a str),
    Var {
        key: &'a str,
        default: Option<&'a str>,
    },
}

fn pieces(raw: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        let inner = &rest[start + 2..start + len];
        out.push(match inner {
            "*" | "?" | "$" => Piece::Literal(inner),
            _ => match inner.split_once(',') {
                Some((key, default)) => {
                    let d = default.trim();
                    let d = d
                        .strip_prefix('\'')
                        .and_then(|d| d.strip_suffix('\''))
                        .unwrap_or(d);
                    Piece::Var {
                        key: key.trim(),
                        default: Some(d),
                    }
                }
                None => Piece::Var {
                    key: inner.trim(),
                    default: None,
                },
            },
        });
        rest = &rest[start + len + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

fn value_of(key: &str, default: Option<&str>, ctx: &RequestContext) -> Result<String, Missing> {
    match ctx.lookup(key) {
        // Multi-valued keys cannot be used as variables; the first value is the best reading.
        Lookup::Present(v) if !v.is_empty() => Ok(v[0].clone()),
        Lookup::Present(_) | Lookup::Absent => default.map(str::to_string).ok_or(Missing::Absent),
        Lookup::Unknown => Err(Missing::Unknown(key.to_string())),
    }
}

/// Substitutes variables into plain text (for equality operators, no wildcards).
pub fn resolve_string(raw: &str, ctx: &RequestContext) -> Result<String, Missing> {
    let mut out = String::with_capacity(raw.len());
    for piece in pieces(raw) {
        match piece {
            Piece::Text(t) | Piece::Literal(t) => out.push_str(t),
            Piece::Var { key, default } => out.push_str(&value_of(key, default, ctx)?),
        }
    }
    Ok(out)
}

/// Substitutes variables into a wildcard pattern: text keeps `*`/`?` as wildcards,
/// substituted values and `${*}` stay literal.
pub fn resolve_tokens(
    raw: &str,
    ctx: &RequestContext,
    lowercase: bool,
) -> Result<Vec<Tok>, Missing> {
    let mut out = Vec::with_capacity(raw.len());
    for piece in pieces(raw) {
        match piece {
            Piece::Text(t) => glob::push_pattern(&mut out, t, lowercase),
            Piece::Literal(t) => glob::push_literal(&mut out, t, lowercase),
            Piece::Var { key, default } => {
                glob::push_literal(&mut out, &value_of(key, default, ctx)?, lowercase)
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::context::Principal;

    #[test]
    fn substitution() {
        let ctx = RequestContext::new(
            Principal::user("arn:aws:iam::1:user/bob"),
            "s3:GetObject",
            "*",
        );
        assert_eq!(
            resolve_string("home/${aws:username}/", &ctx),
            Ok("home/bob/".into())
        );
        assert_eq!(
            resolve_string("${aws:SourceIp}", &ctx),
            Err(Missing::Unknown("aws:SourceIp".into()))
        );
        assert_eq!(
            resolve_string("${aws:PrincipalTag/x, 'dflt'}", &ctx),
            Err(Missing::Unknown("aws:PrincipalTag/x".into()))
        );
        let tagged = RequestContext::new(
            Principal::user("arn:aws:iam::1:user/bob").with_tags([("a", "b")]),
            "x:y",
            "*",
        );
        assert_eq!(
            resolve_string("${aws:PrincipalTag/x, 'dflt'}", &tagged),
            Ok("dflt".into())
        );
        assert_eq!(
            resolve_string("${aws:PrincipalTag/x}", &tagged),
            Err(Missing::Absent)
        );
        let toks = resolve_tokens("a${*}b*", &ctx, false).expect("resolves");
        assert!(glob::matches(&toks, b"a*bzzz"));
        assert!(!glob::matches(&toks, b"aXbzzz"));
        assert_eq!(
            resolve_string("unterminated ${aws:username", &ctx),
            Ok("unterminated ${aws:username".into())
        );
    }
}
