//! The catalog push against the simulator, timed against Shopify's rate limit.
//!
//! For each plan (standard: 100 points/s, bucket 2,000; plus: 1,000 points/s, bucket 20,000):
//! 1. initial push of 2,000 items / 10,000 variants to an empty store (`sync products`: the first link's bulk
//!    query finds nothing, then the products go as one `productSet` bulk mutation and their publishing to the
//!    Online Store as one `publishablePublish` bulk mutation; before bulk writes, one `productSet` and one
//!    `publishablePublish` per product). Target: under 30 s on standard;
//! 2. inventory push of the 10,000 SKUs ("known": the variants were just created by shopsync; their quantities
//!    are still read once, 100 per call, since a new variant's stock is not assumed, then set 250 per call);
//!
//! and, on plus (on standard too with `CATALOG_PUSH_FULL=1`, about 15 more minutes):
//! 3. first-time link of the same catalog against a store that already has it (`Seed::Large`): SKU search, then
//!    one `productSet` per product to bring it to the back office's content;
//! 4. inventory push of 10,000 SKUs whose Shopify quantity is unknown (read first, then set).
//!
//! and on both plans:
//! 5. first-time link of a store's catalog (`sync products --import-unmatched` against `Seed::Large` with an empty
//!    back office: every Shopify product becomes an item). The catalog is read by one bulk query; before, it was
//!    read 5 products per page (400 pages, 78,834 points, about 13 minutes on standard). Target: at most 500
//!    points and 10 s on standard.
//!
//! and on standard:
//! 6. the bulk rule's threshold: initial pushes of 10 to 200 items (5 variants each) to an empty store, once one
//!    `productSet` per product and once as a bulk mutation, each from a full bucket; the wall times say where the
//!    bulk mutation's fixed latency pays off (`BULK_WRITE_ABOVE`).
//!
//! `CATALOG_PUSH_ONLY=link` runs step 5 alone; `CATALOG_PUSH_ONLY=push` runs steps 1 and 6 alone.
//!
//! Each step starts with a full bucket and prints its wall time next to the rate-limit floor,
//! floor = max(0, total actual cost - bucket size) / restore rate: no client can be faster than the floor, and
//! the target is at most 1.15x it. When the whole step fits in the bucket the floor is 0 and the time is bound
//! by processing instead (requests per second are printed). Cost per variant is the step's actual cost divided
//! by the variants (or SKUs) it handled.
//!
//! Run with `cargo bench -p shopsync-sync --bench catalog_push` (release build).

use std::sync::Arc;
use std::time::{Duration, Instant};

use shopify_sim::{Plan, Seed, SimConfig, SimHandle, Simulator};
use shopsync_core::secret::access_token_context;
use shopsync_core::{MasterKey, TokenCipher};
use shopsync_store::{
    CatalogStore, ItemInput, ItemStatus, JobTrigger, NewShop, PriceInput, PriceListInput, ShopStore, SqliteStore,
    StockInput, Store, VariantInput, WeightUnit,
};
use shopsync_sync::catalog::{
    BULK_WRITE_ABOVE, InventorySyncOptions, ProductSyncOptions, sync_inventory, sync_products,
};
use shopsync_sync::{Engine, FlowSummary, NoProgress};

const ITEMS: usize = 2_000;
const SIZES: [&str; 5] = ["XS", "S", "M", "L", "XL"];
const TARGET: f64 = 1.15;
/// The initial push by bulk mutation, on standard.
const BULK_PUSH_TARGET_SECONDS: f64 = 30.0;
/// The sizes of push the threshold step compares.
const THRESHOLD_SIZES: [usize; 5] = [10, 25, 50, 100, 200];

#[tokio::main]
async fn main() {
    let full = std::env::var("CATALOG_PUSH_FULL").is_ok_and(|v| v == "1");
    let only = std::env::var("CATALOG_PUSH_ONLY").unwrap_or_default();
    let (only_link, only_push) = (only == "link", only == "push");
    println!("catalog push: {ITEMS} items / {} variants", ITEMS * SIZES.len());
    if only_push {
        for (name, plan) in [("standard", Plan::Standard), ("plus", Plan::Plus)] {
            let bench = Bench::start(plan, Seed::Empty, ITEMS).await;
            let push = Flow::Products(ProductSyncOptions::default());
            let wall = bench.step(&format!("{name}: initial product push"), ITEMS * SIZES.len(), push).await;
            if plan == Plan::Standard {
                let verdict = if wall < BULK_PUSH_TARGET_SECONDS { "met" } else { "missed" };
                println!("{:<40} target under {BULK_PUSH_TARGET_SECONDS} s: {verdict}", "");
            }
            bench.stop().await;
        }
        threshold().await;
        return;
    }
    for (name, plan) in [("standard", Plan::Standard), ("plus", Plan::Plus)] {
        // Every Shopify product of the large seed comes into an empty back office.
        let bench = Bench::start(plan, Seed::Large, 0).await;
        let link = ProductSyncOptions { import_unmatched: true, ..ProductSyncOptions::default() };
        bench
            .step(&format!("{name}: first-time link (--import-unmatched)"), ITEMS * SIZES.len(), Flow::Products(link))
            .await;
        bench.stop().await;
        if only_link {
            continue;
        }
        let bench = Bench::start(plan, Seed::Empty, ITEMS).await;
        let push = || Flow::Products(ProductSyncOptions::default());
        let wall = bench.step(&format!("{name}: initial product push"), ITEMS * SIZES.len(), push()).await;
        if plan == Plan::Standard {
            let verdict = if wall < BULK_PUSH_TARGET_SECONDS { "met" } else { "missed" };
            println!("{:<40} target under {BULK_PUSH_TARGET_SECONDS} s: {verdict}", "");
        }
        bench.step(&format!("{name}: inventory push (known)"), ITEMS * SIZES.len(), Flow::Inventory).await;
        bench.stop().await;
        if plan == Plan::Standard {
            threshold().await;
        }
        if plan == Plan::Plus || full {
            // The same SKU scheme as the simulator's large seed: every item is already in Shopify.
            let bench = Bench::start(plan, Seed::Large, ITEMS).await;
            bench.step(&format!("{name}: first-time link + update"), ITEMS * SIZES.len(), push()).await;
            bench.step(&format!("{name}: inventory push (read first)"), ITEMS * SIZES.len(), Flow::Inventory).await;
            bench.stop().await;
        }
    }
}

/// Step 6: direct calls against one bulk mutation for pushes of a few sizes, on standard, each from a full bucket
/// (a fresh simulator).
async fn threshold() {
    println!(
        "bulk rule (standard): direct calls against a bulk mutation, now {BULK_WRITE_ABOVE} products or fewer go direct"
    );
    for items in THRESHOLD_SIZES {
        let mut walls = Vec::new();
        for (path, above) in [("direct", usize::MAX), ("bulk", 0)] {
            let bench = Bench::start(Plan::Standard, Seed::Empty, items).await;
            let options = ProductSyncOptions { bulk_above: Some(above), ..ProductSyncOptions::default() };
            let name = format!("standard: {items} items {path}");
            walls.push(bench.step_fresh(&name, items * SIZES.len(), Flow::Products(options)).await);
            bench.stop().await;
        }
        let faster = if walls[0] <= walls[1] { "direct" } else { "bulk" };
        println!("{:<40} {items} items: direct {:.2} s, bulk {:.2} s: {faster} is faster", "", walls[0], walls[1]);
    }
}

enum Flow {
    Products(ProductSyncOptions),
    Inventory,
}

struct Bench {
    sim: SimHandle,
    engine: Engine,
    domain: String,
    maximum: f64,
    restore: f64,
    _dir: tempfile::TempDir,
}

impl Bench {
    /// A fresh simulator and store; `items` back-office items (none: only the price list imports bring prices
    /// into).
    async fn start(plan: Plan, seed: Seed, items: usize) -> Bench {
        let bucket = plan.bucket();
        let sim = Simulator::start(SimConfig { plan, seed, ..SimConfig::default() }).await.expect("simulator");
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = Arc::new(SqliteStore::open(&dir.path().join("shopsync.db")).await.expect("store"));
        let cipher = TokenCipher::new(&MasterKey::generate());
        let sealed = cipher.seal(&access_token_context(sim.shop_domain(), Some(sim.base_url())), &sim.access_token());
        let shop = store
            .add_shop(&NewShop {
                domain: sim.shop_domain().to_string(),
                api_version: "2026-10".into(),
                endpoint: Some(sim.base_url().to_string()),
                access_token: Some(sealed),
            })
            .await
            .expect("shop");
        let location = sim.control().locations()[0].id.clone();
        for (key, value) in [
            ("allow-data-sync-to-shopify", "on".to_string()),
            ("location-map", format!("MAIN={location}")),
            ("price-list", "RETAIL".to_string()),
        ] {
            store.save_setting(shop.id, key, &value).await.expect("setting");
        }
        if items > 0 {
            catalog(store.as_ref(), items).await;
        } else {
            // The price list imported products bring their prices into.
            let list = PriceListInput { code: "RETAIL".into(), name: None, currency: Some("EUR".into()) };
            store.upsert_prices(&list, &[]).await.expect("price list");
        }
        let engine = Engine::new(store.clone() as Arc<dyn Store>, cipher).expect("engine");
        Bench {
            sim,
            engine,
            domain: shop.domain,
            maximum: bucket.maximum_available,
            restore: bucket.restore_rate,
            _dir: dir,
        }
    }

    /// Runs a step from a full bucket, as the floor assumes; returns its wall time in seconds.
    async fn step(&self, name: &str, variants: usize, flow: Flow) -> f64 {
        tokio::time::sleep(Duration::from_secs_f64(self.maximum / self.restore + 0.5)).await;
        self.step_fresh(name, variants, flow).await
    }

    /// Runs a step at once: the first step of a fresh simulator, whose bucket is full.
    async fn step_fresh(&self, name: &str, variants: usize, flow: Flow) -> f64 {
        let shop = self.engine.shop(&self.domain).await.expect("shop context");
        self.sim.control().reset_stats();
        let started = Instant::now();
        let summary: FlowSummary = match flow {
            Flow::Products(options) => {
                let run = sync_products(&shop, &options, &NoProgress);
                self.engine.run_job(&shop, "products", JobTrigger::Manual, &NoProgress, run).await
            }
            Flow::Inventory => {
                let options = InventorySyncOptions::default();
                let run = sync_inventory(&shop, &options, &NoProgress);
                self.engine.run_job(&shop, "inventory", JobTrigger::Manual, &NoProgress, run).await
            }
        }
        .expect("flow runs");
        let wall = started.elapsed().as_secs_f64();
        let stats = self.sim.control().stats();
        assert_eq!(summary.skipped, 0, "{name}: {summary}");
        let cost = stats.cost_spent as f64;
        let floor = ((cost - self.maximum) / self.restore).max(0.0);
        let ratio = if floor > 0.0 { format!("{:.3}x floor", wall / floor) } else { "floor 0: fits the bucket".into() };
        let verdict = if floor > 0.0 && wall <= floor * TARGET {
            " (target met)"
        } else if floor > 0.0 {
            " (over target)"
        } else {
            ""
        };
        println!(
            "{name:<40} {wall:>8.2} s  floor {floor:>7.2} s  {ratio}{verdict}\n{:<40} {} requests ({:.0}/s), {} mutations, \
             {cost:.0} cost points = {:.3} per variant, {} throttled; {summary}",
            "",
            stats.graphql_requests,
            stats.graphql_requests as f64 / wall,
            stats.mutations,
            cost / variants as f64,
            stats.throttled,
        );
        wall
    }

    async fn stop(self) {
        self.engine.flush_logs().await;
        self.sim.shutdown().await;
    }
}

/// `count` items of five sizes with the simulator's SKU scheme, priced, with stock in MAIN.
async fn catalog(store: &SqliteStore, count: usize) {
    let items: Vec<ItemInput> = (1..=count)
        .map(|p| ItemInput {
            number: format!("I-{p:05}"),
            name: format!("Everyday Shirt {p}"),
            description: "Soft, breathable cotton.".into(),
            status: ItemStatus::Active,
            vendor: Some("Northwind".into()),
            product_type: Some("Apparel".into()),
            inventory_tracked: true,
            weight: Some("0.25".into()),
            weight_unit: Some(WeightUnit::Kilograms),
            option_names: vec!["Size".into()],
            images: vec![format!("https://cdn.example.com/{p}.png")],
            tags: vec!["summer".into()],
            variants: SIZES
                .iter()
                .enumerate()
                .map(|(v, size)| VariantInput {
                    code: size.to_string(),
                    sku: format!("SKU-{p:05}-{}", v + 1),
                    option_values: vec![size.to_string()],
                    position: v as i64,
                    ..VariantInput::default()
                })
                .collect(),
            ..ItemInput::default()
        })
        .collect();
    store.upsert_items(&items).await.expect("items");
    let skus: Vec<String> = items.iter().flat_map(|i| i.variants.iter().map(|v| v.sku.clone())).collect();
    let prices: Vec<PriceInput> = skus
        .iter()
        .enumerate()
        .map(|(n, sku)| PriceInput { sku: sku.clone(), price: format!("{}.95", 10 + n % 90), compare_at_price: None })
        .collect();
    let list = PriceListInput { code: "RETAIL".into(), name: None, currency: Some("EUR".into()) };
    store.upsert_prices(&list, &prices).await.expect("prices");
    let stock: Vec<StockInput> = skus
        .iter()
        .enumerate()
        .map(|(n, sku)| StockInput { warehouse: "MAIN".into(), sku: sku.clone(), quantity: 1 + (n as i64 * 7) % 60 })
        .collect();
    store.upsert_stock(&stock).await.expect("stock");
}
