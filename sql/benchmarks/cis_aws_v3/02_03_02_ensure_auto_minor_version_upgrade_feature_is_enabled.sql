-- CIS AWS v3.0.0 2.3.2: Ensure Auto Minor Version Upgrade feature is Enabled for RDS Instances
-- RDS DB instances apply minor engine upgrades automatically.
select
    d.arn as resource,
    case when d.auto_minor_version_upgrade then 'ok' else 'alarm' end as status,
    case when d.auto_minor_version_upgrade then d.db_instance_identifier || ' upgrades minor versions automatically.'
         else d.db_instance_identifier || ' does not upgrade minor versions automatically ('
              || d.engine || ' ' || d.engine_version || ').' end as reason,
    d.account_id,
    d.region
from aws_rds_db_instance d
