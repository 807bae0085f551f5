//! Factory faults against a real HTTP factory with a compressed retry schedule: down for a
//! long stretch, slow (answers after the timeout, having perhaps processed the event), and
//! flapping. Nothing is lost, nothing is sent again once the factory answered 2xx in time,
//! a retry reuses the event's webhook-id, and the staff board shows the right state. Also the
//! SSRF guard end to end: the form refuses private destinations at the field, and the
//! dispatcher refuses them at send time, for literal addresses and for names resolving there.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::bridge::verify;
use crate::helpers::*;
use crate::on_both_backends;

/// What the factory does with one request.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Answer {
    /// Answers at once with this status.
    Now(u16),
    /// Processes the event, then answers 200 only after the dispatcher's timeout.
    Late,
}

#[derive(Clone, Debug)]
struct Call {
    webhook_id: String,
    event_type: String,
    work_order: i64,
    answer: Answer,
    signature_ok: bool,
}

/// A factory receiver that follows a script of answers (then accepts everything), verifies
/// signatures with the tests' own HMAC code, and processes each webhook-id once, as a
/// factory de-duplicating by webhook-id would.
#[derive(Clone)]
struct ScriptedFactory {
    url: String,
    secret: Arc<Mutex<String>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
    late_by: Duration,
    calls: Arc<Mutex<Vec<Call>>>,
    /// Webhook-ids it has processed, and how many requests it recognised as one of those.
    processed: Arc<Mutex<BTreeSet<String>>>,
    recognised: Arc<Mutex<usize>>,
}

impl ScriptedFactory {
    /// Processes an event once per webhook-id, as the contract asks a factory to.
    fn process(&self, webhook_id: &str) {
        if !self.processed.lock().unwrap().insert(webhook_id.to_owned()) {
            *self.recognised.lock().unwrap() += 1;
        }
    }
}

async fn answer(req: HttpRequest, body: web::Bytes, f: web::Data<ScriptedFactory>) -> HttpResponse {
    let h = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let secret = f.secret.lock().unwrap().clone();
    let signature_ok = verify(&secret, &h("webhook-id"), &h("webhook-timestamp"), &body, &h("webhook-signature"));
    let event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let next = f.script.lock().unwrap().pop_front().unwrap_or(Answer::Now(204));
    f.calls.lock().unwrap().push(Call {
        webhook_id: h("webhook-id"),
        event_type: event["type"].as_str().unwrap_or_default().to_owned(),
        work_order: event["data"]["id"].as_i64().unwrap_or_default(),
        answer: next,
        signature_ok,
    });
    let status = match next {
        Answer::Now(s) => s,
        Answer::Late => {
            if signature_ok {
                f.process(&h("webhook-id"));
            }
            tokio::time::sleep(f.late_by).await;
            return HttpResponse::Ok().finish();
        }
    };
    if (200..300).contains(&status) && signature_ok {
        f.process(&h("webhook-id"));
    }
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

impl ScriptedFactory {
    /// A factory whose address is reserved (nothing listens until [`Self::listen`]).
    fn reserve(script: Vec<Answer>, late_by: Duration) -> (ScriptedFactory, u16) {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let f = ScriptedFactory {
            url: format!("http://127.0.0.1:{port}/hooks"),
            secret: Arc::default(),
            script: Arc::new(Mutex::new(script.into())),
            late_by,
            calls: Arc::default(),
            processed: Arc::default(),
            recognised: Arc::default(),
        };
        (f, port)
    }

    fn listen(&self, port: u16) {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let data = web::Data::new(self.clone());
        let server = HttpServer::new(move || App::new().app_data(data.clone()).route("/hooks", web::post().to(answer)))
            .workers(1)
            .listen(listener)
            .unwrap()
            .run();
        tokio::spawn(server);
    }

    fn start(script: Vec<Answer>, late_by: Duration) -> ScriptedFactory {
        let (f, port) = Self::reserve(script, late_by);
        f.listen(port);
        f
    }

    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }
}

/// An app with the demo catalogs, a compressed schedule and a one-second timeout, a factory
/// pushing to `factory` (registered through the admin form), a sales channel and a customer.
async fn bridge_app(backend: Backend, schedule: &[u64], factory: &ScriptedFactory) -> (TestApp, String, String) {
    bridge_app_with(backend, schedule, factory, &factory.url.clone(), |_| {}).await
}

async fn bridge_app_with(
    backend: Backend,
    schedule: &[u64],
    factory: &ScriptedFactory,
    push_url: &str,
    adjust: impl FnOnce(&mut atelier::config::Settings),
) -> (TestApp, String, String) {
    let schedule = schedule.to_vec();
    let app = spawn_app_with(backend, move |s| {
        s.dispatcher.retry_schedule = schedule;
        s.dispatcher.timeout = Duration::from_secs(1);
        s.dispatcher.lease = Duration::from_secs(3);
        adjust(s);
    })
    .await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || atelier::catalogs::load_demo(&db, &atelier::catalogs::CatalogCache::default())).await.unwrap().unwrap();
    let admin = app.browser();
    admin.sign_in_as(ADMIN).await;
    let token = admin.csrf("/staff/factories").await;
    let res = admin
        .post_form(
            "/staff/factories",
            &[("csrf_token", &token), ("name", "Scripted"), ("code", "scripted"), ("families", "apparel"), ("families", "bicycle"), ("push_url", push_url), ("lead_time_days", "10")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    *factory.secret.lock().unwrap() = select(&html, "#secret").first().cloned().expect("a signing secret");
    let key = app.add_channel("faults").await;
    let customer = app.customer_reference("Fault Buyer").await;
    (app, key, customer)
}

/// Places `n` orders over the sales-channel API; returns their work orders' ids.
async fn place(app: &TestApp, key: &str, customer: &str, n: usize) -> BTreeSet<i64> {
    let body = json!({
        "customer_reference": customer, "product": "cycling_jersey",
        "choices": {"cut": "men", "fit": "club", "sleeve": "short", "fabric": "standard", "zip": "full", "body_colour": "navy", "panel_colour": "black"},
        "measurements": {"stature": 1755, "chest_girth": 1056, "waist_girth": 937, "hip_girth": 1017, "arm_length": 592, "body_mass": 84600, "inside_leg": 845, "shoulder_width": 415},
    });
    let http = reqwest::Client::new();
    let mut ids = BTreeSet::new();
    for i in 0..n {
        let res = http.post(app.url("/api/v1/orders")).bearer_auth(key).header("idempotency-key", format!("fault-{i}")).json(&body).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let order: Value = res.json().await.unwrap();
        let reference = order["reference"].as_str().unwrap().to_owned();
        let wos: Vec<i64> = app
            .db
            .read(move |conn| -> Result<_, atelier::store::StoreError> {
                use atelier::store::schema::orders::dsl as o;
                use diesel::prelude::*;
                let id: i64 = o::orders.filter(o::reference.eq(&reference)).select(o::id).first(conn)?;
                Ok(atelier::store::orders::work_orders_of_order(conn, id)?.into_iter().map(|w| w.id).collect())
            })
            .await
            .unwrap();
        assert_eq!(wos.len(), 1);
        ids.extend(wos);
    }
    ids
}

/// The staff board as (work order id -> "status" or "status attention", by code), read by the admin.
async fn board(app: &TestApp) -> BTreeMap<i64, String> {
    let admin = app.browser();
    admin.sign_in_as(ADMIN).await;
    let (status, html) = admin.get_html("/staff/work-orders").await;
    assert_eq!(status, StatusCode::OK);
    let row = scraper::Selector::parse("#board tbody tr").unwrap();
    let cell = scraper::Selector::parse("td").unwrap();
    let coded = scraper::Selector::parse("[data-status], [data-attention]").unwrap();
    html.select(&row)
        .map(|tr| {
            let id = tr.select(&cell).next().unwrap().text().collect::<String>().trim().parse().unwrap();
            let codes: Vec<&str> = tr.select(&coded).filter_map(|e| e.value().attr("data-status").or(e.value().attr("data-attention"))).collect();
            (id, codes.join(" "))
        })
        .collect()
}

/// Waits until the board shows every work order in `wanted` state, or fails with what it shows.
async fn board_settles(app: &TestApp, ids: &BTreeSet<i64>, wanted: &str, within: Duration) -> BTreeMap<i64, String> {
    let deadline = Instant::now() + within;
    loop {
        let rows = board(app).await;
        if ids.iter().all(|id| rows.get(id).is_some_and(|s| s == wanted)) {
            return rows;
        }
        assert!(Instant::now() < deadline, "the board did not settle on {wanted:?}: {rows:?}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Nothing lost, nothing twice: every work order reached the factory under one webhook-id,
/// with exactly one in-time 2xx, and nothing was sent for it after that answer; the factory,
/// de-duplicating by webhook-id, processed each event (a late answer may have processed it
/// first; the retry carries the same id, so it is recognised).
fn assert_each_delivered_once(factory: &ScriptedFactory, work_orders: &BTreeSet<i64>) {
    let calls: Vec<Call> = factory.calls().into_iter().filter(|c| c.event_type == "work_order.created").collect();
    assert!(calls.iter().all(|c| c.signature_ok), "every attempt is signed");
    let mut ids_of: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for c in &calls {
        ids_of.entry(c.work_order).or_default().insert(c.webhook_id.clone());
    }
    assert_eq!(ids_of.keys().copied().collect::<BTreeSet<_>>(), *work_orders, "every work order reached the factory, and only those");
    for (wo, ids) in &ids_of {
        assert_eq!(ids.len(), 1, "work order {wo} has one webhook-id across its attempts: {ids:?}");
        let id = ids.iter().next().unwrap();
        let mine: Vec<&Call> = calls.iter().filter(|c| &c.webhook_id == id).collect();
        let ok: Vec<usize> = mine.iter().enumerate().filter(|(_, c)| matches!(c.answer, Answer::Now(s) if (200..300).contains(&s))).map(|(i, _)| i).collect();
        assert_eq!(ok.len(), 1, "work order {wo}: one in-time 2xx, got {:?}", mine.iter().map(|c| c.answer).collect::<Vec<_>>());
        assert_eq!(ok[0], mine.len() - 1, "work order {wo}: nothing sent after the 2xx");
    }
    let processed = factory.processed.lock().unwrap().clone();
    let expected: BTreeSet<String> = ids_of.values().flatten().cloned().collect();
    assert_eq!(processed, expected, "the factory processed every event");
}

async fn settled(factory: &ScriptedFactory, n: usize, within: Duration) {
    let deadline = Instant::now() + within;
    while factory.calls().iter().filter(|c| matches!(c.answer, Answer::Now(s) if (200..300).contains(&s))).count() < n {
        assert!(Instant::now() < deadline, "not every event was delivered in time: {:?}", factory.calls());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Anything sent twice would arrive within the next retry step.
    tokio::time::sleep(Duration::from_millis(1300)).await;
}

on_both_backends!(
    a_factory_down_for_a_long_stretch_gets_everything_once_it_is_back,
    a_factory_down_past_the_whole_schedule_is_flagged_on_the_board,
    a_slow_factory_is_retried_with_the_same_webhook_id,
    a_flapping_factory_gets_every_event_once,
);

async fn a_factory_down_for_a_long_stretch_gets_everything_once_it_is_back(backend: Backend) {
    let (factory, port) = ScriptedFactory::reserve(vec![], Duration::ZERO);
    let (app, key, customer) = bridge_app(backend, &[0, 1, 1, 1, 1, 1, 1, 1, 1, 1], &factory).await;
    let work_orders = place(&app, &key, &customer, 3).await;
    // Connection refused, attempt after attempt.
    let deadline = Instant::now() + Duration::from_secs(15);
    let failures = loop {
        let ids = work_orders.clone();
        let attempts: Vec<i32> = app
            .db
            .read(move |c| -> Result<_, atelier::store::StoreError> {
                let mut out = vec![];
                for id in &ids {
                    out.extend(atelier::store::outbox::for_work_order(c, *id)?.iter().map(|r| r.attempts));
                }
                Ok(out)
            })
            .await
            .unwrap();
        if attempts.len() == 3 && attempts.iter().all(|a| *a >= 4) {
            break attempts;
        }
        assert!(Instant::now() < deadline, "attempts while down: {attempts:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let rows = board(&app).await;
    assert!(work_orders.iter().all(|id| rows[id] == "queued"), "still queued, not yet flagged, while retries remain: {rows:?}");
    // The delivery log says what failed, not only that a request could not be sent.
    let first = *work_orders.iter().next().unwrap();
    let said = app.db.read(move |c| -> Result<_, atelier::store::StoreError> { Ok(atelier::store::outbox::for_work_order(c, first)?.pop().and_then(|r| r.last_error)) }).await.unwrap().unwrap_or_default();
    assert!(said.to_lowercase().contains("refused"), "{said}");
    factory.listen(port);
    settled(&factory, 3, Duration::from_secs(15)).await;
    assert_each_delivered_once(&factory, &work_orders);
    board_settles(&app, &work_orders, "sent", Duration::from_secs(5)).await;
    eprintln!("failed attempts per event while down: {failures:?}");
}

async fn a_factory_down_past_the_whole_schedule_is_flagged_on_the_board(backend: Backend) {
    let (factory, port) = ScriptedFactory::reserve(vec![], Duration::ZERO);
    let (app, key, customer) = bridge_app(backend, &[0, 1], &factory).await;
    let work_orders = place(&app, &key, &customer, 2).await;
    // Three attempts, all refused: delivery exhausted, flagged, first on the board.
    board_settles(&app, &work_orders, "queued delivery_failed", Duration::from_secs(15)).await;
    let admin = app.browser();
    admin.sign_in_as(ADMIN).await;
    let (_, html) = admin.get_html("/staff/work-orders?attention=1").await;
    assert_eq!(select(&html, "#board tbody tr.needs-attention").len(), 2);
    // The factory is back; staff press "retry now" on each: delivered once, flag cleared.
    factory.listen(port);
    for id in &work_orders {
        let token = admin.csrf("/staff/work-orders").await;
        let res = admin.post_form(&format!("/staff/work-orders/{id}/retry"), &[("csrf_token", &token)]).await;
        assert!(res.status().is_redirection(), "retry now answered {}", res.status());
    }
    settled(&factory, 2, Duration::from_secs(10)).await;
    assert_each_delivered_once(&factory, &work_orders);
    board_settles(&app, &work_orders, "sent", Duration::from_secs(5)).await;
}

async fn a_slow_factory_is_retried_with_the_same_webhook_id(backend: Backend) {
    // Two late answers (each after the one-second timeout), then on time.
    let factory = ScriptedFactory::start(vec![Answer::Late, Answer::Late], Duration::from_millis(1600));
    let (app, key, customer) = bridge_app(backend, &[0, 1, 1, 1, 1], &factory).await;
    let work_orders = place(&app, &key, &customer, 1).await;
    settled(&factory, 1, Duration::from_secs(15)).await;
    let calls = factory.calls();
    assert_eq!(calls.len(), 3, "two timed-out attempts and one answered: {calls:?}");
    assert_each_delivered_once(&factory, &work_orders);
    // The factory processed the event on the first, late call; the retries carried the same
    // webhook-id, so it recognised both as that event and did not process it again.
    assert_eq!(factory.processed.lock().unwrap().len(), 1);
    assert_eq!(*factory.recognised.lock().unwrap(), 2);
    let errors: Vec<Option<String>> = app
        .db
        .read(|c| -> Result<_, atelier::store::StoreError> {
            use atelier::store::schema::delivery_attempts::dsl as d;
            use diesel::prelude::*;
            Ok(d::delivery_attempts.order(d::id.asc()).select(d::error).load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(errors, vec![Some("timed out".to_owned()), Some("timed out".to_owned()), None], "the delivery log says what happened");
    board_settles(&app, &work_orders, "sent", Duration::from_secs(5)).await;
}

async fn a_flapping_factory_gets_every_event_once(backend: Backend) {
    use Answer::*;
    let script = vec![Now(500), Late, Now(200), Now(503), Now(500), Late, Now(204), Now(502), Late, Now(429), Now(200), Now(500)];
    let factory = ScriptedFactory::start(script, Duration::from_millis(1300));
    let (app, key, customer) = bridge_app(backend, &[0, 1, 1, 1, 1, 1, 1, 1, 1, 1], &factory).await;
    let work_orders = place(&app, &key, &customer, 5).await;
    settled(&factory, 5, Duration::from_secs(25)).await;
    assert_each_delivered_once(&factory, &work_orders);
    assert!(factory.calls().len() >= 12, "the whole script was played: {}", factory.calls().len());
    board_settles(&app, &work_orders, "sent", Duration::from_secs(5)).await;
}

/// The guard, end to end, with the default (strict) setting: the form refuses private
/// destinations at the field; a URL that got into the database anyway, or a name resolving to
/// loopback, is refused at send time, and the delivery log says why. Nothing is sent: the
/// factory listening on loopback sees no request.
#[tokio::test]
async fn private_push_destinations_are_refused_at_the_form_and_at_send_time() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.dispatcher.allow_private = false;
        s.dispatcher.retry_schedule = vec![];
    })
    .await;
    let admin = app.browser();
    admin.sign_in_as(ADMIN).await;
    let token = admin.csrf("/staff/factories").await;
    for (url, message) in [
        ("http://127.0.0.1:9/hooks", "This address is loopback, private, link-local or reserved. Pushes go to public addresses only, unless the operator allows private destinations."),
        ("http://2130706433/", "This address is loopback, private, link-local or reserved. Pushes go to public addresses only, unless the operator allows private destinations."),
        ("http://0x7f.1/", "This address is loopback, private, link-local or reserved. Pushes go to public addresses only, unless the operator allows private destinations."),
        ("http://169.254.169.254/latest/meta-data/", "This address is loopback, private, link-local or reserved. Pushes go to public addresses only, unless the operator allows private destinations."),
        ("http://[::ffff:10.0.0.1]/", "This address is loopback, private, link-local or reserved. Pushes go to public addresses only, unless the operator allows private destinations."),
        ("http://localhost:8080/", "This address is loopback, private, link-local or reserved. Pushes go to public addresses only, unless the operator allows private destinations."),
        ("http://a@factory.example/", "Remove the user name or password from the address; the factory authenticates pushes by their signature."),
        ("gopher://factory.example/", "Use an http:// or https:// address."),
    ] {
        let res = admin
            .post_form("/staff/factories", &[("csrf_token", &token), ("name", "Inside"), ("code", "inside"), ("families", "apparel"), ("push_url", url), ("lead_time_days", "10")])
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let html = scraper::Html::parse_document(&res.text().await.unwrap());
        assert_eq!(select(&html, "#f-push_url-error"), vec![message], "{url}");
    }

    // Rows written past the form (an import, an older version): a literal loopback address
    // and a loopback name. (Names that resolve to forbidden addresses only at send time are
    // refused by the resolver guard: see the stub-resolver tests in `bridge::destination`.)
    let receiver = ScriptedFactory::start(vec![], Duration::ZERO);
    let port = receiver.url.rsplit(':').next().unwrap().trim_end_matches("/hooks").to_owned();
    let (literal, named) = (receiver.url.clone(), format!("http://localhost.:{port}/hooks"));
    let secret = atelier::bridge::signing::new_secret();
    let ids = app
        .db
        .write(move |c| -> Result<_, atelier::store::StoreError> {
            use atelier::store::factories::{NewFactory, insert};
            let a = insert(c, &NewFactory { code: "literal", name: "Literal", families: "apparel", push_url: Some(&literal), signing_secret: Some(&secret), lead_time_days: 7 })?;
            let b = insert(c, &NewFactory { code: "named", name: "Named", families: "bicycle", push_url: Some(&named), signing_secret: Some(&secret), lead_time_days: 7 })?;
            let mut out = vec![];
            for f in [a, b] {
                out.push(atelier::store::outbox::insert(c, f, None, "customer.erased", &format!("msg_guard_{f}"), r#"{"type":"customer.erased"}"#)?);
            }
            Ok(out)
        })
        .await
        .unwrap();
    // A restart picks the rows up at once (the running dispatcher is idle, not woken).
    start(&app.settings, app.db.clone());
    let deadline = Instant::now() + Duration::from_secs(10);
    let errors = loop {
        let ids = ids.clone();
        let errors: Vec<Option<String>> = app
            .db
            .read(move |c| -> Result<_, atelier::store::StoreError> {
                use atelier::store::schema::delivery_attempts::dsl as d;
                use diesel::prelude::*;
                Ok(d::delivery_attempts.filter(d::outbox_id.eq_any(&ids)).order(d::outbox_id.asc()).select(d::error).load(c)?)
            })
            .await
            .unwrap();
        if errors.len() == 2 {
            break errors;
        }
        assert!(Instant::now() < deadline, "the dispatcher did not try: {errors:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(errors[0].as_deref(), Some("the push URL points to a loopback, private, link-local or reserved address"));
    assert_eq!(errors[1].as_deref(), Some("the push URL points to a loopback, private, link-local or reserved address"));
    assert!(receiver.calls().is_empty(), "nothing reached the loopback receiver");
}

/// A resolver standing in for DNS: it records every name it is asked for and answers with the
/// address the test chose. Nothing is looked up.
struct StubResolver {
    answer: std::net::IpAddr,
    asked: Mutex<Vec<String>>,
}

impl reqwest::dns::Resolve for StubResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        self.asked.lock().unwrap().push(name.as_str().to_owned());
        let addr = std::net::SocketAddr::new(self.answer, 0);
        Box::pin(async move { Ok(Box::new(std::iter::once(addr)) as reqwest::dns::Addrs) })
    }
}

fn stub(answer: &str) -> (Arc<StubResolver>, atelier::bridge::destination::Resolver) {
    let r = Arc::new(StubResolver { answer: answer.parse().unwrap(), asked: Mutex::default() });
    (r.clone(), atelier::bridge::destination::Resolver(r))
}

/// DNS rebinding: a public-looking name passes the form, and at send time resolves to a
/// private address. The dispatcher refuses to connect (the receiver on loopback sees
/// nothing), logs why, and flags the work order once the schedule is spent. With the host
/// named in the allowlist, the same answer is used and the event is delivered.
#[tokio::test]
async fn a_name_resolving_to_a_private_address_at_send_time_is_refused() {
    let factory = ScriptedFactory::start(vec![], Duration::ZERO);
    let port = factory.url.rsplit(':').next().unwrap().trim_end_matches("/hooks").to_owned();
    let named = format!("http://factory.example:{port}/hooks");

    let (resolver, guarded) = stub("10.0.0.7");
    let (app, key, customer) = bridge_app_with(Backend::Sqlite, &[0], &factory, &named, move |s| {
        s.dispatcher.allow_private = false;
        s.dispatcher.resolver = guarded;
    })
    .await;
    let work_orders = place(&app, &key, &customer, 1).await;
    board_settles(&app, &work_orders, "queued delivery_failed", Duration::from_secs(10)).await;
    let errors: Vec<Option<String>> = app
        .db
        .read(|c| -> Result<_, atelier::store::StoreError> {
            use atelier::store::schema::delivery_attempts::dsl as d;
            use diesel::prelude::*;
            Ok(d::delivery_attempts.order(d::id.asc()).select(d::error).load(c)?)
        })
        .await
        .unwrap();
    let refusal = "refused: factory.example resolves only to loopback, private, link-local or reserved addresses";
    assert_eq!(errors, vec![Some(refusal.to_owned()), Some(refusal.to_owned())]);
    assert_eq!(*resolver.asked.lock().unwrap(), vec!["factory.example", "factory.example"], "the name was resolved at each send");
    assert!(factory.calls().is_empty(), "nothing was sent");

    // The operator names the host: the resolver's answer (loopback, where the test factory
    // listens) is what the dispatcher connects to.
    let (resolver, guarded) = stub("127.0.0.1");
    let (app, key, customer) = bridge_app_with(Backend::Sqlite, &[0], &factory, &named, move |s| {
        s.dispatcher.allow_private = false;
        s.dispatcher.allowed_hosts = vec!["factory.example".into()];
        s.dispatcher.resolver = guarded;
    })
    .await;
    let work_orders = place(&app, &key, &customer, 1).await;
    settled(&factory, 1, Duration::from_secs(10)).await;
    assert_each_delivered_once(&factory, &work_orders);
    assert_eq!(*resolver.asked.lock().unwrap(), vec!["factory.example"]);
    board_settles(&app, &work_orders, "sent", Duration::from_secs(5)).await;
}
