//! The API against its own OpenAPI document, with schemathesis (from PyPI): generated valid
//! and invalid requests for every operation, with a factory token and with a channel key. No
//! 5xx, every answer as documented, 405 for methods a path does not answer. Locally it is
//! skipped when `st` is not installed; in CI it must run.

use std::process::Command;

use crate::bridge::with_demo_catalogs;
use crate::helpers::*;

fn schemathesis_available() -> bool {
    if Command::new("st").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!("schemathesis (`st`) must be installed in CI: `pip install schemathesis`");
    }
    eprintln!("skipped: install schemathesis (`pip install schemathesis`) to fuzz the API against its document");
    false
}

async fn run(app: &TestApp, token: &str, tag: &str) {
    let (spec, header) = (app.url("/api/v1/openapi.json"), format!("Authorization: Bearer {token}"));
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemathesis.toml");
    let tag = tag.to_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("st")
            .args(["--config-file", config, "run", &spec, "-H", &header, "--include-tag", &tag, "--checks", "all", "--exclude-checks", "ignored_auth", "--max-examples", "25", "--no-color"])
            .output()
            .expect("run schemathesis")
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "schemathesis found problems:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn the_api_answers_as_its_openapi_document_says() {
    if !schemathesis_available() {
        return;
    }
    let app = with_demo_catalogs(Backend::Sqlite).await;
    let factory = app.register_factory("fuzzed", None).await;
    let key = app.add_channel("fuzzer").await;
    // Something to find: a customer and a few orders and work orders.
    let customer = app.customer_reference("Fuzz Target").await;
    let body = serde_json::json!({
        "customer_reference": customer, "product": "cycling_jersey",
        "choices": {"cut": "men", "fit": "club", "sleeve": "short", "fabric": "standard", "zip": "full", "body_colour": "navy", "panel_colour": "black"},
        "measurements": {"stature": 1755, "chest_girth": 1056, "waist_girth": 937, "hip_girth": 1017, "arm_length": 592, "body_mass": 84600, "inside_leg": 845, "shoulder_width": 415},
    });
    for i in 0..3 {
        let res = reqwest::Client::new().post(app.url("/api/v1/orders")).bearer_auth(&key).header("idempotency-key", format!("seed-{i}")).json(&body).send().await.unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    }
    run(&app, &factory.token, "factory").await;
    run(&app, &key, "sales").await;
}
