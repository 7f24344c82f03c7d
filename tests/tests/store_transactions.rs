//! Transactions under the gate (`mongodb.serialize_transactions`, the development server's
//! stand-in for isolation): a transaction abandoned mid-flight (its task aborted, or its
//! operation timeout passed) holds the gate until its abort has landed, so the next
//! transaction never overlaps it.

use std::time::Duration;

use atelier_store::Store;
use atelier_tests::test_config;
use futures_util::FutureExt;
use mongodb::bson::{Document, doc};

#[tokio::test]
async fn a_transaction_dropped_mid_flight_never_overlaps_the_next_one() {
    let mut config = test_config();
    // The point is the gate; on a server with real isolation the test passes without it.
    config.mongodb.serialize_transactions = true;
    let store = Store::connect(&config.mongodb).await.unwrap();
    let probes = store.database().collection::<Document>("gate_probe");

    for round in 0..25_i32 {
        // Written, then left open: the caller gives up on it.
        let abandoned = store.transaction(probes.clone(), move |session, probes| {
            async move {
                probes
                    .insert_one(doc! { "round": round, "kind": "abandoned" })
                    .session(&mut *session)
                    .await?;
                std::future::pending::<()>().await;
                Ok(())
            }
            .boxed()
        });
        assert!(
            tokio::time::timeout(Duration::from_millis(30), abandoned)
                .await
                .is_err(),
            "the abandoned transaction never finishes"
        );
        // The next transaction starts at once; it must commit whatever the abort does.
        store
            .transaction(probes.clone(), move |session, probes| {
                async move {
                    probes
                        .insert_one(doc! { "round": round, "kind": "kept" })
                        .session(&mut *session)
                        .await?;
                    Ok(())
                }
                .boxed()
            })
            .await
            .unwrap_or_else(|error| panic!("round {round}: {error}"));
    }

    let kept = probes
        .count_documents(doc! { "kind": "kept" })
        .await
        .unwrap();
    let abandoned = probes
        .count_documents(doc! { "kind": "abandoned" })
        .await
        .unwrap();
    store.drop_database().await.unwrap();
    assert_eq!(abandoned, 0, "abandoned writes were rolled back");
    assert_eq!(kept, 25, "every committed write is there");
}
