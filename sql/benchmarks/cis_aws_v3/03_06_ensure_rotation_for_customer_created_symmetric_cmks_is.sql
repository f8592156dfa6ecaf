-- CIS AWS v3.0.0 3.6: Ensure rotation for customer-created symmetric CMKs is enabled
-- Customer-managed symmetric keys with KMS key material rotate automatically. Imported,
-- asymmetric/HMAC, disabled and pending-deletion keys are out of scope (skip).
with keys as (
    select k.arn, k.id, k.origin, k.customer_master_key_spec, k.key_state, k.key_rotation_enabled,
           k.account_id, k.region, coalesce(k.aliases -> 0 ->> 'AliasName', k.id) as label
    from aws_kms_key k
    where k.key_manager = 'CUSTOMER'
)
select
    k.arn as resource,
    case when k.origin = 'EXTERNAL' then 'skip'
         when k.customer_master_key_spec <> 'SYMMETRIC_DEFAULT' then 'skip'
         when k.key_state = 'PendingDeletion' then 'skip'
         when k.key_state = 'Disabled' then 'skip'
         when k.key_rotation_enabled then 'ok'
         else 'alarm' end as status,
    case when k.origin = 'EXTERNAL' then k.label || ' has imported key material (rotate it manually).'
         when k.customer_master_key_spec <> 'SYMMETRIC_DEFAULT' then k.label || ' is a ' || k.customer_master_key_spec || ' key; automatic rotation does not apply.'
         when k.key_state = 'PendingDeletion' then k.label || ' is pending deletion.'
         when k.key_state = 'Disabled' then k.label || ' is disabled.'
         when k.key_rotation_enabled then k.label || ' rotates automatically.'
         else k.label || ' does not rotate automatically.' end as reason,
    k.account_id,
    k.region
from keys k
