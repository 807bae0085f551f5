use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    signing_out_ends_the_session_on_the_server,
    a_new_session_id_is_issued_at_sign_in,
    disabling_an_account_ends_its_sessions_at_once,
    a_restart_does_not_sign_anyone_out,
    the_session_cookie_is_http_only_and_same_site,
    a_session_ended_by_another_process_ends_here_within_the_cache_time,
    a_cookie_the_server_did_not_issue_is_no_session,
);

async fn signing_out_ends_the_session_on_the_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.sign_in(FITTER_NORTH, PASSWORD).await;
    let cookie = session_cookie(res.headers()).expect("a session cookie at sign-in");

    let res = app.sign_out().await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/staff/sign-in?signed_out=1");

    // Replaying the old cookie does not sign anyone in: the session is gone on the server.
    let replay = app.with_cookie(&cookie).get(app.url("/staff")).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::SEE_OTHER);
    assert!(location(&replay).starts_with("/staff/sign-in"));
}

async fn a_new_session_id_is_issued_at_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/staff/sign-in").await;
    let before = session_cookie(res.headers()).expect("the sign-in form starts a session for its CSRF token");
    let res = app.sign_in(FITTER_NORTH, PASSWORD).await;
    let after = session_cookie(res.headers()).expect("a session cookie at sign-in");
    assert_ne!(before, after);
    // The pre-sign-in session id is worthless afterwards.
    let replay = app.with_cookie(&before).get(app.url("/staff")).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::SEE_OTHER);
}

async fn disabling_an_account_ends_its_sessions_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    assert_eq!(app.get("/staff").await.status(), StatusCode::OK);

    let db = app.db.clone();
    db.write(|conn| -> Result<_, atelier::store::StoreError> {
        let staff = atelier::store::staff::find_by_email(conn, FITTER_NORTH)?.unwrap();
        atelier::store::staff::set_active(conn, staff.id, false)?;
        Ok(())
    })
    .await
    .unwrap();

    let res = app.get("/staff").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/staff/sign-in"));
}

async fn a_restart_does_not_sign_anyone_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.sign_in(FITTER_NORTH, PASSWORD).await;
    let cookie = session_cookie(res.headers()).unwrap();

    let again = atelier::store::Db::connect(&app.settings.database).unwrap();
    let second = start(&app.settings, again);
    let res = app.with_cookie(&cookie).get(format!("{second}/staff")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

async fn the_session_cookie_is_http_only_and_same_site(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.sign_in(FITTER_NORTH, PASSWORD).await;
    let set_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("atelier_session="))
        .unwrap()
        .to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    // Served over plain HTTP in the test, so not `Secure`; over https it is.
    assert!(!set_cookie.contains("Secure"), "{set_cookie}");
}

/// Another process (a second instance, the command line) ends a session without this one
/// being told: what this instance keeps in memory is used for at most `ATELIER_CACHE_MS`.
async fn a_session_ended_by_another_process_ends_here_within_the_cache_time(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.cache_ttl = Duration::from_millis(300)).await;
    app.sign_in_as(FITTER_NORTH).await;
    assert_eq!(app.get("/staff").await.status(), StatusCode::OK);
    // Deleted by plain SQL: no store function of this process runs, so nothing here moves.
    app.db
        .read(|c| -> Result<_, atelier::store::StoreError> {
            use diesel::prelude::*;
            diesel::delete(atelier::store::schema::sessions::table).execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let res = app.get("/staff").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/staff/sign-in"), "{}", location(&res));
}

/// The cookie holds the session key itself (not encrypted, see `src/web/session.rs`): what
/// stands between a guesser and a session is the key's 256 random bits and the server's own
/// list of live keys, which holds only their hashes.
async fn a_cookie_the_server_did_not_issue_is_no_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.sign_in(FITTER_NORTH, PASSWORD).await;
    let cookie = session_cookie(res.headers()).unwrap();
    let key = cookie.strip_prefix("atelier_session=").unwrap().to_owned();
    assert_eq!(key.len(), 43, "{key}");
    assert_eq!(app.with_cookie(&cookie).get(format!("{}/staff", app.address)).send().await.unwrap().status(), StatusCode::OK);

    let mut changed = key.clone().into_bytes();
    changed[20] = if changed[20] == b'A' { b'B' } else { b'A' };
    let changed = String::from_utf8(changed).unwrap();
    let guessed = "Zm9yZ2VkLWJ5LWEtZ3Vlc3Nlci0wMDAwMDAwMDAwMDA";
    for forged in [changed.as_str(), guessed, &key[..42], &format!("{key}A"), "%41%42", ""] {
        let res = app.with_cookie(&format!("atelier_session={forged}")).get(format!("{}/staff", app.address)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{forged}");
        assert!(location(&res).starts_with("/staff/sign-in"), "{forged}: {}", location(&res));
    }

    // A forged key is never taken up: a page that stores something (the sign-in form's CSRF
    // token) starts a session under a key of the server's own, and one that stores nothing
    // tells the browser to forget the cookie.
    let forged = format!("atelier_session={guessed}");
    let res = app.with_cookie(&forged).get(format!("{}/staff/sign-in", app.address)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let issued = session_cookie(res.headers()).expect("a new session for the form");
    assert_ne!(issued, forged);
    let res = app.with_cookie(&forged).get(format!("{}/staff", app.address)).send().await.unwrap();
    let removal = res.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find(|c| c.starts_with("atelier_session=;")).map(str::to_owned);
    assert!(removal.as_deref().is_some_and(|c| c.contains("Max-Age=0")), "{removal:?}");

    let stored: Vec<String> = app
        .db
        .read(|c| -> Result<_, atelier::store::StoreError> {
            use diesel::prelude::*;
            Ok(atelier::store::schema::sessions::table.select(atelier::store::schema::sessions::key_hash).load(c)?)
        })
        .await
        .unwrap();
    assert!(!stored.is_empty());
    assert!(stored.iter().all(|h| !h.contains(&key) && !h.contains(guessed)), "the database holds a key itself");
}
