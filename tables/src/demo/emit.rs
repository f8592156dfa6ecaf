//! The organisation as rows of the IAM and account tables, in Steampipe's column formats.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::managed;
use super::model::{ACCOUNTS, DEV, PROD, SEC, User};
use super::org::{Org, REGIONS};
use super::util::{days, iam_id, obj, policy_std, put_common, put_tags, ts};
use crate::framework::Row;

fn owned_tags(row: &mut Row, tags: &[(String, String)]) {
    let pairs: Vec<(&str, &str)> = tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    put_tags(row, &pairs);
}

fn inline_columns(row: &mut Row, inline: &[(String, Value)]) {
    let plain: Vec<Value> = inline
        .iter()
        .map(|(n, d)| json!({"PolicyDocument": d, "PolicyName": n}))
        .collect();
    let std: Vec<Value> = inline
        .iter()
        .map(|(n, d)| json!({"PolicyDocument": policy_std(d), "PolicyName": n}))
        .collect();
    row.insert("inline_policies".into(), Value::Array(plain));
    row.insert("inline_policies_std".into(), Value::Array(std));
}

fn user_id(u: &User) -> String {
    iam_id("AIDA", &u.arn())
}

/// Who a policy is attached to, per account.
#[derive(Default)]
struct Attachments {
    users: Vec<Value>,
    groups: Vec<Value>,
    roles: Vec<Value>,
    boundary_uses: i64,
}

impl Attachments {
    fn count(&self) -> i64 {
        (self.users.len() + self.groups.len() + self.roles.len()) as i64
    }
}

/// Everything the IAM tables need, as rows keyed by table name.
pub fn iam_rows(org: &Org, epoch: DateTime<Utc>, out: &mut HashMap<&'static str, Vec<Row>>) {
    let t = |s: i64| ts(epoch, s);

    // Attachments per (account, policy ARN), used by aws_iam_policy and the attachment table.
    let mut attach: HashMap<(usize, String), Attachments> = HashMap::new();
    for u in &org.users {
        for p in &u.managed {
            attach
                .entry((u.account, p.clone()))
                .or_default()
                .users
                .push(json!({"UserId": user_id(u), "UserName": u.name}));
        }
        if let Some(b) = &u.boundary {
            attach
                .entry((u.account, b.clone()))
                .or_default()
                .boundary_uses += 1;
        }
    }
    for g in &org.groups {
        for p in &g.managed {
            attach
                .entry((g.account, p.clone()))
                .or_default()
                .groups
                .push(json!({"GroupId": iam_id("AGPA", &g.arn()), "GroupName": g.name}));
        }
    }
    for r in &org.roles {
        for p in &r.managed {
            attach
                .entry((r.account, p.clone()))
                .or_default()
                .roles
                .push(json!({"RoleId": iam_id("AROA", &r.arn()), "RoleName": r.name}));
        }
        if let Some(b) = &r.boundary {
            attach
                .entry((r.account, b.clone()))
                .or_default()
                .boundary_uses += 1;
        }
    }

    // aws_account and aws_region
    let mut accounts = Vec::new();
    let mut regions = Vec::new();
    const ALL_REGIONS: &[(&str, &str)] = &[
        ("us-east-1", "opt-in-not-required"),
        ("us-east-2", "opt-in-not-required"),
        ("us-west-1", "opt-in-not-required"),
        ("us-west-2", "opt-in-not-required"),
        ("eu-west-1", "opt-in-not-required"),
        ("eu-west-2", "opt-in-not-required"),
        ("eu-central-1", "opt-in-not-required"),
        ("eu-north-1", "opt-in-not-required"),
        ("ap-southeast-1", "opt-in-not-required"),
        ("ap-northeast-1", "opt-in-not-required"),
        ("ca-central-1", "opt-in-not-required"),
        ("sa-east-1", "opt-in-not-required"),
        ("eu-south-1", "not-opted-in"),
        ("af-south-1", "not-opted-in"),
        ("me-central-1", "opted-in"),
    ];
    for a in &ACCOUNTS {
        let arn = format!("arn:aws:::{}", a.id);
        let mut row = obj(json!({"account_aliases": [a.alias], "arn": arn}));
        put_common(&mut row, a.alias, &arn, "global", a.id);
        accounts.push(row);
        for (name, opt_in) in ALL_REGIONS {
            if *opt_in == "opted-in" && a.env != "prod" {
                continue;
            }
            let mut row = obj(json!({
                "name": name,
                "opt_in_status": opt_in,
                "steampipe_available": REGIONS.contains(name),
                "steampipe_default": *name == REGIONS[0],
            }));
            put_common(
                &mut row,
                name,
                &format!("arn:aws::{name}:{}", a.id),
                name,
                a.id,
            );
            regions.push(row);
        }
    }
    out.insert("aws_account", accounts);
    out.insert("aws_region", regions);

    // aws_iam_user, aws_iam_access_key, aws_iam_virtual_mfa_device, aws_iam_credential_report
    let mut users = Vec::with_capacity(org.users.len());
    let mut keys = Vec::with_capacity(org.users.len() / 2);
    let mut mfas = Vec::new();
    let mut report = Vec::with_capacity(org.users.len() + 3);
    let generated = t(days(0) + 1800);
    let expiring = |account: usize| account != DEV;
    for u in &org.users {
        let acct = ACCOUNTS[u.account].id;
        let arn = u.arn();
        let uid = user_id(u);
        let created = t(u.created);
        let last_used = u.console.as_ref().and_then(|c| c.last_used).map(t);
        let serial = format!("arn:aws:iam::{acct}:mfa/{}", u.name);
        let groups: Vec<Value> = u
            .groups
            .iter()
            .map(|&g| {
                let g = &org.groups[g];
                json!({"Arn": g.arn(), "CreateDate": t(g.created), "GroupId": iam_id("AGPA", &g.arn()), "GroupName": g.name, "Path": g.path})
            })
            .collect();
        let mut row = obj(json!({
            "name": u.name,
            "user_id": uid,
            "path": u.path,
            "arn": arn,
            "create_date": created,
            "password_last_used": last_used,
            "permissions_boundary_arn": u.boundary,
            "permissions_boundary_type": u.boundary.as_ref().map(|_| "PermissionsBoundaryPolicy"),
            "mfa_enabled": u.mfa.is_some(),
            "login_profile": u.console.as_ref().map(|c| json!({"CreateDate": t(c.created), "PasswordResetRequired": c.reset_required, "UserName": u.name})),
            "mfa_devices": u.mfa.map(|m| json!([{"EnableDate": t(m), "SerialNumber": serial, "UserName": u.name}])).unwrap_or_else(|| json!([])),
            "groups": groups,
            "attached_policy_arns": u.managed,
        }));
        inline_columns(&mut row, &u.inline);
        owned_tags(&mut row, &u.tags);
        put_common(&mut row, &u.name, &arn, "global", acct);
        users.push(row);

        for k in &u.keys {
            let mut row = obj(json!({
                "access_key_id": k.id,
                "user_name": u.name,
                "status": if k.active { "Active" } else { "Inactive" },
                "create_date": t(k.created),
                "access_key_last_used_date": k.last_used.map(|l| t(l.0)),
                "access_key_last_used_service": k.last_used.map(|l| l.1).unwrap_or("N/A"),
                "access_key_last_used_region": k.last_used.map(|l| l.2).unwrap_or("N/A"),
            }));
            put_common(
                &mut row,
                &k.id,
                &format!("arn:aws:iam::{acct}:user/{}/accesskey/{}", u.name, k.id),
                "global",
                acct,
            );
            keys.push(row);
        }

        if let Some(m) = u.mfa {
            let mut row = obj(json!({
                "serial_number": serial,
                "enable_date": t(m),
                "assignment_status": "Assigned",
                "user_id": uid,
                "user_name": u.name,
                "user": {"Arn": arn, "CreateDate": created, "PasswordLastUsed": last_used, "Path": u.path, "UserId": uid, "UserName": u.name},
            }));
            put_tags(&mut row, &[]);
            put_common(&mut row, &u.name, &serial, "global", acct);
            mfas.push(row);
        }

        let key_cols = |n: usize| -> [(String, Value); 5] {
            let k = u.keys.get(n);
            let p = format!("access_key_{}", n + 1);
            [
                (
                    format!("{p}_active"),
                    json!(k.map(|k| k.active).unwrap_or(false)),
                ),
                (format!("{p}_last_rotated"), json!(k.map(|k| t(k.created)))),
                (
                    format!("{p}_last_used_date"),
                    json!(k.and_then(|k| k.last_used).map(|l| t(l.0))),
                ),
                (
                    format!("{p}_last_used_region"),
                    json!(
                        k.and_then(|k| k.last_used)
                            .map(|l| l.2)
                            .or(k.map(|_| "N/A"))
                    ),
                ),
                (
                    format!("{p}_last_used_service"),
                    json!(
                        k.and_then(|k| k.last_used)
                            .map(|l| l.1)
                            .or(k.map(|_| "N/A"))
                    ),
                ),
            ]
        };
        let mut row = obj(json!({
            "user_name": u.name,
            "user_arn": arn,
            "user_creation_time": created,
            "generated_time": generated,
        }));
        for n in 0..2 {
            for (k, v) in key_cols(n) {
                row.insert(k, v);
            }
        }
        row.insert("cert_1_active".into(), json!(u.signing_cert.is_some()));
        row.insert("cert_1_last_rotated".into(), json!(u.signing_cert.map(t)));
        row.insert("cert_2_active".into(), json!(false));
        row.insert("cert_2_last_rotated".into(), Value::Null);
        row.insert("mfa_active".into(), json!(u.mfa.is_some()));
        row.insert("password_enabled".into(), json!(u.console.is_some()));
        row.insert(
            "password_last_changed".into(),
            json!(u.console.as_ref().map(|c| t(c.changed))),
        );
        row.insert("password_last_used".into(), json!(last_used));
        row.insert(
            "password_status".into(),
            json!(match &u.console {
                None => "not_set",
                Some(c) if c.last_used.is_none() => "never_used",
                Some(_) => "used",
            }),
        );
        row.insert(
            "password_next_rotation".into(),
            json!(
                u.console
                    .as_ref()
                    .filter(|_| expiring(u.account))
                    .map(|c| t(c.changed - days(90)))
            ),
        );
        put_common(&mut row, &u.name, &arn, "global", acct);
        report.push(row);
    }

    // Root users: prod has an access key and no MFA, dev signs in as root, security is clean.
    for (a, acct) in ACCOUNTS.iter().enumerate() {
        let arn = format!("arn:aws:iam::{}:root", acct.id);
        let mfa = a != PROD;
        let root_key = a == PROD;
        let mut row = obj(json!({
            "user_name": "<root_account>",
            "user_arn": arn,
            "user_creation_time": t(days(2600 - 300 * a as i64)),
            "generated_time": generated,
            "access_key_1_active": root_key,
            "access_key_1_last_rotated": root_key.then(|| t(days(1900))),
            "access_key_1_last_used_date": root_key.then(|| t(days(33))),
            "access_key_1_last_used_region": if root_key { "us-east-1" } else { "N/A" },
            "access_key_1_last_used_service": if root_key { "s3" } else { "N/A" },
            "access_key_2_active": false,
            "access_key_2_last_rotated": null,
            "access_key_2_last_used_date": null,
            "access_key_2_last_used_region": "N/A",
            "access_key_2_last_used_service": "N/A",
            "cert_1_active": false,
            "cert_1_last_rotated": null,
            "cert_2_active": a == SEC,
            "cert_2_last_rotated": (a == SEC).then(|| t(days(2100))),
            "mfa_active": mfa,
            "password_enabled": false,
            "password_last_changed": null,
            "password_last_used": t(match a { PROD => days(120), DEV => days(2) + 7200, _ => days(400) }),
            "password_status": "used",
            "password_next_rotation": null,
        }));
        put_common(&mut row, "<root_account>", &arn, "global", acct.id);
        report.push(row);
        if mfa {
            let serial = format!("arn:aws:iam::{}:mfa/root-account-mfa-device", acct.id);
            let mut row = obj(json!({
                "serial_number": serial,
                "enable_date": t(days(2000)),
                "assignment_status": "Assigned",
                "user_id": acct.id,
                "user_name": null,
                "user": {"Arn": arn, "CreateDate": t(days(2600 - 300 * a as i64)), "PasswordLastUsed": null, "UserId": acct.id},
            }));
            put_tags(&mut row, &[]);
            put_common(
                &mut row,
                "root-account-mfa-device",
                &serial,
                "global",
                acct.id,
            );
            mfas.push(row);
        }
    }
    // A device somebody created and never enabled.
    let serial = format!("arn:aws:iam::{}:mfa/old-phone", ACCOUNTS[DEV].id);
    let mut row = obj(json!({
        "serial_number": serial, "enable_date": null, "assignment_status": "Unassigned",
        "user_id": null, "user_name": null, "user": null,
    }));
    put_tags(
        &mut row,
        &[
            ("Owner", "it-helpdesk"),
            ("Note", "replaced, safe to delete"),
        ],
    );
    put_common(&mut row, "old-phone", &serial, "global", ACCOUNTS[DEV].id);
    mfas.push(row);

    out.insert("aws_iam_user", users);
    out.insert("aws_iam_access_key", keys);
    out.insert("aws_iam_virtual_mfa_device", mfas);
    out.insert("aws_iam_saml_provider", saml_providers(&t));
    out.insert("aws_iam_credential_report", report);

    // aws_iam_group
    let mut groups = Vec::with_capacity(org.groups.len());
    for g in &org.groups {
        let acct = ACCOUNTS[g.account].id;
        let arn = g.arn();
        let members: Vec<Value> = g
            .members
            .iter()
            .map(|&i| {
                let u = &org.users[i];
                json!({
                    "Arn": u.arn(), "CreateDate": t(u.created),
                    "PasswordLastUsed": u.console.as_ref().and_then(|c| c.last_used).map(t),
                    "Path": u.path, "UserId": user_id(u), "UserName": u.name
                })
            })
            .collect();
        let mut row = obj(json!({
            "name": g.name,
            "group_id": iam_id("AGPA", &arn),
            "path": g.path,
            "arn": arn,
            "create_date": t(g.created),
            "attached_policy_arns": g.managed,
            "users": members,
        }));
        inline_columns(&mut row, &g.inline);
        put_common(&mut row, &g.name, &arn, "global", acct);
        groups.push(row);
    }
    out.insert("aws_iam_group", groups);

    // aws_iam_role
    let mut roles = Vec::with_capacity(org.roles.len());
    for r in &org.roles {
        let acct = ACCOUNTS[r.account].id;
        let arn = r.arn();
        let trust_text = r.trust.to_string();
        let mut row = obj(json!({
            "name": r.name,
            "arn": arn,
            "role_id": iam_id("AROA", &arn),
            // IAM returns trust policies URL-encoded; Steampipe passes the text through.
            "assume_role_policy_document": urlencoding::encode(&trust_text).into_owned(),
            "create_date": t(r.created),
            "description": if r.description.is_empty() { None } else { Some(r.description.clone()) },
            "instance_profile_arns": if r.instance_profile { json!([r.instance_profile_arn()]) } else { json!([]) },
            "max_session_duration": r.max_session,
            "path": r.path,
            "permissions_boundary_arn": r.boundary,
            "permissions_boundary_type": r.boundary.as_ref().map(|_| "PermissionsBoundaryPolicy"),
            "role_last_used_date": r.last_used.map(|l| t(l.0)),
            "role_last_used_region": r.last_used.map(|l| l.1),
            "attached_policy_arns": r.managed,
            "assume_role_policy": r.trust,
            "assume_role_policy_std": policy_std(&r.trust),
        }));
        inline_columns(&mut row, &r.inline);
        owned_tags(&mut row, &r.tags);
        put_common(&mut row, &r.name, &arn, "global", acct);
        roles.push(row);
    }
    out.insert("aws_iam_role", roles);

    // aws_iam_policy and aws_iam_policy_attachment: AWS-managed ones appear in every account.
    let mut policies = Vec::new();
    let mut attachments = Vec::new();
    let empty = Attachments::default();
    let mut policy_rows = |account: usize,
                           name: &str,
                           path: &str,
                           description: &str,
                           arn: String,
                           aws_managed: bool,
                           attachable: bool,
                           created: i64,
                           updated: i64,
                           version: String,
                           document: &Value,
                           tags: &[(String, String)]| {
        let acct = ACCOUNTS[account].id;
        let a = attach.get(&(account, arn.clone())).unwrap_or(&empty);
        let mut row = obj(json!({
            "name": name,
            "policy_id": iam_id("ANPA", &arn),
            "path": path,
            "description": description,
            "arn": arn,
            "is_aws_managed": aws_managed,
            "is_attachable": attachable,
            "create_date": t(created),
            "update_date": t(updated),
            "attachment_count": a.count(),
            "is_attached": a.count() > 0,
            "default_version_id": version,
            "permissions_boundary_usage_count": a.boundary_uses,
            "policy": document,
            "policy_std": policy_std(document),
            // The demo's customer policies have one version: the default.
            "versions": if aws_managed {
                Value::Null
            } else {
                json!([{"VersionId": version, "IsDefaultVersion": true, "Document": document}])
            },
        }));
        owned_tags(&mut row, tags);
        put_common(&mut row, name, &arn, "global", acct);
        policies.push(row);
        let mut row = obj(json!({
            "policy_arn": arn,
            "is_attached": a.count() > 0,
            "policy_groups": a.groups,
            "policy_roles": a.roles,
            "policy_users": a.users,
        }));
        put_common(&mut row, name, &arn, "global", acct);
        attachments.push(row);
    };
    for account in [PROD, DEV, SEC] {
        for m in managed::CATALOG {
            policy_rows(
                account,
                m.name,
                m.path,
                m.description,
                m.arn(),
                true,
                m.attachable,
                days(m.created_days_ago),
                days(m.updated_days_ago),
                m.version.to_string(),
                &managed::document(m.name),
                &[],
            );
        }
    }
    for p in &org.policies {
        policy_rows(
            p.account,
            &p.name,
            &p.path,
            &p.description,
            p.arn(),
            false,
            true,
            p.created,
            p.updated,
            format!("v{}", p.versions),
            &p.document,
            &p.tags,
        );
    }
    out.insert("aws_iam_policy", policies);
    out.insert("aws_iam_policy_attachment", attachments);

    // aws_iam_account_password_policy: weak in dev, strong elsewhere.
    let mut pw = Vec::new();
    for (a, acct) in ACCOUNTS.iter().enumerate() {
        let weak = a == DEV;
        let mut row = obj(json!({
            "allow_users_to_change_password": true,
            "expire_passwords": !weak,
            "hard_expiry": false,
            "max_password_age": if weak { None } else { Some(90) },
            "minimum_password_length": if weak { 8 } else { 14 },
            "password_reuse_prevention": if weak { None } else { Some(24) },
            "require_lowercase_characters": true,
            "require_numbers": !weak,
            "require_symbols": !weak,
            "require_uppercase_characters": !weak,
        }));
        put_common(
            &mut row,
            acct.id,
            &format!("arn:aws:iam::{}:account-password-policy", acct.id),
            "global",
            acct.id,
        );
        pw.push(row);
    }
    out.insert("aws_iam_account_password_policy", pw);

    // aws_iam_account_summary, counted from what was generated.
    let mut summaries = Vec::new();
    for (a, acct) in ACCOUNTS.iter().enumerate() {
        let users_n = org.users.iter().filter(|u| u.account == a).count() as i64;
        let mfa_n = org
            .users
            .iter()
            .filter(|u| u.account == a && u.mfa.is_some())
            .count() as i64;
        let roles_n = org.roles.iter().filter(|r| r.account == a).count() as i64;
        let profiles = org
            .roles
            .iter()
            .filter(|r| r.account == a && r.instance_profile)
            .count() as i64;
        let groups_n = org.groups.iter().filter(|g| g.account == a).count() as i64;
        let policies_n = org.policies.iter().filter(|p| p.account == a).count() as i64;
        let versions: i64 = org
            .policies
            .iter()
            .filter(|p| p.account == a)
            .map(|p| i64::from(p.versions))
            .sum();
        let root_mfa = i64::from(a != PROD);
        let mut row = obj(json!({
            "access_keys_per_user_quota": 2,
            "account_access_keys_present": i64::from(a == PROD),
            "account_mfa_enabled": a != PROD,
            "account_password_present": true,
            "account_signing_certificates_present": 0,
            "assume_role_policy_size_quota": 2048,
            "attached_policies_per_group_quota": 10,
            "attached_policies_per_role_quota": 10,
            "attached_policies_per_user_quota": 10,
            "global_endpoint_token_version": 1,
            "group_policy_size_quota": 5120,
            "groups": groups_n,
            "groups_per_user_quota": 10,
            "groups_quota": 300,
            "instance_profiles": profiles,
            "instance_profiles_quota": 1000,
            "mfa_devices": mfa_n + root_mfa + i64::from(a == DEV),
            "mfa_devices_in_use": mfa_n + root_mfa,
            "policies": policies_n,
            "policies_quota": 1500,
            "policy_size_quota": 6144,
            "policy_versions_in_use": versions,
            "policy_versions_in_use_quota": 10000,
            "providers": 1,
            "role_policy_size_quota": 10240,
            "roles": roles_n,
            "roles_quota": 1000,
            "server_certificates": super::services::server_certificate_count(a) as i64,
            "server_certificates_quota": 20,
            "signing_certificates_per_user_quota": 2,
            "user_policy_size_quota": 2048,
            "users": users_n,
            "users_quota": 5000,
            "versions_per_policy_quota": 5,
        }));
        put_common(
            &mut row,
            acct.id,
            &format!("arn:aws:::{}", acct.id),
            "global",
            acct.id,
        );
        summaries.push(row);
    }
    out.insert("aws_iam_account_summary", summaries);
}

/// The company's identity provider, federated into every account (a SAML provider per
/// account, as AWS requires); the metadata expires a year after the demo's epoch.
fn saml_providers(t: &dyn Fn(i64) -> String) -> Vec<Row> {
    let metadata = "<?xml version=\"1.0\"?><md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://acme.okta.example/saml\"><md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"><md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"https://acme.okta.example/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>";
    ACCOUNTS
        .iter()
        .map(|acct| {
            let arn = format!("arn:aws:iam::{}:saml-provider/acme-okta", acct.id);
            let mut row = obj(json!({
                "arn": arn,
                "create_date": t(days(1200)),
                "valid_until": t(-days(365)),
                "saml_metadata_document": metadata,
            }));
            put_tags(&mut row, &[("Owner", "it-identity")]);
            put_common(&mut row, "acme-okta", &arn, "global", acct.id);
            row
        })
        .collect()
}
