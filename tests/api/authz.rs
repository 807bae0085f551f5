//! The authorization matrix: every route the app registers × every kind of caller gets the
//! answer its rule gives. The routes come from the app's own registration list, so a route
//! added without a rule here fails this test.
//!
//! GET routes are asked by every caller, and must not change any stored data. POST routes are
//! asked by every caller without a CSRF token (refused: sign-in for who may not be there, 403
//! for the rest), and, with a valid token, by every caller the rule refuses (refused with the
//! rule's answer); nothing is stored by either. That allowed callers' POSTs work is what the
//! feature tests show. Every HTML answer on the way must carry the security headers.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::StatusCode;
use serde_json::json;

use crate::bridge::with_demo_catalogs;
use crate::erasure_trace::dump_tables;
use crate::helpers::*;
use crate::on_both_backends;
use crate::shop_helpers::CUSTOMER_PASSWORD;

on_both_backends!(every_route_answers_every_caller_as_its_rule_says);

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    Public,
    /// Any signed-in staff member (customers belong to the whole chain).
    Staff,
    /// Staff of the object's store (north), or an administrator; other stores get 403.
    StaffOfStore,
    Manager,
    /// A manager of the customer's home store (north), or an administrator.
    ManagerOfStore,
    Admin,
    /// A signed-in customer, on their own data.
    Shopper,
    /// A signed-in customer, on an object that is theirs; another customer's gets 404.
    ShopperOwn,
    Factory,
    /// The factory the work order is for; another factory gets 404.
    FactoryOwn,
    Channel,
    /// The channel that placed the order; another channel gets 404.
    ChannelOwn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    Customer,
    OtherCustomer,
    FitterNorth,
    FitterSouth,
    ManagerNorth,
    Admin,
    Factory,
    OtherFactory,
    Channel,
    OtherChannel,
}

const EVERYONE: [Who; 11] = [
    Who::Anonymous, Who::Customer, Who::OtherCustomer, Who::FitterNorth, Who::FitterSouth, Who::ManagerNorth,
    Who::Admin, Who::Factory, Who::OtherFactory, Who::Channel, Who::OtherChannel,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// 2xx, or a redirect somewhere other than a sign-in page.
    Allowed,
    StaffSignIn,
    ShopSignIn,
    Status(u16),
}

fn staff_role(who: Who) -> Option<(&'static str, bool)> {
    match who {
        Who::FitterNorth => Some(("fitter", true)),
        Who::FitterSouth => Some(("fitter", false)),
        Who::ManagerNorth => Some(("manager", true)),
        Who::Admin => Some(("admin", true)),
        _ => None,
    }
}

fn expected(rule: Rule, who: Who) -> Answer {
    use Answer::*;
    let staff = staff_role(who);
    let customer = matches!(who, Who::Customer | Who::OtherCustomer);
    let factory = matches!(who, Who::Factory | Who::OtherFactory);
    let channel = matches!(who, Who::Channel | Who::OtherChannel);
    let staff_gate = |ok: bool| match staff {
        None => StaffSignIn,
        Some(_) if ok => Allowed,
        Some(_) => Status(403),
    };
    match rule {
        Rule::Public => Allowed,
        Rule::Staff => staff_gate(true),
        Rule::StaffOfStore => staff_gate(staff.is_some_and(|(role, north)| role == "admin" || north)),
        Rule::Manager => staff_gate(staff.is_some_and(|(role, _)| role != "fitter")),
        Rule::ManagerOfStore => staff_gate(staff.is_some_and(|(role, north)| role == "admin" || (role == "manager" && north))),
        Rule::Admin => staff_gate(staff.is_some_and(|(role, _)| role == "admin")),
        Rule::Shopper if customer => Allowed,
        Rule::ShopperOwn if who == Who::Customer => Allowed,
        Rule::ShopperOwn if customer => Status(404),
        Rule::Shopper | Rule::ShopperOwn => ShopSignIn,
        Rule::Factory if factory => Allowed,
        Rule::FactoryOwn if who == Who::Factory => Allowed,
        Rule::FactoryOwn if factory => Status(404),
        Rule::Channel if channel => Allowed,
        Rule::ChannelOwn if who == Who::Channel => Allowed,
        Rule::ChannelOwn if channel => Status(404),
        Rule::Factory | Rule::FactoryOwn | Rule::Channel | Rule::ChannelOwn => Status(401),
    }
}

/// The rule of every route, and the path it is asked at (placeholders filled from the
/// fixtures). A route the app registers that is missing here fails the test.
const MATRIX: &[(&str, &str, Rule, &str)] = &[
    ("GET", "/", Rule::Public, "/"),
    ("GET", "/healthz", Rule::Public, "/healthz"),
    ("GET", "/readyz", Rule::Public, "/readyz"),
    ("POST", "/lang", Rule::Public, "/lang"),
    ("GET", "/static/{file}", Rule::Public, "/static/app.css"),
    // Staff pages.
    ("GET", "/staff", Rule::Staff, "/staff"),
    ("GET", "/staff/", Rule::Staff, "/staff/"),
    ("GET", "/staff/sign-in", Rule::Public, "/staff/sign-in"),
    ("POST", "/staff/sign-in", Rule::Public, "/staff/sign-in"),
    ("POST", "/staff/sign-out", Rule::Public, "/staff/sign-out"),
    ("GET", "/staff/password", Rule::Staff, "/staff/password"),
    ("POST", "/staff/password", Rule::Staff, "/staff/password"),
    ("GET", "/staff/stores", Rule::Admin, "/staff/stores"),
    ("POST", "/staff/stores", Rule::Admin, "/staff/stores"),
    ("GET", "/staff/stores/{id}", Rule::StaffOfStore, "/staff/stores/{north}"),
    ("POST", "/staff/stores/{id}", Rule::Admin, "/staff/stores/{north}"),
    ("POST", "/staff/stores/{id}/staff", Rule::ManagerOfStore, "/staff/stores/{north}/staff"),
    ("POST", "/staff/stores/{id}/open", Rule::Admin, "/staff/stores/{north}/open"),
    ("POST", "/staff/team", Rule::Admin, "/staff/team"),
    ("POST", "/staff/team/{id}/active", Rule::ManagerOfStore, "/staff/team/{fitter}/active"),
    ("POST", "/staff/team/{id}/password", Rule::ManagerOfStore, "/staff/team/{fitter}/password"),
    ("GET", "/staff/catalogs", Rule::Manager, "/staff/catalogs"),
    ("POST", "/staff/catalogs", Rule::Admin, "/staff/catalogs"),
    ("GET", "/staff/catalogs/{id}", Rule::Staff, "/staff/catalogs/{catalog}"),
    ("GET", "/staff/catalogs/{id}/coverage", Rule::Manager, "/staff/catalogs/{catalog}/coverage?every=120"),
    ("GET", "/staff/factories", Rule::Admin, "/staff/factories"),
    ("POST", "/staff/factories", Rule::Admin, "/staff/factories"),
    ("GET", "/staff/factories/{id}", Rule::Admin, "/staff/factories/{factory}"),
    ("POST", "/staff/factories/{id}", Rule::Admin, "/staff/factories/{factory}"),
    ("POST", "/staff/factories/{id}/tokens", Rule::Admin, "/staff/factories/{factory}/tokens"),
    ("POST", "/staff/factories/{id}/tokens/{token}/revoke", Rule::Admin, "/staff/factories/{factory}/tokens/1/revoke"),
    ("POST", "/staff/factories/{id}/secret", Rule::Admin, "/staff/factories/{factory}/secret"),
    ("POST", "/staff/factories/{id}/secret/previous/end", Rule::Admin, "/staff/factories/{factory}/secret/previous/end"),
    ("POST", "/staff/factories/{id}/push/enable", Rule::Admin, "/staff/factories/{factory}/push/enable"),
    ("POST", "/staff/factories/{id}/replay", Rule::Admin, "/staff/factories/{factory}/replay"),
    ("GET", "/staff/audit", Rule::Admin, "/staff/audit"),
    ("GET", "/staff/audit/export", Rule::Admin, "/staff/audit/export"),
    ("GET", "/staff/channels", Rule::Admin, "/staff/channels"),
    ("POST", "/staff/channels", Rule::Admin, "/staff/channels"),
    ("GET", "/staff/channels/{id}", Rule::Admin, "/staff/channels/{channel}"),
    ("POST", "/staff/channels/{id}/keys", Rule::Admin, "/staff/channels/{channel}/keys"),
    ("POST", "/staff/channels/{id}/keys/{key}/revoke", Rule::Admin, "/staff/channels/{channel}/keys/1/revoke"),
    ("POST", "/staff/notices/{id}/dismiss", Rule::Admin, "/staff/notices/1/dismiss"),
    ("GET", "/staff/orders/{id}", Rule::Staff, "/staff/orders/{order}"),
    ("POST", "/staff/orders/{id}/cancel", Rule::StaffOfStore, "/staff/orders/{order}/cancel"),
    ("POST", "/staff/orders/{id}/revise", Rule::StaffOfStore, "/staff/orders/{order}/revise"),
    ("POST", "/staff/orders/{id}/collection", Rule::StaffOfStore, "/staff/orders/{order}/collection"),
    ("GET", "/staff/work-orders/{id}/ticket", Rule::StaffOfStore, "/staff/work-orders/{wo}/ticket"),
    ("POST", "/staff/orders/{id}/contacts", Rule::Staff, "/staff/orders/{order}/contacts"),
    ("GET", "/staff/insights", Rule::Manager, "/staff/insights"),
    ("POST", "/staff/insights/classify", Rule::Manager, "/staff/insights/classify"),
    ("GET", "/staff/work-orders", Rule::Staff, "/staff/work-orders"),
    ("POST", "/staff/work-orders/{id}/retry", Rule::StaffOfStore, "/staff/work-orders/{wo}/retry"),
    ("GET", "/staff/customers/{id}/orders/new", Rule::Staff, "/staff/customers/{customer}/orders/new"),
    ("POST", "/staff/customers/{id}/orders", Rule::Staff, "/staff/customers/{customer}/orders"),
    ("GET", "/staff/customers", Rule::Staff, "/staff/customers?q=Owner"),
    ("POST", "/staff/customers", Rule::Staff, "/staff/customers"),
    ("GET", "/staff/customers/new", Rule::Staff, "/staff/customers/new"),
    ("GET", "/staff/customers/{id}", Rule::Staff, "/staff/customers/{customer}"),
    ("POST", "/staff/customers/{id}/consent", Rule::Staff, "/staff/customers/{customer}/consent"),
    ("GET", "/staff/customers/{id}/export", Rule::Staff, "/staff/customers/{customer}/export"),
    ("POST", "/staff/customers/{id}/erase", Rule::ManagerOfStore, "/staff/customers/{customer}/erase"),
    ("POST", "/staff/customers/{id}/claim-code", Rule::Staff, "/staff/customers/{customer}/claim-code"),
    ("GET", "/staff/customers/{id}/merge", Rule::ManagerOfStore, "/staff/customers/{customer}/merge"),
    ("POST", "/staff/customers/{id}/merge", Rule::ManagerOfStore, "/staff/customers/{customer}/merge"),
    ("POST", "/staff/customers/{id}/preferences", Rule::Staff, "/staff/customers/{customer}/preferences"),
    ("POST", "/staff/customers/{id}/preferences/{pid}", Rule::Staff, "/staff/customers/{customer}/preferences/1"),
    ("POST", "/staff/customers/{id}/contacts", Rule::Staff, "/staff/customers/{customer}/contacts"),
    ("POST", "/staff/customers/{id}/learned", Rule::Staff, "/staff/customers/{customer}/learned"),
    ("POST", "/staff/customers/{id}/complaints/{cid}/resolve", Rule::Staff, "/staff/customers/{customer}/complaints/1/resolve"),
    ("GET", "/staff/customers/{id}/measurements", Rule::Staff, "/staff/customers/{customer}/measurements"),
    ("POST", "/staff/customers/{id}/measurements", Rule::Staff, "/staff/customers/{customer}/measurements"),
    ("GET", "/staff/customers/{id}/measurements/new", Rule::Staff, "/staff/customers/{customer}/measurements/new"),
    // Shop pages.
    ("GET", "/shop", Rule::Public, "/shop"),
    ("GET", "/shop/", Rule::Public, "/shop/"),
    ("GET", "/shop/sign-up", Rule::Public, "/shop/sign-up"),
    ("POST", "/shop/sign-up", Rule::Public, "/shop/sign-up"),
    ("GET", "/shop/claim", Rule::Public, "/shop/claim"),
    ("POST", "/shop/claim", Rule::Public, "/shop/claim"),
    ("GET", "/shop/sign-in", Rule::Public, "/shop/sign-in"),
    ("POST", "/shop/sign-in", Rule::Public, "/shop/sign-in"),
    ("POST", "/shop/sign-out", Rule::Public, "/shop/sign-out"),
    ("GET", "/shop/forgot", Rule::Public, "/shop/forgot"),
    ("POST", "/shop/forgot", Rule::Public, "/shop/forgot"),
    ("GET", "/shop/reset/{token}", Rule::Public, "{reset}"),
    ("POST", "/shop/reset/{token}", Rule::Public, "{reset}"),
    ("GET", "/shop/configure/{product}", Rule::Shopper, "/shop/configure/cycling_jersey"),
    ("POST", "/shop/configure/{product}", Rule::Shopper, "/shop/configure/cycling_jersey"),
    ("POST", "/shop/configure/{product}/live", Rule::Shopper, "/shop/configure/cycling_jersey/live"),
    ("GET", "/shop/orders", Rule::Shopper, "/shop/orders"),
    ("POST", "/shop/orders", Rule::Shopper, "/shop/orders"),
    ("GET", "/shop/orders/{id}", Rule::ShopperOwn, "/shop/orders/{order}"),
    ("GET", "/shop/checkout/{product}", Rule::Shopper, "/shop/checkout/cycling_jersey"),
    ("GET", "/shop/drafts", Rule::Shopper, "/shop/drafts"),
    ("POST", "/shop/drafts/{id}/delete", Rule::ShopperOwn, "/shop/drafts/{draft}/delete"),
    ("GET", "/shop/measurements", Rule::Shopper, "/shop/measurements"),
    ("POST", "/shop/measurements", Rule::Shopper, "/shop/measurements"),
    ("GET", "/shop/measurements/new", Rule::Shopper, "/shop/measurements/new"),
    ("GET", "/shop/account", Rule::Shopper, "/shop/account"),
    ("POST", "/shop/account/details", Rule::Shopper, "/shop/account/details"),
    ("POST", "/shop/account/email/cancel", Rule::Shopper, "/shop/account/email/cancel"),
    ("GET", "/shop/account/email/{token}", Rule::Public, "{email_link}"),
    ("POST", "/shop/account/email/{token}", Rule::Public, "{email_link}"),
    ("POST", "/shop/account/password", Rule::Shopper, "/shop/account/password"),
    ("GET", "/shop/account/export", Rule::Shopper, "/shop/account/export"),
    ("POST", "/shop/account/erase", Rule::Shopper, "/shop/account/erase"),
    // The API.
    ("GET", "/api/v1/openapi.json", Rule::Public, "/api/v1/openapi.json"),
    ("GET", "/api/v1/problems", Rule::Public, "/api/v1/problems"),
    ("GET", "/api/v1/problems/{type}", Rule::Public, "/api/v1/problems/lease-conflict"),
    ("GET", "/api/v1/work-orders", Rule::Factory, "/api/v1/work-orders"),
    ("POST", "/api/v1/work-orders/claim", Rule::Factory, "/api/v1/work-orders/claim"),
    ("GET", "/api/v1/work-orders/changes", Rule::Factory, "/api/v1/work-orders/changes"),
    ("GET", "/api/v1/work-orders/{id}", Rule::FactoryOwn, "/api/v1/work-orders/{wo}"),
    ("POST", "/api/v1/work-orders/{id}/ack", Rule::FactoryOwn, "/api/v1/work-orders/{wo}/ack"),
    ("POST", "/api/v1/work-orders/{id}/events", Rule::FactoryOwn, "/api/v1/work-orders/{wo}/events"),
    ("GET", "/api/v1/catalog", Rule::Channel, "/api/v1/catalog"),
    ("POST", "/api/v1/quote", Rule::Channel, "/api/v1/quote"),
    ("POST", "/api/v1/orders", Rule::Channel, "/api/v1/orders"),
    ("GET", "/api/v1/orders/{reference}", Rule::ChannelOwn, "/api/v1/orders/{reference}"),
];

/// Tables that change by being used at all: sessions and the sign-in bookkeeping.
const VOLATILE: &[&str] = &["sessions", "sign_in_failures", "__diesel_schema_migrations"];

struct Callers {
    clients: BTreeMap<Who, reqwest::Client>,
    bearer: BTreeMap<Who, String>,
    csrf: BTreeMap<Who, String>,
}

/// The status and redirect of an answer; an HTML answer without the security headers is
/// reported as a status of its own (0), so that the matrix shows where.
async fn answer_of(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let h = res.headers();
    let html = h.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    let csp = h.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let guarded = csp.contains("frame-ancestors 'none'")
        && !csp.contains("unsafe-inline")
        && h.get("x-content-type-options").is_some_and(|v| v == "nosniff")
        && h.get("referrer-policy").is_some()
        && h.get("cache-control").is_some_and(|v| v == "no-store");
    if html && !guarded {
        return (0, format!("HTML without the security headers: {h:?}"));
    }
    (status, location(&res))
}

fn classify(status: u16, location: &str) -> Answer {
    if (300..400).contains(&status) && location.starts_with("/staff/sign-in") {
        Answer::StaffSignIn
    } else if (300..400).contains(&status) && location.starts_with("/shop/sign-in") {
        Answer::ShopSignIn
    } else if (200..400).contains(&status) {
        Answer::Allowed
    } else {
        Answer::Status(status)
    }
}

/// What a refused POST is sent with: a well-formed body, so that the refusal is the rule's,
/// not the form decoder's.
fn json_body_for(pattern: &str) -> Option<serde_json::Value> {
    match pattern {
        "/api/v1/work-orders/{id}/events" => Some(json!({"status": "in_production"})),
        "/api/v1/work-orders/claim" => Some(json!({"limit": 1, "lease_seconds": 60})),
        "/api/v1/quote" | "/api/v1/orders" => Some(json!({"customer_reference": "C-NONE", "product": "cycling_jersey", "choices": {}, "measurements": {}, "ship_to": {"store": "NORTH"}})),
        _ if pattern.starts_with("/api/") => Some(json!({})),
        _ => None,
    }
}

fn form_fields_for(pattern: &str, other_customer: &str, north: i64) -> Vec<(&'static str, String)> {
    match pattern {
        // Where it is collected already: allowed, and nothing changes.
        "/staff/orders/{id}/collection" => vec![("store", north.to_string())],
        "/staff/orders/{id}/revise" => vec![("measurement_set", "1".into())],
        "/staff/customers/{id}/merge" => vec![("other_id", other_customer.into())],
        "/staff/stores/{id}/open" => vec![("open", "on".into())],
        _ => vec![],
    }
}

async fn every_route_answers_every_caller_as_its_rule_says(backend: Backend) {
    let app = with_demo_catalogs(backend).await;

    // The app's own list of routes, and the matrix, name the same routes.
    let registered: BTreeSet<(String, String)> = atelier::web::route_list().into_iter().map(|r| (r.method, r.path)).collect();
    let ruled: BTreeSet<(String, String)> = MATRIX.iter().map(|(m, p, _, _)| (m.to_string(), p.to_string())).collect();
    let unruled: Vec<_> = registered.difference(&ruled).collect();
    assert!(unruled.is_empty(), "routes without a rule in the authorization matrix: {unruled:?}");
    let stale: Vec<_> = ruled.difference(&registered).collect();
    assert!(stale.is_empty(), "matrix rules for routes the app does not have: {stale:?}");
    assert_eq!(MATRIX.len(), ruled.len(), "a route is in the matrix twice");

    // Fixtures: two factories, two channels, an order of a north customer with a shop account.
    let works = app.register_factory("WORKS", None).await;
    let other_works = app.register_factory("OTHERWORKS", None).await;
    let channel_key = app.add_channel("partner").await;
    let other_channel_key = app.add_channel("otherpartner").await;
    let fitter = app.browser();
    fitter.sign_in_as(FITTER_NORTH).await;
    let order_path = fitter.order_a_jersey("Ana Owner").await;
    let order_id: i64 = order_path.rsplit('/').next().unwrap().parse().unwrap();
    let db = app.db.clone();
    let (customer_id, reference, wo_id, wo_factory) = db
        .read(move |conn| -> Result<_, atelier::store::StoreError> {
            let order = atelier::store::orders::find(conn, order_id)?.unwrap();
            let c = atelier::store::customers::find(conn, order.customer_id)?.unwrap();
            let wo = atelier::store::orders::work_orders_of_order(conn, order_id)?.remove(0);
            Ok((c.id, c.reference, wo.id, wo.factory_id))
        })
        .await
        .unwrap();
    let works_id: i64 = works.page.rsplit('/').next().unwrap().parse().unwrap();
    let (own_token, other_token) = if wo_factory == works_id { (works.token, other_works.token) } else { (other_works.token, works.token) };

    let staff_id = app.db.read(|c| Ok::<_, atelier::store::StoreError>(atelier::store::staff::find_by_email(c, FITTER_NORTH)?.unwrap().id)).await.unwrap();
    let code = atelier::shop_accounts::new_claim_code(&app.db, customer_id, staff_id).await.unwrap();
    let email = atelier::domain::staff::StaffEmail::parse("ana.owner@shop.example").unwrap();
    atelier::shop_accounts::claim(&app.db, &code, email, CUSTOMER_PASSWORD.into()).await.unwrap();

    let http = reqwest::Client::new();
    let res = http
        .post(app.url("/api/v1/orders"))
        .bearer_auth(&channel_key)
        .header("idempotency-key", "authz-1")
        .json(&json!({
            "customer_reference": reference,
            "product": "cycling_jersey",
            "choices": {"cut": "men", "fit": "club", "sleeve": "short", "fabric": "standard", "zip": "full", "body_colour": "navy", "panel_colour": "black", "name_print": "ANA"},
            "measurements": {"stature": 1755, "chest_girth": 1056, "waist_girth": 937, "hip_girth": 1017, "arm_length": 592, "body_mass": 84600, "inside_leg": 845, "shoulder_width": 415},
            "ship_to": {"store": "NORTH"},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "a channel order");
    let channel_order: serde_json::Value = res.json().await.unwrap();
    let channel_ref = channel_order["reference"].as_str().expect("a reference").to_owned();

    // The customer saves a draft, so that there is one of theirs to ask about.
    let customer = app.browser();
    assert_eq!(customer.shop_sign_in("ana.owner@shop.example", CUSTOMER_PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let (status, _) = customer.configure("cycling_jersey", &[("o_cut", "men")], "draft").await;
    assert_eq!(status, StatusCode::OK);
    let draft_id = app.db.read(move |c| Ok::<_, atelier::store::StoreError>(atelier::store::drafts::for_customer(c, customer_id)?)).await.unwrap()[0].id;
    let other_customer = app.browser();
    other_customer.signed_up("Bea Other", "bea.other@shop.example").await;
    let other_customer_id = app
        .db
        .read(|c| Ok::<_, atelier::store::StoreError>(atelier::store::customer_accounts::find_by_email(c, "bea.other@shop.example")?))
        .await
        .unwrap()
        .unwrap()
        .customer_id;
    let res = other_customer.shop_form("/shop/forgot", "/shop/forgot", &[("email", "bea.other@shop.example")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mail = app
        .db
        .read(|c| Ok::<_, atelier::store::StoreError>(atelier::store::mail_outbox::latest_to(c, "bea.other@shop.example")?))
        .await
        .unwrap()
        .expect("a reset mail");
    let reset_path = mail.body[mail.body.find("/shop/reset/").unwrap()..].split_whitespace().next().unwrap().to_owned();
    // A live link to confirm a new email (opening it changes nothing; only its button does).
    let res = other_customer.shop_form("/shop/account", "/shop/account/details", &[("name", "Bea Other"), ("email", "bea.new@shop.example"), ("password", CUSTOMER_PASSWORD)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mail = app
        .db
        .read(|c| Ok::<_, atelier::store::StoreError>(atelier::store::mail_outbox::latest_to(c, "bea.new@shop.example")?))
        .await
        .unwrap()
        .expect("a link to confirm the new email");
    let email_link = mail.body[mail.body.find("/shop/account/email/").unwrap()..].split_whitespace().next().unwrap().to_owned();

    let catalog_id = app
        .db
        .read(|c| Ok::<_, atelier::store::StoreError>(atelier::store::catalogs::list(c)?))
        .await
        .unwrap()[0]
        .id;
    let channel_id = app.db.read(|c| Ok::<_, atelier::store::StoreError>(atelier::store::channels::list(c)?)).await.unwrap()[0].id;
    let fill = |path: &str| {
        path.replace("{north}", &app.north.to_string())
            .replace("{catalog}", &catalog_id.to_string())
            .replace("{factory}", &works_id.to_string())
            .replace("{channel}", &channel_id.to_string())
            .replace("{order}", &order_id.to_string())
            .replace("{wo}", &wo_id.to_string())
            .replace("{customer}", &customer_id.to_string())
            .replace("{draft}", &draft_id.to_string())
            .replace("{reference}", &channel_ref)
            .replace("{reset}", &reset_path)
            .replace("{email_link}", &email_link)
            .replace("{fitter}", &staff_id.to_string())
    };

    // One signed-in browser per caller.
    let mut callers = Callers { clients: BTreeMap::new(), bearer: BTreeMap::new(), csrf: BTreeMap::new() };
    for who in EVERYONE {
        let b = app.browser();
        match who {
            Who::Customer => assert_eq!(b.shop_sign_in("ana.owner@shop.example", CUSTOMER_PASSWORD).await.status(), StatusCode::SEE_OTHER),
            Who::OtherCustomer => assert_eq!(b.shop_sign_in("bea.other@shop.example", CUSTOMER_PASSWORD).await.status(), StatusCode::SEE_OTHER),
            Who::FitterNorth => b.sign_in_as(FITTER_NORTH).await,
            Who::FitterSouth => b.sign_in_as(FITTER_SOUTH).await,
            Who::ManagerNorth => b.sign_in_as(MANAGER_NORTH).await,
            Who::Admin => b.sign_in_as(ADMIN).await,
            Who::Factory => drop(callers.bearer.insert(who, own_token.clone())),
            Who::OtherFactory => drop(callers.bearer.insert(who, other_token.clone())),
            Who::Channel => drop(callers.bearer.insert(who, channel_key.clone())),
            Who::OtherChannel => drop(callers.bearer.insert(who, other_channel_key.clone())),
            Who::Anonymous => {}
        }
        let page = if staff_role(who).is_some() { "/staff/password" } else { "/shop" };
        callers.csrf.insert(who, b.csrf(page).await);
        callers.clients.insert(who, b.client.clone());
    }
    let send = |who: Who, method: &str, path: &str, pattern: &str, token: Option<&str>| {
        let client = callers.clients[&who].clone();
        let mut req = if method == "GET" { client.get(app.url(path)) } else { client.post(app.url(path)) };
        if let Some(b) = callers.bearer.get(&who) {
            req = req.bearer_auth(b);
        }
        if method == "POST" {
            req = match json_body_for(pattern) {
                Some(json) => req.header("idempotency-key", "authz-refused").json(&json),
                None => {
                    let mut fields = form_fields_for(pattern, &other_customer_id.to_string(), app.north);
                    if let Some(t) = token {
                        fields.push(("csrf_token", t.to_owned()));
                    }
                    req.form(&fields)
                }
            };
        }
        async move { answer_of(req.send().await.expect("request")).await }
    };

    let before = dump_tables(&app, VOLATILE);
    let mut wrong = vec![];
    for (method, pattern, rule, path) in MATRIX.iter().filter(|r| r.0 == "GET") {
        let path = fill(path);
        for who in EVERYONE {
            let (status, location) = send(who, method, &path, pattern, None).await;
            let got = classify(status, &location);
            let want = expected(*rule, who);
            if got != want {
                wrong.push(format!("{method} {path} as {who:?}: expected {want:?}, got {status} {location}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} answers differ from the matrix:\n{}", wrong.len(), wrong.join("\n"));
    let after = dump_tables(&app, VOLATILE);
    assert_same(&before, &after, "GET requests");

    for (method, pattern, rule, path) in MATRIX.iter().filter(|r| r.0 == "POST") {
        let path = fill(path);
        let api = pattern.starts_with("/api/");
        for who in EVERYONE {
            let want = expected(*rule, who);
            // Without a CSRF token: refused whoever asks (the API uses no cookies, so it has none).
            if !api {
                let (status, location) = send(who, method, &path, pattern, None).await;
                let got = classify(status, &location);
                let refused = if matches!(want, Answer::StaffSignIn | Answer::ShopSignIn) { want } else { Answer::Status(403) };
                if got != refused {
                    wrong.push(format!("{method} {path} as {who:?} without CSRF token: expected {refused:?}, got {status} {location}"));
                }
            }
            // With a valid token, by a caller the rule refuses: the rule's answer.
            if want != Answer::Allowed {
                let token = callers.csrf[&who].clone();
                let (status, location) = send(who, method, &path, pattern, Some(&token)).await;
                let got = classify(status, &location);
                if got != want {
                    wrong.push(format!("{method} {path} as {who:?}: expected {want:?}, got {status} {location}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} answers differ from the matrix:\n{}", wrong.len(), wrong.join("\n"));
    let after_posts = dump_tables(&app, VOLATILE);
    assert_same(&after, &after_posts, "refused POST requests");
}

fn assert_same(before: &[(String, Vec<String>)], after: &[(String, Vec<String>)], what: &str) {
    for ((table, rows), (_, rows_after)) in before.iter().zip(after) {
        let gone: Vec<_> = rows.iter().filter(|r| !rows_after.contains(r)).collect();
        // Reading personal data is itself recorded (who exported whom): an audit entry, not a change.
        let new: Vec<_> = rows_after
            .iter()
            .filter(|r| !rows.contains(r) && !(table == "audit_events" && r.contains("customer.exported")))
            .collect();
        assert!(gone.is_empty() && new.is_empty(), "{what} changed table {table}: removed {gone:?}, added {new:?}");
    }
    assert_eq!(before.len(), after.len());
}
