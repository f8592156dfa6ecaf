-- CIS AWS v3.0.0 3.7: needs aws_vpc_flow_log, which this build does not provide.
select
    'cis_aws_v3/3.7' as resource,
    'skip' as status,
    'Needs table aws_vpc_flow_log, which this build does not provide.' as reason,
    '' as account_id,
    '' as region
