//! The tenant's audit log over HTTP, and the middleware that writes it.
//!
//! - `GET /v1/audit` (`audit.list`): records by opaque cursor, oldest first;
//! - `GET /v1/audit/verify` (`audit.verify`): recomputes the tenant's hash chain;
//! - [`record_audit`]: runs inside `auth::authenticate` and appends, for every request of a
//!   known tenant: mutating requests (POST/PUT/PATCH/DELETE) of a principal with their
//!   operationId, refused credentials (`auth.login_failed`) and 403 answers
//!   (`auth.permission_denied`). A mutating request's entry is written by its first unit of
//!   work that changes something, inside that transaction (outcome `committed`, see
//!   [`RequestRecords`]); requests that committed nothing are appended after the handler with
//!   their HTTP status. Which requests produce which entry then is [`audit_entry`], a plain
//!   function.
//!
//! Features add explicit events (token minted, key created) with `state.identity.audit.append`.

use crate::edge::time::Timestamp;
use std::sync::{Arc, OnceLock};

use atelier_core::TenantId;
use atelier_identity::{
    audit::{AuditRecord, COMMITTED_OUTCOME, NewAuditEntry, VerifyReport},
    scope::{IdempotencyClaim, RequestRecords},
};
use atelier_outbox::{RequestScope, with_scope};
use chrono::{TimeZone, Utc};
use poem::{
    Endpoint, IntoResponse, Request, Response,
    http::{Method, StatusCode},
    web::Data,
};
use poem_openapi::{ApiResponse, Object, OpenApi, OperationId, param::Query, payload::Json};

use crate::{
    ApiState, ApiTags,
    auth::{ApiKeyAuth, AuthOutcome},
    edge::{Page, cursor, identity_error},
    middleware::RequestId,
    problem::ErrorResponse,
};

/// The audit API.
#[derive(Debug, Default)]
pub struct AuditApi;

/// The actor of refused credentials (the credential names no principal).
pub use atelier_identity::audit::ANONYMOUS_ACTOR;
const DEFAULT_LIMIT: u32 = 100;
/// The audit list's cursor kind (its position: the last `seq` read).
const CURSOR_KIND: &str = "audit";

/// One record of the audit chain.
#[derive(Debug, Object)]
pub struct AuditEntry {
    /// Position in the tenant's chain: 1, 2, 3, ...
    pub seq: u64,
    pub at: Timestamp,
    /// `key:<id>`, `user:<id>`, `system` or `anonymous`.
    pub actor: String,
    /// An operationId (`workspaces.create`) or an event (`auth.login_failed`).
    pub action: String,
    /// What it concerned, usually the request path.
    pub target: String,
    /// `committed` (a write, recorded in its own transaction), the HTTP status (a request
    /// that changed nothing: a refusal, a retry), or `denied`.
    pub outcome: String,
    #[oai(skip_serializing_if_is_none)]
    pub request_id: Option<String>,
    /// Small JSON object with event details.
    pub details: serde_json::Value,
    /// `hash` of the previous record (64 zeros for seq 1).
    pub prev_hash: String,
    /// SHA-256 (hex) over `prev_hash` and the record's canonical encoding.
    pub hash: String,
}

/// The result of recomputing the chain.
#[derive(Debug, Object)]
pub struct AuditVerification {
    /// True when every record's hash and link check out.
    pub ok: bool,
    /// Records examined.
    pub checked: u64,
    /// The first seq that is missing, altered or mislinked.
    #[oai(skip_serializing_if_is_none)]
    pub first_broken_seq: Option<u64>,
    #[oai(skip_serializing_if_is_none)]
    pub reason: Option<String>,
    /// The newest record's hash when intact; keep a copy elsewhere to detect truncation.
    #[oai(skip_serializing_if_is_none)]
    pub head_hash: Option<String>,
}

#[derive(Debug, ApiResponse)]
pub enum AuditPageResponse {
    #[oai(status = 200)]
    Ok(Json<Page<AuditEntry>>),
}

#[derive(Debug, ApiResponse)]
pub enum AuditVerificationResponse {
    #[oai(status = 200)]
    Ok(Json<AuditVerification>),
}

#[OpenApi(prefix_path = "/v1/audit", tag = "ApiTags::Audit")]
impl AuditApi {
    /// The tenant's audit records, oldest first (API key).
    #[oai(path = "/", method = "get", operation_id = "audit.list")]
    async fn list(
        &self,
        auth: ApiKeyAuth,
        state: Data<&ApiState>,
        /// Opaque cursor from a previous page's `next_cursor`; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
    ) -> Result<AuditPageResponse, ErrorResponse> {
        let ApiKeyAuth(principal) = auth;
        let after = cursor::decode::<u64>(CURSOR_KIND, "cursor", cursor.0.as_deref())?;
        let limit = limit.0.unwrap_or(DEFAULT_LIMIT);
        let records = state
            .identity
            .audit
            .list_for(&principal, after, limit + 1)
            .await
            .map_err(identity_error)?;
        Ok(AuditPageResponse::Ok(Json(Page::of_log(
            records,
            limit as usize,
            cursor.0.filter(|text| !text.is_empty()),
            |record| cursor::encode(CURSOR_KIND, &seq_of(record)),
            entry_view,
        ))))
    }

    /// Recomputes every hash and link of the tenant's audit chain (API key).
    #[oai(path = "/verify", method = "get", operation_id = "audit.verify")]
    async fn verify(
        &self,
        auth: ApiKeyAuth,
        state: Data<&ApiState>,
    ) -> Result<AuditVerificationResponse, ErrorResponse> {
        let ApiKeyAuth(principal) = auth;
        let report = state
            .identity
            .audit
            .verify_for(&principal)
            .await
            .map_err(identity_error)?;
        Ok(AuditVerificationResponse::Ok(Json(verification_view(
            report,
        ))))
    }
}

/// Audits each request; see [`audit_entry`]. A mutating request of a principal runs with an
/// [`RequestRecords`]: its first unit of work that changes something appends the request's entry
/// (outcome `committed`) in its own transaction, so an acknowledged write always has its
/// record. Requests that committed no such unit (refusals, 403s, writes outside a unit of
/// work) are appended here after the handler, as before; a failed append is logged with its
/// context and does not change the response.
pub async fn record_audit<E: Endpoint>(next: Arc<E>, request: Request) -> poem::Result<Response> {
    let Some(state) = request.data::<ApiState>().cloned() else {
        return Ok(next.call(request).await?.into_response());
    };
    let outcome = request.extensions().get::<AuthOutcome>().cloned();
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.to_string());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let principal = outcome.as_ref().and_then(AuthOutcome::principal);
    let scope = match principal {
        Some(principal) if is_mutating(&method) => {
            let operation = operation_of(&method, &path).unwrap_or(&path);
            let mut entry =
                NewAuditEntry::new(principal.actor(), operation, &path, COMMITTED_OUTCOME)
                    .details(serde_json::json!({ "method": method.as_str() }));
            if let Some(id) = &request_id {
                entry = entry.request_id(id.clone());
            }
            Some(Arc::new(RequestRecords::new(
                principal.tenant(),
                &state.identity,
                Some(entry),
                request.extensions().get::<IdempotencyClaim>().cloned(),
            )))
        }
        _ => None,
    };
    let result = match &scope {
        Some(scope) => {
            let scope: Arc<dyn RequestScope> = scope.clone();
            with_scope(scope, next.call(request)).await
        }
        None => next.call(request).await,
    }
    .map(IntoResponse::into_response);
    if scope.as_ref().is_some_and(|scope| scope.audited()) {
        return result;
    }
    let (status, operation) = match &result {
        Ok(response) => (
            response.status(),
            response.data::<OperationId>().map(|id| id.0),
        ),
        Err(error) => (error.status(), error.data::<OperationId>().map(|id| id.0)),
    };
    let seen = RequestSeen {
        outcome: outcome.as_ref(),
        method: &method,
        path: &path,
        status,
        operation,
        request_id: request_id.as_deref(),
    };
    if let Some((tenant, entry)) = audit_entry(&seen) {
        let action = entry.action.clone();
        if let Err(error) = state.identity.audit.append(tenant, entry).await {
            tracing::error!(%error, %tenant, action, path, "could not append to the audit log");
        }
    }
    result
}

/// The operationId of a request, from the API's own OpenAPI document (path templates such as
/// `/v1/channels/{channel_id}` match one segment per parameter).
fn operation_of(method: &Method, path: &str) -> Option<&'static str> {
    static ROUTES: OnceLock<Vec<(String, Vec<String>, String)>> = OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        let spec: serde_json::Value = serde_json::from_str(&crate::spec_json(
            &atelier_outbox::catalog::Catalog::new(Vec::new()).unwrap(),
        ))
        .unwrap_or_default();
        let mut routes = Vec::new();
        if let Some(paths) = spec["paths"].as_object() {
            for (template, operations) in paths {
                let segments: Vec<String> = template.split('/').map(str::to_owned).collect();
                for (verb, operation) in operations.as_object().into_iter().flatten() {
                    if let Some(id) = operation["operationId"].as_str() {
                        routes.push((verb.to_uppercase(), segments.clone(), id.to_owned()));
                    }
                }
            }
        }
        routes
    });
    let parts: Vec<&str> = path.split('/').collect();
    routes
        .iter()
        .find(|(verb, segments, _)| {
            verb == method.as_str()
                && segments.len() == parts.len()
                && segments.iter().zip(&parts).all(|(segment, part)| {
                    segment == part || (segment.starts_with('{') && !part.is_empty())
                })
        })
        .map(|(_, _, id)| id.as_str())
}

/// What the audit middleware knows about a finished request.
#[derive(Debug, Clone, Copy)]
pub struct RequestSeen<'a> {
    pub outcome: Option<&'a AuthOutcome>,
    pub method: &'a Method,
    pub path: &'a str,
    pub status: StatusCode,
    pub operation: Option<&'static str>,
    pub request_id: Option<&'a str>,
}

/// The entry a request leaves in its tenant's audit log, if any.
pub fn audit_entry(seen: &RequestSeen<'_>) -> Option<(TenantId, NewAuditEntry)> {
    let operation = seen.operation.unwrap_or(seen.path);
    let (tenant, entry) = match seen.outcome.map(|outcome| &outcome.0) {
        Some(Ok(principal)) if seen.status == StatusCode::FORBIDDEN => (
            principal.tenant(),
            NewAuditEntry::new(principal.actor(), "auth.permission_denied", seen.path, "denied").details(
                serde_json::json!({ "method": seen.method.as_str(), "operation": operation, "status": 403 }),
            ),
        ),
        Some(Ok(principal)) if is_mutating(seen.method) => (
            principal.tenant(),
            NewAuditEntry::new(principal.actor(), operation, seen.path, seen.status.as_str())
                .details(serde_json::json!({ "method": seen.method.as_str() })),
        ),
        Some(Err(failure)) => (
            failure.tenant?,
            NewAuditEntry::new(ANONYMOUS_ACTOR, "auth.login_failed", seen.path, seen.status.as_str()).details(
                serde_json::json!({
                    "code": failure.error.code(),
                    "method": seen.method.as_str(),
                    "operation": operation,
                }),
            ),
        ),
        _ => return None,
    };
    Some((
        tenant,
        match seen.request_id {
            Some(id) => entry.request_id(id),
            None => entry,
        },
    ))
}

fn is_mutating(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

fn seq_of(record: &AuditRecord) -> u64 {
    u64::try_from(record.seq).unwrap_or(0)
}

fn entry_view(record: AuditRecord) -> AuditEntry {
    AuditEntry {
        seq: seq_of(&record),
        at: Utc
            .timestamp_millis_opt(record.at_ms)
            .single()
            .unwrap_or_default()
            .into(),
        details: record.details_json(),
        actor: record.actor,
        action: record.action,
        target: record.target,
        outcome: record.outcome,
        request_id: record.request_id,
        prev_hash: record.prev_hash,
        hash: record.hash,
    }
}

fn verification_view(report: VerifyReport) -> AuditVerification {
    AuditVerification {
        ok: report.ok,
        checked: report.checked,
        first_broken_seq: report.first_broken_seq,
        reason: report.reason,
        head_hash: report.head_hash,
    }
}

#[cfg(test)]
mod tests {
    use atelier_identity::{ApiKeyId, ApiKeyScope, AuthError, AuthFailure, Principal};

    use super::*;

    #[test]
    fn which_requests_are_audited() {
        let tenant = TenantId::generate();
        let key = Principal::ApiKey {
            tenant,
            key_id: ApiKeyId::generate(),
            scope: ApiKeyScope::Full,
        };
        let ok = AuthOutcome(Ok(key));
        let refused_known = AuthOutcome(Err(AuthFailure {
            error: AuthError::RevokedKey,
            tenant: Some(tenant),
        }));
        let refused_unknown = AuthOutcome(Err(AuthError::UnknownKey.into()));
        // (auth outcome, method, status, expected (action, outcome))
        type Case<'a> = (
            Option<&'a AuthOutcome>,
            Method,
            u16,
            Option<(&'a str, &'a str)>,
        );
        let cases: &[Case<'_>] = &[
            (
                Some(&ok),
                Method::POST,
                201,
                Some(("workspaces.create", "201")),
            ),
            (
                Some(&ok),
                Method::DELETE,
                409,
                Some(("workspaces.create", "409")),
            ),
            (Some(&ok), Method::GET, 200, None),
            (
                Some(&ok),
                Method::GET,
                403,
                Some(("auth.permission_denied", "denied")),
            ),
            (
                Some(&ok),
                Method::POST,
                403,
                Some(("auth.permission_denied", "denied")),
            ),
            (
                Some(&refused_known),
                Method::GET,
                401,
                Some(("auth.login_failed", "401")),
            ),
            (Some(&refused_unknown), Method::POST, 401, None),
            (None, Method::POST, 401, None),
        ];
        for (index, (outcome, method, status, expected)) in cases.iter().enumerate() {
            let seen = RequestSeen {
                outcome: *outcome,
                method,
                path: "/v1/workspaces",
                status: StatusCode::from_u16(*status).unwrap(),
                operation: Some("workspaces.create"),
                request_id: Some("req_1"),
            };
            let entry = audit_entry(&seen);
            let got = entry
                .as_ref()
                .map(|(_, e)| (e.action.as_str(), e.outcome.as_str()));
            assert_eq!(got, *expected, "case {index}");
            if let Some((entry_tenant, entry)) = entry {
                assert_eq!(entry_tenant, tenant);
                assert_eq!(entry.request_id.as_deref(), Some("req_1"));
                assert_eq!(entry.target, "/v1/workspaces");
            }
        }
        let failed = audit_entry(&RequestSeen {
            outcome: Some(&refused_known),
            method: &Method::GET,
            path: "/v1/me",
            status: StatusCode::UNAUTHORIZED,
            operation: None,
            request_id: None,
        })
        .unwrap()
        .1;
        assert_eq!(failed.actor, ANONYMOUS_ACTOR);
        assert_eq!(failed.details["code"], "revoked_api_key");
    }
}
