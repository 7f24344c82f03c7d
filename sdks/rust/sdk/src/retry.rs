//! One logical call: an `Idempotency-Key` generated once and reused by every attempt, and
//! retries of 429 and 503 that honour `Retry-After`, within bounded attempts and total wait.
//!
//! ```no_run
//! # async fn f(client: atelier_sdk::Client, channel: String) -> Result<(), atelier_sdk::Error> {
//! use atelier_sdk::{call, types, RetryPolicy};
//! let channel = &channel;
//! let sent = call(&RetryPolicy::default(), |key| {
//!     let client = client.clone();
//!     async move {
//!         client
//!             .chat_messages_send()
//!             .channel_id(channel)
//!             .idempotency_key(key.as_str())
//!             .body(types::SendMessage::builder().text("hello"))
//!             .send()
//!             .await
//!     }
//! })
//! .await?;
//! println!("{}", sent.id);
//! # Ok(()) }
//! ```

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use progenitor_client::{ByteStream, ResponseValue};
use reqwest::StatusCode;

use crate::Error;

/// How a call retries refusals that say "later" (429 `rate_limited`/`slow_mode`, 503).
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The delay when the response has no `Retry-After`; doubles per attempt.
    pub base_delay: Duration,
    /// No single wait is longer than this: a longer `Retry-After` ends the retries (the error
    /// is returned, with its `retry_after`, for the caller to decide).
    pub max_delay: Duration,
    /// The sum of waits stays under this.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            max_total_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before attempt `attempt + 1` after `error` ended attempt `attempt` (1-based),
    /// having already waited `waited`; `None` when the call should not be retried.
    pub fn delay_after(&self, attempt: u32, error: &Error, waited: Duration) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let status = error.status()?;
        if status != StatusCode::TOO_MANY_REQUESTS && status != StatusCode::SERVICE_UNAVAILABLE {
            return None;
        }
        let delay = match error.problem_error().and_then(|p| p.retry_after) {
            Some(retry_after) => {
                if retry_after > self.max_delay {
                    return None;
                }
                retry_after
            }
            None => self
                .base_delay
                .saturating_mul(2u32.saturating_pow(attempt - 1))
                .min(self.max_delay),
        };
        (waited + delay <= self.max_total_wait).then_some(delay)
    }
}

/// Parses `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((when - now).to_std().unwrap_or(Duration::ZERO))
}

/// A fresh idempotency key (a UUID v4).
pub fn new_idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Runs one logical call: `attempt` receives the call's idempotency key (the same for every
/// attempt; pass it to `.idempotency_key(..)` of operations that declare the header, ignore it
/// otherwise) and is retried per `policy`.
pub async fn call<T, F, Fut>(policy: &RetryPolicy, attempt: F) -> Result<ResponseValue<T>, Error>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ByteStream>>>,
{
    call_with_key(policy, new_idempotency_key(), attempt).await
}

/// [`call`] with a key of your own (e.g. one persisted to survive a restart of your process).
pub async fn call_with_key<T, F, Fut>(
    policy: &RetryPolicy,
    key: String,
    mut attempt: F,
) -> Result<ResponseValue<T>, Error>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ByteStream>>>,
{
    retry_loop(
        policy,
        |_| {
            let fut = attempt(key.clone());
            async move {
                match fut.await {
                    Ok(v) => Ok(v),
                    Err(e) => Err(Error::from_progenitor(e).await),
                }
            }
        },
        tokio::time::sleep,
    )
    .await
}

/// The retry loop, with the attempt and the sleep injected (unit-tested without a server or
/// real waits). `attempt` receives the 1-based attempt number.
pub async fn retry_loop<T, F, Fut, S, SFut>(
    policy: &RetryPolicy,
    mut attempt: F,
    mut sleep: S,
) -> Result<T, Error>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
    S: FnMut(Duration) -> SFut,
    SFut: Future<Output = ()>,
{
    let mut waited = Duration::ZERO;
    let mut n = 1;
    loop {
        match attempt(n).await {
            Ok(v) => return Ok(v),
            Err(e) => match policy.delay_after(n, &e, waited) {
                Some(delay) => {
                    sleep(delay).await;
                    waited += delay;
                    n += 1;
                }
                None => return Err(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ProblemError;
    use reqwest::header::{HeaderMap, HeaderValue};
    use std::cell::RefCell;

    fn refusal(status: u16, code: &str, retry_after: Option<&str>) -> Error {
        let mut headers = HeaderMap::new();
        if let Some(r) = retry_after {
            headers.insert("retry-after", HeaderValue::from_str(r).unwrap());
        }
        headers.insert("x-request-id", HeaderValue::from_static("req_1"));
        let body = serde_json::json!({
            "type": format!("urn:atelier:problem:{code}"), "title": "t", "status": status,
            "code": code, "detail": "d", "request_id": "req_1"
        });
        Error::Api(Box::new(ProblemError::new(
            StatusCode::from_u16(status).unwrap(),
            &headers,
            serde_json::to_vec(&body).unwrap().into(),
        )))
    }

    fn run(
        policy: &RetryPolicy,
        outcomes: Vec<Result<u32, Error>>,
    ) -> (Result<u32, Error>, Vec<u32>, Vec<Duration>) {
        let outcomes = RefCell::new(outcomes.into_iter());
        let attempts = RefCell::new(Vec::new());
        let sleeps = RefCell::new(Vec::new());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let result = rt.block_on(retry_loop(
            policy,
            |n| {
                attempts.borrow_mut().push(n);
                let next = outcomes.borrow_mut().next().expect("no more outcomes");
                async move { next }
            },
            |d| {
                sleeps.borrow_mut().push(d);
                async {}
            },
        ));
        (result, attempts.into_inner(), sleeps.into_inner())
    }

    #[test]
    fn retries_429_honouring_retry_after() {
        let (r, attempts, sleeps) = run(
            &RetryPolicy::default(),
            vec![Err(refusal(429, "rate_limited", Some("2"))), Ok(7)],
        );
        assert_eq!(r.unwrap(), 7);
        assert_eq!(attempts, vec![1, 2]);
        assert_eq!(sleeps, vec![Duration::from_secs(2)]);
    }

    #[test]
    fn retries_503_with_backoff_when_no_retry_after() {
        let (r, _, sleeps) = run(
            &RetryPolicy::default(),
            vec![
                Err(refusal(503, "unavailable", None)),
                Err(refusal(503, "unavailable", None)),
                Ok(1),
            ],
        );
        assert_eq!(r.unwrap(), 1);
        assert_eq!(
            sleeps,
            vec![Duration::from_millis(250), Duration::from_millis(500)]
        );
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let policy = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        let (r, attempts, sleeps) = run(
            &policy,
            (0..5)
                .map(|_| Err(refusal(429, "rate_limited", Some("1"))))
                .collect(),
        );
        let e = r.unwrap_err();
        assert_eq!(e.code(), Some("rate_limited"));
        assert_eq!(e.request_id(), Some("req_1"));
        assert_eq!(attempts, vec![1, 2, 3]);
        assert_eq!(sleeps.len(), 2);
    }

    #[test]
    fn bounds_the_total_wait_and_single_waits() {
        let policy = RetryPolicy {
            max_attempts: 10,
            max_delay: Duration::from_secs(5),
            max_total_wait: Duration::from_secs(7),
            ..RetryPolicy::default()
        };
        // 4 s + 4 s would exceed the 7 s budget: the second refusal is returned.
        let (r, attempts, _) = run(
            &policy,
            vec![
                Err(refusal(429, "slow_mode", Some("4"))),
                Err(refusal(429, "slow_mode", Some("4"))),
                Ok(1),
            ],
        );
        assert_eq!(r.unwrap_err().code(), Some("slow_mode"));
        assert_eq!(attempts, vec![1, 2]);
        // A single Retry-After above max_delay is not waited for at all.
        let (r, attempts, sleeps) = run(&policy, vec![Err(refusal(503, "x", Some("60")))]);
        assert_eq!(
            r.unwrap_err().problem_error().unwrap().retry_after,
            Some(Duration::from_secs(60))
        );
        assert_eq!((attempts, sleeps), (vec![1], vec![]));
    }

    #[test]
    fn does_not_retry_other_errors() {
        for (status, code) in [
            (400, "invalid_parameter"),
            (404, "not_found"),
            (500, "internal"),
            (409, "idempotency_request_in_flight"),
        ] {
            let (r, attempts, _) = run(
                &RetryPolicy::default(),
                vec![Err(refusal(status, code, Some("1")))],
            );
            assert_eq!(r.unwrap_err().code(), Some(code));
            assert_eq!(attempts, vec![1]);
        }
    }

    #[test]
    fn parses_retry_after_forms() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn idempotency_key_is_reused_across_retries() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let seen = RefCell::new(Vec::new());
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        };
        let result: Result<ResponseValue<()>, Error> = rt.block_on(call(&policy, |key| {
            seen.borrow_mut().push(key);
            async {
                let mut headers = HeaderMap::new();
                headers.insert("retry-after", HeaderValue::from_static("0"));
                Err(progenitor_client::Error::ErrorResponse(ResponseValue::new(
                    ByteStream::new(Box::pin(futures_util::stream::once(async {
                        Ok(bytes::Bytes::from_static(
                            br#"{"type":"urn:atelier:problem:unavailable","title":"Service Unavailable","status":503,"code":"unavailable","detail":"try later"}"#,
                        ))
                    }))),
                    StatusCode::SERVICE_UNAVAILABLE,
                    headers,
                )))
            }
        }));
        let e = result.unwrap_err();
        assert_eq!(e.code(), Some("unavailable"));
        assert_eq!(e.problem().unwrap().detail, "try later");
        let seen = seen.into_inner();
        assert_eq!(seen.len(), 4);
        assert!(seen.iter().all(|k| k == &seen[0]));
        assert!(uuid::Uuid::parse_str(&seen[0]).is_ok());
    }
}
