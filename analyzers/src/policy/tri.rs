//! Three-valued logic: a statement can match, not match, or depend on request facts we do
//! not know. Unknown carries the condition keys that would decide it, so a `Conditional`
//! decision can say what the caller should find out.

use std::collections::BTreeSet;

/// True, false, or "depends on these undecided keys".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tri {
    /// Definitely holds.
    True,
    /// Definitely does not hold.
    False,
    /// Depends on the listed condition keys (as spelled in the policy).
    Unknown(BTreeSet<String>),
}

impl Tri {
    /// Unknown because of one key.
    pub fn unknown(key: impl Into<String>) -> Tri {
        let mut keys = BTreeSet::new();
        keys.insert(key.into());
        Tri::Unknown(keys)
    }

    /// From a definite boolean.
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }

    /// Kleene AND.
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, x) | (x, Tri::True) => x,
            (Tri::Unknown(mut a), Tri::Unknown(b)) => {
                a.extend(b);
                Tri::Unknown(a)
            }
        }
    }

    /// Kleene OR.
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, x) | (x, Tri::False) => x,
            (Tri::Unknown(mut a), Tri::Unknown(b)) => {
                a.extend(b);
                Tri::Unknown(a)
            }
        }
    }

    /// Kleene NOT.
    pub fn negate(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            u => u,
        }
    }

    /// True when definitely true.
    pub fn is_true(&self) -> bool {
        matches!(self, Tri::True)
    }

    /// True when definitely false.
    pub fn is_false(&self) -> bool {
        matches!(self, Tri::False)
    }

    /// The undecided keys, if any.
    pub fn keys(&self) -> Option<&BTreeSet<String>> {
        match self {
            Tri::Unknown(k) => Some(k),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kleene_tables() {
        let u = Tri::unknown("k");
        assert_eq!(Tri::True.and(u.clone()), u);
        assert_eq!(Tri::False.and(u.clone()), Tri::False);
        assert_eq!(Tri::True.or(u.clone()), Tri::True);
        assert_eq!(Tri::False.or(u.clone()), u);
        assert_eq!(u.clone().negate(), u);
        let both = Tri::unknown("a").and(Tri::unknown("b"));
        assert_eq!(both.keys().map(|k| k.len()), Some(2));
    }
}
