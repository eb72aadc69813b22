//! The captured Shopify data of one object, version by version, with what changed from each version to the next:
//! which fields, their old and new values, what was added and removed. Plain data; the front-ends draw it.
//!
//! The diff is a small recursive walk of the two JSON documents (no crate: what is needed is every changed leaf
//! with its old and new value, which a JSON Patch leaves out for removals and replacements). Objects are compared
//! key by key; a list of plain values (tags, say) is one value, shown whole before and after, since an element
//! added at its front would otherwise read as every element changed; a list of objects (lines, addresses) is
//! compared position by position, its fields named `list[0].field`.

use serde::Serialize;
use serde_json::Value;
use shopsync_store::{Capture, LogStore};

use crate::SyncError;

/// One captured version of an object.
#[derive(Debug, Serialize)]
pub struct CapturedVersion {
    pub capture: Capture,
    /// What changed since the version before it; `None` for the first version, and when either version is not
    /// JSON (kept as it came, so it is shown whole).
    pub changes: Option<Vec<FieldChange>>,
}

/// One field that differs between two versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Where the field is: keys joined by dots, list positions in brackets (`shippingAddress.city`,
    /// `lineItems[2].quantity`); empty for the document as a whole.
    pub path: String,
    pub change: Change,
}

/// How a field differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    Added { new: Value },
    Removed { old: Value },
    Changed { old: Value, new: Value },
}

/// The captured versions of `object_id` (of `object_type`: `order`, `order_line` ...), newest first, each with its
/// changes since the one before it.
pub async fn capture_history<S>(
    store: &S,
    shop_id: i64,
    object_type: &str,
    object_id: &str,
) -> Result<Vec<CapturedVersion>, SyncError>
where
    S: LogStore + ?Sized,
{
    let captures = store.captures(shop_id, object_type, object_id).await?;
    let parsed: Vec<Option<Value>> = captures.iter().map(|c| serde_json::from_str(&c.payload).ok()).collect();
    Ok(captures
        .into_iter()
        .enumerate()
        .map(|(index, capture)| {
            // Newest first: the version before this one is the next in the list.
            let changes = match (parsed.get(index + 1), &parsed[index]) {
                (Some(Some(older)), Some(newer)) => Some(diff(older, newer)),
                _ => None,
            };
            CapturedVersion { capture, changes }
        })
        .collect())
}

/// Every field that differs from `old` to `new`, in the order of `new`'s keys (then those only `old` has).
pub fn diff(old: &Value, new: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    walk(String::new(), old, new, &mut changes);
    changes
}

fn walk(path: String, old: &Value, new: &Value, changes: &mut Vec<FieldChange>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(old_fields), Value::Object(new_fields)) => {
            for (key, new_value) in new_fields {
                let at = join(&path, key);
                match old_fields.get(key) {
                    Some(old_value) => walk(at, old_value, new_value, changes),
                    None => changes.push(FieldChange { path: at, change: Change::Added { new: new_value.clone() } }),
                }
            }
            for (key, old_value) in old_fields.iter().filter(|(key, _)| !new_fields.contains_key(*key)) {
                changes
                    .push(FieldChange { path: join(&path, key), change: Change::Removed { old: old_value.clone() } });
            }
        }
        (Value::Array(old_items), Value::Array(new_items)) if has_structure(old_items) || has_structure(new_items) => {
            for (index, new_item) in new_items.iter().enumerate() {
                let at = format!("{path}[{index}]");
                match old_items.get(index) {
                    Some(old_item) => walk(at, old_item, new_item, changes),
                    None => changes.push(FieldChange { path: at, change: Change::Added { new: new_item.clone() } }),
                }
            }
            for (index, old_item) in old_items.iter().enumerate().skip(new_items.len()) {
                changes.push(FieldChange {
                    path: format!("{path}[{index}]"),
                    change: Change::Removed { old: old_item.clone() },
                });
            }
        }
        _ => changes.push(FieldChange { path, change: Change::Changed { old: old.clone(), new: new.clone() } }),
    }
}

/// Whether a list holds objects or lists, compared position by position rather than whole.
fn has_structure(items: &[Value]) -> bool {
    items.iter().any(|item| item.is_object() || item.is_array())
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn changed(path: &str, old: Value, new: Value) -> FieldChange {
        FieldChange { path: path.into(), change: Change::Changed { old, new } }
    }

    #[test]
    fn equal_documents_have_no_change() {
        let order = json!({"id": "gid://shopify/Order/1", "tags": ["a"], "lines": [{"qty": 1}]});
        assert!(diff(&order, &order.clone()).is_empty());
    }

    #[test]
    fn changed_added_and_removed_fields_are_named_with_both_values() {
        let old = json!({
            "displayFinancialStatus": "PENDING",
            "note": "call first",
            "shippingAddress": {"city": "Utrecht", "zip": "3511"},
            "total": {"amount": "10.00", "currencyCode": "EUR"},
        });
        let new = json!({
            "displayFinancialStatus": "PAID",
            "shippingAddress": {"city": "Amsterdam", "zip": "3511", "phone": "+31 20"},
            "total": {"amount": "10.00", "currencyCode": "EUR"},
            "poNumber": null,
        });
        assert_eq!(
            diff(&old, &new),
            vec![
                changed("displayFinancialStatus", json!("PENDING"), json!("PAID")),
                changed("shippingAddress.city", json!("Utrecht"), json!("Amsterdam")),
                FieldChange { path: "shippingAddress.phone".into(), change: Change::Added { new: json!("+31 20") } },
                FieldChange { path: "poNumber".into(), change: Change::Added { new: Value::Null } },
                FieldChange { path: "note".into(), change: Change::Removed { old: json!("call first") } },
            ]
        );
    }

    #[test]
    fn a_list_of_plain_values_is_one_value_and_a_list_of_objects_is_compared_by_position() {
        let old = json!({"tags": ["web", "eu"], "lines": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]});
        let new = json!({"tags": ["vip", "web", "eu"], "lines": [{"sku": "A", "qty": 3}]});
        assert_eq!(
            diff(&old, &new),
            vec![
                changed("tags", json!(["web", "eu"]), json!(["vip", "web", "eu"])),
                changed("lines[0].qty", json!(1), json!(3)),
                FieldChange { path: "lines[1]".into(), change: Change::Removed { old: json!({"sku": "B", "qty": 2}) } },
            ]
        );
        let grown = diff(&json!({"lines": []}), &json!({"lines": [{"sku": "A"}]}));
        assert_eq!(
            grown,
            vec![FieldChange { path: "lines[0]".into(), change: Change::Added { new: json!({"sku": "A"}) } }]
        );
    }

    #[test]
    fn a_change_of_kind_is_one_change_and_a_whole_document_has_an_empty_path() {
        assert_eq!(diff(&json!({"a": {"b": 1}}), &json!({"a": "b"})), vec![changed("a", json!({"b": 1}), json!("b"))]);
        assert_eq!(diff(&json!(1), &json!(2)), vec![changed("", json!(1), json!(2))]);
    }
}
