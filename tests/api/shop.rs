//! The online shop: accounts, claim codes, password resets, drafts, placing orders once,
//! and the messages a customer sees for each mistake.

use chrono::Duration;
use diesel::prelude::*;
use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::*;
use crate::on_both_backends;
use crate::shop_helpers::*;

on_both_backends!(
    a_customer_signs_up_and_sees_their_account,
    sign_up_mistakes_are_shown_at_the_field,
    a_fitter_hands_over_a_claim_code_that_works_once,
    a_claim_code_expires,
    a_reset_link_works_once_and_ends_old_sessions,
    a_reset_link_expires,
    failed_shop_sign_ins_are_throttled,
    a_draft_is_saved_resumed_and_seen_by_the_store,
    concurrent_duplicate_submissions_place_one_order,
    another_customers_order_and_draft_answer_404,
    checkout_mistakes_are_shown_at_the_field,
    a_checkout_opened_before_a_catalog_import_is_placed_at_the_new_price,
    the_repair_is_applied_with_one_click_and_the_price_changes,
    the_live_patch_says_what_the_whole_live_part_shows,
    a_fresh_demo_database_takes_an_order_from_the_shop,
    an_order_costs_the_same_from_a_fitter_an_administrator_and_the_shop,
    without_measurements_the_configurator_asks_for_them,
    a_customer_exports_and_erases_their_account,
    a_customer_changes_their_name_email_and_password,
    the_checkout_is_a_page_that_reloads_and_comes_back_without_resending,
    the_same_again_reuses_the_choices_with_the_latest_measurements,
    a_garment_preview_shows_its_colours_and_print,
    an_older_measurement_set_can_be_chosen_and_is_used_at_checkout,
    a_fitter_saves_a_draft_the_customer_finishes_online,
    self_measurement_mistakes_are_shown_at_the_field,
    accepted_learned_preferences_prefill_the_shop_configurator_visibly,
    the_checkout_and_the_order_say_the_sizes_worked_out,
    a_checkout_sent_again_with_other_choices_places_nothing,
    the_checkout_charges_the_price_it_showed_for_the_store_chosen,
);

async fn accepted_learned_preferences_prefill_the_shop_configurator_visibly(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei Chen", "mei@example.com").await;
    // A fitter accepted a learned preference for long sleeves on jerseys; a dismissed one for
    // a full zip must not pre-fill anything.
    app.db
        .write(|conn| -> Result<(), atelier::store::StoreError> {
            let account = atelier::store::customer_accounts::find_by_email(conn, "mei@example.com")?.expect("the account");
            for (option, value, decision) in [("sleeve", "long", "accepted"), ("zip", "full", "dismissed")] {
                atelier::store::learned::decide(
                    conn,
                    &atelier::store::learned::Decide {
                        customer_id: account.customer_id, product: "cycling_jersey", option, value, decision,
                        evidence: "chose it in 3 of 3 jersey orders", staff_id: None,
                    },
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let (status, html) = app.get_html("/shop/configure/cycling_jersey").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(attr(&html, "input[name=o_sleeve][value=long]", "checked").as_deref(), Some(""), "pre-filled");
    assert_eq!(select(&html, "#opt-sleeve .badge.profile"), vec!["from your profile"]);
    assert!(attr(&html, "input[name=o_zip][value=full]", "checked").is_none(), "a dismissed suggestion pre-fills nothing");
}

async fn a_customer_signs_up_and_sees_their_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.sign_up("Mei Chen", " Mei.Chen@Example.com ").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/shop");
    // Welcomed once, and asked to measure themselves first.
    let (_, html) = app.get_html("/shop").await;
    assert_eq!(select(&html, "#welcome h2"), vec!["Welcome, Mei Chen."]);
    assert_eq!(attr(&html, "#welcome-measure", "href").as_deref(), Some("/shop/measurements/new"));
    assert!(select(&app.get_html("/shop").await.1, "#welcome").is_empty(), "said once: not on a reload");
    let (status, html) = app.get_html("/shop/account").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&html, "#account-email"), vec!["mei.chen@example.com"]);
    assert_eq!(select(&html, "#who-name"), vec!["Mei Chen"]);

    // A shop session is not a staff session.
    let res = app.get("/staff").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/staff/sign-in"));

    // Signed out means signed out, on the server.
    assert_eq!(app.shop_sign_out().await.status(), StatusCode::SEE_OTHER);
    let res = app.get("/shop/account").await;
    assert_eq!(location(&res), "/shop/sign-in?next=%2Fshop%2Faccount");
    // Signing up instead still goes where the customer was going.
    let (_, html) = app.get_html("/shop/sign-in?next=%2Fshop%2Faccount").await;
    assert_eq!(select(&html, "#notice"), vec!["You have signed out."]);
    assert_eq!(attr(&html, "#sign-up-instead", "href").as_deref(), Some("/shop/sign-up?next=%2Fshop%2Faccount"));
    let (_, html) = app.get_html("/shop/sign-up?next=%2Fshop%2Faccount").await;
    assert_eq!((attr(&html, "#sign-in-instead", "href").as_deref(), attr(&html, "#claim-link", "href").as_deref()), (Some("/shop/sign-in?next=%2Fshop%2Faccount"), Some("/shop/claim?next=%2Fshop%2Faccount")));
    // And back in with the password.
    assert_eq!(app.shop_sign_in("mei.chen@example.com", CUSTOMER_PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

async fn sign_up_mistakes_are_shown_at_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.shop_form("/shop/sign-up", "/shop/sign-up", &[("name", ""), ("email", "not-an-email"), ("password", "short"), ("confirmation", "short")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#name-error"), vec!["Enter your name."]);
    assert_eq!(select(&html, "#email-error"), vec!["Enter an email address such as name@example.com."]);
    assert_eq!(select(&html, "#password-error"), vec!["Use at least 12 characters."]);
    assert_eq!(attr(&html, "#email", "value").as_deref(), Some("not-an-email"), "what was typed is kept");

    let res = app.shop_form("/shop/sign-up", "/shop/sign-up", &[("name", "Mei"), ("email", "mei@example.com"), ("password", CUSTOMER_PASSWORD), ("confirmation", "something else entirely")]).await;
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#confirmation-error"), vec!["The two new passwords are not the same."], "said at the second password");

    app.signed_up("Mei", "mei@example.com").await;
    let other = app.browser();
    let res = other.sign_up("Someone", "MEI@example.com").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#email-error"), vec!["An account with this email already exists. Sign in, or reset the password."]);
    // Asking which emails have accounts is throttled per address, as failed sign-ins are.
    for _ in 1..20 {
        assert_eq!(other.sign_up("Someone", "MEI@example.com").await.status(), StatusCode::CONFLICT);
    }
    let res = other.sign_up("Someone", "MEI@example.com").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["retry-after"], "900");
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#email-error"), vec!["Too many attempts from here. For the security of our customers, try again in 15 minutes."]);
}

async fn make_claim_code(app: &TestApp, name: &str) -> (i64, String) {
    let staff = app.browser();
    staff.sign_in_as(FITTER_NORTH).await;
    let id = staff.enroll(name, "", "+49 171 5550000").await;
    let res = staff.post_on_customer(id, "claim-code", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert!(select(&html, "#has-account").is_empty(), "no account yet");
    (id, select(&html, "#claim-code").remove(0))
}

async fn a_fitter_hands_over_a_claim_code_that_works_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, code) = make_claim_code(&app, "Ana Silva").await;
    assert_eq!(code.len(), 14);

    let wrong = app.shop_form("/shop/claim", "/shop/claim", &[("code", "AAAA-AAAA-AAAA"), ("email", "ana@example.com"), ("password", CUSTOMER_PASSWORD), ("confirmation", CUSTOMER_PASSWORD)]).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&wrong.text().await.unwrap());
    assert_eq!(select(&html, "#code-error"), vec!["This code is not valid: it may be mistyped, used already or expired. Ask the store for a new one."]);

    // Typed loosely: lower case, spaces for dashes.
    let typed = code.to_lowercase().replace('-', " ");
    let res = app.shop_form("/shop/claim", "/shop/claim", &[("code", &typed), ("email", "ana@example.com"), ("password", CUSTOMER_PASSWORD), ("confirmation", CUSTOMER_PASSWORD)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html("/shop/account").await;
    assert_eq!(select(&html, "#who-name"), vec!["Ana Silva"], "the store's profile, now the customer's");

    // Used once: the same code again is refused.
    let again = app.browser();
    let res = again.shop_form("/shop/claim", "/shop/claim", &[("code", &code), ("email", "ana2@example.com"), ("password", CUSTOMER_PASSWORD), ("confirmation", CUSTOMER_PASSWORD)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The fitter sees the account, and no new code can be made.
    let staff = app.browser();
    staff.sign_in_as(FITTER_NORTH).await;
    let (_, html) = staff.get_html(&format!("/staff/customers/{id}")).await;
    assert_eq!(select(&html, "#has-account").len(), 1);
    assert_eq!(staff.post_on_customer(id, "claim-code", &[]).await.status(), StatusCode::CONFLICT);
}

async fn a_claim_code_expires(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, code) = make_claim_code(&app, "Ana Silva").await;
    app.db
        .write_blocking(|conn| {
            use atelier::store::schema::claim_codes::dsl::*;
            diesel::update(claim_codes).set(expires_at.eq(atelier::store::now() - Duration::minutes(1))).execute(conn).map_err(atelier::store::StoreError::from)
        })
        .unwrap();
    let res = app.shop_form("/shop/claim", "/shop/claim", &[("code", &code), ("email", "ana@example.com"), ("password", CUSTOMER_PASSWORD), ("confirmation", CUSTOMER_PASSWORD)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app.shop_form("/shop/claim", "/shop/claim", &[("code", ""), ("email", "ana@example.com"), ("password", CUSTOMER_PASSWORD), ("confirmation", CUSTOMER_PASSWORD)]).await;
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#code-error"), vec!["Enter the code from the store."]);
}

/// The reset link from the newest mail to `to`, as a path.
fn reset_path(app: &TestApp, to: &str) -> String {
    let to = to.to_owned();
    let mail = app.db.write_blocking(|conn| atelier::store::mail_outbox::latest_to(conn, &to).map_err(atelier::store::StoreError::from)).unwrap().expect("a mail");
    let start = mail.body.find("/shop/reset/").expect("a link in the mail");
    mail.body[start..].split_whitespace().next().unwrap().to_owned()
}

async fn a_reset_link_works_once_and_ends_old_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    let stranger = app.browser();
    let res = stranger.shop_form("/shop/forgot", "/shop/forgot", &[("email", "mei@example.com")]).await;
    assert_eq!((res.status(), location(&res).as_str()), (StatusCode::SEE_OTHER, "/shop/forgot"));
    let (_, html) = stranger.get_html("/shop/forgot").await;
    assert_eq!(select(&html, "#notice"), vec!["If an account uses this email, we have sent it a link. It works once, for one hour."]);
    // A reload says nothing again, and mails nothing more (it re-sent the form).
    assert!(select(&stranger.get_html("/shop/forgot").await.1, "#notice").is_empty());
    // An unknown email gets the same answer and no mail.
    let res = stranger.shop_form("/shop/forgot", "/shop/forgot", &[("email", "nobody@example.com")]).await;
    assert_eq!((res.status(), location(&res).as_str()), (StatusCode::SEE_OTHER, "/shop/forgot"));
    let res = stranger.shop_form("/shop/forgot", "/shop/forgot", &[("email", "")]).await;
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#email-error"), vec!["Enter your email address."]);

    // A second ask mails a second link; the first then dies with the reset below (a review set
    // the password again with an older link after a newer one had been used).
    let older = reset_path(&app, "mei@example.com");
    stranger.shop_form("/shop/forgot", "/shop/forgot", &[("email", "mei@example.com")]).await;
    let path = reset_path(&app, "mei@example.com");
    assert_ne!(older, path);
    let res = stranger.shop_form(&path, &path, &[("password", "short"), ("confirmation", "short")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#password-error"), vec!["Use at least 12 characters."]);

    let new_password = "a brand new password";
    let res = stranger.shop_form(&path, &path, &[("password", new_password), ("confirmation", new_password)]).await;
    assert_eq!(location(&res), "/shop/sign-in");
    // Said once on the page it goes to, not in its address (a bookmark said it again).
    let (_, html) = stranger.get_html("/shop/sign-in").await;
    assert_eq!(select(&html, "#notice"), vec!["Your password is changed. Sign in with the new one."]);
    assert!(select(&stranger.get_html("/shop/sign-in").await.1, "#notice").is_empty(), "said once");
    // The session from before the reset has ended.
    assert_eq!(app.get("/shop/account").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.shop_sign_in("mei@example.com", CUSTOMER_PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.shop_sign_in("mei@example.com", new_password).await.status(), StatusCode::SEE_OTHER);

    // Single use: the link is dead now.
    let (status, html) = stranger.get_html(&path).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(select(&html, "#form-error"), vec!["This link does not work any more: it was used already or has expired. Ask for a new one."]);
    assert_eq!(stranger.get(&older).await.status(), StatusCode::GONE, "the older link died with the reset");

    // Asking again and again mails three links an hour, however often the form answers.
    for _ in 0..6 {
        assert_eq!(stranger.shop_form("/shop/forgot", "/shop/forgot", &[("email", "mei@example.com")]).await.status(), StatusCode::SEE_OTHER);
    }
    let mails = app.db.write_blocking(|conn| atelier::store::mail_outbox::latest(conn, 100).map_err(atelier::store::StoreError::from)).unwrap();
    let resets = mails.iter().filter(|m| m.to_address == "mei@example.com" && m.body.contains("/shop/reset/")).count();
    assert_eq!(resets, 3, "the two above, and one of the six");
}

async fn a_reset_link_expires(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    app.shop_form("/shop/forgot", "/shop/forgot", &[("email", "mei@example.com")]).await;
    let path = reset_path(&app, "mei@example.com");
    assert_eq!(app.get(&path).await.status(), StatusCode::OK);
    app.db
        .write_blocking(|conn| {
            use atelier::store::schema::password_resets::dsl::*;
            diesel::update(password_resets).set(expires_at.eq(atelier::store::now() - Duration::seconds(1))).execute(conn).map_err(atelier::store::StoreError::from)
        })
        .unwrap();
    assert_eq!(app.get(&path).await.status(), StatusCode::GONE);
    let res = app.shop_form("/shop/forgot", &path, &[("password", "a brand new password"), ("confirmation", "a brand new password")]).await;
    assert_eq!(res.status(), StatusCode::GONE);
}

async fn failed_shop_sign_ins_are_throttled(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    app.shop_sign_out().await;
    let res = app.shop_sign_in("mei@example.com", "").await;
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#password-error"), vec!["Enter your password."]);
    for _ in 0..5 {
        let res = app.shop_sign_in("mei@example.com", "wrong password here").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let html = Html::parse_document(&res.text().await.unwrap());
        assert_eq!(select(&html, "#form-error"), vec!["The email or password is not right. Check both and try again."]);
    }
    let res = app.shop_sign_in("mei@example.com", CUSTOMER_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    let html = Html::parse_document(&res.text().await.unwrap());
    assert!(select(&html, "#form-error")[0].starts_with("Too many failed sign-ins."), "{:?}", select(&html, "#form-error"));
}

async fn a_draft_is_saved_resumed_and_seen_by_the_store(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    let (status, html) = app.configure("road", &ROAD[..5], "draft").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&html, "#notice"), vec!["Saved. You find it under “Saved”, and so does the store."]);
    let draft: i64 = attr(&html, "input[name=draft]", "value").unwrap().parse().unwrap();

    let (_, html) = app.get_html("/shop/drafts").await;
    assert_eq!(select(&html, "#drafts .draft a"), vec!["Road bicycle"]);
    let (status, html) = app.get_html(&format!("/shop/configure/road?draft={draft}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(select(&html, "#notice").is_empty(), "said once: a reload neither saves nor says it again");
    assert_eq!(attr(&html, "input[name=o_frame_size][checked]", "value").as_deref(), Some("s56"));
    assert_eq!(attr(&html, "input[name=o_groupset][checked]", "value").as_deref(), Some("shimano_ultegra_di2"));

    // The fitter sees it on the customer's page and opens it in the staff configurator.
    let staff = app.browser();
    staff.sign_in_as(FITTER_NORTH).await;
    let customer_id = app.db.write_blocking(|conn| atelier::store::customer_accounts::find_by_email(conn, "mei@example.com").map_err(atelier::store::StoreError::from)).unwrap().unwrap().customer_id;
    let (_, html) = staff.get_html(&format!("/staff/customers/{customer_id}")).await;
    let link = attr(&html, &format!("#staff-draft-{draft}"), "href").expect("the draft on the customer page");
    assert_eq!(select(&html, &format!("#staff-draft-{draft}")), vec!["Road bicycle"], "by its name, not its code");
    let (status, html) = staff.get_html(&link.replace("&amp;", "&")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(attr(&html, "#o_frame_size option[selected]", "value").as_deref(), Some("s56"));
}

async fn concurrent_duplicate_submissions_place_one_order(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let fields = app.checkout("cycling_jersey", &JERSEY).await;
    let north = app.north.to_string();
    let delivery = [("delivery", "store"), ("store", north.as_str())];
    let submissions = (0..6).map(|_| app.place(&fields, &delivery));
    let answers = futures_util::future::join_all(submissions).await;
    let places: Vec<String> = answers.iter().map(|r| {
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        location(r)
    }).collect();
    assert!(places.iter().all(|p| p == &places[0] && p.starts_with("/shop/orders/")), "{places:?}");
    // A reload later still answers with the same order.
    assert_eq!(location(&app.place(&fields, &delivery).await), places[0]);
    let customer_id = app.db.write_blocking(|conn| atelier::store::customer_accounts::find_by_email(conn, "mei@example.com").map_err(atelier::store::StoreError::from)).unwrap().unwrap().customer_id;
    let orders = app.db.write_blocking(|conn| atelier::store::orders::for_customer(conn, customer_id).map_err(atelier::store::StoreError::from)).unwrap();
    assert_eq!(orders.len(), 1);

    let (status, html) = app.get_html(&places[0]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&html, "#order-status"), vec!["Placed"]);
    assert_eq!(select(&html, "#total"), vec!["€142.80"], "119.00 + 20 % tax, in euros");
    let (_, html) = app.get_html("/shop/orders").await;
    assert_eq!(select(&html, "#orders .order-line").len(), 1);
    let line = select(&html, "#orders .order-line").remove(0);
    assert!(line.contains(" · Cycling jersey · €142.80"), "the product by its name, not its code: {line}");
    // The list of products says what the order costs with nothing added: tax included, as
    // every total after it.
    let (_, html) = app.get_html("/shop").await;
    let cards = select(&html, "#products li");
    assert!(cards.iter().any(|c| c.starts_with("Cycling jersey") && c.ends_with("from €142.80")), "{cards:?}");

    // The factory reports progress; the customer's order page follows it.
    let order_id: i64 = places[0].rsplit('/').next().unwrap().parse().unwrap();
    app.db
        .write_blocking(|conn| -> Result<(), atelier::orders::UpdateError> {
            let wo = atelier::store::orders::work_orders_of_order(conn, order_id)?.remove(0);
            atelier::orders::factory_update(conn, wo.factory_id, wo.id, atelier::domain::work_order::Status::Acknowledged, "", None, None)?;
            atelier::orders::factory_update(conn, wo.factory_id, wo.id, atelier::domain::work_order::Status::InProduction, "cutting", None, None)?;
            Ok(())
        })
        .unwrap();
    let (_, html) = app.get_html(&places[0]).await;
    assert_eq!(select(&html, "#order-status"), vec!["In production"]);
    assert_eq!(select(&html, "ol.progress li.done").len(), 3);
}

async fn another_customers_order_and_draft_answer_404(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let fields = app.checkout("cycling_jersey", &JERSEY).await;
    let north = app.north.to_string();
    let order = location(&app.place(&fields, &[("delivery", "store"), ("store", north.as_str())]).await);
    let order_id = order.rsplit('/').next().unwrap().to_owned();
    let (_, html) = app.configure("cycling_jersey", &JERSEY, "draft").await;
    let draft = attr(&html, "input[name=draft]", "value").unwrap();

    let other = app.browser();
    other.signed_up("Tom", "tom@example.com").await;
    assert_eq!(other.get(&order).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(other.get(&format!("/shop/configure/cycling_jersey?draft={draft}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(other.get(&format!("/shop/configure/cycling_jersey?from_order={order_id}")).await.status(), StatusCode::NOT_FOUND);
    let token = other.csrf("/shop/drafts").await;
    assert_eq!(other.post_form(&format!("/shop/drafts/{draft}/delete"), &[("csrf_token", &token)]).await.status(), StatusCode::NOT_FOUND);
    // Reusing someone's idempotency key does not reveal their order either.
    assert_eq!(other.place(&fields.iter().map(|(k, v)| if k == "csrf_token" { (k.clone(), token.clone()) } else { (k.clone(), v.clone()) }).collect::<Vec<_>>(), &[("delivery", "store"), ("store", north.as_str())]).await.status(), StatusCode::NOT_FOUND);
    // Signed out, the order page asks to sign in.
    let stranger = app.browser();
    assert_eq!(stranger.get(&order).await.status(), StatusCode::SEE_OTHER);
}

/// What `cargo run` sets up on an empty database must be enough to order: a new shop once
/// configured everything and learned at the last step that no factory builds anything.
async fn a_fresh_demo_database_takes_an_order_from_the_shop(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        atelier::catalogs::load_demo(&db, &atelier::catalogs::CatalogCache::default()).expect("demo catalogs");
        for _ in 0..2 {
            atelier::accounts::seed_demo(&db).expect("seed");
        }
        let factories = db.write_blocking(|conn| atelier::store::factories::list(conn).map_err(atelier::store::StoreError::from)).expect("factories");
        assert_eq!(factories.len(), 1, "one demo workshop, not one per start");
    })
    .await
    .unwrap();
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let fields = app.checkout("cycling_jersey", &JERSEY).await;
    let res = app.place(&fields, &TO_ADDRESS).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "placed");
    let (_, html) = app.get_html(&location(&res)).await;
    assert_eq!(select(&html, "#order-status"), vec!["Placed"]);
    assert!(select(&html, "#saved-notice").concat().starts_with("Thank you: your order is placed."));
    assert!(select(&app.get_html(&location(&res)).await.1, "#saved-notice").is_empty(), "thanked once");
}

/// The sizes worked out from the measurements were on the configurator only: the checkout,
/// the order page and the staff order page did not say what the order is made to.
async fn the_checkout_and_the_order_say_the_sizes_worked_out(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let (_, configured) = app.configure("road", &ROAD, "check").await;
    let pairs = |html: &Html, dl: &str| -> Vec<(String, String)> { select(html, &format!("{dl} dt")).into_iter().zip(select(html, &format!("{dl} dd"))).collect() };
    let sizes = pairs(&configured, "#derived");
    assert!(sizes.iter().any(|(l, v)| l.starts_with("Frame size for the height") && v.ends_with(" cm")), "{sizes:?}");
    let (_, html) = app.get_html(&app.checkout_path("road", &ROAD).await).await;
    assert_eq!(pairs(&html, "#sizes"), sizes, "the checkout says what the configurator said");
    let fields = app.checkout("road", &ROAD).await;
    let res = app.place(&fields, &TO_ADDRESS).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "placed");
    let order_page = location(&res);
    let (_, html) = app.get_html(&order_page).await;
    assert_eq!(pairs(&html, "#order-sizes"), sizes, "the order page too");
    let staff = app.browser();
    staff.sign_in_as(FITTER_NORTH).await;
    let (_, html) = staff.get_html(&order_page.replace("/shop/", "/staff/")).await;
    assert_eq!(pairs(&html, "#order-sizes"), sizes, "and the staff order page");
}

/// An administrator belongs to no store; their orders once went out untaxed, cheaper than
/// the same order from the customer's fitter or in the shop.
async fn an_order_costs_the_same_from_a_fitter_an_administrator_and_the_shop(backend: Backend) {
    let app = with_shop(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let id = app.enroll("Ana Lima", "ana.lima@example.com", "").await;
    let token = app.csrf(&format!("/staff/customers/{id}/measurements/new?unit=metric")).await;
    let mut measured = vec![("csrf_token", token.as_str()), ("unit_system", "metric")];
    measured.extend(MEDIAN_MAN);
    let res = app.post_form(&format!("/staff/customers/{id}/measurements"), &measured).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "measurements saved");
    let total = |who: &'static str| {
        let app = &app;
        async move {
            app.sign_out().await;
            app.sign_in_as(who).await;
            let (_, html) = app.get_html(&format!("/staff/customers/{id}/orders/new")).await;
            let link = scraper::Selector::parse("#products a").unwrap();
            let href = html.select(&link).filter_map(|a| a.value().attr("href")).find(|h| h.ends_with("product=cycling_jersey")).map(str::to_owned);
            let (_, html) = app.get_html(&href.expect("the jersey offered")).await;
            let field = |n: &str| attr(&html, &format!("input[name={n}]"), "value").unwrap_or_default();
            let (csrf, version, key) = (field("csrf_token"), field("version"), field("idempotency_key"));
            let mut form = vec![("csrf_token", csrf.as_str()), ("version", version.as_str()), ("product", "cycling_jersey"), ("idempotency_key", key.as_str()), ("action", "check")];
            form.extend(JERSEY);
            let res = app.post_form(&format!("/staff/customers/{id}/orders"), &form).await;
            let status = res.status();
            let html = Html::parse_document(&res.text().await.unwrap());
            assert_eq!(status, StatusCode::OK, "{who}: {:?} {:?}", select(&html, "h1"), select(&html, "#violations li"));
            (select(&html, "#total").pop().unwrap_or_default(), select(&html, "#price dt").pop().unwrap_or_default())
        }
    };
    let (fitter, tax_line) = total(FITTER_NORTH).await;
    assert_eq!(tax_line, "Tax (20 %)");
    assert_eq!(total(ADMIN).await, (fitter.clone(), tax_line), "the administrator's order is taxed as the customer's store taxes it");
    app.sign_out().await;
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let (_, html) = app.configure("cycling_jersey", &JERSEY, "check").await;
    assert_eq!(select(&html, "#total").pop().unwrap_or_default(), fitter, "the shop asks the same");
}

/// A customer who has not measured yet is asked for measurements, not told that no choice
/// fits them (there is nothing to fit yet).
async fn without_measurements_the_configurator_asks_for_them(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    let (status, html) = app.configure("road", &ROAD, "check").await;
    assert_eq!(status, StatusCode::OK);
    let violations = select(&html, "#violations li");
    assert!(violations.iter().any(|v| v.ends_with("measurement is needed.")), "{violations:?}");
    assert!(select(&html, "#ruled-out").is_empty(), "nothing is ruled out before there are measurements");
    assert!(select(&html, "#checkout").is_empty());
    // Measuring yourself from here comes back to the choices made (they were dropped), and the
    // configurator opens with them.
    let measure = attr(&html, "#measure-yourself", "href").unwrap();
    let query: Vec<(String, String)> = serde_urlencoded::from_str(measure.strip_prefix("/shop/measurements/new?").unwrap_or_else(|| panic!("{measure}"))).unwrap();
    let next = query.iter().find(|(k, _)| k == "next").map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("{measure}"));
    assert!(next.starts_with("/shop/configure/road?o_") && ROAD.iter().all(|(k, v)| next.contains(&format!("{k}={v}"))), "{next}");
    let (_, form) = app.get_html(&format!("/shop/measurements/new?next={}", measure.split("next=").nth(1).unwrap())).await;
    let token = attr(&form, "input[name=csrf_token]", "value").unwrap();
    let mut body: Vec<(&str, &str)> = vec![("csrf_token", &token), ("unit_system", "metric"), ("next", &next)];
    body.extend(MEDIAN_MAN.iter().filter(|(k, _)| k.starts_with("m_")).copied());
    let res = app.post_form("/shop/measurements", &body).await;
    assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, next.clone()));
    let (_, back) = app.get_html(&next).await;
    for (k, v) in ROAD {
        let checked = attr(&back, &format!("input[name={k}][value='{v}']"), "checked").is_some();
        let typed = attr(&back, &format!("input[name={k}][type=number], input[name={k}][type=text]"), "value").as_deref() == Some(v);
        assert!(checked || typed, "{k}={v} kept");
    }
}

/// A checkout page opened before its catalog was imported again is not placed at the old
/// price: it comes back with the new one, to place.
async fn a_checkout_opened_before_a_catalog_import_is_placed_at_the_new_price(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let fields = app.checkout("cycling_jersey", &JERSEY).await;
    let admin = app.browser();
    admin.sign_in_as(ADMIN).await;
    let original = std::fs::read_to_string("catalog/sportswear.toml").unwrap();
    let dearer = original.replacen("version = \"2026.1\"", "version = \"2026.2\"", 1).replacen("base_price = \"119.00\"", "base_price = \"124.00\"", 1);
    assert_eq!(admin.import_catalog("sportswear.toml", &dearer).await.status(), StatusCode::SEE_OTHER);
    let north = app.north.to_string();
    let res = app.place(&fields, &[("delivery", "store"), ("store", north.as_str())]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#form-error"), vec!["The catalog was updated (revision 2) since this page was opened: the choices are now checked and priced with it. Check them, then place the order."]);
    assert_eq!(select(&html, "#total"), vec!["€148.80"], "124.00 + 20 %");
    // Placed from the page as it came back.
    let again: Vec<(String, String)> = html
        .select(&scraper::Selector::parse("form#checkout-form input[type=hidden]").unwrap())
        .filter_map(|i| Some((i.value().attr("name")?.to_owned(), i.value().attr("value").unwrap_or_default().to_owned())))
        .collect();
    let res = app.place(&again, &[("delivery", "store"), ("store", north.as_str())]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{:?}", again);
}

async fn checkout_mistakes_are_shown_at_the_field(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let fields = app.checkout("cycling_jersey", &JERSEY).await;
    // The recipient starts as the customer; each missing line is said at its field, and
    // what was typed stays.
    let (_, html) = app.get_html(&app.checkout_path("cycling_jersey", &JERSEY).await).await;
    assert_eq!(attr(&html, "#address_name", "value").as_deref(), Some("Mei"));
    let res = app.place(&fields, &[("delivery", "address"), ("address_name", "Mei"), ("address_line1", "  "), ("address_city", "Springfield")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#address_line1-error"), vec!["Enter the street and number."]);
    assert_eq!(select(&html, "#address_postal_code-error"), vec!["Enter the postal code. Only an address in a country without postal codes (Hong Kong, Macao, the United Arab Emirates, …), or in Ireland, where the Eircode may be left out, goes without one."]);
    assert_eq!(select(&html, "#address_country-error"), vec!["Enter the country."]);
    assert_eq!(attr(&html, "#address_city", "value").as_deref(), Some("Springfield"));
    assert!(select(&html, "#address_name-error").is_empty() && select(&html, "#address_line2-error").is_empty());
    let long = "x".repeat(121);
    let res = app.place(&fields, &[TO_ADDRESS.as_slice(), &[("address_line2", long.as_str())]].concat()).await;
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#address_line2-error"), vec!["This is too long for an address label."]);
    // An address typed under "collect in a store" is not dropped without a word.
    let north = app.north.to_string();
    let res = app.place(&fields, &[("delivery", "store"), ("store", north.as_str()), ("address_name", "Mei"), ("address_line1", "1 Main Street")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#delivery-error"), vec!["You chose to collect it in a store but typed an address: choose \"Deliver to an address\", or empty the address lines."]);
    assert_eq!(attr(&html, "#address_line1", "value").as_deref(), Some("1 Main Street"));
    let res = app.place(&fields, &[("delivery", "store"), ("store", "999999")]).await;
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#store-error"), vec!["Choose a store."]);
    let res = app.place(&fields, &[]).await;
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#delivery-error"), vec!["Choose how you want to receive it."]);

    // A configuration that is not valid (changed by hand) is checked again and refused.
    let broken: Vec<(String, String)> = fields.iter().map(|(k, v)| if k == "o_fabric" { (k.clone(), "thermal".into()) } else { (k.clone(), v.clone()) }).collect();
    let res = app.place(&broken, &TO_ADDRESS).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#form-error"), vec!["The configuration is no longer valid; see what to change."]);
    assert!(select(&html, "#violations li").iter().any(|v| v.contains("thermal fabric")), "{:?}", select(&html, "#violations li"));

    // Going to the checkout with an invalid configuration stays on the configurator.
    let (status, _) = app.configure("cycling_jersey", &[("o_cut", "men")], "checkout").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Delivered to an address: the order says where.
    let res = app.place(&fields, &TO_ADDRESS).await;
    let (_, html) = app.get_html(&location(&res)).await;
    assert_eq!(select(&html, "#delivery p"), vec!["Deliver to: Mei Chen, 1 Main Street, 49007 Springfield, United States"]);
    assert_eq!(select(&html, "#order-product"), vec!["Cycling jersey"]);
    assert!(select(&html, "#order-choices dd").contains(&"Standard knit".to_owned()));

    // Orders placed in a store or by a partner's system say where they go as the store's id,
    // or an address in lines: the customer's page says where all the same.
    let order_id: i64 = location(&res).rsplit('/').next().unwrap().parse().unwrap();
    let north = app.north;
    for (ship_to, shown) in [
        (serde_json::json!({ "store": north }), "Collect at North Store"),
        (serde_json::json!({ "address": {"line1": "2 Side Street", "city": "Shelbyville", "postcode": " "} }), "Deliver to: 2 Side Street, Shelbyville"),
    ] {
        let doc = ship_to.to_string();
        app.db
            .write_blocking(move |conn| {
                use atelier::store::schema::orders::dsl as o;
                Ok::<_, atelier::store::StoreError>(diesel::update(o::orders.find(order_id)).set(o::ship_to.eq(&doc)).execute(conn)?)
            })
            .unwrap();
        let (_, html) = app.get_html(&location(&res)).await;
        assert_eq!(select(&html, "#delivery p"), vec![shown]);
    }
}

async fn the_repair_is_applied_with_one_click_and_the_price_changes(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let (status, html) = app.configure("road", &ROAD, "check").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&html, "#valid").len(), 1, "{:?}", select(&html, "#violations li"));
    let before = select(&html, "#total").remove(0);

    // Rim brakes with disc wheels and thru-axles: a conflict, greyed-out values say why.
    let mut conflicting: Vec<(&str, &str)> = ROAD.iter().map(|(k, v)| if *k == "o_brakes" { (*k, "rim_caliper") } else { (*k, *v) }).collect();
    let (status, html) = app.configure("road", &conflicting, "check").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!select(&html, "#violations li").is_empty());
    assert_eq!(select(&html, "#repair-changes li"), vec!["Change Brakes from Rim caliper to Hydraulic disc."]);
    assert!(select(&html, "#why_axle_quick_release").is_empty(), "quick release fits rim brakes");
    assert!(!select(&html, "#why_wheelset_carbon_disc_45").is_empty(), "a disc wheel says why it does not fit");
    assert!(select(&html, "#checkout").is_empty(), "no checkout while invalid");

    conflicting.push(("action", "repair"));
    let (status, html) = app.configure("road", &conflicting[..conflicting.len() - 1], "repair").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&html, "#valid").len(), 1);
    assert_eq!(attr(&html, "input[name=o_brakes][checked]", "value").as_deref(), Some("disc_hydraulic"));
    assert_eq!(select(&html, "#total").remove(0), before);

    // The live fragment answers the same, for our script.
    let (csrf, version, key) = app.configurator_fields("road").await;
    let mut form = vec![("csrf_token", csrf.as_str()), ("version", version.as_str()), ("idempotency_key", key.as_str())];
    form.extend(ROAD.iter().map(|(k, v)| if *k == "o_paint" { (*k, "custom") } else { (*k, *v) }));
    let res = app.post_form("/shop/configure/road/live", &form).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = Html::parse_fragment(&res.text().await.unwrap());
    assert_ne!(select(&html, "#total").remove(0), before, "a custom paint costs more");
    assert_eq!(select(&html, "#preview svg title"), vec!["Preview of your Road bicycle"]);
    assert!(select(&html, "#preview svg text").contains(&"MEI".to_owned()), "the decal is drawn");
}

/// Our script sends every change to the live update and applies its answer to the page it
/// has (static/shop.js); what it ends with must be what the page shows, sent whole, without
/// the script.
async fn the_live_patch_says_what_the_whole_live_part_shows(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let (csrf, version, key) = app.configurator_fields("road").await;
    let base = [("csrf_token", csrf.as_str()), ("version", version.as_str()), ("idempotency_key", key.as_str())];
    let conflicting: Vec<(&str, &str)> = ROAD.iter().map(|(k, v)| if *k == "o_brakes" { (*k, "rim_caliper") } else { (*k, *v) }).collect();
    let partial: Vec<(&str, &str)> = vec![("o_frame_size", "s45"), ("o_brakes", "rim_caliper"), ("o_extras", "mudguards"), ("o_stem_length", "oops"), ("o_name_decal", "<b>MEI</b> & \"LI\"")];
    for (form, action) in [(ROAD.to_vec(), "check"), (conflicting.clone(), "check"), (partial, "check"), (conflicting, "repair")] {
        let form_has_oops = form.contains(&("o_stem_length", "oops"));
        let (status, whole) = app.configure("road", &form, action).await;
        assert_eq!(status, StatusCode::OK);
        let mut all: Vec<(&str, &str)> = base.to_vec();
        all.extend(form);
        all.push(("action", action));
        let res = app.post_form("/shop/configure/road/live", &all).await;
        assert_eq!(res.status(), StatusCode::OK);
        let patch = Html::parse_fragment(&res.text().await.unwrap());
        let states = |data: &str| -> Vec<(String, String)> {
            let sel = scraper::Selector::parse(&format!("#value-states [data-{data}]")).unwrap();
            patch.select(&sel).map(|e| (e.value().attr(&format!("data-{data}")).unwrap_or_default().to_owned(), e.text().collect())).collect()
        };
        let chosen: Vec<String> = states("chosen").into_iter().map(|(k, _)| k).collect();
        let unfit = states("unfit");

        let sel = scraper::Selector::parse("#steps label.value > input").unwrap();
        let mut values = 0;
        for input in whole.select(&sel) {
            let k = input.value().id().unwrap().trim_start_matches("o_").to_owned();
            assert_eq!(input.value().attr("checked").is_some(), chosen.contains(&k), "{k} chosen");
            let why = select(&whole, &format!("#why_{k}")).pop();
            assert_eq!(why.as_ref(), unfit.iter().find(|(u, _)| *u == k).map(|(_, w)| w), "{k} fits, or why not");
            values += 1;
        }
        assert!(values > 50 && !chosen.is_empty(), "every value of the road bicycle is seen ({values})");
        let typed = states("typed");
        assert_eq!(typed.len(), 2, "the stem length and the name on the top tube: {typed:?}");
        for (name, value) in &typed {
            assert_eq!(attr(&whole, &format!("input[name={name}]"), "value").unwrap_or_default(), *value, "{name}");
        }
        for css in ["#validity", "#violations li", "#repair-changes li", "#price-lines", "#total", "#checkout", "#preview svg title", "#preview svg text", "#derived dd"] {
            assert_eq!(select(&patch, &format!("#summary {css}")), select(&whole, css), "{css}");
        }
        // What is wrong with a number or text field is said at it, in both.
        let errors = states("error");
        for (name, _) in &typed {
            let at_field = select(&whole, &format!("#{name}-error")).pop();
            assert_eq!(at_field.as_ref(), errors.iter().find(|(e, _)| e == name).map(|(_, m)| m), "{name}");
            assert_eq!(attr(&whole, &format!("input[name={name}]"), "aria-invalid").is_some(), at_field.is_some(), "{name}");
        }
        if form_has_oops {
            let violations = select(&whole, "#violations li");
            assert!(violations.contains(&"Stem length: enter a number.".to_owned()) && !violations.iter().any(|v| v.contains("Choose Stem length")), "{violations:?}");
            assert_eq!(select(&whole, "#o_stem_length-error"), vec!["Stem length: enter a number."]);
            let name = select(&whole, "#o_name_decal-error");
            assert_eq!(name, vec!["Name on top tube: at most 16 characters (17 given)."]);
            assert_eq!(attr(&whole, "#o_name_decal", "aria-describedby").as_deref(), Some("o_name_decal-error hint_name_decal"));
        } else {
            assert!(errors.is_empty(), "{errors:?}");
        }
        if action == "repair" {
            assert!(chosen.contains(&"brakes_disc_hydraulic".to_owned()), "the repair is applied: {chosen:?}");
            assert!(unfit.iter().any(|(k, _)| k == "wheelset_alu_rim"), "rim wheels do not fit disc brakes");
        }
    }
}

async fn a_customer_exports_and_erases_their_account(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let res = app.get("/shop/account/export").await;
    assert_eq!(res.status(), StatusCode::OK);
    let doc: serde_json::Value = res.json().await.unwrap();
    assert_eq!(doc["shop_account"]["email"], "mei@example.com");
    assert_eq!(doc["measurement_sets"].as_array().map(Vec::len), Some(1));

    let res = app.shop_form("/shop/account", "/shop/account/erase", &[("confirm", "someone@else.example")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#erase-error"), vec!["That is not the email of this account."]);

    let res = app.shop_form("/shop/account", "/shop/account/erase", &[("confirm", "MEI@example.com")]).await;
    assert_eq!(location(&res), "/shop?erased=1");
    assert_eq!(app.get("/shop/account").await.status(), StatusCode::SEE_OTHER, "signed out");
    assert_eq!(app.shop_sign_in("mei@example.com", CUSTOMER_PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    // The email is free again for a new account.
    app.browser().signed_up("Mei", "mei@example.com").await;
}

async fn a_customer_changes_their_name_email_and_password(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_up("Ana", "ana@example.com").await;
    app.browser().signed_up("Mei", "mei@example.com").await;
    let app = app.browser();
    assert_eq!(app.shop_sign_in("mei@example.com", CUSTOMER_PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let other_device = app.browser();
    assert_eq!(other_device.shop_sign_in("mei@example.com", CUSTOMER_PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let html_of = |res: reqwest::Response| async move { Html::parse_document(&res.text().await.unwrap()) };

    // Mistakes come back at the field, with what was typed.
    let res = app.shop_form("/shop/account", "/shop/account/details", &[("name", " "), ("email", "mei@")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = html_of(res).await;
    assert_eq!(select(&html, "#name-error"), vec!["Enter your name."]);
    assert_eq!(select(&html, "#email-error"), vec!["Enter an email address such as name@example.com."]);
    assert_eq!(attr(&html, "#email", "value").as_deref(), Some("mei@"));

    // A new name needs nothing more.
    let res = app.shop_form("/shop/account", "/shop/account/details", &[("name", "Mei Lin"), ("email", "mei@example.com")]).await;
    assert_eq!(location(&res), "/shop/account");
    let (_, html) = app.get_html("/shop/account").await;
    assert_eq!(select(&html, "#account-name"), vec!["Mei Lin"]);
    assert_eq!(select(&html, "#notice"), vec!["Your name and email are saved."]);
    assert!(select(&app.get_html("/shop/account").await.1, "#notice").is_empty(), "said once: not on a reload");

    // A new email needs the password, and may not be another account's.
    let res = app.shop_form("/shop/account", "/shop/account/details", &[("name", "Mei Lin"), ("email", "mei.lin@example.com")]).await;
    let html = html_of(res).await;
    assert_eq!(select(&html, "#details-password-error"), vec!["Enter your password."]);
    assert_eq!(attr(&html, "#email", "value").as_deref(), Some("mei.lin@example.com"), "what was typed is kept");
    let res = app.shop_form("/shop/account", "/shop/account/details", &[("name", "Mei Lin"), ("email", "mei.lin@example.com"), ("password", "not my password")]).await;
    assert_eq!(select(&html_of(res).await, "#details-password-error"), vec!["This is not your current password."]);
    let res = app.shop_form("/shop/account", "/shop/account/details", &[("name", "Mei Lin"), ("email", "ANA@example.com"), ("password", CUSTOMER_PASSWORD)]).await;
    assert_eq!(select(&html_of(res).await, "#email-error"), vec!["Another account uses this email already."]);
    // A typo would lock the account out of password resets: the new email changes nothing
    // until the link mailed to it is opened, and the present address is told of the ask.
    let res = app.shop_form("/shop/account", "/shop/account/details", &[("name", "Mei Lin"), ("email", "mei.lin@exmaple.com"), ("password", CUSTOMER_PASSWORD)]).await;
    assert_eq!(location(&res), "/shop/account");
    let res = app.shop_form("/shop/account", "/shop/account/details", &[("name", "Mei Lin"), ("email", "Mei.Lin@example.com"), ("password", CUSTOMER_PASSWORD)]).await;
    assert_eq!(location(&res), "/shop/account");
    let (_, html) = app.get_html("/shop/account").await;
    assert_eq!(select(&html, "#notice"), vec!["Saved. We sent a link to mei.lin@example.com: your sign-in email changes when you open it (within 24 hours). Until then you sign in with the present one."]);
    assert!(select(&html, "#account-email")[0].starts_with("mei@example.com"));
    assert_eq!(select(&html, "#pending-email"), vec!["Waiting for confirmation: mei.lin@example.com. Open the link we sent there."]);
    let mail_to = |to: &'static str| app.db.write_blocking(move |conn| atelier::store::mail_outbox::latest_to(conn, to).map_err(atelier::store::StoreError::from)).unwrap().expect("a mail");
    assert_eq!(mail_to("mei@example.com").subject, "A new email was asked for your Atelier account");
    let link_in = |to: &'static str| {
        let body = mail_to(to).body;
        body[body.find("/shop/account/email/").unwrap()..].split_whitespace().next().unwrap().to_owned()
    };
    // Only the last address asked for can become the account's.
    let (status, html) = app.get_html(&link_in("mei.lin@exmaple.com")).await;
    assert_eq!((status, select(&html, "#form-error")), (StatusCode::GONE, vec!["This link is used, expired or unknown. Ask for the change again from your account page.".to_owned()]));
    assert_eq!(app.browser().shop_sign_in("mei@example.com", CUSTOMER_PASSWORD).await.status(), StatusCode::SEE_OTHER);
    // Opening the link shows what it confirms and changes nothing; its button does.
    let link = link_in("mei.lin@example.com");
    let (status, html) = app.get_html(&link).await;
    assert_eq!((status, select(&html, "#email-confirm-text")), (StatusCode::OK, vec!["Sign in to your Atelier account with mei.lin@example.com from now on?".to_owned()]));
    let res = app.shop_form(&link, &link, &[]).await;
    assert_eq!(location(&res), "/shop/account");
    assert_eq!(app.shop_form("/shop/account", &link, &[]).await.status(), StatusCode::GONE, "a link works once");
    let (_, html) = app.get_html("/shop/account").await;
    assert_eq!(select(&html, "#account-email"), vec!["mei.lin@example.com"]);
    // The old address is told, and signs in nobody now.
    let mail = mail_to("mei@example.com");
    assert_eq!(mail.subject, "The email of your Atelier account was changed");
    assert!(mail.body.contains("mei.lin@example.com"), "{}", mail.body);
    assert_eq!(app.browser().shop_sign_in("mei@example.com", CUSTOMER_PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.browser().shop_sign_in("mei.lin@example.com", CUSTOMER_PASSWORD).await.status(), StatusCode::SEE_OTHER);

    // A change asked for by whoever had the password dies with a new password ("if this was
    // not you, change your password" must be enough).
    let res = app.shop_form("/shop/account", "/shop/account/details", &[("name", "Mei Lin"), ("email", "taken.over@example.com"), ("password", CUSTOMER_PASSWORD)]).await;
    assert_eq!(location(&res), "/shop/account");
    let hijack = link_in("taken.over@example.com");
    // The password: each mistake at its field, nothing typed shown again.
    let res = app.shop_form("/shop/account", "/shop/account/password", &[("current", "wrong"), ("new_password", "short"), ("confirm", "short")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = html_of(res).await;
    assert_eq!(select(&html, "#current-error"), vec!["This is not your current password."]);
    assert_eq!(select(&html, "#new-password-error"), vec!["Use at least 12 characters."]);
    assert_eq!(attr(&html, "#current", "value").as_deref(), Some(""));
    let new_password = "a quiet orange bicycle";
    let res = app.shop_form("/shop/account", "/shop/account/password", &[("current", CUSTOMER_PASSWORD), ("new_password", new_password), ("confirm", "a quiet orange tricycle")]).await;
    assert_eq!(select(&html_of(res).await, "#confirm-error"), vec!["The two new passwords are not the same."]);
    let res = app.shop_form("/shop/account", "/shop/account/password", &[("current", CUSTOMER_PASSWORD), ("new_password", new_password), ("confirm", new_password)]).await;
    assert_eq!(location(&res), "/shop/account");
    // This session goes on; the other device is signed out; the account's address is told.
    let (status, html) = app.get_html("/shop/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(select(&html, "#notice").first().is_some_and(|n| n.starts_with("Your password is changed.")));
    assert_eq!(other_device.get("/shop/account").await.status(), StatusCode::SEE_OTHER);
    let mail = app.db.write_blocking(|conn| atelier::store::mail_outbox::latest_to(conn, "mei.lin@example.com").map_err(atelier::store::StoreError::from)).unwrap().expect("a mail");
    assert_eq!(mail.subject, "Your Atelier password was changed");
    assert_eq!(app.browser().shop_sign_in("mei.lin@example.com", new_password).await.status(), StatusCode::SEE_OTHER);
    let stranger = app.browser();
    assert_eq!(stranger.get_html(&hijack).await.0, StatusCode::GONE);
    let (_, html) = app.get_html("/shop/account").await;
    assert!(select(&html, "#pending-email").is_empty());
    // Confirmed by someone not signed in to the account: said on the page, not on another's.
    let res = app.shop_form("/shop/account", "/shop/account/details", &[("name", "Mei Lin"), ("email", "mei.l@example.com"), ("password", new_password)]).await;
    assert_eq!(location(&res), "/shop/account");
    let link = link_in("mei.l@example.com");
    let res = stranger.shop_form(&link, &link, &[]).await;
    assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, link.clone()));
    let (status, html) = stranger.get_html(&link).await;
    assert_eq!((status, select(&html, "#notice")), (StatusCode::OK, vec!["Done: that account signs in with its new email from now on.".to_owned()]));
    // A reload says the link is used, not that it failed just now.
    assert_eq!(stranger.get_html(&link).await.0, StatusCode::GONE);
    // A mistyped one is taken back from the account page; its link stops working.
    let res = app.shop_form("/shop/account", "/shop/account/details", &[("name", "Mei Lin"), ("email", "mei.l@exmaple.com"), ("password", new_password)]).await;
    assert_eq!(location(&res), "/shop/account");
    let typo = link_in("mei.l@exmaple.com");
    let (_, html) = app.get_html("/shop/account").await;
    assert_eq!(select(&html, "#cancel-email-change"), vec!["Keep the present email"]);
    let res = app.shop_form("/shop/account", "/shop/account/email/cancel", &[]).await;
    assert_eq!(location(&res), "/shop/account");
    let (_, html) = app.get_html("/shop/account").await;
    assert_eq!(select(&html, "#notice"), vec!["The change of email is cancelled: its link no longer works."]);
    assert!(select(&html, "#pending-email").is_empty());
    assert_eq!(app.get_html(&typo).await.0, StatusCode::GONE);

    // Erasure takes the mail to both addresses.
    let res = app.shop_form("/shop/account", "/shop/account/erase", &[("confirm", "mei.l@example.com")]).await;
    assert_eq!(location(&res), "/shop?erased=1");
    let left = app.db.write_blocking(|conn| atelier::store::mail_outbox::latest(conn, 100).map_err(atelier::store::StoreError::from)).unwrap();
    assert!(left.iter().all(|m| !m.to_address.starts_with("mei") && !m.body.contains("mei")), "{left:?}");
}

/// A review found the checkout was the answer to the configurator's form: reloading it, or
/// Back from the order, asked the browser to send the form again.
async fn the_checkout_is_a_page_that_reloads_and_comes_back_without_resending(backend: Backend) {
    let app = with_shop(backend).await;
    let html_of = |res: reqwest::Response| async move { (res.status(), Html::parse_document(&res.text().await.unwrap())) };
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let (csrf, version, key) = app.configurator_fields("cycling_jersey").await;
    let mut form = vec![("csrf_token", csrf.as_str()), ("version", version.as_str()), ("idempotency_key", key.as_str()), ("action", "checkout")];
    form.extend_from_slice(&JERSEY);
    form.push(("o_name_print", "Mei Li-O'Neil"));
    let res = app.post_form("/shop/configure/cycling_jersey", &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let checkout = location(&res);
    assert!(checkout.starts_with("/shop/checkout/cycling_jersey?"), "{checkout}");
    // Opened twice (a reload), it is the same page, with the text as typed.
    let (status, first) = app.get_html(&checkout).await;
    assert_eq!(status, StatusCode::OK);
    let (_, again) = app.get_html(&checkout).await;
    assert_eq!(select(&first, "#chosen dd"), select(&again, "#chosen dd"));
    assert!(select(&first, "#chosen dd").contains(&"“Mei Li-O'Neil”".to_owned()), "{:?}", select(&first, "#chosen dd"));
    assert_eq!(attr(&first, "#checkout-form input[name=idempotency_key]", "value").as_deref(), Some(key.as_str()));
    let north = app.north.to_string();
    let fields: Vec<(String, String)> = first
        .select(&scraper::Selector::parse("#checkout-form input[type=hidden]").unwrap())
        .filter_map(|e| Some((e.value().attr("name")?.to_owned(), e.value().attr("value").unwrap_or_default().to_owned())))
        .collect();
    // A checkout link changed by hand into something that cannot be built goes back to the
    // configurator, with what to change.
    let (status, html) = app.get_html(&checkout.replace("o_fabric=", "o_fabric=thermal&x=")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&html, "#form-error"), vec!["The configuration is no longer valid; see what to change."]);
    let order = location(&app.place(&fields, &[("delivery", "store"), ("store", north.as_str())]).await);
    // Back from the order shows the checkout again, saying it is placed, with no button to
    // place it again; a form sent anyway is the same order.
    let (status, html) = app.get_html(&checkout).await;
    assert_eq!(status, StatusCode::OK);
    assert!(select(&html, "#placed")[0].starts_with("You placed this order already, as O-"), "{:?}", select(&html, "#placed"));
    assert_eq!(attr(&html, "#placed-link", "href").as_deref(), Some(order.as_str()));
    assert!(select(&html, "#place").is_empty());
    assert_eq!(location(&app.place(&fields, &[("delivery", "store"), ("store", north.as_str())]).await), order);
    // "Change the configuration" from there is a new order: a new key (a review changed the
    // colour and was sent to the old order, unchanged, without a word).
    let mut change: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).filter(|(k, _)| *k != "o_fabric").collect();
    change.extend([("o_fabric", "thermal"), ("o_sleeve", "long"), ("action", "check")]);
    let (_, html) = html_of(app.post_form("/shop/configure/cycling_jersey", &change).await).await;
    let new_key = attr(&html, "input[name=idempotency_key]", "value").unwrap_or_default();
    assert!(new_key.starts_with("ord_") && new_key != key, "{new_key}");
    // Another customer opening this checkout link places an order of their own.
    let other = app.browser();
    other.signed_up("Ana", "ana@example.com").await;
    other.measure_myself().await;
    let (_, html) = other.get_html(&checkout).await;
    assert!(select(&html, "#placed").is_empty());
    assert_ne!(attr(&html, "#checkout-form input[name=idempotency_key]", "value").as_deref(), Some(key.as_str()));
    // Signed out in between (a session that ended), a live update sends the customer to sign
    // in and back to the page it came from, not to the live update's address.
    let res = app.browser().client.post(app.url("/shop/configure/cycling_jersey/live")).header("referer", app.url(&checkout)).form(&[("csrf_token", "x")]).send().await.unwrap();
    let to = location(&res);
    assert!(to.starts_with("/shop/sign-in?next=%2Fshop%2Fcheckout%2Fcycling_jersey%3F"), "{to}");
}

async fn the_same_again_reuses_the_choices_with_the_latest_measurements(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let mut jersey = JERSEY.to_vec();
    jersey.push(("o_name_print", "MEI"));
    let fields = app.checkout("cycling_jersey", &jersey).await;
    let order = location(&app.place(&fields, &TO_ADDRESS).await);
    let id = order.rsplit('/').next().unwrap();
    // The account page recommends it, with a link that starts from this order.
    let (_, account) = app.get_html("/shop/account").await;
    assert_eq!(attr(&account, "#shop-again a", "href"), Some(format!("/shop/configure/cycling_jersey?from_order={id}")));
    assert!(select(&account, "#shop-recommend-products").is_empty(), "no product suggestions without marketing consent");
    let (status, html) = app.get_html(&format!("/shop/configure/cycling_jersey?from_order={id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(attr(&html, "input[name=o_fit][checked]", "value").as_deref(), Some("club"));
    assert_eq!(attr(&html, "#o_name_print", "value").as_deref(), Some("MEI"));
    assert_ne!(attr(&html, "input[name=idempotency_key]", "value"), fields.iter().find(|(k, _)| k == "idempotency_key").map(|(_, v)| v.clone()), "a new order, not the old one");
    assert!(select(&html, "#measurements-note")[0].starts_with("From your profile: measured"), "{:?}", select(&html, "#measurements-note"));
}

async fn a_garment_preview_shows_its_colours_and_print(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let mut jersey: Vec<_> = JERSEY.into_iter().filter(|(k, _)| !k.ends_with("_colour")).collect();
    jersey.extend([("o_body_colour", "red"), ("o_panel_colour", "yellow"), ("o_name_print", "MEI")]);
    let (status, html) = app.configure("cycling_jersey", &jersey, "check").await;
    assert_eq!(status, StatusCode::OK);
    let fills: Vec<String> = html
        .select(&scraper::Selector::parse("#preview polygon").unwrap())
        .filter_map(|p| p.value().attr("fill").map(str::to_owned))
        .collect();
    assert!(fills.contains(&"#b42318".to_owned()) && fills.contains(&"#e0b000".to_owned()), "body red, panels yellow: {fills:?}");
    assert_eq!(select(&html, "#preview svg text"), vec!["MEI"]);
    // The fluo panel costs extra, shown at the value and in the price.
    assert!(select(&html, "label[for=o_panel_colour_yellow] .surcharge")[0].contains("€5.00"));
    assert!(select(&html, "#price-lines dt").iter().any(|l| l == "Side panel colour: Fluo yellow"));
    // Colours not chosen yet are pale, not a colour that looks chosen; a panel chosen alone
    // colours the panels, not the body.
    let fills_of = |html: &scraper::Html| -> Vec<String> { html.select(&scraper::Selector::parse("#preview polygon").unwrap()).filter_map(|p| p.value().attr("fill").map(str::to_owned)).collect() };
    let mut panel_only: Vec<_> = JERSEY.into_iter().filter(|(k, _)| !k.ends_with("_colour")).collect();
    let (_, html) = app.configure("cycling_jersey", &panel_only, "check").await;
    assert!(fills_of(&html).iter().all(|f| f == "#e4e4e7"), "{:?}", fills_of(&html));
    panel_only.push(("o_panel_colour", "yellow"));
    let (_, html) = app.configure("cycling_jersey", &panel_only, "check").await;
    let fills = fills_of(&html);
    assert!(fills.contains(&"#e0b000".to_owned()) && fills.contains(&"#e4e4e7".to_owned()) && !fills.contains(&"#1f5f8b".to_owned()), "{fills:?}");
}

async fn an_older_measurement_set_can_be_chosen_and_is_used_at_checkout(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    // A newer set with a longer inside leg.
    let mut newer = MEDIAN_MAN.to_vec();
    newer.retain(|(k, _)| *k != "m_inside_leg");
    newer.push(("m_inside_leg", "86.5"));
    let res = app.shop_form("/shop/measurements/new", "/shop/measurements", &newer).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html("/shop/configure/road").await;
    let options = html.select(&scraper::Selector::parse("#set option").unwrap()).map(|o| o.value().attr("value").unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(options.len(), 2, "both sets to choose from");
    assert_eq!(attr(&html, "#set option[selected]", "value").as_deref(), Some(options[0].as_str()), "the latest first and chosen");
    // Sets taken the same minute are told apart by their number.
    let labels = select(&html, "#set option");
    assert!(labels[0].starts_with("Set 2: ") && labels[1].starts_with("Set 1: "), "{labels:?}");
    let older = options[1].clone();
    let mut choices = JERSEY.to_vec();
    choices.push(("set", older.as_str()));
    let fields = app.checkout("cycling_jersey", &choices).await;
    assert!(fields.contains(&("set".to_owned(), older.clone())), "the checkout keeps the chosen set");
    let (_, html) = app.configure("cycling_jersey", &choices, "checkout").await;
    let used = select(&html, "#measurements-used dd");
    assert!(used.contains(&"84.5 cm".to_owned()), "the older inside leg is used: {used:?}");
}

async fn a_fitter_saves_a_draft_the_customer_finishes_online(backend: Backend) {
    let app = with_shop(backend).await;
    let code = {
        let staff = app.browser();
        staff.sign_in_as(FITTER_NORTH).await;
        let id = staff.enroll("Ana Silva", "", "+49 171 5550000").await;
        let (_, html) = staff.get_html(&format!("/staff/customers/{id}/orders/new")).await;
        let href = attr(&html, "#products a[href$='product=cycling_jersey']", "href").unwrap().replace("&amp;", "&");
        let (_, html) = staff.get_html(&href).await;
        let f = |n: &str| attr(&html, &format!("input[name={n}]"), "value").unwrap();
        let (csrf, version) = (f("csrf_token"), f("version"));
        let res = staff.post_form(&format!("/staff/customers/{id}/orders"), &[("csrf_token", csrf.as_str()), ("version", &version), ("product", "cycling_jersey"), ("o_cut", "women"), ("o_fit", "relaxed"), ("action", "draft")]).await;
        // Back to the form with the draft, said once: a reload saved it again.
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let back = location(&res);
        assert!(back.starts_with(&format!("/staff/customers/{id}/orders/new?draft=")), "{back}");
        let (_, html) = staff.get_html(&back).await;
        assert_eq!(select(&html, "#notice"), vec!["Saved. The customer finds it online under “Saved”, and it is listed on their page here."]);
        assert_eq!(attr(&html, "#o_cut option[selected]", "value").as_deref(), Some("women"));
        assert!(select(&staff.get_html(&back).await.1, "#notice").is_empty(), "said once");
        // Saved again from there, the same draft is updated, not a second one made.
        let draft = attr(&html, "input[name=draft]", "value").unwrap();
        let csrf = attr(&html, "input[name=csrf_token]", "value").unwrap();
        let res = staff.post_form(&format!("/staff/customers/{id}/orders"), &[("csrf_token", csrf.as_str()), ("version", &version), ("product", "cycling_jersey"), ("draft", &draft), ("o_cut", "women"), ("o_fit", "club"), ("action", "draft")]).await;
        assert_eq!(location(&res), back);
        let res = staff.post_on_customer(id, "claim-code", &[]).await;
        let html = Html::parse_document(&res.text().await.unwrap());
        select(&html, "#claim-code").remove(0)
    };
    let res = app.shop_form("/shop/claim", "/shop/claim", &[("code", &code), ("email", "ana@example.com"), ("password", CUSTOMER_PASSWORD), ("confirmation", CUSTOMER_PASSWORD)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html("/shop/drafts").await;
    assert_eq!(select(&html, "#drafts .draft").len(), 1, "one draft, saved twice");
    assert!(select(&html, "#drafts .draft .muted")[0].contains("saved in the store"));
    let href = attr(&html, "#drafts .draft a", "href").unwrap();
    let (status, html) = app.get_html(&href).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(attr(&html, "input[name=o_cut][checked]", "value").as_deref(), Some("women"));
    assert_eq!(attr(&html, "input[name=o_fit][checked]", "value").as_deref(), Some("club"), "the draft as saved the second time");
}

async fn self_measurement_mistakes_are_shown_at_the_field(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    let res = app.shop_form("/shop/measurements/new", "/shop/measurements", &[]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#form-error"), vec!["Enter at least one measurement."]);

    let res = app.shop_form("/shop/measurements/new", "/shop/measurements", &[("m_stature", "tall")]).await;
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#m_stature-error"), vec!["Stature: enter a number, such as 170.5 or 170,5 (cm)."]);
    assert_eq!(attr(&html, "#m_stature", "value").as_deref(), Some("tall"), "what was typed is kept");

    // An unusual combination is a warning to confirm, as in the store; confirmed, it is saved.
    let res = app.shop_form("/shop/measurements/new", "/shop/measurements", &[("m_stature", "150"), ("m_inside_leg", "88")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#warnings h2"), vec!["Please check these values"]);
    let fingerprint = attr(&html, "input[name=fingerprint]", "value").unwrap();
    let confirm = attr(&html, "input[name=confirm]", "value").unwrap();
    let res = app
        .shop_form("/shop/measurements/new", "/shop/measurements", &[("m_stature", "150"), ("m_inside_leg", "88"), ("fingerprint", &fingerprint), ("confirm", &confirm)])
        .await;
    assert_eq!(location(&res), "/shop/measurements");
    let (_, html) = app.get_html("/shop/measurements").await;
    assert!(select(&html, ".measurement-set h2")[0].ends_with("by yourself · 2 values"), "{:?}", select(&html, ".measurement-set h2"));
    assert_eq!(select(&html, "#saved-notice"), vec!["Saved. Everything you configure is now checked against these measurements."]);
    assert!(select(&app.get_html("/shop/measurements").await.1, "#saved-notice").is_empty(), "said once");

    // The next set starts from this one: changing one value does not lose the others.
    let (_, html) = app.get_html("/shop/measurements/new").await;
    assert!(select(&html, "#prefilled")[0].starts_with("Filled in with your measurements of "));
    assert_eq!((attr(&html, "#m_stature", "value").as_deref(), attr(&html, "#m_inside_leg", "value").as_deref()), (Some("150"), Some("88")));
    assert_eq!(attr(&html, "#m_body_mass", "value").as_deref(), Some(""));

    // In inches and pounds, asked for once, and kept as the units of the next form.
    let (_, html) = app.get_html("/shop/measurements/new?unit=imperial&next=/shop/configure/road").await;
    // The switch is a button of the form, which carries where to go next.
    assert_eq!((attr(&html, "#unit-metric", "form").as_deref(), attr(&html, "#unit-metric", "name").as_deref()), (Some("measurement-form"), Some("switch_units")));
    assert_eq!(attr(&html, "#measurement-form input[name=next]", "value").as_deref(), Some("/shop/configure/road"));
    assert_eq!(attr(&html, "#m_stature", "value").as_deref(), Some("59.06"), "1500 mm in inches");
    // The units switch with values typed (our script sends the form) keeps them, converted.
    let res = app
        .shop_form("/shop/measurements/new?unit=imperial", "/shop/measurements", &[("unit_system", "imperial"), ("m_stature", "69.1"), ("m_inside_leg", "3x"), ("switch_units", "metric"), ("next", "/shop/configure/road")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let switched = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!((attr(&switched, "#m_stature", "value").as_deref(), attr(&switched, "#m_inside_leg", "value").as_deref()), (Some("175.5"), Some("3x")));
    assert_eq!((attr(&switched, "#unit-metric", "class").as_deref(), attr(&switched, "#measurement-form input[name=next]", "value").as_deref()), (Some("button current"), Some("/shop/configure/road")));
    let res = app
        .shop_form("/shop/measurements/new?unit=imperial", "/shop/measurements", &[("unit_system", "imperial"), ("m_stature", "69.1"), ("m_inside_leg", "32.25"), ("m_body_mass", "165")])
        .await;
    assert_eq!(location(&res), "/shop/measurements");
    let (_, html) = app.get_html("/shop/measurements").await;
    let shown = select(&html, ".measurement-set")[0].clone();
    assert!(shown.contains("69.1 in") && shown.contains("32.25 in") && shown.contains("165.0 lb"), "{shown}");
    let (_, html) = app.get_html("/shop/measurements/new").await;
    assert_eq!(attr(&html, "#unit-imperial", "class").as_deref(), Some("button current"), "the latest set's units");
    // The configurator's derived values and the checkout speak those units too.
    let (_, html) = app.get_html("/shop/configure/road").await;
    let derived = select(&html, "#derived dd");
    assert!(derived.contains(&"54 cm (21.3\u{a0}in)".to_owned()), "stature 69.1 in: the maker's 54; {derived:?}");
    let in_inches = [("unit_system", "imperial"), ("m_stature", "69.1"), ("m_chest_girth", "41.6"), ("m_waist_girth", "36.9"), ("m_hip_girth", "40"), ("m_arm_length", "23.3"), ("m_body_mass", "186.5")];
    let res = app.shop_form("/shop/measurements/new?unit=imperial", "/shop/measurements", &in_inches).await;
    assert_eq!(location(&res), "/shop/measurements");
    let (_, html) = app.get_html(&app.checkout_path("cycling_jersey", &JERSEY).await).await;
    let used = select(&html, "#measurements-used dd");
    assert!(used.contains(&"69.1 in".to_owned()) && used.contains(&"41.6 in".to_owned()) && used.contains(&"186.5 lb".to_owned()), "{used:?}");
}

/// A checkout's key that placed an order, sent again with other choices (a form kept from
/// before, a link edited by hand), answered with the earlier order as if these were placed.
async fn a_checkout_sent_again_with_other_choices_places_nothing(backend: Backend) {
    let app = with_shop(backend).await;
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let fields = app.checkout("cycling_jersey", &JERSEY).await;
    let placed = app.place(&fields, &TO_ADDRESS).await;
    assert_eq!(placed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&app.place(&fields, &TO_ADDRESS).await), location(&placed), "the same again is the same order");
    let red: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.clone(), if k == "o_body_colour" { "red".to_owned() } else { v.clone() })).collect();
    let res = app.place(&red, &TO_ADDRESS).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = Html::parse_document(&res.text().await.unwrap());
    let (_, order) = app.get_html(&location(&placed)).await;
    let reference = select(&order, "#order-reference").concat();
    assert_eq!(select(&html, "#form-error"), vec![format!("This form placed order {reference} already, with other choices: these were not ordered. Place again to order them as a new order.")]);
    let key = attr(&html, "input[name=idempotency_key]", "value").unwrap();
    let again: Vec<(String, String)> = red.into_iter().map(|(k, v)| if k == "idempotency_key" { (k, key.clone()) } else { (k, v) }).collect();
    let second = app.place(&again, &TO_ADDRESS).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    assert_ne!(location(&second), location(&placed), "a second order, the red one");
}

/// The checkout showed the customer's own store's tax and offered the first store of the list
/// to collect at; the order was taxed as that store taxes (20 % charged where 0 % was shown).
/// The store offered is the customer's own; another one chosen, with another tax, is priced
/// before it is placed.
async fn the_checkout_charges_the_price_it_showed_for_the_store_chosen(backend: Backend) {
    let app = with_shop(backend).await;
    let south = app
        .db
        .write(|conn| -> Result<i64, atelier::store::StoreError> {
            let south = atelier::store::stores::list(conn)?.into_iter().find(|s| s.code == "SOUTH").expect("the south store").id;
            atelier::store::stores::update(conn, south, "South Store", 0)?;
            Ok(south)
        })
        .await
        .unwrap();
    app.signed_up("Mei", "mei@example.com").await;
    app.measure_myself().await;
    let fields = app.checkout("cycling_jersey", &JERSEY).await;
    let (_, html) = app.get_html(&app.checkout_path("cycling_jersey", &JERSEY).await).await;
    assert_eq!(select(&html, "#store option[selected]"), vec!["North Store"], "the store whose tax the page shows");
    assert_eq!(select(&html, "#total"), vec!["€142.80"]);
    let at_south = [("delivery", "store"), ("store", &*south.to_string())].map(|(k, v)| (k, v.to_owned()));
    let delivery: Vec<(&str, &str)> = at_south.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.place(&fields, &delivery).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "not placed at a price the page did not show");
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#form-error"), vec!["The choices or the store changed after the price was shown (€142.80): the order is not placed. It comes to €119.00 now; place it again if that is right."]);
    assert_eq!(select(&html, "#total"), vec!["€119.00"]);
    assert_eq!(select(&html, "#store option[selected]"), vec!["South Store"], "the store chosen is kept");
    let again: Vec<(String, String)> = {
        let sel = scraper::Selector::parse("#checkout-form input[type=hidden]").unwrap();
        html.select(&sel).filter_map(|e| Some((e.value().attr("name")?.to_owned(), e.value().attr("value").unwrap_or_default().to_owned()))).collect()
    };
    let res = app.place(&again, &delivery).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, order) = app.get_html(&location(&res)).await;
    assert!(select(&order, ".total strong, #total").iter().any(|t| t == "€119.00"), "charged what was shown: {:?}", select(&order, ".total strong, #total"));
}
