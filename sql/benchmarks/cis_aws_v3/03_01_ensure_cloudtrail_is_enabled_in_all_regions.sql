-- CIS AWS v3.0.0 3.1: Ensure CloudTrail is enabled in all regions
-- Each account has a logging multi-region trail that records all management events: an event
-- selector with ReadWriteType All and IncludeManagementEvents true, or an advanced selector for
-- management events without a readOnly field.
with qualifying as (
    select t.account_id, t.name
    from aws_cloudtrail_trail t, jsonb_array_elements(t.event_selectors) e
    where t.is_multi_region_trail and t.is_logging and t.region = t.home_region
      and e ->> 'ReadWriteType' = 'All'
      and e ->> 'IncludeManagementEvents' = 'true'
    union all
    select t.account_id, t.name
    from aws_cloudtrail_trail t, jsonb_array_elements(t.advanced_event_selectors) s
    where t.is_multi_region_trail and t.is_logging and t.region = t.home_region
      and s -> 'FieldSelectors' @> '[{"Field": "eventCategory", "Equals": ["Management"]}]'
      and cast(s -> 'FieldSelectors' as varchar) not like '%readOnly%'
),
trails as (
    select q.account_id, min(q.name) as trail
    from qualifying q
    group by q.account_id
)
select
    a.arn as resource,
    case when t.trail is null then 'alarm' else 'ok' end as status,
    case when t.trail is null
         then 'No logging multi-region trail records all (read and write) management events.'
         else t.trail || ' is a logging multi-region trail recording all management events.' end as reason,
    a.account_id,
    a.region
from aws_account a
left join trails t on t.account_id = a.account_id
