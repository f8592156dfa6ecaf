-- CIS AWS v3.0.0 1.19: Ensure that all the expired SSL/TLS certificates stored in AWS IAM are removed
-- No server certificate stored in IAM has expired (compared with the current time).
select
    c.arn as resource,
    case when c.expiration < now() then 'alarm' else 'ok' end as status,
    case when c.expiration < now()
         then c.name || ' expired on ' || cast(cast(c.expiration as date) as varchar) || '; delete it from IAM.'
         else c.name || ' is valid until ' || cast(cast(c.expiration as date) as varchar) || '.' end as reason,
    c.account_id,
    c.region
from aws_iam_server_certificate c
