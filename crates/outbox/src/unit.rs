//! The unit of work: transaction + domain writes + events + request records, then notify.
//!
//! [`UnitOfWork::run`] is the one way a service changes state:
//!
//! ```text
//! gate (serialize_transactions) → start transaction
//!   → replay: the request scope holds this unit's committed result? return it, do nothing
//!   → body(tx, context): domain reads and writes on tx.session(), events with tx.append
//!   → outbox events, then the request scope's records (audit entry, idempotency result)
//! → commit → wake the relay
//! ```
//!
//! The body returns the domain's own error type `E` (refusals are plain `Err(E::...)`, which
//! abort the transaction); storage failures convert into it through [`StorageError`], and
//! transient transaction errors (write conflicts, failovers) rerun the whole body, so the body
//! must only touch the database through the session. The result `T` is serialized for the
//! request scope, so a retried request (same `Idempotency-Key`) whose effect already committed
//! gets the same result back without acting twice.
//!
//! The **request scope** ([`RequestScope`]) is installed by the HTTP edge for the duration of
//! one request ([`with_scope`], a task-local): the outbox crate knows nothing of audit logs or
//! idempotency keys, it only lets the scope read and write inside the transaction.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use atelier_core::{NewEvent, TenantId};
use atelier_store::{StorageError, StorageFailure, Store};
use futures_util::future::BoxFuture;
use mongodb::{ClientSession, bson::Bson};
use serde::{Serialize, de::DeserializeOwned};

use crate::{Outbox, OutboxError};

/// How long transient transaction errors are retried (the driver's convenient API uses 120 s).
const RETRY_FOR: Duration = Duration::from_secs(30);

tokio::task_local! {
    static SCOPE: Arc<dyn RequestScope>;
}

/// Request-scoped records that commit with the request's effect. Implemented by the edge.
pub trait RequestScope: Send + Sync {
    /// The tenant the request acts in: units of work of other tenants ignore the scope.
    fn tenant(&self) -> TenantId;

    /// A number for the next unit of work of this request (0, 1, ...): a handler that runs
    /// several units replays each one's own result.
    fn next_slot(&self) -> usize;

    /// Inside the transaction, before the body: the stored result of unit `slot` if this
    /// request already committed it (a retry after a crash or a post-commit failure).
    fn committed_result<'a>(
        &'a self,
        session: &'a mut ClientSession,
        slot: usize,
    ) -> BoxFuture<'a, Result<Option<Bson>, StorageError>>;

    /// Inside the transaction, after the body succeeded: write what must commit with the
    /// effect. `changed` is false when the body said it changed nothing ([`Tx::unchanged`]).
    fn record<'a>(
        &'a self,
        session: &'a mut ClientSession,
        slot: usize,
        result: Bson,
        changed: bool,
    ) -> BoxFuture<'a, Result<(), StorageError>>;

    /// After the commit of unit `slot`.
    fn committed(&self, slot: usize, changed: bool);
}

/// Runs `future` with `scope` as the request scope of every unit of work it runs.
pub async fn with_scope<F: Future>(scope: Arc<dyn RequestScope>, future: F) -> F::Output {
    SCOPE.scope(scope, future).await
}

fn current_scope(tenant: TenantId) -> Option<Arc<dyn RequestScope>> {
    SCOPE
        .try_with(Arc::clone)
        .ok()
        .filter(|scope| scope.tenant() == tenant)
}

/// One transaction attempt: the session and the events to append before commit.
pub struct Tx {
    session: atelier_store::GatedSession,
    tenant: TenantId,
    events: Vec<NewEvent>,
    changed: bool,
}

impl Tx {
    /// The session every read and write of the body must use.
    pub fn session(&mut self) -> &mut ClientSession {
        &mut self.session
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// Appends an event; it is written to the outbox with the body's writes.
    pub fn append(&mut self, event: NewEvent) {
        self.events.push(event);
    }

    pub fn append_all(&mut self, events: impl IntoIterator<Item = NewEvent>) {
        self.events.extend(events);
    }

    /// Says the body found nothing to change (a retry of an earlier send, ...): the request
    /// scope records no audit entry for it (the edge audits the request as it answers).
    pub fn unchanged(&mut self) {
        self.changed = false;
    }
}

/// Runs units of work. Cheap to clone.
#[derive(Debug, Clone)]
pub struct UnitOfWork {
    store: Store,
    outbox: Outbox,
}

impl UnitOfWork {
    pub fn new(store: &Store) -> Self {
        Self {
            store: store.clone(),
            outbox: Outbox::new(store),
        }
    }

    /// Runs `body` in one transaction of `tenant` (see the module docs). `context` is handed
    /// to every attempt; `body` returns a boxed future so the whole stays `Send`.
    ///
    /// The whole unit (waiting for the transaction gate, every attempt, the commit) is bounded
    /// by `mongodb.operation_timeout`: past it the transaction is dropped (its session aborts
    /// it) and the unit fails as unavailable, so a hung MongoDB never holds a caller.
    pub async fn run<C, T, E, F>(&self, tenant: TenantId, context: C, body: F) -> Result<T, E>
    where
        C: Send,
        T: Serialize + DeserializeOwned + Send,
        E: From<StorageError> + StorageFailure + Send,
        F: for<'b> FnMut(&'b mut Tx, &'b mut C) -> BoxFuture<'b, Result<T, E>> + Send,
    {
        let scope = current_scope(tenant);
        self.run_bounded(tenant, scope, context, body).await
    }

    /// [`UnitOfWork::run`] outside the request scope: for writes that are not the request's
    /// own effect (the audit entry of a refusal, a revocation triggered by a refused token,
    /// a queue consumer's bookkeeping), which must neither replay a request's stored result
    /// nor carry its audit entry or idempotency record.
    pub async fn run_detached<C, T, E, F>(
        &self,
        tenant: TenantId,
        context: C,
        body: F,
    ) -> Result<T, E>
    where
        C: Send,
        T: Serialize + DeserializeOwned + Send,
        E: From<StorageError> + StorageFailure + Send,
        F: for<'b> FnMut(&'b mut Tx, &'b mut C) -> BoxFuture<'b, Result<T, E>> + Send,
    {
        self.run_bounded(tenant, None, context, body).await
    }

    async fn run_bounded<C, T, E, F>(
        &self,
        tenant: TenantId,
        scope: Option<Arc<dyn RequestScope>>,
        context: C,
        body: F,
    ) -> Result<T, E>
    where
        C: Send,
        T: Serialize + DeserializeOwned + Send,
        E: From<StorageError> + StorageFailure + Send,
        F: for<'b> FnMut(&'b mut Tx, &'b mut C) -> BoxFuture<'b, Result<T, E>> + Send,
    {
        let timeout = self.store.operation_timeout();
        let unit = self.run_unbounded(tenant, scope, context, body);
        match tokio::time::timeout(timeout, unit).await {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!(%tenant, ?timeout, "a unit of work outlived the operation timeout");
                Err(StorageError::from(atelier_store::timed_out(timeout)).into())
            }
        }
    }

    async fn run_unbounded<C, T, E, F>(
        &self,
        tenant: TenantId,
        scope: Option<Arc<dyn RequestScope>>,
        mut context: C,
        mut body: F,
    ) -> Result<T, E>
    where
        C: Send,
        T: Serialize + DeserializeOwned + Send,
        E: From<StorageError> + StorageFailure + Send,
        F: for<'b> FnMut(&'b mut Tx, &'b mut C) -> BoxFuture<'b, Result<T, E>> + Send,
    {
        let slot = scope.as_ref().map(|scope| scope.next_slot());
        let session = self
            .store
            .gated_session()
            .await
            .map_err(StorageError::from)?;
        let mut tx = Tx {
            session,
            tenant,
            events: Vec::new(),
            changed: true,
        };
        let started = Instant::now();
        loop {
            tx.events.clear();
            tx.changed = true;
            tx.session
                .start_transaction()
                .with_options(self.store.transaction_options())
                .await
                .map_err(StorageError::from)?;
            let attempt = self
                .attempt(&mut tx, scope.as_deref().zip(slot), &mut context, &mut body)
                .await;
            let outcome = match attempt {
                Ok(Attempt::Replayed(value)) => {
                    abort(&mut tx).await;
                    tx.session.settle();
                    return Ok(value);
                }
                Ok(Attempt::Ready(value)) => self.commit(&mut tx, started).await.map(|()| value),
                Err(error) => {
                    abort(&mut tx).await;
                    Err(error)
                }
            };
            match outcome {
                Ok(value) => {
                    tx.session.settle();
                    // Events may also be written through the session directly (services'
                    // own append helpers); waking the relay is a cheap permit either way.
                    self.store.notify_committed();
                    if let (Some(scope), Some(slot)) = (&scope, slot) {
                        scope.committed(slot, tx.changed);
                    }
                    #[cfg(feature = "test-faults")]
                    if faults::take_after_commit(tenant) {
                        return Err(StorageError::internal("injected fault after commit").into());
                    }
                    return Ok(value);
                }
                Err(error)
                    if error
                        .storage_error()
                        .is_some_and(StorageError::is_transient_transaction)
                        && started.elapsed() < RETRY_FOR =>
                {
                    tracing::debug!(%tenant, "transient transaction error; running the unit again");
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn attempt<C, T, E, F>(
        &self,
        tx: &mut Tx,
        scope: Option<(&dyn RequestScope, usize)>,
        context: &mut C,
        body: &mut F,
    ) -> Result<Attempt<T>, E>
    where
        T: Serialize + DeserializeOwned,
        E: From<StorageError>,
        F: for<'b> FnMut(&'b mut Tx, &'b mut C) -> BoxFuture<'b, Result<T, E>>,
    {
        if let Some((scope, slot)) = scope
            && let Some(stored) = scope.committed_result(&mut tx.session, slot).await?
        {
            let value = mongodb::bson::from_bson(stored).map_err(|error| {
                StorageError::internal(format!("stored unit-of-work result: {error}"))
            })?;
            return Ok(Attempt::Replayed(value));
        }
        let value = body(tx, context).await?;
        let events = tx.events.clone();
        self.outbox
            .append(&mut tx.session, tx.tenant, events)
            .await
            .map_err(storage_error)?;
        if let Some((scope, slot)) = scope {
            let result = mongodb::bson::to_bson(&value)
                .map_err(|error| StorageError::internal(format!("unit-of-work result: {error}")))?;
            scope
                .record(&mut tx.session, slot, result, tx.changed)
                .await?;
        }
        Ok(Attempt::Ready(value))
    }

    /// Commits, retrying an unknown commit result (the commit is idempotent).
    async fn commit<E: From<StorageError>>(&self, tx: &mut Tx, started: Instant) -> Result<(), E> {
        loop {
            match tx.session.commit_transaction().await {
                Ok(()) => return Ok(()),
                Err(error) => {
                    let error = StorageError::from(error);
                    if error.is_unknown_commit_result() && started.elapsed() < RETRY_FOR {
                        continue;
                    }
                    return Err(error.into());
                }
            }
        }
    }
}

enum Attempt<T> {
    /// The request scope held this unit's committed result.
    Replayed(T),
    /// The body ran; commit.
    Ready(T),
}

async fn abort(tx: &mut Tx) {
    if let Err(error) = tx.session.abort_transaction().await {
        // The server aborts an abandoned transaction itself after its lifetime limit.
        tracing::debug!(%error, "could not abort a transaction");
    }
}

/// An outbox failure as a storage failure.
pub fn storage_error(error: OutboxError) -> StorageError {
    match error {
        OutboxError::Mongo(error) => StorageError::from(error),
        other => StorageError::internal(other.to_string()),
    }
}

/// Test-only fault injection (feature `test-faults`): make the next unit of work of a tenant
/// fail after its commit, as a crash or a lost connection between commit and answer would.
#[cfg(feature = "test-faults")]
pub mod faults {
    use std::sync::Mutex;

    use atelier_core::TenantId;

    static AFTER_COMMIT: Mutex<Vec<TenantId>> = Mutex::new(Vec::new());

    /// The next unit of work of `tenant` commits, then fails with an internal error.
    pub fn fail_after_commit_once(tenant: TenantId) {
        AFTER_COMMIT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(tenant);
    }

    pub(crate) fn take_after_commit(tenant: TenantId) -> bool {
        let mut armed = AFTER_COMMIT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match armed.iter().position(|armed| *armed == tenant) {
            Some(index) => {
                armed.swap_remove(index);
                true
            }
            None => false,
        }
    }
}
