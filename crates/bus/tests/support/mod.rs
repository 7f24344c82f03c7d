//! Shared helpers of the broker tests: per-test prefixes, a recording handler, polling, and a
//! TCP proxy that can cut every connection through it.

#![allow(dead_code)] // each test binary uses a different subset of the helpers

use std::{
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};

use atelier_bus::{Bus, BusConfig, ConsumerSpec, Delivery, Handler, Outcome, RetryPolicy};
use atelier_observability::Metrics;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::mpsc,
};
use tokio_util::sync::CancellationToken;

pub fn amqp_url() -> String {
    std::env::var("ATELIER_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// A config with a fresh `t{ulid}` prefix and short timeouts.
pub fn test_config(url: &str) -> BusConfig {
    BusConfig {
        url: url.to_owned(),
        prefix: format!("t{}", ulid::Ulid::new().to_string().to_lowercase()),
        pool_size: 4,
        prefetch: 8,
        confirm_timeout: Duration::from_secs(5),
        reconnect_backoff_max: Duration::from_secs(1),
        ..BusConfig::default()
    }
}

pub fn bus(config: BusConfig) -> Bus {
    Bus::new(config, Metrics::new()).expect("bus")
}

pub fn spec(name: &str, tiers_millis: &[u64], max_attempts: u32) -> ConsumerSpec {
    ConsumerSpec {
        name: name.to_owned(),
        bindings: vec!["doc.*".to_owned()],
        retry: RetryPolicy {
            tiers: tiers_millis
                .iter()
                .map(|millis| Duration::from_millis(*millis))
                .collect(),
            max_attempts,
        },
    }
}

pub type Decide = dyn Fn(&Delivery) -> Outcome + Send + Sync;

/// A handler that reports every delivery on a channel and answers with `decide`.
pub struct Recorder {
    spec: ConsumerSpec,
    seen: mpsc::UnboundedSender<Delivery>,
    decide: Mutex<Box<Decide>>,
}

impl Recorder {
    pub fn new(
        spec: ConsumerSpec,
        decide: impl Fn(&Delivery) -> Outcome + Send + Sync + 'static,
    ) -> (Arc<Recorder>, mpsc::UnboundedReceiver<Delivery>) {
        let (seen, receiver) = mpsc::unbounded_channel();
        let recorder = Recorder {
            spec,
            seen,
            decide: Mutex::new(Box::new(decide)),
        };
        (Arc::new(recorder), receiver)
    }

    pub fn set_decide(&self, decide: impl Fn(&Delivery) -> Outcome + Send + Sync + 'static) {
        *self.decide.lock().expect("lock") = Box::new(decide);
    }
}

#[async_trait::async_trait]
impl Handler for Recorder {
    fn spec(&self) -> ConsumerSpec {
        self.spec.clone()
    }

    async fn handle(&self, delivery: &Delivery) -> Outcome {
        let outcome = (self.decide.lock().expect("lock"))(delivery);
        self.seen
            .send(delivery.clone())
            .expect("test receiver alive");
        outcome
    }
}

pub async fn next_delivery(receiver: &mut mpsc::UnboundedReceiver<Delivery>) -> Delivery {
    tokio::time::timeout(Duration::from_secs(10), receiver.recv())
        .await
        .expect("a delivery within 10s")
        .expect("recorder alive")
}

pub async fn assert_no_delivery(receiver: &mut mpsc::UnboundedReceiver<Delivery>, wait: Duration) {
    if let Ok(Some(delivery)) = tokio::time::timeout(wait, receiver.recv()).await {
        panic!("unexpected delivery {delivery:?}");
    }
}

/// Polls `condition` every 5ms until it holds, failing after `limit`.
pub async fn eventually<F, Fut>(what: &str, limit: Duration, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while !condition().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A TCP proxy in front of the broker whose [`Proxy::drop_all`] cuts every live connection
/// (new ones keep being accepted).
pub struct Proxy {
    pub url: String,
    generation: Arc<Mutex<CancellationToken>>,
    stop: CancellationToken,
}

impl Proxy {
    pub async fn start(broker_url: &str) -> Proxy {
        let upstream = host_port(broker_url);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let address = listener.local_addr().expect("proxy address");
        let url = broker_url.replacen(&upstream, &address.to_string(), 1);
        let generation = Arc::new(Mutex::new(CancellationToken::new()));
        let stop = CancellationToken::new();
        let accept_generation = Arc::clone(&generation);
        let accept_stop = stop.clone();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    () = accept_stop.cancelled() => break,
                    accepted = listener.accept() => accepted,
                };
                let Ok((mut client, _)) = accepted else {
                    continue;
                };
                let cut = accept_generation.lock().expect("lock").clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        () = cut.cancelled() => {}
                        copied = tokio::io::copy_bidirectional(&mut client, &mut server) => {
                            if let Err(error) = copied {
                                eprintln!("proxy copy ended: {error}");
                            }
                        }
                    }
                });
            }
        });
        Proxy {
            url,
            generation,
            stop,
        }
    }

    /// Closes every connection currently open through the proxy.
    pub fn drop_all(&self) {
        let mut generation = self.generation.lock().expect("lock");
        generation.cancel();
        *generation = CancellationToken::new();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.cancel();
        self.drop_all();
    }
}

/// `host:port` of an AMQP URL (after the credentials, before the vhost).
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:5672")
    }
}
