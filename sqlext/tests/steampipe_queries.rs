//! Set-returning functions, implicit LATERAL, result naming and
//! realistic Steampipe / CIS-style queries, end to end.

mod common;

use common::{context, query, query_via_text, rows, table};

#[test]
fn implicit_lateral_with_filter_and_alias_as_value() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select p.name, s ->> 'Effect' as effect \
             from aws_iam_policy p, jsonb_array_elements(p.policy_std -> 'Statement') as s \
             where s ->> 'Effect' = 'Allow' order by p.name"
        ),
        table(&[
            &["AdminAccess", "Allow"],
            &["Conditional", "Allow"],
            &["ReadOnlyS3", "Allow"],
        ])
    );
}

/// CIS 1.16: no IAM policy may grant full "*:*" administrative privileges.
const CIS_FULL_ADMIN: &str = "
    select p.name, count(*) as bad_statements
    from aws_iam_policy p,
         jsonb_array_elements(p.policy_std -> 'Statement') as s,
         jsonb_array_elements_text(s -> 'Resource') as resource,
         jsonb_array_elements_text(s -> 'Action') as action
    where s ->> 'Effect' = 'Allow'
      and resource = '*'
      and (action = '*' or action = '*:*')
    group by p.name
    order by p.name";

#[test]
fn two_level_lateral_cis_full_admin() {
    let ctx = context();
    assert_eq!(rows(&ctx, CIS_FULL_ADMIN), table(&[&["AdminAccess", "1"]]));
}

#[test]
fn rewritten_sql_text_round_trips() {
    let ctx = context();
    match query_via_text(&ctx, CIS_FULL_ADMIN) {
        Ok(out) => assert_eq!(out.rows, table(&[&["AdminAccess", "1"]])),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn actions_per_policy_unqualified_arguments() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select name, count(action) as actions \
             from aws_iam_policy, jsonb_array_elements(policy_std -> 'Statement') s, \
                  jsonb_array_elements_text(s -> 'Action') action \
             group by name order by name"
        ),
        table(&[
            &["AdminAccess", "1"],
            &["Conditional", "1"],
            &["ReadOnlyS3", "3"]
        ])
    );
}

#[test]
fn jsonb_each_cross_join_lateral_with_column_aliases() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select r.name, t.key, t.value \
             from aws_iam_role r cross join lateral jsonb_each(r.tags) as t(key, value) \
             order by r.name, t.key"
        ),
        table(&[
            &["auditor", "team", "\"security\""],
            &["ci-deployer", "env", "\"prod\""],
            &["ci-deployer", "team", "\"platform\""],
        ])
    );
}

#[test]
fn jsonb_each_text_implicit_lateral_with_table_alias() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select r.name, t.value from aws_iam_role r, jsonb_each_text(r.tags) as t \
             where t.key = 'team' order by r.name"
        ),
        table(&[&["auditor", "security"], &["ci-deployer", "platform"]])
    );
}

#[test]
fn left_join_lateral_keeps_rows_with_empty_or_null_arrays() {
    let ctx = context();
    let out = match query(
        &ctx,
        "select r.name, a as arn \
         from aws_iam_role r left join lateral jsonb_array_elements_text(r.attached_policy_arns) a on true \
         order by r.name, arn",
    ) {
        Ok(out) => out,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(out.columns, vec!["name", "arn"]);
    assert_eq!(
        out.rows,
        table(&[
            &["auditor", "arn:aws:iam::123456789012:policy/Conditional"],
            &["auditor", "arn:aws:iam::123456789012:policy/ReadOnlyS3"],
            &["ci-deployer", "arn:aws:iam::aws:policy/AdminAccess"],
            &["orphan", "NULL"],
            &["untagged", "NULL"],
        ])
    );
    // the inner form drops them
    assert_eq!(
        rows(
            &ctx,
            "select r.name, count(*) from aws_iam_role r \
             join lateral jsonb_array_elements_text(r.attached_policy_arns) a on true \
             group by r.name order by r.name"
        ),
        table(&[&["auditor", "2"], &["ci-deployer", "1"]])
    );
}

#[test]
fn object_keys_column_named_after_alias() {
    let ctx = context();
    let out = match query(
        &ctx,
        "select r.name, k from aws_iam_role r, jsonb_object_keys(r.tags) k order by 1, 2",
    ) {
        Ok(out) => out,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(out.columns, vec!["name", "k"]);
    assert_eq!(
        out.rows,
        table(&[
            &["auditor", "team"],
            &["ci-deployer", "env"],
            &["ci-deployer", "team"]
        ])
    );
}

#[test]
fn constant_set_returning_functions() {
    let ctx = context();
    let out = match query(&ctx, r#"select * from jsonb_object_keys('{"bb":1,"a":2}')"#) {
        Ok(out) => out,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(out.columns, vec!["jsonb_object_keys"]);
    assert_eq!(out.rows, table(&[&["a"], &["bb"]]));
    assert_eq!(
        rows(
            &ctx,
            r#"select value from jsonb_array_elements('[1,"x",{"a":null}]')"#
        ),
        table(&[&["1"], &["\"x\""], &[r#"{"a": null}"#]])
    );
    assert_eq!(
        rows(
            &ctx,
            r#"select e from json_array_elements_text('["a",null,2]') as e"#
        ),
        table(&[&["a"], &["NULL"], &["2"]])
    );
    assert_eq!(
        rows(
            &ctx,
            r#"select key, value from jsonb_each('{"b":[1],"a":"x"}'::jsonb) order by key"#
        ),
        table(&[&["a", "\"x\""], &["b", "[1]"]])
    );
}

#[test]
fn set_returning_function_in_select_list() {
    let ctx = context();
    let out = match query(
        &ctx,
        "select name, jsonb_array_elements_text(attached_policy_arns) from aws_iam_role \
         order by 1, 2",
    ) {
        Ok(out) => out,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(out.columns, vec!["name", "jsonb_array_elements_text"]);
    assert_eq!(
        out.rows,
        table(&[
            &["auditor", "arn:aws:iam::123456789012:policy/Conditional"],
            &["auditor", "arn:aws:iam::123456789012:policy/ReadOnlyS3"],
            &["ci-deployer", "arn:aws:iam::aws:policy/AdminAccess"],
        ])
    );
}

#[test]
fn postgres_result_column_names_and_duplicates() {
    let ctx = context();
    let out = match query(
        &ctx,
        "select count(*), count(name), max(p.name), p.name, policy_std -> 'Version', \
                policy_std ->> 'Version', name::text, (policy_std ->> 'Version')::text, \
                case when is_aws_managed then 'aws' else 'customer' end \
         from aws_iam_policy p where name = 'AdminAccess' \
         group by p.name, policy_std, is_aws_managed",
    ) {
        Ok(out) => out,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        out.columns,
        vec![
            "count", "count", "max", "name", "?column?", "?column?", "name", "text", "case"
        ]
    );
    assert_eq!(
        out.rows,
        table(&[&[
            "1",
            "1",
            "AdminAccess",
            "AdminAccess",
            "\"2012-10-17\"",
            "2012-10-17",
            "AdminAccess",
            "2012-10-17",
            "aws"
        ]])
    );
}

#[test]
fn duplicate_plain_columns_and_aliases_are_kept() {
    let ctx = context();
    let out = match query(
        &ctx,
        "select name, name, arn as x, name as x from aws_iam_role where name = 'orphan'",
    ) {
        Ok(out) => out,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(out.columns, vec!["name", "name", "x", "x"]);
    assert_eq!(
        out.rows,
        table(&[&[
            "orphan",
            "orphan",
            "arn:aws:iam::123456789012:role/orphan",
            "orphan"
        ]])
    );
}

#[test]
fn unsupported_shapes_give_clear_errors() {
    let ctx = context();
    // correlated set-returning function inside a subquery
    let err = query(
        &ctx,
        "select p.name from aws_iam_policy p where exists \
         (select 1 from jsonb_array_elements(p.policy_std -> 'Statement') s \
          where s ->> 'Effect' = 'Deny')",
    )
    .err()
    .unwrap_or_default();
    assert!(
        err.contains("not from a preceding item of the same FROM clause"),
        "unexpected error: {err}"
    );
    // LEFT JOIN LATERAL with a real ON condition
    let err = query(
        &ctx,
        "select r.name from aws_iam_role r left join lateral \
         jsonb_array_elements_text(r.attached_policy_arns) a on a like '%Admin%'",
    )
    .err()
    .unwrap_or_default();
    assert!(err.contains("only with ON true"), "unexpected error: {err}");
    // record-returning function in the select list
    let err = query(&ctx, "select jsonb_each(tags) from aws_iam_role")
        .err()
        .unwrap_or_default();
    assert!(
        err.contains("in the select list returns records"),
        "unexpected error: {err}"
    );
    // set-returning function in WHERE
    let err = query(
        &ctx,
        "select name from aws_iam_role where jsonb_array_elements_text(attached_policy_arns) = 'x'",
    )
    .err()
    .unwrap_or_default();
    assert!(
        err.contains("not allowed in WHERE"),
        "unexpected error: {err}"
    );
}

#[test]
fn time_filters_ilike_ctes_and_windows_work() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select name from aws_iam_policy where create_date < now() - interval '90 days' \
             order by name"
        ),
        table(&[&["AdminAccess"], &["NullPolicy"], &["ReadOnlyS3"]])
    );
    assert_eq!(
        rows(
            &ctx,
            "select name from aws_iam_role where arn ilike '%ROLE/CI-%' or name ilike 'AUD%' \
             order by name"
        ),
        table(&[&["auditor"], &["ci-deployer"]])
    );
    assert_eq!(
        rows(
            &ctx,
            "with statements as ( \
                select p.name, s ->> 'Effect' as effect \
                from aws_iam_policy p, jsonb_array_elements(p.policy_std -> 'Statement') s \
             ), ranked as ( \
                select name, effect, \
                       row_number() over (partition by effect order by name) as rn, \
                       count(*) over (partition by effect) as per_effect \
                from statements \
             ) \
             select effect, name, rn, per_effect from ranked order by effect, rn"
        ),
        table(&[
            &["Allow", "AdminAccess", "1", "3"],
            &["Allow", "Conditional", "2", "3"],
            &["Allow", "ReadOnlyS3", "3", "3"],
            &["Deny", "ReadOnlyS3", "1", "1"],
        ])
    );
}

#[test]
fn trust_policy_principals_report() {
    // Steampipe "roles that can be assumed from other accounts" style query.
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select r.name, principal \
             from aws_iam_role r, \
                  jsonb_array_elements(r.assume_role_policy_std -> 'Statement') as stmt, \
                  jsonb_array_elements_text(stmt -> 'Principal' -> 'AWS') as principal \
             where stmt ->> 'Effect' = 'Allow' \
               and (principal = '*' or principal not like 'arn:aws:iam::123456789012:%') \
             order by r.name"
        ),
        table(&[&["orphan", "*"]])
    );
}

#[test]
fn star_over_lateral_and_srf_in_subquery() {
    let ctx = context();
    let out = match query(
        &ctx,
        "select * from aws_iam_role r, jsonb_each_text(r.tags) t where r.name = 'auditor'",
    ) {
        Ok(out) => out,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        out.columns,
        vec![
            "name",
            "arn",
            "tags",
            "assume_role_policy_std",
            "attached_policy_arns",
            "create_date",
            "key",
            "value"
        ]
    );
    assert_eq!(out.rows.len(), 1);
    assert_eq!(
        out.rows[0][6..],
        ["team".to_string(), "security".to_string()]
    );
    // policies attached to at least one role, via a select-list SRF in IN (...)
    assert_eq!(
        rows(
            &ctx,
            "select name from aws_iam_policy where arn in \
             (select jsonb_array_elements_text(attached_policy_arns) from aws_iam_role) \
             order by name"
        ),
        table(&[&["AdminAccess"], &["Conditional"], &["ReadOnlyS3"]])
    );
}
