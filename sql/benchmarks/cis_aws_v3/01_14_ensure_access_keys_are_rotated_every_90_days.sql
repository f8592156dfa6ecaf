-- CIS AWS v3.0.0 1.14: Ensure access keys are rotated every 90 days or less
-- Active access keys are rotated within 90 days (measured against the report's generation time).
select
    r.user_arn as resource,
    case when (r.access_key_1_active and r.access_key_1_last_rotated < r.generated_time - interval '90 days')
           or (r.access_key_2_active and r.access_key_2_last_rotated < r.generated_time - interval '90 days')
         then 'alarm' else 'ok' end as status,
    case when (r.access_key_1_active and r.access_key_1_last_rotated < r.generated_time - interval '90 days')
           or (r.access_key_2_active and r.access_key_2_last_rotated < r.generated_time - interval '90 days')
         then r.user_name || ' has an active access key older than 90 days.'
         else r.user_name || ' has no active access key older than 90 days.' end as reason,
    r.account_id,
    r.region
from aws_iam_credential_report r
where r.user_name <> '<root_account>'
