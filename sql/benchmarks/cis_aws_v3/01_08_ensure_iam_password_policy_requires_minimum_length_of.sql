-- CIS AWS v3.0.0 1.8: Ensure IAM password policy requires minimum length of 14 or greater
-- The password policy must require at least 14 characters.
select
    a.arn as resource,
    case when p.minimum_password_length >= 14 then 'ok' else 'alarm' end as status,
    case when p.account_id is null then 'No password policy is set.'
         else 'Minimum password length is ' || cast(p.minimum_password_length as varchar) || '.' end as reason,
    a.account_id,
    a.region
from aws_account a
left join aws_iam_account_password_policy p on p.account_id = a.account_id
