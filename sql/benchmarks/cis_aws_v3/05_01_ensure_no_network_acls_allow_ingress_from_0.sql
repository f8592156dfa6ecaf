-- CIS AWS v3.0.0 5.1: needs aws_vpc_network_acl, which this build does not provide.
select
    'cis_aws_v3/5.1' as resource,
    'skip' as status,
    'Needs table aws_vpc_network_acl, which this build does not provide.' as reason,
    '' as account_id,
    '' as region
