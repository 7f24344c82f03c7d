//! Chat as a platform module: its `[chat]` settings, collections, event types, the scheduled
//! send worker and the [`Chat`] service for the HTTP edge.

use std::{sync::Arc, time::Duration};

use atelier_outbox::catalog::EventType;
use atelier_platform::{
    Module, ModuleConfig, ModuleContext, ModuleError, Running, SettingError, Settings, Worker,
    settings,
};
use atelier_store::Migration;
use serde_json::Value;

use crate::{Chat, ChatConfig, scheduled::Scheduler};

impl ModuleConfig for ChatConfig {
    const SECTION: &'static str = "chat";
}

/// The chat module (register it in the server's module list).
#[derive(Debug, Clone, Copy, Default)]
pub struct ChatModule;

/// One line per setting of `[chat]`.
const SETTINGS: &[(&str, &str)] = &[
    (
        "max_message_chars",
        "Longest chat message text in characters (1 to 100000); longer sends answer 413.",
    ),
    (
        "scheduler_poll_interval",
        "How often consumer nodes look for due scheduled chat messages, e.g. 250ms.",
    ),
    (
        "scheduler_claim_ttl",
        "How long a node's claim on a scheduled message lasts before another node may send it, e.g. 30s.",
    ),
];

impl ChatConfig {
    /// Checks values serde cannot.
    pub fn validate(&self) -> Result<(), SettingError> {
        if !(1..=100_000).contains(&self.max_message_chars) {
            return Err(SettingError::new(
                "max_message_chars",
                "must be between 1 and 100000",
            ));
        }
        if self.scheduler_poll_interval < Duration::from_millis(10) {
            return Err(SettingError::new(
                "scheduler_poll_interval",
                "must be at least 10ms",
            ));
        }
        if self.scheduler_claim_ttl < Duration::from_secs(1) {
            return Err(SettingError::new(
                "scheduler_claim_ttl",
                "must be at least 1s",
            ));
        }
        Ok(())
    }
}

impl Module for ChatModule {
    fn name(&self) -> &'static str {
        ChatConfig::SECTION
    }

    fn settings(&self) -> Settings {
        Settings::of::<ChatConfig>(SETTINGS)
    }

    fn check_settings(&self, section: &Value) -> Result<Vec<String>, SettingError> {
        settings::parse::<ChatConfig>(section)?.validate()?;
        Ok(Vec::new())
    }

    fn migrations(&self) -> Vec<Migration> {
        vec![Migration {
            id: "0005_chat",
            description: "chat channels, members, messages, reactions, thread read state, scheduled messages",
            collections: crate::collection_specs(),
        }]
    }

    fn event_types(&self) -> Vec<EventType> {
        crate::events::types()
    }

    fn workspace_member_collections(&self) -> &'static [&'static str] {
        crate::WORKSPACE_MEMBER_COLLECTIONS
    }

    fn start(&self, context: &ModuleContext<'_>) -> Result<Running, ModuleError> {
        let config: ChatConfig = settings::parse(context.settings)?;
        let chat = Chat::new(context.store, config);
        let mut running = Running::default();
        if context.roles.consumers {
            // Every consumers node sends due scheduled messages; claims keep two nodes from
            // sending one twice.
            let scheduler = Scheduler::new(chat.clone(), context.node_id);
            running
                .workers
                .push(Worker::new("chat_scheduler", move |cancel| {
                    scheduler.run(cancel)
                }));
        }
        running
            .topic_kinds
            .push(Arc::new(crate::ChannelTopics::new(chat.clone())));
        running.services.insert(chat)?;
        Ok(running)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn settings_are_documented_and_checked() {
        let settings = ChatModule.settings();
        let keys: Vec<&str> = settings
            .defaults
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let documented: Vec<&str> = settings.docs.iter().map(|(key, _)| *key).collect();
        for key in &keys {
            assert!(documented.contains(key), "chat.{key} is not documented");
        }
        assert!(ChatModule.check_settings(&settings.defaults).is_ok());
        let cases = [
            (json!({ "max_message_chars": 0 }), "max_message_chars"),
            (json!({ "max_message_chars": 100_001 }), "max_message_chars"),
            (
                json!({ "scheduler_poll_interval": "5ms" }),
                "scheduler_poll_interval",
            ),
            (
                json!({ "scheduler_claim_ttl": "500ms" }),
                "scheduler_claim_ttl",
            ),
        ];
        for (change, setting) in cases {
            let mut section = settings.defaults.clone();
            for (key, value) in change.as_object().unwrap() {
                section[key] = value.clone();
            }
            let error = ChatModule.check_settings(&section).unwrap_err();
            assert_eq!(error.setting, setting, "{change}");
        }
        let unknown = json!({ "max_message_chars": 10, "scheduler_poll_interval": "1s", "scheduler_claim_ttl": "30s", "colour": "red" });
        assert!(ChatModule.check_settings(&unknown).is_err());
    }
}
