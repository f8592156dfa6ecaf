-- CIS AWS v3.0.0 3.3: Ensure AWS Config is enabled in all regions
-- Every region the connection reads has a configuration recorder that records all supported
-- resources, is recording and last succeeded; and some recorder of the account records global
-- resources (IAM). One result per region.
with recorders as (
    select
        c.account_id,
        c.region,
        count(*) as recorders,
        sum(case when c.recording_group ->> 'AllSupported' = 'true'
                  and c.status ->> 'Recording' = 'true'
                  and c.status ->> 'LastStatus' = 'SUCCESS' then 1 else 0 end) as healthy,
        min(case when c.status ->> 'Recording' = 'true' then null
                 else c.name || ' is not recording' end) as stopped,
        min(case when c.recording_group ->> 'AllSupported' = 'true' then null
                 else c.name || ' does not record all supported resources' end) as partial,
        min(case when c.status ->> 'LastStatus' = 'SUCCESS' then null
                 else c.name || ' last status is ' || coalesce(c.status ->> 'LastStatus', 'unknown') end) as failing
    from aws_config_configuration_recorder c
    group by c.account_id, c.region
),
global_recorders as (
    select c.account_id, count(*) as recorders
    from aws_config_configuration_recorder c
    where c.recording_group ->> 'AllSupported' = 'true'
      and c.recording_group ->> 'IncludeGlobalResourceTypes' = 'true'
      and c.status ->> 'Recording' = 'true'
      and c.status ->> 'LastStatus' = 'SUCCESS'
    group by c.account_id
)
select
    'arn:' || r.partition || '::' || r.name || ':' || r.account_id as resource,
    case when r.opt_in_status = 'not-opted-in' then 'skip'
         when rec.healthy > 0 and g.recorders > 0 then 'ok'
         else 'alarm' end as status,
    case when r.opt_in_status = 'not-opted-in' then r.name || ' is not enabled in the account.'
         when rec.recorders is null then 'No Config recorder in ' || r.name || '.'
         when rec.healthy > 0 and g.recorders > 0 then 'Config records all resources in ' || r.name || '.'
         when rec.healthy > 0 then 'Config records ' || r.name || ', but no recorder of the account records global resources.'
         else 'Config in ' || r.name || ': '
              || coalesce(rec.stopped, rec.partial, rec.failing, 'the recorder is not healthy') || '.' end as reason,
    r.account_id,
    r.name as region
from aws_region r
left join recorders rec on rec.account_id = r.account_id and rec.region = r.name
left join global_recorders g on g.account_id = r.account_id
where r.steampipe_available
