-- CIS AWS v3.0.0 5.5: a manual control; the benchmark asks a person to check it.
select
    a.arn as resource,
    'info' as status,
    'Manual control: check route tables of peered VPCs route only the CIDRs that need to be reached.' as reason,
    a.account_id,
    a.region
from aws_account a
