//! Where and under which limits queries execute.
//!
//! - Queries run on their own thread pool ([`init_query_runtime`]), so that a heavy query
//!   cannot starve the protocol handlers, the HTTP server, signal handling or the
//!   scheduler, which stay on the main runtime.
//! - A query's stream is driven by a task on that pool; the consumer holds the task and
//!   aborts it when it is dropped (cancel, statement timeout, client gone), so execution
//!   stops at the next yield point instead of running on unobserved.
//! - Memory: one pool for all queries ([`QueryPool`] per session over a shared
//!   [`GreedyMemoryPool`]), so a query over its own or the global limit fails with
//!   SQLSTATE 53200 instead of taking the daemon down. Spilling to disk is disabled:
//!   SQL never writes files.
//! - No object store reaches the local filesystem.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::{
    GreedyMemoryPool, MemoryConsumer, MemoryLimit, MemoryPool, MemoryReservation,
};
use datafusion::execution::object_store::{
    DefaultObjectStoreRegistry, ObjectStoreRegistry, ObjectStoreUrl,
};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::{RecordBatchStream, SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use futures::{Stream, StreamExt};
use tokio::sync::mpsc;

static QUERY_RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

/// Start the query thread pool with `threads` workers (once; later calls keep the first).
pub fn init_query_runtime(threads: usize) -> std::io::Result<()> {
    if QUERY_RUNTIME.get().is_some() {
        return Ok(());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .thread_name("pw-query")
        .enable_all()
        .build()?;
    let _ = QUERY_RUNTIME.set(rt);
    Ok(())
}

/// The runtime queries execute on: the query pool when started, else the caller's.
fn query_handle() -> tokio::runtime::Handle {
    match QUERY_RUNTIME.get() {
        Some(rt) => rt.handle().clone(),
        None => tokio::runtime::Handle::current(),
    }
}

/// A task on the query pool that is aborted when this handle is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A record-batch stream produced by a task on the query pool.
struct RemoteStream {
    schema: SchemaRef,
    rx: mpsc::Receiver<DfResult<RecordBatch>>,
    _task: AbortOnDrop,
}

impl Stream for RemoteStream {
    type Item = DfResult<RecordBatch>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

impl RecordBatchStream for RemoteStream {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

/// Execute `plan` on the query pool; the returned stream yields its batches, and
/// dropping it stops the execution.
pub fn spawn_plan(
    plan: Arc<dyn ExecutionPlan>,
    task: Arc<TaskContext>,
) -> SendableRecordBatchStream {
    spawn_plan_until(plan, task, None)
}

/// The message of a statement stopped by its deadline (SQLSTATE 57014 on the wire).
pub const TIMEOUT_MESSAGE: &str = "canceling statement due to statement timeout";

/// [`spawn_plan`], stopping the execution with [`TIMEOUT_MESSAGE`] at `deadline` even if
/// nobody is reading (a cursor's query runs on while the client does not fetch).
pub fn spawn_plan_until(
    plan: Arc<dyn ExecutionPlan>,
    task: Arc<TaskContext>,
    deadline: Option<tokio::time::Instant>,
) -> SendableRecordBatchStream {
    let schema = plan.schema();
    let plan = cooperative_everywhere(plan);
    // Two batches in flight: the producer runs ahead of the client a little, no more.
    let (tx, rx) = mpsc::channel(2);
    let handle = query_handle().spawn(async move {
        let mut stream = match execute_stream(plan, task) {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        let run = async {
            while let Some(item) = stream.next().await {
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
                    return;
                }
            }
        };
        match deadline {
            None => run.await,
            Some(d) => {
                if tokio::time::timeout_at(d, run).await.is_err() {
                    let _ = tx
                        .send(Err(DataFusionError::Execution(TIMEOUT_MESSAGE.into())))
                        .await;
                }
            }
        }
    });
    Box::pin(RemoteStream {
        schema,
        rx,
        _task: AbortOnDrop(handle),
    })
}

/// Every operator of `plan` yields to the scheduler when its task's budget is spent.
///
/// DataFusion makes only the leaves cooperative (EnsureCooperative): an operator that
/// produces many batches from data it already holds (a cross join's output for one
/// right-side batch, an aggregate draining it) then never returns `Pending`, so its task
/// cannot be aborted and a cancelled or timed-out query keeps a core busy. Wrapping each
/// operator costs one budget check per batch.
fn cooperative_everywhere(plan: Arc<dyn ExecutionPlan>) -> Arc<dyn ExecutionPlan> {
    use datafusion::common::tree_node::{Transformed, TreeNode};
    use datafusion::physical_plan::coop::CooperativeExec;
    let wrapped = Arc::clone(&plan).transform_up(|node| {
        if (node.as_ref() as &dyn std::any::Any).is::<CooperativeExec>() {
            return Ok(Transformed::no(node));
        }
        Ok(Transformed::yes(
            Arc::new(CooperativeExec::new(node)) as Arc<dyn ExecutionPlan>
        ))
    });
    match wrapped {
        Ok(t) => t.data,
        Err(_) => plan,
    }
}

/// One session's view of the shared memory pool: its reservations count against both
/// its own limit and the pool's.
#[derive(Debug)]
pub struct QueryPool {
    shared: Arc<dyn MemoryPool>,
    limit: usize,
    used: AtomicUsize,
}

impl QueryPool {
    /// A session pool over `shared` allowing at most `limit` bytes.
    pub fn new(shared: Arc<dyn MemoryPool>, limit: usize) -> Self {
        QueryPool {
            shared,
            limit,
            used: AtomicUsize::new(0),
        }
    }
}

impl fmt::Display for QueryPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "query pool ({} of {} bytes)",
            self.used.load(Ordering::Relaxed),
            self.limit
        )
    }
}

impl MemoryPool for QueryPool {
    fn name(&self) -> &str {
        "pathwarden-query"
    }

    fn register(&self, consumer: &MemoryConsumer) {
        self.shared.register(consumer)
    }

    fn unregister(&self, consumer: &MemoryConsumer) {
        self.shared.unregister(consumer)
    }

    fn grow(&self, reservation: &MemoryReservation, additional: usize) {
        self.used.fetch_add(additional, Ordering::Relaxed);
        self.shared.grow(reservation, additional)
    }

    fn shrink(&self, reservation: &MemoryReservation, shrink: usize) {
        self.used.fetch_sub(shrink, Ordering::Relaxed);
        self.shared.shrink(reservation, shrink)
    }

    fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> DfResult<()> {
        let mut current = self.used.load(Ordering::Relaxed);
        loop {
            let next = current.saturating_add(additional);
            if next > self.limit {
                return Err(DataFusionError::ResourcesExhausted(format!(
                    "out of memory: the query needs more than server.query_memory_limit ({} bytes); {} bytes held, {} more asked for by {}",
                    self.limit,
                    current,
                    additional,
                    reservation.consumer().name()
                )));
            }
            match self.used.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        if let Err(e) = self.shared.try_grow(reservation, additional) {
            self.used.fetch_sub(additional, Ordering::Relaxed);
            return Err(DataFusionError::ResourcesExhausted(format!(
                "out of memory: all queries together hold server.memory_limit ({e})"
            )));
        }
        Ok(())
    }

    fn reserved(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    fn memory_limit(&self) -> MemoryLimit {
        MemoryLimit::Finite(self.limit)
    }
}

/// The engine's runtime: a shared memory pool of `memory_limit` bytes, no spill files,
/// no object store (so no path or URL reaches the filesystem or the network).
pub fn base_runtime(memory_limit: usize) -> DfResult<Arc<RuntimeEnv>> {
    let registry = DefaultObjectStoreRegistry::new();
    // The default registry serves file:// from the local filesystem; remove it.
    let _ = registry.deregister_store(ObjectStoreUrl::local_filesystem().as_ref());
    RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(GreedyMemoryPool::new(memory_limit)))
        .with_disk_manager_builder(
            DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled),
        )
        .with_object_store_registry(Arc::new(registry) as Arc<dyn ObjectStoreRegistry>)
        .build_arc()
}

/// A session's runtime: the engine's, with its own [`QueryPool`] of `query_limit` bytes.
pub fn session_runtime(base: &RuntimeEnv, query_limit: usize) -> Arc<RuntimeEnv> {
    Arc::new(RuntimeEnv {
        memory_pool: Arc::new(QueryPool::new(base.memory_pool.clone(), query_limit)),
        disk_manager: base.disk_manager.clone(),
        cache_manager: base.cache_manager.clone(),
        object_store_registry: base.object_store_registry.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pool_enforces_both_limits() {
        let shared: Arc<dyn MemoryPool> = Arc::new(GreedyMemoryPool::new(1000));
        let a: Arc<dyn MemoryPool> = Arc::new(QueryPool::new(shared.clone(), 600));
        let b: Arc<dyn MemoryPool> = Arc::new(QueryPool::new(shared.clone(), 600));
        let ra = MemoryConsumer::new("a").register(&a);
        let rb = MemoryConsumer::new("b").register(&b);
        ra.try_grow(500).unwrap();
        // Over the query's own limit.
        let e = ra.try_grow(200).unwrap_err();
        assert!(matches!(e, DataFusionError::ResourcesExhausted(_)), "{e}");
        assert_eq!(a.reserved(), 500);
        // Over the shared limit although within its own.
        let e = rb.try_grow(550).unwrap_err();
        assert!(e.to_string().contains("memory_limit"), "{e}");
        assert_eq!(b.reserved(), 0);
        rb.try_grow(400).unwrap();
        assert_eq!(shared.reserved(), 900);
        drop(ra);
        assert_eq!(shared.reserved(), 400);
        assert_eq!(a.reserved(), 0);
    }

    #[tokio::test]
    async fn no_local_files_and_no_spilling() {
        let rt = base_runtime(1 << 20).unwrap();
        let url = ObjectStoreUrl::local_filesystem();
        assert!(rt.object_store(&url).is_err(), "file:// must not resolve");
        assert!(rt.disk_manager.create_tmp_file("x").is_err());
    }

    fn process_cpu_ticks() -> u64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn dropping_the_stream_stops_the_producer() {
        use datafusion::prelude::SessionContext;
        let ctx = SessionContext::new();
        // A cross join whose output for one right-side batch is huge: only the leaves
        // are cooperative in DataFusion, so without every operator yielding this task
        // could not be aborted.
        let df = ctx
            .sql("select count(*) from range(3000) a, range(3000) b, range(3000) c")
            .await
            .unwrap();
        let plan = df.create_physical_plan().await.unwrap();
        let mut s = spawn_plan(plan, ctx.task_ctx());
        let first = tokio::time::timeout(std::time::Duration::from_millis(300), s.next()).await;
        assert!(first.is_err(), "27 billion rows are not counted in 300 ms");
        drop(s);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let before = process_cpu_ticks();
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
        let used = process_cpu_ticks() - before;
        assert!(
            used < 20,
            "{used} ticks of CPU in the second after the stream was dropped"
        );
    }
}
