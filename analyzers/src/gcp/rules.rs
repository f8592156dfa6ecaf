//! GCP escalation rules, one per technique, declared as data: the permissions each needs,
//! on which resource, and what it reaches. The engine (`engine.rs`) is written once.

/// What a rule checks and what it reaches.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// `permission` on a project or the organization makes the member its owner-equivalent
    /// (it can set the IAM policy there): an ADMIN_OF edge.
    Admin {
        /// `resourcemanager.projects.setIamPolicy` or `...organizations.setIamPolicy`.
        permission: &'static str,
        /// `projects` or `organizations`.
        level: &'static str,
    },
    /// `permission` on a folder (or the organization) lets the member grant itself owner
    /// there, which every project below inherits.
    AdminOfProjectsBelow {
        /// `resourcemanager.folders.setIamPolicy` or `...organizations.setIamPolicy`.
        permission: &'static str,
        /// `folders` or `organizations`.
        level: &'static str,
    },
    /// Permissions on a service account (all of `on_account`), on its project (all of
    /// `on_project`, at least one of `any_on_project`) make the member that account.
    ServiceAccount {
        /// Needed on the target account (inherited from its project and above).
        on_account: &'static [&'static str],
        /// Needed on the target's project.
        on_project: &'static [&'static str],
        /// At least one of these on the target's project (empty: none needed).
        any_on_project: &'static [&'static str],
    },
    /// Permissions on a VM instance running as an account, plus actAs on that account.
    Instance {
        /// Needed on the instance.
        on_instance: &'static [&'static str],
    },
    /// A permission on the project of VM instances running as an account, plus actAs.
    ProjectInstances {
        /// Needed on the project.
        on_project: &'static [&'static str],
    },
    /// `iam.roles.update` on a custom role the member holds: add any permission to it.
    RoleUpdate,
    /// `iam.serviceAccounts.implicitDelegation` on an account that can mint tokens of
    /// another: the member mints the other's token through the delegation chain.
    ImplicitDelegation,
}

/// One declared technique.
#[derive(Debug, Clone, Copy)]
pub struct GcpRule {
    /// Rule id (the edge's technique).
    pub id: &'static str,
    /// What the technique does.
    pub description: &'static str,
    /// What it needs and reaches.
    pub shape: Shape,
}

const ACT_AS: &str = "iam.serviceAccounts.actAs";

const fn sa(
    id: &'static str,
    description: &'static str,
    on_account: &'static [&'static str],
    on_project: &'static [&'static str],
    any_on_project: &'static [&'static str],
) -> GcpRule {
    GcpRule {
        id,
        description,
        shape: Shape::ServiceAccount {
            on_account,
            on_project,
            any_on_project,
        },
    }
}

/// Every GCP rule.
pub static RULES: &[GcpRule] = &[
    GcpRule {
        id: "gcp-set-iam-policy-organization",
        description: "resourcemanager.organizations.setIamPolicy: owner-equivalent of the organization.",
        shape: Shape::Admin {
            permission: "resourcemanager.organizations.setIamPolicy",
            level: "organizations",
        },
    },
    GcpRule {
        id: "gcp-set-iam-policy-project",
        description: "resourcemanager.projects.setIamPolicy: owner-equivalent of the project.",
        shape: Shape::Admin {
            permission: "resourcemanager.projects.setIamPolicy",
            level: "projects",
        },
    },
    GcpRule {
        id: "gcp-set-iam-policy-folder",
        description: "resourcemanager.folders.setIamPolicy: grant oneself owner on the folder; every project below inherits it.",
        shape: Shape::AdminOfProjectsBelow {
            permission: "resourcemanager.folders.setIamPolicy",
            level: "folders",
        },
    },
    GcpRule {
        id: "gcp-set-iam-policy-organization-projects",
        description: "resourcemanager.organizations.setIamPolicy: grant oneself owner on the organization; every project inherits it.",
        shape: Shape::AdminOfProjectsBelow {
            permission: "resourcemanager.organizations.setIamPolicy",
            level: "organizations",
        },
    },
    sa(
        "gcp-sa-set-iam-policy",
        "iam.serviceAccounts.setIamPolicy: grant oneself Token Creator on the account.",
        &["iam.serviceAccounts.setIamPolicy"],
        &[],
        &[],
    ),
    sa(
        "gcp-sa-get-access-token",
        "iam.serviceAccounts.getAccessToken: mint the account's OAuth token.",
        &["iam.serviceAccounts.getAccessToken"],
        &[],
        &[],
    ),
    sa(
        "gcp-sa-keys-create",
        "iam.serviceAccountKeys.create: create a key of the account.",
        &["iam.serviceAccountKeys.create"],
        &[],
        &[],
    ),
    sa(
        "gcp-sa-sign-blob",
        "iam.serviceAccounts.signBlob: sign a JWT-bearer assertion as the account and exchange it for a token.",
        &["iam.serviceAccounts.signBlob"],
        &[],
        &[],
    ),
    sa(
        "gcp-sa-sign-jwt",
        "iam.serviceAccounts.signJwt: sign a JWT as the account and exchange it for a token.",
        &["iam.serviceAccounts.signJwt"],
        &[],
        &[],
    ),
    GcpRule {
        id: "gcp-sa-implicit-delegation",
        description: "iam.serviceAccounts.implicitDelegation on an account that can mint another's token: a delegated token request.",
        shape: Shape::ImplicitDelegation,
    },
    GcpRule {
        id: "gcp-iam-roles-update",
        description: "iam.roles.update on a custom role one holds: add any permission (e.g. setIamPolicy) to it.",
        shape: Shape::RoleUpdate,
    },
    sa(
        "gcp-actas-cloudfunctions-create",
        "actAs + cloudfunctions.functions.create/sourceCodeSet (+ call or setIamPolicy): deploy a function running as the account and call it.",
        &[ACT_AS],
        &[
            "cloudfunctions.functions.create",
            "cloudfunctions.functions.sourceCodeSet",
        ],
        &[
            "cloudfunctions.functions.call",
            "cloudfunctions.functions.setIamPolicy",
        ],
    ),
    sa(
        "gcp-actas-cloudfunctions-update",
        "actAs + cloudfunctions.functions.update/sourceCodeSet (+ call or setIamPolicy): redeploy a function as the account.",
        &[ACT_AS],
        &[
            "cloudfunctions.functions.update",
            "cloudfunctions.functions.sourceCodeSet",
        ],
        &[
            "cloudfunctions.functions.call",
            "cloudfunctions.functions.setIamPolicy",
        ],
    ),
    sa(
        "gcp-actas-compute-instance-create",
        "actAs + compute.instances.create (disks, subnetwork, metadata, service account): a VM running as the account with a startup script.",
        &[ACT_AS],
        &[
            "compute.instances.create",
            "compute.disks.create",
            "compute.instances.setMetadata",
            "compute.instances.setServiceAccount",
            "compute.subnetworks.use",
        ],
        &[],
    ),
    sa(
        "gcp-actas-cloudrun-service-create",
        "actAs + run.services.create (+ run.routes.invoke or setIamPolicy): a Cloud Run service running as the account.",
        &[ACT_AS],
        &["run.services.create"],
        &["run.routes.invoke", "run.services.setIamPolicy"],
    ),
    sa(
        "gcp-actas-cloudrun-job-create",
        "actAs + run.jobs.create + run.jobs.run: a Cloud Run job running as the account.",
        &[ACT_AS],
        &["run.jobs.create", "run.jobs.run"],
        &[],
    ),
    sa(
        "gcp-actas-cloudbuild",
        "actAs + cloudbuild.builds.create: a build running as the account.",
        &[ACT_AS],
        &["cloudbuild.builds.create"],
        &[],
    ),
    sa(
        "gcp-actas-cloudscheduler",
        "actAs + cloudscheduler.jobs.create: a scheduled HTTP call with the account's OAuth token.",
        &[ACT_AS],
        &["cloudscheduler.jobs.create"],
        &[],
    ),
    sa(
        "gcp-actas-cloudtasks",
        "actAs + cloudtasks.tasks.create: an HTTP task carrying the account's OAuth token.",
        &[ACT_AS],
        &["cloudtasks.tasks.create"],
        &[],
    ),
    sa(
        "gcp-actas-dataproc",
        "actAs + dataproc.clusters.create: a cluster whose VMs run as the account.",
        &[ACT_AS],
        &["dataproc.clusters.create"],
        &[],
    ),
    sa(
        "gcp-actas-workflows",
        "actAs + workflows.workflows.create: a workflow calling APIs as the account.",
        &[ACT_AS],
        &["workflows.workflows.create"],
        &[],
    ),
    sa(
        "gcp-actas-composer",
        "actAs + composer.environments.create: an Airflow environment running as the account.",
        &[ACT_AS],
        &["composer.environments.create"],
        &[],
    ),
    sa(
        "gcp-actas-batch",
        "actAs + batch.jobs.create: a Batch job running as the account.",
        &[ACT_AS],
        &["batch.jobs.create"],
        &[],
    ),
    sa(
        "gcp-actas-vertex-custom-job",
        "actAs + aiplatform.customJobs.create: a Vertex AI custom job running as the account.",
        &[ACT_AS],
        &["aiplatform.customJobs.create"],
        &[],
    ),
    GcpRule {
        id: "gcp-compute-set-metadata",
        description: "compute.instances.setMetadata (+ actAs) on a VM running as the account: SSH key or startup script, then the VM's token.",
        shape: Shape::Instance {
            on_instance: &["compute.instances.setMetadata"],
        },
    },
    GcpRule {
        id: "gcp-compute-os-admin-login",
        description: "compute.instances.osAdminLogin (+ actAs) on a VM running as the account: root over OS Login, then the VM's token.",
        shape: Shape::Instance {
            on_instance: &["compute.instances.osAdminLogin"],
        },
    },
    GcpRule {
        id: "gcp-compute-set-common-instance-metadata",
        description: "compute.projects.setCommonInstanceMetadata (+ actAs): project-wide SSH keys reach every VM of the project.",
        shape: Shape::ProjectInstances {
            on_project: &["compute.projects.setCommonInstanceMetadata"],
        },
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static GcpRule> {
    RULES.iter().find(|r| r.id == id)
}
