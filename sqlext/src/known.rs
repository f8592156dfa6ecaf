//! Arrays of JSON text already known to be valid, so the next operator on the same
//! array navigates it without validating it again.
//!
//! A CIS-style check applies several operators to one column (`s ->> 'Effect'`,
//! `s -> 'Action' ? '*'`, ...); each used to validate every document in full. The first
//! one to validate an array, and every operator whose output is JSON it printed itself
//! (`->` only returns valid jsonb text), records the array here. Later operators on the
//! same array (same buffers: Arrow arrays are immutable) use the fast paths below.
//!
//! Soundness: an entry keeps its array alive (a clone of the `ArrayRef`), so the
//! buffers it is keyed by cannot be freed and reused for other text while the entry
//! exists. A miss only costs the validating path.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray};

use crate::scan::plain_run;

/// Arrays remembered per thread.
const ENTRIES: usize = 8;

/// What is known about each row of an array (non-null rows are valid JSON).
pub(crate) struct Known {
    /// Whether the row is printed as jsonb (keys in jsonb order, so unique).
    pub rendered: Vec<bool>,
}

struct Entry {
    _keep: ArrayRef,
    id: (usize, usize, usize),
    known: Arc<Known>,
}

thread_local! {
    static KNOWN: RefCell<VecDeque<Entry>> = const { RefCell::new(VecDeque::new()) };
}

fn identity(a: &StringArray) -> (usize, usize, usize) {
    (
        a.values().as_ptr() as usize,
        a.value_offsets().as_ptr() as usize,
        a.len(),
    )
}

/// Remember that every non-null row of `array` is valid JSON.
pub(crate) fn remember(array: &StringArray, rendered: Vec<bool>) {
    let entry = Entry {
        _keep: Arc::new(array.clone()),
        id: identity(array),
        known: Arc::new(Known { rendered }),
    };
    KNOWN.with(|k| {
        let mut k = k.borrow_mut();
        if k.len() >= ENTRIES {
            k.pop_front();
        }
        k.push_back(entry);
    });
}

/// What is known about `array`, if it was remembered on this thread.
pub(crate) fn lookup(array: &StringArray) -> Option<Arc<Known>> {
    let id = identity(array);
    KNOWN.with(|k| {
        k.borrow()
            .iter()
            .rev()
            .find(|e| e.id == id)
            .map(|e| e.known.clone())
    })
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// The end of the string starting at `i` (at its opening quote).
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        j = plain_run(b, j);
        match b.get(j)? {
            b'"' => return Some(j + 1),
            b'\\' => j += 2,
            // A control character: not valid JSON after all.
            _ => return None,
        }
    }
}

/// The end of the value starting at `i`, in text known to be valid JSON.
fn value_end(b: &[u8], mut i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            loop {
                match b.get(i)? {
                    b'"' => {
                        i = string_end(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            while let Some(c) = b.get(i) {
                if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                i += 1;
            }
            Some(i)
        }
    }
}

/// `object_field` for a document known to be valid: the raw value of `key` (the last
/// one if it repeats). `None` when in doubt (an escaped key): use the validating path.
pub(crate) fn object_field<'a>(
    text: &'a str,
    key: &str,
    rendered: bool,
) -> Option<Option<&'a str>> {
    let b = text.as_bytes();
    let mut i = ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Some(None);
    }
    i = ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Some(None);
    }
    let mut found = None;
    loop {
        let end = string_end(b, i)?;
        let k = &text[i + 1..end - 1];
        if k.contains('\\') {
            return None;
        }
        i = ws(b, end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = ws(b, i + 1);
        let v_end = value_end(b, i)?;
        if k == key {
            found = Some(&text[i..v_end]);
            if rendered {
                // Keys are unique in jsonb.
                return Some(found);
            }
        } else if rendered && (k.len(), k.as_bytes()) > (key.len(), key.as_bytes()) {
            // Keys are in jsonb order: `key` would have come before this one.
            return Some(None);
        }
        i = ws(b, v_end);
        match b.get(i)? {
            b',' => i = ws(b, i + 1),
            b'}' => return Some(found),
            _ => return None,
        }
    }
}

/// `doc ? key` for a document known to be valid. `None` when in doubt.
pub(crate) fn exists(text: &str, key: &str, rendered: bool) -> Option<bool> {
    let b = text.as_bytes();
    let i = ws(b, 0);
    match b.get(i) {
        Some(b'{') => object_field(text, key, rendered).map(|f| f.is_some()),
        Some(b'[') => {
            let mut found = false;
            for_each_element(text, |raw| {
                if raw.starts_with('"') {
                    let inner = &raw[1..raw.len() - 1];
                    if inner.contains('\\') {
                        return None;
                    }
                    found |= inner == key;
                }
                Some(())
            })?;
            Some(found)
        }
        Some(b'"') => {
            let end = string_end(b, i)?;
            let inner = &text[i + 1..end - 1];
            if inner.contains('\\') {
                return None;
            }
            Some(inner == key)
        }
        _ => Some(false),
    }
}

/// The raw elements of a top-level array known to be valid; `None` if it is not an
/// array.
pub(crate) fn array_elements(text: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    for_each_element(text, |raw| {
        out.push(raw);
        Some(())
    })?;
    Some(out)
}

/// Calls `f` with the raw text of each element of a top-level array known to be valid;
/// `None` if it is not an array or `f` gives up.
fn for_each_element<'a>(text: &'a str, mut f: impl FnMut(&'a str) -> Option<()>) -> Option<()> {
    let b = text.as_bytes();
    let mut i = ws(b, 0);
    if b.get(i) != Some(&b'[') {
        return None;
    }
    i = ws(b, i + 1);
    if b.get(i) == Some(&b']') {
        return Some(());
    }
    loop {
        let end = value_end(b, i)?;
        f(&text[i..end])?;
        i = ws(b, end);
        match b.get(i)? {
            b',' => i = ws(b, i + 1),
            b']' => return Some(()),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{self, Scan};

    const DOCS: &[&str] = &[
        r#"{"Version": "2012-10-17", "Statement": [{"Action": ["s3:*", "*"], "Effect": "Allow", "Resource": "*"}]}"#,
        r#"{"Effect":"Deny","Action":"*","n":{"a":[1,2.5,-3,true,null,"x\"]y"]},"Effect":"Allow"}"#,
        r#" { "a" : [ "{", "}" ] , "b" : { "c" : "]" } } "#,
        r#"["*", "s3:*", {"*": 1}, ["*"], 7]"#,
        r#""*""#,
        "{}",
        "[]",
        "12",
        "null",
    ];

    #[test]
    fn fast_paths_agree_with_the_validating_scanner() {
        for doc in DOCS {
            let rendered = scan::is_rendered(doc);
            for key in [
                "Effect",
                "Action",
                "a",
                "b",
                "c",
                "n",
                "*",
                "zzzzzzzzzz",
                "",
            ] {
                if let Scan::Found((want, _)) = scan::object_field_rendered(doc, key) {
                    assert_eq!(
                        object_field(doc, key, rendered),
                        Some(want),
                        "{doc} -> {key}"
                    );
                }
                if let Scan::Found(want) = scan::exists(doc, key) {
                    assert_eq!(exists(doc, key, rendered), Some(want), "{doc} ? {key}");
                }
            }
            if let Scan::Found((want, _)) = scan::array_elements_rendered(doc) {
                assert_eq!(array_elements(doc), want, "{doc}");
            }
        }
    }

    #[test]
    fn arrays_are_known_only_while_remembered_and_by_identity() {
        let a = StringArray::from(vec![Some("{}"), None]);
        let b = StringArray::from(vec![Some("{}"), None]);
        assert!(lookup(&a).is_none());
        remember(&a, vec![true, false]);
        assert_eq!(
            lookup(&a).map(|k| k.rendered.clone()),
            Some(vec![true, false])
        );
        // Same text, other buffers: not known.
        assert!(lookup(&b).is_none());
        // A slice is another array.
        assert!(lookup(&a.slice(1, 1)).is_none());
        for _ in 0..ENTRIES {
            remember(&b, vec![true, false]);
        }
        assert!(lookup(&a).is_none(), "evicted");
    }
}
