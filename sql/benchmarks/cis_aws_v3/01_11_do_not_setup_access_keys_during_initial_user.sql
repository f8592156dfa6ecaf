-- CIS AWS v3.0.0 1.11: Do not setup access keys during initial user setup for all IAM users that have a console password
-- Access keys must not be created at user set-up for console users: an active key that
-- has never been used, on a user with a console password, is one.
select
    r.user_arn as resource,
    case when r.password_enabled
          and ((r.access_key_1_active and r.access_key_1_last_used_date is null)
            or (r.access_key_2_active and r.access_key_2_last_used_date is null))
         then 'alarm' else 'ok' end as status,
    case when not r.password_enabled then r.user_name || ' has no console password.'
         when (r.access_key_1_active and r.access_key_1_last_used_date is null)
           or (r.access_key_2_active and r.access_key_2_last_used_date is null)
         then r.user_name || ' has an active access key that was never used.'
         else r.user_name || ' has no unused active access key.' end as reason,
    r.account_id,
    r.region
from aws_iam_credential_report r
where r.user_name <> '<root_account>'
