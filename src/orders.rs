//! Placing an order: one domain service, whichever path calls it (staff page, shop, tests).
//! The order, its work orders and their outbox events commit in one transaction: if it
//! fails nothing exists; if it commits, delivery will happen.

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::domain::catalog::{CompiledCatalog, Configuration, EngineError, Orderable, PriceBreakdown, Violation};
use crate::domain::money::{MoneyError, to_minor};
use crate::domain::work_order::Status;
use crate::domain::revision;
use crate::store::catalogs::CatalogVersion;
use crate::store::factories::{self, Factory};
use crate::store::orders::{self, NewOrder, OrderRow};
use crate::domain::profile::activity as profile_activity;
use crate::store::{DbConn, StoreError, activity, audit, now, outbox};

mod document;

use document::{Body, Event, Head};

/// An order collected in a store, as orders and work orders keep its `ship_to`: the store's
/// id (for our pages) and its code and name, which are what a factory knows it by.
pub fn ship_to_store(id: i64, code: &str, name: &str) -> Value {
    serde_json::json!({ "store": id, "store_code": code, "store_name": name })
}

#[derive(Debug, Clone)]
pub struct PlaceOrder {
    pub customer_id: i64,
    pub customer_reference: String,
    pub store_id: Option<i64>,
    pub configuration: Configuration,
    pub measurement_set_id: Option<i64>,
    /// Where the product goes: [`ship_to_store`], or `{"address": …}`.
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

/// The (option, value) pairs of a configuration, to check against what a factory cannot build.
fn chosen_values(cfg: &Configuration) -> Vec<(String, String)> {
    use crate::domain::catalog::Choice;
    let mut out = vec![];
    for (option, choice) in &cfg.choices {
        match choice {
            Choice::One(v) => out.push((option.clone(), v.clone())),
            Choice::Many(vs) => out.extend(vs.iter().map(|v| (option.clone(), v.clone()))),
            Choice::Number(_) | Choice::Text(_) => out.push((option.clone(), String::new())),
        }
    }
    out
}

/// The factory that can ship a configuration first: enabled, builds the family and every
/// chosen option, earliest date given its lead time and the weeks already booked to
/// capacity (then name, so the choice is stable). The demo workshop a new database starts
/// with takes only what no other factory can: a shop that adds its own factory gets its orders
/// there at once. `booked(factory, week_start)` counts the work orders due in that week.
pub fn route<'a>(
    factories: &'a [Factory],
    family: &str,
    chosen: &[(String, String)],
    today: NaiveDate,
    booked: &mut dyn FnMut(&Factory, NaiveDate) -> Result<i64, StoreError>,
) -> Result<Option<(&'a Factory, NaiveDate)>, StoreError> {
    let mut best: Option<(&Factory, NaiveDate)> = None;
    for f in factories.iter().filter(|f| f.enabled && f.builds(family) && chosen.iter().all(|(o, v)| f.can_build(o, v))) {
        let date = ship_date(f, today, &mut |week| booked(f, week))?;
        let demo = |f: &Factory| f.code == crate::accounts::DEMO_FACTORY_CODE;
        if best.is_none_or(|(b, d)| (demo(f), date, &f.name) < (demo(b), d, &b.name)) {
            best = Some((f, date));
        }
    }
    Ok(best)
}

/// The earliest date a factory can ship: its lead time from today, moved to the next week
/// while that week is booked to its weekly capacity (0 = no limit).
pub fn ship_date(
    factory: &Factory,
    today: NaiveDate,
    booked: &mut dyn FnMut(NaiveDate) -> Result<i64, StoreError>,
) -> Result<NaiveDate, StoreError> {
    let mut date = today + Duration::days(i64::from(factory.lead_time_days.max(0)));
    if factory.weekly_capacity <= 0 {
        return Ok(date);
    }
    // Two years ahead at most: beyond that the estimate is meaningless anyway.
    for _ in 0..104 {
        let week = week_start(date);
        if booked(week)? < i64::from(factory.weekly_capacity) {
            return Ok(date);
        }
        date = week + Duration::days(7);
    }
    Ok(date)
}

fn week_start(d: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// Routes a configuration with the database's factories and bookings.
fn route_in_db(conn: &mut DbConn, family: &str, cfg: &Configuration) -> Result<Option<(Factory, NaiveDate)>, StoreError> {
    let all = factories::list(conn)?;
    let chosen = chosen_values(cfg);
    let mut booked = |f: &Factory, week: NaiveDate| -> Result<i64, StoreError> {
        Ok(orders::booked_in_week(conn, f.id, &week.to_string(), &(week + Duration::days(7)).to_string())?)
    };
    Ok(route(&all, family, &chosen, Utc::now().date_naive(), &mut booked)?.map(|(f, d)| (f.clone(), d)))
}

fn family_name(c: &CompiledCatalog, product: &str) -> Option<String> {
    c.product(product).map(|p| format!("{:?}", p.family).to_lowercase())
}

/// The estimated ship date for a configuration, before anyone orders it.
pub fn estimate(conn: &mut DbConn, c: &CompiledCatalog, cfg: &Configuration) -> Result<Option<NaiveDate>, StoreError> {
    let Some(family) = family_name(c, &cfg.product) else { return Ok(None) };
    Ok(route_in_db(conn, &family, cfg)?.map(|(_, d)| d))
}

fn new_reference() -> String {
    format!("O-{}-{}", Utc::now().format("%y%m%d"), crate::domain::codes::random_code(8))
}

pub fn new_webhook_id() -> String {
    let mut bytes = [0u8; 16];
    rand::Rng::fill(&mut rand::rng(), &mut bytes);
    format!("msg_{}", hex::encode(bytes))
}

/// The engine's share of placing an order: validated, priced, specified and described for
/// the factory. Computed before the transaction, so no lock is held while the engine works.
pub struct Prepared {
    price: PriceBreakdown,
    minor: (i64, i64, i64),
    configuration: String,
    breakdown: String,
    /// The work order document without what the transaction decides (ids, dates, factory).
    body: Body,
}

/// `who` is the customer's pricing profile (`learning::pricing_profile`): loyalty may lower a
/// price, never raise it.
pub fn prepare(
    c: &CompiledCatalog,
    version: &CatalogVersion,
    cfg: &Configuration,
    tax_rate_bp: i32,
    who: &crate::domain::profile::loyalty::PricingProfile,
) -> Result<Prepared, PlaceError> {
    let (price, body) = evaluate(c, version, cfg, Decimal::new(i64::from(tax_rate_bp), 4))?;
    let price = crate::domain::profile::loyalty::adjust(price, who);
    let minor = (to_minor(price.subtotal, &price.currency)?, to_minor(price.tax, &price.currency)?, to_minor(price.total, &price.currency)?);
    Ok(Prepared {
        breakdown: serde_json::to_string(&price).unwrap_or_default(),
        price,
        minor,
        configuration: configuration_text(cfg),
        body,
    })
}

/// The engine's answer for a configuration to order (its catalog price and work order
/// document body), from one evaluation; an invalid configuration is refused.
fn evaluate(c: &CompiledCatalog, version: &CatalogVersion, cfg: &Configuration, tax_rate: Decimal) -> Result<(PriceBreakdown, Body), PlaceError> {
    let product = c.product(&cfg.product).ok_or_else(|| EngineError::UnknownProduct(cfg.product.clone()))?;
    match c.order(cfg, tax_rate)? {
        Orderable::Invalid(violations) => Err(PlaceError::Invalid(violations)),
        Orderable::Valid(parts) => Ok((parts.price, Body::new(c, version, product, cfg, &parts.derived, parts.spec))),
    }
}

/// Places the order in the caller's transaction. The same idempotency key returns the order
/// placed first (`false`: nothing new was created).
pub fn place(conn: &mut DbConn, c: &CompiledCatalog, version: &CatalogVersion, req: &PlaceOrder) -> Result<(OrderRow, bool), PlaceError> {
    if let Some(existing) = orders::find_by_idempotency_key(conn, &req.idempotency_key)? {
        return Ok((existing, false));
    }
    let who = crate::learning::pricing_profile(conn, req.customer_id)?;
    place_prepared(conn, version, req, &prepare(c, version, &req.configuration, req.tax_rate_bp, &who)?)
}

/// Writes a prepared order: the order, its work order, the event for the factory, in the
/// caller's transaction.
pub fn place_prepared(conn: &mut DbConn, version: &CatalogVersion, req: &PlaceOrder, p: &Prepared) -> Result<(OrderRow, bool), PlaceError> {
    place_prepared_via(conn, version, req, p, None)
}

/// [`place_prepared`] for an order that came through a sales channel (recorded with it).
pub fn place_prepared_via(
    conn: &mut DbConn,
    version: &CatalogVersion,
    req: &PlaceOrder,
    p: &Prepared,
    channel_id: Option<i64>,
) -> Result<(OrderRow, bool), PlaceError> {
    let (factory, due) = route_in_db(conn, p.body.family(), &req.configuration)?.ok_or_else(|| PlaceError::NoFactory(p.body.family().to_owned()))?;
    let at = now();
    let ship_to = req.ship_to.to_string();
    let due = due.to_string();
    let placed = Placed { req, p, factory: &factory, due: &due, at, created_at: at.and_utc().to_rfc3339() };
    // A reference is random: on the rare collision with another order's, draw again.
    for _ in 0..5 {
        let reference = new_reference();
        let order = new_order(version, req, p, &reference, &ship_to, at);
        let inserted = match conn {
            DbConn::Postgres(pg) => placed.write_in_one_statement(pg, &order, channel_id)?,
            DbConn::Sqlite(_) => placed.write_row_by_row(conn, &order, channel_id)?,
        };
        if let Some(id) = inserted {
            return Ok((order.stored(id), true));
        }
        // Placed by a concurrent request with the same key, which has committed by now.
        if let Some(existing) = orders::find_by_idempotency_key(conn, &req.idempotency_key)? {
            return Ok((existing, false));
        }
    }
    Err(StoreError::Query(diesel::result::Error::NotFound).into())
}

fn new_order<'a>(version: &CatalogVersion, req: &'a PlaceOrder, p: &'a Prepared, reference: &'a str, ship_to: &'a str, at: NaiveDateTime) -> NewOrder<'a> {
    NewOrder {
        reference,
        customer_id: req.customer_id,
        store_id: req.store_id,
        catalog_version_id: version.id,
        product_code: &req.configuration.product,
        configuration: &p.configuration,
        measurement_set_id: req.measurement_set_id,
        currency: &p.price.currency,
        subtotal_minor: p.minor.0,
        tax_minor: p.minor.1,
        total_minor: p.minor.2,
        price_breakdown: &p.breakdown,
        spec_hash: &p.body.spec_hash,
        status: "placed",
        ship_to,
        idempotency_key: &req.idempotency_key,
        placed_by_staff_id: req.staff_id,
        created_at: at,
        updated_at: at,
    }
}

/// What comes with a new order: the customer's figures change, the work order for the
/// routed factory with its first event and the event for the factory, the audit record; all
/// in the caller's transaction.
struct Placed<'a> {
    req: &'a PlaceOrder,
    p: &'a Prepared,
    factory: &'a Factory,
    due: &'a str,
    at: NaiveDateTime,
    /// `at` as the document says it.
    created_at: String,
}

const PLACED_EVENT: &str = "work_order.created";

impl Placed<'_> {
    fn head<'h>(&'h self, id: Value, reference: &'h str) -> Head<'h> {
        Head {
            id,
            created_at: &self.created_at,
            order_reference: reference,
            revision: 1,
            factory_code: &self.factory.code,
            due_date: self.due,
            ship_to: &self.req.ship_to,
            customer_reference: &self.req.customer_reference,
        }
    }

    fn activity(&self) -> profile_activity::Activity {
        profile_activity::order_placed(self.p.minor.2, "placed", self.at)
    }

    /// The audit entry is filed under the customer, as all of the customer's are; its detail
    /// names the order (`order:42`, which the log's record filter finds too) and who placed it
    /// when no staff member did: a sales channel, or the customer online. This is what comes
    /// after the order's id.
    fn audit_detail_after_id(&self, channel_id: Option<i64>) -> String {
        match (channel_id, self.req.staff_id) {
            (Some(channel), _) => format!(" channel:{channel}"),
            (None, None) => " online".to_owned(),
            (None, Some(_)) => String::new(),
        }
    }

    /// Statement by statement (SQLite, where statements cost no round trip). `None`: an
    /// order with the key or the reference exists.
    fn write_row_by_row(&self, conn: &mut DbConn, order: &NewOrder, channel_id: Option<i64>) -> Result<Option<i64>, StoreError> {
        let Some(order_id) = orders::insert_via(conn, order, channel_id)? else { return Ok(None) };
        // The customer's figures change in the same transaction as the order.
        activity::record(conn, self.req.customer_id, self.at, &self.activity())?;
        // The stored document gets its id when read (see `document`); the event carries it.
        let stored = self.p.body.with(&self.head(Value::from(0), order.reference)).text();
        let wo_id = orders::insert_work_order(conn, order_id, self.factory.id, Status::Queued.as_str(), self.due, &stored, self.at)?;
        orders::record_event(conn, wo_id, None, Status::Queued.as_str(), "order", "placed")?;
        enqueue(conn, self.factory, Some(wo_id), PLACED_EVENT, &self.p.body.with(&self.head(Value::from(wo_id), order.reference)))?;
        audit::record(conn, self.req.staff_id, "order.placed", &format!("customer:{}", self.req.customer_id), &format!("order:{order_id}{}", self.audit_detail_after_id(channel_id)))?;
        Ok(Some(order_id))
    }

    /// The same rows in one statement (PostgreSQL, where each statement is a round trip).
    fn write_in_one_statement(&self, conn: &mut diesel::PgConnection, order: &NewOrder, channel_id: Option<i64>) -> Result<Option<i64>, StoreError> {
        let stored = self.p.body.with(&self.head(Value::from(0), order.reference)).text();
        // The event's payload is the same text `enqueue` writes, with the work order's id,
        // which only the statement knows, where a random marker stands now.
        let marker = new_webhook_id();
        let payload = event_payload(PLACED_EVENT, &self.p.body.with(&self.head(Value::from(marker.as_str()), order.reference)));
        let (before, after) = payload
            .split_once(&format!("\"{marker}\""))
            .ok_or_else(|| StoreError::Query(diesel::result::Error::QueryBuilderError("the event payload lost its id marker".into())))?;
        let webhook_id = new_webhook_id();
        let event = self.factory.push_url.is_some().then_some(orders::EventRow {
            event_type: PLACED_EVENT,
            webhook_id: &webhook_id,
            payload_before_id: before,
            payload_after_id: after,
        });
        let rows = orders::PlacedRows {
            order,
            channel_id,
            month: crate::domain::profile::month_of(self.at),
            activity: self.activity(),
            factory_id: self.factory.id,
            work_order_status: Status::Queued.as_str(),
            due_date: self.due,
            document: &stored,
            event_actor: "order",
            event_note: "placed",
            event,
            audit_action: "order.placed",
            audit_subject: &format!("customer:{}", self.req.customer_id),
            audit_detail_prefix: "order:",
            audit_detail_suffix: &self.audit_detail_after_id(channel_id),
            at: self.at,
        };
        Ok(orders::insert_placed(conn, &rows)?)
    }
}

/// The configuration as an order stores it.
fn configuration_text(cfg: &Configuration) -> String {
    #[derive(serde::Serialize)]
    struct Stored<'a> {
        choices: &'a std::collections::BTreeMap<String, crate::domain::catalog::Choice>,
        measurements: &'a std::collections::BTreeMap<String, i64>,
    }
    serde_json::to_string(&Stored { choices: &cfg.choices, measurements: &cfg.measurements }).unwrap_or_default()
}

#[derive(Debug, thiserror::Error)]
pub enum ReviseError {
    #[error("no such order")]
    NotFound,
    /// Production has started (or the order is cancelled/shipped): a change is refused.
    #[error("work order {0} is {1}: the order can no longer be changed")]
    TooLate(i64, String),
    /// The order is cut from this measurement set already.
    #[error("the order already uses these measurements")]
    Unchanged,
    /// The set differs only in measurements the product does not read: the factory would get
    /// the same work order again.
    #[error("none of the measurements the product uses changed")]
    NothingUsedChanged,
    /// The choices changed with the measurements are charged otherwise: the agreed price would
    /// no longer be the catalog's (the subtotals before and after; they may be equal where
    /// one surcharge takes another's place).
    #[error("the changed choices change the price from {0} to {1}")]
    PriceChanges(Decimal, Decimal),
    /// A work order's factory cannot build a value the changes choose (the factory's name,
    /// the option's code).
    #[error("{0} cannot build the new {1}")]
    FactoryCannot(String, String),
    #[error(transparent)]
    Place(#[from] PlaceError),
}

impl From<StoreError> for ReviseError {
    fn from(e: StoreError) -> Self {
        ReviseError::Place(PlaceError::Store(e))
    }
}

impl From<diesel::result::Error> for ReviseError {
    fn from(e: diesel::result::Error) -> Self {
        ReviseError::Place(e.into())
    }
}

/// The configuration an order was placed (or last revised) with.
pub fn stored_configuration(order: &OrderRow) -> Result<Configuration, serde_json::Error> {
    let stored: Value = serde_json::from_str(&order.configuration).unwrap_or_else(|_| json!({}));
    let choices = serde_json::from_value(stored["choices"].clone())?;
    Ok(Configuration { product: order.product_code.clone(), choices, measurements: serde_json::from_value(stored["measurements"].clone()).unwrap_or_default() })
}

/// `cfg` with the choices `changes` name set (`None` unchooses).
pub fn with_choices_changed<'a>(cfg: &Configuration, changes: impl IntoIterator<Item = (&'a str, Option<&'a crate::domain::catalog::Choice>)>) -> Configuration {
    let mut out = cfg.clone();
    for (option, to) in changes {
        match to {
            Some(v) => out.choices.insert(option.to_owned(), v.clone()),
            None => out.choices.remove(option),
        };
    }
    out
}

/// The catalog subtotals before and after, when `after` is charged otherwise than `before`:
/// each line as agreed, not only the sum, since a revision keeps the order's price breakdown.
pub fn price_changed(c: &CompiledCatalog, before: &Configuration, after: &Configuration) -> Result<Option<(Decimal, Decimal)>, EngineError> {
    let (was, now) = (c.price(before, Decimal::ZERO)?, c.price(after, Decimal::ZERO)?);
    Ok((was.surcharges != now.surcharges).then_some((was.subtotal, now.subtotal)))
}

/// Whether `order` was placed with `cfg`'s choices: a form's key that placed an order already
/// answers with that order (a double click, a reload), but choices changed since (Back from the
/// order, another colour) are another order, not the same one again.
pub fn same_choices(order: &OrderRow, cfg: &Configuration) -> bool {
    stored_configuration(order).is_ok_and(|stored| stored.product == cfg.product && stored.choices == cfg.choices)
}

/// Changes an order before production (e.g. new measurements after a re-measurement): the
/// engine validates the new configuration, each work order gets a new revision of its
/// document, and its factory is sent `work_order.updated`. Once any work order is in
/// production (or past it), the change is refused.
///
/// `choices` are changed with the measurements where they no longer fit (the repair's
/// changes: a 54 cm frame for the 56 the new inside leg rules out; `None` unchooses), as long
/// as the price stays the one agreed and each work order's factory builds what is chosen.
#[allow(clippy::too_many_arguments)]
pub fn revise(
    conn: &mut DbConn,
    c: &CompiledCatalog,
    version: &CatalogVersion,
    order_id: i64,
    measurements: std::collections::BTreeMap<String, i64>,
    measurement_set_id: Option<i64>,
    choice_changes: &[(String, Option<crate::domain::catalog::Choice>)],
    staff_id: i64,
) -> Result<OrderRow, ReviseError> {
    let order = orders::find(conn, order_id)?.ok_or(ReviseError::NotFound)?;
    crate::store::epoch::mark_customer(order.customer_id);
    let work_orders = orders::work_orders_of_order(conn, order_id)?;
    if let Some(wo) = work_orders.iter().find(|w| !matches!(Status::parse(&w.status), Some(Status::Queued | Status::Sent | Status::Acknowledged))) {
        return Err(ReviseError::TooLate(wo.id, wo.status.clone()));
    }
    // The same set again would send the factory a revision that changes nothing.
    if measurement_set_id.is_some() && measurement_set_id == order.measurement_set_id {
        return Err(ReviseError::Unchanged);
    }
    let before = stored_configuration(&order).map_err(|e| StoreError::Query(diesel::result::Error::DeserializationError(Box::new(e))))?;
    let cfg = Configuration { measurements, ..with_choices_changed(&before, choice_changes.iter().map(|(o, to)| (o.as_str(), to.as_ref()))) };
    let changed = what_changed(c, &before, &cfg);
    if changed.is_empty() {
        return Err(ReviseError::NothingUsedChanged);
    }
    // The price stays the one the customer agreed to (and the customer's figures with it):
    // new measurements change how the product is cut, not what it costs.
    let (_, body) = evaluate(c, version, &cfg, Decimal::ZERO)?;
    if cfg.choices != before.choices {
        if let Some((was, now)) = price_changed(c, &before, &cfg).map_err(PlaceError::Engine)? {
            return Err(ReviseError::PriceChanges(was, now));
        }
        // What the changes choose: the rest was built by the factory already.
        let before_values = chosen_values(&before);
        let new_values: Vec<(String, String)> = chosen_values(&cfg).into_iter().filter(|v| !before_values.contains(v)).collect();
        for wo in &work_orders {
            let Some(factory) = factories::find(conn, wo.factory_id)? else { continue };
            if let Some((option, _)) = new_values.iter().find(|(o, v)| !factory.can_build(o, v)) {
                return Err(ReviseError::FactoryCannot(factory.name, option.clone()));
            }
        }
    }
    let configuration = configuration_text(&cfg);
    orders::revise(conn, order_id, &orders::Revision {
        configuration: &configuration,
        measurement_set_id,
        subtotal_minor: order.subtotal_minor,
        tax_minor: order.tax_minor,
        total_minor: order.total_minor,
        price_breakdown: &order.price_breakdown,
        spec_hash: &body.spec_hash,
    })?;
    let customer_reference = crate::store::customers::find(conn, order.customer_id)?.map(|c| c.reference).unwrap_or_default();
    let ship_to: Value = serde_json::from_str(&order.ship_to).unwrap_or(Value::Null);
    for wo in work_orders {
        let Some(factory) = factories::find(conn, wo.factory_id)? else { continue };
        let revision = wo.revision + 1;
        let created_at = wo.created_at.and_utc().to_rfc3339();
        let head = Head {
            id: Value::from(wo.id),
            created_at: &created_at,
            order_reference: &order.reference,
            revision,
            factory_code: &factory.code,
            due_date: &wo.due_date,
            ship_to: &ship_to,
            customer_reference: &customer_reference,
        };
        orders::set_revision(conn, wo.id, revision, &body.with(&head).text())?;
        orders::record_event(conn, wo.id, Some(&wo.status), &wo.status, &format!("staff:{staff_id}"), &revision::note(revision, &changed))?;
        let updated = orders::find_work_order(conn, wo.id)?.ok_or(ReviseError::NotFound)?;
        enqueue(conn, &factory, Some(wo.id), "work_order.updated", &document(&updated))?;
    }
    audit::record(conn, Some(staff_id), "order.revised", &format!("order:{order_id}"), &measurement_set_id.map(|s| format!("set:{s}")).unwrap_or_default())?;
    orders::find(conn, order_id)?.ok_or(ReviseError::NotFound)
}

#[derive(Debug, thiserror::Error)]
pub enum CollectionError {
    #[error("no such order")]
    NotFound,
    /// Delivered to an address: there is no store to change.
    #[error("the order is not collected in a store")]
    NotCollected,
    #[error("the order is collected there already")]
    Unchanged,
    /// No such store, or one that is closed.
    #[error("the store is not open")]
    StoreNotOpen,
    /// Shipped, rejected or cancelled: nothing is on its way to change.
    #[error("work order {0} is {1}: where it is collected can no longer change")]
    TooLate(i64, String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for CollectionError {
    fn from(e: diesel::result::Error) -> Self {
        CollectionError::Store(e.into())
    }
}

/// Where an order is collected, moved to another (open) store: its own closed, or the customer
/// asked. Until its factories ship, each work order gets a new revision with the new
/// `ship_to`, its factory `work_order.updated`, and its history says from where to where.
pub fn change_collection(conn: &mut DbConn, order_id: i64, store_id: i64, staff_id: i64) -> Result<OrderRow, CollectionError> {
    let order = orders::find(conn, order_id)?.ok_or(CollectionError::NotFound)?;
    let ship_to: Value = serde_json::from_str(&order.ship_to).unwrap_or(Value::Null);
    let Some(from) = ship_to.get("store").filter(|s| !s.is_null()) else { return Err(CollectionError::NotCollected) };
    let work_orders = orders::work_orders_of_order(conn, order_id)?;
    if let Some(wo) = work_orders.iter().find(|w| matches!(Status::parse(&w.status), Some(Status::Shipped | Status::Rejected | Status::Cancelled))) {
        return Err(CollectionError::TooLate(wo.id, wo.status.clone()));
    }
    // Read in the transaction that moves the order: a store closing meanwhile is not chosen.
    let to = crate::store::stores::find(conn, store_id)?.filter(|s| s.is_open()).ok_or(CollectionError::StoreNotOpen)?;
    if from.as_i64() == Some(to.id) {
        return Err(CollectionError::Unchanged);
    }
    crate::store::epoch::mark_customer(order.customer_id);
    let moved = ship_to_store(to.id, &to.code, &to.name);
    let to = &to;
    orders::set_ship_to(conn, order_id, &moved.to_string())?;
    let change = revision::Change {
        kind: revision::Kind::Collection,
        code: "store".into(),
        from: ship_to.get("store_name").and_then(Value::as_str).map(str::to_owned),
        to: Some(to.name.clone()),
    };
    for wo in work_orders {
        let Some(factory) = factories::find(conn, wo.factory_id)? else { continue };
        let revision = wo.revision + 1;
        // The document as sent, but for where it goes: nothing else about it changed.
        let mut doc: Value = serde_json::from_str(&wo.document).unwrap_or_else(|_| json!({}));
        if let Value::Object(map) = &mut doc {
            map.insert("ship_to".into(), moved.clone());
            map.insert("revision".into(), json!(revision));
        }
        orders::set_revision(conn, wo.id, revision, &doc.to_string())?;
        orders::record_event(conn, wo.id, Some(&wo.status), &wo.status, &format!("staff:{staff_id}"), &revision::note(revision, std::slice::from_ref(&change)))?;
        let updated = orders::find_work_order(conn, wo.id)?.ok_or(CollectionError::NotFound)?;
        enqueue(conn, &factory, Some(wo.id), "work_order.updated", &document(&updated))?;
    }
    audit::record(conn, Some(staff_id), "order.collection_changed", &format!("order:{order_id}"), &format!("from store:{} to store:{}", from, to.id))?;
    orders::find(conn, order_id)?.ok_or(CollectionError::NotFound)
}

/// The measurements, derived values (sizes, pattern measurements) and choices a revision
/// changes.
fn what_changed(c: &CompiledCatalog, before: &Configuration, after: &Configuration) -> Vec<revision::Change> {
    // Only what the product reads: a chest measured again changes nothing on a bicycle.
    let read = c.product(&after.product).map(|p| &p.measures_read);
    let measured = |cfg: &Configuration| cfg.measurements.iter().filter(|(k, _)| read.is_none_or(|r| r.contains(*k))).map(|(k, v)| (k.clone(), v.to_string())).collect();
    let derived = |cfg: &Configuration| c.derive(cfg).map(|d| d.into_iter().filter_map(|o| Some((o.code, o.value?.to_string()))).collect()).unwrap_or_default();
    let mut all = revision::changes(revision::Kind::Measurement, &measured(before), &measured(after));
    all.extend(revision::changes(revision::Kind::Derived, &derived(before), &derived(after)));
    // A text (a name to print) is personal data that erasure blanks in the work orders: it is
    // not copied into the history, where erasure would leave it.
    let chosen = |cfg: &Configuration| cfg.choices.iter().filter(|(_, v)| !matches!(v, crate::domain::catalog::Choice::Text(_))).map(|(k, v)| (k.clone(), choice_text(v))).collect();
    all.extend(revision::changes(revision::Kind::Choice, &chosen(before), &chosen(after)));
    all
}

/// A choice as a revision note keeps it: value codes (several joined by commas), a number.
fn choice_text(c: &crate::domain::catalog::Choice) -> String {
    use crate::domain::catalog::Choice;
    match c {
        Choice::One(v) | Choice::Text(v) => v.clone(),
        Choice::Many(vs) => vs.iter().cloned().collect::<Vec<_>>().join(","),
        Choice::Number(d) => d.normalize().to_string(),
    }
}

/// Writes the webhook event for a factory that receives pushes (others pull).
pub fn enqueue(conn: &mut DbConn, factory: &Factory, work_order_id: Option<i64>, event_type: &str, data: &impl serde::Serialize) -> Result<(), StoreError> {
    if factory.push_url.is_none() {
        return Ok(());
    }
    let payload = event_payload(event_type, data);
    outbox::insert(conn, factory.id, work_order_id, event_type, &new_webhook_id(), &payload)?;
    Ok(())
}

/// The body of a webhook event, as factories receive it.
fn event_payload(event_type: &str, data: &impl serde::Serialize) -> String {
    // Keys in the order a `Value` would write them, like the documents (see `document`).
    serde_json::to_string(&Event { data, timestamp: Utc::now().to_rfc3339(), event_type }).unwrap_or_default()
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
        orders::set_work_order_status(conn, wo.id, from.as_str(), Status::Cancelled.as_str(), &actor, "order cancelled", None, None)?;
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

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("no such work order")]
    NotFound,
    #[error(transparent)]
    Illegal(#[from] crate::domain::work_order::IllegalTransition),
    /// A factory dates an event before the work order was made, by more than clocks drift.
    #[error("occurred_at is {} before the work order was made ({}): nothing can happen to it before then; send when it happened, and check the clock that dated it", crate::domain::work_order::span(*made - *at), made.format("%Y-%m-%dT%H:%M:%SZ"))]
    BeforeWorkOrder { at: chrono::NaiveDateTime, made: chrono::NaiveDateTime },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for UpdateError {
    fn from(e: diesel::result::Error) -> Self {
        UpdateError::Store(e.into())
    }
}

/// How far a factory's clock may drift from this server's before its dates are refused.
pub const CLOCK_SKEW_MINUTES: i64 = 5;

/// A status change reported by a factory, checked by the domain; the order follows its work
/// order. `occurred_at` is when the factory says it happened, which the history shows (the
/// server's clock when it does not say). Repeating the current status is not an error and
/// changes no status, but a tracking number that differs replaces the old one and a note that
/// differs from the last one is kept: a factory correcting a tracking number or explaining a
/// rejection once more is not ignored.
pub fn factory_update(
    conn: &mut DbConn,
    factory_id: i64,
    work_order_id: i64,
    to: Status,
    note: &str,
    tracking_number: Option<&str>,
    occurred_at: Option<chrono::NaiveDateTime>,
) -> Result<orders::WorkOrderRow, UpdateError> {
    use crate::domain::work_order::{Transition, transition};
    let wo = orders::find_work_order(conn, work_order_id)?
        .filter(|w| w.factory_id == factory_id)
        .ok_or(UpdateError::NotFound)?;
    let from = Status::parse(&wo.status).ok_or(UpdateError::NotFound)?;
    let actor = format!("factory:{factory_id}");
    // Nothing happened to a work order before it existed. A clock a little behind is read as
    // the moment it was made; a date far before (a clock that is wrong, a default of year 1)
    // is refused, so the factory learns of it rather than have its history silently redated.
    if let Some(at) = occurred_at.filter(|at| wo.created_at - *at > chrono::TimeDelta::minutes(CLOCK_SKEW_MINUTES)) {
        return Err(UpdateError::BeforeWorkOrder { at, made: wo.created_at });
    }
    // Nor after what comes next in its history: a date before its latest event (an event
    // reported late, or a clock a little behind) is read as that moment, so the history keeps
    // its order ("Shipped" listed before "In production" read as if it came first).
    let occurred_at = match occurred_at {
        Some(at) => Some(at.max(wo.created_at).max(orders::last_event_at(conn, wo.id)?.unwrap_or(wo.created_at))),
        None => None,
    };
    match transition(from, to)? {
        Transition::Change => {
            orders::set_work_order_status(conn, wo.id, from.as_str(), to.as_str(), &actor, note, tracking_number, occurred_at)?;
            if matches!(to, Status::InProduction | Status::Shipped | Status::Rejected) {
                change_status(conn, wo.order_id, to.as_str())?;
            }
            if to == Status::Rejected {
                orders::set_attention(conn, wo.id, Some("rejected"))?;
            } else if matches!(to, Status::Acknowledged | Status::InProduction | Status::Shipped) && wo.attention.as_deref() == Some("dead_letter") {
                // Set aside for being claimed too often, then made after all: nothing to see
                // to (the board listed it first, "never acknowledged", while in production).
                orders::set_attention(conn, wo.id, None)?;
            }
        }
        Transition::Unchanged if matches!(to, Status::InProduction | Status::Shipped | Status::Rejected) => {
            let new_tracking = tracking_number.filter(|t| wo.tracking_number.as_deref() != Some(*t));
            if let Some(t) = new_tracking {
                orders::set_tracking_number(conn, wo.id, t)?;
            }
            let last_note = orders::events(conn, wo.id)?.last().map(|e| e.note.clone()).unwrap_or_default();
            if new_tracking.is_some() || (!note.is_empty() && note != last_note) {
                orders::record_event_at(conn, wo.id, Some(from.as_str()), to.as_str(), &actor, note, occurred_at.unwrap_or_else(crate::store::now))?;
            }
        }
        Transition::Unchanged => {}
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
        // Documents stored before it was part of them gain it here.
        map.insert("created_at".into(), json!(wo.created_at.and_utc().to_rfc3339()));
    }
    doc
}

/// Places an order in its own transaction, once per idempotency key even when two requests
/// with the same key race: the loser of the unique key reads the winner's order.
pub async fn place_once(db: &crate::store::Db, c: &std::sync::Arc<CompiledCatalog>, version: &CatalogVersion, req: PlaceOrder) -> Result<OrderRow, PlaceError> {
    let (cat, v, key) = (c.clone(), version.clone(), req.idempotency_key.clone());
    match db.write(move |conn| place(conn, &cat, &v, &req)).await {
        Ok((order, _)) => Ok(order),
        Err(PlaceError::Store(e)) if e.is_unique_violation() => db
            .read(move |conn| Ok::<_, StoreError>(orders::find_by_idempotency_key(conn, &key)?))
            .await?
            .ok_or(PlaceError::Store(e)),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factory(name: &str, lead: i32, capacity: i32, cannot: &str) -> Factory {
        Factory {
            id: i64::from(lead) * 100 + i64::from(capacity),
            code: name.to_lowercase(),
            name: name.into(),
            families: "bicycle".into(),
            push_url: None,
            signing_secret: None,
            lead_time_days: lead,
            enabled: true,
            push_disabled_reason: None,
            created_at: now(),
            previous_signing_secret: None,
            previous_secret_until: None,
            failing_since: None,
            weekly_capacity: capacity,
            cannot_build: cannot.into(),
        }
    }

    fn monday() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn the_earliest_capable_factory_wins_and_a_full_week_moves_the_date() {
        let fast = factory("Fast", 7, 2, "");
        let slow = factory("Slow", 14, 0, "");
        let all = [fast.clone(), slow.clone()];
        let chosen = vec![("brakes".to_owned(), "disc".to_owned())];
        let mut free = |_: &Factory, _: NaiveDate| Ok(0);
        let (f, d) = route(&all, "bicycle", &chosen, monday(), &mut free).unwrap().unwrap();
        assert_eq!((f.name.as_str(), d), ("Fast", monday() + Duration::days(7)));
        // Fast's next two weeks are full: it could ship only three weeks out, after Slow.
        let mut full = |f: &Factory, w: NaiveDate| Ok(if f.name == "Fast" && w < monday() + Duration::days(21) { 2 } else { 0 });
        let (f, d) = route(&all, "bicycle", &chosen, monday(), &mut full).unwrap().unwrap();
        assert_eq!((f.name.as_str(), d), ("Slow", monday() + Duration::days(14)));
        assert_eq!(route(&all, "apparel", &chosen, monday(), &mut free).unwrap().map(|x| x.0.name.clone()), None);
    }

    #[test]
    fn the_demo_workshop_takes_only_what_no_other_factory_can() {
        let mut demo = factory("Demo", 1, 0, "");
        demo.code = crate::accounts::DEMO_FACTORY_CODE.into();
        let all = [demo, factory("Slow", 30, 0, "brakes=rim")];
        let mut free = |_: &Factory, _: NaiveDate| Ok(0);
        let disc = vec![("brakes".to_owned(), "disc".to_owned())];
        assert_eq!(route(&all, "bicycle", &disc, monday(), &mut free).unwrap().unwrap().0.name, "Slow", "a shop's own factory, however slow");
        let rim = vec![("brakes".to_owned(), "rim".to_owned())];
        assert_eq!(route(&all, "bicycle", &rim, monday(), &mut free).unwrap().unwrap().0.name, "Demo", "what only the demo workshop builds");
    }

    #[test]
    fn a_factory_that_cannot_build_a_choice_is_passed_over() {
        let all = [factory("Fast", 7, 0, "brakes=disc, saddle"), factory("Slow", 14, 0, "")];
        let mut free = |_: &Factory, _: NaiveDate| Ok(0);
        let disc = vec![("brakes".to_owned(), "disc".to_owned())];
        assert_eq!(route(&all, "bicycle", &disc, monday(), &mut free).unwrap().unwrap().0.name, "Slow");
        let rim = vec![("brakes".to_owned(), "rim".to_owned())];
        assert_eq!(route(&all, "bicycle", &rim, monday(), &mut free).unwrap().unwrap().0.name, "Fast");
        let saddle = vec![("saddle".to_owned(), "any".to_owned())];
        assert_eq!(route(&all, "bicycle", &saddle, monday(), &mut free).unwrap().unwrap().0.name, "Slow");
    }
}
