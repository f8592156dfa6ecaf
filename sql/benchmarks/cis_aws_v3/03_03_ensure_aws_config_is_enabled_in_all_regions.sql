-- CIS AWS v3.0.0 3.3: needs aws_config_configuration_recorder, which this build does not provide.
select
    'cis_aws_v3/3.3' as resource,
    'skip' as status,
    'Needs table aws_config_configuration_recorder, which this build does not provide.' as reason,
    '' as account_id,
    '' as region
