//! The production bridge against a real HTTP factory: signed pushes with retries, the pull
//! API, and status flowing back.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;
use crate::on_both_backends;

#[derive(Clone, Debug)]
pub struct Received {
    pub webhook_id: String,
    pub body: Value,
    pub signature_ok: bool,
    pub answered: u16,
    pub timestamp: String,
    pub signature: String,
    pub raw: Vec<u8>,
}

#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    Accept,
    FailFirst(usize),
    Gone,
    SlowFirst(usize),
}

/// A factory's webhook receiver: it checks every signature with the Standard Webhooks reference
/// library (not the code the app signs with) and keeps everything it was sent.
#[derive(Clone)]
pub struct TestFactory {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    secret: Arc<Mutex<Option<String>>>,
    mode: Arc<Mutex<Mode>>,
    calls: Arc<Mutex<usize>>,
}

pub fn verify(secret: &str, id: &str, ts: &str, body: &[u8], header: &str) -> bool {
    let Ok(hook) = standardwebhooks::Webhook::new(secret) else { return false };
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in [("webhook-id", id), ("webhook-timestamp", ts), ("webhook-signature", header)] {
        let Ok(value) = value.parse() else { return false };
        headers.insert(name, value);
    }
    // Also refuses a timestamp more than five minutes off.
    hook.verify(body, &headers).is_ok()
}

async fn receive(req: HttpRequest, body: web::Bytes, f: web::Data<TestFactory>) -> HttpResponse {
    let h = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let call = {
        let mut calls = f.calls.lock().unwrap();
        *calls += 1;
        *calls
    };
    let mode = *f.mode.lock().unwrap();
    let answered = match mode {
        Mode::Accept => 204,
        Mode::FailFirst(n) if call <= n => 500,
        Mode::FailFirst(_) => 200,
        Mode::Gone => 410,
        Mode::SlowFirst(n) if call <= n => {
            tokio::time::sleep(Duration::from_secs(4)).await;
            200
        }
        Mode::SlowFirst(_) => 200,
    };
    let secret = f.secret.lock().unwrap().clone().unwrap_or_default();
    f.received.lock().unwrap().push(Received {
        signature_ok: verify(&secret, &h("webhook-id"), &h("webhook-timestamp"), &body, &h("webhook-signature")),
        webhook_id: h("webhook-id"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        answered,
        timestamp: h("webhook-timestamp"),
        signature: h("webhook-signature"),
        raw: body.to_vec(),
    });
    HttpResponse::build(actix_web::http::StatusCode::from_u16(answered).unwrap()).finish()
}

impl TestFactory {
    pub fn start(mode: Mode) -> TestFactory {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let f = TestFactory {
            url: format!("http://127.0.0.1:{port}/hooks"),
            received: Arc::default(),
            secret: Arc::default(),
            mode: Arc::new(Mutex::new(mode)),
            calls: Arc::default(),
        };
        let data = web::Data::new(f.clone());
        let server = HttpServer::new(move || App::new().app_data(data.clone()).route("/hooks", web::post().to(receive)))
            .workers(1)
            .listen(listener)
            .unwrap()
            .run();
        tokio::spawn(server);
        f
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn set_secret(&self, s: &str) {
        *self.secret.lock().unwrap() = Some(s.to_owned());
    }

    /// Deliveries it accepted (answered 2xx).
    pub fn accepted(&self) -> Vec<Received> {
        self.received.lock().unwrap().iter().filter(|r| r.answered < 300).cloned().collect()
    }

    pub async fn wait_for(&self, accepted: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.accepted();
            if got.len() >= accepted || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub struct Registered {
    pub token: String,
    /// The factory's admin page.
    pub page: String,
    pub secret: Option<String>,
}

impl TestApp {
    /// Adds a factory through the admin page (in a browser of its own) and returns its
    /// one-time API token; the signing secret goes to the test factory.
    pub async fn register_factory(&self, code: &str, push: Option<&TestFactory>) -> Registered {
        let admin = self.browser();
        admin.sign_in_as(ADMIN).await;
        let token = admin.csrf("/staff/factories").await;
        let url = push.map(|f| f.url.clone()).unwrap_or_default();
        let res = admin
            .post_form(
                "/staff/factories",
                &[("csrf_token", &token), ("name", &format!("Factory {code}")), ("code", code), ("families", "apparel"), ("families", "bicycle"), ("push_url", &url), ("lead_time_days", "10")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = scraper::Html::parse_document(&res.text().await.unwrap());
        let secret = select(&html, "#secret").first().cloned();
        if let (Some(f), Some(secret)) = (push, &secret) {
            f.set_secret(secret);
        }
        let page = attr(&html, "a.button", "href").expect("a link to the factory's page");
        Registered { token: select(&html, "#token").first().cloned().expect("a token shown once"), page, secret }
    }

    /// Sends the staff order form of `customer` (Check, Place or Save for later, as `form` says).
    pub async fn post_staff_order(&self, customer: i64, form: &[(&str, String)]) -> reqwest::Response {
        self.post_form(&format!("/staff/customers/{customer}/orders"), &form.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await
    }

    /// A fitter orders a cycling jersey for a new customer with measurements; returns the
    /// order page's path.
    pub async fn order_a_jersey(&self, name: &str) -> String {
        let id = self.measured_customer(name).await;
        let form = self.jersey_form(id, &[]).await;
        let res = self.post_staff_order(id, &form).await;
        if res.status() != StatusCode::SEE_OTHER {
            let html = scraper::Html::parse_document(&res.text().await.unwrap());
            panic!("order refused: {:?} {:?}", select(&html, "#violations li"), select(&html, "#form-error"));
        }
        // Sending the same form again (a double click) does not make a second order.
        let again = self.post_staff_order(id, &form).await;
        assert_eq!(location(&again), location(&res));
        location(&res)
    }

    /// A customer enrolled and measured by the signed-in staff member.
    pub async fn measured_customer(&self, name: &str) -> i64 {
        let id = self.enroll(name, &format!("{}@example.com", name.to_lowercase().replace(' ', ".")), "").await;
        let token = self.csrf(&format!("/staff/customers/{id}/measurements/new?unit=metric")).await;
        let res = self
            .post_form(
                &format!("/staff/customers/{id}/measurements"),
                &[("csrf_token", &token), ("unit_system", "metric"), ("m_stature", "175.5"), ("m_chest_girth", "105.6"), ("m_waist_girth", "93.7"),
                  ("m_hip_girth", "101.7"), ("m_arm_length", "59.2"), ("m_body_mass", "84.6"), ("m_inside_leg", "84.5"), ("m_shoulder_width", "41.5")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "measurements saved");
        id
    }

    /// The staff configurator's form for a valid jersey, ready to place, with `extra` fields.
    pub async fn jersey_form(&self, customer: i64, extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        let choices = [("o_cut", "men"), ("o_fit", "club"), ("o_sleeve", "short"), ("o_fabric", "standard"), ("o_zip", "full"), ("o_body_colour", "navy"), ("o_panel_colour", "black"), ("o_name_print", "ANA")];
        let mut form = self.product_form(customer, "cycling_jersey", &choices).await;
        form.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        // Placed at the price a check showed, as the page's Place button is.
        if !extra.iter().any(|(k, _)| *k == "checked_total") {
            let check: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, if *k == "action" { "check" } else { v.as_str() })).collect();
            let res = self.post_form(&format!("/staff/customers/{customer}/orders"), &check).await;
            let html = scraper::Html::parse_document(&res.text().await.unwrap());
            if let Some(total) = attr(&html, "input[name=checked_total]", "value") {
                form.push(("checked_total", total));
            }
        }
        form
    }

    /// The staff configurator's form for `product` with `choices`, to place (`action`).
    pub async fn product_form(&self, customer: i64, product: &'static str, choices: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        let (_, html) = self.get_html(&format!("/staff/customers/{customer}/orders/new")).await;
        let link = scraper::Selector::parse("#products a").unwrap();
        let wanted = format!("product={product}");
        let href = html.select(&link).find(|a| a.value().attr("href").is_some_and(|h| h.ends_with(&wanted))).and_then(|a| a.value().attr("href")).unwrap().to_owned();
        let (_, html) = self.get_html(&href.replace("&amp;", "&")).await;
        let field = |n: &str| attr(&html, &format!("input[name={n}]"), "value").unwrap();
        let mut form = vec![("csrf_token", field("csrf_token")), ("version", field("version")), ("product", product.into()), ("idempotency_key", field("idempotency_key"))];
        form.extend(choices.iter().map(|(k, v)| (*k, v.to_string())));
        form.push(("action", "place".to_owned()));
        form
    }
}

pub async fn with_demo_catalogs(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || atelier::catalogs::load_demo(&db, &atelier::catalogs::CatalogCache::default())).await.unwrap().unwrap();
    app
}

on_both_backends!(
    the_order_form_shows_the_customers_notes_and_the_next_order_takes_a_one_off_wish,
    one_factorys_backlog_leaves_room_for_the_other_factories_events,
    an_event_in_flight_is_not_due_again_until_its_lease_ends,
    a_draft_placed_by_staff_is_done_and_a_form_sent_again_with_other_choices_places_nothing,
    the_staff_order_form_proposes_the_changes_that_fit_keeping_the_choice_made_last,
    the_staff_order_form_adds_inches_and_pounds_for_a_customer_measured_in_them,
    a_work_order_claimed_too_often_is_set_aside_until_staff_hand_it_back,
    an_administrator_chooses_the_store_that_sells_an_order,
    a_page_opened_before_a_catalog_import_is_checked_with_the_new_one,
    a_cancellation_waits_for_the_creation_it_cancels,
    cancelling_before_production_tells_the_factory_and_erasure_too,
    an_order_reaches_the_factory_signed_once_after_failed_attempts,
    a_factory_pulls_acknowledges_and_reports_status_back,
    a_gone_endpoint_is_disabled_and_the_work_order_flagged,
    an_order_commits_with_every_row_that_comes_with_it,
);

/// Claimed five times and never acknowledged, a work order is set aside and flagged on the
/// board. "Retry now" hands it back to the claimers (it cleared the flag, and the next claim
/// set it again); acknowledged after all, it is no longer flagged.
async fn a_work_order_claimed_too_often_is_set_aside_until_staff_hand_it_back(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let reg = app.register_factory("pull-only", None).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        let jerseys = JerseyOrders::prepare(&db);
        db.write_blocking(|c| jerseys.place(c, "first")).unwrap();
        db.write_blocking(|c| jerseys.place(c, "second")).unwrap();
        db.write_blocking(|c| jerseys.place(c, "third")).unwrap();
    })
    .await
    .unwrap();
    let (http, url) = (reqwest::Client::new(), app.url("/api/v1/work-orders"));
    let claim = || async {
        let res = http.post(format!("{url}/claim")).bearer_auth(&reg.token).json(&serde_json::json!({"limit": 10, "lease_seconds": 1})).send().await.unwrap();
        res.json::<Value>().await.unwrap()["items"].as_array().unwrap().iter().map(|w| w["id"].as_i64().unwrap()).collect::<Vec<i64>>()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut ids = claim().await;
    while ids.len() < 3 {
        assert!(Instant::now() < deadline, "the work orders are claimable");
        tokio::time::sleep(Duration::from_millis(200)).await;
        ids = claim().await;
    }
    for _ in 1..5 {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(claim().await.len(), 3);
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(claim().await.is_empty(), "set aside after five claims");
    app.sign_in_as(ADMIN).await;
    let (_, board) = app.get_html("/staff/work-orders").await;
    assert_eq!(select(&board, "[data-attention=dead_letter]").len(), 3);

    // Made after all, without an acknowledgement: nothing to see to (it stayed listed first,
    // "never acknowledged", while in production).
    let made = ids[2];
    let res = http.post(format!("{url}/{made}/events")).bearer_auth(&reg.token).header("idempotency-key", "made").json(&serde_json::json!({"status": "in_production"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (_, board) = app.get_html("/staff/work-orders").await;
    assert_eq!(select(&board, "[data-attention=dead_letter]").len(), 2);

    // An acknowledgement with a lease_token of a work order nobody holds a claim on is told so.
    let (back, acked) = (ids[0], ids[1]);
    let res = http.post(format!("{url}/{made}/ack")).bearer_auth(&reg.token).json(&serde_json::json!({"lease_token": "lease_0000"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "past the acknowledgement, it changes nothing");
    let token = app.csrf("/staff/work-orders").await;
    assert_eq!(app.post_form(&format!("/staff/work-orders/{back}/retry"), &[("csrf_token", &token)]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(claim().await, vec![back], "handed back to the claimers");
    let res = http.post(format!("{url}/{acked}/ack")).bearer_auth(&reg.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (_, board) = app.get_html("/staff/work-orders").await;
    assert!(select(&board, "[data-attention]").is_empty(), "{:?}", select(&board, "[data-attention]"));
    // Nothing needs attention: said so, not "No work orders yet".
    let (_, board) = app.get_html("/staff/work-orders?attention=1").await;
    assert_eq!(select(&board, "#board-empty"), vec!["No work order matches these filters."]);
}

/// An administrator belongs to no store: for a customer without a home store the order form
/// A staff order page opened before its catalog was imported again is checked and placed with
/// the catalog as it is now: Place on the old page places nothing and shows the new price.
async fn a_page_opened_before_a_catalog_import_is_checked_with_the_new_one(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    app.register_factory("north-sewing", None).await;
    app.sign_in_as(ADMIN).await;
    let id = app.measured_customer("Ana Silva").await;
    let north = app.north.to_string();
    let form = app.jersey_form(id, &[("store", &north)]).await;
    let original = std::fs::read_to_string("catalog/sportswear.toml").unwrap();
    let dearer = original.replacen("version = \"2026.1\"", "version = \"2026.2\"", 1).replacen("base_price = \"119.00\"", "base_price = \"124.00\"", 1);
    assert_eq!(app.import_catalog("sportswear.toml", &dearer).await.status(), StatusCode::SEE_OTHER);
    let res = app.post_staff_order(id, &form).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#form-error"), vec!["The catalog was updated (revision 2) since this page was opened: the choices are now checked and priced with it. Check them, then place the order."]);
    let version = attr(&html, "input[name=version]", "value").unwrap();
    assert_ne!(version, form.iter().find(|(k, _)| *k == "version").unwrap().1, "the page is the new revision's");
    let orders = app.db.read(move |c| Ok::<_, atelier::store::StoreError>(atelier::store::orders::for_customer(c, id)?)).await.unwrap();
    assert!(orders.is_empty(), "nothing placed at the old price");
    // Placed from the page as it came back, at the new price.
    let total = attr(&html, "input[name=checked_total]", "value").expect("the new price, checked");
    assert!(total.contains("163.20"), "(124.00 + 12.00 for the name) + 20 %: {total}");
}

/// asks which store sells the order (its tax) and where it is collected (the factory's
/// `ship_to`); without one the order is refused with that question, not placed untaxed.
async fn an_administrator_chooses_the_store_that_sells_an_order(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    app.register_factory("north-sewing", None).await;
    app.sign_in_as(ADMIN).await;
    let id = app.measured_customer("Ana Silva").await;
    let (_, html) = app.get_html(&format!("/staff/customers/{id}/orders/new")).await;
    assert!(select(&html, "#products li").iter().any(|l| l == "Cycling jersey from €119.00 before tax (the store chosen adds its tax)"), "{:?}", select(&html, "#products li"));
    let form = app.jersey_form(id, &[]).await;
    let (_, html) = app.get_html(&format!("/staff/customers/{id}/orders/new?version={}&product=cycling_jersey", form[1].1)).await;
    assert_eq!(select(&html, "#store option"), vec!["–", "North Store", "South Store"]);
    let res = app.post_staff_order(id, &form).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#form-error"), vec!["Choose the store that sells this order and where it is collected."]);
    // Checked without a store: no price at 0 % tax, no Place button, the store asked for.
    let check: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, if *k == "action" { "check" } else { v.as_str() })).collect();
    let html = scraper::Html::parse_document(&app.post_form(&format!("/staff/customers/{id}/orders"), &check).await.text().await.unwrap());
    assert_eq!(select(&html, "#form-error"), vec!["Choose the store that sells this order and where it is collected."]);
    assert!(select(&html, "#total").iter().all(String::is_empty) && select(&html, "#place").is_empty());
    // A customer of a store has it chosen on a new form; set back to "–", it is no store (the
    // order was placed at the customer's store while the form showed none).
    let fitter = app.browser();
    fitter.sign_in_as(FITTER_NORTH).await;
    let local = fitter.measured_customer("Bo North").await;
    let local_form = app.jersey_form(local, &[]).await;
    let (_, html) = app.get_html(&format!("/staff/customers/{local}/orders/new?version={}&product=cycling_jersey", local_form[1].1)).await;
    assert_eq!(select(&html, "#store option[selected]"), vec!["North Store"]);
    let mut none = local_form.clone();
    none.push(("store", String::new()));
    let res = app.post_staff_order(local, &none).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#form-error"), vec!["Choose the store that sells this order and where it is collected."]);
    // A name that cannot be printed is said at its field, as the shop says it.
    let misprint: Vec<(&str, &str)> = check.iter().map(|(k, v)| (*k, if *k == "o_name_print" { "ANA ✓" } else { *v })).collect();
    let html = scraper::Html::parse_document(&app.post_form(&format!("/staff/customers/{id}/orders"), &misprint).await.text().await.unwrap());
    let said = select(&html, "#o_name_print-error");
    assert!(said.len() == 1 && said[0].ends_with("these characters cannot be made: “✓”."), "{said:?}");
    assert_eq!(attr(&html, "#o_name_print", "aria-describedby").as_deref(), Some("o_name_print-error"));
    assert!(select(&html, "#o_cut-error").is_empty());
    // Choices that do not go together are said at both, not only in the list at the top.
    let clash: Vec<(&str, &str)> = check.iter().map(|(k, v)| (*k, match *k { "o_fit" => "race", "o_zip" => "half", _ => *v })).collect();
    let html = scraper::Html::parse_document(&app.post_form(&format!("/staff/customers/{id}/orders"), &clash).await.text().await.unwrap());
    for field in ["o_fit", "o_zip"] {
        let said = select(&html, &format!("#{field}-error"));
        assert!(said.len() == 1 && said[0].contains("The race fit comes with a full-length zip."), "{field}: {said:?}");
        assert_eq!(attr(&html, &format!("select#{field}"), "aria-invalid").as_deref(), Some("true"));
    }
    assert!(select(&html, "#o_sleeve-error").is_empty());
    // Placed so, after a check of a name that could be made: refused as not valid, not as a
    // price changed (it said "It comes to €212.40 now", a price without the name, and no Place).
    let north_id = app.north.to_string();
    let checked = app.jersey_form(id, &[("store", &north_id)]).await;
    let mut misplaced: Vec<(&str, &str)> = checked.iter().map(|(k, v)| (*k, if *k == "o_name_print" { "ANA ✓" } else { v.as_str() })).collect();
    misplaced.retain(|(k, _)| *k != "action");
    misplaced.push(("action", "place"));
    let res = app.post_form(&format!("/staff/customers/{id}/orders"), &misplaced).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#form-error"), vec!["The configuration is no longer valid; see what to change."]);
    assert!(select(&html, "#place").is_empty());
    // A Place sent without the price its check showed is checked first, not placed.
    let north_id = app.north.to_string();
    let mut unchecked: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    unchecked.push(("store", &north_id));
    let res = app.post_form(&format!("/staff/customers/{id}/orders"), &unchecked).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(select(&scraper::Html::parse_document(&res.text().await.unwrap()), "#form-error"), vec!["Check the order first: it is placed at the price the check shows."]);

    let north = app.north.to_string();
    // Checked without the printed name, placed with it: a price nobody was shown is not
    // charged; the page shows the price now, and placing again places it.
    let mut check = app.jersey_form(id, &[("store", &north)]).await;
    check.retain(|(k, _)| *k != "action" && *k != "o_name_print");
    check.push(("action", "check".into()));
    let res = app.post_staff_order(id, &check).await;
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    let shown = attr(&html, "input[name=checked_total]", "value").expect("a checked total with the Place button");
    let form = app.jersey_form(id, &[("store", &north), ("checked_total", &shown)]).await;
    let res = app.post_staff_order(id, &form).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    let said = select(&html, "#form-error");
    assert!(said.len() == 1 && said[0].starts_with(&format!("The choices or the store changed after the price was shown ({shown}): the order is not placed. It comes to ")), "{said:?}");
    let now = attr(&html, "input[name=checked_total]", "value").unwrap();
    assert_ne!(now, shown);
    let form = app.jersey_form(id, &[("store", &north), ("checked_total", &now)]).await;
    let res = app.post_staff_order(id, &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let order_id: i64 = location(&res).rsplit('/').next().unwrap().parse().unwrap();
    let (_, placed) = app.get_html(&location(&res)).await;
    assert_eq!(select(&placed, "#saved-notice"), vec!["The order is placed. Its factory is sent the work order; how it goes shows below."]);
    let (order, document) = app
        .db
        .read(move |c| -> Result<_, atelier::store::StoreError> {
            let order = atelier::store::orders::find(c, order_id)?.unwrap();
            let wo = atelier::store::orders::work_orders_of_order(c, order_id)?.remove(0);
            Ok((order, serde_json::from_str::<Value>(&wo.document).unwrap()))
        })
        .await
        .unwrap();
    assert_eq!((order.store_id, order.tax_minor * 5), (Some(app.north), order.subtotal_minor), "taxed at the north store's 20 %");
    assert_eq!((document["ship_to"]["store_code"].as_str(), document["ship_to"]["store_name"].as_str()), (Some("NORTH"), Some("North Store")));
}

/// A factory that was down hears of a work order's events in the order they happened, each
/// once: a cancellation is not sent while the creation it cancels is still being retried.
async fn a_cancellation_waits_for_the_creation_it_cancels(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let factory = TestFactory::start(Mode::FailFirst(3));
    app.register_factory("north-sewing", Some(&factory)).await;
    app.sign_in_as(MANAGER_NORTH).await;
    let order = app.order_a_jersey("Ana Silva").await;
    let token = app.csrf(&order).await;
    let res = app.post_form(&format!("{order}/cancel"), &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let got = factory.wait_for(2, Duration::from_secs(30)).await;
    let types: Vec<&str> = got.iter().map(|r| r.body["type"].as_str().unwrap_or_default()).collect();
    assert_eq!(types, ["work_order.created", "work_order.cancelled"]);
    let all = factory.received.lock().unwrap().clone();
    let sent: Vec<(&str, u16)> = all.iter().map(|r| (r.body["type"].as_str().unwrap_or_default(), r.answered)).collect();
    let created = sent.iter().position(|(t, a)| *t == "work_order.created" && *a < 300).expect("the creation was accepted");
    let first_cancel = sent.iter().position(|(t, _)| *t == "work_order.cancelled").expect("the cancellation was sent");
    assert!(created < first_cancel, "the cancellation went out before the creation was accepted: {sent:?}");
    assert!(sent.iter().take(created).all(|(t, _)| *t == "work_order.created"), "{sent:?}");
}

/// The cancellation waits for the creation it cancels; once the creation is answered it goes
/// at once, not when the dispatcher next happens to look (with nothing else due, the end of
/// the creation's lease: a minute in production).
#[tokio::test]
async fn a_cancellation_goes_as_soon_as_the_creation_it_waited_for_is_answered() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        // The factory takes 4 s to accept the creation: within the timeout.
        s.dispatcher.timeout = Duration::from_secs(8);
        s.dispatcher.lease = Duration::from_secs(30);
    })
    .await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || atelier::catalogs::load_demo(&db, &atelier::catalogs::CatalogCache::default())).await.unwrap().unwrap();
    let factory = TestFactory::start(Mode::SlowFirst(1));
    app.register_factory("north-sewing", Some(&factory)).await;
    app.sign_in_as(MANAGER_NORTH).await;
    let order = app.order_a_jersey("Ana Silva").await;
    let token = app.csrf(&order).await;
    assert_eq!(app.post_form(&format!("{order}/cancel"), &[("csrf_token", &token)]).await.status(), StatusCode::SEE_OTHER);
    assert!(!factory.wait_for(1, Duration::from_secs(10)).await.is_empty(), "the creation accepted");
    let answered = Instant::now();
    let got = factory.wait_for(2, Duration::from_secs(20)).await;
    let types: Vec<&str> = got.iter().map(|r| r.body["type"].as_str().unwrap_or_default()).collect();
    assert_eq!(types, ["work_order.created", "work_order.cancelled"]);
    assert!(answered.elapsed() < Duration::from_millis(1500), "the cancellation went {:?} after the creation was answered", answered.elapsed());
}

async fn an_order_reaches_the_factory_signed_once_after_failed_attempts(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let factory = TestFactory::start(Mode::FailFirst(2));
    app.register_factory("north-sewing", Some(&factory)).await;
    app.sign_in_as(FITTER_NORTH).await;
    let order = app.order_a_jersey("Ana Silva").await;

    let got = factory.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1, "delivered once after two failures");
    let all = factory.received.lock().unwrap().clone();
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|r| r.signature_ok), "every attempt is signed");
    assert!(all.iter().all(|r| r.webhook_id == all[0].webhook_id), "the webhook-id is stable across retries");
    let event = &got[0].body;
    assert_eq!(event["type"], "work_order.created");
    assert_eq!(event["data"]["product"]["code"], "cycling_jersey");
    assert!(event["data"]["customer_reference"].as_str().unwrap().starts_with("AT-"));
    assert!(event["data"].get("customer_name").is_none() && !event.to_string().contains("ana@example.com"), "no contact data goes to the factory");
    assert_eq!(event["data"]["measurements"]["chest_girth"], 1056);

    // The staff order page shows the work order as sent.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, html) = app.get_html(&order).await;
    assert_eq!(select(&html, ".wo-status"), vec!["Sent"]);
    assert_eq!(attr(&html, ".wo-status", "data-status").as_deref(), Some("sent"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(factory.accepted().len(), 1, "nothing is delivered twice");
}

/// PostgreSQL writes these rows in one statement and SQLite one by one: the same rows.
async fn an_order_commits_with_every_row_that_comes_with_it(backend: Backend) {
    use atelier::store::{StoreError, activity, audit, orders, outbox};
    use diesel::prelude::*;
    let app = with_demo_catalogs(backend).await;
    let factory = TestFactory::start(Mode::Accept);
    app.register_factory("north-sewing", Some(&factory)).await;
    app.sign_in_as(FITTER_NORTH).await;
    app.order_a_jersey("Ana Silva").await;
    let got = factory.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1);

    let (order, work_orders, events, pending, audits, months) = app
        .db
        .read(|conn| -> Result<_, StoreError> {
            let order = atelier::store::schema::orders::table.select(orders::OrderRow::as_select()).first(conn)?;
            let work_orders = orders::work_orders_of_order(conn, order.id)?;
            let events = orders::events(conn, work_orders[0].id)?;
            let pending = outbox::for_work_order(conn, work_orders[0].id)?;
            let audits = audit::list_for_subject(conn, &format!("customer:{}", order.customer_id))?;
            let months = activity::of_customer(conn, order.customer_id)?;
            Ok((order, work_orders, events, pending, audits, months))
        })
        .await
        .unwrap();
    assert_eq!(work_orders.len(), 1, "one work order");
    let wo = &work_orders[0];
    assert_eq!((wo.revision, wo.due_date.len()), (1, 10));
    let first: Vec<_> = events.iter().map(|e| (e.from_status.as_deref(), e.to_status.as_str(), e.actor.as_str(), e.note.as_str())).collect();
    assert_eq!(first[0], (None, "queued", "order", "placed"), "the work order's first event");
    assert_eq!(pending.len(), 1, "one event for the factory");
    assert_eq!((pending[0].event_type.as_str(), pending[0].webhook_id.as_str()), ("work_order.created", got[0].webhook_id.as_str()));
    assert_eq!(pending[0].payload.as_bytes(), got[0].raw.as_slice(), "the stored payload is what the factory got");
    // The stored document is the event's, without the id it gets when read.
    let mut stored: Value = serde_json::from_str(&wo.document).unwrap();
    assert_eq!(stored["id"], 0);
    stored["id"] = wo.id.into();
    assert_eq!(got[0].body["data"], stored);
    assert_eq!(got[0].body["data"]["order_reference"], order.reference.as_str());
    // When it was made, as the row (and so every later answer about it) says.
    assert_eq!(got[0].body["data"]["created_at"], wo.created_at.and_utc().to_rfc3339().as_str());
    let placed: Vec<_> = audits.iter().filter(|a| a.action == "order.placed").map(|a| a.detail.clone()).collect();
    assert_eq!(placed, vec![format!("order:{}", order.id)], "one audit record, under the customer, naming the order");
    assert_eq!(months.len(), 1);
    assert_eq!((months[0].orders, months[0].revenue_minor, months[0].last_order_at), (1, order.total_minor, Some(order.created_at)));
}

async fn a_factory_pulls_acknowledges_and_reports_status_back(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let reg = app.register_factory("pull-only", None).await;
    let other = app.register_factory("someone-else", None).await;
    app.sign_in_as(FITTER_NORTH).await;
    // A fitter's product list shows prices with the store's tax, as the shop does.
    let id = app.measured_customer("Bo Price").await;
    let (_, html) = app.get_html(&format!("/staff/customers/{id}/orders/new")).await;
    assert!(select(&html, "#products li").iter().any(|l| l == "Cycling jersey from €142.80, tax included"), "{:?}", select(&html, "#products li"));
    let order = app.order_a_jersey("Ana Silva").await;
    // The store's home lists it (it said "no orders yet" whatever the store had).
    // The order page says what was ordered, for what, and where it goes (it showed only the
    // total; the choices were on the job ticket alone).
    let (_, page) = app.get_html(&order).await;
    let choices = select(&page, "#order-choices dd");
    assert!(choices.contains(&"Club (semi-fitted)".to_owned()) || choices.iter().any(|c| c.starts_with("Club")), "{choices:?}");
    assert!(choices.contains(&"“ANA”".to_owned()), "{choices:?}");
    assert!(select(&page, "#order-price dt").iter().any(|l| l.starts_with("Base price") || l.starts_with("Base")), "{:?}", select(&page, "#order-price dt"));
    assert!(select(&page, "#order-delivery").concat().starts_with("Collect at North"), "{:?}", select(&page, "#order-delivery"));
    let (_, home) = app.get_html("/staff").await;
    let recent = select(&home, "#recent-orders li");
    assert!(recent.len() == 1 && recent[0].contains(" · Ana Silva · Cycling jersey · €") && recent[0].contains("Placed"), "{recent:?}");
    assert_eq!(attr(&home, "#recent-orders a", "href").as_deref(), Some(order.as_str()));
    // The board says whose work order it is and what is being made.
    let (_, board) = app.get_html("/staff/work-orders").await;
    let cells = select(&board, "#board tbody td");
    assert!(cells.contains(&"Ana Silva".to_owned()) && cells.contains(&"Cycling jersey".to_owned()), "{cells:?}");
    // The customer's page, opened now, is kept rendered: the statuses below must reach it.
    let (_, html) = app.get_html(&order).await;
    let customer = attr(&html, ".page-head p.muted a", "href").unwrap();
    let (_, html) = app.get_html(&customer).await;
    let orders = select(&html, ".event-order .event-text");
    assert!(orders.len() == 1 && orders[0].ends_with("Placed"), "{orders:?}");
    let api = reqwest::Client::new();
    let auth = format!("Bearer {}", reg.token);

    // A status outside the document's enum is refused, an empty one too (schemathesis
    // found `?status=` listing every work order).
    // A limit is said wrong with what was sent, and a query that cannot be read says so in
    // words (it said "Query deserialize error: …").
    for (query, detail) in [
        ("status=", "unknown status ``"),
        ("status=done", "unknown status `done`"),
        ("limit=x", "limit must be a whole number from 1 to 200, not `x`"),
        ("limit=500", "limit must be a whole number from 1 to 200, not `500`"),
        ("limit=1&limit=2", "the query string cannot be read: duplicate field `limit`"),
        // A parameter it does not read: `cursor` for `after` started from the first page again.
        ("cursor=0.7", "the query string cannot be read: unknown field `cursor`, expected one of `status`, `limit`, `after`"),
    ] {
        let res = api.get(app.url(&format!("/api/v1/work-orders?{query}"))).header("authorization", &auth).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        assert_eq!(res.json::<Value>().await.unwrap()["detail"], detail);
    }

    // On PostgreSQL a work order is listed once every older transaction has finished (in
    // the whole cluster): a client polls, as it would anyway.
    let deadline = Instant::now() + Duration::from_secs(10);
    let page: Value = loop {
        let res = api.get(app.url("/api/v1/work-orders?status=queued")).header("authorization", &auth).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let page: Value = res.json().await.unwrap();
        if !page["items"].as_array().unwrap().is_empty() || Instant::now() > deadline {
            break page;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let id = items[0]["id"].as_i64().unwrap();
    let wo = format!("/api/v1/work-orders/{id}");

    let res = api.get(app.url(&wo)).header("authorization", &auth).send().await.unwrap();
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = api.get(app.url(&wo)).header("authorization", &auth).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

    // Another factory's token, or none, sees nothing.
    let res = api.get(app.url(&wo)).header("authorization", format!("Bearer {}", other.token)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = api.get(app.url(&wo)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["type"], "/api/v1/problems/unauthorized");

    for _ in 0..2 {
        let res = api.post(app.url(&format!("{wo}/ack"))).header("authorization", &auth).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "acknowledging twice is fine");
        assert_eq!(res.json::<Value>().await.unwrap()["status"], "acknowledged");
    }

    let event = |body: Value, key: &str| {
        api.post(app.url(&format!("{wo}/events"))).header("authorization", &auth).header("idempotency-key", key).json(&body).send()
    };
    let first = event(serde_json::json!({"status": "in_production", "note": "cutting"}), "k1").await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    let replay: Value = event(serde_json::json!({"status": "in_production", "note": "cutting"}), "k1").await.unwrap().json().await.unwrap();
    assert_eq!(first, replay, "the same key and body answer as the first time");
    // The same event written another way (spacing, order of the fields, a null for a field
    // left out) is the same request, not a reused key.
    let respaced = api
        .post(app.url(&format!("{wo}/events")))
        .header("authorization", &auth)
        .header("idempotency-key", "k1")
        .header("content-type", "application/json")
        .body("{ \"note\" : \"cutting\", \"occurred_at\": null,\n  \"status\": \"in_production\" }\n")
        .send()
        .await
        .unwrap();
    assert_eq!(respaced.status(), StatusCode::OK);
    assert_eq!(respaced.json::<Value>().await.unwrap(), first);
    let conflict = event(serde_json::json!({"status": "shipped"}), "k1").await.unwrap();
    assert_eq!(conflict.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(conflict.json::<Value>().await.unwrap()["type"], "/api/v1/problems/idempotency-key-reused");

    // A work order that does not exist is not there, whatever the key (it answered that the
    // key was reused).
    let nowhere = api
        .post(app.url(&format!("/api/v1/work-orders/{}/events", id + 1000)))
        .header("authorization", &auth)
        .header("idempotency-key", "k1")
        .json(&serde_json::json!({"status": "in_production", "note": "cutting"}))
        .send()
        .await
        .unwrap();
    assert_eq!(nowhere.status(), StatusCode::NOT_FOUND);
    assert_eq!(nowhere.json::<Value>().await.unwrap()["type"], "/api/v1/problems/not-found");

    // The work order dates from the 20th here, so that the factory's date of the 23rd is one
    // it could have shipped on: a date a little before the work order existed, or before its
    // latest event, is taken as that moment.
    app.db
        .write(move |c| {
            use atelier::store::schema::work_orders::dsl::{created_at, work_orders};
            use diesel::prelude::*;
            use atelier::store::schema::work_order_events::dsl as we;
            let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap().and_hms_opt(0, 0, 0).unwrap();
            let update = diesel::update(work_orders.find(id)).set(created_at.eq(at));
            // Its events so far happened then too.
            let events = diesel::update(we::work_order_events.filter(we::work_order_id.eq(id))).set(we::at.eq(at));
            match c {
                atelier::store::DbConn::Sqlite(c) => update.execute(c).and_then(|_| events.execute(c)),
                atelier::store::DbConn::Postgres(c) => update.execute(c).and_then(|_| events.execute(c)),
            }
            .map_err(atelier::store::StoreError::from)
        })
        .await
        .unwrap();
    // The document says when the work order was made, so a factory can tell the limit itself.
    let made: Value = api.get(app.url(&wo)).header("authorization", &auth).send().await.unwrap().json().await.unwrap();
    assert_eq!(made["created_at"], "2026-11-20T00:00:00+00:00");
    // A date far before the work order was made is refused, saying so (it was silently read as
    // the moment it was made); a clock a few minutes behind is read as that moment.
    let wrong = event(serde_json::json!({"status": "in_production", "note": "reported late", "occurred_at": "0001-01-01T00:00:00Z"}), "k1a").await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = wrong.json::<Value>().await.unwrap();
    assert_eq!((problem["type"].as_str(), problem["title"].as_str()), (Some("/api/v1/problems/occurred-at-before-work-order"), Some("The event is dated before its work order")));
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.starts_with("occurred_at is ") && detail.contains(" days ") && detail.ends_with("before the work order was made (2026-11-20T00:00:00Z): nothing can happen to it before then; send when it happened, and check the clock that dated it"), "{detail}");
    let early = event(serde_json::json!({"status": "in_production", "note": "reported late", "occurred_at": "2026-11-19T23:57:00Z"}), "k1b").await.unwrap();
    assert_eq!(early.status(), StatusCode::OK);
    let shipped = event(serde_json::json!({"status": "shipped", "tracking_number": "TRK123", "occurred_at": "2026-11-23T10:00:00Z"}), "k2").await.unwrap();
    assert_eq!(shipped.status(), StatusCode::OK);
    // Shipped again with another tracking number (a label reprinted): the new one is kept.
    // Dated before the shipment it corrects: read as the shipment's moment, not listed before it.
    let corrected = event(serde_json::json!({"status": "shipped", "tracking_number": "TRK124", "note": "label reprinted", "occurred_at": "2026-11-21T00:00:00Z"}), "k7").await.unwrap();
    assert_eq!(corrected.status(), StatusCode::OK);
    assert_eq!(corrected.json::<Value>().await.unwrap()["tracking_number"], "TRK124");
    // A blank one is none given: it does not wipe the number the work order has.
    let blank = event(serde_json::json!({"status": "shipped", "tracking_number": "  "}), "k7b").await.unwrap();
    assert_eq!(blank.json::<Value>().await.unwrap()["tracking_number"], "TRK124");
    // An acknowledgement sent late (a retry) changes nothing and is not an error.
    let late = api.post(app.url(&format!("{wo}/ack"))).header("authorization", &auth).send().await.unwrap();
    assert_eq!(late.status(), StatusCode::OK);
    assert_eq!(late.json::<Value>().await.unwrap()["status"], "shipped");
    // The scheme's name in any case, and a weak validator, as HTTP allows.
    let res = api.get(app.url(&wo)).header("authorization", format!("bearer {}", reg.token)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = api.get(app.url(&wo)).header("authorization", &auth).header("if-none-match", format!("W/{etag}")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    let illegal = event(serde_json::json!({"status": "in_production"}), "k3").await.unwrap();
    assert_eq!(illegal.status(), StatusCode::CONFLICT);
    let problem: Value = illegal.json().await.unwrap();
    assert_eq!(problem["type"], "/api/v1/problems/illegal-transition");
    assert_eq!(problem["detail"], "a work order that is shipped cannot become in_production; shipped is final");
    let bad = event(serde_json::json!({"status": "teleported"}), "k4").await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    // A date far ahead of the server's clock is refused, saying so (it was read as now).
    let ahead = event(serde_json::json!({"status": "rejected", "occurred_at": "2099-01-01T00:00:00Z"}), "k-ahead").await.unwrap();
    assert_eq!(ahead.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let detail = ahead.json::<Value>().await.unwrap()["detail"].as_str().unwrap().to_owned();
    assert!(detail.starts_with("occurred_at is ") && detail.contains(" days ") && detail.contains("ahead of this server's clock") && detail.contains("more than the 5 minutes allowed"), "{detail}");
    // A revision ahead of the work order's was never made, and is said to be; revisions count
    // from 1; hidden characters in a tracking number or a note are refused, as in addresses.
    let never = event(serde_json::json!({"status": "rejected", "revision": 99}), "k-never").await.unwrap();
    assert_eq!(never.status(), StatusCode::CONFLICT);
    let detail = never.json::<Value>().await.unwrap()["detail"].as_str().unwrap().to_owned();
    assert!(detail.starts_with("this work order is at revision 1, not 99 (no such revision was ever made): fetch it again"), "{detail}");
    for (body, says) in [
        (serde_json::json!({"status": "rejected", "revision": 0}), "revision must be from 1 to 2147483647, not 0"),
        // Past what the document's int32 holds: malformed, not a revision to fetch.
        (serde_json::json!({"status": "rejected", "revision": 1_099_511_627_776_i64}), "revision must be from 1 to 2147483647, not 1099511627776"),
        (serde_json::json!({"status": "shipped", "tracking_number": "TRK\u{202E}125"}), "tracking_number holds hidden characters (control, format or private-use characters)"),
        (serde_json::json!({"status": "shipped", "note": "boxed\u{0000}"}), "note holds hidden characters (control, format or private-use characters)"),
    ] {
        let res = event(body.clone(), "k-odd").await.unwrap();
        assert_eq!(res.status(), if body.get("revision").is_some() { StatusCode::BAD_REQUEST } else { StatusCode::UNPROCESSABLE_ENTITY }, "{body}");
        assert_eq!(res.json::<Value>().await.unwrap()["detail"], says, "{body}");
    }
    // An array is not an event, though serde would read it as the fields in a row.
    let array = event(serde_json::json!(["rejected"]), "k6").await.unwrap();
    assert_eq!(array.status(), StatusCode::BAD_REQUEST);
    let detail = array.json::<Value>().await.unwrap()["detail"].as_str().unwrap().to_owned();
    assert!(detail.starts_with("the body is not a status event") && detail.contains("expected a JSON object"), "{detail}");
    // A body past the API's limit is 413 in problem+json, as for the JSON endpoints.
    let big = event(serde_json::json!({"status": "rejected", "note": "x".repeat(70_000)}), "k7").await.unwrap();
    assert_eq!((big.status(), big.headers()["content-type"].to_str().unwrap().to_owned()), (StatusCode::PAYLOAD_TOO_LARGE, "application/problem+json".to_owned()));
    assert_eq!(big.json::<Value>().await.unwrap()["type"], "/api/v1/problems/payload-too-large");
    let claim = api.post(app.url("/api/v1/work-orders/claim")).header("authorization", &auth).json(&serde_json::json!([1, 30])).send().await.unwrap();
    assert_eq!(claim.status(), StatusCode::BAD_REQUEST);
    // Without a valid token a malformed request learns nothing but 401.
    for (method, path, body) in [
        ("POST", "/api/v1/work-orders/claim".to_owned(), "[1, 30]"),
        ("GET", "/api/v1/work-orders?limit=x".to_owned(), ""),
        ("GET", "/api/v1/work-orders/abc".to_owned(), ""),
        ("POST", "/api/v1/work-orders/abc/ack".to_owned(), ""),
        ("POST", "/api/v1/work-orders/abc/events".to_owned(), "{}"),
    ] {
        let req = api.request(method.parse().unwrap(), app.url(&path)).bearer_auth("not-a-token").header("content-type", "application/json").header("idempotency-key", "k9");
        let res = req.body(body).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    // Longer than the document allows (characters, as JSON Schema counts them): refused whole.
    for (body, detail) in [
        (serde_json::json!({"status": "rejected", "note": "\u{e9441}".repeat(2001)}), "note must be at most 2000 characters"),
        (serde_json::json!({"status": "rejected", "tracking_number": "T".repeat(101)}), "tracking_number must be at most 100 characters"),
    ] {
        let res = event(body, "k5").await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!(res.json::<Value>().await.unwrap()["detail"], detail);
    }

    let (_, html) = app.get_html(&order).await;
    assert_eq!(select(&html, "#order-status"), vec!["Shipped"]);
    assert!(select(&html, ".work-order p.muted").concat().contains("TRK124"));
    // The history dates the shipment when the factory says it happened, and shows its notes.
    let history = select(&html, ".wo-events li");
    assert!(history.iter().any(|e| e.starts_with("2026-11-23 10:00") && e.contains("In production → Shipped")), "{history:?}");
    assert!(history.iter().any(|e| e.starts_with("2026-11-20 00:00") && e.ends_with("reported late")) && !history.iter().any(|e| e.starts_with("0001")), "{history:?}");
    assert!(history.iter().any(|e| e.contains("cutting")) && history.iter().any(|e| e.starts_with("2026-11-23 10:00") && e.ends_with("label reprinted")), "{history:?}");
    // ... and on the customer's timeline.
    let (_, html) = app.get_html(&customer).await;
    let orders = select(&html, ".event-order .event-text");
    assert!(orders.len() == 1 && orders[0].ends_with("Shipped"), "{orders:?}");
    assert!(orders[0].contains(" · Cycling jersey · €"), "the product by its name and the total as money: {orders:?}");

    // A factory's keys span its work orders: the same key and body on another of its work
    // orders is a reused key, not the first work order's answer.
    let second = app.order_a_jersey("Bo Lund").await;
    let second: i64 = second.rsplit('/').next().unwrap().parse().unwrap();
    let other = app.db.read(move |c| Ok::<_, atelier::store::StoreError>(atelier::store::orders::work_orders_of_order(c, second)?)).await.unwrap()[0].id;
    let elsewhere = api
        .post(app.url(&format!("/api/v1/work-orders/{other}/events")))
        .header("authorization", &auth)
        .header("idempotency-key", "k1")
        .json(&serde_json::json!({"status": "in_production", "note": "cutting"}))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(elsewhere.json::<Value>().await.unwrap()["type"], "/api/v1/problems/idempotency-key-reused");
}

async fn a_gone_endpoint_is_disabled_and_the_work_order_flagged(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let factory = TestFactory::start(Mode::Gone);
    app.register_factory("closing-down", Some(&factory)).await;
    app.sign_in_as(FITTER_NORTH).await;
    app.order_a_jersey("Ana Silva").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, html) = app.get_html("/staff/work-orders").await;
        if select(&html, "#board tr.needs-attention").len() == 1 {
            assert_eq!(attr(&html, "#board .badge", "data-attention").as_deref(), Some("push_endpoint_gone"));
            assert_eq!(select(&html, "#board .badge"), vec!["the factory's push address is gone"]);
            break;
        }
        assert!(Instant::now() < deadline, "the work order was not flagged");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(factory.received.lock().unwrap().len(), 1, "no retries to a gone endpoint");
    // The 410 was an attempt ("gave up after 0 attempts", the order page said).
    let (_, html) = app.get_html("/staff/work-orders").await;
    let order = attr(&html, "#board tbody tr a[href^='/staff/orders/']", "href").expect("a link to the order");
    let (_, html) = app.get_html(&order).await;
    assert!(select(&html, ".deliveries li").iter().any(|d| d.contains("gave up after 1 attempt")), "{:?}", select(&html, ".deliveries li"));
    // The administrators are told on their start page, as of an endpoint failing for days.
    let admin = app.browser();
    admin.sign_in_as(ADMIN).await;
    let (_, home) = admin.get_html("/staff").await;
    let told = select(&home, "#notices li a").concat();
    assert!(told.contains("closing-down") && told.contains("410 Gone"), "{told}");
    // The board's filters.
    let (_, html) = app.get_html("/staff/work-orders?attention=1").await;
    assert_eq!(select(&html, "#board tbody tr").len(), 1);
    let (_, html) = app.get_html("/staff/work-orders?status=shipped").await;
    assert!(select(&html, "#board tbody tr").is_empty());
    assert_eq!(attr(&html, "#b-status option[selected]", "value").as_deref(), Some("shipped"));
}

/// An event that falls due while a factory keeps another attempt waiting is sent at once: the
/// dispatcher waited for its slowest delivery before sending anything else, so one factory that
/// answers at the timeout held up every factory's events (and its own other work orders).
#[tokio::test]
async fn an_event_is_not_held_up_by_a_delivery_that_is_kept_waiting() {
    let app = with_demo_catalogs(Backend::Sqlite).await;
    let factory = TestFactory::start(Mode::SlowFirst(1));
    app.register_factory("slow", Some(&factory)).await;
    app.sign_in_as(FITTER_NORTH).await;
    let (ana, bo) = (app.measured_customer("Ana Silva").await, app.measured_customer("Bo Berg").await);
    let (first, second) = (app.jersey_form(ana, &[]).await, app.jersey_form(bo, &[]).await);
    let place = |id: i64, form: Vec<(&'static str, String)>| {
        let app = &app;
        async move { location(&app.post_staff_order(id, &form).await) }
    };
    place(ana, first).await;
    let kept_waiting = Instant::now();
    // The first push is on its way and kept waiting (4 s, past the 2 s timeout).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let order = place(bo, second).await;
    let got = factory.wait_for(1, Duration::from_secs(10)).await;
    let elapsed = kept_waiting.elapsed();
    let (_, html) = app.get_html(&order).await;
    let wo = attr(&html, ".work-order a[href$='/ticket']", "href").unwrap().split('/').nth(3).unwrap().parse::<i64>().unwrap();
    assert_eq!(got[0].body["data"]["id"], wo, "the second order's event came first");
    assert!(elapsed < Duration::from_secs(2), "sent before the first attempt timed out, {elapsed:?} after it started");
}

/// One factory's endpoint that keeps every delivery waiting took every slot of the batch
/// (64 in flight, here 2), and another factory's events waited for its timeouts.
#[tokio::test]
async fn a_factory_kept_waiting_does_not_take_every_delivery_slot() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.dispatcher.batch = 2;
        s.dispatcher.per_factory = 1;
        // The slow factory answers after 4 s: within the timeout, so each delivery holds its
        // slot that long.
        s.dispatcher.timeout = Duration::from_secs(5);
    })
    .await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || atelier::catalogs::load_demo(&db, &atelier::catalogs::CatalogCache::default())).await.unwrap().unwrap();
    let slow = TestFactory::start(Mode::SlowFirst(100));
    let reg = app.register_factory("slow", Some(&slow)).await;
    app.sign_in_as(FITTER_NORTH).await;
    app.order_a_jersey("Ana Silva").await;
    app.order_a_jersey("Bo Berg").await;
    // New work orders go to the other factory from now on; the slow one keeps its two.
    let admin = app.browser();
    admin.sign_in_as(ADMIN).await;
    let token = admin.csrf(&reg.page).await;
    let res = admin
        .post_form(&reg.page, &[("csrf_token", &token), ("name", "Factory slow"), ("families", "apparel"), ("families", "bicycle"), ("push_url", &slow.url), ("lead_time_days", "10"), ("weekly_capacity", "0"), ("cannot_build", ""), ("enabled", "off")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let fast = TestFactory::start(Mode::Accept);
    app.register_factory("fast", Some(&fast)).await;
    let placed = Instant::now();
    app.order_a_jersey("Cy Dale").await;
    let got = fast.wait_for(1, Duration::from_secs(10)).await;
    let elapsed = placed.elapsed();
    assert_eq!(got.len(), 1);
    assert!(elapsed < Duration::from_millis(1500), "sent while the slow factory's deliveries waited, not once they were answered: {elapsed:?}");
    assert!(*slow.calls.lock().unwrap() >= 1, "the slow factory was being sent to");
}

#[tokio::test]
async fn a_slow_factory_is_retried_after_the_timeout() {
    let app = with_demo_catalogs(Backend::Sqlite).await;
    let factory = TestFactory::start(Mode::SlowFirst(1));
    app.register_factory("slow", Some(&factory)).await;
    app.sign_in_as(FITTER_NORTH).await;
    app.order_a_jersey("Ana Silva").await;
    let got = factory.wait_for(2, Duration::from_secs(20)).await;
    let ids: std::collections::BTreeSet<_> = got.iter().map(|r| r.webhook_id.clone()).collect();
    assert_eq!(ids.len(), 1, "one event, retried after the timeout");
}

#[tokio::test]
async fn orders_placed_while_the_factory_is_unreachable_are_delivered_after_a_restart() {
    let app = with_demo_catalogs(Backend::Sqlite).await;
    // A factory address where nothing listens yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let placeholder = TestFactory { url: format!("http://127.0.0.1:{port}/hooks"), ..TestFactory::start(Mode::Accept) };
    app.register_factory("later", Some(&placeholder)).await;
    app.sign_in_as(FITTER_NORTH).await;
    for name in ["Ana Silva", "Li Na", "Jo Smith"] {
        app.order_a_jersey(name).await;
    }
    // The factory comes up on that port; a new app instance on the same database takes over.
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let factory = TestFactory { url: placeholder.url.clone(), received: Arc::default(), ..placeholder.clone() };
    let data = web::Data::new(factory.clone());
    tokio::spawn(HttpServer::new(move || App::new().app_data(data.clone()).route("/hooks", web::post().to(receive))).workers(1).listen(listener).unwrap().run());
    let db = atelier::store::Db::connect(&app.settings.database).unwrap();
    start(&app.settings, db);
    let got = factory.wait_for(3, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 3);
    let ids: std::collections::BTreeSet<_> = got.iter().map(|r| r.webhook_id.clone()).collect();
    assert_eq!(ids.len(), 3, "each work order exactly once");
    assert!(got.iter().all(|r| r.signature_ok));
}

#[tokio::test]
async fn the_openapi_document_describes_the_routes_the_server_answers() {
    let app = spawn_app(Backend::Sqlite).await;
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    for path in &paths {
        let concrete = path.replace("{id}", "1").replace("{reference}", "O-1");
        let post = doc["paths"][path.as_str()].get("post").is_some();
        let method = if post { reqwest::Method::POST } else { reqwest::Method::GET };
        let res = reqwest::Client::new().request(method, app.url(&format!("/api/v1{concrete}"))).send().await.unwrap();
        // Without a token every route but the document itself asks for one: none is missing.
        let expected = if concrete == "/openapi.json" { StatusCode::OK } else { StatusCode::UNAUTHORIZED };
        assert_eq!(res.status(), expected, "{path}");
    }
    assert_eq!(paths.len(), 11);
    // The pushes are described too, with every event type sent, and every reference in the
    // document names something it has.
    let mut types: Vec<&str> = doc["webhooks"].as_object().unwrap().values().flat_map(|h| h["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["type"]["enum"].as_array().unwrap()).filter_map(Value::as_str).collect();
    types.sort_unstable();
    assert_eq!(types, vec!["customer.erased", "work_order.cancelled", "work_order.created", "work_order.updated"]);
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, v)| if k == "$ref" { out.extend(v.as_str()) } else { refs(v, out) }),
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut found = vec![];
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("{r} is not in the document"));
        assert!(doc.pointer(pointer).is_some(), "{r} names nothing in the document");
    }
}

async fn cancelling_before_production_tells_the_factory_and_erasure_too(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let factory = TestFactory::start(Mode::Accept);
    let reg = app.register_factory("north-sewing", Some(&factory)).await;
    app.sign_in_as(MANAGER_NORTH).await;
    let first = app.order_a_jersey("Ana Silva").await;
    let second = app.order_a_jersey("Li Na").await;
    assert_eq!(factory.wait_for(2, Duration::from_secs(10)).await.len(), 2);

    let token = app.csrf(&first).await;
    let res = app.post_form(&format!("{first}/cancel"), &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let got = factory.wait_for(3, Duration::from_secs(10)).await;
    assert_eq!(got[2].body["type"], "work_order.cancelled");
    assert_eq!(got[2].body["data"]["status"], "cancelled");
    let (_, html) = app.get_html(&first).await;
    assert_eq!(select(&html, "#order-status"), vec!["Cancelled"]);

    // Once production has started, cancelling is refused with the reason.
    let (_, html) = app.get_html(&second).await;
    let wo_id = attr(&html, ".work-order", "id").unwrap().trim_start_matches("wo-").to_owned();
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/work-orders/{wo_id}/events")))
        .header("authorization", format!("Bearer {}", reg.token))
        .header("idempotency-key", "start")
        .json(&serde_json::json!({"status": "in_production"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let token = app.csrf(&second).await;
    let res = app.post_form(&format!("{second}/cancel"), &[("csrf_token", &token)]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#order-error"), vec!["This order cannot be cancelled any more: production has started."]);

    // Erasing a customer tells the factory which reference to forget, and nothing else.
    let customer = attr(&html, ".page-head p.muted a", "href").unwrap();
    let (_, page) = app.get_html(&customer).await;
    let reference = select(&page, "#customer-meta").concat().split(' ').next().unwrap().to_owned();
    let token = attr(&page, "input[name=csrf_token]", "value").unwrap();
    let res = app.post_form(&format!("{customer}/erase"), &[("csrf_token", &token), ("confirm", &reference)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let got = factory.wait_for(4, Duration::from_secs(10)).await;
    assert_eq!(got[3].body["type"], "customer.erased");
    assert_eq!(got[3].body["data"], serde_json::json!({ "customer_reference": reference }));
    // The order stays, saying whose it was no longer, without a feedback form that would fail.
    let (_, html) = app.get_html(&second).await;
    assert_eq!(select(&html, "#order-customer-erased"), vec!["Customer erased"]);
    assert!(select(&html, "#order-contact-form").is_empty());
}

/// What it takes to place jersey orders through the placement service directly.
pub struct JerseyOrders {
    pub version: atelier::store::catalogs::CatalogVersion,
    pub catalog: std::sync::Arc<atelier::domain::catalog::CompiledCatalog>,
    pub request: atelier::orders::PlaceOrder,
}

impl JerseyOrders {
    /// The demo catalogs, a customer, and a valid jersey configuration for them.
    pub fn prepare(db: &atelier::store::Db) -> JerseyOrders {
        use atelier::domain::catalog::{Choice, Configuration};
        let cache = atelier::catalogs::CatalogCache::default();
        atelier::catalogs::load_demo(db, &cache).unwrap();
        let (version, text) = db
            .write_blocking(|c| -> Result<_, atelier::store::StoreError> {
                let v = atelier::store::catalogs::current(c)?.into_iter().find(|v| v.catalog_code == "atelier-sportswear").unwrap();
                Ok(atelier::store::catalogs::source(c, v.id)?.unwrap())
            })
            .unwrap();
        let catalog = std::sync::Arc::new(atelier::domain::catalog::CompiledCatalog::compile("sportswear.toml", &text).unwrap());
        let mut cfg = Configuration::new("cycling_jersey");
        for (o, v) in [("cut", "men"), ("fit", "club"), ("sleeve", "short"), ("fabric", "standard"), ("zip", "full"), ("body_colour", "navy"), ("panel_colour", "black")] {
            cfg = cfg.with(o, Choice::One(v.into()));
        }
        for (m, v) in [("stature", 1755), ("chest_girth", 1056), ("waist_girth", 937), ("hip_girth", 1017), ("arm_length", 592), ("body_mass", 84_600), ("inside_leg", 845), ("shoulder_width", 415)] {
            cfg = cfg.measure(m, v);
        }
        let customer = db
            .write_blocking(|c| {
                let e = atelier::domain::customer::Enrollment::parse(&atelier::domain::customer::EnrollmentInput { name: "Bulk Buyer".into(), email: "bulk@example.com".into(), ..Default::default() }).unwrap();
                atelier::customers::enroll(c, &e, 1, None)
            })
            .unwrap();
        let request = atelier::orders::PlaceOrder {
            customer_id: customer.id,
            customer_reference: customer.reference.clone(),
            store_id: None,
            configuration: cfg,
            measurement_set_id: None,
            ship_to: serde_json::json!({"store": null}),
            idempotency_key: String::new(),
            staff_id: None,
            tax_rate_bp: 2000,
        };
        JerseyOrders { version, catalog, request }
    }

    /// The same order for another, new customer (orders of one customer share the row of
    /// their figures, so they commit one after the other).
    pub fn for_another_customer(&self, db: &atelier::store::Db, name: &str) -> JerseyOrders {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let customer = db
            .write_blocking(|c| {
                let e = atelier::domain::customer::Enrollment::parse(&atelier::domain::customer::EnrollmentInput { name: name.into(), email, ..Default::default() }).unwrap();
                atelier::customers::enroll(c, &e, 1, None)
            })
            .unwrap();
        let request = atelier::orders::PlaceOrder { customer_id: customer.id, customer_reference: customer.reference.clone(), ..self.request.clone() };
        JerseyOrders { version: self.version.clone(), catalog: self.catalog.clone(), request }
    }

    pub fn place(&self, conn: &mut atelier::store::DbConn, key: &str) -> Result<atelier::store::orders::OrderRow, atelier::orders::PlaceError> {
        let req = atelier::orders::PlaceOrder { idempotency_key: key.to_owned(), ..self.request.clone() };
        atelier::orders::place(conn, &self.catalog, &self.version, &req).map(|(o, _)| o)
    }
}

/// Places `n` jersey orders directly through the placement service (as the HTTP path does).
pub async fn place_many(app: &TestApp, n: usize) {
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        let jerseys = JerseyOrders::prepare(&db);
        for i in 0..n {
            db.write_blocking(|c| jerseys.place(c, &format!("bulk-{i}"))).unwrap();
        }
    })
    .await
    .unwrap();
}

on_both_backends!(concurrent_claimers_acknowledge_every_work_order_exactly_once);

async fn concurrent_claimers_acknowledge_every_work_order_exactly_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let reg = app.register_factory("pullers", None).await;
    let total = 120;
    place_many(&app, total).await;
    let acked: Arc<Mutex<Vec<i64>>> = Arc::default();
    let mut clients = vec![];
    for client in 0..4 {
        let (url, token, acked) = (app.url("/api/v1/work-orders"), reg.token.clone(), acked.clone());
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut stale_refused = 0;
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                let res = http.post(format!("{url}/claim")).bearer_auth(&token).json(&serde_json::json!({"limit": 10, "lease_seconds": 1})).send().await.unwrap();
                assert_eq!(res.status(), StatusCode::OK);
                let items = res.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone();
                if items.is_empty() {
                    // Stop only once every work order is acknowledged: leaving when nothing is
                    // queued let the fast claimers go while client 0 still sat on leases,
                    // and then no one claimed them again (a CI run saw no refusal).
                    if acked.lock().unwrap().len() >= total { break; }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
                for wo in items {
                    let id = wo["id"].as_i64().unwrap();
                    let lease = wo["lease_token"].as_str().unwrap().to_owned();
                    // Client 0 is slow: it sits on every other lease until it has expired and
                    // well past it. The others poll every 200 ms while anything is queued, so a
                    // window of 600 ms lets one of them claim it again before client 0 acks
                    // (with 100 ms, a run on a busy machine once saw no refusal at all).
                    if client == 0 && id % 2 == 0 {
                        tokio::time::sleep(Duration::from_millis(1600)).await;
                    }
                    let res = http.post(format!("{url}/{id}/ack")).bearer_auth(&token).json(&serde_json::json!({"lease_token": lease})).send().await.unwrap();
                    match res.status() {
                        StatusCode::OK => acked.lock().unwrap().push(id),
                        StatusCode::CONFLICT => {
                            assert_eq!(res.json::<Value>().await.unwrap()["type"], "/api/v1/problems/lease-conflict");
                            stale_refused += 1;
                        }
                        other => panic!("ack answered {other}"),
                    }
                }
            }
            stale_refused
        }));
    }
    let mut refused = 0;
    for c in clients {
        refused += c.await.unwrap();
    }
    let mut ids = acked.lock().unwrap().clone();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "every work order acknowledged");
    assert_eq!(n, total, "none acknowledged twice");
    // Whether a lease expired in the race above depends on the machine's speed (a busy CI
    // run once saw none), so the refusal is also shown step by step.
    if refused == 0 {
        eprintln!("no lease expired in the race; the refusal is shown step by step only");
    }
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        let jerseys = JerseyOrders::prepare(&db);
        db.write_blocking(|c| jerseys.place(c, "late")).unwrap();
    })
    .await
    .unwrap();
    let (http, url) = (reqwest::Client::new(), app.url("/api/v1/work-orders"));
    let claim = || async {
        let res = http.post(format!("{url}/claim")).bearer_auth(&reg.token).json(&serde_json::json!({"limit": 10, "lease_seconds": 1})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone()
    };
    let first = claim().await;
    assert_eq!(first.len(), 1, "the late work order is claimed");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let second = claim().await;
    assert_eq!(second.len(), 1, "its expired lease lets another claimer have it");
    assert_eq!(first[0]["id"], second[0]["id"]);
    let ack = |wo: &Value| {
        let (id, lease) = (wo["id"].as_i64().unwrap(), wo["lease_token"].as_str().unwrap().to_owned());
        http.post(format!("{url}/{id}/ack")).bearer_auth(&reg.token).json(&serde_json::json!({"lease_token": lease})).send()
    };
    let stale = ack(&first[0]).await.unwrap();
    assert_eq!(stale.status(), StatusCode::CONFLICT, "the expired lease is refused");
    let problem = stale.json::<Value>().await.unwrap();
    assert_eq!(problem["type"], "/api/v1/problems/lease-conflict");
    assert!(problem["detail"].as_str().unwrap().starts_with("another lease holds the work order now, not this lease_token"), "{problem}");
    // Without a token, a live lease is named as what is missing.
    let id = second[0]["id"].as_i64().unwrap();
    let bare = http.post(format!("{url}/{id}/ack")).bearer_auth(&reg.token).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::CONFLICT);
    assert_eq!(bare.json::<Value>().await.unwrap()["detail"], "the work order is claimed: acknowledge it with the lease_token its claim returned");
    assert_eq!(ack(&second[0]).await.unwrap().status(), StatusCode::OK);

    // A lease that ran out while nobody claimed the work order since is still its holder's:
    // acknowledging with it works, as acknowledging without any lease would.
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        let jerseys = JerseyOrders::prepare(&db);
        db.write_blocking(|c| jerseys.place(c, "later")).unwrap();
    })
    .await
    .unwrap();
    let mine = claim().await;
    assert_eq!(mine.len(), 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(ack(&mine[0]).await.unwrap().status(), StatusCode::OK, "an expired lease nobody took over");
    let made_up = http.post(format!("{url}/{}/ack", mine[0]["id"])).bearer_auth(&reg.token).json(&serde_json::json!({"lease_token": "made-up"})).send().await.unwrap();
    assert_eq!(made_up.status(), StatusCode::CONFLICT, "a token that was never this work order's");
    assert!(made_up.json::<Value>().await.unwrap()["detail"].as_str().unwrap().starts_with("this lease_token is not the work order's: it was claimed again since"));
}

/// A wish for the next order only was on the customer's page, where the fitter placing the
/// order did not see it, and it stayed listed after that order was placed.
async fn the_order_form_shows_the_customers_notes_and_the_next_order_takes_a_one_off_wish(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    app.register_factory("north-sewing", None).await;
    app.sign_in_as(FITTER_NORTH).await;
    let id = app.measured_customer("Ana Silva").await;
    app.post_on_customer(id, "preferences", &[("text", "prefers a relaxed fit"), ("kind", "standing")]).await;
    app.post_on_customer(id, "preferences", &[("text", "gift wrapping <please>"), ("kind", "one_off")]).await;
    let notes = || async {
        let (_, html) = app.get_html(&format!("/staff/customers/{id}/orders/new")).await;
        let href = attr(&html, "#products a[href$='product=cycling_jersey']", "href").unwrap();
        let (_, html) = app.get_html(&href.replace("&amp;", "&")).await;
        let mut notes = select(&html, "#customer-notes li");
        notes.sort();
        notes
    };
    assert_eq!(notes().await, vec!["For this order: gift wrapping <please>", "prefers a relaxed fit"]);
    let form = app.jersey_form(id, &[]).await;
    let placed = app.post_staff_order(id, &form).await;
    assert_eq!(placed.status(), StatusCode::SEE_OTHER);
    // Taken by the order: no longer pending, on the form or on the customer's page.
    assert_eq!(notes().await, vec!["prefers a relaxed fit"]);
    let (_, html) = app.get_html(&format!("/staff/customers/{id}")).await;
    assert!(select(&html, "#preference-one-off").is_empty());
    assert_eq!(select(&html, "#preference-standing .pref-text"), vec!["prefers a relaxed fit"]);
    // Still on the record, said to be taken (it vanished without trace).
    assert_eq!(select(&html, "#preference-one-off-taken .pref-text"), vec!["gift wrapping <please>"]);
    // An order cancelled gives the wish back: it was never made.
    let order = location(&placed);
    let token = app.csrf(&order).await;
    assert_eq!(app.post_form(&format!("{order}/cancel"), &[("csrf_token", &token)]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(notes().await, vec!["For this order: gift wrapping <please>", "prefers a relaxed fit"]);
}

/// A factory with a backlog of due events at the head of the queue (after an outage, or a
/// replay) and one slot left filled every row the lease read, and another factory's event
/// behind them waited for as long as that factory kept a slot free.
async fn one_factorys_backlog_leaves_room_for_the_other_factories_events(backend: Backend) {
    use atelier::store::outbox;
    let app = spawn_app(backend).await;
    let factory_id = |reg: &crate::bridge::Registered| reg.page.rsplit('/').next().unwrap().parse::<i64>().unwrap();
    let (busy, other) = (factory_id(&app.register_factory("backlogged", None).await), factory_id(&app.register_factory("other", None).await));
    let (leased, later) = app
        .db
        .write_blocking(|conn| -> Result<_, atelier::store::StoreError> {
            for i in 0..30 {
                outbox::insert(conn, busy, None, "customer.erased", &format!("msg_backlog_{i}"), "{}")?;
            }
            let behind = outbox::insert(conn, other, None, "customer.erased", "msg_other", "{}")?;
            let at = atelier::store::now();
            // Three free slots; the backlogged factory has one of its two in flight.
            let room = outbox::Room::new(2, [(busy, 1)].into_iter().collect());
            let leased = outbox::lease_due(conn, at, at + chrono::Duration::seconds(60), 3, &room)?;
            // Full, it is not read at all.
            let room = outbox::Room::new(2, [(busy, 2)].into_iter().collect());
            let later = outbox::lease_due(conn, at, at + chrono::Duration::seconds(60), 3, &room)?;
            Ok((leased.into_iter().map(|r| (r.factory_id, r.id)).collect::<Vec<_>>(), (behind, later.len())))
        })
        .unwrap();
    assert_eq!(leased.iter().filter(|(f, _)| *f == busy).count(), 1, "one of its own, as it has room for: {leased:?}");
    assert!(leased.contains(&(other, later.0)), "the other factory's event behind the backlog: {leased:?}");
    assert_eq!(later.1, 0, "nothing more: the other's was leased, the backlogged factory is full");
}

/// While a factory took its time to answer, the dispatcher counted the event in flight as due
/// and looked for work four times a second, a write each time. What it waits for is the next
/// attempt of an event not due yet, or the end of a lease another dispatcher may have dropped.
async fn an_event_in_flight_is_not_due_again_until_its_lease_ends(backend: Backend) {
    use atelier::store::outbox;
    let app = spawn_app(backend).await;
    let reg = app.register_factory("north-works", None).await;
    let factory: i64 = reg.page.rsplit('/').next().unwrap().parse().unwrap();
    let (at, alone, with_retry, late) = app
        .db
        .write_blocking(move |conn| -> Result<_, atelier::store::StoreError> {
            outbox::insert(conn, factory, None, "customer.erased", "msg_in_flight", "{}")?;
            let at = atelier::store::now();
            let leased = outbox::lease_due(conn, at, at + chrono::Duration::seconds(60), 10, &outbox::Room::new(16, Default::default()))?;
            assert_eq!(leased.len(), 1);
            let alone = outbox::next_due_after(conn, Some(at))?;
            let retry = outbox::insert(conn, factory, None, "customer.erased", "msg_retry", "{}")?;
            outbox::mark_failed(conn, retry, Some(at + chrono::Duration::seconds(10)), "503")?;
            let with_retry = outbox::next_due_after(conn, Some(at))?;
            // Due just before the lease, but committed after it read the table (another process).
            let late = outbox::insert(conn, factory, None, "customer.erased", "msg_late", "{}")?;
            outbox::mark_failed(conn, late, Some(at - chrono::Duration::milliseconds(500)), "503")?;
            Ok((at, alone, with_retry, outbox::next_due_after(conn, Some(at))?))
        })
        .unwrap();
    let secs = |t: Option<chrono::NaiveDateTime>| t.map(|t| (t - at).num_milliseconds() as f64 / 1000.0);
    assert_eq!(secs(alone), Some(60.0), "the lease's end, not at once");
    assert_eq!(secs(with_retry), Some(10.0), "the retry, before the lease ends");
    assert_eq!(secs(late), Some(-0.5), "due already: looked for again");
}

/// The shop showed a customer measured in pounds his system weight in pounds too; the staff
/// form, in kilograms only, and so did the rule it broke.
async fn the_staff_order_form_adds_inches_and_pounds_for_a_customer_measured_in_them(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    app.register_factory("north-works", None).await;
    app.sign_in_as(FITTER_NORTH).await;
    let id = app.enroll("Walt Kowalski", "walt@example.com", "").await;
    let token = app.csrf(&format!("/staff/customers/{id}/measurements/new?unit=imperial")).await;
    let measured = [("csrf_token", token.as_str()), ("unit_system", "imperial"), ("m_stature", "5'10"), ("m_inside_leg", "33"), ("m_body_mass", "253.5")];
    assert_eq!(app.post_form(&format!("/staff/customers/{id}/measurements"), &measured).await.status(), StatusCode::SEE_OTHER);
    let form: Vec<(&'static str, String)> = app.product_form(id, "road", &crate::shop_helpers::ROAD).await.into_iter().map(|(k, v)| (k, if k == "action" { "check".to_owned() } else { v })).collect();
    let res = app.post_staff_order(id, &form).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    let derived = select(&html, "#derived dd");
    // 253.5 lb and 9 kg are 123.986 kg, shown as 124 kg; the pounds from the first, not the second.
    assert!(derived.contains(&"124 kg (273.3\u{a0}lb)".to_owned()), "{derived:?}");
    assert!(derived.iter().any(|d| d.contains(" cm (") && d.ends_with("in)")), "{derived:?}");
    let violations = select(&html, "#violations li");
    assert!(violations.iter().any(|v| v.contains("124 kg (273.3\u{a0}lb)")), "the weight the carbon frame is rated for: {violations:?}");
}

/// The staff order form listed what does not fit and proposed nothing; the shop proposes the
/// changes that make it fit, keeping the option changed last where changing others fits it.
async fn the_staff_order_form_proposes_the_changes_that_fit_keeping_the_choice_made_last(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    app.register_factory("north-works", None).await;
    app.sign_in_as(FITTER_NORTH).await;
    let id = app.measured_customer("Mei Chen").await;
    let road = app.product_form(id, "road", &crate::shop_helpers::ROAD).await;
    let send = |form: &[(&'static str, String)], action: &str, changed: Option<&str>| {
        let mut form: Vec<(&'static str, String)> = form.iter().map(|(k, v)| (*k, if *k == "action" { action.to_owned() } else { v.clone() })).collect();
        form.extend(changed.map(|c| ("changed", c.to_owned())));
        let app = &app;
        async move {
            let res = app.post_staff_order(id, &form).await;
            assert_eq!(res.status(), StatusCode::OK);
            scraper::Html::parse_document(&res.text().await.unwrap())
        }
    };
    let html = send(&road, "check", None).await;
    assert_eq!(select(&html, "#valid").len(), 1, "{:?}", select(&html, "#violations li"));
    assert!(select(&html, "#repair").is_empty(), "nothing to propose");
    let valid_total = select(&html, "#total").concat();

    // Rim brakes do not go with disc wheels and thru-axles.
    let rim: Vec<(&'static str, String)> = road.iter().map(|(k, v)| (*k, if *k == "o_brakes" { "rim_caliper".to_owned() } else { v.clone() })).collect();
    let html = send(&rim, "check", None).await;
    assert_eq!(select(&html, "#repair-changes li"), vec!["Change Brakes from Rim caliper to Hydraulic disc."]);
    // And what it does to the price (it said nothing of it).
    let said = select(&html, "#repair-total").concat();
    assert!(said.starts_with(&format!("With these changes the total is {valid_total} (")) && said.ends_with(" more)."), "{said}");
    assert_eq!(attr(&html, "#apply-repair", "value").as_deref(), Some("repair"));
    let html = send(&rim, "repair", None).await;
    assert_eq!(select(&html, "#valid").len(), 1);
    assert_eq!(attr(&html, "#o_brakes option[selected], input[name=o_brakes][checked]", "value").as_deref(), Some("disc_hydraulic"));

    // The brakes just chosen (the form's script says so): kept, and what goes with them changed.
    let html = send(&rim, "check", Some("brakes")).await;
    let proposed = select(&html, "#repair-changes li");
    assert!(!proposed.is_empty() && proposed.iter().all(|p| !p.starts_with("Change Brakes")), "{proposed:?}");
    let html = send(&rim, "repair", Some("brakes")).await;
    assert_eq!(select(&html, "#valid").len(), 1, "{:?}", select(&html, "#violations li"));
    assert_eq!(attr(&html, "#o_brakes option[selected], input[name=o_brakes][checked]", "value").as_deref(), Some("rim_caliper"));
    assert!(select(&html, "input[name=changed]").is_empty());

    // Without the script the form says which choices it showed: the one changed since is kept,
    // and the button applies the change proposed (it proposed "Change Brakes back").
    let html = send(&road, "check", None).await;
    let (shown, kept) = (attr(&html, "input[name=shown]", "value").unwrap(), attr(&html, "input[name=kept]", "value").unwrap());
    assert!(shown.contains("brakes=disc_hydraulic") && kept.is_empty(), "{shown} {kept}");
    let mut sent: Vec<(&'static str, String)> = rim.clone();
    sent.extend([("shown", shown), ("kept", kept)]);
    let html = send(&sent, "check", None).await;
    let proposed = select(&html, "#repair-changes li");
    assert!(!proposed.is_empty() && proposed.iter().all(|p| !p.starts_with("Change Brakes")), "{proposed:?}");
    // Another choice changed before Apply (25 mm tyres, which fit rim brakes): the brakes the
    // proposal kept stay kept with it (it applied the brakes back, which nobody was shown).
    let mut sent: Vec<(&'static str, String)> = rim.iter().map(|(k, v)| (*k, if *k == "o_tyre" { "t25".to_owned() } else { v.clone() })).collect();
    sent.extend([("shown", attr(&html, "input[name=shown]", "value").unwrap()), ("kept", attr(&html, "input[name=kept]", "value").unwrap())]);
    assert!(sent.contains(&("kept", "brakes".to_owned())), "{sent:?}");
    let html = send(&sent, "repair", None).await;
    assert_eq!(select(&html, "#valid").len(), 1, "{:?}", select(&html, "#violations li"));
    assert_eq!(attr(&html, "#o_brakes option[selected], input[name=o_brakes][checked]", "value").as_deref(), Some("rim_caliper"));
    assert_eq!(attr(&html, "#o_tyre option[selected], input[name=o_tyre][checked]", "value").as_deref(), Some("t25"));

    // A rider no frame fits (a 57 cm inside leg: the saddle cannot come down far enough on the
    // smallest): no change is proposed, and that is said.
    let small = app.enroll("Kim Park", "kim.park@example.com", "").await;
    let token = app.csrf(&format!("/staff/customers/{small}/measurements/new?unit=metric")).await;
    let mut values = vec![("csrf_token", token.clone()), ("unit_system", "metric".into()), ("m_stature", "135".into()), ("m_inside_leg", "57".into())];
    let res = app.post_form(&format!("/staff/customers/{small}/measurements"), &values.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
    if res.status() == StatusCode::UNPROCESSABLE_ENTITY {
        // The short stature is outside the survey: the fitter confirms it.
        let html = scraper::Html::parse_document(&res.text().await.unwrap());
        values.push(("fingerprint", attr(&html, "input[name=fingerprint]", "value").unwrap()));
        for w in html.select(&scraper::Selector::parse("#warnings [data-warning]").unwrap()) {
            values.push(("confirm", w.value().attr("data-warning").unwrap().to_owned()));
        }
        let res = app.post_form(&format!("/staff/customers/{small}/measurements"), &values.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let form = app.product_form(small, "road", &crate::shop_helpers::ROAD).await;
    let res = app.post_staff_order(small, &form.iter().map(|(k, v)| (*k, if *k == "action" { "check".to_owned() } else { v.clone() })).collect::<Vec<_>>()).await;
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#ruled-out"), vec!["No choice makes this product fit the customer's measurements."], "{:?}", select(&html, "#violations li"));
    assert!(select(&html, "#apply-repair").is_empty());
}

/// A draft a fitter placed stayed listed, and placing it again made a second, identical order;
/// Save for later pressed twice saved two.
/// A form sent again with its key but another colour (Back from the order) answered with the
/// first order as if the red jersey were placed.
async fn a_draft_placed_by_staff_is_done_and_a_form_sent_again_with_other_choices_places_nothing(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    app.register_factory("north-sewing", None).await;
    app.sign_in_as(FITTER_NORTH).await;
    let id = app.measured_customer("Ana Silva").await;
    let post = |form: Vec<(&'static str, String)>| {
        let app = &app;
        async move { app.post_staff_order(id, &form).await }
    };
    let to_save: Vec<(&'static str, String)> = app.jersey_form(id, &[]).await.into_iter().map(|(k, v)| (k, if k == "action" { "draft".to_owned() } else { v })).collect();
    let saved = post(to_save.clone()).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    // Pressed twice, one draft: two alike were listed. At once too (PostgreSQL's writers do
    // not take turns by themselves).
    assert_eq!(location(&post(to_save.clone()).await), location(&saved));
    let changed: Vec<(&'static str, String)> = to_save.iter().map(|(k, v)| (*k, if *k == "o_body_colour" { "red".to_owned() } else { v.clone() })).collect();
    let at_once: Vec<String> = futures_util::future::join_all((0..8).map(|_| post(changed.clone()))).await.iter().map(location).collect();
    assert!(at_once.iter().all(|l| *l == at_once[0] && l.contains("draft=")), "one draft for a double click: {at_once:?}");
    let draft = location(&saved).split("draft=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    let (_, page) = app.get_html(&format!("/staff/customers/{id}")).await;
    assert!(attr(&page, &format!("#staff-draft-{draft}"), "href").is_some(), "the draft is listed");

    let form = app.jersey_form(id, &[("draft", &draft)]).await;
    let placed = post(form.clone()).await;
    assert_eq!(placed.status(), StatusCode::SEE_OTHER);
    let order = location(&placed);
    let (_, page) = app.get_html(&format!("/staff/customers/{id}")).await;
    assert!(attr(&page, &format!("#staff-draft-{draft}"), "href").is_none(), "placed, the draft is done");
    // The same form again is the same order (a double click).
    assert_eq!(location(&post(form.clone()).await), order);

    let red: Vec<(&'static str, String)> = form.iter().map(|(k, v)| (*k, if *k == "o_body_colour" { "red".to_owned() } else { v.clone() })).collect();
    let res = post(red.clone()).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    let reference = select(&scraper::Html::parse_document(&app.get(&order).await.text().await.unwrap()), "h1").concat();
    assert_eq!(select(&html, "#form-error"), vec![format!("This form placed order {reference} already, with other choices: these were not ordered. Place again to order them as a new order.")]);
    assert_eq!(attr(&html, "input[name=o_body_colour][checked], #o_body_colour option[selected]", "value").as_deref(), Some("red"), "the choices kept");
    let key = attr(&html, "input[name=idempotency_key]", "value").unwrap();
    assert!(!form.iter().any(|(k, v)| *k == "idempotency_key" && *v == key), "a new key");
    let again: Vec<(&'static str, String)> = red.into_iter().map(|(k, v)| (k, if k == "idempotency_key" { key.clone() } else { v })).collect();
    let second = post(again).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    assert_ne!(location(&second), order, "a second order, the red one");
    let (_, html) = app.get_html(&location(&second)).await;
    assert!(select(&html, "#order-choices dd").contains(&"Red".to_owned()), "{:?}", select(&html, "#order-choices dd"));
}
