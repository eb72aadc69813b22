//! Seeded customers, orders and payouts (see the table in `crate::seed`).
//!
//! The demo orders are made through `order_ops` (the same code the control surface and the
//! mutations use) at fixed times, so the same seed always gives the same orders. The large seed
//! builds its orders directly, sharing titles, SKUs and addresses between orders, to load
//! 100,000 orders in well under two seconds and little memory.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use rust_decimal::Decimal;

use crate::model::catalog::Catalog;
use crate::model::customers::{Customer, CustomerState};
use crate::model::orders::{
    Address, DiscountAllocation, DiscountApplication, DiscountKind, DiscountValue, FinancialStatus, Fulfillment,
    FulfillmentLineItem, FulfillmentOrder, FulfillmentOrderLineItem, FulfillmentOrderStatus, LineItem, Order, Return,
    ReturnLineItem, ShippingLine, TaxLine, Text, TrackingInfo, Transaction,
};
use crate::model::payouts::{PaymentsAccount, Payout, PayoutSummary};
use crate::order_ops::{
    self, AddressSpec, CustomerSpec, FulfillFrom, LineSpec, OrderSpec, RefundLineSpec, ShippingSpec,
};
use crate::rng::SplitMix64;
use crate::store::{IdKind, Store};

/// When the seeded order history starts.
const ORDERS_EPOCH: &str = "2026-09-01T08:00:00Z";

fn epoch() -> Timestamp {
    ORDERS_EPOCH.parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

// ---------------------------------------------------------------------------------------------
// Demo
// ---------------------------------------------------------------------------------------------

/// One demo customer: (first, last, email, phone, country, city, zip).
type DemoCustomer = (&'static str, &'static str, Option<&'static str>, Option<&'static str>, &'static str);

const DEMO_CUSTOMERS: &[DemoCustomer] = &[
    ("Anna", "Schmidt", Some("anna.schmidt@example.de"), Some("+4930123456701"), "DE"),
    ("Lucas", "Martin", Some("lucas.martin@example.fr"), None, "FR"),
    ("Sanne", "de Vries", Some("sanne.devries@example.nl"), Some("+31201234567"), "NL"),
    ("Emma", "Peeters", Some("emma.peeters@example.be"), None, "BE"),
    ("Oliver", "Smith", Some("oliver.smith@example.co.uk"), Some("+442071234567"), "GB"),
    ("Jack", "Miller", Some("jack.miller@example.com"), Some("+12125550101"), "US"),
    // Known to a back office by phone only (no email).
    ("Chloe", "Tremblay", None, Some("+14165550123"), "CA"),
    ("Jonas", "Weber", Some("jonas.weber@example.de"), Some("+4917612345678"), "DE"),
    ("Mariana", "Silva", Some("mariana.silva@example.com.br"), None, "BR"),
    ("Haruto", "Sato", Some("haruto.sato@example.jp"), None, "JP"),
    // A B2B buyer with payment terms.
    ("Petra", "Muster", Some("einkauf@muster-gmbh.example"), Some("+4989123456"), "DE"),
    // Customers without orders (for the customer import).
    ("Lena", "Fischer", Some("lena.fischer@example.de"), None, "DE"),
    ("Noah", "Dubois", Some("noah.dubois@example.fr"), Some("+33142345678"), "FR"),
];

/// A demo order: the spec, what happens to it after it is placed, and when.
struct Demo {
    spec: OrderSpec,
    after: Vec<After>,
}

enum After {
    FulfillAll { company: &'static str, number: &'static str, url: &'static str },
    FulfillFirstLine { quantity: i64 },
    RefundFirstLine { quantity: u32, note: &'static str },
    RefundAll,
    Cancel(crate::model::orders::CancelReason),
    Close,
    RequestReturn,
}

fn line(sku: &str, quantity: u32) -> LineSpec {
    LineSpec { sku: Some(sku.to_string()), quantity, ..LineSpec::default() }
}

fn to(country: &str) -> AddressSpec {
    AddressSpec { country: Some(country.to_string()), ..AddressSpec::default() }
}

fn customer_order(index: usize, lines: Vec<LineSpec>) -> OrderSpec {
    let (first, last, email, phone, country) = DEMO_CUSTOMERS[index];
    OrderSpec {
        lines,
        address: AddressSpec {
            first_name: Some(first.to_string()),
            last_name: Some(last.to_string()),
            country: Some(country.to_string()),
            phone: phone.map(str::to_string),
            ..AddressSpec::default()
        },
        email: email.map(str::to_string),
        phone: phone.map(str::to_string),
        ..OrderSpec::default()
    }
}

/// The SKU of variant `v` of product `p`, or of its first variant when it has fewer.
fn demo_sku(catalog: &Catalog, p: usize, v: usize) -> String {
    let wanted = crate::seed::sku(p, v);
    if catalog.variants.values().any(|variant| variant.sku.as_deref() == Some(wanted.as_str())) {
        wanted
    } else {
        crate::seed::sku(p, 1)
    }
}

/// The demo orders, in order number order (#1001 first); see the table in `crate::seed`.
fn demo_orders(catalog: &Catalog) -> Vec<Demo> {
    use crate::model::orders::CancelReason;
    let sku = |p: usize, v: usize| demo_sku(catalog, p, v);
    let plain = |spec: OrderSpec| Demo { spec, after: Vec::new() };
    let with = |spec: OrderSpec, after: Vec<After>| Demo { spec, after };
    let dhl = After::FulfillAll {
        company: "DHL",
        number: "00340434161094042557",
        url: "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434161094042557",
    };
    vec![
        // 1001 plain paid, two lines
        plain(customer_order(0, vec![line(&sku(1, 1), 1), line(&sku(2, 1), 2)])),
        // 1002 discount code 10 %
        plain(OrderSpec {
            discount_code: Some("WELCOME10".into()),
            discount_percent: Some(Decimal::TEN),
            ..customer_order(1, vec![line(&sku(3, 1), 1), line(&sku(4, 2), 1)])
        }),
        // 1003 several shipping lines
        plain(OrderSpec {
            shipping: Some(vec![
                ShippingSpec { title: "Standard".into(), price: Decimal::new(495, 2), code: None },
                ShippingSpec {
                    title: "Express surcharge".into(),
                    price: Decimal::new(900, 2),
                    code: Some("EXPRESS".into()),
                },
            ]),
            ..customer_order(2, vec![line(&sku(5, 1), 1), line(&sku(6, 1), 1)])
        }),
        // 1004 partial refund
        with(
            customer_order(0, vec![line(&sku(7, 1), 2), line(&sku(8, 1), 1)]),
            vec![After::RefundFirstLine { quantity: 1, note: "Arrived damaged" }],
        ),
        // 1005 unlinked product next to a linked one
        plain(customer_order(3, vec![line(&sku(9, 1), 1), line(&sku(20, 1), 1)])),
        // 1006 unlinked products only
        plain(customer_order(4, vec![line(&sku(21, 1), 1), line(&sku(22, 1), 2)])),
        // 1007 deleted product (filled in below: variant and product gone, SKU kept)
        plain(customer_order(7, vec![line(&sku(10, 1), 1), line("SKU-00026-1", 1)])),
        // 1008 custom line item (no variant, no product)
        plain(customer_order(
            1,
            vec![
                line(&sku(11, 1), 1),
                LineSpec {
                    title: Some("Engraving service".into()),
                    quantity: 1,
                    price: Some(Decimal::new(1500, 2)),
                    requires_shipping: Some(false),
                    ..LineSpec::default()
                },
            ],
        )),
        // 1009 nothing requires shipping: gift card and gift wrapping
        plain(customer_order(
            0,
            vec![
                LineSpec {
                    title: Some("Gift Card".into()),
                    quantity: 1,
                    price: Some(Decimal::new(5000, 2)),
                    gift_card: true,
                    ..LineSpec::default()
                },
                LineSpec {
                    title: Some("Gift Wrapping".into()),
                    quantity: 1,
                    price: Some(Decimal::new(350, 2)),
                    requires_shipping: Some(false),
                    ..LineSpec::default()
                },
            ],
        )),
        // 1010 waiting for Global-e approval
        plain(OrderSpec { tags: vec!["GlobalE".into()], ..customer_order(4, vec![line(&sku(12, 1), 1)]) }),
        // 1011 Global-e approved
        plain(OrderSpec {
            tags: vec!["GlobalE".into(), "Globale::Approved".into()],
            ..customer_order(4, vec![line(&sku(13, 1), 1)])
        }),
        // 1012 payment pending, no payment terms
        plain(OrderSpec { financial_status: Some("pending".into()), ..customer_order(7, vec![line(&sku(14, 1), 1)]) }),
        // 1013 payment pending with payment terms NET_30 (B2B)
        plain(OrderSpec {
            financial_status: Some("pending".into()),
            payment_terms: Some("NET_30".into()),
            po_number: Some("PO-2026-0042".into()),
            address: AddressSpec { company: Some("Muster GmbH".into()), ..customer_order(10, Vec::new()).address },
            ..customer_order(10, vec![line(&sku(15, 1), 10), line(&sku(16, 1), 5)])
        }),
        // 1014 destination Brazil
        plain(customer_order(8, vec![line(&sku(17, 1), 1)])),
        // 1015 destination Japan
        plain(customer_order(9, vec![line(&sku(18, 1), 2)])),
        // 1016 cancelled (and refunded)
        with(customer_order(2, vec![line(&sku(19, 1), 1)]), vec![After::Cancel(CancelReason::Customer)]),
        // 1017 already fulfilled in Shopify
        with(customer_order(0, vec![line(&sku(1, 2), 1), line(&sku(3, 1), 1)]), vec![dhl]),
        // 1018 ignore tag
        plain(OrderSpec { tags: vec!["shopsync-ignore".into()], ..customer_order(7, vec![line(&sku(2, 1), 1)]) }),
        // 1019 missing postal code, United Kingdom
        plain(OrderSpec {
            address: AddressSpec { zip: Some(String::new()), ..customer_order(4, Vec::new()).address },
            ..customer_order(4, vec![line(&sku(4, 1), 1)])
        }),
        // 1020 missing postal code, Germany
        plain(OrderSpec {
            address: AddressSpec { zip: Some(String::new()), ..customer_order(7, Vec::new()).address },
            ..customer_order(7, vec![line(&sku(5, 1), 1)])
        }),
        // 1021 partially fulfilled
        with(
            customer_order(3, vec![line(&sku(6, 1), 2), line(&sku(7, 1), 1)]),
            vec![After::FulfillFirstLine { quantity: 1 }],
        ),
        // 1022 United States, sales tax on top of prices
        plain(customer_order(5, vec![line(&sku(8, 1), 1), line(&sku(9, 1), 1)])),
        // 1023 Canada, HST on top; customer known by phone only
        plain(customer_order(6, vec![line(&sku(10, 1), 3)])),
        // 1024 returning customer (same email as 1001)
        plain(customer_order(0, vec![line(&sku(11, 1), 1)])),
        // 1025 returning customer known by phone only (same phone as 1023)
        plain(customer_order(6, vec![line(&sku(12, 1), 1)])),
        // 1026 payment authorized, not captured
        plain(OrderSpec {
            financial_status: Some("authorized".into()),
            ..customer_order(1, vec![line(&sku(13, 1), 1)])
        }),
        // 1027 partially paid
        plain(OrderSpec {
            financial_status: Some("partially_paid".into()),
            ..customer_order(10, vec![line(&sku(14, 1), 4)])
        }),
        // 1028 fully refunded
        with(customer_order(2, vec![line(&sku(15, 1), 1)]), vec![After::RefundAll]),
        // 1029 fulfilled, then a return requested
        with(
            customer_order(0, vec![line(&sku(16, 1), 2)]),
            vec![
                After::FulfillAll {
                    company: "UPS",
                    number: "1Z999AA10123456784",
                    url: "https://www.ups.com/track?tracknum=1Z999AA10123456784",
                },
                After::RequestReturn,
            ],
        ),
        // 1030 line properties, note and order attributes
        plain(OrderSpec {
            note: Some("Please deliver after 5 pm".into()),
            attributes: BTreeMap::from([("gift_message".to_string(), "Happy birthday!".to_string())]),
            ..customer_order(
                7,
                vec![LineSpec {
                    properties: BTreeMap::from([("Engraving".to_string(), "J.W.".to_string())]),
                    ..line(&sku(17, 1), 1)
                }],
            )
        }),
        // 1031 many lines and quantities
        plain(customer_order(
            3,
            vec![
                line(&sku(1, 1), 3),
                line(&sku(2, 1), 1),
                line(&sku(3, 1), 2),
                line(&sku(4, 1), 1),
                line(&sku(5, 1), 5),
            ],
        )),
        // 1032 free shipping
        plain(OrderSpec {
            shipping: Some(vec![ShippingSpec { title: "Free Shipping".into(), price: Decimal::ZERO, code: None }]),
            ..customer_order(2, vec![line(&sku(6, 1), 1)])
        }),
        // 1033 fulfilled and archived (closed)
        with(
            customer_order(1, vec![line(&sku(7, 1), 1)]),
            vec![
                After::FulfillAll {
                    company: "La Poste",
                    number: "6A12345678901",
                    url: "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901",
                },
                After::Close,
            ],
        ),
        // 1034 archived product
        plain(customer_order(0, vec![line(&sku(23, 1), 1)])),
        // 1035 draft product
        plain(customer_order(3, vec![line(&sku(24, 1), 1)])),
        // 1036 test order
        plain(OrderSpec { test: true, ..customer_order(7, vec![line(&sku(8, 1), 1)]) }),
        // 1037 to 1040 plain paid orders with taxes and discounts across the EU
        plain(OrderSpec {
            discount_code: Some("AUTUMN15".into()),
            discount_percent: Some(Decimal::new(15, 0)),
            ..customer_order(1, vec![line(&sku(9, 1), 2)])
        }),
        plain(customer_order(2, vec![line(&sku(10, 1), 1), line(&sku(11, 1), 1)])),
        plain(customer_order(3, vec![line(&sku(12, 1), 1)])),
        plain(OrderSpec {
            discount_code: Some("VIP20".into()),
            discount_percent: Some(Decimal::new(20, 0)),
            ..customer_order(0, vec![line(&sku(13, 1), 1), line(&sku(14, 1), 1)])
        }),
    ]
}

/// Demo customers, orders (every case of the order-sync troubleshooting guide) and payouts.
pub fn populate_demo(store: &mut Store) {
    let start = epoch();
    for (index, (first, last, email, phone, country)) in DEMO_CUSTOMERS.iter().enumerate() {
        let spec = CustomerSpec {
            first_name: Some(first.to_string()),
            last_name: Some(last.to_string()),
            email: email.map(str::to_string),
            phone: phone.map(str::to_string),
            address: Some(AddressSpec {
                first_name: Some(first.to_string()),
                last_name: Some(last.to_string()),
                phone: phone.map(str::to_string),
                ..to(country)
            }),
            tags: if index == 10 { vec!["b2b".to_string()] } else { Vec::new() },
            email_marketing: (index % 3 == 0).then(|| "SUBSCRIBED".to_string()),
            created_at: Some(start - SignedDuration::from_hours(24 * (60 - index as i64))),
            ..CustomerSpec::default()
        };
        order_ops::create_customer(store, &spec, start);
    }
    let demos = demo_orders(&store.catalog);
    for (index, demo) in demos.into_iter().enumerate() {
        let created = start + SignedDuration::from_hours(6 * index as i64);
        let spec = OrderSpec { created_at: Some(created), ..demo.spec };
        let Ok((order_id, _)) = order_ops::create_order(store, &spec, created) else {
            continue;
        };
        if index == 6 {
            forget_product(store, order_id, "SKU-00026-1", "Discontinued Desk Lamp");
        }
        let mut at = created + SignedDuration::from_mins(90);
        for step in demo.after {
            apply(store, order_id, step, at);
            at += SignedDuration::from_mins(45);
        }
    }
    populate_payouts(store, start, 6);
}

/// Makes a line look like its product was deleted after the order: the line keeps its SKU and
/// title, and points at a variant and product that no longer exist.
fn forget_product(store: &mut Store, order_id: u64, sku: &str, title: &str) {
    let product_id = store.next_id(IdKind::Product);
    let variant_id = store.next_id(IdKind::Variant);
    store.orders.update(order_id, |order| {
        for line in order.line_items.iter_mut().filter(|line| line.sku.as_deref() == Some(sku)) {
            line.product_id = Some(product_id);
            line.variant_id = Some(variant_id);
            line.title = Text::from(title);
            line.variant_title = Some(Text::from("Default Title"));
            line.vendor = Some(Text::from("Northwind"));
            line.price = Decimal::new(4900, 2);
        }
    });
    // Prices changed: recompute taxes through an empty edit at the same time.
    let at = store.orders.get(order_id).map_or(Timestamp::UNIX_EPOCH, |order| order.updated_at);
    let _ = order_ops::edit_order(store, order_id, &order_ops::OrderEdit::default(), at);
}

fn apply(store: &mut Store, order_id: u64, step: After, at: Timestamp) {
    let first_line = || {
        store
            .orders
            .get(order_id)
            .and_then(|order| order.line_items.first())
            .map(|line| crate::gid::format("LineItem", line.id))
    };
    match step {
        After::FulfillAll { company, number, url } => {
            let from: Vec<FulfillFrom> = store
                .orders
                .get(order_id)
                .map(|order| {
                    order
                        .fulfillment_orders
                        .iter()
                        .map(|fo| FulfillFrom { fulfillment_order_id: fo.id, lines: None })
                        .collect()
                })
                .unwrap_or_default();
            let tracking = TrackingInfo {
                number: Some(number.to_string()),
                company: Some(company.to_string()),
                url: Some(url.to_string()),
            };
            let _ = order_ops::fulfill(store, &from, vec![tracking], true, at);
        }
        After::FulfillFirstLine { quantity } => {
            let from: Vec<FulfillFrom> = store
                .orders
                .get(order_id)
                .and_then(|order| order.fulfillment_orders.first())
                .map(|fo| {
                    vec![FulfillFrom {
                        fulfillment_order_id: fo.id,
                        lines: fo.line_items.first().map(|item| vec![(item.id, quantity)]),
                    }]
                })
                .unwrap_or_default();
            let tracking = TrackingInfo {
                number: Some("00340434161094000001".to_string()),
                company: Some("DHL".to_string()),
                url: None,
            };
            let _ = order_ops::fulfill(store, &from, vec![tracking], false, at);
        }
        After::RefundFirstLine { quantity, note } => {
            if let Some(line) = first_line() {
                let _ =
                    order_ops::refund(store, order_id, &[RefundLineSpec { line, quantity }], Some(note), "RETURN", at);
            }
        }
        After::RefundAll => {
            let lines: Vec<RefundLineSpec> = store
                .orders
                .get(order_id)
                .map(|order| {
                    order
                        .line_items
                        .iter()
                        .map(|line| RefundLineSpec {
                            line: crate::gid::format("LineItem", line.id),
                            quantity: order.current_quantity(line),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let _ = order_ops::refund(store, order_id, &lines, Some("Customer changed their mind"), "NO_RESTOCK", at);
        }
        After::Cancel(reason) => {
            let _ = order_ops::cancel_order(store, order_id, reason, at);
            let lines: Vec<RefundLineSpec> = store
                .orders
                .get(order_id)
                .map(|order| {
                    order
                        .line_items
                        .iter()
                        .map(|line| RefundLineSpec {
                            line: crate::gid::format("LineItem", line.id),
                            quantity: order.current_quantity(line),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let _ = order_ops::refund(store, order_id, &lines, None, "CANCEL", at);
        }
        After::Close => {
            let _ = order_ops::touch_order(store, order_id, at, |order| order.closed_at = Some(at));
        }
        After::RequestReturn => {
            store.orders.update(order_id, |order| {
                let Some(fulfillment_line) = order.fulfillments.first().and_then(|f| f.line_items.first()).cloned()
                else {
                    return;
                };
                let id = order.next_sub_id();
                let item_id = order.next_sub_id();
                let name = format!("{}-R1", order.name());
                order.returns.push(Return {
                    id,
                    name,
                    status: "REQUESTED",
                    line_items: vec![ReturnLineItem {
                        id: item_id,
                        fulfillment_line_item_id: fulfillment_line.id,
                        quantity: 1,
                        return_reason: "SIZE_TOO_SMALL",
                        return_reason_note: "Runs small".to_string(),
                        customer_note: Some("Could I get a size larger?".to_string()),
                    }],
                });
                order.updated_at = at.max(order.updated_at);
            });
        }
    }
}

/// A Shopify Payments account with `count` weekly payouts (the newest still scheduled).
fn populate_payouts(store: &mut Store, start: Timestamp, count: usize) {
    let account_id = store.next_id(IdKind::PaymentsAccount);
    let mut rng = SplitMix64::new(0x9a70_0075);
    let mut payouts = Vec::with_capacity(count);
    for week in 0..count {
        let id = store.next_id(IdKind::Payout);
        let charges = Decimal::new(rng.range(50_000, 400_000) as i64, 2);
        let fee = (charges * Decimal::new(29, 3) + Decimal::new(25, 2)).round_dp(2);
        let refunds = if week % 2 == 1 { -Decimal::new(rng.range(1_000, 9_000) as i64, 2) } else { Decimal::ZERO };
        let adjustments = if week == 3 { -Decimal::new(1500, 2) } else { Decimal::ZERO };
        payouts.push(Payout {
            id,
            status: match week {
                w if w + 1 == count => "SCHEDULED",
                2 => "FAILED",
                _ => "PAID",
            },
            transaction_type: "DEPOSIT",
            issued_at: start + SignedDuration::from_hours(24 * 7 * week as i64 + 24),
            summary: PayoutSummary {
                charges_gross: charges,
                charges_fee: fee,
                refunds_fee_gross: refunds,
                adjustments_gross: adjustments,
                ..PayoutSummary::default()
            },
        });
    }
    store.payments.account =
        Some(PaymentsAccount { id: account_id, country: store.shop.country_code.clone(), payouts });
}

// ---------------------------------------------------------------------------------------------
// Large
// ---------------------------------------------------------------------------------------------

/// What an order line needs of a catalog variant, shared by every order that sells it.
struct SellableVariant {
    variant_id: u64,
    product_id: u64,
    title: Text,
    variant_title: Text,
    sku: Option<Text>,
    vendor: Text,
    price: Decimal,
    grams: u32,
}

const FIRST_NAMES: &[&str] = &["Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo", "Ida", "Jan"];
const LAST_NAMES: &[&str] =
    &["Schmidt", "Martin", "Peeters", "Smith", "Jansen", "Weber", "Dubois", "Brown", "Meyer", "Visser"];
const COUNTRIES: &[&str] = &["DE", "DE", "DE", "FR", "NL", "BE", "GB", "AT", "US", "CA"];

/// `count` orders over the catalog, by `count / 10` customers, over the 15 months that end when
/// the simulator starts (the newest order changed at that second): a client's cursor then never
/// stands in the future, and the next change it sees comes after it. The content is the same at
/// every start; only the dates follow the clock. One order in four is fulfilled, one in five
/// discounted, one in twenty pending, one in fifty cancelled; guests place one in ten.
pub fn populate_large(store: &mut Store, count: usize) {
    let mut rng = SplitMix64::new(0x0bde_5000 + count as u64);
    let catalog = &store.catalog;
    let variants: Vec<SellableVariant> = catalog
        .variants
        .values()
        .filter(|variant| variant.sku.is_some())
        .filter_map(|variant| {
            let product = catalog.products.get(&variant.product_id)?;
            let item = catalog.inventory_items.get(&variant.inventory_item_id);
            Some(SellableVariant {
                variant_id: variant.id,
                product_id: product.id,
                title: Text::from(product.title.as_str()),
                variant_title: Text::from(variant.title.as_str()),
                sku: variant.sku.as_deref().map(Text::from),
                vendor: Text::from(product.vendor.as_str()),
                price: variant.price,
                grams: item.and_then(|item| item.weight.as_ref()).map_or(0, |weight| weight.value as u32),
            })
        })
        .collect();
    let Some(location_id) = store.catalog.locations.keys().next().copied() else {
        return;
    };
    if variants.is_empty() {
        return;
    }
    // Orders are created over `span_seconds` and changed up to 20 days later (fulfilled after 20
    // hours, cancelled after 2), so the history starts that much before the end. Whole seconds,
    // as Shopify's timestamps are.
    let span_seconds = 24 * 3600 * 365 + 24 * 3600 * 80;
    let last_change_seconds = 3600 * 24 * 20;
    let end = Timestamp::from_second(store.now().as_second()).unwrap_or(Timestamp::UNIX_EPOCH);
    let start = end - SignedDuration::from_secs((span_seconds + last_change_seconds) as i64);
    let shopify_payments = Text::from("shopify_payments");
    let bank_deposit = Text::from("bank_deposit");
    let source = Text::from("web");
    let standard = Text::from("Standard");
    let shopify = Text::from("shopify");
    let tax_titles: BTreeMap<&str, Text> = COUNTRIES
        .iter()
        .filter_map(|country| order_ops::tax_for(country).map(|(title, _, _)| (*country, Text::from(title))))
        .collect();

    // Customers with one address each; orders share it.
    let customer_count = (count / 10).max(1);
    let mut customer_ids = Vec::with_capacity(customer_count);
    for index in 0..customer_count {
        let id = store.next_id(IdKind::Customer);
        let first = FIRST_NAMES[index % FIRST_NAMES.len()];
        let last = LAST_NAMES[(index / FIRST_NAMES.len()) % LAST_NAMES.len()];
        let country = COUNTRIES[index % COUNTRIES.len()];
        let (street, city, zip, province) = order_ops::sample_address(country);
        let created_at = start + SignedDuration::from_secs(rng.range(0, 3600 * 24 * 300) as i64);
        let address = Arc::new(Address {
            id: id * crate::model::customers::ADDRESS_ID_FACTOR + 1,
            first_name: Some(first.to_string()),
            last_name: Some(last.to_string()),
            company: None,
            address1: Some(format!("{street} {}", index % 97 + 1)),
            address2: None,
            city: Some(city.to_string()),
            zip: Some(zip.to_string()),
            province: province.map(|(_, name)| name.to_string()),
            province_code: province.map(|(code, _)| code.to_string()),
            country_code: Some(country.to_string()),
            phone: None,
        });
        store.customers.insert(Customer {
            id,
            first_name: Some(first.to_string()),
            last_name: Some(last.to_string()),
            email: Some(format!("{}.{}{index}@example.com", first.to_lowercase(), last.to_lowercase())),
            phone: (index % 3 == 0).then(|| format!("+49151{index:08}")),
            note: None,
            tags: Vec::new(),
            state: CustomerState::Enabled,
            tax_exempt: false,
            verified_email: true,
            locale: Text::from("en"),
            email_marketing: if index % 4 == 0 { "SUBSCRIBED" } else { "NOT_SUBSCRIBED" },
            sms_marketing: "NOT_SUBSCRIBED",
            addresses: vec![address.clone()],
            default_address_id: Some(address.id),
            order_ids: Vec::new(),
            created_at,
            updated_at: created_at,
            last_address_n: 1,
        });
        customer_ids.push((id, address));
    }

    // Orders in creation order; each gets its own creation and update time.
    let mut created: Vec<i64> = (0..count).map(|_| rng.range(0, span_seconds) as i64).collect();
    created.sort_unstable();
    for (index, offset) in created.into_iter().enumerate() {
        let id = store.next_id(IdKind::Order);
        let number = store.orders.next_number();
        let created_at = start + SignedDuration::from_secs(offset);
        // The last order is the newest change, made as the store started; its draw is still
        // taken so that the rest of its content is what the seed gives.
        let change = SignedDuration::from_secs(rng.range(0, last_change_seconds) as i64);
        let updated_at = if index + 1 == count { end } else { created_at + change };
        let guest = index % 10 == 9;
        let (customer_id, address) = &customer_ids[rng.range(0, customer_count as u64 - 1) as usize];
        let country = address.country_code.as_deref().unwrap_or("DE");
        let tax = order_ops::tax_for(country);
        let included = tax.is_none_or(|(_, _, included)| included);
        let discount = (index % 5 == 0).then(|| Decimal::new(10, 0));
        let pending = index % 20 == 7;
        let mut order = Order {
            id,
            number,
            email: (!guest || index % 20 == 9)
                .then(|| store.customers.get(*customer_id).and_then(|c| c.email.clone()).unwrap_or_default()),
            phone: None,
            customer_id: (!guest).then_some(*customer_id),
            created_at,
            updated_at,
            processed_at: created_at,
            cancelled_at: None,
            cancel_reason: None,
            closed_at: None,
            note: None,
            tags: Vec::new(),
            source_name: source.clone(),
            po_number: None,
            test: false,
            taxes_included: included,
            financial_status: if pending { FinancialStatus::Pending } else { FinancialStatus::Paid },
            payment_terms: None,
            payment_gateway_names: vec![if pending { bank_deposit.clone() } else { shopify_payments.clone() }],
            discount_codes: discount.map(|_| vec!["SAVE10".to_string()]).unwrap_or_default(),
            custom_attributes: Vec::new(),
            shipping_address: Some(address.clone()),
            billing_address: Some(address.clone()),
            line_items: Vec::new(),
            shipping_lines: Vec::new(),
            discount_applications: Vec::new(),
            transactions: Vec::new(),
            refunds: Vec::new(),
            returns: Vec::new(),
            fulfillment_orders: Vec::new(),
            fulfillments: Vec::new(),
            last_sub_id: 0,
        };
        if let Some(percent) = discount {
            order.discount_applications.push(DiscountApplication {
                kind: DiscountKind::Code("SAVE10".to_string()),
                value: DiscountValue::Percentage(percent),
                allocation_method: "ACROSS",
                target_selection: "ALL",
                target_type: "LINE_ITEM",
            });
        }
        let tax_line = |amount: Decimal| -> Vec<TaxLine> {
            match tax {
                Some((_, rate, included)) => vec![TaxLine {
                    title: tax_titles.get(country).cloned().unwrap_or_else(|| Text::from("Tax")),
                    rate,
                    price: order_ops::tax_amount(amount, rate, included),
                }],
                None => Vec::new(),
            }
        };
        let line_count = 1 + (rng.next_u64() % 4) as usize;
        order.line_items.reserve_exact(line_count);
        for _ in 0..line_count {
            let variant = &variants[(rng.next_u64() % variants.len() as u64) as usize];
            let quantity = 1 + (rng.next_u64() % 3) as u32;
            let line_id = order.next_sub_id();
            let total = variant.price * Decimal::from(quantity);
            let allocations: Vec<DiscountAllocation> = discount
                .map(|percent| {
                    vec![DiscountAllocation {
                        amount: (total * percent / Decimal::ONE_HUNDRED).round_dp(2),
                        application_index: 0,
                    }]
                })
                .unwrap_or_default();
            let discounted = total - allocations.iter().map(|a| a.amount).sum::<Decimal>();
            order.line_items.push(LineItem {
                id: line_id,
                variant_id: Some(variant.variant_id),
                product_id: Some(variant.product_id),
                title: variant.title.clone(),
                variant_title: Some(variant.variant_title.clone()),
                sku: variant.sku.clone(),
                vendor: Some(variant.vendor.clone()),
                quantity,
                removed_quantity: 0,
                price: variant.price,
                requires_shipping: true,
                is_gift_card: false,
                taxable: true,
                grams: variant.grams,
                custom_attributes: Vec::new(),
                discount_allocations: allocations,
                tax_lines: tax_line(discounted),
            });
        }
        let shipping_id = order.next_sub_id();
        let shipping_price = Decimal::new(490, 2);
        // Exact-size vectors throughout: a pushed-to empty Vec reserves room for four.
        order.shipping_lines = vec![ShippingLine {
            id: shipping_id,
            title: standard.clone(),
            code: Some(standard.clone()),
            source: Some(shopify.clone()),
            carrier_identifier: None,
            price: shipping_price,
            discount_allocations: Vec::new(),
            tax_lines: tax_line(shipping_price),
            is_removed: false,
        }];
        let fo_id = order.next_sub_id();
        let fo_lines: Vec<FulfillmentOrderLineItem> = order
            .line_items
            .iter()
            .map(|line| (line.id, line.quantity))
            .collect::<Vec<_>>()
            .into_iter()
            .map(|(line_item_id, quantity)| FulfillmentOrderLineItem {
                id: order.next_sub_id(),
                line_item_id,
                total_quantity: quantity,
                remaining_quantity: quantity,
                fulfilled_quantity: 0,
            })
            .collect();
        order.fulfillment_orders = vec![FulfillmentOrder {
            id: fo_id,
            location_id,
            status: FulfillmentOrderStatus::Open,
            created_at,
            updated_at: created_at,
            line_items: fo_lines,
        }];
        let total = order.total_price();
        let transaction_id = order.next_sub_id();
        order.transactions = vec![Transaction {
            id: transaction_id,
            kind: "SALE",
            status: if pending { "PENDING" } else { "SUCCESS" },
            gateway: order.payment_gateway_names[0].clone(),
            amount: total,
            created_at,
            processed_at: created_at,
            parent_id: None,
            test: false,
            error_code: None,
        }];
        if index % 4 == 1 && !pending {
            let fulfillment_id = order.next_sub_id();
            let mut line_items = Vec::with_capacity(order.line_items.len());
            for fo_line in &mut order.fulfillment_orders[0].line_items {
                line_items.push(FulfillmentLineItem {
                    id: 0,
                    line_item_id: fo_line.line_item_id,
                    quantity: fo_line.remaining_quantity,
                });
                fo_line.fulfilled_quantity = fo_line.remaining_quantity;
                fo_line.remaining_quantity = 0;
            }
            for line in &mut line_items {
                line.id = order.next_sub_id();
            }
            order.fulfillment_orders[0].status = FulfillmentOrderStatus::Closed;
            let shipped_at = created_at + SignedDuration::from_hours(20);
            order.fulfillments = vec![Fulfillment {
                id: fulfillment_id,
                name: format!("#{number}.1"),
                status: "SUCCESS",
                location_id: Some(location_id),
                created_at: shipped_at,
                updated_at: shipped_at,
                tracking: vec![TrackingInfo {
                    number: Some(format!("0034043416{number:010}")),
                    company: Some("DHL".to_string()),
                    url: None,
                }],
                line_items,
                fulfillment_order_ids: vec![fo_id],
                notify_customer: true,
            }];
        } else if index % 50 == 3 {
            order.cancelled_at = Some(created_at + SignedDuration::from_hours(2));
            order.cancel_reason = Some(crate::model::orders::CancelReason::Customer);
            order.closed_at = order.cancelled_at;
            order.fulfillment_orders[0].status = FulfillmentOrderStatus::Cancelled;
        }
        if order.cancelled_at.is_some_and(|at| at > updated_at) {
            order.updated_at = order.cancelled_at.unwrap_or(updated_at);
        }
        if let Some(customer) = order.customer_id.and_then(|id| store.customers.get_mut(id)) {
            customer.order_ids.push(id);
            customer.updated_at = customer.updated_at.max(created_at);
        }
        store.orders.insert(order);
    }
    store.orders.shrink_to_fit();
    populate_payouts(store, end - SignedDuration::from_hours(24 * 7 * 12), 12);
}
