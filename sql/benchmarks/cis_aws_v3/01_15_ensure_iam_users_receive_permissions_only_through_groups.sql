-- CIS AWS v3.0.0 1.15: Ensure IAM Users Receive Permissions Only Through Groups
-- IAM users receive permissions only through groups: no attached or inline user policies.
select
    u.arn as resource,
    case when coalesce(jsonb_array_length(u.attached_policy_arns), 0) > 0
           or coalesce(jsonb_array_length(u.inline_policies), 0) > 0 then 'alarm' else 'ok' end as status,
    u.name || ' has ' || cast(coalesce(jsonb_array_length(u.attached_policy_arns), 0) as varchar) || ' attached and '
        || cast(coalesce(jsonb_array_length(u.inline_policies), 0) as varchar) || ' inline policies.' as reason,
    u.account_id,
    u.region
from aws_iam_user u
