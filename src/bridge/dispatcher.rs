//! Delivers outbox events to factories. Wakes as soon as an order commits (a `Notify`),
//! otherwise when the next retry falls due; resumes from the outbox after a restart. Each
//! event is leased (compare-and-set) before it is sent, so several dispatchers, in one
//! process or in many instances on one PostgreSQL database, never send it concurrently.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use tokio::sync::Notify;

use crate::domain::work_order::{Status, retry_delay};
use crate::store::factories::{self, Factory};
use crate::store::outbox::{self, OutboxRow};
use crate::store::{Db, StoreError, now, orders};

#[derive(Debug, Clone)]
pub struct DispatcherSettings {
    /// Seconds to wait before each retry (the first entry is the first retry).
    pub retry_schedule: Vec<u64>,
    pub timeout: Duration,
    /// How long a dispatcher may hold an event before another may take it.
    pub lease: Duration,
    pub batch: i64,
    /// At most this many of one factory's events in flight at once (in this dispatcher: each
    /// instance counts its own), so that a factory whose endpoint keeps every delivery waiting
    /// leaves the rest of `batch` to the others.
    pub per_factory: usize,
    /// Hosts pushes may go to; empty means any (`ATELIER_WEBHOOK_ALLOWED_HOSTS`).
    pub allowed_hosts: Vec<String>,
    /// Pushes may go to loopback, private and reserved addresses (`ATELIER_WEBHOOK_ALLOW_PRIVATE`).
    pub allow_private: bool,
    /// Resolves push hosts (the system's resolver unless set; tests set a stub).
    pub resolver: super::destination::Resolver,
    /// An endpoint that has failed every attempt for this long is disabled.
    pub disable_after: Duration,
    /// How long the previous secret keeps signing after a rotation.
    pub secret_overlap: Duration,
}

impl DispatcherSettings {
    /// Whether a push URL's host is allowed (an empty list allows every host).
    pub fn allows(&self, url: &str) -> bool {
        self.allowed_hosts.is_empty() || host_of(url).is_some_and(|h| self.allowed_hosts.iter().any(|a| a.eq_ignore_ascii_case(&h)))
    }
}

/// The host of an `http(s)` URL, without port or user info, lowercased.
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

impl Default for DispatcherSettings {
    fn default() -> Self {
        Self {
            retry_schedule: crate::domain::work_order::DEFAULT_RETRY_SCHEDULE_SECONDS.to_vec(),
            timeout: Duration::from_secs(15),
            lease: Duration::from_secs(60),
            batch: 64,
            per_factory: 16,
            allowed_hosts: vec![],
            allow_private: false,
            resolver: Default::default(),
            disable_after: Duration::from_secs(5 * 24 * 3600),
            secret_overlap: Duration::from_secs(24 * 3600),
        }
    }
}

#[derive(Clone)]
pub struct Dispatcher {
    db: Db,
    wake: Arc<Notify>,
    /// Set by [`Dispatcher::stop`].
    stopping: Arc<std::sync::atomic::AtomicBool>,
    client: reqwest::Client,
    /// Shared: every delivery runs as a task of its own with a clone of the dispatcher.
    settings: Arc<DispatcherSettings>,
}

/// What came of one delivery.
enum Outcome {
    Delivered(u16),
    Gone,
    /// Not sent: pushes are off for the factory. Held without using up an attempt, and sent as
    /// soon as they are back on.
    Held,
    Failed {
        status: Option<u16>,
        retry_after: Option<u64>,
        error: String,
    },
}

impl Dispatcher {
    pub fn new(db: Db, settings: DispatcherSettings) -> Result<Self, reqwest::Error> {
        // ring as the TLS crypto provider; a second install (tests, two dispatchers) is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = super::destination::client_builder(&settings, settings.resolver.0.clone())
            .timeout(settings.timeout)
            .user_agent(concat!("atelier-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            db,
            wake: Arc::new(Notify::new()),
            stopping: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            client,
            settings: Arc::new(settings),
        })
    }

    /// Call after a transaction that wrote outbox rows has committed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Leases nothing more, and ends the run once the deliveries in flight are answered (at
    /// most the push timeout) and recorded: stopped with the server (`SIGTERM`), the task was
    /// dropped with them in flight, and their events waited out the lease, a minute, in the
    /// next process (the events behind them too).
    pub fn stop(&self) {
        self.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
        self.wake.notify_one();
    }

    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move { self.run().await })
    }

    /// Deliveries run side by side, each recorded as soon as it is done, and what falls due
    /// meanwhile is leased and sent without waiting for the rest: a factory that answers only
    /// at the timeout held up every other factory's events, and the next attempt of its own
    /// other work orders, for as long (one round waited for its slowest delivery). Results
    /// that finish together are recorded in one transaction (a write that waits its turn at
    /// the database); at most one recording is outstanding.
    async fn run(self) {
        let mut in_flight = tokio::task::JoinSet::new();
        let mut recording: Option<tokio::task::JoinHandle<Result<(), StoreError>>> = None;
        // The factory of each delivery in flight.
        let mut factory_of: HashMap<tokio::task::Id, i64> = HashMap::new();
        loop {
            if self.stopping.load(std::sync::atomic::Ordering::SeqCst) {
                let mut done = vec![];
                while let Some(result) = in_flight.join_next().await {
                    done.extend(result.ok());
                }
                if let Some(previous) = recording.take() {
                    report(previous.await);
                }
                let n = done.len();
                if let Err(e) = self.record(done).await {
                    tracing::warn!(error = %e, "recording webhook deliveries failed");
                }
                tracing::info!(recorded = n, "webhook dispatcher stopped");
                return;
            }
            let room = usize::try_from(self.settings.batch).unwrap_or(64).saturating_sub(in_flight.len());
            // Every event due by then was leased or had no room: the next to look for is later.
            let mut looked_at = Some(now());
            if room > 0 {
                let mut busy: HashMap<i64, usize> = HashMap::new();
                factory_of.values().for_each(|f| *busy.entry(*f).or_default() += 1);
                let per_factory = outbox::Room::new(self.settings.per_factory.max(1), busy);
                match self.lease(i64::try_from(room).unwrap_or(64), per_factory).await {
                    Ok((at, claimed)) => {
                        looked_at = Some(at);
                        for (row, factory) in claimed {
                            let (this, factory_id) = (self.clone(), row.factory_id);
                            let task = in_flight.spawn(async move { this.deliver(row, factory).await });
                            factory_of.insert(task.id(), factory_id);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "webhook dispatch round failed");
                        // Nothing was leased: everything due counts when it looks again.
                        looked_at = None;
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
            if in_flight.is_empty() {
                if let Some(previous) = recording.take() {
                    report(previous.await);
                }
                self.idle(looked_at).await;
                continue;
            }
            let mut finished = vec![];
            tokio::select! {
                Some(first) = in_flight.join_next_with_id() => {
                    finished.push(first);
                    while let Some(more) = in_flight.try_join_next_with_id() {
                        finished.push(more);
                    }
                }
                _ = self.idle(looked_at) => {}
            }
            let mut done = vec![];
            for result in finished {
                // A delivery that panicked frees its factory's slot too.
                factory_of.remove(&match &result {
                    Ok((id, _)) => *id,
                    Err(e) => e.id(),
                });
                done.extend(result.ok().map(|(_, d)| d));
            }
            if done.is_empty() {
                continue;
            }
            if let Some(previous) = recording.take() {
                report(previous.await);
            }
            let this = self.clone();
            // Recorded, an event waiting for one of these is due, and a failure may be retried
            // at once: look again then.
            recording = Some(tokio::spawn(async move {
                let recorded = this.record(done).await;
                if matches!(recorded, Ok(true)) {
                    this.wake();
                }
                recorded.map(|_| ())
            }));
        }
    }

    /// Sleeps until an event falls due after the lease at `looked_at` ([`outbox::next_due_after`]),
    /// an order commits or a recording releases an event (the dispatcher is woken), whichever
    /// is first; the caller also wakes when a delivery in flight ends. An event already due
    /// (there was no room for it, or another process committed it as the lease read) is looked
    /// for again in a quarter of a second.
    async fn idle(&self, looked_at: Option<NaiveDateTime>) {
        let next = match self.db.read(move |conn| Ok::<_, StoreError>(outbox::next_due_after(conn, looked_at)?)).await {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!(error = %e, "webhook dispatch could not read when the next event is due");
                Some(now() + chrono::Duration::seconds(1))
            }
        };
        let wait = match next.map(|t| (t - now()).to_std()) {
            Some(Ok(later)) => later.clamp(Duration::from_millis(20), Duration::from_secs(30)),
            Some(Err(_)) => Duration::from_millis(250),
            None => Duration::from_secs(30),
        };
        tokio::select! {
            _ = self.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }

    /// Leases and delivers one batch of due events and records the results; returns how
    /// many were attempted.
    pub async fn round(&self) -> Result<usize, StoreError> {
        let outcomes = self.lease_and_deliver().await?;
        let n = outcomes.len();
        // One transaction records the whole batch: on SQLite's single writer that is what
        // lets deliveries keep pace with order placement.
        self.record(outcomes).await?;
        Ok(n)
    }

    async fn lease_and_deliver(&self) -> Result<Vec<(OutboxRow, Factory, Outcome, i32)>, StoreError> {
        let (_, claimed) = self.lease(self.settings.batch, outbox::Room::new(self.settings.per_factory.max(1), HashMap::new())).await?;
        let deliveries = claimed.into_iter().map(|(row, factory)| self.deliver(row, factory));
        Ok(futures_util::future::join_all(deliveries).await)
    }

    /// Leases up to `batch` events due at the time it returns, each with its factory.
    async fn lease(&self, batch: i64, room: outbox::Room) -> Result<(NaiveDateTime, Vec<(OutboxRow, Factory)>), StoreError> {
        let lease = chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::seconds(60));
        let claimed = self
            .db
            .write(move |conn| -> Result<_, StoreError> {
                let at = now();
                let mut out = vec![];
                let mut known: HashMap<i64, Option<Factory>> = HashMap::new();
                // Rows another dispatcher leased first are skipped.
                for row in outbox::lease_due(conn, at, at + lease, batch, &room)? {
                    let factory = match known.get(&row.factory_id) {
                        Some(f) => f.clone(),
                        None => {
                            let f = factories::find(conn, row.factory_id)?;
                            known.insert(row.factory_id, f.clone());
                            f
                        }
                    };
                    if let Some(f) = factory {
                        out.push((row, f));
                    }
                }
                Ok((at, out))
            })
            .await?;
        Ok(claimed)
    }

    async fn deliver(&self, row: OutboxRow, factory: Factory) -> (OutboxRow, Factory, Outcome, i32) {
        let started = Instant::now();
        // Held only while an administrator is to turn its pushes back on (the endpoint was
        // disabled); a factory whose push address was taken away fails as before, so the work
        // order is flagged for staff once the schedule runs out. One that takes no new work
        // orders is still sent the events of those it has.
        let outcome = if factory.push_disabled_reason.is_some() {
            Outcome::Held
        } else if !factory.pushes() {
            Outcome::Failed { status: None, retry_after: None, error: "the factory has no push address".into() }
        } else {
            self.send(&row, &factory).await
        };
        let latency_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        (row, factory, outcome, latency_ms)
    }

    async fn send(&self, row: &OutboxRow, factory: &Factory) -> Outcome {
        let (Some(url), Some(_)) = (factory.push_url.as_deref(), factory.signing_secret.as_deref()) else {
            return Outcome::Failed {
                status: None,
                retry_after: None,
                error: "no push URL or secret".into(),
            };
        };
        if let Err(refusal) = super::destination::check(url, &self.settings) {
            return Outcome::Failed {
                status: None,
                retry_after: None,
                error: refusal.to_string(),
            };
        }
        let timestamp = chrono::Utc::now().timestamp();
        let signature = match super::signing::sign_all(&factory.signing_secrets(now()), &row.webhook_id, timestamp, &row.payload) {
            Ok(s) => s,
            Err(e) => {
                return Outcome::Failed {
                    status: None,
                    retry_after: None,
                    error: e.to_string(),
                };
            }
        };
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &row.webhook_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(row.payload.clone())
            .send()
            .await;
        match response {
            Ok(r) if r.status().is_success() => Outcome::Delivered(r.status().as_u16()),
            Ok(r) if r.status() == reqwest::StatusCode::GONE => Outcome::Gone,
            Ok(r) => {
                let status = r.status();
                let retry_after = (status == reqwest::StatusCode::TOO_MANY_REQUESTS || status == reqwest::StatusCode::SERVICE_UNAVAILABLE)
                    .then(|| {
                        r.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| retry_after_seconds(v, std::time::SystemTime::now()))
                    })
                    .flatten();
                Outcome::Failed {
                    status: Some(status.as_u16()),
                    retry_after,
                    error: format!("HTTP {status}"),
                }
            }
            // The error text names the URL, never the secret.
            Err(e) => Outcome::Failed {
                status: None,
                retry_after: None,
                error: if e.is_timeout() { "timed out".into() } else { super::destination::describe(&e) },
            },
        }
    }

    /// Records the outcomes in one transaction; true when the dispatcher is to look again: an
    /// event waited for one of these, or one failed, was held or was refused (its next attempt
    /// may be sooner than what the dispatcher sleeps until).
    async fn record(&self, outcomes: Vec<(OutboxRow, Factory, Outcome, i32)>) -> Result<bool, StoreError> {
        if outcomes.is_empty() {
            return Ok(false);
        }
        let schedule = self.settings.retry_schedule.clone();
        let disable_after = chrono::Duration::from_std(self.settings.disable_after).unwrap_or(chrono::Duration::days(5));
        self.db
            .write(move |conn| -> Result<bool, StoreError> {
                // Factories whose endpoint this batch disabled: their other events need no more.
                let mut disabled = std::collections::HashSet::new();
                // Successful deliveries, the common case, are written in a few statements.
                let mut delivered = vec![];
                let mut sent = vec![];
                let mut succeeded = std::collections::BTreeSet::new();
                let mut others = vec![];
                for (row, factory, outcome, latency_ms) in outcomes {
                    if let Outcome::Delivered(code) = outcome {
                        delivered.push((row.id, i32::from(code), latency_ms));
                        succeeded.insert(factory.id);
                        if let Some(wo) = row.work_order_id {
                            sent.push(wo);
                        }
                    } else {
                        others.push((row, factory, outcome, latency_ms));
                    }
                }
                let factories: Vec<i64> = succeeded.into_iter().collect();
                outbox::record_delivered(conn, &outbox::Delivered {
                    deliveries: &delivered,
                    work_orders: &sent,
                    factories: &factories,
                    actor: "dispatcher",
                    note: "work_order.created",
                })?;
                // What the dispatcher is to look at again for: an event that waited for one of
                // these, or a failure's next attempt (it may have gone to sleep meanwhile).
                let release = !others.is_empty() || outbox::any_pending_for(conn, &sent)?;
                if !delivered.is_empty() {
                    tracing::info!(count = delivered.len(), "webhooks delivered");
                }
                // Each factory as it is now: deliveries run side by side and are recorded as they
                // end, so another recording may have disabled its endpoint since they were leased
                // (a notice each, and a failure held back into the schedule, it made).
                let mut now_is: HashMap<i64, Option<Factory>> = HashMap::new();
                for (row, factory, outcome, latency_ms) in others {
                    let jitter: f64 = rand::random();
                    if !now_is.contains_key(&factory.id) {
                        now_is.insert(factory.id, factories::find(conn, factory.id)?);
                    }
                    let current = now_is.get(&factory.id).cloned().flatten().unwrap_or_else(|| factory.clone());
                    let outcome = match outcome {
                        Outcome::Failed { status, error, .. } if current.push_disabled_reason.is_some() && !disabled.contains(&factory.id) => {
                            outbox::record_attempt(conn, row.id, status.map(i32::from), latency_ms, Some(&error))?;
                            Outcome::Held
                        }
                        Outcome::Gone if current.push_disabled_reason.is_some() && !disabled.contains(&factory.id) => {
                            outbox::record_attempt(conn, row.id, Some(410), latency_ms, Some("410 Gone: endpoint disabled"))?;
                            Outcome::Held
                        }
                        other => other,
                    };
                    let factory = current;
                    match outcome {
                        Outcome::Delivered(code) => {
                            outbox::record_attempt(conn, row.id, Some(i32::from(code)), latency_ms, None)?;
                            outbox::mark_delivered(conn, row.id)?;
                            factories::note_success(conn, factory.id)?;
                            if let Some(wo) = row.work_order_id {
                                let from = Status::Queued.as_str();
                                orders::set_work_order_status(conn, wo, from, Status::Sent.as_str(), "dispatcher", &row.event_type, None, None)?;
                            }
                            tracing::info!(outbox.id = row.id, factory.id = factory.id, http.status = code, "webhook delivered");
                        }
                        Outcome::Gone => {
                            outbox::record_attempt(conn, row.id, Some(410), latency_ms, Some("410 Gone: endpoint disabled"))?;
                            // Counted as the attempt it was ("gave up after 0 attempts", it said).
                            outbox::mark_failed(conn, row.id, None, "410 Gone: endpoint disabled")?;
                            if disabled.insert(factory.id) && factory.push_disabled_reason.is_none() {
                                // The administrators are told, as of an endpoint that failed for days.
                                crate::store::notices::insert(conn, "push_disabled", &format!("factory:{}", factory.id), &format!("{}: the endpoint answered 410 Gone", factory.name))?;
                            }
                            factories::disable_push(conn, factory.id, "the endpoint answered 410 Gone")?;
                            outbox::give_up_for_factory(conn, factory.id, "endpoint gone")?;
                            if let Some(wo) = row.work_order_id {
                                orders::set_attention(conn, wo, Some("push_endpoint_gone"))?;
                            }
                            tracing::warn!(factory.id = factory.id, "factory endpoint answered 410 Gone; push disabled");
                        }
                        Outcome::Held => {
                            // Turned back on while this round ran: due now, not in a minute.
                            let back_on = factories::find(conn, factory.id)?.is_some_and(|f| f.push_disabled_reason.is_none());
                            outbox::hold(conn, row.id, if back_on { now() } else { now() + chrono::Duration::seconds(HOLD_SECONDS) })?;
                        }
                        Outcome::Failed { status, retry_after, error } => {
                            outbox::record_attempt(conn, row.id, status.map(i32::from), latency_ms, Some(&error))?;
                            let failures = usize::try_from(row.attempts).unwrap_or(0) + 1;
                            let next: Option<NaiveDateTime> = retry_delay(&schedule, failures, retry_after, jitter)
                                .map(|s| now() + chrono::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 2)));
                            outbox::mark_failed(conn, row.id, next, &error)?;
                            if next.is_none() {
                                if let Some(wo) = row.work_order_id {
                                    orders::set_attention(conn, wo, Some("delivery_failed"))?;
                                }
                            }
                            tracing::warn!(outbox.id = row.id, factory.id = factory.id, attempt = failures, error = %error, "webhook delivery failed");
                            if factory.pushes() && !disabled.contains(&factory.id) {
                                let since = factories::note_failure(conn, factory.id, now())?.unwrap_or_else(now);
                                if now() - since >= disable_after {
                                    disabled.insert(factory.id);
                                    disable_failing_endpoint(conn, &factory, since)?;
                                }
                            }
                        }
                    }
                }
                Ok(release)
            })
            .await
    }
}

/// How often the events of a factory whose pushes are off are looked at again: turning pushes
/// back on makes them due at once (`outbox::due_now_for_factory`); this catches a factory
/// enabled again another way.
const HOLD_SECONDS: i64 = 60;

/// Logs a recording that failed: its events stay leased until the lease ends, then they are
/// sent again (with the same `webhook-id`).
fn report(recorded: Result<Result<(), StoreError>, tokio::task::JoinError>) {
    match recorded {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "recording webhook deliveries failed"),
        Err(e) => tracing::warn!(error = %e, "recording webhook deliveries was cancelled"),
    }
}

/// An endpoint that has failed every attempt for the configured time is disabled, its pending
/// events are set aside (they stay available to pull and can be replayed), and the admins are
/// told on their home page.
fn disable_failing_endpoint(conn: &mut crate::store::DbConn, factory: &Factory, since: NaiveDateTime) -> Result<(), StoreError> {
    let reason = format!("every delivery failed since {}", since.format("%Y-%m-%d %H:%M UTC"));
    factories::disable_push(conn, factory.id, &reason)?;
    outbox::give_up_for_factory(conn, factory.id, "endpoint disabled after repeated failures")?;
    crate::store::notices::insert(
        conn,
        "push_disabled",
        &format!("factory:{}", factory.id),
        &format!("{}: {reason}", factory.name),
    )?;
    crate::store::audit::record(conn, None, "factory.push_disabled", &format!("factory:{}", factory.id), &reason)?;
    tracing::warn!(factory.id = factory.id, "push endpoint disabled after failing for too long");
    Ok(())
}

/// A `Retry-After` header's wait in seconds: a number of seconds, or an HTTP date (RFC 9110),
/// which was ignored (a factory asking for 7 s by date was tried again at once).
fn retry_after_seconds(value: &str, now: std::time::SystemTime) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds);
    }
    let at: std::time::SystemTime = value.parse::<actix_web::http::header::HttpDate>().ok()?.into();
    Some(at.duration_since(now).map_or(0, |d| d.as_secs_f64().ceil() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_in_seconds_and_as_a_date() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_796_681_275); // Mon, 07 Dec 2026 22:07:55 GMT
        assert_eq!(retry_after_seconds(" 10 ", now), Some(10));
        assert_eq!(retry_after_seconds("Mon, 07 Dec 2026 22:08:02 GMT", now), Some(7));
        assert_eq!(retry_after_seconds("Mon, 07 Dec 2026 22:00:00 GMT", now), Some(0), "a date gone by: now");
        assert_eq!(retry_after_seconds("soon", now), None);
        assert_eq!(retry_after_seconds("-5", now), None);
    }

    #[test]
    fn hosts_are_read_from_push_urls() {
        assert_eq!(host_of("https://Factory.Example:8443/hooks?x=1").as_deref(), Some("factory.example"));
        assert_eq!(host_of("http://127.0.0.1/x").as_deref(), Some("127.0.0.1"));
        assert_eq!(host_of("http://[::1]:9000/x").as_deref(), Some("::1"));
        assert_eq!(host_of("ftp://x"), None);
        assert_eq!(host_of("https:///x"), None);
    }

    #[test]
    fn an_empty_allowlist_allows_every_host_and_a_list_only_its_hosts() {
        let mut s = DispatcherSettings::default();
        assert!(s.allows("https://anything.example/"));
        s.allowed_hosts = vec!["factory.example".into()];
        assert!(s.allows("https://FACTORY.example:443/hooks"));
        assert!(!s.allows("https://evil.example/"));
        assert!(!s.allows("https://factory.example.evil.example/"));
    }
}
