//! A minimal BM25 inverted index (Robertson/Sparck Jones weighting, k1 = 1.2, b = 0.75).

use std::collections::HashMap;

use super::text::terms;

const K1: f64 = 1.2;
const B: f64 = 0.75;

/// One ranked document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchHit {
    /// Document position as passed to [`Bm25Index::build`].
    pub doc: usize,
    /// BM25 score (higher is better).
    pub score: f64,
}

/// Term -> postings (document, term frequency), plus document lengths.
#[derive(Debug, Default)]
pub struct Bm25Index {
    postings: HashMap<String, Vec<(usize, u32)>>,
    doc_len: Vec<u32>,
    avg_len: f64,
}

impl Bm25Index {
    /// Indexes documents in order.
    pub fn build<I, S>(docs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut index = Bm25Index::default();
        for (doc, text) in docs.into_iter().enumerate() {
            let toks = terms(text.as_ref());
            index.doc_len.push(toks.len() as u32);
            let mut tf: HashMap<String, u32> = HashMap::new();
            for t in toks {
                *tf.entry(t).or_default() += 1;
            }
            for (term, n) in tf {
                index.postings.entry(term).or_default().push((doc, n));
            }
        }
        let total: u64 = index.doc_len.iter().map(|&l| u64::from(l)).sum();
        index.avg_len = if index.doc_len.is_empty() {
            0.0
        } else {
            total as f64 / index.doc_len.len() as f64
        };
        index
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.doc_len.len()
    }

    /// Whether the index holds no documents.
    pub fn is_empty(&self) -> bool {
        self.doc_len.is_empty()
    }

    /// The top `k` documents for the query; documents sharing no term are never returned.
    pub fn search(&self, query: &str, k: usize) -> Vec<SearchHit> {
        let n = self.doc_len.len() as f64;
        let mut scores: HashMap<usize, f64> = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        for term in terms(query) {
            // A repeated query term would otherwise count twice.
            if !seen.insert(term.clone()) {
                continue;
            }
            let Some(postings) = self.postings.get(&term) else {
                continue;
            };
            let df = postings.len() as f64;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for &(doc, tf) in postings {
                let len = f64::from(self.doc_len.get(doc).copied().unwrap_or(0));
                let tf = f64::from(tf);
                let norm =
                    tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / self.avg_len.max(1.0)));
                *scores.entry(doc).or_default() += idf * norm;
            }
        }
        let mut hits: Vec<SearchHit> = scores
            .into_iter()
            .map(|(doc, score)| SearchHit { doc, score })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        hits.truncate(k);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rarer_terms_weigh_more() {
        let idx = Bm25Index::build(["role role trust", "role policy", "role bucket"]);
        let hits = idx.search("role trust", 3);
        assert_eq!(hits[0].doc, 0);
        assert_eq!(hits.len(), 3);
        assert!(idx.search("bucket", 3).iter().all(|h| h.doc == 2));
    }
}
