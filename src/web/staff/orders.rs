//! Ordering in the store: the configurator for a customer (validity, greyed-out values with
//! their reason, price, derived values and ship date, all from the engine), placing the
//! order, the order page and the work-order board.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::bridge::Dispatcher;
use crate::catalogs::CatalogCache;
use crate::domain::catalog::{Choice, CompiledCatalog, Configuration, OptionKind};
use crate::orders::{PlaceError, PlaceOrder, estimate, place};
use crate::store::catalogs::{self as catalog_store, CatalogVersion};
use crate::store::customers::{self, CustomerRow};
use crate::store::{Db, StoreError, orders as order_store};
use crate::web::auth::{Ctx, StaffPage};
use crate::web::csrf::CsrfForm;
use crate::web::error::{AppError, see_other};
use crate::web::render;

use super::customer_page::fmt_time;
use super::customers::live_customer;

pub struct ProductLink {
    pub version_id: i64,
    pub code: String,
    pub label: String,
    pub base_price: String,
}

pub struct ValueView {
    pub code: String,
    pub label: String,
    pub surcharge: String,
    pub chosen: bool,
    pub available: bool,
    pub reason: String,
}

pub struct OptionView {
    pub code: String,
    pub label: String,
    pub kind: &'static str,
    pub values: Vec<ValueView>,
    pub typed: String,
    pub hint: String,
    /// The choice comes from an accepted learned preference.
    pub learned: bool,
}

#[derive(Template)]
#[template(path = "staff/order_new.html")]
pub struct ConfigurePage {
    pub ctx: Ctx,
    pub c: CustomerRow,
    pub products: Vec<ProductLink>,
    pub version_id: i64,
    pub product: String,
    pub product_label: String,
    pub options: Vec<OptionView>,
    pub measurements_note: String,
    pub violations: Vec<String>,
    pub price_lines: Vec<(String, String)>,
    pub total: String,
    pub derived: Vec<(String, String, String)>,
    pub ship_date: String,
    pub valid: bool,
    pub idempotency_key: String,
    pub form_error: Option<String>,
    /// Where the choices that were filled in came from, if anywhere.
    pub prefill_note: Option<String>,
}

#[derive(Deserialize)]
pub struct ConfigureQuery {
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    product: Option<String>,
    /// Start from this earlier order's choices ("the same again").
    #[serde(default)]
    again: Option<i64>,
}

pub(super) async fn current_catalogs(db: &Db, cache: &CatalogCache) -> Result<Vec<(CatalogVersion, Arc<CompiledCatalog>)>, AppError> {
    let versions = db.read(|conn| Ok::<_, StoreError>(catalog_store::current(conn)?)).await?;
    let mut out = vec![];
    for v in versions {
        if let Some(pair) = cache.get(db, v.id).await? {
            out.push(pair);
        }
    }
    Ok(out)
}

/// The latest measurement set of the customer, as the engine reads it.
async fn latest_measurements(db: &Db, customer_id: i64) -> Result<(Option<i64>, BTreeMap<String, i64>, String), AppError> {
    let sets = db.read(move |conn| Ok::<_, StoreError>(customers::measurement_sets(conn, customer_id)?)).await?;
    Ok(match sets.into_iter().next() {
        Some((s, values)) => (Some(s.id), values.into_iter().collect(), fmt_time(&s.taken_at)),
        None => (None, BTreeMap::new(), String::new()),
    })
}

fn configuration(product: &str, c: &CompiledCatalog, pairs: &[(String, String)], measurements: BTreeMap<String, i64>) -> Configuration {
    let mut cfg = Configuration { product: product.to_owned(), choices: BTreeMap::new(), measurements };
    let Some(p) = c.product(product) else { return cfg };
    for o in &p.options {
        let field = format!("o_{}", o.code);
        let values: Vec<&str> = pairs.iter().filter(|(k, v)| *k == field && !v.trim().is_empty()).map(|(_, v)| v.trim()).collect();
        let choice = match o.kind {
            OptionKind::Single => values.first().map(|v| Choice::One((*v).to_owned())),
            OptionKind::Multi => (!values.is_empty()).then(|| Choice::Many(values.iter().map(|v| (*v).to_owned()).collect::<BTreeSet<_>>())),
            OptionKind::Number => values.first().and_then(|v| v.replace(',', ".").parse::<Decimal>().ok()).map(Choice::Number),
            OptionKind::Text => values.first().map(|v| Choice::Text((*v).to_owned())),
        };
        if let Some(choice) = choice {
            cfg.choices.insert(o.code.clone(), choice);
        }
    }
    cfg
}

/// Form fields (`o_<option>`) for stored choices.
fn choice_pairs(choices: &BTreeMap<String, Choice>) -> Vec<(String, String)> {
    let mut out = vec![];
    for (option, choice) in choices {
        let field = format!("o_{option}");
        match choice {
            Choice::One(v) | Choice::Text(v) => out.push((field, v.clone())),
            Choice::Many(vs) => out.extend(vs.iter().map(|v| (field.clone(), v.clone()))),
            Choice::Number(n) => out.push((field, n.to_string())),
        }
    }
    out
}

fn learned_pairs(learned: &BTreeMap<String, BTreeSet<String>>) -> Vec<(String, String)> {
    learned.iter().flat_map(|(o, vs)| vs.iter().map(move |v| (format!("o_{o}"), v.clone()))).collect()
}

fn is_learned(cfg: &Configuration, option: &str, learned: &BTreeMap<String, BTreeSet<String>>) -> bool {
    let Some(values) = learned.get(option) else { return false };
    match cfg.choices.get(option) {
        Some(Choice::One(v)) => values.contains(v),
        Some(Choice::Many(vs)) => vs.iter().any(|v| values.contains(v)),
        _ => false,
    }
}

#[allow(clippy::too_many_arguments)]
fn configure_page(ctx: Ctx, c: CustomerRow, v: &CatalogVersion, cat: &CompiledCatalog, cfg: &Configuration, pairs: &[(String, String)], note: String, ship: String, key: String, tax_bp: i32, learned: &BTreeMap<String, BTreeSet<String>>) -> ConfigurePage {
    let lang = ctx.t.lang;
    let product = cat.product(&cfg.product);
    let availability = cat.availability(cfg).ok();
    let options = product
        .map(|p| {
            p.options
                .iter()
                .map(|o| {
                    let avail = availability.as_ref().and_then(|a| a.options.iter().find(|x| x.option == o.code));
                    OptionView {
                        code: o.code.clone(),
                        label: o.label.get(lang),
                        kind: match o.kind {
                            OptionKind::Single => "single",
                            OptionKind::Multi => "multi",
                            OptionKind::Number => "number",
                            OptionKind::Text => "text",
                        },
                        values: o
                            .values
                            .iter()
                            .map(|val| {
                                let a = avail.and_then(|x| x.values.iter().find(|y| y.value == val.code));
                                ValueView {
                                    code: val.code.clone(),
                                    label: val.label.get(lang),
                                    surcharge: if val.surcharge.is_zero() { String::new() } else { format!("+{}", val.surcharge) },
                                    chosen: a.is_some_and(|a| a.chosen),
                                    available: a.is_none_or(|a| a.available || a.chosen),
                                    reason: a.map(|a| a.blocked_by.iter().map(|b| b.explanation.get(lang)).collect::<Vec<_>>().join("; ")).unwrap_or_default(),
                                }
                            })
                            .collect(),
                        typed: pairs.iter().find(|(k, _)| *k == format!("o_{}", o.code)).map(|(_, v)| v.clone()).unwrap_or_default(),
                        hint: o.number.as_ref().map(|n| format!("{}–{} {}", n.min, n.max, n.unit)).or_else(|| o.text.as_ref().map(|t| format!("≤ {}", t.max_len))).unwrap_or_default(),
                        learned: is_learned(cfg, &o.code, learned),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let validation = cat.validate(cfg).ok();
    let price = cat.price(cfg, Decimal::new(i64::from(tax_bp), 4)).ok();
    let derived = cat.derive(cfg).unwrap_or_default();
    ConfigurePage {
        c,
        products: vec![],
        version_id: v.id,
        product: cfg.product.clone(),
        product_label: product.map(|p| p.label.get(lang)).unwrap_or_default(),
        options,
        measurements_note: note,
        violations: validation.as_ref().map(|v| v.violations.iter().map(|x| x.explanation.get(lang)).collect()).unwrap_or_default(),
        price_lines: price
            .as_ref()
            .map(|p| {
                let mut lines = vec![(ctx.t.t("price-base"), p.base.to_string())];
                lines.extend(p.surcharges.iter().map(|l| (l.label.get(lang), l.amount.to_string())));
                lines.push((ctx.t.t1("price-tax", "rate", (p.tax_rate * Decimal::from(100)).normalize()), p.tax.to_string()));
                lines
            })
            .unwrap_or_default(),
        total: price.map(|p| format!("{} {}", p.total, p.currency)).unwrap_or_default(),
        derived: derived.iter().map(|d| (d.label.get(lang), d.value.as_ref().map(|x| format!("{x} {}", d.unit.clone().unwrap_or_default())).unwrap_or_else(|| "–".into()), d.formula.clone())).collect(),
        ship_date: ship,
        valid: validation.is_some_and(|v| v.valid),
        idempotency_key: key,
        form_error: None,
        prefill_note: None,
        ctx,
    }
}

fn new_key() -> String {
    crate::orders::new_webhook_id().replace("msg_", "ord_")
}

async fn store_tax(db: &Db, store_id: Option<i64>) -> Result<i32, AppError> {
    let Some(id) = store_id else { return Ok(0) };
    let store = db.read(move |conn| Ok::<_, StoreError>(crate::store::stores::find(conn, id)?)).await?;
    Ok(store.map(|s| s.tax_rate_bp).unwrap_or(0))
}

/// `GET /staff/customers/{id}/orders/new[?version=&product=]`: choose a product, then configure.
pub async fn new_order_form(
    page: StaffPage,
    db: web::Data<Db>,
    cache: web::Data<CatalogCache>,
    path: web::Path<i64>,
    q: web::Query<ConfigureQuery>,
) -> Result<HttpResponse, AppError> {
    let c = live_customer(&db, path.into_inner()).await?;
    let catalogs = current_catalogs(&db, &cache).await?;
    let lang = page.ctx.t.lang;
    let chosen = q.version.zip(q.product.clone()).and_then(|(vid, code)| {
        catalogs.iter().find(|(v, cat)| v.id == vid && cat.product(&code).is_some()).map(|(v, cat)| (v.clone(), cat.clone(), code))
    });
    let Some((version, cat, code)) = chosen else {
        let products = catalogs
            .iter()
            .flat_map(|(v, cat)| cat.products().map(move |p| ProductLink { version_id: v.id, code: p.code.clone(), label: p.label.get(lang), base_price: format!("{} {}", p.base_price, p.currency) }))
            .collect();
        let empty = ConfigurePage {
            ctx: page.ctx, c, products, version_id: 0, product: String::new(), product_label: String::new(), options: vec![],
            measurements_note: String::new(), violations: vec![], price_lines: vec![], total: String::new(), derived: vec![],
            ship_date: String::new(), valid: false, idempotency_key: String::new(), form_error: None, prefill_note: None,
        };
        return render::ok(&empty);
    };
    let (_, measurements, taken) = latest_measurements(&db, c.id).await?;
    let note = if taken.is_empty() { page.ctx.t.t("order-no-measurements") } else { page.ctx.t.t1("order-measurements-from", "date", &taken) };
    let (customer_id, code2, again) = (c.id, code.clone(), q.again);
    let (learned, previous) = db
        .read(move |conn| -> Result<_, StoreError> {
            let learned = crate::learning::defaults_for(conn, customer_id, &code2)?;
            let previous = match again {
                Some(oid) => order_store::find(conn, oid)?.filter(|o| o.customer_id == customer_id && o.product_code == code2),
                None => None,
            };
            Ok((learned, previous))
        })
        .await?;
    let (pairs, prefill_note) = match &previous {
        Some(o) => {
            let past = crate::learning::past_order(&o.product_code, &o.configuration);
            (choice_pairs(&past.choices), Some(page.ctx.t.t1("order-prefilled-again", "order", &o.reference)))
        }
        None if !learned.is_empty() => (learned_pairs(&learned), Some(page.ctx.t.t("order-prefilled-learned"))),
        None => (vec![], None),
    };
    let cfg = configuration(&code, &cat, &pairs, measurements);
    let (cat2, code2) = (cat.clone(), code.clone());
    let ship = db.read(move |conn| Ok::<_, StoreError>(estimate(conn, &cat2, &code2)?)).await?.map(|d| d.to_string()).unwrap_or_default();
    let tax = store_tax(&db, page.staff.store_id).await?;
    let mut form = configure_page(page.ctx, c, &version, &cat, &cfg, &pairs, note, ship, new_key(), tax, &learned);
    form.prefill_note = prefill_note;
    render::ok(&form)
}

/// `POST /staff/customers/{id}/orders`: `action=check` shows the engine's answer for the
/// choices; `action=place` places the order (idempotent by the form's key).
pub async fn place_order(
    page: StaffPage,
    db: web::Data<Db>,
    cache: web::Data<CatalogCache>,
    dispatcher: web::Data<Dispatcher>,
    path: web::Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let c = live_customer(&db, path.into_inner()).await?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let version_id: i64 = get("version").parse().map_err(|_| AppError::BadRequest("version".into()))?;
    let (version, cat) = cache.get(&db, version_id).await?.ok_or(AppError::NotFound)?;
    let code = get("product");
    if cat.product(&code).is_none() {
        return Err(AppError::NotFound);
    }
    let (set_id, measurements, taken) = latest_measurements(&db, c.id).await?;
    let note = if taken.is_empty() { page.ctx.t.t("order-no-measurements") } else { page.ctx.t.t1("order-measurements-from", "date", &taken) };
    let cfg = configuration(&code, &cat, &pairs, measurements);
    let tax = store_tax(&db, page.staff.store_id).await?;
    let (customer_id, code2) = (c.id, code.clone());
    let learned = db.read(move |conn| crate::learning::defaults_for(conn, customer_id, &code2)).await?;
    let key = Some(get("idempotency_key")).filter(|k| k.starts_with("ord_") && k.len() < 100).unwrap_or_else(new_key);
    if get("action") == "place" {
        let req = PlaceOrder {
            customer_id: c.id,
            customer_reference: c.reference.clone(),
            store_id: page.staff.store_id,
            configuration: cfg.clone(),
            measurement_set_id: set_id,
            ship_to: serde_json::json!({ "store": page.staff.store_id }),
            idempotency_key: key.clone(),
            staff_id: Some(page.staff.id),
            tax_rate_bp: tax,
        };
        let (cat2, version2) = (cat.clone(), version.clone());
        match db.write(move |conn| place(conn, &cat2, &version2, &req)).await {
            Ok((order, _)) => {
                dispatcher.wake();
                tracing::info!(order.id = order.id, "order placed");
                return Ok(see_other(&format!("/staff/orders/{}", order.id)));
            }
            Err(PlaceError::Store(e)) => return Err(e.into()),
            Err(PlaceError::NoFactory(_)) => {
                let mut again = configure_page(page.ctx, c, &version, &cat, &cfg, &pairs, note, String::new(), key, tax, &learned);
                again.form_error = Some(again.ctx.t.t("order-no-factory"));
                return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
            }
            Err(_) => {} // shown below with the engine's explanations
        }
    }
    let (cat2, code2) = (cat.clone(), code.clone());
    let ship = db.read(move |conn| Ok::<_, StoreError>(estimate(conn, &cat2, &code2)?)).await?.map(|d| d.to_string()).unwrap_or_default();
    let again = configure_page(page.ctx, c, &version, &cat, &cfg, &pairs, note, ship, key, tax, &learned);
    let status = if again.valid || get("action") != "place" { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render::page(status, &again)
}

pub struct WorkOrderView {
    pub id: i64,
    pub factory: String,
    pub status: String,
    pub due_date: String,
    pub attention: Option<String>,
    pub tracking: Option<String>,
    pub events: Vec<(String, String, String, String)>,
    pub deliveries: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "staff/order.html")]
pub struct OrderPage {
    pub ctx: Ctx,
    pub error: Option<String>,
    pub order: order_store::OrderRow,
    pub customer: CustomerRow,
    pub total: String,
    pub work_orders: Vec<WorkOrderView>,
    pub contacts: Vec<super::order_feedback::OrderContactView>,
    pub feedback_form: super::order_feedback::OrderContactForm,
}

/// `GET /staff/orders/{id}`
pub async fn show_order(page: StaffPage, db: web::Data<Db>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    render::ok(&order_page(page, &db, path.into_inner(), None).await?)
}

/// `POST /staff/orders/{id}/cancel`: before production only; afterwards the page says why not.
pub async fn cancel_order(
    page: StaffPage,
    db: web::Data<Db>,
    dispatcher: web::Data<Dispatcher>,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let order = db.read(move |conn| Ok::<_, StoreError>(order_store::find(conn, id)?)).await?.ok_or(AppError::NotFound)?;
    if let Some(store) = order.store_id {
        page.staff.require_store(store)?;
    }
    let staff_id = page.staff.id;
    match db.write(move |conn| crate::orders::cancel(conn, id, staff_id)).await {
        Ok(()) => {
            dispatcher.wake();
            Ok(see_other(&format!("/staff/orders/{id}")))
        }
        Err(crate::orders::UpdateError::Illegal(_)) => {
            let t = page.ctx.t;
            let again = order_page(page, &db, id, Some(t.t("order-cancel-refused"))).await?;
            render::page(StatusCode::CONFLICT, &again)
        }
        Err(crate::orders::UpdateError::NotFound) => Err(AppError::NotFound),
        Err(crate::orders::UpdateError::Store(e)) => Err(e.into()),
    }
}

pub(super) async fn order_page(page: StaffPage, db: &Db, id: i64, error: Option<String>) -> Result<OrderPage, AppError> {
    let loaded = db
        .read(move |conn| -> Result<_, StoreError> {
            let Some(order) = order_store::find(conn, id)? else { return Ok(None) };
            let customer = customers::find(conn, order.customer_id)?;
            let factories: BTreeMap<i64, String> = crate::store::factories::list(conn)?.into_iter().map(|f| (f.id, f.name)).collect();
            let mut wos = vec![];
            for wo in order_store::work_orders_of_order(conn, id)? {
                let events = order_store::events(conn, wo.id)?;
                let deliveries = crate::store::outbox::for_work_order(conn, wo.id)?;
                wos.push((wo, events, deliveries));
            }
            let contacts = crate::learning::order_contacts(conn, id)?;
            Ok(Some((order, customer, factories, wos, contacts)))
        })
        .await?;
    let Some((order, Some(customer), factories, wos, contacts)) = loaded else { return Err(AppError::NotFound) };
    // Customers belong to the chain, so their orders are readable from every store, as the
    // timeline that links here is; acting on them is what the roles restrict.
    let total = crate::domain::money::from_minor(order.total_minor, &order.currency).map(|d| format!("{d} {}", order.currency)).unwrap_or_default();
    let work_orders = wos
        .into_iter()
        .map(|(wo, events, deliveries)| WorkOrderView {
            id: wo.id,
            factory: factories.get(&wo.factory_id).cloned().unwrap_or_default(),
            status: wo.status,
            due_date: wo.due_date,
            attention: wo.attention,
            tracking: wo.tracking_number,
            events: events.into_iter().map(|e| (fmt_time(&e.at), e.from_status.unwrap_or_default(), e.to_status, e.actor)).collect(),
            deliveries: deliveries
                .into_iter()
                .map(|d| {
                    let state = match (d.delivered_at, d.gave_up_at) {
                        (Some(at), _) => format!("delivered {}", fmt_time(&at)),
                        (_, Some(_)) => format!("gave up after {} attempts", d.attempts),
                        _ => format!("pending, {} attempts", d.attempts),
                    };
                    (d.event_type, state)
                })
                .collect(),
        })
        .collect();
    let contacts = contacts.into_iter().map(super::order_feedback::OrderContactView::from).collect();
    Ok(OrderPage { ctx: page.ctx, error, order, customer, total, work_orders, contacts, feedback_form: Default::default() })
}

pub struct BoardRow {
    pub id: i64,
    pub order_id: i64,
    pub order_reference: String,
    pub status: String,
    pub attention: Option<String>,
    pub age: String,
    pub due_date: String,
}

#[derive(Template)]
#[template(path = "staff/board.html")]
pub struct BoardPage {
    pub ctx: Ctx,
    pub rows: Vec<BoardRow>,
}

/// `GET /staff/work-orders`: the store's work orders, those needing attention first.
pub async fn show_board(page: StaffPage, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    let store = if page.staff.role == crate::domain::staff::Role::Admin { None } else { page.staff.store_id };
    let rows = db.read(move |conn| Ok::<_, StoreError>(order_store::all_work_orders(conn, store)?)).await?;
    let now = crate::store::now();
    let mut rows: Vec<BoardRow> = rows
        .into_iter()
        .map(|(wo, reference, _)| {
            let hours = (now - wo.created_at).num_hours();
            BoardRow {
                id: wo.id,
                order_id: wo.order_id,
                order_reference: reference,
                status: wo.status,
                attention: wo.attention,
                age: if hours < 48 { format!("{hours} h") } else { format!("{} d", hours / 24) },
                due_date: wo.due_date,
            }
        })
        .collect();
    rows.sort_by_key(|r| (r.attention.is_none(), -r.id));
    render::ok(&BoardPage { ctx: page.ctx, rows })
}

/// `POST /staff/work-orders/{id}/retry`: deliver a failed push again now.
pub async fn retry_work_order(
    _page: StaffPage,
    db: web::Data<Db>,
    dispatcher: web::Data<Dispatcher>,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    db.write(move |conn| -> Result<(), StoreError> {
        crate::store::outbox::retry_now(conn, id)?;
        order_store::set_attention(conn, id, None)?;
        Ok(())
    })
    .await?;
    dispatcher.wake();
    Ok(see_other("/staff/work-orders"))
}
