//! The shop's configurator: the product list, the configurator page (options in steps,
//! greyed-out values with reasons, live price and validity, repair, preview, measurements
//! from the profile), its live fragment for our script, drafts and "the same again".

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::catalogs::CatalogCache;
use crate::memo::Memo;
use crate::store::epoch::Topic;
use crate::domain::catalog::{Choice, CompiledCatalog};
use crate::store::catalogs::CatalogVersion;
use crate::store::customers::{self, MeasurementSetRow};
use crate::store::{Db, StoreError, orders as order_store, stores};
use crate::html::Escaped;
use crate::i18n::{Html, Lang, Tr};
use crate::web::configurator::{self, LiveView, PreferredChoice};
use crate::web::csrf::CsrfForm;
use crate::web::error::{AppError, see_other};
use crate::web::render;
use crate::web::staff::{fmt_time, unit_system};
use crate::domain::measurement::UnitSystem;

use super::auth::{Customer, ShopCtx, Shopper, Visitor};

#[derive(Template)]
#[template(path = "shop/products.html")]
pub struct ProductsPage {
    pub ctx: ShopCtx,
    pub products: Arc<[ProductCard]>,
    /// Just signed up: welcomed once, and asked to measure themselves.
    pub welcome: Option<String>,
}

/// A product on the shop's list, worded and escaped once per language and catalog change.
pub struct ProductCard {
    pub code: Escaped,
    pub label: Escaped,
    pub family: &'static str,
    /// "From <price>".
    pub from_price: Html,
}

/// The cards of every product of the current catalogs; "from" is the product's price with
/// nothing chosen, tax included at `tax_bp`, as every total the customer sees next is.
fn product_cards(catalogs: &crate::catalogs::Current, t: Tr, tax_bp: i32) -> Arc<[ProductCard]> {
    catalogs
        .iter()
        .flat_map(|(_, cat)| cat.products().map(move |p| (cat, p)))
        .map(|(cat, p)| {
            let from = configurator::from_price(cat, p, tax_bp);
            ProductCard {
                code: Escaped::new(&p.code),
                label: Escaped::new(&p.label.get(t.lang)),
                family: if p.family == crate::domain::catalog::Family::Bicycle { "bicycle" } else { "apparel" },
                from_price: t.html1("shop-from-price", "price", crate::domain::money::format_amount(from, &p.currency, t.lang)),
            }
        })
        .collect()
}

/// `GET /shop`: the products of both lines.
pub async fn list_products(req: actix_web::HttpRequest, page: Visitor, db: web::Data<Db>, cache: web::Data<CatalogCache>, memo: web::Data<LiveMemo>) -> Result<HttpResponse, AppError> {
    let t = page.ctx.t;
    let all_stores = memo.stores.get_or_load((), || db.read(|conn| Ok::<_, StoreError>(Some(stores::list(conn)?)))).await?.unwrap_or_default();
    let tax = tax_of(&all_stores, page.ctx.customer.as_ref().and_then(|c| c.home_store_id));
    let products = memo
        .products
        .get_or_load((t.lang, tax), || async { Ok::<_, AppError>(Some(product_cards(&cache.current_compiled(&db).await?, t, tax))) })
        .await?
        .unwrap_or_else(|| Arc::from(vec![]));
    // The busiest page of the shop: the notice is read without allocating, and the settings
    // only looked up when there is one to take back.
    let welcomed = |id: i64| crate::web::notice::may_carry(&req, "welcome-") && crate::web::notice::of(&req).and_then(|n| n.strip_prefix("welcome-")).and_then(|n| n.parse::<i64>().ok()) == Some(id);
    let welcome = page.ctx.customer.as_ref().filter(|c| welcomed(c.customer_id)).map(|c| c.name.clone());
    if welcome.is_some() {
        let secure = req.app_data::<web::Data<crate::config::Settings>>().is_some_and(|s| s.secure_cookies());
        return crate::web::notice::taken(render::ok(&ProductsPage { ctx: page.ctx, products, welcome })?, secure);
    }
    render::ok(&ProductsPage { ctx: page.ctx, products, welcome })
}

pub struct SetChoice {
    pub id: i64,
    pub label: String,
    pub chosen: bool,
    /// The note above the choice when this set is used.
    pub note: String,
}

/// The measurement set a configuration uses, as the customer chose it.
pub struct Measured {
    pub set_id: Option<i64>,
    /// The set's unit system: derived values are shown in it too.
    pub units: UnitSystem,
    pub values: BTreeMap<String, i64>,
    pub choices: Vec<SetChoice>,
    pub note: String,
}

/// Where a set was taken, in words: the store, or "measured yourself".
/// "2026-12-06 23:16, Atelier Demo Store · 8 values": when, where (a set staff took without a
/// store of their own is "by our staff", not "by yourself"), and how many values, which tells
/// sets of the same minute apart.
pub fn set_label(s: &MeasurementSetRow, values: usize, stores: &BTreeMap<i64, String>, t: crate::i18n::Tr) -> String {
    let place = match s.store_id.and_then(|id| stores.get(&id)) {
        _ if s.self_measured => t.t("measured-yourself"),
        Some(store) => store.clone(),
        None => t.t("measured-by-staff"),
    };
    let label = t.t2("measurements-from-place", ("date", &fmt_time(&s.taken_at)), ("place", &place));
    format!("{label} · {}", t.t1("measurements-value-count", "count", values))
}

/// A set's label with its number among `count` (the first taken is 1), where there are several:
/// sets taken the same minute read the same.
pub fn numbered(label: String, n: usize, count: usize, t: crate::i18n::Tr) -> String {
    if count > 1 { t.t2("measurements-numbered", ("n", &n), ("set", &label)) } else { label }
}

/// The customer's sets, newest first; `wanted` picks one of them (the latest otherwise).
pub async fn measured(db: &Db, customer_id: i64, wanted: Option<i64>, t: crate::i18n::Tr) -> Result<Measured, AppError> {
    let (sets, all_stores) = db
        .read(move |conn| -> Result<_, StoreError> { Ok((customers::measurement_sets(conn, customer_id)?, stores::list(conn)?)) })
        .await?;
    Ok(measured_from(sets, &all_stores, wanted, t))
}

fn measured_from(sets: Vec<(MeasurementSetRow, Vec<(String, i64)>)>, all_stores: &[stores::Store], wanted: Option<i64>, t: crate::i18n::Tr) -> Measured {
    let store_names: BTreeMap<i64, String> = all_stores.iter().map(|s| (s.id, s.name.clone())).collect();
    let chosen = wanted.filter(|w| sets.iter().any(|(s, _)| s.id == *w)).or_else(|| sets.first().map(|(s, _)| s.id));
    // Sets taken the same minute read the same: each is numbered, the first taken 1.
    let count = sets.len();
    let choices = sets
        .iter()
        .enumerate()
        .map(|(i, (s, v))| {
            let plain = set_label(s, v.len(), &store_names, t);
            let note = t.t1("measurements-profile-note", "set", &plain);
            let label = numbered(plain, count - i, count, t);
            SetChoice { id: s.id, note, label, chosen: Some(s.id) == chosen }
        })
        .collect::<Vec<_>>();
    let note = choices.iter().find(|c| c.chosen).map_or_else(|| t.t("order-no-measurements"), |c| c.note.clone());
    let picked = sets.iter().find(|(s, _)| Some(s.id) == chosen);
    let units = picked.map_or(UnitSystem::Metric, |(s, _)| unit_system(&s.unit_system));
    Measured { set_id: chosen, units, values: picked.map(|(_, v)| v.iter().cloned().collect()).unwrap_or_default(), choices, note }
}

/// The tax of the store the customer belongs to, else of the first store (a shop with one).
pub async fn shop_tax(db: &Db, home_store_id: Option<i64>) -> Result<i32, AppError> {
    let all = db.read(|conn| Ok::<_, StoreError>(stores::list(conn)?)).await?;
    Ok(tax_of(&all, home_store_id))
}

fn tax_of(all: &[stores::Store], home_store_id: Option<i64>) -> i32 {
    selling_store(all, home_store_id).or(all.first()).map(|s| s.tax_rate_bp).unwrap_or(0)
}

/// The store an online order is sold by when it is not collected in one: the customer's own,
/// unless it is closed; then the first open one.
pub fn selling_store(all: &[stores::Store], home_store_id: Option<i64>) -> Option<&stores::Store> {
    home_store_id.and_then(|h| all.iter().find(|s| s.id == h && s.is_open())).or_else(|| all.iter().find(|s| s.is_open()))
}

/// The customer's standing preferences as choices: the learned preferences they (or a fitter)
/// accepted for this product. Shown as coming from the profile.
pub async fn standing_preferences(db: &Db, customer: &Customer, product: &str) -> Result<Vec<PreferredChoice>, AppError> {
    let (id, product) = (customer.customer_id, product.to_owned());
    let learned = db.read(move |conn| crate::learning::defaults_for(conn, id, &product)).await?;
    Ok(learned.into_iter().flat_map(|(option, values)| values.into_iter().map(move |value| PreferredChoice { option: option.clone(), value })).collect())
}

#[derive(Template)]
#[template(path = "shop/configure.html", whitespace = "minimize")]
pub struct ConfigurePage {
    pub ctx: ShopCtx,
    pub product: String,
    pub product_label: String,
    pub version_id: i64,
    pub sets: Vec<SetChoice>,
    pub measurements_note: String,
    /// Measuring yourself from here comes back to these choices (our script keeps it current).
    pub measure_href: String,
    pub draft_id: Option<i64>,
    pub idempotency_key: String,
    pub live: LiveView,
    pub notice: Option<String>,
    pub form_error: Option<String>,
}

/// The live update's answer to our script: the summary column rendered, and the steps'
/// changes as facts ([`configurator::ValueStates`]). Both are HTML, so nothing rendered is
/// escaped a second time to travel inside JSON (serde_json's escaping of the summary was a
/// seventh of the update's instructions).
#[derive(Template)]
#[template(path = "shop/_live_patch.html", whitespace = "minimize")]
pub struct LivePatch<'c> {
    pub ctx: ShopCtx,
    pub live: LiveView,
    pub values: configurator::ValueStates<'c>,
}

/// The catalog version to configure `product` in: the one asked for if it has the product,
/// else the current one that has it.
async fn version_for(db: &Db, cache: &CatalogCache, product: &str, asked: Option<i64>) -> Result<(CatalogVersion, Arc<CompiledCatalog>), AppError> {
    if let Some(id) = asked {
        if let Some(pair) = cache.get(db, id).await?.filter(|(_, c)| c.product(product).is_some()) {
            return Ok(pair);
        }
    }
    cache.current_compiled(db).await?.iter().find(|(_, c)| c.product(product).is_some()).cloned().ok_or(AppError::NotFound)
}

/// The form fields of a placed order's choices, to order "the same again".
fn pairs_of_order(configuration: &str) -> Vec<(String, String)> {
    #[derive(Deserialize)]
    struct Stored {
        #[serde(default)]
        choices: BTreeMap<String, Choice>,
    }
    let Ok(stored) = serde_json::from_str::<Stored>(configuration) else { return vec![] };
    let mut out = vec![];
    for (option, choice) in stored.choices {
        let field = format!("o_{option}");
        match choice {
            Choice::One(v) | Choice::Text(v) => out.push((field, v)),
            Choice::Many(vs) => out.extend(vs.into_iter().map(|v| (field.clone(), v))),
            Choice::Number(n) => out.push((field, n.normalize().to_string())),
        }
    }
    out
}

#[derive(Deserialize)]
pub struct ConfigureQuery {
    #[serde(default)]
    draft: Option<i64>,
    #[serde(default)]
    from_order: Option<i64>,
    #[serde(default)]
    set: Option<i64>,
}

pub struct Prepared {
    pub version: CatalogVersion,
    pub cat: Arc<CompiledCatalog>,
    pub measured: Measured,
    pub tax: i32,
}

/// What the shop's configurator keeps in memory between changes (see [`crate::memo`]): the
/// stores (for the tax) and the values of measurement sets by id for the live update, and the
/// product list in each language.
pub struct LiveMemo {
    stores: Memo<(), Vec<stores::Store>>,
    sets: Memo<i64, customers::SetValues>,
    /// By language and tax rate (the customer's store's, see [`tax_of`]).
    products: Memo<(Lang, i32), Arc<[ProductCard]>>,
}

impl LiveMemo {
    pub fn new(ttl: std::time::Duration) -> Self {
        Self { stores: Memo::new(Topic::Settled, ttl), sets: Memo::new(Topic::Settled, ttl), products: Memo::new(Topic::Settled, ttl) }
    }
}

/// [`prepare`] for the live update, which runs on every change: the form names its set, so
/// the set's values and the tax are all it needs, both usually from memory. A set that is not
/// the customer's goes the long way, which picks their latest instead.
async fn prepare_live(db: &Db, cache: &CatalogCache, memo: &LiveMemo, customer: &Customer, product: &str, version: Option<i64>, set: Option<i64>, t: crate::i18n::Tr) -> Result<Prepared, AppError> {
    let Some(set_id) = set else { return prepare(db, cache, customer, product, version, set, t).await };
    let values = memo
        .sets
        .get_or_load(set_id, || db.read(move |conn| Ok::<_, StoreError>(customers::set_values(conn, set_id)?)))
        .await?
        .filter(|v| v.customer_id == customer.customer_id);
    let Some(set_values) = values else { return prepare(db, cache, customer, product, version, set, t).await };
    let all_stores = memo.stores.get_or_load((), || db.read(|conn| Ok::<_, StoreError>(Some(stores::list(conn)?)))).await?.unwrap_or_default();
    let (version, cat) = version_for(db, cache, product, version).await?;
    let measured = Measured { set_id: Some(set_id), units: unit_system(&set_values.unit_system), values: set_values.values.into_iter().collect(), choices: vec![], note: String::new() };
    Ok(Prepared { version, cat, measured, tax: tax_of(&all_stores, customer.home_store_id) })
}

pub async fn prepare(db: &Db, cache: &CatalogCache, customer: &Customer, product: &str, version: Option<i64>, set: Option<i64>, t: crate::i18n::Tr) -> Result<Prepared, AppError> {
    let (version, cat) = version_for(db, cache, product, version).await?;
    // The measurement sets and the stores (their names, and the tax) in one round trip: the
    // live update runs this on every change.
    let customer_id = customer.customer_id;
    let (sets, all_stores) = db
        .read(move |conn| -> Result<_, StoreError> { Ok((customers::measurement_sets(conn, customer_id)?, stores::list(conn)?)) })
        .await?;
    let measured = measured_from(sets, &all_stores, set, t);
    let tax = tax_of(&all_stores, customer.home_store_id);
    Ok(Prepared { version, cat, measured, tax })
}

#[allow(clippy::too_many_arguments)]
pub fn page(ctx: ShopCtx, p: Prepared, product: &str, pairs: &[(String, String)], from_profile: &BTreeSet<String>, draft_id: Option<i64>, key: String) -> ConfigurePage {
    let cfg = configurator::configuration(product, &p.cat, pairs, p.measured.values.clone());
    let live = configurator::live_view(&p.cat, &cfg, pairs, p.tax, ctx.t, p.measured.units, from_profile);
    ConfigurePage {
        product: product.to_owned(),
        product_label: p.cat.product(product).map(|x| x.label.get(ctx.t.lang)).unwrap_or_default(),
        version_id: p.version.id,
        sets: p.measured.choices,
        measurements_note: p.measured.note,
        measure_href: measure_href(product, pairs, draft_id),
        draft_id,
        idempotency_key: key,
        live,
        notice: None,
        form_error: None,
        ctx,
    }
}

/// Measuring yourself, then back to `product` with the choices made so far (`o_…` in the
/// address): a customer who went to measure came back to an empty product.
fn measure_href(product: &str, pairs: &[(String, String)], draft_id: Option<i64>) -> String {
    let draft = draft_id.map(|d| ("draft".to_owned(), d.to_string()));
    // A draft's page comes back as that draft, with the choices as they are now.
    let chosen: Vec<&(String, String)> = pairs.iter().filter(|(k, v)| k.starts_with("o_") && !v.trim().is_empty()).chain(draft.iter()).collect();
    let back = match serde_urlencoded::to_string(&chosen) {
        Ok(query) if !query.is_empty() => format!("/shop/configure/{product}?{query}"),
        _ => format!("/shop/configure/{product}"),
    };
    format!("/shop/measurements/new?next={}", crate::web::error::urlencode(&back))
}

/// `GET /shop/configure/{product}[?draft=|?from_order=|?set=|?o_…=]`: `o_…` are choices, as the
/// form names them, to start from (where measuring yourself comes back to).
pub async fn configure_form(req: actix_web::HttpRequest, settings: web::Data<crate::config::Settings>, page_in: Shopper, db: web::Data<Db>, cache: web::Data<CatalogCache>, path: web::Path<String>, q: web::Query<ConfigureQuery>) -> Result<HttpResponse, AppError> {
    let product = path.into_inner();
    let customer = page_in.customer.clone();
    let (mut version, mut set, mut draft_id) = (None, q.set, None);
    // Choices in the address (`o_…`, where measuring yourself comes back to) win over the
    // draft's or the order's own.
    let mut typed = web::Query::<Vec<(String, String)>>::from_query(req.query_string()).map(|q| q.into_inner()).unwrap_or_default();
    typed.retain(|(k, _)| k.starts_with("o_"));
    let mut pairs = if let Some(id) = q.draft {
        let d = crate::drafts::load(&db, id, customer.customer_id).await?.filter(|d| d.product_code == product).ok_or(AppError::NotFound)?;
        (version, draft_id) = (Some(d.catalog_version_id), Some(d.id));
        if typed.is_empty() {
            set = set.or(d.measurement_set_id);
            crate::drafts::pairs_of(&d)
        } else {
            // Back from measuring: the new measurements, not the draft's.
            typed
        }
    } else if let Some(id) = q.from_order {
        let order = db.read(move |conn| Ok::<_, StoreError>(order_store::find(conn, id)?)).await?;
        let order = order.filter(|o| o.customer_id == customer.customer_id && o.product_code == product).ok_or(AppError::NotFound)?;
        pairs_of_order(&order.configuration)
    } else {
        typed
    };
    let from_profile = configurator::apply_preferred(&mut pairs, &standing_preferences(&db, &customer, &product).await?);
    let prepared = prepare(&db, &cache, &customer, &product, version, set, page_in.ctx.t).await?;
    let mut shown = page(page_in.ctx, prepared, &product, &pairs, &from_profile, draft_id, configurator::new_key());
    // Just saved (the form redirects here): said once.
    let saved = draft_id.is_some_and(|id| crate::web::notice::is(&req, &format!("draft-{id}")));
    if !saved {
        return render::ok(&shown);
    }
    shown.notice = Some(shown.ctx.t.t("draft-saved"));
    crate::web::notice::taken(render::ok(&shown)?, settings.secure_cookies())
}

fn field(pairs: &[(String, String)], k: &str) -> String {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// `POST /shop/configure/{product}/live`: what a change does to the configurator, for our
/// script (see [`LivePatch`]). `action=repair` applies the engine's repair first.
pub async fn live_fragment(page_in: Shopper, db: web::Data<Db>, cache: web::Data<CatalogCache>, memo: web::Data<LiveMemo>, path: web::Path<String>, CsrfForm(pairs): CsrfForm<Vec<(String, String)>>) -> Result<HttpResponse, AppError> {
    let product = path.into_inner();
    let p = prepare_live(&db, &cache, &memo, &page_in.customer, &product, field(&pairs, "version").parse().ok(), field(&pairs, "set").parse().ok(), page_in.ctx.t).await?;
    let (pairs, cfg) = form_for(&p, &product, pairs);
    let (live, values) = configurator::live_patch(&p.cat, &cfg, &pairs, p.tax, page_in.ctx.t, p.measured.units);
    render::ok(&LivePatch { ctx: page_in.ctx, live, values })
}

/// The form and its configuration, with the repair applied when the form asked for it.
fn form_for(p: &Prepared, product: &str, mut pairs: Vec<(String, String)>) -> (Vec<(String, String)>, crate::domain::catalog::Configuration) {
    if field(&pairs, "action") == "repair" {
        let cfg = configurator::configuration(product, &p.cat, &pairs, p.measured.values.clone());
        pairs = configurator::apply_repair(&p.cat, &cfg, &pairs);
    }
    let cfg = configurator::configuration(product, &p.cat, &pairs, p.measured.values.clone());
    (pairs, cfg)
}

/// `POST /shop/configure/{product}`: without our script, every button comes here: check,
/// repair, save as draft, or go to the checkout.
pub async fn configure(settings: web::Data<crate::config::Settings>, page_in: Shopper, db: web::Data<Db>, cache: web::Data<CatalogCache>, path: web::Path<String>, CsrfForm(pairs): CsrfForm<Vec<(String, String)>>) -> Result<HttpResponse, AppError> {
    let product = path.into_inner();
    let customer = page_in.customer.clone();
    let action = field(&pairs, "action");
    let p = prepare(&db, &cache, &customer, &product, field(&pairs, "version").parse().ok(), field(&pairs, "set").parse().ok(), page_in.ctx.t).await?;
    let (pairs, cfg) = form_for(&p, &product, pairs);
    let draft_id = field(&pairs, "draft").parse::<i64>().ok();
    if action == "draft" {
        let input = crate::drafts::DraftInput {
            customer_id: customer.customer_id,
            version_id: p.version.id,
            product: product.clone(),
            pairs: configurator::option_pairs(&pairs),
            measurement_set_id: p.measured.set_id,
            staff_id: None,
        };
        let id = crate::drafts::save(&db, draft_id, input).await?.ok_or(AppError::NotFound)?;
        // Its own page (a reload sent the form again), said saved once.
        return crate::web::notice::redirect(&format!("/shop/configure/{product}?draft={id}"), &format!("draft-{id}"), settings.secure_cookies());
    }
    // A key that placed an order already is for that order: back on the configurator (Back
    // from the order, then "Change"), the configuration is a new order, with a new key.
    let mut key = configurator::key_from_form(&field(&pairs, "idempotency_key"));
    if super::checkout::placed_with(&db, &mut key, customer.customer_id, &cfg).await?.is_some() {
        key = configurator::new_key();
    }
    if action == "checkout" && p.cat.validate(&cfg).is_ok_and(|v| v.valid) {
        // The checkout is a page of its own, reached by GET: reloading it or coming Back to
        // it after the order asks nothing of the browser (the form's key keeps one order).
        return Ok(see_other(&super::checkout::checkout_href(&product, p.version.id, p.measured.set_id, draft_id, &key, &pairs)));
    }
    let again = page(page_in.ctx, p, &product, &pairs, &BTreeSet::new(), draft_id, key);
    let status = if action == "checkout" && !again.live.valid { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render::page(status, &again)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_orders_stored_choices_become_form_fields_again() {
        let stored = r#"{"choices":{"extras":{"many":["a","b"]},"frame_size":{"one":"s56"},"stem_length":{"number":"100"},"name_decal":{"text":"MEI"}},"measurements":{}}"#;
        let pairs = pairs_of_order(stored);
        assert!(pairs.contains(&("o_frame_size".into(), "s56".into())));
        assert!(pairs.contains(&("o_extras".into(), "a".into())) && pairs.contains(&("o_extras".into(), "b".into())));
        assert!(pairs.contains(&("o_stem_length".into(), "100".into())));
        assert!(pairs.contains(&("o_name_decal".into(), "MEI".into())));
        assert!(pairs_of_order("not json").is_empty());
    }
}
