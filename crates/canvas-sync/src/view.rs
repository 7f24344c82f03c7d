//! Read-only views of a document: a JSON rendering and a root/key level diff of two versions.
//!
//! A Yjs root type has no type on the wire: a document that only received updates knows its
//! roots' names but not whether `"shapes"` is a map or an array (yrs reports such roots as
//! `Out::UndefinedRef`, which renders as nothing). So the caller, who knows its schema, names
//! the roots and their kinds; the views read each root *as* that kind through a read
//! transaction, which never changes the document.

use std::collections::BTreeSet;

use serde_json::Value;
use yrs::types::ToJson;
use yrs::updates::decoder::Decode;
use yrs::{Any, Doc, GetString, Number, ReadTxn, Transact, Update};

use crate::error::SyncError;

/// How a root type is used by the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootKind {
    /// `Y.Map`: rendered as an object; diffed per key.
    Map,
    /// `Y.Array`: rendered as an array; diffed as a whole.
    Array,
    /// `Y.Text`: rendered as its plain string (formatting is not shown); diffed as a whole.
    Text,
    /// `Y.XmlFragment`: rendered as its XML string; diffed as a whole.
    XmlFragment,
}

/// A declared root: its name and kind.
pub type Root<'a> = (&'a str, RootKind);

/// One change between two versions of a document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// The root type's name.
    pub root: String,
    /// For a map root, the key that was added, removed or whose value changed; `None` for the
    /// other kinds (the root changed as a whole).
    pub key: Option<String>,
}

/// Renders the declared roots as one JSON object `{ root name: value }`.
///
/// A root that does not exist renders as its kind's empty value (`{}`, `[]`, `""`): Yjs cannot
/// tell a root that was never written from an empty one. Nested shared types render as JSON;
/// binary values as arrays of bytes; non-finite numbers as `null`.
pub fn to_json(doc: &Doc, roots: &[Root<'_>]) -> Value {
    let txn = doc.transact();
    let object = roots
        .iter()
        .map(|(name, kind)| (name.to_string(), any_to_json(&read_root(&txn, name, *kind))))
        .collect();
    Value::Object(object)
}

/// Which declared roots (and which keys of map roots) differ between two versions, each given as
/// a full-state v1 update (a snapshot, or [`crate::DocumentSession::encode_state_as_update`]).
///
/// Values are compared by their JSON rendering, so a change inside a nested shared type counts
/// as a change of the map key holding it, and a text's formatting-only change is not seen.
/// Changes come sorted by root, then key.
pub fn diff(
    old_state: &[u8],
    new_state: &[u8],
    roots: &[Root<'_>],
) -> Result<Vec<Change>, SyncError> {
    let old = doc_from_state(old_state)?;
    let new = doc_from_state(new_state)?;
    let (old_txn, new_txn) = (old.transact(), new.transact());
    let mut changes = BTreeSet::new();
    for (name, kind) in roots {
        let before = read_root(&old_txn, name, *kind);
        let after = read_root(&new_txn, name, *kind);
        match (kind, &before, &after) {
            (RootKind::Map, Any::Map(before), Any::Map(after)) => {
                let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
                for key in keys {
                    if before.get(key) != after.get(key) {
                        changes.insert(Change {
                            root: name.to_string(),
                            key: Some(key.clone()),
                        });
                    }
                }
            }
            _ => {
                if before != after {
                    changes.insert(Change {
                        root: name.to_string(),
                        key: None,
                    });
                }
            }
        }
    }
    Ok(changes.into_iter().collect())
}

fn doc_from_state(state: &[u8]) -> Result<Doc, SyncError> {
    let doc = Doc::new();
    let update = Update::decode_v1(state).map_err(SyncError::malformed)?;
    doc.transact_mut()
        .apply_update(update)
        .map_err(SyncError::malformed)?;
    Ok(doc)
}

/// Reads a root as `kind`, the empty value of the kind when it does not exist.
fn read_root<T: ReadTxn>(txn: &T, name: &str, kind: RootKind) -> Any {
    match kind {
        RootKind::Map => txn
            .get_map(name)
            .map(|map| map.to_json(txn))
            .unwrap_or_else(|| Any::Map(Default::default())),
        RootKind::Array => txn
            .get_array(name)
            .map(|array| array.to_json(txn))
            .unwrap_or_else(|| Any::Array(Vec::new().into())),
        RootKind::Text => Any::from(
            txn.get_text(name)
                .map(|text| text.get_string(txn))
                .unwrap_or_default(),
        ),
        RootKind::XmlFragment => Any::from(
            txn.get_xml_fragment(name)
                .map(|xml| xml.get_string(txn))
                .unwrap_or_default(),
        ),
    }
}

fn any_to_json(any: &Any) -> Value {
    match any {
        Any::Null | Any::Undefined => Value::Null,
        Any::Bool(b) => Value::Bool(*b),
        Any::Number(Number::Int(i)) => Value::from(*i),
        Any::Number(Number::Float(f)) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Any::String(s) => Value::String(s.to_string()),
        Any::Buffer(bytes) => Value::Array(bytes.iter().map(|b| Value::from(*b)).collect()),
        Any::Array(items) => Value::Array(items.iter().map(any_to_json).collect()),
        Any::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), any_to_json(v)))
                .collect(),
        ),
    }
}
