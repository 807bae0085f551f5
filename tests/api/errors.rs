use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    an_unknown_page_gets_a_friendly_page_in_the_readers_language,
    the_api_answers_errors_as_problem_json,
    every_response_carries_the_security_headers,
    malformed_and_oversized_forms_get_a_clear_answer,
);

async fn an_unknown_page_gets_a_friendly_page_in_the_readers_language(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "h1"), vec!["Page not found"]);
    assert_eq!(attr(&html, "a.button", "href").as_deref(), Some("/staff"));

    let res = app.client.get(app.url("/no/such/page")).header("accept-language", "zh-CN").send().await.unwrap();
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "h1"), vec!["页面不存在"]);
}

async fn the_api_answers_errors_as_problem_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/api/v1/no-such-thing").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], 404);
    assert_eq!(body["title"], "No such resource", "the type's own title, as its page gives it");
    // Every GET answers HEAD, with the headers and without the body.
    for path in ["/healthz", "/staff/sign-in", "/shop", "/api/v1/openapi.json", "/api/v1/problems"] {
        let res = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "HEAD {path}");
        assert!(res.headers().contains_key("content-type"), "HEAD {path}");
        assert!(res.bytes().await.unwrap().is_empty(), "HEAD {path} has no body");
    }
    let res = app.client.delete(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!((res.status(), res.headers()["allow"].to_str().unwrap()), (StatusCode::METHOD_NOT_ALLOWED, "GET, HEAD"));
    // Another version, or /api itself, is not found in the API's own words too.
    for path in ["/api/v2/orders", "/api/", "/api"] {
        let res = app.get(path).await;
        assert_eq!((res.status(), res.headers()["content-type"].to_str().unwrap().to_owned()), (StatusCode::NOT_FOUND, "application/problem+json".to_owned()), "{path}");
        assert_eq!(res.json::<serde_json::Value>().await.unwrap()["type"], "/api/v1/problems/not-found", "{path}");
    }
    let page = app.get("/api/v1/problems/not-found").await.text().await.unwrap();
    assert!(page.contains("No such resource"), "{page}");
}

async fn every_response_carries_the_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/staff/sign-in", "/no/such/page", "/api/v1/x", "/static/app.css", "/healthz"] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h.get("content-security-policy").unwrap_or_else(|| panic!("CSP on {path}")).to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(h.contains_key("x-request-id"), "{path}");
    }
}

async fn malformed_and_oversized_forms_get_a_clear_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.csrf("/staff/sign-in").await;
    // Not a form at all.
    let res = app.client.post(app.url("/staff/sign-in")).body("%%%\u{0}").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A form far over the size limit.
    let huge = "x".repeat(2 * 1024 * 1024);
    let res = app.post_form("/staff/sign-in", &[("csrf_token", &token), ("email", &huge)]).await;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    // Invalid UTF-8 and odd encodings never crash the server.
    let res = app
        .client
        .post(app.url("/staff/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={token}&email=%FF%FE&password=%"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error() || res.status() == StatusCode::UNAUTHORIZED, "{}", res.status());
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

/// A problem's `type` is an address that says, to a person, what it means and what to do
/// (RFC 9457 § 3.1.1), for every type the API answers with.
#[tokio::test]
async fn every_problem_type_is_an_address_that_explains_it() {
    let app = spawn_app(Backend::Sqlite).await;
    // A real answer's type, followed without a token.
    let problem: serde_json::Value = app.get("/api/v1/work-orders").await.json().await.unwrap();
    let res = app.get(problem["type"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "h1"), vec!["No valid token"]);
    assert_eq!(select(&html, "section h2 .muted"), vec!["401"]);

    // Every type: those each error answers with (the document lists them) and every
    // refusal the code makes by name.
    let doc: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let listed = doc["components"]["schemas"]["Problem"]["properties"]["type"]["description"].as_str().expect("the types listed");
    let mut slugs: std::collections::BTreeSet<String> =
        listed.split(['{', '}']).nth(1).unwrap().split('|').map(str::to_owned).collect();
    let named: std::collections::BTreeSet<String> = project_texts("src")
        .iter()
        .flat_map(|(_, text)| text.split("Unprocessable(\"").skip(1).filter_map(|s| s.split('"').next()).map(str::to_owned).collect::<Vec<_>>())
        .collect();
    assert!(named.contains("invalid-address"), "{named:?}");
    let undocumented: Vec<_> = named.difference(&slugs).collect();
    assert!(undocumented.is_empty(), "refused by name but not listed in the document: {undocumented:?}");
    slugs.extend(named);
    let (_, all) = app.get_html("/api/v1/problems").await;
    for slug in &slugs {
        let (status, html) = app.get_html(&format!("/api/v1/problems/{slug}")).await;
        assert_eq!(status, StatusCode::OK, "{slug}");
        assert_eq!(select(&html, "section").len(), 1, "{slug}");
        assert!(!select(&all, &format!("section#{slug}")).is_empty(), "{slug} on the list");
    }
    assert_eq!(select(&all, "section").len(), slugs.len(), "no type listed that is never answered");

    let res = app.get("/api/v1/problems/no-such-problem").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}
