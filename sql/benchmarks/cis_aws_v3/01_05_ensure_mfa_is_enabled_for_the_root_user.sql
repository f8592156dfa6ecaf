-- CIS AWS v3.0.0 1.5: Ensure MFA is enabled for the 'root' user account
-- The root user must have MFA.
select
    r.user_arn as resource,
    case when r.mfa_active then 'ok' else 'alarm' end as status,
    case when r.mfa_active then 'Root user has MFA enabled.' else 'Root user has no MFA device.' end as reason,
    r.account_id,
    r.region
from aws_iam_credential_report r
where r.user_name = '<root_account>'
