//! Standard Webhooks signatures, sans IO.
//!
//! The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the key is the base64
//! decoding of the secret after its `whsec_` prefix; the signature is HMAC-SHA256, sent as
//! `v1,<base64>` in the `webhook-signature` header. While a secret rotation overlaps, every
//! active secret signs and the signatures are space-separated, so receivers holding either
//! secret verify (https://www.standardwebhooks.com/).

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of every secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// The version tag of a signature.
pub const SIGNATURE_VERSION: &str = "v1";

/// A secret that is not `whsec_` + base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a webhook secret must be `whsec_` followed by base64")]
pub struct InvalidSecret;

/// Decodes a `whsec_...` secret into its HMAC key.
pub fn secret_key(secret: &str) -> Result<Vec<u8>, InvalidSecret> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).ok_or(InvalidSecret)?;
    let key = STANDARD.decode(encoded).map_err(|_invalid| InvalidSecret)?;
    if key.is_empty() {
        return Err(InvalidSecret);
    }
    Ok(key)
}

/// `v1,<base64 HMAC-SHA256>` of one message under one secret.
pub fn sign(
    secret: &str,
    message_id: &str,
    timestamp_seconds: i64,
    body: &[u8],
) -> Result<String, InvalidSecret> {
    let key = secret_key(secret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_invalid| InvalidSecret)?;
    mac.update(message_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    Ok(format!("{SIGNATURE_VERSION},{}", STANDARD.encode(digest)))
}

/// The `webhook-signature` header value: one signature per secret, space-separated, in the
/// order given. Fails on the first malformed secret (a stored secret is always valid, so
/// that is a bug worth surfacing, not a signature worth skipping).
pub fn signature_header<'a>(
    secrets: impl IntoIterator<Item = &'a str>,
    message_id: &str,
    timestamp_seconds: i64,
    body: &[u8],
) -> Result<String, InvalidSecret> {
    let signatures = secrets
        .into_iter()
        .map(|secret| sign(secret, message_id, timestamp_seconds, body))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(signatures.join(" "))
}

/// Whether any `v1` signature in `header` is valid for one of `secrets` (constant-time
/// comparison). For tests and receivers written in Rust.
pub fn verify<'a>(
    secrets: impl IntoIterator<Item = &'a str>,
    header: &str,
    message_id: &str,
    timestamp_seconds: i64,
    body: &[u8],
) -> bool {
    let offered: Vec<Vec<u8>> = header
        .split(' ')
        .filter_map(|part| part.strip_prefix("v1,"))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        .collect();
    secrets.into_iter().any(|secret| {
        let Ok(key) = secret_key(secret) else {
            return false;
        };
        offered.iter().any(|signature| {
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
                return false;
            };
            mac.update(message_id.as_bytes());
            mac.update(b".");
            mac.update(timestamp_seconds.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            mac.verify_slice(signature).is_ok()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector published with the Standard Webhooks reference libraries.
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1_614_265_330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn matches_the_published_test_vector() {
        assert_eq!(
            sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY).unwrap(),
            SPEC_SIGNATURE
        );
        assert!(verify(
            [SPEC_SECRET],
            SPEC_SIGNATURE,
            SPEC_ID,
            SPEC_TIMESTAMP,
            SPEC_BODY
        ));
    }

    #[test]
    fn rotation_signs_with_every_secret_and_either_verifies() {
        let new = format!("{SECRET_PREFIX}{}", STANDARD.encode([7_u8; 32]));
        let header = signature_header(
            [new.as_str(), SPEC_SECRET],
            SPEC_ID,
            SPEC_TIMESTAMP,
            SPEC_BODY,
        )
        .unwrap();
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], SPEC_SIGNATURE);
        for secret in [new.as_str(), SPEC_SECRET] {
            assert!(verify(
                [secret],
                &header,
                SPEC_ID,
                SPEC_TIMESTAMP,
                SPEC_BODY
            ));
        }
    }

    #[test]
    fn verification_refuses_tampering() {
        let cases: [(&str, &str, i64, &[u8]); 4] = [
            (SPEC_SIGNATURE, "msg_other", SPEC_TIMESTAMP, SPEC_BODY),
            (SPEC_SIGNATURE, SPEC_ID, SPEC_TIMESTAMP + 1, SPEC_BODY),
            (SPEC_SIGNATURE, SPEC_ID, SPEC_TIMESTAMP, b"{}"),
            (
                "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                SPEC_ID,
                SPEC_TIMESTAMP,
                SPEC_BODY,
            ),
        ];
        for (header, id, timestamp, body) in cases {
            assert!(
                !verify([SPEC_SECRET], header, id, timestamp, body),
                "{header} {id} {timestamp}"
            );
        }
    }

    #[test]
    fn malformed_secrets_are_refused() {
        for secret in [
            "",
            "whsec_",
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_!!!",
        ] {
            assert_eq!(secret_key(secret), Err(InvalidSecret), "{secret}");
        }
    }
}
