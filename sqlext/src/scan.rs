//! A validating JSON scanner for the hot operators (`doc -> 'key'`, `doc ->> 'key'`,
//! `doc ? 'key'`): it finds what they need in the text without building the
//! document's values, which is several times faster than `serde_json::from_str`
//! into a `Value` (allocating every string, map and array).
//!
//! It accepts only what `serde_json` accepts (RFC 8259, no trailing text). Anything
//! it does not handle exactly like `serde_json` — escapes inside strings it would have
//! to compare or return, numbers with exponents or more than 18 digits, nesting deeper
//! than `serde_json`'s limit — makes it give up ([`Scan::Unsure`]); the callers then
//! take the `serde_json` path, so results and error messages stay the same.

/// What a scan found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Scan<T> {
    /// The answer.
    Found(T),
    /// The text is not valid JSON (the caller reports `serde_json`'s error).
    Invalid,
    /// Not decided here: use the `serde_json` path.
    Unsure,
}

impl<T> Scan<T> {
    #[cfg(test)]
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Scan<U> {
        match self {
            Scan::Found(v) => Scan::Found(f(v)),
            Scan::Invalid => Scan::Invalid,
            Scan::Unsure => Scan::Unsure,
        }
    }
}

/// `serde_json`'s recursion limit.
const MAX_DEPTH: usize = 127;

/// The index of the first byte at or after `i` that ends a run of plain string
/// characters: a quote, a backslash or a control character (or `s.len()`). Eight bytes
/// at a time: strings (IAM action lists, ARNs) are most of a policy document.
#[inline]
pub(crate) fn plain_run(s: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    /// High bit set in each byte of `x` that is below `n` (n <= 0x80). Borrows only
    /// run upwards, so the lowest flagged byte is always a true one.
    #[inline]
    fn below(x: u64, n: u64) -> u64 {
        x.wrapping_sub(ONES * n) & !x & HIGH
    }
    while let Some(chunk) = s.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        // Bytes below 0x20, equal to '"' or equal to '\\' (zero after the xor).
        let hits = below(x, 0x20)
            | below(x ^ (ONES * b'"' as u64), 1)
            | below(x ^ (ONES * b'\\' as u64), 1);
        if hits != 0 {
            // Little-endian: the lowest flagged byte is the first in the text.
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = s.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}

struct Scanner<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
    depth: usize,
    /// Whether everything scanned so far is printed exactly as [`crate::json::render`]
    /// prints it (see [`is_rendered`]); then every value found in it is too.
    rendered: bool,
}

/// Internal failure: invalid JSON, or not something this scanner decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Invalid,
    Unsure,
}

type R<T> = Result<T, Stop>;

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner {
            text,
            s: text.as_bytes(),
            i: 0,
            depth: 0,
            rendered: true,
        }
    }

    /// Skip whitespace where the rendered form has `spaces` (0 or 1) single spaces.
    fn gap(&mut self, spaces: usize) {
        let start = self.i;
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
        if self.i - start != spaces || (spaces == 1 && self.s[start] != b' ') {
            self.rendered = false;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn expect(&mut self, b: u8) -> R<()> {
        if self.peek() == Some(b) {
            self.i += 1;
            Ok(())
        } else {
            Err(Stop::Invalid)
        }
    }

    /// A string at the cursor; returns its contents (between the quotes) and whether it
    /// has escapes.
    fn string(&mut self) -> R<(&'a str, bool)> {
        self.expect(b'"')?;
        let start = self.i;
        let mut escaped = false;
        loop {
            self.i = plain_run(self.s, self.i);
            match self.peek() {
                None => return Err(Stop::Invalid),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    match self.s.get(self.i + 1) {
                        Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 2,
                        // Valid, but serde_json prints '/' unescaped.
                        Some(b'/') => {
                            self.rendered = false;
                            self.i += 2
                        }
                        // \u escapes (surrogate pairs): serde_json decides.
                        Some(b'u') => return Err(Stop::Unsure),
                        _ => return Err(Stop::Invalid),
                    }
                }
                Some(c) if c < 0x20 => return Err(Stop::Invalid),
                Some(_) => self.i += 1,
            }
        }
        let end = self.i;
        self.i += 1;
        // Both ends are at ASCII quotes, so on character boundaries.
        Ok((&self.text[start..end], escaped))
    }

    fn number(&mut self) -> R<()> {
        let start = self.i;
        self.number_syntax()?;
        // The number forms serde_json prints back unchanged.
        if self.rendered && !is_rendered(&self.text[start..self.i]) {
            self.rendered = false;
        }
        Ok(())
    }

    fn number_syntax(&mut self) -> R<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let digits = |sc: &mut Self| {
            let start = sc.i;
            while let Some(b'0'..=b'9') = sc.peek() {
                sc.i += 1;
            }
            sc.i - start
        };
        match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(Stop::Invalid);
                }
            }
            Some(b'1'..=b'9') => {
                if digits(self) > 18 {
                    return Err(Stop::Unsure);
                }
            }
            _ => return Err(Stop::Invalid),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            let n = digits(self);
            if n == 0 {
                return Err(Stop::Invalid);
            }
            if n > 18 {
                return Err(Stop::Unsure);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            // Range checks of exponents: serde_json decides.
            return Err(Stop::Unsure);
        }
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> R<()> {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(Stop::Invalid)
        }
    }

    /// Skip one value, validating it; returns its raw text. The cursor is at its first
    /// byte (callers skip the whitespace before it).
    fn value(&mut self) -> R<&'a str> {
        let start = self.i;
        match self.peek() {
            Some(b'{') => self.object(|_, _, _| Ok(()))?,
            Some(b'[') => self.array(|_, _| Ok(()))?,
            Some(b'"') => {
                self.string()?;
            }
            Some(b't') => self.literal(b"true")?,
            Some(b'f') => self.literal(b"false")?,
            Some(b'n') => self.literal(b"null")?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err(Stop::Invalid),
        }
        // A value starts and ends at ASCII bytes, so on character boundaries.
        Ok(&self.text[start..self.i])
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Stop::Unsure);
        }
        Ok(())
    }

    /// An object at the cursor; `member` sees each key (contents, escaped) and the
    /// member's raw value.
    fn object(&mut self, mut member: impl FnMut(&'a str, bool, &'a str) -> R<()>) -> R<()> {
        self.enter()?;
        self.expect(b'{')?;
        self.gap(0);
        if self.peek() == Some(b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(());
        }
        let mut prev: Option<&'a str> = None;
        loop {
            let (key, escaped) = self.string()?;
            // Rendered keys: unescaped, in jsonb order (by length, then bytewise), unique.
            if escaped || prev.is_some_and(|p| (p.len(), p) >= (key.len(), key)) {
                self.rendered = false;
            }
            prev = Some(key);
            self.gap(0);
            self.expect(b':')?;
            self.gap(1);
            let raw = self.value()?;
            member(key, escaped, raw)?;
            self.gap(0);
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.gap(1);
                }
                Some(b'}') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(Stop::Invalid),
            }
        }
    }

    /// An array at the cursor; `element` sees each element's raw text.
    fn array(&mut self, mut element: impl FnMut(&mut Self, &'a str) -> R<()>) -> R<()> {
        self.enter()?;
        self.expect(b'[')?;
        self.gap(0);
        if self.peek() == Some(b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            let raw = self.value()?;
            element(self, raw)?;
            self.gap(0);
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.gap(1);
                }
                Some(b']') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(Stop::Invalid),
            }
        }
    }

    /// After the top-level value: only whitespace may follow.
    fn end(&mut self) -> R<()> {
        self.gap(0);
        if self.i == self.s.len() {
            Ok(())
        } else {
            Err(Stop::Invalid)
        }
    }
}

fn finish<T>(r: R<T>) -> Scan<T> {
    match r {
        Ok(v) => Scan::Found(v),
        Err(Stop::Invalid) => Scan::Invalid,
        Err(Stop::Unsure) => Scan::Unsure,
    }
}

/// The raw text of the value of `key` in a top-level object (the last one, if the key
/// repeats, as `serde_json` keeps); `None` when the document is not an object or has no
/// such key.
#[cfg(test)]
pub(crate) fn object_field<'a>(text: &'a str, key: &str) -> Scan<Option<&'a str>> {
    object_field_rendered(text, key).map(|(found, _)| found)
}

/// [`object_field`], and whether the document is printed as jsonb (so the value found
/// is too, and needs no [`is_rendered`] check).
pub(crate) fn object_field_rendered<'a>(text: &'a str, key: &str) -> Scan<(Option<&'a str>, bool)> {
    let mut sc = Scanner::new(text);
    let r = (|| {
        sc.gap(0);
        let mut found = None;
        if sc.peek() == Some(b'{') {
            sc.object(|k, escaped, raw| {
                if escaped {
                    // Comparing would need unescaping.
                    return Err(Stop::Unsure);
                }
                if k == key {
                    found = Some(raw);
                }
                Ok(())
            })?;
        } else {
            sc.value()?;
        }
        sc.end()?;
        Ok(found)
    })();
    finish(r.map(|found| (found, sc.rendered)))
}

/// The contents of a raw JSON string without escapes (`"abc"` -> `abc`), if it is one.
pub(crate) fn plain_string(raw: &str) -> Option<&str> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

/// `doc ? key`: an object has the key, an array has it as a string element, or the
/// document is that string.
pub(crate) fn exists(text: &str, key: &str) -> Scan<bool> {
    let mut sc = Scanner::new(text);
    let r = (|| {
        sc.gap(0);
        let found = match sc.peek() {
            Some(b'{') => {
                let mut found = false;
                sc.object(|k, escaped, _| {
                    if escaped {
                        return Err(Stop::Unsure);
                    }
                    found |= k == key;
                    Ok(())
                })?;
                found
            }
            Some(b'[') => {
                let mut found = false;
                sc.array(|_, raw| {
                    if raw.starts_with('"') {
                        match plain_string(raw) {
                            Some(s) => found |= s == key,
                            None => return Err(Stop::Unsure),
                        }
                    }
                    Ok(())
                })?;
                found
            }
            Some(b'"') => {
                let (s, escaped) = sc.string()?;
                if escaped {
                    return Err(Stop::Unsure);
                }
                s == key
            }
            _ => {
                sc.value()?;
                false
            }
        };
        sc.end()?;
        Ok(found)
    })();
    finish(r)
}

/// The raw text of each element of a top-level array; `None` when the document is not
/// an array.
#[cfg(test)]
pub(crate) fn array_elements(text: &str) -> Scan<Option<Vec<&str>>> {
    array_elements_rendered(text).map(|(items, _)| items)
}

/// [`array_elements`], and whether the document is printed as jsonb (so every element
/// is too).
pub(crate) fn array_elements_rendered(text: &str) -> Scan<(Option<Vec<&str>>, bool)> {
    let mut sc = Scanner::new(text);
    let r = (|| {
        sc.gap(0);
        let out = if sc.peek() == Some(b'[') {
            let mut items = Vec::new();
            sc.array(|_, raw| {
                items.push(raw);
                Ok(())
            })?;
            Some(items)
        } else {
            sc.value()?;
            None
        };
        sc.end()?;
        Ok(out)
    })();
    finish(r.map(|out| (out, sc.rendered)))
}

/// Whether `raw` (valid JSON) is exactly how [`crate::json::render`] prints its value
/// (jsonb output: `", "` and `": "` separators, object keys in jsonb order, `serde_json`'s
/// string escapes and number forms), so it can be returned as is instead of being
/// parsed and printed again. `false` whenever in doubt.
pub(crate) fn is_rendered(raw: &str) -> bool {
    fn value(b: &[u8], i: &mut usize, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match b.get(*i) {
            Some(b'{') => {
                *i += 1;
                if b.get(*i) == Some(&b'}') {
                    *i += 1;
                    return true;
                }
                let mut prev: Option<&[u8]> = None;
                loop {
                    let start = *i;
                    if !string(b, i) {
                        return false;
                    }
                    let key = &b[start + 1..*i - 1];
                    if key.contains(&b'\\') {
                        return false;
                    }
                    if let Some(p) = prev {
                        // jsonb order: by length, then bytewise; no duplicates.
                        if (p.len(), p) >= (key.len(), key) {
                            return false;
                        }
                    }
                    prev = Some(key);
                    if !b[*i..].starts_with(b": ") {
                        return false;
                    }
                    *i += 2;
                    if !value(b, i, depth + 1) {
                        return false;
                    }
                    match b.get(*i) {
                        Some(b'}') => {
                            *i += 1;
                            return true;
                        }
                        Some(b',') if b.get(*i + 1) == Some(&b' ') => *i += 2,
                        _ => return false,
                    }
                }
            }
            Some(b'[') => {
                *i += 1;
                if b.get(*i) == Some(&b']') {
                    *i += 1;
                    return true;
                }
                loop {
                    if !value(b, i, depth + 1) {
                        return false;
                    }
                    match b.get(*i) {
                        Some(b']') => {
                            *i += 1;
                            return true;
                        }
                        Some(b',') if b.get(*i + 1) == Some(&b' ') => *i += 2,
                        _ => return false,
                    }
                }
            }
            Some(b'"') => string(b, i),
            Some(b't') if b[*i..].starts_with(b"true") => {
                *i += 4;
                true
            }
            Some(b'f') if b[*i..].starts_with(b"false") => {
                *i += 5;
                true
            }
            Some(b'n') if b[*i..].starts_with(b"null") => {
                *i += 4;
                true
            }
            Some(b'-' | b'0'..=b'9') => number(b, i),
            _ => false,
        }
    }
    /// A string with only the escapes serde_json writes (control characters other
    /// than the short forms as `\u00xx` are left to the slow path).
    fn string(b: &[u8], i: &mut usize) -> bool {
        *i += 1;
        loop {
            *i = plain_run(b, *i);
            match b.get(*i) {
                None => return false,
                Some(b'"') => {
                    *i += 1;
                    return true;
                }
                Some(b'\\') => match b.get(*i + 1) {
                    Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => *i += 2,
                    _ => return false,
                },
                Some(c) if *c < 0x20 => return false,
                Some(_) => *i += 1,
            }
        }
    }
    fn number(b: &[u8], i: &mut usize) -> bool {
        let start = *i;
        while let Some(b'-' | b'0'..=b'9' | b'.' | b'e' | b'E' | b'+') = b.get(*i) {
            *i += 1;
        }
        let Ok(text) = std::str::from_utf8(&b[start..*i]) else {
            return false;
        };
        if text.contains(['e', 'E', '+']) || text == "-0" || text.len() > 18 {
            return false;
        }
        if !text.contains('.') {
            return true;
        }
        // A float prints as serde_json prints the f64 it parses to.
        text.parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .is_some_and(|n| n.to_string() == text)
    }
    let b = raw.as_bytes();
    let mut i = 0;
    value(b, &mut i, 0) && i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_run_stops_where_a_byte_loop_stops() {
        let naive = |s: &[u8], i: usize| {
            (i..s.len())
                .find(|&j| s[j] == b'"' || s[j] == b'\\' || s[j] < 0x20)
                .unwrap_or(s.len())
        };
        // Bytes around the interesting values: quote, backslash, control characters,
        // space, DEL and non-ASCII.
        let alphabet = [
            b'"', b'\\', 0x00, 0x1f, 0x20, b'a', b'#', b'!', 0x7f, 0x80, 0xc3, 0xff,
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in 0..40 {
            for _ in 0..200 {
                let s: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        // Mostly plain bytes, so long runs are exercised.
                        if seed % 5 == 0 {
                            alphabet[(seed >> 8) as usize % alphabet.len()]
                        } else {
                            b'a' + (seed >> 16) as u8 % 26
                        }
                    })
                    .collect();
                for start in 0..=s.len() {
                    assert_eq!(plain_run(&s, start), naive(&s, start), "{s:?} from {start}");
                }
            }
        }
    }

    #[test]
    fn finds_fields_like_serde_json() {
        let doc = r#" {"Effect": "Allow", "Action": ["s3:*", "*"], "n": {"a": [1, 2.5, -0, true, null]}, "Effect": "Deny"} "#;
        assert_eq!(object_field(doc, "Effect"), Scan::Found(Some("\"Deny\"")));
        assert_eq!(
            object_field(doc, "Action"),
            Scan::Found(Some(r#"["s3:*", "*"]"#))
        );
        assert_eq!(object_field(doc, "x"), Scan::Found(None));
        assert_eq!(object_field("[1, 2]", "x"), Scan::Found(None));
        assert_eq!(object_field("\"s\"", "x"), Scan::Found(None));
        assert_eq!(exists(r#"["s3:*", "*"]"#, "*"), Scan::Found(true));
        assert_eq!(exists(r#"["s3:*", 1]"#, "*"), Scan::Found(false));
        assert_eq!(exists(r#"{"*": 1}"#, "*"), Scan::Found(true));
        assert_eq!(exists(r#""*""#, "*"), Scan::Found(true));
        assert_eq!(exists("1", "*"), Scan::Found(false));
    }

    #[test]
    fn tracks_whether_a_document_is_printed_as_jsonb() {
        use serde_json::Value;
        let docs = [
            r#"{"Version": "2012-10-17", "Statement": [{"Action": ["*"], "Effect": "Allow", "Resource": "*"}]}"#,
            r#"{"Version":"2012-10-17","Statement":[]}"#,
            r#"{"b": 1, "a": 2}"#,
            r#"{"a": 1, "bb": [1, 2.5, -3, true, null, "x\ny"]}"#,
            r#"{"a": 1,  "bb": 2}"#,
            r#"{"a" : 1}"#,
            r#" {"a": 1}"#,
            r#"{"a": 1} "#,
            r#"{"a": 1.50}"#,
            r#"{"a": -0}"#,
            r#"{"a": "x\/y"}"#,
            r#"{"a": [1,2]}"#,
            r#"{"a": [1, 2]}"#,
            r#"{"a": 1, "a": 2}"#,
            r#"["x", {"k": "v"}, []]"#,
            r#"["x",{"k": "v"}]"#,
            "{}",
            "[]",
            "{ }",
        ];
        for doc in docs {
            let expected = is_rendered(doc);
            match object_field_rendered(doc, "a") {
                Scan::Found((_, rendered)) => assert_eq!(rendered, expected, "{doc}"),
                other => panic!("{doc}: {other:?}"),
            }
            match array_elements_rendered(doc) {
                Scan::Found((_, rendered)) => assert_eq!(rendered, expected, "{doc}"),
                other => panic!("{doc}: {other:?}"),
            }
            // What render prints is always recognised.
            let v: Value = serde_json::from_str(doc).unwrap();
            let printed = crate::json::render(&v);
            assert!(
                matches!(object_field_rendered(&printed, "a"), Scan::Found((_, true))),
                "{printed}"
            );
        }
    }

    #[test]
    fn agrees_with_serde_json() {
        use serde_json::Value;
        let docs = [
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": ["*"]}]}"#,
            r#"{"a": {"b": [1, {"c": null}]}, "d": -12.5, "e": false, "f": "x/y", "a": 0}"#,
            r#"["a", "*", {"*": 1}, ["*"]]"#,
            r#"  "*"  "#,
            "{}",
            "[]",
            "null",
            "0",
        ];
        for doc in docs {
            let v: Value = serde_json::from_str(doc).unwrap();
            for key in ["a", "d", "e", "f", "Statement", "Version", "*", "missing"] {
                let want = v.as_object().and_then(|m| m.get(key));
                match object_field(doc, key) {
                    Scan::Found(got) => assert_eq!(
                        got.map(|raw| serde_json::from_str::<Value>(raw).unwrap())
                            .as_ref(),
                        want,
                        "{doc} -> {key}"
                    ),
                    other => panic!("{doc} -> {key}: {other:?}"),
                }
                let want = match &v {
                    Value::Object(m) => m.contains_key(key),
                    Value::Array(a) => a.iter().any(|x| x.as_str() == Some(key)),
                    Value::String(s) => s == key,
                    _ => false,
                };
                assert_eq!(exists(doc, key), Scan::Found(want), "{doc} ? {key}");
            }
        }
    }

    #[test]
    fn recognises_rendered_text() {
        use crate::json::render;
        use serde_json::Value;
        for doc in [
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","*"],"Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
            r#"{"b": 1, "a": [1.5, -2, 0.1, 100.0, 1e3, true, null, "x\"y\n", "\/"], "ccc": {}}"#,
            r#"[{"a": 1}, [], "é", 12345678901234567]"#,
            "-0",
            "1.50",
        ] {
            let v: Value = serde_json::from_str(doc).unwrap();
            let r = render(&v);
            assert!(is_rendered(&r), "{r}");
            assert_eq!(is_rendered(doc), doc == r, "{doc}");
            if let Scan::Found(Some(items)) = array_elements(&r) {
                for (raw, v) in items.iter().zip(v.as_array().unwrap()) {
                    assert_eq!(*raw, render(v));
                }
            }
        }
        assert!(!is_rendered(r#"{"b": 1, "a": 2}"#));
        assert!(!is_rendered(r#"{"a": 1,"b": 2}"#));
        assert!(!is_rendered(r#" {"a": 1}"#));
    }

    #[test]
    fn rejects_what_serde_json_rejects() {
        for bad in [
            "",
            "{",
            "{\"a\" 1}",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            "[1] x",
            "tru",
            "\"a\tb\"",
            "{a: 1}",
            "[\"\\x\"]",
            "-",
            "nul",
        ] {
            assert!(
                serde_json::from_str::<serde_json::Value>(bad).is_err(),
                "{bad}"
            );
            assert_eq!(object_field(bad, "a"), Scan::Invalid, "{bad}");
        }
    }

    #[test]
    fn leaves_the_hard_cases_to_serde_json() {
        assert_eq!(object_field(r#"{"a": "\u00e9"}"#, "a"), Scan::Unsure);
        assert_eq!(object_field(r#"{"a\"b": 1}"#, "a"), Scan::Unsure);
        assert_eq!(object_field(r#"{"a": 1e400}"#, "a"), Scan::Unsure);
        assert_eq!(object_field("12345678901234567890", "a"), Scan::Unsure);
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(object_field(&deep, "a"), Scan::Unsure);
        // Escapes that need no unescaping to compare are fine in values.
        assert_eq!(
            object_field(r#"{"a": "x\"y"}"#, "a"),
            Scan::Found(Some(r#""x\"y""#))
        );
        assert_eq!(plain_string(r#""x\"y""#), None);
    }
}
