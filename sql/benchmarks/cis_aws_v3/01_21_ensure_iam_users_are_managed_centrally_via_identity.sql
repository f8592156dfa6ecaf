-- CIS AWS v3.0.0 1.21: a manual control; the benchmark asks a person to check it.
select
    a.arn as resource,
    'info' as status,
    'Manual control: check IAM users are managed centrally (identity federation or AWS Organizations).' as reason,
    a.account_id,
    a.region
from aws_account a
