//! Products and links: link a Shopify variant to a back-office SKU (what a PRODUCT_NOT_LINKED order waits for),
//! and the product links of a shop.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::{Extension, Form};
use serde::Deserialize;
use shopsync_sync::app::actions;

use super::{Console, Ctx, Layout, done, enc, failure, render};

#[derive(Template)]
#[template(path = "console/products.html")]
struct ProductsPage {
    l: Layout,
    shops: Vec<String>,
    shop: String,
    product: String,
    variant: String,
    sku: String,
    title: String,
    back: String,
    /// Back-office SKUs like the one asked for, to choose from.
    candidates: Vec<(String, String)>,
    links: usize,
}

#[derive(Deserialize, Default)]
pub(crate) struct LinkQuery {
    #[serde(default)]
    shop: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    variant: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    back: String,
}

pub(crate) async fn page(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<LinkQuery>,
) -> Response {
    let store = console.engine.store();
    let shops = match store.shops().await {
        Ok(shops) => shops,
        Err(error) => return failure(&error.into()),
    };
    let shop = shops.iter().find(|s| s.domain == query.shop).or(shops.first());
    let links = match shop {
        Some(shop) => store.variant_links(shop.id).await.map(|l| l.len()).unwrap_or(0),
        None => 0,
    };
    let mut candidates = Vec::new();
    if !query.sku.trim().is_empty()
        && let Ok(Some(owner)) = store.variant_by_sku(query.sku.trim()).await
    {
        candidates.push((owner.variant.sku.clone(), format!("{} {}", owner.item_number, owner.item_name)));
    }
    render(&ProductsPage {
        l: ctx.layout("products"),
        shops: shops.iter().map(|s| s.domain.clone()).collect(),
        shop: shop.map(|s| s.domain.clone()).unwrap_or_default(),
        product: query.product,
        variant: query.variant,
        sku: query.sku,
        title: query.title,
        back: query.back,
        candidates,
        links,
    })
}

#[derive(Deserialize)]
pub(crate) struct LinkForm {
    shop: String,
    product: String,
    variant: String,
    sku: String,
    #[serde(default)]
    back: String,
}

pub(crate) async fn link(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<LinkForm>,
) -> Response {
    let back = Some(form.back.clone()).filter(|b| b.starts_with('/') && !b.starts_with("//"));
    let again = format!(
        "/products?shop={}&product={}&variant={}&sku={}&back={}",
        enc(&form.shop),
        enc(&form.product),
        enc(&form.variant),
        enc(&form.sku),
        enc(&form.back)
    );
    let engine = &console.engine;
    let result = async {
        let shop = engine.shop(&form.shop.trim().to_ascii_lowercase()).await?;
        actions::link_variant(&shop, form.product.trim(), form.variant.trim(), &form.sku).await
    }
    .await;
    match result {
        Ok(made) => {
            let mut message = format!("Linked the Shopify variant to SKU {} (item {}).", made.sku, made.item_number);
            if made.rechecked > 0 {
                message.push_str(&format!(
                    " {} held order{} will be checked again at the next order sync; press Reprocess to check now.",
                    made.rechecked,
                    if made.rechecked == 1 { "" } else { "s" }
                ));
            }
            done(&ctx, back.as_deref().unwrap_or(&again), "ok", message)
        }
        Err(error) => done(&ctx, &again, "error", format!("Not linked: {}", super::remedy::explain(&error))),
    }
}
