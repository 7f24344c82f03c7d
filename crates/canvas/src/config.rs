//! Canvas settings of a deployment (the `canvas` section of the configuration).

use std::{collections::BTreeMap, time::Duration};

use atelier_canvas_sync::SessionLimits;
use atelier_core::TenantId;
use atelier_platform::SettingError;
use serde::{Deserialize, Serialize};

use crate::sync::SyncOptions;

/// Largest document a deployment may allow: a snapshot and a version are single MongoDB
/// documents (16 MiB), with room for their other fields.
pub const MAX_DOCUMENT_BYTES: usize = 15 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanvasConfig {
    /// Largest Yjs update one sync frame or HTTP edit may carry, in bytes.
    pub max_update_bytes: usize,
    /// Largest encoded document an update may grow to, in bytes.
    pub max_document_bytes: usize,
    /// How long a document without connections stays loaded on a node.
    #[serde(with = "humantime_serde")]
    pub idle_grace: Duration,
    /// Accepted updates of a document between two compactions of its log.
    pub compact_after_updates: u64,
    /// While a document is being edited, a periodic version is kept this often.
    #[serde(with = "humantime_serde")]
    pub version_every: Duration,
    /// A document's content edits become one `canvas.document.updated` event at most this often.
    #[serde(with = "humantime_serde")]
    pub edit_event_every: Duration,
    /// Frames queued for one socket before it is dropped as a slow reader.
    pub connection_queue: usize,
    /// Tenant id (`ten_...`) → its own limits; an absent number keeps the global one.
    #[serde(default)]
    pub tenants: BTreeMap<String, TenantLimits>,
}

/// One tenant's overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantLimits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_update_bytes: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_document_bytes: Option<usize>,
}

impl Default for CanvasConfig {
    fn default() -> Self {
        Self {
            max_update_bytes: 1 << 20,
            max_document_bytes: 8 << 20,
            idle_grace: Duration::from_secs(30),
            compact_after_updates: 500,
            version_every: Duration::from_secs(600),
            edit_event_every: Duration::from_secs(10),
            connection_queue: 1_024,
            tenants: BTreeMap::new(),
        }
    }
}

impl CanvasConfig {
    /// Checks values serde cannot.
    pub fn validate(&self) -> Result<(), SettingError> {
        check_limits(
            "max_update_bytes",
            "max_document_bytes",
            self.max_update_bytes,
            self.max_document_bytes,
        )?;
        if self.idle_grace > Duration::from_secs(3600) {
            return Err(SettingError::new("idle_grace", "must be at most 1h"));
        }
        if !(10..=1_000_000).contains(&self.compact_after_updates) {
            return Err(SettingError::new(
                "compact_after_updates",
                "must be between 10 and 1000000",
            ));
        }
        if self.version_every < Duration::from_secs(1) {
            return Err(SettingError::new("version_every", "must be at least 1s"));
        }
        if self.edit_event_every < Duration::from_secs(1) {
            return Err(SettingError::new("edit_event_every", "must be at least 1s"));
        }
        if !(16..=65_536).contains(&self.connection_queue) {
            return Err(SettingError::new(
                "connection_queue",
                "must be between 16 and 65536",
            ));
        }
        for (tenant, limits) in &self.tenants {
            if tenant.parse::<TenantId>().is_err() {
                return Err(SettingError::new(
                    "tenants",
                    format!("`{tenant}` is not a tenant id (ten_...)"),
                ));
            }
            let resolved = self.limits(limits);
            check_limits(
                "tenants.max_update_bytes",
                "tenants.max_document_bytes",
                resolved.max_update_bytes,
                resolved.max_document_bytes,
            )?;
        }
        Ok(())
    }

    fn limits(&self, overrides: &TenantLimits) -> SessionLimits {
        SessionLimits {
            max_update_bytes: overrides.max_update_bytes.unwrap_or(self.max_update_bytes),
            max_document_bytes: overrides
                .max_document_bytes
                .unwrap_or(self.max_document_bytes),
        }
    }

    /// What the node's hub runs with.
    pub fn sync_options(&self) -> SyncOptions {
        SyncOptions {
            limits: self.limits(&TenantLimits::default()),
            grace: self.idle_grace,
            compact_after_updates: self.compact_after_updates,
            connection_queue: self.connection_queue,
            version_every: self.version_every,
            edit_event_every: self.edit_event_every,
        }
    }

    /// The tenants with limits of their own.
    pub fn tenant_limits(&self) -> std::collections::HashMap<TenantId, SessionLimits> {
        self.tenants
            .iter()
            .filter_map(|(tenant, limits)| Some((tenant.parse().ok()?, self.limits(limits))))
            .collect()
    }
}

fn check_limits(
    update_setting: &'static str,
    document_setting: &'static str,
    update: usize,
    document: usize,
) -> Result<(), SettingError> {
    if !(1_024..=MAX_DOCUMENT_BYTES).contains(&document) {
        return Err(SettingError::new(
            document_setting,
            format!("must be between 1024 and {MAX_DOCUMENT_BYTES}"),
        ));
    }
    if update < 64 || update > document {
        return Err(SettingError::new(
            update_setting,
            "must be at least 64 and at most the document limit",
        ));
    }
    Ok(())
}
