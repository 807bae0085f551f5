//! Atelier: a made-to-measure order configurator and production bridge.

pub mod accounts;
pub mod bridge;
pub mod catalogs;
pub mod config;
pub mod customers;
pub mod domain;
pub mod drafts;
pub mod generate;
pub mod html;
pub mod i18n;
pub mod learning;
pub mod memo;
pub mod orders;
pub mod shop_accounts;
pub mod store;
pub mod telemetry;
pub mod web;

use std::net::TcpListener;

use actix_web::dev::{Server, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpMessage, HttpServer, web as aweb};
use tracing_actix_web::{RequestId, TracingLogger};

use crate::config::Settings;
use crate::store::{Db, StoreError};

/// A built server, bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    dispatcher: bridge::Dispatcher,
    dispatching: tokio::task::JoinHandle<()>,
    push_timeout: std::time::Duration,
}

impl Application {
    /// Connects to the database (migrating it), binds the address and builds the server.
    pub fn build(settings: Settings, db: Db) -> anyhow::Result<Self> {
        Self::build_with(settings, db, catalogs::CatalogCache::default())
    }

    /// As [`Application::build`], with catalogs compiled already (e.g. at first start).
    pub fn build_with(settings: Settings, db: Db, catalog_cache: catalogs::CatalogCache) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.addr)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.addr))?;
        let port = listener.local_addr()?.port();
        let workers = settings.workers;
        let settings = aweb::Data::new(settings);
        let db_data = aweb::Data::new(db.clone());
        let directory = aweb::Data::new(customers::Directory::new(settings.cache_ttl));
        let catalog_cache = aweb::Data::new(catalog_cache.keeping_current_for(settings.cache_ttl));
        let dispatcher = bridge::Dispatcher::new(db.clone(), settings.dispatcher.clone())?;
        let dispatching = dispatcher.clone().spawn();
        let (stopper, push_timeout) = (dispatcher.clone(), settings.dispatcher.timeout);
        let dispatcher = aweb::Data::new(dispatcher);
        let identity = store::epoch::Topic::Identity;
        let session_memo = std::sync::Arc::new(web::session_store::SessionMemo::new(identity, settings.cache_ttl));
        let staff_memo = aweb::Data::new(memo::Memo::<i64, web::auth::Staff>::new(identity, settings.cache_ttl));
        let customer_memo = aweb::Data::new(memo::Memo::<i64, web::shop::auth::Customer>::new(identity, settings.cache_ttl));
        let factory_memo = aweb::Data::new(web::api::auth::FactoryTokenMemo::new(identity, settings.cache_ttl));
        let live_memo = aweb::Data::new(web::shop::configure::LiveMemo::new(settings.cache_ttl));
        let given_cursors = aweb::Data::new(web::api::GivenCursors::default());
        let profile_memo = std::sync::Arc::new(learning::ProfileMemo::new(settings.cache_ttl));
        let page_memo = aweb::Data::new(web::staff::CustomerPageMemo::new(settings.cache_ttl, profile_memo.clone()));
        let profile_memo = aweb::Data::from(profile_memo);
        learning::spawn_schedule(db.clone(), settings.learning.thresholds, settings.learning.classify_every);
        spawn_housekeeping(db, settings.sessions);

        let mut server = HttpServer::new(move || {
            let sessions = web::session::Sessions::new(
                web::session_store::DbSessionStore::new(db_data.get_ref().clone(), settings.sessions, session_memo.clone()),
                web::session::CookieSettings { name: settings.session_cookie_name().to_owned(), secure: settings.secure_cookies() },
            );
            let static_dir = settings.static_dir.clone();
            App::new()
                .app_data(db_data.clone())
                .app_data(settings.clone())
                .app_data(directory.clone())
                .app_data(catalog_cache.clone())
                .app_data(dispatcher.clone())
                .app_data(staff_memo.clone())
                .app_data(customer_memo.clone())
                .app_data(factory_memo.clone())
                .app_data(live_memo.clone())
                .app_data(given_cursors.clone())
                .app_data(page_memo.clone())
                .app_data(profile_memo.clone())
                .app_data(aweb::FormConfig::default().limit(256 * 1024))
                .configure(|cfg| web::routes(cfg, &static_dir))
                .wrap(web::error_pages())
                .wrap(sessions)
                .wrap(web::security_headers())
                .wrap_fn(|req, srv| {
                    let request_id = req.extensions().get::<RequestId>().map(|id| {
                        // Written straight into a header value, without `fmt`.
                        let mut text = [0u8; 36];
                        HeaderValue::from_bytes(id.hyphenated().encode_lower(&mut text).as_bytes())
                    });
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        if let Some(Ok(id)) = request_id {
                            res.headers_mut().insert(HeaderName::from_static("x-request-id"), id);
                        }
                        Ok(res)
                    }
                })
                .wrap(TracingLogger::<telemetry::RedactedRootSpan>::new())
        })
        .listen(listener)?;
        if workers > 0 {
            server = server.workers(workers);
        }
        Ok(Self { port, server: server.run(), dispatcher: stopper, dispatching, push_timeout })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until stopped (`SIGTERM`, `SIGINT`); then the webhook deliveries in flight are
    /// answered and recorded before it returns, within the push timeout.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.dispatcher.stop();
        if tokio::time::timeout(self.push_timeout + std::time::Duration::from_secs(5), self.dispatching).await.is_err() {
            tracing::warn!("webhook deliveries in flight were not recorded before the stop; their events are sent again once their lease ends");
        }
        served
    }
}

/// Removes expired sessions and old sign-in failures every hour.
fn spawn_housekeeping(db: Db, timeouts: config::SessionSettings) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            let at = store::now();
            let swept = db
                .write(move |conn| -> Result<usize, StoreError> {
                    let window = at - chrono::Duration::minutes(accounts::THROTTLE_WINDOW_MINUTES);
                    let begun_before = at - chrono::Duration::from_std(timeouts.absolute).unwrap_or(chrono::Duration::hours(12));
                    Ok(store::sessions::delete_expired(conn, at, begun_before)?
                        + store::sign_in_failures::delete_before(conn, window)?)
                })
                .await;
            if let Err(e) = swept {
                tracing::warn!(error = %e, "housekeeping failed");
            }
        }
    });
}
