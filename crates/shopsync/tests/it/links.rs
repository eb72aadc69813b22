//! `shopsync links`: a person links a Shopify variant whose SKU differs from the back office's, finds it again by
//! SKU and by the product's Shopify admin address, unlinks it, and marks a product the back office does not ship,
//! which releases the orders held for it.

use std::collections::BTreeSet;
use std::path::Path;

use shopify_sim::{SimConfig, Simulator};

use crate::{connected_to, shopsync_run, stderr, stdout};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// The admin address of a Shopify object from its global id (`gid://shopify/Product/12` -> `.../products/12`).
fn admin_address(domain: &str, product: &str, variant: Option<&str>) -> String {
    let number = |gid: &str| gid.rsplit('/').next().unwrap().to_string();
    let store = domain.trim_end_matches(".myshopify.com");
    let mut address = format!("https://admin.shopify.com/store/{store}/products/{}", number(product));
    if let Some(variant) = variant {
        address.push_str(&format!("/variants/{}", number(variant)));
    }
    address
}

#[tokio::test(flavor = "multi_thread")]
async fn a_variant_is_linked_found_by_sku_and_address_and_unlinked() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    let product = sim.control().products().into_iter().next().unwrap();
    let variant = product.variants[0].clone();
    // The back office calls it differently from Shopify, so the product sync cannot link it by SKU.
    let items = write(
        dir.path(),
        "items.csv",
        "item_number,item_name,option1_name,option1_value,sku\nI-9,Espresso cup,,,BO-CUP\n",
    );
    let out = shopsync_run(dir.path(), &["items", "import", &items]).await;
    assert!(out.status.success(), "{}", stderr(&out));

    let address = admin_address(&domain, &product.id, Some(&variant.id));
    let out =
        shopsync_run(dir.path(), &["links", "link", "--shop", &domain, "--variant", &address, "--sku", "BO-CUP"]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains(&format!("Linked {} to BO-CUP (item I-9)", variant.id)), "{}", stdout(&out));

    // Found by a part of the SKU, and by the product's address pasted from Shopify admin.
    for search in ["cup", &admin_address(&domain, &product.id, None)] {
        let out = shopsync_run(dir.path(), &["links", "list", "--shop", &domain, "--search", search]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("I-9") && text.contains("BO-CUP") && text.contains(&variant.id), "{search}: {text}");
    }

    let out = shopsync_run(dir.path(), &["links", "unlink", "--shop", &domain, "--sku", "BO-CUP"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = shopsync_run(dir.path(), &["links", "list", "--shop", &domain, "--search", "BO-CUP"]).await;
    assert!(stdout(&out).contains("(not linked)"), "{}", stdout(&out));
    // Unlinking twice says there is nothing to unlink, and changes nothing.
    let out = shopsync_run(dir.path(), &["links", "unlink", "--shop", &domain, "--sku", "BO-CUP"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("not linked"), "{}", stderr(&out));

    // Not a variant address: refused before anything is linked.
    let out =
        shopsync_run(dir.path(), &["links", "link", "--shop", &domain, "--variant", "BO-CUP", "--sku", "BO-CUP"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not name a Shopify variant"), "{}", stderr(&out));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_product_shipped_outside_releases_the_orders_held_for_it() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    let out = shopsync_run(dir.path(), &["shop", "set", &domain, "order-import-from", "all"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    // An empty back office: every order waits for a product link.
    let out = shopsync_run(dir.path(), &["sync", "orders", "--shop", &domain]).await;
    assert_eq!(out.status.code(), Some(5), "{}{}", stdout(&out), stderr(&out));

    let show = |name: &'static str| {
        let dir = dir.path().to_path_buf();
        let domain = domain.clone();
        async move {
            let out = shopsync_run(&dir, &["orders", "show", "--shop", &domain, name, "--json"]).await;
            assert!(out.status.success() || out.status.code() == Some(5), "{}", stderr(&out));
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
        }
    };
    let order = show("#1001").await;
    let text = order.to_string();
    assert!(text.contains("PRODUCT_NOT_LINKED"), "{text}");
    // The products #1001 waits for, as its problems name them.
    let products: BTreeSet<String> = text
        .match_indices("gid://shopify/Product/")
        .map(|(at, prefix)| {
            let number: String = text[at + prefix.len()..].chars().take_while(char::is_ascii_digit).collect();
            format!("{prefix}{number}")
        })
        .collect();
    assert!(!products.is_empty(), "{text}");
    for product in &products {
        let address = admin_address(&domain, product, None);
        let out = shopsync_run(dir.path(), &["links", "outside", "--shop", &domain, &address]).await;
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        assert!(stdout(&out).contains("shipped outside the back office"), "{}", stdout(&out));
    }
    let out = shopsync_run(dir.path(), &["links", "outside", "--shop", &domain, "--json"]).await;
    let marked: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(marked.as_array().unwrap().len(), products.len(), "{marked}");

    let out = shopsync_run(dir.path(), &["sync", "orders", "--shop", &domain]).await;
    assert!(out.status.code() == Some(0) || out.status.code() == Some(5), "{}", stderr(&out));
    let order = show("#1001").await;
    assert!(!order.to_string().contains("PRODUCT_NOT_LINKED"), "{order}");

    // Taking the mark off sends the product's lines to the back office again.
    let first = products.iter().next().unwrap();
    let out = shopsync_run(dir.path(), &["links", "outside", "--shop", &domain, first, "--off"]).await;
    assert!(stdout(&out).contains("goes to the back office again"), "{}", stdout(&out));
    let out = shopsync_run(dir.path(), &["links", "outside", "--shop", &domain, "SKU-1"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("is not a Shopify product"), "{}", stderr(&out));
    sim.shutdown().await;
}
