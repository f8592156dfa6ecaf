-- CIS AWS v3.0.0 1.22: Ensure access to AWSCloudShellFullAccess is restricted
-- Access to AWSCloudShellFullAccess is restricted: attached to no user, group or role.
with holders as (
    select u.arn, u.account_id, u.region from aws_iam_user u
    where u.attached_policy_arns @> '["arn:aws:iam::aws:policy/AWSCloudShellFullAccess"]'
    union all
    select g.arn, g.account_id, g.region from aws_iam_group g
    where g.attached_policy_arns @> '["arn:aws:iam::aws:policy/AWSCloudShellFullAccess"]'
    union all
    select r.arn, r.account_id, r.region from aws_iam_role r
    where r.attached_policy_arns @> '["arn:aws:iam::aws:policy/AWSCloudShellFullAccess"]'
)
select h.arn as resource, 'alarm' as status, 'AWSCloudShellFullAccess is attached.' as reason, h.account_id, h.region
from holders h
union all
select a.arn as resource, 'ok' as status, 'AWSCloudShellFullAccess is attached to no principal.' as reason, a.account_id, a.region
from aws_account a
where a.account_id not in (select account_id from holders)
