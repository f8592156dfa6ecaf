-- CIS AWS v3.0.0 5.1: Ensure no Network ACLs allow ingress from 0.0.0.0/0 to remote server administration ports
-- No network ACL has an inbound allow rule from 0.0.0.0/0 or ::/0 for all protocols, or for TCP/UDP
-- port ranges that include 22 or 3389. Rule order is not evaluated: an allow rule counts even if a
-- lower-numbered deny would shadow it.
with bad_rules as (
    select a.network_acl_id, count(*) as rules, min(cast(e ->> 'RuleNumber' as bigint)) as first_rule
    from aws_vpc_network_acl a, jsonb_array_elements(a.entries) e
    where e ->> 'Egress' = 'false'
      and e ->> 'RuleAction' = 'allow'
      and (e ->> 'CidrBlock' = '0.0.0.0/0' or e ->> 'Ipv6CidrBlock' = '::/0')
      and (e ->> 'Protocol' = '-1'
        or (e ->> 'Protocol' in ('6', '17')
            and ((cast(e -> 'PortRange' ->> 'From' as bigint) <= 22 and cast(e -> 'PortRange' ->> 'To' as bigint) >= 22)
              or (cast(e -> 'PortRange' ->> 'From' as bigint) <= 3389 and cast(e -> 'PortRange' ->> 'To' as bigint) >= 3389))))
    group by a.network_acl_id
),
acls as (
    select a.arn, a.network_acl_id, a.vpc_id, a.account_id, a.region,
           a.network_acl_id || coalesce(' (' || (a.tags ->> 'Name') || ')', '') as label
    from aws_vpc_network_acl a
)
select
    a.arn as resource,
    case when b.rules > 0 then 'alarm' else 'ok' end as status,
    case when b.rules > 0
         then a.label || ' in ' || a.vpc_id || ' has ' || cast(b.rules as varchar)
              || ' inbound rule(s) allowing 0.0.0.0/0 or ::/0 to port 22 or 3389 (first: rule ' || cast(b.first_rule as varchar) || ').'
         else a.label || ' in ' || a.vpc_id || ' allows no admin port from 0.0.0.0/0 or ::/0.' end as reason,
    a.account_id,
    a.region
from acls a
left join bad_rules b on b.network_acl_id = a.network_acl_id
