//! Operator API: consumers and their dead-letter queues.
//!
//! Authenticated with the operator token from configuration (`ATELIER_ADMIN_TOKEN`), not with
//! tenant credentials: these endpoints act on the whole deployment. Without a configured token
//! the admin API refuses every call.

use crate::edge::json::JsonBody;
use crate::edge::{
    cursor,
    page::{self, Page},
};
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
    Ok(Json<Page<Consumer>>),
}

#[derive(Debug, ApiResponse)]
pub enum DeadLetterListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<DeadLetter>>),
}

#[derive(Debug, ApiResponse)]
pub enum ReplayResponse {
    #[oai(status = 200)]
    Ok(Json<ReplayResult>),
}

#[OpenApi(prefix_path = "/v1/admin", tag = "ApiTags::Admin")]
impl AdminApi {
    /// Lists the consumers with their liveness on this node and dead-letter counts, by name.
    #[oai(
        path = "/consumers",
        method = "get",
        operation_id = "admin.consumers.list"
    )]
    async fn list_consumers(
        &self,
        _token: AdminToken,
        state: Data<&ApiState>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<ConsumerListResponse, ErrorResponse> {
        const KIND: &str = "consumers";
        let request = page::request(KIND, cursor.0.as_deref(), limit.0)?;
        let alive = state.consumer_health.snapshot();
        let mut specs: Vec<_> = state.consumers.iter().collect();
        specs.sort_by(|a, b| a.name.cmp(&b.name));
        let (specs, has_more) = request.slice(specs, |spec| spec.name.as_str());
        let mut items = Vec::with_capacity(specs.len());
        for spec in specs {
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
        Ok(ConsumerListResponse::Ok(Json(Page::by_id(
            KIND,
            (items, has_more),
            |consumer| consumer.name.clone(),
            |consumer| consumer,
        ))))
    }

    /// Shows a consumer's dead letters without removing them, oldest first. A dead-letter
    /// queue is read from its head: a page further on reads (and puts back) the ones before
    /// it, so it stops at the 10,000th letter; replay or discard to see further.
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
        /// `next_cursor` of the previous page; omit to start at the head of the queue.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 1000 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
    ) -> Result<DeadLetterListResponse, ErrorResponse> {
        const KIND: &str = "dead_letters";
        const DEEPEST: usize = 10_000;
        let name = known_consumer(&state, &consumer)?;
        let skip = cursor::decode::<usize>(KIND, "cursor", cursor.0.as_deref())?
            .map(|skip| {
                (skip < DEEPEST)
                    .then_some(skip)
                    .ok_or_else(|| cursor::invalid("cursor"))
            })
            .transpose()?
            .unwrap_or(0);
        let limit = (limit.0.unwrap_or(50) as usize).min(DEEPEST - skip);
        let read = u32::try_from(skip + limit + 1).unwrap_or(u32::MAX);
        let letters = state.bus.dlq_peek(name, read).await.map_err(bus_error)?;
        let items: Vec<(usize, DeadLetter)> = letters
            .into_iter()
            .enumerate()
            .skip(skip)
            .map(|(index, letter)| {
                let view = DeadLetter {
                    message_id: letter.message_id,
                    routing_key: letter.routing_key,
                    attempt: letter.attempt,
                    reason: letter.reason,
                    last_error: letter.last_error,
                    dead_lettered_at: letter.dead_lettered_at,
                    body: letter.body,
                };
                (index + 1, view)
            })
            .collect();
        Ok(DeadLetterListResponse::Ok(Json(Page::of(
            items,
            limit,
            |(read_through, _)| cursor::encode(KIND, read_through),
            |(_, letter)| letter,
        ))))
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
