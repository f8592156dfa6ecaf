-- CIS AWS v3.0.0 1.12: Ensure credentials unused for 45 days or greater are disabled
-- Credentials unused for 45 days or more must be disabled: console passwords and active
-- access keys, measured against the credential report's generation time.
select
    r.user_arn as resource,
    case when (r.password_enabled and coalesce(r.password_last_used, r.password_last_changed) < r.generated_time - interval '45 days')
           or (r.access_key_1_active and coalesce(r.access_key_1_last_used_date, r.access_key_1_last_rotated) < r.generated_time - interval '45 days')
           or (r.access_key_2_active and coalesce(r.access_key_2_last_used_date, r.access_key_2_last_rotated) < r.generated_time - interval '45 days')
         then 'alarm' else 'ok' end as status,
    case when (r.password_enabled and coalesce(r.password_last_used, r.password_last_changed) < r.generated_time - interval '45 days')
         then r.user_name || ' has a console password unused for 45 days or more.'
         when (r.access_key_1_active and coalesce(r.access_key_1_last_used_date, r.access_key_1_last_rotated) < r.generated_time - interval '45 days')
           or (r.access_key_2_active and coalesce(r.access_key_2_last_used_date, r.access_key_2_last_rotated) < r.generated_time - interval '45 days')
         then r.user_name || ' has an active access key unused for 45 days or more.'
         else r.user_name || ' has no credential unused for 45 days.' end as reason,
    r.account_id,
    r.region
from aws_iam_credential_report r
where r.user_name <> '<root_account>'
