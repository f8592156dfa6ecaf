//! Framework behaviour: key pushdown, hydrate-by-projection, LIMIT, cache TTL,
//! throttling retries, AccessDenied surfaced, aggregators and the search path, and a
//! row's hydrate calls running at the same time within the service's bound.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::catalog::{CatalogProvider, MemoryCatalogProvider};
use datafusion::prelude::{SessionConfig, SessionContext};
use pathwarden_tables::catalog::TablesSchema;
use pathwarden_tables::framework::provider::options::PathwardenOptions;
use pathwarden_tables::framework::registry::run_hydrate;
use pathwarden_tables::framework::{
    AccessDeniedMode, ColumnType, ConnectionRuntime, ErrorLog, FetchError, Hydrate, HydrateRef,
    ListRequest, Page, RetryPolicy, Row, RuntimeOptions, Scope, Source, TableDef, col, hcol,
};
use serde_json::{Value, json};

static THINGS: TableDef = TableDef {
    name: "test_thing",
    description: "test table",
    service: "svc",
    scope: Scope::Global,
    columns: &[
        col("name", ColumnType::Text, "name"),
        col("arn", ColumnType::Text, "arn"),
        col("size", ColumnType::Int, "size"),
        hcol("detail", ColumnType::Json, "detail", &GET_DETAIL),
        hcol("owner", ColumnType::Text, "owner", &GET_OWNER),
    ],
    get_keys: &["name", "arn"],
    id_column: "arn",
};

static GET_DETAIL: Hydrate<TestSource> =
    Hydrate::new("get_detail", |s, _, row| Box::pin(s.detail(row)));
static GET_OWNER: Hydrate<TestSource> =
    Hydrate::new("get_owner", |s, _, row| Box::pin(s.owner(row)));

#[derive(Debug, Default)]
struct Counters {
    list: AtomicUsize,
    get: AtomicUsize,
    hydrate: AtomicUsize,
}

#[derive(Debug)]
struct TestSource {
    name: String,
    rows: usize,
    page: usize,
    counters: Arc<Counters>,
    throttle_first: AtomicUsize,
    deny: bool,
}

impl TestSource {
    fn new(name: &str, rows: usize, page: usize) -> Self {
        TestSource {
            name: name.into(),
            rows,
            page,
            counters: Arc::default(),
            throttle_first: AtomicUsize::new(0),
            deny: false,
        }
    }
    fn row(&self, i: usize) -> Row {
        let v = json!({"name": format!("thing-{i}"), "arn": format!("arn:test:{}:{i}", self.name), "size": i});
        match v {
            Value::Object(m) => m,
            _ => Row::new(),
        }
    }
    fn name_of(&self, row: &Row) -> String {
        self.counters.hydrate.fetch_add(1, Ordering::SeqCst);
        row.get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
    async fn detail(&self, row: &Row) -> Result<Row, FetchError> {
        let mut out = Row::new();
        out.insert("detail".into(), json!({"of": self.name_of(row)}));
        Ok(out)
    }
    async fn owner(&self, row: &Row) -> Result<Row, FetchError> {
        let mut out = Row::new();
        out.insert(
            "owner".into(),
            json!(format!("owner-of-{}", self.name_of(row))),
        );
        Ok(out)
    }
}

#[async_trait]
impl Source for TestSource {
    fn connection(&self) -> &str {
        &self.name
    }
    fn plugin(&self) -> &str {
        "test"
    }
    fn tables(&self) -> Vec<&'static TableDef> {
        vec![&THINGS]
    }
    fn regions(&self) -> Vec<String> {
        vec![]
    }
    fn supports_get(&self, _t: &'static TableDef) -> bool {
        true
    }
    async fn list_page(
        &self,
        _t: &'static TableDef,
        _req: &ListRequest,
        token: Option<String>,
    ) -> Result<Page, FetchError> {
        self.counters.list.fetch_add(1, Ordering::SeqCst);
        if self.deny {
            return Err(FetchError::AccessDenied {
                api_call: "svc:ListThings".into(),
                message: "not authorized".into(),
            });
        }
        if self.throttle_first.load(Ordering::SeqCst) > 0 {
            self.throttle_first.fetch_sub(1, Ordering::SeqCst);
            return Err(FetchError::Throttled {
                api_call: "svc:ListThings".into(),
                message: "slow down".into(),
                retry_after: None,
            });
        }
        let start: usize = token.and_then(|t| t.parse().ok()).unwrap_or(0);
        let end = (start + self.page).min(self.rows);
        let rows = (start..end).map(|i| self.row(i)).collect();
        Ok(Page {
            rows,
            next: (end < self.rows).then(|| end.to_string()),
        })
    }
    async fn get(
        &self,
        _t: &'static TableDef,
        _r: Option<&str>,
        col: &str,
        key: &Value,
    ) -> Result<Option<Row>, FetchError> {
        self.counters.get.fetch_add(1, Ordering::SeqCst);
        Ok((0..self.rows)
            .map(|i| self.row(i))
            .find(|r| r.get(col) == Some(key)))
    }
    async fn hydrate(
        &self,
        t: &'static TableDef,
        h: HydrateRef,
        r: Option<&str>,
        row: &Row,
    ) -> Result<Row, FetchError> {
        run_hydrate(self, t, h, r, row).await
    }
}

fn fast_opts() -> RuntimeOptions {
    RuntimeOptions {
        retry: RetryPolicy {
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retries: 4,
        },
        ..RuntimeOptions::default()
    }
}

fn ctx_with(
    sources: Vec<(Arc<TestSource>, RuntimeOptions)>,
) -> (SessionContext, Vec<Arc<ConnectionRuntime>>) {
    let config = SessionConfig::new()
        .with_default_catalog_and_schema("pw", "public")
        .with_create_default_catalog_and_schema(false)
        .with_option_extension(PathwardenOptions::default());
    let ctx = SessionContext::new_with_config(config);
    let catalog = Arc::new(MemoryCatalogProvider::new());
    let mut rts = Vec::new();
    let mut schemas = Vec::new();
    for (s, o) in sources {
        let name = s.name.clone();
        let rt = ConnectionRuntime::new(s, o, Arc::new(ErrorLog::default()));
        let schema = Arc::new(TablesSchema::for_connection(&rt));
        catalog
            .register_schema(&name, schema.clone())
            .expect("register");
        schemas.push(schema);
        rts.push(rt);
    }
    catalog
        .register_schema(
            "all",
            Arc::new(TablesSchema::aggregate(&schemas).expect("agg")),
        )
        .expect("register");
    catalog
        .register_schema("public", Arc::new(TablesSchema::search_path(&schemas)))
        .expect("register");
    ctx.register_catalog("pw", catalog);
    (ctx, rts)
}

async fn strings(ctx: &SessionContext, sql: &str) -> Vec<String> {
    let batches = ctx
        .sql(sql)
        .await
        .expect("plan")
        .collect()
        .await
        .expect("run");
    let mut out = Vec::new();
    for b in batches {
        let c = datafusion::arrow::compute::cast(
            b.column(0),
            &datafusion::arrow::datatypes::DataType::Utf8,
        )
        .expect("cast");
        let s = c.as_string::<i32>();
        for i in 0..s.len() {
            out.push(if s.is_null(i) {
                "NULL".to_string()
            } else {
                s.value(i).to_string()
            });
        }
    }
    out
}

#[tokio::test]
async fn key_equality_becomes_get_call() {
    let src = Arc::new(TestSource::new("a", 50, 10));
    let (ctx, _) = ctx_with(vec![(src.clone(), fast_opts())]);
    let r = strings(&ctx, "select arn from a.test_thing where name = 'thing-7'").await;
    assert_eq!(r, vec!["arn:test:a:7"]);
    assert_eq!(src.counters.get.load(Ordering::SeqCst), 1);
    assert_eq!(
        src.counters.list.load(Ordering::SeqCst),
        0,
        "a key lookup must not list"
    );
    let r = strings(
        &ctx,
        "select name from a.test_thing where arn in ('arn:test:a:1', 'arn:test:a:2') order by name",
    )
    .await;
    assert_eq!(r, vec!["thing-1", "thing-2"]);
    assert_eq!(src.counters.get.load(Ordering::SeqCst), 3);
    assert_eq!(src.counters.list.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn hydrates_only_projected_columns() {
    let src = Arc::new(TestSource::new("a", 20, 10));
    let (ctx, _) = ctx_with(vec![(src.clone(), fast_opts())]);
    let r = strings(&ctx, "select count(*) from a.test_thing where size >= 0").await;
    assert_eq!(r, vec!["20"]);
    assert_eq!(
        src.counters.hydrate.load(Ordering::SeqCst),
        0,
        "no hydrate for unprojected columns"
    );
    let r = strings(
        &ctx,
        "select owner from a.test_thing where name = 'thing-3'",
    )
    .await;
    assert_eq!(r, vec!["owner-of-thing-3"]);
    assert_eq!(
        src.counters.hydrate.load(Ordering::SeqCst),
        1,
        "only the owner hydrate, only for one row"
    );
    let r = strings(
        &ctx,
        "select owner from a.test_thing order by owner limit 1",
    )
    .await;
    assert_eq!(r, vec!["owner-of-thing-0"]);
    assert_eq!(
        src.counters.hydrate.load(Ordering::SeqCst),
        20,
        "19 more rows hydrated; thing-3 came from the cache"
    );
}

#[tokio::test]
async fn limit_stops_listing_early() {
    let src = Arc::new(TestSource::new("a", 1000, 10));
    let (ctx, _) = ctx_with(vec![(src.clone(), fast_opts())]);
    let r = strings(&ctx, "select name from a.test_thing limit 5").await;
    assert_eq!(r.len(), 5);
    let pages = src.counters.list.load(Ordering::SeqCst);
    assert!(pages <= 3, "listed {pages} pages of 100 for LIMIT 5");
}

#[tokio::test]
async fn cache_serves_repeats_and_expires() {
    let src = Arc::new(TestSource::new("a", 30, 10));
    let opts = RuntimeOptions {
        cache_ttl: Duration::from_millis(300),
        ..fast_opts()
    };
    let (ctx, _) = ctx_with(vec![(src.clone(), opts)]);
    strings(&ctx, "select name from a.test_thing").await;
    assert_eq!(src.counters.list.load(Ordering::SeqCst), 3);
    strings(&ctx, "select name from a.test_thing").await;
    assert_eq!(
        src.counters.list.load(Ordering::SeqCst),
        3,
        "second query served from cache"
    );
    // Bypass per session.
    ctx.sql("set pathwarden.cache = false")
        .await
        .expect("set")
        .collect()
        .await
        .expect("set");
    strings(&ctx, "select name from a.test_thing").await;
    assert_eq!(
        src.counters.list.load(Ordering::SeqCst),
        6,
        "cache bypassed"
    );
    ctx.sql("set pathwarden.cache = true")
        .await
        .expect("set")
        .collect()
        .await
        .expect("set");
    // After the TTL the next query lists again.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        strings(&ctx, "select name from a.test_thing").await;
        if src.counters.list.load(Ordering::SeqCst) > 6 {
            break;
        }
        assert!(Instant::now() < deadline, "cache entry never expired");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn throttling_is_retried() {
    let src = Arc::new(TestSource::new("a", 5, 10));
    src.throttle_first.store(2, Ordering::SeqCst);
    let (ctx, rts) = ctx_with(vec![(src.clone(), fast_opts())]);
    let r = strings(&ctx, "select count(*) from a.test_thing").await;
    assert_eq!(r, vec!["5"]);
    assert_eq!(src.counters.list.load(Ordering::SeqCst), 3);
    assert_eq!(rts[0].stats.retries.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn access_denied_is_an_error_or_a_recorded_row() {
    let mut s = TestSource::new("a", 5, 10);
    s.deny = true;
    let (ctx, _) = ctx_with(vec![(Arc::new(s), fast_opts())]);
    let err = ctx
        .sql("select * from a.test_thing")
        .await
        .expect("plan")
        .collect()
        .await
        .expect_err("must fail");
    let msg = err.to_string();
    assert!(
        msg.contains("access denied calling svc:ListThings"),
        "{msg}"
    );
    assert!(msg.contains("test_thing (connection a)"), "{msg}");

    let mut s = TestSource::new("b", 5, 10);
    s.deny = true;
    let opts = RuntimeOptions {
        access_denied: AccessDeniedMode::Record,
        ..fast_opts()
    };
    let (ctx, rts) = ctx_with(vec![(Arc::new(s), opts)]);
    let r = strings(&ctx, "select name from b.test_thing").await;
    assert!(r.is_empty());
    let errs = rts[0].errors.snapshot();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].api_call, "svc:ListThings");
    assert_eq!(errs[0].table, "test_thing");
}

#[tokio::test]
async fn aggregator_unions_and_search_path_picks_first() {
    let a = Arc::new(TestSource::new("a", 3, 10));
    let b = Arc::new(TestSource::new("b", 2, 10));
    let (ctx, _) = ctx_with(vec![(a, fast_opts()), (b, fast_opts())]);
    let r = strings(&ctx, "select count(*) from all.test_thing").await;
    assert_eq!(r, vec!["5"]);
    let r = strings(&ctx, "select arn from test_thing order by arn limit 1").await;
    assert_eq!(r, vec!["arn:test:a:0"]);
}

/// Hydrate calls that each wait at a barrier: a call returns only once `barrier size`
/// calls are in flight together, so calls made one after another never finish.
static GATED: TableDef = TableDef {
    name: "test_gated",
    description: "rows whose hydrate calls wait for each other",
    service: "gated",
    scope: Scope::Global,
    columns: &[
        col("arn", ColumnType::Text, "arn"),
        hcol("h1", ColumnType::Text, "h1", &H1),
        hcol("h2", ColumnType::Text, "h2", &H2),
        hcol("h3", ColumnType::Text, "h3", &H3),
        hcol("h4", ColumnType::Text, "h4", &H4),
    ],
    get_keys: &[],
    id_column: "arn",
};

static H1: Hydrate<GatedSource> = Hydrate::new("h1", |s, _, row| Box::pin(s.wait("h1", row)));
static H2: Hydrate<GatedSource> = Hydrate::new("h2", |s, _, row| Box::pin(s.wait("h2", row)));
static H3: Hydrate<GatedSource> = Hydrate::new("h3", |s, _, row| Box::pin(s.wait("h3", row)));
static H4: Hydrate<GatedSource> = Hydrate::new("h4", |s, _, row| Box::pin(s.wait("h4", row)));

#[derive(Debug)]
struct GatedSource {
    rows: usize,
    barrier: tokio::sync::Barrier,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    calls: AtomicUsize,
}

impl GatedSource {
    fn new(rows: usize, barrier: usize) -> Self {
        GatedSource {
            rows,
            barrier: tokio::sync::Barrier::new(barrier),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            calls: AtomicUsize::new(0),
        }
    }

    async fn wait(&self, column: &str, row: &Row) -> Result<Row, FetchError> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.barrier.wait().await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let arn = row.get("arn").cloned().unwrap_or(Value::Null);
        let mut out = Row::new();
        out.insert(column.into(), json!(format!("{column}-of-{}", arn)));
        Ok(out)
    }
}

#[async_trait]
impl Source for GatedSource {
    fn connection(&self) -> &str {
        "g"
    }
    fn plugin(&self) -> &str {
        "test"
    }
    fn tables(&self) -> Vec<&'static TableDef> {
        vec![&GATED]
    }
    fn regions(&self) -> Vec<String> {
        vec![]
    }
    async fn list_page(
        &self,
        _t: &'static TableDef,
        _req: &ListRequest,
        _token: Option<String>,
    ) -> Result<Page, FetchError> {
        let rows = (0..self.rows)
            .map(|i| {
                let mut r = Row::new();
                r.insert("arn".into(), json!(format!("arn:gated:{i}")));
                r
            })
            .collect();
        Ok(Page { rows, next: None })
    }
    async fn get(
        &self,
        _t: &'static TableDef,
        _r: Option<&str>,
        _col: &str,
        _key: &Value,
    ) -> Result<Option<Row>, FetchError> {
        Ok(None)
    }
    async fn hydrate(
        &self,
        t: &'static TableDef,
        h: HydrateRef,
        r: Option<&str>,
        row: &Row,
    ) -> Result<Row, FetchError> {
        run_hydrate(self, t, h, r, row).await
    }
}

/// Every column of `g.test_gated`, or a failure naming the hang after a deadline.
async fn gated_query(src: Arc<GatedSource>, max_concurrency_per_service: usize) -> Vec<String> {
    let opts = RuntimeOptions {
        max_concurrency_per_service,
        ..fast_opts()
    };
    let ctx = SessionContext::new();
    let rt = ConnectionRuntime::new(src, opts, Arc::new(ErrorLog::default()));
    let catalog = Arc::new(MemoryCatalogProvider::new());
    catalog
        .register_schema("g", Arc::new(TablesSchema::for_connection(&rt)))
        .expect("register");
    ctx.register_catalog("pw", catalog);
    let query = strings(
        &ctx,
        "select concat_ws(',', h1, h2, h3, h4) from pw.g.test_gated order by arn",
    );
    tokio::time::timeout(Duration::from_secs(20), query)
        .await
        .expect("hydrate calls of a row did not run at the same time (the barrier never opened)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rows_hydrate_calls_run_at_the_same_time() {
    // One row, four calls, a barrier of four: it opens only if all four are in flight
    // at once, so the row takes one wait, not four.
    let src = Arc::new(GatedSource::new(1, 4));
    let r = gated_query(src.clone(), 8).await;
    assert_eq!(
        r,
        vec![
            "h1-of-\"arn:gated:0\",h2-of-\"arn:gated:0\",h3-of-\"arn:gated:0\",h4-of-\"arn:gated:0\""
        ]
    );
    assert_eq!(src.calls.load(Ordering::SeqCst), 4);
    assert_eq!(src.max_in_flight.load(Ordering::SeqCst), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hydrate_calls_stay_within_the_service_bound() {
    // Three rows of four calls with at most two calls of the service in flight: a barrier
    // of two opens pair by pair, and no more than two calls are ever waiting at it.
    let src = Arc::new(GatedSource::new(3, 2));
    let r = gated_query(src.clone(), 2).await;
    assert_eq!(r.len(), 3);
    assert!(r.iter().all(|v| v.split(',').count() == 4), "{r:?}");
    assert_eq!(src.calls.load(Ordering::SeqCst), 12);
    assert_eq!(
        src.max_in_flight.load(Ordering::SeqCst),
        2,
        "the bound of 2 calls per service was exceeded or never reached"
    );
}
