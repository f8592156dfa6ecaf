-- CIS AWS v3.0.0 2.2.1: Ensure EBS Volume Encryption is Enabled in all Regions
-- EBS encryption by default is on in every region the connection reads (one result per region).
select
    'arn:' || r.partition || '::' || r.name || ':' || r.account_id as resource,
    case when r.opt_in_status = 'not-opted-in' then 'skip'
         when s.default_ebs_encryption_enabled is null then 'error'
         when s.default_ebs_encryption_enabled then 'ok'
         else 'alarm' end as status,
    case when r.opt_in_status = 'not-opted-in' then r.name || ' is not enabled in the account.'
         when s.default_ebs_encryption_enabled is null then 'The EC2 settings of ' || r.name || ' could not be read.'
         when s.default_ebs_encryption_enabled then 'EBS encryption by default is on in ' || r.name || '.'
         else 'EBS encryption by default is off in ' || r.name || '.' end as reason,
    r.account_id,
    r.name as region
from aws_region r
left join aws_ec2_regional_settings s on s.account_id = r.account_id and s.region = r.name
where r.steampipe_available
