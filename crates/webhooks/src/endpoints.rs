//! Webhook endpoints of a tenant: storage, validation and signing secrets.
//!
//! Every function takes the tenant first and filters on it, so another tenant's endpoint is
//! "not found". Changes are written with their outbox event in one [`UnitOfWork`]
//! (`webhook.endpoint.created`, `.updated`, `.deleted`, `.disabled`); events never carry
//! secrets. Validation ([`validate_new`], [`validate_patch`]) is plain code, run before any IO,
//! and names the field at fault. URLs are checked for syntax only here
//! ([`crate::ssrf::check_url`]); addresses are checked when delivering.
//!
//! Secrets are `whsec_` + base64 of 32 random bytes (Standard Webhooks), newest first. A
//! rotation puts a new secret first and lets the previous one sign for an overlap period.
//!
//! Layout: public types, [`Endpoints`], validation, then helpers and the collection spec.

use std::{collections::BTreeMap, time::Duration};

use atelier_core::{NewEvent, TenantId};
use atelier_identity::{Principal, tenancy::Tenancy};
use atelier_outbox::{Outbox, UnitOfWork, catalog::Catalog};
use atelier_store::{CollectionSpec, Store};
use base64::Engine;
use chrono::Utc;
use futures_util::FutureExt;
use mongodb::{Collection, IndexModel, bson::doc, options::IndexOptions};
use rand::RngCore;

use crate::{
    WebhooksConfig,
    error::WebhookError,
    model::{EndpointId, EndpointRecord, EndpointSecret},
    ssrf,
};

pub const COLLECTION: &str = "webhook_endpoints";
/// Prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";
pub const MAX_HEADERS: usize = 20;
pub const MAX_HEADER_VALUE_BYTES: usize = 1024;
pub const MAX_HEADER_NAME_BYTES: usize = 256;
pub const MAX_DESCRIPTION_CHARS: usize = 500;
pub const MAX_EVENT_TYPES: usize = 100;
pub const MAX_RATE_LIMIT_PER_SECOND: u32 = 10_000;
/// Secrets kept per endpoint (the current one and the newest previous ones), so repeated
/// rotations within the overlap cannot grow the record without bound.
pub const MAX_SECRETS: usize = 5;
/// Headers the platform sets itself (Standard Webhooks, HTTP framing) or that would change
/// how the request is framed; tenants may not set them. Lower case.
pub const RESERVED_HEADERS: &[&str] = &[
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "content-type",
    "content-length",
    "host",
    "user-agent",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// A new endpoint, as the tenant asks for it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEndpoint {
    pub url: String,
    pub description: String,
    /// Empty: every event type.
    pub event_types: Vec<String>,
    pub rate_limit_per_second: Option<u32>,
    pub headers: BTreeMap<String, String>,
    pub enabled: bool,
}

/// Changes to an endpoint; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    /// `Some(None)` removes the limit.
    pub rate_limit_per_second: Option<Option<u32>>,
    /// Replaces every extra header.
    pub headers: Option<BTreeMap<String, String>>,
    /// `Some(true)` re-enables an endpoint the platform disabled (and forgets why).
    pub enabled: Option<bool>,
}

/// Endpoint storage. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Endpoints {
    outbox: Outbox,
    unit: UnitOfWork,
    config: WebhooksConfig,
    /// The deployment's event types: what an endpoint may subscribe to.
    catalog: Catalog,
    endpoints: Collection<EndpointRecord>,
}

impl Endpoints {
    /// Endpoints validated with the default settings (`https` only; see [`Self::with_config`])
    /// whose subscriptions name types of `catalog`.
    pub fn new(store: &Store, catalog: Catalog) -> Self {
        Self {
            outbox: Outbox::new(store),
            unit: UnitOfWork::new(store),
            config: WebhooksConfig::default(),
            catalog,
            endpoints: store.database().collection(COLLECTION),
        }
    }

    /// Uses the deployment's settings (`allow_http`) when validating URLs.
    pub fn with_config(mut self, config: WebhooksConfig) -> Self {
        self.config = config;
        self
    }

    /// Creates an endpoint with its first signing secret (tenant administrators).
    pub async fn create(
        &self,
        principal: &Principal,
        new: NewEndpoint,
    ) -> Result<EndpointRecord, WebhookError> {
        let tenant = Tenancy::administered_tenant(principal)?;
        let new = validate_new(new, &self.config, &self.catalog)?;
        let now = now_ms();
        let record = EndpointRecord {
            id: EndpointId::generate(),
            tenant,
            url: new.url,
            description: new.description,
            event_types: new.event_types,
            enabled: new.enabled,
            disabled_reason: None,
            rate_limit_per_second: new.rate_limit_per_second,
            headers: new.headers,
            secrets: vec![generate_secret(now)],
            failing_since_ms: None,
            created_at_ms: now,
            updated_at_ms: now,
        };
        let event = endpoint_event("webhook.endpoint.created", &record, None);
        let id = self
            .unit
            .run::<_, _, WebhookError, _>(
                tenant,
                (self.clone(), record, event),
                |tx, (this, record, event)| {
                    async move {
                        let session = tx.session();
                        this.endpoints
                            .insert_one(&*record)
                            .session(&mut *session)
                            .await?;
                        this.append(session, record.tenant, event.clone()).await?;
                        // The id, not the record: a unit's result is kept for idempotent
                        // replay, and the record holds signing secrets.
                        Ok(record.id)
                    }
                    .boxed()
                },
            )
            .await?;
        self.find(tenant, id).await
    }

    /// The tenant's endpoints, oldest first (readers of the tenant). Their records hold the
    /// secrets: what a caller may be shown of them is the edge's view.
    pub async fn list(
        &self,
        principal: &Principal,
        request: &atelier_store::scoped::PageRequest,
    ) -> Result<(Vec<EndpointRecord>, bool), WebhookError> {
        let tenant = Tenancy::readable_tenant(principal)?;
        let filter = mongodb::bson::Document::new();
        Ok(atelier_store::scoped::page(&self.endpoints, tenant, filter, request).await?)
    }

    /// One endpoint (readers of the tenant); see [`Endpoints::list`] about secrets.
    pub async fn get(
        &self,
        principal: &Principal,
        id: EndpointId,
    ) -> Result<EndpointRecord, WebhookError> {
        let tenant = Tenancy::readable_tenant(principal)?;
        self.find(tenant, id).await
    }

    /// One endpoint for reading its secrets: the signing secrets and the custom header values
    /// (tenant administrators only).
    pub async fn get_secrets(
        &self,
        principal: &Principal,
        id: EndpointId,
    ) -> Result<EndpointRecord, WebhookError> {
        let tenant = Tenancy::administered_tenant(principal)?;
        self.find(tenant, id).await
    }

    /// The tenant's endpoints, for the platform itself (delivery): no principal, no policy.
    pub async fn all(&self, tenant: TenantId) -> Result<Vec<EndpointRecord>, WebhookError> {
        Ok(atelier_store::scoped::list(&self.endpoints, tenant).await?)
    }

    /// One endpoint, for the platform itself (delivery, redelivery): no principal, no policy.
    pub async fn find(
        &self,
        tenant: TenantId,
        id: EndpointId,
    ) -> Result<EndpointRecord, WebhookError> {
        atelier_store::scoped::get(&self.endpoints, tenant, &id.to_string())
            .await?
            .ok_or(WebhookError::NotFound("endpoint"))
    }

    /// Applies `patch` (tenant administrators); emits `webhook.endpoint.updated` naming the
    /// changed fields (none changed: no event, no write).
    pub async fn update(
        &self,
        principal: &Principal,
        id: EndpointId,
        patch: EndpointPatch,
    ) -> Result<EndpointRecord, WebhookError> {
        let tenant = Tenancy::administered_tenant(principal)?;
        let patch = validate_patch(patch, &self.config, &self.catalog)?;
        self.modify(tenant, id, move |record, _now| {
            let mut changed = Vec::new();
            if let Some(url) = &patch.url
                && *url != record.url
            {
                record.url = url.clone();
                changed.push("url");
            }
            if let Some(description) = &patch.description
                && *description != record.description
            {
                record.description = description.clone();
                changed.push("description");
            }
            if let Some(event_types) = &patch.event_types
                && *event_types != record.event_types
            {
                record.event_types = event_types.clone();
                changed.push("event_types");
            }
            if let Some(rate_limit) = patch.rate_limit_per_second
                && rate_limit != record.rate_limit_per_second
            {
                record.rate_limit_per_second = rate_limit;
                changed.push("rate_limit_per_second");
            }
            if let Some(headers) = &patch.headers
                && *headers != record.headers
            {
                record.headers = headers.clone();
                changed.push("headers");
            }
            if let Some(enabled) = patch.enabled
                && enabled != record.enabled
            {
                record.enabled = enabled;
                if enabled {
                    record.disabled_reason = None;
                    record.failing_since_ms = None;
                }
                changed.push("enabled");
            }
            Modification::updated(changed)
        })
        .await
    }

    /// Deletes an endpoint (tenant administrators; `webhook.endpoint.deleted`).
    pub async fn delete(&self, principal: &Principal, id: EndpointId) -> Result<(), WebhookError> {
        let tenant = Tenancy::administered_tenant(principal)?;
        let event = NewEvent::new(
            "webhook.endpoint.deleted",
            "webhook_endpoint",
            id.to_string(),
            serde_json::json!({ "endpoint_id": id }),
        );
        self.unit
            .run::<_, _, WebhookError, _>(
                tenant,
                (self.clone(), event),
                move |tx, (this, event)| {
                    async move {
                        let session = tx.session();
                        let deleted = this
                            .endpoints
                            .delete_one(
                                doc! { "_id": id.to_string(), "tenant": tenant.to_string() },
                            )
                            .session(&mut *session)
                            .await?;
                        if deleted.deleted_count == 0 {
                            return Err(WebhookError::NotFound("endpoint"));
                        }
                        this.append(session, tenant, event.clone()).await
                    }
                    .boxed()
                },
            )
            .await
    }

    /// Puts a new secret first. Previous secrets without an expiry expire after `overlap`
    /// (at once when it is zero); expired ones are dropped; at most [`MAX_SECRETS`] are kept.
    /// Emits `webhook.endpoint.updated` with `changed: ["secret"]`. Tenant administrators.
    pub async fn rotate_secret(
        &self,
        principal: &Principal,
        id: EndpointId,
        overlap: Duration,
    ) -> Result<EndpointRecord, WebhookError> {
        let tenant = Tenancy::administered_tenant(principal)?;
        let overlap_ms = i64::try_from(overlap.as_millis()).unwrap_or(i64::MAX);
        self.modify(tenant, id, move |record, now| {
            let expires = now.saturating_add(overlap_ms);
            let mut secrets = vec![generate_secret(now)];
            secrets.extend(record.secrets.drain(..).filter_map(|mut secret| {
                let expires_at = *secret.expires_at_ms.get_or_insert(expires);
                (expires_at > now).then_some(secret)
            }));
            secrets.truncate(MAX_SECRETS);
            record.secrets = secrets;
            Modification::updated(vec!["secret"])
        })
        .await
    }

    /// Disables an endpoint on the platform's behalf (`gone`, `failing`), emitting
    /// `webhook.endpoint.disabled`. Disabling a disabled endpoint changes nothing.
    pub async fn disable(
        &self,
        tenant: TenantId,
        id: EndpointId,
        reason: &str,
    ) -> Result<EndpointRecord, WebhookError> {
        let reason = reason.to_owned();
        self.modify(tenant, id, move |record, _now| {
            if !record.enabled {
                return Modification::Unchanged;
            }
            record.enabled = false;
            record.disabled_reason = Some(reason.clone());
            Modification::Disabled
        })
        .await
    }

    /// A delivery succeeded: the endpoint is no longer failing.
    pub async fn record_success(
        &self,
        tenant: TenantId,
        id: EndpointId,
        now_ms: i64,
    ) -> Result<(), WebhookError> {
        self.endpoints
            .update_one(
                doc! {
                    "_id": id.to_string(),
                    "tenant": tenant.to_string(),
                    "failing_since_ms": { "$exists": true },
                },
                doc! {
                    "$unset": { "failing_since_ms": "" },
                    "$set": { "updated_at_ms": now_ms },
                },
            )
            .await?;
        Ok(())
    }

    /// A delivery failed: starts the failing run unless one is under way. Returns when the
    /// run started (compare with `webhooks.disable_after`), or `None` when the endpoint is
    /// gone.
    pub async fn record_failure(
        &self,
        tenant: TenantId,
        id: EndpointId,
        now_ms: i64,
    ) -> Result<Option<i64>, WebhookError> {
        let filter = doc! { "_id": id.to_string(), "tenant": tenant.to_string() };
        let mut first = filter.clone();
        first.insert("failing_since_ms", doc! { "$exists": false });
        self.endpoints
            .update_one(
                first,
                doc! { "$set": { "failing_since_ms": now_ms, "updated_at_ms": now_ms } },
            )
            .await?;
        Ok(self
            .endpoints
            .find_one(filter)
            .await?
            .map(|record| record.failing_since_ms.unwrap_or(now_ms)))
    }

    /// Reads, changes and writes one endpoint in a transaction, with the event the change
    /// calls for.
    async fn modify<F>(
        &self,
        tenant: TenantId,
        id: EndpointId,
        change: F,
    ) -> Result<EndpointRecord, WebhookError>
    where
        F: FnMut(&mut EndpointRecord, i64) -> Modification + Send + 'static,
    {
        let id = self
            .unit
            .run::<_, _, WebhookError, _>(
                tenant,
                (self.clone(), change),
                move |tx, (this, change)| {
                    async move {
                        let session = tx.session();
                        let filter = doc! { "_id": id.to_string(), "tenant": tenant.to_string() };
                        let mut record = this
                            .endpoints
                            .find_one(filter.clone())
                            .session(&mut *session)
                            .await?
                            .ok_or_else(|| WebhookError::NotFound("endpoint"))?;
                        let now = now_ms();
                        let event = match change(&mut record, now) {
                            Modification::Unchanged => {
                                tx.unchanged();
                                return Ok(record.id);
                            }
                            Modification::Updated(changed) => endpoint_event(
                                "webhook.endpoint.updated",
                                &record,
                                Some(serde_json::json!(changed)),
                            ),
                            Modification::Disabled => NewEvent::new(
                                "webhook.endpoint.disabled",
                                "webhook_endpoint",
                                record.id.to_string(),
                                serde_json::json!({
                                    "endpoint_id": record.id,
                                    "reason": record.disabled_reason,
                                }),
                            ),
                        };
                        record.updated_at_ms = now;
                        this.endpoints
                            .replace_one(filter, &record)
                            .session(&mut *session)
                            .await?;
                        this.append(session, tenant, event).await?;
                        // The id, not the record (it holds signing secrets; see `create`).
                        Ok(record.id)
                    }
                    .boxed()
                },
            )
            .await?;
        self.find(tenant, id).await
    }

    async fn append(
        &self,
        session: &mut mongodb::ClientSession,
        tenant: TenantId,
        event: NewEvent,
    ) -> Result<(), WebhookError> {
        self.outbox.append(session, tenant, vec![event]).await?;
        Ok(())
    }
}

/// What a read-modify-write did.
enum Modification {
    Unchanged,
    /// The names of the changed fields.
    Updated(Vec<&'static str>),
    Disabled,
}

impl Modification {
    fn updated(changed: Vec<&'static str>) -> Self {
        if changed.is_empty() {
            Self::Unchanged
        } else {
            Self::Updated(changed)
        }
    }
}

/// Validates and normalises a new endpoint (trimmed description, de-duplicated event types).
pub fn validate_new(
    new: NewEndpoint,
    config: &WebhooksConfig,
    catalog: &Catalog,
) -> Result<NewEndpoint, WebhookError> {
    Ok(NewEndpoint {
        url: check_url(&new.url, config)?,
        description: check_description(&new.description)?,
        event_types: check_event_types(new.event_types, catalog)?,
        rate_limit_per_second: check_rate_limit(new.rate_limit_per_second)?,
        headers: check_headers(new.headers)?,
        enabled: new.enabled,
    })
}

/// Validates and normalises the fields a patch sets.
pub fn validate_patch(
    patch: EndpointPatch,
    config: &WebhooksConfig,
    catalog: &Catalog,
) -> Result<EndpointPatch, WebhookError> {
    Ok(EndpointPatch {
        url: patch.url.map(|url| check_url(&url, config)).transpose()?,
        description: patch
            .description
            .map(|text| check_description(&text))
            .transpose()?,
        event_types: patch
            .event_types
            .map(|types| check_event_types(types, catalog))
            .transpose()?,
        rate_limit_per_second: patch
            .rate_limit_per_second
            .map(check_rate_limit)
            .transpose()?,
        headers: patch.headers.map(check_headers).transpose()?,
        enabled: patch.enabled,
    })
}

fn check_url(url: &str, config: &WebhooksConfig) -> Result<String, WebhookError> {
    ssrf::check_url(url.trim(), config)
        .map(String::from)
        .map_err(|error| WebhookError::invalid("url", error.to_string()))
}

fn check_description(description: &str) -> Result<String, WebhookError> {
    let description = description.trim();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(WebhookError::invalid(
            "description",
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    Ok(description.to_owned())
}

fn check_event_types(
    event_types: Vec<String>,
    catalog: &Catalog,
) -> Result<Vec<String>, WebhookError> {
    if event_types.len() > MAX_EVENT_TYPES {
        return Err(WebhookError::invalid(
            "event_types",
            format!("at most {MAX_EVENT_TYPES} types (leave it empty for every type)"),
        ));
    }
    let mut unique: Vec<String> = Vec::with_capacity(event_types.len());
    for event_type in event_types {
        if !catalog.is_known_type(&event_type) {
            let shown: String = event_type.chars().take(100).collect();
            return Err(WebhookError::invalid(
                "event_types",
                format!("unknown event type `{shown}`; see GET /v1/event-types"),
            ));
        }
        if !unique.contains(&event_type) {
            unique.push(event_type);
        }
    }
    Ok(unique)
}

fn check_rate_limit(rate_limit: Option<u32>) -> Result<Option<u32>, WebhookError> {
    match rate_limit {
        Some(rate) if !(1..=MAX_RATE_LIMIT_PER_SECOND).contains(&rate) => {
            Err(WebhookError::invalid(
                "rate_limit_per_second",
                format!("must be between 1 and {MAX_RATE_LIMIT_PER_SECOND}"),
            ))
        }
        other => Ok(other),
    }
}

/// Header names are HTTP tokens (RFC 9110) without `.` and `$` (they would become BSON field
/// paths), not reserved, unique ignoring case; values are visible ASCII or spaces, without
/// leading or trailing whitespace, at most [`MAX_HEADER_VALUE_BYTES`].
fn check_headers(
    headers: BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, WebhookError> {
    let invalid = |message: String| WebhookError::invalid("headers", message);
    if headers.len() > MAX_HEADERS {
        return Err(invalid(format!("at most {MAX_HEADERS} headers")));
    }
    let mut seen = Vec::with_capacity(headers.len());
    for (name, value) in &headers {
        let shown: String = name.chars().take(100).collect();
        let token = |byte: u8| byte.is_ascii_alphanumeric() || b"!#%&'*+-^_`|~".contains(&byte);
        if name.is_empty() || name.len() > MAX_HEADER_NAME_BYTES || !name.bytes().all(token) {
            return Err(invalid(format!(
                "`{shown}` is not a valid header name (letters, digits and !#%&'*+-^_`|~, 1 to {MAX_HEADER_NAME_BYTES} characters)"
            )));
        }
        let lower = name.to_ascii_lowercase();
        if RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(invalid(format!(
                "`{shown}` is set by Atelier and cannot be overridden"
            )));
        }
        if seen.contains(&lower) {
            return Err(invalid(format!("`{shown}` is given twice")));
        }
        seen.push(lower);
        if value.len() > MAX_HEADER_VALUE_BYTES {
            return Err(invalid(format!(
                "the value of `{shown}` is longer than {MAX_HEADER_VALUE_BYTES} bytes"
            )));
        }
        if !value.bytes().all(|byte| (0x20..=0x7e).contains(&byte))
            || value.trim() != value.as_str()
        {
            return Err(invalid(format!(
                "the value of `{shown}` must be visible ASCII characters or inner spaces"
            )));
        }
    }
    Ok(headers)
}

fn generate_secret(now: i64) -> EndpointSecret {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    EndpointSecret {
        secret: format!(
            "{SECRET_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ),
        created_at_ms: now,
        expires_at_ms: None,
    }
}

/// `created` / `updated` events: the endpoint's public settings, never secrets or headers
/// (header values are often credentials).
fn endpoint_event(
    event_type: &str,
    record: &EndpointRecord,
    changed: Option<serde_json::Value>,
) -> NewEvent {
    let mut data = serde_json::json!({
        "endpoint_id": record.id,
        "url": record.url,
        "event_types": record.event_types,
        "enabled": record.enabled,
    });
    if let Some(changed) = changed {
        data["changed"] = changed;
    }
    NewEvent::new(event_type, "webhook_endpoint", record.id.to_string(), data)
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub fn collection_specs() -> Vec<CollectionSpec> {
    vec![CollectionSpec {
        name: COLLECTION,
        indexes: vec![
            IndexModel::builder()
                .keys(doc! { "tenant": 1, "created_at_ms": 1 })
                .options(
                    IndexOptions::builder()
                        .name("tenant_created".to_owned())
                        .build(),
                )
                .build(),
        ],
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalog the validation tests subscribe from: the webhook types themselves.
    fn test_catalog() -> Catalog {
        Catalog::new(crate::events::types()).unwrap()
    }

    fn headers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn new_endpoint() -> NewEndpoint {
        NewEndpoint {
            url: "https://example.com/hooks".to_owned(),
            description: " Orders ".to_owned(),
            event_types: vec![
                "webhook.endpoint.created".to_owned(),
                "webhook.endpoint.created".to_owned(),
            ],
            rate_limit_per_second: Some(10),
            headers: headers(&[("X-Api-Key", "abc def")]),
            enabled: true,
        }
    }

    #[test]
    fn valid_input_is_normalised() {
        let valid =
            validate_new(new_endpoint(), &WebhooksConfig::default(), &test_catalog()).unwrap();
        assert_eq!(valid.description, "Orders");
        assert_eq!(valid.event_types, vec!["webhook.endpoint.created"]);
    }

    /// `(change, field named)`.
    #[test]
    fn invalid_input_names_the_field() {
        let long_value = "v".repeat(MAX_HEADER_VALUE_BYTES + 1);
        let too_many: Vec<(String, String)> = (0..=MAX_HEADERS)
            .map(|i| (format!("X-{i}"), "v".to_owned()))
            .collect();
        type Change = Box<dyn Fn(&mut NewEndpoint)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|e| e.url = "ftp://example.com".into()), "url"),
            (Box::new(|e| e.url = "http://example.com".into()), "url"),
            (Box::new(|e| e.description = "d".repeat(501)), "description"),
            (
                Box::new(|e| e.event_types = vec!["nope.x".into()]),
                "event_types",
            ),
            (
                Box::new(|e| e.rate_limit_per_second = Some(0)),
                "rate_limit_per_second",
            ),
            (
                Box::new(|e| e.rate_limit_per_second = Some(10_001)),
                "rate_limit_per_second",
            ),
            (
                Box::new(|e| e.headers = headers(&[("Webhook-Signature", "x")])),
                "headers",
            ),
            (
                Box::new(|e| e.headers = headers(&[("Host", "x")])),
                "headers",
            ),
            (
                Box::new(|e| e.headers = headers(&[("X Bad", "x")])),
                "headers",
            ),
            (
                Box::new(|e| e.headers = headers(&[("x.dotted", "x")])),
                "headers",
            ),
            (Box::new(|e| e.headers = headers(&[("", "x")])), "headers"),
            (
                Box::new(|e| e.headers = headers(&[("X-A", "a\nb")])),
                "headers",
            ),
            (
                Box::new(|e| e.headers = headers(&[("X-A", " padded")])),
                "headers",
            ),
            (
                Box::new(|e| e.headers = headers(&[("X-A", "1"), ("x-a", "2")])),
                "headers",
            ),
            (
                Box::new(move |e| e.headers = headers(&[("X-Long", long_value.as_str())])),
                "headers",
            ),
            (
                Box::new(move |e| e.headers = too_many.iter().cloned().collect()),
                "headers",
            ),
        ];
        for (index, (change, field)) in cases.into_iter().enumerate() {
            let mut endpoint = new_endpoint();
            change(&mut endpoint);
            match validate_new(endpoint, &WebhooksConfig::default(), &test_catalog()) {
                Err(WebhookError::Invalid { field: named, .. }) => {
                    assert_eq!(named, field, "case {index}")
                }
                other => panic!("case {index}: expected `{field}` refused, got {other:?}"),
            }
        }
    }

    #[test]
    fn secrets_are_standard_webhooks_secrets() {
        let secret = generate_secret(1).secret;
        let body = secret.strip_prefix(SECRET_PREFIX).unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        assert_eq!(bytes.len(), 32);
        assert_ne!(generate_secret(1).secret, secret);
    }
}
