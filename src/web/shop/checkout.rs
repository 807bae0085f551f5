//! The checkout: a summary (choices, measurements used, price breakdown), the delivery point
//! (a store, or an address), and placing the order once however often the form is sent.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::bridge::Dispatcher;
use crate::catalogs::CatalogCache;
use crate::domain::address;
use crate::domain::measurement::Measurement;
use crate::orders::{PlaceError, PlaceOrder};
use crate::store::stores::Store;
use crate::store::{Db, StoreError, drafts, stores};
use crate::web::configurator;
use crate::web::csrf::CsrfForm;
use crate::web::error::AppError;
use crate::web::render;

use super::auth::{ShopCtx, Shopper};
use super::configure::{Prepared, prepare};

#[derive(Default)]
pub struct Delivery {
    pub kind: String,
    pub store_id: String,
    /// The address fields as typed, by field name (see [`address::FIELDS`]).
    pub address: BTreeMap<&'static str, String>,
    pub errors: BTreeMap<&'static str, &'static str>,
}

/// One line of the address form, as the page shows it.
pub struct AddressField {
    pub id: &'static str,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
    pub autocomplete: &'static str,
}

impl CheckoutPage {
    pub fn address_fields(&self) -> Vec<AddressField> {
        let t = self.ctx.t;
        address::FIELDS
            .iter()
            .map(|&(id, key, ..)| AddressField {
                id,
                label: t.t(&format!("address-{}-label", key.replace('_', "-"))),
                value: self.delivery.address.get(id).cloned().unwrap_or_default(),
                error: self.delivery.errors.get(id).map(|k| t.t(k)),
                autocomplete: match key {
                    "name" => "shipping name",
                    "line1" => "shipping address-line1",
                    "line2" => "shipping address-line2",
                    "postal_code" => "shipping postal-code",
                    "city" => "shipping address-level2",
                    _ => "shipping country-name",
                },
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "shop/checkout.html")]
pub struct CheckoutPage {
    pub ctx: ShopCtx,
    pub product: String,
    pub product_label: String,
    pub version_id: i64,
    pub set_id: Option<i64>,
    pub draft_id: Option<i64>,
    pub idempotency_key: String,
    pub hidden: Vec<(String, String)>,
    pub choices: Vec<(String, String)>,
    pub measurements_note: String,
    pub measurements: Vec<(String, String)>,
    /// (label, value): the sizes worked out from the measurements, in their units too.
    pub sizes: Vec<(String, String)>,
    pub price_lines: Vec<(String, String)>,
    pub total: String,
    pub stores: Vec<Store>,
    pub delivery: Delivery,
    pub form_error: Option<String>,
    /// This checkout's key placed an order already (Back from the order): (its page, its
    /// reference). The page says so instead of offering to place it again.
    pub placed: Option<(String, String)>,
}

fn chosen_labels(p: &Prepared, product: &str, pairs: &[(String, String)], lang: crate::i18n::Lang) -> Vec<(String, String)> {
    let cfg = configurator::configuration(product, &p.cat, pairs, BTreeMap::new());
    configurator::choice_labels(&p.cat, &cfg, lang)
}

#[allow(clippy::too_many_arguments)]
pub async fn render_checkout(ctx: ShopCtx, db: &Db, p: Prepared, product: &str, pairs: &[(String, String)], draft_id: Option<i64>, key: String, delivery: Delivery) -> Result<HttpResponse, AppError> {
    let status = if delivery.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = checkout_page(ctx, db, p, product, pairs, draft_id, key, delivery).await?;
    render::page(status, &page)
}

#[allow(clippy::too_many_arguments)]
async fn checkout_page(ctx: ShopCtx, db: &Db, p: Prepared, product: &str, pairs: &[(String, String)], draft_id: Option<i64>, key: String, delivery: Delivery) -> Result<CheckoutPage, AppError> {
    let lang = ctx.t.lang;
    // A closed store takes no orders: it is not offered for collection.
    let stores: Vec<Store> = db.read(|conn| Ok::<_, StoreError>(stores::list(conn)?)).await?.into_iter().filter(Store::is_open).collect();
    let home = ctx.customer.as_ref().and_then(|c| c.home_store_id);
    // The customer's own store is the one offered first: the first in the list was, and the
    // order was taxed at its rate where the page showed the customer's own.
    let mut delivery = delivery;
    if delivery.store_id.is_empty() {
        delivery.store_id = super::configure::selling_store(&stores, home).map(|s| s.id.to_string()).unwrap_or_default();
    }
    let cfg = configurator::configuration(product, &p.cat, pairs, p.measured.values.clone());
    let tax = selling(&stores, home, &delivery).map_or(p.tax, |s| s.tax_rate_bp);
    let (price_lines, total) = configurator::price_view(&p.cat, &cfg, tax, ctx.t);
    let measurements = Measurement::ALL
        .iter()
        .filter_map(|m| {
            let v = u32::try_from(*p.measured.values.get(m.code())?).ok()?;
            Some((m.name(lang).to_owned(), m.format(v, p.measured.units)))
        })
        .collect();
    let mut delivery = Delivery { kind: if delivery.kind.is_empty() { "store".into() } else { delivery.kind }, ..delivery };
    // The recipient is the customer, unless they say otherwise.
    if let (None, Some(c)) = (delivery.address.get("address_name"), &ctx.customer) {
        delivery.address.insert("address_name", c.name.clone());
    }
    Ok(CheckoutPage {
        product: product.to_owned(),
        product_label: p.cat.product(product).map(|x| x.label.get(lang)).unwrap_or_default(),
        version_id: p.version.id,
        set_id: p.measured.set_id,
        draft_id,
        idempotency_key: key,
        hidden: configurator::option_pairs(pairs),
        choices: chosen_labels(&p, product, pairs, lang),
        measurements_note: p.measured.note,
        measurements,
        sizes: configurator::derived_view(&p.cat, &cfg, ctx.t, p.measured.units),
        price_lines,
        total,
        stores,
        delivery,
        form_error: None,
        placed: None,
        ctx,
    })
}

/// The store an online order is sold by, whose sales tax is in its price: the one it is
/// collected at, or for a delivery the customer's own (the first open one when that is closed).
fn selling<'s>(all: &'s [Store], home: Option<i64>, delivery: &Delivery) -> Option<&'s Store> {
    let collected = if delivery.kind == "store" || delivery.kind.is_empty() { delivery.store_id.parse::<i64>().ok() } else { None };
    collected.and_then(|id| all.iter().find(|s| s.id == id && s.is_open())).or_else(|| super::configure::selling_store(all, home)).or(all.first())
}

/// The order a form's key placed, if any; `key` is replaced by a new one when another
/// customer's order has it (a shared checkout link), or an order of other choices (a link
/// edited by hand), so that it places an order of its own.
pub async fn placed_with(db: &Db, key: &mut String, customer_id: i64, cfg: &crate::domain::catalog::Configuration) -> Result<Option<crate::store::orders::OrderRow>, AppError> {
    let k = key.clone();
    let found = db.read(move |conn| Ok::<_, StoreError>(crate::store::orders::find_by_idempotency_key(conn, &k)?)).await?;
    match found {
        Some(o) if o.customer_id == customer_id && crate::orders::same_choices(&o, cfg) => Ok(Some(o)),
        Some(_) => {
            *key = configurator::new_key();
            Ok(None)
        }
        None => Ok(None),
    }
}

/// The checkout page's address: the configuration in its query, as the configurator's form
/// holds it (a link that shows the same checkout again, however often it is opened).
pub fn checkout_href(product: &str, version: i64, set: Option<i64>, draft: Option<i64>, key: &str, pairs: &[(String, String)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("version", &version.to_string());
    if let Some(s) = set {
        q.append_pair("set", &s.to_string());
    }
    if let Some(d) = draft {
        q.append_pair("draft", &d.to_string());
    }
    q.append_pair("idempotency_key", key);
    for (k, v) in configurator::option_pairs(pairs) {
        q.append_pair(&k, &v);
    }
    format!("/shop/checkout/{product}?{}", q.finish())
}

/// `GET /shop/checkout/{product}?…`: the summary and the delivery form for a configuration
/// (see [`checkout_href`]); one that is no longer valid (a catalog changed since, a link
/// edited by hand) shows the configurator instead, with what to change.
pub async fn show_checkout(page_in: Shopper, db: web::Data<Db>, cache: web::Data<CatalogCache>, path: web::Path<String>, q: web::Query<Vec<(String, String)>>) -> Result<HttpResponse, AppError> {
    let product = path.into_inner();
    let pairs = q.into_inner();
    let p = prepare(&db, &cache, &page_in.customer, &product, field(&pairs, "version").parse().ok(), field(&pairs, "set").parse().ok(), page_in.ctx.t).await?;
    let mut key = configurator::key_from_form(&field(&pairs, "idempotency_key"));
    let draft_id = field(&pairs, "draft").parse::<i64>().ok();
    let cfg = configurator::configuration(&product, &p.cat, &pairs, p.measured.values.clone());
    let placed = placed_with(&db, &mut key, page_in.customer.customer_id, &cfg).await?;
    if let Some(order) = placed {
        let mut page = checkout_page(page_in.ctx, &db, p, &product, &pairs, draft_id, key, Default::default()).await?;
        page.placed = Some((format!("/shop/orders/{}", order.id), order.reference));
        return render::ok(&page);
    }
    if !p.cat.validate(&cfg).is_ok_and(|v| v.valid) {
        let mut again = super::configure::page(page_in.ctx, p, &product, &pairs, &Default::default(), draft_id, key);
        again.form_error = Some(again.ctx.t.t("order-invalid-now"));
        return render::ok(&again);
    }
    render_checkout(page_in.ctx, &db, p, &product, &pairs, draft_id, key, Default::default()).await
}

fn field(pairs: &[(String, String)], k: &str) -> String {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Checks the delivery point: a store that exists, or an address a label can be printed from.
pub fn parse_delivery(pairs: &[(String, String)], stores: &[Store]) -> (Delivery, Option<(serde_json::Value, Option<i64>)>) {
    let address = address::FIELDS.iter().map(|(f, ..)| (*f, field(pairs, f))).collect();
    let mut d = Delivery { kind: field(pairs, "delivery"), store_id: field(pairs, "store"), address, errors: BTreeMap::new() };
    // An address typed under "collect in a store" was silently dropped; say which to use.
    let typed_address = address::FIELDS.iter().filter(|(f, ..)| *f != "address_name").any(|(f, ..)| !field(pairs, f).trim().is_empty());
    let ship = match d.kind.as_str() {
        "store" if typed_address => {
            d.errors.insert("delivery", "delivery-store-and-address");
            None
        }
        "store" => match d.store_id.parse::<i64>().ok().and_then(|id| stores.iter().find(|s| s.id == id && s.is_open())) {
            Some(s) => Some((crate::orders::ship_to_store(s.id, &s.code, &s.name), Some(s.id))),
            None => {
                d.errors.insert("store", "delivery-store-required");
                None
            }
        },
        "address" => match address::parse(|f| field(pairs, f)) {
            Ok(a) => Some((serde_json::json!({ "address": a }), None)),
            Err(e) => {
                d.errors.extend(e);
                None
            }
        },
        _ => {
            d.errors.insert("delivery", "delivery-required");
            None
        }
    };
    (d, ship)
}

/// `POST /shop/orders`: places the order (the engine checks it again); the form's key makes
/// a double click, a reload or a retry return the same order.
pub async fn place_order(
    settings: web::Data<crate::config::Settings>,
    page_in: Shopper,
    db: web::Data<Db>,
    cache: web::Data<CatalogCache>,
    dispatcher: web::Data<Dispatcher>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let customer = page_in.customer.clone();
    let product = field(&pairs, "product");
    let p = prepare(&db, &cache, &customer, &product, field(&pairs, "version").parse().ok(), field(&pairs, "set").parse().ok(), page_in.ctx.t).await?;
    let key = configurator::key_from_form(&field(&pairs, "idempotency_key"));
    let draft_id = field(&pairs, "draft").parse::<i64>().ok();
    let all_stores = db.read(|conn| Ok::<_, StoreError>(stores::list(conn)?)).await?;
    let (delivery, ship) = parse_delivery(&pairs, &all_stores);
    let Some((ship_to, delivery_store)) = ship else {
        return render_checkout(page_in.ctx, &db, p, &product, &pairs, draft_id, key, delivery).await;
    };
    // A checkout opened before its catalog was imported again comes back with the current
    // revision's price to place, rather than placing at a price the catalog no longer has.
    let current = cache.current_compiled(&db).await?.iter().find(|(v, _)| v.catalog_code == p.version.catalog_code).map(|(v, _)| v.id);
    if let Some(now) = current.filter(|id| *id != p.version.id) {
        let t = page_in.ctx.t;
        let p = prepare(&db, &cache, &customer, &product, Some(now), p.measured.set_id, t).await?;
        let revision = p.version.revision;
        let mut again = checkout_page(page_in.ctx, &db, p, &product, &pairs, draft_id, key, delivery).await?;
        again.form_error = Some(t.t1("order-catalog-updated", "revision", revision));
        return render::page(StatusCode::CONFLICT, &again);
    }
    // A closed home store sells nothing: a delivered order then belongs to no store, and is
    // taxed as the shop prices it (the first open store's rate).
    let store_id = delivery_store.or(customer.home_store_id.filter(|h| all_stores.iter().any(|s| s.id == *h && s.is_open())));
    let tax = selling(&all_stores, customer.home_store_id, &delivery).map_or(0, |s| s.tax_rate_bp);
    let cfg = configurator::configuration(&product, &p.cat, &pairs, p.measured.values.clone());
    // The form carries the total the page showed: another store chosen since, with another
    // sales tax, placed the order at a price nobody saw. The page comes back with the new one.
    // One that is no longer valid is said to be, with what to change, not priced.
    let shown = field(&pairs, "checked_total");
    let now = configurator::price_view(&p.cat, &cfg, tax, page_in.ctx.t).1;
    if !shown.is_empty() && now != shown && p.cat.validate(&cfg).is_ok_and(|v| v.valid) {
        let t = page_in.ctx.t;
        let mut again = checkout_page(page_in.ctx, &db, p, &product, &pairs, draft_id, key, delivery).await?;
        again.form_error = Some(t.t2("order-price-changed", ("was", &shown), ("now", &now)));
        return render::page(StatusCode::CONFLICT, &again);
    }
    let req = PlaceOrder {
        customer_id: customer.customer_id,
        customer_reference: customer.reference.clone(),
        store_id,
        configuration: cfg,
        measurement_set_id: p.measured.set_id,
        ship_to,
        idempotency_key: key.clone(),
        staff_id: None,
        tax_rate_bp: tax,
    };
    let cfg_placed = req.configuration.clone();
    match crate::orders::place_once(&db, &p.cat, &p.version, req).await {
        // This checkout's key placed an order of other choices (a link edited by hand, a form
        // kept from before): nothing is placed, and the page says so with a key for a new one.
        Ok(order) if order.customer_id == customer.customer_id && !crate::orders::same_choices(&order, &cfg_placed) => {
            let t = page_in.ctx.t;
            let mut again = checkout_page(page_in.ctx, &db, p, &product, &pairs, draft_id, configurator::new_key(), delivery).await?;
            again.form_error = Some(t.t1("order-key-placed-other", "order", &order.reference));
            render::page(StatusCode::CONFLICT, &again)
        }
        Ok(order) if order.customer_id == customer.customer_id => {
            dispatcher.wake();
            if let Some(id) = draft_id {
                let cid = customer.customer_id;
                db.write(move |conn| Ok::<_, StoreError>(drafts::delete(conn, id, cid)?)).await?;
            }
            tracing::info!(order.id = order.id, "order placed online");
            crate::web::notice::redirect(&format!("/shop/orders/{}", order.id), &format!("placed-{}", order.id), settings.secure_cookies())
        }
        // Someone else's key: never show their order.
        Ok(_) => Err(AppError::NotFound),
        Err(PlaceError::Invalid(_)) => {
            let mut again = super::configure::page(page_in.ctx, p, &product, &pairs, &Default::default(), draft_id, key);
            again.form_error = Some(again.ctx.t.t("order-invalid-now"));
            render::page(StatusCode::UNPROCESSABLE_ENTITY, &again)
        }
        Err(PlaceError::NoFactory(_)) => {
            let t = page_in.ctx.t;
            let mut page = checkout_page(page_in.ctx, &db, p, &product, &pairs, draft_id, key, delivery).await?;
            page.form_error = Some(t.t("shop-order-no-factory"));
            render::page(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(PlaceError::Store(e)) => Err(e.into()),
        Err(e) => Err(AppError::Unexpected(e.into())),
    }
}
