-- CIS AWS v3.0.0 3.8: Ensure that Object-level logging for write events is enabled for S3 bucket
-- Every bucket is covered by a logging multi-region trail that records S3 object-level write
-- events: an event selector (ReadWriteType WriteOnly or All) with an AWS::S3::Object data resource for all
-- buckets of the trail's account (arn:aws:s3) or for the bucket, or an advanced selector for S3
-- data events that does not exclude writes.
with basic as (
    select t.account_id, v as bucket_selector
    from aws_cloudtrail_trail t,
         jsonb_array_elements(t.event_selectors) e,
         jsonb_array_elements(e -> 'DataResources') d,
         jsonb_array_elements_text(d -> 'Values') v
    where t.is_multi_region_trail and t.is_logging and t.region = t.home_region
      and d ->> 'Type' = 'AWS::S3::Object'
      and e ->> 'ReadWriteType' in ('WriteOnly', 'All')
),
advanced as (
    select t.account_id, s -> 'FieldSelectors' as fields
    from aws_cloudtrail_trail t, jsonb_array_elements(t.advanced_event_selectors) s
    where t.is_multi_region_trail and t.is_logging and t.region = t.home_region
      and s -> 'FieldSelectors' @> '[{"Field": "eventCategory", "Equals": ["Data"]}]'
      and s -> 'FieldSelectors' @> '[{"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]'
      and not (s -> 'FieldSelectors' @> '[{"Field": "readOnly", "Equals": ["true"]}]')
),
selectors as (
    select b.account_id, b.bucket_selector from basic b
    union all
    select a.account_id, v as bucket_selector
    from advanced a, jsonb_array_elements(a.fields) f, jsonb_array_elements_text(f -> 'StartsWith') v
    where f ->> 'Field' = 'resources.ARN'
    union all
    select a.account_id, 'arn:aws:s3' as bucket_selector
    from advanced a
    where cast(a.fields as varchar) not like '%resources.ARN%'
),
covered as (
    select b.arn, count(s.bucket_selector) as selectors
    from aws_s3_bucket b
    join selectors s
      on (s.bucket_selector in ('arn:aws:s3', 'arn:aws:s3:::') and s.account_id = b.account_id)
      or s.bucket_selector = b.arn || '/'
      or s.bucket_selector like b.arn || '/%'
    group by b.arn
)
select
    b.arn as resource,
    case when c.selectors > 0 then 'ok' else 'alarm' end as status,
    case when c.selectors > 0 then b.name || ' object-level write events are logged.'
         else b.name || ' object-level write events are not logged by any multi-region trail.' end as reason,
    b.account_id,
    b.region
from aws_s3_bucket b
left join covered c on c.arn = b.arn
