use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    signing_in_leads_to_the_home_of_ones_store,
    a_wrong_password_shows_a_message_and_keeps_the_typed_email,
    empty_fields_are_named_at_the_field,
    repeated_failures_lock_the_account_for_a_while,
    repeated_failures_from_one_address_are_throttled,
    a_one_time_password_must_be_replaced_before_anything_else,
    a_new_password_that_is_too_short_is_refused_at_the_field,
);

async fn signing_in_leads_to_the_home_of_ones_store(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.sign_in(FITTER_NORTH, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/staff");

    let (status, html) = app.get_html("/staff").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&html, "h1"), vec!["Welcome, Finn Fitter"]);
    assert_eq!(select(&html, "#my-store h2"), vec!["North Store"]);
    assert!(select(&html, "#all-stores").is_empty(), "only an administrator sees all stores");
}

async fn a_wrong_password_shows_a_message_and_keeps_the_typed_email(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.sign_in("  Fitter.North@Chain.example", "not the password").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(
        select(&html, ".form-error"),
        vec!["The email or password is not right. Check both and try again."]
    );
    assert_eq!(attr(&html, "input#email", "value").as_deref(), Some("Fitter.North@Chain.example"));
    assert_eq!(attr(&html, "input#password", "value"), None, "a password is never sent back");

    // An unknown account gets the same answer: nobody learns which emails exist.
    let res = app.sign_in("nobody@chain.example", "whatever it is").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, ".form-error"), vec!["The email or password is not right. Check both and try again."]);
}

async fn empty_fields_are_named_at_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.sign_in("", "").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#email-error"), vec!["Enter your email address."]);
    assert_eq!(select(&html, "#password-error"), vec!["Enter your password."]);
}

async fn repeated_failures_lock_the_account_for_a_while(backend: Backend) {
    let app = spawn_app(backend).await;
    for _ in 0..atelier::accounts::MAX_FAILURES_PER_ACCOUNT {
        let res = app.sign_in(FITTER_NORTH, "wrong password").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused until the window has passed.
    let res = app.sign_in(FITTER_NORTH, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(
        select(&html, ".form-error"),
        vec!["Too many failed sign-ins. For your security, try again in 15 minutes."]
    );
    assert_eq!(attr(&html, "input#email", "value").as_deref(), Some(FITTER_NORTH));

    // Other accounts are not affected by one account's lock.
    let app2 = app.in_another_browser();
    app2.sign_in_as(FITTER_SOUTH).await;
}

async fn repeated_failures_from_one_address_are_throttled(backend: Backend) {
    let app = spawn_app(backend).await;
    for i in 0..atelier::accounts::MAX_FAILURES_PER_ADDRESS {
        let res = app.sign_in(&format!("guess{i}@chain.example"), "wrong password").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app.sign_in(FITTER_SOUTH, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn a_one_time_password_must_be_replaced_before_anything_else(backend: Backend) {
    let app = spawn_app(backend).await;
    add_staff(&app.db, "new.fitter@chain.example", "Nia New", atelier::domain::staff::Role::Fitter, Some("NORTH"), true);
    let res = app.sign_in("new.fitter@chain.example", PASSWORD).await;
    assert_eq!(location(&res), "/staff/password");

    let res = app.get("/staff").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/staff/password");

    let (_, html) = app.get_html("/staff/password").await;
    assert_eq!(select(&html, "#password-required").len(), 1);
    let token = attr(&html, "input[name=csrf_token]", "value").unwrap();
    let new = "a brand new passphrase";
    let res = app
        .post_form("/staff/password", &[("csrf_token", &token), ("current", PASSWORD), ("new_password", new), ("confirm", new)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/staff");
    let (status, html) = app.get_html("/staff").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&html, "h1"), vec!["Welcome, Nia New"]);

    // The old password no longer works, the new one does.
    let fresh = app.in_another_browser();
    assert_eq!(fresh.sign_in("new.fitter@chain.example", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    fresh.sign_in_as_with("new.fitter@chain.example", new).await;
}

async fn a_new_password_that_is_too_short_is_refused_at_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let token = app.csrf("/staff/password").await;
    let res = app
        .post_form("/staff/password", &[("csrf_token", &token), ("current", PASSWORD), ("new_password", "short"), ("confirm", "short")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#new-error"), vec!["Use at least 12 characters."]);

    let res = app
        .post_form(
            "/staff/password",
            &[("csrf_token", &token), ("current", "not it"), ("new_password", "long enough words"), ("confirm", "long enough wordz")],
        )
        .await;
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#current-error"), vec!["This is not your current password."]);
    assert_eq!(select(&html, "#confirm-error"), vec!["The two new passwords are not the same."]);
}

impl TestApp {
    pub async fn sign_in_as_with(&self, email: &str, password: &str) {
        let res = self.sign_in(email, password).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {email} should succeed");
    }
}
