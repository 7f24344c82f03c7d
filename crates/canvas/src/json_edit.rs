//! Server-side edits in JSON, for servers and agents that do not speak Yjs: a list of
//! operations on named roots, turned into one ordinary Yjs update (by a client id of its own)
//! that is applied, broadcast and logged like any other.
//!
//! | op | fields | on |
//! |---|---|---|
//! | `map_set` | `root`, `key`, `value` (any JSON) | a `Y.Map` root |
//! | `map_delete` | `root`, `key` | a `Y.Map` root |
//! | `text_insert` | `root`, `index`, `text` | a `Y.Text` root (index in characters) |
//! | `text_delete` | `root`, `index`, `length` | a `Y.Text` root |
//! | `array_push` | `root`, `value` | a `Y.Array` root |
//! | `array_insert` | `root`, `index`, `value` | a `Y.Array` root |
//! | `array_delete` | `root`, `index`, `length` | a `Y.Array` root |
//!
//! Every operation is checked before any is applied; all apply in one transaction or none does.

use atelier_canvas_sync::yrs::{
    Any, Array, Doc, Map, ReadTxn, Text, Transact, Update, WriteTxn, updates::decoder::Decode,
};
use serde::{Deserialize, Serialize};

use crate::CanvasError;

/// Most operations in one edit.
pub const MAX_OPS: usize = 1_000;

/// One operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum JsonOp {
    MapSet {
        root: String,
        key: String,
        value: serde_json::Value,
    },
    MapDelete {
        root: String,
        key: String,
    },
    TextInsert {
        root: String,
        index: u32,
        text: String,
    },
    TextDelete {
        root: String,
        index: u32,
        length: u32,
    },
    ArrayPush {
        root: String,
        value: serde_json::Value,
    },
    ArrayInsert {
        root: String,
        index: u32,
        value: serde_json::Value,
    },
    ArrayDelete {
        root: String,
        index: u32,
        length: u32,
    },
}

/// A JSON edit: operations applied in order, in one transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonEdit {
    pub ops: Vec<JsonOp>,
}

fn any(value: &serde_json::Value) -> Result<Any, CanvasError> {
    Any::from_json(&value.to_string())
        .map_err(|error| CanvasError::invalid("ops", format!("value: {error}")))
}

fn out_of_range(index: u32, length: u32, len: u32) -> CanvasError {
    CanvasError::invalid(
        "ops",
        format!(
            "range {index}..{} is outside 0..{len}",
            index.saturating_add(length)
        ),
    )
}

impl JsonEdit {
    /// The Yjs update (v1) that applies the operations to a document whose state is `state`.
    pub fn to_update(&self, state: &[u8]) -> Result<Vec<u8>, CanvasError> {
        if self.ops.is_empty() || self.ops.len() > MAX_OPS {
            return Err(CanvasError::invalid(
                "ops",
                format!("1 to {MAX_OPS} operations"),
            ));
        }
        let doc = Doc::new();
        doc.transact_mut()
            .apply_update(Update::decode_v1(state).map_err(|_| CanvasError::Unavailable)?)
            .map_err(|_| CanvasError::Unavailable)?;
        let before = doc.transact().state_vector();
        // Values are converted first, so a bad one leaves nothing half-applied.
        let values: Vec<Option<Any>> = self
            .ops
            .iter()
            .map(|op| match op {
                JsonOp::MapSet { value, .. }
                | JsonOp::ArrayPush { value, .. }
                | JsonOp::ArrayInsert { value, .. } => any(value).map(Some),
                _ => Ok(None),
            })
            .collect::<Result<_, _>>()?;
        let roots: Vec<_> = self
            .ops
            .iter()
            .map(|op| match op {
                JsonOp::MapSet { root, .. } | JsonOp::MapDelete { root, .. } => root,
                JsonOp::TextInsert { root, .. } | JsonOp::TextDelete { root, .. } => root,
                JsonOp::ArrayPush { root, .. }
                | JsonOp::ArrayInsert { root, .. }
                | JsonOp::ArrayDelete { root, .. } => root,
            })
            .collect();
        if roots
            .iter()
            .any(|root| root.is_empty() || root.chars().count() > 100)
        {
            return Err(CanvasError::invalid(
                "ops",
                "a root name is 1 to 100 characters",
            ));
        }
        {
            let mut txn = doc.transact_mut();
            for (op, value) in self.ops.iter().zip(values) {
                match op {
                    JsonOp::MapSet { root, key, .. } => {
                        let map = txn.get_or_insert_map(root.as_str());
                        map.insert(&mut txn, key.as_str(), value.unwrap_or(Any::Null));
                    }
                    JsonOp::MapDelete { root, key } => {
                        let map = txn.get_or_insert_map(root.as_str());
                        map.remove(&mut txn, key);
                    }
                    JsonOp::TextInsert { root, index, text } => {
                        let target = txn.get_or_insert_text(root.as_str());
                        let len = target.len(&txn);
                        if *index > len {
                            return Err(out_of_range(*index, 0, len));
                        }
                        target.insert(&mut txn, *index, text);
                    }
                    JsonOp::TextDelete {
                        root,
                        index,
                        length,
                    } => {
                        let target = txn.get_or_insert_text(root.as_str());
                        let len = target.len(&txn);
                        if index.saturating_add(*length) > len {
                            return Err(out_of_range(*index, *length, len));
                        }
                        target.remove_range(&mut txn, *index, *length);
                    }
                    JsonOp::ArrayPush { root, .. } => {
                        let array = txn.get_or_insert_array(root.as_str());
                        array.push_back(&mut txn, value.unwrap_or(Any::Null));
                    }
                    JsonOp::ArrayInsert { root, index, .. } => {
                        let array = txn.get_or_insert_array(root.as_str());
                        let len = array.len(&txn);
                        if *index > len {
                            return Err(out_of_range(*index, 0, len));
                        }
                        array.insert(&mut txn, *index, value.unwrap_or(Any::Null));
                    }
                    JsonOp::ArrayDelete {
                        root,
                        index,
                        length,
                    } => {
                        let array = txn.get_or_insert_array(root.as_str());
                        let len = array.len(&txn);
                        if index.saturating_add(*length) > len {
                            return Err(out_of_range(*index, *length, len));
                        }
                        array.remove_range(&mut txn, *index, *length);
                    }
                }
            }
        }
        Ok(doc.transact().encode_state_as_update_v1(&before))
    }
}

#[cfg(test)]
mod tests {
    use atelier_canvas_sync::yrs::{GetString, StateVector};
    use serde_json::json;

    use super::*;

    fn edit(ops: serde_json::Value) -> JsonEdit {
        serde_json::from_value(json!({ "ops": ops })).unwrap()
    }

    fn apply(doc: &Doc, update: &[u8]) {
        doc.transact_mut()
            .apply_update(Update::decode_v1(update).unwrap())
            .unwrap();
    }

    #[test]
    fn operations_become_one_update_other_replicas_apply() {
        let doc = Doc::new();
        let title = doc.get_or_insert_text("title");
        title.insert(&mut doc.transact_mut(), 0, "Hello");
        let state = doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let update = edit(json!([
            { "op": "text_insert", "root": "title", "index": 5, "text": ", world" },
            { "op": "map_set", "root": "shapes", "key": "a", "value": { "kind": "circle", "r": 3 } },
            { "op": "array_push", "root": "order", "value": "a" },
            { "op": "array_insert", "root": "order", "index": 0, "value": 7 },
        ]))
        .to_update(&state)
        .unwrap();
        apply(&doc, &update);
        let txn = doc.transact();
        assert_eq!(title.get_string(&txn), "Hello, world");
        let rendered =
            atelier_canvas_sync::to_json(&doc, &[("shapes", atelier_canvas_sync::RootKind::Map)]);
        drop(txn);
        assert_eq!(rendered["shapes"]["a"], json!({ "kind": "circle", "r": 3 }));
        let txn = doc.transact();
        assert_eq!(txn.get_array("order").unwrap().len(&txn), 2);
    }

    #[test]
    fn a_bad_operation_applies_nothing() {
        let doc = Doc::new();
        doc.get_or_insert_text("title")
            .insert(&mut doc.transact_mut(), 0, "Hi");
        let state = doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let out_of_range = edit(json!([
            { "op": "map_set", "root": "shapes", "key": "a", "value": 1 },
            { "op": "text_delete", "root": "title", "index": 1, "length": 5 },
        ]))
        .to_update(&state);
        assert!(matches!(
            out_of_range,
            Err(CanvasError::Invalid { field: "ops", .. })
        ));
        assert!(matches!(
            edit(json!([])).to_update(&state),
            Err(CanvasError::Invalid { .. })
        ));
        assert!(
            serde_json::from_value::<JsonEdit>(
                json!({ "ops": [{ "op": "explode", "root": "x" }] })
            )
            .is_err()
        );
    }
}
