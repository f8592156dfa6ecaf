-- CIS AWS v3.0.0 1.9: Ensure IAM password policy prevents password reuse
-- The password policy must prevent reuse of the last 24 passwords.
select
    a.arn as resource,
    case when p.password_reuse_prevention >= 24 then 'ok' else 'alarm' end as status,
    case when p.account_id is null then 'No password policy is set.'
         when p.password_reuse_prevention is null then 'Password reuse prevention is not set.'
         else 'Password reuse prevention is ' || cast(p.password_reuse_prevention as varchar) || '.' end as reason,
    a.account_id,
    a.region
from aws_account a
left join aws_iam_account_password_policy p on p.account_id = a.account_id
