//! The one opaque cursor codec of the HTTP API.
//!
//! A cursor is base64url (no padding) of the JSON array `[kind, position]`. `kind` names the
//! list the cursor pages (`audit`, `events`, `reactors`, ...), so a cursor of one list is
//! refused by every other; `position` is whatever that list resumes from (a number, an id,
//! a pair). Clients treat cursors as opaque strings: the encoding may change between
//! versions, and an area changes its `kind` when its position changes shape.
//!
//! Anything this codec did not issue answers 400 `invalid_cursor` naming the parameter.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Serialize, de::DeserializeOwned};

use crate::problem::ErrorResponse;

/// Longest cursor accepted: every cursor we issue is far shorter.
const MAX_LENGTH: usize = 256;

/// The cursor of `kind` at `position`.
pub fn encode<P: Serialize>(kind: &str, position: &P) -> String {
    // Serialising a tuple of a string and a plain position cannot fail.
    let json = serde_json::to_vec(&(kind, position)).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// The position in `text`, a cursor of `kind` passed as the query parameter `param`; `None`
/// when the parameter is absent or empty (start at the beginning).
pub fn decode<P: DeserializeOwned>(
    kind: &str,
    param: &str,
    text: Option<&str>,
) -> Result<Option<P>, ErrorResponse> {
    let Some(text) = text.filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    let position = (text.len() <= MAX_LENGTH)
        .then(|| URL_SAFE_NO_PAD.decode(text).ok())
        .flatten()
        .and_then(|bytes| serde_json::from_slice::<(String, P)>(&bytes).ok())
        .filter(|(issued_for, _)| issued_for == kind)
        .map(|(_, position)| position);
    position.map(Some).ok_or_else(|| invalid(param))
}

/// 400 `invalid_cursor`: `param` is not a cursor this API issued (or one of another list).
pub fn invalid(param: &str) -> ErrorResponse {
    ErrorResponse::bad_request(
        "invalid_cursor",
        format!("`{param}` is not a cursor this API issued for this list."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip() {
        let cursor = encode("events", &(3_i64, "evt_1".to_owned()));
        assert_eq!(
            decode::<(i64, String)>("events", "after", Some(&cursor)).unwrap(),
            Some((3, "evt_1".to_owned()))
        );
        assert_eq!(decode::<u64>("audit", "cursor", None).unwrap(), None);
        assert_eq!(decode::<u64>("audit", "cursor", Some("")).unwrap(), None);
    }

    #[test]
    fn garbage_other_lists_and_other_shapes_are_refused() {
        let audit = encode("audit", &7_u64);
        let long = "A".repeat(MAX_LENGTH + 1);
        let refused = [
            // Another list's cursor, even with the same position shape.
            ("reactors", audit.clone()),
            ("audit", "garbage!".to_owned()),
            ("audit", URL_SAFE_NO_PAD.encode("{}")),
            ("audit", URL_SAFE_NO_PAD.encode(r#"["audit","seven"]"#)),
            ("audit", URL_SAFE_NO_PAD.encode(r#"["audit",7,1]"#)),
            ("audit", long),
        ];
        for (kind, text) in refused {
            match decode::<u64>(kind, "cursor", Some(&text)) {
                Err(ErrorResponse::BadRequest(problem)) => {
                    assert_eq!(problem.0.code, "invalid_cursor", "{kind} {text}");
                }
                other => panic!("{kind} {text}: {other:?}"),
            }
        }
        assert_eq!(
            decode::<u64>("audit", "cursor", Some(&audit)).unwrap(),
            Some(7)
        );
    }
}
