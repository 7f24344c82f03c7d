//! Feeds as a platform module: its `[feeds]` settings, collections, event types, the fan-out
//! consumer and the [`Feeds`] service for the HTTP edge.

use std::sync::Arc;

use atelier_outbox::catalog::EventType;
use atelier_platform::{
    Module, ModuleConfig, ModuleContext, ModuleError, Running, SettingError, Settings, settings,
};
use atelier_store::Migration;
use serde_json::Value;

use crate::{Feeds, FeedsConfig, fanout::FanoutHandler};

impl ModuleConfig for FeedsConfig {
    const SECTION: &'static str = "feeds";
}

/// The feeds module (registered in the server's module list).
#[derive(Debug, Clone, Copy, Default)]
pub struct FeedsModule;

/// One line per setting of `[feeds]`.
const SETTINGS: &[(&str, &str)] = &[
    (
        "max_feed_length",
        "Entries kept per feed (10 to 100000); older ones are trimmed on write.",
    ),
    (
        "max_extra_bytes",
        "Largest `extra` data of an activity in bytes of JSON (16 to 65536); larger answers 413.",
    ),
    (
        "fanout_chunk_size",
        "Follower feeds written per fan-out transaction (1 to 1000).",
    ),
    (
        "default_backfill",
        "Activities a follow copies when it names no backfill limit (0 to max_backfill).",
    ),
    (
        "max_backfill",
        "Largest backfill limit a follow may ask for (0 to 1000).",
    ),
];

impl FeedsConfig {
    /// Checks values serde cannot.
    pub fn validate(&self) -> Result<(), SettingError> {
        if !(10..=100_000).contains(&self.max_feed_length) {
            return Err(SettingError::new(
                "max_feed_length",
                "must be between 10 and 100000",
            ));
        }
        if !(16..=65_536).contains(&self.max_extra_bytes) {
            return Err(SettingError::new(
                "max_extra_bytes",
                "must be between 16 and 65536",
            ));
        }
        if !(1..=1000).contains(&self.fanout_chunk_size) {
            return Err(SettingError::new(
                "fanout_chunk_size",
                "must be between 1 and 1000",
            ));
        }
        if self.max_backfill > 1000 {
            return Err(SettingError::new("max_backfill", "must be at most 1000"));
        }
        if self.default_backfill > self.max_backfill {
            return Err(SettingError::new(
                "default_backfill",
                "must be at most max_backfill",
            ));
        }
        Ok(())
    }
}

impl Module for FeedsModule {
    fn name(&self) -> &'static str {
        FeedsConfig::SECTION
    }

    fn settings(&self) -> Settings {
        Settings::of::<FeedsConfig>(SETTINGS)
    }

    fn check_settings(&self, section: &Value) -> Result<Vec<String>, SettingError> {
        settings::parse::<FeedsConfig>(section)?.validate()?;
        Ok(Vec::new())
    }

    fn migrations(&self) -> Vec<Migration> {
        vec![Migration {
            id: "0009_feeds",
            description: "feed groups, activities, feed entries, feed counters, follows",
            collections: crate::collection_specs(),
        }]
    }

    fn event_types(&self) -> Vec<EventType> {
        crate::events::types()
    }

    fn start(&self, context: &ModuleContext<'_>) -> Result<Running, ModuleError> {
        let config: FeedsConfig = settings::parse(context.settings)?;
        let feeds = Feeds::new(context.store, config);
        let mut running = Running::default();
        running
            .consumers
            .push(Arc::new(FanoutHandler::new(feeds.clone())));
        running.services.insert(feeds)?;
        Ok(running)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn settings_are_documented_and_checked() {
        let settings = FeedsModule.settings();
        let keys: Vec<&str> = settings
            .defaults
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let documented: Vec<&str> = settings.docs.iter().map(|(key, _)| *key).collect();
        for key in &keys {
            assert!(documented.contains(key), "feeds.{key} is not documented");
        }
        assert!(FeedsModule.check_settings(&settings.defaults).is_ok());
        let cases = [
            (json!({ "max_feed_length": 9 }), "max_feed_length"),
            (json!({ "max_extra_bytes": 8 }), "max_extra_bytes"),
            (json!({ "fanout_chunk_size": 0 }), "fanout_chunk_size"),
            (json!({ "max_backfill": 1001 }), "max_backfill"),
            (
                json!({ "default_backfill": 20, "max_backfill": 10 }),
                "default_backfill",
            ),
        ];
        for (change, setting) in cases {
            let mut section = settings.defaults.clone();
            for (key, value) in change.as_object().unwrap() {
                section[key] = value.clone();
            }
            let error = FeedsModule.check_settings(&section).unwrap_err();
            assert_eq!(error.setting, setting, "{change}");
        }
    }
}
