-- CIS AWS v3.0.0 1.7: Eliminate use of the 'root' user for administrative and daily tasks
-- The root user must not be used for daily tasks: no sign-in and no access-key use in
-- the 30 days before the credential report was generated.
select
    r.user_arn as resource,
    case when r.password_last_used >= r.generated_time - interval '30 days'
           or r.access_key_1_last_used_date >= r.generated_time - interval '30 days'
           or r.access_key_2_last_used_date >= r.generated_time - interval '30 days'
         then 'alarm' else 'ok' end as status,
    'Root user password last used ' || coalesce(cast(r.password_last_used as varchar), 'never')
        || ', access key last used ' || coalesce(cast(greatest(r.access_key_1_last_used_date, r.access_key_2_last_used_date) as varchar), 'never')
        || '.' as reason,
    r.account_id,
    r.region
from aws_iam_credential_report r
where r.user_name = '<root_account>'
