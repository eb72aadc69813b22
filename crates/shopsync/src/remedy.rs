//! Remedies as the CLI says them: each action of a remedy step becomes the shopsync command that does it.
//!
//! The engine gives a remedy as data ([`shopsync_core::remedy`]); the words are shared with every front-end, the
//! commands are this binary's. A command is quoted with backticks so it stands out in a sentence and pastes
//! whole; an order name is single-quoted, since a bare `#1001` would start a comment in a shell.

use serde::Serialize;
use shopsync_core::CipherError;
use shopsync_core::order_errors::ProblemReport;
use shopsync_core::remedy::{RemedyAction, RemedyStep};
use shopsync_store::StoreError;
use shopsync_sync::SyncError;

/// A step as one line of text.
pub fn render(step: &RemedyStep) -> String {
    step.render(command)
}

/// An error of the sync engine as the CLI says it: what happened and why, then what to do as commands.
pub fn explain(err: &SyncError) -> String {
    match err.remedy() {
        Some(step) => format!("{err}; {}", render(&step)),
        None => err.to_string(),
    }
}

/// An error that reached `main`, with its context, followed by the remedy of the first error in its chain that
/// has one.
pub fn explain_any(err: &anyhow::Error) -> String {
    let remedy = err.chain().find_map(|cause| {
        if let Some(err) = cause.downcast_ref::<SyncError>() {
            err.remedy()
        } else if let Some(err) = cause.downcast_ref::<StoreError>() {
            err.remedy()
        } else if let Some(err) = cause.downcast_ref::<CipherError>() {
            err.remedy()
        } else {
            None
        }
    });
    match remedy {
        Some(step) => format!("{err:#}; {}", render(&step)),
        None => format!("{err:#}"),
    }
}

/// A problem as `orders show --json` gives it: the report, with its remedy as text lines (`remedy`) next to the
/// steps as data (`remedy_steps`).
#[derive(Serialize)]
pub struct ProblemView {
    #[serde(flatten)]
    pub report: ProblemReport,
    pub remedy: Vec<String>,
}

impl From<ProblemReport> for ProblemView {
    fn from(report: ProblemReport) -> ProblemView {
        let remedy = report.remedy.iter().map(render).collect();
        ProblemView { report, remedy }
    }
}

/// The command (or, for a page of Shopify admin, the address) that carries out `action`.
fn command(action: &RemedyAction) -> String {
    match action {
        RemedyAction::OpenShopifyAdmin { url } => url.clone(),
        RemedyAction::ReprocessOrder { shop, order } => {
            format!("`shopsync orders reprocess --shop {shop} '{}'`", order.replace('\'', ""))
        }
        RemedyAction::ReprocessByCode { shop, code } => {
            format!("`shopsync orders reprocess --shop {shop} --code {code}`")
        }
        RemedyAction::SyncNow { shop, flow } => format!("`shopsync sync {flow} --shop {shop}`"),
        RemedyAction::SetSetting { shop, key, value } => {
            let value = value.clone().unwrap_or_else(|| placeholder(key).to_string());
            format!("`shopsync shop set {shop} {key} {value}`")
        }
        RemedyAction::ShowShop { shop } => format!("`shopsync shop show {shop}`"),
        RemedyAction::ImportItems => "`shopsync items import FILE.csv`".to_string(),
        RemedyAction::SetTemplate { code, fields } => {
            let mut text = format!("`shopsync templates set {}", code.as_deref().unwrap_or("CODE"));
            for field in fields {
                text.push_str(&format!(" {field}=VALUE"));
            }
            text.push('`');
            text
        }
        RemedyAction::ShowTemplate { code } => format!("`shopsync templates show {code}`"),
        RemedyAction::ListTemplates => "`shopsync templates list`".to_string(),
        RemedyAction::ListShops => "`shopsync shop list`".to_string(),
        RemedyAction::SetToken { shop: Some(shop) } => format!("`shopsync shop set-token {shop} --token-stdin`"),
        RemedyAction::SetToken { shop: None } => "`shopsync shop set-token`".to_string(),
        RemedyAction::SetEndpoint { shop } => format!("`shopsync shop set-endpoint {shop} URL --token-stdin`"),
        RemedyAction::RemoveShop { shop } => format!("`shopsync shop remove {shop} --yes`"),
        RemedyAction::ShowJobs { shop: Some(shop) } => format!("`shopsync jobs --shop {shop}`"),
        RemedyAction::ShowJobs { shop: None } => "`shopsync jobs`".to_string(),
        RemedyAction::InitDataDir => "`shopsync init`".to_string(),
        RemedyAction::SetAppCredentials => "`shopsync app set --client-id ID --client-secret-stdin`".to_string(),
        RemedyAction::ConnectShop { shop: Some(shop) } => format!("`shopsync shop connect {shop}`"),
        RemedyAction::ConnectShop { shop: None } => "`shopsync shop connect NAME.myshopify.com`".to_string(),
        RemedyAction::SetPublicUrl => "`shopsync app set-url https://YOUR_HOST`".to_string(),
        RemedyAction::SyncWebhooks { shop: Some(shop) } => format!("`shopsync webhooks sync --shop {shop}`"),
        RemedyAction::SyncWebhooks { shop: None } => "`shopsync webhooks sync`".to_string(),
        RemedyAction::MarkShippedOutside { shop, product } => {
            format!("mark it as shipped outside the back office (`shopsync links outside --shop {shop} {product}`)")
        }
    }
}

/// What a person types in place of a value they choose for `setting`.
fn placeholder(setting: &str) -> &'static str {
    if setting.ends_with("-tag") {
        "TAG"
    } else if setting.ends_with("-template") || setting == "price-list" {
        "CODE"
    } else if setting == "location-map" {
        "WAREHOUSE=LOCATION_ID,..."
    } else if setting == "publish-to" {
        "NAME,..."
    } else {
        "VALUE"
    }
}

#[cfg(test)]
mod tests {
    use shopsync_core::order_errors::OrderErrorCode;
    use shopsync_core::remedy::{RemedyAction, RemedyStep};
    use shopsync_core::{Flow, ShopSettings};

    use super::render;

    const SHOP: &str = "demo.myshopify.com";

    fn check(action: RemedyAction, expected: &str) {
        let step = RemedyStep::text("Run ").then_act(action).then_text(".");
        assert_eq!(render(&step), format!("Run {expected}."));
    }

    #[test]
    fn every_action_becomes_the_command_that_carries_it_out() {
        let shop = SHOP.to_string();
        let set = |key: &str, value: Option<&str>| RemedyAction::SetSetting {
            shop: shop.clone(),
            key: key.into(),
            value: value.map(str::to_string),
        };
        check(
            RemedyAction::OpenShopifyAdmin { url: "https://admin.shopify.com/store/demo/orders/1".into() },
            "https://admin.shopify.com/store/demo/orders/1",
        );
        check(
            RemedyAction::ReprocessOrder { shop: shop.clone(), order: "#1001".into() },
            "`shopsync orders reprocess --shop demo.myshopify.com '#1001'`",
        );
        check(
            RemedyAction::ReprocessOrder { shop: shop.clone(), order: "#10'01".into() },
            "`shopsync orders reprocess --shop demo.myshopify.com '#1001'`",
        );
        check(
            RemedyAction::ReprocessByCode { shop: shop.clone(), code: OrderErrorCode::ProductNotLinked },
            "`shopsync orders reprocess --shop demo.myshopify.com --code PRODUCT_NOT_LINKED`",
        );
        check(
            RemedyAction::SyncNow { shop: shop.clone(), flow: Flow::Products },
            "`shopsync sync products --shop demo.myshopify.com`",
        );
        check(set("approval-tag", None), "`shopsync shop set demo.myshopify.com approval-tag TAG`");
        check(set("customer-template", None), "`shopsync shop set demo.myshopify.com customer-template CODE`");
        check(
            set("order-countries", Some("NL,BE,DE")),
            "`shopsync shop set demo.myshopify.com order-countries NL,BE,DE`",
        );
        check(RemedyAction::ShowShop { shop: shop.clone() }, "`shopsync shop show demo.myshopify.com`");
        check(RemedyAction::ImportItems, "`shopsync items import FILE.csv`");
        check(
            RemedyAction::SetTemplate {
                code: Some("WEB".into()),
                fields: vec!["gen_bus_posting_group".into(), "payment_terms_code".into()],
            },
            "`shopsync templates set WEB gen_bus_posting_group=VALUE payment_terms_code=VALUE`",
        );
        check(
            RemedyAction::SetTemplate { code: None, fields: vec!["customer_posting_group".into()] },
            "`shopsync templates set CODE customer_posting_group=VALUE`",
        );
        check(RemedyAction::ShowTemplate { code: "WEB".into() }, "`shopsync templates show WEB`");
        check(RemedyAction::ListTemplates, "`shopsync templates list`");
    }

    #[test]
    fn a_remedy_reads_as_it_did_when_its_commands_were_text() {
        use shopsync_core::order_errors::{OrderLine, OrderProblem, OrderRef};
        let order = OrderRef::new(SHOP, "gid://shopify/Order/450789469", "#1001");
        let mut settings = ShopSettings::default();
        settings.set("order-countries", "NL,BE").unwrap();
        let text = |problem: OrderProblem| -> String {
            problem.remedy(&order, &settings).iter().map(render).collect::<Vec<_>>().join("\n")
        };
        let line = OrderLine {
            position: 2,
            title: "Linen shirt - M".into(),
            sku: Some("SHIRT-M".into()),
            product_id: Some("gid://shopify/Product/47563746279730".into()),
            ..Default::default()
        };
        let not_linked = text(OrderProblem::ProductNotLinked { line });
        for expected in [
            "Open the Shopify product of line 2 “Linen shirt - M” (SKU SHIRT-M): \
             https://admin.shopify.com/store/demo/products/47563746279730",
            "If the back office has an item variant with SKU SHIRT-M, link it: `shopsync sync products --shop \
             demo.myshopify.com` links Shopify variants to back-office variants with the same SKU.",
            "If the back office has no such item, add it (`shopsync items import FILE.csv`), then link as above.",
            "To check now, without waiting: `shopsync orders reprocess --shop demo.myshopify.com '#1001'` re-reads \
             the order from Shopify.",
            "Several orders with this problem: `shopsync orders reprocess --shop demo.myshopify.com --code \
             PRODUCT_NOT_LINKED` re-checks them all, or tag them with `shopsync-reprocess`",
        ] {
            assert!(not_linked.contains(expected), "lacks {expected:?}:\n{not_linked}");
        }
        let country = text(OrderProblem::DestinationNotAllowed { country: "DE".into() });
        assert!(
            country.contains(
                "To import orders to Germany: `shopsync shop set demo.myshopify.com order-countries NL,BE,DE` (or \
                 `all`)."
            ),
            "{country}"
        );
        assert!(country.contains("(setting order-countries; `shopsync shop show demo.myshopify.com` shows it)"));
    }
}
