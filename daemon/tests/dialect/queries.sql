-- The dialect suite: Steampipe-mod-style queries over the demo's AWS tables, run by
-- daemon/tests/e2e_dialect.rs against pathwarden and against PostgreSQL 15 holding the
-- same rows (copied through the wire), with `search_path` set so the text runs unchanged.
--
-- Each query starts with `-- name: <id>`; optional annotations before the SQL:
--   -- order: total     the query orders its rows totally: rows are compared in order
--                      (otherwise compared as multisets)
--   -- gap: <feature>   pathwarden does not support <feature>: it must answer SQLSTATE
--                      0A000 with a message naming it (PostgreSQL must run the query)
--   -- bug: <what>      a known wrong answer or error not fixed yet: the test requires it
--                      to still differ (so a fix must remove the annotation) and lists it
-- A query ends with `;` at the end of a line. Values are compared as text, as each server
-- prints them in the simple query protocol.

-- name: iam_user_no_mfa
-- order: total
select arn as resource, name, case when mfa_enabled then 'ok' else 'alarm' end as status
from aws_iam_user order by arn;

-- name: iam_user_console_no_mfa
select u.name, u.login_profile is not null as has_password, u.mfa_enabled
from aws_iam_user u
where u.login_profile is not null and not u.mfa_enabled;

-- name: iam_user_group_count
-- order: total
select u.name, jsonb_array_length(u.groups) as group_count
from aws_iam_user u order by group_count desc, u.name;

-- name: iam_user_groups_lateral
select u.name as user_name, g ->> 'GroupName' as group_name
from aws_iam_user u, jsonb_array_elements(u.groups) as g;

-- name: iam_user_in_no_group
-- order: total
select name from aws_iam_user where groups is null or jsonb_array_length(groups) = 0 order by name;

-- name: iam_user_attached_policies
select u.name, p as policy_arn
from aws_iam_user u
cross join lateral jsonb_array_elements_text(u.attached_policy_arns) as p;

-- name: iam_user_direct_policies_count
-- order: total
select account_id, count(*) filter (where jsonb_array_length(attached_policy_arns) > 0) as with_attached,
       count(*) filter (where inline_policies is not null and jsonb_array_length(inline_policies) > 0) as with_inline,
       count(*) as total
from aws_iam_user group by account_id order by account_id;

-- name: iam_user_tags
select name, tags ->> 'Department' as department, tags -> 'Team' as team_json
from aws_iam_user where tags is not null;

-- name: iam_user_tag_keys
select distinct jsonb_object_keys(tags) as tag_key from aws_iam_user where tags is not null;

-- name: iam_user_tag_each
select name, t.key, t.value from aws_iam_user, jsonb_each_text(tags) as t where tags is not null;

-- name: iam_user_created_by_month
-- order: total
select date_trunc('month', create_date) as month, count(*) as users
from aws_iam_user group by 1 order by 1;

-- name: iam_user_created_year
-- order: total
select extract(year from create_date) as year, count(*) as n
from aws_iam_user group by 1 order by 1;

-- name: iam_user_create_plus_90
-- order: total
select name, create_date, create_date + interval '90 days' as rotate_by
from aws_iam_user order by name, create_date;

-- name: iam_user_stale_password
select name from aws_iam_user
where password_last_used is not null and password_last_used < now() - interval '3650 days';

-- name: iam_user_name_regex
-- order: total
select name, name ~ '^[a-z]+\.[a-z]+$' as looks_personal, name ~* 'ADMIN' as adminish
from aws_iam_user order by name;

-- name: iam_user_regexp_replace
-- order: total
select arn, regexp_replace(arn, '^arn:aws:iam::[0-9]+:', '') as short_arn
from aws_iam_user order by arn;

-- name: iam_user_split_part
-- order: total
select split_part(arn, ':', 5) as account, count(*) as n from aws_iam_user group by 1 order by 1;

-- name: iam_user_rank_by_account
-- order: total
select account_id, name, row_number() over (partition by account_id order by create_date, name) as nth
from aws_iam_user order by account_id, nth;

-- name: iam_user_window_count
-- order: total
select name, count(*) over () as total, count(*) over (partition by account_id) as in_account
from aws_iam_user order by name, in_account;

-- name: iam_access_key_age
select user_name, access_key_id, status
from aws_iam_access_key where create_date < now() - interval '90 days';

-- name: iam_access_key_active_per_user
-- order: total
select user_name, count(*) filter (where status = 'Active') as active, count(*) as keys
from aws_iam_access_key group by user_name order by user_name;

-- name: iam_access_key_with_user_using
select k.access_key_id, k.user_name, u.mfa_enabled
from aws_iam_access_key k join aws_iam_user u on u.name = k.user_name and u.account_id = k.account_id;

-- name: iam_user_more_than_one_active_key
select user_name from aws_iam_access_key where status = 'Active'
group by user_name having count(*) > 1;

-- name: iam_role_trust_principals
select r.name, p as principal
from aws_iam_role r,
     jsonb_array_elements(r.assume_role_policy_std -> 'Statement') as s,
     jsonb_array_elements_text(s -> 'Principal' -> 'AWS') as p;

-- name: iam_role_cross_account
select distinct r.arn
from aws_iam_role r,
     jsonb_array_elements(r.assume_role_policy_std -> 'Statement') as s,
     jsonb_array_elements_text(s -> 'Principal' -> 'AWS') as p
where s ->> 'Effect' = 'Allow' and split_part(p, ':', 5) <> r.account_id;

-- name: iam_role_service_principals
select r.name, svc
from aws_iam_role r
cross join lateral jsonb_array_elements(r.assume_role_policy_std -> 'Statement') s
cross join lateral jsonb_array_elements_text(s -> 'Principal' -> 'Service') svc;

-- name: iam_role_max_session
-- order: total
select max_session_duration, count(*) from aws_iam_role group by max_session_duration order by 1;

-- name: iam_role_unused
select name from aws_iam_role where role_last_used_date is null;

-- name: iam_role_instance_profiles
select name, jsonb_array_length(instance_profile_arns) as profiles
from aws_iam_role where instance_profile_arns is not null;

-- name: iam_role_description_like
-- order: total
select name from aws_iam_role where description ilike '%service%' or name like 'AWS%' order by name;

-- name: iam_policy_admin_star
select p.arn
from aws_iam_policy p, jsonb_array_elements(p.policy_std -> 'Statement') as s
where s ->> 'Effect' = 'Allow' and s -> 'Action' ? '*' and s -> 'Resource' ? '*';

-- name: iam_policy_admin_cte
with admin as (
  select distinct p.arn
  from aws_iam_policy p, jsonb_array_elements(p.policy_std -> 'Statement') as s,
       jsonb_array_elements_text(s -> 'Action') as a
  where s ->> 'Effect' = 'Allow' and a in ('*', '*:*')
)
select p.name, case when a.arn is null then 'ok' else 'alarm' end as status
from aws_iam_policy p left join admin a on a.arn = p.arn
where not p.is_aws_managed;

-- name: iam_policy_statement_count
-- order: total
select p.name, jsonb_array_length(p.policy_std -> 'Statement') as statements
from aws_iam_policy p where not is_aws_managed order by p.name, statements;

-- name: iam_policy_actions_by_service
select split_part(a, ':', 1) as service, count(*) as n
from aws_iam_policy p, jsonb_array_elements(p.policy_std -> 'Statement') s,
     jsonb_array_elements_text(s -> 'Action') a
group by 1;

-- name: iam_policy_attached_customer
-- order: total
select name, attachment_count from aws_iam_policy
where not is_aws_managed and is_attached order by attachment_count desc, name;

-- name: iam_policy_unattached
select count(*) filter (where not is_attached) as unattached, count(*) filter (where is_attached) as attached
from aws_iam_policy;

-- name: iam_policy_contains
select arn from aws_iam_policy where policy_std @> '{"Statement":[{"Effect":"Deny"}]}';

-- name: iam_policy_versions
select p.name, v ->> 'VersionId' as version, (v ->> 'IsDefaultVersion')::boolean as is_default
from aws_iam_policy p, jsonb_array_elements(p.versions) v where not p.is_aws_managed;

-- name: iam_policy_jsonb_typeof
select jsonb_typeof(policy_std -> 'Statement') as t, count(*) from aws_iam_policy group by 1;

-- name: iam_policy_path_op
select name, policy_std #>> '{Statement,0,Effect}' as first_effect
from aws_iam_policy where not is_aws_managed;

-- name: iam_group_users
select g.name, jsonb_array_length(g.users) as members from aws_iam_group g;

-- name: iam_group_without_users
select name from aws_iam_group where users is null or users = '[]'::jsonb;

-- name: iam_group_user_not_exists
select g.name from aws_iam_group g
where not exists (select 1 from aws_iam_user u, jsonb_array_elements(u.groups) ug
                  where ug ->> 'GroupName' = g.name and u.account_id = g.account_id);

-- name: iam_password_policy
select account_id, minimum_password_length >= 14 as length_ok, coalesce(password_reuse_prevention, 0) >= 24 as reuse_ok,
       require_symbols and require_numbers and require_uppercase_characters and require_lowercase_characters as complexity_ok
from aws_iam_account_password_policy;

-- name: iam_credential_report_mfa
select user_name, password_enabled, mfa_active
from aws_iam_credential_report where password_enabled and not mfa_active;

-- name: iam_credential_report_key_rotation
select user_name,
       case when access_key_1_active and access_key_1_last_rotated < now() - interval '90 days' then 'alarm' else 'ok' end as key1
from aws_iam_credential_report;

-- name: iam_users_left_join_using
select account_id, count(distinct u.name) as users, count(distinct r.name) as roles, count(distinct g.name) as groups
from aws_iam_user u
left join aws_iam_role r using (account_id)
left join aws_iam_group g using (account_id)
group by account_id;

-- name: s3_block_public_access
-- order: total
select name,
       case when block_public_acls and block_public_policy and ignore_public_acls and restrict_public_buckets
            then 'ok' else 'alarm' end as status
from aws_s3_bucket order by name;

-- name: s3_encryption
select name, server_side_encryption_configuration is not null as encrypted,
       server_side_encryption_configuration -> 'Rules' -> 0 -> 'ApplyServerSideEncryptionByDefault' ->> 'SSEAlgorithm' as algorithm
from aws_s3_bucket;

-- name: s3_versioning
select region, count(*) filter (where versioning_enabled) as versioned, count(*) as buckets
from aws_s3_bucket group by region;

-- name: s3_logging
select name, logging ->> 'TargetBucket' as target from aws_s3_bucket;

-- name: s3_ssl_deny
with ssl_ok as (
  select distinct name
  from aws_s3_bucket,
       jsonb_array_elements(policy_std -> 'Statement') as s,
       jsonb_array_elements_text(s -> 'Principal' -> 'AWS') as p,
       jsonb_array_elements_text(s -> 'Action') as a,
       jsonb_array_elements_text(s -> 'Condition' -> 'Bool' -> 'aws:securetransport') as ssl
  where p = '*' and s ->> 'Effect' = 'Deny' and a in ('s3:*', '*') and ssl::bool = false
)
select b.name, case when ok.name is not null then 'ok' else 'alarm' end as status
from aws_s3_bucket b left join ssl_ok ok on ok.name = b.name;

-- name: s3_public_policy_statements
select b.name, s ->> 'Effect' as effect
from aws_s3_bucket b, jsonb_array_elements(b.policy_std -> 'Statement') s
where s -> 'Principal' -> 'AWS' ? '*';

-- name: s3_tags_exist
select name from aws_s3_bucket where tags ? 'Environment';

-- name: s3_created_last_years
-- order: total
select name, date_part('year', creation_date) as y from aws_s3_bucket order by creation_date, name;

-- name: s3_lifecycle
select name, coalesce(jsonb_array_length(lifecycle_rules), 0) as rules from aws_s3_bucket;

-- name: ec2_public_ip
select instance_id, public_ip_address from aws_ec2_instance where public_ip_address is not null;

-- name: ec2_imdsv2
select instance_id, case when metadata_options ->> 'HttpTokens' = 'required' then 'ok' else 'alarm' end as status
from aws_ec2_instance;

-- name: ec2_by_type_state
-- order: total
select instance_type, instance_state, count(*) from aws_ec2_instance group by 1, 2 order by 1, 2;

-- name: ec2_launch_age
select instance_id, launch_time < now() - interval '30 days' as old from aws_ec2_instance;

-- name: ec2_security_groups_lateral
select i.instance_id, sg ->> 'GroupId' as group_id
from aws_ec2_instance i, jsonb_array_elements(i.security_groups) sg;

-- name: ec2_instance_profile_role
select i.instance_id, r.name as role
from aws_ec2_instance i
join aws_iam_role r on r.instance_profile_arns ? i.iam_instance_profile_arn;

-- name: ec2_in_vpc_using
select vpc_id, count(i.instance_id) as instances
from aws_vpc v left join aws_ec2_instance i using (vpc_id)
group by vpc_id;

-- name: ec2_rank_launch
select instance_id, rank() over (partition by instance_type order by launch_time) as r from aws_ec2_instance;

-- name: ec2_tags_name
select instance_id, coalesce(tags ->> 'Name', instance_id) as title from aws_ec2_instance;

-- name: vpc_default
select vpc_id, is_default, cidr_block from aws_vpc;

-- name: vpc_flow_logs
select v.vpc_id, case when count(f.flow_log_id) > 0 then 'ok' else 'alarm' end as status
from aws_vpc v left join aws_vpc_flow_log f on f.resource_id = v.vpc_id
group by v.vpc_id;

-- name: vpc_cidr_prefix
select vpc_id, split_part(cidr_block, '/', 2)::int as prefix from aws_vpc;

-- name: vpc_cidr_inet_host
-- gap: inet
select vpc_id, host(cidr_block::inet) as first_address from aws_vpc;

-- name: vpc_cidr_inet_contains
-- gap: inet
select vpc_id from aws_vpc where cidr_block::cidr << '10.0.0.0/8'::cidr;

-- name: sg_rule_open_ssh
select group_id, security_group_rule_id
from aws_vpc_security_group_rule
where type = 'ingress' and cidr_ipv4 = '0.0.0.0/0'
  and (ip_protocol = '-1' or (from_port <= 22 and to_port >= 22));

-- name: sg_rule_open_ports_summary
select group_id, count(*) filter (where cidr_ipv4 = '0.0.0.0/0') as open_rules, count(*) as rules
from aws_vpc_security_group_rule where not is_egress group by group_id;

-- name: sg_default_restricts
select group_id,
       case when jsonb_array_length(ip_permissions) = 0 and jsonb_array_length(ip_permissions_egress) = 0
            then 'ok' else 'alarm' end as status
from aws_vpc_security_group where group_name = 'default';

-- name: sg_unused
select sg.group_id from aws_vpc_security_group sg
where not exists (select 1 from aws_ec2_instance i, jsonb_array_elements(i.security_groups) s
                  where s ->> 'GroupId' = sg.group_id);

-- name: sg_rule_cidr_inet
-- gap: inet
select security_group_rule_id from aws_vpc_security_group_rule where cidr_ipv4::inet >>= '10.1.2.3'::inet;

-- name: sg_ip_permissions_ranges
select sg.group_id, r ->> 'CidrIp' as cidr
from aws_vpc_security_group sg,
     jsonb_array_elements(sg.ip_permissions) p,
     jsonb_array_elements(p -> 'IpRanges') r;

-- name: cloudtrail_multi_region
select count(*) filter (where is_multi_region_trail and is_logging) as good, count(*) as trails
from aws_cloudtrail_trail;

-- name: cloudtrail_validation
select name, log_file_validation_enabled, kms_key_id is not null as encrypted from aws_cloudtrail_trail;

-- name: cloudtrail_bucket_join
select t.name, b.name as bucket, b.versioning_enabled
from aws_cloudtrail_trail t left join aws_s3_bucket b on b.name = t.s3_bucket_name;

-- name: cloudtrail_cloudwatch
select name, case when log_group_arn is not null and latest_cloudwatch_logs_delivery_time > now() - interval '1 day'
                  then 'ok' else 'alarm' end as status
from aws_cloudtrail_trail;

-- name: cloudtrail_event_selectors
select t.name, e ->> 'ReadWriteType' as rw, (e ->> 'IncludeManagementEvents')::boolean as mgmt
from aws_cloudtrail_trail t, jsonb_array_elements(t.event_selectors) e;

-- name: kms_rotation
select arn, case when key_rotation_enabled then 'ok' else 'alarm' end as status
from aws_kms_key where key_manager = 'CUSTOMER';

-- name: kms_state_counts
-- order: total
select key_manager, key_state, count(*) from aws_kms_key group by rollup (key_manager, key_state) order by 1 nulls last, 2 nulls last;

-- name: kms_aliases
select k.id, a ->> 'AliasName' as alias from aws_kms_key k, jsonb_array_elements(k.aliases) a;

-- name: kms_policy_principals
select k.id, s ->> 'Sid' as sid
from aws_kms_key k, jsonb_array_elements(k.policy_std -> 'Statement') s
where k.policy_std is not null;

-- name: kms_pending_deletion
select id, deletion_date from aws_kms_key where key_state = 'PendingDeletion';

-- name: account_inventory_union
-- order: total
select 'user' as kind, count(*) as n from aws_iam_user
union all select 'role', count(*) from aws_iam_role
union all select 'bucket', count(*) from aws_s3_bucket
union all select 'instance', count(*) from aws_ec2_instance
order by kind;

-- name: region_resources
select region, count(*) as n from (
  select region from aws_s3_bucket union all select region from aws_ec2_instance union all select region from aws_vpc
) r group by region;

-- name: title_akas
select title, akas ->> 0 as aka from aws_s3_bucket;

-- name: distinct_on_latest_key
-- order: total
select distinct on (user_name) user_name, access_key_id, create_date
from aws_iam_access_key order by user_name, create_date desc, access_key_id;

-- name: string_agg_groups
-- order: total
select u.name, string_agg(g ->> 'GroupName', ',' order by g ->> 'GroupName') as groups
from aws_iam_user u, jsonb_array_elements(u.groups) g group by u.name order by u.name;

-- name: array_agg_buckets
-- order: total
select region, array_agg(name order by name) as buckets from aws_s3_bucket group by region order by region;

-- name: coalesce_nullif
select name, nullif(path, '/') as custom_path, coalesce(permissions_boundary_arn, 'none') as boundary from aws_iam_user;

-- name: unnest_alias
select u.name, a from aws_iam_user u, unnest(array['x', 'y']) as a;

-- name: in_subquery
select name from aws_iam_user where name in (select user_name from aws_iam_access_key where status = 'Active');

-- name: scalar_subquery
-- order: total
select name, (select count(*) from aws_iam_access_key k where k.user_name = u.name) as keys
from aws_iam_user u order by name;

-- name: exists_correlated_srf
-- gap: set-returning functions
select u.name from aws_iam_user u
where not exists (select 1 from jsonb_array_elements_text(u.attached_policy_arns) a where a like '%AdministratorAccess');

-- name: timestamp_text
-- order: total
select name, create_date::text as created from aws_iam_user order by name, created;

-- name: timestamp_date
-- order: total
select create_date::date as day, count(*) from aws_iam_user group by 1 order by 1;

-- name: interval_between
-- order: total
select k.access_key_id, k.create_date - u.create_date as after_user
from aws_iam_access_key k join aws_iam_user u on u.name = k.user_name and u.account_id = k.account_id
order by k.access_key_id;

-- name: case_greatest_least
select name, greatest(create_date, coalesce(password_last_used, create_date)) as last_activity from aws_iam_user;

-- name: jsonb_build_object
select jsonb_build_object('name', name, 'mfa', mfa_enabled) as doc from aws_iam_user;

-- name: jsonb_agg
select account_id, jsonb_agg(name order by name) as names from aws_iam_role group by account_id;

-- name: to_jsonb_text
select name, tags::text as tags_text from aws_s3_bucket where tags is not null;

-- name: length_upper
-- order: total
select upper(name) as n, length(arn) as l, left(arn, 12) as prefix from aws_iam_group order by 1;

-- name: limit_offset
-- order: total
select name from aws_iam_role order by name limit 5 offset 2;
