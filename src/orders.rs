//! Placing an order: one domain service, whichever path calls it (staff page, shop, tests).
//! The order, its work orders and their outbox events commit in one transaction: if it
//! fails nothing exists; if it commits, delivery will happen.

use chrono::{Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::domain::catalog::{CompiledCatalog, Configuration, EngineError, Violation};
use crate::domain::money::{MoneyError, to_minor};
use crate::domain::work_order::Status;
use crate::store::catalogs::CatalogVersion;
use crate::store::factories::{self, Factory};
use crate::store::orders::{self, NewOrder, OrderRow};
use crate::domain::profile::activity as profile_activity;
use crate::store::{DbConn, StoreError, activity, audit, now, outbox};

#[derive(Debug, Clone)]
pub struct PlaceOrder {
    pub customer_id: i64,
    pub customer_reference: String,
    pub store_id: Option<i64>,
    pub configuration: Configuration,
    pub measurement_set_id: Option<i64>,
    /// Where the product goes: `{"store": …}` or `{"address": …}`.
    pub ship_to: Value,
    pub idempotency_key: String,
    pub staff_id: Option<i64>,
    /// VAT / sales tax in basis points (2000 = 20 %).
    pub tax_rate_bp: i32,
}

#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    #[error("the configuration is not valid")]
    Invalid(Vec<Violation>),
    #[error("no factory builds {0} products")]
    NoFactory(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("price out of range")]
    Money(#[from] MoneyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for PlaceError {
    fn from(e: diesel::result::Error) -> Self {
        PlaceError::Store(e.into())
    }
}

/// The factory that can ship a product family first: enabled, builds the family, shortest
/// lead time (then name, so the choice is stable).
pub fn route<'a>(factories: &'a [Factory], family: &str) -> Option<&'a Factory> {
    factories
        .iter()
        .filter(|f| f.enabled && f.builds(family))
        .min_by(|a, b| a.lead_time_days.cmp(&b.lead_time_days).then(a.name.cmp(&b.name)))
}

pub fn ship_date(factory: &Factory, today: NaiveDate) -> NaiveDate {
    today + Duration::days(i64::from(factory.lead_time_days.max(0)))
}

fn family_name(c: &CompiledCatalog, product: &str) -> Option<String> {
    c.product(product).map(|p| format!("{:?}", p.family).to_lowercase())
}

/// The estimated ship date for a product, before anyone orders it.
pub fn estimate(conn: &mut DbConn, c: &CompiledCatalog, product: &str) -> Result<Option<NaiveDate>, StoreError> {
    let Some(family) = family_name(c, product) else { return Ok(None) };
    let all = factories::list(conn)?;
    Ok(route(&all, &family).map(|f| ship_date(f, Utc::now().date_naive())))
}

fn new_reference() -> String {
    format!("O-{}-{}", Utc::now().format("%y%m%d"), crate::domain::codes::random_code(6))
}

pub fn new_webhook_id() -> String {
    let mut bytes = [0u8; 16];
    rand::Rng::fill(&mut rand::rng(), &mut bytes);
    format!("msg_{}", hex::encode(bytes))
}

/// Places the order in the caller's transaction. The same idempotency key returns the order
/// placed first (`false`: nothing new was created).
pub fn place(conn: &mut DbConn, c: &CompiledCatalog, version: &CatalogVersion, req: &PlaceOrder) -> Result<(OrderRow, bool), PlaceError> {
    if let Some(existing) = orders::find_by_idempotency_key(conn, &req.idempotency_key)? {
        return Ok((existing, false));
    }
    let cfg = &req.configuration;
    let validation = c.validate(cfg)?;
    if !validation.valid {
        return Err(PlaceError::Invalid(validation.violations));
    }
    let product = c.product(&cfg.product).ok_or_else(|| EngineError::UnknownProduct(cfg.product.clone()))?;
    let family = format!("{:?}", product.family).to_lowercase();
    let all = factories::list(conn)?;
    let factory = route(&all, &family).ok_or_else(|| PlaceError::NoFactory(family.clone()))?;
    let who = crate::learning::pricing_profile(conn, req.customer_id)?;
    let price = crate::domain::profile::loyalty::price_for(c, cfg, Decimal::new(i64::from(req.tax_rate_bp), 4), &who)?;
    let spec = c.work_spec(cfg)?;
    let derived = c.derive(cfg)?;
    let at = now();
    let reference = new_reference();
    let configuration = serde_json::to_string(&json!({ "choices": cfg.choices, "measurements": cfg.measurements }))
        .map_err(|e| StoreError::Query(diesel::result::Error::SerializationError(Box::new(e))))?;
    let breakdown = serde_json::to_string(&price).unwrap_or_default();
    let ship_to = req.ship_to.to_string();
    let order_id = orders::insert(
        conn,
        &NewOrder {
            reference: &reference,
            customer_id: req.customer_id,
            store_id: req.store_id,
            catalog_version_id: version.id,
            product_code: &cfg.product,
            configuration: &configuration,
            measurement_set_id: req.measurement_set_id,
            currency: &price.currency,
            subtotal_minor: to_minor(price.subtotal, &price.currency)?,
            tax_minor: to_minor(price.tax, &price.currency)?,
            total_minor: to_minor(price.total, &price.currency)?,
            price_breakdown: &breakdown,
            spec_hash: &spec.spec_hash,
            status: "placed",
            ship_to: &ship_to,
            idempotency_key: &req.idempotency_key,
            placed_by_staff_id: req.staff_id,
            created_at: at,
            updated_at: at,
        },
    )?;
    let total_minor = to_minor(price.total, &price.currency)?;
    activity::record(conn, req.customer_id, at, &profile_activity::order_placed(total_minor, "placed", at))?;
    let due = ship_date(factory, Utc::now().date_naive()).to_string();
    let wo_id = orders::insert_work_order(conn, order_id, factory.id, Status::Queued.as_str(), &due)?;
    let doc = json!({
        "id": wo_id,
        "order_reference": reference,
        "revision": 1,
        "status": Status::Queued.as_str(),
        "factory": factory.code,
        "product": {
            "code": cfg.product,
            "label": product.label.en,
            "family": family,
            "catalog": c.id,
            "catalog_version": c.version,
            "catalog_revision": version.revision,
        },
        "quantity": 1,
        "due_date": due,
        "options": options_of(c, cfg),
        "derived": derived.iter().filter_map(|d| d.value.as_ref().map(|v| json!({
            "code": d.code, "label": d.label.en, "value": v.to_string(), "unit": d.unit,
        }))).collect::<Vec<_>>(),
        "materials": spec.materials,
        "operations": spec.operations,
        "spec_hash": spec.spec_hash,
        "measurements": used_measurements(c, cfg),
        "personalisation": personalisation(c, cfg),
        "ship_to": req.ship_to,
        "customer_reference": req.customer_reference,
    });
    let document = doc.to_string();
    orders::set_document(conn, wo_id, &document)?;
    orders::record_event(conn, wo_id, None, Status::Queued.as_str(), "order", "placed")?;
    enqueue(conn, factory, Some(wo_id), "work_order.created", &doc)?;
    audit::record(conn, req.staff_id, "order.placed", &format!("customer:{}", req.customer_id), &format!("order:{order_id}"))?;
    let order = orders::find(conn, order_id)?.ok_or(StoreError::Query(diesel::result::Error::NotFound))?;
    Ok((order, true))
}

/// Writes the webhook event for a factory that receives pushes (others pull).
pub fn enqueue(conn: &mut DbConn, factory: &Factory, work_order_id: Option<i64>, event_type: &str, data: &Value) -> Result<(), StoreError> {
    if factory.push_url.is_none() {
        return Ok(());
    }
    let payload = json!({ "type": event_type, "timestamp": Utc::now().to_rfc3339(), "data": data }).to_string();
    outbox::insert(conn, factory.id, work_order_id, event_type, &new_webhook_id(), &payload)?;
    Ok(())
}

/// Cancels an order before production: every work order becomes `cancelled` and its factory
/// is told. Once any is in production the whole cancellation is refused, with the reason.
pub fn cancel(conn: &mut DbConn, order_id: i64, staff_id: i64) -> Result<(), UpdateError> {
    use crate::domain::work_order::{Transition, transition};
    let work_orders = orders::work_orders_of_order(conn, order_id)?;
    if work_orders.is_empty() {
        return Err(UpdateError::NotFound);
    }
    for wo in &work_orders {
        let from = Status::parse(&wo.status).ok_or(UpdateError::NotFound)?;
        if transition(from, Status::Cancelled)? == Transition::Unchanged {
            continue;
        }
        let actor = format!("staff:{staff_id}");
        orders::set_work_order_status(conn, wo.id, from.as_str(), Status::Cancelled.as_str(), &actor, "order cancelled", None)?;
        if let Some(factory) = factories::find(conn, wo.factory_id)? {
            let updated = orders::find_work_order(conn, wo.id)?.ok_or(UpdateError::NotFound)?;
            enqueue(conn, &factory, Some(wo.id), "work_order.cancelled", &document(&updated))?;
        }
    }
    change_status(conn, order_id, "cancelled")?;
    audit::record(conn, Some(staff_id), "order.cancelled", &format!("order:{order_id}"), "")?;
    Ok(())
}

/// Tells every factory that received work orders for an erased customer, so it can delete
/// the ship-to data it holds: the event carries only the customer reference.
pub fn announce_erasure(conn: &mut DbConn, customer_id: i64, customer_reference: &str) -> Result<(), StoreError> {
    let mut told = std::collections::BTreeSet::new();
    for order in orders::for_customer(conn, customer_id)? {
        for wo in orders::work_orders_of_order(conn, order.id)? {
            if told.insert(wo.factory_id) {
                if let Some(factory) = factories::find(conn, wo.factory_id)? {
                    enqueue(conn, &factory, None, "customer.erased", &json!({ "customer_reference": customer_reference }))?;
                }
            }
        }
    }
    Ok(())
}

fn options_of(c: &CompiledCatalog, cfg: &Configuration) -> Vec<Value> {
    use crate::domain::catalog::Choice;
    let Some(p) = c.product(&cfg.product) else { return vec![] };
    p.options
        .iter()
        .filter_map(|o| {
            let choice = cfg.choices.get(&o.code)?;
            let label_of = |code: &str| o.values.iter().find(|v| v.code == code).map(|v| v.label.en.clone()).unwrap_or_default();
            let (value, value_label) = match choice {
                Choice::One(v) => (json!(v), json!(label_of(v))),
                Choice::Many(vs) => (json!(vs), json!(vs.iter().map(|v| label_of(v)).collect::<Vec<_>>())),
                Choice::Number(n) => (json!(n.to_string()), json!(n.to_string())),
                Choice::Text(_) => return None,
            };
            Some(json!({ "option": o.code, "label": o.label.en, "value": value, "value_label": value_label }))
        })
        .collect()
}

fn personalisation(c: &CompiledCatalog, cfg: &Configuration) -> Vec<Value> {
    use crate::domain::catalog::Choice;
    let Some(p) = c.product(&cfg.product) else { return vec![] };
    p.options
        .iter()
        .filter_map(|o| match cfg.choices.get(&o.code)? {
            Choice::Text(t) if !t.is_empty() => Some(json!({ "option": o.code, "label": o.label.en, "text": t })),
            _ => None,
        })
        .collect()
}

/// Only the measurements the product reads go to the factory (data minimisation).
fn used_measurements(c: &CompiledCatalog, cfg: &Configuration) -> Value {
    let Some(p) = c.product(&cfg.product) else { return json!({}) };
    let used: serde_json::Map<String, Value> = cfg
        .measurements
        .iter()
        .filter(|(k, _)| p.measures_read.contains(*k))
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    Value::Object(used)
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("no such work order")]
    NotFound,
    #[error(transparent)]
    Illegal(#[from] crate::domain::work_order::IllegalTransition),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for UpdateError {
    fn from(e: diesel::result::Error) -> Self {
        UpdateError::Store(e.into())
    }
}

/// A status change reported by a factory, checked by the domain; the order follows its work
/// order. Repeating the current status changes nothing and is not an error.
pub fn factory_update(
    conn: &mut DbConn,
    factory_id: i64,
    work_order_id: i64,
    to: Status,
    note: &str,
    tracking_number: Option<&str>,
) -> Result<orders::WorkOrderRow, UpdateError> {
    use crate::domain::work_order::{Transition, transition};
    let wo = orders::find_work_order(conn, work_order_id)?
        .filter(|w| w.factory_id == factory_id)
        .ok_or(UpdateError::NotFound)?;
    let from = Status::parse(&wo.status).ok_or(UpdateError::NotFound)?;
    if transition(from, to)? == Transition::Change {
        let actor = format!("factory:{factory_id}");
        orders::set_work_order_status(conn, wo.id, from.as_str(), to.as_str(), &actor, note, tracking_number)?;
        if matches!(to, Status::InProduction | Status::Shipped | Status::Rejected) {
            change_status(conn, wo.order_id, to.as_str())?;
        }
        if to == Status::Rejected {
            orders::set_attention(conn, wo.id, Some("rejected"))?;
        }
    }
    orders::find_work_order(conn, wo.id)?.ok_or(UpdateError::NotFound)
}

/// Moves an order to `to` and adds the change to the customer's activity of the order's
/// month, in the caller's transaction.
fn change_status(conn: &mut DbConn, order_id: i64, to: &str) -> Result<(), StoreError> {
    let Some(order) = orders::find(conn, order_id)? else { return Ok(()) };
    if order.status == to {
        return Ok(());
    }
    orders::set_status(conn, order_id, to)?;
    let delta = profile_activity::order_status_changed(order.total_minor, Some(&order.status), to);
    activity::record(conn, order.customer_id, order.created_at, &delta)?;
    Ok(())
}

/// The work order as a factory sees it: the stored document with its current state.
pub fn document(wo: &orders::WorkOrderRow) -> Value {
    let mut doc: Value = serde_json::from_str(&wo.document).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut doc {
        map.insert("id".into(), json!(wo.id));
        map.insert("status".into(), json!(wo.status));
        map.insert("revision".into(), json!(wo.revision));
        map.insert("tracking_number".into(), json!(wo.tracking_number));
        map.insert("updated_at".into(), json!(wo.updated_at.and_utc().to_rfc3339()));
    }
    doc
}
