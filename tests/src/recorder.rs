//! A consumer for tests: records what it receives and answers what the test tells it to.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use atelier_bus::{ConsumerSpec, Delivery, Handler, Outcome, RetryPolicy};

/// Records deliveries; fails them with `Retry` while `failing` is set.
pub struct Recorder {
    spec: ConsumerSpec,
    failing: AtomicBool,
    deliveries: Mutex<Vec<Delivery>>,
}

impl Recorder {
    pub fn new(name: &str, bindings: &[&str], tiers: &[Duration], max_attempts: u32) -> Arc<Self> {
        Arc::new(Self {
            spec: ConsumerSpec {
                name: name.to_owned(),
                bindings: bindings.iter().map(|b| (*b).to_owned()).collect(),
                retry: RetryPolicy {
                    tiers: tiers.to_vec(),
                    max_attempts,
                },
            },
            failing: AtomicBool::new(false),
            deliveries: Mutex::new(Vec::new()),
        })
    }

    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().expect("recorder lock").clone()
    }

    /// Distinct message ids received, in first-arrival order.
    pub fn distinct_ids(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        self.deliveries()
            .into_iter()
            .filter_map(|delivery| delivery.message_id)
            .filter(|id| seen.insert(id.clone()))
            .collect()
    }
}

#[async_trait::async_trait]
impl Handler for Recorder {
    fn spec(&self) -> ConsumerSpec {
        self.spec.clone()
    }

    async fn handle(&self, delivery: &Delivery) -> Outcome {
        self.deliveries
            .lock()
            .expect("recorder lock")
            .push(delivery.clone());
        if self.failing.load(Ordering::SeqCst) {
            Outcome::Retry {
                reason: "recorder told to fail".to_owned(),
            }
        } else {
            Outcome::Ack
        }
    }
}
