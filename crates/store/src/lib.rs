//! MongoDB access shared by every service.
//!
//! - [`Store`]: the one long-lived [`mongodb::Client`] of a process and its database handle.
//! - [`migrate`]: ordered, idempotent schema migrations recorded in `schema_migrations`.
//! - [`lease`]: time-bounded, fenced leases, so exactly one node runs a singleton worker.
//! - [`faults`]: fault injection points that only tests arm.
//!
//! Services define their collections and indexes next to the code that queries them and hand
//! them to the migration list in `atelier-server`.

pub mod error;
pub mod faults;
pub mod lease;
pub mod migrate;
pub mod scoped;

use std::time::Duration;

use mongodb::{
    Client, Database,
    bson::doc,
    options::{ClientOptions, ReadConcern, WriteConcern},
};
use serde::{Deserialize, Serialize};

pub use error::{StorageError, StorageErrorKind, StorageFailure};
pub use lease::{Fence, Lease, LeaseError};
pub use migrate::{CollectionSpec, Migration, MigrationError, MigrationReport};

/// Errors from the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid MongoDB URI: {0}")]
    InvalidUri(#[source] mongodb::error::Error),
    #[error("MongoDB did not answer within {0:?}")]
    Timeout(Duration),
    #[error(transparent)]
    Mongo(#[from] mongodb::error::Error),
}

/// How to reach MongoDB.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MongoConfig {
    /// Connection string. A replica set is required in production (transactions).
    pub uri: String,
    /// Database holding every Atelier collection.
    pub database: String,
    /// Bound on server selection, so a dead server fails requests fast instead of hanging.
    #[serde(with = "humantime_serde")]
    pub server_selection_timeout: Duration,
    /// Bound on every transaction (gate wait, body, commit) and on the server's wait for
    /// majority acknowledgement (`wtimeout`), so a hung server fails operations as
    /// unavailable instead of holding them.
    #[serde(with = "humantime_serde")]
    pub operation_timeout: Duration,
    /// Run one transaction at a time in this process, with outbox reads waiting for it. Only
    /// for development servers without concurrent transaction isolation (nx-27017, see
    /// README); MongoDB isolates transactions itself, so leave this off in production.
    pub serialize_transactions: bool,
}

impl Default for MongoConfig {
    fn default() -> Self {
        Self {
            uri: "mongodb://127.0.0.1:27017/?directConnection=true".to_owned(),
            database: "atelier".to_owned(),
            server_selection_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(5),
            serialize_transactions: false,
        }
    }
}

/// The process's MongoDB client and database. Cheap to clone; the client pools connections.
#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    database: Database,
    server_selection_timeout: Duration,
    operation_timeout: Duration,
    serialize_transactions: bool,
    /// Signalled after a transaction that wrote outbox events commits; the outbox relay of
    /// this process waits on it. Shared by every clone, so any service's commit wakes the
    /// relay (each service used to hold its own signal, which nobody waited on).
    committed: std::sync::Arc<tokio::sync::Notify>,
}

/// Process-wide: two nodes in one process (tests) share one development server.
static TRANSACTION_GATE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl Store {
    /// Parses the URI and builds the client. Does not contact the server: the first operation
    /// does, so a node can start (and report not-ready) while MongoDB is down.
    pub async fn connect(config: &MongoConfig) -> Result<Store, StoreError> {
        let mut options = ClientOptions::parse(&config.uri)
            .await
            .map_err(StoreError::InvalidUri)?;
        options.app_name.get_or_insert_with(|| "atelier".to_owned());
        options.server_selection_timeout = Some(config.server_selection_timeout);
        options.connect_timeout = Some(config.server_selection_timeout);
        // Writes are acknowledged by a majority, reads see majority-committed data: an event the
        // relay published can never be rolled back by a failover.
        // The server waits at most the operation timeout for that acknowledgement (`wtimeout`).
        let mut write_concern = WriteConcern::majority();
        write_concern.w_timeout = Some(config.operation_timeout);
        options.write_concern = Some(write_concern);
        options.read_concern = Some(ReadConcern::majority());
        let client = Client::with_options(options).map_err(StoreError::InvalidUri)?;
        let database = client.database(&config.database);
        Ok(Store {
            client,
            database,
            server_selection_timeout: config.server_selection_timeout,
            operation_timeout: config.operation_timeout,
            serialize_transactions: config.serialize_transactions,
            committed: std::sync::Arc::new(tokio::sync::Notify::new()),
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Readiness probe: a `ping` bounded by `timeout`.
    pub async fn ping(&self, timeout: Duration) -> Result<(), StoreError> {
        let ping = self.database.run_command(doc! { "ping": 1 });
        match tokio::time::timeout(timeout, ping).await {
            Ok(result) => result.map(|_| ()).map_err(StoreError::from),
            Err(_) => Err(StoreError::Timeout(timeout)),
        }
    }

    /// Hold the returned guard around a transaction, and around reads that must not see
    /// another transaction's uncommitted writes. `None` (no waiting) unless
    /// `serialize_transactions` is configured.
    pub async fn transaction_gate(&self) -> Option<tokio::sync::MutexGuard<'static, ()>> {
        if self.serialize_transactions {
            Some(TRANSACTION_GATE.lock().await)
        } else {
            None
        }
    }

    /// A session for one transaction, holding the transaction gate when configured (see
    /// [`GatedSession`]: abandoned mid-transaction, it keeps the gate until its abort lands).
    pub async fn gated_session(&self) -> mongodb::error::Result<GatedSession> {
        let gate = self.transaction_gate().await;
        let session = self.client.start_session().await?;
        Ok(GatedSession {
            session: Some(session),
            gate,
            abort_within: self.operation_timeout,
            settled: false,
        })
    }

    /// The signal a relay in this process waits on; see [`Store::notify_committed`].
    pub fn commit_signal(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.committed.clone()
    }

    /// Wakes the outbox relay of this process: events were committed.
    pub fn notify_committed(&self) {
        self.committed.notify_one();
    }

    pub fn server_selection_timeout(&self) -> Duration {
        self.server_selection_timeout
    }

    /// The bound on every transaction (see [`MongoConfig::operation_timeout`]).
    pub fn operation_timeout(&self) -> Duration {
        self.operation_timeout
    }

    /// Runs `operation` within the operation timeout. The driver has no client-side socket
    /// timeout, so a server that accepts and never answers would hold the operation forever:
    /// past the bound it is dropped (an open transaction is aborted when its session drops)
    /// and fails as unavailable (an I/O timeout, so every caller classifies it as a 503).
    pub async fn bounded<T>(
        &self,
        operation: impl std::future::IntoFuture<Output = mongodb::error::Result<T>>,
    ) -> mongodb::error::Result<T> {
        match tokio::time::timeout(self.operation_timeout, operation).await {
            Ok(result) => result,
            Err(_) => Err(timed_out(self.operation_timeout)),
        }
    }

    /// Options of every transaction: the commit is bounded server-side too (`maxTimeMS`).
    pub fn transaction_options(&self) -> mongodb::options::TransactionOptions {
        mongodb::options::TransactionOptions::builder()
            .max_commit_time(Some(self.operation_timeout))
            .build()
    }

    /// Runs `body` in a transaction (retrying transient errors, per the driver's convenient
    /// transaction API), holding the transaction gate when configured. `context` is handed to
    /// every attempt; `body` returns a boxed future so the whole stays `Send`.
    pub async fn transaction<C, R, F>(&self, context: C, body: F) -> mongodb::error::Result<R>
    where
        F: for<'b> FnMut(
            &'b mut mongodb::ClientSession,
            &'b mut C,
        ) -> futures_util::future::BoxFuture<'b, mongodb::error::Result<R>>,
    {
        self.bounded(async {
            let mut session = self.gated_session().await?;
            let outcome = session
                .start_transaction()
                .with_options(self.transaction_options())
                .and_run(context, body)
                .await;
            // `and_run` commits or aborts before it returns.
            session.settle();
            outcome
        })
        .await
    }

    /// Stops the client's background tasks (monitors, pool workers) once the node is done with
    /// MongoDB, so nothing touches a runtime that is shutting down. Operations still in flight
    /// elsewhere are not waited for.
    pub async fn shutdown(self) {
        self.client.shutdown().immediate(true).await;
    }

    /// Drops the whole database. Only for tests and `atelier` development commands.
    pub async fn drop_database(&self) -> Result<(), StoreError> {
        self.database.drop().await.map_err(StoreError::from)
    }
}

/// A client session opened under the transaction gate (`serialize_transactions`), for one
/// transaction; it dereferences to the driver's session.
///
/// Dropped while its transaction is still open (the caller's task was aborted, or
/// [`Store::bounded`] gave up on it), the driver aborts the transaction in the background. The
/// gate is released only once that abort has been answered (or the operation timeout passed),
/// so the next transaction of this process never overlaps an abandoned one: on a server
/// without isolation (nx-27017) the late abort used to roll back the next transaction's work
/// ("no such savepoint"). A session ended normally calls [`GatedSession::settle`] and releases
/// the gate at once.
pub struct GatedSession {
    session: Option<mongodb::ClientSession>,
    gate: Option<tokio::sync::MutexGuard<'static, ()>>,
    abort_within: Duration,
    settled: bool,
}

impl GatedSession {
    /// No transaction of this session is open any more (committed, aborted or never started):
    /// dropping it releases the gate at once.
    pub fn settle(&mut self) {
        self.settled = true;
    }
}

impl std::ops::Deref for GatedSession {
    type Target = mongodb::ClientSession;

    fn deref(&self) -> &Self::Target {
        self.session.as_ref().expect("present until dropped")
    }
}

impl std::ops::DerefMut for GatedSession {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.session.as_mut().expect("present until dropped")
    }
}

impl Drop for GatedSession {
    fn drop(&mut self) {
        if self.settled || self.gate.is_none() {
            return;
        }
        let (Some(mut session), Some(gate)) = (self.session.take(), self.gate.take()) else {
            return;
        };
        let within = self.abort_within;
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                // An error here means nothing was open (client-side) or the server is gone;
                // either way nothing of this transaction can land after the gate opens.
                if let Ok(Err(error)) =
                    tokio::time::timeout(within, session.abort_transaction()).await
                {
                    tracing::debug!(%error, "aborting an abandoned transaction");
                }
                drop(session);
                drop(gate);
            });
        }
    }
}

/// The error of an operation that outlived the operation timeout: an I/O timeout, which
/// [`StorageError`] classifies as unavailable.
pub fn timed_out(after: Duration) -> mongodb::error::Error {
    mongodb::error::Error::from(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("MongoDB did not answer within {after:?}"),
    ))
}

/// An integer as MongoDB may return it: `$inc`ed counters come back as Int32 from some
/// development servers (nx-27017, see the README), or as an integral Double. `None` for
/// anything else, so a caller refuses what it cannot read instead of defaulting.
pub fn integer(value: &mongodb::bson::Bson) -> Option<i64> {
    use mongodb::bson::Bson;
    match value {
        Bson::Int64(number) => Some(*number),
        Bson::Int32(number) => Some(i64::from(*number)),
        #[allow(clippy::cast_possible_truncation)] // only integral values, checked first
        Bson::Double(number) if number.fract() == 0.0 => Some(*number as i64),
        _ => None,
    }
}

/// True when the error is a unique-index violation (E11000).
pub fn is_duplicate_key(error: &mongodb::error::Error) -> bool {
    use mongodb::error::{ErrorKind, WriteFailure};
    match error.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(write)) => write.code == 11000,
        ErrorKind::Command(command) => command.code == 11000,
        ErrorKind::InsertMany(insert) => insert
            .write_errors
            .as_ref()
            .is_some_and(|errors| errors.iter().any(|e| e.code == 11000)),
        _ => false,
    }
}

/// True when the server could not be reached or selected: the caller answers 503.
pub fn is_unavailable(error: &mongodb::error::Error) -> bool {
    error::is_unavailable(error)
}
