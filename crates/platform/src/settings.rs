//! A module's configuration section.
//!
//! The server layers defaults, the TOML file and `ATELIER_*` variables for the whole
//! configuration; a module's section is the table under its name (`[chat]`,
//! `ATELIER_CHAT_MAX_MESSAGE_CHARS`). The module describes the section with [`Settings`]
//! (defaults and one line of documentation per setting, printed by `atelier serve --help`),
//! checks it in [`crate::Module::check_settings`] and reads it at start with [`parse`]. Its own
//! typed config struct is the schema: `#[serde(deny_unknown_fields)]` makes a misspelt setting
//! an error at start-up.

use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

/// A module's typed configuration: the section it is read from.
pub trait ModuleConfig: Serialize + DeserializeOwned + Default {
    /// The section's name, the module's [`crate::Module::name`].
    const SECTION: &'static str;
}

/// A module's section: its defaults and the documentation of each setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The section's defaults, as the typed config serialises them.
    pub defaults: Value,
    /// `(key within the section, meaning)` for every setting; dotted for nested keys. A server
    /// test checks that every default has a line.
    pub docs: Vec<(&'static str, &'static str)>,
}

impl Settings {
    /// The section described by a typed config's `Default` and `docs`.
    pub fn of<C: Serialize + Default>(docs: &[(&'static str, &'static str)]) -> Settings {
        Settings {
            defaults: serde_json::to_value(C::default())
                .expect("a configuration struct serialises to JSON"),
            docs: docs.to_vec(),
        }
    }
}

/// A setting of a module's section that cannot be used, named relative to the section
/// (`max_message_chars`); the server prefixes the section and the environment variable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct SettingError {
    pub setting: String,
    pub message: String,
}

impl SettingError {
    pub fn new(setting: impl Into<String>, message: impl Into<String>) -> SettingError {
        SettingError {
            setting: setting.into(),
            message: message.into(),
        }
    }
}

/// Reads a section into the module's typed config. A mistyped setting is named by its key
/// within the section; an unknown one by serde's message (`unknown field ...`).
pub fn parse<C: DeserializeOwned>(section: &Value) -> Result<C, SettingError> {
    serde_path_to_error::deserialize(section).map_err(|error| {
        let path = error.path().to_string();
        let setting = if path == "." { String::new() } else { path };
        SettingError::new(setting, error.into_inner().to_string())
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, default)]
    struct Example {
        size: u32,
        name: String,
    }

    impl Default for Example {
        fn default() -> Self {
            Example {
                size: 3,
                name: "x".to_owned(),
            }
        }
    }

    #[test]
    fn settings_and_parsing() {
        let settings = Settings::of::<Example>(&[("size", "How many."), ("name", "Which.")]);
        assert_eq!(settings.defaults, json!({ "size": 3, "name": "x" }));
        assert_eq!(
            parse::<Example>(&json!({ "size": 5 })).unwrap(),
            Example {
                size: 5,
                name: "x".to_owned()
            }
        );
        let unknown = parse::<Example>(&json!({ "sise": 5 })).unwrap_err();
        assert!(unknown.message.contains("sise"), "{unknown}");
        let mistyped = parse::<Example>(&json!({ "size": "five" })).unwrap_err();
        assert_eq!(mistyped.setting, "size");
        assert!(mistyped.message.contains("invalid type"), "{mistyped}");
    }
}
