-- CIS AWS v3.0.0 2.4.1: Ensure that encryption is enabled for EFS file systems
-- EFS file systems are encrypted at rest.
select
    f.arn as resource,
    case when f.encrypted then 'ok' else 'alarm' end as status,
    case when f.encrypted then coalesce(f.name, f.file_system_id) || ' is encrypted at rest.'
         else coalesce(f.name, f.file_system_id) || ' (' || f.file_system_id || ') is not encrypted at rest.' end as reason,
    f.account_id,
    f.region
from aws_efs_file_system f
