//! The HTTP edge of Atelier: routes, the OpenAPI v1 contract, errors and request plumbing.
//!
//! Only this crate knows poem and the JSON shapes clients see. Layout:
//! - [`problem`]: RFC 9457 problem details and the error responses every operation lists;
//! - [`middleware`]: request ids, metrics, problem conversion, body limits;
//! - [`system`]: `/healthz`, `/readyz`, `/metrics`;
//! - [`admin`]: the operator API (consumers, dead-letter queues).
//!
//! [`endpoint`] assembles everything; [`spec_json`] renders the contract committed at
//! `openapi/v1.json`.

pub mod admin;
pub mod middleware;
pub mod problem;
pub mod system;

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
}

type Apis = (system::SystemApi, admin::AdminApi);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (system::SystemApi, admin::AdminApi),
        "Atelier API",
        API_VERSION,
    )
    .summary("Chat, activity feeds, collaborative canvas documents and webhooks for product teams.")
    .description(
        "Every error is an RFC 9457 `application/problem+json` document with a stable `code` \
         and the `request_id` also returned in the `X-Request-Id` header.",
    )
}

/// The OpenAPI document, as committed at `openapi/v1.json`.
pub fn spec_json() -> String {
    let mut spec = service().spec();
    spec.push('\n');
    spec
}

/// The whole HTTP application.
pub fn endpoint(state: ApiState) -> BoxEndpoint<'static> {
    let service = service();
    let mut route = Route::new();
    if state.config.serve_api {
        route = route
            .at("/v1/openapi.json", service.spec_endpoint())
            .nest("/docs", service.swagger_ui())
            .nest("/", service);
    } else {
        // Worker-only nodes: operational endpoints only.
        route = route.nest(
            "/",
            OpenApiService::new(system::SystemApi, "Atelier operations", API_VERSION),
        );
    }
    route
        .around(middleware::limit_body)
        .around(middleware::problems)
        .around(middleware::record_metrics)
        .around(middleware::request_id)
        .data(state)
        .into_endpoint()
        .map_to_response()
        .boxed()
}
