//! Property tests of the evaluator's monotonicity and order-independence.

use pathwarden_analyzers::policy::{
    Decision, NamedPolicy, PolicyDocument, PolicySet, Principal, RequestContext, evaluate,
};
use proptest::prelude::*;
use serde_json::{Value, json};

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "iam:PassRole",
    "ec2:RunInstances",
    "sts:AssumeRole",
];
const ACTION_PATTERNS: &[&str] = &[
    "*",
    "s3:*",
    "s3:Get*",
    "iam:PassRole",
    "ec2:*",
    "sts:AssumeRole",
    "s3:?utObject",
];
const RESOURCES: &[&str] = &[
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::c/k",
    "arn:aws:iam::111111111111:role/r",
    "*",
];
const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:iam::111111111111:role/*",
    "arn:aws:s3:::*",
];

fn statement() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::sample::subsequence(ACTION_PATTERNS, 1..3),
        any::<bool>(),
        prop::sample::subsequence(RESOURCE_PATTERNS, 1..3),
        0u8..4,
    )
        .prop_map(
            |(allow, not_action, actions, not_resource, resources, cond)| {
                let mut st = serde_json::Map::new();
                st.insert("Effect".into(), json!(if allow { "Allow" } else { "Deny" }));
                st.insert(
                    (if not_action { "NotAction" } else { "Action" }).into(),
                    json!(actions),
                );
                st.insert(
                    (if not_resource {
                        "NotResource"
                    } else {
                        "Resource"
                    })
                    .into(),
                    json!(resources),
                );
                match cond {
                    1 => {
                        st.insert(
                            "Condition".into(),
                            json!({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}),
                        );
                    }
                    2 => {
                        st.insert(
                            "Condition".into(),
                            json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
                        );
                    }
                    3 => {
                        st.insert(
                            "Condition".into(),
                            json!({"Bool": {"aws:SecureTransport": "true"}}),
                        );
                    }
                    _ => {}
                }
                Value::Object(st)
            },
        )
}

fn doc(statements: &[Value]) -> PolicyDocument {
    PolicyDocument::from_value(&json!({"Version": "2012-10-17", "Statement": statements}))
        .unwrap_or_else(|e| panic!("generated policy must parse: {e}"))
}

fn request() -> impl Strategy<Value = RequestContext> {
    (
        prop::sample::select(ACTIONS),
        prop::sample::select(RESOURCES),
        0u8..3,
    )
        .prop_map(|(a, r, ctx)| {
            let c = RequestContext::new(
                Principal::user("arn:aws:iam::111111111111:user/alice"),
                a,
                r,
            );
            match ctx {
                0 => c,
                1 => c
                    .with_key("aws:RequestedRegion", ["eu-west-1"])
                    .with_key("aws:SourceIp", ["10.1.1.1"])
                    .with_key("aws:SecureTransport", ["true"]),
                _ => c.complete(),
            }
        })
}

fn decide(
    identity: &PolicyDocument,
    boundary: Option<&PolicyDocument>,
    ctx: &RequestContext,
) -> Decision {
    let set = PolicySet {
        identity: vec![NamedPolicy::new("p", identity)],
        permissions_boundary: boundary.map(|b| NamedPolicy::new("b", b)),
        ..Default::default()
    };
    evaluate(&set, ctx).decision
}

fn with_effect(mut st: Value, effect: &str) -> Value {
    st["Effect"] = json!(effect);
    st
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Adding a Deny never turns a non-Allow into Allow, nor a Deny into anything weaker.
    #[test]
    fn adding_deny_never_grants(sts in prop::collection::vec(statement(), 0..5), extra in statement(), ctx in request()) {
        let before = decide(&doc(&sts), None, &ctx);
        let mut more = sts.clone();
        more.push(with_effect(extra, "Deny"));
        let after = decide(&doc(&more), None, &ctx);
        if before != Decision::Allow {
            prop_assert_ne!(after, Decision::Allow);
        }
        if before == Decision::ExplicitDeny {
            prop_assert_eq!(after, Decision::ExplicitDeny);
        }
    }

    /// Adding an Allow never turns Allow into a denial, and never removes an explicit deny.
    #[test]
    fn adding_allow_never_denies(sts in prop::collection::vec(statement(), 0..5), extra in statement(), ctx in request()) {
        let before = decide(&doc(&sts), None, &ctx);
        let mut more = sts.clone();
        more.push(with_effect(extra, "Allow"));
        let after = decide(&doc(&more), None, &ctx);
        if before == Decision::Allow {
            prop_assert_eq!(after, Decision::Allow);
        }
        if before == Decision::ExplicitDeny {
            prop_assert_eq!(after, Decision::ExplicitDeny);
        }
    }

    /// Statement order does not matter.
    #[test]
    fn statement_order_is_irrelevant(sts in prop::collection::vec(statement(), 0..6), ctx in request()) {
        let forward = decide(&doc(&sts), None, &ctx);
        let mut reversed = sts.clone();
        reversed.reverse();
        prop_assert_eq!(forward, decide(&doc(&reversed), None, &ctx));
    }

    /// A permissions boundary can only remove permissions.
    #[test]
    fn boundary_only_removes(sts in prop::collection::vec(statement(), 0..5), b in prop::collection::vec(statement(), 0..4), ctx in request()) {
        let identity = doc(&sts);
        let unbounded = decide(&identity, None, &ctx);
        let bounded = decide(&identity, Some(&doc(&b)), &ctx);
        if unbounded != Decision::Allow {
            prop_assert_ne!(bounded, Decision::Allow);
        }
        if unbounded == Decision::ExplicitDeny {
            prop_assert_eq!(bounded, Decision::ExplicitDeny);
        }
    }

    /// Knowing more context never flips a definite decision: filling in the keys resolves
    /// Conditional; Allow and ExplicitDeny stay; ImplicitDeny stays a denial (it may become
    /// explicit once a conditional Deny is known to match).
    #[test]
    fn more_context_only_resolves(sts in prop::collection::vec(statement(), 0..5), a in prop::sample::select(ACTIONS), r in prop::sample::select(RESOURCES)) {
        let identity = doc(&sts);
        let p = Principal::user("arn:aws:iam::111111111111:user/alice");
        let vague = decide(&identity, None, &RequestContext::new(p.clone(), a, r));
        let precise = decide(&identity, None, &RequestContext::new(p, a, r)
            .with_key("aws:RequestedRegion", ["eu-west-1"])
            .with_key("aws:SourceIp", ["10.1.1.1"])
            .with_key("aws:SecureTransport", ["true"]));
        prop_assert_ne!(precise, Decision::Conditional);
        match vague {
            Decision::Allow | Decision::ExplicitDeny => prop_assert_eq!(vague, precise),
            Decision::ImplicitDeny => prop_assert_ne!(precise, Decision::Allow),
            Decision::Conditional => {}
        }
    }

    /// Splitting statements across several identity policies changes nothing.
    #[test]
    fn policy_split_is_irrelevant(sts in prop::collection::vec(statement(), 0..6), split in 0usize..6, ctx in request()) {
        let k = split.min(sts.len());
        let whole = decide(&doc(&sts), None, &ctx);
        let (a, b) = (doc(&sts[..k]), doc(&sts[k..]));
        let set = PolicySet { identity: vec![NamedPolicy::new("a", &a), NamedPolicy::new("b", &b)], ..Default::default() };
        prop_assert_eq!(whole, evaluate(&set, &ctx).decision);
    }

    /// The parser never panics on arbitrary JSON-ish input.
    #[test]
    fn parser_total(text in ".{0,200}") {
        let _ = PolicyDocument::parse(&text);
    }
}
