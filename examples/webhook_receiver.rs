//! A factory's webhook receiver for the delivery load test: verifies every Standard Webhooks
//! signature (with the `standardwebhooks` crate), answers 204 to a signed event and 401 to
//! one whose signature does not verify (as a factory's receiver should: a forged event is
//! refused, not taken), and reports deliveries per second and the latency from the event's
//! timestamp (written in the placing transaction) to receipt.
//!
//! ```sh
//! cargo run --release --example webhook_receiver -- 127.0.0.1:9900 SECRET SECONDS
//! ```
//!
//! Listens on `http://ADDR/hooks` (the push URL to give the factory). Runs for SECONDS after
//! the first delivery, then prints its figures and exits.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

#[derive(Default)]
struct Tally {
    first: Option<Instant>,
    last: Option<Instant>,
    latencies_ms: Vec<f64>,
    ids: std::collections::HashSet<String>,
    duplicates: usize,
    bad_signatures: usize,
}

struct State {
    hook: standardwebhooks::Webhook,
    tally: Mutex<Tally>,
}

async fn receive(req: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    let mut headers = reqwest::header::HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        if let Some(v) = req.headers().get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()) {
            headers.insert(name, v);
        }
    }
    let ok = state.hook.verify(&body, &headers).is_ok();
    let sent: Option<chrono::DateTime<chrono::Utc>> = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["timestamp"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()))
        .map(|t| t.with_timezone(&chrono::Utc));
    let id = req.headers().get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let mut t = state.tally.lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    t.first.get_or_insert(now);
    t.last = Some(now);
    if !ok {
        // Not counted as a delivery: a forged request reusing a real `webhook-id` is no
        // duplicate of it.
        t.bad_signatures += 1;
        return HttpResponse::Unauthorized().body("the signature does not verify");
    }
    if !t.ids.insert(id) {
        t.duplicates += 1;
    }
    if let Some(sent) = sent {
        t.latencies_ms.push((chrono::Utc::now() - sent).num_microseconds().unwrap_or(0) as f64 / 1000.0);
    }
    HttpResponse::NoContent().finish()
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, addr, secret, seconds] = args.as_slice() else {
        return Err("usage: webhook_receiver ADDR SECRET SECONDS (listens on http://ADDR/hooks; exits SECONDS after the first delivery, printing its figures)".into());
    };
    let seconds: u64 = seconds.parse()?;
    let state = web::Data::new(State { hook: standardwebhooks::Webhook::new(secret)?, tally: Mutex::default() });
    let s2 = state.clone();
    let server = HttpServer::new(move || App::new().app_data(s2.clone()).route("/hooks", web::post().to(receive))).workers(1).disable_signals().bind(addr)?.run();
    let handle = server.handle();
    let watcher = state.clone();
    let started = Instant::now();
    actix_web::rt::spawn(async move {
        loop {
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
            let first = watcher.tally.lock().unwrap_or_else(|e| e.into_inner()).first;
            // Ends SECONDS after the first delivery, or if none came in twice that time.
            if first.is_some_and(|f| f.elapsed() >= Duration::from_secs(seconds)) || started.elapsed() > Duration::from_secs(seconds * 2 + 10) {
                break;
            }
        }
        // Let the tail of the burst arrive.
        actix_web::rt::time::sleep(Duration::from_secs(3)).await;
        handle.stop(true).await;
    });
    // A load script that is done stops it with SIGTERM: it reports as when its time is up.
    let on_term = server.handle();
    actix_web::rt::spawn(async move {
        if let Ok(mut term) = actix_web::rt::signal::unix::signal(actix_web::rt::signal::unix::SignalKind::terminate()) {
            term.recv().await;
            on_term.stop(false).await;
        }
    });
    server.await?;
    let mut t = state.tally.lock().unwrap_or_else(|e| e.into_inner());
    let span = match (t.first, t.last) {
        (Some(a), Some(b)) => (b - a).as_secs_f64().max(0.001),
        _ => 1.0,
    };
    t.latencies_ms.sort_by(f64::total_cmp);
    println!(
        "deliveries {} in {:.1} s = {:.0}/s; commit->receipt p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; duplicates {}; bad signatures {}",
        t.ids.len(),
        span,
        t.ids.len() as f64 / span,
        pct(&t.latencies_ms, 0.50),
        pct(&t.latencies_ms, 0.99),
        t.latencies_ms.last().copied().unwrap_or(0.0),
        t.duplicates,
        t.bad_signatures
    );
    Ok(())
}
