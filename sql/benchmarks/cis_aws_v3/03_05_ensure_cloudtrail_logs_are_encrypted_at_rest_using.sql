-- CIS AWS v3.0.0 3.5: Ensure CloudTrail logs are encrypted at rest using KMS CMKs
-- Trails encrypt their log files with a KMS key (SSE-KMS), each trail once, in its home region.
select
    t.arn as resource,
    case when t.kms_key_id is null then 'alarm' else 'ok' end as status,
    case when t.kms_key_id is null then t.name || ' log files are not encrypted with a KMS key.'
         else t.name || ' log files are encrypted with ' || t.kms_key_id || '.' end as reason,
    t.account_id,
    t.region
from aws_cloudtrail_trail t
where t.region = t.home_region
