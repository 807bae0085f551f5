//! The sales-channel API: a partner web shop, a point of sale or a kiosk reads the catalog,
//! has a configuration checked and priced by the same engine as the shop and the staff pages,
//! and places orders for a customer reference, idempotently.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::bridge::Dispatcher;
use crate::catalogs::CatalogCache;
use crate::domain::catalog::{Choice, CompiledCatalog, Configuration, OptionKind};
use crate::orders::{PlaceError, PlaceOrder, estimate};
use crate::store::catalogs::{self as catalog_store, CatalogVersion};
use crate::store::channels::{self, Channel};
use crate::store::{Db, StoreError, stores};

use super::auth::token_hash;
use super::json::Object;
use super::problem::ApiError;

/// The sales channel whose key came with the request (`Authorization: Bearer atc_…`).
pub struct AuthedChannel(pub Channel);

impl FromRequest for AuthedChannel {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = super::auth::bearer(req);
        let db = req.app_data::<web::Data<Db>>().cloned();
        Box::pin(async move {
            let (Some(key), Some(db)) = (key, db) else { return Err(ApiError::Unauthorized) };
            let hash = token_hash(&key);
            match channel_by_key(&db, hash.clone()).await? {
                Some(channel) => Ok(AuthedChannel(channel)),
                None => Err(super::auth::why_refused(&db, hash, super::auth::Route::Channel).await),
            }
        })
    }
}

/// The live channel whose key has this hash.
async fn channel_by_key(db: &Db, hash: String) -> Result<Option<Channel>, StoreError> {
    db.read(move |conn| Ok::<_, StoreError>(channels::by_key(conn, &hash)?)).await
}

/// A bearer key's hash, checked against the database later, in the handler's own read: on
/// the order path that saves a round trip. A request without a key is refused at once.
pub struct BearerKey(String);

impl FromRequest for BearerKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(super::auth::bearer(req).map(|k| BearerKey(token_hash(&k))).ok_or(ApiError::Unauthorized))
    }
}

/// The current version of every catalog, compiled.
async fn current(db: &Db, cache: &CatalogCache) -> Result<Vec<(CatalogVersion, Arc<CompiledCatalog>)>, ApiError> {
    let versions = db.read(|conn| Ok::<_, StoreError>(catalog_store::current(conn)?)).await?;
    let mut out = vec![];
    for v in versions {
        if let Some(pair) = cache.get(db, v.id).await? {
            out.push(pair);
        }
    }
    Ok(out)
}

/// `GET /api/v1/catalog`: every product on sale, its options and values with surcharges.
pub async fn read_catalog(_c: AuthedChannel, db: web::Data<Db>, cache: web::Data<CatalogCache>) -> Result<HttpResponse, ApiError> {
    let catalogs = current(&db, &cache).await?;
    let products: Vec<Value> = catalogs
        .iter()
        .flat_map(|(v, cat)| {
            cat.products().map(move |p| {
                json!({
                    "code": p.code,
                    "label": p.label,
                    "family": format!("{:?}", p.family).to_lowercase(),
                    "catalog": cat.id,
                    "catalog_version": cat.version,
                    "catalog_revision": v.revision,
                    "currency": p.currency,
                    "base_price": p.base_price.to_string(),
                    "options": p.options.iter().map(|o| json!({
                        "code": o.code,
                        "label": o.label,
                        "kind": format!("{:?}", o.kind).to_lowercase(),
                        "required": o.required,
                        "values": o.values.iter().map(|val| json!({"code": val.code, "label": val.label, "surcharge": val.surcharge.to_string()})).collect::<Vec<_>>(),
                        "number": o.number.as_ref().map(|n| json!({"unit": n.unit, "min": n.min.to_string(), "max": n.max.to_string(), "step": n.step.to_string()})),
                        "text": o.text.as_ref().map(|t| json!({"max_length": t.max_len, "surcharge": t.surcharge.to_string()})),
                    })).collect::<Vec<_>>(),
                })
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "products": products })))
}

/// A configuration as a client sends it: plain JSON values per option.
#[derive(Deserialize)]
pub struct ConfigurationBody {
    product: String,
    #[serde(default)]
    choices: BTreeMap<String, Value>,
    /// Canonical integers: millimetres, body mass in grams.
    #[serde(default)]
    measurements: BTreeMap<String, super::json::Int>,
    /// Fields nobody reads: refused by name ([`refuse_unknown_fields`]), since a misspelt
    /// `shipTo` would send the order to the channel's store without a word.
    #[serde(flatten)]
    unknown: BTreeMap<String, serde::de::IgnoredAny>,
}

/// A 400 naming every field of the request that the endpoint does not read.
fn refuse_unknown_fields(body: &ConfigurationBody) -> Result<(), ApiError> {
    let unknown: Vec<String> = body.unknown.keys().map(|k| format!("`{}`", k.escape_debug())).collect();
    match unknown.len() {
        0 => Ok(()),
        1 => Err(ApiError::BadRequest(format!("unknown field {}; the fields are product, choices, measurements, customer_reference and ship_to", unknown[0]))),
        _ => Err(ApiError::BadRequest(format!("unknown fields {}; the fields are product, choices, measurements, customer_reference and ship_to", unknown.join(", ")))),
    }
}

/// A quote's body: a configuration, and what an order's body adds, so that the same body can
/// be quoted and then ordered. `ship_to` decides the tax as it will for the order.
#[derive(Deserialize)]
pub struct QuoteBody {
    #[serde(flatten)]
    configuration: ConfigurationBody,
    #[serde(default)]
    ship_to: Option<Value>,
    #[serde(default, rename = "customer_reference")]
    _customer_reference: Option<serde::de::IgnoredAny>,
}

/// Reads plain JSON choices by each option's kind: a code, a list of codes, a number, a text.
fn configuration(cat: &CompiledCatalog, body: &ConfigurationBody) -> Result<Configuration, ApiError> {
    let product = cat.product(&body.product).ok_or(ApiError::NotFound)?;
    let mut choices = BTreeMap::new();
    for (code, value) in &body.choices {
        let kind = product.options.iter().find(|o| &o.code == code).map(|o| o.kind);
        let bad = || ApiError::BadRequest(format!("choice `{code}` has the wrong type for its option"));
        let choice = match (kind, value) {
            (Some(OptionKind::Multi), Value::Array(items)) => {
                Choice::Many(items.iter().map(|i| i.as_str().map(str::to_owned).ok_or_else(bad)).collect::<Result<_, _>>()?)
            }
            (Some(OptionKind::Multi), Value::String(s)) => Choice::Many([s.clone()].into()),
            // 100.0 is 100 (the work order's label read "100.0 mm").
            (Some(OptionKind::Number), Value::Number(n)) => Choice::Number(decimal_of(n).normalize()),
            (Some(OptionKind::Number), Value::String(s)) => Choice::Number(s.trim().replace(',', ".").parse::<Decimal>().map_err(|_| bad())?.normalize()),
            // What is printed: "  Ana  " is "Ana", and a blank text prints (and costs) nothing.
            (Some(OptionKind::Text), Value::String(s)) if s.trim().is_empty() => continue,
            (Some(OptionKind::Text), Value::String(s)) => Choice::Text(crate::domain::catalog::input::one_spaced(s)),
            // Single choices, and unknown options (the engine names them in its answer).
            (Some(OptionKind::Single) | None, Value::String(s)) => Choice::One(s.clone()),
            (_, Value::Null) => continue,
            // An unknown option has no type to be wrong: the engine names it, whatever was sent.
            (None, other) => Choice::One(other.to_string()),
            _ => return Err(bad()),
        };
        choices.insert(code.clone(), choice);
    }
    // A misspelt code would only show as the right one missing: name it.
    // Every measurement a fitter takes, also those no rule reads (head and hand girth).
    if let Some(unknown) = body.measurements.keys().find(|k| crate::domain::measurement::Measurement::from_code(k).is_none()) {
        let known: Vec<&str> = crate::domain::measurement::Measurement::ALL.iter().map(|m| m.code()).collect();
        return Err(ApiError::BadRequest(format!("unknown measurement `{unknown}`; the measurements are {}", known.join(", "))));
    }
    let measurements = body.measurements.iter().map(|(k, v)| (k.clone(), v.0)).collect();
    Ok(Configuration { product: body.product.clone(), choices, measurements })
}

/// A JSON number as the engine's decimal. Past the decimal's range (about ±7.9 × 10^28) it is
/// clamped to the range's end, and a magnitude too small to hold is zero: the engine then
/// refuses it as outside the option's range, as any other number, rather than the request
/// calling a number the wrong type.
fn decimal_of(n: &serde_json::Number) -> Decimal {
    let text = n.to_string();
    text.parse::<Decimal>().or_else(|_| Decimal::from_scientific(&text)).unwrap_or_else(|_| match n.as_f64() {
        Some(f) if f.abs() < 1.0 => Decimal::ZERO,
        Some(f) if f < 0.0 => Decimal::MIN,
        _ => Decimal::MAX,
    })
}

async fn find_product(db: &Db, cache: &CatalogCache, product: &str) -> Result<(CatalogVersion, Arc<CompiledCatalog>), ApiError> {
    let versions = db.read(|conn| Ok::<_, StoreError>(catalog_store::current_ids(conn)?)).await?;
    product_in(db, cache, versions, product).await
}

/// The current catalog version that sells `product` (compiled catalogs come from the cache).
async fn product_in(db: &Db, cache: &CatalogCache, version_ids: Vec<i64>, product: &str) -> Result<(CatalogVersion, Arc<CompiledCatalog>), ApiError> {
    for id in version_ids {
        if let Some((version, cat)) = cache.get(db, id).await? {
            if cat.product(product).is_some() {
                return Ok((version, cat));
            }
        }
    }
    Err(ApiError::UnknownProduct(product.escape_debug().to_string()))
}

async fn tax_of(db: &Db, channel: &Channel) -> Result<i32, ApiError> {
    let Some(id) = channel.store_id else { return Ok(0) };
    Ok(db.read(move |conn| Ok::<_, StoreError>(stores::find(conn, id)?)).await?.map(|s| s.tax_rate_bp).unwrap_or(0))
}

/// The engine refuses a configuration it cannot build (a bill-of-materials line comes out
/// negative or unreadable): that is the configuration's fault, not the request's form.
fn engine_error(e: crate::domain::catalog::EngineError) -> ApiError {
    match e {
        crate::domain::catalog::EngineError::Quantity { .. } => ApiError::Unprocessable("cannot-build", e.to_string()),
        e => ApiError::BadRequest(e.to_string()),
    }
}

/// `POST /api/v1/quote`: the engine's whole answer for a configuration.
pub async fn quote(c: AuthedChannel, db: web::Data<Db>, cache: web::Data<CatalogCache>, body: Result<web::Json<Object<QuoteBody>>, ApiError>) -> Result<HttpResponse, ApiError> {
    let web::Json(Object(QuoteBody { configuration: body, ship_to, .. })) = body?;
    refuse_unknown_fields(&body)?;
    let (_, cat) = find_product(&db, &cache, &body.product).await?;
    let cfg = configuration(&cat, &body)?;
    // As the order will: a channel without a store sells at the tax of the store it names, and
    // a ship_to the order would refuse is refused here.
    // Its code and name are only read when ship_to is left out, and only to write the order.
    let own = (String::new(), String::new());
    let named = ship_to_of(&db, ship_to, c.0.store_id.map(|id| (id, &own))).await?.1;
    let tax = match (c.0.store_id, named) {
        (None, Some(store)) => store.tax_rate_bp,
        _ => tax_of(&db, &c.0).await?,
    };
    let validation = cat.validate(&cfg).map_err(engine_error)?;
    let availability = cat.availability(&cfg).map_err(engine_error)?;
    let repair = if validation.valid { None } else { Some(cat.repair(&cfg).map_err(engine_error)?) };
    let derived = cat.derive(&cfg).map_err(engine_error)?;
    let price = cat.price(&cfg, Decimal::new(i64::from(tax), 4)).map_err(engine_error)?;
    let (cat2, cfg2) = (cat.clone(), cfg.clone());
    let ship = db.read(move |conn| Ok::<_, StoreError>(estimate(conn, &cat2, &cfg2)?)).await?;
    Ok(HttpResponse::Ok().json(json!({
        "valid": validation.valid,
        "violations": validation.violations,
        "availability": availability.options,
        "repair": repair,
        "derived": derived,
        "price": price,
        "estimated_ship_date": ship.map(|d| d.to_string()),
    })))
}

#[derive(Deserialize)]
pub struct OrderBody {
    customer_reference: String,
    #[serde(flatten)]
    configuration: ConfigurationBody,
    /// `{"store": "NORTH"}` (a store code) or `{"address": {...}}`; default: the channel's store.
    #[serde(default)]
    ship_to: Option<Value>,
}

/// The factories' tracking numbers of an order's shipped work orders: what a shop tells its
/// customer once the order is on its way (a number sent with another status is not that).
fn tracking_numbers(work_orders: Vec<crate::store::orders::WorkOrderRow>) -> Vec<String> {
    work_orders.into_iter().filter(|w| w.status == "shipped").filter_map(|w| w.tracking_number).filter(|t| !t.is_empty()).collect()
}

/// An order as the API answers it, as it is now.
fn order_json(o: &crate::store::orders::OrderRow, tracking_numbers: Vec<String>) -> Value {
    let money = |minor: i64| crate::domain::money::from_minor(minor, &o.currency).map(|d| d.to_string()).unwrap_or_default();
    json!({
        "reference": o.reference,
        "status": o.status,
        "product": o.product_code,
        "currency": o.currency,
        "subtotal": money(o.subtotal_minor),
        "tax": money(o.tax_minor),
        "total": money(o.total_minor),
        "placed_at": o.created_at.and_utc().to_rfc3339(),
        "tracking_numbers": tracking_numbers,
    })
}

/// `POST /api/v1/orders` with `Idempotency-Key`: re-validated on the server and placed
/// through the one placement service; the same key answers with the same order.
pub async fn place_order(
    key_hash: BearerKey,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<CatalogCache>,
    dispatcher: web::Data<Dispatcher>,
    body: Result<web::Json<Object<OrderBody>>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    // The key is checked together with the order's own read below; a body that does not parse
    // costs a read of the key alone, so that a caller without a valid key gets 401 either way.
    let web::Json(Object(body)) = match body {
        Ok(body) => body,
        Err(e) => {
            let channel = channel_by_key(&db, key_hash.0.clone()).await?;
            return Err(if channel.is_some() { e } else { super::auth::why_refused(&db, key_hash.0, super::auth::Route::Channel).await });
        }
    };
    // One read, in one statement, for everything the order needs from the database before it
    // is written, the channel's key included.
    let reference = body.customer_reference.trim().to_owned();
    let BearerKey(hash) = key_hash;
    let sought = hash.clone();
    let Some(context) = db.read(move |conn| Ok::<_, StoreError>(channels::order_context(conn, &sought, &reference)?)).await? else {
        return Err(super::auth::why_refused(&db, hash, super::auth::Route::Channel).await);
    };
    refuse_unknown_fields(&body.configuration)?;
    let key = super::auth::idempotency_key(&req, 200)?;
    let (version, cat) = product_in(&db, &cache, context.catalog_versions.clone(), &body.configuration.product).await?;
    let cfg = configuration(&cat, &body.configuration)?;
    let tax = context.tax_rate_bp;
    let ship_to = body.ship_to.clone();
    let scoped_key = format!("channel:{}:{key}", context.channel_id);
    // Everything that only reads happens before the write transaction: on SQLite all writes
    // share one connection, so the time spent holding it bounds the order rate.
    let customer = context
        .customer
        .filter(|c| c.live)
        .ok_or(ApiError::Unprocessable("unknown-customer", "no customer has this reference".into()))?;
    if context.store_closed {
        let code = context.store.as_ref().map(|(code, _)| code.as_str()).unwrap_or_default();
        return Err(ApiError::Unprocessable("store-closed", format!("this channel's store {code} is closed: the channel takes no orders")));
    }
    let (ship_to, named) = ship_to_of(&db, ship_to, context.store_id.zip(context.store.as_ref())).await?;
    // A channel without a store of its own sells in the name of the store it sends an order to
    // (its tax), rather than untaxed.
    let (store_id, tax) = match (context.store_id, named) {
        (None, Some(store)) => (Some(store.id), store.tax_rate_bp),
        _ => (context.store_id, tax),
    };
    let who = crate::learning::profile_of(customer.orders, customer.class.as_ref().map(|(v, vol, s)| (v.as_str(), vol.as_str(), s.as_str())));
    let prepared = match crate::orders::prepare(&cat, &version, &cfg, tax, &who) {
        Ok(p) => p,
        Err(e) => return Err(place_error(e)),
    };
    let request = PlaceOrder {
        customer_id: customer.id,
        customer_reference: customer.reference,
        store_id,
        configuration: cfg.clone(),
        measurement_set_id: None,
        ship_to,
        idempotency_key: scoped_key,
        staff_id: None,
        tax_rate_bp: tax,
    };
    let channel_id = context.channel_id;
    let placed = db
        .write(move |conn| -> Result<_, ChannelOrderError> {
            let (order, created) = crate::orders::place_prepared_via(conn, &version, &request, &prepared, Some(channel_id))?;
            if !created {
                // The same key with another request is a client bug, not a retry.
                let same = order.customer_id == request.customer_id
                    && serde_json::from_str::<Value>(&order.ship_to).ok().as_ref() == Some(&request.ship_to)
                    && order.product_code == cfg.product
                    && serde_json::from_str::<Value>(&order.configuration).ok() == Some(json!({ "choices": cfg.choices, "measurements": cfg.measurements }));
                if !same {
                    return Err(ChannelOrderError::KeyReused);
                }
                // A retry answers with the order as it is now, all of it.
                let tracking = tracking_numbers(crate::store::orders::work_orders_of_order(conn, order.id)?);
                return Ok((order, created, tracking));
            }
            Ok((order, created, vec![]))
        })
        .await;
    match placed {
        Ok((order, created, tracking)) => {
            if created {
                dispatcher.wake();
            }
            let status = if created { actix_web::http::StatusCode::CREATED } else { actix_web::http::StatusCode::OK };
            Ok(HttpResponse::build(status)
                .insert_header((header::LOCATION, format!("/api/v1/orders/{}", order.reference)))
                .json(order_json(&order, tracking)))
        }
        Err(ChannelOrderError::KeyReused) => Err(ApiError::IdempotencyMismatch),
        Err(ChannelOrderError::Place(e)) => Err(place_error(e)),
        Err(ChannelOrderError::Store(e)) => Err(e.into()),
    }
}

/// Where the order goes: a store (the channel's by default, or the one with the code given;
/// see [`crate::orders::ship_to_store`]) or `{"address": {...}}`. Only a store code costs a read.
/// The store named by code comes back too.
async fn ship_to_of(db: &Db, ship_to: Option<Value>, channel_store: Option<(i64, &(String, String))>) -> Result<(Value, Option<stores::Store>), ApiError> {
    match ship_to {
        // An order must go somewhere: a channel without a store names it in every order.
        None => channel_store
            .map(|(id, (code, name))| (crate::orders::ship_to_store(id, code, name), None))
            .ok_or_else(|| ApiError::Unprocessable("unknown-store", "this channel has no store of its own: name one in ship_to, as {\"store\": CODE}".into())),
        // The document's `oneOf`: with both, which one the order went to would be a guess.
        Some(Value::Object(m)) if m.contains_key("address") && m.contains_key("store") => {
            Err(ApiError::BadRequest("ship_to names a store and an address: give one of them".into()))
        }
        // A misspelt key would be dropped without a word.
        Some(Value::Object(m)) if m.keys().any(|k| k != "store" && k != "address") => {
            let unknown: Vec<String> = m.keys().filter(|k| *k != "store" && *k != "address").map(|k| format!("`{}`", k.escape_debug())).collect();
            Err(ApiError::BadRequest(format!("ship_to has no field {}: it is {{\"store\": CODE}} or {{\"address\": {{...}}}}", unknown.join(", "))))
        }
        // A delivered order is sold in a store's name, at its tax: a channel without a store
        // has none to sell it in (it charged 0 %).
        Some(Value::Object(m)) if m.contains_key("address") && channel_store.is_none() => Err(ApiError::Unprocessable(
            "unknown-store",
            "this channel has no store of its own, and a delivered order is sold in a store's name and at its tax: have an administrator give the channel a store (or collect the order in a store, {\"store\": CODE})".into(),
        )),
        Some(Value::Object(m)) if m.contains_key("address") => {
            let nowhere = || ApiError::Unprocessable("invalid-address", "ship_to.address must say where to deliver: an object of address lines, or one text".into());
            let address = match &m["address"] {
                Value::Object(a) if a.values().all(|v| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty())) => return Err(nowhere()),
                Value::Object(a) => Value::Object(crate::domain::address::from_api(a).map_err(|e| ApiError::Unprocessable("invalid-address", e))?),
                Value::String(a) => Value::String(crate::domain::address::text_from_api(a).map_err(|e| ApiError::Unprocessable("invalid-address", e))?.ok_or_else(nowhere)?),
                _ => return Err(nowhere()),
            };
            Ok((json!({ "address": address }), None))
        }
        Some(Value::Object(m)) => {
            // Codes are kept in capitals (a store added as `north` is NORTH): `north` finds it.
            let code = m.get("store").and_then(Value::as_str).unwrap_or_default().trim().to_uppercase();
            let sought = code.clone();
            let store = db.read(move |conn| Ok::<_, StoreError>(stores::find_by_code(conn, &sought)?)).await?;
            let store = store.ok_or_else(|| if code.is_empty() { unknown_store() } else { ApiError::Unprocessable("unknown-store", format!("no store has the code {code}")) })?;
            if !store.is_open() {
                return Err(ApiError::Unprocessable("store-closed", format!("store {} is closed and takes no orders", store.code)));
            }
            Ok((crate::orders::ship_to_store(store.id, &store.code, &store.name), Some(store)))
        }
        Some(_) => Err(unknown_store()),
    }
}

fn unknown_store() -> ApiError {
    ApiError::Unprocessable("unknown-store", "ship_to must be {\"store\": CODE} of a store, or {\"address\": {...}}".into())
}

fn place_error(e: PlaceError) -> ApiError {
    match e {
        PlaceError::Invalid(v) => ApiError::InvalidConfiguration(serde_json::to_value(v).unwrap_or_default()),
        PlaceError::NoFactory(f) => ApiError::Unprocessable("no-factory", format!("no factory builds {f} products now")),
        PlaceError::Store(e) => e.into(),
        PlaceError::Engine(e) => engine_error(e),
        e => ApiError::BadRequest(e.to_string()),
    }
}

#[derive(Debug, thiserror::Error)]
enum ChannelOrderError {
    #[error("idempotency key reused")]
    KeyReused,
    #[error(transparent)]
    Place(#[from] PlaceError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for ChannelOrderError {
    fn from(e: diesel::result::Error) -> Self {
        ChannelOrderError::Store(e.into())
    }
}

/// `GET /api/v1/orders/{reference}`: an order this channel placed, with its status.
pub async fn show_order(c: AuthedChannel, db: web::Data<Db>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (channel_id, reference) = (c.0.id, path.into_inner());
    let (order, work_orders) = db
        .read(move |conn| -> Result<_, StoreError> {
            let Some(id) = channels::order_of_channel(conn, channel_id, &reference)? else { return Ok(None) };
            let Some(order) = crate::store::orders::find(conn, id)? else { return Ok(None) };
            Ok(Some((order, crate::store::orders::work_orders_of_order(conn, id)?)))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(order_json(&order, tracking_numbers(work_orders))))
}

#[cfg(test)]
mod schema_fuzz_tests {
    use super::OrderBody;

    /// Found by schemathesis: every measurement is an integer by the document's schema (int64),
    /// so an order body with such values must get past the JSON decoding.
    #[test]
    fn schema_valid_measurements_are_decoded() {
        let body = r#"{"product": "x", "measurements": {"a": 1473.0, "b": 2765753.0, "c": 9223372036854775806, "d": 38677, "e": -4034948800133998.0}, "choices": {}, "customer_reference": "r", "ship_to": {"address": {"": [null]}}}"#;
        let parsed = serde_json::from_str::<OrderBody>(body);
        assert!(parsed.is_ok(), "{:?}", parsed.err());
    }
}
