//! Verifying Atelier's webhook deliveries (Standard Webhooks).
//!
//! Each delivery carries `webhook-id`, `webhook-timestamp` (Unix seconds) and
//! `webhook-signature`: space-separated `v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}`,
//! keyed with the base64 decoding of the endpoint secret after its `whsec_` prefix (two
//! signatures while a secret rotation overlaps). Verify the raw body, before parsing it.
//!
//! ```
//! use atelier_sdk::webhooks::Verifier;
//! let verifier = Verifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
//! let now = 1_700_000_000;
//! let signature = verifier.sign("msg_1", now, br#"{"type":"x"}"#);
//! assert!(verifier.verify_at("msg_1", &now.to_string(), &signature, br#"{"type":"x"}"#, now).is_ok());
//! assert!(verifier.verify_at("msg_1", &now.to_string(), &signature, br#"{"type":"y"}"#, now).is_err());
//! ```

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::header::HeaderMap;
use sha2::Sha256;

/// Why a delivery did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// A secret is not `whsec_` followed by non-empty base64.
    #[error("a webhook secret must be `whsec_` followed by base64")]
    InvalidSecret,
    /// A required header is missing or not ASCII.
    #[error("missing or invalid header {0}")]
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not an integer.
    #[error("webhook-timestamp is not Unix seconds")]
    InvalidTimestamp,
    /// The timestamp is further than the tolerance from now (a replay, or a skewed clock).
    #[error("webhook-timestamp is outside the tolerance")]
    TimestampOutOfTolerance,
    /// No `v1` signature matches any secret.
    #[error("no matching signature")]
    NoMatchingSignature,
}

/// Verifies deliveries signed with one or more endpoint secrets.
#[derive(Clone)]
pub struct Verifier {
    keys: Vec<Vec<u8>>,
    tolerance: Duration,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("secrets", &self.keys.len())
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

fn secret_key(secret: &str) -> Result<Vec<u8>, WebhookError> {
    let encoded = secret
        .strip_prefix("whsec_")
        .ok_or(WebhookError::InvalidSecret)?;
    let key = STANDARD
        .decode(encoded)
        .map_err(|_| WebhookError::InvalidSecret)?;
    if key.is_empty() {
        return Err(WebhookError::InvalidSecret);
    }
    Ok(key)
}

impl Verifier {
    /// The default tolerance between `webhook-timestamp` and now: 5 minutes.
    pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

    /// A verifier for one `whsec_...` secret.
    pub fn new(secret: &str) -> Result<Self, WebhookError> {
        Self::with_secrets([secret])
    }

    /// A verifier accepting a signature by any of `secrets` (e.g. during a rotation).
    pub fn with_secrets<'a>(
        secrets: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, WebhookError> {
        let keys = secrets
            .into_iter()
            .map(secret_key)
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(WebhookError::InvalidSecret);
        }
        Ok(Self {
            keys,
            tolerance: Self::DEFAULT_TOLERANCE,
        })
    }

    /// Sets the timestamp tolerance.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    fn mac(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// `v1,<base64>` of a delivery under the first secret (for tests and local tooling).
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mac = Self::mac(&self.keys[0], id, &timestamp.to_string(), body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }

    /// Verifies a delivery from its headers and raw body, against the current time.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
        let header = |name: &'static str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or(WebhookError::MissingHeader(name))
        };
        self.verify_at(
            header("webhook-id")?,
            header("webhook-timestamp")?,
            header("webhook-signature")?,
            body,
            chrono::Utc::now().timestamp(),
        )
    }

    /// Verifies a delivery from its parts, at `now` (Unix seconds). Signatures are compared in
    /// constant time.
    pub fn verify_at(
        &self,
        id: &str,
        timestamp: &str,
        signature_header: &str,
        body: &[u8],
        now: i64,
    ) -> Result<(), WebhookError> {
        let ts: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| WebhookError::InvalidTimestamp)?;
        if ts.abs_diff(now) > self.tolerance.as_secs() {
            return Err(WebhookError::TimestampOutOfTolerance);
        }
        let offered: Vec<Vec<u8>> = signature_header
            .split(' ')
            .filter_map(|part| part.strip_prefix("v1,"))
            .filter_map(|encoded| STANDARD.decode(encoded).ok())
            .collect();
        let ok = self.keys.iter().any(|key| {
            offered.iter().any(|sig| {
                Self::mac(key, id, timestamp.trim(), body)
                    .verify_slice(sig)
                    .is_ok()
            })
        });
        if ok {
            Ok(())
        } else {
            Err(WebhookError::NoMatchingSignature)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    // The Standard Webhooks specification's test vector.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn matches_the_standard_webhooks_vector() {
        let v = Verifier::new(SECRET).unwrap();
        assert_eq!(v.sign(ID, TS, BODY), SIG);
        assert_eq!(v.verify_at(ID, &TS.to_string(), SIG, BODY, TS), Ok(()));
    }

    #[test]
    fn rejects_tampering() {
        let v = Verifier::new(SECRET).unwrap();
        let ts = TS.to_string();
        let e = Err(WebhookError::NoMatchingSignature);
        assert_eq!(v.verify_at(ID, &ts, SIG, br#"{"test": 2432232315}"#, TS), e);
        assert_eq!(v.verify_at("msg_other", &ts, SIG, BODY, TS), e);
        assert_eq!(v.verify_at(ID, "1614265331", SIG, BODY, TS), e);
        assert_eq!(v.verify_at(ID, &ts, "v1,AAAA", BODY, TS), e);
        assert_eq!(
            v.verify_at(
                ID,
                &ts,
                "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                BODY,
                TS
            ),
            e
        );
        let other = Verifier::new("whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM=").unwrap();
        assert_eq!(other.verify_at(ID, &ts, SIG, BODY, TS), e);
    }

    #[test]
    fn enforces_the_tolerance() {
        let v = Verifier::new(SECRET).unwrap();
        let ts = TS.to_string();
        assert!(v.verify_at(ID, &ts, SIG, BODY, TS + 300).is_ok());
        assert!(v.verify_at(ID, &ts, SIG, BODY, TS - 300).is_ok());
        assert_eq!(
            v.verify_at(ID, &ts, SIG, BODY, TS + 301),
            Err(WebhookError::TimestampOutOfTolerance)
        );
        assert_eq!(
            v.verify_at(ID, &ts, SIG, BODY, TS - 301),
            Err(WebhookError::TimestampOutOfTolerance)
        );
        assert_eq!(
            v.verify_at(ID, "later", SIG, BODY, TS),
            Err(WebhookError::InvalidTimestamp)
        );
    }

    #[test]
    fn accepts_any_of_several_signatures_and_secrets() {
        let old = Verifier::new(SECRET).unwrap();
        let new = Verifier::new("whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM=").unwrap();
        let header = format!("{} {}", new.sign(ID, TS, BODY), old.sign(ID, TS, BODY));
        assert!(old
            .verify_at(ID, &TS.to_string(), &header, BODY, TS)
            .is_ok());
        let both = Verifier::with_secrets([SECRET, "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM="]).unwrap();
        assert!(both.verify_at(ID, &TS.to_string(), SIG, BODY, TS).is_ok());
    }

    #[test]
    fn rejects_bad_secrets_and_missing_headers() {
        for bad in ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_!!!"] {
            assert_eq!(Verifier::new(bad).unwrap_err(), WebhookError::InvalidSecret);
        }
        let v = Verifier::new(SECRET).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("webhook-id", HeaderValue::from_static(ID));
        assert_eq!(
            v.verify(&headers, BODY),
            Err(WebhookError::MissingHeader("webhook-timestamp"))
        );
        let now = chrono::Utc::now().timestamp();
        headers.insert(
            "webhook-timestamp",
            HeaderValue::from_str(&now.to_string()).unwrap(),
        );
        headers.insert(
            "webhook-signature",
            HeaderValue::from_str(&v.sign(ID, now, BODY)).unwrap(),
        );
        assert_eq!(v.verify(&headers, BODY), Ok(()));
    }
}
