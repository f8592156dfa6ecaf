-- Actual grants, in the shape of desired grants: who holds which managed policy,
-- group membership or inline policy. The drift job compares these with the desired state.
select 'user/' || u.name as principal, 'policy' as grant_kind, p as grant_value, u.account_id
from aws_iam_user u, jsonb_array_elements_text(u.attached_policy_arns) as p
union all
select 'user/' || u.name as principal, 'group' as grant_kind, g ->> 'GroupName' as grant_value, u.account_id
from aws_iam_user u, jsonb_array_elements(u.groups) as g
union all
select 'user/' || u.name as principal, 'inline_policy' as grant_kind, i ->> 'PolicyName' as grant_value, u.account_id
from aws_iam_user u, jsonb_array_elements(u.inline_policies) as i
union all
select 'role/' || r.name as principal, 'policy' as grant_kind, p as grant_value, r.account_id
from aws_iam_role r, jsonb_array_elements_text(r.attached_policy_arns) as p
union all
select 'role/' || r.name as principal, 'inline_policy' as grant_kind, i ->> 'PolicyName' as grant_value, r.account_id
from aws_iam_role r, jsonb_array_elements(r.inline_policies) as i
