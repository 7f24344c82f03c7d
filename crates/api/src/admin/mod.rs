//! Operator API: consumers and their dead-letter queues.
//!
//! Authenticated with the operator token from configuration (`ATELIER_ADMIN_TOKEN`), not with
//! tenant credentials: these endpoints act on the whole deployment. Without a configured token
//! the admin API refuses every call.

use crate::edge::json::JsonBody;
use atelier_bus::BusError;
use poem::{Request, web::Data};
use poem_openapi::{
    ApiResponse, Object, OpenApi, SecurityScheme,
    auth::Bearer,
    param::{Path, Query},
    payload::Json,
};
use subtle::ConstantTimeEq;

use crate::{
    ApiState, ApiTags,
    problem::{ErrorResponse, Problem, ProblemError},
};

/// The admin API.
#[derive(Debug, Default)]
pub struct AdminApi;

/// Operator bearer token (`ATELIER_ADMIN_TOKEN`).
#[derive(Debug, SecurityScheme)]
#[oai(ty = "bearer", checker = "check_admin_token")]
pub struct AdminToken(());

async fn check_admin_token(request: &Request, bearer: Bearer) -> poem::Result<()> {
    let unauthorized = |code: &str, detail: &str| {
        ProblemError(
            Problem::new(poem::http::StatusCode::UNAUTHORIZED, code, detail),
            None,
        )
    };
    let configured = request
        .data::<ApiState>()
        .and_then(|state| state.config.admin_token.clone());
    let Some(expected) = configured else {
        return Err(ProblemError(
            Problem::new(
                poem::http::StatusCode::FORBIDDEN,
                "admin_api_disabled",
                "The admin API is disabled: set ATELIER_ADMIN_TOKEN on the server.",
            ),
            None,
        )
        .into());
    };
    if bool::from(bearer.token.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        // Never echo the presented token.
        Err(unauthorized("invalid_admin_token", "The operator token is not valid.").into())
    }
}

/// A consumer of this deployment and the state of its queues.
#[derive(Debug, Object)]
// Absent optional fields are omitted, never null: the contract says optional, not nullable.
#[oai(skip_serializing_if_is_none)]
pub struct Consumer {
    pub name: String,
    /// Routing-key patterns it is bound to.
    pub bindings: Vec<String>,
    /// Whether this node's instance currently holds a subscription (`null` on nodes not running consumers).
    pub alive: Option<bool>,
    /// Messages in its dead-letter queue.
    pub dead_letters: u32,
}

#[derive(Debug, Object)]
pub struct ConsumerList {
    pub items: Vec<Consumer>,
}

/// A message in a dead-letter queue.
#[derive(Debug, Object)]
// Absent optional fields are omitted, never null: the contract says optional, not nullable.
#[oai(skip_serializing_if_is_none)]
pub struct DeadLetter {
    pub message_id: Option<String>,
    pub routing_key: String,
    /// Attempts made before it was dead-lettered.
    pub attempt: u32,
    /// `exhausted`, `rejected` or `delivery_limit`.
    pub reason: String,
    pub last_error: Option<String>,
    pub dead_lettered_at: Option<String>,
    /// The message body as text.
    pub body: String,
}

#[derive(Debug, Object)]
pub struct DeadLetterList {
    pub items: Vec<DeadLetter>,
}

/// Which dead letters to move back to the work queue.
#[derive(Debug, Object)]
pub struct ReplayRequest {
    /// At most this many messages, oldest first.
    #[oai(validator(minimum(value = "1"), maximum(value = "10000")))]
    pub limit: u32,
}

#[derive(Debug, Object)]
pub struct ReplayResult {
    /// Messages moved back to the work queue.
    pub replayed: u32,
}

#[derive(Debug, ApiResponse)]
pub enum ConsumerListResponse {
    #[oai(status = 200)]
    Ok(Json<ConsumerList>),
}

#[derive(Debug, ApiResponse)]
pub enum DeadLetterListResponse {
    #[oai(status = 200)]
    Ok(Json<DeadLetterList>),
}

#[derive(Debug, ApiResponse)]
pub enum ReplayResponse {
    #[oai(status = 200)]
    Ok(Json<ReplayResult>),
}

#[OpenApi(prefix_path = "/v1/admin", tag = "ApiTags::Admin")]
impl AdminApi {
    /// Lists the consumers with their liveness on this node and dead-letter counts.
    #[oai(
        path = "/consumers",
        method = "get",
        operation_id = "admin.consumers.list"
    )]
    async fn list_consumers(
        &self,
        _token: AdminToken,
        state: Data<&ApiState>,
    ) -> Result<ConsumerListResponse, ErrorResponse> {
        let alive = state.consumer_health.snapshot();
        let mut items = Vec::with_capacity(state.consumers.len());
        for spec in state.consumers.iter() {
            let dead_letters = state.bus.dlq_depth(&spec.name).await.map_err(bus_error)?;
            items.push(Consumer {
                name: spec.name.clone(),
                bindings: spec.bindings.clone(),
                alive: alive
                    .iter()
                    .find(|(name, _)| name == &spec.name)
                    .map(|(_, up)| *up),
                dead_letters,
            });
        }
        Ok(ConsumerListResponse::Ok(Json(ConsumerList { items })))
    }

    /// Shows up to `limit` dead letters of a consumer without removing them.
    #[oai(
        path = "/consumers/:consumer/dead-letters",
        method = "get",
        operation_id = "admin.deadLetters.list"
    )]
    async fn list_dead_letters(
        &self,
        _token: AdminToken,
        state: Data<&ApiState>,
        /// Consumer name.
        consumer: Path<String>,
        /// How many to show (1 to 1000, default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
    ) -> Result<DeadLetterListResponse, ErrorResponse> {
        let name = known_consumer(&state, &consumer)?;
        let letters = state
            .bus
            .dlq_peek(name, limit.0.unwrap_or(50))
            .await
            .map_err(bus_error)?;
        let items = letters
            .into_iter()
            .map(|letter| DeadLetter {
                message_id: letter.message_id,
                routing_key: letter.routing_key,
                attempt: letter.attempt,
                reason: letter.reason,
                last_error: letter.last_error,
                dead_lettered_at: letter.dead_lettered_at,
                body: letter.body,
            })
            .collect();
        Ok(DeadLetterListResponse::Ok(Json(DeadLetterList { items })))
    }

    /// Moves up to `limit` dead letters back to the consumer's work queue, attempts reset.
    #[oai(
        path = "/consumers/:consumer/dead-letters/replay",
        method = "post",
        operation_id = "admin.deadLetters.replay"
    )]
    async fn replay_dead_letters(
        &self,
        _token: AdminToken,
        state: Data<&ApiState>,
        /// Consumer name.
        consumer: Path<String>,
        body: JsonBody<ReplayRequest>,
    ) -> Result<ReplayResponse, ErrorResponse> {
        let name = known_consumer(&state, &consumer)?;
        let replayed = state
            .bus
            .dlq_replay(name, body.limit)
            .await
            .map_err(bus_error)?;
        tracing::info!(consumer = name, replayed, "dead letters replayed");
        Ok(ReplayResponse::Ok(Json(ReplayResult { replayed })))
    }
}

fn known_consumer<'a>(state: &'a ApiState, name: &str) -> Result<&'a str, ErrorResponse> {
    state
        .consumers
        .iter()
        .find(|spec| spec.name == name)
        .map(|spec| spec.name.as_str())
        .ok_or_else(|| {
            ErrorResponse::not_found("consumer_not_found", format!("No consumer named `{name}`."))
        })
}

fn bus_error(error: BusError) -> ErrorResponse {
    match error {
        BusError::UnknownConsumer(name) => ErrorResponse::not_found(
            "consumer_not_found",
            format!("Consumer `{name}` has no queues yet."),
        ),
        other if other.is_unavailable() => {
            tracing::warn!(error = %other, "RabbitMQ unavailable");
            ErrorResponse::unavailable("RabbitMQ", 5)
        }
        other => ErrorResponse::internal("admin dead-letter operation", &other),
    }
}
