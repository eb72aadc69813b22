//! shopify-admin (being built).
pub mod budget;
pub mod client;
pub mod domain;
pub mod error;
pub mod hook;
pub mod operation;
pub mod retry;

pub use budget::{BudgetSnapshot, CostBudget, QueryCost, ThrottleStatus};
pub use client::{AdminClient, AdminClientBuilder, Reply, Timeouts, http_client};
pub use domain::{API_VERSION, ApiVersion, Endpoint, InvalidShopDomain, ShopDomain};
pub use error::{AdminError, AuthFailure, BulkError, GraphQlError, UserError};
pub use hook::{AllowAll, BlockReason, OutgoingRequest, RequestHook, RequestPolicy, RequestRecord, Switches};
pub use operation::{Connection, Gid, Operation, OperationKind, PageInfo, PagedOperation};
pub use retry::RetryConfig;
