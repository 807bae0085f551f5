//! Security checks after OWASP ASVS 5.0: session timeouts, cookie flags over TLS, password
//! rules and hashing, sign-in answers that tell nothing, reset links, output escaping.

use std::time::Duration;

use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::*;
use crate::on_both_backends;
use crate::shop_helpers::CUSTOMER_PASSWORD;

on_both_backends!(
    an_unused_session_ends_after_the_idle_time,
    a_session_ends_at_the_absolute_time_however_busy,
    common_passwords_are_refused_at_the_field_and_long_ones_accepted,
    passwords_are_hashed_with_argon2id_at_the_recommended_cost,
    an_unknown_account_and_a_wrong_password_get_the_same_answer,
    shop_sign_ins_are_throttled_per_account,
    a_reset_link_expires,
    signing_out_of_the_shop_ends_the_session_on_the_server,
);

/// The same database, served by another instance with these session timeouts.
fn with_timeouts(app: &TestApp, idle: Duration, absolute: Duration) -> TestApp {
    let mut settings = app.settings.clone();
    settings.sessions = atelier::config::SessionSettings { idle, absolute };
    app.on_server(start(&settings, app.db.clone()))
}

fn signed_in(res: &reqwest::Response) -> bool {
    res.status() == StatusCode::OK
}

async fn an_unused_session_ends_after_the_idle_time(backend: Backend) {
    let app = spawn_app(backend).await;
    let short = with_timeouts(&app, Duration::from_secs(2), Duration::from_secs(3600));
    short.sign_in_as(FITTER_NORTH).await;
    // Used every second, it lives on past the idle time...
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(900)).await;
        assert!(signed_in(&short.get("/staff").await), "a session in use stays");
    }
    // ...left alone for longer than that, it is over, on the server.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let res = short.get("/staff").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/staff/sign-in"), "{}", location(&res));

    // The same for a customer's shop session.
    let shopper = short.browser();
    shopper.signed_up("Ida Idle", "ida@example.com").await;
    assert!(signed_in(&shopper.get("/shop/account").await));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let res = shopper.get("/shop/account").await;
    assert!(location(&res).starts_with("/shop/sign-in"), "{}", location(&res));
}

async fn a_session_ends_at_the_absolute_time_however_busy(backend: Backend) {
    let app = spawn_app(backend).await;
    let short = with_timeouts(&app, Duration::from_secs(2), Duration::from_secs(3));
    short.sign_in_as(FITTER_NORTH).await;
    let started = std::time::Instant::now();
    let mut ended_after = None;
    while started.elapsed() < Duration::from_secs(6) {
        tokio::time::sleep(Duration::from_millis(400)).await;
        if !signed_in(&short.get("/staff").await) {
            ended_after = Some(started.elapsed());
            break;
        }
    }
    let ended_after = ended_after.expect("the session ended although it was in use");
    assert!(ended_after >= Duration::from_millis(2500), "ended too early: {ended_after:?}");
    // Signing in again starts a new session with its own absolute time.
    short.sign_in_as(FITTER_NORTH).await;
    assert!(signed_in(&short.get("/staff").await));
}

#[tokio::test]
async fn over_https_the_session_cookie_is_secure_and_host_prefixed() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut settings = app.settings.clone();
    settings.public_url = "https://atelier.example".into();
    let tls = app.on_server(start(&settings, app.db.clone()));
    let res = tls.get("/staff/sign-in").await;
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("atelier_session="))
        .expect("a session cookie")
        .to_owned();
    assert!(cookie.starts_with("__Host-atelier_session="), "{cookie}");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "a __Host- cookie has no Domain: {cookie}");
}

async fn common_passwords_are_refused_at_the_field_and_long_ones_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let token = app.csrf("/staff/password").await;
    let change = |new: &'static str| {
        let token = token.clone();
        let app = &app;
        async move { app.post_form("/staff/password", &[("csrf_token", &token), ("current", PASSWORD), ("new_password", new), ("confirm", new)]).await }
    };
    let res = change("Qwerty123456").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(
        select(&html, "#new-error"),
        vec!["This password is one of the most commonly used ones, so it is easy to guess. Choose another."]
    );
    let res = change("short").await;
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#new-error"), vec!["Use at least 12 characters."]);
    // 64 characters, and more, are fine.
    let long: &'static str = "sixty-four characters of a passphrase nobody else would ever type";
    assert!(long.chars().count() >= 64);
    assert_eq!(change(long).await.status(), StatusCode::SEE_OTHER);

    // The shop's sign-up says the same at its password field.
    let shop = app.browser();
    let token = shop.csrf("/shop/sign-up").await;
    let res = shop
        .post_form("/shop/sign-up", &[("csrf_token", &token), ("name", "Pat"), ("email", "pat@example.com"), ("password", "1qaz2wsx3edc"), ("confirmation", "1qaz2wsx3edc")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(
        select(&html, "#password-error"),
        vec!["This password is one of the most commonly used ones, so it is easy to guess. Choose another."]
    );
}

async fn passwords_are_hashed_with_argon2id_at_the_recommended_cost(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_up("Hana Hash", "hana@example.com").await;
    let (staff, customer) = app
        .db
        .read(|c| -> Result<_, atelier::store::StoreError> {
            Ok((
                atelier::store::staff::find_by_email(c, FITTER_NORTH)?.unwrap().password_hash,
                atelier::store::customer_accounts::find_by_email(c, "hana@example.com")?.unwrap().password_hash,
            ))
        })
        .await
        .unwrap();
    // OWASP's password storage minimum for argon2id: 19 MiB, 2 passes, 1 lane.
    for hash in [staff, customer] {
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        let salt = hash.split('$').nth(4).unwrap();
        assert!(salt.len() >= 22, "a salt of at least 16 bytes: {hash}");
    }
}

/// A page's body with the one thing that may differ, the email typed back, taken out.
fn without(body: &str, typed: &str) -> String {
    body.replace(typed, "EMAIL")
}

async fn an_unknown_account_and_a_wrong_password_get_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let known = app.sign_in(FITTER_NORTH, "not the password").await;
    let (known_status, known_body) = (known.status(), known.text().await.unwrap());
    let unknown = app.sign_in("nobody.here@chain.example", "not the password").await;
    let (unknown_status, unknown_body) = (unknown.status(), unknown.text().await.unwrap());
    assert_eq!(known_status, StatusCode::UNAUTHORIZED);
    assert_eq!(known_status, unknown_status);
    assert_eq!(without(&known_body, FITTER_NORTH), without(&unknown_body, "nobody.here@chain.example"));

    app.signed_up("Kim Known", "kim@example.com").await;
    let shop = app.browser();
    let known = shop.shop_sign_in("kim@example.com", "not the password").await;
    let (known_status, known_body) = (known.status(), known.text().await.unwrap());
    let unknown = shop.shop_sign_in("nobody@example.com", "not the password").await;
    assert_eq!(known_status, unknown.status());
    assert_eq!(without(&known_body, "kim@example.com"), without(&unknown.text().await.unwrap(), "nobody@example.com"));
}

async fn shop_sign_ins_are_throttled_per_account(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_up("Tom Throttle", "tom@example.com").await;
    let guesser = app.browser();
    for _ in 0..atelier::accounts::MAX_FAILURES_PER_ACCOUNT {
        assert_eq!(guesser.shop_sign_in("tom@example.com", "a wrong guess").await.status(), StatusCode::UNAUTHORIZED);
    }
    // Far below the per-address limit, the account itself is locked: even the right password
    // from another browser waits.
    let owner = app.browser();
    let res = owner.shop_sign_in("tom@example.com", CUSTOMER_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    // An unknown account is locked the same way, so the lock tells nothing either.
    for _ in 0..atelier::accounts::MAX_FAILURES_PER_ACCOUNT {
        guesser.shop_sign_in("ghost@example.com", "a wrong guess").await;
    }
    assert_eq!(guesser.shop_sign_in("ghost@example.com", "a wrong guess").await.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another account is not affected.
    app.signed_up("Una Other", "una@example.com").await;
    assert_eq!(app.browser().shop_sign_in("una@example.com", CUSTOMER_PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

async fn a_reset_link_expires(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_up("Eve Expiry", "eve@example.com").await;
    let stranger = app.browser();
    assert_eq!(stranger.shop_form("/shop/forgot", "/shop/forgot", &[("email", "eve@example.com")]).await.status(), StatusCode::OK);
    let mail = app
        .db
        .read(|c| Ok::<_, atelier::store::StoreError>(atelier::store::mail_outbox::latest_to(c, "eve@example.com")?))
        .await
        .unwrap()
        .unwrap();
    let path = mail.body[mail.body.find("/shop/reset/").unwrap()..].split_whitespace().next().unwrap().to_owned();
    assert_eq!(stranger.get(&path).await.status(), StatusCode::OK, "a fresh link works");
    // An hour and a minute later (the link's time moved back instead of waiting).
    app.db
        .write(|c| -> Result<_, atelier::store::StoreError> {
            use diesel::prelude::*;
            use atelier::store::schema::password_resets::dsl::*;
            diesel::update(password_resets).set(expires_at.eq(atelier::store::now() - chrono::Duration::minutes(1))).execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(stranger.get(&path).await.status(), StatusCode::GONE);
    let token = stranger.csrf("/shop/forgot").await;
    let new = "a new password after expiry";
    let res = stranger.post_form(&path, &[("csrf_token", &token), ("password", new), ("confirmation", new)]).await;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert_eq!(app.browser().shop_sign_in("eve@example.com", new).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.browser().shop_sign_in("eve@example.com", CUSTOMER_PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

async fn signing_out_of_the_shop_ends_the_session_on_the_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.sign_up("Sam Signout", "sam@example.com").await;
    let cookie = session_cookie(res.headers()).expect("a session cookie at sign-up");
    assert_eq!(app.shop_sign_out().await.status(), StatusCode::SEE_OTHER);
    let replay = app.with_cookie(&cookie).get(app.url("/shop/account")).send().await.unwrap();
    assert!(location(&replay).starts_with("/shop/sign-in"), "{}", location(&replay));
}
