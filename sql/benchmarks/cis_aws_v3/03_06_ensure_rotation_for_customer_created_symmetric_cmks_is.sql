-- CIS AWS v3.0.0 3.6: needs aws_kms_key, which this build does not provide.
select
    'cis_aws_v3/3.6' as resource,
    'skip' as status,
    'Needs table aws_kms_key, which this build does not provide.' as reason,
    '' as account_id,
    '' as region
