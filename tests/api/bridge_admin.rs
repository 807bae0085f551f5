//! Running the bridge: secret rotation, replaying failed events, an endpoint that fails for
//! days, changes before production, job tickets, and paging and dispatching on PostgreSQL
//! with concurrent transactions.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::bridge::{JerseyOrders, Mode, TestFactory, place_many, verify, with_demo_catalogs};
use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    during_a_secret_rotation_events_carry_both_signatures,
    failed_events_are_replayed_with_their_webhook_ids,
    an_endpoint_failing_for_days_is_disabled_and_the_admins_told,
    a_change_before_production_sends_a_new_revision_and_after_is_refused,
    a_pulling_factory_follows_revisions_and_cancellations,
    factory_settings_are_checked_at_the_field,
    an_order_is_collected_at_another_store_until_it_ships,
    a_revision_the_order_no_longer_fits_is_made_with_the_changes_that_fit,
    a_factory_taking_no_new_work_orders_is_still_sent_and_reads_the_ones_it_has,
);

/// A new measurement set for the order's customer: the same body with a 108 cm chest.
async fn remeasure_with_a_larger_chest(app: &TestApp, order: &str) {
    remeasure(app, order, "84.5").await;
}

/// A new set for the order's customer: a larger chest than at the order, and `inside_leg` cm.
async fn remeasure(app: &TestApp, order: &str, inside_leg: &str) {
    remeasure_as(app, order, &[("m_inside_leg", inside_leg)]).await;
}

/// A new set for the order's customer: [`remeasure`]'s values, but for those `changed`.
async fn remeasure_as(app: &TestApp, order: &str, changed: &[(&str, &str)]) {
    let (_, html) = app.get_html(order).await;
    let customer = attr(&html, ".page-head p.muted a", "href").unwrap();
    let token = app.csrf(&format!("{customer}/measurements/new?unit=metric")).await;
    let mut form = vec![("csrf_token", token.as_str()), ("unit_system", "metric"), ("m_stature", "175.5"), ("m_chest_girth", "108.0"), ("m_waist_girth", "93.7"),
                        ("m_hip_girth", "101.7"), ("m_arm_length", "59.2"), ("m_body_mass", "84.6"), ("m_inside_leg", "84.5"), ("m_shoulder_width", "41.5")];
    for (name, value) in changed {
        form.iter_mut().filter(|(n, _)| n == name).for_each(|f| f.1 = value);
    }
    let res = app.post_form(&format!("{customer}/measurements"), &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{changed:?}");
}

async fn admin(app: &TestApp) -> TestApp {
    let admin = app.browser();
    admin.sign_in_as(ADMIN).await;
    admin
}

async fn during_a_secret_rotation_events_carry_both_signatures(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let factory = TestFactory::start(Mode::Accept);
    let reg = app.register_factory("rotating", Some(&factory)).await;
    let old = reg.secret.clone().unwrap();
    let admin = admin(&app).await;
    let token = admin.csrf(&reg.page).await;
    let res = admin.post_form(&format!("{}/secret", reg.page), &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    let new = select(&html, "#secret").first().cloned().expect("the new secret, shown once");
    assert!(new.starts_with("whsec_") && new != old);
    let (_, page) = admin.get_html(&reg.page).await;
    assert!(select(&page, "#factory-secret p").concat().contains("The previous secret also signs until"));
    // A second rotation (a double click) while the overlap runs is refused: it stopped the
    // secret the factory still used from signing at once.
    let res = admin.post_form(&format!("{}/secret", reg.page), &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert!(select(&html, "#secret").is_empty());
    let said = select(&html, "#rotation-refused").concat();
    assert!(said.starts_with("The previous secret signs until ") && said.contains("rotate again once the overlap has ended, or stop the previous secret now"), "{said}");

    app.sign_in_as(FITTER_NORTH).await;
    app.order_a_jersey("Ana Silva").await;
    let got = factory.wait_for(1, Duration::from_secs(10)).await;
    let r = &got[0];
    let parts: Vec<&str> = r.signature.split(' ').collect();
    assert_eq!(parts.len(), 2, "two signatures during the overlap: {}", r.signature);
    // A receiver holding either secret accepts the event; each signature is its own.
    for secret in [&old, &new] {
        assert!(verify(secret, &r.webhook_id, &r.timestamp, &r.raw, &r.signature));
    }
    assert!(verify(&new, &r.webhook_id, &r.timestamp, &r.raw, parts[0]));
    assert!(verify(&old, &r.webhook_id, &r.timestamp, &r.raw, parts[1]));

    // A leaked secret is not left signing for the rest of the overlap: the refusal offers to
    // stop the previous one now, and a rotation can follow at once.
    assert_eq!(attr(&html, "#end-overlap", "action").as_deref(), Some(format!("{}/secret/previous/end", reg.page).as_str()));
    let res = admin.post_form(&format!("{}/secret/previous/end", reg.page), &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.get_html(&reg.page).await;
    assert_eq!(select(&page, "#factory-notice").concat(), "The previous secret no longer signs. A rotation can follow at once.");
    assert!(!select(&page, "#factory-secret p").concat().contains("also signs") && select(&page, "#end-overlap").is_empty());
    let res = admin.post_form(&format!("{}/secret/previous/end", reg.page), &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.get_html(&reg.page).await;
    assert_eq!(select(&page, "#factory-notice").concat(), "No previous secret was signing: nothing changed.");
    let res = admin.post_form(&format!("{}/secret", reg.page), &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), StatusCode::OK, "a rotation once the overlap was ended");
    let newest = select(&scraper::Html::parse_document(&res.text().await.unwrap()), "#secret").first().cloned().unwrap();
    let res = admin.post_form(&format!("{}/secret/previous/end", reg.page), &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    app.order_a_jersey("Ben Okafor").await;
    let got = factory.wait_for(2, Duration::from_secs(10)).await;
    let r = &got[1];
    assert!(!r.signature.contains(' '), "one signature once the overlap ended: {}", r.signature);
    assert!(verify(&newest, &r.webhook_id, &r.timestamp, &r.raw, &r.signature));
    assert!(!verify(&new, &r.webhook_id, &r.timestamp, &r.raw, &r.signature));
}

async fn failed_events_are_replayed_with_their_webhook_ids(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let factory = TestFactory::start(Mode::Gone);
    let reg = app.register_factory("came-back", Some(&factory)).await;
    app.sign_in_as(FITTER_NORTH).await;
    app.order_a_jersey("Ana Silva").await;
    let admin = admin(&app).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, page) = admin.get_html(&reg.page).await;
        if !select(&page, "#push-disabled").is_empty() {
            assert!(select(&page, "#factory-replay p.muted").concat().contains("1 failed event is waiting"));
            break;
        }
        assert!(Instant::now() < deadline, "the endpoint was not disabled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first_id = factory.received.lock().unwrap()[0].webhook_id.clone();
    // An order placed while pushes are off is held: nothing is tried, no attempt used up.
    app.order_a_jersey("Ben Held").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let attempts = app
        .db
        .read(|c| -> Result<Vec<(i32, Option<chrono::NaiveDateTime>)>, atelier::store::StoreError> {
            use atelier::store::schema::outbox::dsl as ob;
            use diesel::prelude::*;
            let q = ob::outbox.filter(ob::delivered_at.is_null()).filter(ob::gave_up_at.is_null()).select((ob::attempts, ob::gave_up_at));
            Ok(match c {
                atelier::store::DbConn::Sqlite(c) => q.load(c)?,
                atelier::store::DbConn::Postgres(c) => q.load(c)?,
            })
        })
        .await
        .unwrap();
    assert_eq!(attempts, vec![(0, None)], "held, not failed");
    assert_eq!(factory.received.lock().unwrap().len(), 1, "nothing sent while pushes are off");

    // The factory is back: an admin turns pushes on, and what was held goes at once; what
    // failed is replayed.
    factory.set_mode(Mode::Accept);
    let token = admin.csrf(&reg.page).await;
    let res = admin.post_form(&format!("{}/push/enable", reg.page), &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let held = factory.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(held.len(), 1, "the held event, sent when pushes came back on");
    assert_ne!(held[0].webhook_id, first_id);
    let res = admin.post_form(&format!("{}/replay", reg.page), &[("csrf_token", &token), ("since", "last week")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#f-since-error"), vec!["Enter a date and time, e.g. 2026-11-20 08:00."]);
    let res = admin.post_form(&format!("{}/replay", reg.page), &[("csrf_token", &token), ("since", "2000-01-01T00:00")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.get_html(&location(&res)).await;
    assert_eq!(select(&page, "#factory-notice"), vec!["Events to send again, with their original webhook-id: 1."]);
    let got = factory.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].webhook_id, first_id, "the replay keeps the webhook-id");
    assert!(got[1].signature_ok);

    // A creation that failed for good, then the order cancelled once the factory was back: a
    // replay leaves the creation out, which would arrive after the cancellation and read as
    // a new work order; the work order's flag goes.
    factory.set_mode(Mode::FailFirst(usize::MAX));
    let doomed = app.order_a_jersey("Cy Doomed").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, board) = app.get_html("/staff/work-orders?attention=1").await;
        if select(&board, "[data-attention=delivery_failed]").len() == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the creation was not given up on");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    factory.set_mode(Mode::Accept);
    let seen = factory.accepted().len();
    let cancel_token = app.csrf(&doomed).await;
    assert_eq!(app.post_form(&format!("{doomed}/cancel"), &[("csrf_token", &cancel_token)]).await.status(), StatusCode::SEE_OTHER);
    let got = factory.wait_for(seen + 1, Duration::from_secs(10)).await;
    assert_eq!(got[seen].body["type"], "work_order.cancelled");
    let res = admin.post_form(&format!("{}/replay", reg.page), &[("csrf_token", &token), ("since", "2000-01-01T00:00")]).await;
    let (_, page) = admin.get_html(&location(&res)).await;
    assert_eq!(select(&page, "#factory-notice"), vec!["Events to send again, with their original webhook-id: 0. Left out, because a later event of the same work order was delivered and the earlier one would arrive after it: 1."]);
    assert!(select(&admin.get_html(&reg.page).await.1, "#factory-notice").is_empty(), "said once");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(factory.accepted().len(), seen + 1, "no creation after the cancellation");
    let (_, board) = app.get_html("/staff/work-orders?attention=1").await;
    assert!(select(&board, "[data-attention=delivery_failed]").is_empty(), "{:?}", select(&board, "#board tbody tr"));

    // A revoked token stops working at once.
    let (_, page) = admin.get_html(&reg.page).await;
    let revoke = attr(&page, "#factory-tokens form[action$='/revoke']", "action").unwrap();
    let res = admin.post_form(&revoke, &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = reqwest::Client::new().get(app.url("/api/v1/work-orders")).bearer_auth(&reg.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn an_endpoint_failing_for_days_is_disabled_and_the_admins_told(backend: Backend) {
    use diesel::prelude::*;
    let app = with_demo_catalogs(backend).await;
    let factory = TestFactory::start(Mode::FailFirst(usize::MAX));
    let reg = app.register_factory("flaky", Some(&factory)).await;
    // It has been failing for six days already (the limit is five).
    let six_days_ago = atelier::store::now() - chrono::Duration::days(6);
    app.db
        .write(move |c| {
            use atelier::store::schema::factories::dsl::*;
            Ok::<_, atelier::store::StoreError>(diesel::update(factories.filter(code.eq("flaky"))).set(failing_since.eq(Some(six_days_ago))).execute(c)?)
        })
        .await
        .unwrap();
    app.sign_in_as(FITTER_NORTH).await;
    app.order_a_jersey("Ana Silva").await;
    let admin = admin(&app).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let home = loop {
        let (_, home) = admin.get_html("/staff").await;
        if !select(&home, "#notices li").is_empty() {
            break home;
        }
        assert!(Instant::now() < deadline, "the admins were not told");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let notice = select(&home, "#notices li a").concat();
    assert!(notice.starts_with("Factory flaky: every delivery failed since"), "{notice}");
    assert_eq!(attr(&home, "#notices li a", "href").unwrap(), reg.page);
    let (_, page) = admin.get_html(&reg.page).await;
    assert!(select(&page, "#push-disabled p").concat().contains("every delivery failed since"));
    let calls = factory.received.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(factory.received.lock().unwrap().len(), calls, "no more attempts to a disabled endpoint");
    // The work order is still there to pull.
    let claimed: Value = reqwest::Client::new()
        .post(app.url("/api/v1/work-orders/claim"))
        .bearer_auth(&reg.token)
        .json(&serde_json::json!({"limit": 5, "lease_seconds": 30}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(claimed["items"].as_array().unwrap().len(), 1);
    // Fitters do not see the notices; dismissing one clears it.
    let (_, fitter_home) = app.get_html("/staff").await;
    assert!(select(&fitter_home, "#notices").is_empty());
    let dismiss = attr(&home, "#notices form", "action").unwrap();
    let token = attr(&home, "#notices input[name=csrf_token]", "value").unwrap();
    assert_eq!(admin.post_form(&dismiss, &[("csrf_token", &token)]).await.status(), StatusCode::SEE_OTHER);
    let (_, home) = admin.get_html("/staff").await;
    assert!(select(&home, "#notices").is_empty());
}

async fn a_change_before_production_sends_a_new_revision_and_after_is_refused(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let factory = TestFactory::start(Mode::Accept);
    let reg = app.register_factory("north-sewing", Some(&factory)).await;
    app.sign_in_as(FITTER_NORTH).await;
    let order = app.order_a_jersey("Ana Silva").await;
    factory.wait_for(1, Duration::from_secs(10)).await;

    // A re-measurement: a new set with a larger chest.
    remeasure_with_a_larger_chest(&app, &order).await;
    let (_, html) = app.get_html(&order).await;
    let sets: Vec<String> = html.select(&scraper::Selector::parse("#measurement-set option").unwrap()).filter_map(|o| o.value().attr("value").map(str::to_owned)).collect();
    assert_eq!(sets.len(), 2);
    // Each set says what sets it apart from the one in use.
    let labels = select(&html, "#measurement-set option");
    assert!(labels[0].ends_with(" · Chest / bust girth 108.0 cm") && labels[1].ends_with(" · in use"), "{labels:?}");
    let token = attr(&html, "#revise input[name=csrf_token]", "value").unwrap();
    let res = app.post_form(&format!("{order}/revise"), &[("csrf_token", &token), ("measurement_set", &sets[0])]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The page it goes back to says what was done, once.
    let (_, revised) = app.get_html(&location(&res)).await;
    assert_eq!(select(&revised, "#saved-notice"), vec!["Revised with the measurements chosen. Each factory is sent the new revision; it is listed under its work order below."]);
    assert!(select(&html, "#saved-notice").is_empty());
    assert!(select(&app.get_html(&location(&res)).await.1, "#saved-notice").is_empty(), "said once: not on a reload");
    let got = factory.wait_for(2, Duration::from_secs(10)).await;
    let updated = &got[1].body;
    assert_eq!(updated["type"], "work_order.updated");
    assert_eq!(updated["data"]["revision"], 2);
    assert_eq!(updated["data"]["measurements"]["chest_girth"], 1080);
    assert_eq!(got[0].body["data"]["id"], updated["data"]["id"], "the same work order, revised");
    let (_, html) = app.get_html(&order).await;
    assert_eq!(select(&html, ".wo-revision"), vec!["revision 2"]);
    // The history names who revised it, in words rather than `staff:ID` and "Queued → Queued".
    let history = select(&html, ".wo-events li");
    // and what the revision changed: the chest, and the pattern measurement cut from it.
    let revised = history.iter().find(|e| e.contains("Finn Fitter revision 2")).unwrap_or_else(|| panic!("{history:?}"));
    assert!(revised.contains("→ Sent Finn Fitter revision 2: ") || revised.contains("→ Queued Finn Fitter revision 2: "), "{revised}");
    assert_eq!(revised.split("revision 2: ").nth(1), Some("Chest / bust girth 105.6 → 108.0 cm; Pattern chest (body + ease) 1056 → 1080 mm; Garment size L → XL"), "{revised}");
    assert!(history.iter().any(|e| e.ends_with("→ Queued  order placed")), "{history:?}");
    // The same measurements again change nothing, and say so.
    let res = app.post_form(&format!("{order}/revise"), &[("csrf_token", &token), ("measurement_set", &sets[0])]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let same = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&same, "#revise-error p"), vec!["The order already uses these measurements: nothing was sent to the factory."]);
    assert!(select(&same, "#order-error").is_empty(), "said at the form, not above the page");
    assert_eq!(select(&same, ".wo-revision"), vec!["revision 2"]);
    // A set that differs only in what the jersey does not read (the inside leg) sends nothing
    // either: the factory would get the same work order again.
    remeasure(&app, &order, "86.0").await;
    let (_, html) = app.get_html(&order).await;
    let newest = attr(&html, "#measurement-set option", "value").unwrap();
    let res = app.post_form(&format!("{order}/revise"), &[("csrf_token", &token), ("measurement_set", &newest)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let same = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&same, "#revise-error p"), vec!["None of the measurements this product uses changed: nothing was sent to the factory."]);
    assert_eq!(select(&same, ".wo-revision"), vec!["revision 2"]);
    // The set tried is still the one chosen, not the order's own again.
    assert_eq!(attr(&same, "#measurement-set option[selected]", "value").as_deref(), Some(newest.as_str()));
    assert_eq!(attr(&same, "#measurement-set", "aria-describedby").as_deref(), Some("revise-error"));
    // A set the order no longer fits (a chest below the smallest jersey) is refused at the
    // form, saying why, with that set still chosen.
    remeasure_as(&app, &order, &[("m_chest_girth", "86.0"), ("m_waist_girth", "80.0"), ("m_body_mass", "70.0")]).await;
    let (_, html) = app.get_html(&order).await;
    let narrow = attr(&html, "#measurement-set option", "value").unwrap();
    let res = app.post_form(&format!("{order}/revise"), &[("csrf_token", &token), ("measurement_set", &narrow)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&refused, "#revise-error p"), vec!["The order does not fit these measurements:"]);
    let why = select(&refused, "#revise-error #violations li");
    assert!(why.iter().any(|w| w.contains("86")), "{why:?}");
    assert_eq!(attr(&refused, "#measurement-set option[selected]", "value").as_deref(), Some(narrow.as_str()));
    assert_eq!(select(&refused, ".wo-revision"), vec!["revision 2"]);

    // The printable job ticket carries the revision, the choices and a QR code of its id.
    let ticket = attr(&html, ".work-order a[href$='/ticket']", "href").unwrap();
    let (status, t) = app.get_html(&ticket).await;
    assert_eq!(status, StatusCode::OK);
    let wo_id = updated["data"]["id"].as_i64().unwrap();
    assert_eq!(select(&t, "#ticket-qr figcaption"), vec![format!("WO-{wo_id}")]);
    assert_eq!(t.select(&scraper::Selector::parse("#ticket-qr svg path").unwrap()).count(), 1);
    let text = select(&t, "#ticket").concat();
    assert!(text.contains("revision 2") && text.contains("ANA") && text.contains("108") && text.contains("Club"), "{text}");
    // Measurements by name and as people write them, not `chest girth 1080`.
    assert!(text.contains("Chest / bust girth") && text.contains("108.0 cm"), "{text}");
    // In Chinese, the catalog's own words (the ticket was English but for its frame).
    let token = app.csrf("/staff").await;
    app.post_form("/lang", &[("csrf_token", &token), ("lang", "zh-CN"), ("next", "/staff")]).await;
    let (_, t) = app.get_html(&ticket).await;
    let text = select(&t, "#ticket").concat();
    assert!(text.contains("版型") && text.contains("男款") && !text.contains("Men's"), "{text}");
    app.post_form("/lang", &[("csrf_token", &app.csrf("/staff").await), ("lang", "en"), ("next", "/staff")]).await;
    // Another store's fitter may not print it.
    let south = app.browser();
    south.sign_in_as(FITTER_SOUTH).await;
    assert_eq!(south.get(&ticket).await.status(), StatusCode::FORBIDDEN);
    // It reads the order (its customer is the chain's) without the buttons it may not use.
    let (status, html) = south.get_html(&order).await;
    assert_eq!(status, StatusCode::OK);
    assert!(select(&html, "#cancel-order").is_empty() && select(&html, "#revise").is_empty());
    assert!(attr(&html, ".work-order a[href$='/ticket']", "href").is_none(), "no link to a ticket they may not print");

    // Once production has started, a change is refused with the reason.
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/work-orders/{wo_id}/events")))
        .bearer_auth(&reg.token)
        .header("idempotency-key", "go")
        .json(&serde_json::json!({"status": "in_production"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.post_form(&format!("{order}/revise"), &[("csrf_token", &token), ("measurement_set", &sets[1])]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#order-error"), vec!["This order cannot be changed any more: production has started."]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(factory.accepted().len(), 2, "nothing more was sent");
}

async fn factory_settings_are_checked_at_the_field(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let reg = app.register_factory("settings", None).await;
    let admin = admin(&app).await;
    let token = admin.csrf(&reg.page).await;
    let res = admin
        .post_form(
            &reg.page,
            &[("csrf_token", &token), ("name", "Settings Ltd"), ("families", "bicycle"), ("push_url", "ftp://x"), ("lead_time_days", "10"),
              ("weekly_capacity", "many"), ("cannot_build", "brakes=disc, bad code!"), ("enabled", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#f-push_url-error"), vec!["Use an http:// or https:// address."]);
    assert_eq!(select(&html, "#f-weekly_capacity-error"), vec!["Enter a whole number of work orders, 0 for no limit."]);
    assert_eq!(select(&html, "#f-cannot_build-error"), vec!["Use option codes, or option=value, separated by commas."]);
    assert_eq!(attr(&html, "#f-name", "value").as_deref(), Some("Settings Ltd"), "what was typed is kept");

    // Saved: it no longer builds apparel, so a jersey finds no factory.
    let res = admin
        .post_form(
            &reg.page,
            &[("csrf_token", &token), ("name", "Settings Ltd"), ("families", "bicycle"), ("push_url", ""), ("lead_time_days", "10"),
              ("weekly_capacity", "5"), ("cannot_build", "brakes=rim"), ("enabled", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.get_html(&location(&res)).await;
    assert_eq!(select(&page, "#factory-notice"), vec!["Saved."]);
    assert_eq!(attr(&page, "#f-weekly_capacity", "value").as_deref(), Some("5"));
    let db = app.db.clone();
    let refused = tokio::task::spawn_blocking(move || {
        let jerseys = JerseyOrders::prepare(&db);
        db.write_blocking(|c| jerseys.place(c, "no-factory")).err().map(|e| e.to_string())
    })
    .await
    .unwrap();
    assert_eq!(refused.as_deref(), Some("no factory builds apparel products"));
}

#[tokio::test]
async fn an_allowlist_keeps_push_destinations_to_its_hosts() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut settings = app.settings.clone();
    settings.dispatcher.allowed_hosts = vec!["factory.example".into()];
    let restricted = app.on_server(start(&settings, app.db.clone()));
    restricted.sign_in_as(ADMIN).await;
    let token = restricted.csrf("/staff/factories").await;
    let form = |url: &'static str| {
        [("csrf_token", token.clone()), ("name", "Far".into()), ("code", "far".into()), ("families", "bicycle".into()), ("push_url", url.into()), ("lead_time_days", "10".into())]
    };
    let res = restricted.client.post(restricted.url("/staff/factories")).form(&form("http://127.0.0.1:9/hooks")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#f-push_url-error"), vec!["This host is not on the allowed list of push destinations."]);
    let res = restricted.client.post(restricted.url("/staff/factories")).form(&form("https://factory.example/hooks")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

/// On PostgreSQL sequence values commit out of order: a work order with a smaller id can
/// become visible after one with a larger id. A client paging with the cursor still sees both.
#[tokio::test]
async fn a_paging_client_never_skips_a_work_order_that_commits_late() {
    if !postgres_configured() {
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let reg = app.register_factory("pager", None).await;
    let db = app.db.clone();
    let jerseys = std::sync::Arc::new(tokio::task::spawn_blocking(move || JerseyOrders::prepare(&db)).await.unwrap());
    let (placed_tx, placed_rx) = std::sync::mpsc::channel();
    let (commit_tx, commit_rx) = std::sync::mpsc::channel::<()>();
    let (db, j) = (app.db.clone(), jerseys.clone());
    // A: placed first (smaller id), committed last.
    let slow = std::thread::spawn(move || {
        db.write_blocking(|c| {
            let o = j.place(c, "late-commit")?;
            placed_tx.send(o.id).unwrap();
            commit_rx.recv().unwrap();
            Ok::<_, atelier::orders::PlaceError>(o)
        })
        .unwrap()
    });
    placed_rx.recv().unwrap();
    // B: placed and committed while A is still open (for another customer, whose figures
    // A's transaction does not hold).
    let (db, j) = (app.db.clone(), jerseys.clone());
    let j = std::sync::Arc::new(tokio::task::spawn_blocking(move || j.for_another_customer(&db, "Other Buyer")).await.unwrap());
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || db.write_blocking(|c| j.place(c, "early-commit")).unwrap()).await.unwrap();

    let http = reqwest::Client::new();
    let mut seen = vec![];
    let mut cursor = String::new();
    let page = |cursor: String| {
        let (http, url, token) = (http.clone(), app.url(&format!("/api/v1/work-orders?after={cursor}")), reg.token.clone());
        async move { http.get(url).bearer_auth(token).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let first = page(cursor.clone()).await;
    seen.extend(first["items"].as_array().unwrap().iter().map(|w| w["id"].as_i64().unwrap()));
    cursor = first["next"].as_str().unwrap().to_owned();
    assert!(seen.is_empty(), "B waits until everything older than it has committed: {seen:?}");
    commit_tx.send(()).unwrap();
    slow.join().unwrap();
    // Polling from the cursor (other tests' transactions in the cluster may hold it back briefly).
    let deadline = Instant::now() + Duration::from_secs(10);
    while seen.len() < 2 && Instant::now() < deadline {
        let next = page(cursor.clone()).await;
        seen.extend(next["items"].as_array().unwrap().iter().map(|w| w["id"].as_i64().unwrap()));
        cursor = next["next"].as_str().unwrap().to_owned();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen.len(), 2, "both work orders are seen: {seen:?}");
    assert!(seen[0] < seen[1], "the late one comes first: it committed first in order of visibility");
}

/// Two more app instances on one PostgreSQL database: three dispatchers, each event once.
#[tokio::test]
async fn several_dispatchers_on_one_postgres_database_deliver_each_event_once() {
    if !postgres_configured() {
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let factory = TestFactory::start(Mode::Accept);
    app.register_factory("shared", Some(&factory)).await;
    let total = 150;
    place_many(&app, total).await;
    for _ in 0..2 {
        let db = atelier::store::Db::connect(&app.settings.database).unwrap();
        start(&app.settings, db);
    }
    let got = factory.wait_for(total, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = factory.accepted();
    let ids: BTreeSet<_> = all.iter().map(|r| r.webhook_id.clone()).collect();
    assert_eq!(got.len(), total);
    assert_eq!(ids.len(), total, "every event arrived");
    assert_eq!(all.len(), total, "none arrived twice");
    assert!(all.iter().all(|r| r.signature_ok));
}

/// Changes after the cursor, polled until `wanted` says the page has them (a change is listed
/// once it is a second old).
async fn changes(app: &TestApp, token: &str, after: &str, wanted: impl Fn(&[Value]) -> bool) -> (Vec<Value>, String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let res = reqwest::Client::new().get(app.url(&format!("/api/v1/work-orders/changes?after={after}"))).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let page: Value = res.json().await.unwrap();
        let items = page["items"].as_array().unwrap().clone();
        if wanted(&items) {
            return (items, page["next"].as_str().unwrap().to_owned());
        }
        assert!(Instant::now() < deadline, "no such change came: {items:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A factory that pulls (no pushes) learns of a new revision and of a cancellation of a work
/// order it already has, from the changes feed (the list of work orders shows each once, as
/// they became visible, and says nothing when one changes afterwards).
async fn a_pulling_factory_follows_revisions_and_cancellations(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let reg = app.register_factory("pull-only", None).await;
    app.sign_in_as(MANAGER_NORTH).await;
    let order = app.order_a_jersey("Ana Silva").await;
    let (items, next) = changes(&app, &reg.token, "", |i| !i.is_empty()).await;
    assert_eq!((items.len(), items[0]["revision"].as_i64()), (1, Some(1)));
    let id = items[0]["id"].clone();
    // A lease_token for a work order nobody claimed: said so (it said "claimed again since").
    let res = reqwest::Client::new().post(app.url(&format!("/api/v1/work-orders/{id}/ack"))).bearer_auth(&reg.token).json(&serde_json::json!({"lease_token": "lease_0000"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.json::<Value>().await.unwrap()["detail"].as_str().unwrap().starts_with("the work order is not claimed, so it has no lease_token"));
    let ack = reqwest::Client::new().post(app.url(&format!("/api/v1/work-orders/{id}/ack"))).bearer_auth(&reg.token).json(&serde_json::json!({})).send().await.unwrap();
    assert_eq!(ack.status(), StatusCode::OK);
    let (items, next) = changes(&app, &reg.token, &next, |i| !i.is_empty()).await;
    assert_eq!(items[0]["status"], "acknowledged", "its own acknowledgement is a change too");

    // Re-measured and revised before production: revision 2 comes through the feed.
    remeasure_with_a_larger_chest(&app, &order).await;
    let (_, html) = app.get_html(&order).await;
    let set = html.select(&scraper::Selector::parse("#measurement-set option").unwrap()).find_map(|o| o.value().attr("value").map(str::to_owned)).unwrap();
    let token = attr(&html, "#revise input[name=csrf_token]", "value").unwrap();
    assert_eq!(app.post_form(&format!("{order}/revise"), &[("csrf_token", &token), ("measurement_set", &set)]).await.status(), StatusCode::SEE_OTHER);
    let (items, next) = changes(&app, &reg.token, &next, |i| !i.is_empty()).await;
    assert_eq!((items.len(), &items[0]["id"], items[0]["revision"].as_i64()), (1, &id, Some(2)));
    assert_eq!(items[0]["measurements"]["chest_girth"], 1080);
    // A factory that names the revision it has learns it is behind, at the acknowledgement and
    // at an event alike; naming the current one goes through.
    let http = reqwest::Client::new();
    let res = http.post(app.url(&format!("/api/v1/work-orders/{id}/events"))).bearer_auth(&reg.token).header("idempotency-key", "rev-1").json(&serde_json::json!({"status": "in_production", "revision": 1})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["type"], "/api/v1/problems/stale-revision");
    assert!(problem["detail"].as_str().unwrap().starts_with("this work order is at revision 2, not 1: fetch it again"), "{problem}");
    let res = http.post(app.url(&format!("/api/v1/work-orders/{id}/ack"))).bearer_auth(&reg.token).json(&serde_json::json!({"revision": 1})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    for _ in 0..2 {
        let res = http.post(app.url(&format!("/api/v1/work-orders/{id}/ack"))).bearer_auth(&reg.token).json(&serde_json::json!({"revision": 2})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    // The history says which revision the factory acknowledged where it named one, once (the
    // first acknowledgement named none).
    let (_, html) = app.get_html(&order).await;
    let acks: Vec<String> = select(&html, ".wo-events li").into_iter().filter(|e| e.contains("acknowledged")).collect();
    assert!(acks.len() == 2 && acks[0].ends_with(" acknowledged") && acks[1].ends_with("acknowledged revision 2"), "{acks:?}");
    let (_, next) = changes(&app, &reg.token, &next, |_| true).await;

    // Cancelled: the feed says so.
    let token = app.csrf(&order).await;
    assert_eq!(app.post_form(&format!("{order}/cancel"), &[("csrf_token", &token)]).await.status(), StatusCode::SEE_OTHER);
    let (items, next) = changes(&app, &reg.token, &next, |i| !i.is_empty()).await;
    assert_eq!((&items[0]["id"], items[0]["status"].as_str()), (&id, Some("cancelled")));
    // Acknowledging it now says it is cancelled, whatever lease comes with it.
    let res = reqwest::Client::new().post(app.url(&format!("/api/v1/work-orders/{id}/ack"))).bearer_auth(&reg.token).json(&serde_json::json!({"lease_token": "old"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let problem: Value = res.json().await.unwrap();
    assert_eq!((problem["type"].as_str(), problem["detail"].as_str()), (Some("/api/v1/problems/illegal-transition"), Some("a work order that is cancelled cannot become acknowledged; cancelled is final")));
    // Nothing more, and a cursor that is not one is refused.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (items, _) = changes(&app, &reg.token, &next, |_| true).await;
    assert!(items.is_empty(), "{items:?}");
    let res = reqwest::Client::new().get(app.url("/api/v1/work-orders/changes?after=soon")).bearer_auth(&reg.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["detail"], "after is not a cursor from /work-orders/changes (the next of one of its answers): send the one you kept, or start again without after");
    // Nor is one it never gave: a work order of none, or of another factory, or from the future
    // (an empty page for ever would hide every work order to come).
    let other = app.register_factory("other-puller", None).await;
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).timestamp_micros();
    let none = id.as_i64().unwrap() + 1000;
    let at = next.split_once('.').unwrap().0;
    for (path, after) in [("/api/v1/work-orders", "999999999999.1".to_owned()), ("/api/v1/work-orders", "999999999999.0".to_owned()), ("/api/v1/work-orders", format!("999999999998.{none}")), ("/api/v1/work-orders/changes", format!("{at}.{none}")), ("/api/v1/work-orders/changes", format!("{future}.0")),
        // The list's cursor pasted here named a moment before anything, and the whole feed came again.
        ("/api/v1/work-orders/changes", format!("0.{id}"))] {
        let res = reqwest::Client::new().get(app.url(&format!("{path}?after={after}"))).bearer_auth(&reg.token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CONFLICT, "{path}?after={after}");
        let problem = res.json::<Value>().await.unwrap();
        assert_eq!(problem["type"], "/api/v1/problems/unknown-cursor");
        let detail = problem["detail"].as_str().unwrap().to_owned();
        assert!(detail.starts_with("after is ") && detail.ends_with(": start again without after"), "{detail}");
    }
    let res = reqwest::Client::new().get(app.url(&format!("/api/v1/work-orders/changes?after={next}"))).bearer_auth(&other.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT, "another factory's cursor");
    // The feed has no status filter: asked for one, it says so (it answered every status).
    let res = reqwest::Client::new().get(app.url("/api/v1/work-orders/changes?status=cancelled")).bearer_auth(&reg.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["detail"], "the query string cannot be read: unknown field `status`, expected `limit` or `after`");
    // What the API gave is taken, also where nothing follows it: the end of the list, the same
    // cursor with a status the work order has left, a bare id from before cursors had two
    // parts, and the start.
    let list = |query: String| {
        let (url, token) = (app.url(&format!("/api/v1/work-orders?{query}")), reg.token.clone());
        async move { reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap() }
    };
    let whole: Value = list(String::new()).await.json().await.unwrap();
    let end = whole["next"].as_str().unwrap().to_owned();
    for query in [format!("after={end}"), format!("status=queued&after={end}"), format!("after={id}"), "after=0.0".to_owned(), "after=".to_owned()] {
        let res = list(query.clone()).await;
        assert_eq!(res.status(), StatusCode::OK, "{query}");
    }
    let res = reqwest::Client::new().get(app.url("/api/v1/work-orders/changes?after=0.0")).bearer_auth(&other.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "the start of an empty feed");

    // The customer is erased: the work order comes through the feed again, without the name
    // printed on it (a pulling factory gets no push to tell it).
    assert_eq!(items_name(&app, &reg.token, &id).await.as_deref(), Some("ANA"));
    let (_, page) = app.get_html(&order).await;
    let customer = attr(&page, ".page-head p.muted a", "href").unwrap();
    let (_, page) = app.get_html(&customer).await;
    let reference = select(&page, "#customer-meta").concat().split(' ').next().unwrap().to_owned();
    let token = attr(&page, "input[name=csrf_token]", "value").unwrap();
    assert_eq!(app.post_form(&format!("{customer}/erase"), &[("csrf_token", &token), ("confirm", &reference)]).await.status(), StatusCode::SEE_OTHER);
    let (items, _) = changes(&app, &reg.token, &next, |i| !i.is_empty()).await;
    assert_eq!(&items[0]["id"], &id);
    // Said in so many words: a work order with nothing to blank was not listed at all.
    assert_eq!(items[0]["customer_erased"], true, "{}", items[0]);
    assert_eq!(items_name(&app, &reg.token, &id).await.as_deref(), Some(""), "{}", items[0]);
}

/// The name printed on a work order, as the factory reads it.
async fn items_name(app: &TestApp, token: &str, id: &Value) -> Option<String> {
    let wo: Value = reqwest::Client::new().get(app.url(&format!("/api/v1/work-orders/{id}"))).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    wo["personalisation"][0]["text"].as_str().map(str::to_owned)
}

/// A store closes, or the customer asks: the order is collected at another open store, its
/// factory is sent the new address as a revision, and once anything has shipped it stays.
async fn an_order_is_collected_at_another_store_until_it_ships(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let factory = TestFactory::start(Mode::Accept);
    let reg = app.register_factory("north-sewing", Some(&factory)).await;
    app.sign_in_as(FITTER_NORTH).await;
    let order = app.order_a_jersey("Ana Silva").await;
    let got = factory.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got[0].body["data"]["ship_to"]["store_code"], "NORTH");
    let (_, html) = app.get_html(&order).await;
    assert_eq!(attr(&html, "#collection-store option[selected]", "value"), Some(app.north.to_string()));
    let token = attr(&html, "#collection input[name=csrf_token]", "value").unwrap();
    let path = format!("{order}/collection");
    let move_to = |store: String| {
        let (app, path, token) = (&app, &path, &token);
        async move { app.post_form(path, &[("csrf_token", token.as_str()), ("store", store.as_str())]).await }
    };

    // Where it is collected already, or a store that is no store: said at the field.
    let res = move_to(app.north.to_string()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let same = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&same, "#collection-error"), vec!["The order is collected there already: nothing was sent to the factory."]);
    let res = move_to("999".into()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&unknown, "#collection-error"), vec!["Choose a store that is open."]);
    assert_eq!(attr(&unknown, "#collection-store", "aria-describedby").as_deref(), Some("collection-error"));

    let res = move_to(app.south.to_string()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, moved) = app.get_html(&location(&res)).await;
    assert_eq!(select(&moved, "#saved-notice"), vec!["The order is now collected at the store chosen. Each factory is sent the new revision; it is listed under its work order below."]);
    assert_eq!(select(&moved, "#order-delivery"), vec!["Collect at South Store"]);
    assert_eq!(select(&moved, ".wo-revision"), vec!["revision 2"]);
    let history = select(&moved, ".wo-events li");
    assert!(history.iter().any(|e| e.ends_with("Finn Fitter revision 2: Collected at North Store → South Store")), "{history:?}");
    // The factory gets the same work order, revised, with the new address and nothing else.
    let got = factory.wait_for(2, Duration::from_secs(10)).await;
    let (before, after) = (&got[0].body["data"], &got[1].body["data"]);
    assert_eq!((got[1].body["type"].as_str(), after["revision"].as_i64()), (Some("work_order.updated"), Some(2)));
    assert_eq!(after["ship_to"], serde_json::json!({"store": app.south, "store_code": "SOUTH", "store_name": "South Store"}));
    for key in ["id", "created_at", "spec_hash", "measurements", "options", "materials"] {
        assert_eq!(before[key], after[key], "{key}");
    }
    // The audit log says who moved it from where to where.
    let admin = admin(&app).await;
    let (_, audit) = admin.get_html(&format!("/staff/audit?record=order:{}", order.rsplit('/').next().unwrap())).await;
    assert!(select(&audit, "tbody tr").iter().any(|r| r.contains("Collection store changed") && r.contains("from Store") && r.contains("to Store")), "{:?}", select(&audit, "tbody tr"));

    // A factory that names the revision it built is told that only where it goes changed,
    // not to build again (it said "build that revision" to a factory in production).
    let wo_id = after["id"].as_i64().unwrap();
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/work-orders/{wo_id}/events")))
        .bearer_auth(&reg.token)
        .header("idempotency-key", "rev1")
        .json(&serde_json::json!({"status": "in_production", "revision": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(res.json::<Value>().await.unwrap()["detail"], "this work order is at revision 2, not 1: only where it goes changed since (ship_to), what to build did not: fetch it again (GET /api/v1/work-orders/{id}), ship it there, and name that revision");

    // Shipped: where it is collected stays.
    for (key, event) in [("made", serde_json::json!({"status": "in_production"})), ("ship", serde_json::json!({"status": "shipped", "tracking_number": "T1"}))] {
        let res = reqwest::Client::new()
            .post(app.url(&format!("/api/v1/work-orders/{wo_id}/events")))
            .bearer_auth(&reg.token)
            .header("idempotency-key", key)
            .json(&event)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let (_, shipped) = app.get_html(&order).await;
    assert!(select(&shipped, "#collection").is_empty(), "no form once it has shipped");
    let res = move_to(app.north.to_string()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Said above the page, the form being gone.
    let late = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&late, "#order-error"), vec!["Part of this order has shipped, or was rejected or cancelled: where it is collected can no longer change."]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(factory.accepted().len(), 2, "nothing more was sent");
}

/// A re-measurement the order no longer fits (a rider shorter than measured at the order is
/// below the 56 cm frame's range)
/// was refused, and the order had to be cancelled and placed again. The changes that make it
/// fit are offered with the set, and made with it while the price stays as agreed.
async fn a_revision_the_order_no_longer_fits_is_made_with_the_changes_that_fit(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let factory = TestFactory::start(Mode::Accept);
    app.register_factory("north-works", Some(&factory)).await;
    app.sign_in_as(FITTER_NORTH).await;
    let customer = app.measured_customer("Ana Silva").await;
    let (_, html) = app.get_html(&format!("/staff/customers/{customer}/orders/new")).await;
    let link = scraper::Selector::parse("#products a").unwrap();
    let href = html.select(&link).find(|a| a.value().attr("href").is_some_and(|h| h.ends_with("product=road"))).and_then(|a| a.value().attr("href")).unwrap().to_owned();
    let (_, html) = app.get_html(&href.replace("&amp;", "&")).await;
    let field = |n: &str| attr(&html, &format!("input[name={n}]"), "value").unwrap();
    let mut form = vec![("csrf_token", field("csrf_token")), ("version", field("version")), ("product", "road".to_owned()), ("idempotency_key", field("idempotency_key")), ("action", "place".to_owned())];
    form.extend(crate::shop_helpers::ROAD.iter().map(|(k, v)| (*k, v.to_string())));
    let check: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, if *k == "action" { "check" } else { v.as_str() })).collect();
    let checked = scraper::Html::parse_document(&app.post_form(&format!("/staff/customers/{customer}/orders"), &check).await.text().await.unwrap());
    form.push(("checked_total", attr(&checked, "input[name=checked_total]", "value").expect("a price checked")));
    // A derived value says where its formula comes from, not the formula (`m.stature < …`).
    let titles: Vec<String> = checked.select(&scraper::Selector::parse("#derived dt[title]").unwrap()).filter_map(|d| d.value().attr("title").map(str::to_owned)).collect();
    assert!(titles.iter().any(|t| t.starts_with("Undefeated Carbon 2023 size spec")) && !titles.iter().any(|t| t.contains("m.")), "{titles:?}");
    let res = app.post_staff_order(customer, &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "road bicycle placed");
    let order = location(&res);
    factory.wait_for(1, Duration::from_secs(10)).await;
    let (_, html) = app.get_html(&order).await;
    let total = select(&html, "#order-price .total strong");

    remeasure_as(&app, &order, &[("m_stature", "172.0")]).await;
    let (_, html) = app.get_html(&order).await;
    let short = attr(&html, "#measurement-set option", "value").unwrap();
    // The newest set is the one offered: the set in use was, and sending it changed nothing.
    assert_eq!(attr(&html, "#measurement-set option[selected]", "value").as_deref(), Some(short.as_str()));
    let token = attr(&html, "#revise input[name=csrf_token]", "value").unwrap();
    let res = app.post_form(&format!("{order}/revise"), &[("csrf_token", &token), ("measurement_set", &short)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&refused, "#revise-error p"), vec!["The order does not fit these measurements:"]);
    assert_eq!(select(&refused, "#revise-changes li"), vec!["Change Frame size from 56 cm to 52 cm."], "the size the maker's chart names for 172 cm: {:?}", select(&refused, "#violations li"));
    let proposal = attr(&refused, "#revise-repair input[name=changes]", "value").expect("the changes offered with a button");
    assert_eq!(attr(&refused, "#revise-repair input[name=measurement_set]", "value").as_deref(), Some(short.as_str()));
    // Changes not the ones the engine proposes (a page left open while the catalog changed,
    // a hand-made form) are not made: the page says so and shows what it proposes now.
    let res = app.post_form(&format!("{order}/revise"), &[("csrf_token", &token), ("measurement_set", &short), ("changes", "[[\"frame_size\",{\"one\":\"s54\"}]]")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stale = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&stale, "#revise-error p"), vec!["The changes proposed are no longer the same: read them again."]);
    assert_eq!(attr(&stale, "#revise-repair input[name=changes]", "value").as_deref(), Some(proposal.as_str()));
    assert_eq!(factory.accepted().len(), 1, "nothing sent");

    let res = app.post_form(&format!("{order}/revise"), &[("csrf_token", &token), ("measurement_set", &short), ("changes", &proposal)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let got = factory.wait_for(2, Duration::from_secs(10)).await;
    let updated = &got[1].body;
    assert_eq!(updated["type"], "work_order.updated");
    assert_eq!(updated["data"]["revision"], 2);
    assert_eq!(updated["data"]["measurements"]["stature"], 1720);
    let frame = updated["data"]["options"].as_array().unwrap().iter().find(|o| o["option"] == "frame_size").cloned().unwrap_or_default();
    assert_eq!(frame["value"], "s52", "{frame}");
    let (_, html) = app.get_html(&order).await;
    assert_eq!(select(&html, "#order-price .total strong"), total, "the price as agreed");
    assert!(select(&html, "#order-choices dd").contains(&"52 cm".to_owned()), "{:?}", select(&html, "#order-choices dd"));
    let history = select(&html, ".wo-events li");
    let revised = history.iter().find(|e| e.contains("revision 2: ")).unwrap_or_else(|| panic!("{history:?}"));
    assert!(revised.contains("Stature 175.5 → 172.0 cm") && revised.contains("Frame size 56 cm → 52 cm"), "{revised}");

    // Changes the catalog charges otherwise are not made at the agreed price: said, no button.
    remeasure_as(&app, &order, &[("m_stature", "158.0"), ("m_inside_leg", "74.0"), ("m_arm_length", "53.0"), ("m_body_mass", "60.0"), ("m_shoulder_width", "37.0")]).await;
    let (_, html) = app.get_html(&order).await;
    let small = attr(&html, "#measurement-set option", "value").unwrap();
    let res = app.post_form(&format!("{order}/revise"), &[("csrf_token", &token), ("measurement_set", &small)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = scraper::Html::parse_document(&res.text().await.unwrap());
    assert!(select(&refused, "#revise-changes li").contains(&"Change Wheel size from 700C (ISO 622) to 650B (ISO 584).".to_owned()), "{:?}", select(&refused, "#revise-changes li"));
    assert_eq!(select(&refused, "#revise-repair-refused"), vec!["These changes would change the price (€6,285.00 → €5,085.00 before tax): cancel the order and order again."]);
    assert!(select(&refused, "#revise-with-changes").is_empty() && attr(&refused, "#revise-repair input[name=changes]", "value").is_none(), "nothing to send");
    assert_eq!(factory.accepted().len(), 2, "nothing more sent");
}

/// A factory set not to take new work orders lost the cancellation of one it had (five
/// attempts, "push is disabled"), and its token was refused, so it could neither pull the
/// cancellation nor report what was in production.
async fn a_factory_taking_no_new_work_orders_is_still_sent_and_reads_the_ones_it_has(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let factory = TestFactory::start(Mode::Accept);
    let reg = app.register_factory("pausing", Some(&factory)).await;
    app.sign_in_as(FITTER_NORTH).await;
    let order = app.order_a_jersey("Ana Silva").await;
    let got = factory.wait_for(1, Duration::from_secs(10)).await;
    let wo = got[0].body["data"]["id"].as_i64().unwrap();

    let admin = admin(&app).await;
    let token = admin.csrf(&reg.page).await;
    let res = admin
        .post_form(&reg.page, &[("csrf_token", &token), ("name", "Factory pausing"), ("families", "apparel"), ("families", "bicycle"), ("push_url", &factory.url), ("lead_time_days", "10"), ("weekly_capacity", "0"), ("cannot_build", ""), ("enabled", "off")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The list of factories says so too (only its own page did, as "disabled").
    let (_, list) = admin.get_html("/staff/factories").await;
    assert!(select(&list, ".list li").iter().any(|l| l.contains("Factory pausing") && l.contains("takes no new work orders")), "{:?}", select(&list, ".list li"));
    let (_, html) = app.get_html(&order).await;
    let cancel = attr(&html, "form[action$='/cancel']", "action").expect("a cancel form");
    let token = attr(&html, "input[name=csrf_token]", "value").unwrap();
    // The work order it has is cancelled, and it hears of it, and reads it with its token.
    let res = app.post_form(&cancel, &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Said once on the page it goes back to (it said nothing).
    let (_, cancelled) = app.get_html(&location(&res)).await;
    assert_eq!(select(&cancelled, "#saved-notice"), vec!["The order is cancelled. Each factory is sent the cancellation; it is listed under its work order below."]);
    assert!(select(&app.get_html(&location(&res)).await.1, "#saved-notice").is_empty());
    let got = factory.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got.get(1).map(|r| r.body["type"].clone()), Some(serde_json::json!("work_order.cancelled")), "{:?}", got.iter().map(|r| &r.body["type"]).collect::<Vec<_>>());
    let res = reqwest::Client::new().get(app.url(&format!("/api/v1/work-orders/{wo}"))).bearer_auth(&reg.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "cancelled");
    let (status, html) = {
        let id = app.measured_customer("Bo Berg").await;
        let form = app.jersey_form(id, &[]).await;
        let res = app.post_staff_order(id, &form).await;
        (res.status(), scraper::Html::parse_document(&res.text().await.unwrap()))
    };
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a new order is not routed to it");
    assert_eq!(select(&html, "#form-error"), vec!["No factory builds this product yet. An administrator has to add one."]);
}
