//! The order import rules: every problem of a Shopify order, and the sales order it becomes. Pure: what the
//! store and Shopify know is handed in, so each rule is tested on its own.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;
use shopify_admin::ops::order_import::{ImportLine, ImportOrder, ImportShippingLine, ImportTaxLine};
use shopify_admin::ops::orders::OrderAddress;
use shopsync_core::ShopSettings;
use shopsync_core::countries;
use shopsync_core::order_errors::{OrderLine, OrderProblem};
use shopsync_store::{Address, BundleComponent, LineKind, SalesOrderInput, SalesOrderLineInput};

/// Financial statuses whose orders are paid enough to ship. `AUTHORIZED` is in: the payment is guaranteed and
/// is captured when the order ships (Shopify's manual capture), so holding it would hold every such shop's orders.
const PAID_ENOUGH: [&str; 4] = ["PAID", "PARTIALLY_REFUNDED", "REFUNDED", "AUTHORIZED"];

/// What the back office knows that the rules need: which Shopify variants are linked to which SKUs, and which
/// SKUs are bundles.
#[derive(Debug, Default, Clone)]
pub struct CatalogView {
    /// Shopify variant global id -> back-office SKU.
    pub linked_skus: HashMap<String, String>,
    /// Bundle SKU -> its components.
    pub bundles: HashMap<String, Vec<BundleComponent>>,
    /// Shopify product global ids the shop ships outside the back office: their lines are left out of the sales
    /// order and never hold the order.
    pub outside_products: HashSet<String>,
}

impl CatalogView {
    /// Whether `line` is of a product shipped outside the back office.
    fn ships_outside(&self, line: &ImportLine) -> bool {
        line.product.as_ref().is_some_and(|p| self.outside_products.contains(p.id.as_str()))
    }
}

/// What the store knows of the order itself.
#[derive(Debug, Default, Clone, Copy)]
pub struct Known {
    /// The order already has a sales order (imported before).
    pub has_sales_order: bool,
}

/// Every problem of `order` that does not depend on its customer, in the order found: order-level ones first,
/// then the lines, then shipping. CUSTOMER_TEMPLATE_INCOMPLETE is added by the caller, which knows the customers.
pub fn problems(
    order: &ImportOrder,
    catalog: &CatalogView,
    settings: &ShopSettings,
    known: Known,
) -> Vec<OrderProblem> {
    let mut found = Vec::new();
    let tags: Vec<&str> = order.tags.iter().map(String::as_str).collect();
    let has_tag = |wanted: &str| tags.iter().any(|t| t.eq_ignore_ascii_case(wanted));

    if has_tag(&settings.ignore_tag) {
        found.push(OrderProblem::OrderIgnoredByTag { tag: settings.ignore_tag.clone() });
    }
    if order.cancelled_at.is_some() {
        found.push(OrderProblem::OrderCancelled {
            cancelled_at: order.cancelled_at.map(shopsync_core::time::to_text),
            reason: order.cancel_reason.clone(),
        });
    }
    // Fulfilled after it was imported means the back office shipped it (or someone did there): not a problem.
    if order.display_fulfillment_status == "FULFILLED" && !known.has_sales_order {
        found
            .push(OrderProblem::OrderAlreadyFulfilled { fulfillment_status: order.display_fulfillment_status.clone() });
    }
    if let Some(hold) = &settings.approval_hold_tag
        && has_tag(hold)
    {
        let approved = settings.approval_tag.as_deref().is_some_and(has_tag);
        if !approved {
            found.push(OrderProblem::AwaitingApproval {
                hold_tag: hold.clone(),
                approval_tag: settings.approval_tag.clone(),
            });
        }
    }
    let financial = order.display_financial_status.as_deref().unwrap_or("PENDING");
    if financial == "REFUNDED" {
        found.push(OrderProblem::OrderRefunded { financial_status: financial.to_string() });
    }
    if !PAID_ENOUGH.contains(&financial) {
        let terms = order.payment_terms.as_ref().map(|t| t.payment_terms_name.clone());
        let allowed = terms.is_some() && settings.sync_orders_with_payment_terms;
        if !allowed {
            found.push(OrderProblem::FinancialStatusPending {
                financial_status: financial.to_string(),
                payment_terms: terms,
            });
        }
    }
    if let Some(address) = &order.shipping_address
        && let Some(country) = address.country_code.as_deref().filter(|c| !c.trim().is_empty())
    {
        let country = country.trim().to_ascii_uppercase();
        if !settings.order_countries.allows(&country) {
            found.push(OrderProblem::DestinationNotAllowed { country: country.clone() });
        }
        let zip_missing = address.zip.as_deref().is_none_or(|z| z.trim().is_empty());
        if zip_missing && countries::postal_code_required(&country) {
            found.push(OrderProblem::InvalidDestinationPostalCode { country });
        }
    }

    let mut unshippable = Vec::new();
    let mut ships = false;
    let mut outside = false;
    for (index, line) in order.line_items.nodes.iter().enumerate() {
        if line.current_quantity <= 0 {
            continue;
        }
        if catalog.ships_outside(line) {
            outside = true;
            continue;
        }
        let reference = order_line(index, line);
        if line.requires_shipping {
            ships = true;
        } else {
            unshippable.push(reference.clone());
        }
        if line.is_gift_card {
            continue;
        }
        match &line.variant {
            None => found.push(OrderProblem::ProductNotFound { line: reference }),
            Some(variant) if !catalog.linked_skus.contains_key(variant.id.as_str()) => {
                found.push(OrderProblem::ProductNotLinked { line: reference })
            }
            Some(_) => {}
        }
    }
    // An order whose physical lines all ship outside is still the back office's to book, with nothing to ship.
    if !ships && !outside {
        found.push(OrderProblem::NoShippableProduct { lines: unshippable });
    }
    found
}

/// How a problem names line `index` (from 0) of an order.
fn order_line(index: usize, line: &ImportLine) -> OrderLine {
    OrderLine {
        position: u32::try_from(index + 1).unwrap_or(u32::MAX),
        title: line.name.clone(),
        sku: line.sku.clone().filter(|s| !s.trim().is_empty()),
        line_item_id: Some(line.id.to_string()),
        product_id: line.product.as_ref().map(|p| p.id.to_string()),
        variant_id: line.variant.as_ref().map(|v| v.id.to_string()),
    }
}

/// The sales order an importable order becomes (its customer is set by the caller). Lines: items through their
/// links (a bundle as its line plus one line per component), gift cards as fees, then shipping charges. Money in
/// the shop's currency; subtotal, discounts, taxes and shipping add up from the lines, the total is Shopify's.
/// Lines of products shipped outside the back office are left out (and so are their amounts).
///
/// Every product and sum is checked: a quantity or amount beyond what the store can hold is an error naming the
/// order and line, never a wrapped (negative) quantity. The bundles import bounds component quantities so that
/// no order Shopify can send reaches it.
pub fn sales_order(order: &ImportOrder, catalog: &CatalogView) -> Result<SalesOrderInput, Overflow> {
    let mut lines = Vec::new();
    let mut next = 1i64;
    let mut subtotal = Decimal::ZERO;
    let mut discounts = Decimal::ZERO;
    let mut taxes = Decimal::ZERO;
    let mut shipping = Decimal::ZERO;
    let overflow =
        |line: &str, what: &str| Overflow { order: order.name.clone(), line: line.to_string(), what: what.into() };
    for line in &order.line_items.nodes {
        if line.current_quantity <= 0 || catalog.ships_outside(line) {
            continue;
        }
        let too_large = |what: &str| overflow(&line.name, what);
        let unit = line.original_unit_price_set.amount();
        let discount = line.total_discount_set.amount();
        let tax = tax_of(&line.tax_lines).ok_or_else(|| too_large("its taxes"))?;
        let amount = unit
            .checked_mul(Decimal::from(line.current_quantity))
            .and_then(|a| a.checked_sub(discount))
            .ok_or_else(|| too_large("its amount"))?;
        subtotal = subtotal.checked_add(amount).ok_or_else(|| too_large("the subtotal"))?;
        discounts = discounts.checked_add(discount).ok_or_else(|| too_large("the discounts"))?;
        taxes = taxes.checked_add(tax).ok_or_else(|| too_large("the taxes"))?;
        let linked = line.variant.as_ref().and_then(|v| catalog.linked_skus.get(v.id.as_str()));
        let (kind, sku) = match linked {
            _ if line.is_gift_card => (LineKind::Fee, line.sku.clone()),
            Some(sku) if catalog.bundles.contains_key(sku) => (LineKind::Bundle, Some(sku.clone())),
            Some(sku) => (LineKind::Item, Some(sku.clone())),
            None => (LineKind::Fee, line.sku.clone()),
        };
        let line_no = next;
        next += 1;
        lines.push(SalesOrderLineInput {
            line_no,
            kind,
            sku: sku.clone(),
            description: line.name.clone(),
            quantity: line.current_quantity,
            unit_price: money(unit),
            discount: money(discount),
            tax: money(tax),
            shopify_line_item_id: Some(line.id.to_string()),
            parent_line_no: None,
        });
        if kind == LineKind::Bundle
            && let Some(components) = sku.as_ref().and_then(|s| catalog.bundles.get(s))
        {
            for component in components {
                let quantity = component
                    .quantity
                    .checked_mul(line.current_quantity)
                    .ok_or_else(|| too_large(&format!("the quantity of its component {}", component.sku)))?;
                lines.push(SalesOrderLineInput {
                    line_no: next,
                    kind: LineKind::BundleComponent,
                    sku: Some(component.sku.clone()),
                    description: format!("{} (in {})", component.sku, line.name),
                    quantity,
                    unit_price: "0".into(),
                    discount: "0".into(),
                    tax: "0".into(),
                    shopify_line_item_id: Some(line.id.to_string()),
                    parent_line_no: Some(line_no),
                });
                next += 1;
            }
        }
    }
    for charge in order.shipping_lines.nodes.iter().filter(|s| !s.is_removed) {
        let too_large = |what: &str| overflow(&charge.title, what);
        let (line, price, discount, tax) = shipping_line(next, charge).ok_or_else(|| too_large("its taxes"))?;
        next += 1;
        shipping = price
            .checked_sub(discount)
            .and_then(|charge| shipping.checked_add(charge))
            .ok_or_else(|| too_large("the shipping total"))?;
        discounts = discounts.checked_add(discount).ok_or_else(|| too_large("the discounts"))?;
        taxes = taxes.checked_add(tax).ok_or_else(|| too_large("the taxes"))?;
        lines.push(line);
    }
    Ok(SalesOrderInput {
        customer_id: None,
        currency: order.currency_code.clone(),
        subtotal: money(subtotal),
        discount_total: money(discounts),
        tax_total: money(taxes),
        shipping_total: money(shipping),
        total: money(order.current_total_price_set.amount()),
        payment_status: order.display_financial_status.clone(),
        payment_terms: order.payment_terms.as_ref().map(|t| t.payment_terms_name.clone()),
        ship_to: order.shipping_address.as_ref().map(address),
        bill_to: order.billing_address.as_ref().map(address),
        email: order.email.clone(),
        shopify_updated_at: Some(shopsync_core::time::to_text(order.updated_at)),
        lines,
    })
}

/// An order whose quantities or amounts do not fit the back office's numbers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "order {order} cannot become a sales order: {what} of line '{line}' is too large to compute; check the line in \
     Shopify and the bundle's component quantities in the back office"
)]
pub struct Overflow {
    pub order: String,
    pub line: String,
    pub what: String,
}

fn shipping_line(
    line_no: i64,
    charge: &ImportShippingLine,
) -> Option<(SalesOrderLineInput, Decimal, Decimal, Decimal)> {
    let price = charge.original_price_set.amount();
    let discount = price.checked_sub(charge.discounted_price_set.amount())?.max(Decimal::ZERO);
    let tax = tax_of(&charge.tax_lines)?;
    let line = SalesOrderLineInput {
        line_no,
        kind: LineKind::Shipping,
        sku: None,
        description: charge.title.clone(),
        quantity: 1,
        unit_price: money(price),
        discount: money(discount),
        tax: money(tax),
        shopify_line_item_id: charge.id.as_ref().map(|id| id.to_string()),
        parent_line_no: None,
    };
    Some((line, price, discount, tax))
}

/// The sum of tax lines; `None` when it does not fit a decimal.
fn tax_of(lines: &[ImportTaxLine]) -> Option<Decimal> {
    lines.iter().try_fold(Decimal::ZERO, |sum, t| sum.checked_add(t.price_set.amount()))
}

/// Money as the store keeps it: decimal text with at least two decimals (`12.50`, `0.00`).
pub fn money(amount: Decimal) -> String {
    let amount = amount.normalize();
    if amount.scale() < 2 { format!("{:.2}", amount) } else { amount.to_string() }
}

/// A Shopify address as the back office keeps it.
pub fn address(a: &OrderAddress) -> Address {
    let name = a.name.clone().or_else(|| {
        let full =
            [a.first_name.as_deref(), a.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        (!full.trim().is_empty()).then_some(full)
    });
    let clean = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    Address {
        name,
        company: clean(&a.company),
        address1: clean(&a.address1),
        address2: clean(&a.address2),
        city: clean(&a.city),
        province_code: clean(&a.province_code),
        zip: clean(&a.zip),
        country_code: clean(&a.country_code),
        phone: clean(&a.phone),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shopify_admin::ops::order_import::ImportOrder;
    use shopsync_core::OrderErrorCode;

    fn money_json(amount: &str) -> serde_json::Value {
        serde_json::json!({"shopMoney": {"amount": amount, "currencyCode": "EUR"}})
    }

    fn line(id: u64, sku: Option<&str>, variant: Option<u64>, quantity: i64, price: &str) -> serde_json::Value {
        serde_json::json!({
            "id": format!("gid://shopify/LineItem/{id}"), "name": format!("Line {id}"), "title": "T",
            "variantTitle": null, "sku": sku, "quantity": quantity, "currentQuantity": quantity,
            "unfulfilledQuantity": quantity, "requiresShipping": true, "isGiftCard": false,
            "variant": variant.map(|v| serde_json::json!({"id": format!("gid://shopify/ProductVariant/{v}")})),
            "product": variant.map(|v| serde_json::json!({"id": format!("gid://shopify/Product/{v}")})),
            "originalUnitPriceSet": money_json(price), "totalDiscountSet": money_json("1.00"),
            "taxLines": [{"title": "VAT", "ratePercentage": 21, "priceSet": money_json("2.10")}]
        })
    }

    fn order(lines: Vec<serde_json::Value>, country: &str, zip: &str) -> ImportOrder {
        serde_json::from_value(serde_json::json!({
            "id": "gid://shopify/Order/1", "name": "#1001", "email": "a@example.com", "phone": null,
            "createdAt": "2026-09-01T08:00:00Z", "updatedAt": "2026-09-01T08:00:00Z", "cancelledAt": null,
            "cancelReason": null, "closed": false, "test": false, "note": null, "tags": [], "poNumber": null,
            "currencyCode": "EUR", "taxesIncluded": true, "displayFinancialStatus": "PAID",
            "displayFulfillmentStatus": "UNFULFILLED", "returnStatus": "NO_RETURN",
            "currentTotalPriceSet": money_json("30.90"), "paymentTerms": null, "customer": null,
            "shippingAddress": {"firstName": "Anna", "lastName": "Schmidt", "name": null, "company": null,
                "address1": "Street 1", "address2": null, "city": "Berlin", "zip": zip, "province": null,
                "provinceCode": null, "countryCodeV2": country, "phone": null},
            "billingAddress": null, "transactions": [], "fulfillments": [], "refunds": [],
            "shippingLines": {"nodes": [{"id": "gid://shopify/ShippingLine/9", "title": "Standard", "code": null,
                "isRemoved": false, "originalPriceSet": money_json("4.90"), "discountedPriceSet": money_json("4.90"),
                "taxLines": []}], "pageInfo": {"hasNextPage": false, "endCursor": null}},
            "lineItems": {"nodes": lines, "pageInfo": {"hasNextPage": false, "endCursor": null}}
        }))
        .unwrap()
    }

    fn catalog() -> CatalogView {
        let mut view = CatalogView::default();
        view.linked_skus.insert("gid://shopify/ProductVariant/1".into(), "SKU-1".into());
        view.linked_skus.insert("gid://shopify/ProductVariant/2".into(), "BOX".into());
        view.bundles.insert(
            "BOX".into(),
            vec![
                BundleComponent { sku: "SKU-1".into(), quantity: 2 },
                BundleComponent { sku: "SKU-3".into(), quantity: 1 },
            ],
        );
        view
    }

    fn codes(problems: &[OrderProblem]) -> Vec<OrderErrorCode> {
        problems.iter().map(OrderProblem::code).collect()
    }

    #[test]
    fn a_clean_order_has_no_problem_and_adds_up() {
        let o = order(vec![line(1, Some("SKU-1"), Some(1), 2, "10.00")], "DE", "10115");
        assert!(problems(&o, &catalog(), &ShopSettings::default(), Known::default()).is_empty());
        let so = sales_order(&o, &catalog()).unwrap();
        assert_eq!(so.lines.len(), 2);
        assert_eq!((so.lines[0].kind, so.lines[0].sku.as_deref()), (LineKind::Item, Some("SKU-1")));
        assert_eq!(so.subtotal, "19.00", "2 x 10.00 less 1.00 discount");
        assert_eq!(so.tax_total, "2.10");
        assert_eq!(so.shipping_total, "4.90");
        assert_eq!(so.lines[1].kind, LineKind::Shipping);
        assert_eq!(so.total, "30.90");
    }

    #[test]
    fn lines_of_a_product_shipped_outside_are_left_out_and_hold_nothing() {
        // Line 2's variant is not linked: it would hold the order, unless its product ships outside.
        let o = order(
            vec![line(1, Some("SKU-1"), Some(1), 2, "10.00"), line(2, Some("DROP"), Some(7), 1, "5.00")],
            "DE",
            "10115",
        );
        assert_eq!(
            codes(&problems(&o, &catalog(), &ShopSettings::default(), Known::default())),
            [OrderErrorCode::ProductNotLinked]
        );
        let mut view = catalog();
        view.outside_products.insert("gid://shopify/Product/7".into());
        assert!(problems(&o, &view, &ShopSettings::default(), Known::default()).is_empty());
        let so = sales_order(&o, &view).unwrap();
        let skus: Vec<Option<&str>> = so.lines.iter().map(|l| l.sku.as_deref()).collect();
        assert_eq!(skus, [Some("SKU-1"), None], "the item, then shipping; the outside line is not there");
        assert_eq!(so.subtotal, "19.00", "only what the back office sells");

        // Every physical line shipped outside: nothing to ship, and still not NO_SHIPPABLE_PRODUCT.
        let only = order(vec![line(2, Some("DROP"), Some(7), 1, "5.00")], "DE", "10115");
        assert!(problems(&only, &view, &ShopSettings::default(), Known::default()).is_empty());
    }

    #[test]
    fn every_problem_is_listed_not_only_the_first() {
        let mut o = order(
            vec![
                line(1, Some("SKU-1"), Some(1), 1, "10.00"),
                line(2, Some("X"), Some(7), 1, "5.00"),
                line(3, None, None, 1, "5.00"),
            ],
            "US",
            "",
        );
        o.tags = vec!["shopsync-ignore".into()];
        o.display_financial_status = Some("PENDING".into());
        let mut settings = ShopSettings::default();
        settings.set("order-countries", "DE,NL").unwrap();
        let found = codes(&problems(&o, &catalog(), &settings, Known::default()));
        assert_eq!(
            found,
            [
                OrderErrorCode::OrderIgnoredByTag,
                OrderErrorCode::FinancialStatusPending,
                OrderErrorCode::DestinationNotAllowed,
                OrderErrorCode::InvalidDestinationPostalCode,
                OrderErrorCode::ProductNotLinked,
                OrderErrorCode::ProductNotFound,
            ]
        );
    }

    #[test]
    fn payment_terms_let_a_pending_order_in_only_when_the_shop_allows_it() {
        let mut o = order(vec![line(1, Some("SKU-1"), Some(1), 1, "10.00")], "DE", "10115");
        o.display_financial_status = Some("PENDING".into());
        o.payment_terms =
            Some(shopify_admin::ops::order_import::ImportPaymentTerms { payment_terms_name: "Net 30".into() });
        let mut settings = ShopSettings::default();
        assert_eq!(
            codes(&problems(&o, &catalog(), &settings, Known::default())),
            [OrderErrorCode::FinancialStatusPending]
        );
        settings.set("sync-orders-with-payment-terms", "on").unwrap();
        assert!(problems(&o, &catalog(), &settings, Known::default()).is_empty());
    }

    #[test]
    fn approval_waits_for_the_approval_tag() {
        let mut o = order(vec![line(1, Some("SKU-1"), Some(1), 1, "10.00")], "DE", "10115");
        o.tags = vec!["GlobalE".into()];
        let mut settings = ShopSettings::default();
        assert!(problems(&o, &catalog(), &settings, Known::default()).is_empty(), "no hold tag set");
        settings.set("approval-hold-tag", "GlobalE").unwrap();
        settings.set("approval-tag", "Globale::Approved").unwrap();
        assert_eq!(codes(&problems(&o, &catalog(), &settings, Known::default())), [OrderErrorCode::AwaitingApproval]);
        o.tags.push("Globale::Approved".into());
        assert!(problems(&o, &catalog(), &settings, Known::default()).is_empty());
    }

    #[test]
    fn fulfilled_is_a_problem_only_before_the_import() {
        let mut o = order(vec![line(1, Some("SKU-1"), Some(1), 1, "10.00")], "DE", "10115");
        o.display_fulfillment_status = "FULFILLED".into();
        let settings = ShopSettings::default();
        assert_eq!(
            codes(&problems(&o, &catalog(), &settings, Known::default())),
            [OrderErrorCode::OrderAlreadyFulfilled]
        );
        assert!(problems(&o, &catalog(), &settings, Known { has_sales_order: true }).is_empty());
    }

    #[test]
    fn a_bundle_expands_to_its_components() {
        let o = order(vec![line(5, Some("BOX"), Some(2), 3, "30.00")], "DE", "10115");
        let so = sales_order(&o, &catalog()).unwrap();
        let kinds: Vec<(LineKind, Option<&str>, i64, Option<i64>)> =
            so.lines.iter().map(|l| (l.kind, l.sku.as_deref(), l.quantity, l.parent_line_no)).collect();
        assert_eq!(
            kinds,
            [
                (LineKind::Bundle, Some("BOX"), 3, None),
                (LineKind::BundleComponent, Some("SKU-1"), 6, Some(1)),
                (LineKind::BundleComponent, Some("SKU-3"), 3, Some(1)),
                (LineKind::Shipping, None, 1, None),
            ]
        );
        assert!(
            so.lines[1].shopify_line_item_id == so.lines[0].shopify_line_item_id,
            "components ship as their bundle"
        );
    }

    #[test]
    fn a_component_quantity_that_would_overflow_is_an_error_never_a_negative_line() {
        let mut view = catalog();
        view.bundles.insert("BOX".into(), vec![BundleComponent { sku: "SKU-1".into(), quantity: i64::MAX }]);
        let o = order(vec![line(5, Some("BOX"), Some(2), 2, "30.00")], "DE", "10115");
        let err = sales_order(&o, &view).unwrap_err();
        assert_eq!((err.order.as_str(), err.line.as_str()), ("#1001", "Line 5"));
        assert!(err.to_string().contains("the quantity of its component SKU-1"), "{err}");
        // An amount past what a decimal holds is refused the same way.
        let o = order(vec![line(6, Some("SKU-1"), Some(1), i64::MAX, "79228162514264337593543950335")], "DE", "1");
        assert!(sales_order(&o, &catalog()).unwrap_err().to_string().contains("its amount"));
    }

    #[test]
    fn nothing_to_ship_is_its_own_problem() {
        let mut o = order(vec![line(1, Some("SKU-1"), Some(1), 1, "10.00")], "DE", "10115");
        o.line_items.nodes[0].requires_shipping = false;
        let found = problems(&o, &catalog(), &ShopSettings::default(), Known::default());
        assert_eq!(codes(&found), [OrderErrorCode::NoShippableProduct]);
    }

    #[test]
    fn money_keeps_two_decimals_at_least() {
        assert_eq!(money(Decimal::new(5, 0)), "5.00");
        assert_eq!(money(Decimal::new(12345, 3)), "12.345");
        assert_eq!(money(Decimal::new(1250, 2)), "12.50");
    }
}
