//! Customer search latency over HTTP, as a fitter sees it.
//!
//! Against a running server with customers in it (e.g. `atelier generate-customers --count
//! 100000`), signed in as a staff member whose password is not a one-time one:
//!
//! ```sh
//! cargo run --release --example search_latency -- http://127.0.0.1:8080 EMAIL PASSWORD
//! ```
//!
//! Prints the first (index-building) search, then p50 / p99 / max per kind of query.

use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, email, password] = args.as_slice() else {
        return Err("usage: search_latency BASE_URL EMAIL PASSWORD".into());
    };
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    let form = client.get(format!("{base}/staff/sign-in")).send().await?.text().await?;
    let token = form
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .ok_or("no CSRF token on the sign-in page")?;
    let res = client
        .post(format!("{base}/staff/sign-in"))
        .form(&[("csrf_token", token), ("email", email.as_str()), ("password", password.as_str())])
        .send()
        .await?;
    if res.status() != reqwest::StatusCode::SEE_OTHER {
        return Err(format!("sign-in failed: {}", res.status()).into());
    }
    let search = |q: String| {
        let client = client.clone();
        let url = format!("{base}/staff/customers");
        async move {
            let started = Instant::now();
            let res = client.get(url).query(&[("q", q)]).send().await?;
            let ok = res.status().is_success();
            let _ = res.bytes().await?;
            if !ok {
                return Err::<Duration, Box<dyn std::error::Error>>("search failed".into());
            }
            Ok(started.elapsed())
        }
    };
    println!("first search (builds the index): {:?}", search("warmup".into()).await?);
    let kinds: [(&str, Vec<&str>); 6] = [
        ("name", vec!["ana silva", "josé müller", "emma johnson", "wei", "giulia rossi"]),
        ("prefix", vec!["mar", "schm", "kow", "lef", "pap"]),
        ("typo", vec!["jonhson", "schmdit", "fernandze", "andresson", "papadopolous"]),
        ("email", vec!["ana.silva1", "emma.johnson", "@example.com", "liam.smith2"]),
        ("phone", vec!["7123", "+44 7001", "555 12", "4471234"]),
        ("chinese", vec!["张伟", "李娜", "zhang wei"]),
    ];
    println!("{:<8} {:>6} {:>9} {:>9} {:>9}", "kind", "n", "p50", "p99", "max");
    for (kind, queries) in kinds {
        let mut times = vec![];
        for _ in 0..40 {
            for q in &queries {
                times.push(search((*q).to_owned()).await?);
            }
        }
        times.sort();
        let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
        println!("{kind:<8} {:>6} {:>9.2?} {:>9.2?} {:>9.2?}", times.len(), pct(0.5), pct(0.99), times[times.len() - 1]);
    }
    Ok(())
}
