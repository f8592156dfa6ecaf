-- CIS AWS v3.0.0 1.3: a manual control; the benchmark asks a person to check it.
select
    a.arn as resource,
    'info' as status,
    'Manual control: check security challenge questions are configured for the root user.' as reason,
    a.account_id,
    a.region
from aws_account a
