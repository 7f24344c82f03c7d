//! A node's roles: which of the API, the outbox relay and the queue consumers it runs. Modules
//! read them to decide which of their workers a node starts.

use serde::{Deserialize, Serialize};

/// A node's roles: any of `api`, `relay`, `consumers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles {
    pub api: bool,
    pub relay: bool,
    pub consumers: bool,
}

impl Roles {
    pub const ALL: Roles = Roles {
        api: true,
        relay: true,
        consumers: true,
    };

    pub fn parse(text: &str) -> Result<Roles, String> {
        let mut roles = Roles {
            api: false,
            relay: false,
            consumers: false,
        };
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match word {
                "api" => roles.api = true,
                "relay" => roles.relay = true,
                "consumers" => roles.consumers = true,
                "all" => roles = Roles::ALL,
                other => {
                    return Err(format!(
                        "unknown role `{other}` (expected api, relay, consumers or all)"
                    ));
                }
            }
        }
        if !(roles.api || roles.relay || roles.consumers) {
            return Err("at least one role is required".to_owned());
        }
        Ok(roles)
    }
}

impl std::fmt::Display for Roles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = [
            (self.api, "api"),
            (self.relay, "relay"),
            (self.consumers, "consumers"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        f.write_str(&names.join(","))
    }
}

impl Serialize for Roles {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Roles {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Input {
            Text(String),
            List(Vec<String>),
        }
        let text = match Input::deserialize(deserializer)? {
            Input::Text(text) => text,
            Input::List(list) => list.join(","),
        };
        Roles::parse(&text).map_err(serde::de::Error::custom)
    }
}
