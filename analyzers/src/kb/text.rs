//! Tokenising and light stemming for the knowledge-base index.

/// Words too common in IAM prose to help ranking.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "for", "from", "has", "if", "in",
    "into", "is", "it", "its", "let", "not", "of", "on", "or", "such", "that", "the", "their",
    "them", "then", "this", "to", "use", "with", "without",
];

/// Strips common English suffixes so `roles`/`role`, `policies`/`policy`, `logging`/`log`
/// meet. Deliberately light: a full Porter stemmer would merge IAM action names.
pub fn stem(word: &str) -> String {
    let w = word;
    if w.len() > 4 {
        if let Some(base) = w.strip_suffix("ies") {
            return format!("{base}y");
        }
        for suffix in ["ing", "ed"] {
            if let Some(base) = w.strip_suffix(suffix)
                && base.len() >= 3
            {
                return undouble(base);
            }
        }
    }
    if w.len() > 3
        && w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
    {
        return w[..w.len() - 1].to_string();
    }
    w.to_string()
}

/// `logg` -> `log`, `stopp` -> `stop`; `pass` keeps its double `s`.
fn undouble(base: &str) -> String {
    let b = base.as_bytes();
    let n = b.len();
    if n >= 2
        && b[n - 1].is_ascii_alphabetic()
        && b[n - 1] == b[n - 2]
        && !matches!(b[n - 1], b's' | b'l' | b'z' | b'e' | b'o')
    {
        base[..n - 1].to_string()
    } else {
        base.to_string()
    }
}

/// Splits `GetSecretValue` into `Get`, `Secret`, `Value` (and `S3Bucket` into `S3`, `Bucket`).
fn camel_parts(word: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    for w in 1..chars.len() {
        let (i, c) = chars[w];
        let prev = chars[w - 1].1;
        if c.is_uppercase() && (prev.is_lowercase() || prev.is_ascii_digit()) {
            parts.push(&word[start..i]);
            start = i;
        }
    }
    parts.push(&word[start..]);
    parts
}

/// Index terms of a text: lower-cased, stemmed words, plus camelCase parts of compound
/// words, without stopwords.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let lower = word.to_lowercase();
        if STOPWORDS.contains(&lower.as_str()) {
            continue;
        }
        out.push(stem(&lower));
        let parts = camel_parts(word);
        if parts.len() > 1 {
            for part in parts {
                let p = part.to_lowercase();
                if p.len() > 1 && !STOPWORDS.contains(&p.as_str()) {
                    out.push(stem(&p));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_actions_and_stems() {
        let t = terms("iam:PassRole on the Roles, logging policies");
        assert!(t.contains(&"passrole".to_string()));
        assert!(t.contains(&"pass".to_string()));
        assert!(t.contains(&"role".to_string()));
        assert!(t.contains(&"log".to_string()));
        assert!(t.contains(&"policy".to_string()));
        assert!(!t.contains(&"the".to_string()));
        assert_eq!(stem("access"), "access");
    }
}
