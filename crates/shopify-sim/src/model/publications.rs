//! Publications (where a product is sold) and the sales channels behind them.
//!
//! The shop has three, as a new Shopify store with the usual apps: Online Store, Point of Sale
//! and Shop. A product is published on Online Store and Point of Sale from its creation unless a
//! `publishableUnpublish` (or `publishablePublish`) said otherwise: only the changes are stored,
//! so seeding, `productSet` and the benchmarks' 100,000 products cost nothing here.

use std::collections::HashMap;

use jiff::Timestamp;

/// One publication and its channel (Shopify pairs them one to one for sales channel apps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub id: u64,
    /// The channel's id (`gid://shopify/Channel/...`).
    pub channel_id: u64,
    pub name: &'static str,
    /// The channel's handle (`online_store`, `pos`, `shop`).
    pub handle: &'static str,
    /// Whether a new product is published here by default.
    pub published_by_default: bool,
    /// Only the online store can schedule a publication in the future.
    pub supports_future_publishing: bool,
}

/// The shop's publications and each product's publication changes.
#[derive(Debug, Clone)]
pub struct Publications {
    pub items: Vec<Publication>,
    /// (product id, publication id) → publish date when published, `None` when unpublished.
    changed: HashMap<(u64, u64), Option<Timestamp>>,
}

impl Default for Publications {
    fn default() -> Self {
        let publication = |index: u64, name, handle, published_by_default, supports_future_publishing| Publication {
            id: 190_000_000_000 + index,
            channel_id: 191_000_000_000 + index,
            name,
            handle,
            published_by_default,
            supports_future_publishing,
        };
        Publications {
            items: vec![
                publication(1, "Online Store", "online_store", true, true),
                publication(2, "Point of Sale", "pos", true, false),
                publication(3, "Shop", "shop", false, false),
            ],
            changed: HashMap::new(),
        }
    }
}

impl Publications {
    /// The publication with this id.
    pub fn get(&self, id: u64) -> Option<&Publication> {
        self.items.iter().find(|publication| publication.id == id)
    }

    /// The publication whose channel has this id.
    pub fn by_channel(&self, channel_id: u64) -> Option<&Publication> {
        self.items.iter().find(|publication| publication.channel_id == channel_id)
    }

    /// When the product was (or will be) published on the publication, `None` when it is not.
    pub fn publish_date(&self, product_id: u64, created_at: Timestamp, publication: &Publication) -> Option<Timestamp> {
        match self.changed.get(&(product_id, publication.id)) {
            Some(state) => *state,
            None => publication.published_by_default.then_some(created_at),
        }
    }

    /// Whether the product is published there now (`now` decides for a scheduled date).
    pub fn is_published(
        &self,
        product_id: u64,
        created_at: Timestamp,
        publication: &Publication,
        now: Timestamp,
    ) -> bool {
        self.publish_date(product_id, created_at, publication).is_some_and(|date| date <= now)
    }

    /// Publishes (at `date`) or unpublishes (`None`) a product on a publication.
    pub fn set(&mut self, product_id: u64, publication_id: u64, date: Option<Timestamp>) {
        self.changed.insert((product_id, publication_id), date);
    }

    /// Leaves a product out of every publication (a product created through the API).
    pub fn unpublish_everywhere(&mut self, product_id: u64) {
        for publication in &self.items {
            self.changed.insert((product_id, publication.id), None);
        }
    }

    /// Forgets a deleted product.
    pub fn remove_product(&mut self, product_id: u64) {
        self.changed.retain(|(product, _), _| *product != product_id);
    }
}
