-- CIS AWS v3.0.0 3.7: Ensure VPC flow logging is enabled in all VPCs
-- Every VPC the account owns has an active flow log (subnet or interface flow logs do not count);
-- VPCs shared from another account are skipped.
with logs as (
    select
        f.account_id,
        f.region,
        f.resource_id,
        count(*) as flow_logs,
        sum(case when f.flow_log_status = 'ACTIVE' then 1 else 0 end) as active
    from aws_vpc_flow_log f
    group by f.account_id, f.region, f.resource_id
),
vpcs as (
    select v.arn, v.vpc_id, v.owner_id, v.account_id, v.region,
           v.vpc_id || coalesce(' (' || (v.tags ->> 'Name') || ')', '') as label
    from aws_vpc v
)
select
    v.arn as resource,
    case when v.owner_id <> v.account_id then 'skip'
         when l.active > 0 then 'ok'
         else 'alarm' end as status,
    case when v.owner_id <> v.account_id then v.label || ' is shared by account ' || v.owner_id || '.'
         when l.active > 0 then v.label || ' has an active flow log.'
         when l.flow_logs > 0 then v.label || ' has flow logs, none active.'
         else v.label || ' has no flow log.' end as reason,
    v.account_id,
    v.region
from vpcs v
left join logs l on l.account_id = v.account_id and l.region = v.region and l.resource_id = v.vpc_id
