//! The shop configurator's live update over HTTP, with many customers at once.
//!
//! Against a running server with the demo catalogs (the default first start):
//!
//! ```sh
//! cargo run --release --example configurator_latency -- http://127.0.0.1:8080 [CLIENTS] [REQUESTS_EACH]
//! ```
//!
//! Signs up one customer per client, enters measurements, then each client sends the road
//! bicycle's form to `/shop/configure/road/live` (alternating a valid configuration and one
//! with a conflict) and the latencies are reported as p50 / p99 / max.

use std::time::{Duration, Instant};

type Error = Box<dyn std::error::Error + Send + Sync>;

const ROAD: [(&str, &str); 17] = [
    ("o_frame_size", "s56"), ("o_frame_material", "carbon"), ("o_cable_routing", "internal"),
    ("o_groupset", "shimano_ultegra_di2"), ("o_brakes", "disc_hydraulic"), ("o_axle", "thru_12"),
    ("o_wheel_size", "700c"), ("o_wheelset", "carbon_disc_45"), ("o_tyre", "t28"), ("o_crank", "c175"),
    ("o_chainrings", "r52_36"), ("o_cassette", "k11_30"), ("o_handlebar", "h42"), ("o_pedals", "spd_sl"),
    ("o_paint", "black"), ("o_stem_length", "100"), ("o_name_decal", "MEI"),
];

fn hidden(html: &str, name: &str) -> Option<String> {
    html.split(&format!("name=\"{name}\" value=\"")).nth(1).and_then(|s| s.split('"').next()).map(str::to_owned)
}

/// A signed-in customer with measurements, and the configurator's hidden fields.
async fn customer(base: &str, n: usize) -> Result<(reqwest::Client, Vec<(String, String)>), Error> {
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    let page = client.get(format!("{base}/shop/sign-up")).send().await?.text().await?;
    let token = hidden(&page, "csrf_token").ok_or("no CSRF token")?;
    let email = format!("load{n}.{}@example.com", std::process::id());
    let password = "a long load-test password";
    let res = client
        .post(format!("{base}/shop/sign-up"))
        .form(&[("csrf_token", token.as_str()), ("name", "Load Test"), ("email", &email), ("password", password), ("confirmation", password)])
        .send()
        .await?;
    if res.status() != reqwest::StatusCode::SEE_OTHER {
        return Err(format!("sign-up failed: {}", res.status()).into());
    }
    let page = client.get(format!("{base}/shop/measurements/new")).send().await?.text().await?;
    let token = hidden(&page, "csrf_token").ok_or("no CSRF token")?;
    let measured = [("m_stature", "175.5"), ("m_chest_girth", "105.6"), ("m_waist_girth", "93.7"), ("m_hip_girth", "101.7"),
        ("m_arm_length", "59.2"), ("m_body_mass", "84.6"), ("m_inside_leg", "84.5"), ("m_shoulder_width", "41.5")];
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend(measured);
    client.post(format!("{base}/shop/measurements")).form(&form).send().await?;
    let page = client.get(format!("{base}/shop/configure/road")).send().await?.text().await?;
    let fields = ["csrf_token", "version", "idempotency_key", "set"]
        .iter()
        .filter_map(|n| hidden(&page, n).map(|v| ((*n).to_owned(), v)))
        .collect();
    Ok((client, fields))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    // The HTTP client is built without a default TLS provider (as the app's is).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).ok_or("usage: configurator_latency BASE_URL [CLIENTS] [REQUESTS_EACH]")?.clone();
    let clients: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(32);
    let each: usize = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(100);
    let mut set = Vec::new();
    for n in 0..clients {
        set.push(customer(&base, n).await?);
    }
    let started = Instant::now();
    let tasks: Vec<_> = set
        .into_iter()
        .map(|(client, fields)| {
            let url = format!("{base}/shop/configure/road/live");
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(each);
                for i in 0..each {
                    let mut form: Vec<(String, String)> = fields.clone();
                    form.extend(ROAD.iter().map(|(k, v)| {
                        let v = if *k == "o_brakes" && i % 2 == 1 { "rim_caliper" } else { v };
                        ((*k).to_owned(), v.to_owned())
                    }));
                    let t = Instant::now();
                    let res = client.post(&url).form(&form).send().await?;
                    let ok = res.status().is_success();
                    let _ = res.bytes().await?;
                    if !ok {
                        return Err::<Vec<Duration>, Error>("live update failed".into());
                    }
                    times.push(t.elapsed());
                }
                Ok(times)
            })
        })
        .collect();
    let mut times = vec![];
    for t in tasks {
        times.extend(t.await??);
    }
    let wall = started.elapsed();
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!("{} live updates from {clients} clients in {wall:.2?} ({:.0}/s)", times.len(), times.len() as f64 / wall.as_secs_f64());
    println!("p50 {:.2?}  p99 {:.2?}  max {:.2?}", pct(0.5), pct(0.99), times[times.len() - 1]);
    Ok(())
}
