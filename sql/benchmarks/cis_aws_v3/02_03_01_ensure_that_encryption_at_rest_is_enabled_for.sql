-- CIS AWS v3.0.0 2.3.1: Ensure that encryption-at-rest is enabled for RDS Instances
-- RDS DB instances encrypt their storage.
select
    d.arn as resource,
    case when d.storage_encrypted then 'ok' else 'alarm' end as status,
    case when d.storage_encrypted then d.db_instance_identifier || ' is encrypted at rest.'
         else d.db_instance_identifier || ' is not encrypted at rest.' end as reason,
    d.account_id,
    d.region
from aws_rds_db_instance d
