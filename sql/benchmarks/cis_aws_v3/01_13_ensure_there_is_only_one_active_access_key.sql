-- CIS AWS v3.0.0 1.13: Ensure there is only one active access key available for any single IAM user
-- Each IAM user has at most one active access key.
select
    r.user_arn as resource,
    case when r.access_key_1_active and r.access_key_2_active then 'alarm' else 'ok' end as status,
    case when r.access_key_1_active and r.access_key_2_active then r.user_name || ' has two active access keys.'
         else r.user_name || ' has at most one active access key.' end as reason,
    r.account_id,
    r.region
from aws_iam_credential_report r
where r.user_name <> '<root_account>'
