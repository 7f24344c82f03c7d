//! Deletes RabbitMQ queues that test and benchmark runs left behind.
//!
//! Every test declares its queues under a prefix `t<ulid>` and every benchmark under
//! `bench<ulid>`; a run that is killed (or a test that panics before its cleanup) leaves them.
//! Quorum queues hold file descriptors, and enough of them exhaust the broker's limit, after
//! which it refuses every connection. `scripts/test` runs this before the tests.
//!
//! Only queues whose prefix ULID is older than `--older-than-minutes` (default 60) are deleted,
//! so runs in progress on the same broker (another developer's, a parallel CI job) keep theirs.
//! Queue names come from `rabbitmqctl list_queues`; deletion goes over AMQP.
//!
//! Usage: `sweep-stale-queues [--older-than-minutes N] [--prefix P]`; with `--prefix`, exactly
//! the queues of prefix `P` go, whatever their age (a run deleting its own, e.g.
//! `scripts/with-server`); `ATELIER_TEST_AMQP_URL` (or the local
//! guest account) names the broker.
//!
//! It also checks that the broker completes an AMQP handshake: one that does not (out of file
//! descriptors, it accepts TCP and never answers) would hang every test, so the sweep exits with
//! status 3 and `scripts/test` stops there. Every wait is bounded by [`CALL`] and the whole
//! sweep by [`BUDGET`].

use std::{process::Stdio, time::Duration};

use lapin::{Connection, ConnectionProperties, options::QueueDeleteOptions};
use tokio::{process::Command, time::timeout};

/// The most the whole sweep may take.
const BUDGET: Duration = Duration::from_secs(120);
/// The most one broker call (listing, connecting, one delete) may take.
const CALL: Duration = Duration::from_secs(20);

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    if let Err(error) = timeout(BUDGET, sweep()).await.unwrap_or_else(|_| {
        Err(anyhow::anyhow!(
            "the sweep took over {} s",
            BUDGET.as_secs()
        ))
    }) {
        eprintln!("sweep-stale-queues: {error:#}");
        std::process::exit(3);
    }
    Ok(())
}

async fn sweep() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut older_than = Duration::from_secs(3600);
    let mut only_prefix: Option<String> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--prefix" => {
                let prefix = args
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("--prefix needs a queue prefix"))?;
                anyhow::ensure!(!prefix.is_empty(), "--prefix needs a queue prefix");
                only_prefix = Some(format!("{prefix}."));
            }
            "--older-than-minutes" => {
                let minutes: u64 = args
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("--older-than-minutes needs a number"))?
                    .parse()?;
                older_than = Duration::from_secs(minutes * 60);
            }
            other => anyhow::bail!("unknown argument `{other}`"),
        }
    }
    let listing = Command::new("rabbitmqctl")
        .args(["list_queues", "-q", "--no-table-headers", "name"])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let names = match timeout(CALL, listing).await {
        Err(_) => {
            eprintln!(
                "sweep-stale-queues: rabbitmqctl list_queues did not answer within {} s; nothing swept",
                CALL.as_secs()
            );
            return Ok(());
        }
        Ok(Ok(output)) if output.status.success() => {
            String::from_utf8_lossy(&output.stdout).into_owned()
        }
        Ok(Ok(output)) => {
            eprintln!(
                "sweep-stale-queues: rabbitmqctl list_queues failed ({}); nothing swept: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
            return Ok(());
        }
        Ok(Err(error)) => {
            eprintln!("sweep-stale-queues: no rabbitmqctl here ({error}); nothing swept");
            return Ok(());
        }
    };
    let now_ms = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
    let cutoff_ms = now_ms.saturating_sub(u64::try_from(older_than.as_millis()).unwrap_or(0));
    let stale: Vec<&str> = names
        .lines()
        .map(str::trim)
        .filter(|name| match &only_prefix {
            Some(prefix) => name.starts_with(prefix.as_str()),
            None => prefix_time_ms(name).is_some_and(|created| created < cutoff_ms),
        })
        .collect();
    let url = atelier_tests::amqp_url();
    let connection = timeout(
        CALL,
        Connection::connect(&url, ConnectionProperties::default()),
    )
    .await
    .map_err(|_| {
        anyhow::anyhow!(
            "RabbitMQ at {url} accepted no AMQP handshake within {} s",
            CALL.as_secs()
        )
    })?
    .map_err(|error| anyhow::anyhow!("RabbitMQ at {url} refused the connection: {error}"))?;
    if stale.is_empty() {
        println!("sweep-stale-queues: no stale test queues; the broker answers");
        return Ok(());
    }
    let mut channel = timeout(CALL, connection.create_channel()).await??;
    let mut deleted = 0_usize;
    for name in &stale {
        let delete = channel.queue_delete((*name).into(), QueueDeleteOptions::default());
        match timeout(CALL, delete).await {
            Ok(Ok(_)) => deleted += 1,
            Ok(Err(error)) => {
                eprintln!("sweep-stale-queues: deleting {name} failed: {error}");
                // A failed delete closes the channel; carry on with a new one.
                channel = timeout(CALL, connection.create_channel()).await??;
            }
            Err(_) => anyhow::bail!(
                "deleting {name} took over {} s; {deleted} of {} deleted",
                CALL.as_secs(),
                stale.len()
            ),
        }
    }
    match &only_prefix {
        Some(prefix) => println!(
            "sweep-stale-queues: deleted {deleted} of {} queues of {}",
            stale.len(),
            prefix.trim_end_matches('.')
        ),
        None => println!(
            "sweep-stale-queues: deleted {deleted} of {} queues left by runs older than {} min",
            stale.len(),
            older_than.as_secs() / 60
        ),
    }
    Ok(())
}

/// The creation time of a test (`t<ulid>.`) or benchmark (`bench<ulid>.`) queue's prefix.
fn prefix_time_ms(name: &str) -> Option<u64> {
    let rest = name
        .strip_prefix("bench")
        .or_else(|| name.strip_prefix('t'))?;
    let (ulid, _) = rest.split_once('.')?;
    if ulid.len() != 26 {
        return None;
    }
    let ulid = ulid::Ulid::from_string(&ulid.to_ascii_uppercase()).ok()?;
    Some(ulid.timestamp_ms())
}

#[cfg(test)]
mod tests {
    use super::prefix_time_ms;

    #[test]
    fn reads_the_time_of_test_and_bench_prefixes_only() {
        let ulid = ulid::Ulid::from_parts(1_700_000_000_000, 7);
        let lower = ulid.to_string().to_lowercase();
        let cases = [
            (
                format!("t{lower}.webhook_delivery"),
                Some(1_700_000_000_000),
            ),
            (format!("bench{lower}.count"), Some(1_700_000_000_000)),
            (
                format!("t{lower}.webhook_delivery.retry.800ms"),
                Some(1_700_000_000_000),
            ),
            (format!("t{lower}"), None),
            (format!("x{lower}.queue"), None),
            ("atelier.webhook_delivery".to_owned(), None),
            ("tshort.queue".to_owned(), None),
            (format!("t{}.q", "u".repeat(26)), None),
        ];
        for (name, expected) in cases {
            assert_eq!(prefix_time_ms(&name), expected, "{name}");
        }
    }
}
