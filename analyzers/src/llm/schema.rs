//! The structured answer the model must give: its JSON schema (sent as the response format)
//! and a validator for the same schema (servers in JSON mode, or ignoring the schema, can
//! answer anything).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Overall risk of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// Nothing worth fixing.
    None,
    /// Hygiene.
    Low,
    /// Broader than needed.
    Medium,
    /// Exploitable by the holder.
    High,
    /// Account takeover or public exposure.
    Critical,
}

impl Risk {
    /// All levels, least severe first.
    pub const ALL: [Risk; 5] = [
        Risk::None,
        Risk::Low,
        Risk::Medium,
        Risk::High,
        Risk::Critical,
    ];

    /// Lower-case name as stored in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::None => "none",
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
            Risk::Critical => "critical",
        }
    }

    /// Parses a lower-case name.
    pub fn parse(s: &str) -> Option<Risk> {
        Risk::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl From<crate::lint::Severity> for Risk {
    fn from(s: crate::lint::Severity) -> Risk {
        use crate::lint::Severity::*;
        match s {
            Info | Low => Risk::Low,
            Medium => Risk::Medium,
            High => Risk::High,
            Critical => Risk::Critical,
        }
    }
}

/// Finding categories the model may use.
pub const CATEGORIES: &[&str] = &[
    "over_permissive",
    "privilege_escalation",
    "data_exfiltration",
    "resource_exposure",
    "credential_exposure",
    "infrastructure_modification",
    "trust_policy",
    "other",
];

/// One finding of the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelFinding {
    /// 0-based statement the finding is about.
    pub statement_index: usize,
    /// One of [`CATEGORIES`].
    pub category: String,
    /// Why it is a problem, in context.
    pub explanation: String,
    /// Least-privilege replacement statement as JSON text, or empty.
    pub recommended_rewrite: String,
}

/// A validated model answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelVerdict {
    /// Overall risk.
    pub risk: Risk,
    /// One-paragraph summary.
    pub summary: String,
    /// Findings.
    pub findings: Vec<ModelFinding>,
}

/// Name of the schema in the `response_format`.
pub const SCHEMA_NAME: &str = "pathwarden_policy_review";

/// The JSON schema of the answer (strict-mode compatible: every property required, no
/// additional properties).
pub fn response_schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["risk", "summary", "findings"],
        "properties": {
            "risk": {"type": "string", "enum": Risk::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>()},
            "summary": {"type": "string"},
            "findings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["statement_index", "category", "explanation", "recommended_rewrite"],
                    "properties": {
                        "statement_index": {"type": "integer", "minimum": 0},
                        "category": {"type": "string", "enum": CATEGORIES},
                        "explanation": {"type": "string"},
                        "recommended_rewrite": {"type": "string"}
                    }
                }
            }
        }
    })
}

fn only_keys(obj: &Map<String, Value>, allowed: &[&str], at: &str) -> Result<(), String> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("{at}: unexpected property {k:?}")),
        None => Ok(()),
    }
}

fn string_at<'v>(obj: &'v Map<String, Value>, key: &str, at: &str) -> Result<&'v str, String> {
    obj.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{at}.{key}: missing or not a string"))
}

/// Validates an answer against [`response_schema`], plus what a schema cannot say: statement
/// indices must exist in the reviewed policy (`statement_count`).
pub fn validate(answer: &Value, statement_count: usize) -> Result<ModelVerdict, String> {
    let obj = answer.as_object().ok_or("answer is not a JSON object")?;
    only_keys(obj, &["risk", "summary", "findings"], "$")?;
    let risk_text = string_at(obj, "risk", "$")?;
    let risk = Risk::parse(risk_text)
        .ok_or_else(|| format!("$.risk: {risk_text:?} is not a risk level"))?;
    let summary = string_at(obj, "summary", "$")?.to_string();
    let items = obj
        .get("findings")
        .and_then(Value::as_array)
        .ok_or("$.findings: missing or not an array")?;
    let mut findings = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("$.findings[{i}]");
        let f = item
            .as_object()
            .ok_or_else(|| format!("{at}: not an object"))?;
        only_keys(
            f,
            &[
                "statement_index",
                "category",
                "explanation",
                "recommended_rewrite",
            ],
            &at,
        )?;
        let index = f
            .get("statement_index")
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                format!("{at}.statement_index: missing or not a non-negative integer")
            })?;
        let index =
            usize::try_from(index).map_err(|_| format!("{at}.statement_index: too large"))?;
        if index >= statement_count {
            return Err(format!(
                "{at}.statement_index: {index} but the policy has {statement_count} statements"
            ));
        }
        let category = string_at(f, "category", &at)?;
        if !CATEGORIES.contains(&category) {
            return Err(format!("{at}.category: {category:?} is not a category"));
        }
        let explanation = string_at(f, "explanation", &at)?;
        if explanation.trim().is_empty() {
            return Err(format!("{at}.explanation: empty"));
        }
        findings.push(ModelFinding {
            statement_index: index,
            category: category.to_string(),
            explanation: explanation.to_string(),
            recommended_rewrite: string_at(f, "recommended_rewrite", &at)?.to_string(),
        });
    }
    Ok(ModelVerdict {
        risk,
        summary,
        findings,
    })
}

/// Parses model text as JSON, tolerating a Markdown code fence around it (common in JSON
/// mode on local servers).
pub fn parse_answer(text: &str) -> Result<Value, String> {
    let t = text.trim();
    let t = t
        .strip_prefix("```json")
        .or_else(|| t.strip_prefix("```"))
        .and_then(|rest| rest.trim_end().strip_suffix("```"))
        .unwrap_or(t);
    serde_json::from_str(t.trim()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_and_rejects() {
        let ok = json!({"risk": "high", "summary": "s", "findings": [
            {"statement_index": 0, "category": "data_exfiltration", "explanation": "e", "recommended_rewrite": ""}]});
        assert_eq!(validate(&ok, 1).map(|v| v.risk), Ok(Risk::High));
        assert!(validate(&ok, 0).is_err(), "index out of range");
        let mut extra = ok.clone();
        extra["note"] = json!("x");
        assert!(validate(&extra, 1).is_err());
        assert!(validate(&json!({"risk": "severe", "summary": "", "findings": []}), 1).is_err());
        assert!(validate(&json!({"risk": "low", "findings": []}), 1).is_err());
        assert!(parse_answer("```json\n{\"a\":1}\n```").is_ok());
        assert!(parse_answer("{\"a\":").is_err());
    }
}
