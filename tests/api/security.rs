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
    // The page it goes to says so, once.
    let said = |html: Html| select(&html, "#saved-notice");
    assert_eq!(said(app.get_html("/staff").await.1), vec!["Your password is changed. You stay signed in here; everywhere else you were signed out."]);
    assert!(said(app.get_html("/staff").await.1).is_empty());

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
    assert_eq!(stranger.shop_form("/shop/forgot", "/shop/forgot", &[("email", "eve@example.com")]).await.status(), StatusCode::SEE_OTHER);
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

/// The server binary on the test's SQLite file, logging at debug level into `log`, once it is
/// ready.
async fn serve_logging(app: &TestApp, log: &std::path::Path) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = std::fs::File::create(log).unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_atelier"))
        .arg("serve")
        .env("DATABASE_URL", &app.settings.database.url)
        .env("ATELIER_ADDR", format!("127.0.0.1:{port}"))
        .env("ATELIER_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("ATELIER_SEED_DEMO", "false")
        .env("ATELIER_WORKERS", "1")
        .env("ATELIER_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
        .env("ATELIER_WEBHOOK_RETRY_SCHEDULE", "0,1,1")
        .env("RUST_LOG", "debug")
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("start the server");
    let address = format!("http://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !reqwest::get(format!("{address}/readyz")).await.is_ok_and(|r| r.status() == StatusCode::OK) {
        assert!(std::time::Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (child, address)
}

/// Every secret a run makes (passwords, one-time passwords, session ids, reset links, tokens,
/// keys, signing secrets, claim codes) is kept out of the server's logs, even at debug level;
/// so is an erased customer's name and email.
#[tokio::test]
async fn no_secret_reaches_the_logs() {
    let app = crate::bridge::with_demo_catalogs(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let (mut child, address) = serve_logging(&app, &log).await;
    let server = app.on_server(address);
    let mut secrets: Vec<String> = vec![PASSWORD.into(), CUSTOMER_PASSWORD.into()];

    // A staff member's one-time password, replaced at first sign-in.
    let otp = atelier::accounts::one_time_password();
    atelier::accounts::reset_password_blocking(&app.db, MANAGER_NORTH, &otp).unwrap();
    let res = server.sign_in(MANAGER_NORTH, &otp).await;
    assert_eq!(location(&res), "/staff/password");
    secrets.push(session_cookie(res.headers()).unwrap().split_once('=').unwrap().1.to_owned());
    let chosen = "a manager's own new passphrase";
    let token = server.csrf("/staff/password").await;
    secrets.extend([otp.clone(), chosen.into(), token.clone()]);
    let res = server.post_form("/staff/password", &[("csrf_token", &token), ("current", &otp), ("new_password", chosen), ("confirm", chosen)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let guess = "a wrong guess at the password";
    secrets.push(guess.into());
    assert_eq!(server.browser().sign_in(MANAGER_NORTH, guess).await.status(), StatusCode::UNAUTHORIZED);

    // A factory's API token and webhook signing secret, used; a channel's key, used.
    let receiver = crate::bridge::TestFactory::start(crate::bridge::Mode::Accept);
    let factory = server.register_factory("LOGS", Some(&receiver)).await;
    let secret = factory.secret.clone().expect("a signing secret");
    let http = reqwest::Client::new();
    assert_eq!(http.get(server.url("/api/v1/work-orders")).bearer_auth(&factory.token).send().await.unwrap().status(), StatusCode::OK);
    let key = server.add_channel("logs").await;
    assert_eq!(http.get(server.url("/api/v1/catalog")).bearer_auth(&key).send().await.unwrap().status(), StatusCode::OK);
    // A wrong token is refused, and not logged either.
    let wrong_token = "atf_not_a_real_token_0123456789";
    assert_eq!(http.get(server.url("/api/v1/work-orders")).bearer_auth(wrong_token).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    secrets.extend([factory.token.clone(), secret, key, wrong_token.into()]);

    // A claim code, claimed with a password; a reset link, used.
    let fitter = server.browser();
    fitter.sign_in_as(FITTER_NORTH).await;
    let id = fitter.enroll("Lou Logs", "lou@example.com", "").await;
    let res = fitter.post_on_customer(id, "claim-code", &[]).await;
    let code = select(&Html::parse_document(&res.text().await.unwrap()), "#claim-code").remove(0);
    secrets.push(code.clone());
    let shopper = server.browser();
    let res = shopper
        .shop_form("/shop/claim", "/shop/claim", &[("code", &code), ("email", "lou@example.com"), ("password", CUSTOMER_PASSWORD), ("confirmation", CUSTOMER_PASSWORD)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "claimed");
    secrets.push(session_cookie(res.headers()).unwrap().split_once('=').unwrap().1.to_owned());
    assert_eq!(shopper.shop_form("/shop/forgot", "/shop/forgot", &[("email", "lou@example.com")]).await.status(), StatusCode::SEE_OTHER);
    let mail = app
        .db
        .read(|c| Ok::<_, atelier::store::StoreError>(atelier::store::mail_outbox::latest_to(c, "lou@example.com")?))
        .await
        .unwrap()
        .unwrap();
    let path = mail.body[mail.body.find("/shop/reset/").unwrap()..].split_whitespace().next().unwrap().to_owned();
    secrets.push(path.trim_start_matches("/shop/reset/").to_owned());
    assert_eq!(shopper.get(&path).await.status(), StatusCode::OK);
    let renewed = "the password after the reset";
    secrets.push(renewed.into());
    let res = shopper.shop_form(&path, &path, &[("password", renewed), ("confirmation", renewed)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "password reset");

    // A customer searched for and erased: the marker in their name and email is not logged.
    let marker = format!("Qzl{}", &hex::encode(rand::random::<[u8; 4]>())[..7]);
    let admin = server.browser();
    admin.sign_in_as(ADMIN).await;
    let erased = admin.enroll(&format!("Mia {marker}"), &format!("{}@example.com", marker.to_lowercase()), "").await;
    assert_eq!(admin.get(&format!("/staff/customers?q={marker}")).await.status(), StatusCode::OK);
    let reference = app.db.read(move |c| Ok::<_, atelier::store::StoreError>(atelier::store::customers::find(c, erased)?)).await.unwrap().unwrap().reference;
    assert_eq!(admin.post_on_customer(erased, "erase", &[("confirm", &reference)]).await.status(), StatusCode::SEE_OTHER);
    secrets.push(marker.to_lowercase());

    child.kill().unwrap();
    child.wait().unwrap();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("staff signed in") && logged.contains("customer erased") && logged.contains("DEBUG"), "the log was captured at debug level:\n{logged}");
    let logged = logged.to_lowercase();
    for secret in &secrets {
        assert!(secret.len() >= 8, "{secret}");
        if let Some(at) = logged.find(secret.to_lowercase().as_str()) {
            let line = logged[..at].rsplit('\n').next().unwrap_or_default().to_owned() + &logged[at..].lines().next().unwrap_or_default();
            panic!("a secret is in the log: {secret}\n{line}");
        }
    }
}

/// A request the server cannot read (a header line without a colon, as a fuzzer sends) is
/// answered 400 and logged as a warning: actix-http logged it at ERROR, an operator's alert
/// for every malformed request.
#[tokio::test]
async fn a_request_that_cannot_be_read_is_a_warning_not_an_error() {
    use std::io::{Read, Write};
    let app = spawn_app(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let (mut child, address) = serve_logging(&app, &log).await;
    let host = address.trim_start_matches("http://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let mut socket = std::net::TcpStream::connect(&host).unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        socket.write_all(b"GET /shop HTTP/1.1\r\nHost: x\r\nthis is no header\r\n\r\n").unwrap();
        let mut answer = String::new();
        let _ = socket.read_to_string(&mut answer);
        answer
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // Logged after the answer went out: wait for the line rather than for a fixed time.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&log).unwrap().contains("a request could not be read") {
        assert!(std::time::Instant::now() < deadline, "not logged:\n{}", std::fs::read_to_string(&log).unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let logged = std::fs::read_to_string(&log).unwrap();
    let line = logged.lines().find(|l| l.contains("a request could not be read")).unwrap();
    assert!(line.contains("WARN") && line.contains("and was refused: request parse error"), "{line}");
    assert!(!logged.lines().any(|l| l.contains("ERROR")), "{logged}");
    // Written to a file, the log has no colour codes in it.
    assert!(!logged.contains('\u{1b}'), "{line}");
}

on_both_backends!(a_name_with_markup_is_shown_as_text_everywhere);

/// A customer called `<script>alert(1)</script>`, with markup in their address and notes too,
/// is shown as text on every page that names them: staff and shop pages, search results, the
/// timeline, orders and the job ticket.
async fn a_name_with_markup_is_shown_as_text_everywhere(backend: Backend) {
    const NAME: &str = "<script>alert(1)</script>";
    let app = crate::bridge::with_demo_catalogs(backend).await;
    app.register_factory("WORKS", None).await;
    app.signed_up(NAME, "xss@example.com").await;
    app.measure_myself().await;
    let fields = app.checkout("cycling_jersey", &crate::shop_helpers::JERSEY).await;
    let res = app.place(&fields, &[("delivery", "address"), ("address_name", "Mei"), ("address_line1", "<img src=x onerror=alert(2)>"), ("address_postal_code", "1"), ("address_city", "X"), ("address_country", "Y")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "order placed");
    let shop_order = location(&res);

    let (customer_id, order_id, wo_id) = app
        .db
        .read(|c| -> Result<_, atelier::store::StoreError> {
            let account = atelier::store::customer_accounts::find_by_email(c, "xss@example.com")?.unwrap();
            let order = atelier::store::orders::for_customer(c, account.customer_id)?.remove(0);
            let wo = atelier::store::orders::work_orders_of_order(c, order.id)?.remove(0);
            Ok((account.customer_id, order.id, wo.id))
        })
        .await
        .unwrap();
    let staff = app.browser();
    staff.sign_in_as(ADMIN).await;
    let res = staff.post_on_customer(customer_id, "contacts", &[("kind", "call"), ("summary", "<b onmouseover=alert(3)>called</b>")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let reference = app.db.read(move |c| Ok::<_, atelier::store::StoreError>(atelier::store::customers::find(c, customer_id)?)).await.unwrap().unwrap().reference;
    let pages: Vec<(&TestApp, String, bool)> = vec![
        (&staff, format!("/staff/customers?q={reference}"), true),
        (&staff, format!("/staff/customers/{customer_id}"), true),
        (&staff, format!("/staff/customers/{customer_id}/measurements"), true),
        (&staff, format!("/staff/orders/{order_id}"), true),
        // The ticket names the customer by reference only; the address is on it.
        (&staff, format!("/staff/work-orders/{wo_id}/ticket"), false),
        (&staff, "/staff/work-orders".into(), false),
        (&app, "/shop".into(), true),
        (&app, "/shop/account".into(), true),
        (&app, "/shop/orders".into(), false),
        (&app, shop_order.clone(), false),
    ];
    for (who, path, names_them) in pages {
        let res = who.get(&path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let body = res.text().await.unwrap();
        for raw in [NAME, "<img src=x", "<b onmouseover"] {
            assert!(!body.contains(raw), "{path} has {raw} unescaped");
        }
        // Parsed as a browser would: the markup is text, never an element.
        let html = Html::parse_document(&body);
        assert!(select(&html, "script").iter().all(|s| !s.contains("alert")), "{path} runs a script");
        assert!(attr(&html, "img[onerror]", "onerror").is_none() && attr(&html, "[onmouseover]", "onmouseover").is_none(), "{path}");
        if names_them {
            assert!(select(&html, "body").concat().contains(NAME), "{path} shows the name as text");
        }
    }
    // The address, as text, on the ticket that shows it.
    let (_, html) = staff.get_html(&format!("/staff/work-orders/{wo_id}/ticket")).await;
    assert!(select(&html, "body").concat().contains("<img src=x onerror=alert(2)>"), "the address is shown as text");
}

on_both_backends!(a_shop_sign_in_issues_a_new_session_id);

async fn a_shop_sign_in_issues_a_new_session_id(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_up("Nico New", "nico@example.com").await;
    let visitor = app.browser();
    let before = session_cookie(visitor.get("/shop/sign-in").await.headers()).expect("a session for the form's CSRF token");
    let res = visitor.shop_sign_in("nico@example.com", CUSTOMER_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let after = session_cookie(res.headers()).expect("a new session cookie at sign-in");
    assert_ne!(before, after);
    // The id from before signing in does not sign anyone in.
    let replay = app.with_cookie(&before).get(app.url("/shop/account")).send().await.unwrap();
    assert!(location(&replay).starts_with("/shop/sign-in"), "{}", location(&replay));
}

on_both_backends!(disabling_a_staff_account_deletes_its_sessions_on_the_server);

async fn disabling_a_staff_account_deletes_its_sessions_on_the_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let tablet = app.browser();
    tablet.sign_in_as(FITTER_NORTH).await;
    let res = app.sign_in(FITTER_NORTH, PASSWORD).await;
    let cookie = session_cookie(res.headers()).unwrap();
    let sessions_of = |db: atelier::store::Db| async move {
        db.read(|c| -> Result<i64, atelier::store::StoreError> {
            use atelier::store::schema::sessions::dsl::*;
            use diesel::prelude::*;
            let id = atelier::store::staff::find_by_email(c, FITTER_NORTH)?.unwrap().id;
            Ok(sessions.filter(staff_id.eq(id)).count().get_result(c)?)
        })
        .await
        .unwrap()
    };
    assert_eq!(sessions_of(app.db.clone()).await, 2, "two devices signed in");
    app.db
        .write(|c| -> Result<_, atelier::store::StoreError> {
            let id = atelier::store::staff::find_by_email(c, FITTER_NORTH)?.unwrap().id;
            atelier::store::staff::set_active(c, id, false)?;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(sessions_of(app.db.clone()).await, 0, "every session row is gone at once");
    for res in [tablet.get("/staff").await, app.with_cookie(&cookie).get(app.url("/staff")).send().await.unwrap()] {
        assert!(location(&res).starts_with("/staff/sign-in"), "{}", location(&res));
    }
}
