-- CIS AWS v3.0.0 1.1: a manual control; the benchmark asks a person to check it.
select
    a.arn as resource,
    'info' as status,
    'Manual control: check the account''s contact details in the Billing console are current.' as reason,
    a.account_id,
    a.region
from aws_account a
