//! Every rule fires on exactly what it needs (trigger) and not on a near miss: the same
//! permissions on a sibling project, or one needed permission missing.

use serde_json::json;

use super::*;

const ATTACKER: &str = "user:attacker@x.com";
const TARGET: &str = "target@p.iam.gserviceaccount.com";

/// organizations/1 > folders/2 > projects/p; organizations/1 > projects/q. Account
/// `target@p` and a VM in p running as it with the cloud-platform scope.
fn base() -> GcpSnapshot {
    let mut s = GcpSnapshot {
        organizations: vec!["organizations/1".into()],
        folders: vec!["folders/2".into()],
        projects: vec!["p".into(), "q".into()],
        ..GcpSnapshot::default()
    };
    s.parents
        .insert("folders/2".into(), "organizations/1".into());
    s.parents.insert("projects/p".into(), "folders/2".into());
    s.parents
        .insert("projects/q".into(), "organizations/1".into());
    for (email, project) in [(TARGET, "p"), ("mid@p.iam.gserviceaccount.com", "p")] {
        s.service_accounts.push(GcpServiceAccount {
            email: email.into(),
            project: project.into(),
            disabled: false,
        });
    }
    s.instances.push(GcpInstance {
        resource: "projects/p/zones/europe-west1-b/instances/vm".into(),
        project: "p".into(),
        service_account: TARGET.into(),
        scopes: vec![model::CLOUD_PLATFORM_SCOPE.into()],
    });
    s
}

/// Bind `member` at `scope` to a new custom role holding `perms`.
fn grant(s: &mut GcpSnapshot, scope: &str, member: &str, perms: &[&str]) -> String {
    let role = format!("projects/p/roles/r{}", s.roles.len());
    s.roles
        .insert(role.clone(), perms.iter().map(|p| p.to_string()).collect());
    s.policies
        .entry(scope.to_string())
        .or_default()
        .push(GcpBinding::from_policy(&json!([{"role": role, "members": [member]}]))[0].clone());
    role
}

fn edges(s: &GcpSnapshot) -> Vec<GcpEdge> {
    let idx = GcpIndex::new(s);
    edges_for(&idx, ATTACKER)
}

fn fires(s: &GcpSnapshot, rule: &str, target: &GcpTarget) -> bool {
    edges(s)
        .iter()
        .any(|e| e.rule_id == rule && &e.target == target)
}

/// What a rule needs, where to grant it, and what it reaches in [`base`].
fn plan(rule: &GcpRule) -> Option<(Vec<&'static str>, &'static str, GcpTarget)> {
    let sa = GcpTarget::ServiceAccount(TARGET.into());
    Some(match rule.shape {
        Shape::Admin { permission, level } => (
            vec![permission],
            if level == "organizations" {
                "organizations/1"
            } else {
                "projects/p"
            },
            GcpTarget::Admin(if level == "organizations" {
                "organizations/1".into()
            } else {
                "projects/p".into()
            }),
        ),
        Shape::AdminOfProjectsBelow { permission, level } => (
            vec![permission],
            if level == "organizations" {
                "organizations/1"
            } else {
                "folders/2"
            },
            GcpTarget::Admin("projects/p".into()),
        ),
        Shape::ServiceAccount {
            on_account,
            on_project,
            any_on_project,
        } => {
            let mut perms: Vec<&str> = on_account.to_vec();
            perms.extend(on_project);
            perms.extend(any_on_project.first());
            (perms, "projects/p", sa)
        }
        Shape::Instance { on_instance } => {
            let mut perms = on_instance.to_vec();
            perms.push("iam.serviceAccounts.actAs");
            (perms, "projects/p", sa)
        }
        Shape::ProjectInstances { on_project } => {
            let mut perms = on_project.to_vec();
            perms.push("iam.serviceAccounts.actAs");
            (perms, "projects/p", sa)
        }
        Shape::RoleUpdate | Shape::ImplicitDelegation => return None,
    })
}

#[test]
fn every_declared_rule_triggers_and_misses_nearby() {
    let mut checked = 0;
    for rule in RULES {
        let Some((perms, scope, target)) = plan(rule) else {
            continue;
        };
        let mut s = base();
        grant(&mut s, scope, ATTACKER, &perms);
        let found = edges(&s);
        assert!(
            found
                .iter()
                .any(|e| e.rule_id == rule.id && e.target == target && !e.conditional),
            "{}: no edge to {target:?} from {perms:?} on {scope}: {found:#?}",
            rule.id
        );
        // Near miss 1: the same permissions on the sibling project q.
        let mut s = base();
        grant(&mut s, "projects/q", ATTACKER, &perms);
        assert!(
            !fires(&s, rule.id, &target),
            "{}: fired from a grant on a sibling project",
            rule.id
        );
        // Near miss 2: one needed permission missing.
        if perms.len() > 1 {
            for missing in 0..perms.len() {
                let mut fewer = perms.clone();
                let dropped = fewer.remove(missing);
                let mut s = base();
                grant(&mut s, scope, ATTACKER, &fewer);
                assert!(
                    !fires(&s, rule.id, &target),
                    "{}: fired without {dropped}",
                    rule.id
                );
            }
        }
        checked += 1;
    }
    assert_eq!(
        checked + 2,
        RULES.len(),
        "every rule but the two special shapes"
    );
}

#[test]
fn conditional_grant_gives_a_conditional_edge() {
    let mut s = base();
    let role = grant(
        &mut s,
        "projects/q",
        "user:nobody@x.com",
        &["iam.serviceAccounts.getAccessToken"],
    );
    s.policies.entry("projects/p".into()).or_default().push(
        GcpBinding::from_policy(&json!([{"role": role, "members": [ATTACKER],
            "condition": {"title": "weekdays", "expression": "request.time.getDayOfWeek() < 5"}}]))
            [0]
        .clone(),
    );
    let e = edges(&s)
        .into_iter()
        .find(|e| e.rule_id == "gcp-sa-get-access-token")
        .expect("conditional edge");
    assert!(e.conditional);
    assert_eq!(e.evidence[0].condition.as_deref(), Some("weekdays"));
}

#[test]
fn role_update_on_a_held_role_reaches_the_scope_it_is_held_at() {
    let mut s = base();
    let weak = grant(
        &mut s,
        "projects/p",
        ATTACKER,
        &["resourcemanager.projects.get"],
    );
    grant(
        &mut s,
        "projects/p",
        "user:other@x.com",
        &["iam.roles.update"],
    );
    assert!(
        !fires(
            &s,
            "gcp-iam-roles-update",
            &GcpTarget::Admin("projects/p".into())
        ),
        "near miss: someone else can update the role"
    );
    grant(&mut s, "projects/p", ATTACKER, &["iam.roles.update"]);
    let e = edges(&s)
        .into_iter()
        .find(|e| {
            e.rule_id == "gcp-iam-roles-update" && e.target == GcpTarget::Admin("projects/p".into())
        })
        .expect("trigger");
    assert!(e.evidence.iter().any(|h| h.role == weak));
    // Held on the folder: every project below.
    let mut s = base();
    grant(
        &mut s,
        "folders/2",
        ATTACKER,
        &["resourcemanager.projects.get"],
    );
    grant(&mut s, "projects/q", ATTACKER, &["iam.roles.update"]);
    assert!(
        !fires(
            &s,
            "gcp-iam-roles-update",
            &GcpTarget::Admin("projects/p".into())
        ),
        "update permission on q does not reach roles defined in p"
    );
    grant(&mut s, "projects/p", ATTACKER, &["iam.roles.update"]);
    assert!(fires(
        &s,
        "gcp-iam-roles-update",
        &GcpTarget::Admin("projects/p".into())
    ));
}

#[test]
fn implicit_delegation_needs_the_intermediate_to_mint_the_target() {
    let mid_res = "projects/p/serviceAccounts/mid@p.iam.gserviceaccount.com";
    let target_res = format!("projects/p/serviceAccounts/{TARGET}");
    let mut s = base();
    grant(
        &mut s,
        mid_res,
        ATTACKER,
        &["iam.serviceAccounts.implicitDelegation"],
    );
    let sa = GcpTarget::ServiceAccount(TARGET.into());
    assert!(
        !fires(&s, "gcp-sa-implicit-delegation", &sa),
        "near miss: mid cannot mint"
    );
    grant(
        &mut s,
        &target_res,
        "serviceAccount:mid@p.iam.gserviceaccount.com",
        &["iam.serviceAccounts.getAccessToken"],
    );
    assert!(fires(&s, "gcp-sa-implicit-delegation", &sa));
    assert!(
        !fires(&s, "gcp-sa-get-access-token", &sa),
        "the attacker itself has no token permission on the target"
    );
}

#[test]
fn vm_scopes_make_instance_paths_conditional_and_disabled_accounts_are_no_target() {
    let mut s = base();
    s.instances[0].scopes = vec!["https://www.googleapis.com/auth/devstorage.read_only".into()];
    grant(
        &mut s,
        "projects/p",
        ATTACKER,
        &["compute.instances.setMetadata", "iam.serviceAccounts.actAs"],
    );
    let e = edges(&s)
        .into_iter()
        .find(|e| e.rule_id == "gcp-compute-set-metadata")
        .expect("edge");
    assert!(
        e.conditional
            && e.assumption
                .as_deref()
                .is_some_and(|a| a.contains("scopes"))
    );
    let mut s = base();
    s.service_accounts[0].disabled = true;
    grant(
        &mut s,
        "projects/p",
        ATTACKER,
        &["iam.serviceAccountKeys.create"],
    );
    assert!(!fires(
        &s,
        "gcp-sa-keys-create",
        &GcpTarget::ServiceAccount(TARGET.into())
    ));
}

#[test]
fn predefined_roles_expand_and_owners_get_admin_not_per_account_edges() {
    let mut s = base();
    s.policies.insert(
        "folders/2".into(),
        GcpBinding::from_policy(&json!([{"role": "roles/owner", "members": [ATTACKER]}])),
    );
    let found = edges(&s);
    assert!(
        found
            .iter()
            .any(|e| e.direct_admin && e.target == GcpTarget::Admin("projects/p".into()))
    );
    assert!(
        !found
            .iter()
            .any(|e| e.target == GcpTarget::Admin("projects/q".into()))
    );
    assert!(
        !found
            .iter()
            .any(|e| matches!(e.target, GcpTarget::ServiceAccount(_))),
        "an owner of p needs no per-account edges there: {found:#?}"
    );
    // allUsers bindings apply to everyone.
    let mut s = base();
    s.policies.insert(
        format!("projects/p/serviceAccounts/{TARGET}"),
        GcpBinding::from_policy(&json!([{"role": "roles/iam.serviceAccountTokenCreator", "members": ["allAuthenticatedUsers"]}])),
    );
    assert!(fires(
        &s,
        "gcp-sa-get-access-token",
        &GcpTarget::ServiceAccount(TARGET.into())
    ));
}
