//! The seam products plug into.
//!
//! A product (chat, webhooks; feeds, canvas and agents next) is a crate that implements
//! [`Module`] and is registered with one line in the server's module list. The server loops over
//! the modules for everything a product contributes, and never names one:
//! - its configuration section (`[chat]`, `ATELIER_CHAT_*`): defaults, documentation and
//!   validation ([`Settings`], [`Module::check_settings`]);
//! - its collections and indexes, as migrations ([`Module::migrations`]);
//! - its event types with the JSON Schemas of their `data` ([`Module::event_types`]);
//! - at start, from a [`ModuleContext`] (storage, outbox, bus, metrics, identity, the event
//!   catalog, its own settings): its queue consumers, background workers, realtime topic kinds,
//!   its metrics (registered on the node's registry) and the services its HTTP area uses
//!   ([`Running`]).
//!
//! Layout: [`module`] (the trait and what flows through it), [`settings`] (configuration
//! sections), [`services`] (the typed service map the HTTP edge reads), [`roles`] (a node's
//! roles).

pub mod module;
pub mod roles;
pub mod services;
pub mod settings;

pub use module::{Module, ModuleContext, ModuleError, Running, Worker};
pub use roles::Roles;
pub use services::Services;
pub use settings::{ModuleConfig, SettingError, Settings};
