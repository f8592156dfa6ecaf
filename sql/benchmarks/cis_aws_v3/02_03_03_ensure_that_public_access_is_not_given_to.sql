-- CIS AWS v3.0.0 2.3.3: Ensure that public access is not given to RDS Instance
-- RDS DB instances are not publicly accessible.
select
    d.arn as resource,
    case when d.publicly_accessible then 'alarm' else 'ok' end as status,
    case when d.publicly_accessible then d.db_instance_identifier || ' is publicly accessible.'
         else d.db_instance_identifier || ' is not publicly accessible.' end as reason,
    d.account_id,
    d.region
from aws_rds_db_instance d
