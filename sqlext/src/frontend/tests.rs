//! Tests of the front end on a small context with the PostgreSQL catalog.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion_pg_catalog::sql::PostgresCompatibilityParser;

use super::*;
use datafusion::arrow::array::{AsArray, Int64Array, StringArray};
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_pg_catalog::pg_catalog::setup_pg_catalog;

fn ctx() -> SessionContext {
    let ctx = SessionContext::new();
    let schema = Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, true),
        Field::new("account_id", DataType::Utf8, true),
        Field::new("n", DataType::Int64, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["a", "b", "c"])),
            Arc::new(StringArray::from(vec!["1", "1", "2"])),
            Arc::new(Int64Array::from(vec![1, 2, 3])),
        ],
    )
    .unwrap();
    let t = MemTable::try_new(schema, vec![vec![batch]]).unwrap();
    ctx.register_table("t", Arc::new(t)).unwrap();
    setup_pg_catalog(&ctx, "datafusion", EmptyContextProvider).unwrap();
    ctx
}

async fn run(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
    let stmt = PgParser::new().parse(sql).unwrap().remove(0);
    let (_, plan) = plan_query(&ctx.state(), stmt).await.unwrap();
    ctx.execute_logical_plan(plan)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap()
}

use datafusion::arrow::array::RecordBatch;

#[test]
fn correlated_select_list_subqueries_are_kept() {
    let p = PgParser::new();
    let sql =
        "select r.name, (select count(*) from t u where u.account_id = r.account_id) as c from t r";
    let s = p.parse(sql).unwrap().remove(0).to_string();
    assert!(
        s.contains("(SELECT count(*) FROM t u WHERE u.account_id = r.account_id) AS c"),
        "{s}"
    );
    // What datafusion-pg-catalog alone makes of it.
    let compat = PostgresCompatibilityParser::new()
        .parse(sql)
        .unwrap()
        .remove(0);
    assert!(compat.to_string().contains("NULL AS c"), "{compat}");
    // Uncorrelated ones still get LIMIT 1, as before.
    let s = p
        .parse("select (select name from t limit 1) as a, null as b, (select name from t) as c")
        .unwrap()
        .remove(0)
        .to_string();
    assert!(
        s.contains("(SELECT name FROM t) AS c") || s.contains("LIMIT 1) AS c"),
        "{s}"
    );
}

#[tokio::test]
async fn correlated_subquery_values() {
    let ctx = ctx();
    let out = run(
        &ctx,
        "select r.name, (select count(*) from t u where u.account_id = r.account_id) as c from t r order by r.name",
    )
    .await;
    let c = out[0]
        .column(1)
        .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
    assert_eq!(c.values().to_vec(), vec![2, 2, 1]);
}

#[tokio::test]
async fn catalog_subqueries_datafusion_cannot_run_become_null() {
    let ctx = ctx();
    // DataFusion does not decorrelate a subquery filter on outer columns only.
    let sql = "select a.attname, (select max(d.adnum) from pg_catalog.pg_attrdef d \
               where a.atthasdef and d.adrelid = a.attrelid and d.adnum = a.attnum) as def \
               from pg_catalog.pg_attribute a";
    let out = run(&ctx, sql).await;
    assert!(!out.is_empty());
    assert!(
        out.iter()
            .all(|b| b.column(1).logical_null_count() == b.num_rows())
    );
    // On user tables it is an error, not silent NULLs.
    let stmt = PgParser::new()
        .parse("select r.name, (select max(u.n) from t u where r.n > 1 and u.account_id = r.account_id) from t r")
        .unwrap()
        .remove(0);
    let (_, plan) = plan_query(&ctx.state(), stmt).await.unwrap();
    let res = async { ctx.execute_logical_plan(plan).await?.collect().await }.await;
    assert!(res.is_err());
}

#[tokio::test]
async fn regproc_columns_compare_by_name() {
    let ctx = ctx();
    let out = run(
        &ctx,
        "select typname, typinput = 'pg_catalog.array_in'::regproc as is_array \
         from pg_catalog.pg_type where typname in ('_int4', 'int4') order by typname",
    )
    .await;
    let b = &out[0];
    let flags = b.column(1).as_boolean();
    assert_eq!(b.num_rows(), 2);
    assert!(flags.value(0), "_int4 is an array");
    assert!(!flags.value(1), "int4 is not");
}

#[tokio::test]
async fn int2vector_columns_unnest() {
    let ctx = ctx();
    let out = run(
        &ctx,
        "select unnest(i.indkey) as k, generate_subscripts(i.indkey, 1) as o, i.indkey \
         from pg_catalog.pg_index i where i.indkey like '% %' limit 2",
    )
    .await;
    let b = &out[0];
    assert_eq!(b.num_rows(), 2);
    assert_eq!(
        b.column(1)
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
            .values()
            .to_vec(),
        vec![1, 2]
    );
}

/// A context as the daemon makes one: information_schema, the PostgreSQL catalog and
/// this crate's functions.
fn full_ctx() -> SessionContext {
    use datafusion::prelude::SessionConfig;
    let ctx = SessionContext::new_with_config(
        SessionConfig::new()
            .with_information_schema(true)
            .set_str("datafusion.execution.time_zone", "UTC"),
    );
    let schema = Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, true),
        Field::new("n", DataType::Int64, true),
        Field::new(
            "created",
            DataType::Timestamp(
                datafusion::arrow::datatypes::TimeUnit::Microsecond,
                Some("UTC".into()),
            ),
            true,
        ),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["a"])),
            Arc::new(Int64Array::from(vec![1])),
            Arc::new(
                datafusion::arrow::array::TimestampMicrosecondArray::from(vec![
                    1_704_067_200_500_000,
                ])
                .with_timezone("UTC"),
            ),
        ],
    )
    .unwrap();
    ctx.register_table(
        "t",
        Arc::new(MemTable::try_new(schema, vec![vec![batch]]).unwrap()),
    )
    .unwrap();
    setup_pg_catalog(&ctx, "datafusion", EmptyContextProvider).unwrap();
    crate::register(&ctx).unwrap();
    ctx
}

async fn texts(ctx: &SessionContext, sql: &str) -> Vec<Option<String>> {
    let df = super::sql(ctx, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut out = Vec::new();
    for b in df.collect().await.unwrap() {
        let c = datafusion::arrow::compute::cast(b.column(0), &DataType::Utf8).unwrap();
        out.extend(c.as_string::<i32>().iter().map(|v| v.map(str::to_string)));
    }
    out
}

#[tokio::test]
async fn timestamps_cast_to_text_as_postgres_prints_them() {
    let ctx = full_ctx();
    assert_eq!(
        texts(&ctx, "select created::text from t").await,
        vec![Some("2024-01-01 00:00:00.5+00".to_string())]
    );
    let now = texts(&ctx, "select now()::text").await.remove(0).unwrap();
    assert!(
        now.len() >= 22 && now.as_bytes()[10] == b' ' && now.ends_with("+00"),
        "{now}"
    );
    // A subquery's cast keeps its column name.
    assert_eq!(
        texts(&ctx, "select s.name from (select name::text from t) s").await,
        vec![Some("a".to_string())]
    );
}

#[tokio::test]
async fn information_schema_columns_names_postgres_types() {
    let ctx = full_ctx();
    let types = texts(
        &ctx,
        "select data_type from information_schema.columns where table_name = 't' order by ordinal_position",
    )
    .await;
    assert_eq!(
        types,
        vec![
            Some("text".to_string()),
            Some("bigint".to_string()),
            Some("timestamp with time zone".to_string())
        ]
    );
}

#[tokio::test]
async fn regtype_casts_name_types() {
    let ctx = full_ctx();
    assert_eq!(
        texts(&ctx, "select 25::regtype::text").await,
        vec![Some("text".to_string())]
    );
    assert_eq!(
        texts(
            &ctx,
            "select array_to_string(v::regtype[], ',') from (select '25 20' as v) s"
        )
        .await,
        vec![Some("text,bigint".to_string())]
    );
}

#[tokio::test]
async fn expandarray_and_composite_fields() {
    let ctx = full_ctx();
    assert_eq!(
        texts(
            &ctx,
            "select (information_schema._pg_expandarray(i.indkey)).n from \
             (select '7 9' as indkey) i"
        )
        .await,
        vec![Some("1".to_string()), Some("2".to_string())]
    );
    assert_eq!(
        texts(
            &ctx,
            "select (s.k).x from (select information_schema._pg_expandarray(i.indkey) as k \
             from (select '7 9' as indkey) i) s"
        )
        .await,
        vec![Some("7".to_string()), Some("9".to_string())]
    );
}

#[tokio::test]
async fn only_queries_run_through_sql() {
    let ctx = full_ctx();
    let e = super::sql(&ctx, "select 1; select 2").await.unwrap_err();
    assert_eq!(e.code, "0A000");
    let e = super::sql(&ctx, "create table x (a int)")
        .await
        .unwrap_err();
    assert_eq!(e.code, "0A000");
    let e = super::sql(&ctx, "select * from nope").await.unwrap_err();
    assert_eq!(e.code, "42P01");
    let e = super::sql(&ctx, "selec 1").await.unwrap_err();
    assert_eq!(e.code, "42601");
}

#[tokio::test]
async fn unnest_alias_names_its_column() {
    for ctx in [ctx(), full_ctx()] {
        let out = run(
            &ctx,
            "select t.name, a from t, unnest(array['x', 'y']) as a where t.name = 'a' order by a",
        )
        .await;
        let rows: Vec<String> = out
            .iter()
            .flat_map(|b| {
                let a = b.column(1).as_string::<i32>().clone();
                (0..b.num_rows()).map(move |i| a.value(i).to_string())
            })
            .collect();
        assert_eq!(rows, ["x", "y"]);
    }
}

#[tokio::test]
async fn a_chain_of_using_joins_merges_the_column() {
    let full = full_ctx();
    let out = run(
        &full,
        "select n, count(*) as c from t a left join t b using (n) \
         left join t c using (n) group by n",
    )
    .await;
    assert_eq!(out.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
    let ctx = ctx();
    let out = run(
        &ctx,
        "select account_id, count(*) as c from t a left join t b using (account_id) \
         left join t c using (account_id) group by account_id order by account_id",
    )
    .await;
    let rows: Vec<(String, i64)> = out
        .iter()
        .flat_map(|b| {
            let k = b.column(0).as_string::<i32>().clone();
            let c = b
                .column(1)
                .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                .clone();
            (0..b.num_rows()).map(move |i| (k.value(i).to_string(), c.value(i)))
        })
        .collect();
    assert_eq!(rows, [("1".to_string(), 8), ("2".to_string(), 1)]);
}

#[tokio::test]
async fn jsonb_agg_orders_its_elements() {
    let ctx = full_ctx();
    let out = texts(
        &ctx,
        "select jsonb_agg(v order by k desc nulls last)::text from \
         (values (1, 'a'), (3, 'c'), (null, 'n'), (2, 'b')) as x(k, v)",
    )
    .await;
    assert_eq!(out, vec![Some(r#"["c", "b", "a", "n"]"#.to_string())]);
    let out = texts(
        &ctx,
        "select jsonb_object_agg(v, k order by v)::text from \
         (values (1, 'b'), (2, 'a')) as x(k, v)",
    )
    .await;
    assert_eq!(out, vec![Some(r#"{"a": 2, "b": 1}"#.to_string())]);
}

#[tokio::test]
async fn jsonb_agg_orders_across_partial_aggregates() {
    use datafusion::prelude::SessionConfig;
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(4));
    let schema = Arc::new(Schema::new(vec![
        Field::new("k", DataType::Int64, true),
        Field::new("g", DataType::Utf8, true),
    ]));
    // Four partitions, each holding keys out of order: partial aggregates merge.
    let parts: Vec<Vec<RecordBatch>> = (0..4)
        .map(|p| {
            let keys: Vec<i64> = (0..50).map(|i| (i * 4 + p) * 7919 % 200).collect();
            vec![
                RecordBatch::try_new(
                    schema.clone(),
                    vec![
                        Arc::new(Int64Array::from(keys)),
                        Arc::new(StringArray::from(vec!["g"; 50])),
                    ],
                )
                .unwrap(),
            ]
        })
        .collect();
    ctx.register_table("p", Arc::new(MemTable::try_new(schema, parts).unwrap()))
        .unwrap();
    crate::register(&ctx).unwrap();
    let out = texts(
        &ctx,
        "select jsonb_agg(k order by k)::text from p group by g",
    )
    .await;
    let expected: Vec<String> = (0..200).map(|k| k.to_string()).collect();
    assert_eq!(out, vec![Some(format!("[{}]", expected.join(", ")))]);
}
