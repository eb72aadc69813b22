//! Persistence for shopsync: one [`Store`] trait, one implementation per database backend.
//!
//! The store holds everything shopsync knows: connected shops and their settings, sync cursors, the back
//! office (catalog, prices, stock, customers, sales orders, shipments), the links between back-office records
//! and Shopify objects, order import status and errors, captured Shopify data, the request log and jobs.
//!
//! [`Store`] is split by area into smaller traits ([`ShopStore`], [`LogStore`], [`JobStore`] ...) that the
//! engine asks for; a backend implements them all. SQLite ([`SqliteStore`]) is the embedded default: one file,
//! WAL journal, migrations embedded in the binary and applied when the store opens. PostgreSQL ([`PgStore`]) carries
//! a hub shared by many processes and machines. Each backend keeps its own SQL and migrations
//! (`migrations/<backend>/`); the conformance suite in `tests/it/` runs every test on both. [`copy`] moves a SQLite
//! hub into PostgreSQL.
//!
//! The store never calls the network, and it never sees a secret in clear: access tokens and client secrets
//! arrive sealed ([`shopsync_core::secret`]) and leave sealed.
//!
//! ```no_run
//! # async fn example() -> Result<(), shopsync_store::StoreError> {
//! use shopsync_store::{NewShop, ShopStore, SqliteStore};
//!
//! let store = SqliteStore::open("shopsync.db".as_ref()).await?;
//! let shop = store
//!     .add_shop(&NewShop { domain: "demo.myshopify.com".into(), api_version: "2026-10".into(), ..Default::default() })
//!     .await?;
//! assert_eq!(store.shop("demo.myshopify.com").await?.unwrap().id, shop.id);
//! # Ok(()) }
//! ```

pub mod api;
pub mod app;
pub mod catalog;
pub mod copy;
pub mod customers;
mod decide;
mod error;
pub mod jobs;
pub mod logs;
pub mod orders;
mod postgres;
pub mod privacy;
pub mod queue;
pub mod reconcile;
mod rows;
pub mod shops;
mod sqlite;
pub mod users;

pub use api::{
    ApiStore, ApiToken, Feed, FeedEntry, IdempotencyClaim, NewApiToken, StoredAnswer, WriteOutcome,
    under_idempotency_key,
};
pub use app::{
    AppCredentials, AppStore, OAuthState, PendingWebhookEvent, SubscriptionCheck, WebhookEvent, WebhookTopicDeliveries,
};
pub use catalog::{
    Bundle, BundleComponent, BundleInput, CatalogStore, InventoryState, Item, ItemFilter, ItemInput, ItemQuery,
    ItemStatus, ItemsUpsert, MarkOutcome, OutsideProduct, Price, PriceInput, PriceList, PriceListInput, PricesUpsert,
    ProductLink, SkippedRecord, SkippedRecordInput, SkuOwner, StockInput, StockLevel, StockUpsert, UpsertCounts,
    Variant, VariantInput, VariantLink, Warehouse, WeightUnit,
};
pub use customers::{
    Address, CUSTOMER_FIELDS, Customer, CustomerField, CustomerLink, CustomerQuery, CustomerResolution, CustomerStore,
    CustomerTemplate, MatchedBy, NewCustomer, ShopifyCustomerInput, missing_required_fields,
};
pub use error::{BackendError, StoreError};
pub use jobs::{Job, JobDay, JobProcess, JobStatus, JobStore, JobTrigger, under_lease};
pub use logs::{Capture, CaptureInput, LogStore, RequestLogEntry, RequestLogFilter};
pub use orders::{
    ConflictResolution, ConflictResolutionInput, ConflictSide, LineKind, NewShipment, OrderError, OrderEvaluation,
    OrderFilter, OrderKey, OrderPosition, OrderRefund, OrderRefundInput, OrderReturn, OrderReturnInput, OrderSeek,
    OrderStore, OrderTransaction, OrderTransactionInput, Payout, SalesOrder, SalesOrderChange, SalesOrderCreated,
    SalesOrderInput, SalesOrderLine, SalesOrderLineInput, SalesOrderStatus, SalesOrderUpdate, SavedEvaluation,
    Shipment, ShipmentLine, ShipmentLineInput, ShipmentQuery, ShipmentSyncStatus, ShopifyOrder, ShopifyOrderInput,
    StoredOrderVersion, WebhookEventInput,
};
pub use postgres::{PgStore, redact_url};
pub use privacy::{CustomerRedaction, PrivacyStore, RedactionReport};
pub use queue::{JobRequest, QueueStore, RequestOutcome};
pub use reconcile::{ReconcileDifference, ReconcileRun, ReconcileRunInput, ReconcileStore};
pub use shops::{AccessStatus, BulkWrite, ExpiringToken, NewShop, Shop, ShopStore, SyncCursor};
pub use sqlite::SqliteStore;
pub use users::{ConsoleSession, ConsoleUser, UserRole, UserStore};

/// Everything shopsync persists, implemented once per backend.
pub trait Store:
    ShopStore
    + LogStore
    + JobStore
    + CatalogStore
    + OrderStore
    + CustomerStore
    + AppStore
    + PrivacyStore
    + QueueStore
    + ReconcileStore
    + ApiStore
    + UserStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: ShopStore
        + LogStore
        + JobStore
        + CatalogStore
        + OrderStore
        + CustomerStore
        + AppStore
        + PrivacyStore
        + QueueStore
        + ReconcileStore
        + ApiStore
        + UserStore
        + Send
        + Sync
        + 'static
{
}

/// Results of store calls.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
