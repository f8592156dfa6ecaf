//! ARN parsing and segment-wise ARN wildcard matching.
//!
//! IAM compares ARNs component by component (`arn:partition:service:region:account:resource`),
//! so a `*` in the region never swallows the account; the resource component is everything
//! after the fifth colon and may itself contain colons.

use super::glob::{self, Tok};

/// The six components of an ARN, borrowed from the original string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: &'a str,
    /// Service namespace, e.g. `iam`.
    pub service: &'a str,
    /// Region, empty for global services.
    pub region: &'a str,
    /// Account id, empty for e.g. S3 buckets.
    pub account: &'a str,
    /// Resource part, e.g. `role/path/name`.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Parses `arn:...`; `None` when the text is not an ARN.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        })
    }

    /// Last path element of the resource (`role/a/b/name` -> `name`).
    pub fn resource_name(&self) -> &'a str {
        self.resource
            .rsplit(['/', ':'])
            .next()
            .unwrap_or(self.resource)
    }
}

/// Account id of an ARN, if it has one.
pub fn account_of(text: &str) -> Option<&str> {
    Arn::parse(text)
        .map(|a| a.account)
        .filter(|a| !a.is_empty())
}

/// Splits compiled pattern tokens at the first five literal colons.
pub fn split_tokens(tokens: &[Tok]) -> Vec<&[Tok]> {
    let mut parts = Vec::with_capacity(6);
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if parts.len() == 5 {
            break;
        }
        if *t == Tok::Lit(b':') {
            parts.push(&tokens[start..i]);
            start = i + 1;
        }
    }
    parts.push(&tokens[start..]);
    parts
}

/// Matches an ARN (or `*`) against compiled pattern tokens, segment by segment when both
/// sides have six components, otherwise as a whole string (e.g. pattern `*`).
pub fn matches(pattern: &[Tok], text: &str) -> bool {
    let pat_parts = split_tokens(pattern);
    if pat_parts.len() == 6 {
        let text_parts: Vec<&str> = text.splitn(6, ':').collect();
        if text_parts.len() == 6 {
            return pat_parts
                .iter()
                .zip(text_parts.iter())
                .all(|(p, t)| glob::matches(p, t.as_bytes()));
        }
    }
    glob::matches(pattern, text.as_bytes())
}

/// Convenience for uncompiled patterns.
pub fn matches_str(pattern: &str, text: &str) -> bool {
    matches(&glob::compile(pattern, false), text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_wise() {
        assert!(matches_str(
            "arn:aws:iam::*:role/admin",
            "arn:aws:iam::123:role/admin"
        ));
        // The account wildcard must not eat into the resource component.
        assert!(!matches_str(
            "arn:aws:iam::*:role/a",
            "arn:aws:iam::1:2:role/a"
        ));
        assert!(matches_str(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/a:b/c"
        ));
        assert!(!matches_str(
            "arn:aws:iam::123:role/Admin",
            "arn:aws:iam::123:role/admin"
        ));
        assert!(matches_str("*", "arn:aws:iam::123:role/admin"));
        assert!(!matches_str("arn:aws:s3:::*", "*"));
        assert!(matches_str(
            "arn:aws:iam::12?:role/*",
            "arn:aws:iam::123:role/x"
        ));
    }

    #[test]
    fn parse() {
        let a = Arn::parse("arn:aws:iam::123456789012:role/path/name").expect("valid arn");
        assert_eq!(a.account, "123456789012");
        assert_eq!(a.resource_name(), "name");
        assert!(Arn::parse("not-an-arn").is_none());
        assert_eq!(account_of("arn:aws:s3:::bucket"), None);
    }
}
