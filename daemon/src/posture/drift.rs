//! Desired state and drift: who should hold which managed policy or group (from the
//! `desired_state` file and approved access requests), compared with the actual grants
//! read from the tables; and the remediation calls that would close the gap.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

use super::benchmark::{ResultRow, query_text_rows, sql_file};
use super::store::{Col, Stmt, Store, now};
use crate::args;
use crate::engine::Engine;

pub mod risk;

/// One grant: `principal` (`user/NAME` or `role/NAME`) holds `kind` `value` in `account_id`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// `user/NAME`, `role/NAME`, a bare user name, or an IAM user/role ARN.
    pub principal: String,
    /// `policy` (managed policy ARN), `group` (group name) or `inline_policy` (actual only).
    pub kind: String,
    /// Policy ARN or group name.
    pub value: String,
    /// Account; any account when absent.
    pub account_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DesiredFile {
    #[serde(default, rename = "grant", alias = "grants")]
    grants: Vec<Grant>,
}

/// `user/NAME` or `role/NAME` (paths dropped) and the account an ARN names.
pub fn normalize_principal(p: &str) -> (String, Option<String>) {
    if let Some(rest) = p.strip_prefix("arn:") {
        // arn:aws:iam::123456789012:user/path/name
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        if parts.len() == 5 {
            let account = Some(parts[3].to_string()).filter(|a| !a.is_empty());
            let resource = parts[4];
            let (kind, path) = resource.split_once('/').unwrap_or(("user", resource));
            let name = path.rsplit('/').next().unwrap_or(path);
            return (format!("{kind}/{name}"), account);
        }
    }
    match p.split_once('/') {
        Some((kind @ ("user" | "role"), path)) => (
            format!("{kind}/{}", path.rsplit('/').next().unwrap_or(path)),
            None,
        ),
        _ => (format!("user/{p}"), None),
    }
}

/// Read and check a desired-state file.
pub fn load_file(path: &Path) -> Result<Vec<Grant>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("desired_state.path: cannot read {}", path.display()))?;
    let yaml = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    let f: DesiredFile = if yaml {
        serde_yaml::from_str(&text).map_err(|e| {
            anyhow::anyhow!("{}: {}", path.display(), e.to_string().replace('\n', " "))
        })?
    } else {
        toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!("{}: {}", path.display(), e.message().replace('\n', " "))
        })?
    };
    let mut out = Vec::new();
    for (i, g) in f.grants.into_iter().enumerate() {
        if !["policy", "group"].contains(&g.kind.as_str()) {
            anyhow::bail!(
                "{}: grant[{i}].kind: expected policy or group, got {:?}",
                path.display(),
                g.kind
            );
        }
        let (principal, acct) = normalize_principal(&g.principal);
        if g.kind == "group" && principal.starts_with("role/") {
            anyhow::bail!(
                "{}: grant[{i}]: roles cannot be group members",
                path.display()
            );
        }
        out.push(Grant {
            principal,
            kind: g.kind,
            value: g.value,
            account_id: g.account_id.or(acct),
        });
    }
    Ok(out)
}

/// Replace the file-sourced desired grants with `grants`, in one transaction.
pub async fn sync_file(store: &Store, grants: &[Grant]) -> Result<()> {
    let at = now();
    let mut stmts = vec![Stmt::new(
        "DELETE FROM desired_grant WHERE source = 'file'",
        vec![],
    )];
    // One active grant per identity: a grant listed twice is stored once, and one an
    // approved access request already gives is stored `shadowed` (it becomes active again
    // when that request is revoked, see [`unshadow`]).
    let unique: BTreeSet<&Grant> = grants.iter().collect();
    for g in unique {
        let a = || {
            args![
                g.principal.clone(),
                g.kind.clone(),
                g.value.clone(),
                g.account_id.clone(),
                at.clone()
            ]
        };
        stmts.push(Stmt::new(
            "INSERT INTO desired_grant (principal, grant_kind, grant_value, account_id, source, status, created_at) VALUES ($1, $2, $3, $4, 'file', 'active', $5) ON CONFLICT DO NOTHING",
            a(),
        ));
        stmts.push(Stmt::new(
            "INSERT INTO desired_grant (principal, grant_kind, grant_value, account_id, source, status, created_at) \
             SELECT $1, $2, $3, $4, 'file', 'shadowed', $5 WHERE NOT EXISTS \
             (SELECT 1 FROM desired_grant WHERE source = 'file' AND principal = $1 AND grant_kind = $2 AND grant_value = $3 AND COALESCE(account_id, '') = COALESCE($4, ''))",
            a(),
        ));
    }
    store.transaction(stmts).await
}

/// In a transaction that revoked `revoked` grants: make the desired-state file's copies
/// of them (stored `shadowed` while the requests held them) active again.
pub async fn unshadow(tx: &mut super::store::Tx, revoked: &[Grant]) -> Result<()> {
    for g in revoked {
        tx.exec(
            "UPDATE desired_grant SET status = 'active' WHERE source = 'file' AND status = 'shadowed' \
             AND principal = $1 AND grant_kind = $2 AND grant_value = $3 AND COALESCE(account_id, '') = COALESCE($4, '')",
            args![g.principal.clone(), g.kind.clone(), g.value.clone(), g.account_id.clone()],
        )
        .await?;
    }
    Ok(())
}

/// Active desired grants (file and approved access requests).
pub async fn desired(store: &Store) -> Result<Vec<Grant>> {
    let rows = store
        .fetch(
            "SELECT principal, grant_kind, grant_value, account_id FROM desired_grant WHERE status = 'active' ORDER BY id",
            vec![],
            &[Col::Text, Col::Text, Col::Text, Col::Text],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (principal, acct) = normalize_principal(r[0].text().unwrap_or_default());
            Grant {
                principal,
                kind: r[1].text().unwrap_or_default().to_string(),
                value: r[2].text().unwrap_or_default().to_string(),
                account_id: r[3]
                    .text()
                    .map(str::to_string)
                    .filter(|s| !s.is_empty())
                    .or(acct),
            }
        })
        .collect())
}

/// Actual grants from the tables (`sql/drift/actual_grants.sql`), read fresh.
pub async fn actual(engine: &Engine) -> Result<Vec<Grant>> {
    // Drift right after a fix must see the fix, not the cached listing.
    for rt in engine.runtimes.values() {
        rt.clear_cache();
    }
    let sql =
        sql_file("drift/actual_grants.sql").context("drift/actual_grants.sql is not embedded")?;
    let (names, rows) = query_text_rows(engine, sql)
        .await
        .context("reading the actual grants")?;
    let idx = |n: &str| names.iter().position(|c| c == n);
    let (pi, ki, vi, ai) = (
        idx("principal"),
        idx("grant_kind"),
        idx("grant_value"),
        idx("account_id"),
    );
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let get = |i: Option<usize>| i.and_then(|i| r.get(i).cloned().flatten());
            Some(Grant {
                principal: get(pi)?,
                kind: get(ki)?,
                value: get(vi)?,
                account_id: get(ai),
            })
        })
        .collect())
}

/// What differs.
#[derive(Debug, Default)]
pub struct Drift {
    /// Desired but not held.
    pub missing: Vec<Grant>,
    /// Held by a managed principal but not desired.
    pub unexpected: Vec<Grant>,
}

fn same_account(desired: &Option<String>, actual: &Option<String>) -> bool {
    match (desired, actual) {
        (Some(d), Some(a)) => d == a,
        _ => true,
    }
}

/// Compare: only principals named in the desired state are managed; their every grant
/// must be desired, and every desired grant must be held.
pub fn compare(desired: &[Grant], actual: &[Grant]) -> Drift {
    let mut d = Drift::default();
    let matches = |want: &Grant, have: &Grant| {
        want.principal == have.principal
            && want.kind == have.kind
            && want.value == have.value
            && same_account(&want.account_id, &have.account_id)
    };
    let mut seen = BTreeSet::new();
    for want in desired {
        if !actual.iter().any(|have| matches(want, have)) && seen.insert(want.clone()) {
            d.missing.push(want.clone());
        }
    }
    for have in actual {
        let managed = desired.iter().any(|w| {
            w.principal == have.principal && same_account(&w.account_id, &have.account_id)
        });
        if managed && !desired.iter().any(|want| matches(want, have)) {
            d.unexpected.push(have.clone());
        }
    }
    d
}

/// The IAM call that closes one drift, and whether it is high-risk: it removes access,
/// touches an admin principal, or grants something [`risk`] judges high-risk (IAM
/// writes, policy attachment, trust or credential actions, PassRole, wildcard admin,
/// or a policy it cannot judge).
pub fn remediation_for(
    g: &Grant,
    missing: bool,
    admin_principals: &BTreeSet<String>,
    grant_risk: &risk::Assessment,
) -> Option<(String, BTreeMap<String, String>, bool)> {
    let (ptype, name) = g.principal.split_once('/')?;
    let mut p = BTreeMap::new();
    let call = match (ptype, g.kind.as_str(), missing) {
        ("user", "policy", true) => "AttachUserPolicy",
        ("user", "policy", false) => "DetachUserPolicy",
        ("role", "policy", true) => "AttachRolePolicy",
        ("role", "policy", false) => "DetachRolePolicy",
        ("user", "group", true) => "AddUserToGroup",
        ("user", "group", false) => "RemoveUserFromGroup",
        ("user", "inline_policy", false) => "DeleteUserPolicy",
        ("role", "inline_policy", false) => "DeleteRolePolicy",
        _ => return None,
    };
    let who = if ptype == "role" {
        "RoleName"
    } else {
        "UserName"
    };
    p.insert(who.to_string(), name.to_string());
    match g.kind.as_str() {
        "policy" => p.insert("PolicyArn".into(), g.value.clone()),
        "group" => p.insert("GroupName".into(), g.value.clone()),
        _ => p.insert("PolicyName".into(), g.value.clone()),
    };
    let high = !missing || grant_risk.is_high() || admin_principals.contains(&g.principal);
    Some((format!("iam:{call}"), p, high))
}

/// Drift as results of a run (so runs record new/resolved drift like any other result).
pub fn result_rows(d: &Drift) -> Vec<ResultRow> {
    let row = |g: &Grant, control: &str, what: &str| ResultRow {
        control_id: control.to_string(),
        resource: format!("{} {}:{}", g.principal, g.kind, g.value),
        status: "alarm".into(),
        reason: format!("{} {what} {} {}", g.principal, g.kind, g.value),
        account_id: g.account_id.clone().unwrap_or_default(),
        region: "global".into(),
    };
    d.missing
        .iter()
        .map(|g| row(g, "drift.missing", "should hold"))
        .chain(
            d.unexpected
                .iter()
                .map(|g| row(g, "drift.unexpected", "should not hold")),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(p: &str, k: &str, v: &str) -> Grant {
        Grant {
            principal: p.into(),
            kind: k.into(),
            value: v.into(),
            account_id: Some("1".into()),
        }
    }

    #[test]
    fn normalizes_principals() {
        assert_eq!(normalize_principal("alice"), ("user/alice".into(), None));
        assert_eq!(
            normalize_principal("arn:aws:iam::123:user/team/alice"),
            ("user/alice".into(), Some("123".into()))
        );
        assert_eq!(normalize_principal("role/app"), ("role/app".into(), None));
    }

    #[test]
    fn toml_and_yaml_files_give_the_same_grants() {
        let dir = std::env::temp_dir().join(format!("pw-desired-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let toml_path = dir.join("desired.toml");
        std::fs::write(
            &toml_path,
            "[[grant]]\nprincipal = \"arn:aws:iam::123:user/team/alice\"\nkind = \"group\"\nvalue = \"eng\"\n\n[[grant]]\nprincipal = \"role/app\"\nkind = \"policy\"\nvalue = \"arn:aws:iam::aws:policy/ReadOnlyAccess\"\naccount_id = \"123\"\n",
        )
        .expect("write");
        let yaml_path = dir.join("desired.yaml");
        std::fs::write(
            &yaml_path,
            "grants:\n  - principal: arn:aws:iam::123:user/team/alice\n    kind: group\n    value: eng\n  - principal: role/app\n    kind: policy\n    value: arn:aws:iam::aws:policy/ReadOnlyAccess\n    account_id: \"123\"\n",
        )
        .expect("write");
        let from_toml = load_file(&toml_path).expect("toml");
        let from_yaml = load_file(&yaml_path).expect("yaml");
        assert_eq!(from_toml, from_yaml);
        assert_eq!(from_toml[0].principal, "user/alice");
        assert_eq!(from_toml[0].account_id.as_deref(), Some("123"));
        let bad = dir.join("bad.yml");
        std::fs::write(
            &bad,
            "grants:\n  - principal: x\n    kind: owner\n    value: y\n",
        )
        .expect("write");
        let err = load_file(&bad).expect_err("bad kind").to_string();
        assert!(
            err.contains("grant[0].kind: expected policy or group"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn only_managed_principals_drift() {
        let desired = vec![
            g("user/alice", "group", "eng"),
            g("user/alice", "policy", "arn:ro"),
        ];
        let actual = vec![
            g("user/alice", "group", "contractors"),
            g("user/alice", "policy", "arn:ro"),
            g("user/bob", "group", "x"),
        ];
        let d = compare(&desired, &actual);
        assert_eq!(d.missing, vec![g("user/alice", "group", "eng")]);
        assert_eq!(d.unexpected, vec![g("user/alice", "group", "contractors")]);
    }

    #[test]
    fn removals_risky_grants_and_admin_principals_are_high_risk() {
        let none = BTreeSet::new();
        let catalog = risk::PolicyCatalog::default();
        let low = risk::document_risk(
            &serde_json::json!({"Statement": [{"Effect": "Allow", "Action": "codecommit:*", "Resource": "*"}]}),
        );
        let (call, p, risky) =
            remediation_for(&g("user/alice", "group", "eng"), true, &none, &low).expect("call");
        assert_eq!((call.as_str(), risky), ("iam:AddUserToGroup", false));
        assert_eq!(p.get("GroupName").map(String::as_str), Some("eng"));
        assert!(
            remediation_for(&g("user/alice", "group", "eng"), false, &none, &low)
                .expect("call")
                .2
        );
        let admin = g(
            "user/a",
            "policy",
            "arn:aws:iam::aws:policy/AdministratorAccess",
        );
        assert!(
            remediation_for(&admin, true, &none, &catalog.grant_risk(&admin))
                .expect("call")
                .2
        );
        // Not only names ending in AdministratorAccess: any grant judged high-risk.
        let power = g(
            "user/a",
            "policy",
            "arn:aws:iam::aws:policy/PowerUserAccess",
        );
        assert!(
            remediation_for(&power, true, &none, &catalog.grant_risk(&power))
                .expect("call")
                .2
        );
        let unknown = g("user/a", "policy", "arn:aws:iam::1:policy/unknown");
        assert!(
            remediation_for(&unknown, true, &none, &catalog.grant_risk(&unknown))
                .expect("call")
                .2
        );
        let admins: BTreeSet<String> = ["user/alice".to_string()].into_iter().collect();
        assert!(
            remediation_for(&g("user/alice", "group", "eng"), true, &admins, &low)
                .expect("call")
                .2,
            "a change to an admin principal is high-risk"
        );
    }
}
