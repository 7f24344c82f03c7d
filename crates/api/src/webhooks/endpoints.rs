//! Webhook endpoints over HTTP (API key): create, list, read, change and delete a tenant's
//! endpoints, and read or rotate their signing secrets.
//!
//! Writes and secrets need `TenantAdmin` (a full-scope key); reads need `TenantRead`. Endpoint
//! views never carry secrets: the secret is in the creation response and at
//! `GET .../secret`. Custom header values are secrets too (they are often the receiver's
//! credentials): views name the headers, and their values are at `GET .../headers`, for the
//! principals that may read the secret. Another tenant's endpoint id answers 404
//! `endpoint_not_found`.

use crate::edge::json::JsonBody;
use crate::edge::page::{self, Page};
use crate::edge::time::Timestamp;
use atelier_webhooks::{Endpoints, WebhooksConfig};
use std::collections::BTreeMap;

use atelier_webhooks::{
    EndpointId, EndpointPatch, EndpointRecord, NewEndpoint, WebhookError, model::EndpointSecret,
};
use chrono::{TimeZone, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::MaybeUndefined,
};

use crate::{
    ApiState, ApiTags,
    auth::ApiKeyAuth,
    edge::{ApiResult, parse_id, webhook_error},
    problem::ErrorResponse,
};

/// The webhook endpoints API.
#[derive(Debug, Default)]
pub struct WebhooksApi;

/// A webhook endpoint (without its secrets: the signing secret and the custom header values).
#[derive(Debug, Object)]
pub struct WebhookEndpoint {
    /// `wep_...`.
    pub id: String,
    /// Where deliveries are `POST`ed.
    pub url: String,
    pub description: String,
    /// Event types delivered (see `GET /v1/event-types`); empty means every type.
    pub event_types: Vec<String>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why Atelier disabled the endpoint: `gone` (it answered 410) or `failing`.
    #[oai(skip_serializing_if_is_none)]
    pub disabled_reason: Option<String>,
    /// Deliveries per second at most; absent means unthrottled.
    #[oai(skip_serializing_if_is_none)]
    pub rate_limit_per_second: Option<u32>,
    /// Names of the extra headers sent with every delivery, sorted; their values are at
    /// `GET .../headers` (full-scope keys only).
    pub header_names: Vec<String>,
    /// Start of the current run of failed deliveries, if any.
    #[oai(skip_serializing_if_is_none)]
    pub failing_since: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Object)]
pub struct CreateWebhookEndpoint {
    /// `https://` URL (at most 2048 characters, no user name or password). Addresses are
    /// checked when delivering: private, loopback and link-local ones are refused.
    #[oai(validator(max_length = 2048))]
    pub url: String,
    /// Up to 500 characters.
    #[oai(validator(max_length = 500))]
    pub description: Option<String>,
    /// Event types to deliver (see `GET /v1/event-types`); absent or empty: every type.
    pub event_types: Option<Vec<String>>,
    /// 1 to 10000 deliveries per second; absent: unthrottled.
    pub rate_limit_per_second: Option<u32>,
    /// Up to 20 extra headers (values up to 1024 visible ASCII characters). `webhook-*`,
    /// `content-type`, `content-length`, `host`, `user-agent` and hop-by-hop headers are
    /// reserved.
    pub headers: Option<BTreeMap<String, String>>,
    /// Default `true`.
    pub enabled: Option<bool>,
}

/// Changes; absent fields stay as they are.
#[derive(Debug, Object)]
pub struct UpdateWebhookEndpoint {
    #[oai(validator(max_length = 2048))]
    pub url: Option<String>,
    #[oai(validator(max_length = 500))]
    pub description: Option<String>,
    /// Empty: every type.
    pub event_types: Option<Vec<String>>,
    /// `null` removes the limit.
    pub rate_limit_per_second: MaybeUndefined<u32>,
    /// Replaces every extra header.
    pub headers: Option<BTreeMap<String, String>>,
    /// `true` re-enables an endpoint Atelier disabled.
    pub enabled: Option<bool>,
}

/// A new endpoint. `secret` is also readable later at `GET .../secret`.
#[derive(Debug, Object)]
pub struct CreatedWebhookEndpoint {
    /// The signing secret (`whsec_...`, Standard Webhooks).
    pub secret: String,
    pub endpoint: WebhookEndpoint,
}

/// An endpoint's signing secrets.
#[derive(Debug, Object)]
pub struct WebhookSecret {
    /// The current secret (`whsec_...`); every delivery is signed with it.
    pub secret: String,
    pub created_at: Timestamp,
    /// Secrets replaced by a rotation that still sign deliveries until `expires_at`, newest
    /// first; receivers accept any of them meanwhile.
    pub previous: Vec<PreviousWebhookSecret>,
}

#[derive(Debug, Object)]
pub struct PreviousWebhookSecret {
    pub secret: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// An endpoint's extra delivery headers, values included.
#[derive(Debug, Object)]
pub struct WebhookHeaders {
    pub headers: BTreeMap<String, String>,
}

#[derive(Debug, ApiResponse)]
pub enum HeadersResponse {
    #[oai(status = 200)]
    Ok(Json<WebhookHeaders>),
}

#[derive(Debug, ApiResponse)]
pub enum EndpointResponse {
    #[oai(status = 200)]
    Ok(Json<WebhookEndpoint>),
}

#[derive(Debug, ApiResponse)]
pub enum EndpointCreated {
    #[oai(status = 201)]
    Created(Json<CreatedWebhookEndpoint>),
}

#[derive(Debug, ApiResponse)]
pub enum EndpointListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<WebhookEndpoint>>),
}

#[derive(Debug, ApiResponse)]
pub enum EndpointDeletedResponse {
    /// Deleted.
    #[oai(status = 204)]
    NoContent,
}

#[derive(Debug, ApiResponse)]
pub enum SecretResponse {
    #[oai(status = 200)]
    Ok(Json<WebhookSecret>),
}

#[OpenApi(prefix_path = "/v1/webhooks", tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// Creates an endpoint with its first signing secret (in this response).
    #[oai(
        path = "/endpoints",
        method = "post",
        operation_id = "webhooks.endpoints.create"
    )]
    async fn create(
        &self,
        ApiKeyAuth(principal): ApiKeyAuth,
        state: Data<&ApiState>,
        body: JsonBody<CreateWebhookEndpoint>,
    ) -> ApiResult<EndpointCreated> {
        let body = body.0;
        let record = state
            .service::<Endpoints>()?
            .create(
                &principal,
                NewEndpoint {
                    url: body.url,
                    description: body.description.unwrap_or_default(),
                    event_types: body.event_types.unwrap_or_default(),
                    rate_limit_per_second: body.rate_limit_per_second,
                    headers: body.headers.unwrap_or_default(),
                    enabled: body.enabled.unwrap_or(true),
                },
            )
            .await
            .map_err(webhook_error)?;
        let secret = record
            .secrets
            .first()
            .map(|secret| secret.secret.clone())
            .unwrap_or_default();
        Ok(EndpointCreated::Created(Json(CreatedWebhookEndpoint {
            secret,
            endpoint: endpoint_view(record),
        })))
    }

    /// Lists the tenant's endpoints, oldest first (without secrets).
    #[oai(
        path = "/endpoints",
        method = "get",
        operation_id = "webhooks.endpoints.list"
    )]
    async fn list(
        &self,
        ApiKeyAuth(principal): ApiKeyAuth,
        state: Data<&ApiState>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<EndpointListResponse> {
        const KIND: &str = "webhook_endpoints";
        let request = page::request(KIND, cursor.0.as_deref(), limit.0)?;
        let records = state
            .service::<Endpoints>()?
            .list(&principal, &request)
            .await
            .map_err(webhook_error)?;
        Ok(EndpointListResponse::Ok(Json(Page::by_id(
            KIND,
            records,
            |endpoint| endpoint.id.to_string(),
            endpoint_view,
        ))))
    }

    /// One endpoint (without secrets).
    #[oai(
        path = "/endpoints/:endpoint_id",
        method = "get",
        operation_id = "webhooks.endpoints.get"
    )]
    async fn get(
        &self,
        ApiKeyAuth(principal): ApiKeyAuth,
        state: Data<&ApiState>,
        endpoint_id: Path<String>,
    ) -> ApiResult<EndpointResponse> {
        let id = parse_id::<EndpointId>("endpoint_id", &endpoint_id)?;
        let record = state
            .service::<Endpoints>()?
            .get(&principal, id)
            .await
            .map_err(webhook_error)?;
        Ok(EndpointResponse::Ok(Json(endpoint_view(record))))
    }

    /// Changes an endpoint; absent fields stay as they are.
    #[oai(
        path = "/endpoints/:endpoint_id",
        method = "patch",
        operation_id = "webhooks.endpoints.update"
    )]
    async fn update(
        &self,
        ApiKeyAuth(principal): ApiKeyAuth,
        state: Data<&ApiState>,
        endpoint_id: Path<String>,
        body: JsonBody<UpdateWebhookEndpoint>,
    ) -> ApiResult<EndpointResponse> {
        let id = parse_id::<EndpointId>("endpoint_id", &endpoint_id)?;
        let body = body.0;
        let rate_limit_per_second = match body.rate_limit_per_second {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(rate) => Some(Some(rate)),
        };
        let record = state
            .service::<Endpoints>()?
            .update(
                &principal,
                id,
                EndpointPatch {
                    url: body.url,
                    description: body.description,
                    event_types: body.event_types,
                    rate_limit_per_second,
                    headers: body.headers,
                    enabled: body.enabled,
                },
            )
            .await
            .map_err(webhook_error)?;
        Ok(EndpointResponse::Ok(Json(endpoint_view(record))))
    }

    /// Deletes an endpoint; deliveries to it stop.
    #[oai(
        path = "/endpoints/:endpoint_id",
        method = "delete",
        operation_id = "webhooks.endpoints.delete"
    )]
    async fn delete(
        &self,
        ApiKeyAuth(principal): ApiKeyAuth,
        state: Data<&ApiState>,
        endpoint_id: Path<String>,
    ) -> ApiResult<EndpointDeletedResponse> {
        let id = parse_id::<EndpointId>("endpoint_id", &endpoint_id)?;
        state
            .service::<Endpoints>()?
            .delete(&principal, id)
            .await
            .map_err(webhook_error)?;
        Ok(EndpointDeletedResponse::NoContent)
    }

    /// The endpoint's signing secrets: the current one and, after a rotation, the previous
    /// ones until they expire.
    #[oai(
        path = "/endpoints/:endpoint_id/secret",
        method = "get",
        operation_id = "webhooks.endpoints.secret.get"
    )]
    async fn secret(
        &self,
        ApiKeyAuth(principal): ApiKeyAuth,
        state: Data<&ApiState>,
        endpoint_id: Path<String>,
    ) -> ApiResult<SecretResponse> {
        let id = parse_id::<EndpointId>("endpoint_id", &endpoint_id)?;
        let record = state
            .service::<Endpoints>()?
            .get_secrets(&principal, id)
            .await
            .map_err(webhook_error)?;
        Ok(SecretResponse::Ok(Json(secret_view(&record)?)))
    }

    /// The extra headers sent with every delivery, values included. Like the signing secret,
    /// they are for full-scope keys only.
    #[oai(
        path = "/endpoints/:endpoint_id/headers",
        method = "get",
        operation_id = "webhooks.endpoints.headers.get"
    )]
    async fn headers(
        &self,
        ApiKeyAuth(principal): ApiKeyAuth,
        state: Data<&ApiState>,
        endpoint_id: Path<String>,
    ) -> ApiResult<HeadersResponse> {
        let id = parse_id::<EndpointId>("endpoint_id", &endpoint_id)?;
        let record = state
            .service::<Endpoints>()?
            .get_secrets(&principal, id)
            .await
            .map_err(webhook_error)?;
        Ok(HeadersResponse::Ok(Json(WebhookHeaders {
            headers: record.headers,
        })))
    }

    /// Rotates the signing secret: a new one signs from now on, and the previous one keeps
    /// signing for the deployment's overlap (24 hours by default) so receivers can switch.
    #[oai(
        path = "/endpoints/:endpoint_id/secret/rotate",
        method = "post",
        operation_id = "webhooks.endpoints.secret.rotate"
    )]
    async fn rotate_secret(
        &self,
        ApiKeyAuth(principal): ApiKeyAuth,
        state: Data<&ApiState>,
        endpoint_id: Path<String>,
    ) -> ApiResult<SecretResponse> {
        let id = parse_id::<EndpointId>("endpoint_id", &endpoint_id)?;
        let record = state
            .service::<Endpoints>()?
            .rotate_secret(
                &principal,
                id,
                state.service::<WebhooksConfig>()?.secret_rotation_overlap,
            )
            .await
            .map_err(webhook_error)?;
        Ok(SecretResponse::Ok(Json(secret_view(&record)?)))
    }
}

fn time(millis: i64) -> Timestamp {
    Utc.timestamp_millis_opt(millis)
        .single()
        .unwrap_or_default()
        .into()
}

fn endpoint_view(record: EndpointRecord) -> WebhookEndpoint {
    WebhookEndpoint {
        id: record.id.to_string(),
        url: record.url,
        description: record.description,
        event_types: record.event_types,
        enabled: record.enabled,
        disabled_reason: record.disabled_reason,
        rate_limit_per_second: record.rate_limit_per_second,
        header_names: record.headers.into_keys().collect(),
        failing_since: record.failing_since_ms.map(time),
        created_at: time(record.created_at_ms),
        updated_at: time(record.updated_at_ms),
    }
}

/// The current secret and the previous ones still signing now.
fn secret_view(record: &EndpointRecord) -> Result<WebhookSecret, ErrorResponse> {
    let now = Utc::now().timestamp_millis();
    let mut secrets = record.signing_secrets(now);
    let Some(current) = secrets.next() else {
        return Err(ErrorResponse::internal(
            "webhook endpoint secrets",
            &WebhookError::invalid("secrets", format!("{} has no signing secret", record.id)),
        ));
    };
    let previous = secrets
        .filter_map(|secret: &EndpointSecret| {
            Some(PreviousWebhookSecret {
                secret: secret.secret.clone(),
                created_at: time(secret.created_at_ms),
                expires_at: time(secret.expires_at_ms?),
            })
        })
        .collect();
    Ok(WebhookSecret {
        secret: current.secret.clone(),
        created_at: time(current.created_at_ms),
        previous,
    })
}
