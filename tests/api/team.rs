//! Stores and staff accounts from the pages: an administrator adds a store and its people, a
//! manager looks after the store's fitters, one-time passwords are handed over once, and a
//! disabled account is signed out at once.

use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    an_administrator_adds_a_store_and_its_manager_who_signs_in_with_the_one_time_password,
    a_manager_adds_and_disables_the_fitters_of_their_own_store_only,
    a_new_one_time_password_ends_the_old_password_and_its_sessions,
    a_store_s_name_and_tax_rate_change_and_its_code_stays,
    nobody_disables_their_own_account,
    a_closed_store_sells_nothing_and_its_people_are_signed_out,
    a_closing_store_hands_its_customers_and_channels_to_another_and_lists_its_orders_to_collect,
    the_audit_log_says_who_did_what_to_which_record_and_filters_by_record_area_and_person,
);

async fn page(res: reqwest::Response) -> (StatusCode, Html) {
    let status = res.status();
    (status, Html::parse_document(&res.text().await.unwrap()))
}

/// The one-time password a page shows once.
fn one_time_password(html: &Html) -> String {
    select(html, "#one-time-password").pop().expect("a one-time password on the page")
}

async fn staff_id(app: &TestApp, email: &'static str) -> i64 {
    app.db.read(move |c| Ok::<_, atelier::store::StoreError>(atelier::store::staff::find_by_email(c, email)?.expect("the account").id)).await.unwrap()
}

async fn an_administrator_adds_a_store_and_its_manager_who_signs_in_with_the_one_time_password(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(ADMIN).await;
    let token = app.csrf("/staff/stores").await;

    // Nothing typed: each field says what it needs, and nothing is stored.
    let (status, html) = page(app.post_form("/staff/stores", &[("csrf_token", &token), ("code", ""), ("name", " "), ("tax_rate", "twenty")]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(select(&html, "#s-code-error"), vec!["Enter a code for the store."]);
    assert_eq!(select(&html, "#s-name-error"), vec!["Enter the store's name."]);
    assert_eq!(select(&html, "#s-tax-error"), vec!["Enter a rate from 0 to 100, e.g. 20 or 7.7 (at most two decimals)."]);
    assert_eq!(attr(&html, "#s-tax", "value").as_deref(), Some("twenty"), "what was typed stays");
    // A code in use, typed in lower case, is the same code.
    let (status, html) = page(app.post_form("/staff/stores", &[("csrf_token", &token), ("code", "north"), ("name", "North Again"), ("tax_rate", "20")]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(select(&html, "#s-code-error"), vec!["Another store has this code already."]);
    assert_eq!(attr(&html, "#s-name", "value").as_deref(), Some("North Again"));
    let stores = app.db.read(|c| Ok::<_, atelier::store::StoreError>(atelier::store::stores::list(c)?)).await.unwrap();
    assert_eq!(stores.len(), 2, "nothing stored by refused forms");

    let res = app.post_form("/staff/stores", &[("csrf_token", &token), ("code", "west-1"), ("name", "West  Store"), ("tax_rate", "7,7")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let store_page = location(&res);
    assert!(store_page.starts_with("/staff/stores/") && !store_page.contains('?'), "{store_page}");
    let (_, html) = app.get_html(&store_page).await;
    assert_eq!(select(&html, "#store-notice").len(), 1, "what was done is said");
    assert!(select(&app.get_html(&store_page).await.1, "#store-notice").is_empty(), "once: not on a reload");
    assert_eq!(select(&html, "#store-name"), vec!["West Store"]);
    assert!(select(&html, "p.muted").iter().any(|p| p.starts_with("WEST-1 · EUR · prices include 7.7 % tax")), "{:?}", select(&html, "p.muted"));
    assert_eq!(select(&html, "#store-notice"), vec!["The store is added. Add its manager and fitters below."]);
    let (_, list) = app.get_html("/staff/stores").await;
    assert!(select(&list, "#stores li").iter().any(|l| l.starts_with("West Store WEST-1")), "{:?}", select(&list, "#stores li"));

    // Its manager, with a one-time password shown once.
    let add = store_page.split('?').next().unwrap().to_owned() + "/staff";
    let (status, html) = page(app.post_form(&add, &[("csrf_token", &token), ("name", "Wes Manager"), ("email", "Wes@Chain.Example"), ("role", "manager")]).await).await;
    assert_eq!(status, StatusCode::OK);
    let password = one_time_password(&html);
    // Reloading that page sends the form again: it says what happened, not that another has
    // the address.
    let (status, again) = page(app.post_form(&add, &[("csrf_token", &token), ("name", "Wes Manager"), ("email", "Wes@Chain.Example"), ("role", "manager")]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(select(&again, ".field-error").iter().any(|e| e.starts_with("This person was just added; their one-time password was shown once")), "{:?}", select(&again, ".field-error"));
    assert_eq!(password.len(), 23);
    // The same email again is refused at the field, with what was typed.
    let (status, html) = page(app.post_form(&add, &[("csrf_token", &token), ("name", "Wes Again"), ("email", "wes@chain.example"), ("role", "fitter")]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(select(&html, "#a-email-error"), vec!["An account with this email exists already: see the stores' teams and the administrators."]);
    assert_eq!(attr(&html, "#a-name", "value").as_deref(), Some("Wes Again"));

    let wes = app.browser();
    let res = wes.sign_in("wes@chain.example", &password).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/staff/password", "a one-time password is replaced first");
    let (_, html) = app.get_html(&store_page).await;
    assert_eq!(select(&html, "#team td:nth-child(2)"), vec!["wes@chain.example"]);
    assert_eq!(attr(&html, "#team [data-state]", "data-state").as_deref(), Some("first-password"));
    // The password is nowhere else: not on the store's page, nor in the audit trail.
    assert!(!app.get("/staff/stores").await.text().await.unwrap().contains(&password));
}

async fn a_manager_adds_and_disables_the_fitters_of_their_own_store_only(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(MANAGER_NORTH).await;
    let north = format!("/staff/stores/{}", app.north);
    let (_, html) = app.get_html(&north).await;
    assert_eq!(attr(&html, "#new-account input[name=role]", "value").as_deref(), Some("fitter"), "a manager adds fitters only");
    let token = app.csrf(&north).await;

    // Asking for a manager anyway is refused at the field.
    let (status, html) = page(app.post_form(&format!("{north}/staff"), &[("csrf_token", &token), ("name", "Max"), ("email", "max@chain.example"), ("role", "manager")]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(select(&html, "#a-role-error"), vec!["A manager adds fitters; ask an administrator to add a manager."]);
    // Another store's team is not theirs.
    let south = format!("/staff/stores/{}/staff", app.south);
    let res = app.post_form(&south, &[("csrf_token", &token), ("name", "Sam"), ("email", "sam@chain.example"), ("role", "fitter")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let south_fitter = staff_id(&app, FITTER_SOUTH).await;
    let res = app.post_form(&format!("/staff/team/{south_fitter}/active"), &[("csrf_token", &token), ("active", "off")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let (status, html) = page(app.post_form(&format!("{north}/staff"), &[("csrf_token", &token), ("name", "Nina Newfitter"), ("email", "nina@chain.example"), ("role", "fitter")]).await).await;
    assert_eq!(status, StatusCode::OK);
    let nina = app.browser();
    let res = nina.sign_in("nina@chain.example", &one_time_password(&html)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(nina.get("/staff/password").await.status(), StatusCode::OK);

    // Disabled: her session ends on the server at once.
    let id = staff_id(&app, "nina@chain.example").await;
    let res = app.post_form(&format!("/staff/team/{id}/active"), &[("csrf_token", &token), ("active", "off")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), north);
    let res = nina.get("/staff/password").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/staff/sign-in"));
    let (_, html) = app.get_html(&north).await;
    assert_eq!(select(&html, "#store-notice"), vec!["The account is disabled and signed out everywhere."]);
    assert_eq!(attr(&html, &format!("#member-{id} [data-state]"), "data-state").as_deref(), Some("disabled"));
    assert_eq!(select(&html, &format!("#member-{id} button")), vec!["Enable again"]);
    // A password for a disabled account could not be used: it is refused with the reason.
    let (status, html) = page(app.post_form(&format!("/staff/team/{id}/password"), &[("csrf_token", &token)]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(select(&html, "#member-error"), vec!["This account is disabled: enable it first, then give it a new one-time password."]);

    // Enabled again, she signs in again.
    let res = app.post_form(&format!("/staff/team/{id}/active"), &[("csrf_token", &token), ("active", "on")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let pw = {
        let (_, html) = page(app.post_form(&format!("/staff/team/{id}/password"), &[("csrf_token", &token)]).await).await;
        one_time_password(&html)
    };
    assert_eq!(nina.sign_in("nina@chain.example", &pw).await.status(), StatusCode::SEE_OTHER);
    // The manager's own row carries no buttons; sent anyway, the answer says why.
    let me = staff_id(&app, MANAGER_NORTH).await;
    let (_, html) = app.get_html(&north).await;
    assert!(select(&html, &format!("#member-{me} button")).is_empty());
    let (status, html) = page(app.post_form(&format!("/staff/team/{me}/active"), &[("csrf_token", &token), ("active", "off")]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(select(&html, "#member-error"), vec!["You cannot disable your own account; ask another administrator."]);
}

async fn a_new_one_time_password_ends_the_old_password_and_its_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let fitter = app.browser();
    fitter.sign_in_as(FITTER_NORTH).await;
    app.sign_in_as(MANAGER_NORTH).await;
    let token = app.csrf("/staff").await;
    let id = staff_id(&app, FITTER_NORTH).await;
    let (status, html) = page(app.post_form(&format!("/staff/team/{id}/password"), &[("csrf_token", &token)]).await).await;
    assert_eq!(status, StatusCode::OK);
    let password = one_time_password(&html);
    assert_eq!(attr(&html, "a.button", "href"), Some(format!("/staff/stores/{}", app.north)));

    let res = fitter.get("/staff").await;
    assert!(location(&res).starts_with("/staff/sign-in"), "the fitter's session ended");
    let again = app.browser();
    assert_eq!(again.sign_in(FITTER_NORTH, PASSWORD).await.status(), StatusCode::UNAUTHORIZED, "the old password is refused");
    let res = again.sign_in(FITTER_NORTH, &password).await;
    assert_eq!(location(&res), "/staff/password");
    // A fitter gives nobody a password.
    let other = app.browser();
    other.sign_in_as(FITTER_SOUTH).await;
    let token = other.csrf("/staff").await;
    let manager = staff_id(&app, MANAGER_NORTH).await;
    assert_eq!(other.post_form(&format!("/staff/team/{manager}/password"), &[("csrf_token", &token)]).await.status(), StatusCode::FORBIDDEN);
}

async fn a_store_s_name_and_tax_rate_change_and_its_code_stays(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(ADMIN).await;
    let north = format!("/staff/stores/{}", app.north);
    let (_, html) = app.get_html(&north).await;
    assert_eq!(attr(&html, "#s-tax", "value").as_deref(), Some("20"));
    let token = app.csrf(&north).await;
    let (status, html) = page(app.post_form(&north, &[("csrf_token", &token), ("name", "North Flagship"), ("tax_rate", "7.775"), ("code", "HACKED")]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(select(&html, "#s-tax-error"), vec!["Enter a rate from 0 to 100, e.g. 20 or 7.7 (at most two decimals)."]);
    assert_eq!(attr(&html, "#s-name", "value").as_deref(), Some("North Flagship"));
    let res = app.post_form(&north, &[("csrf_token", &token), ("name", "North Flagship"), ("tax_rate", "8.1"), ("code", "HACKED")]).await;
    assert_eq!(location(&res), north);
    let store = app.db.read(|c| Ok::<_, atelier::store::StoreError>(atelier::store::stores::find_by_code(c, "NORTH")?)).await.unwrap().expect("the code stays");
    assert_eq!((store.name.as_str(), store.tax_rate_bp), ("North Flagship", 810));
    // A manager reads the store but does not change it.
    let manager = app.browser();
    manager.sign_in_as(MANAGER_NORTH).await;
    let (_, html) = manager.get_html(&north).await;
    assert!(select(&html, "#store-settings").is_empty());
    let token = manager.csrf(&north).await;
    assert_eq!(manager.post_form(&north, &[("csrf_token", &token), ("name", "Mine"), ("tax_rate", "0")]).await.status(), StatusCode::FORBIDDEN);
}

async fn nobody_disables_their_own_account(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(ADMIN).await;
    let token = app.csrf("/staff/stores").await;
    let me = staff_id(&app, ADMIN).await;
    let (status, html) = page(app.post_form(&format!("/staff/team/{me}/active"), &[("csrf_token", &token), ("active", "off")]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(select(&html, "#member-error"), vec!["You cannot disable your own account; ask another administrator."]);
    let (status, html) = page(app.post_form(&format!("/staff/team/{me}/password"), &[("csrf_token", &token)]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(select(&html, "#member-error"), vec!["Change your own password under \"Change password\"."]);
    assert_eq!(app.get("/staff").await.status(), StatusCode::OK, "still signed in");

    // Another administrator, added from the page, may disable this one.
    // The form adds administrators only, whatever role is sent.
    let (_, html) = page(app.post_form("/staff/team", &[("csrf_token", &token), ("name", "Bo Admin"), ("email", "bo@chain.example"), ("role", "fitter")]).await).await;
    let first = one_time_password(&html);
    let bo = app.browser();
    let res = bo.sign_in("bo@chain.example", &first).await;
    assert_eq!(location(&res), "/staff/password");
    let token = bo.csrf("/staff/password").await;
    let res = bo.post_form("/staff/password", &[("csrf_token", &token), ("current", &first), ("new_password", "a long new passphrase"), ("confirm", "a long new passphrase")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let token = bo.csrf("/staff/stores").await;
    let res = bo.post_form(&format!("/staff/team/{me}/active"), &[("csrf_token", &token), ("active", "off")]).await;
    assert_eq!(location(&res), "/staff/stores");
    assert!(location(&app.get("/staff").await).starts_with("/staff/sign-in"));
}

async fn a_closed_store_sells_nothing_and_its_people_are_signed_out(backend: Backend) {
    let app = crate::shop_helpers::with_shop(backend).await;
    let fitter = app.browser();
    fitter.sign_in_as(FITTER_NORTH).await;
    let customer = app.browser();
    customer.signed_up("Mei", "mei@example.com").await;
    customer.measure_myself().await;
    app.sign_in_as(ADMIN).await;
    let store_page = format!("/staff/stores/{}", app.north);
    let token = app.csrf(&store_page).await;

    // Only administrators close a store.
    let res = fitter.post_form(&format!("{store_page}/open"), &[("csrf_token", &fitter.csrf("/staff").await), ("open", "off")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = app.post_form(&format!("{store_page}/open"), &[("csrf_token", &token), ("open", "off")]).await;
    assert_eq!(location(&res), store_page);
    let (_, html) = app.get_html(&location(&res)).await;
    assert_eq!(select(&html, "#store-notice"), vec!["The store is closed; its people were signed out."]);
    assert!(select(&html, "#store-closed")[0].starts_with("This store has been closed since "));
    assert!(select(&html, "#add-staff").is_empty(), "nobody is added to a closed store");
    assert!(select(&html, "#team button").is_empty(), "nobody in a closed store is enabled, or given a password");
    let (_, list) = app.get_html("/staff/stores").await;
    assert!(select(&list, "#stores li [data-state=closed]").len() == 1, "{:?}", select(&list, "#stores li"));

    // Its people are signed out and cannot sign in; enabling one is refused at their row.
    assert_ne!(fitter.get("/staff").await.status(), StatusCode::OK);
    // With the right password they are told why (not "email or password is not right"); a
    // wrong one is answered as for anyone.
    let res = app.browser().sign_in(FITTER_NORTH, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(select(&Html::parse_document(&res.text().await.unwrap()), ".form-error"), vec!["This account is disabled (or its store is closed): ask your manager or an administrator to enable it."]);
    assert_eq!(app.browser().sign_in(FITTER_NORTH, "not the password at all").await.status(), StatusCode::UNAUTHORIZED);
    let fitter_id = staff_id(&app, FITTER_NORTH).await;
    let (status, html) = page(app.post_form(&format!("/staff/team/{fitter_id}/active"), &[("csrf_token", &token), ("active", "on")]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(select(&html, "#member-error"), vec!["This person's store is closed: open it again first."]);
    let (status, html) = page(app.post_form(&format!("{store_page}/staff"), &[("csrf_token", &token), ("name", "New Fitter"), ("email", "new@chain.example"), ("role", "fitter")]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(select(&html, "#store-refusal"), vec!["This store is closed: open it again before adding people to it."]);

    // The shop does not offer it for collection, and refuses it if named anyway.
    let checkout = customer.checkout_path("cycling_jersey", &crate::shop_helpers::JERSEY).await;
    let (_, html) = customer.get_html(&checkout).await;
    let offered: Vec<String> = html.select(&scraper::Selector::parse("#store option").unwrap()).filter_map(|o| o.value().attr("value").map(str::to_owned)).collect();
    assert!(!offered.contains(&app.north.to_string()), "{offered:?}");
    let fields = customer.checkout("cycling_jersey", &crate::shop_helpers::JERSEY).await;
    let north = app.north.to_string();
    let res = customer.place(&fields, &[("delivery", "store"), ("store", north.as_str())]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(select(&Html::parse_document(&res.text().await.unwrap()), "#store-error"), vec!["Choose a store."]);

    // Open again: it sells, and its people sign in once enabled.
    let res = app.post_form(&format!("{store_page}/open"), &[("csrf_token", &token), ("open", "on")]).await;
    let (_, html) = app.get_html(&location(&res)).await;
    assert_eq!(select(&html, "#store-notice"), vec!["The store is open again. Enable the accounts of the people who work there."]);
    let res = app.post_form(&format!("/staff/team/{fitter_id}/active"), &[("csrf_token", &token), ("active", "on")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.browser().sign_in(FITTER_NORTH, PASSWORD).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&customer.place(&fields, &[("delivery", "store"), ("store", north.as_str())]).await).split('/').nth(2), Some("orders"));
}

async fn a_closing_store_hands_its_customers_and_channels_to_another_and_lists_its_orders_to_collect(backend: Backend) {
    let app = crate::shop_helpers::with_shop(backend).await;
    // An order to collect in the north store, a channel selling in its name, a customer of it.
    let customer = app.browser();
    customer.signed_up("Mei", "mei@example.com").await;
    customer.measure_myself().await;
    let fields = customer.checkout("cycling_jersey", &crate::shop_helpers::JERSEY).await;
    let north = app.north.to_string();
    assert!(location(&customer.place(&fields, &[("delivery", "store"), ("store", north.as_str())]).await).starts_with("/shop/orders/"));
    let key = app.add_channel("kiosk").await;
    let ana = app.customer_reference("Ana Silva").await;
    app.sign_in_as(ADMIN).await;
    let (north_page, south_page) = (format!("/staff/stores/{}", app.north), format!("/staff/stores/{}", app.south));
    let count = |html: &Html, id: &str| -> usize { select(html, id)[0].split(": ").nth(1).and_then(|n| n.split([' ', '(']).next()).and_then(|n| n.parse().ok()).unwrap() };
    let (_, south_before) = app.get_html(&south_page).await;
    let (_, html) = app.get_html(&north_page).await;
    let customers = count(&html, "#store-left-customers");
    assert!(customers >= 1, "{:?}", select(&html, "#store-left-customers"));
    assert_eq!(select(&html, "#store-left-channels"), vec!["Sales channels selling in its name: 1 (kiosk)"]);
    let to_collect = select(&html, "#store-left-orders a");
    assert!(to_collect.len() == 1 && to_collect[0].starts_with("O-"), "{to_collect:?}");

    // Closing it moves its customers and channels to the store chosen, which must be open.
    let token = app.csrf(&north_page).await;
    let own = north.clone();
    let (status, html) = page(app.post_form(&format!("{north_page}/open"), &[("csrf_token", &token), ("open", "off"), ("hand_over", &own)]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(select(&html, "#store-refusal"), vec!["Customers and channels can only move to another store that is open."]);
    let south = app.south.to_string();
    let res = app.post_form(&format!("{north_page}/open"), &[("csrf_token", &token), ("open", "off"), ("hand_over", &south)]).await;
    assert_eq!(location(&res), north_page);
    let (_, html) = app.get_html(&location(&res)).await;
    assert_eq!(select(&html, "#store-notice"), vec!["The store is closed; its people were signed out. Its customers and sales channels now belong to the store chosen."]);
    assert!(select(&html, "#store-closed")[0].starts_with("This store has been closed since "));
    assert_eq!((count(&html, "#store-left-customers"), count(&html, "#store-left-channels")), (0, 0));
    // The order stays to be collected there, and says so.
    assert_eq!(select(&html, "#store-left-orders a"), to_collect);
    assert_eq!(select(&html, "#store-left-behind p"), vec!["These orders are still to be collected here: on each order's page, choose where it is collected instead (its factory is told), and tell its customer."]);
    // The people of the store its customer now belongs to act on it: only an administrator
    // could (the north store's people are disabled with it).
    let link = attr(&html, "#store-left-orders a", "href").unwrap();
    let fitter = app.browser();
    fitter.sign_in_as(FITTER_SOUTH).await;
    let (_, order_page) = fitter.get_html(&link).await;
    let fitter_token = attr(&order_page, "#collection input[name=csrf_token]", "value").expect("the collection form for the south store's fitter");
    let res = fitter.post_form(&format!("{link}/collection"), &[("csrf_token", &fitter_token), ("store", &south)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html(&north_page).await;
    assert!(select(&html, "#store-left-orders a").is_empty(), "collected in the south store now");
    let (_, south_after) = app.get_html(&south_page).await;
    assert_eq!(count(&south_after, "#store-left-customers"), count(&south_before, "#store-left-customers") + customers);
    assert_eq!(select(&south_after, "#store-left-channels"), vec!["Sales channels selling in its name: 1 (kiosk)"]);
    // The last open store offers no Close button, and refuses to close if asked.
    let open_left = app.db.read(|c| Ok::<_, atelier::store::StoreError>(atelier::store::stores::list(c)?)).await.unwrap().into_iter().filter(|s| s.is_open()).count();
    assert_eq!(open_left, 1);
    assert!(select(&south_after, "#store-close").is_empty());
    assert!(select(&south_after, "#store-last-open")[0].starts_with("This is the only open store"));
    let (status, html) = page(app.post_form(&format!("{south_page}/open"), &[("csrf_token", &token), ("open", "off")]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(select(&html, "#store-refusal")[0].starts_with("This is the only open store"));
    // The channel sells again, in the south store's name.
    let order = serde_json::json!({
        "customer_reference": ana, "product": "cycling_jersey",
        "choices": {"cut": "men", "fit": "club", "sleeve": "short", "fabric": "standard", "zip": "full", "body_colour": "navy", "panel_colour": "black"},
        "measurements": {"stature": 1755, "chest_girth": 1056, "waist_girth": 937, "hip_girth": 1017, "arm_length": 592, "body_mass": 84600, "inside_leg": 845, "shoulder_width": 415},
    });
    let res = reqwest::Client::new().post(app.url("/api/v1/orders")).bearer_auth(&key).header("idempotency-key", "after-close").json(&order).send().await.unwrap();
    let status = res.status();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let reference = body["reference"].as_str().unwrap().to_owned();
    let (store_id, ship_to): (Option<i64>, String) = app
        .db
        .read(move |c| -> Result<_, atelier::store::StoreError> {
            use atelier::store::schema::orders::dsl as o;
            use diesel::prelude::*;
            Ok(o::orders.filter(o::reference.eq(&reference)).select((o::store_id, o::ship_to)).first(c)?)
        })
        .await
        .unwrap();
    assert_eq!((store_id, serde_json::from_str::<serde_json::Value>(&ship_to).unwrap()["store_code"].as_str()), (Some(app.south), Some("SOUTH")));
}

async fn the_audit_log_says_who_did_what_to_which_record_and_filters_by_record_area_and_person(backend: Backend) {
    let app = spawn_app(backend).await;
    let fitter = app.browser();
    fitter.sign_in_as(FITTER_NORTH).await;
    let customer = fitter.enroll("Ana Audit", "ana.audit@example.com", "").await;
    let finn = staff_id(&app, FITTER_NORTH).await;
    // A wrong password for the fitter's account, and the fitter signing out.
    assert_eq!(app.browser().sign_in(FITTER_NORTH, "not the password at all").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(fitter.sign_out().await.status(), StatusCode::SEE_OTHER);
    app.sign_in_as(ADMIN).await;

    // Newest first: the fitter enrolled the customer after signing in; each names its record.
    let (status, html) = app.get_html("/staff/audit").await;
    assert_eq!(status, StatusCode::OK);
    let rows = select(&html, "#audit tbody tr");
    let enrolled = rows.iter().position(|r| r.contains("Enrolled")).expect("the enrolment");
    let signed_in = rows.iter().position(|r| r.contains("Signed in") && r.contains("Finn Fitter")).expect("the fitter's sign-in");
    assert!(enrolled < signed_in, "{rows:?}");
    assert!(rows[enrolled].contains("Finn Fitter") && rows[enrolled].contains(&format!("Customer {customer}")), "{}", rows[enrolled]);
    assert!(attr(&html, &format!("#audit a[href='/staff/customers/{customer}']"), "href").is_some());
    assert!(!rows.iter().any(|r| r.contains("ana.audit@example.com") || r.contains("Ana Audit")), "no personal data: {rows:?}");
    let finn_row = format!("Staff member {finn}");
    assert!(rows.iter().any(|r| r.contains("Someone not signed in") && r.contains("Sign-in failed (wrong password)") && r.contains(&finn_row)), "{rows:?}");
    assert!(rows.iter().any(|r| r.contains("Finn Fitter") && r.contains("Signed out")), "{rows:?}");
    // An order placed online is the customer's entry, naming the order: the order's filter
    // finds it (a whole word of the detail, not order:9990), and the detail links to it.
    app.db
        .write(move |c| -> Result<(), atelier::store::StoreError> {
            atelier::store::audit::record(c, None, "order.placed", &format!("customer:{customer}"), "order:999 online")?;
            atelier::store::audit::record(c, None, "order.placed", &format!("customer:{customer}"), "order:9990 online")?;
            Ok(())
        })
        .await
        .unwrap();
    let (_, html) = app.get_html("/staff/audit?record=order:999").await;
    assert_eq!(select(&html, "#audit tbody td:nth-child(2)"), vec!["The customer, online"]);
    assert_eq!(attr(&html, "#audit td.detail a", "href").as_deref(), Some("/staff/orders/999"));

    // One record, typed loosely.
    let (_, html) = app.get_html(&format!("/staff/audit?record=+Customer+%3A+{customer}")).await;
    let records = select(&html, "#audit tbody td:nth-child(4) a:first-child");
    assert!(!records.is_empty() && records.iter().all(|r| r == &format!("Customer {customer}")), "{records:?}");
    assert_eq!(attr(&html, "#a-record", "value").as_deref(), Some(&*format!(" Customer : {customer}")));

    // One area, one person.
    let (_, html) = app.get_html("/staff/audit?area=staff").await;
    let whats = select(&html, "#audit tbody td:nth-child(3)");
    assert!(whats.contains(&"Signed in".to_owned()) && !whats.contains(&"Enrolled".to_owned()), "{whats:?}");
    assert_eq!(select(&html, "#a-area option[selected]"), vec!["Staff"]);
    let (_, html) = app.get_html(&format!("/staff/audit?by={finn}")).await;
    let whos = select(&html, "#audit tbody td:nth-child(2)");
    assert!(whos.len() >= 2 && whos.iter().all(|w| w == "Finn Fitter"), "{whos:?}");

    // What cannot be read is said at its field, as typed, and nothing is listed.
    for (query, field, message) in [
        ("record=ana", "#a-record-error", "Write a record as its kind and number, such as customer:12 or order:7 (kinds: customer, order, staff, store, factory, channel; a catalog by its code, catalog:atelier-bicycles)."),
        ("area=payroll", "#a-area-error", "Choose an area from the list."),
        ("by=99999", "#a-by-error", "Choose a person from the list."),
        ("record=draft:1", "#a-record-error", "Write a record as its kind and number, such as customer:12 or order:7 (kinds: customer, order, staff, store, factory, channel; a catalog by its code, catalog:atelier-bicycles)."),
    ] {
        let (status, html) = app.get_html(&format!("/staff/audit?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(select(&html, field), vec![message], "{query}");
        assert!(select(&html, "#audit tbody tr").is_empty(), "nothing shown as if filtered: {query}");
    }
    let (_, html) = app.get_html("/staff/audit?record=ana").await;
    assert_eq!(attr(&html, "#a-record", "value").as_deref(), Some("ana"));

    // Not a manager's page: said as such (it spoke of an expired form, on a plain GET).
    let manager = app.browser();
    manager.sign_in_as(MANAGER_NORTH).await;
    let (status, html) = manager.get_html("/staff/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(select(&html, "h1"), vec!["No access"]);
    assert!(!select(&html, "p").concat().contains("expired"));

    // Fifty to a page; the next page carries the filter and ends where the first did.
    app.db
        .write(move |c| -> Result<(), atelier::store::StoreError> {
            for i in 0..60 {
                atelier::store::audit::record(c, Some(finn), "customer.exported", &format!("customer:{customer}"), &format!("n{i}"))?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let (_, html) = app.get_html(&format!("/staff/audit?record=customer:{customer}")).await;
    let first = select(&html, "#audit tbody tr");
    assert_eq!(first.len(), 50);
    assert!(first[0].contains("n59") && first[0].contains("Data exported"), "{}", first[0]);
    let older = attr(&html, "#audit-older", "href").expect("a link to older entries");
    assert!(older.contains(&format!("record=customer:{customer}")), "{older}");
    let (_, html) = app.get_html(&older).await;
    let rest = select(&html, "#audit tbody tr");
    assert!(rest[0].contains("n9") && rest.iter().all(|r| r.contains(&format!("Customer {customer}"))), "{rest:?}");
    assert!(select(&html, "#audit-older").is_empty());
    assert_eq!(attr(&html, "#audit-newest", "href").as_deref(), Some(&*format!("/staff/audit?record=customer:{customer}")));

    // Days (UTC): today's entries are all from today; none are from before 2020, and a day
    // that cannot be read, or an end before the start, is said at its field.
    let today = chrono::Utc::now().date_naive();
    let (_, html) = app.get_html(&format!("/staff/audit?record=customer:{customer}&from={today}&to={today}")).await;
    assert_eq!(select(&html, "#audit tbody tr").len(), 50);
    assert_eq!(attr(&html, "#a-from", "value").as_deref(), Some(&*today.to_string()));
    let (_, html) = app.get_html("/staff/audit?to=2019-12-31").await;
    assert!(select(&html, "#audit tbody tr").is_empty() && !select(&html, "#audit-empty").is_empty());
    for (query, field, message) in [("from=7.12.2026", "#a-from-error", "Write a date as year-month-day, such as 2026-12-07."), ("from=2026-12-07&to=2026-12-01", "#a-to-error", "“To” is before “From”: choose a day on or after it."), ("to=+10000-01-01", "#a-to-error", "Write a date as year-month-day, such as 2026-12-07.")] {
        let (status, html) = app.get_html(&format!("/staff/audit?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(select(&html, field), vec![message], "{query}");
        assert!(select(&html, "#audit-empty").is_empty(), "no search ran: {query}");
    }
    // The last day the date field takes is the end of everything, not before it.
    let (_, html) = app.get_html(&format!("/staff/audit?record=customer:{customer}&from=0001-01-01&to=9999-12-31")).await;
    assert_eq!(select(&html, "#audit tbody tr").len(), 50);
    // A store's settings saved as they were record nothing; a new tax rate says both rates.
    let store = format!("/staff/stores/{}", app.north);
    for rate in ["20", "19"] {
        let token = app.csrf(&store).await;
        assert_eq!(app.post_form(&store, &[("csrf_token", &token), ("name", "North Store"), ("tax_rate", rate)]).await.status(), StatusCode::SEE_OTHER);
    }
    let (_, html) = app.get_html(&format!("/staff/audit?record=store:{}", app.north)).await;
    assert_eq!(select(&html, "#audit td.detail"), vec!["sales tax 20 % → 19 %"]);

    // Everything the filters match, every page of it, as CSV; a name that starts like a
    // spreadsheet formula is text there.
    let export = attr(&app.get_html(&format!("/staff/audit?record=customer:{customer}&from={today}")).await.1, "#audit-export", "href").expect("an export link");
    assert_eq!(export, format!("/staff/audit/export?record=customer:{customer}&from={today}"));
    let res = app.get(&export).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"audit-"));
    let text = res.text().await.unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    assert!(text.starts_with('\u{feff}'), "a byte-order mark first, for spreadsheets (CSV readers skip it)");
    assert_eq!(rows.headers().unwrap().iter().collect::<Vec<_>>(), vec!["at_utc", "who", "staff_id", "action", "what", "record", "detail", "detail_in_words"]);
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert!(rows.len() > 60, "past the first page: {}", rows.len());
    assert_eq!((&rows[0][1], &rows[0][2], &rows[0][3], &rows[0][4], &rows[0][5], &rows[0][6], &rows[0][7]), ("Finn Fitter", &*finn.to_string(), "customer.exported", "Data exported", &*format!("customer:{customer}"), "n59", "n59"));
    assert!(rows[0][0].starts_with(&today.to_string()) && rows[0][0].ends_with('Z'), "{}", &rows[0][0]);
    app.db
        .write(move |c| -> Result<(), atelier::store::StoreError> {
            atelier::store::audit::record(c, None, "catalog.imported", "catalog:x", "=HYPERLINK(\"http://example.com\")")?;
            Ok(())
        })
        .await
        .unwrap();
    let text = app.get("/staff/audit/export?record=catalog:x").await.text().await.unwrap();
    assert!(text.lines().nth(1).unwrap().ends_with(",catalog:x,\"'=HYPERLINK(\"\"http://example.com\"\")\",\"'=HYPERLINK(\"\"http://example.com\"\")\""), "{text}");
    assert_eq!(manager.get("/staff/audit/export").await.status(), StatusCode::FORBIDDEN);
}
