//! IAM wildcard matching (`*` and `?`).
//!
//! Hand-written rather than taken from a glob crate: IAM wildcards have no character
//! classes, no escapes and no path semantics (`*` crosses `/`), and policy variables such as
//! `${*}` must be able to inject a *literal* asterisk, which string-based glob crates cannot
//! express. Matching works on bytes; `?` consumes one whole UTF-8 character.

/// One element of a compiled wildcard pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tok {
    /// A literal byte.
    Lit(u8),
    /// `?`: exactly one character.
    One,
    /// `*`: any run of characters, including none.
    Many,
}

/// Compiles a pattern string in which `*` and `?` are wildcards.
pub fn compile(pattern: &str, lowercase: bool) -> Vec<Tok> {
    let mut out = Vec::with_capacity(pattern.len());
    push_pattern(&mut out, pattern, lowercase);
    out
}

/// Appends the tokens for `pattern` (with wildcards) to `out`.
pub fn push_pattern(out: &mut Vec<Tok>, pattern: &str, lowercase: bool) {
    for b in pattern.bytes() {
        out.push(match b {
            b'*' => Tok::Many,
            b'?' => Tok::One,
            _ if lowercase => Tok::Lit(b.to_ascii_lowercase()),
            _ => Tok::Lit(b),
        });
    }
}

/// Appends `text` as literal tokens (no wildcards), e.g. a substituted variable value.
pub fn push_literal(out: &mut Vec<Tok>, text: &str, lowercase: bool) {
    for b in text.bytes() {
        out.push(Tok::Lit(if lowercase { b.to_ascii_lowercase() } else { b }));
    }
}

/// True when the pattern has no wildcard token.
pub fn is_literal(pattern: &[Tok]) -> bool {
    pattern.iter().all(|t| matches!(t, Tok::Lit(_)))
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xff => 4,
        // A continuation byte is never a character start.
        _ => 0,
    }
}

/// Matches `text` against a compiled pattern. The caller lower-cases `text` when the
/// pattern was compiled lower-cased.
pub fn matches(pattern: &[Tok], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    // Position of the last `*` seen and the text offset it is currently assumed to end at;
    // classic single-star backtracking keeps the match linear-ish without recursion.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() {
            match pattern[p] {
                Tok::Many => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                Tok::One => {
                    let len = utf8_len(text[t]);
                    if len > 0 && t + len <= text.len() {
                        t += len;
                        p += 1;
                        continue;
                    }
                }
                Tok::Lit(b) => {
                    if text[t] == b {
                        p += 1;
                        t += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, st)) => {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while p < pattern.len() && pattern[p] == Tok::Many {
        p += 1;
    }
    p == pattern.len()
}

/// Convenience: matches a pattern string against text, optionally ignoring ASCII case.
pub fn matches_str(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let compiled = compile(pattern, ignore_case);
    if ignore_case {
        matches(&compiled, text.to_ascii_lowercase().as_bytes())
    } else {
        matches(&compiled, text.as_bytes())
    }
}

/// Whether some string matches both patterns (used to ask "which granted action patterns
/// overlap the pattern P"). Dynamic programming over both token lists.
pub fn overlaps(a: &[Tok], b: &[Tok]) -> bool {
    let (n, m) = (a.len(), b.len());
    // reach[i][j]: a[i..] and b[j..] can still produce a common suffix.
    let mut reach = vec![vec![false; m + 1]; n + 1];
    reach[n][m] = true;
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            if i == n && j == m {
                continue;
            }
            let ai = a.get(i).copied();
            let bj = b.get(j).copied();
            let mut ok = false;
            if ai == Some(Tok::Many) {
                // `*` in a matches nothing, or absorbs one char produced by b[j].
                ok |= reach[i + 1][j];
                if bj.is_some() {
                    ok |= reach[i][j + 1];
                }
            }
            if !ok && bj == Some(Tok::Many) {
                ok |= reach[i][j + 1];
                if ai.is_some() {
                    ok |= reach[i + 1][j];
                }
            }
            if !ok {
                if let (Some(x), Some(y)) = (ai, bj) {
                    let single = match (x, y) {
                        (Tok::Lit(p), Tok::Lit(q)) => p == q,
                        (Tok::Many, _) | (_, Tok::Many) => false,
                        _ => true,
                    };
                    ok = single && reach[i + 1][j + 1];
                }
            }
            reach[i][j] = ok;
        }
    }
    reach[0][0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_and_question() {
        assert!(matches_str("s3:Get*", "s3:GetObject", false));
        assert!(!matches_str("s3:Get*", "s3:PutObject", false));
        assert!(matches_str("s3:?etObject", "s3:GetObject", false));
        assert!(!matches_str("s3:?etObject", "s3:etObject", false));
        assert!(matches_str("*", "", false));
        assert!(matches_str("a*b*c", "aXXbYYc", false));
        assert!(!matches_str("a*b*c", "aXXbYY", false));
        assert!(matches_str("IAM:*user*", "iam:CreateUser", true));
        assert!(!matches_str("IAM:*user*", "iam:CreateUser", false));
        assert!(matches_str("caf?", "café", false));
    }

    #[test]
    fn overlap() {
        let c = |s: &str| compile(s, true);
        assert!(overlaps(&c("iam:*"), &c("iam:Put*Policy")));
        assert!(overlaps(&c("*"), &c("s3:get?")));
        assert!(!overlaps(&c("s3:*"), &c("iam:*")));
        assert!(overlaps(&c("iam:*Policy"), &c("iam:Attach*")));
        assert!(!overlaps(&c("iam:a?"), &c("iam:abc")));
        assert!(overlaps(&c("iam:a??"), &c("iam:*c")));
    }
}
