//! The node's live documents (`atelier_canvas::sync`) against the real store, with frames as a
//! y-websocket client writes them: relay, durable acks, read-only drops, refused frames,
//! eviction and reload, compaction while editing.

use std::time::Duration;

use atelier_canvas::{
    log::UpdateLog,
    sync::{Connection, Joining, Outgoing, SyncHub, SyncOptions},
};
use atelier_canvas_sync::{
    decode_durable_ack,
    yrs::{
        Doc, GetString, ReadTxn, StateVector, Text, Transact, Update,
        sync::{Message, SyncMessage},
        updates::{decoder::Decode, encoder::Encode},
    },
};
use atelier_core::TenantId;
use atelier_store::Store;
use atelier_tests::{eventually, test_config};

fn joining(can_write: bool, wants_acks: bool) -> Joining {
    Joining {
        user: Some("usr_test".to_owned()),
        workspace: Some("wsp_test".to_owned()),
        login: Some("rtf_test".to_owned()),
        can_write,
        wants_acks,
    }
}

/// A client-side document that types into the `text` root.
struct Client {
    doc: Doc,
}

impl Client {
    fn new() -> Self {
        Client { doc: Doc::new() }
    }

    /// Types `text` at the end and returns the update frame a provider sends.
    fn type_text(&self, text: &str) -> Vec<u8> {
        let root = self.doc.get_or_insert_text("text");
        let mut txn = self.doc.transact_mut();
        let before = txn.state_vector();
        let len = root.len(&txn);
        root.insert(&mut txn, len, text);
        let update = txn.encode_state_as_update_v1(&before);
        Message::Sync(SyncMessage::Update(update)).encode_v1()
    }

    fn step1(&self) -> Vec<u8> {
        Message::Sync(SyncMessage::SyncStep1(self.doc.transact().state_vector())).encode_v1()
    }

    /// Applies a sync frame the server sent (step 2 or update); other frames are ignored.
    fn apply(&self, frame: &[u8]) {
        if let Ok(Message::Sync(SyncMessage::SyncStep2(update) | SyncMessage::Update(update))) =
            Message::decode_v1(frame)
        {
            self.doc
                .transact_mut()
                .apply_update(Update::decode_v1(&update).unwrap())
                .unwrap();
        }
    }

    fn text(&self) -> String {
        let root = self.doc.get_or_insert_text("text");
        root.get_string(&self.doc.transact())
    }

    fn state_vector(&self) -> StateVector {
        self.doc.transact().state_vector()
    }
}

async fn next(connection: &mut Connection) -> Outgoing {
    tokio::time::timeout(Duration::from_secs(10), connection.next())
        .await
        .expect("a frame within 10 s")
        .expect("the connection is open")
}

/// Reads frames until one satisfies `wanted`, applying sync frames to `client`.
async fn until(
    connection: &mut Connection,
    client: &Client,
    wanted: impl Fn(&[u8]) -> bool,
) -> Vec<u8> {
    loop {
        match next(connection).await {
            Outgoing::Frame(frame) => {
                client.apply(&frame);
                if wanted(&frame) {
                    return frame.to_vec();
                }
            }
            Outgoing::Close { code, reason } => panic!("closed {code}: {reason}"),
        }
    }
}

async fn hub(options: SyncOptions) -> (Store, UpdateLog, SyncHub) {
    let config = test_config();
    let store = Store::connect(&config.mongodb).await.unwrap();
    atelier_server::migrations::run(&store).await.unwrap();
    let log = UpdateLog::start(&store);
    let hub = SyncHub::new(log.clone(), options);
    (store, log, hub)
}

#[tokio::test]
async fn edits_relay_become_durable_and_survive_eviction() {
    let options = SyncOptions {
        grace: Duration::from_millis(300),
        ..SyncOptions::default()
    };
    let (store, log, hub) = hub(options).await;
    let tenant = TenantId::generate();

    let alice = Client::new();
    let bob = Client::new();
    let mut alice_conn = hub.connect(tenant, "doc_a", joining(true, true));
    let mut bob_conn = hub.connect(tenant, "doc_a", joining(true, false));
    // Each writer is sent the server's step 1 first.
    for (conn, client) in [(&mut alice_conn, &alice), (&mut bob_conn, &bob)] {
        let first = until(conn, client, |_| true).await;
        assert_eq!(&first[..2], &[0, 0], "a sync step 1");
    }

    assert!(alice_conn.receive(alice.type_text("hello")));
    until(&mut bob_conn, &bob, |frame| frame[..2] == [0, 2]).await;
    assert_eq!(bob.text(), "hello");
    // Alice asked for acks: one arrives, covering her edit.
    let ack = until(&mut alice_conn, &alice, |frame| frame[0] == 100).await;
    let durable = decode_durable_ack(&ack).unwrap();
    assert_eq!(durable, alice.state_vector());
    assert_eq!(log.load(tenant, "doc_a").await.unwrap().updates.len(), 1);

    // Bob answers; Alice converges. Bob asked for no acks and gets none.
    assert!(bob_conn.receive(bob.type_text(" world")));
    until(&mut alice_conn, &alice, |frame| frame[..2] == [0, 2]).await;
    assert_eq!(alice.text(), "hello world");

    // Everyone leaves; the document is evicted after the grace period.
    drop(alice_conn);
    drop(bob_conn);
    eventually(Duration::from_secs(10), "document evicted", || async {
        hub.loaded() == 0
    })
    .await;
    assert_eq!(hub.metrics().loaded_documents.get(), 0);

    // A newcomer syncs from the log.
    let carol = Client::new();
    let mut carol_conn = hub.connect(tenant, "doc_a", joining(false, false));
    assert!(carol_conn.receive(carol.step1()));
    until(&mut carol_conn, &carol, |frame| frame[..2] == [0, 1]).await;
    assert_eq!(carol.text(), "hello world");
    assert_eq!(
        hub.durable_state_vector(tenant, "doc_a").await.unwrap(),
        alice.state_vector()
    );
    drop(carol_conn);
    store.drop_database().await.unwrap();
}

#[tokio::test]
async fn read_only_updates_are_dropped_and_bad_frames_close_only_their_sender() {
    let (store, log, hub) = hub(SyncOptions::default()).await;
    let tenant = TenantId::generate();
    let viewer = Client::new();
    let editor = Client::new();
    let mut viewer_conn = hub.connect(tenant, "doc_b", joining(false, false));
    let mut editor_conn = hub.connect(tenant, "doc_b", joining(true, true));
    until(&mut editor_conn, &editor, |frame| frame[..2] == [0, 0]).await;

    // The viewer's edit goes nowhere, and the socket stays.
    assert!(viewer_conn.receive(viewer.type_text("vandalism")));
    // A malformed frame (a truncated update) closes its sender with 1007.
    assert!(viewer_conn.receive(vec![0, 2, 50, 1, 2]));
    match next(&mut viewer_conn).await {
        Outgoing::Close { code, .. } => assert_eq!(code, 1007),
        other => panic!("expected a close, got {other:?}"),
    }
    // The editor still works; the document has none of the viewer's text.
    assert!(editor_conn.receive(editor.type_text("kept")));
    until(&mut editor_conn, &editor, |frame| frame[0] == 100).await;
    let stored = log.load(tenant, "doc_b").await.unwrap();
    assert_eq!(
        stored.updates.len(),
        1,
        "only the editor's update is logged"
    );
    let check = Client::new();
    let mut check_conn = hub.connect(tenant, "doc_b", joining(false, false));
    assert!(check_conn.receive(check.step1()));
    until(&mut check_conn, &check, |frame| frame[..2] == [0, 1]).await;
    assert_eq!(check.text(), "kept");

    // Another tenant's document of the same name is another document.
    let stranger = Client::new();
    let mut stranger_conn = hub.connect(TenantId::generate(), "doc_b", joining(false, false));
    assert!(stranger_conn.receive(stranger.step1()));
    until(&mut stranger_conn, &stranger, |frame| frame[..2] == [0, 1]).await;
    assert_eq!(stranger.text(), "");
    store.drop_database().await.unwrap();
}

#[tokio::test]
async fn compaction_runs_while_editing_and_a_reload_has_everything() {
    let options = SyncOptions {
        grace: Duration::from_millis(200),
        compact_after_updates: 20,
        ..SyncOptions::default()
    };
    let (store, log, hub) = hub(options).await;
    let tenant = TenantId::generate();
    let editor = Client::new();
    let mut conn = hub.connect(tenant, "doc_c", joining(true, true));
    // Five rounds of 20 edits, each waited for until durable: every round asks for a
    // compaction, which folds what is on disk by then.
    for round in 0..5 {
        for i in 0..20 {
            assert!(conn.receive(editor.type_text(&format!("{round}.{i},"))));
        }
        let expected = editor.state_vector();
        loop {
            let ack = until(&mut conn, &editor, |frame| frame[0] == 100).await;
            if decode_durable_ack(&ack).unwrap() == expected {
                break;
            }
        }
    }
    eventually(Duration::from_secs(10), "compactions ran", || async {
        hub.metrics().compactions.get() >= 1
    })
    .await;
    drop(conn);
    eventually(Duration::from_secs(10), "document evicted", || async {
        hub.loaded() == 0
    })
    .await;
    let stored = log.load(tenant, "doc_c").await.unwrap();
    assert!(stored.snapshot.is_some(), "compaction wrote a snapshot");
    assert!(stored.updates.len() < 100, "compaction folded updates");

    let reader = Client::new();
    let mut reader_conn = hub.connect(tenant, "doc_c", joining(false, false));
    assert!(reader_conn.receive(reader.step1()));
    until(&mut reader_conn, &reader, |frame| frame[..2] == [0, 1]).await;
    assert_eq!(reader.text(), editor.text());
    drop(reader_conn);
    store.drop_database().await.unwrap();
}

/// A node: its own hub and fan-out, on a shared store and broker prefix.
fn node(
    log: &UpdateLog,
    bus: &atelier_bus::Bus,
    name: &str,
    cancel: &tokio_util::sync::CancellationToken,
) -> (SyncHub, tokio::task::JoinHandle<()>) {
    let fanout = atelier_canvas::fanout::Fanout::new(bus, name);
    let hub = SyncHub::with_peers(
        log.clone(),
        SyncOptions::default(),
        Some(fanout.clone() as std::sync::Arc<dyn atelier_canvas::sync::Peers>),
        atelier_canvas::metrics::CanvasMetrics::unregistered().unwrap(),
    );
    fanout.attach(&hub);
    let running = tokio::spawn(fanout.run(cancel.clone()));
    (hub, running)
}

#[tokio::test]
async fn two_nodes_serve_one_document_and_log_each_update_once() {
    let config = test_config();
    let store = Store::connect(&config.mongodb).await.unwrap();
    atelier_server::migrations::run(&store).await.unwrap();
    let bus =
        atelier_bus::Bus::new(config.amqp.clone(), atelier_observability::Metrics::new()).unwrap();
    let log_a = UpdateLog::start(&store);
    let log_b = UpdateLog::start(&store);
    let cancel = tokio_util::sync::CancellationToken::new();
    let (node_a, running_a) = node(&log_a, &bus, "node-a", &cancel);
    let (node_b, running_b) = node(&log_b, &bus, "node-b", &cancel);
    let tenant = TenantId::generate();

    let alice = Client::new();
    let bob = Client::new();
    let mut alice_conn = node_a.connect(tenant, "doc_m", joining(true, true));
    let mut bob_conn = node_b.connect(tenant, "doc_m", joining(true, true));
    until(&mut alice_conn, &alice, |frame| frame[..2] == [0, 0]).await;
    until(&mut bob_conn, &bob, |frame| frame[..2] == [0, 0]).await;

    // Both nodes are bound once their step 1 went out (the watch precedes the load).
    assert!(alice_conn.receive(alice.type_text("from a")));
    until(&mut bob_conn, &bob, |frame| frame[..2] == [0, 2]).await;
    assert_eq!(bob.text(), "from a");
    assert!(bob_conn.receive(bob.type_text(", from b")));
    until(&mut alice_conn, &alice, |frame| frame[..2] == [0, 2]).await;
    assert_eq!(alice.text(), "from a, from b");

    // Each update is logged once, by the node that accepted it.
    eventually(Duration::from_secs(10), "both updates durable", || async {
        log_a.load(tenant, "doc_m").await.unwrap().updates.len() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(log_a.load(tenant, "doc_m").await.unwrap().updates.len(), 2);
    assert_eq!(node_a.loaded(), 1);
    assert_eq!(node_b.loaded(), 1);

    drop(alice_conn);
    drop(bob_conn);
    cancel.cancel();
    running_a.await.unwrap();
    running_b.await.unwrap();
    // The session queues were exclusive and the fan-out exchange auto-delete; the base
    // exchanges the consumers declared are the test's to remove.
    bus.delete_base().await.unwrap();
    store.drop_database().await.unwrap();
}

#[tokio::test]
async fn server_side_edits_reach_sockets_are_durable_when_answered_and_checked() {
    let options = SyncOptions {
        limits: atelier_canvas_sync::SessionLimits {
            max_update_bytes: 1_000,
            max_document_bytes: 4_000,
        },
        ..SyncOptions::default()
    };
    let (store, log, hub) = hub(options).await;
    let tenant = TenantId::generate();
    let watcher = Client::new();
    let mut conn = hub.connect(tenant, "doc_e", joining(false, false));
    assert!(conn.receive(watcher.step1()));
    until(&mut conn, &watcher, |frame| frame[..2] == [0, 1]).await;

    // An agent's edit, as a bare v1 update.
    let agent = Doc::new();
    let text = agent.get_or_insert_text("text");
    text.insert(&mut agent.transact_mut(), 0, "drafted by an agent");
    let update = agent
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    assert!(
        hub.edit(
            tenant,
            "doc_e",
            update.clone(),
            Some("usr_agent".to_owned())
        )
        .await
        .unwrap()
    );
    // Durable when answered; the socket hears it.
    assert_eq!(log.load(tenant, "doc_e").await.unwrap().updates.len(), 1);
    until(&mut conn, &watcher, |frame| frame[..2] == [0, 2]).await;
    assert_eq!(watcher.text(), "drafted by an agent");
    // The same update again changes nothing and logs nothing.
    assert!(!hub.edit(tenant, "doc_e", update, None).await.unwrap());
    assert_eq!(log.load(tenant, "doc_e").await.unwrap().updates.len(), 1);

    // Refusals leave the document as it was.
    let malformed = hub.edit(tenant, "doc_e", vec![1, 2, 3], None).await;
    assert!(
        matches!(
            malformed,
            Err(atelier_canvas::sync::EditError::Refused(
                atelier_canvas_sync::SyncError::Malformed { .. }
            ))
        ),
        "{malformed:?}"
    );
    let big = {
        let doc = Doc::new();
        doc.get_or_insert_text("text")
            .insert(&mut doc.transact_mut(), 0, &"x".repeat(2_000));
        doc.transact()
            .encode_state_as_update_v1(&StateVector::default())
    };
    let too_big = hub.edit(tenant, "doc_e", big, None).await;
    assert!(
        matches!(
            too_big,
            Err(atelier_canvas::sync::EditError::Refused(
                atelier_canvas_sync::SyncError::UpdateTooLarge { .. }
            ))
        ),
        "{too_big:?}"
    );

    // The state reads back whole.
    let state = hub.state(tenant, "doc_e").await.unwrap();
    let copy = Client::new();
    copy.doc
        .transact_mut()
        .apply_update(Update::decode_v1(&state).unwrap())
        .unwrap();
    assert_eq!(copy.text(), "drafted by an agent");
    drop(conn);
    store.drop_database().await.unwrap();
}

#[tokio::test]
async fn versions_are_kept_listed_and_restored_as_a_forward_edit() {
    let options = SyncOptions {
        version_every: Duration::from_millis(150),
        ..SyncOptions::default()
    };
    let (store, log, _) = hub(options).await;
    let versions = atelier_canvas::versions::Versions::new(&store);
    let hub = SyncHub::build(atelier_canvas::sync::HubParts {
        log,
        options,
        peers: None,
        metrics: atelier_canvas::metrics::CanvasMetrics::unregistered().unwrap(),
        versions: Some(versions.clone()),
        tenant_limits: std::collections::HashMap::new(),
        gatekeeper: None,
    });
    let tenant = TenantId::generate();
    let editor = Client::new();
    let mut conn = hub.connect(tenant, "doc_v", joining(true, true));
    until(&mut conn, &editor, |frame| frame[..2] == [0, 0]).await;

    assert!(conn.receive(editor.type_text("first draft")));
    until(&mut conn, &editor, |frame| frame[0] == 100).await;
    let named = versions
        .create(
            tenant,
            "doc_v",
            Some("Draft 1".to_owned()),
            atelier_canvas::versions::VersionKind::Named,
            Some("usr_test".to_owned()),
            hub.state(tenant, "doc_v").await.unwrap(),
        )
        .await
        .unwrap();
    // Editing on past `version_every` keeps a periodic version.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(conn.receive(editor.type_text(", then a rewrite")));
    until(&mut conn, &editor, |frame| frame[0] == 100).await;
    eventually(Duration::from_secs(5), "a periodic version", || async {
        versions
            .page(tenant, "doc_v", None, 10)
            .await
            .unwrap()
            .0
            .iter()
            .any(|version| version.kind == atelier_canvas::versions::VersionKind::Periodic)
    })
    .await;
    let (listed, more) = versions.page(tenant, "doc_v", None, 1).await.unwrap();
    assert!(more);
    assert_eq!(listed[0].id, named.id);
    assert!(
        listed[0].state.bytes.is_empty(),
        "listings leave the state out"
    );
    assert!(
        versions
            .get(TenantId::generate(), "doc_v", &named.id)
            .await
            .unwrap()
            .is_none()
    );

    // Restore Draft 1 as a forward edit: the connected client receives it as an update.
    let version = versions
        .get(tenant, "doc_v", &named.id)
        .await
        .unwrap()
        .unwrap();
    let current = hub.state(tenant, "doc_v").await.unwrap();
    let restore = atelier_canvas_sync::restore_update(&version.state.bytes, &current).unwrap();
    assert!(
        hub.edit(tenant, "doc_v", restore, Some("usr_test".to_owned()))
            .await
            .unwrap()
    );
    until(&mut conn, &editor, |frame| frame[..2] == [0, 2]).await;
    assert_eq!(editor.text(), "first draft");
    drop(conn);
    store.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_tenant_override_holds_its_documents_to_other_limits() {
    let (store, log, _) = hub(SyncOptions::default()).await;
    let small = TenantId::generate();
    let hub = SyncHub::build(atelier_canvas::sync::HubParts {
        log,
        options: SyncOptions::default(),
        peers: None,
        metrics: atelier_canvas::metrics::CanvasMetrics::unregistered().unwrap(),
        versions: None,
        tenant_limits: [(
            small,
            atelier_canvas_sync::SessionLimits {
                max_update_bytes: 100,
                max_document_bytes: 1_000,
            },
        )]
        .into(),
        gatekeeper: None,
    });
    let editor = Client::new();
    let mut conn = hub.connect(small, "doc_l", joining(true, false));
    until(&mut conn, &editor, |frame| frame[..2] == [0, 0]).await;
    assert!(conn.receive(editor.type_text(&"y".repeat(500))));
    match next(&mut conn).await {
        Outgoing::Close { code, .. } => assert_eq!(code, 1009, "update over the tenant's limit"),
        other => panic!("expected a close, got {other:?}"),
    }
    // Another tenant gets the default limits.
    let other = TenantId::generate();
    let mut conn = hub.connect(other, "doc_l", joining(true, true));
    let editor = Client::new();
    until(&mut conn, &editor, |frame| frame[..2] == [0, 0]).await;
    assert!(conn.receive(editor.type_text(&"y".repeat(500))));
    until(&mut conn, &editor, |frame| frame[0] == 100).await;
    drop(conn);
    store.drop_database().await.unwrap();
}

/// A gatekeeper answering from a table the test changes.
#[derive(Default)]
struct Table {
    verdicts: std::sync::Mutex<std::collections::HashMap<String, Option<bool>>>,
}

#[async_trait::async_trait]
impl atelier_canvas::sync::Gatekeeper for Table {
    async fn recheck(
        &self,
        _tenant: TenantId,
        user: &str,
        _document: &str,
    ) -> Result<Option<bool>, String> {
        Ok(self.verdicts.lock().unwrap().get(user).copied().flatten())
    }
}

fn joining_as(user: &str, login: &str, can_write: bool) -> Joining {
    Joining {
        user: Some(user.to_owned()),
        workspace: Some("wsp_a".to_owned()),
        login: Some(login.to_owned()),
        can_write,
        wants_acks: false,
    }
}

async fn closed_with(conn: &mut Connection) -> u16 {
    loop {
        match next(conn).await {
            Outgoing::Close { code, .. } => return code,
            Outgoing::Frame(_) => {}
        }
    }
}

#[tokio::test]
async fn access_changes_end_or_refresh_exactly_the_affected_connections() {
    use atelier_canvas::sync::AccessChange;
    let (store, log, _) = hub(SyncOptions::default()).await;
    let table = std::sync::Arc::new(Table::default());
    let hub = SyncHub::build(atelier_canvas::sync::HubParts {
        log,
        options: SyncOptions::default(),
        peers: None,
        metrics: atelier_canvas::metrics::CanvasMetrics::unregistered().unwrap(),
        versions: None,
        tenant_limits: std::collections::HashMap::new(),
        gatekeeper: Some(table.clone()),
    });
    let tenant = TenantId::generate();
    let mut ann = hub.connect(tenant, "doc_x", joining_as("usr_ann", "rtf_ann", true));
    let mut ben = hub.connect(tenant, "doc_x", joining_as("usr_ben", "rtf_ben", true));
    let mut cat = hub.connect(tenant, "doc_x", joining_as("usr_cat", "rtf_cat", false));
    let mut dan = hub.connect(tenant, "doc_y", joining_as("usr_dan", "rtf_dan", true));
    for conn in [&mut ann, &mut ben, &mut dan] {
        assert!(matches!(next(conn).await, Outgoing::Frame(_)), "step 1");
    }
    {
        let mut verdicts = table.verdicts.lock().unwrap();
        verdicts.insert("usr_ann".to_owned(), Some(true)); // unchanged
        verdicts.insert("usr_ben".to_owned(), Some(false)); // demoted to viewer
        verdicts.insert("usr_cat".to_owned(), None); // revoked
        verdicts.insert("usr_dan".to_owned(), None);
    }
    // A grant change on doc_x: ann stays, ben reconnects (4409), cat leaves (4403);
    // doc_y is not asked.
    hub.access_changed(AccessChange::Document {
        tenant,
        document: "doc_x".to_owned(),
        user: None,
    });
    assert_eq!(closed_with(&mut ben).await, 4409);
    assert_eq!(closed_with(&mut cat).await, 4403);
    // Another tenant's change of the same names touches nothing.
    hub.access_changed(AccessChange::DocumentDeleted {
        tenant: TenantId::generate(),
        document: "doc_x".to_owned(),
    });
    // A revoked login ends only its own connections.
    hub.access_changed(AccessChange::LoginRevoked {
        tenant,
        login: "rtf_dan".to_owned(),
    });
    assert_eq!(closed_with(&mut dan).await, 4403);
    // ann is still connected: a deletion now ends her connection with 4404.
    hub.access_changed(AccessChange::DocumentDeleted {
        tenant,
        document: "doc_x".to_owned(),
    });
    assert_eq!(closed_with(&mut ann).await, 4404);
    store.drop_database().await.unwrap();
}
