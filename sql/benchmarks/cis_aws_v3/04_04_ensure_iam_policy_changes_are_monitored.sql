-- CIS AWS v3.0.0 4.4: needs aws_cloudtrail_trail, aws_cloudwatch_log_metric_filter and aws_cloudwatch_alarm, which this build does not provide.
select
    'cis_aws_v3/4.4' as resource,
    'skip' as status,
    'Needs table aws_cloudtrail_trail, aws_cloudwatch_log_metric_filter and aws_cloudwatch_alarm, which this build does not provide.' as reason,
    '' as account_id,
    '' as region
