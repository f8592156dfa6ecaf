-- CIS AWS v3.0.0 5.2: Ensure no security groups allow ingress from 0.0.0.0/0 to remote server administration ports
-- No security group allows ingress from 0.0.0.0/0 to remote administration ports (22, 3389).
with bad_rules as (
    select r.group_id, count(*) as rules
    from aws_vpc_security_group_rule r
    where r.type = 'ingress'
      and r.cidr_ipv4 = '0.0.0.0/0'
      and (r.ip_protocol = '-1'
        or (r.ip_protocol in ('tcp', 'udp', '6', '17')
            and ((r.from_port <= 22 and r.to_port >= 22) or (r.from_port <= 3389 and r.to_port >= 3389))))
    group by r.group_id
)
select
    sg.arn as resource,
    case when b.rules > 0 then 'alarm' else 'ok' end as status,
    case when b.rules > 0 then sg.group_name || ' (' || sg.group_id || ') allows 0.0.0.0/0 to port 22 or 3389.'
         else sg.group_name || ' (' || sg.group_id || ') allows no admin port from 0.0.0.0/0.' end as reason,
    sg.account_id,
    sg.region
from aws_vpc_security_group sg
left join bad_rules b on b.group_id = sg.group_id
