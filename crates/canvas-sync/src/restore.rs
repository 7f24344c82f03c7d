//! Restoring a version as a forward edit.
//!
//! A restore must reach every connected client as an ordinary update (never a swap of the
//! document, which Yjs clients cannot follow). [`restore_update`] computes that update: on a
//! scratch document holding the version, it applies everything the document gained since
//! (inside an undo manager scoped to every root), then undoes it. The undo deletes what was
//! inserted since the version and re-inserts (as new items, by a fresh client id) what was
//! deleted since; its update, applied to the live document, makes it read as the version did,
//! and merges with edits made concurrently like any other update.

use std::collections::BTreeSet;

use yrs::{
    Doc, ReadTxn, StateVector, Transact, UndoManager, Update, branch::BranchPtr,
    undo::Options as UndoOptions, updates::decoder::Decode,
};

use crate::SyncError;

/// The origin of the scratch transaction the undo manager tracks.
const RESTORE_ORIGIN: &str = "atelier.restore";

/// The v1 update that turns a document whose state is `current` back into `version` (an
/// earlier state of the same document, both v1 state updates). Empty changes give an update
/// that changes nothing.
pub fn restore_update(version: &[u8], current: &[u8]) -> Result<Vec<u8>, SyncError> {
    let version = Update::decode_v1(version).map_err(SyncError::malformed)?;
    let current = Update::decode_v1(current).map_err(SyncError::malformed)?;

    // What the document gained since the version, and the names of every root it has now.
    let now = Doc::new();
    now.transact_mut()
        .apply_update(current)
        .map_err(SyncError::malformed)?;
    let scratch = Doc::new();
    scratch
        .transact_mut()
        .apply_update(version)
        .map_err(SyncError::malformed)?;
    let version_vector: StateVector = scratch.transact().state_vector();
    let since = now.transact().encode_state_as_update_v1(&version_vector);
    let mut roots: BTreeSet<String> = now
        .transact()
        .root_refs()
        .map(|(name, _)| name.to_owned())
        .collect();
    roots.extend(
        scratch
            .transact()
            .root_refs()
            .map(|(name, _)| name.to_owned()),
    );

    let mut undo: UndoManager = UndoManager::with_options(UndoOptions {
        capture_timeout_millis: u64::MAX,
        ..UndoOptions::default()
    });
    for name in &roots {
        let branch = root_branch(&scratch, name);
        undo.expand_scope(&scratch, &branch);
    }
    undo.include_origin(RESTORE_ORIGIN);
    {
        let mut txn = scratch.transact_mut_with(RESTORE_ORIGIN);
        txn.apply_update(Update::decode_v1(&since).map_err(SyncError::malformed)?)
            .map_err(SyncError::malformed)?;
    }
    let before = scratch.transact().state_vector();
    while undo.undo_blocking() {}
    Ok(scratch.transact().encode_state_as_update_v1(&before))
}

/// The root named `name` of `doc` as a branch. Every root is taken as a map: the kind does
/// not matter to the undo manager, which tracks branches, and a root the scratch document only
/// knows from an update (of undefined kind) is not tracked until it is given one.
fn root_branch(doc: &Doc, name: &str) -> BranchPtr {
    let map = doc.get_or_insert_map(name);
    BranchPtr::from(AsRef::<yrs::branch::Branch>::as_ref(&map))
}

#[cfg(test)]
mod tests {
    use yrs::{Array, GetString, Map, Text};

    use super::*;

    fn state(doc: &Doc) -> Vec<u8> {
        doc.transact()
            .encode_state_as_update_v1(&StateVector::default())
    }

    fn apply(doc: &Doc, update: &[u8]) {
        doc.transact_mut()
            .apply_update(Update::decode_v1(update).unwrap())
            .unwrap();
    }

    #[test]
    fn text_map_and_array_read_as_the_version_again() {
        let doc = Doc::new();
        let text = doc.get_or_insert_text("text");
        let shapes = doc.get_or_insert_map("shapes");
        let order = doc.get_or_insert_array("order");
        {
            let mut txn = doc.transact_mut();
            text.insert(&mut txn, 0, "hello");
            shapes.insert(&mut txn, "a", "circle");
            shapes.insert(&mut txn, "b", "square");
            order.push_back(&mut txn, "a");
            order.push_back(&mut txn, "b");
        }
        let version = state(&doc);
        {
            let mut txn = doc.transact_mut();
            text.insert(&mut txn, 5, " world");
            text.remove_range(&mut txn, 0, 1);
            shapes.insert(&mut txn, "a", "triangle");
            shapes.remove(&mut txn, "b");
            shapes.insert(&mut txn, "c", "line");
            order.remove(&mut txn, 0);
            order.push_back(&mut txn, "c");
        }
        // A root that did not exist at the version.
        let late = doc.get_or_insert_text("late");
        late.insert(&mut doc.transact_mut(), 0, "new root");

        let restore = restore_update(&version, &state(&doc)).unwrap();
        apply(&doc, &restore);
        let txn = doc.transact();
        assert_eq!(text.get_string(&txn), "hello");
        assert_eq!(shapes.get(&txn, "a").unwrap().to_string(&txn), "circle");
        assert_eq!(shapes.get(&txn, "b").unwrap().to_string(&txn), "square");
        assert!(shapes.get(&txn, "c").is_none());
        let items: Vec<String> = order.iter(&txn).map(|item| item.to_string(&txn)).collect();
        assert_eq!(items, ["a", "b"]);
        assert_eq!(late.get_string(&txn), "");
    }

    #[test]
    fn a_restore_reaches_other_replicas_as_an_update_and_merges_with_concurrent_edits() {
        let server = Doc::new();
        let text = server.get_or_insert_text("text");
        text.insert(&mut server.transact_mut(), 0, "v1");
        let version = state(&server);
        text.insert(&mut server.transact_mut(), 2, " then v2");
        let client = Doc::new();
        apply(&client, &state(&server));

        let restore = restore_update(&version, &state(&server)).unwrap();
        // The client types concurrently, then both exchange updates.
        let client_text = client.get_or_insert_text("text");
        let before = client.transact().state_vector();
        client_text.insert(&mut client.transact_mut(), 0, ">");
        let typed = client.transact().encode_state_as_update_v1(&before);
        apply(&server, &restore);
        apply(&server, &typed);
        apply(&client, &restore);
        let server_text = text.get_string(&server.transact());
        assert_eq!(server_text, client_text.get_string(&client.transact()));
        assert_eq!(server_text, ">v1");
    }

    #[test]
    fn restoring_the_current_state_changes_nothing_and_garbage_is_refused() {
        let doc = Doc::new();
        doc.get_or_insert_text("text")
            .insert(&mut doc.transact_mut(), 0, "same");
        let now = state(&doc);
        let restore = restore_update(&now, &now).unwrap();
        let vector = doc.transact().state_vector();
        apply(&doc, &restore);
        assert_eq!(doc.transact().state_vector(), vector);
        assert!(matches!(
            restore_update(&[1, 2, 3], &now),
            Err(SyncError::Malformed { .. })
        ));
    }
}
