//! Publications and sales channels: the shop's publications and channels, where a product is
//! published, `publishablePublish` / `publishableUnpublish` with their effect visible in the
//! next query, Shopify's user errors, and the `write_publications` scope.

use serde_json::{Value, json};
use shopify_sim::SimConfig;

use crate::support::{spawn, spawn_with};

const PUBLICATIONS: &str = r#"
query Publications {
  publications(first: 10) { nodes { id catalog { title } autoPublish supportsFuturePublishing } }
  publicationsCount { count }
  channels(first: 10) { edges { node { id name handle app { title } } } }
}
"#;

const PRODUCT_PUBLICATIONS: &str = r#"
fragment Where on Product {
  resourcePublications(first: 10) { nodes { isPublished publishDate publication { id catalog { title } } } }
  unpublishedPublications(first: 10) { nodes { catalog { title } } }
  availablePublicationsCount { count }
}
query ProductPublications($id: ID!, $publication: ID!) {
  product(id: $id) { id ...Where onShop: publishedOnPublication(publicationId: $publication) }
}
"#;

const PUBLISH: &str = r#"
mutation Publish($id: ID!, $input: [PublicationInput!]!) {
  publishablePublish(id: $id, input: $input) {
    publishable { ... on Product { id title } }
    shop { name }
    userErrors { field message }
  }
}
"#;

const UNPUBLISH: &str = r#"
mutation Unpublish($id: ID!, $input: [PublicationInput!]!) {
  publishableUnpublish(id: $id, input: $input) {
    publishable { ... on Product { id } }
    userErrors { field message }
  }
}
"#;

fn names(nodes: &Value) -> Vec<&str> {
    nodes.as_array().unwrap().iter().map(|node| node["publication"]["catalog"]["title"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn publications_and_channels_are_listed_and_found_by_id() {
    let t = spawn().await;
    let body = t.gql(PUBLICATIONS, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let publications = body["data"]["publications"]["nodes"].as_array().unwrap();
    let listed: Vec<&str> = publications.iter().map(|p| p["catalog"]["title"].as_str().unwrap()).collect();
    assert_eq!(listed, ["Online Store", "Point of Sale", "Shop"]);
    assert_eq!(publications[0]["supportsFuturePublishing"], true);
    assert_eq!(body["data"]["publicationsCount"]["count"], 3);
    let channel = &body["data"]["channels"]["edges"][0]["node"];
    assert_eq!(channel["handle"], "online_store");
    assert_eq!(channel["app"]["title"], "Online Store");

    let id = publications[2]["id"].as_str().unwrap();
    // Clients still read the deprecated `name`; Shopify still serves it.
    let found = t
        .gql_deprecated(
            "query One($id: ID!) { publication(id: $id) { name } node(id: $id) { ... on Publication { id } } }",
            json!({ "id": id }),
            &["Publication.name"],
        )
        .await;
    assert_eq!(found["data"]["publication"]["name"], "Shop");
    assert_eq!(found["data"]["node"]["id"], id);
}

#[tokio::test]
async fn publishing_and_unpublishing_a_product_shows_in_the_next_query() {
    let t = spawn().await;
    let body = t.gql(PUBLICATIONS, json!({})).await;
    let ids: Vec<String> = body["data"]["publications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let (online, shop) = (&ids[0], &ids[2]);
    let product = t.sim.control().products()[0].id.clone();
    let read = || t.gql(PRODUCT_PUBLICATIONS, json!({ "id": product, "publication": shop }));

    let before = read().await;
    assert!(before.get("errors").is_none(), "{before}");
    let before = &before["data"]["product"];
    assert_eq!(names(&before["resourcePublications"]["nodes"]), ["Online Store", "Point of Sale"]);
    assert_eq!(before["unpublishedPublications"]["nodes"], json!([{ "catalog": { "title": "Shop" } }]));
    assert_eq!(before["onShop"], false);
    assert_eq!(before["availablePublicationsCount"]["count"], 3);

    let published = t.gql(PUBLISH, json!({ "id": product, "input": [{ "publicationId": shop }] })).await;
    let payload = &published["data"]["publishablePublish"];
    assert_eq!(payload["userErrors"], json!([]), "{published}");
    assert_eq!(payload["publishable"]["id"], product);
    let shop_name = t.gql("query Shop { shop { name } }", json!({})).await["data"]["shop"]["name"].clone();
    assert_eq!(payload["shop"]["name"], shop_name);
    let after = read().await;
    assert_eq!(after["data"]["product"]["onShop"], true);
    assert_eq!(
        names(&after["data"]["product"]["resourcePublications"]["nodes"]),
        ["Online Store", "Point of Sale", "Shop"]
    );

    let unpublished = t.gql(UNPUBLISH, json!({ "id": product, "input": { "publicationId": online } })).await;
    assert_eq!(unpublished["data"]["publishableUnpublish"]["userErrors"], json!([]), "{unpublished}");
    let after = read().await;
    assert_eq!(names(&after["data"]["product"]["resourcePublications"]["nodes"]), ["Point of Sale", "Shop"]);
    let counts = t
        .gql(
            "query Count($id: ID!) { publication(id: $id) { includedProductsCount { count } } productsCount { count } }",
            json!({ "id": online }),
        )
        .await;
    let total = counts["data"]["productsCount"]["count"].as_u64().unwrap();
    assert_eq!(counts["data"]["publication"]["includedProductsCount"]["count"], total - 1);
}

#[tokio::test]
async fn publishing_refuses_unknown_publications_and_products_and_needs_write_publications() {
    let t = spawn().await;
    let product = t.sim.control().products()[0].id.clone();
    let unknown =
        t.gql(PUBLISH, json!({ "id": product, "input": [{ "publicationId": "gid://shopify/Publication/1" }] })).await;
    assert_eq!(
        unknown["data"]["publishablePublish"]["userErrors"],
        json!([{ "field": ["input", "0", "publicationId"], "message": "Publication does not exist" }])
    );
    let shop_name = t.gql("query Shop { shop { name } }", json!({})).await["data"]["shop"]["name"].clone();
    let missing = t.gql(PUBLISH, json!({ "id": "gid://shopify/Product/1", "input": [] })).await;
    assert_eq!(
        missing["data"]["publishablePublish"],
        json!({ "publishable": null, "shop": { "name": shop_name }, "userErrors": [{ "field": ["id"], "message": "Resource does not exist" }] })
    );

    let mut config = SimConfig::default();
    config.access_scopes.retain(|scope| scope != "write_publications");
    let limited = spawn_with(config).await;
    let denied = limited.gql(PUBLISH, json!({ "id": product, "input": [] })).await;
    assert_eq!(denied["data"]["publishablePublish"], Value::Null);
    assert_eq!(denied["errors"][0]["extensions"]["code"], "ACCESS_DENIED", "{denied}");
    assert_eq!(denied["errors"][0]["path"], json!(["publishablePublish"]));
    assert!(denied["errors"][0]["message"].as_str().unwrap().contains("write_publications"));
}
