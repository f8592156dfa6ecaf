-- CIS AWS v3.0.0 1.2: a manual control; the benchmark asks a person to check it.
select
    a.arn as resource,
    'info' as status,
    'Manual control: check an alternate security contact is registered (Account settings).' as reason,
    a.account_id,
    a.region
from aws_account a
