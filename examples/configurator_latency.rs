//! The shop configurator's live update over HTTP, with many customers at once.
//!
//! Against a running server with the demo catalogs (the default first start):
//!
//! ```sh
//! cargo run --release --example configurator_latency -- http://127.0.0.1:8080 [CLIENTS] [REQUESTS_EACH]
//! ```
//!
//! Signs up one customer per client, enters measurements, then each client sends the road
//! bicycle's form to `/shop/configure/road/live`, going round three different builds and
//! alternating a valid form and the same build with a conflict (the engine's repair is then
//! part of the answer). After a few warm-up updates per client, the latencies are reported
//! as p50 / p99 / max with the throughput, and how many answers were valid (a check that
//! the forms are what they claim). `bench/configurator-latency.sh` runs it against a fresh
//! server with 1 and 32 clients.

use std::time::Instant;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Three builds for the median man's measurements, each valid as written; `CONFLICTS` holds,
/// per build, one change that breaks a rule.
const BUILDS: [&[(&str, &str)]; 3] = [
    &[
        ("o_frame_size", "s56"), ("o_frame_material", "carbon"), ("o_cable_routing", "internal"),
        ("o_groupset", "shimano_ultegra_di2"), ("o_brakes", "disc_hydraulic"), ("o_axle", "thru_12"),
        ("o_wheel_size", "700c"), ("o_wheelset", "carbon_disc_45"), ("o_tyre", "t28"), ("o_crank", "c175"),
        ("o_chainrings", "r52_36"), ("o_cassette", "k11_30"), ("o_handlebar", "h42"), ("o_pedals", "spd_sl"),
        ("o_paint", "black"), ("o_stem_length", "100"), ("o_name_decal", "MEI"),
    ],
    &[
        ("o_frame_size", "s54"), ("o_frame_material", "aluminium"), ("o_cable_routing", "internal"),
        ("o_groupset", "shimano_105_di2"), ("o_brakes", "disc_hydraulic"), ("o_axle", "thru_12"),
        ("o_wheel_size", "700c"), ("o_wheelset", "alu_disc"), ("o_tyre", "t28"), ("o_crank", "c172"),
        ("o_chainrings", "r50_34"), ("o_cassette", "k11_34"), ("o_handlebar", "h44"), ("o_pedals", "look_keo"),
        ("o_paint", "white"), ("o_stem_length", "90"), ("o_extras", "mudguards"),
    ],
    &[
        ("o_frame_size", "s58"), ("o_frame_material", "titanium"), ("o_cable_routing", "internal"),
        ("o_groupset", "sram_rival_axs"), ("o_brakes", "disc_hydraulic"), ("o_axle", "thru_12"),
        ("o_wheel_size", "700c"), ("o_wheelset", "carbon_disc_60"), ("o_tyre", "t28"), ("o_crank", "c175"),
        ("o_chainrings", "r48_35"), ("o_cassette", "k10_36"), ("o_handlebar", "h46"), ("o_pedals", "none"),
        ("o_paint", "raw_brushed"), ("o_stem_length", "110"), ("o_extras", "power_meter_spider"),
        ("o_extras", "computer_mount"), ("o_name_decal", "ANNA LI"),
    ],
];

const CONFLICTS: [(&str, &str); 3] = [("o_brakes", "rim_caliper"), ("o_cable_routing", "external"), ("o_cassette", "k11_30")];

/// Update number `i`: build `i / 2` (round robin), with its conflict when `i` is odd.
fn form(i: usize) -> Vec<(String, String)> {
    let build = (i / 2) % BUILDS.len();
    let (field, bad) = CONFLICTS[build];
    BUILDS[build]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (if i % 2 == 1 && *k == field { bad } else { v }).to_owned()))
        .collect()
}

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

/// Untimed updates per client before the measurement.
const WARM_UP: usize = 6;

/// One live update; `true` when the server called the configuration valid.
async fn update(client: &reqwest::Client, url: &str, fields: &[(String, String)], i: usize) -> Result<bool, Error> {
    let mut body = fields.to_vec();
    body.extend(form(i));
    let res = client.post(url).form(&body).send().await?;
    if !res.status().is_success() {
        return Err(format!("live update failed: {}", res.status()).into());
    }
    let html = res.text().await?;
    let valid = html.contains("id=\"valid\"");
    if valid == (i % 2 == 1) {
        return Err(format!("form {i} was expected to be {}", if i % 2 == 1 { "in conflict" } else { "valid" }).into());
    }
    Ok(valid)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    // The HTTP client is built without a default TLS provider (as the app's is).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).ok_or("usage: configurator_latency BASE_URL [CLIENTS] [REQUESTS_EACH]")?.clone();
    let clients: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(32);
    let each: usize = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(100);
    if clients == 0 || each == 0 {
        return Err("CLIENTS and REQUESTS_EACH must be at least 1".into());
    }
    let mut set = Vec::new();
    for n in 0..clients {
        let (client, fields) = customer(&base, n).await?;
        let url = format!("{base}/shop/configure/road/live");
        for i in 0..WARM_UP {
            update(&client, &url, &fields, i).await?;
        }
        set.push((client, fields, url));
    }
    let started = Instant::now();
    let tasks: Vec<_> = set
        .into_iter()
        .enumerate()
        .map(|(n, (client, fields, url))| {
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(each);
                let mut valid = 0usize;
                for i in 0..each {
                    // Clients start at different builds, so that they do not move in step.
                    let t = Instant::now();
                    valid += usize::from(update(&client, &url, &fields, i + 2 * n).await?);
                    times.push(t.elapsed());
                }
                Ok::<_, Error>((times, valid))
            })
        })
        .collect();
    let (mut times, mut valid) = (vec![], 0);
    for t in tasks {
        let (ts, v) = t.await??;
        times.extend(ts);
        valid += v;
    }
    let wall = started.elapsed();
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!("{} live updates from {clients} clients in {wall:.2?}: {:.0} updates/s; {valid} answered valid, {} with a conflict", times.len(), times.len() as f64 / wall.as_secs_f64(), times.len() - valid);
    println!("p50 {:.2?}  p99 {:.2?}  max {:.2?}", pct(0.5), pct(0.99), times[times.len() - 1]);
    Ok(())
}
