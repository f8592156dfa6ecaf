-- CIS AWS v3.0.0 5.4: Ensure the default security group of every VPC restricts all traffic
-- The default security group of every VPC restricts all traffic (no rules at all).
select
    sg.arn as resource,
    case when coalesce(jsonb_array_length(sg.ip_permissions), 0) = 0
          and coalesce(jsonb_array_length(sg.ip_permissions_egress), 0) = 0 then 'ok' else 'alarm' end as status,
    sg.group_id || ' in ' || sg.vpc_id || ' has '
        || cast(coalesce(jsonb_array_length(sg.ip_permissions), 0) as varchar) || ' inbound and '
        || cast(coalesce(jsonb_array_length(sg.ip_permissions_egress), 0) as varchar) || ' outbound rules.' as reason,
    sg.account_id,
    sg.region
from aws_vpc_security_group sg
where sg.group_name = 'default'
