//! Products and links: find links by SKU, item number, title or a pasted Shopify admin address; link a Shopify
//! variant to a back-office SKU (what a PRODUCT_NOT_LINKED order waits for), unlink, and mark a Shopify product as
//! shipped outside the back office. Every decision is `app::links` / `app::actions`; this module renders.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::{Extension, Form};
use serde::Deserialize;
use shopsync_store::OutsideProduct;
use shopsync_sync::app::actions;
use shopsync_sync::app::links::{self, LinkRow};

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
    /// The search text and what it found.
    q: String,
    rows: Vec<LinkRow>,
    searched: bool,
    truncated: bool,
    outside: Vec<OutsideProduct>,
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
    #[serde(default)]
    q: String,
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
    let searched = !query.q.trim().is_empty();
    let (found, outside) = match shop {
        Some(shop) => {
            let found = if searched {
                match links::search(store.as_ref(), shop.id, &query.q).await {
                    Ok(found) => found,
                    Err(error) => return failure(&error),
                }
            } else {
                links::LinkSearch::default()
            };
            match links::outside_products(store.as_ref(), shop.id).await {
                Ok(outside) => (found, outside),
                Err(error) => return failure(&error),
            }
        }
        None => (links::LinkSearch::default(), Vec::new()),
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
        q: query.q,
        rows: found.rows,
        searched,
        truncated: found.truncated,
        outside,
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

#[derive(Deserialize)]
pub(crate) struct UnlinkForm {
    shop: String,
    sku: String,
    #[serde(default)]
    q: String,
}

/// Removes the link of a back-office SKU in a shop.
pub(crate) async fn unlink(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<UnlinkForm>,
) -> Response {
    let again = format!("/products?shop={}&q={}", enc(&form.shop), enc(&form.q));
    let store = console.engine.store();
    let result = async {
        let shop = shopsync_sync::app::read::find_shop(store.as_ref(), &form.shop).await?;
        links::unlink(store.as_ref(), shop.id, &form.sku).await
    }
    .await;
    match result {
        Ok(gone) => done(
            &ctx,
            &again,
            "ok",
            format!(
                "Unlinked SKU {} from {}; the next product sync links it again if Shopify has a variant with that SKU.",
                gone.sku, gone.shopify_variant_id
            ),
        ),
        Err(error) => done(&ctx, &again, "error", format!("Not unlinked: {}", super::remedy::explain(&error))),
    }
}

#[derive(Deserialize)]
pub(crate) struct OutsideForm {
    shop: String,
    product: String,
    #[serde(default)]
    title: String,
    /// Present to take the mark off.
    #[serde(default)]
    off: String,
}

/// Marks a Shopify product as shipped outside the back office, or takes the mark off.
pub(crate) async fn outside(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<OutsideForm>,
) -> Response {
    let again = format!("/products?shop={}", enc(&form.shop));
    let engine = &console.engine;
    let on = form.off.is_empty();
    let result = async {
        let shop = engine.shop(&form.shop.trim().to_ascii_lowercase()).await?;
        links::set_outside(&shop, &form.product, Some(form.title.as_str()), on).await
    }
    .await;
    match result {
        Ok(mark) if mark.outside => {
            let mut message = format!(
                "{} is shipped outside the back office: its order lines are left out of sales orders.",
                mark.title
            );
            if mark.rechecked > 0 {
                message.push_str(&format!(
                    " {} held order{} will be checked again at the next order sync.",
                    mark.rechecked,
                    if mark.rechecked == 1 { "" } else { "s" }
                ));
            }
            done(&ctx, &again, "ok", message)
        }
        Ok(mark) => done(&ctx, &again, "ok", format!("{} goes to the back office again.", mark.shopify_product_id)),
        Err(error) => done(&ctx, &again, "error", format!("Not marked: {}", super::remedy::explain(&error))),
    }
}
