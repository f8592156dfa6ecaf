-- CIS AWS v3.0.0 4.16: Ensure AWS Security Hub is enabled
-- Security Hub is enabled in every region the connection reads (one result per region); regions
-- where Security Hub is not offered are skipped.
select
    coalesce(h.hub_arn, 'arn:' || r.partition || '::' || r.name || ':' || r.account_id) as resource,
    case when r.opt_in_status = 'not-opted-in' then 'skip'
         when r.name in ('af-south-1', 'eu-south-1', 'cn-north-1', 'cn-northwest-1', 'ap-northeast-3') then 'skip'
         when h.hub_arn is not null then 'ok'
         else 'alarm' end as status,
    case when r.opt_in_status = 'not-opted-in' then r.name || ' is not enabled in the account.'
         when r.name in ('af-south-1', 'eu-south-1', 'cn-north-1', 'cn-northwest-1', 'ap-northeast-3') then 'Security Hub is not offered in ' || r.name || '.'
         when h.hub_arn is not null then 'Security Hub is enabled in ' || r.name || '.'
         else 'Security Hub is not enabled in ' || r.name || '.' end as reason,
    r.account_id,
    r.name as region
from aws_region r
left join aws_securityhub_hub h on h.account_id = r.account_id and h.region = r.name
where r.steampipe_available
