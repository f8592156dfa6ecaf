-- CIS AWS v3.0.0 2.1.1: Ensure S3 Bucket Policy is set to deny HTTP requests
-- S3 bucket policies deny requests made without TLS (aws:SecureTransport = false).
select
    b.arn as resource,
    case when b.policy -> 'Statement' @> '[{"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]'
           or b.policy -> 'Statement' @> '[{"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": ["false"]}}}]'
         then 'ok' else 'alarm' end as status,
    case when b.policy is null then b.name || ' has no bucket policy.'
         when b.policy -> 'Statement' @> '[{"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]'
           or b.policy -> 'Statement' @> '[{"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": ["false"]}}}]'
         then b.name || ' denies requests without TLS.'
         else b.name || ' does not deny requests without TLS.' end as reason,
    b.account_id,
    b.region
from aws_s3_bucket b
