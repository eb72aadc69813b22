//! Webhook intake without HTTP: what a verified delivery becomes, and the runner that does its work.
//!
//! A webhook is a trigger, not the record. Its body is never imported: the topic names the flow to run, and that
//! flow reads the shop's data again through GraphQL from its cursor, so an old, duplicated or out-of-order delivery
//! cannot overwrite newer data. [`Intake::receive`] does what must happen before the HTTP answer (find the shop,
//! store the event once by its event id) and hands the work to the runner; the answer goes out at once.
//!
//! The runner coalesces: per shop and flow, at most one run is queued while one runs. Ten deliveries during a
//! run make one more run, not ten, since the next run reads everything they announced. Each event is marked
//! processed when the run that covers it ended well; an event stored but not processed (serve stopped, the run
//! failed) is picked up by [`Intake::resume`] at the next start.
//!
//! The runner is in-process: the stored events are its only durable state. Serve with workers makes the intake
//! hand each run to the durable queue instead ([`Intake::with_queue`]): the event is marked processed once its run
//! is queued (joining a run of the shop and flow already waiting), and a worker of any process sharing the
//! database runs it, one run per shop at a time, so a shop's Shopify requests keep coming from one process. A
//! front-end (the web crate) calls this module and holds no sync logic of its own.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shopify_admin::webhook::VerifiedWebhook;
use shopsync_core::Flow;
use shopsync_store::{AccessStatus, JobTrigger, WebhookEventInput};
use tokio_util::task::TaskTracker;

use crate::app::run_flow;
use crate::orders::BulkChoice;
use crate::scheduler::LeftOut;
use crate::{Engine, NoProgress, SyncError};

/// How long a webhook run waits when its flow is already running (a scheduled or manual run) before it tries again.
const BUSY_RETRY: Duration = Duration::from_secs(2);

/// How long a shop's id is taken from memory before it is read again.
const SHOP_CACHE_FOR: Duration = Duration::from_secs(10);

/// At most this many stored, unprocessed events are taken up again when serve starts.
const RESUME_LIMIT: u32 = 10_000;

/// What a topic's delivery sets off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookWork {
    /// Run this flow of the shop.
    Flow(Flow),
    /// The app was uninstalled: the shop needs access again.
    NeedsAccess,
    /// Stored for the record; no flow acts on it yet (`inventory_levels/update`, topics not handled).
    Nothing,
}

impl WebhookWork {
    /// The work a topic asks for.
    pub fn of(topic: &str) -> WebhookWork {
        match topic {
            "orders/create" | "orders/updated" | "orders/paid" | "orders/cancelled" | "orders/fulfilled"
            | "orders/edited" | "refunds/create" => WebhookWork::Flow(Flow::Orders),
            "customers/create" | "customers/update" => WebhookWork::Flow(Flow::Customers),
            "products/update" | "products/delete" => WebhookWork::Flow(Flow::Products),
            "app/uninstalled" => WebhookWork::NeedsAccess,
            _ => WebhookWork::Nothing,
        }
    }
}

/// What became of a verified delivery before its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    /// Stored; its work is queued.
    Accepted,
    /// The same event was received before: nothing was done again.
    Duplicate,
    /// No connected shop has this domain: nothing was stored (answered with success, so Shopify does not retry).
    UnknownShop,
    /// The delivery has neither an event id nor a webhook id, so it cannot be deduplicated.
    NoEventId,
}

/// Per shop and flow: whether a run is going on, and the events the next run covers.
#[derive(Default)]
struct Slot {
    pending: Vec<String>,
}

/// Receives verified deliveries and runs their work after the answer, coalescing runs per shop and flow.
pub struct Intake {
    engine: Arc<Engine>,
    /// A slot exists while a worker task runs for its shop and flow (`None`: events that only need marking).
    slots: Mutex<HashMap<(i64, Option<Flow>), Slot>>,
    /// Connected shops by domain, read again after [`SHOP_CACHE_FOR`]: a delivery costs no shop lookup.
    shops: Mutex<HashMap<String, (i64, Instant)>>,
    tasks: TaskTracker,
    /// Runs go onto the durable queue for the workers instead of running here.
    queue_runs: bool,
}

impl std::fmt::Debug for Intake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Intake").field("tasks", &self.tasks.len()).finish()
    }
}

impl Intake {
    /// An intake running its work on `engine`; must be created inside a tokio runtime.
    pub fn new(engine: Arc<Engine>) -> Arc<Intake> {
        Intake::build(engine, false)
    }

    /// An intake that queues each run for the queue's workers (serve with workers) instead of running it here.
    pub fn with_queue(engine: Arc<Engine>) -> Arc<Intake> {
        Intake::build(engine, true)
    }

    fn build(engine: Arc<Engine>, queue_runs: bool) -> Arc<Intake> {
        Arc::new(Intake {
            engine,
            slots: Mutex::new(HashMap::new()),
            shops: Mutex::new(HashMap::new()),
            tasks: TaskTracker::new(),
            queue_runs,
        })
    }

    /// The engine the work runs on.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Stores a verified delivery once by its event id and queues its work; returns before the work is done.
    ///
    /// A privacy request (`customers/redact`, `shop/redact`, `customers/data_request`) is the exception: its body
    /// is the request, and bodies are not stored, so it is carried out before the answer. When that fails the
    /// error is returned (the front-end answers 500) and Shopify delivers it again; redacting twice removes nothing
    /// more.
    pub async fn receive(self: &Arc<Self>, delivery: &VerifiedWebhook, body: &[u8]) -> Result<Receipt, SyncError> {
        let Some(event_id) = delivery.event_id.as_ref().or(delivery.webhook_id.as_ref()) else {
            return Ok(Receipt::NoEventId);
        };
        let domain = delivery.shop_domain.as_str();
        let Some(shop_id) = self.shop_id(domain).await? else {
            tracing::warn!(shop = domain, topic = %delivery.topic, "webhook for a shop that is not connected: ignored");
            return Ok(Receipt::UnknownShop);
        };
        if let Some(request) = crate::privacy::PrivacyRequest::of(&delivery.topic) {
            crate::privacy::carry_out(self.engine.store().as_ref(), shop_id, domain, request, body).await?;
        }
        let event = WebhookEventInput {
            event_id: event_id.clone(),
            topic: delivery.topic.clone(),
            webhook_id: delivery.webhook_id.clone(),
            triggered_at: delivery.triggered_at.map(|at| at.to_string()),
        };
        if !self.engine.store().record_webhook_event(shop_id, &event).await? {
            tracing::debug!(shop = domain, event = %event_id, "duplicate webhook delivery: ignored");
            return Ok(Receipt::Duplicate);
        }
        self.dispatch(shop_id, domain, event_id, &delivery.topic);
        Ok(Receipt::Accepted)
    }

    /// The id of the connected shop with this domain. A shop not connected is not remembered, so one connected
    /// meanwhile is found by the next delivery; a removed shop is forgotten within [`SHOP_CACHE_FOR`] (until then
    /// its events cannot be stored, and Shopify delivers them again).
    async fn shop_id(&self, domain: &str) -> Result<Option<i64>, SyncError> {
        {
            let shops = self.shops.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some((id, at)) = shops.get(domain)
                && at.elapsed() < SHOP_CACHE_FOR
            {
                return Ok(Some(*id));
            }
        }
        let Some(shop) = self.engine.store().shop(domain).await? else {
            return Ok(None);
        };
        let mut shops = self.shops.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        shops.insert(domain.to_string(), (shop.id, Instant::now()));
        Ok(Some(shop.id))
    }

    /// Queues the work of every stored event not processed yet (serve stopped before it was done); returns how
    /// many were found.
    pub async fn resume(self: &Arc<Self>) -> Result<usize, SyncError> {
        let pending = self.engine.store().pending_webhook_events(RESUME_LIMIT).await?;
        let mut domains = HashMap::new();
        for event in &pending {
            if let Entry::Vacant(vacant) = domains.entry(event.shop_id) {
                let shop = self.engine.store().shop_by_id(event.shop_id).await?;
                vacant.insert(shop.map(|shop| shop.domain));
            }
            if let Some(Some(domain)) = domains.get(&event.shop_id) {
                self.dispatch(event.shop_id, domain, &event.event_id, &event.topic);
            }
        }
        Ok(pending.len())
    }

    /// Stops taking work and waits for the runs in progress (and the one queued behind each) to end.
    pub async fn finish(&self) {
        self.tasks.close();
        self.tasks.wait().await;
    }

    fn dispatch(self: &Arc<Self>, shop_id: i64, domain: &str, event_id: &str, topic: &str) {
        let event_id = event_id.to_string();
        match WebhookWork::of(topic) {
            WebhookWork::Flow(flow) => self.queue(shop_id, domain, Some(flow), event_id),
            // Marked processed in batches by a worker of their own, like a flow's events: one statement for many.
            WebhookWork::Nothing => self.queue(shop_id, domain, None, event_id),
            WebhookWork::NeedsAccess => {
                let intake = self.clone();
                let domain = domain.to_string();
                self.tasks.spawn(async move {
                    let store = intake.engine.store();
                    let reason = "the app was uninstalled from this store (app/uninstalled webhook), so its token no \
                                  longer works";
                    let done = store.set_access_status(shop_id, AccessStatus::NeedsAccess, Some(reason)).await;
                    match done {
                        Ok(()) => {
                            tracing::warn!(shop = %domain, "the app was uninstalled: the shop needs access again");
                            intake.processed(shop_id, &[event_id]).await;
                        }
                        Err(error) => tracing::error!(shop = %domain, %error, "cannot mark the shop as needing access"),
                    }
                });
            }
        }
    }

    /// Adds an event to its shop and flow's slot, starting the slot's worker unless it runs.
    fn queue(self: &Arc<Self>, shop_id: i64, domain: &str, flow: Option<Flow>, event_id: String) {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // A slot present means its worker runs and will take this event in its next run.
        let start = !slots.contains_key(&(shop_id, flow));
        slots.entry((shop_id, flow)).or_default().pending.push(event_id);
        drop(slots);
        if start {
            let intake = self.clone();
            let domain = domain.to_string();
            self.tasks.spawn(async move { intake.work(shop_id, domain, flow).await });
        }
    }

    /// The worker of one shop and flow: runs the flow while events wait for it, then removes its slot.
    async fn work(self: Arc<Self>, shop_id: i64, domain: String, flow: Option<Flow>) {
        loop {
            let batch = {
                let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let batch = slots.get_mut(&(shop_id, flow)).map(|slot| std::mem::take(&mut slot.pending));
                // Once serve stops, the run in progress finishes but no queued run starts: its events stay
                // unprocessed for the next start.
                let stopping = flow.is_some() && self.tasks.is_closed();
                match batch {
                    Some(batch) if !batch.is_empty() && !stopping => batch,
                    _ => {
                        slots.remove(&(shop_id, flow));
                        return;
                    }
                }
            };
            let Some(flow) = flow else {
                self.processed(shop_id, &batch).await;
                continue;
            };
            match self.run(&domain, flow).await {
                Ok(()) => self.processed(shop_id, &batch).await,
                // The schedule or a manual sync runs this flow now, and may have read past what these events
                // announce: their run waits for it to end, unless serve is stopping (then the next start runs them).
                Err(SyncError::AlreadyRunning { .. }) if !self.tasks.is_closed() => {
                    {
                        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                        if let Some(slot) = slots.get_mut(&(shop_id, Some(flow))) {
                            slot.pending.extend(batch);
                        }
                    }
                    tokio::time::sleep(BUSY_RETRY).await;
                }
                // Left unprocessed: the next start of serve takes the events up again, and the schedule covers
                // them meanwhile.
                Err(error) => {
                    tracing::warn!(shop = %domain, %flow, %error, events = batch.len(), "webhook-triggered run failed")
                }
            }
        }
    }

    /// Runs the flow for webhooks, unless the shop's settings leave it out of background syncs.
    async fn run(&self, domain: &str, flow: Flow) -> Result<(), SyncError> {
        let shop = self.engine.shop(domain).await?;
        if let Some(reason) = LeftOut::of(&shop.settings) {
            tracing::info!(shop = domain, %flow, setting = reason.setting(), "webhook left alone: the setting is off");
            return Ok(());
        }
        if !flow.enabled(&shop.settings) {
            tracing::info!(shop = domain, %flow, "webhook left alone: the flow is switched off");
            return Ok(());
        }
        if self.queue_runs {
            let queued = crate::app::queue::enqueue(&self.engine, domain, flow, JobTrigger::Webhook).await?;
            tracing::info!(shop = domain, %flow, request = queued.request.id, joined = queued.coalesced, "webhook run queued");
            return Ok(());
        }
        let summary = run_flow(&self.engine, &shop, flow, JobTrigger::Webhook, BulkChoice::Auto, &NoProgress).await?;
        tracing::info!(shop = domain, %flow, %summary, "webhook-triggered run finished");
        Ok(())
    }

    async fn processed(&self, shop_id: i64, events: &[String]) {
        if let Err(error) = self.engine.store().mark_webhook_events_processed(shop_id, events).await {
            tracing::error!(%error, "cannot mark webhook events processed; they will be run again at the next start");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_topic_of_the_issue_maps_to_its_flow() {
        for topic in [
            "orders/create",
            "orders/updated",
            "orders/paid",
            "orders/cancelled",
            "orders/fulfilled",
            "orders/edited",
            "refunds/create",
        ] {
            assert_eq!(WebhookWork::of(topic), WebhookWork::Flow(Flow::Orders), "{topic}");
        }
        assert_eq!(WebhookWork::of("customers/update"), WebhookWork::Flow(Flow::Customers));
        assert_eq!(WebhookWork::of("products/delete"), WebhookWork::Flow(Flow::Products));
        assert_eq!(WebhookWork::of("inventory_levels/update"), WebhookWork::Nothing);
        assert_eq!(WebhookWork::of("app/uninstalled"), WebhookWork::NeedsAccess);
        assert_eq!(WebhookWork::of("shop/redact"), WebhookWork::Nothing, "done before the answer, see privacy.rs");
    }
}
