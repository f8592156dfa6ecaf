-- CIS AWS v3.0.0 3.2: Ensure CloudTrail log file validation is enabled
-- Trails validate their log files (each trail once, in its home region).
select
    t.arn as resource,
    case when t.log_file_validation_enabled then 'ok' else 'alarm' end as status,
    case when t.log_file_validation_enabled then t.name || ' has log file validation enabled.'
         else t.name || ' has log file validation disabled.' end as reason,
    t.account_id,
    t.region
from aws_cloudtrail_trail t
where t.region = t.home_region
