//! Google Cloud: the IAM hierarchy evaluator and the escalation rules.
//!
//! - [`model`]: what is read — organizations, folders, projects and their parents, every
//!   IAM policy (version 3, conditions kept) by resource, service accounts, VMs and the
//!   account they run as (with their OAuth scopes), custom and predefined roles.
//! - [`evaluate`]: effective permissions = union of the bindings on the resource and
//!   every ancestor (organization → folders → project → resource), roles expanded to
//!   permissions ([`roles`]: the tables' roles first, then the shipped catalogue), grants
//!   to `allUsers`, `allAuthenticatedUsers` and the member's `domain:` included. A
//!   permission held only through conditional bindings is *conditional*, never allowed
//!   outright.
//! - [`rules`] and [`engine`]: one declared rule per technique.
//!
//! Principals are keyed by their IAM member string (`user:a@x.com`,
//! `serviceAccount:sa@p.iam.gserviceaccount.com`, `group:g@x.com`, `domain:x.com`,
//! `allUsers`). "Admin" is owner-equivalent of the organization or of a project: the
//! member can set the IAM policy there (`resourcemanager.{organizations,projects}.setIamPolicy`).
//!
//! # Coverage
//!
//! Covered (rule ids): `gcp-set-iam-policy-organization`, `gcp-set-iam-policy-project`
//! (direct admin), `gcp-set-iam-policy-folder`, `gcp-set-iam-policy-organization-projects`,
//! `gcp-sa-set-iam-policy`, `gcp-sa-get-access-token`, `gcp-sa-keys-create`,
//! `gcp-sa-sign-blob`, `gcp-sa-sign-jwt`, `gcp-sa-implicit-delegation`,
//! `gcp-iam-roles-update`, actAs with Cloud Functions (`-create`, `-update`), Compute
//! (`gcp-actas-compute-instance-create`), Cloud Run services and jobs, Cloud Build,
//! Cloud Scheduler, Cloud Tasks, Dataproc, Workflows, Composer, Batch and Vertex AI
//! custom jobs, `gcp-compute-set-metadata`, `gcp-compute-os-admin-login`,
//! `gcp-compute-set-common-instance-metadata` (VM techniques are conditional when the
//! VM's OAuth scopes limit its token).
//!
//! Left out (and why):
//! - IAM deny policies (v2): not read yet, so a denied permission still counts as held.
//! - IAM conditions are never evaluated: a conditional binding gives a conditional edge.
//! - `orgpolicy.policy.set`: it lifts constraints (e.g. cross-project service-account
//!   use) rather than granting a principal anything by itself; modelling it needs the
//!   org-policy tables.
//! - Group membership changes (Cloud Identity `groups.memberships.create`): group
//!   memberships are not read, so a group is a principal of its own and its members are
//!   not expanded.
//! - Workload identity pool/provider creation, Deployment Manager (acts as the Google
//!   APIs service agent, not a chosen account), API keys, and resource-level
//!   `setIamPolicy` on buckets, functions and other services.
//! - actAs rules check the service permissions on the target account's project only
//!   (cross-project service-account use is off by default through org policy).

pub mod engine;
pub mod evaluate;
pub mod model;
pub mod roles;
pub mod rules;

pub use engine::{GcpEdge, GcpTarget, all_edges, edges_for};
pub use evaluate::{Check, GcpIndex, Hit, is_principal};
pub use model::{GcpBinding, GcpInstance, GcpServiceAccount, GcpSnapshot, admin_key};
pub use rules::{GcpRule, RULES, Shape, rule};

#[cfg(test)]
mod tests;
