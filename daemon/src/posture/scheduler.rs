//! Cron schedules of `[[job]]` entries (tokio-cron-scheduler). A tick that finds the
//! previous run of its job still going is skipped, so runs of one job never overlap.

use std::sync::Arc;

use anyhow::{Context, Result};
use tokio_cron_scheduler::{Job, JobScheduler};

use super::runner::{Posture, StartError};

/// Cron with seconds: a 5-field expression runs at second 0.
pub fn with_seconds(schedule: &str) -> String {
    if schedule.split_whitespace().count() == 5 {
        format!("0 {}", schedule.trim())
    } else {
        schedule.trim().to_string()
    }
}

/// Start the scheduler for every job with a schedule; `None` when there is none.
pub async fn start(posture: Arc<Posture>) -> Result<Option<JobScheduler>> {
    let scheduled: Vec<(String, String)> = posture
        .jobs
        .values()
        .filter_map(|j| {
            j.schedule
                .as_ref()
                .map(|s| (j.name.clone(), with_seconds(s)))
        })
        .collect();
    if scheduled.is_empty() {
        return Ok(None);
    }
    let sched = JobScheduler::new()
        .await
        .context("starting the scheduler")?;
    for (name, cron) in scheduled {
        let p = posture.clone();
        let job_name = name.clone();
        let job = Job::new_async(cron.as_str(), move |_id, _lock| {
            let p = p.clone();
            let name = job_name.clone();
            Box::pin(async move {
                match p.start(&name, "schedule").await {
                    Ok(started) => {
                        // Run on its own task so a long run never holds the scheduler's tick.
                        tokio::spawn(async move {
                            p.execute(started).await;
                        });
                    }
                    Err(StartError::AlreadyRunning(job, run)) => {
                        tracing::info!(job = %job, run, "previous run still going; this tick is skipped");
                    }
                    Err(e) => tracing::warn!(job = %name, error = %e, "scheduled run did not start"),
                }
            })
        })
        .with_context(|| format!("job {name}: schedule {cron:?} is not a valid cron expression"))?;
        sched
            .add(job)
            .await
            .with_context(|| format!("job {name}: cannot schedule"))?;
        tracing::info!(job = %name, schedule = %cron, "job scheduled");
    }
    sched.start().await.context("starting the scheduler")?;
    Ok(Some(sched))
}
