//! Customer page latency over HTTP (figures, class, segment, learned preferences and
//! recommendations included), as a fitter sees it; then the managers' dashboard.
//!
//! Against a running server with generated histories (`atelier generate-customers --count N
//! --orders M`, then `atelier rebuild-stats`), signed in as a staff member. A one-time
//! password is replaced by NEW_PASSWORD first if given.
//!
//! ```sh
//! cargo run --release --example customer_page_latency -- http://127.0.0.1:8080 EMAIL PASSWORD MAX_CUSTOMER_ID [NEW_PASSWORD]
//! ```

use std::time::{Duration, Instant};

fn csrf(page: &str) -> Result<String, Box<dyn std::error::Error>> {
    Ok(page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .ok_or("no CSRF token on the page")?
        .to_owned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (base, email, password, max_id, new_password) = match args.as_slice() {
        [_, b, e, p, m] => (b, e, p, m.parse::<u64>()?, None),
        [_, b, e, p, m, n] => (b, e, p, m.parse::<u64>()?, Some(n)),
        _ => return Err("usage: customer_page_latency BASE_URL EMAIL PASSWORD MAX_CUSTOMER_ID [NEW_PASSWORD]".into()),
    };
    // The HTTP client is built on rustls without a default crypto provider (as the app's).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    let token = csrf(&client.get(format!("{base}/staff/sign-in")).send().await?.text().await?)?;
    let res = client
        .post(format!("{base}/staff/sign-in"))
        .form(&[("csrf_token", token.as_str()), ("email", email.as_str()), ("password", password.as_str())])
        .send()
        .await?;
    if res.status() != reqwest::StatusCode::SEE_OTHER {
        return Err(format!("sign-in failed: {}", res.status()).into());
    }
    let goes_to = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    if goes_to.starts_with("/staff/password") {
        let new = new_password.ok_or("a one-time password: give NEW_PASSWORD")?;
        let token = csrf(&client.get(format!("{base}/staff/password")).send().await?.text().await?)?;
        let res = client
            .post(format!("{base}/staff/password"))
            .form(&[("csrf_token", token.as_str()), ("current", password.as_str()), ("new_password", new.as_str()), ("confirm", new.as_str())])
            .send()
            .await?;
        if !res.status().is_redirection() {
            return Err(format!("password change failed: {}", res.status()).into());
        }
    }
    // A fixed pseudo-random sample of customers, the same on every run.
    let mut x: u64 = 0x2545F4914F6CDD1D;
    let mut ids = vec![];
    for _ in 0..300 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ids.push(1 + x % max_id);
    }
    let mut times: Vec<Duration> = vec![];
    let (mut with_recs, mut with_suggestions) = (0, 0);
    for (i, id) in ids.iter().enumerate() {
        let started = Instant::now();
        let res = client.get(format!("{base}/staff/customers/{id}")).send().await?;
        let ok = res.status().is_success();
        let body = res.text().await?;
        let took = started.elapsed();
        if !ok {
            continue;
        }
        with_recs += usize::from(body.contains("id=\"recommend-options\"") || body.contains("id=\"recommend-products\""));
        with_suggestions += usize::from(body.contains("id=\"learned-suggestions\""));
        // The first requests warm the connection pool and the catalog cache.
        if i >= 20 {
            times.push(took);
        }
    }
    times.sort();
    if times.is_empty() {
        return Err("no customer page answered".into());
    }
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!("{} pages: p50 {:.2?}, p99 {:.2?}, max {:.2?}", times.len(), pct(0.5), pct(0.99), times[times.len() - 1]);
    println!("pages with recommendations: {with_recs}, with learned suggestions: {with_suggestions}");
    // The managers' dashboard reads every classified customer: timed too (needs a manager or
    // an administrator).
    let mut dashboard = vec![];
    for _ in 0..5 {
        let started = Instant::now();
        let res = client.get(format!("{base}/staff/insights")).send().await?;
        let ok = res.status().is_success();
        let _ = res.bytes().await?;
        if ok {
            dashboard.push(started.elapsed());
        }
    }
    dashboard.sort();
    if let (Some(first), Some(last)) = (dashboard.first(), dashboard.last()) {
        println!("dashboard ({} requests): fastest {first:.2?}, slowest {last:.2?}", dashboard.len());
    }
    Ok(())
}
