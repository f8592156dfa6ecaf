-- CIS AWS v3.0.0 2.2.1: needs aws_ebs_encryption_by_default, which this build does not provide.
select
    'cis_aws_v3/2.2.1' as resource,
    'skip' as status,
    'Needs table aws_ebs_encryption_by_default, which this build does not provide.' as reason,
    '' as account_id,
    '' as region
