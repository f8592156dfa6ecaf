-- CIS AWS v3.0.0 2.4.1: needs aws_efs_file_system, which this build does not provide.
select
    'cis_aws_v3/2.4.1' as resource,
    'skip' as status,
    'Needs table aws_efs_file_system, which this build does not provide.' as reason,
    '' as account_id,
    '' as region
