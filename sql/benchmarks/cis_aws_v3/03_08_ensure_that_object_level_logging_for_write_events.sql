-- CIS AWS v3.0.0 3.8: needs aws_cloudtrail_trail, which this build does not provide.
select
    'cis_aws_v3/3.8' as resource,
    'skip' as status,
    'Needs table aws_cloudtrail_trail, which this build does not provide.' as reason,
    '' as account_id,
    '' as region
