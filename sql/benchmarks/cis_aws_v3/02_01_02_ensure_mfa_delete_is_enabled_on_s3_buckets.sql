-- CIS AWS v3.0.0 2.1.2: Ensure MFA Delete is enabled on S3 buckets
-- MFA delete is enabled on S3 buckets.
select
    b.arn as resource,
    case when b.versioning_mfa_delete then 'ok' else 'alarm' end as status,
    case when b.versioning_mfa_delete then b.name || ' has MFA delete enabled.' else b.name || ' has MFA delete disabled.' end as reason,
    b.account_id,
    b.region
from aws_s3_bucket b
