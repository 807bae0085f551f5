//! The sales-channel API: a partner shop reads the catalog, gets quotes and places orders
//! with its own key, idempotently, through the same engine and placement service.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::bridge::with_demo_catalogs;
use crate::helpers::*;
use crate::on_both_backends;

impl TestApp {
    /// An admin adds a sales channel for the north store; returns its key, shown once.
    pub async fn add_channel(&self, code: &str) -> String {
        self.add_channel_of(code, &self.north.to_string()).await
    }

    /// A sales channel for the store with this id (`""`: none); returns its key.
    pub async fn add_channel_of(&self, code: &str, store: &str) -> String {
        let admin = self.browser();
        admin.sign_in_as(ADMIN).await;
        let token = admin.csrf("/staff/channels").await;
        let res = admin.post_form("/staff/channels", &[("csrf_token", &token), ("name", &format!("Partner {code}")), ("code", code), ("store", store)]).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = scraper::Html::parse_document(&res.text().await.unwrap());
        select(&html, "#channel-key").first().cloned().expect("the key, shown once")
    }

    /// A customer enrolled in the north store; returns their reference.
    pub async fn customer_reference(&self, name: &str) -> String {
        let staff = self.browser();
        staff.sign_in_as(FITTER_NORTH).await;
        let id = staff.enroll(name, &format!("{}@example.com", name.to_lowercase().replace(' ', ".")), "").await;
        self.db
            .read(move |c| Ok::<_, atelier::store::StoreError>(atelier::store::customers::find(c, id)?))
            .await
            .unwrap()
            .unwrap()
            .reference
    }
}

fn jersey(customer: &str) -> Value {
    json!({
        "customer_reference": customer,
        "product": "cycling_jersey",
        "choices": {"cut": "men", "fit": "club", "sleeve": "short", "fabric": "standard", "zip": "full", "body_colour": "navy", "panel_colour": "black", "name_print": "ANA"},
        "measurements": {"stature": 1755, "chest_girth": 1056, "waist_girth": 937, "hip_girth": 1017, "arm_length": 592, "body_mass": 84600, "inside_leg": 845, "shoulder_width": 415},
        "ship_to": {"store": "NORTH"},
    })
}

on_both_backends!(a_partner_shop_quotes_and_places_orders_idempotently, channel_errors_are_problems_with_stable_types, a_channel_without_a_store_sells_in_the_name_of_the_store_it_sends_to);

async fn a_partner_shop_quotes_and_places_orders_idempotently(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let factory = app.register_factory("sewing", None).await;
    let key = app.add_channel("webshop").await;
    let customer = app.customer_reference("Ana Silva").await;
    let http = reqwest::Client::new();

    let catalog: Value = http.get(app.url("/api/v1/catalog")).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
    let codes: Vec<&str> = catalog["products"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"cycling_jersey") && codes.contains(&"road"), "{codes:?}");

    // A quote: the engine's answer, with the north store's 20 % tax and a ship date.
    let res = http.post(app.url("/api/v1/quote")).bearer_auth(&key).json(&jersey(&customer)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let quote: Value = res.json().await.unwrap();
    assert_eq!(quote["valid"], true, "{quote}");
    assert_eq!(quote["price"]["tax_rate"], "0.2000");
    assert!(quote["estimated_ship_date"].is_string());
    // Something missing: invalid, with the reasons and a repair.
    let partial = json!({"product": "cycling_jersey", "choices": {"cut": "men"}, "measurements": {}});
    let quote: Value = http.post(app.url("/api/v1/quote")).bearer_auth(&key).json(&partial).send().await.unwrap().json().await.unwrap();
    assert_eq!(quote["valid"], false);
    assert!(!quote["violations"].as_array().unwrap().is_empty());
    assert!(quote["repair"].is_object());

    // Ten identical submissions at once (a retrying client): one order.
    let mut tries = vec![];
    for _ in 0..10 {
        let (http, url, key, body) = (http.clone(), app.url("/api/v1/orders"), key.clone(), jersey(&customer));
        tries.push(tokio::spawn(async move {
            let res = http.post(url).bearer_auth(key).header("idempotency-key", "cart-1").json(&body).send().await.unwrap();
            (res.status(), res.json::<Value>().await.unwrap())
        }));
    }
    let mut references = std::collections::BTreeSet::new();
    let mut created = 0;
    for t in tries {
        let (status, body) = t.await.unwrap();
        assert!(status == StatusCode::CREATED || status == StatusCode::OK, "{status} {body}");
        created += usize::from(status == StatusCode::CREATED);
        references.insert(body["reference"].as_str().unwrap().to_owned());
    }
    assert_eq!(references.len(), 1, "one order for one key");
    assert_eq!(created, 1);
    let reference = references.into_iter().next().unwrap();
    let order: Value = http.get(app.url(&format!("/api/v1/orders/{reference}"))).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
    assert_eq!(order["status"], "placed");
    assert_eq!(order["total"], quote_total(&app, &key, &customer).await);
    // The factory learns where it goes by the store's code and name, which it knows, not by
    // an id of ours.
    let r = reference.clone();
    let (document, wo): (Value, i64) = app
        .db
        .read(move |c| -> Result<_, atelier::store::StoreError> {
            use diesel::prelude::*;
            use atelier::store::schema::orders::dsl as o;
            let id: i64 = o::orders.filter(o::reference.eq(&r)).select(o::id).first(c)?;
            let wo = atelier::store::orders::work_orders_of_order(c, id)?.remove(0);
            Ok((serde_json::from_str(&wo.document).unwrap(), wo.id))
        })
        .await
        .unwrap();
    assert_eq!(document["ship_to"]["store_code"], "NORTH");
    assert_eq!(document["ship_to"]["store_name"], "North Store");
    // Shipped by the factory: the channel reads the tracking number with the order's status.
    assert_eq!(order["tracking_numbers"], json!([]));
    // A number sent with another status is not yet where the order is: none is shown before
    // it ships.
    for (status, k, shown) in [("in_production", "t1", json!([])), ("shipped", "t2", json!(["1Z999AA10123456784"]))] {
        let res = http.post(app.url(&format!("/api/v1/work-orders/{wo}/events"))).bearer_auth(&factory.token).header("idempotency-key", k).json(&json!({"status": status, "tracking_number": "1Z999AA10123456784"})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{status}");
        let order: Value = http.get(app.url(&format!("/api/v1/orders/{reference}"))).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
        assert_eq!((order["status"].as_str(), order["tracking_numbers"].clone()), (Some(status), shown), "{status}");
    }
    // A retry of the placement answers with the order as it is now, all of it.
    let again = http.post(app.url("/api/v1/orders")).bearer_auth(&key).header("idempotency-key", "cart-1").json(&jersey(&customer)).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!((again["status"].as_str(), again["tracking_numbers"].clone()), (Some("shipped"), json!(["1Z999AA10123456784"])));

    // The same key with another request is refused; another channel cannot see the order.
    let mut other = jersey(&customer);
    other["choices"]["sleeve"] = json!("long");
    let res = http.post(app.url("/api/v1/orders")).bearer_auth(&key).header("idempotency-key", "cart-1").json(&other).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["type"], "/api/v1/problems/idempotency-key-reused");
    // Sent somewhere else is another request too: the old order would still go to the old place.
    let mut elsewhere = jersey(&customer);
    elsewhere["ship_to"] = json!({"address": {"line1": "1 Main Street", "city": "Springfield"}});
    let res = http.post(app.url("/api/v1/orders")).bearer_auth(&key).header("idempotency-key", "cart-1").json(&elsewhere).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["type"], "/api/v1/problems/idempotency-key-reused");
    let kiosk = app.add_channel("kiosk").await;
    let res = http.get(app.url(&format!("/api/v1/orders/{reference}"))).bearer_auth(&kiosk).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // After a new revision of a catalog, orders are placed with the current versions, which
    // the order's own read finds as the catalog read does.
    let text = std::fs::read_to_string("catalog/sportswear.toml").unwrap() + "\n# revised\n";
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || atelier::catalogs::import_blocking(&db, "sportswear.toml", &text, None)).await.unwrap().unwrap();
    let (hash, reference) = (atelier::web::api::token_hash(&key), customer.clone());
    let (context, current) = app
        .db
        .read(move |c| -> Result<_, atelier::store::StoreError> {
            Ok((atelier::store::channels::order_context(c, &hash, &reference)?, atelier::store::catalogs::current_ids(c)?))
        })
        .await
        .unwrap();
    let context = context.expect("the channel of a live key");
    assert_eq!(context.catalog_versions, current);
    assert_eq!(current.len(), 2, "one current version per catalog");
    let res = http.post(app.url("/api/v1/orders")).bearer_auth(&key).header("idempotency-key", "cart-2").json(&jersey(&customer)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

/// A review found a channel without a store of its own charging no tax for an order it sent
/// to a store.
async fn a_channel_without_a_store_sells_in_the_name_of_the_store_it_sends_to(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    app.register_factory("sewing", None).await;
    let key = app.add_channel_of("web", "").await;
    let customer = app.customer_reference("Li Na").await;
    let mut body = jersey(&customer);
    body["ship_to"] = json!({"store": "SOUTH"});
    let res = reqwest::Client::new().post(app.url("/api/v1/orders")).bearer_auth(&key).header("idempotency-key", "w-1").json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let order: Value = res.json().await.unwrap();
    assert_eq!((order["subtotal"].as_str(), order["tax"].as_str()), (Some("131.00"), Some("26.20")), "SOUTH's 20 % (0 % before): {order}");
    // Every answer has the Order's fields, tracking numbers too (none before shipping).
    assert_eq!(order["tracking_numbers"], json!([]), "{order}");
    let reference = order["reference"].as_str().unwrap().to_owned();
    let stored = app
        .db
        .read(move |c| -> Result<_, atelier::store::StoreError> {
            let id = atelier::store::customers::find_by_reference(c, &customer)?.expect("the customer").id;
            Ok(atelier::store::orders::for_customer(c, id)?)
        })
        .await
        .unwrap();
    let stored = stored.iter().find(|o| o.reference == reference).expect("the order");
    assert_eq!(stored.store_id, Some(app.south));
    // A delivered order has no store to be sold in (it charged 0 %): refused, saying why.
    let mut delivered = jersey(&stored.reference);
    delivered["customer_reference"] = body["customer_reference"].clone();
    delivered["ship_to"] = json!({"address": {"line1": "1 A", "city": "B"}});
    let res = reqwest::Client::new().post(app.url("/api/v1/orders")).bearer_auth(&key).header("idempotency-key", "w-2").json(&delivered).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().starts_with("this channel has no store of its own, and a delivered order is sold in a store's name"), "{p}");
    // The quote prices as the order does: at the tax of the store named (it quoted 0 %), and
    // without one named it is refused as the order is (it quoted 0 %, valid).
    let quoted: Value = reqwest::Client::new().post(app.url("/api/v1/quote")).bearer_auth(&key).json(&body).send().await.unwrap().json().await.unwrap();
    assert_eq!(quoted["price"]["total"], "157.20", "{quoted}");
    let mut storeless = body.clone();
    storeless.as_object_mut().unwrap().remove("ship_to");
    let res = reqwest::Client::new().post(app.url("/api/v1/quote")).bearer_auth(&key).json(&storeless).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    assert_eq!((p["type"].as_str(), p["detail"].as_str()), (Some("/api/v1/problems/unknown-store"), Some("this channel has no store of its own: name one in ship_to, as {\"store\": CODE}")));
    let mut odd = body.clone();
    odd["ship_to"] = json!({"store": "SOUTH", "floor": 2});
    let res = reqwest::Client::new().post(app.url("/api/v1/quote")).bearer_auth(&key).json(&odd).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["detail"], "ship_to has no field `floor`: it is {\"store\": CODE} or {\"address\": {...}}");
    // A misspelt field is named, not ignored (`shipTo` sent the order to the channel's store).
    let mut misspelt = jersey(&stored.reference);
    misspelt["customer_reference"] = body["customer_reference"].clone();
    misspelt["shipTo"] = json!({"store": "SOUTH"});
    for path in ["/api/v1/orders", "/api/v1/quote"] {
        let res = reqwest::Client::new().post(app.url(path)).bearer_auth(&key).header("idempotency-key", "w-3").json(&misspelt).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["detail"], "unknown field `shipTo`; the fields are product, choices, measurements, customer_reference and ship_to", "{path}");
    }
}

async fn quote_total(app: &TestApp, key: &str, customer: &str) -> Value {
    let quote: Value = reqwest::Client::new().post(app.url("/api/v1/quote")).bearer_auth(key).json(&jersey(customer)).send().await.unwrap().json().await.unwrap();
    quote["price"]["total"].clone()
}

async fn channel_errors_are_problems_with_stable_types(backend: Backend) {
    let app = with_demo_catalogs(backend).await;
    let factory = app.register_factory("sewing", None).await;
    let key = app.add_channel("pos").await;
    let customer = app.customer_reference("Li Na").await;
    let http = reqwest::Client::new();
    let post = |body: Value, idem: Option<&'static str>| {
        let mut req = http.post(app.url("/api/v1/orders")).bearer_auth(&key).json(&body);
        if let Some(k) = idem {
            req = req.header("idempotency-key", k);
        }
        req.send()
    };
    let problem = |res: reqwest::Response| async move {
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        (res.status(), res.json::<Value>().await.unwrap())
    };

    let (status, p) = problem(post(jersey(&customer), None).await.unwrap()).await;
    assert_eq!((status, p["detail"].as_str().unwrap()), (StatusCode::BAD_REQUEST, "an Idempotency-Key header (1 to 200 characters) is required"));
    // Too long is said as such, not as if the header were missing.
    let long: &'static str = Box::leak("k".repeat(201).into_boxed_str());
    let (status, p) = problem(post(jersey(&customer), Some(long)).await.unwrap()).await;
    assert_eq!((status, p["detail"].as_str().unwrap()), (StatusCode::BAD_REQUEST, "the Idempotency-Key header is 201 characters long; at most 200"));
    let (status, p) = problem(post(jersey("AT-NOPE-NOPE"), Some("a")).await.unwrap()).await;
    assert_eq!((status, p["type"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "/api/v1/problems/unknown-customer"));
    let mut bad = jersey(&customer);
    bad["choices"]["sleeve"] = json!("none-such");
    let (status, p) = problem(post(bad, Some("b")).await.unwrap()).await;
    assert_eq!((status, p["type"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "/api/v1/problems/invalid-configuration"));
    assert!(!p["violations"].as_array().unwrap().is_empty(), "{p}");
    let mut wrong_type = jersey(&customer);
    wrong_type["choices"]["sleeve"] = json!({"x": 1});
    let (status, p) = problem(post(wrong_type, Some("c")).await.unwrap()).await;
    assert_eq!((status, p["detail"].as_str().unwrap()), (StatusCode::BAD_REQUEST, "choice `sleeve` has the wrong type for its option"));
    let mut nowhere = jersey(&customer);
    nowhere["ship_to"] = json!({"store": "MOON"});
    let (status, p) = problem(post(nowhere, Some("d")).await.unwrap()).await;
    assert_eq!((status, p["type"].as_str().unwrap(), p["detail"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "/api/v1/problems/unknown-store", "no store has the code MOON"));
    // A code as people type it finds the store.
    let mut lower = jersey(&customer);
    lower["ship_to"] = json!({"store": " north "});
    assert_eq!(post(lower, Some("d0")).await.unwrap().status(), StatusCode::CREATED);
    // A closed store takes no orders.
    let south = app.south;
    app.db.write(move |c| Ok::<_, atelier::store::StoreError>(atelier::store::stores::set_closed(c, south, Some(atelier::store::now()))?)).await.unwrap();
    let mut closed = jersey(&customer);
    closed["ship_to"] = json!({"store": "SOUTH"});
    let (status, p) = problem(post(closed, Some("d1")).await.unwrap()).await;
    assert_eq!((status, p["type"].as_str().unwrap(), p["detail"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "/api/v1/problems/store-closed", "store SOUTH is closed and takes no orders"));
    // A channel whose own store is closed sells nothing, wherever the order would go.
    let north = app.north;
    let close = |at: Option<chrono::NaiveDateTime>| app.db.write(move |c| Ok::<_, atelier::store::StoreError>(atelier::store::stores::set_closed(c, north, at)?));
    close(Some(atelier::store::now())).await.unwrap();
    let mut elsewhere = jersey(&customer);
    elsewhere["ship_to"] = json!({"address": {"line1": "1 Main St", "city": "Springfield"}});
    let (status, p) = problem(post(elsewhere, Some("d1b")).await.unwrap()).await;
    assert_eq!((status, p["detail"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "this channel's store NORTH is closed: the channel takes no orders"));
    close(None).await.unwrap();
    // An address that says nothing is nowhere too.
    for address in [json!(null), json!(""), json!({}), json!({"line1": "  "}), json!(7)] {
        let mut empty = jersey(&customer);
        empty["ship_to"] = json!({ "address": address });
        let (status, p) = problem(post(empty, Some("d2")).await.unwrap()).await;
        assert_eq!((status, p["type"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "/api/v1/problems/invalid-address"), "{address}");
    }
    // An address a label cannot be printed from is refused, each problem named.
    let mut no_street = jersey(&customer);
    no_street["ship_to"] = json!({"address": {"name": "Only Name", "street": "1 Main St"}});
    let (status, p) = problem(post(no_street, Some("d2b")).await.unwrap()).await;
    assert_eq!((status, p["type"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "/api/v1/problems/invalid-address"));
    assert_eq!(p["detail"].as_str().unwrap(), "ship_to.address cannot go on a label: it has no line `street` (its lines are name, company, line1, line2, line3, postal_code, city, region, country); line1 is missing (the street and number); city is missing (the town or city)");
    let mut both = jersey(&customer);
    both["ship_to"] = json!({"store": "NORTH", "address": {"line1": "1 Main St"}});
    let (status, p) = problem(post(both, Some("c9")).await.unwrap()).await;
    assert_eq!((status, p["detail"].as_str().unwrap()), (StatusCode::BAD_REQUEST, "ship_to names a store and an address: give one of them"));
    let mut misspelt = jersey(&customer);
    misspelt["measurements"]["shoulder_breadth"] = json!(415);
    let (status, p) = problem(post(misspelt, Some("d3")).await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(p["detail"].as_str().unwrap().starts_with("unknown measurement `shoulder_breadth`; the measurements are stature, "), "{p}");
    let mut unknown = jersey(&customer);
    unknown["product"] = json!("teleporter");
    let (status, p) = problem(post(unknown, Some("e")).await.unwrap()).await;
    assert_eq!((status, p["detail"].as_str().unwrap()), (StatusCode::NOT_FOUND, "no product `teleporter` is on sale: GET /api/v1/catalog lists those that are"));
    // A factory's token is not a channel's key, and a channel's key is not a factory's token:
    // each is told so (it read "a valid bearer token is required", as for a token never made).
    let (status, p) = problem(http.post(app.url("/api/v1/quote")).bearer_auth(&factory.token).json(&jersey(&customer)).send().await.unwrap()).await;
    assert_eq!((status, p["detail"].as_str().unwrap()), (StatusCode::UNAUTHORIZED, "this is a factory's API token: catalogs, quotes and orders take a sales channel's API key"));
    let (status, p) = problem(http.get(app.url("/api/v1/work-orders")).bearer_auth(&key).send().await.unwrap()).await;
    assert_eq!((status, p["detail"].as_str().unwrap()), (StatusCode::UNAUTHORIZED, "this is a sales channel's API key: work orders are read with a factory's API token"));
    let (status, p) = problem(http.get(app.url("/api/v1/work-orders")).bearer_auth("atf_never_issued").send().await.unwrap()).await;
    assert_eq!((status, p["detail"].as_str().unwrap()), (StatusCode::UNAUTHORIZED, "a valid bearer token is required"));
    let res = http.post(app.url("/api/v1/quote")).bearer_auth(&key).header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert_eq!(problem(res).await.0, StatusCode::BAD_REQUEST);
    // A body past the API's limit is 413 and one that is not sent as JSON 415, each saying so.
    let big = json!({"product": "cycling_jersey", "choices": {}, "measurements": {}, "padding": "x".repeat(70_000)});
    for (req, want, slug, says) in [
        (http.post(app.url("/api/v1/quote")).bearer_auth(&key).json(&big), StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "larger than the 65536 bytes"),
        (http.post(app.url("/api/v1/quote")).bearer_auth(&key).header("content-type", "text/plain").body("{}"), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Content-Type: application/json"),
    ] {
        let (status, p) = problem(req.send().await.unwrap()).await;
        assert_eq!(status, want, "{p}");
        assert_eq!(p["type"], format!("/api/v1/problems/{slug}"));
        assert!(p["detail"].as_str().unwrap().contains(says), "{p}");
    }
    // A body is an object: serde would read an array as the fields in a row.
    let res = http.post(app.url("/api/v1/quote")).bearer_auth(&key).json(&json!(["cycling_jersey", {}, {}])).send().await.unwrap();
    let (status, p) = problem(res).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(p["detail"].as_str().unwrap().contains("expected a JSON object"), "{p}");
    // A number past what a decimal holds is a number out of the option's range, not the
    // wrong type.
    for huge in [json!(1e30), json!(-1e30), json!(1e-30)] {
        let body = json!({"product": "road", "choices": {"stem_length": huge}});
        let res = http.post(app.url("/api/v1/quote")).bearer_auth(&key).json(&body).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{huge}");
        let quote: Value = res.json().await.unwrap();
        assert_eq!(quote["valid"], false);
        assert!(quote["violations"].as_array().unwrap().iter().any(|v| v["kind"] == "invalid_choice" && v["options"][0] == "stem_length"), "{huge}: {quote}");
    }
    // Without a valid key a malformed body learns nothing but 401.
    for path in ["/api/v1/quote", "/api/v1/orders"] {
        let res = http.post(app.url(path)).bearer_auth("atc_not-a-key").header("idempotency-key", "z").json(&json!(["cycling_jersey"])).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    // A body no adult has is refused by the engine, in the quote and the order alike, naming
    // the measurement; before, the quote said valid and the order failed deep in the bill of
    // materials with a 400.
    let mut tiny = jersey(&customer);
    tiny["measurements"]["stature"] = json!(-5459);
    let quote: Value = http.post(app.url("/api/v1/quote")).bearer_auth(&key).json(&tiny).send().await.unwrap().json().await.unwrap();
    assert_eq!(quote["valid"], false, "{quote}");
    let v = &quote["violations"][0];
    assert_eq!((v["kind"].as_str(), v["measurements"][0].as_str()), (Some("invalid_measurement"), Some("stature")), "{quote}");
    assert_eq!(v["explanation"]["en"], "A stature of -545.9 cm is not possible: it must be between 80.0 cm and 280.0 cm (-5459 was read as millimetres).");
    let (status, p) = problem(post(tiny, Some("f")).await.unwrap()).await;
    assert_eq!((status, p["type"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "/api/v1/problems/invalid-configuration"));
    assert_eq!(p["violations"][0]["kind"], "invalid_measurement", "{p}");
    // Head and hand girth, which fitters take and no product reads, are taken (they were
    // refused as unknown); one no adult has is refused by its name, as the others are.
    let mut whole = jersey(&customer);
    whole["measurements"]["head_girth"] = json!(570);
    whole["measurements"]["hand_girth"] = json!(210);
    let quote: Value = http.post(app.url("/api/v1/quote")).bearer_auth(&key).json(&whole).send().await.unwrap().json().await.unwrap();
    assert_eq!(quote["valid"], true, "{quote}");
    whole["measurements"]["head_girth"] = json!(57);
    let quote: Value = http.post(app.url("/api/v1/quote")).bearer_auth(&key).json(&whole).send().await.unwrap().json().await.unwrap();
    assert_eq!(quote["violations"][0]["explanation"]["en"], "A head girth of 5.7 cm is not possible: it must be between 38.0 cm and 80.0 cm (57 was read as millimetres).", "{quote}");
    // A blank name prints (and costs) nothing; a padded one prints without its spaces.
    let total_with = |print: &'static str| {
        let mut body = jersey(&customer);
        body["choices"]["name_print"] = json!(print);
        let req = http.post(app.url("/api/v1/quote")).bearer_auth(&key).json(&body);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap()["price"]["total"].clone() }
    };
    let mut unprinted = jersey(&customer);
    unprinted["choices"].as_object_mut().unwrap().remove("name_print");
    let plain: Value = http.post(app.url("/api/v1/quote")).bearer_auth(&key).json(&unprinted).send().await.unwrap().json().await.unwrap();
    assert_eq!(total_with("   ").await, plain["price"]["total"]);
    assert_eq!(total_with("  ANA ").await, total_with("ANA").await);
    // An option the product does not have is named by the engine, whatever its value's type.
    let mut stranger = jersey(&customer);
    stranger["choices"]["zz"] = json!(["a"]);
    let (status, p) = problem(post(stranger, Some("g")).await.unwrap()).await;
    assert_eq!((status, p["violations"][0]["options"][0].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("zz")), "{p}");

    // Keys are not interchangeable: a factory token is not a channel key, nor the reverse.
    let res = http.get(app.url("/api/v1/catalog")).bearer_auth(&factory.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = http.get(app.url("/api/v1/work-orders")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // A revoked key stops working.
    let admin = app.browser();
    admin.sign_in_as(ADMIN).await;
    let (_, list) = admin.get_html("/staff/channels").await;
    let page = attr(&list, "#channels a", "href").unwrap();
    let (_, html) = admin.get_html(&page).await;
    let revoke = attr(&html, "#channel-keys form[action$='/revoke']", "action").unwrap();
    let token = attr(&html, "input[name=csrf_token]", "value").unwrap();
    assert_eq!(admin.post_form(&revoke, &[("csrf_token", &token)]).await.status(), StatusCode::SEE_OTHER);
    let res = http.get(app.url("/api/v1/catalog")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn channel_form_errors_show_at_the_field() {
    let app = spawn_app(Backend::Sqlite).await;
    app.sign_in_as(ADMIN).await;
    let token = app.csrf("/staff/channels").await;
    let res = app.post_form("/staff/channels", &[("csrf_token", &token), ("name", ""), ("code", "bad code"), ("store", "999")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#c-name-error"), vec!["Enter the channel's name (up to 120 characters)."]);
    assert_eq!(select(&html, "#c-code-error"), vec!["Use 1 to 40 letters, digits or dashes."]);
    assert_eq!(select(&html, "#c-store-error"), vec!["Choose one of the stores."]);
    assert_eq!(attr(&html, "#c-code", "value").as_deref(), Some("bad code"));
    // Fitters cannot manage channels.
    let fitter = app.browser();
    fitter.sign_in_as(FITTER_NORTH).await;
    assert_eq!(fitter.get("/staff/channels").await.status(), StatusCode::FORBIDDEN);
}
