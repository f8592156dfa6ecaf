-- CIS AWS v3.0.0 2.1.3: a manual control; the benchmark asks a person to check it.
select
    a.arn as resource,
    'info' as status,
    'Manual control: check S3 data is discovered and classified (e.g. Amazon Macie).' as reason,
    a.account_id,
    a.region
from aws_account a
