-- CIS AWS v3.0.0 1.20: needs aws_accessanalyzer_analyzer, which this build does not provide.
select
    'cis_aws_v3/1.20' as resource,
    'skip' as status,
    'Needs table aws_accessanalyzer_analyzer, which this build does not provide.' as reason,
    '' as account_id,
    '' as region
