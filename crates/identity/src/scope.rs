//! [`RequestRecords`]: what commits with a request's effect, for the unit of work.
//!
//! The HTTP edge runs a mutating request's units of work with this request scope
//! ([`atelier_outbox::with_scope`]). Inside each unit's transaction it
//! - replays: an earlier attempt of the same `Idempotency-Key` request committed this unit, so
//!   the unit returns that result and does nothing ([`Idempotency::committed_result`]);
//! - records the unit's result for such retries ([`Idempotency::record_result`]);
//! - appends the request's audit entry, once per request, with the first unit that changes
//!   something ([`AuditLog::append_in`], outcome [`crate::audit::COMMITTED_OUTCOME`]).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use atelier_core::TenantId;
use atelier_outbox::RequestScope;
use atelier_store::StorageError;
use futures_util::{FutureExt, future::BoxFuture};
use mongodb::{ClientSession, bson::Bson};

use crate::{
    audit::{AuditLog, NewAuditEntry},
    idempotency::Idempotency,
};

/// The request's claim on an `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    /// The principal's [`actor`](crate::Principal::actor).
    pub actor: String,
    pub key: String,
}

/// The request scope of a mutating request's units of work: its audit entry and its
/// `Idempotency-Key` claim, written inside the unit's transaction.
#[derive(Debug)]
pub struct RequestRecords {
    tenant: TenantId,
    audit_log: AuditLog,
    idempotency: Idempotency,
    entry: Option<NewAuditEntry>,
    claim: Option<IdempotencyClaim>,
    next_slot: AtomicUsize,
    audited: AtomicBool,
}

impl RequestRecords {
    pub fn new(
        tenant: TenantId,
        identity: &crate::Identity,
        entry: Option<NewAuditEntry>,
        claim: Option<IdempotencyClaim>,
    ) -> Self {
        Self {
            tenant,
            audit_log: identity.audit.clone(),
            idempotency: identity.idempotency.clone(),
            entry,
            claim,
            next_slot: AtomicUsize::new(0),
            audited: AtomicBool::new(false),
        }
    }

    /// Whether a committed unit of work appended the request's entry.
    pub fn audited(&self) -> bool {
        self.audited.load(Ordering::Acquire)
    }
}

impl RequestScope for RequestRecords {
    fn tenant(&self) -> TenantId {
        self.tenant
    }

    fn next_slot(&self) -> usize {
        self.next_slot.fetch_add(1, Ordering::AcqRel)
    }

    fn committed_result<'a>(
        &'a self,
        session: &'a mut ClientSession,
        slot: usize,
    ) -> BoxFuture<'a, Result<Option<Bson>, StorageError>> {
        async move {
            match &self.claim {
                Some(claim) => {
                    self.idempotency
                        .committed_result(session, self.tenant, &claim.actor, &claim.key, slot)
                        .await
                }
                None => Ok(None),
            }
        }
        .boxed()
    }

    fn record<'a>(
        &'a self,
        session: &'a mut ClientSession,
        slot: usize,
        result: Bson,
        changed: bool,
    ) -> BoxFuture<'a, Result<(), StorageError>> {
        async move {
            if let Some(claim) = &self.claim {
                self.idempotency
                    .record_result(session, self.tenant, &claim.actor, &claim.key, slot, result)
                    .await?;
            }
            if changed
                && !self.audited()
                && let Some(entry) = &self.entry
            {
                self.audit_log
                    .append_in(session, self.tenant, entry)
                    .await?;
            }
            Ok(())
        }
        .boxed()
    }

    fn committed(&self, _slot: usize, changed: bool) {
        if changed && self.entry.is_some() {
            self.audited.store(true, Ordering::Release);
        }
    }
}
