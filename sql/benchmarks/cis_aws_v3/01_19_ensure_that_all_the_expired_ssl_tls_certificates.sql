-- CIS AWS v3.0.0 1.19: needs aws_iam_server_certificate, which this build does not provide.
select
    'cis_aws_v3/1.19' as resource,
    'skip' as status,
    'Needs table aws_iam_server_certificate, which this build does not provide.' as reason,
    '' as account_id,
    '' as region
