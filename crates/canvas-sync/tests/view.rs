//! The JSON view and the root/key diff, on documents written with yrs.

use atelier_canvas_sync::yrs::{
    Array, ArrayPrelim, Doc, Map, MapPrelim, ReadTxn, StateVector, Text, Transact, XmlFragment,
    XmlTextPrelim,
};
use atelier_canvas_sync::{Change, DocumentSession, RootKind, SessionLimits, diff, to_json};
use serde_json::json;

const ROOTS: &[(&str, RootKind)] = &[
    ("shapes", RootKind::Map),
    ("order", RootKind::Array),
    ("title", RootKind::Text),
    ("notes", RootKind::XmlFragment),
];

fn state(doc: &Doc) -> Vec<u8> {
    doc.transact()
        .encode_state_as_update_v1(&StateVector::default())
}

fn canvas() -> Doc {
    let doc = Doc::with_client_id(1);
    let shapes = doc.get_or_insert_map("shapes");
    let order = doc.get_or_insert_array("order");
    let title = doc.get_or_insert_text("title");
    let mut txn = doc.transact_mut();
    shapes.insert(&mut txn, "s1", MapPrelim::from([("x", 1.5), ("y", 2.0)]));
    shapes.insert(&mut txn, "s2", "circle");
    order.push_back(&mut txn, "s1");
    order.push_back(&mut txn, ArrayPrelim::from([1, 2]));
    title.push(&mut txn, "Plan");
    drop(txn);
    doc
}

#[test]
fn to_json_reads_roots_a_server_only_knows_by_name() {
    // The session received the state as an update: its roots are untyped until read as a kind.
    let session = DocumentSession::load(SessionLimits::default(), Some(&state(&canvas())), [])
        .expect("loads");
    assert_eq!(
        to_json(session.doc(), ROOTS),
        json!({
            "shapes": { "s1": { "x": 1.5, "y": 2.0 }, "s2": "circle" },
            "order": ["s1", [1, 2]],
            "title": "Plan",
            "notes": "",
        })
    );
    // roots that were never written render empty
    assert_eq!(
        to_json(&Doc::new(), ROOTS),
        json!({ "shapes": {}, "order": [], "title": "", "notes": "" })
    );
}

#[test]
fn diff_names_changed_map_keys_and_changed_roots() {
    let doc = canvas();
    let old = state(&doc);
    assert_eq!(
        diff(&old, &old, ROOTS).expect("decodes"),
        Vec::<Change>::new()
    );

    {
        let shapes = doc.get_or_insert_map("shapes");
        let notes = doc.get_or_insert_xml_fragment("notes");
        let mut txn = doc.transact_mut();
        // a change inside a nested map counts for the key holding it
        let s1 = match shapes.get(&txn, "s1") {
            Some(atelier_canvas_sync::yrs::Out::YMap(s1)) => s1,
            other => panic!("expected a nested map, got {other:?}"),
        };
        s1.insert(&mut txn, "x", 3.0);
        shapes.remove(&mut txn, "s2");
        shapes.insert(&mut txn, "s3", true);
        notes.push_back(&mut txn, XmlTextPrelim::new("hi"));
    }
    let new = state(&doc);
    let change = |root: &str, key: Option<&str>| Change {
        root: root.into(),
        key: key.map(Into::into),
    };
    assert_eq!(
        diff(&old, &new, ROOTS).expect("decodes"),
        vec![
            change("notes", None),
            change("shapes", Some("s1")),
            change("shapes", Some("s2")),
            change("shapes", Some("s3")),
        ]
    );

    // an insert that is deleted again leaves the text unchanged; a real edit does not
    let title = doc.get_or_insert_text("title");
    {
        let mut txn = doc.transact_mut();
        title.insert(&mut txn, 2, "zz");
    }
    {
        let mut txn = doc.transact_mut();
        title.remove_range(&mut txn, 2, 2);
    }
    assert_eq!(diff(&new, &state(&doc), ROOTS).expect("decodes"), vec![]);
    {
        let order = doc.get_or_insert_array("order");
        let mut txn = doc.transact_mut();
        title.push(&mut txn, "!");
        order.remove(&mut txn, 0);
    }
    assert_eq!(
        diff(&new, &state(&doc), ROOTS).expect("decodes"),
        vec![change("order", None), change("title", None)]
    );

    assert!(diff(&[0xff], &new, ROOTS).is_err());
}
