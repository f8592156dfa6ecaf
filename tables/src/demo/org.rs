//! Building the organisation: planted principals first, then departments, teams and
//! ordinary users and roles drawn from a seeded random stream until the requested
//! number of principals is reached.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::infra::Infra;
use super::managed;
use super::model::{
    ACCOUNTS, AccessKey, Console, DEV, Group, PROD, Policy, Role, SEC, User, allow, doc, trust_aws,
    trust_service,
};
use super::plants;
use super::util::{access_key_id, days};

/// A department: a group per account with the managed policies its people get.
struct Department {
    key: &'static str,
    group: &'static str,
    /// AWS-managed policies attached to the department group (by account index).
    managed: [&'static [&'static str]; 3],
    weight: u32,
}

const DEPARTMENTS: &[Department] = &[
    Department {
        key: "engineering",
        group: "engineering",
        managed: [
            &["ReadOnlyAccess"],
            &["ReadOnlyAccess"],
            &["ReadOnlyAccess"],
        ],
        weight: 40,
    },
    Department {
        key: "data",
        group: "data-analytics",
        managed: [
            &["AmazonS3ReadOnlyAccess"],
            &["AmazonS3ReadOnlyAccess"],
            &["AmazonS3ReadOnlyAccess"],
        ],
        weight: 14,
    },
    // Power users only in production: in dev, sts:AssumeRole on "*" would open the
    // planted cross-account trust to every platform engineer and blur that plant.
    Department {
        key: "platform",
        group: "platform-ops",
        managed: [
            &["PowerUserAccess"],
            &["AmazonEC2FullAccess"],
            &["AmazonEC2FullAccess"],
        ],
        weight: 8,
    },
    Department {
        key: "security",
        group: "security-team",
        managed: [&["SecurityAudit"], &["SecurityAudit"], &["SecurityAudit"]],
        weight: 5,
    },
    Department {
        key: "finance",
        group: "finance",
        managed: [&["Billing"], &["Billing"], &["Billing"]],
        weight: 6,
    },
    Department {
        key: "support",
        group: "customer-support",
        managed: [
            &["AWSSupportAccess"],
            &["AWSSupportAccess"],
            &["AWSSupportAccess"],
        ],
        weight: 11,
    },
    Department {
        key: "marketing",
        group: "marketing",
        managed: [&[], &[], &[]],
        weight: 8,
    },
    Department {
        key: "sales",
        group: "sales-ops",
        managed: [&[], &[], &[]],
        weight: 8,
    },
];

const TEAM_NAMES: &[&str] = &[
    "payments",
    "checkout",
    "search",
    "identity",
    "mobile",
    "web",
    "ml",
    "etl",
    "reporting",
    "infra",
    "network",
    "observability",
    "billing",
    "ledger",
    "crm",
    "growth",
    "seo",
    "helpdesk",
    "detection",
    "compliance",
    "catalog",
    "pricing",
    "inventory",
    "shipping",
    "notifications",
    "messaging",
    "media",
    "recommendations",
    "fraud",
    "loyalty",
];

const SERVICES: &[&str] = &[
    "api",
    "worker",
    "ingest",
    "export",
    "scheduler",
    "gateway",
    "indexer",
    "sync",
    "webhook",
    "renderer",
    "batch",
    "stream",
    "auth",
    "reports",
    "cache",
];

const FIRST: &[&str] = &[
    "maria", "james", "li", "fatima", "olga", "pedro", "aisha", "tom", "yuki", "noah", "emma",
    "lucas", "sofia", "omar", "chen", "anna", "david", "sara", "ivan", "leila", "mateo", "chloe",
    "ravi", "nina", "ali", "julia", "kofi", "elena", "jonas", "priya", "hugo", "mei", "samir",
    "lea", "oscar", "zoe", "tariq", "ines", "felix", "amara",
];

const LAST: &[&str] = &[
    "garcia", "smith", "wang", "khan", "petrova", "silva", "okafor", "mueller", "tanaka", "cohen",
    "martin", "rossi", "nguyen", "haddad", "kim", "novak", "brown", "larsen", "ivanova", "mendes",
    "dubois", "singh", "schmidt", "lopez", "ahmed", "fischer", "jensen", "moreau", "kowalski",
    "ortiz", "yamamoto", "walker", "costa", "hansen", "popescu", "ali", "berg", "reyes", "suzuki",
    "murphy",
];

/// Regions the demo places regional resources in.
pub const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// One team: a group, a customer-managed policy, and the resources it owns.
#[derive(Debug, Clone)]
pub struct Team {
    /// Account index.
    pub account: usize,
    /// Department index.
    pub department: usize,
    /// Team name (unique across the organisation).
    pub name: String,
    /// Index of the team's group.
    pub group: usize,
    /// ARN of the team's policy.
    pub policy_arn: String,
    /// Index of a role of the team with an instance profile, once one exists.
    pub instance_role: Option<usize>,
}

/// The whole organisation before it becomes rows.
#[derive(Debug)]
pub struct Org {
    /// Users (planted first).
    pub users: Vec<User>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Roles (planted first).
    pub roles: Vec<Role>,
    /// Customer-managed policies.
    pub policies: Vec<Policy>,
    /// Teams.
    pub teams: Vec<Team>,
    /// Index of the `admins` group of each account.
    pub admin_group: [usize; 3],
    /// Index of each department's group per account: `[account][department]`.
    pub department_groups: [Vec<usize>; 3],
    /// Buckets, networks and instances.
    pub infra: Infra,
    /// Number of planted principals (users + roles), which is also the smallest org.
    pub planted_principals: usize,
}

impl Org {
    fn empty() -> Self {
        Org {
            users: Vec::new(),
            groups: Vec::new(),
            roles: Vec::new(),
            policies: Vec::new(),
            teams: Vec::new(),
            admin_group: [0; 3],
            department_groups: [Vec::new(), Vec::new(), Vec::new()],
            infra: Infra::default(),
            planted_principals: 0,
        }
    }

    /// One group per department in every account (called while planting, because some
    /// planted users belong to department groups).
    pub(crate) fn add_department_groups(&mut self) {
        for account in [PROD, DEV, SEC] {
            for (d, dept) in DEPARTMENTS.iter().enumerate() {
                self.department_groups[account].push(self.groups.len());
                self.groups.push(Group {
                    account,
                    name: dept.group.to_string(),
                    path: "/departments/".into(),
                    created: days(1500 + 30 * d as i64),
                    managed: dept.managed[account]
                        .iter()
                        .map(|n| managed::arn(n))
                        .collect(),
                    inline: if dept.key == "engineering" {
                        vec![(
                            "self-manage-credentials".into(),
                            // AWS's documented self-service policy; the variable keeps
                            // it scoped to the caller's own user.
                            doc(vec![
                                allow(
                                    &["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"],
                                    &["*"],
                                ),
                                allow(
                                    &[
                                        "iam:ChangePassword",
                                        "iam:CreateAccessKey",
                                        "iam:DeleteAccessKey",
                                        "iam:ListAccessKeys",
                                        "iam:UpdateAccessKey",
                                        "iam:CreateVirtualMFADevice",
                                        "iam:EnableMFADevice",
                                        "iam:ListMFADevices",
                                    ],
                                    &[
                                        "arn:aws:iam::*:user/${aws:username}",
                                        "arn:aws:iam::*:mfa/${aws:username}",
                                    ],
                                ),
                            ]),
                        )]
                    } else {
                        Vec::new()
                    },
                    members: Vec::new(),
                });
            }
        }
    }

    fn add_teams(&mut self, rng: &mut StdRng, count: usize) {
        for i in 0..count {
            let account = match i % 5 {
                0 | 1 => PROD,
                2 | 3 => DEV,
                _ => SEC,
            };
            let department = department_for_team(i);
            let base = TEAM_NAMES[i % TEAM_NAMES.len()];
            let name = if i < TEAM_NAMES.len() {
                base.to_string()
            } else {
                format!("{base}-{}", i / TEAM_NAMES.len() + 1)
            };
            let acct = ACCOUNTS[account].id;
            let versions = rng.random_range(1..=4u32);
            let created = days(rng.random_range(200..1800));
            let updated = if versions > 1 { created / 2 } else { created };
            let policy = Policy {
                account,
                name: format!("team-{name}-access"),
                path: "/teams/".into(),
                description: format!("Access to the {name} team's data and services."),
                document: doc(vec![
                    allow(
                        &[
                            "s3:GetObject",
                            "s3:PutObject",
                            "s3:DeleteObject",
                            "s3:ListBucket",
                        ],
                        &[
                            &format!("arn:aws:s3:::acme-{name}-*"),
                            &format!("arn:aws:s3:::acme-{name}-*/*"),
                        ],
                    ),
                    allow(
                        &[
                            "dynamodb:GetItem",
                            "dynamodb:PutItem",
                            "dynamodb:Query",
                            "dynamodb:UpdateItem",
                        ],
                        &[&format!("arn:aws:dynamodb:*:{acct}:table/{name}-*")],
                    ),
                    allow(
                        &["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
                        &[&format!("arn:aws:sqs:*:{acct}:{name}-*")],
                    ),
                    allow(
                        &["logs:GetLogEvents", "logs:FilterLogEvents"],
                        &[&format!("arn:aws:logs:*:{acct}:log-group:/{name}/*")],
                    ),
                ]),
                versions,
                created,
                updated,
                tags: vec![("Team".into(), name.clone())],
            };
            let policy_arn = policy.arn();
            self.policies.push(policy);
            let group = self.groups.len();
            self.groups.push(Group {
                account,
                name: format!("team-{name}"),
                path: "/teams/".into(),
                created,
                managed: vec![policy_arn.clone()],
                inline: Vec::new(),
                members: Vec::new(),
            });
            self.teams.push(Team {
                account,
                department,
                name,
                group,
                policy_arn,
                instance_role: None,
            });
        }
    }

    /// Principals so far.
    pub fn principal_count(&self) -> usize {
        self.users.len() + self.roles.len()
    }
}

/// Department of the `i`-th team: round-robin over departments repeated by weight, so
/// engineering gets the most teams at every scale.
fn department_for_team(i: usize) -> usize {
    let total: u32 = DEPARTMENTS.iter().map(|d| d.weight).sum();
    let mut slot = (i as u32 * 7) % total;
    for (d, dept) in DEPARTMENTS.iter().enumerate() {
        if slot < dept.weight {
            return d;
        }
        slot -= dept.weight;
    }
    0
}

fn pick_account(rng: &mut StdRng) -> usize {
    let r: f64 = rng.random();
    if r < 0.5 {
        PROD
    } else if r < 0.85 {
        DEV
    } else {
        SEC
    }
}

fn unique(names: &mut HashMap<String, u32>, base: String) -> String {
    let n = names.entry(base.clone()).or_insert(0);
    *n += 1;
    if *n == 1 { base } else { format!("{base}{n}") }
}

fn service_for_use(rng: &mut StdRng) -> &'static str {
    [
        "s3", "ec2", "sts", "dynamodb", "sqs", "lambda", "logs", "iam",
    ]
    .choose(rng)
    .copied()
    .unwrap_or("s3")
}

fn ordinary_user(
    org: &Org,
    rng: &mut StdRng,
    names: &mut HashMap<String, u32>,
    serial: usize,
    by_account: &[Vec<usize>; 3],
) -> User {
    let account = pick_account(rng);
    let team = by_account[account].choose(rng).map(|&t| &org.teams[t]);
    let first = FIRST.choose(rng).copied().unwrap_or("sam");
    let last = LAST.choose(rng).copied().unwrap_or("lee");
    let contractor = rng.random_bool(0.05);
    let name = unique(names, format!("{first}.{last}"));
    let created_days: i64 = rng.random_range(20..2500);
    let console = if rng.random_bool(0.75) {
        let used = if rng.random_bool(0.05) {
            None
        } else if rng.random_bool(0.82) {
            Some(rng.random_range(0..30).min(created_days))
        } else {
            Some(rng.random_range(30..400).min(created_days))
        };
        Some(Console {
            created: days(created_days),
            changed: days(rng.random_range(0..=created_days.min(500))),
            last_used: used.map(|d| days(d) + rng.random_range(0..86_400)),
            reset_required: rng.random_bool(0.02),
        })
    } else {
        None
    };
    let mfa = match &console {
        Some(_) if rng.random_bool(0.9) => Some(days(rng.random_range(0..=created_days))),
        _ => None,
    };
    let key_count = {
        let r: f64 = rng.random();
        if r < 0.45 {
            1
        } else if r < 0.53 {
            2
        } else {
            0
        }
    };
    let mut keys = Vec::with_capacity(key_count);
    for k in 0..key_count {
        let age = rng.random_range(1..=created_days.min(1200));
        let active = rng.random_bool(0.9);
        let last_used = if rng.random_bool(0.85) {
            let d = if rng.random_bool(0.75) {
                rng.random_range(0..=age.min(30))
            } else {
                rng.random_range(0..=age)
            };
            Some((
                days(d) + rng.random_range(0..86_400),
                service_for_use(rng),
                *REGIONS.choose(rng).unwrap_or(&"us-east-1"),
            ))
        } else {
            None
        };
        keys.push(AccessKey {
            id: access_key_id(&format!("{}/{name}/{k}", ACCOUNTS[account].id)),
            active,
            created: days(age),
            last_used,
        });
    }
    let mut groups = Vec::new();
    let mut tags = Vec::new();
    if let Some(t) = team {
        groups.push(org.department_groups[account][t.department]);
        groups.push(t.group);
        if rng.random_bool(0.8) {
            tags.push((
                "Department".to_string(),
                DEPARTMENTS[t.department].key.to_string(),
            ));
            tags.push(("Team".to_string(), t.name.clone()));
            tags.push((
                "CostCenter".to_string(),
                format!("cc-{}", 1000 + t.department * 100 + t.group % 100),
            ));
        }
    }
    // A few admins per account, as real organisations have.
    if serial % 1500 == 7 {
        groups.push(org.admin_group[account]);
    }
    let mut managed_arns = Vec::new();
    if rng.random_bool(0.03) {
        managed_arns.push(managed::arn(
            [
                "AmazonS3FullAccess",
                "AmazonEC2FullAccess",
                "ReadOnlyAccess",
            ]
            .choose(rng)
            .copied()
            .unwrap_or("ReadOnlyAccess"),
        ));
    }
    let mut inline = Vec::new();
    if rng.random_bool(0.08) {
        inline.push((
            "personal-scratch-bucket".to_string(),
            doc(vec![allow(
                &["s3:*"],
                &[
                    &format!("arn:aws:s3:::acme-scratch-{}", name.replace('.', "-")),
                    &format!("arn:aws:s3:::acme-scratch-{}/*", name.replace('.', "-")),
                ],
            )]),
        ));
    }
    User {
        account,
        name,
        path: if contractor {
            "/contractors/".into()
        } else {
            "/".into()
        },
        created: days(created_days) + rng.random_range(0..86_400),
        console,
        mfa,
        keys,
        signing_cert: None,
        groups,
        managed: managed_arns,
        inline,
        boundary: None,
        tags,
    }
}

impl Org {
    fn teams_by_account(&self, account: usize) -> Vec<usize> {
        (0..self.teams.len())
            .filter(|&t| self.teams[t].account == account)
            .collect()
    }
}

#[derive(Clone, Copy)]
enum RoleKind {
    Lambda,
    Ec2,
    Ecs,
    CiDeploy,
    CrossTeamRead,
}

fn ordinary_role(
    org: &mut Org,
    rng: &mut StdRng,
    names: &mut HashMap<String, u32>,
    by_account: &[Vec<usize>; 3],
) -> Role {
    let account = pick_account(rng);
    let team_idx = by_account[account].choose(rng).copied();
    let team_name = team_idx
        .map(|t| org.teams[t].name.clone())
        .unwrap_or_else(|| "shared".into());
    let r: f64 = rng.random();
    let kind = if r < 0.35 {
        RoleKind::Lambda
    } else if r < 0.6 {
        RoleKind::Ec2
    } else if r < 0.75 {
        RoleKind::Ecs
    } else if r < 0.85 && account != SEC {
        RoleKind::CiDeploy
    } else {
        RoleKind::CrossTeamRead
    };
    let svc = SERVICES.choose(rng).copied().unwrap_or("api");
    let acct = ACCOUNTS[account].id;
    let team_policy = team_idx.map(|t| org.teams[t].policy_arn.clone());
    let (name, trust, description, mut managed_arns) = match kind {
        RoleKind::Lambda => (
            unique(names, format!("{team_name}-{svc}-lambda")),
            trust_service("lambda.amazonaws.com"),
            format!("Execution role of the {team_name} {svc} function."),
            vec![managed::arn("AWSLambdaBasicExecutionRole")],
        ),
        RoleKind::Ec2 => (
            unique(names, format!("{team_name}-{svc}-ec2")),
            trust_service("ec2.amazonaws.com"),
            format!("Instance role of the {team_name} {svc} hosts."),
            vec![managed::arn("AmazonSSMManagedInstanceCore")],
        ),
        RoleKind::Ecs => (
            unique(names, format!("{team_name}-{svc}-task")),
            trust_service("ecs-tasks.amazonaws.com"),
            format!("Task role of the {team_name} {svc} service."),
            Vec::new(),
        ),
        RoleKind::CiDeploy => (
            unique(names, format!("ci-deploy-{team_name}")),
            trust_aws(&[&format!("arn:aws:iam::{}:role/ci-runner", ACCOUNTS[SEC].id)]),
            format!("Deploys the {team_name} services from CI."),
            vec![managed::arn(if account == PROD {
                "PowerUserAccess"
            } else {
                "AmazonEC2FullAccess"
            })],
        ),
        RoleKind::CrossTeamRead => (
            unique(names, format!("{team_name}-{svc}-reader")),
            trust_aws(&[&format!(
                "arn:aws:iam::{acct}:role/AWSReservedSSO_ReadOnlyAccess_{}",
                super::util::hex_tag(&format!("{acct}/ReadOnlyAccess"), 16)
            )]),
            format!("Read access to {team_name} data for analysts."),
            vec![managed::arn("AmazonS3ReadOnlyAccess")],
        ),
    };
    if let Some(p) = team_policy
        && !matches!(kind, RoleKind::CiDeploy)
    {
        managed_arns.push(p);
    }
    let mut inline = Vec::new();
    if matches!(kind, RoleKind::Lambda | RoleKind::Ecs) && rng.random_bool(0.5) {
        inline.push((
            "app-secrets".to_string(),
            doc(vec![allow(
                &["secretsmanager:GetSecretValue", "kms:Decrypt"],
                &[&format!(
                    "arn:aws:secretsmanager:*:{acct}:secret:{team_name}/{svc}/*"
                )],
            )]),
        ));
    }
    let created_days: i64 = rng.random_range(10..2000);
    let last_used = {
        let r: f64 = rng.random();
        if r < 0.7 {
            Some((
                days(rng.random_range(0..30).min(created_days)) + rng.random_range(0..86_400),
                *REGIONS.choose(rng).unwrap_or(&"us-east-1"),
            ))
        } else if r < 0.9 {
            Some((
                days(rng.random_range(30..400).min(created_days)),
                *REGIONS.choose(rng).unwrap_or(&"us-east-1"),
            ))
        } else {
            None
        }
    };
    let instance_profile = matches!(kind, RoleKind::Ec2);
    let mut tags = vec![
        ("Team".to_string(), team_name.clone()),
        ("Service".to_string(), svc.to_string()),
    ];
    if rng.random_bool(0.6) {
        tags.push(("ManagedBy".into(), "terraform".into()));
    }
    // Developers create Lambda roles in prod through self-service, which sets the boundary.
    let boundary = (matches!(kind, RoleKind::Lambda) && account == PROD && rng.random_bool(0.2))
        .then(|| format!("arn:aws:iam::{acct}:policy/boundaries/developer-boundary"));
    let role = Role {
        account,
        name,
        path: "/".into(),
        created: days(created_days) + rng.random_range(0..86_400),
        description,
        trust,
        max_session: if rng.random_bool(0.1) { 43_200 } else { 3_600 },
        boundary,
        last_used,
        managed: managed_arns,
        inline,
        tags,
        instance_profile,
    };
    if instance_profile
        && let Some(t) = team_idx
        && org.teams[t].instance_role.is_none()
    {
        org.teams[t].instance_role = Some(org.roles.len());
    }
    role
}

/// Build the organisation with `scale` principals (at least the planted ones).
pub fn build(scale: usize, seed: u64, epoch: DateTime<Utc>) -> Org {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut org = Org::empty();
    plants::plant(&mut org);
    org.planted_principals = org.principal_count();
    let total = scale.max(org.planted_principals);
    org.add_teams(&mut rng, 8 + total / 400);

    // 60% users overall, counting the planted users.
    let remaining = total - org.planted_principals;
    let ordinary_users = ((total * 6).div_ceil(10))
        .saturating_sub(org.users.len())
        .min(remaining);
    let ordinary_roles = remaining - ordinary_users;

    let mut names: HashMap<String, u32> = HashMap::new();
    for u in &org.users {
        names.insert(u.name.clone(), 1);
    }
    for r in &org.roles {
        names.insert(r.name.clone(), 1);
    }
    let by_account: [Vec<usize>; 3] = [
        org.teams_by_account(PROD),
        org.teams_by_account(DEV),
        org.teams_by_account(SEC),
    ];

    // Roles first so that teams have instance roles before instances are placed.
    org.roles.reserve(ordinary_roles);
    for _ in 0..ordinary_roles {
        let r = ordinary_role(&mut org, &mut rng, &mut names, &by_account);
        org.roles.push(r);
    }
    org.users.reserve(ordinary_users);
    for serial in 0..ordinary_users {
        let u = ordinary_user(&org, &mut rng, &mut names, serial, &by_account);
        org.users.push(u);
    }
    for (i, u) in org.users.iter().enumerate() {
        for &g in &u.groups {
            org.groups[g].members.push(i);
        }
    }
    org.infra = Infra::build(&org, &mut rng, epoch);
    org
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exact_principal_count_and_share_of_users() {
        for scale in [200, 1000, 2345] {
            let org = build(scale, 7, crate::demo::default_epoch());
            assert_eq!(org.principal_count(), scale);
            let share = org.users.len() as f64 / scale as f64;
            assert!(
                (0.55..=0.65).contains(&share),
                "user share {share} at scale {scale}"
            );
        }
    }

    #[test]
    fn small_scales_keep_every_plant() {
        let org = build(10, 1, crate::demo::default_epoch());
        assert_eq!(org.principal_count(), org.planted_principals);
        assert!(org.users.iter().any(|u| u.name == "esc-assume-chain"));
        assert!(org.roles.iter().any(|r| r.name == "chain-hop-b-admin"));
    }

    #[test]
    fn json_used_by_trust_helpers_is_well_formed() {
        let t = trust_service("ec2.amazonaws.com");
        assert_eq!(
            t["Statement"][0]["Principal"],
            json!({"Service": "ec2.amazonaws.com"})
        );
    }

    #[test]
    fn teams_exist_in_every_account() {
        let org = build(100, 3, crate::demo::default_epoch());
        for a in [PROD, DEV, SEC] {
            assert!(org.teams.iter().any(|t| t.account == a));
        }
        let _ = DEV;
    }
}
