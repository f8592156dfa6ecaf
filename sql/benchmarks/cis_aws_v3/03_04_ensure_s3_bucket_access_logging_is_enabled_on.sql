-- CIS AWS v3.0.0 3.4: Ensure S3 bucket access logging is enabled on the CloudTrail S3 bucket
-- The bucket every trail delivers to has server access logging enabled (each trail once, in its
-- home region). A bucket outside the connection cannot be checked here: info.
select
    t.arn as resource,
    case when b.name is null then 'info'
         when b.logging is not null then 'ok'
         else 'alarm' end as status,
    case when b.name is null
         then t.name || ' delivers to ' || t.s3_bucket_name || ', which this connection cannot see; check its access logging there.'
         when b.logging is not null
         then t.name || ' delivers to ' || t.s3_bucket_name || ', which logs access to ' || coalesce(b.logging ->> 'TargetBucket', 'a target bucket') || '.'
         else t.name || ' delivers to ' || t.s3_bucket_name || ', which has access logging disabled.' end as reason,
    t.account_id,
    t.region
from aws_cloudtrail_trail t
left join aws_s3_bucket b on b.name = t.s3_bucket_name
where t.region = t.home_region
