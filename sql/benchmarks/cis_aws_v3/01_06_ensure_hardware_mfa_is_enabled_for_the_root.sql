-- CIS AWS v3.0.0 1.6: Ensure hardware MFA is enabled for the 'root' user account
-- The root user's MFA must be a hardware device: a virtual device named
-- root-account-mfa-device means it is not.
with root_virtual as (
    select v.account_id, count(*) as devices
    from aws_iam_virtual_mfa_device v
    where v.serial_number like '%:mfa/root-account-mfa-device'
    group by v.account_id
)
select
    r.user_arn as resource,
    case when not r.mfa_active then 'alarm'
         when v.devices > 0 then 'alarm'
         else 'ok' end as status,
    case when not r.mfa_active then 'Root user has no MFA device.'
         when v.devices > 0 then 'Root user MFA is a virtual device.'
         else 'Root user MFA is a hardware device.' end as reason,
    r.account_id,
    r.region
from aws_iam_credential_report r
left join root_virtual v on v.account_id = r.account_id
where r.user_name = '<root_account>'
