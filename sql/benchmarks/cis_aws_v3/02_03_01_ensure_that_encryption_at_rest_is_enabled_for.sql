-- CIS AWS v3.0.0 2.3.1: needs aws_rds_db_instance, which this build does not provide.
select
    'cis_aws_v3/2.3.1' as resource,
    'skip' as status,
    'Needs table aws_rds_db_instance, which this build does not provide.' as reason,
    '' as account_id,
    '' as region
