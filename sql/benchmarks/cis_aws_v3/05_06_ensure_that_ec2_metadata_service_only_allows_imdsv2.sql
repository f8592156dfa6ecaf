-- CIS AWS v3.0.0 5.6: Ensure that EC2 Metadata Service only allows IMDSv2
-- EC2 instances require IMDSv2 (HttpTokens = required).
select
    i.arn as resource,
    case when i.metadata_options ->> 'HttpTokens' = 'required' then 'ok' else 'alarm' end as status,
    case when i.metadata_options ->> 'HttpTokens' = 'required' then i.instance_id || ' requires IMDSv2.'
         else i.instance_id || ' allows IMDSv1.' end as reason,
    i.account_id,
    i.region
from aws_ec2_instance i
