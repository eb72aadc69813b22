use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::SecretString;
use shopify_admin::ops::shop::{ShopInfo, ShopInfoData};
use shopify_admin::webhook::WebhookVerifier;
use shopify_admin::{
    AdminClient, AdminError, ApiVersion, BlockReason, CostBudget, Endpoint, OutgoingRequest, RequestPolicy,
    RetryConfig, ShopDomain, Timeouts,
};
use shopsync_core::secret::{access_token_context, app_secret_context};
use shopsync_core::{CipherError, Gid, ShopSettings, TokenCipher};
use shopsync_store::{AccessStatus, Job, JobProcess, JobStatus, JobTrigger, Shop, Store, StoreError};

use crate::error::InvalidRecordFix;
use crate::logger::{LogWriter, RequestLogger, RequestStats};
use crate::{FlowSummary, Progress, SyncError};

/// How long a job's lease lasts after its last heartbeat: a job of another machine whose heartbeat is older than
/// this may be taken over.
const LEASE: Duration = Duration::from_secs(60);
/// Replaces [`LEASE`] (whole seconds), so tests can let a lease expire without waiting a minute.
pub const LEASE_ENV: &str = "SHOPSYNC_JOB_LEASE_SECS";

/// The lease of this process's jobs: [`LEASE`], or the seconds [`LEASE_ENV`] names.
fn lease() -> Duration {
    std::env::var(LEASE_ENV)
        .ok()
        .and_then(|secs| secs.trim().parse::<u64>().ok())
        .filter(|secs| *secs > 0)
        .map_or(LEASE, Duration::from_secs)
}

/// What every flow shares: the store, the cipher, the HTTP pool, one cost budget per shop, the request log.
pub struct Engine {
    store: Arc<dyn Store>,
    cipher: TokenCipher,
    http: reqwest::Client,
    budgets: Mutex<HashMap<String, Arc<CostBudget>>>,
    logs: Arc<LogWriter>,
    retry: RetryConfig,
}

impl Engine {
    /// An engine over `store`; must be created inside a tokio runtime (it starts the request log writer).
    pub fn new(store: Arc<dyn Store>, cipher: TokenCipher) -> Result<Engine, SyncError> {
        let http = shopify_admin::http_client(Timeouts::default())?;
        let logs = Arc::new(LogWriter::start(store.clone()));
        Ok(Engine { store, cipher, http, budgets: Mutex::new(HashMap::new()), logs, retry: RetryConfig::default() })
    }

    /// Replaces the retry settings of the clients this engine builds from now on.
    pub fn with_retry(mut self, retry: RetryConfig) -> Engine {
        self.retry = retry;
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Opens a shop for syncing: its settings, and a client with the shop's token, switches and logging.
    pub async fn shop(&self, domain: &str) -> Result<ShopContext, SyncError> {
        let shop = self.store.shop(domain).await?.ok_or_else(|| SyncError::UnknownShop(domain.to_string()))?;
        self.context(shop).await
    }

    /// The verifier of webhook signatures, made from the app's client secrets (current and, during a rotation,
    /// previous); `None` while they are not stored. With the shop tokens of [`Engine::context`],
    /// this is the one place the engine opens a sealed secret.
    pub async fn webhook_verifier(&self) -> Result<Option<WebhookVerifier>, SyncError> {
        let Some(app) = self.store.app_credentials().await? else {
            return Ok(None);
        };
        let current = self.cipher.open(&app_secret_context(&app.client_id, false), &app.client_secret)?;
        let mut verifier = WebhookVerifier::new(current);
        if let Some(sealed) = &app.previous_client_secret {
            let previous = self.cipher.open(&app_secret_context(&app.client_id, true), sealed)?;
            verifier = verifier.with_previous_secret(previous);
        }
        Ok(Some(verifier))
    }

    /// The app as an OAuth client asking for `scopes` with `redirect_uri`, its client secret opened (the third
    /// place the engine opens a sealed secret); `None` while the app's credentials are not stored.
    pub(crate) async fn oauth_app(
        &self,
        scopes: Vec<String>,
        redirect_uri: url::Url,
    ) -> Result<Option<shopify_admin::oauth::OAuthApp>, SyncError> {
        let Some(app) = self.store.app_credentials().await? else {
            return Ok(None);
        };
        let client_secret = self.cipher.open(&app_secret_context(&app.client_id, false), &app.client_secret)?;
        Ok(Some(shopify_admin::oauth::OAuthApp { client_id: app.client_id, client_secret, scopes, redirect_uri }))
    }

    /// Seals a shop's new access token for its endpoint, as [`Engine::context`] will open it.
    pub(crate) fn seal_access_token(&self, domain: &str, endpoint: Option<&str>, token: &SecretString) -> String {
        self.cipher.seal(&access_token_context(domain, endpoint), token)
    }

    /// Seals a secret of the engine's own keeping (a refresh token) under `context`.
    pub(crate) fn seal_secret(&self, context: &str, secret: &SecretString) -> String {
        self.cipher.seal(context, secret)
    }

    /// Opens a secret sealed by [`Engine::seal_secret`]; used for a refresh token right before it is sent.
    pub(crate) fn open_secret(&self, context: &str, sealed: &str) -> Result<SecretString, SyncError> {
        Ok(self.cipher.open(context, sealed)?)
    }

    /// The HTTP client the shops' Admin API clients share (OAuth's token requests use it too).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Every connected shop's context.
    pub async fn shops(&self) -> Result<Vec<ShopContext>, SyncError> {
        let mut contexts = Vec::new();
        for shop in self.store.shops().await? {
            contexts.push(self.context(shop).await?);
        }
        Ok(contexts)
    }

    async fn context(&self, shop: Shop) -> Result<ShopContext, SyncError> {
        // An expiring token close to its end is refreshed first, so the run never starts with one about to lapse.
        let shop = crate::tokens::fresh(self, shop).await?;
        let settings = self.store.settings(shop.id).await?;
        let domain = ShopDomain::parse(&shop.domain).map_err(|e| SyncError::InvalidShopRecord {
            shop: shop.domain.clone(),
            what: "domain",
            reason: e.to_string(),
            fix: InvalidRecordFix::Remove,
        })?;
        let sealed = shop.access_token.as_deref().ok_or_else(|| SyncError::NoToken(shop.domain.clone()))?;
        // The one place a token is decrypted: right before the client that sends it is built. It opens only for
        // the endpoint it was sealed for, so an endpoint written into the database by hand gets no token.
        let context = access_token_context(&shop.domain, shop.endpoint.as_deref());
        let token: SecretString = self.cipher.open(&context, sealed).map_err(|err| match err {
            CipherError::CannotOpen => SyncError::TokenNotForEndpoint {
                shop: shop.domain.clone(),
                endpoint: shop.endpoint.clone().unwrap_or_else(|| format!("https://{}", shop.domain)),
            },
            other => other.into(),
        })?;
        self.client_context(shop, settings, domain, token)
    }

    /// The context of a shop with a token given in clear instead of its stored one: a new token about to replace
    /// it, checked against Shopify first. Nothing is stored here.
    pub(crate) async fn context_with_token(&self, shop: Shop, token: SecretString) -> Result<ShopContext, SyncError> {
        let settings = self.store.settings(shop.id).await?;
        let domain = ShopDomain::parse(&shop.domain).map_err(|e| SyncError::InvalidShopRecord {
            shop: shop.domain.clone(),
            what: "domain",
            reason: e.to_string(),
            fix: InvalidRecordFix::Remove,
        })?;
        self.client_context(shop, settings, domain, token)
    }

    fn client_context(
        &self,
        shop: Shop,
        settings: ShopSettings,
        domain: ShopDomain,
        token: SecretString,
    ) -> Result<ShopContext, SyncError> {
        let api_version = ApiVersion::parse(&shop.api_version).map_err(|e| SyncError::InvalidShopRecord {
            shop: shop.domain.clone(),
            what: "API version",
            reason: e.to_string(),
            fix: InvalidRecordFix::Remove,
        })?;
        let endpoint = match &shop.endpoint {
            None => Endpoint::Shopify,
            Some(url) => Endpoint::development(url).map_err(|e| SyncError::InvalidShopRecord {
                shop: shop.domain.clone(),
                what: "development endpoint",
                reason: e.to_string(),
                fix: InvalidRecordFix::SetEndpoint,
            })?,
        };
        let budget = {
            let mut budgets = self.budgets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            budgets.entry(shop.domain.clone()).or_insert_with(|| Arc::new(CostBudget::new())).clone()
        };
        let stats = Arc::new(RequestStats::default());
        let hook =
            RequestLogger { shop_id: shop.id, mode: settings.logging, writer: self.logs.clone(), stats: stats.clone() };
        let policy = SettingsPolicy {
            shop: shop.domain.clone(),
            allow_outgoing: settings.allow_outgoing_requests,
            allow_writes: settings.allow_data_sync_to_shopify,
        };
        let client = AdminClient::builder(domain.clone(), token)
            .endpoint(endpoint)
            .api_version(api_version)
            .budget(budget)
            .hook(Arc::new(hook))
            .policy(Arc::new(policy))
            .retry(self.retry.clone())
            .http_client(self.http.clone())
            .build()?;
        Ok(ShopContext { shop, domain, settings, client, store: self.store.clone(), stats })
    }

    /// Runs a flow as a job of `shop`: recorded in the store with its trigger, kept alive by a heartbeat, and
    /// summarised with the requests and cost it spent. A token Shopify refuses marks the shop as needing access.
    pub async fn run_job<F>(
        &self,
        shop: &ShopContext,
        kind: &str,
        trigger: JobTrigger,
        progress: &dyn Progress,
        flow: F,
    ) -> Result<FlowSummary, SyncError>
    where
        F: Future<Output = Result<FlowSummary, SyncError>>,
    {
        let job = self.claim_job(shop, kind, trigger).await?;
        let before = shop.stats.snapshot();
        progress.phase(kind, None);
        // The heartbeat runs on its own task: awaiting it next to the flow would stop the flow while the heartbeat
        // waits for the database, and the flow may hold the write lock the heartbeat waits for.
        let heartbeat = {
            let store = self.store.clone();
            let stats = shop.stats.clone();
            let job_id = job.id;
            tokio::spawn(async move {
                // Six heartbeats per lease: a few missed writes (a busy database) do not lose it.
                let mut ticker = tokio::time::interval(lease() / 6);
                ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                ticker.tick().await;
                loop {
                    ticker.tick().await;
                    let (requests, cost, _) = stats.snapshot();
                    let alive = format!("{{\"requests\":{},\"cost_spent\":{cost:.0}}}", requests - before.0);
                    match store.heartbeat_job(job_id, &alive).await {
                        Ok(true) => {}
                        // Taken over: the flow's next write fails on the lease and stops it.
                        Ok(false) => break,
                        Err(err) => tracing::warn!("cannot record the heartbeat of job {job_id}: {err}"),
                    }
                }
            })
        };
        // Every write of the flow checks the job is still its own, so a run taken over stops at its next checkpoint.
        let result = shopsync_store::under_lease(job.id, flow).await;
        heartbeat.abort();
        let (requests, cost, throttled) = shop.stats.snapshot();
        let result = match result {
            Ok(mut summary) => {
                summary.requests += requests - before.0;
                summary.cost_spent += cost - before.1;
                summary.throttled += throttled - before.2;
                match self.store.finish_job(job.id, JobStatus::Succeeded, &summary.to_json(), None).await {
                    Ok(()) => Ok(summary),
                    Err(err) => Err(SyncError::from(err)),
                }
            }
            Err(err) => Err(err),
        };
        match result {
            Ok(summary) => {
                if requests > before.0 && shop.shop.access_status != AccessStatus::Ok {
                    self.store.set_access_status(shop.shop.id, AccessStatus::Ok, None).await?;
                }
                Ok(summary)
            }
            Err(err) => {
                if let SyncError::Shopify(AdminError::Auth { failure, .. }) = &err {
                    let reason = failure.to_string();
                    if let Err(store_err) =
                        self.store.set_access_status(shop.shop.id, AccessStatus::NeedsAccess, Some(&reason)).await
                    {
                        tracing::warn!("cannot mark {} as needing access: {store_err}", shop.shop.domain);
                    }
                }
                let partial = FlowSummary {
                    requests: requests - before.0,
                    cost_spent: cost - before.1,
                    throttled: throttled - before.2,
                    ..FlowSummary::default()
                };
                self.record_failure(job.id, &partial, &err).await;
                Err(err)
            }
        }
    }

    /// Ends a job as failed with its cause. The cause is what the caller reports, so a failure to record it is
    /// logged rather than put in its place; when the full record cannot be written (a full disk, where the flow's
    /// own failure may be the same), a shorter one is tried so the job does not stay running without its cause.
    async fn record_failure(&self, job_id: i64, partial: &FlowSummary, err: &SyncError) {
        if matches!(err, SyncError::Store(StoreError::LeaseLost { .. })) {
            // The job is another run's now; its row already says why.
            return;
        }
        let cause = err.to_string();
        let Err(first) = self.store.finish_job(job_id, JobStatus::Failed, &partial.to_json(), Some(&cause)).await
        else {
            return;
        };
        if matches!(first, StoreError::LeaseLost { .. }) {
            return;
        }
        if let StoreError::FileGone { .. } = first {
            // The database this job was in is gone or replaced: there is no row left to write, and the cause is
            // what the caller reports.
            tracing::warn!("job {job_id} is not recorded as failed: {first}");
            return;
        }
        let brief: String = cause.chars().take(500).collect();
        if let Err(second) = self.store.fail_job_briefly(job_id, &brief).await {
            tracing::error!(
                "cannot record the failure of job {job_id} ({first}; then {second}); the next run marks it failed"
            );
        }
    }

    /// Starts the job row for a flow, after taking over jobs of this shop whose owner is gone: on this machine a
    /// process that no longer exists (or a pid now used by a later process), on another machine a lease that
    /// expired. A job of a live process here is never taken over, however long it was paused (Ctrl-Z, SIGSTOP, a
    /// machine asleep): the second run is refused instead.
    async fn claim_job(&self, shop: &ShopContext, kind: &str, trigger: JobTrigger) -> Result<Job, SyncError> {
        let pid = std::process::id();
        let me = JobProcess { host: hostname(), pid: i64::from(pid), started: process_start(i64::from(pid)) };
        let lease = jiff::SignedDuration::try_from(lease()).unwrap_or(jiff::SignedDuration::from_secs(60));
        let stale_before = jiff::Timestamp::now().checked_sub(lease).unwrap_or_else(|_| jiff::Timestamp::now());
        let stale_before = shopsync_core::time::to_text(stale_before);
        for job in self.store.running_jobs(shop.shop.id).await? {
            let reason = if job.host.as_deref() == Some(me.host.as_str()) {
                let Some(pid) = job.pid else { continue };
                if !process_alive(pid) {
                    format!(
                        "the process running this job (pid {pid}) stopped before it finished; the next run resumes \
                         from the last checkpoint"
                    )
                } else if job.process_start.is_some() && job.process_start != process_start(pid) {
                    format!(
                        "the process running this job (pid {pid}) stopped before it finished (its pid now belongs to \
                         another process); the next run resumes from the last checkpoint"
                    )
                } else {
                    continue;
                }
            } else if job.heartbeat_at.as_deref().is_none_or(|at| at < stale_before.as_str()) {
                format!(
                    "the process running this job on {} stopped reporting (no heartbeat for {} s, its lease expired); \
                     the next run resumes from the last checkpoint",
                    job.host.as_deref().unwrap_or("another machine"),
                    lease.as_secs()
                )
            } else {
                continue;
            };
            // Only if the job still has the heartbeat judged here: one that reported meanwhile is alive after all.
            self.store.take_over_job(job.id, job.heartbeat_at.as_deref(), &reason).await?;
        }
        match self.store.start_job_exclusive(shop.shop.id, kind, trigger, &me).await? {
            Ok(job) => Ok(job),
            Err(running) => Err(SyncError::AlreadyRunning {
                shop: shop.shop.domain.clone(),
                kind: kind.to_string(),
                job: running.id,
                pid: running.pid.unwrap_or_default(),
                host: running.host.unwrap_or_default(),
                started_at: running.started_at.unwrap_or_default(),
            }),
        }
    }

    /// Waits until every request log entry queued so far is stored; call before the process ends.
    pub async fn flush_logs(&self) {
        self.logs.flush().await;
    }
}

/// One shop, ready to sync: its record, settings and client.
pub struct ShopContext {
    pub shop: Shop,
    pub domain: ShopDomain,
    pub settings: ShopSettings,
    client: AdminClient,
    store: Arc<dyn Store>,
    stats: Arc<RequestStats>,
}

impl ShopContext {
    /// The shop's Shopify client (its budget is shared with every other context of the shop).
    pub fn client(&self) -> &AdminClient {
        &self.client
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Requests sent to Shopify through this shop's contexts so far and the cost points they spent: a run's use
    /// is the difference of two snapshots.
    pub fn request_use(&self) -> (u64, f64) {
        let (requests, cost, _) = self.stats.snapshot();
        (requests, cost)
    }

    /// The store, shared.
    pub fn store_arc(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// Fails unless writes to Shopify are allowed for this shop; call before planning any write.
    pub fn require_writes(&self) -> Result<(), SyncError> {
        self.require_outgoing()?;
        if !self.settings.allow_data_sync_to_shopify {
            return Err(SyncError::WritesDisabled(self.shop.domain.clone()));
        }
        Ok(())
    }

    /// Fails unless requests to Shopify are allowed for this shop.
    pub fn require_outgoing(&self) -> Result<(), SyncError> {
        if !self.settings.allow_outgoing_requests {
            return Err(SyncError::OutgoingDisabled(self.shop.domain.clone()));
        }
        Ok(())
    }

    /// Fails unless the shop takes part in syncs and `flow` is switched on.
    pub fn require_enabled(&self, flow: &'static str, setting: &'static str, on: bool) -> Result<(), SyncError> {
        if !self.settings.enabled {
            return Err(SyncError::ShopDisabled(self.shop.domain.clone()));
        }
        if !on {
            return Err(SyncError::FlowDisabled { flow, shop: self.shop.domain.clone(), setting });
        }
        Ok(())
    }

    /// Asks Shopify who we are: proves the token works and records the granted access scopes.
    pub async fn check_access(&self) -> Result<ShopInfoData, SyncError> {
        self.require_outgoing()?;
        match self.client.execute::<ShopInfo>(&Default::default()).await {
            Ok(reply) => {
                let info = reply.into_data();
                let scopes: Vec<&str> =
                    info.current_app_installation.access_scopes.iter().map(|s| s.handle.as_str()).collect();
                self.store.set_scopes(self.shop.id, &scopes.join(",")).await?;
                self.store.set_access_status(self.shop.id, AccessStatus::Ok, None).await?;
                Ok(info)
            }
            Err(err) => {
                if let AdminError::Auth { failure, .. } = &err {
                    let reason = failure.to_string();
                    self.store.set_access_status(self.shop.id, AccessStatus::NeedsAccess, Some(&reason)).await?;
                }
                Err(err.into())
            }
        }
    }

    /// The Shopify admin page of an object of this shop.
    pub fn admin_url(&self, gid: &str) -> Option<String> {
        let gid = Gid::parse(gid).ok()?;
        shopsync_core::gid::admin_url(&self.shop.domain, &gid)
    }
}

/// The shop's safety switches as the client's request policy, with messages that name the setting to change.
struct SettingsPolicy {
    shop: String,
    allow_outgoing: bool,
    allow_writes: bool,
}

impl RequestPolicy for SettingsPolicy {
    fn check(&self, request: &OutgoingRequest<'_>) -> Result<(), BlockReason> {
        if !self.allow_outgoing {
            return Err(BlockReason::Other(SyncError::OutgoingDisabled(self.shop.clone()).to_string()));
        }
        if request.writes && !self.allow_writes {
            return Err(BlockReason::Other(SyncError::WritesDisabled(self.shop.clone()).to_string()));
        }
        Ok(())
    }
}

/// This machine's name, to tell local processes (whose liveness can be checked) from others.
pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Whether a process of this machine still exists.
fn process_alive(pid: i64) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
        if pid <= 0 {
            return false;
        }
        // SAFETY: signal 0 performs only the existence and permission check; no signal is sent.
        let result = unsafe { libc::kill(pid, 0) };
        result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        // Without a cheap check, a job counts as alive until its heartbeat goes stale.
        let _ = pid;
        true
    }
}

/// When process `pid` of this machine started, as this boot's id and the start time in clock ticks since boot
/// (Linux's `/proc`): with the pid, it names one process, so a pid reused later is told apart. `None` where the
/// platform does not tell it cheaply; then the pid alone decides.
fn process_start(pid: i64) -> Option<String> {
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces; the start time is field 22.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let start = after_name.split_whitespace().nth(19)?;
    Some(format!("{}:{start}", boot.trim()))
}
