//! Publishing new products to the shop's sales channels.
//!
//! A product created through the Admin API is published to no sales channel, so buyers would not see it. The
//! shop's `publish-to` setting names the channels (Shopify admin's names: "Online Store", "Point of Sale" ...);
//! they are looked up once per run that creates products, and each new product is published to them right after
//! Shopify accepted it. A product that cannot be published is still linked: it is recorded as a skipped record
//! (`NOT_PUBLISHED`) with Shopify's reason, so the people running shopsync see it.

use shopify_admin::AdminError;
use shopify_admin::operation::Gid;
use shopify_admin::ops::publications::{
    Publication, PublicationInput, Publications, PublicationsVariables, PublishablePublish, PublishablePublishVariables,
};

use super::{Problem, objects};
use crate::{ShopContext, SyncError};

/// The code of a product created but not published.
pub const NOT_PUBLISHED: &str = "NOT_PUBLISHED";

/// Every publication (sales channel) of the shop.
pub async fn channels(ctx: &ShopContext) -> Result<Vec<Publication>, SyncError> {
    Ok(ctx.client().collect_all::<Publications>(PublicationsVariables::default()).await?)
}

/// The publications the shop's `publish-to` setting names, by name, any letter case. A name the shop has no
/// channel for stops the run before anything is created, naming the channels there are.
pub async fn wanted(ctx: &ShopContext) -> Result<Vec<Gid>, SyncError> {
    let names = &ctx.settings.publish_to;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let all = channels(ctx).await?;
    let mut ids = Vec::new();
    let mut unknown = Vec::new();
    for name in names {
        match all.iter().find(|p| p.name().eq_ignore_ascii_case(name)) {
            Some(publication) => ids.push(publication.id.clone()),
            None => unknown.push(name.as_str()),
        }
    }
    if !unknown.is_empty() {
        let known: Vec<&str> = all.iter().map(Publication::name).collect();
        return Err(SyncError::Invalid(format!(
            "the shop's setting publish-to names {} that {} has no sales channel of; its sales channels are: {}. \
             Nothing was created, so no product ends up invisible: change publish-to (or set it to none)",
            unknown.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
            ctx.shop.domain,
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        )));
    }
    Ok(ids)
}

/// Publishes a product just created to `publications`; what went wrong is the item's problem, not the run's.
pub async fn publish(ctx: &ShopContext, number: &str, product_id: &str, publications: &[Gid]) -> Option<Problem> {
    if publications.is_empty() {
        return None;
    }
    let variables = PublishablePublishVariables {
        id: Gid(product_id.to_string()),
        input: publications.iter().map(|id| PublicationInput { publication_id: id.clone() }).collect(),
    };
    let reason = match ctx.client().execute::<PublishablePublish>(&variables).await {
        Ok(_) => return None,
        Err(AdminError::Auth { .. }) => format!(
            "Shopify refused to publish it: the token lacks the write_publications scope. Grant the scope to the \
             app and store its new token, then publish product {product_id} in Shopify admin"
        ),
        Err(err) => format!("it could not be published ({err}); publish product {product_id} in Shopify admin"),
    };
    Some(Problem::new(
        objects::ITEM,
        number,
        NOT_PUBLISHED,
        format!("created in Shopify but in no sales channel: {reason}"),
    ))
}
