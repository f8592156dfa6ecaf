-- CIS AWS v3.0.0 1.18: a manual control; the benchmark asks a person to check it.
select
    a.arn as resource,
    'info' as status,
    'Manual control: check applications on instances use instance roles, not stored access keys.' as reason,
    a.account_id,
    a.region
from aws_account a
