-- CIS AWS v3.0.0 1.20: Ensure that IAM Access analyzer is enabled for all regions
-- Every region the connection reads has an analyzer in status ACTIVE (one result per region).
with analyzers as (
    select
        aa.account_id,
        aa.region,
        sum(case when aa.status = 'ACTIVE' then 1 else 0 end) as active,
        min(case when aa.status = 'ACTIVE' then aa.name end) as active_name,
        min(case when aa.status <> 'ACTIVE' then aa.name || ' is ' || aa.status end) as inactive
    from aws_accessanalyzer_analyzer aa
    group by aa.account_id, aa.region
)
select
    'arn:' || r.partition || '::' || r.name || ':' || r.account_id as resource,
    case when r.opt_in_status = 'not-opted-in' then 'skip'
         when a.active > 0 then 'ok'
         else 'alarm' end as status,
    case when r.opt_in_status = 'not-opted-in' then r.name || ' is not enabled in the account.'
         when a.active > 0 then 'Access Analyzer ' || a.active_name || ' is active in ' || r.name || '.'
         when a.inactive is not null then 'No active Access Analyzer in ' || r.name || ' (' || a.inactive || ').'
         else 'No Access Analyzer in ' || r.name || '.' end as reason,
    r.account_id,
    r.name as region
from aws_region r
left join analyzers a on a.account_id = r.account_id and a.region = r.name
where r.steampipe_available
