//! `sync fulfillments` against the simulator: a partial shipment with tracking reaches Shopify exactly once (run
//! twice, and after a crash between Shopify's answer and the store's write), the rest ships in a second
//! fulfillment, bundles ship as whole bundles, and the switches are kept.

use shopify_sim::SimConfig;
use shopsync_store::{
    BundleComponent, BundleInput, CatalogStore, JobTrigger, NewShipment, OrderKey, OrderStore, ShipmentLineInput,
    ShipmentSyncStatus,
};
use shopsync_sync::fulfillments::sync_fulfillments;
use shopsync_sync::{FlowSummary, NoProgress, SyncError};

use crate::Harness;
use crate::orders::{demo, status, sync};

async fn send(h: &Harness) -> Result<FlowSummary, SyncError> {
    let shop = h.engine.shop(&h.shop.domain).await.unwrap();
    let flow = sync_fulfillments(&shop, &NoProgress);
    h.engine.run_job(&shop, "fulfillments", JobTrigger::Manual, &NoProgress, flow).await
}

async fn sales_order(h: &Harness, name: &str) -> shopsync_store::SalesOrder {
    let order = h.store.find_shopify_order(h.shop.id, &OrderKey::parse(name)).await.unwrap().unwrap();
    h.store.sales_order_for(h.shop.id, &order.order_id).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_partial_shipment_with_tracking_reaches_shopify_exactly_once() {
    let h = Harness::start(SimConfig::default()).await;
    demo(&h).await;
    sync(&h).await;
    let so = sales_order(&h, "#1031").await;
    let first = &so.lines[0];
    assert!(first.quantity >= 2);
    let shipment = h
        .store
        .create_shipment(&NewShipment {
            sales_order_id: so.id,
            lines: vec![
                ShipmentLineInput { sales_order_line_id: first.id, quantity: first.quantity - 1 },
                ShipmentLineInput { sales_order_line_id: so.lines[1].id, quantity: 1 },
            ],
            tracking_number: Some("00340434161094099999".into()),
            carrier: Some("DHL".into()),
            tracking_url: Some("https://www.dhl.de/track?piececode=00340434161094099999".into()),
            shipped_at: None,
        })
        .await
        .unwrap();

    let summary = send(&h).await.unwrap();
    assert_eq!(summary.created, 1, "{summary}");
    let control = h.sim.control();
    let fulfillments = control.fulfillments("#1031").unwrap();
    assert_eq!(fulfillments.len(), 1);
    let sent = &fulfillments[0];
    assert_eq!(sent.tracking[0].number.as_deref(), Some("00340434161094099999"));
    assert_eq!(sent.tracking[0].company.as_deref(), Some("DHL"));
    let mut lines: Vec<(Option<String>, u32)> = sent.lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect();
    lines.sort();
    let mut expected = vec![(first.sku.clone(), (first.quantity - 1) as u32), (so.lines[1].sku.clone(), 1)];
    expected.sort();
    assert_eq!(lines, expected);
    assert_eq!(control.order("#1031").unwrap().fulfillment_status, "PARTIALLY_FULFILLED");
    let stored = h.store.shipment(&shipment.number).await.unwrap().unwrap();
    assert_eq!(stored.sync_status, ShipmentSyncStatus::Synced);
    assert_eq!(stored.shopify_fulfillment_ids, std::slice::from_ref(&sent.id));

    // Run again: nothing pending, nothing sent.
    let again = send(&h).await.unwrap();
    assert_eq!(again.created, 0);
    assert_eq!(control.fulfillments("#1031").unwrap().len(), 1);

    // A crash after Shopify created it and before the store recorded it: the shipment is still pending.
    h.store.set_shipment_sync_status(shipment.id, ShipmentSyncStatus::Pending, None).await.unwrap();
    let recovered = send(&h).await.unwrap();
    assert_eq!((recovered.created, recovered.linked), (0, 1), "{recovered}");
    assert_eq!(control.fulfillments("#1031").unwrap().len(), 1, "not sent twice");
    let stored = h.store.shipment(&shipment.number).await.unwrap().unwrap();
    assert_eq!(
        (stored.sync_status, stored.shopify_fulfillment_ids.clone()),
        (ShipmentSyncStatus::Synced, vec![sent.id.clone()])
    );

    // The rest of the order ships in a second fulfillment; Shopify then has it all, and the order stays imported.
    let so = h.store.sales_order_by_id(so.id).await.unwrap().unwrap();
    let rest: Vec<ShipmentLineInput> = so
        .lines
        .iter()
        .filter(|l| l.kind.is_shippable() && l.quantity > l.quantity_shipped)
        .map(|l| ShipmentLineInput { sales_order_line_id: l.id, quantity: l.quantity - l.quantity_shipped })
        .collect();
    h.store
        .create_shipment(&NewShipment {
            sales_order_id: so.id,
            lines: rest,
            tracking_number: Some("TRACK-2".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(send(&h).await.unwrap().created, 1);
    assert_eq!(control.fulfillments("#1031").unwrap().len(), 2);
    assert_eq!(control.order("#1031").unwrap().fulfillment_status, "FULFILLED");
    sync(&h).await;
    assert_eq!(
        status(&h, "#1031").await,
        (shopsync_core::OrderStatus::Synced, vec![]),
        "fulfilled by us is not a problem"
    );
}

#[tokio::test]
async fn a_bundle_ships_as_whole_bundles_of_its_line() {
    let h = Harness::start(SimConfig::default()).await;
    demo(&h).await;
    // Make SKU-00001-1 a bundle of two other SKUs before the import.
    let bundle = "SKU-00001-1";
    h.store
        .upsert_bundles(&[BundleInput {
            bundle_sku: bundle.into(),
            components: vec![
                BundleComponent { sku: "SKU-00002-1".into(), quantity: 2 },
                BundleComponent { sku: "SKU-00003-1".into(), quantity: 1 },
            ],
        }])
        .await
        .unwrap();
    sync(&h).await;
    // #1031 sells 3 of SKU-00001-1 (its first line).
    let so = sales_order(&h, "#1031").await;
    let components: Vec<_> = so.lines.iter().filter(|l| l.parent_line_no == Some(1)).collect();
    assert_eq!(components.len(), 2, "{:?}", so.lines);
    // One whole bundle and half of another's components.
    h.store
        .create_shipment(&NewShipment {
            sales_order_id: so.id,
            lines: vec![
                ShipmentLineInput { sales_order_line_id: components[0].id, quantity: 3 },
                ShipmentLineInput { sales_order_line_id: components[1].id, quantity: 1 },
            ],
            tracking_number: Some("B-1".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    send(&h).await.unwrap();
    let shipped = h.sim.control().fulfillments("#1031").unwrap();
    assert_eq!(shipped.len(), 1);
    assert_eq!(
        shipped[0].lines.iter().map(|l| (l.sku.as_deref(), l.quantity)).collect::<Vec<_>>(),
        [(Some(bundle), 1)]
    );
}

#[tokio::test]
async fn fulfillments_need_the_setting_and_writes() {
    let h = Harness::start(SimConfig::default()).await;
    h.set("sync-fulfilled-status", "off").await;
    let err = send(&h).await.unwrap_err();
    assert!(err.to_string().contains("sync-fulfilled-status"), "{err}");
    let turn_on = |action: &shopsync_core::remedy::RemedyAction| {
        matches!(action, shopsync_core::remedy::RemedyAction::SetSetting { key, value: Some(on), .. }
            if key == "sync-fulfilled-status" && on == "on")
    };
    assert!(err.remedy().is_some_and(|step| step.actions().any(turn_on)), "{err}");
    h.set("sync-fulfilled-status", "on").await;
    h.set("allow-data-sync-to-shopify", "off").await;
    let err = send(&h).await.unwrap_err();
    assert!(matches!(err, SyncError::WritesDisabled(_)), "{err}");
}

#[tokio::test]
async fn a_shipment_shopify_cannot_take_is_recorded_with_the_reason() {
    let h = Harness::start(SimConfig::default()).await;
    demo(&h).await;
    sync(&h).await;
    let so = sales_order(&h, "#1038").await;
    h.store
        .create_shipment(&NewShipment {
            sales_order_id: so.id,
            lines: vec![ShipmentLineInput { sales_order_line_id: so.lines[0].id, quantity: 1 }],
            ..Default::default()
        })
        .await
        .unwrap();
    // The order was cancelled in Shopify meanwhile: nothing is left to fulfill.
    h.sim.control().cancel_order("#1038", None).unwrap();
    let summary = send(&h).await.unwrap();
    assert_eq!(summary.skipped, 1, "{summary}");
    let failed = h
        .store
        .shipments(&shopsync_store::ShipmentQuery { sales_order_id: Some(so.id), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(failed[0].sync_status, ShipmentSyncStatus::Error);
    assert!(failed[0].sync_error.as_deref().is_some_and(|e| e.contains("#1038")), "{:?}", failed[0].sync_error);
}
