//! The OpenAPI 3.1 document of `/api/v1`, derived by utoipa from the handlers' attributes and the request and
//! response types: it changes with the code and is never written by hand. Served at `GET /api/openapi.json`
//! without a token, so a client generator or schemathesis can read it.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, ObjectBuilder, Ref, RefOr, ResponseBuilder, Type};
use utoipa::{Modify, OpenApi};

use super::error::{ErrorBody, FieldErrorBody};
use super::{bundles, feeds, items, prices, shipments, stock, warehouses};

/// The API's document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "shopsync back-office API",
        description = "The back office (ERP, POS, WMS) sends catalog, prices, stock, bundles and shipments, and pulls \
                       sales orders and customers from feeds with acknowledgement. Bearer tokens: \
                       `shopsync api-token create NAME --scope read,write`."
    ),
    paths(
        items::upsert_items,
        prices::set_prices,
        stock::set_stock,
        warehouses::list_warehouses,
        bundles::upsert_bundles,
        shipments::create_shipment,
        feeds::sales_orders,
        feeds::ack_sales_orders,
        feeds::customers,
        feeds::ack_customers,
    ),
    components(schemas(ErrorBody, FieldErrorBody)),
    modifiers(&Refusals),
    tags(
        (name = "catalog", description = "Items, prices, stock, warehouses and bundles"),
        (name = "shipments", description = "Shipments of sales orders, sent to Shopify as fulfillments"),
        (name = "feeds", description = "Sales orders and customers since a cursor, with acknowledgement"),
    )
)]
pub struct ApiDoc;

/// Adds the bearer scheme and the refusals every route can answer (401, 403, 422, 429; 400, 409 and 413 for
/// routes with a body), each with the [`ErrorBody`], so a client knows every answer it can get.
struct Refusals;

impl Modify for Refusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("ssk_...").build()),
        );
        let refusal = |description: &str, header: Option<(&str, &str)>| {
            let mut response = ResponseBuilder::new().description(description).content(
                "application/json",
                ContentBuilder::new().schema(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody")))).build(),
            );
            if let Some((name, text)) = header {
                let schema = ObjectBuilder::new().schema_type(Type::String).build();
                response = response.header(name, HeaderBuilder::new().schema(schema).description(Some(text)).build());
            }
            RefOr::T(response.build())
        };
        for item in openapi.paths.paths.values_mut() {
            let has_body = item.post.is_some();
            for operation in [item.get.as_mut(), item.post.as_mut()].into_iter().flatten() {
                let mut add = |status: &str, response| {
                    operation.responses.responses.entry(status.to_string()).or_insert(response);
                };
                add(
                    "401",
                    refusal(
                        "No bearer token, or not a live one (`code`: unauthenticated)",
                        Some(("WWW-Authenticate", "Bearer")),
                    ),
                );
                add("403", refusal("The token lacks the route's scope (`code`: insufficient_scope)", None));
                add("422", refusal("Bad values, each with its JSON path in `errors`; nothing was written", None));
                add(
                    "429",
                    refusal(
                        "The token's rate limit is reached (`code`: rate_limited)",
                        Some(("Retry-After", "Seconds to wait before sending again")),
                    ),
                );
                if has_body {
                    add("400", refusal("The body is not JSON (`code`: malformed_json)", None));
                    add("409", refusal("The Idempotency-Key was used for another request", None));
                    add("413", refusal("The body is larger than the server accepts", None));
                }
            }
        }
    }
}

/// `GET /api/openapi.json`.
pub(crate) async fn document() -> Response {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let text = DOCUMENT.get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_else(|_| "{}".to_string()));
    ([(header::CONTENT_TYPE, "application/json")], text.clone()).into_response()
}
