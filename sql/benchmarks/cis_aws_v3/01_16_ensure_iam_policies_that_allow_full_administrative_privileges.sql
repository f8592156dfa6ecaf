-- CIS AWS v3.0.0 1.16: Ensure IAM policies that allow full "*:*" administrative privileges are not attached
-- No attached customer-managed policy allows "*" actions on "*" resources.
select
    p.arn as resource,
    case when p.is_attached and p.policy_std -> 'Statement' @> '[{"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}]'
         then 'alarm' else 'ok' end as status,
    case when p.policy_std -> 'Statement' @> '[{"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}]'
         then p.name || ' allows *:* and is ' || case when p.is_attached then 'attached.' else 'not attached.' end
         else p.name || ' does not allow *:*.' end as reason,
    p.account_id,
    p.region
from aws_iam_policy p
where not p.is_aws_managed
