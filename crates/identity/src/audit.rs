//! The per-tenant, hash-chained audit log.
//!
//! Every tenant has its own chain of records numbered `seq` = 1, 2, 3, ... Each record stores
//! the hash of its predecessor (`prev_hash`; 64 zeros for seq 1) and its own `hash`:
//!
//! ```text
//! hash = hex(SHA-256(prev_hash ‖ canonical_encoding(record without `hash`)))
//! ```
//!
//! **Canonical encoding (version 1).** The UTF-8 bytes of `serde_json::to_string` of
//! [`CanonicalRecord`], a struct whose fields serialise in this fixed order: `tenant`, `seq`,
//! `at_ms`, `actor`, `action`, `target`, `outcome`, `request_id` (string or `null`), `details`,
//! `prev_hash`. `details` is itself a string: the entry's JSON details with every object's keys
//! sorted and no insignificant whitespace ([`canonical_json`]). It is stored as that string, so
//! the bytes that were hashed are exactly the bytes that are stored, whatever the database does
//! to key order or number types. Changing any of this is a new version, never an edit.
//!
//! Editing any field of a stored record changes its hash; editing the hash too breaks the next
//! record's `prev_hash`. Deleting a record leaves a gap in `seq`. Truncating the newest records
//! is the one change the chain alone cannot reveal: compare [`VerifyReport::head_hash`] with a
//! copy kept elsewhere for that.
//!
//! **Appending.** A record is appended inside a transaction: [`AuditLog::append_in`] joins
//! the caller's (the unit of work appends a request's entry in the transaction of its write,
//! so an acknowledged write always has its record), [`AuditLog::append`] runs its own. It
//! reads the tenant's head document (`audit_heads`, `_id` = tenant: the last `seq` and
//! `hash`), inserts the next record and moves the head with a conditional update. Two writers
//! of one tenant conflict on that head document (MongoDB aborts one with a transient write
//! conflict and the transaction is retried); writers of different tenants never touch the same
//! document, and no process-wide lock is taken. The unique `(tenant, seq)` index and the
//! deterministic `_id` still refuse a second record at one position. A tenant whose chain
//! predates the head document gets one from its highest record on its first append.
//!
//! The hashing and verification logic ([`compute_hash`], [`ChainVerifier`]) is sans-IO; the
//! [`AuditLog`] is the thin MongoDB adapter around it.

use atelier_core::TenantId;
use chrono::Utc;
use futures_util::{FutureExt, TryStreamExt};
use mongodb::{
    ClientSession, Collection, IndexModel,
    bson::{self, Document, doc},
    options::IndexOptions,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use atelier_outbox::UnitOfWork;
use atelier_store::{CollectionSpec, StorageError, Store};

use crate::IdentityError;

/// `prev_hash` of a tenant's first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The outcome of an entry appended inside the transaction of the write it records (the HTTP
/// status is decided after the commit).
pub const COMMITTED_OUTCOME: &str = "committed";
/// The actor of events no principal caused.
pub const SYSTEM_ACTOR: &str = "system";
/// The actor of requests that presented no valid credential (failed logins, a reused refresh
/// token).
pub const ANONYMOUS_ACTOR: &str = "anonymous";
/// Largest canonical `details`, in bytes: the audit log records facts, not payloads.
pub const MAX_DETAILS_BYTES: usize = 4096;

const COLLECTION: &str = "audit_log";
/// One document per tenant: the chain's head (`seq`, `hash`). Needs no index (looked up by
/// `_id`), so it has no migration; MongoDB creates it on the first insert.
const HEADS: &str = "audit_heads";

/// A stored audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// `<tenant>:<seq>`: deterministic, so even the primary key refuses a second record at the
    /// same position.
    #[serde(rename = "_id")]
    pub id: String,
    pub tenant: TenantId,
    pub seq: i64,
    /// Unix milliseconds.
    pub at_ms: i64,
    /// `key:<id>`, `user:<id>`, `system` or `anonymous`.
    pub actor: String,
    /// What happened: an operationId (`workspaces.create`) or an event (`auth.login_failed`).
    pub action: String,
    /// What it happened to (usually the request path).
    pub target: String,
    /// An HTTP status (`201`) or a word (`denied`).
    pub outcome: String,
    pub request_id: Option<String>,
    /// Canonical JSON text (see the module docs).
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// The details as JSON (they were validated as JSON when appended).
    pub fn details_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.details).unwrap_or(serde_json::Value::Null)
    }

    /// The hash this record should carry, recomputed from its fields.
    pub fn expected_hash(&self) -> String {
        compute_hash(&CanonicalRecord::of(self))
    }
}

/// An event to append; the log assigns `seq`, time and hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub request_id: Option<String>,
    pub details: serde_json::Value,
}

impl NewAuditEntry {
    pub fn new(
        actor: impl Into<String>,
        action: impl Into<String>,
        target: impl Into<String>,
        outcome: impl Into<String>,
    ) -> Self {
        Self {
            actor: actor.into(),
            action: action.into(),
            target: target.into(),
            outcome: outcome.into(),
            request_id: None,
            details: serde_json::Value::Object(serde_json::Map::new()),
        }
    }

    pub fn request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// The result of checking a tenant's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// True when every record checked out.
    pub ok: bool,
    /// Records examined (up to and including the first broken one).
    pub checked: u64,
    /// The first `seq` whose record is missing, altered or mislinked.
    pub first_broken_seq: Option<u64>,
    /// Why that record is broken.
    pub reason: Option<String>,
    /// Hash of the last record when the chain is intact: keep it elsewhere to detect truncation.
    pub head_hash: Option<String>,
}

/// The audit log service. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AuditLog {
    unit: UnitOfWork,
    records: Collection<AuditRecord>,
    raw: Collection<Document>,
    heads: Collection<Document>,
}

impl AuditLog {
    pub fn new(store: &Store) -> Self {
        Self {
            unit: UnitOfWork::new(store),
            records: store.database().collection(COLLECTION),
            raw: store.database().collection(COLLECTION),
            heads: store.database().collection(HEADS),
        }
    }

    /// Appends an entry to the tenant's chain in a transaction of its own (refusals and
    /// events that wrote nothing else) and returns the stored record.
    pub async fn append(
        &self,
        tenant: TenantId,
        entry: NewAuditEntry,
    ) -> Result<AuditRecord, IdentityError> {
        let details = validate(&entry)?;
        // Outside the request scope: a refusal's entry must not carry the request's records.
        self.unit
            .run_detached(
                tenant,
                (self.clone(), entry, details),
                move |tx, (this, entry, details)| {
                    async move {
                        let session = tx.session();
                        // nx-27017 starts a transaction with its first command only when that
                        // command touches an existing collection; `audit_heads` appears with
                        // the first append, `audit_log` exists from the migrations (README).
                        this.raw
                            .find_one(doc! { "tenant": tenant.to_string() })
                            .projection(doc! { "_id": 1 })
                            .session(&mut *session)
                            .await
                            .map_err(StorageError::from)?;
                        this.append_validated(session, tenant, entry, details)
                            .await
                            .map_err(|error| match error {
                                AppendError::Mongo(error) => StorageError::from(error).into(),
                                AppendError::Moved => IdentityError::conflict(
                                    "audit_contention",
                                    format!("the audit head of {tenant} moved"),
                                ),
                            })
                    }
                    .boxed()
                },
            )
            .await
    }

    /// Appends an entry inside the caller's transaction. A concurrent append to the same
    /// tenant makes the transaction fail with a write conflict (retried by the unit of work)
    /// or a duplicate key.
    pub async fn append_in(
        &self,
        session: &mut ClientSession,
        tenant: TenantId,
        entry: &NewAuditEntry,
    ) -> Result<AuditRecord, StorageError> {
        let details = validate(entry).map_err(|error| StorageError::internal(error.to_string()))?;
        self.append_validated(session, tenant, entry, &details)
            .await
            .map_err(|error| match error {
                AppendError::Mongo(error) => StorageError::from(error),
                AppendError::Moved => StorageError::internal(format!(
                    "the audit head of {tenant} moved during the transaction"
                )),
            })
    }

    async fn append_validated(
        &self,
        session: &mut ClientSession,
        tenant: TenantId,
        entry: &NewAuditEntry,
        details: &str,
    ) -> Result<AuditRecord, AppendError> {
        let head = self
            .heads
            .find_one(doc! { "_id": tenant.to_string() })
            .session(&mut *session)
            .await?;
        let (prev_seq, prev_hash, head_exists) = match head {
            Some(head) => (
                read_int(&head, "seq").ok_or(AppendError::Moved)?,
                head.get_str("hash")
                    .map_err(|_| AppendError::Moved)?
                    .to_owned(),
                true,
            ),
            // A chain written before head documents existed (or none yet).
            None => match self
                .records
                .find_one(doc! { "tenant": tenant.to_string() })
                .sort(doc! { "seq": -1 })
                .session(&mut *session)
                .await?
            {
                Some(last) => (last.seq, last.hash, false),
                None => (0, GENESIS_HASH.to_owned(), false),
            },
        };
        let record = seal(
            tenant,
            prev_seq + 1,
            Utc::now().timestamp_millis(),
            entry,
            details,
            prev_hash,
        );
        self.records
            .insert_one(&record)
            .session(&mut *session)
            .await?;
        let moved = if head_exists {
            self.heads
                .update_one(
                    doc! { "_id": tenant.to_string(), "seq": prev_seq },
                    doc! { "$set": { "seq": record.seq, "hash": &record.hash } },
                )
                .session(&mut *session)
                .await?
                .matched_count
        } else {
            // Insert: a concurrent first append loses on the `_id`.
            self.heads
                .insert_one(
                    doc! { "_id": tenant.to_string(), "seq": record.seq, "hash": &record.hash },
                )
                .session(&mut *session)
                .await?;
            1
        };
        if moved == 0 {
            return Err(AppendError::Moved);
        }
        Ok(record)
    }

    /// Up to `limit` records with `seq > after_seq`, in `seq` order.
    /// The acting principal's tenant's records after `after_seq` (readers of the tenant).
    pub async fn list_for(
        &self,
        principal: &crate::Principal,
        after_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, IdentityError> {
        let tenant = crate::tenancy::Tenancy::readable_tenant(principal)?;
        self.list(tenant, after_seq, limit).await
    }

    /// Verifies the acting principal's tenant's chain (readers of the tenant).
    pub async fn verify_for(
        &self,
        principal: &crate::Principal,
    ) -> Result<VerifyReport, IdentityError> {
        let tenant = crate::tenancy::Tenancy::readable_tenant(principal)?;
        self.verify(tenant).await
    }

    /// A tenant's records, for the platform itself (operators' CLI, tests): no policy.
    pub async fn list(
        &self,
        tenant: TenantId,
        after_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, IdentityError> {
        let after = i64::try_from(after_seq.unwrap_or(0)).unwrap_or(i64::MAX);
        Ok(self
            .records
            .find(doc! { "tenant": tenant.to_string(), "seq": { "$gt": after } })
            .sort(doc! { "seq": 1 })
            .limit(i64::from(limit))
            .await?
            .try_collect()
            .await?)
    }

    /// Recomputes every hash and link of the tenant's chain, in `seq` order, streaming.
    pub async fn verify(&self, tenant: TenantId) -> Result<VerifyReport, IdentityError> {
        let mut cursor = self
            .raw
            .find(doc! { "tenant": tenant.to_string() })
            .sort(doc! { "seq": 1 })
            .await?;
        let mut verifier = ChainVerifier::new(tenant);
        while let Some(document) = cursor.try_next().await? {
            if verifier.push_document(document).is_err() {
                break;
            }
        }
        Ok(verifier.finish())
    }
}

/// Why an append failed inside its transaction.
#[derive(Debug, Clone, thiserror::Error)]
enum AppendError {
    #[error(transparent)]
    Mongo(#[from] mongodb::error::Error),
    /// The head document changed or is unreadable between our read and our update.
    #[error("the audit head moved")]
    Moved,
}

/// An integer field, however the store returns it (counters may come back as Int32).
fn read_int(document: &Document, field: &str) -> Option<i64> {
    document.get(field).and_then(atelier_store::integer)
}

/// The fields covered by the hash, in their canonical order (see the module docs).
#[derive(Debug, Serialize)]
pub struct CanonicalRecord<'a> {
    pub tenant: String,
    pub seq: i64,
    pub at_ms: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub outcome: &'a str,
    pub request_id: Option<&'a str>,
    pub details: &'a str,
    pub prev_hash: &'a str,
}

impl<'a> CanonicalRecord<'a> {
    pub fn of(record: &'a AuditRecord) -> Self {
        Self {
            tenant: record.tenant.to_string(),
            seq: record.seq,
            at_ms: record.at_ms,
            actor: &record.actor,
            action: &record.action,
            target: &record.target,
            outcome: &record.outcome,
            request_id: record.request_id.as_deref(),
            details: &record.details,
            prev_hash: &record.prev_hash,
        }
    }
}

/// `hex(SHA-256(prev_hash ‖ serde_json(record)))`.
pub fn compute_hash(record: &CanonicalRecord<'_>) -> String {
    // Serialising a struct of strings and integers cannot fail.
    let encoded = serde_json::to_vec(record).unwrap_or_default();
    let mut hasher = Sha256::new();
    hasher.update(record.prev_hash.as_bytes());
    hasher.update(&encoded);
    hex::encode(hasher.finalize())
}

/// JSON text with object keys sorted at every level and no whitespace.
pub fn canonical_json(value: &serde_json::Value) -> String {
    fn write(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (index, (key, value)) in entries.into_iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(key.clone()).to_string());
                    out.push(':');
                    write(value, out);
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// Builds the record at `seq` after `prev_hash`.
fn seal(
    tenant: TenantId,
    seq: i64,
    at_ms: i64,
    entry: &NewAuditEntry,
    details: &str,
    prev_hash: String,
) -> AuditRecord {
    let mut record = AuditRecord {
        id: format!("{tenant}:{seq}"),
        tenant,
        seq,
        at_ms,
        actor: entry.actor.clone(),
        action: entry.action.clone(),
        target: entry.target.clone(),
        outcome: entry.outcome.clone(),
        request_id: entry.request_id.clone(),
        details: details.to_owned(),
        prev_hash,
        hash: String::new(),
    };
    record.hash = record.expected_hash();
    record
}

/// Checks sizes; returns the canonical details.
fn validate(entry: &NewAuditEntry) -> Result<String, IdentityError> {
    let short = |field: &'static str, value: &str, max: usize| {
        if value.is_empty() || value.len() > max {
            Err(IdentityError::invalid(
                field,
                format!("must be 1 to {max} bytes"),
            ))
        } else {
            Ok(())
        }
    };
    short("actor", &entry.actor, 200)?;
    short("action", &entry.action, 200)?;
    short("target", &entry.target, 2048)?;
    short("outcome", &entry.outcome, 100)?;
    if let Some(request_id) = &entry.request_id {
        short("request_id", request_id, 200)?;
    }
    let details = canonical_json(&entry.details);
    if details.len() > MAX_DETAILS_BYTES {
        return Err(IdentityError::invalid(
            "details",
            format!("must encode to at most {MAX_DETAILS_BYTES} bytes"),
        ));
    }
    Ok(details)
}

/// Sans-IO chain check: feed records in `seq` order, then [`ChainVerifier::finish`].
#[derive(Debug)]
pub struct ChainVerifier {
    tenant: TenantId,
    expected_seq: i64,
    prev_hash: String,
    checked: u64,
    broken: Option<(u64, String)>,
}

/// The chain broke at this record; stop feeding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Broken;

impl ChainVerifier {
    pub fn new(tenant: TenantId) -> Self {
        Self {
            tenant,
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
            checked: 0,
            broken: None,
        }
    }

    /// A raw stored document: undecodable records are broken links too.
    pub fn push_document(&mut self, document: Document) -> Result<(), Broken> {
        match bson::from_document::<AuditRecord>(document.clone()) {
            Ok(record) => self.push(&record),
            Err(error) => {
                let seq = read_int(&document, "seq").and_then(|seq| u64::try_from(seq).ok());
                let seq = seq.unwrap_or_else(|| u64::try_from(self.expected_seq).unwrap_or(0));
                self.checked += 1;
                self.fail(seq, format!("record cannot be decoded: {error}"))
            }
        }
    }

    pub fn push(&mut self, record: &AuditRecord) -> Result<(), Broken> {
        if self.broken.is_some() {
            return Err(Broken);
        }
        let expected = u64::try_from(self.expected_seq).unwrap_or(0);
        if record.seq < self.expected_seq {
            self.checked += 1;
            return self.fail(expected, format!("seq {} appears out of order", record.seq));
        }
        if record.seq > self.expected_seq {
            return self.fail(expected, format!("record {expected} is missing"));
        }
        self.checked += 1;
        if record.tenant != self.tenant {
            return self.fail(expected, "record belongs to another tenant".to_owned());
        }
        if record.id != format!("{}:{}", record.tenant, record.seq) {
            return self.fail(expected, "record id does not match its position".to_owned());
        }
        if record.prev_hash != self.prev_hash {
            return self.fail(
                expected,
                "prev_hash does not match the previous record's hash".to_owned(),
            );
        }
        if record.hash != record.expected_hash() {
            return self.fail(
                expected,
                "hash does not match the record's contents".to_owned(),
            );
        }
        self.prev_hash = record.hash.clone();
        self.expected_seq += 1;
        Ok(())
    }

    pub fn finish(self) -> VerifyReport {
        match self.broken {
            Some((seq, reason)) => VerifyReport {
                ok: false,
                checked: self.checked,
                first_broken_seq: Some(seq),
                reason: Some(reason),
                head_hash: None,
            },
            None => VerifyReport {
                ok: true,
                checked: self.checked,
                first_broken_seq: None,
                reason: None,
                head_hash: (self.checked > 0).then_some(self.prev_hash),
            },
        }
    }

    fn fail(&mut self, seq: u64, reason: String) -> Result<(), Broken> {
        self.broken = Some((seq, reason));
        Err(Broken)
    }
}

pub fn collection_specs() -> Vec<CollectionSpec> {
    vec![CollectionSpec {
        name: COLLECTION,
        indexes: vec![
            IndexModel::builder()
                .keys(doc! { "tenant": 1, "seq": 1 })
                .options(
                    IndexOptions::builder()
                        .name("tenant_seq".to_owned())
                        .unique(true)
                        .build(),
                )
                .build(),
        ],
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(tenant: TenantId, length: i64) -> Vec<AuditRecord> {
        let mut records: Vec<AuditRecord> = Vec::new();
        for seq in 1..=length {
            let prev = records
                .last()
                .map_or_else(|| GENESIS_HASH.to_owned(), |r| r.hash.clone());
            let entry =
                NewAuditEntry::new("key:key_x", "workspaces.create", "/v1/workspaces", "201")
                    .request_id(format!("req_{seq}"))
                    .details(serde_json::json!({ "method": "POST", "a": [1, { "z": 1, "b": 2 }] }));
            let details = validate(&entry).unwrap();
            records.push(seal(
                tenant,
                seq,
                1_700_000_000_000 + seq,
                &entry,
                &details,
                prev,
            ));
        }
        records
    }

    fn verify(tenant: TenantId, records: &[AuditRecord]) -> VerifyReport {
        let mut verifier = ChainVerifier::new(tenant);
        for record in records {
            if verifier.push(record).is_err() {
                break;
            }
        }
        verifier.finish()
    }

    #[test]
    fn canonical_json_sorts_keys_everywhere() {
        let value = serde_json::json!({ "b": 1, "a": { "y": [true, null, "x\"y"], "x": 1.5 } });
        assert_eq!(
            canonical_json(&value),
            r#"{"a":{"x":1.5,"y":[true,null,"x\"y"]},"b":1}"#
        );
    }

    #[test]
    fn the_encoding_is_pinned() {
        // A change to the canonical encoding must be a new version, not an accident.
        let tenant: TenantId = "ten_01hzzzzzzzzzzzzzzzzzzzzzzz".parse().unwrap();
        let record = &chain(tenant, 1)[0];
        let encoded = serde_json::to_string(&CanonicalRecord::of(record)).unwrap();
        assert_eq!(
            encoded,
            format!(
                r#"{{"tenant":"{tenant}","seq":1,"at_ms":1700000000001,"actor":"key:key_x","action":"workspaces.create","target":"/v1/workspaces","outcome":"201","request_id":"req_1","details":"{{\"a\":[1,{{\"b\":2,\"z\":1}}],\"method\":\"POST\"}}","prev_hash":"{GENESIS_HASH}"}}"#
            )
        );
        let mut hasher = Sha256::new();
        hasher.update(GENESIS_HASH.as_bytes());
        hasher.update(encoded.as_bytes());
        assert_eq!(record.hash, hex::encode(hasher.finalize()));
    }

    #[test]
    fn intact_chains_verify() {
        let tenant = TenantId::generate();
        for length in [0, 1, 5] {
            let report = verify(tenant, &chain(tenant, length));
            assert!(report.ok, "{length}: {report:?}");
            assert_eq!(report.checked, length as u64);
        }
    }

    #[test]
    fn tampering_names_the_first_broken_seq() {
        let tenant = TenantId::generate();
        type Tamper = fn(&mut Vec<AuditRecord>);
        let cases: &[(&str, Tamper, u64)] = &[
            ("outcome edited", |r| r[2].outcome = "500".to_owned(), 3),
            ("details edited", |r| r[0].details = "{}".to_owned(), 1),
            ("time edited", |r| r[4].at_ms += 1, 5),
            ("request id removed", |r| r[1].request_id = None, 2),
            // Rehashing an edited record moves the break to its successor's link.
            (
                "edited and rehashed",
                |r| {
                    r[1].actor = "system".to_owned();
                    r[1].hash = r[1].expected_hash();
                },
                3,
            ),
            (
                "record deleted",
                |r| {
                    r.remove(3);
                },
                4,
            ),
            ("records swapped", |r| r.swap(1, 2), 2),
            (
                "moved to another tenant",
                |r| r[0].tenant = TenantId::generate(),
                1,
            ),
        ];
        for (name, tamper, broken) in cases {
            let mut records = chain(tenant, 6);
            tamper(&mut records);
            let report = verify(tenant, &records);
            assert!(!report.ok, "{name}");
            assert_eq!(report.first_broken_seq, Some(*broken), "{name}: {report:?}");
            assert!(report.reason.is_some(), "{name}");
        }
    }

    #[test]
    fn oversized_details_are_refused() {
        let entry = NewAuditEntry::new("system", "x", "y", "z")
            .details(serde_json::json!({ "blob": "x".repeat(MAX_DETAILS_BYTES) }));
        assert!(matches!(
            validate(&entry),
            Err(IdentityError::Invalid {
                field: "details",
                ..
            })
        ));
    }
}
