-- CIS AWS v3.0.0 2.1.4: Ensure that S3 Buckets are configured with 'Block public access (bucket settings)'
-- S3 buckets block public access (bucket-level settings; the account-level settings
-- need aws_s3_account_settings, which this build does not provide).
select
    b.arn as resource,
    case when b.block_public_acls and b.block_public_policy and b.ignore_public_acls and b.restrict_public_buckets
         then 'ok' else 'alarm' end as status,
    case when b.block_public_acls and b.block_public_policy and b.ignore_public_acls and b.restrict_public_buckets
         then b.name || ' blocks all public access.'
         else b.name || ' does not block all public access.' end as reason,
    b.account_id,
    b.region
from aws_s3_bucket b
