-- CIS AWS v3.0.0 1.17: Ensure a support role has been created to manage incidents with AWS Support
-- A support role exists: some role has AWSSupportAccess attached.
with support_roles as (
    select r.account_id, count(*) as roles
    from aws_iam_role r
    where r.attached_policy_arns @> '["arn:aws:iam::aws:policy/AWSSupportAccess"]'
    group by r.account_id
)
select
    a.arn as resource,
    case when s.roles > 0 then 'ok' else 'alarm' end as status,
    case when s.roles > 0 then cast(s.roles as varchar) || ' role(s) have AWSSupportAccess.'
         else 'No role has AWSSupportAccess.' end as reason,
    a.account_id,
    a.region
from aws_account a
left join support_roles s on s.account_id = a.account_id
