//! The graph's node and edge kinds, declared once as data.
//!
//! Everything else is generated from these declarations: the in-memory [`crate::Graph`]
//! stores nodes and edges by [`NodeKind`] / [`EdgeKind`], the SQL tables describe the
//! properties listed here, and the mirror writes Cypher whose labels, key properties and
//! relationship types come from [`NODE_KINDS`] and [`EDGE_KINDS`] (never from data).

/// Value type of a declared property (what the mirror and the SQL JSON carry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropType {
    /// Text.
    Text,
    /// Boolean.
    Bool,
    /// 64-bit integer.
    Int,
    /// List of text values.
    TextList,
    /// JSON document, carried as text (graph databases cannot nest maps in properties).
    Json,
}

/// One declared property of a node or edge kind.
#[derive(Debug, Clone, Copy)]
pub struct PropDef {
    /// Property name, as stored in the graph database and in the `properties` JSON.
    pub name: &'static str,
    /// Value type.
    pub ty: PropType,
    /// What it means.
    pub description: &'static str,
}

const fn prop(name: &'static str, ty: PropType, description: &'static str) -> PropDef {
    PropDef {
        name,
        ty,
        description,
    }
}

/// Node kinds. The discriminant indexes [`NODE_KINDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum NodeKind {
    /// IAM user.
    User = 0,
    /// IAM role.
    Role = 1,
    /// IAM group.
    Group = 2,
    /// Managed IAM policy.
    Policy = 3,
    /// S3 bucket.
    Bucket = 4,
    /// EC2 instance.
    Instance = 5,
    /// Cloud account.
    Account = 6,
    /// "Administrator of account X": the target of privilege-escalation paths.
    Admin = 7,
    /// The public internet, the far end of EXPOSED_TO_INTERNET.
    Internet = 8,
    /// Resources of one kind in one account that the input has no inventory of (a
    /// stand-in: techniques on such a resource reach the roles it could run as).
    AssumedResource = 9,
    /// A GCP IAM member other than a service account (user, group, domain, allUsers,
    /// allAuthenticatedUsers, workload identity principal), keyed by its member string.
    GcpPrincipal = 10,
    /// A GCP service account, keyed by `serviceAccount:<email>`.
    GcpServiceAccount = 11,
    /// A GCP organization, folder or project, keyed by its resource name.
    GcpResource = 12,
    /// A Microsoft Entra object (user, group, service principal, managed identity,
    /// application), keyed by its object id (lower-case GUID).
    AzurePrincipal = 13,
    /// An Azure tenant, management group, subscription or resource (key vault, storage
    /// account), keyed by its lower-case ARM id.
    AzureResource = 14,
}

/// Declaration of one node kind.
#[derive(Debug)]
pub struct NodeKindDef {
    /// Kind.
    pub kind: NodeKind,
    /// Label in the graph database and `kind` value in SQL.
    pub label: &'static str,
    /// Property holding the node's unique key (an ARN for cloud entities).
    pub key_property: &'static str,
    /// Properties besides key, `name` and `account_id`, which every node has.
    pub properties: &'static [PropDef],
    /// What the node stands for.
    pub description: &'static str,
}

impl NodeKind {
    /// Every node kind, in declaration order.
    pub const ALL: [NodeKind; 15] = [
        NodeKind::User,
        NodeKind::Role,
        NodeKind::Group,
        NodeKind::Policy,
        NodeKind::Bucket,
        NodeKind::Instance,
        NodeKind::Account,
        NodeKind::Admin,
        NodeKind::Internet,
        NodeKind::AssumedResource,
        NodeKind::GcpPrincipal,
        NodeKind::GcpServiceAccount,
        NodeKind::GcpResource,
        NodeKind::AzurePrincipal,
        NodeKind::AzureResource,
    ];

    /// The declaration.
    pub fn def(self) -> &'static NodeKindDef {
        &NODE_KINDS[self as usize]
    }

    /// Label (`User`, `Role`, ...).
    pub fn label(self) -> &'static str {
        self.def().label
    }

    /// True for the identities that act and can escalate: AWS users and roles, GCP
    /// members and service accounts.
    pub fn is_principal(self) -> bool {
        matches!(
            self,
            NodeKind::User
                | NodeKind::Role
                | NodeKind::GcpPrincipal
                | NodeKind::GcpServiceAccount
                | NodeKind::AzurePrincipal
        )
    }

    /// The cloud a node of this kind belongs to (`aws`, `gcp`; empty for the shared
    /// pseudo-nodes Admin and Internet).
    pub fn cloud(self) -> &'static str {
        match self {
            NodeKind::GcpPrincipal | NodeKind::GcpServiceAccount | NodeKind::GcpResource => "gcp",
            NodeKind::AzurePrincipal | NodeKind::AzureResource => "azure",
            NodeKind::Admin | NodeKind::Internet => "",
            _ => "aws",
        }
    }

    /// Kind by label (case-insensitive).
    pub fn from_label(label: &str) -> Option<NodeKind> {
        NodeKind::ALL
            .into_iter()
            .find(|k| k.label().eq_ignore_ascii_case(label))
    }
}

/// Node kinds, indexed by [`NodeKind`] discriminant.
pub static NODE_KINDS: [NodeKindDef; 15] = [
    NodeKindDef {
        kind: NodeKind::User,
        label: "User",
        key_property: "arn",
        properties: &[
            prop("path", PropType::Text, "IAM path."),
            prop(
                "permissions_boundary_arn",
                PropType::Text,
                "Permissions boundary policy, if any.",
            ),
            prop(
                "has_console_password",
                PropType::Bool,
                "Whether a login profile exists.",
            ),
            prop(
                "inline_policies",
                PropType::TextList,
                "Names of inline policies.",
            ),
        ],
        description: "An IAM user.",
    },
    NodeKindDef {
        kind: NodeKind::Role,
        label: "Role",
        key_property: "arn",
        properties: &[
            prop(
                "path",
                PropType::Text,
                "IAM path; /aws-service-role/ marks service-linked roles.",
            ),
            prop(
                "permissions_boundary_arn",
                PropType::Text,
                "Permissions boundary policy, if any.",
            ),
            prop(
                "trusted_services",
                PropType::TextList,
                "Service principals named in the trust policy.",
            ),
            prop(
                "inline_policies",
                PropType::TextList,
                "Names of inline policies.",
            ),
        ],
        description: "An IAM role.",
    },
    NodeKindDef {
        kind: NodeKind::Group,
        label: "Group",
        key_property: "arn",
        properties: &[
            prop("path", PropType::Text, "IAM path."),
            prop(
                "inline_policies",
                PropType::TextList,
                "Names of inline policies.",
            ),
        ],
        description: "An IAM group.",
    },
    NodeKindDef {
        kind: NodeKind::Policy,
        label: "Policy",
        key_property: "arn",
        properties: &[prop(
            "aws_managed",
            PropType::Bool,
            "AWS-managed (not customer-managed).",
        )],
        description: "A managed IAM policy.",
    },
    NodeKindDef {
        kind: NodeKind::Bucket,
        label: "Bucket",
        key_property: "arn",
        properties: &[
            prop("region", PropType::Text, "Region."),
            prop(
                "public",
                PropType::Bool,
                "Readable by anyone (policy or ACL, not blocked).",
            ),
        ],
        description: "An S3 bucket.",
    },
    NodeKindDef {
        kind: NodeKind::Instance,
        label: "Instance",
        key_property: "arn",
        properties: &[
            prop("region", PropType::Text, "Region."),
            prop("instance_id", PropType::Text, "Instance id."),
            prop("state", PropType::Text, "Instance state."),
            prop("public_ip", PropType::Text, "Public IPv4 address, if any."),
            prop(
                "instance_profile_arn",
                PropType::Text,
                "Instance profile, if any.",
            ),
        ],
        description: "An EC2 instance.",
    },
    NodeKindDef {
        kind: NodeKind::Account,
        label: "Account",
        key_property: "arn",
        properties: &[],
        description: "A cloud account (key: the account's ARN, or `account:<id>` when unknown).",
    },
    NodeKindDef {
        kind: NodeKind::Admin,
        label: "Admin",
        key_property: "arn",
        properties: &[],
        description: "Administrator of one account (key `admin:<account id>`), owner-equivalent of a GCP organization or project (key `admin:gcp/<resource name>`), or Azure Global / Privileged Role Administrator of a tenant (`admin:azure/tenants/<id>`) and Owner / User Access Administrator of a management group or subscription (`admin:azure/managementGroups/<name>`, `admin:azure/subscriptions/<id>`).",
    },
    NodeKindDef {
        kind: NodeKind::Internet,
        label: "Internet",
        key_property: "arn",
        properties: &[],
        description: "The public internet (key `internet`).",
    },
    NodeKindDef {
        kind: NodeKind::AssumedResource,
        label: "AssumedResource",
        key_property: "arn",
        properties: &[prop(
            "resource_kind",
            PropType::Text,
            "Kind of resource (`lambda-function`, `ec2-instance`, `compute-instance`, ...).",
        )],
        description: "Unlisted resources of one kind in one account (key `assumed:<account>:<kind>`): the input has no inventory of that service, so techniques on such a resource are conditional on one existing.",
    },
    NodeKindDef {
        kind: NodeKind::GcpPrincipal,
        label: "GcpPrincipal",
        key_property: "member",
        properties: &[prop(
            "member_type",
            PropType::Text,
            "user, group, domain, allUsers, allAuthenticatedUsers, principal or principalSet.",
        )],
        description: "A GCP IAM member other than a service account (key: its member string).",
    },
    NodeKindDef {
        kind: NodeKind::GcpServiceAccount,
        label: "GcpServiceAccount",
        key_property: "member",
        properties: &[
            prop("email", PropType::Text, "The account's email."),
            prop("disabled", PropType::Bool, "Disabled (no tokens, no keys)."),
        ],
        description: "A GCP service account (key `serviceAccount:<email>`; account_id is its project).",
    },
    NodeKindDef {
        kind: NodeKind::GcpResource,
        label: "GcpResource",
        // Not `name`: every node carries its friendly name under `name`.
        key_property: "resource_name",
        properties: &[
            prop(
                "resource_type",
                PropType::Text,
                "organization, folder or project.",
            ),
            prop("parent", PropType::Text, "Resource name of the parent."),
        ],
        description: "A GCP organization, folder or project (key: its resource name).",
    },
    NodeKindDef {
        kind: NodeKind::AzurePrincipal,
        label: "AzurePrincipal",
        key_property: "object_id",
        properties: &[
            prop(
                "principal_type",
                PropType::Text,
                "User, Group, ServicePrincipal, ManagedIdentity or Application.",
            ),
            prop(
                "user_principal_name",
                PropType::Text,
                "Users: the sign-in name.",
            ),
            prop(
                "app_id",
                PropType::Text,
                "Service principals and applications: the application (client) id.",
            ),
            prop(
                "role_assignable",
                PropType::Bool,
                "Groups: directory roles can be assigned to it (Entra protects its membership).",
            ),
        ],
        description: "A Microsoft Entra object (key: its object id; account_id is the tenant id).",
    },
    NodeKindDef {
        kind: NodeKind::AzureResource,
        label: "AzureResource",
        key_property: "resource_id",
        properties: &[
            prop(
                "resource_type",
                PropType::Text,
                "tenant, managementGroup, subscription, keyVault or storageAccount.",
            ),
            prop(
                "parent",
                PropType::Text,
                "Management groups and subscriptions: the parent management group's id.",
            ),
        ],
        description: "An Azure tenant, management group, subscription, key vault or storage account (key: its ARM id, lower-case; account_id is the subscription or tenant id).",
    },
];

/// How an edge kind takes part in path searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Traversal {
    /// Gains privileges: the source can act as the target (escalation paths follow these).
    Privilege,
    /// Reaches a resource without gaining its privileges (`reachable` follows these too).
    Access,
    /// Structure only (membership, attachments, exposure): never followed by path search,
    /// because the privilege it confers is already evaluated into Privilege edges.
    Structural,
}

/// Edge kinds. The discriminant indexes [`EDGE_KINDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum EdgeKind {
    /// User -> Group membership.
    MemberOf = 0,
    /// Principal or group -> attached managed policy.
    HasPolicy = 1,
    /// Principal -> role it can assume (trust and identity side both allow).
    CanAssume = 2,
    /// Principal -> what a privilege-escalation technique gives it.
    CanEscalate = 3,
    /// Principal -> resource it can read, write or administer.
    CanAccess = 4,
    /// Resource -> Internet.
    ExposedToInternet = 5,
    /// Principal (or group) -> Admin of its account: it already is administrator.
    AdminOf = 6,
    /// Compute resource (or unlisted resources of a kind) -> identity its code runs as.
    RunsAs = 7,
}

/// Declaration of one edge kind.
#[derive(Debug)]
pub struct EdgeKindDef {
    /// Kind.
    pub kind: EdgeKind,
    /// Relationship type in the graph database and `kind` value in SQL.
    pub label: &'static str,
    /// Node kinds an edge may start at.
    pub from: &'static [NodeKind],
    /// Node kinds an edge may end at.
    pub to: &'static [NodeKind],
    /// Properties that tell parallel edges of this kind apart (part of the MERGE pattern).
    pub merge_keys: &'static [&'static str],
    /// Properties besides `evidence` and `conditional`, which every edge has.
    pub properties: &'static [PropDef],
    /// Role in path searches.
    pub traversal: Traversal,
    /// What the edge means.
    pub description: &'static str,
}

impl EdgeKind {
    /// Every edge kind, in declaration order.
    pub const ALL: [EdgeKind; 8] = [
        EdgeKind::MemberOf,
        EdgeKind::HasPolicy,
        EdgeKind::CanAssume,
        EdgeKind::CanEscalate,
        EdgeKind::CanAccess,
        EdgeKind::ExposedToInternet,
        EdgeKind::AdminOf,
        EdgeKind::RunsAs,
    ];

    /// The declaration.
    pub fn def(self) -> &'static EdgeKindDef {
        &EDGE_KINDS[self as usize]
    }

    /// Relationship type (`CAN_ESCALATE`, ...).
    pub fn label(self) -> &'static str {
        self.def().label
    }

    /// Role in path searches.
    pub fn traversal(self) -> Traversal {
        self.def().traversal
    }

    /// Kind by label (case-insensitive).
    pub fn from_label(label: &str) -> Option<EdgeKind> {
        EdgeKind::ALL
            .into_iter()
            .find(|k| k.label().eq_ignore_ascii_case(label))
    }
}

const PRINCIPALS: &[NodeKind] = &[
    NodeKind::User,
    NodeKind::Role,
    NodeKind::GcpPrincipal,
    NodeKind::GcpServiceAccount,
    NodeKind::AzurePrincipal,
];

/// Edge kinds, indexed by [`EdgeKind`] discriminant.
pub static EDGE_KINDS: [EdgeKindDef; 8] = [
    EdgeKindDef {
        kind: EdgeKind::MemberOf,
        label: "MEMBER_OF",
        from: &[NodeKind::User, NodeKind::AzurePrincipal],
        to: &[NodeKind::Group, NodeKind::AzurePrincipal],
        merge_keys: &[],
        properties: &[],
        traversal: Traversal::Structural,
        description: "The user (Azure: the user, group or service principal) is a member of the group; Azure members also get the group's edges of their own.",
    },
    EdgeKindDef {
        kind: EdgeKind::HasPolicy,
        label: "HAS_POLICY",
        from: &[NodeKind::User, NodeKind::Role, NodeKind::Group],
        to: &[NodeKind::Policy],
        merge_keys: &[],
        properties: &[prop(
            "as_boundary",
            PropType::Bool,
            "Attached as permissions boundary, not as a grant.",
        )],
        traversal: Traversal::Structural,
        description: "The managed policy is attached (or set as permissions boundary).",
    },
    EdgeKindDef {
        kind: EdgeKind::CanAssume,
        label: "CAN_ASSUME",
        from: &[NodeKind::User, NodeKind::Role, NodeKind::Admin],
        to: &[NodeKind::Role],
        merge_keys: &["technique"],
        properties: &[
            prop(
                "technique",
                PropType::Text,
                "Rule id (`sts-assume-role`, `sts-assume-role-cross-account`, or `sts-assume-role-cross-account-admin` from an Admin node: the admin of the trusted account can act as any of its principals).",
            ),
            prop(
                "cross_account",
                PropType::Bool,
                "Source and role are in different accounts.",
            ),
        ],
        traversal: Traversal::Privilege,
        description: "sts:AssumeRole is allowed by the caller's policies and the role's trust policy.",
    },
    EdgeKindDef {
        kind: EdgeKind::CanEscalate,
        label: "CAN_ESCALATE",
        from: PRINCIPALS,
        to: &[
            NodeKind::User,
            NodeKind::Role,
            NodeKind::Group,
            NodeKind::Admin,
            NodeKind::GcpServiceAccount,
            NodeKind::AssumedResource,
            NodeKind::AzurePrincipal,
        ],
        merge_keys: &["technique"],
        properties: &[
            prop(
                "technique",
                PropType::Text,
                "Escalation rule id (e.g. `iam-create-policy-version`).",
            ),
            prop(
                "eligible",
                PropType::Bool,
                "Azure: held only through PIM-eligible directory role assignments (the role must be activated first).",
            ),
        ],
        traversal: Traversal::Privilege,
        description: "A privilege-escalation technique gives the source the target's privileges.",
    },
    EdgeKindDef {
        kind: EdgeKind::CanAccess,
        label: "CAN_ACCESS",
        from: PRINCIPALS,
        to: &[NodeKind::Bucket, NodeKind::AzureResource],
        merge_keys: &["action_class"],
        properties: &[
            prop(
                "action_class",
                PropType::Text,
                "`read`, `write` or `admin`.",
            ),
            prop(
                "action",
                PropType::Text,
                "The probe action the evaluator allowed.",
            ),
        ],
        traversal: Traversal::Access,
        description: "The evaluator allows the principal the action class on the resource.",
    },
    EdgeKindDef {
        kind: EdgeKind::ExposedToInternet,
        label: "EXPOSED_TO_INTERNET",
        from: &[NodeKind::Instance, NodeKind::Bucket],
        to: &[NodeKind::Internet],
        merge_keys: &[],
        properties: &[prop(
            "via",
            PropType::TextList,
            "Why: open security-group rules, public policy or ACL.",
        )],
        traversal: Traversal::Structural,
        description: "The resource is reachable from the internet.",
    },
    EdgeKindDef {
        kind: EdgeKind::AdminOf,
        label: "ADMIN_OF",
        from: &[
            NodeKind::User,
            NodeKind::Role,
            NodeKind::Group,
            NodeKind::GcpPrincipal,
            NodeKind::GcpServiceAccount,
            NodeKind::AzurePrincipal,
        ],
        to: &[NodeKind::Admin],
        merge_keys: &[],
        properties: &[
            prop(
                "technique",
                PropType::Text,
                "Azure: the rule that found it (`azure-role-assignments-write`, `azure-entra-role-assignments`).",
            ),
            prop(
                "eligible",
                PropType::Bool,
                "Azure: held only through a PIM-eligible directory role assignment.",
            ),
        ],
        traversal: Traversal::Privilege,
        description: "The principal is already administrator of the account (a group: its policies alone are).",
    },
    EdgeKindDef {
        kind: EdgeKind::RunsAs,
        label: "RUNS_AS",
        from: &[NodeKind::AssumedResource],
        to: &[NodeKind::Role],
        merge_keys: &[],
        properties: &[],
        traversal: Traversal::Privilege,
        description: "Code on the resource runs with the identity's privileges (for unlisted resources: conditional, with the assumption in the evidence).",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_indexed_by_discriminant() {
        for k in NodeKind::ALL {
            assert_eq!(k.def().kind, k);
            assert_eq!(NodeKind::from_label(k.label()), Some(k));
        }
        for k in EdgeKind::ALL {
            assert_eq!(k.def().kind, k);
            assert_eq!(EdgeKind::from_label(k.label()), Some(k));
            for m in k.def().merge_keys {
                assert!(
                    k.def().properties.iter().any(|p| p.name == *m),
                    "{m} not declared on {}",
                    k.label()
                );
            }
        }
    }

    #[test]
    fn labels_are_cypher_identifiers() {
        // The mirror splices labels and property names into Cypher text; they must never
        // need quoting.
        let ident =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        for k in NodeKind::ALL {
            assert!(ident(k.label()) && ident(k.def().key_property));
            assert!(k.def().properties.iter().all(|p| ident(p.name)));
        }
        for k in EdgeKind::ALL {
            assert!(ident(k.label()));
            assert!(k.def().properties.iter().all(|p| ident(p.name)));
        }
    }
}
