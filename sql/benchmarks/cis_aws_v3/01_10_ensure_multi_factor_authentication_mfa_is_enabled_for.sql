-- CIS AWS v3.0.0 1.10: Ensure multi-factor authentication (MFA) is enabled for all IAM users that have a console password
-- Every IAM user with a console password must have MFA.
select
    r.user_arn as resource,
    case when r.password_enabled and not r.mfa_active then 'alarm' else 'ok' end as status,
    case when not r.password_enabled then r.user_name || ' has no console password.'
         when r.mfa_active then r.user_name || ' has a console password and MFA.'
         else r.user_name || ' has a console password and no MFA.' end as reason,
    r.account_id,
    r.region
from aws_iam_credential_report r
where r.user_name <> '<root_account>'
