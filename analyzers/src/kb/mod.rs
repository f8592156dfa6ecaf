//! The security knowledge base shipped with pathwarden: short IAM best-practice passages
//! (written by the team, in `passages/*.md`) and a full-text index to pick the ones most
//! relevant to a policy under review.
//!
//! Retrieval is a small in-crate BM25 inverted index ([`index`]) rather than tantivy: the
//! corpus is a few dozen paragraphs held in memory, so an on-disk search engine would add
//! a large dependency for no gain. Tokens are lower-cased, split on punctuation and
//! camelCase (`iam:PassRole` -> `iam`, `passrole`, `pass`, `role`) and lightly stemmed
//! (plural and `-ing`/`-ed` suffixes).

pub mod index;
pub mod text;

use std::sync::OnceLock;

pub use index::{Bm25Index, SearchHit};

/// One passage of the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// Stable id (the file name without extension).
    pub id: String,
    /// Title (first line, without `# `).
    pub title: String,
    /// Body text.
    pub text: String,
}

impl Passage {
    /// Parses `# Title\nbody...`; a passage without a title line uses its id as title.
    pub fn parse(id: &str, source: &str) -> Passage {
        let source = source.trim();
        let (title, text) = match source.strip_prefix("# ") {
            Some(rest) => match rest.split_once('\n') {
                Some((title, body)) => (title.trim().to_string(), body.trim().to_string()),
                None => (rest.trim().to_string(), String::new()),
            },
            None => (id.to_string(), source.to_string()),
        };
        Passage {
            id: id.to_string(),
            title,
            text,
        }
    }
}

/// Passages compiled into the binary, in id order.
const BUILTIN: &[(&str, &str)] = &[
    (
        "01-least-privilege",
        include_str!("passages/01-least-privilege.md"),
    ),
    (
        "02-wildcard-admin",
        include_str!("passages/02-wildcard-admin.md"),
    ),
    (
        "03-privilege-escalation",
        include_str!("passages/03-privilege-escalation.md"),
    ),
    ("04-passrole", include_str!("passages/04-passrole.md")),
    (
        "05-data-exfiltration",
        include_str!("passages/05-data-exfiltration.md"),
    ),
    (
        "06-resource-exposure",
        include_str!("passages/06-resource-exposure.md"),
    ),
    (
        "07-public-resource-policies",
        include_str!("passages/07-public-resource-policies.md"),
    ),
    ("08-credentials", include_str!("passages/08-credentials.md")),
    (
        "09-logging-and-detection",
        include_str!("passages/09-logging-and-detection.md"),
    ),
    (
        "10-infrastructure-changes",
        include_str!("passages/10-infrastructure-changes.md"),
    ),
    (
        "11-trust-policies",
        include_str!("passages/11-trust-policies.md"),
    ),
    ("12-external-id", include_str!("passages/12-external-id.md")),
    (
        "13-oidc-federation",
        include_str!("passages/13-oidc-federation.md"),
    ),
    ("14-notaction", include_str!("passages/14-notaction.md")),
    (
        "15-conditions-and-boundaries",
        include_str!("passages/15-conditions-and-boundaries.md"),
    ),
    ("16-admin-paths", include_str!("passages/16-admin-paths.md")),
];

/// Passages plus their index.
#[derive(Debug)]
pub struct KnowledgeBase {
    passages: Vec<Passage>,
    index: Bm25Index,
}

impl KnowledgeBase {
    /// Indexes the given passages (title and text both count).
    pub fn new(passages: Vec<Passage>) -> Self {
        let index = Bm25Index::build(passages.iter().map(|p| format!("{}\n{}", p.title, p.text)));
        KnowledgeBase { passages, index }
    }

    /// The knowledge base shipped with the product, built once.
    pub fn builtin() -> &'static KnowledgeBase {
        static KB: OnceLock<KnowledgeBase> = OnceLock::new();
        KB.get_or_init(|| {
            KnowledgeBase::new(
                BUILTIN
                    .iter()
                    .map(|(id, src)| Passage::parse(id, src))
                    .collect(),
            )
        })
    }

    /// All passages.
    pub fn passages(&self) -> &[Passage] {
        &self.passages
    }

    /// The `k` passages ranked highest for `query` (only passages sharing a term with it).
    pub fn search(&self, query: &str, k: usize) -> Vec<(&Passage, f64)> {
        self.index
            .search(query, k)
            .into_iter()
            .filter_map(|hit| self.passages.get(hit.doc).map(|p| (p, hit.score)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_passages_parse_with_titles() {
        let kb = KnowledgeBase::builtin();
        assert!(kb.passages().len() >= 15);
        assert!(
            kb.passages()
                .iter()
                .all(|p| !p.title.is_empty() && p.text.len() > 100)
        );
    }

    #[test]
    fn retrieval_ranks_the_topical_passage_first() {
        let kb = KnowledgeBase::builtin();
        let top = |q: &str| {
            kb.search(q, 1)
                .first()
                .map(|(p, _)| p.id.clone())
                .unwrap_or_default()
        };
        assert_eq!(top("iam:PassRole lambda:CreateFunction"), "04-passrole");
        assert_eq!(top("sts:ExternalId third-party vendor"), "12-external-id");
        assert_eq!(
            top("token.actions.githubusercontent.com sub"),
            "13-oidc-federation"
        );
        assert_eq!(top("cloudtrail:StopLogging"), "09-logging-and-detection");
        assert!(kb.search("zzzz qqqq", 3).is_empty());
    }
}
