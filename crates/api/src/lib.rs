//! The HTTP edge of Atelier: routes, the OpenAPI v1 contract, errors and request plumbing.
//!
//! Only this crate knows poem and the JSON shapes clients see. Layout:
//! - [`problem`]: RFC 9457 problem details and the error responses every operation lists;
//! - [`middleware`]: request ids, metrics, problem conversion, body limits;
//! - [`rate_limit`]: per API key / user / client IP limits (GCRA) and their headers;
//! - [`idempotency`]: `Idempotency-Key` replay of `POST` responses;
//! - [`system`]: `/healthz`, `/readyz`, `/metrics`;
//! - [`admin`]: the operator API (consumers, dead-letter queues).
//! - [`contract`]: the finishing pass over the generated OpenAPI document (plain media types,
//!   declared headers, `default` problems, `security: []`, servers);
//! - [`serve`]: the HTTP server loop (per-IP connection limits, header read timeout,
//!   graceful shutdown).
//! - [`edge`]: the shared edge pieces: one `ApiResult`, id parsing, the mapping of each
//!   domain error type to problems, the generic page type. Area modules import helpers from
//!   here, never from a sibling area.
//! - [`identity`]: the caller, workspaces, members, users, API keys, tokens, the audit log and
//!   usage (with the middleware that record them).
//! - [`events`]: the event catalog and the tenant's replayable event log.
//! - [`webhooks`]: webhook endpoints, their signing secrets, delivery attempts and recovery.
//! - [`realtime`]: the `/v1/realtime` WebSocket adapter of the realtime gateway.
//! - [`chat`]: channels and members; messages, reactions, threads, the change feed and
//!   search; read state, the badge and scheduled messages.
//! - [`feeds`]: feed groups, activities, reading a feed, follows.
//!
//! [`endpoint`] assembles everything; [`spec_json`] renders the contract committed at
//! `openapi/v1.json`.

pub mod admin;
pub mod auth;
pub mod canvas;
pub mod chat;
pub mod contract;
pub mod edge;
pub mod events;
pub mod feeds;
pub mod idempotency;
pub mod identity;
pub mod middleware;
pub mod principals;
pub mod problem;
pub mod rate_limit;
pub mod realtime;
pub mod serve;
pub mod system;
pub mod webhooks;

use std::sync::Arc;

use atelier_bus::{Bus, ConsumerHealth, ConsumerSpec};
use atelier_observability::Metrics;
use poem::{EndpointExt, IntoEndpoint, Route, endpoint::BoxEndpoint};
use poem_openapi::{OpenApiService, Tags};

pub use problem::{ErrorResponse, Problem};
pub use system::{Check, ReadinessProbe};

/// The version string of the HTTP contract.
pub const API_VERSION: &str = "1.0.0";

/// Operation groups in the spec.
#[derive(Debug, Tags)]
pub enum ApiTags {
    /// Liveness, readiness and metrics.
    System,
    /// Operator endpoints (operator token).
    Admin,
    /// The caller, workspaces, members, users and API keys.
    Tenancy,
    /// User access and refresh tokens, and the JWKS to verify them.
    Tokens,
    /// The tenant's hash-chained audit log of changes and refused access.
    Audit,
    /// The tenant's metered usage, per hour.
    Usage,
    /// The event catalog (types and `data` schemas) and the tenant's replayable event log.
    Events,
    /// Webhook endpoints (where events are delivered) and their signing secrets.
    Webhooks,
    /// Chat: channels, members, messages, reactions, threads, read state, the change feed,
    /// scheduled messages and search.
    Chat,
    /// Canvas: collaborative Yjs documents, their sharing, content, versions and restore (the
    /// sync socket is `/v1/canvas/sync/{document_id}`, see the AsyncAPI document).
    Canvas,
    /// Activity feeds: feed groups, activities (by id or foreign id), reading a feed by
    /// position, follows with backfill, followers and following.
    Feeds,
}

/// Settings of the HTTP edge.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Operator token for `/v1/admin`; `None` disables the admin API.
    pub admin_token: Option<String>,
    /// Whether this node serves the versioned API (`api` role). Operational endpoints are
    /// always served.
    pub serve_api: bool,
    /// Rate limits per API key, user and (anonymous) client IP.
    pub rate_limits: rate_limit::RateLimitConfig,
    /// Take the client IP from the rightmost `X-Forwarded-For` entry (behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Deadline of every request (503 `request_timeout` past it).
    pub request_timeout: std::time::Duration,
    /// How long a request body may take to arrive (408 `body_read_timeout` past it).
    pub body_read_timeout: std::time::Duration,
}

/// What handlers can reach. Cheap to clone.
#[derive(Clone)]
pub struct ApiState {
    pub config: Arc<ApiConfig>,
    pub metrics: Metrics,
    pub readiness: Arc<dyn ReadinessProbe>,
    pub bus: Bus,
    pub consumers: Arc<Vec<ConsumerSpec>>,
    pub consumer_health: ConsumerHealth,
    pub identity: atelier_identity::Identity,
    /// Usage increments, batched in memory and flushed by a server worker.
    pub usage_recorder: atelier_identity::usage::UsageRecorder,
    /// The realtime gateway behind `/v1/realtime`.
    pub realtime: realtime::RealtimeState,
    /// The deployment's event types (the platform's and every module's), for the contract.
    pub catalog: atelier_outbox::catalog::Catalog,
    /// The services every module handed over (`atelier_chat::Chat`,
    /// `atelier_webhooks::Endpoints`...), read by type through [`ApiState::service`].
    pub services: atelier_platform::Services,
}

impl ApiState {
    /// The module service of type `T`. Every area's service is registered by its module at
    /// start; a missing one is a wiring defect, logged and answered as an opaque 500.
    pub fn service<T: std::any::Any + Send + Sync>(&self) -> Result<&T, ErrorResponse> {
        self.services.get::<T>().ok_or_else(|| {
            tracing::error!(
                service = std::any::type_name::<T>(),
                registered = ?self.services.names(),
                "no module registered the service this route needs"
            );
            ErrorResponse::Internal(poem_openapi::payload::Json(Problem::internal()))
        })
    }
}

type Apis = (
    system::SystemApi,
    admin::AdminApi,
    identity::tenancy::TenancyApi,
    identity::tokens::TokensApi,
    identity::audit::AuditApi,
    identity::usage::UsageApi,
    events::EventsApi,
    webhooks::endpoints::WebhooksApi,
    webhooks::attempts::WebhookAttemptsApi,
    chat::channels::ChatApi,
    chat::messages::ChatMessagesApi,
    chat::reads::ChatReadsApi,
    canvas::documents::CanvasApi,
    feeds::FeedsApi,
);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            system::SystemApi,
            admin::AdminApi,
            identity::tenancy::TenancyApi,
            identity::tokens::TokensApi,
            identity::audit::AuditApi,
            identity::usage::UsageApi,
            events::EventsApi,
            webhooks::endpoints::WebhooksApi,
            webhooks::attempts::WebhookAttemptsApi,
            chat::channels::ChatApi,
            chat::messages::ChatMessagesApi,
            chat::reads::ChatReadsApi,
            canvas::documents::CanvasApi,
            feeds::FeedsApi,
        ),
        "Atelier API",
        API_VERSION,
    )
    .description(
        "Chat, activity feeds, collaborative canvas documents and webhooks for product teams.\n\n\
         Every error is an RFC 9457 `application/problem+json` document with a stable `code` \
         and the `request_id` also returned in the `X-Request-Id` header.\n\n\
         **Rate limits.** Requests are limited per API key, per user and, without credentials, \
         per client IP. Every limited response carries `RateLimit-Policy: \"<policy>\";q=<burst>;w=<seconds>` \
         and `RateLimit: \"<policy>\";r=<remaining>;t=<seconds until the full quota is back>` \
         (draft-ietf-httpapi-ratelimit-headers-09); a refused request answers 429 `rate_limited` \
         with `Retry-After`.\n\n\
         **Idempotency.** Every creating `POST` accepts an `Idempotency-Key` header (1 to 255 \
         printable ASCII characters, e.g. a UUID). A retry with the same key and the same request \
         within the retention period (24 hours by default) returns the first response again (status and body) with \
         `Idempotency-Replayed: true` instead of acting twice; the same key with a different \
         request answers 422 `idempotency_key_reused`, and while the first request is still \
         running 409 `idempotency_request_in_flight`. Keys are scoped to the calling API key or \
         user. Responses with a 5xx status are not kept, so such a retry runs again.",
    )
}

/// The OpenAPI document of a deployment whose event types are `catalog`, as committed at
/// `openapi/v1.json` (see `atelier_server::spec_json`) and served at `/v1/openapi.json`:
/// poem-openapi's document with the [`contract`] pass applied.
pub fn spec_json(catalog: &atelier_outbox::catalog::Catalog) -> String {
    finish_spec(&service().spec(), catalog)
}

/// poem-openapi's document `generated`, finished by the [`contract`] pass.
fn finish_spec(generated: &str, catalog: &atelier_outbox::catalog::Catalog) -> String {
    let mut spec: serde_json::Value =
        serde_json::from_str(generated).expect("poem-openapi writes valid JSON");
    contract::finish(&mut spec, catalog.entries());
    let mut text = serde_json::to_string_pretty(&spec).expect("a JSON value serializes");
    text.push('\n');
    text
}

/// `GET /v1/openapi.json`: the finished document.
fn spec_endpoint(spec: String) -> impl poem::Endpoint + 'static {
    poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json")
            .body(spec.clone())
    })
}

/// `GET /docs`: Swagger UI over the finished document (poem-openapi's page embeds its own
/// document `generated`, which is swapped for ours).
fn docs_endpoint(
    service: &OpenApiService<Apis, ()>,
    generated: &str,
    spec: &str,
) -> impl poem::Endpoint + 'static {
    let html = service
        .swagger_ui_html()
        .replace(generated, spec.trim_end());
    poem::endpoint::make_sync(move |_| poem::web::Html(html.clone()))
}

/// The whole HTTP application.
pub fn endpoint(state: ApiState) -> BoxEndpoint<'static> {
    let service = service();
    let mut route = Route::new();
    if state.config.serve_api {
        // Built once, at start, and only where the API is served.
        let generated = service.spec();
        let spec = finish_spec(&generated, &state.catalog);
        route = route
            .at("/v1/realtime", poem::get(realtime::connect))
            .at(
                "/v1/canvas/sync/:document_id",
                poem::get(canvas::sync::connect),
            )
            .at("/docs", docs_endpoint(&service, &generated, &spec))
            .at("/v1/openapi.json", spec_endpoint(spec))
            .nest("/", service);
    } else {
        // Worker-only nodes: operational endpoints only.
        route = route.nest(
            "/",
            OpenApiService::new(system::SystemApi, "Atelier operations", API_VERSION),
        );
    }
    let rate_limiter = Arc::new(rate_limit::RateLimiter::new(&state.config.rate_limits));
    route
        // Inside idempotency: a replayed response did not act again, so it is not audited.
        .around(identity::audit::record_audit)
        .around(idempotency::idempotency)
        // Each `around` layer's type names the layer inside it twice (endpoint and function), so
        // the type doubles per layer; boxing every few layers keeps it within the compiler's
        // query depth limit. One virtual call per box.
        .boxed()
        // Inside the rate limiter: refused floods cost no metering write.
        .around(identity::usage::record_usage)
        .around(rate_limit::rate_limit)
        .around(auth::authenticate)
        .boxed()
        .around(middleware::limit_body)
        .around(middleware::deadline)
        .around(middleware::problems)
        .around(middleware::record_metrics)
        .around(middleware::request_id)
        .data(state)
        .data(rate_limiter)
        .into_endpoint()
        .map_to_response()
        .boxed()
}
