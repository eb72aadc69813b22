use shopsync_store::{AccessStatus, BulkWrite, ExpiringToken, JobStatus, JobTrigger, NewShop, StoreError, SyncCursor};

use super::fresh_store;

pub(crate) fn new_shop(domain: &str) -> NewShop {
    NewShop {
        domain: domain.into(),
        api_version: "2026-10".into(),
        endpoint: None,
        access_token: Some("v1.sealed".into()),
    }
}

#[tokio::test]
async fn adding_a_shop_twice_is_refused_with_a_clear_error() {
    let (store, _dir) = fresh_store().await;
    store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    let err = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap_err();
    assert!(matches!(err, StoreError::ShopExists(_)));
    assert!(err.to_string().contains("already connected"));
}

#[tokio::test]
async fn a_setting_remembers_when_its_value_changed_not_when_it_was_saved_again() {
    let (store, _dir) = fresh_store().await;
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    assert_eq!(store.setting_changed_at(shop.id, "logging").await.unwrap(), None, "a default was never set");
    store.save_setting(shop.id, "logging", "all").await.unwrap();
    let first = store.setting_changed_at(shop.id, "logging").await.unwrap().expect("set");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    store.save_setting(shop.id, "logging", "all").await.unwrap();
    assert_eq!(store.setting_changed_at(shop.id, "logging").await.unwrap().as_deref(), Some(first.as_str()));
    store.save_setting(shop.id, "logging", "errors").await.unwrap();
    let changed = store.setting_changed_at(shop.id, "logging").await.unwrap().unwrap();
    assert!(changed > first, "a new value is a change: {changed} after {first}");
}

#[tokio::test]
async fn a_refreshed_token_replaces_the_old_pair_only_if_no_other_refresh_came_first() {
    let (store, _dir) = fresh_store().await;
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    let pair = |n: u32| ExpiringToken {
        access_token: format!("sealed-access-{n}"),
        access_token_expires_at: format!("2026-12-03T1{n}:00:00.000000Z"),
        refresh_token: format!("sealed-refresh-{n}"),
        refresh_token_expires_at: None,
    };
    assert!(store.store_expiring_token(shop.id, &pair(1), None).await.unwrap(), "installed");
    assert!(store.store_expiring_token(shop.id, &pair(2), Some("sealed-refresh-1")).await.unwrap(), "refreshed");
    assert!(
        !store.store_expiring_token(shop.id, &pair(3), Some("sealed-refresh-1")).await.unwrap(),
        "a second refresh from the old refresh token lost the race"
    );
    let stored = store.shop_by_id(shop.id).await.unwrap().unwrap();
    assert_eq!(stored.access_token.as_deref(), Some("sealed-access-2"));
    assert_eq!(stored.refresh_token.as_deref(), Some("sealed-refresh-2"), "the pair is stored together");
    assert_eq!(stored.access_status, AccessStatus::Ok);
    store.set_access_token(shop.id, Some("pasted")).await.unwrap();
    let pasted = store.shop_by_id(shop.id).await.unwrap().unwrap();
    assert!(
        pasted.refresh_token.is_none() && pasted.access_token_expires_at.is_none(),
        "a pasted token does not expire"
    );
}

#[tokio::test]
async fn removing_a_shop_removes_its_settings_and_cursors() {
    let (store, _dir) = fresh_store().await;
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    store.save_setting(shop.id, "sync-images", "off").await.unwrap();
    store.reset_cursor(shop.id, "orders", None).await.unwrap();
    assert!(store.remove_shop("a.myshopify.com").await.unwrap());
    assert!(!store.remove_shop("a.myshopify.com").await.unwrap());
    let again = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    assert!(store.settings(again.id).await.unwrap().sync_images);
    assert!(store.cursors(again.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_bulk_write_is_kept_per_shop_and_object_through_its_stages_until_removed() {
    let (store, _dir) = fresh_store().await;
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    let other = store.add_shop(&new_shop("b.myshopify.com")).await.unwrap();
    assert_eq!(store.bulk_write(shop.id, "products").await.unwrap(), None);
    let planned = BulkWrite {
        object: "products".into(),
        stage: "products".into(),
        operation_id: None,
        plan: r#"{"lines":[{"item_id":1}]}"#.into(),
        ..BulkWrite::default()
    };
    store.save_bulk_write(shop.id, &planned).await.unwrap();
    let first = store.bulk_write(shop.id, "products").await.unwrap().expect("saved");
    assert_eq!(
        (first.stage.as_str(), first.operation_id.as_deref(), first.plan.as_str()),
        ("products", None, planned.plan.as_str())
    );
    assert!(!first.created_at.is_empty() && first.created_at == first.updated_at, "{first:?}");
    assert_eq!(store.bulk_write(other.id, "products").await.unwrap(), None, "one shop's write is not another's");

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let started = BulkWrite { operation_id: Some("gid://shopify/BulkOperation/7".into()), ..first.clone() };
    store.save_bulk_write(shop.id, &started).await.unwrap();
    let publishing = BulkWrite { stage: "publish".into(), plan: "{}".into(), operation_id: None, ..first.clone() };
    let read = store.bulk_write(shop.id, "products").await.unwrap().unwrap();
    assert_eq!(read.operation_id.as_deref(), Some("gid://shopify/BulkOperation/7"));
    assert_eq!(read.created_at, first.created_at, "a checkpoint keeps when the write was planned");
    assert!(read.updated_at > first.updated_at, "{read:?}");
    store.save_bulk_write(shop.id, &publishing).await.unwrap();
    let read = store.bulk_write(shop.id, "products").await.unwrap().unwrap();
    assert_eq!((read.stage.as_str(), read.operation_id, read.plan.as_str()), ("publish", None, "{}"));

    assert!(store.remove_bulk_write(shop.id, "products").await.unwrap());
    assert!(!store.remove_bulk_write(shop.id, "products").await.unwrap());
    assert_eq!(store.bulk_write(shop.id, "products").await.unwrap(), None);
    // A shop's removal takes its bulk write with it.
    store.save_bulk_write(other.id, &planned).await.unwrap();
    assert!(store.remove_shop("b.myshopify.com").await.unwrap());
    let again = store.add_shop(&new_shop("b.myshopify.com")).await.unwrap();
    assert_eq!(store.bulk_write(again.id, "products").await.unwrap(), None);
}

#[tokio::test]
async fn access_status_and_token_changes_are_kept() {
    let (store, _dir) = fresh_store().await;
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    store.set_access_status(shop.id, AccessStatus::NeedsAccess, Some("token revoked")).await.unwrap();
    let read = store.shop_by_id(shop.id).await.unwrap().unwrap();
    assert_eq!(read.access_status, AccessStatus::NeedsAccess);
    // A new token clears the old verdict.
    store.set_access_token(shop.id, Some("v1.other")).await.unwrap();
    let read = store.shop_by_id(shop.id).await.unwrap().unwrap();
    assert_eq!(read.access_status, AccessStatus::Unknown);
    assert_eq!(read.access_token.as_deref(), Some("v1.other"));
    assert!(!format!("{read:?}").contains("v1.other"), "Debug output must not show sealed secrets");
}

#[tokio::test]
async fn cursor_reset_moves_back_and_clears_the_tie_breaker() {
    let (store, _dir) = fresh_store().await;
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    let cursor = SyncCursor {
        object: "orders".into(),
        updated_at: Some("2026-05-01T00:00:00Z".into()),
        last_id: Some("gid://shopify/Order/9".into()),
        ..Default::default()
    };
    store.save_cursor(shop.id, &cursor).await.unwrap();
    store.reset_cursor(shop.id, "orders", Some("2026-01-01T00:00:00Z")).await.unwrap();
    let read = store.cursor(shop.id, "orders").await.unwrap().unwrap();
    assert_eq!(read.updated_at.as_deref(), Some("2026-01-01T00:00:00Z"));
    assert_eq!(read.last_id, None);
}

#[tokio::test]
async fn a_job_that_died_is_marked_failed() {
    let (store, _dir) = fresh_store().await;
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    let job = store.start_job(shop.id, "orders", JobTrigger::Manual).await.unwrap();
    let done = store.start_job(shop.id, "products", JobTrigger::Schedule).await.unwrap();
    store.finish_job(done.id, JobStatus::Succeeded, "{\"synced\":3}", None).await.unwrap();
    assert_eq!(store.fail_stale_jobs("9999-01-01T00:00:00.000000Z").await.unwrap(), 1);
    let jobs = store.jobs(shop.id, Some("orders"), 10).await.unwrap();
    assert_eq!(jobs[0].id, job.id);
    assert_eq!(jobs[0].status, JobStatus::Failed);
    assert!(store.last_success(shop.id, "products").await.unwrap().is_some());
}
