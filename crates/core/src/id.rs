//! Typed, prefixed identifiers.
//!
//! Every id is a ULID printed with a short type prefix (`ten_01J...`, `evt_01J...`). The prefix
//! makes ids self-describing in logs and support tickets, and parsing checks it, so an event id
//! pasted where a tenant id belongs is rejected. ULIDs sort by creation time, which the outbox
//! relies on for its publish order.

/// Why a string is not a valid id of the expected type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("expected an id starting with `{expected}_`")]
    WrongPrefix { expected: &'static str },
    #[error("`{0}` is not a valid id body (26 Crockford base32 characters)")]
    InvalidBody(String),
}

/// Defines a prefixed ULID id type with parsing, display and serde as a string.
///
/// ```
/// atelier_core::define_id!(
///     /// A widget.
///     WidgetId, "wdg"
/// );
/// let id = WidgetId::generate();
/// assert!(id.to_string().starts_with("wdg_"));
/// assert_eq!(id.to_string().parse::<WidgetId>().unwrap(), id);
/// ```
#[macro_export]
macro_rules! define_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(::ulid::Ulid);

        impl $name {
            /// The prefix printed before the ULID, without the underscore.
            pub const PREFIX: &'static str = $prefix;

            /// A new id, unique and ordered after ids generated earlier in this process.
            pub fn generate() -> Self {
                Self($crate::id::next_ulid())
            }

            /// The underlying ULID.
            pub fn ulid(&self) -> ::ulid::Ulid {
                self.0
            }

            /// Wraps an existing ULID.
            pub fn from_ulid(ulid: ::ulid::Ulid) -> Self {
                Self(ulid)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}_{}", Self::PREFIX, self.0)
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(self, f)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::IdError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $crate::id::parse_prefixed(text, Self::PREFIX).map(Self)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}

define_id!(
    /// An organisation: the tenant. Every stored record carries one.
    TenantId,
    "ten"
);
define_id!(
    /// An event written to the outbox. Stable across redeliveries, so consumers de-duplicate on it.
    EventId,
    "evt"
);

/// Parses `prefix_ULID`. Public for the macro; use `FromStr` on the id types instead.
pub fn parse_prefixed(text: &str, prefix: &'static str) -> Result<ulid::Ulid, IdError> {
    let body = text
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .ok_or(IdError::WrongPrefix { expected: prefix })?;
    ulid::Ulid::from_string(body).map_err(|_| IdError::InvalidBody(truncate(body)))
}

/// A process-wide monotonic ULID: two ids generated in the same millisecond still sort in
/// generation order. Public for the macro.
pub fn next_ulid() -> ulid::Ulid {
    use std::sync::Mutex;
    static GENERATOR: Mutex<Option<ulid::Generator>> = Mutex::new(None);
    let mut guard = GENERATOR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let generator = guard.get_or_insert_with(ulid::Generator::new);
    // Overflow needs 2^80 ids within one millisecond; fall back to a fresh random ULID.
    generator.generate().unwrap_or_else(|_| ulid::Ulid::new())
}

/// Bounded echo of bad input, so an error message never carries a megabyte of junk.
fn truncate(text: &str) -> String {
    const LIMIT: usize = 40;
    if text.chars().count() <= LIMIT {
        text.to_owned()
    } else {
        let head: String = text.chars().take(LIMIT).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_checks_prefix() {
        let tenant = TenantId::generate();
        let text = tenant.to_string();
        assert!(text.starts_with("ten_"));
        assert_eq!(text.parse::<TenantId>(), Ok(tenant));
        assert_eq!(
            text.replace("ten_", "evt_").parse::<TenantId>(),
            Err(IdError::WrongPrefix { expected: "ten" })
        );
    }

    #[test]
    fn rejects_bad_bodies() {
        for bad in ["ten_", "ten_xyz", "ten_01ARZ3NDEKTSV4RRFFQ69G5FAVX", "ten"] {
            assert!(bad.parse::<TenantId>().is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn generated_ids_are_ordered() {
        let ids: Vec<EventId> = (0..1000).map(|_| EventId::generate()).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
        let mut strings: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let sorted = strings.clone();
        strings.sort();
        assert_eq!(strings, sorted, "string order equals generation order");
    }

    #[test]
    fn serde_uses_the_prefixed_string() {
        let id = EventId::generate();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<EventId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<EventId>("\"ten_01ARZ3NDEKTSV4RRFFQ69G5FAV\"").is_err());
    }
}
