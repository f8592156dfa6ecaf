-- CIS AWS v3.0.0 4.16: needs aws_securityhub_hub, which this build does not provide.
select
    'cis_aws_v3/4.16' as resource,
    'skip' as status,
    'Needs table aws_securityhub_hub, which this build does not provide.' as reason,
    '' as account_id,
    '' as region
