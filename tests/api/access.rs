use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    a_fitter_cannot_reach_another_stores_pages,
    a_manager_cannot_reach_another_stores_pages,
    an_administrator_sees_every_store,
    staff_pages_need_a_sign_in,
    a_post_without_a_valid_csrf_token_is_refused,
);

async fn a_fitter_cannot_reach_another_stores_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let (status, html) = app.get_html(&format!("/staff/stores/{}", app.north)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&html, "#store-name"), vec!["North Store"]);

    let (status, html) = app.get_html(&format!("/staff/stores/{}", app.south)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(select(&html, "h1"), vec!["No access"]);
    assert!(select(&html, "body").concat().find("South Store").is_none());
}

async fn a_manager_cannot_reach_another_stores_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(MANAGER_NORTH).await;
    assert_eq!(app.get(&format!("/staff/stores/{}", app.north)).await.status(), StatusCode::OK);
    assert_eq!(app.get(&format!("/staff/stores/{}", app.south)).await.status(), StatusCode::FORBIDDEN);
}

async fn an_administrator_sees_every_store(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(ADMIN).await;
    let (_, html) = app.get_html("/staff").await;
    assert_eq!(select(&html, "#all-stores li a"), vec!["North Store", "South Store"]);
    let (status, html) = app.get_html(&format!("/staff/stores/{}", app.south)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&html, "#team tbody td:first-child"), vec!["Sara Fitter"]);
    assert_eq!(app.get("/staff/stores/999999").await.status(), StatusCode::NOT_FOUND);
}

async fn staff_pages_need_a_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let path = format!("/staff/stores/{}", app.north);
    let res = app.get(&path).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/staff/sign-in?next=%2Fstaff%2Fstores%2F{}", app.north));

    // After signing in from there, one lands where one wanted to go.
    let token = app.csrf(&location(&res)).await;
    let res = app
        .post_form("/staff/sign-in", &[("csrf_token", &token), ("email", FITTER_NORTH), ("password", PASSWORD), ("next", &path)])
        .await;
    assert_eq!(location(&res), path);

    // ... but never to another site.
    let other = app.in_another_browser();
    let token = other.csrf("/staff/sign-in").await;
    let res = other
        .post_form(
            "/staff/sign-in",
            &[("csrf_token", &token), ("email", FITTER_NORTH), ("password", PASSWORD), ("next", "//evil.example/")],
        )
        .await;
    assert_eq!(location(&res), "/staff");
}

async fn a_post_without_a_valid_csrf_token_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    // Load the form so that the session has a token, then send none, or a wrong one.
    app.csrf("/staff/sign-in").await;
    let res = app.post_form("/staff/sign-in", &[("email", FITTER_NORTH), ("password", PASSWORD)]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "h1"), vec!["Not allowed"]);

    let res = app
        .post_form("/staff/sign-in", &[("csrf_token", "forged"), ("email", FITTER_NORTH), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Signed in, a forged sign-out does nothing.
    app.sign_in_as(FITTER_NORTH).await;
    let res = app.post_form("/staff/sign-out", &[("csrf_token", "forged")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/staff").await.status(), StatusCode::OK);

    // A token from another session is no good either.
    let mine = app.csrf("/staff").await;
    let stranger = app.in_another_browser();
    stranger.csrf("/staff/sign-in").await;
    let res = stranger.post_form("/lang", &[("csrf_token", &mine), ("lang", "zh-CN")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
