//! Operational endpoints: liveness, readiness and metrics. Unversioned, unauthenticated, and
//! served on every node whatever its roles, so orchestrators and Prometheus can always reach
//! them.

use poem::web::Data;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, payload::Json, payload::PlainText};

use crate::{ApiState, ApiTags};

/// The system API.
#[derive(Debug, Default)]
pub struct SystemApi;

/// Liveness: the process answers.
#[derive(Debug, Object)]
pub struct Health {
    pub status: HealthStatus,
}

/// Always `ok` (a process that cannot answer does not answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
}

/// Whether the node is ready for traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ReadinessStatus {
    Ready,
    NotReady,
}

/// Outcome of one readiness check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum CheckStatus {
    Ok,
    Failing,
}

/// One readiness check and why it fails.
#[derive(Debug, Clone, Object)]
pub struct Check {
    /// `mongodb`, `rabbitmq`, `consumers` or `outbox_relay`.
    pub name: String,
    pub status: CheckStatus,
    #[oai(skip_serializing_if_is_none)]
    pub detail: Option<String>,
}

impl Check {
    pub fn ok(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            status: CheckStatus::Ok,
            detail: None,
        }
    }

    pub fn failing(name: &str, detail: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            status: CheckStatus::Failing,
            detail: Some(detail.into()),
        }
    }
}

/// Readiness: every dependency and worker of this node.
#[derive(Debug, Object)]
pub struct Readiness {
    pub status: ReadinessStatus,
    pub checks: Vec<Check>,
}

#[derive(Debug, ApiResponse)]
pub enum ReadinessResponse {
    /// Every check passes.
    #[oai(status = 200)]
    Ready(Json<Readiness>),
    /// At least one check fails; `checks` says which.
    #[oai(status = 503)]
    NotReady(Json<Readiness>),
}

/// Runs this node's readiness checks. Implemented by the server, which knows the node's roles.
#[async_trait::async_trait]
pub trait ReadinessProbe: Send + Sync + 'static {
    async fn check(&self) -> Vec<Check>;
}

#[OpenApi(tag = "ApiTags::System")]
impl SystemApi {
    /// Liveness probe: answers 200 while the process runs.
    #[oai(path = "/healthz", method = "get", operation_id = "system.health")]
    async fn health(&self) -> Json<Health> {
        Json(Health {
            status: HealthStatus::Ok,
        })
    }

    /// Readiness probe: MongoDB reachable, RabbitMQ connected, every consumer alive, outbox
    /// relay not stalled (the last two on nodes running those roles).
    #[oai(path = "/readyz", method = "get", operation_id = "system.readiness")]
    async fn readiness(&self, state: Data<&ApiState>) -> ReadinessResponse {
        let checks = state.readiness.check().await;
        let ready = checks.iter().all(|check| check.status == CheckStatus::Ok);
        let body = Readiness {
            status: if ready {
                ReadinessStatus::Ready
            } else {
                ReadinessStatus::NotReady
            },
            checks,
        };
        if ready {
            ReadinessResponse::Ready(Json(body))
        } else {
            ReadinessResponse::NotReady(Json(body))
        }
    }

    /// Prometheus metrics in the text exposition format.
    #[oai(path = "/metrics", method = "get", operation_id = "system.metrics")]
    async fn metrics(&self, state: Data<&ApiState>) -> PlainText<String> {
        PlainText(state.metrics.render())
    }
}
