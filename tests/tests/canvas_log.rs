//! The canvas update log against the real store: group commit, load, compaction racing
//! appends and other compactions, purge, tenancy.

use std::{collections::BTreeSet, sync::atomic::Ordering, time::Duration};

use atelier_canvas::log::{Compaction, Stored, UpdateLog};
use atelier_canvas_sync::{
    DocumentSession, SessionLimits,
    yrs::{Doc, Map, ReadTxn, StateVector, Transact},
};
use atelier_core::TenantId;
use atelier_store::Store;
use atelier_tests::test_config;

/// A v1 update of its own one-client document that sets `shapes[key] = key`.
fn update_setting(key: &str) -> Vec<u8> {
    let doc = Doc::new();
    let shapes = doc.get_or_insert_map("shapes");
    let mut txn = doc.transact_mut();
    shapes.insert(&mut txn, key, key);
    txn.encode_state_as_update_v1(&StateVector::default())
}

/// The keys of `shapes` in the document the stored log loads into.
fn keys(stored: &Stored) -> BTreeSet<String> {
    let session = DocumentSession::load(
        SessionLimits::default(),
        stored.snapshot.as_deref(),
        stored.updates.iter().map(Vec::as_slice),
    )
    .expect("the log loads");
    let doc = session.doc();
    let shapes = doc.get_or_insert_map("shapes");
    let txn = doc.transact();
    shapes.keys(&txn).map(str::to_owned).collect()
}

async fn store() -> Store {
    let config = test_config();
    let store = Store::connect(&config.mongodb).await.unwrap();
    atelier_server::migrations::run(&store).await.unwrap();
    store
}

#[tokio::test]
async fn concurrent_appends_share_writes_and_all_load_back() {
    let store = store().await;
    let log = UpdateLog::start(&store);
    let tenant = TenantId::generate();
    let appends = (0..400).map(|i| {
        let log = log.clone();
        async move {
            let document = format!("doc_{}", i % 5);
            log.append(tenant, &document, update_setting(&format!("k{i}")), None)
                .await
        }
    });
    for outcome in futures_util::future::join_all(appends).await {
        outcome.expect("durable");
    }
    let batches = log.stats().batches.load(Ordering::Relaxed);
    let updates = log.stats().updates.load(Ordering::Relaxed);
    assert_eq!(updates, 400);
    assert!(
        batches <= 40,
        "400 concurrent appends took {batches} writes: group commit should need far fewer"
    );
    for d in 0..5 {
        let stored = log.load(tenant, &format!("doc_{d}")).await.unwrap();
        assert_eq!(stored.updates.len(), 80);
        let expected: BTreeSet<String> = (0..400)
            .filter(|i| i % 5 == d)
            .map(|i| format!("k{i}"))
            .collect();
        assert_eq!(keys(&stored), expected);
    }
    // Another tenant sees nothing of it.
    let other = log.load(TenantId::generate(), "doc_0").await.unwrap();
    assert_eq!(other, Stored::default());
    store.drop_database().await.unwrap();
}

#[tokio::test]
async fn compaction_folds_the_log_and_loses_nothing_appended_meanwhile() {
    let store = store().await;
    let log = UpdateLog::start(&store);
    let tenant = TenantId::generate();
    for i in 0..100 {
        log.append(tenant, "doc_a", update_setting(&format!("k{i}")), None)
            .await
            .unwrap();
    }
    // Editors keep typing while two compactions run.
    let writer = {
        let log = log.clone();
        tokio::spawn(async move {
            for i in 100..200 {
                log.append(tenant, "doc_a", update_setting(&format!("k{i}")), None)
                    .await
                    .unwrap();
            }
        })
    };
    let mut folded = 0;
    for _ in 0..5 {
        let (first, second) =
            tokio::join!(log.compact(tenant, "doc_a"), log.compact(tenant, "doc_a"));
        for outcome in [first.unwrap(), second.unwrap()] {
            if let Compaction::Folded { updates, .. } = outcome {
                folded += updates;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    writer.await.unwrap();
    assert!(folded > 0, "something was folded");

    let stored = log.load(tenant, "doc_a").await.unwrap();
    assert!(stored.snapshot.is_some());
    let expected: BTreeSet<String> = (0..200).map(|i| format!("k{i}")).collect();
    assert_eq!(keys(&stored), expected, "every update survives compaction");

    // A final compaction leaves only the snapshot.
    assert!(matches!(
        log.compact(tenant, "doc_a").await.unwrap(),
        Compaction::Folded { .. } | Compaction::Nothing
    ));
    let stored = log.load(tenant, "doc_a").await.unwrap();
    assert!(stored.updates.is_empty());
    assert_eq!(keys(&stored), expected);
    assert_eq!(
        log.compact(tenant, "doc_a").await.unwrap(),
        Compaction::Nothing
    );

    // Purge removes the document, and only it.
    log.append(tenant, "doc_b", update_setting("b"), None)
        .await
        .unwrap();
    log.purge(tenant, "doc_a").await.unwrap();
    assert_eq!(log.load(tenant, "doc_a").await.unwrap(), Stored::default());
    assert_eq!(log.load(tenant, "doc_b").await.unwrap().updates.len(), 1);
    store.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_logged_update_is_stored_once_and_encodes_what_was_sent() {
    let store = store().await;
    let log = UpdateLog::start(&store);
    let tenant = TenantId::generate();
    let update = update_setting("x");
    log.append(tenant, "doc_a", update.clone(), Some("usr_1".to_owned()))
        .await
        .unwrap();
    let stored = log.load(tenant, "doc_a").await.unwrap();
    assert_eq!(stored.updates, vec![update]);
    assert_eq!(log.pending(tenant, "doc_a").await.unwrap(), 1);
    store.drop_database().await.unwrap();
}
