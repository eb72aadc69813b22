//! Metafields of any owner (products, variants, customers, orders, locations, the shop), by the
//! owner's GID, then namespace and key.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;

/// One metafield.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metafield {
    pub id: u64,
    pub owner: String,
    pub namespace: String,
    pub key: String,
    pub value: String,
    /// Shopify's type name: `single_line_text_field`, `number_integer`, `json` ...
    pub kind: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The shop's metafields (a table of the [`crate::store::Store`]).
#[derive(Debug, Clone, Default)]
pub struct Metafields {
    /// Owner GID → (namespace, key) → metafield.
    by_owner: HashMap<String, BTreeMap<(String, String), Metafield>>,
    /// Metafield id → owner GID, for `node(id:)`.
    owners: HashMap<u64, String>,
}

impl Metafields {
    /// The owner's metafields, by namespace then key.
    pub fn of(&self, owner: &str) -> impl Iterator<Item = &Metafield> {
        self.by_owner.get(owner).into_iter().flat_map(|fields| fields.values())
    }

    /// One metafield of an owner.
    pub fn get(&self, owner: &str, namespace: &str, key: &str) -> Option<&Metafield> {
        self.by_owner.get(owner)?.get(&(namespace.to_string(), key.to_string()))
    }

    /// A metafield by its id.
    pub fn by_id(&self, id: u64) -> Option<&Metafield> {
        let owner = self.owners.get(&id)?;
        self.of(owner).find(|metafield| metafield.id == id)
    }

    /// Creates or replaces a metafield (its id and creation time stay on replace).
    pub fn set(&mut self, metafield: Metafield) -> &Metafield {
        self.owners.insert(metafield.id, metafield.owner.clone());
        let fields = self.by_owner.entry(metafield.owner.clone()).or_default();
        let slot = (metafield.namespace.clone(), metafield.key.clone());
        fields.insert(slot.clone(), metafield);
        &fields[&slot]
    }

    /// Removes one metafield; whether it existed.
    pub fn remove(&mut self, owner: &str, namespace: &str, key: &str) -> bool {
        let removed =
            self.by_owner.get_mut(owner).and_then(|fields| fields.remove(&(namespace.to_string(), key.to_string())));
        if let Some(metafield) = &removed {
            self.owners.remove(&metafield.id);
        }
        removed.is_some()
    }

    /// Forgets every metafield of a deleted owner.
    pub fn remove_owner(&mut self, owner: &str) {
        if let Some(fields) = self.by_owner.remove(owner) {
            for metafield in fields.values() {
                self.owners.remove(&metafield.id);
            }
        }
    }
}
