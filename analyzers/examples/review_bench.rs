//! Review throughput on a cold versus a warm cache.
//!
//! Starts the local OpenAI-compatible test server (tests/llm_support) on a loopback port,
//! generates 1,000 distinct policies and reviews them twice with the in-process cache:
//! the first pass calls the model for every policy, the second is served from the cache.
//! Run: `cargo run --release -p pathwarden-analyzers --example review_bench [-- N LATENCY_MS]`.

#[path = "../tests/llm_support/mod.rs"]
mod llm_support;

use std::time::{Duration, Instant};

use llm_support::{MockServer, Mode};
use pathwarden_analyzers::lint::PolicyKind;
use pathwarden_analyzers::llm::{
    LlmConfig, ReviewRequest, ReviewSource, Reviewer, heuristic_review,
};
use serde_json::json;

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:*",
    "iam:PassRole",
    "iam:CreatePolicyVersion",
    "secretsmanager:GetSecretValue",
    "ec2:RunInstances",
    "lambda:CreateFunction",
    "kms:Decrypt",
    "cloudtrail:StopLogging",
    "dynamodb:Query",
    "sqs:SendMessage",
];

fn policies(n: usize) -> Vec<ReviewRequest> {
    (0..n)
        .map(|i| {
            let a = ACTIONS[i % ACTIONS.len()];
            let b = ACTIONS[(i / ACTIONS.len()) % ACTIONS.len()];
            let resource = if i % 3 == 0 { "*".to_string() } else { format!("arn:aws:s3:::bucket-{i}/*") };
            ReviewRequest::new(
                format!("arn:aws:iam::111111111111:policy/generated-{i}"),
                json!({"Version": "2012-10-17", "Statement": [
                    {"Sid": format!("S{i}"), "Effect": "Allow", "Action": [a, b], "Resource": resource}
                ]}),
                PolicyKind::Identity,
            )
        })
        .collect()
}

struct Row {
    pass: String,
    seconds: f64,
    per_second: f64,
    model_calls: u64,
    cache_hits: u64,
}

async fn run(n: usize, latency: Duration, rows: &mut Vec<Row>) {
    let server = MockServer::start(Mode::Valid("medium")).await;
    server.set_latency(latency);
    let config = LlmConfig {
        base_url: server.base_url.clone(),
        model: "bench-model".into(),
        api_key_env: None,
        timeout: Duration::from_secs(10),
        // The benchmark measures throughput, not the cost limits.
        max_calls_per_query: u32::MAX,
        max_calls_per_hour: u32::MAX,
        ..LlmConfig::default()
    };
    let reviewer = match Reviewer::new(config).await {
        Ok(r) => r,
        Err(err) => {
            eprintln!("cannot build reviewer: {err}");
            return;
        }
    };
    let requests = policies(n);
    for pass in ["cold", "warm"] {
        let before = reviewer.stats();
        let started = Instant::now();
        let reviews = reviewer.review_many(&requests).await;
        let seconds = started.elapsed().as_secs_f64();
        let after = reviewer.stats();
        let expected = if pass == "cold" {
            ReviewSource::Llm
        } else {
            ReviewSource::Cache
        };
        let off = reviews.iter().filter(|r| r.source != expected).count();
        if off > 0 {
            eprintln!("warning: {off} reviews in the {pass} pass were not {expected:?}");
        }
        rows.push(Row {
            pass: format!(
                "{pass} (model latency {} ms, concurrency {})",
                latency.as_millis(),
                reviewer.config().max_concurrency
            ),
            seconds,
            per_second: n as f64 / seconds,
            model_calls: after.model_calls - before.model_calls,
            cache_hits: after.cache_hits - before.cache_hits,
        });
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let latency_ms: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);

    let mut rows = Vec::new();
    let requests = policies(n);
    let started = Instant::now();
    for r in &requests {
        std::hint::black_box(heuristic_review(r));
    }
    let seconds = started.elapsed().as_secs_f64();
    rows.push(Row {
        pass: "heuristic only (lint, no model)".into(),
        seconds,
        per_second: n as f64 / seconds,
        model_calls: 0,
        cache_hits: 0,
    });
    run(n, Duration::ZERO, &mut rows).await;
    if latency_ms > 0 {
        run(n, Duration::from_millis(latency_ms), &mut rows).await;
    }

    println!("{n} policies, in-process cache, local mock server");
    println!(
        "{:<48} {:>9} {:>12} {:>11} {:>10}",
        "pass", "seconds", "reviews/s", "model calls", "cache hits"
    );
    for r in rows {
        println!(
            "{:<48} {:>9.3} {:>12.0} {:>11} {:>10}",
            r.pass, r.seconds, r.per_second, r.model_calls, r.cache_hits
        );
    }
}
