-- CIS AWS v3.0.0 1.4: Ensure no 'root' user account access key exists
-- The root user must have no access keys (credential report, root row).
select
    r.user_arn as resource,
    case when r.access_key_1_active or r.access_key_2_active then 'alarm' else 'ok' end as status,
    case when r.access_key_1_active or r.access_key_2_active then 'Root user has an active access key.'
         else 'Root user has no active access key.' end as reason,
    r.account_id,
    r.region
from aws_iam_credential_report r
where r.user_name = '<root_account>'
