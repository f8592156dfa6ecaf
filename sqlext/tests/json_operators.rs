//! JSON operators, casts and scalar functions over Steampipe-shaped tables.

mod common;

use common::{context, query, rows, table};

#[test]
fn arrow_operators_return_json_and_text() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select name, policy_std -> 'Version', policy_std ->> 'Version' \
             from aws_iam_policy where name = 'AdminAccess'"
        ),
        table(&[&["AdminAccess", "\"2012-10-17\"", "2012-10-17"]])
    );
}

#[test]
fn chained_arrows_with_integer_index() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select name, policy_std -> 'Statement' -> 0 ->> 'Effect' as first, \
                    policy_std -> 'Statement' -> -1 ->> 'Effect' as last \
             from aws_iam_policy order by name"
        ),
        table(&[
            &["AdminAccess", "Allow", "Allow"],
            &["Conditional", "Allow", "Allow"],
            &["EmptyPolicy", "NULL", "NULL"],
            &["NullPolicy", "NULL", "NULL"],
            &["ReadOnlyS3", "Allow", "Deny"],
        ])
    );
}

#[test]
fn object_values_are_rendered_like_postgres_jsonb() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select policy_std -> 'Statement' -> 0 from aws_iam_policy where name = 'Conditional'"
        ),
        table(&[&[
            r#"{"Action": ["iam:passrole"], "Effect": "Allow", "Resource": ["*"], "Condition": {"StringEquals": {"iam:PassedToService": ["ec2.amazonaws.com"]}}}"#
        ]])
    );
}

#[test]
fn hash_arrow_paths() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select policy_std #> '{Statement,1,Action}', policy_std #>> '{Statement,0,Effect}', \
                    policy_std #>> '{Statement,x}', policy_std #>> '{Statement,1,Action,0}' \
             from aws_iam_policy where name = 'ReadOnlyS3'"
        ),
        table(&[&["[\"s3:deleteobject\"]", "Allow", "NULL", "s3:deleteobject"]])
    );
}

#[test]
fn containment_on_columns() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            r#"select name from aws_iam_role where tags @> '{"team":"platform"}' order by name"#
        ),
        table(&[&["ci-deployer"]])
    );
    // array containment, scalar-in-array at the top level, and a jsonb cast
    assert_eq!(
        rows(
            &ctx,
            r#"select name from aws_iam_role
               where attached_policy_arns @> '["arn:aws:iam::123456789012:policy/Conditional"]'::jsonb
                  or attached_policy_arns @> '"arn:aws:iam::aws:policy/AdminAccess"'
               order by name"#
        ),
        table(&[&["auditor"], &["ci-deployer"]])
    );
    // nested objects inside arrays: the classic "trusts everyone" check
    assert_eq!(
        rows(
            &ctx,
            r#"select name from aws_iam_role
               where assume_role_policy_std @> '{"Statement":[{"Principal":{"AWS":["*"]}}]}'"#
        ),
        table(&[&["orphan"]])
    );
    // <@ : the empty object is contained in anything, NULL tags are not
    assert_eq!(
        rows(
            &ctx,
            r#"select name, tags <@ '{"team":"security","x":"y"}' from aws_iam_role order by name"#
        ),
        table(&[
            &["auditor", "true"],
            &["ci-deployer", "false"],
            &["orphan", "true"],
            &["untagged", "NULL"],
        ])
    );
}

#[test]
fn containment_edge_cases_match_postgres() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            r#"select '["a","b"]'::jsonb @> '"a"'::jsonb,
                      '"a"'::jsonb @> '["a"]',
                      '{"a":[1,2]}' @> '{"a":1}'::jsonb,
                      '{"a":{"b":1,"c":2}}'::jsonb @> '{"a":{"b":1}}',
                      '[1,2]'::jsonb <@ '[1,2,3]',
                      '{"foo":{"bar":"baz"}}'::jsonb @> '{"bar":"baz"}',
                      '[[1,2],[3]]'::jsonb @> '[[1]]',
                      '{"a":1}'::jsonb @> '{}'"#
        ),
        table(&[&[
            "true", "false", "false", "true", "true", "false", "true", "true"
        ]])
    );
}

#[test]
fn key_existence_operators() {
    let ctx = context();
    assert_eq!(
        rows(&ctx, "select name from aws_iam_role where tags ? 'env'"),
        table(&[&["ci-deployer"]])
    );
    assert_eq!(
        rows(
            &ctx,
            "select name from aws_iam_role where tags ?| array['env','team'] order by name"
        ),
        table(&[&["auditor"], &["ci-deployer"]])
    );
    assert_eq!(
        rows(
            &ctx,
            "select name from aws_iam_role where tags ?& array['env','team'] order by name"
        ),
        table(&[&["ci-deployer"]])
    );
    // PostgreSQL text-array literal on the right, and `?` on an array of strings
    assert_eq!(
        rows(
            &ctx,
            "select name from aws_iam_role where tags ?| '{env,missing}' \
             or attached_policy_arns ? 'arn:aws:iam::123456789012:policy/ReadOnlyS3' order by name"
        ),
        table(&[&["auditor"], &["ci-deployer"]])
    );
}

#[test]
fn null_handling() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select name, tags -> 'team', tags ->> 'missing', jsonb_typeof(tags) \
             from aws_iam_role order by name"
        ),
        table(&[
            &["auditor", "\"security\"", "NULL", "object"],
            &["ci-deployer", "\"platform\"", "NULL", "object"],
            &["orphan", "NULL", "NULL", "object"],
            &["untagged", "NULL", "NULL", "NULL"],
        ])
    );
    // JSON null: -> gives the JSON value null, ->> gives SQL NULL
    assert_eq!(
        rows(
            &ctx,
            r#"select '{"a":null}'::jsonb -> 'a', ('{"a":null}'::jsonb ->> 'a') is null"#
        ),
        table(&[&["null", "true"]])
    );
}

#[test]
fn jsonb_cast_literals() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            r#"select '{"a":1}'::jsonb -> 'a', '{"b":2,"a":[1,"x"]}'::jsonb, cast('[1, 2]' as json) -> 1"#
        ),
        table(&[&["1", r#"{"a": [1, "x"], "b": 2}"#, "2"]])
    );
    let err = query(&ctx, "select '{bad'::jsonb")
        .err()
        .unwrap_or_default();
    assert!(
        err.contains("invalid input syntax for type json"),
        "unexpected error: {err}"
    );
}

#[test]
fn string_view_and_large_string_operands() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select arrow_cast(tags, 'Utf8View') ->> 'team', arrow_cast(tags, 'LargeUtf8') -> 'team', \
                    arrow_cast(tags, 'Utf8View') @> arrow_cast('{\"team\":\"security\"}', 'LargeUtf8') \
             from aws_iam_role where name = 'auditor'"
        ),
        table(&[&["security", "\"security\"", "true"]])
    );
}

#[test]
fn scalar_json_functions() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select name, jsonb_array_length(policy_std -> 'Statement'), \
                    json_array_length(policy_std -> 'Statement'), \
                    jsonb_typeof(policy_std -> 'Version'), \
                    jsonb_extract_path_text(policy_std, 'Statement', '0', 'Effect'), \
                    jsonb_extract_path(policy_std, 'Statement', '0', 'Action') \
             from aws_iam_policy where policy_std is not null order by name"
        ),
        table(&[
            &["AdminAccess", "1", "1", "string", "Allow", "[\"*\"]"],
            &[
                "Conditional",
                "1",
                "1",
                "string",
                "Allow",
                "[\"iam:passrole\"]"
            ],
            &["EmptyPolicy", "0", "0", "string", "NULL", "NULL"],
            &[
                "ReadOnlyS3",
                "2",
                "2",
                "string",
                "Allow",
                "[\"s3:getobject\", \"s3:listbucket\"]"
            ],
        ])
    );
    assert_eq!(
        rows(
            &ctx,
            r#"select to_jsonb('it''s "x"'::text), to_jsonb(42), to_json(true), to_jsonb(1.5),
                      to_jsonb(create_date), to_jsonb(null::text) is null
               from aws_iam_policy where name = 'AdminAccess'"#
        ),
        table(&[&[
            r#""it's \"x\"""#,
            "42",
            "true",
            "1.5",
            "\"2016-01-01T00:00:00+00:00\"",
            "true"
        ]])
    );
    assert_eq!(
        rows(
            &ctx,
            r#"select jsonb_build_object('name', name, 'managed', is_aws_managed, 'n', 1, 'none', null),
                      json_build_array(name, 2, null, false),
                      jsonb_build_object()
               from aws_iam_policy where name = 'AdminAccess'"#
        ),
        table(&[&[
            r#"{"n": 1, "name": "AdminAccess", "none": null, "managed": true}"#,
            r#"["AdminAccess", 2, null, false]"#,
            "{}"
        ]])
    );
    assert_eq!(
        rows(
            &ctx,
            r#"select jsonb_pretty('{"a":[1,{}],"b":{"c":null}}'),
                      jsonb_strip_nulls('{"a":null,"b":{"c":null,"d":1},"e":[null]}')"#
        ),
        table(&[&[
            "{\n    \"a\": [\n        1,\n        {}\n    ],\n    \"b\": {\n        \"c\": null\n    }\n}",
            r#"{"b": {"d": 1}, "e": [null]}"#
        ]])
    );
}

#[test]
fn array_length_of_object_is_an_error() {
    let ctx = context();
    let err = query(&ctx, "select jsonb_array_length(tags) from aws_iam_role")
        .err()
        .unwrap_or_default();
    assert!(
        err.contains("cannot get array length of a non-array"),
        "unexpected error: {err}"
    );
}

#[test]
fn comparing_extracted_text() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select name from aws_iam_policy \
             where policy_std -> 'Statement' -> 0 ->> 'Effect' = 'Allow' \
               and policy_std ->> 'Version' ilike '2012%' order by name"
        ),
        table(&[&["AdminAccess"], &["Conditional"], &["ReadOnlyS3"]])
    );
}

#[test]
fn json_arguments_are_embedded_as_json() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select jsonb_build_object('v', policy_std -> 'Version', 'a', policy_std #> '{Statement,0,Action}'), \
                    to_jsonb(policy_std -> 'Version'), \
                    jsonb_build_array(policy_std -> 'Statement' -> 0 -> 'Resource', 'x') \
             from aws_iam_policy where name = 'AdminAccess'"
        ),
        table(&[&[
            r#"{"a": ["*"], "v": "2012-10-17"}"#,
            r#""2012-10-17""#,
            r#"[["*"], "x"]"#
        ]])
    );
}

#[test]
fn json_aggregates() {
    let ctx = context();
    assert_eq!(
        rows(
            &ctx,
            "select jsonb_object_agg(name, tags -> 'team'), jsonb_agg(name) is not null \
             from aws_iam_role where tags is not null"
        ),
        table(&[&[
            r#"{"orphan": null, "auditor": "security", "ci-deployer": "platform"}"#,
            "true"
        ]])
    );
    // one element per group keeps the result independent of input order
    assert_eq!(
        rows(
            &ctx,
            "select name, jsonb_agg(name), json_agg(tags -> 'team') from aws_iam_role \
             group by name order by name"
        ),
        table(&[
            &["auditor", r#"["auditor"]"#, r#"["security"]"#],
            &["ci-deployer", r#"["ci-deployer"]"#, r#"["platform"]"#],
            &["orphan", r#"["orphan"]"#, "[null]"],
            &["untagged", r#"["untagged"]"#, "[null]"],
        ])
    );
    assert_eq!(
        rows(
            &ctx,
            "select jsonb_agg(name) from aws_iam_role where name = 'nobody'"
        ),
        table(&[&["NULL"]])
    );
    // ORDER BY inside the aggregate orders its elements.
    assert_eq!(
        rows(
            &ctx,
            "select jsonb_agg(name order by name desc) from aws_iam_role"
        ),
        table(&[&[r#"["untagged", "orphan", "ci-deployer", "auditor"]"#]])
    );
}

#[test]
fn comparing_json_values_with_literals_is_value_equality() {
    let ctx = context();
    // whitespace and key order in the literal do not matter, as for jsonb
    assert_eq!(
        rows(
            &ctx,
            r#"select name from aws_iam_policy
               where policy_std -> 'Statement' -> 0 -> 'Condition' = '{ "StringEquals" : {"iam:PassedToService":["ec2.amazonaws.com"]} }'
                  or policy_std -> 'Statement' -> 0 -> 'Action' = '["*"]'
               order by name"#
        ),
        table(&[&["AdminAccess"], &["Conditional"]])
    );
    assert_eq!(
        rows(
            &ctx,
            r#"select count(*) from aws_iam_policy where policy_std -> 'Version' <> '"2012-10-17"'"#
        ),
        table(&[&["0"]])
    );
    let err = query(
        &ctx,
        "select name from aws_iam_policy where policy_std -> 'Version' = '2012-10-17'",
    )
    .err()
    .unwrap_or_default();
    assert!(
        err.contains("invalid input syntax for type json"),
        "unexpected error: {err}"
    );
}
