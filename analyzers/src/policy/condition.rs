//! Condition operators and their three-valued evaluation.
//!
//! Semantics follow the IAM reference ("Condition operators", "Multivalued context keys"):
//! - several values for one key are ORed; for negated operators the result is the
//!   negation of that OR (a value must match *none*), which AWS describes as AND/NOR;
//! - several keys, and several operators, are ANDed;
//! - a key absent from the request makes positive operators false and negated operators
//!   true, except `...IfExists` (absent -> true) and `Null` (tests absence itself);
//! - `ForAnyValue` over an absent/empty key is false, `ForAllValues` is true;
//! - a key we do not know makes the condition Unknown, never silently true or false.

use std::net::IpAddr;

use chrono::{DateTime, NaiveDate, Utc};
use ipnet::IpNet;

use super::arn;
use super::context::{Lookup, RequestContext};
use super::document::ValuePattern;
use super::glob;
use super::tri::Tri;
use super::variables::{self, Missing};

/// The operator family, without set qualifier or `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

impl BaseOperator {
    fn parse(name: &str) -> Option<Self> {
        use BaseOperator::*;
        Some(match name {
            "StringEquals" => StringEquals,
            "StringNotEquals" => StringNotEquals,
            "StringEqualsIgnoreCase" => StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => StringNotEqualsIgnoreCase,
            "StringLike" => StringLike,
            "StringNotLike" => StringNotLike,
            "NumericEquals" => NumericEquals,
            "NumericNotEquals" => NumericNotEquals,
            "NumericLessThan" => NumericLessThan,
            "NumericLessThanEquals" => NumericLessThanEquals,
            "NumericGreaterThan" => NumericGreaterThan,
            "NumericGreaterThanEquals" => NumericGreaterThanEquals,
            "DateEquals" => DateEquals,
            "DateNotEquals" => DateNotEquals,
            "DateLessThan" => DateLessThan,
            "DateLessThanEquals" => DateLessThanEquals,
            "DateGreaterThan" => DateGreaterThan,
            "DateGreaterThanEquals" => DateGreaterThanEquals,
            "Bool" => Bool,
            "BinaryEquals" => BinaryEquals,
            "IpAddress" => IpAddress,
            "NotIpAddress" => NotIpAddress,
            "ArnEquals" => ArnEquals,
            "ArnLike" => ArnLike,
            "ArnNotEquals" => ArnNotEquals,
            "ArnNotLike" => ArnNotLike,
            "Null" => Null,
            _ => return None,
        })
    }

    /// For negated operators, the positive operator whose result they negate.
    pub fn positive(self) -> (BaseOperator, bool) {
        use BaseOperator::*;
        match self {
            StringNotEquals => (StringEquals, true),
            StringNotEqualsIgnoreCase => (StringEqualsIgnoreCase, true),
            StringNotLike => (StringLike, true),
            NumericNotEquals => (NumericEquals, true),
            DateNotEquals => (DateEquals, true),
            NotIpAddress => (IpAddress, true),
            ArnNotEquals => (ArnEquals, true),
            ArnNotLike => (ArnLike, true),
            other => (other, false),
        }
    }
}

/// `ForAnyValue:` / `ForAllValues:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// No qualifier: a single-valued comparison.
    Single,
    /// At least one request value must satisfy the operator.
    ForAnyValue,
    /// Every request value must satisfy the operator.
    ForAllValues,
}

/// A full condition operator such as `ForAllValues:StringLikeIfExists`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Operator {
    /// As written.
    pub raw: String,
    /// Family.
    pub base: BaseOperator,
    /// Set qualifier.
    pub qualifier: SetQualifier,
    /// `...IfExists` suffix.
    pub if_exists: bool,
}

impl Operator {
    /// Parses an operator name; `None` for names IAM does not define.
    pub fn parse(raw: &str) -> Option<Self> {
        let (qualifier, rest) = if let Some(r) = raw.strip_prefix("ForAnyValue:") {
            (SetQualifier::ForAnyValue, r)
        } else if let Some(r) = raw.strip_prefix("ForAllValues:") {
            (SetQualifier::ForAllValues, r)
        } else {
            (SetQualifier::Single, raw)
        };
        let (if_exists, name) = match rest.strip_suffix("IfExists") {
            Some(n) if n != "Null" => (true, n),
            _ => (false, rest),
        };
        Some(Operator {
            raw: raw.to_string(),
            base: BaseOperator::parse(name)?,
            qualifier,
            if_exists,
        })
    }
}

/// One operator/key pair with its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The operator.
    pub operator: Operator,
    /// The condition key as written.
    pub key: String,
    /// Policy values.
    pub values: Vec<ValuePattern>,
}

impl Condition {
    /// Builds a condition; `variables` tells whether `${...}` is substituted.
    pub fn new(operator: Operator, key: &str, values: Vec<String>, variables: bool) -> Self {
        Condition {
            operator,
            key: key.to_string(),
            values: values
                .iter()
                .map(|v| ValuePattern::new(v, variables))
                .collect(),
        }
    }

    /// Evaluates this condition against a request.
    pub fn evaluate(&self, ctx: &RequestContext) -> Tri {
        let op = &self.operator;
        let found = ctx.lookup(&self.key);
        if op.base == BaseOperator::Null {
            return self.null_check(&found);
        }
        let (positive, negated) = op.base.positive();
        let request_values = match found {
            Lookup::Unknown if self.never_holds_before(ctx) => return Tri::False,
            Lookup::Unknown => return Tri::unknown(self.key.clone()),
            Lookup::Present(v) if !v.is_empty() => v,
            // Absent (or present with no values).
            _ => {
                if op.if_exists {
                    return Tri::True;
                }
                return Tri::from_bool(match op.qualifier {
                    SetQualifier::ForAllValues => true,
                    SetQualifier::ForAnyValue => false,
                    SetQualifier::Single => negated,
                });
            }
        };
        // One request value against all policy values: OR for positive operators, NOR for
        // negated ones.
        let one = |value: &str| -> Tri {
            let mut any = Tri::False;
            for pv in &self.values {
                any = any.or(compare(positive, value, pv, ctx));
                if any.is_true() {
                    break;
                }
            }
            if negated { any.negate() } else { any }
        };
        match op.qualifier {
            SetQualifier::ForAllValues => request_values
                .iter()
                .fold(Tri::True, |acc, v| acc.and(one(v))),
            // A multi-valued key without qualifier behaves like ForAnyValue for positive
            // operators; for negated ones no request value may match.
            SetQualifier::Single if negated => request_values
                .iter()
                .fold(Tri::True, |acc, v| acc.and(one(v))),
            SetQualifier::Single | SetQualifier::ForAnyValue => request_values
                .iter()
                .fold(Tri::False, |acc, v| acc.or(one(v))),
        }
    }

    /// A date key whose value cannot be later than the request time (`aws:TokenIssueTime`)
    /// compared as later than (or equal to) dates that are all in the future: whatever its
    /// unknown value, the condition cannot hold.
    fn never_holds_before(&self, ctx: &RequestContext) -> bool {
        let Some(now) = ctx.now else { return false };
        if !self.key.eq_ignore_ascii_case("aws:TokenIssueTime")
            || self.operator.qualifier != SetQualifier::Single
        {
            return false;
        }
        let (positive, negated) = self.operator.base.positive();
        if negated
            || !matches!(
                positive,
                BaseOperator::DateGreaterThan
                    | BaseOperator::DateGreaterThanEquals
                    | BaseOperator::DateEquals
            )
        {
            return false;
        }
        !self.values.is_empty()
            && self
                .values
                .iter()
                .all(|pv| pv.tokens.is_some() && parse_date(&pv.raw).is_some_and(|d| d > now))
    }

    fn null_check(&self, found: &Lookup) -> Tri {
        let absent = match found {
            Lookup::Unknown => return Tri::unknown(self.key.clone()),
            Lookup::Present(v) => v.is_empty(),
            Lookup::Absent => true,
        };
        let mut any = Tri::False;
        for pv in &self.values {
            let wants_absent = pv.raw.eq_ignore_ascii_case("true");
            any = any.or(Tri::from_bool(wants_absent == absent));
        }
        any
    }
}

fn missing(m: Missing) -> Tri {
    match m {
        Missing::Absent => Tri::False,
        Missing::Unknown(key) => Tri::unknown(key),
    }
}

/// Plain text of a policy value after variable substitution.
fn text_of(pv: &ValuePattern, ctx: &RequestContext) -> Result<String, Missing> {
    if pv.tokens.is_some() {
        Ok(pv.raw.clone())
    } else {
        variables::resolve_string(&pv.raw, ctx)
    }
}

fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok()
}

fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(secs) = s.parse::<i64>() {
        return DateTime::from_timestamp(secs, 0);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|dt| dt.and_utc());
    }
    None
}

fn parse_network(s: &str) -> Option<IpNet> {
    let s = s.trim();
    s.parse::<IpNet>()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
}

/// Positive comparison of one request value with one policy value.
fn compare(op: BaseOperator, value: &str, pv: &ValuePattern, ctx: &RequestContext) -> Tri {
    use BaseOperator::*;
    match op {
        StringEquals | BinaryEquals => match text_of(pv, ctx) {
            Ok(t) => Tri::from_bool(t == value),
            Err(m) => missing(m),
        },
        StringEqualsIgnoreCase => match text_of(pv, ctx) {
            Ok(t) => Tri::from_bool(t.to_lowercase() == value.to_lowercase()),
            Err(m) => missing(m),
        },
        Bool => match text_of(pv, ctx) {
            Ok(t) => Tri::from_bool(t.eq_ignore_ascii_case(value.trim())),
            Err(m) => missing(m),
        },
        StringLike => {
            let tokens = match &pv.tokens {
                Some(t) => std::borrow::Cow::Borrowed(t),
                None => match variables::resolve_tokens(&pv.raw, ctx, false) {
                    Ok(t) => std::borrow::Cow::Owned(t),
                    Err(m) => return missing(m),
                },
            };
            Tri::from_bool(glob::matches(&tokens, value.as_bytes()))
        }
        ArnEquals | ArnLike => {
            let tokens = match &pv.tokens {
                Some(t) => std::borrow::Cow::Borrowed(t),
                None => match variables::resolve_tokens(&pv.raw, ctx, false) {
                    Ok(t) => std::borrow::Cow::Owned(t),
                    Err(m) => return missing(m),
                },
            };
            Tri::from_bool(arn::matches(&tokens, value))
        }
        NumericEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => {
            let (Some(a), Some(b)) = (parse_number(value), parse_number(&pv.raw)) else {
                return Tri::False;
            };
            Tri::from_bool(match op {
                NumericEquals => a == b,
                NumericLessThan => a < b,
                NumericLessThanEquals => a <= b,
                NumericGreaterThan => a > b,
                _ => a >= b,
            })
        }
        DateEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => {
            let (Some(a), Some(b)) = (parse_date(value), parse_date(&pv.raw)) else {
                return Tri::False;
            };
            Tri::from_bool(match op {
                DateEquals => a == b,
                DateLessThan => a < b,
                DateLessThanEquals => a <= b,
                DateGreaterThan => a > b,
                _ => a >= b,
            })
        }
        IpAddress => {
            let (Some(net), Ok(addr)) = (parse_network(&pv.raw), value.trim().parse::<IpAddr>())
            else {
                return Tri::False;
            };
            Tri::from_bool(net.contains(&addr))
        }
        // Negated operators and Null never reach here: `positive()` mapped them.
        _ => Tri::False,
    }
}

/// Evaluates every condition of a statement (AND).
pub fn evaluate_all(conditions: &[Condition], ctx: &RequestContext) -> Tri {
    let mut acc = Tri::True;
    for c in conditions {
        acc = acc.and(c.evaluate(ctx));
        if acc.is_false() {
            return Tri::False;
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::context::Principal;

    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        Condition::new(
            Operator::parse(op).expect("known operator"),
            key,
            values.iter().map(|s| s.to_string()).collect(),
            true,
        )
    }

    fn ctx() -> RequestContext {
        RequestContext::new(
            Principal::user("arn:aws:iam::1:user/bob"),
            "s3:GetObject",
            "*",
        )
    }

    #[test]
    fn operator_parsing() {
        let op = Operator::parse("ForAllValues:StringLikeIfExists").expect("parses");
        assert_eq!(op.base, BaseOperator::StringLike);
        assert_eq!(op.qualifier, SetQualifier::ForAllValues);
        assert!(op.if_exists);
        assert!(Operator::parse("StringLikeish").is_none());
        assert!(Operator::parse("NullIfExists").is_none());
    }

    #[test]
    fn negated_values_are_nor() {
        let c = cond("StringNotEquals", "k", &["a", "b"]);
        assert_eq!(c.evaluate(&ctx().with_key("k", ["a"])), Tri::False);
        assert_eq!(c.evaluate(&ctx().with_key("k", ["c"])), Tri::True);
        assert_eq!(c.evaluate(&ctx().complete()), Tri::True);
        assert_eq!(c.evaluate(&ctx()), Tri::unknown("k"));
    }

    #[test]
    fn ip_and_dates() {
        let c = cond("IpAddress", "aws:SourceIp", &["10.0.0.0/8", "192.0.2.1"]);
        assert_eq!(
            c.evaluate(&ctx().with_key("aws:SourceIp", ["10.2.3.4"])),
            Tri::True
        );
        assert_eq!(
            c.evaluate(&ctx().with_key("aws:SourceIp", ["192.0.2.1"])),
            Tri::True
        );
        assert_eq!(
            c.evaluate(&ctx().with_key("aws:SourceIp", ["192.0.2.2"])),
            Tri::False
        );
        let d = cond("DateLessThan", "aws:CurrentTime", &["2020-01-01T00:00:00Z"]);
        assert_eq!(
            d.evaluate(&ctx().with_key("aws:CurrentTime", ["2019-06-01T00:00:00Z"])),
            Tri::True
        );
        assert_eq!(
            d.evaluate(&ctx().with_key("aws:CurrentTime", ["1600000000"])),
            Tri::False
        );
    }
}
