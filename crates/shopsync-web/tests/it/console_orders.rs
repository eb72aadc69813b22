//! The console's orders pages over real HTTP, on orders placed in the simulator and imported by the order sync:
//! paging by Next and Previous links (every order once, orders arriving meanwhile shift nothing), the creation
//! date filter with the status tab and code, a bad date answered with why, and an order's captured versions
//! with what changed between them.

use std::collections::HashSet;

use shopify_sim::order_ops::{LineSpec, OrderEdit, OrderSpec};
use shopify_sim::{Seed, SimConfig};
use shopsync_core::Flow;
use shopsync_core::order_errors::OrderStatus;
use shopsync_store::{JobTrigger, OrderFilter, OrderStore, UserRole};
use shopsync_sync::NoProgress;
use shopsync_sync::app;
use shopsync_sync::orders::BulkChoice;

use crate::Server;
use crate::console::{Login, add_user, login};

/// Places an order of one custom line (no SKU: it is never linked) created at `created_at` (RFC 3339).
fn place(server: &Server, created_at: &str, tags: &[&str]) -> String {
    let spec = OrderSpec {
        lines: vec![LineSpec { title: Some("Gift card".into()), quantity: 1, ..Default::default() }],
        created_at: Some(created_at.parse().unwrap()),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    };
    server.sim.control().create_order(&spec).unwrap().id
}

/// Runs the order sync as "Sync now" does.
async fn sync_orders(server: &Server) {
    let engine = server.intake.engine();
    let shop = engine.shop(&server.shop.domain).await.unwrap();
    app::run_flow(engine, &shop, Flow::Orders, JobTrigger::Manual, BulkChoice::Auto, &NoProgress).await.unwrap();
}

/// The status the imported orders have (they are alike), for its tab.
async fn status_of(server: &Server, order_id: &str) -> OrderStatus {
    server.store.shopify_order(server.shop.id, order_id).await.unwrap().expect("the order was imported").status
}

/// The order names of a list page, top to bottom.
fn names(html: &str) -> Vec<String> {
    html.split("class=\"order-link\">").skip(1).map(|rest| rest.split('<').next().unwrap().to_string()).collect()
}

/// The address of a pager link (`<a href="..." id="page-next">`) as a browser follows it.
fn link(html: &str, id: &str) -> Option<String> {
    let end = html.find(&format!("\" id=\"{id}\""))?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    Some(unescape(&html[start..end]))
}

/// HTML's character references undone (askama writes `&` as `&#38;`, `"` as `&#34;` ...).
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|end| *end < 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "apos" => Some('\''),
            _ => entity.strip_prefix('#').and_then(|n| n.parse::<u32>().ok()).and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text of the element with this id, tags left out.
fn text_of(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let open = html[at..].find('>')? + at + 1;
    let tag_start = html[..at].rfind('<')? + 1;
    let tag: String = html[tag_start..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    let close = html[open..].find(&format!("</{tag}>"))? + open;
    Some(strip_tags(&html[open..close]))
}

fn strip_tags(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    unescape(&text)
}

async fn page(me: &Login, path: &str) -> String {
    let answer = me.get(path).await;
    assert_eq!(answer.status(), 200, "{path}");
    answer.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn next_shows_the_next_orders_and_no_order_twice_even_when_orders_arrive() {
    let server = Server::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    // 120 orders, three created in each second: ties on the list's sort key across page boundaries.
    let mut first = String::new();
    for i in 0..120u32 {
        let id = place(&server, &format!("2026-05-01T08:{:02}:{:02}Z", i / 3 / 60, i / 3 % 60), &[]);
        if i == 0 {
            first = id;
        }
    }
    sync_orders(&server).await;
    let status = status_of(&server, &first).await;
    let shop = server.shop.domain.clone();
    let tab = OrderFilter { status: Some(status), ..Default::default() };
    let listed: Vec<String> =
        server.store.shopify_orders(server.shop.id, &tab).await.unwrap().into_iter().map(|o| o.name).collect();
    assert_eq!(listed.len(), 120, "every order in the {} tab", status.as_str());
    add_user(&server, "olivia", UserRole::Viewer).await;
    let me = login(&server, "olivia").await;

    let html = page(&me, &format!("/orders?shop={shop}&status={}", status.as_str())).await;
    let page1 = names(&html);
    assert_eq!(page1, listed[..50], "the first page is the 50 newest");
    assert!(link(&html, "page-previous").is_none(), "nothing before the first page");
    assert!(text_of(&html, "orders").is_some());
    let next = link(&html, "page-next").expect("a Next link");
    assert!(!next.contains("page="), "a position, not a page number: {next}");

    // An order placed (newer than all) and imported while the first page is open shifts nothing.
    let arrived = place(&server, "2026-05-02T00:00:00Z", &[]);
    // A backdated order carries its creation time as its last change too; a tag makes it changed now, as an
    // order the shop just took is, so the next incremental sync reads it.
    server.sim.control().tag_order(&arrived, &["late"], &[]).unwrap();
    sync_orders(&server).await;
    let imported = server.store.shopify_order(server.shop.id, &arrived).await.unwrap();
    assert_eq!(imported.map(|o| o.status), Some(status), "the new order is imported into the same tab");

    let html = page(&me, &next).await;
    let page2 = names(&html);
    assert_eq!(page2, listed[50..100], "Next shows the next 50 orders");
    let previous = link(&html, "page-previous").expect("a Previous link on page 2");
    let html3 = page(&me, &link(&html, "page-next").expect("a Next link on page 2")).await;
    let page3 = names(&html3);
    assert_eq!(page3, listed[100..], "the last 20");
    assert!(link(&html3, "page-next").is_none(), "nothing after the last page");

    let mut seen = HashSet::new();
    for name in page1.iter().chain(&page2).chain(&page3) {
        assert!(seen.insert(name.clone()), "{name} shown twice");
    }
    assert_eq!(seen.len(), 120, "every order once");
    // Previous from page 2 gives the 50 orders just before it: the first page as it was read. The order that
    // arrived is before those, so there is a Previous again, and it leads to a full first page with it on top.
    let html = page(&me, &previous).await;
    assert_eq!(names(&html), listed[..50], "the page before page 2 ends where page 2 starts");
    let newest = page(&me, &link(&html, "page-previous").expect("the new order is before it")).await;
    let newest = names(&newest);
    assert_eq!(newest.len(), 50, "back at the start: a full first page");
    assert_eq!(newest[1..], listed[..49]);
    assert!(!listed.contains(&newest[0]), "the order that arrived is on top: {}", newest[0]);
    assert!(text_of(&html, "no-orders").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_date_filter_keeps_the_orders_created_in_its_days_with_the_tab_and_code() {
    let server = Server::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    let dates = [
        "2026-02-28T23:59:59Z",
        "2026-03-01T00:00:00Z",
        "2026-03-15T12:00:00Z",
        "2026-03-31T23:59:59Z",
        "2026-04-01T00:00:00Z",
    ];
    let ids: Vec<String> = dates.iter().map(|d| place(&server, d, &[])).collect();
    sync_orders(&server).await;
    let status = status_of(&server, &ids[0]).await;
    let order = server.store.shopify_order(server.shop.id, &ids[0]).await.unwrap().unwrap();
    let code = order.error_codes.first().cloned().unwrap_or_default();
    let name_of = |index: usize| {
        let store = server.store.clone();
        let shop = server.shop.id;
        let id = ids[index].clone();
        async move { store.shopify_order(shop, &id).await.unwrap().unwrap().name }
    };
    add_user(&server, "olivia", UserRole::Viewer).await;
    let me = login(&server, "olivia").await;
    let shop = server.shop.domain.clone();

    let path = format!("/orders?shop={shop}&status={}&code={code}&from=2026-03-01&to=2026-03-31", status.as_str());
    let html = page(&me, &path).await;
    let shown = names(&html);
    let mut wanted = vec![name_of(3).await, name_of(2).await, name_of(1).await];
    assert_eq!(shown, wanted, "only the orders created from March 1 to March 31 (both included), newest first");
    assert!(html.contains("value=\"2026-03-01\"") && html.contains("value=\"2026-03-31\""), "the fields keep the days");
    let tab = link(&html, &format!("tab-{}", status.as_str())).unwrap();
    assert!(tab.contains("from=2026-03-01") && tab.contains("to=2026-03-31"), "the tabs keep the dates: {tab}");
    let other = if status == OrderStatus::Synced { OrderStatus::Pending } else { OrderStatus::Synced };
    let other_tab = page(&me, &link(&html, &format!("tab-{}", other.as_str())).unwrap()).await;
    assert!(names(&other_tab).is_empty(), "another status tab with the same days lists none of them");
    assert!(text_of(&other_tab, "no-orders").unwrap().contains("from 2026-03-01 to 2026-03-31"));

    // One open end; a code none of them has lists none.
    let from = page(&me, &format!("/orders?shop={shop}&status={}&from=2026-03-15", status.as_str())).await;
    wanted = vec![name_of(4).await, name_of(3).await, name_of(2).await];
    assert_eq!(names(&from), wanted);
    let to = page(&me, &format!("/orders?shop={shop}&status={}&to=2026-02-28", status.as_str())).await;
    assert_eq!(names(&to), vec![name_of(0).await]);
    let other_code = if code == "DESTINATION_NOT_ALLOWED" { "PRODUCT_NOT_LINKED" } else { "DESTINATION_NOT_ALLOWED" };
    let coded = page(
        &me,
        &format!("/orders?shop={shop}&status={}&code={other_code}&from=2026-03-01&to=2026-03-31", status.as_str()),
    )
    .await;
    assert!(names(&coded).is_empty(), "the code filter still applies");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_date_is_answered_with_what_is_wrong_and_what_to_write() {
    let server = Server::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    add_user(&server, "olivia", UserRole::Viewer).await;
    let me = login(&server, "olivia").await;
    let shop = server.shop.domain.clone();
    for (query, says, what_to_do) in [
        ("from=2026-13-45", "The from date `2026-13-45` is not a date", "YYYY-MM-DD"),
        ("to=31.03.2026", "The to date `31.03.2026` is not a date", "YYYY-MM-DD"),
        ("from=2026-04-01&to=2026-03-01", "wrong way round", "put the earlier day in From"),
        ("after=garbage", "does not name a place in the orders list", "first page"),
    ] {
        let answer = me.get(&format!("/orders?shop={shop}&status=error&{query}")).await;
        assert_eq!(answer.status(), 400, "{query}");
        let html = answer.text().await.unwrap();
        let message = text_of(&html, "filter-error").unwrap_or_else(|| panic!("{query}: no message in {html}"));
        assert!(message.contains(says) && message.contains(what_to_do), "{query}: {message}");
        assert!(html.contains("id=\"tab-error\"") && html.contains("id=\"from\""), "the tabs and the form stay");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_page_shows_what_changed_between_captured_versions() {
    let server = Server::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    let id = place(&server, "2026-05-01T08:00:00Z", &["web"]);
    sync_orders(&server).await;
    // Shopify changes the order: a tag added, a note written. The next sync captures a second version.
    server.sim.control().tag_order(&id, &["vip"], &[]).unwrap();
    let edit = OrderEdit { note: Some("Leave at the door".into()), ..Default::default() };
    server.sim.control().edit_order(&id, &edit).unwrap();
    sync_orders(&server).await;
    add_user(&server, "olivia", UserRole::Viewer).await;
    let me = login(&server, "olivia").await;
    let number = id.rsplit('/').next().unwrap();
    let html = page(&me, &format!("/orders/{}/{number}", server.shop.domain)).await;
    assert!(html.contains("2 versions"), "{}", strip_tags(&html));
    let table = &html[html.find("<table class=\"diff\">").expect("a diff of the two versions")..];
    let table = &table[..table.find("</table>").unwrap()];
    let row = |field: &str| {
        let at = table.find(&format!("<code>{field}</code>")).unwrap_or_else(|| panic!("{field} in {table}"));
        let end = table[at..].find("</tr>").unwrap() + at;
        // The cells after the field's own: before, then after (each `<td class="...">value</td>`).
        let cells: Vec<String> = table[at..end]
            .split("<td")
            .skip(1)
            .map(|cell| strip_tags(cell.split_once('>').map(|(_, rest)| rest).unwrap_or_default()))
            .collect();
        let before = cells.first().cloned().unwrap_or_default();
        let after = cells.get(1).cloned().unwrap_or_default();
        (strip_tags(&table[at..end]), before, after)
    };
    let (tags, before, after) = row("tags");
    assert!(tags.contains("changed"), "{tags}");
    assert!(before.contains("\"web\"") && !before.contains("vip"), "old value: {before}");
    assert!(after.contains("\"vip\"") && after.contains("\"web\""), "new value: {after}");
    let (note, before, after) = row("note");
    assert!(note.contains("changed") || note.contains("added"), "{note}");
    assert!(!before.contains("Leave at the door") && after.contains("\"Leave at the door\""), "{before} → {after}");
    assert!(html.contains("The first version captured."));
}

/// The same pages in a real headless Chromium, clicked as a person would: the list, Next, the date filter, an
/// order's changes. Screenshots: `target/tmp/console-screenshots/orders-*.png`.
#[tokio::test(flavor = "multi_thread")]
async fn paging_dates_and_changes_in_chromium() {
    use fantoccini::Locator;

    use crate::browser::{browser, shot, start_chromedriver, text_of as element_text, text_where};

    let server = Server::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    let mut ids = Vec::new();
    for i in 0..60u32 {
        ids.push(place(&server, &format!("2026-03-{:02}T09:00:00Z", 1 + i / 2), &["web"]));
    }
    sync_orders(&server).await;
    let changed = ids[59].clone();
    server.sim.control().tag_order(&changed, &["vip"], &["web"]).unwrap();
    let edit = OrderEdit { note: Some("Leave at the door".into()), ..Default::default() };
    server.sim.control().edit_order(&changed, &edit).unwrap();
    sync_orders(&server).await;
    let status = status_of(&server, &ids[0]).await;
    let tab = OrderFilter { status: Some(status), ..Default::default() };
    let listed: Vec<String> =
        server.store.shopify_orders(server.shop.id, &tab).await.unwrap().into_iter().map(|o| o.name).collect();
    add_user(&server, "olivia", UserRole::Operator).await;
    let driver = start_chromedriver();
    let client = browser(&driver).await;
    let url = &server.url;
    let shop = server.shop.domain.clone();

    client.goto(&format!("{url}/orders?shop={shop}&status={}", status.as_str())).await.unwrap();
    client.find(Locator::Id("name")).await.unwrap().send_keys("olivia").await.unwrap();
    client.find(Locator::Id("password")).await.unwrap().send_keys("correct horse battery staple").await.unwrap();
    client.find(Locator::Id("login")).await.unwrap().click().await.unwrap();
    text_where(&client, Locator::Css("h1"), |t| t == "Orders").await;
    let first_row = |name: String| move |text: &str| text.contains(&name);
    element_text(&client, Locator::Id("orders")).await;
    shot(&client, "orders-1-list").await;
    client.find(Locator::Id("page-next")).await.unwrap().click().await.unwrap();
    let page2 = text_where(&client, Locator::Id("orders"), first_row(listed[50].clone())).await;
    assert!(!page2.contains(&format!("{}\n", listed[49])), "page 2 does not repeat page 1's last order");
    assert!(client.find(Locator::Id("page-previous")).await.is_ok());
    // The pager is under the list.
    client.execute("window.scrollTo(0, document.body.scrollHeight)", vec![]).await.unwrap();
    shot(&client, "orders-2-next-page").await;

    client
        .goto(&format!("{url}/orders?shop={shop}&status={}&from=2026-03-10&to=2026-03-12", status.as_str()))
        .await
        .unwrap();
    let filtered = element_text(&client, Locator::Id("orders")).await;
    assert_eq!(filtered.matches("2026-03-1").count(), 6, "two orders a day on the 10th, 11th and 12th: {filtered}");
    shot(&client, "orders-3-date-filter").await;
    client.goto(&format!("{url}/orders?shop={shop}&status={}&from=2026-02-30", status.as_str())).await.unwrap();
    let message = element_text(&client, Locator::Id("filter-error")).await;
    assert!(message.contains("is not a date"), "{message}");
    shot(&client, "orders-4-bad-date").await;

    let number = changed.rsplit('/').next().unwrap();
    client.goto(&format!("{url}/orders/{shop}/{number}")).await.unwrap();
    let diff = element_text(&client, Locator::Css("table.diff")).await;
    assert!(diff.contains("tags") && diff.contains("[\"web\"]") && diff.contains("[\"vip\"]"), "{diff}");
    assert!(diff.contains("Leave at the door"), "{diff}");
    shot(&client, "orders-5-changes").await;
    client.close().await.unwrap();
}
