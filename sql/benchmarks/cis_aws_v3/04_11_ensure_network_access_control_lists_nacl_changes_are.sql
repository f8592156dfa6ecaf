-- CIS AWS v3.0.0 4.11: Ensure Network Access Control Lists (NACL) changes are monitored
-- Monitoring of network ACL changes: a log metric filter matching the benchmark's pattern reads the
-- CloudWatch Logs group of a logging multi-region trail that records all management events (3.1),
-- and an alarm on the filter's metric (same account, region and namespace) notifies an SNS topic
-- with at least one confirmed subscription. One result per account.
with trails as (
    select t.account_id, t.name, t.log_group_arn
    from aws_cloudtrail_trail t, jsonb_array_elements(t.event_selectors) e
    where t.is_multi_region_trail and t.is_logging and t.region = t.home_region
      and t.log_group_arn is not null
      and e ->> 'ReadWriteType' = 'All'
      and e ->> 'IncludeManagementEvents' = 'true'
    union all
    select t.account_id, t.name, t.log_group_arn
    from aws_cloudtrail_trail t, jsonb_array_elements(t.advanced_event_selectors) s
    where t.is_multi_region_trail and t.is_logging and t.region = t.home_region
      and t.log_group_arn is not null
      and s -> 'FieldSelectors' @> '[{"Field": "eventCategory", "Equals": ["Management"]}]'
      and cast(s -> 'FieldSelectors' as varchar) not like '%readOnly%'
),
trail_groups as (
    select distinct
        t.account_id,
        t.name as trail,
        split_part(t.log_group_arn, ':', 4) as log_region,
        split_part(t.log_group_arn, ':', 7) as log_group
    from trails t
),
filters as (
    select g.account_id, g.trail, f.region, f.name, f.log_group_name,
           f.metric_transformation_name as metric, f.metric_transformation_namespace as namespace
    from trail_groups g
    join aws_cloudwatch_log_metric_filter f
      on f.account_id = g.account_id and f.region = g.log_region and f.log_group_name = g.log_group
    where f.filter_pattern ~ '\s*\$\.eventName\s*=\s*CreateNetworkAcl.+\$\.eventName\s*=\s*CreateNetworkAclEntry.+\$\.eventName\s*=\s*DeleteNetworkAcl.+\$\.eventName\s*=\s*DeleteNetworkAclEntry.+\$\.eventName\s*=\s*ReplaceNetworkAclEntry.+\$\.eventName\s*=\s*ReplaceNetworkAclAssociation'
),
alarm_actions as (
    select a.account_id, a.region, a.name, a.metric_name, a.namespace, action as topic_arn
    from aws_cloudwatch_alarm a, jsonb_array_elements_text(a.alarm_actions) action
),
subscribed_topics as (
    select distinct s.topic_arn
    from aws_sns_topic_subscription s
    where s.subscription_arn like 'arn:%'
),
chains as (
    select f.account_id, min('trail ' || f.trail || ', metric filter ' || f.name || ', alarm ' || a.name || ', topic ' || a.topic_arn) as chain
    from filters f
    join alarm_actions a
      on a.account_id = f.account_id and a.region = f.region
     and a.metric_name = f.metric and a.namespace = f.namespace
    join subscribed_topics s on s.topic_arn = a.topic_arn
    group by f.account_id
),
groups_by_account as (
    select g.account_id, min(g.log_group) as log_group from trail_groups g group by g.account_id
),
filters_by_account as (
    select f.account_id, min(f.name) as filter from filters f group by f.account_id
)
select
    a.arn as resource,
    case when c.chain is not null then 'ok' else 'alarm' end as status,
    case when c.chain is not null then 'Monitored: ' || c.chain || '.'
         when g.log_group is null then 'No logging multi-region trail that records all management events delivers to CloudWatch Logs.'
         when f.filter is null then 'No metric filter on ' || g.log_group || ' matches the CIS pattern for network ACL changes.'
         else 'Metric filter ' || f.filter || ' (network ACL changes) has no alarm notifying an SNS topic with a confirmed subscription.' end as reason,
    a.account_id,
    a.region
from aws_account a
left join groups_by_account g on g.account_id = a.account_id
left join filters_by_account f on f.account_id = a.account_id
left join chains c on c.account_id = a.account_id
