//! Ordering in the store: the configurator for a customer (validity, greyed-out values with
//! their reason, price, derived values and ship date, all from the engine), placing the
//! order, the order page and the work-order board.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::bridge::Dispatcher;
use crate::catalogs::CatalogCache;
use crate::config::Settings;
use crate::domain::catalog::{CompiledCatalog, Configuration};
use crate::domain::measurement::{Measurement, UnitSystem};
use crate::domain::revision;
use crate::orders::{PlaceError, PlaceOrder, estimate};
use crate::store::catalogs::CatalogVersion;
use crate::store::customers::{self, CustomerRow};
use crate::store::{Db, StoreError, orders as order_store};
use crate::web::auth::{Ctx, StaffPage};
use crate::web::configurator::{self, OptionView, ProductLink, new_key};
use crate::web::csrf::CsrfForm;
use crate::web::error::{AppError, see_other};
use crate::web::{notice, render};

use super::customer_page::fmt_time;
use super::customers::live_customer;

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
    /// The customer's preferences and notes that apply to this order.
    pub customer_notes: Vec<String>,
    pub violations: Vec<String>,
    /// The changes that make the choices fit (keeping the option changed last where it can),
    /// or, with `ruled_out`, that none does.
    pub repair: Vec<String>,
    pub repair_total: String,
    pub ruled_out: bool,
    /// For a form sent back without our script (see [`configurator::changed_last`]).
    pub shown: String,
    pub kept: String,
    pub price_lines: Vec<(String, String)>,
    pub total: String,
    pub derived: Vec<(String, String, String)>,
    pub ship_date: String,
    pub valid: bool,
    pub idempotency_key: String,
    pub form_error: Option<String>,
    pub notice: Option<String>,
    /// Where the choices that were filled in came from, if anywhere.
    pub prefill_note: Option<String>,
    /// The stores to choose from, for a staff member without one (an administrator).
    pub stores: Vec<(i64, String)>,
    /// The store the order is sold by and collected from.
    pub store_id: Option<i64>,
    /// The draft these choices are saved as: Save for later again updates it.
    pub draft_id: Option<i64>,
}

impl ConfigurePage {
    pub fn is_store(&self, id: &i64) -> bool {
        self.store_id == Some(*id)
    }

    /// The draft the form's choices are saved as, carried through every answer to the form.
    fn with_draft(mut self, draft: Option<i64>) -> Self {
        self.draft_id = draft;
        self
    }

    fn sold_by(mut self, s: &SaleStore) -> Self {
        self.stores = s.choices.clone();
        self.store_id = s.chosen.as_ref().map(|s| s.id);
        self
    }
}

#[derive(Deserialize)]
pub struct ConfigureQuery {
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    product: Option<String>,
    /// A saved configuration (the customer's or a colleague's) to continue.
    #[serde(default)]
    draft: Option<i64>,
    /// Start from this earlier order's choices ("the same again").
    #[serde(default)]
    again: Option<i64>,
    /// The store chosen when the draft was saved (a staff member without a store of their own).
    #[serde(default)]
    store: Option<String>,
}

/// Form fields (`o_<option>`) for stored choices.
fn choice_pairs(choices: &BTreeMap<String, crate::domain::catalog::Choice>) -> Vec<(String, String)> {
    use crate::domain::catalog::Choice;
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

/// Accepted learned preferences as preferred choices for the configurator.
fn learned_choices(learned: &BTreeMap<String, BTreeSet<String>>) -> Vec<configurator::PreferredChoice> {
    learned.iter().flat_map(|(o, vs)| vs.iter().map(move |v| configurator::PreferredChoice { option: o.clone(), value: v.clone() })).collect()
}

/// The latest measurement set of the customer, as the engine reads it, when it was taken and
/// in which units (the form adds inches and pounds to what it shows for a customer measured in
/// them, as the shop does).
async fn latest_measurements(db: &Db, customer_id: i64) -> Result<(Option<i64>, BTreeMap<String, i64>, Taken), AppError> {
    let sets = db.read(move |conn| Ok::<_, StoreError>(customers::measurement_sets(conn, customer_id)?)).await?;
    Ok(match sets.into_iter().next() {
        Some((s, values)) => (Some(s.id), values.into_iter().collect(), Taken { at: fmt_time(&s.taken_at), units: super::customer_page::unit_system(&s.unit_system) }),
        None => (None, BTreeMap::new(), Taken { at: String::new(), units: UnitSystem::Metric }),
    })
}

struct Taken {
    at: String,
    units: UnitSystem,
}

/// What the order form says above the choices: which measurements it uses, and the customer's
/// preferences and notes that apply (a one-off wish for this order was only on the customer's
/// page, where the fitter ordering did not see it).
struct FormNotes {
    measurements: String,
    units: UnitSystem,
    customer: Vec<String>,
}

async fn form_notes(db: &Db, customer_id: i64, taken: &Taken, t: crate::i18n::Tr) -> Result<FormNotes, AppError> {
    let (prefs, last_order_at) = db
        .read(move |conn| Ok::<_, StoreError>((customers::preferences(conn, customer_id)?, customers::last_order_at(conn, customer_id)?)))
        .await?;
    let customer = prefs
        .into_iter()
        .filter(|p| p.applies(last_order_at))
        .map(|p| if p.kind == "one_off" { t.t1("order-note-one-off", "text", &p.text) } else { p.text })
        .collect();
    let measurements = if taken.at.is_empty() { t.t("order-no-measurements") } else { t.t1("order-measurements-from", "date", &taken.at) };
    Ok(FormNotes { measurements, units: taken.units, customer })
}

#[allow(clippy::too_many_arguments)]
fn configure_page(ctx: Ctx, c: CustomerRow, v: &CatalogVersion, cat: &Arc<CompiledCatalog>, cfg: &Configuration, pairs: &[(String, String)], note: FormNotes, ship: String, key: String, tax_bp: i32, learned: &BTreeSet<String>) -> ConfigurePage {
    let lang = ctx.t.lang;
    let product = cat.product(&cfg.product);
    let kept = configurator::changed_last(pairs).unwrap_or_default();
    let answer = cat.live_keeping(cfg, configurator::tax_rate(tax_bp), Some(kept.as_str()).filter(|k| !k.is_empty())).ok();
    let (repair, ruled_out) = configurator::repair_words(answer.as_ref().and_then(|a| a.repair.as_ref()), lang);
    let repair_total = answer.as_ref().map(|a| configurator::repair_total(cat, cfg, a.repair.as_ref(), &a.price, tax_bp, ctx.t)).unwrap_or_default();
    let mut errors = configurator::field_errors(cat, cfg, answer.as_ref().map(|a| &a.validation), pairs, ctx.t);
    errors.extend(configurator::choice_errors(cat, cfg, answer.as_ref().map(|a| &a.validation), ctx.t));
    let options = configurator::option_views(cat, cfg, answer.as_ref().map(|a| (&a.availability, a.recommended())), pairs, &errors, lang, learned);
    let (price_lines, total) = answer.as_ref().map(|a| configurator::price_lines(&a.price, ctx.t)).unwrap_or_default();
    let derived = answer.as_ref().map(|a| configurator::derived_lines_of(cat, cfg, a, ctx.t, note.units)).unwrap_or_default();
    let mut violations = answer.as_ref().map(|a| configurator::violation_lines(cat, cfg, &a.validation, Some(&a.availability), pairs, ctx.t)).unwrap_or_default();
    if let Some(a) = &answer {
        configurator::violations_in(&mut violations, cfg, &a.derived, lang, note.units);
    }
    let validation = answer.map(|a| a.validation);
    ConfigurePage {
        c,
        products: vec![],
        version_id: v.id,
        product: cfg.product.clone(),
        product_label: product.map(|p| p.label.get(lang)).unwrap_or_default(),
        options,
        measurements_note: note.measurements,
        customer_notes: note.customer,
        violations,
        repair,
        repair_total,
        ruled_out,
        shown: configurator::shown(cat, cfg),
        kept,
        price_lines,
        total,
        derived,
        ship_date: ship,
        valid: validation.is_some_and(|v| v.valid),
        idempotency_key: key,
        form_error: None,
        notice: None,
        prefill_note: None,
        stores: vec![],
        store_id: None,
        draft_id: None,
        ctx,
    }
}

/// `GET /staff/customers/{id}/orders/new[?version=&product=|?draft=]`: choose a product (or
/// continue a saved draft), then configure.
pub async fn new_order_form(
    req: HttpRequest,
    settings: web::Data<Settings>,
    page: StaffPage,
    db: web::Data<Db>,
    cache: web::Data<CatalogCache>,
    path: web::Path<i64>,
    q: web::Query<ConfigureQuery>,
) -> Result<HttpResponse, AppError> {
    let c = live_customer(&db, path.into_inner()).await?;
    let lang = page.ctx.t.lang;
    let (mut version_id, mut code, mut pairs) = (q.version, q.product.clone(), vec![]);
    if let Some(draft_id) = q.draft {
        let d = crate::drafts::load(&db, draft_id, c.id).await?.ok_or(AppError::NotFound)?;
        (version_id, code, pairs) = (Some(d.catalog_version_id), Some(d.product_code.clone()), crate::drafts::pairs_of(&d));
    }
    let chosen = match version_id.zip(code) {
        Some((vid, code)) => cache.get(&db, vid).await?.filter(|(_, cat)| cat.product(&code).is_some()).map(|(v, cat)| (v, cat, code)),
        None => None,
    };
    let Some((version, cat, code)) = chosen else {
        let catalogs = cache.current_compiled(&db).await?;
        let store = sale_store(&db, &page, &c, None).await?;
        let empty = ConfigurePage {
            ctx: page.ctx, c, products: configurator::product_links(&catalogs, lang, store.tax()), version_id: 0, product: String::new(), product_label: String::new(), options: vec![],
            measurements_note: String::new(), customer_notes: vec![], violations: vec![], repair: vec![], repair_total: String::new(), ruled_out: false, shown: String::new(), kept: String::new(), price_lines: vec![], total: String::new(), derived: vec![],
            ship_date: String::new(), valid: false, idempotency_key: String::new(), form_error: None, notice: None, prefill_note: None,
            stores: vec![], store_id: None, draft_id: None,
        }
        .sold_by(&store);
        return render::ok(&empty);
    };
    let (_, measurements, taken) = latest_measurements(&db, c.id).await?;
    let note = form_notes(&db, c.id, &taken, page.ctx.t).await?;
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
    // A draft or an earlier order decides the choices; otherwise accepted learned preferences
    // fill what is open, visibly marked.
    let mut prefill_note = None;
    let mut from_learned = BTreeSet::new();
    if let Some(o) = &previous {
        pairs = choice_pairs(&crate::learning::past_order(&o.product_code, &o.configuration).choices);
        prefill_note = Some(page.ctx.t.t1("order-prefilled-again", "order", &o.reference));
    } else if q.draft.is_none() && !learned.is_empty() {
        from_learned = configurator::apply_preferred(&mut pairs, &learned_choices(&learned));
        prefill_note = (!from_learned.is_empty()).then(|| page.ctx.t.t("order-prefilled-learned"));
    }
    let cfg = configurator::configuration(&code, &cat, &pairs, measurements);
    let (cat2, cfg2) = (cat.clone(), cfg.clone());
    let ship = db.read(move |conn| Ok::<_, StoreError>(estimate(conn, &cat2, &cfg2)?)).await?.map(|d| d.to_string()).unwrap_or_default();
    let store = sale_store(&db, &page, &c, q.store.as_deref()).await?;
    let mut form = configure_page(page.ctx, c, &version, &cat, &cfg, &pairs, note, ship, new_key(), store.tax(), &from_learned).sold_by(&store);
    form.prefill_note = prefill_note;
    form.draft_id = q.draft;
    // Just saved (Save for later goes back to the form with the draft): said once.
    let saved = q.draft.is_some_and(|d| notice::is(&req, &format!("draft-saved-{d}")));
    if saved {
        form.notice = Some(form.ctx.t.t("draft-saved-store"));
        form.prefill_note = None;
        return crate::web::notice::taken(render::ok(&form)?, settings.secure_cookies());
    }
    render::ok(&form)
}

/// The store an order taken by staff is sold by, taxed as and collected from.
struct SaleStore {
    chosen: Option<crate::store::stores::Store>,
    /// For a staff member without a store: every store, to choose from.
    choices: Vec<(i64, String)>,
}

impl SaleStore {
    fn tax(&self) -> i32 {
        self.chosen.as_ref().map(|s| s.tax_rate_bp).unwrap_or(0)
    }
}

/// The staff member's own store; an administrator (who belongs to none) chooses one on the
/// form (`chosen`), the customer's home store first. Without a store, an administrator's
/// order went out untaxed, and its work order told the factory nowhere to send it. `chosen`
/// is the form's field, `None` on a new form; a field left at "–" is no store, not the home
/// store (the order was placed there while the form showed none).
async fn sale_store(db: &Db, page: &StaffPage, c: &CustomerRow, chosen: Option<&str>) -> Result<SaleStore, AppError> {
    if let Some(id) = page.staff.store_id {
        let own = db.read(move |conn| Ok::<_, StoreError>(crate::store::stores::find(conn, id)?)).await?;
        return Ok(SaleStore { chosen: own, choices: vec![] });
    }
    // A closed store sells nothing: an administrator chooses among the open ones.
    let stores: Vec<_> = db.read(|conn| Ok::<_, StoreError>(crate::store::stores::list(conn)?)).await?.into_iter().filter(|s| s.is_open()).collect();
    let id = match chosen {
        None => c.home_store_id,
        Some(field) => field.trim().parse::<i64>().ok(),
    };
    let chosen = id.and_then(|id| stores.iter().find(|s| s.id == id).cloned());
    Ok(SaleStore { chosen, choices: stores.into_iter().map(|s| (s.id, s.name)).collect() })
}

/// `POST /staff/customers/{id}/orders`: `action=check` shows the engine's answer for the
/// choices; `action=draft` saves them for the customer to continue online; `action=place`
/// places the order (idempotent by the form's key).
pub async fn place_order(
    settings: web::Data<Settings>,
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
    // A page opened before its catalog was imported again is checked, priced and placed with
    // the catalog as it is now (it placed at the old price without a word), and says so.
    let now_current = cache.current_compiled(&db).await?.iter().find(|(v, _)| v.catalog_code == version.catalog_code).cloned();
    let (version, cat, updated) = match now_current {
        Some((v, c)) if v.id != version.id => (v, c, true),
        _ => (version, cat, false),
    };
    let version_id = version.id;
    let code = get("product");
    if cat.product(&code).is_none() {
        return Err(AppError::NotFound);
    }
    let (set_id, measurements, taken) = latest_measurements(&db, c.id).await?;
    let note = form_notes(&db, c.id, &taken, page.ctx.t).await?;
    // "Apply the proposed change": the form as the repair leaves it, then checked.
    let (pairs, cfg) = if get("action") == "repair" {
        let asked = configurator::configuration(&code, &cat, &pairs, measurements.clone());
        let repaired = configurator::apply_repair(&cat, &asked, &pairs);
        let cfg = configurator::configuration(&code, &cat, &repaired, measurements);
        (repaired, cfg)
    } else {
        let cfg = configurator::configuration(&code, &cat, &pairs, measurements);
        (pairs.clone(), cfg)
    };
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let store = sale_store(&db, &page, &c, pairs.iter().find(|(n, _)| n == "store").map(|(_, v)| v.as_str())).await?;
    let tax = store.tax();
    let key = configurator::key_from_form(&get("idempotency_key"));
    // Options whose choice is an accepted learned preference keep their mark.
    let (customer_id, code2) = (c.id, code.clone());
    let learned = db.read(move |conn| crate::learning::defaults_for(conn, customer_id, &code2)).await?;
    let learned: BTreeSet<String> = learned
        .into_iter()
        .filter(|(o, values)| match cfg.choices.get(o) {
            Some(crate::domain::catalog::Choice::One(v)) => values.contains(v),
            Some(crate::domain::catalog::Choice::Many(vs)) => vs.iter().any(|v| values.contains(v)),
            _ => false,
        })
        .map(|(o, _)| o)
        .collect();
    if get("action") == "draft" {
        let draft = crate::drafts::DraftInput { customer_id: c.id, version_id, product: code.clone(), pairs: configurator::option_pairs(&pairs), measurement_set_id: set_id, staff_id: Some(page.staff.id) };
        // Back to the form with the draft (and the store chosen), said once: answered here, a
        // reload saved it again. Saved again from there, the same draft is updated.
        let again_id = get("draft").parse::<i64>().ok();
        if let Some(draft) = crate::drafts::save(&db, again_id, draft).await? {
            let store = match (&page.staff.store_id, &store.chosen) {
                (None, Some(s)) => format!("&store={}", s.id),
                _ => String::new(),
            };
            return crate::web::notice::redirect(&format!("/staff/customers/{}/orders/new?draft={draft}{store}", c.id), &format!("draft-saved-{draft}"), settings.secure_cookies());
        }
        let mut again = configure_page(page.ctx, c, &version, &cat, &cfg, &pairs, note, String::new(), key, tax, &learned).sold_by(&store).with_draft(get("draft").parse().ok());
        again.notice = Some(again.ctx.t.t("draft-saved-store"));
        return render::ok(&again);
    }
    if updated {
        let mut again = configure_page(page.ctx, c, &version, &cat, &cfg, &pairs, note, String::new(), key, tax, &learned).sold_by(&store).with_draft(get("draft").parse().ok());
        again.form_error = Some(again.ctx.t.t1("order-catalog-updated", "revision", version.revision));
        let status = if get("action") == "place" { StatusCode::CONFLICT } else { StatusCode::OK };
        return render::page(status, &again);
    }
    if get("action") == "place" {
        let Some(sold_by) = store.chosen.clone() else {
            let mut again = configure_page(page.ctx, c, &version, &cat, &cfg, &pairs, note, String::new(), key, tax, &learned).sold_by(&store).with_draft(get("draft").parse().ok());
            again.form_error = Some(again.ctx.t.t("order-store-required"));
            return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
        };
        // The form carries the total its Check showed: a choice or the store changed after it
        // would place the order at a price nobody saw. The page comes back with the new one.
        // A form without it (not one this page made) has shown no price: checked first.
        // A configuration that is not valid is said to be, with what to change, not priced.
        let shown = get("checked_total");
        let live = cat.live(&cfg, configurator::tax_rate(tax)).ok();
        let valid = live.as_ref().is_some_and(|a| a.validation.valid);
        let now = live.map(|a| configurator::price_lines(&a.price, page.ctx.t).1).unwrap_or_default();
        if valid && now != shown {
            let mut again = configure_page(page.ctx, c, &version, &cat, &cfg, &pairs, note, String::new(), key, tax, &learned).sold_by(&store).with_draft(get("draft").parse().ok());
            again.form_error = Some(if shown.is_empty() { again.ctx.t.t("order-check-first") } else { again.ctx.t.t2("order-price-changed", ("was", &shown), ("now", &now)) });
            return render::page(StatusCode::CONFLICT, &again);
        }
        let req = PlaceOrder {
            customer_id: c.id,
            customer_reference: c.reference.clone(),
            store_id: Some(sold_by.id),
            configuration: cfg.clone(),
            measurement_set_id: set_id,
            ship_to: crate::orders::ship_to_store(sold_by.id, &sold_by.code, &sold_by.name),
            idempotency_key: key.clone(),
            staff_id: Some(page.staff.id),
            tax_rate_bp: tax,
        };
        match crate::orders::place_once(&db, &cat, &version, req).await {
            // The form placed an order before with other choices (Back from it, a colour
            // changed), or for another customer: nothing is placed, and the form says so with a
            // key for a new order. It answered with the earlier order as if these were placed.
            Ok(order) if order.customer_id != c.id || !crate::orders::same_choices(&order, &cfg) => {
                let mut again = configure_page(page.ctx, c, &version, &cat, &cfg, &pairs, note, String::new(), configurator::new_key(), tax, &learned).sold_by(&store).with_draft(get("draft").parse().ok());
                again.form_error = Some(again.ctx.t.t1("order-key-placed-other", "order", &order.reference));
                return render::page(StatusCode::CONFLICT, &again);
            }
            Ok(order) => {
                dispatcher.wake();
                tracing::info!(order.id = order.id, "order placed");
                // The draft it was placed from is done: left, it was placed a second time.
                if let Some(draft) = get("draft").parse::<i64>().ok() {
                    let customer_id = c.id;
                    db.write(move |conn| Ok::<_, StoreError>(crate::store::drafts::delete(conn, draft, customer_id)?)).await?;
                }
                return crate::web::notice::redirect(&format!("/staff/orders/{}", order.id), &format!("placed-{}", order.id), settings.secure_cookies());
            }
            Err(PlaceError::Store(e)) => return Err(e.into()),
            Err(PlaceError::NoFactory(_)) => {
                let mut again = configure_page(page.ctx, c, &version, &cat, &cfg, &pairs, note, String::new(), key, tax, &learned).sold_by(&store).with_draft(get("draft").parse().ok());
                again.form_error = Some(again.ctx.t.t("order-no-factory"));
                return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
            }
            Err(_) => {} // shown below with the engine's explanations
        }
    }
    let (cat2, cfg2) = (cat.clone(), cfg.clone());
    let ship = db.read(move |conn| Ok::<_, StoreError>(estimate(conn, &cat2, &cfg2)?)).await?.map(|d| d.to_string()).unwrap_or_default();
    let mut again = configure_page(page.ctx, c, &version, &cat, &cfg, &pairs, note, ship, key, tax, &learned).sold_by(&store).with_draft(get("draft").parse().ok());
    if store.chosen.is_none() {
        // No store, no tax: a price at 0 % would be a price nobody pays, and Place would only
        // ask for the store then.
        again.form_error = Some(again.ctx.t.t("order-store-required"));
        again.price_lines.clear();
        again.total.clear();
    }
    let status = if again.valid || get("action") != "place" { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    if status == StatusCode::UNPROCESSABLE_ENTITY && again.form_error.is_none() {
        again.form_error = Some(again.ctx.t.t("order-invalid-now"));
    }
    render::page(status, &again)
}

pub struct WorkOrderView {
    pub id: i64,
    pub revision: i32,
    pub factory: String,
    pub status: String,
    pub due_date: String,
    pub attention: Option<String>,
    pub tracking: Option<String>,
    /// When, from, to, who, and what they said (a factory's note or reason for a rejection).
    pub events: Vec<(String, String, String, String, String)>,
    pub deliveries: Vec<(String, String)>,
}

/// Where an order collected in a store is collected, and where else it may be.
pub struct Collection {
    /// The store it is collected at; `None` when it is delivered.
    pub at: Option<i64>,
    /// The open stores it may be collected at instead (empty once anything has shipped).
    pub stores: Vec<(i64, String)>,
    /// A move refused at its form: the store chosen, still chosen, and why.
    pub tried: Option<(i64, String)>,
}

impl Collection {
    pub fn chosen(&self, id: &i64) -> bool {
        match &self.tried {
            Some((tried, _)) => tried == id,
            None => self.at == Some(*id),
        }
    }

    pub fn error(&self) -> Option<&str> {
        self.tried.as_ref().map(|(_, why)| why.as_str())
    }
}

#[derive(Template)]
#[template(path = "staff/order.html")]
pub struct OrderPage {
    pub ctx: Ctx,
    pub error: Option<String>,
    /// What was just done (a revision), said once after the redirect.
    pub notice: Option<String>,
    pub order: order_store::OrderRow,
    /// The product, its choices, price and delivery as ordered.
    pub words: crate::web::order_view::OrderWords,
    /// The reader may cancel or revise it (staff of its store, or an administrator); others
    /// see it, and may log feedback on it, as on its customer's timeline.
    pub may_act: bool,
    pub customer: CustomerRow,
    pub total: String,
    pub work_orders: Vec<WorkOrderView>,
    /// The customer's measurement sets (id, when and where taken), newest first.
    pub measurement_sets: Vec<(i64, String)>,
    pub violations: Vec<String>,
    /// A revision refused at its form: the set that was chosen (still chosen when the page
    /// comes back) and why, said at the field.
    pub revise_tried: Option<(i64, String)>,
    /// Where the set refused rules out a choice: the changes that make the order fit it.
    pub revise_repair: Option<RevisionRepair>,
    pub collection: Collection,
    pub contacts: Vec<super::order_feedback::OrderContactView>,
    pub feedback_form: super::order_feedback::OrderContactForm,
    /// A complaint resolved from this page without a resolution: (complaint, message id).
    pub resolve_error: Option<(i64, &'static str)>,
}

impl OrderPage {
    /// Why complaint `id` was not resolved, when it was sent without a resolution.
    pub fn resolve_error_for(&self, id: &i64) -> Option<&'static str> {
        self.resolve_error.filter(|(c, _)| c == id).map(|(_, key)| key)
    }

    /// Whether set `id` is the one the revision form shows chosen: the one just tried, or the
    /// newest (a revision follows a re-measurement; the set in use was chosen, and sending it
    /// changed nothing).
    pub fn set_chosen(&self, id: &i64) -> bool {
        match &self.revise_tried {
            Some((tried, _)) => tried == id,
            None => self.measurement_sets.first().is_some_and(|(newest, _)| newest == id),
        }
    }

    /// The set a refused revision tried.
    pub fn tried_set(&self) -> Option<i64> {
        self.revise_tried.as_ref().map(|(set, _)| *set)
    }

    pub fn revise_error(&self) -> Option<&str> {
        self.revise_tried.as_ref().map(|(_, why)| why.as_str())
    }
}

/// `GET /staff/orders/{id}`
pub async fn show_order(req: HttpRequest, settings: web::Data<Settings>, page: StaffPage, db: web::Data<Db>, cache: web::Data<CatalogCache>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let mut shown = order_page(page, &db, &cache, id, None).await?;
    // Just placed, revised, moved or cancelled (their forms redirect here): said once.
    let key = if notice::is(&req, &format!("placed-{id}")) {
        "order-placed-notice"
    } else if notice::is(&req, &format!("revised-{id}")) {
        "order-revised-notice"
    } else if notice::is(&req, &format!("collection-{id}")) {
        "order-collection-notice"
    } else if notice::is(&req, &format!("cancelled-{id}")) {
        "order-cancelled-notice"
    } else {
        return render::ok(&shown);
    };
    shown.notice = Some(shown.ctx.t.t(key));
    crate::web::notice::taken(render::ok(&shown)?, settings.secure_cookies())
}

/// `POST /staff/orders/{id}/cancel`: before production only; afterwards the page says why not.
pub async fn cancel_order(
    settings: web::Data<Settings>,
    page: StaffPage,
    db: web::Data<Db>,
    cache: web::Data<CatalogCache>,
    dispatcher: web::Data<Dispatcher>,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    order_to_act_on(&db, &page, id).await?;
    let staff_id = page.staff.id;
    match db.write(move |conn| crate::orders::cancel(conn, id, staff_id)).await {
        // The page it goes back to says it was done, once (it said nothing).
        Ok(()) => {
            dispatcher.wake();
            crate::web::notice::redirect(&format!("/staff/orders/{id}"), &format!("cancelled-{id}"), settings.secure_cookies())
        }
        Err(crate::orders::UpdateError::Illegal(_)) => {
            let t = page.ctx.t;
            let again = order_page(page, &db, &cache, id, Some(t.t("order-cancel-refused"))).await?;
            render::page(StatusCode::CONFLICT, &again)
        }
        Err(crate::orders::UpdateError::NotFound) => Err(AppError::NotFound),
        Err(crate::orders::UpdateError::Store(e)) => Err(e.into()),
        // Staff do not date what they do: this comes from a factory's clock only.
        Err(e @ crate::orders::UpdateError::BeforeWorkOrder { .. }) => Err(anyhow::Error::from(e).into()),
    }
}

pub(super) async fn order_page(page: StaffPage, db: &Db, cache: &CatalogCache, id: i64, error: Option<String>) -> Result<OrderPage, AppError> {
    let loaded = db
        .read(move |conn| -> Result<_, StoreError> {
            let Some(order) = order_store::find(conn, id)? else { return Ok(None) };
            let customer = customers::find(conn, order.customer_id)?;
            let factories: BTreeMap<i64, String> = crate::store::factories::list(conn)?.into_iter().map(|f| (f.id, f.name)).collect();
            let staff_names = crate::store::staff::names(conn)?;
            let mut wos = vec![];
            for wo in order_store::work_orders_of_order(conn, id)? {
                let events = order_store::events(conn, wo.id)?;
                let deliveries = crate::store::outbox::for_work_order(conn, wo.id)?;
                wos.push((wo, events, deliveries));
            }
            let sets = customers::measurement_sets(conn, order.customer_id)?;
            let contacts = crate::learning::order_contacts(conn, id)?;
            let open_stores: Vec<(i64, String)> = crate::store::stores::list(conn)?.into_iter().filter(|s| s.is_open()).map(|s| (s.id, s.name)).collect();
            Ok(Some((order, customer, factories, staff_names, wos, sets, contacts, open_stores)))
        })
        .await?;
    let Some((order, Some(customer), factories, staff_names, wos, sets, contacts, open_stores)) = loaded else { return Err(AppError::NotFound) };
    // Collected in a store, and nothing shipped, rejected or cancelled yet: it may be
    // collected in another (its own closed, or the customer moved).
    let collected_at = serde_json::from_str::<serde_json::Value>(&order.ship_to).ok().and_then(|s| s.get("store")?.as_i64());
    let movable = collected_at.is_some() && wos.iter().all(|(wo, _, _)| !matches!(crate::domain::work_order::Status::parse(&wo.status), Some(crate::domain::work_order::Status::Shipped | crate::domain::work_order::Status::Rejected | crate::domain::work_order::Status::Cancelled)));
    let collection = Collection { at: collected_at, stores: if movable { open_stores } else { vec![] }, tried: None };
    // Sizes in inches and pounds too for a customer measured in them, as the order form showed.
    let units = sets.iter().find(|(s, _)| order.measurement_set_id == Some(s.id)).map_or(UnitSystem::Metric, |(s, _)| super::customer_page::unit_system(&s.unit_system));
    let measurement_sets = set_labels(&order, sets, page.ctx.t);
    // Customers belong to the chain, so their orders are readable from every store, as the
    // timeline that links here is; acting on them is what the roles restrict.
    let (t, lang) = (page.ctx.t, page.ctx.t.lang);
    let may_act = may_act_on(db, &page.staff, &order).await?;
    let total = crate::domain::money::format_minor(order.total_minor, &order.currency, lang);
    let words = crate::web::order_view::words(db, cache, &order, t, units).await?;
    let work_orders = wos
        .into_iter()
        .map(|(wo, events, deliveries)| WorkOrderView {
            id: wo.id,
            revision: wo.revision,
            factory: factories.get(&wo.factory_id).cloned().unwrap_or_default(),
            status: wo.status,
            due_date: wo.due_date,
            attention: wo.attention,
            tracking: wo.tracking_number,
            events: events
                .into_iter()
                .map(|e| {
                    let (who, what) = event_words(&e.actor, &e.note, &staff_names, &factories, &words, t);
                    // A revision keeps the status: "queued → queued" said nothing.
                    let from = e.from_status.filter(|f| *f != e.to_status).unwrap_or_default();
                    (fmt_time(&e.at), from, e.to_status, who, what)
                })
                .collect(),
            deliveries: deliveries
                .into_iter()
                .map(|d| {
                    let state = match (d.delivered_at, d.gave_up_at) {
                        (Some(at), _) => t.t1("push-delivered", "date", fmt_time(&at)),
                        (_, Some(_)) => t.t1("push-gave-up", "attempts", d.attempts),
                        _ => t.t1("push-pending", "attempts", d.attempts),
                    };
                    (d.event_type, state)
                })
                .collect(),
        })
        .collect();
    let contacts = contacts.into_iter().map(super::order_feedback::OrderContactView::from).collect();
    Ok(OrderPage { ctx: page.ctx, error, notice: None, order, words, may_act, customer, total, work_orders, measurement_sets, violations: vec![], revise_tried: None, revise_repair: None, collection, contacts, feedback_form: Default::default(), resolve_error: None })
}

/// The customer's sets as the revision form lists them: when, which, and what sets each apart
/// from the measurements the order uses ("Inside leg 64.0 cm"), or that it is the one in use.
/// Sets taken the same minute read alike by time alone.
fn set_labels(order: &order_store::OrderRow, sets: Vec<(customers::MeasurementSetRow, Vec<(String, i64)>)>, t: crate::i18n::Tr) -> Vec<(i64, String)> {
    let used: BTreeMap<String, i64> = serde_json::from_str::<serde_json::Value>(&order.configuration).ok().and_then(|c| serde_json::from_value(c["measurements"].clone()).ok()).unwrap_or_default();
    sets.into_iter()
        .map(|(s, values)| {
            let head = format!("{} · #{}", fmt_time(&s.taken_at), s.id);
            let apart = if order.measurement_set_id == Some(s.id) {
                t.t("order-set-in-use")
            } else {
                let differ: Vec<String> = values
                    .iter()
                    .filter(|(code, v)| used.get(code) != Some(v))
                    .filter_map(|(code, v)| {
                        let m = Measurement::from_code(code)?;
                        let unit = UnitSystem::Metric.unit_for(m);
                        Some(format!("{} {} {}", m.name(t.lang), unit.format(u32::try_from(*v).ok()?), unit.symbol()))
                    })
                    .collect();
                match differ.len() {
                    0 => t.t("order-set-same-values"),
                    1..=3 => differ.join(t.clause_separator()),
                    n => format!("{}{}{}", differ[..3].join(t.clause_separator()), t.clause_separator(), t.t1("order-set-more-differ", "n", n - 3)),
                }
            };
            (s.id, format!("{head} · {apart}"))
        })
        .collect()
}

/// Who made a work-order event and what it says, as staff read them: the events store who as
/// `staff:ID`, `factory:ID`, `order` or `dispatcher`, and the notes Atelier writes itself as
/// fixed words, which are translated here; a factory's own note is shown as it wrote it.
/// `names`: the order's words, named from the catalog revision the order was made from.
fn event_words(actor: &str, note: &str, staff: &BTreeMap<i64, String>, factories: &BTreeMap<i64, String>, names: &crate::web::order_view::OrderWords, t: crate::i18n::Tr) -> (String, String) {
    let id = |prefix: &str| actor.strip_prefix(prefix).and_then(|i| i.parse::<i64>().ok());
    let who = if let Some(s) = id("staff:") {
        staff.get(&s).cloned().unwrap_or_else(|| t.t("event-by-staff"))
    } else if let Some(f) = id("factory:") {
        factories.get(&f).cloned().unwrap_or_else(|| t.t("event-by-factory"))
    } else if actor == "dispatcher" {
        t.t("event-by-dispatcher")
    } else if actor == "order" {
        String::new()
    } else {
        actor.to_owned()
    };
    let what = match (actor.split(':').next().unwrap_or_default(), note) {
        ("order", "placed") => t.t("event-placed"),
        ("staff", "order cancelled") => t.t("event-cancelled"),
        ("factory", "acknowledged") => t.t("event-acknowledged"),
        ("factory", n) if n.strip_prefix("acknowledged revision ").is_some_and(|r| r.parse::<i32>().is_ok()) => t.t1("event-acknowledged-revision", "n", n.rsplit(' ').next().unwrap_or_default()),
        ("dispatcher", "work_order.created") => t.t("event-pushed"),
        ("staff", n) if revision::read(n).is_some() => revision_words(n, names, t),
        _ => note.to_owned(),
    };
    (who, what)
}

/// "revision 2: Chest girth 104.0 → 108.0 cm; Size L → XL; Frame size 56 cm → 54 cm": what the
/// revision changed, in the staff member's language, measurements in centimetres and
/// kilograms as the forms show them.
fn revision_words(note: &str, names: &crate::web::order_view::OrderWords, t: crate::i18n::Tr) -> String {
    let Some((n, changes)) = revision::read(note) else { return note.to_owned() };
    let head = t.t1("event-revision", "n", n);
    if changes.is_empty() {
        return head;
    }
    // A value and its unit, the unit said once after both values: "105.6 → 108.0 cm".
    // Measurements are kept in mm or g and shown in cm or kg; derived values as kept.
    let value = |v: &Option<String>, unit: Option<crate::domain::measurement::Unit>| match (v.as_deref(), unit) {
        (Some(v), Some(u)) => v.parse::<u32>().map_or_else(|_| v.to_owned(), |n| u.format(n)),
        (Some(v), None) => v.to_owned(),
        (None, _) => "—".to_owned(),
    };
    let said: Vec<String> = changes
        .iter()
        .map(|c| {
            let (name, unit, symbol) = match c.kind {
                revision::Kind::Measurement => match Measurement::from_code(&c.code) {
                    Some(m) => {
                        let unit = UnitSystem::Metric.unit_for(m);
                        (m.name(t.lang).to_owned(), Some(unit), Some(unit.symbol().to_owned()))
                    }
                    None => (c.code.clone(), None, None),
                },
                revision::Kind::Derived => {
                    let (name, symbol) = names.derived.get(&c.code).cloned().unwrap_or_else(|| (c.code.clone(), None));
                    (name, None, symbol)
                }
                revision::Kind::Collection => (t.t("event-collected-at"), None, None),
                // Values by their labels ("56 cm → 54 cm"), several joined as chosen.
                revision::Kind::Choice => {
                    let Some((name, values, unit)) = names.options.get(&c.code) else { return format!("{} {} → {}", c.code, value(&c.from, None), value(&c.to, None)) };
                    let label = |v: &Option<String>| v.as_deref().map_or("—".to_owned(), |v| v.split(',').map(|x| values.get(x).cloned().unwrap_or_else(|| x.to_owned())).collect::<Vec<_>>().join(", "));
                    let symbol = unit.as_deref().map(|u| format!(" {}", if t.lang == crate::domain::lang::Lang::ZhCn { crate::domain::catalog::unit_zh(u) } else { u })).unwrap_or_default();
                    return format!("{name} {} → {}{symbol}", label(&c.from), label(&c.to));
                }
            };
            let symbol = symbol.map(|u| format!(" {u}")).unwrap_or_default();
            format!("{name} {} → {}{symbol}", value(&c.from, unit), value(&c.to, unit))
        })
        .collect();
    format!("{head}{}{}", t.colon(), said.join(t.clause_separator()))
}

/// The order, for a staff member who may act on it (see [`may_act_on`]).
async fn order_to_act_on(db: &Db, page: &StaffPage, id: i64) -> Result<order_store::OrderRow, AppError> {
    let order = db.read(move |conn| Ok::<_, StoreError>(order_store::find(conn, id)?)).await?.ok_or(AppError::NotFound)?;
    if !may_act_on(db, &page.staff, &order).await? {
        return Err(AppError::Forbidden);
    }
    Ok(order)
}

/// Whether `staff` may act on `order`: the people of its store, an administrator, or, once its
/// store is closed, the people of the store its customer belongs to now (any store's, for a
/// customer of none: one who orders online). Closing a store disables its people: its open
/// orders were left to the administrators alone, though the store's page told the staff to
/// move each.
async fn may_act_on(db: &Db, staff: &crate::web::auth::Staff, order: &order_store::OrderRow) -> Result<bool, AppError> {
    let Some(store) = order.store_id else { return Ok(true) };
    if staff.require_store(store).is_ok() {
        return Ok(true);
    }
    let customer_id = order.customer_id;
    let closed_for = db
        .read(move |conn| -> Result<_, StoreError> {
            let closed = crate::store::stores::find(conn, store)?.is_some_and(|s| !s.is_open());
            Ok(if closed { Some(customers::find(conn, customer_id)?.and_then(|c| c.home_store_id)) } else { None })
        })
        .await?;
    Ok(match closed_for {
        None => false,
        Some(Some(home)) => home != store && staff.require_store(home).is_ok(),
        Some(None) => true,
    })
}

#[derive(serde::Deserialize)]
pub struct ReviseForm {
    measurement_set: i64,
    /// The changes of choices proposed with the set, as [`RevisionRepair::proposal`] wrote
    /// them: applied only while the engine still proposes exactly these.
    #[serde(default)]
    changes: Option<String>,
}

/// Choices that make an order fit a measurement set it does not fit, offered with the set.
pub struct RevisionRepair {
    /// "Change Frame size from 56 cm to 54 cm.", each.
    pub changes: Vec<String>,
    /// The changes as the form sends them back, so that what is applied is what was read.
    pub proposal: String,
    /// Why they cannot be made to this order (they change the price), if so.
    pub refused: Option<String>,
}

/// The engine's repair of the order with `measurements`: (option, new choice) each, and their
/// text for the form. `None` where no change of choices makes it fit.
fn choice_changes(cat: &CompiledCatalog, order: &order_store::OrderRow, measurements: &BTreeMap<String, i64>) -> Option<(Vec<crate::domain::catalog::Change>, String)> {
    let cfg = Configuration { measurements: measurements.clone(), ..crate::orders::stored_configuration(order).ok()? };
    let crate::domain::catalog::Repair::Changes { changes, .. } = cat.repair(&cfg).ok()? else { return None };
    let proposal = serde_json::to_string(&changes.iter().map(|c| (&c.option, &c.to)).collect::<Vec<_>>()).ok()?;
    Some((changes, proposal))
}

/// `POST /staff/orders/{id}/revise`: the order with another measurement set (after a
/// re-measurement), before production only; its factories get `work_order.updated`.
pub async fn revise_order(
    settings: web::Data<Settings>,
    page: StaffPage,
    db: web::Data<Db>,
    cache: web::Data<CatalogCache>,
    dispatcher: web::Data<Dispatcher>,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<ReviseForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let order = order_to_act_on(&db, &page, id).await?;
    let (customer_id, set_id) = (order.customer_id, form.measurement_set);
    let sets = db.read(move |conn| Ok::<_, StoreError>(customers::measurement_sets(conn, customer_id)?)).await?;
    // Only one of this customer's own sets.
    let (_, values) = sets.into_iter().find(|(s, _)| s.id == set_id).ok_or(AppError::NotFound)?;
    let (version, cat) = cache.get(&db, order.catalog_version_id).await?.ok_or(AppError::NotFound)?;
    let staff_id = page.staff.id;
    let measurements: BTreeMap<String, i64> = values.into_iter().collect();
    let changes = match &form.changes {
        None => vec![],
        Some(sent) => match choice_changes(&cat, &order, &measurements) {
            Some((changes, proposal)) if proposal == *sent => changes.into_iter().map(|c| (c.option, c.to)).collect(),
            _ => return refused_revision(page, &db, &cache, id, (set_id, &measurements), "order-revise-proposal-changed", &[]).await,
        },
    };
    let tried = measurements.clone();
    match db.write(move |conn| crate::orders::revise(conn, &cat, &version, id, measurements, Some(set_id), &changes, staff_id)).await {
        Ok(_) => {
            dispatcher.wake();
            crate::web::notice::redirect(&format!("/staff/orders/{id}"), &format!("revised-{id}"), settings.secure_cookies())
        }
        Err(crate::orders::ReviseError::NotFound) => Err(AppError::NotFound),
        Err(crate::orders::ReviseError::TooLate(_, status)) => {
            let t = page.ctx.t;
            let why = match crate::domain::work_order::Status::parse(&status) {
                Some(crate::domain::work_order::Status::Cancelled) => t.t("order-revise-cancelled"),
                Some(crate::domain::work_order::Status::Rejected) => t.t("order-revise-rejected"),
                _ => t.t("order-revise-refused"),
            };
            let again = order_page(page, &db, &cache, id, Some(why)).await?;
            render::page(StatusCode::CONFLICT, &again)
        }
        // Said at the form, with the set chosen still chosen (it went back to the order's).
        Err(crate::orders::ReviseError::Unchanged) => refused_revision(page, &db, &cache, id, (set_id, &tried), "order-revise-same", &[]).await,
        Err(crate::orders::ReviseError::NothingUsedChanged) => refused_revision(page, &db, &cache, id, (set_id, &tried), "order-revise-nothing-used", &[]).await,
        Err(crate::orders::ReviseError::Place(PlaceError::Invalid(violations))) => refused_revision(page, &db, &cache, id, (set_id, &tried), "order-revise-invalid", &violations).await,
        // Checked before the changes were offered; said where they were, should that change.
        Err(e @ (crate::orders::ReviseError::PriceChanges(..) | crate::orders::ReviseError::FactoryCannot(..))) => {
            let why = refusal_words(&e, &order, page.ctx.t, &cache, &db).await?;
            let mut again = order_page(page, &db, &cache, id, None).await?;
            again.revise_tried = Some((set_id, why));
            render::page(StatusCode::UNPROCESSABLE_ENTITY, &again)
        }
        Err(crate::orders::ReviseError::Place(PlaceError::Store(e))) => Err(e.into()),
        Err(crate::orders::ReviseError::Place(e)) => Err(AppError::BadRequest(e.to_string())),
    }
}

/// The order page with a refused revision said at its form: why, the rules the set breaks (if
/// any; 422 then, else 200: nothing was wrong, nothing was sent), and the changes of choices
/// that make the order fit the set, where there are.
async fn refused_revision(page: StaffPage, db: &Db, cache: &CatalogCache, id: i64, (set_id, measurements): (i64, &BTreeMap<String, i64>), why: &str, violations: &[crate::domain::catalog::Violation]) -> Result<HttpResponse, AppError> {
    let (t, lang) = (page.ctx.t, page.ctx.t.lang);
    let mut again = order_page(page, db, cache, id, None).await?;
    again.revise_tried = Some((set_id, t.t(why)));
    again.violations = violations.iter().map(|v| v.explanation.get(lang)).collect();
    let invalid = !violations.is_empty() || why == "order-revise-proposal-changed";
    if let (true, Some((_, cat))) = (invalid, cache.get(db, again.order.catalog_version_id).await?) {
        if let Some((changes, proposal)) = choice_changes(&cat, &again.order, measurements) {
            if again.violations.is_empty() {
                let cfg = Configuration { measurements: measurements.clone(), ..crate::orders::stored_configuration(&again.order).map_err(|e| AppError::Unexpected(e.into()))? };
                again.violations = cat.validate(&cfg).map(|v| v.violations.iter().map(|v| v.explanation.get(lang)).collect()).unwrap_or_default();
            }
            let refused = price_refusal(&cat, &again.order, &changes, t);
            again.revise_repair = Some(RevisionRepair { changes: changes.iter().map(|c| c.explanation.get(lang)).collect(), proposal, refused });
        }
    }
    render::page(if again.violations.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY }, &again)
}

/// Why changes of choices cannot be made to the order at its agreed price, if so: the catalog
/// charges for them otherwise.
fn price_refusal(cat: &CompiledCatalog, order: &order_store::OrderRow, changes: &[crate::domain::catalog::Change], t: crate::i18n::Tr) -> Option<String> {
    let before = crate::orders::stored_configuration(order).ok()?;
    let after = crate::orders::with_choices_changed(&before, changes.iter().map(|c| (c.option.as_str(), c.to.as_ref())));
    let (was, now) = crate::orders::price_changed(cat, &before, &after).ok()??;
    Some(price_words(was, now, &order.currency, t))
}

fn price_words(was: rust_decimal::Decimal, now: rust_decimal::Decimal, currency: &str, t: crate::i18n::Tr) -> String {
    if was == now {
        return t.t("order-revise-price-lines");
    }
    let money = |d| crate::domain::money::format_amount(d, currency, t.lang);
    t.t2("order-revise-price-changes", ("from", &money(was)), ("to", &money(now)))
}

/// A refusal [`crate::orders::revise`] found after the changes were offered, in words.
async fn refusal_words(e: &crate::orders::ReviseError, order: &order_store::OrderRow, t: crate::i18n::Tr, cache: &CatalogCache, db: &Db) -> Result<String, AppError> {
    Ok(match e {
        crate::orders::ReviseError::PriceChanges(was, now) => price_words(*was, *now, &order.currency, t),
        crate::orders::ReviseError::FactoryCannot(factory, option) => {
            let label = cache.get(db, order.catalog_version_id).await?.and_then(|(_, cat)| cat.product(&order.product_code)?.options.iter().find(|o| o.code == *option).map(|o| o.label.get(t.lang)));
            t.t2("order-revise-factory-cannot", ("factory", factory), ("option", &label.unwrap_or_else(|| option.clone())))
        }
        _ => String::new(),
    })
}

#[derive(serde::Deserialize)]
pub struct CollectionForm {
    store: String,
}

/// `POST /staff/orders/{id}/collection`: the order is collected at another open store; its
/// factories get `work_order.updated` with the new `ship_to`.
pub async fn change_collection(
    settings: web::Data<Settings>,
    page: StaffPage,
    db: web::Data<Db>,
    cache: web::Data<CatalogCache>,
    dispatcher: web::Data<Dispatcher>,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<CollectionForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    order_to_act_on(&db, &page, id).await?;
    let t = page.ctx.t;
    let chosen = form.store.trim().parse::<i64>().unwrap_or_default();
    let staff_id = page.staff.id;
    // Said at the field, with the store chosen still chosen; where the form is gone (the
    // order shipped, or is delivered), above the page.
    let (status, at_field, why) = match db.write(move |conn| crate::orders::change_collection(conn, id, chosen, staff_id)).await {
        Ok(_) => {
            dispatcher.wake();
            return crate::web::notice::redirect(&format!("/staff/orders/{id}"), &format!("collection-{id}"), settings.secure_cookies());
        }
        Err(crate::orders::CollectionError::NotFound) => return Err(AppError::NotFound),
        Err(crate::orders::CollectionError::Store(e)) => return Err(e.into()),
        // Where it is collected already: nothing to do, as a revision with the same set.
        Err(crate::orders::CollectionError::Unchanged) => (StatusCode::OK, true, t.t("order-collection-same")),
        Err(crate::orders::CollectionError::StoreNotOpen) => (StatusCode::UNPROCESSABLE_ENTITY, true, t.t("order-collection-choose")),
        Err(crate::orders::CollectionError::NotCollected) => (StatusCode::UNPROCESSABLE_ENTITY, false, t.t("order-collection-delivered")),
        Err(crate::orders::CollectionError::TooLate(..)) => (StatusCode::UNPROCESSABLE_ENTITY, false, t.t("order-collection-too-late")),
    };
    let mut again = order_page(page, &db, &cache, id, (!at_field).then(|| why.clone())).await?;
    if at_field {
        again.collection.tried = Some((chosen, why));
    }
    render::page(status, &again)
}

pub struct BoardRow {
    pub id: i64,
    pub order_id: i64,
    pub order_reference: String,
    pub customer: String,
    pub product: String,
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
    pub statuses: Vec<&'static str>,
    pub filter_status: String,
    pub filter_attention: bool,
}

#[derive(serde::Deserialize)]
pub struct BoardQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    attention: Option<String>,
}

/// `GET /staff/work-orders`: the store's work orders, those needing attention first.
pub async fn show_board(page: StaffPage, db: web::Data<Db>, cache: web::Data<CatalogCache>, q: web::Query<BoardQuery>) -> Result<HttpResponse, AppError> {
    let store = if page.staff.role == crate::domain::staff::Role::Admin { None } else { page.staff.store_id };
    let (rows, names) = db
        .read(move |conn| -> Result<_, StoreError> {
            let rows = order_store::all_work_orders(conn, store)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.2).collect::<BTreeSet<_>>().into_iter().collect();
            let names: BTreeMap<i64, String> = customers::find_many(conn, &ids)?.into_iter().map(|c| (c.id, c.name)).collect();
            Ok((rows, names))
        })
        .await?;
    let labels = super::customer_profile::Labels::load(&db, &cache, page.ctx.t).await?;
    let now = crate::store::now();
    let mut rows: Vec<BoardRow> = rows
        .into_iter()
        .map(|(wo, reference, customer, product)| {
            let hours = (now - wo.created_at).num_hours();
            BoardRow {
                id: wo.id,
                order_id: wo.order_id,
                order_reference: reference,
                customer: names.get(&customer).cloned().unwrap_or_default(),
                product: labels.product(&product),
                status: wo.status,
                attention: wo.attention,
                age: if hours < 48 { format!("{hours} h") } else { format!("{} d", hours / 24) },
                due_date: wo.due_date,
            }
        })
        .collect();
    let filter_attention = q.attention.is_some();
    rows.retain(|r| (q.status.is_empty() || r.status == q.status) && (!filter_attention || r.attention.is_some()));
    rows.sort_by_key(|r| (r.attention.is_none(), -r.id));
    let statuses = crate::domain::work_order::Status::ALL.iter().map(|s| s.as_str()).collect();
    render::ok(&BoardPage { ctx: page.ctx, rows, statuses, filter_status: q.status.clone(), filter_attention })
}

/// `POST /staff/work-orders/{id}/retry`: deliver a failed push again now.
pub async fn retry_work_order(
    page: StaffPage,
    db: web::Data<Db>,
    dispatcher: web::Data<Dispatcher>,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    // Acting on a work order is for its store, as cancelling or revising its order is.
    let order = db
        .read(move |conn| -> Result<_, StoreError> {
            let Some(wo) = order_store::find_work_order(conn, id)? else { return Ok(None) };
            Ok(order_store::find(conn, wo.order_id)?)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_act_on(&db, &page.staff, &order).await? {
        return Err(AppError::Forbidden);
    }
    db.write(move |conn| -> Result<(), StoreError> {
        // A rejection is for staff to handle: marking it handled sends nothing.
        let rejected = order_store::find_work_order(conn, id)?.is_some_and(|w| w.attention.as_deref() == Some("rejected"));
        if !rejected {
            crate::store::outbox::retry_now(conn, id)?;
            // Set aside after too many claims: the claimers may have it again.
            order_store::reset_claims(conn, id)?;
        }
        order_store::set_attention(conn, id, None)?;
        Ok(())
    })
    .await?;
    dispatcher.wake();
    Ok(see_other("/staff/work-orders"))
}

/// One line of a job ticket: a label and what it says.
pub struct TicketLine {
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "staff/ticket.html")]
pub struct TicketPage {
    pub ctx: Ctx,
    pub work_order_id: i64,
    pub order_reference: String,
    pub revision: i32,
    pub product: String,
    pub due_date: String,
    pub factory: String,
    pub status: String,
    /// Titled parts: options, production values, measurements, materials, operations, text.
    pub sections: Vec<(&'static str, Vec<TicketLine>)>,
    pub ship_to: String,
    pub customer_reference: String,
    /// The QR code of the work order id, as SVG markup made here (no input reaches it).
    pub qr_svg: String,
}

/// The QR code (SVG) of a work order's id, as the factory floor scans it.
pub fn qr_svg(text: &str) -> String {
    use qrcode::render::svg;
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code.render::<svg::Color>().min_dimensions(160, 160).quiet_zone(true).build();
            // Inline in HTML: the XML declaration has no place there.
            svg.find("<svg").map(|i| svg[i..].to_owned()).unwrap_or_default()
        }
        Err(_) => String::new(),
    }
}

fn lines(items: &serde_json::Value, label: &[&str], lang: crate::domain::lang::Lang, value: &dyn Fn(&serde_json::Value) -> String) -> Vec<TicketLine> {
    let lang_key = if lang == crate::domain::lang::Lang::ZhCn { "zh" } else { "en" };
    items
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| TicketLine {
                    // A label is text, or `{en, zh}` for catalog lines (the factory's copy is English).
                    label: label.iter().find_map(|k| i[*k].as_str().or_else(|| i[*k][lang_key].as_str()).or_else(|| i[*k]["en"].as_str())).unwrap_or_default().to_owned(),
                    value: value(i),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(text_of).collect::<Vec<_>>().join(", "),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `GET /staff/work-orders/{id}/ticket`: a printable job ticket with a QR code of its id.
pub async fn job_ticket(page: StaffPage, db: web::Data<Db>, cache: web::Data<CatalogCache>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let loaded = db
        .read(move |conn| -> Result<_, StoreError> {
            let Some(wo) = order_store::find_work_order(conn, id)? else { return Ok(None) };
            let order = order_store::find(conn, wo.order_id)?;
            let factory = crate::store::factories::find(conn, wo.factory_id)?.map(|f| f.name).unwrap_or_default();
            let stores = crate::store::stores::list(conn)?;
            Ok(Some((wo, order, factory, stores)))
        })
        .await?;
    let Some((wo, Some(order), factory, stores)) = loaded else { return Err(AppError::NotFound) };
    if !may_act_on(&db, &page.staff, &order).await? {
        return Err(AppError::Forbidden);
    }
    let doc = crate::orders::document(&wo);
    let ship_to = match (&doc["ship_to"]["store"], &doc["ship_to"]["address"]) {
        (serde_json::Value::Number(n), _) => stores.iter().find(|s| Some(s.id) == n.as_i64()).map(|s| s.name.clone()).unwrap_or_else(|| n.to_string()),
        (_, a) if !a.is_null() => crate::web::order_view::address_text(a).unwrap_or_else(|| text_of(a)),
        _ => String::new(),
    };
    // The document is the factory's, in English and canonical units; the ticket is read by
    // staff in their language, with the catalog revision's words and measurements as people
    // write them.
    let lang = page.ctx.t.lang;
    let measurements = doc["measurements"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| match (crate::domain::measurement::Measurement::from_code(k), v.as_u64().and_then(|v| u32::try_from(v).ok())) {
                    (Some(m), Some(v)) => TicketLine { label: m.name(lang).to_owned(), value: m.format(v, crate::domain::measurement::UnitSystem::Metric) },
                    _ => TicketLine { label: k.replace('_', " "), value: text_of(v) },
                })
                .collect()
        })
        .unwrap_or_default();
    let catalog = cache.get(&db, order.catalog_version_id).await?.map(|(_, c)| c);
    let product = catalog.as_ref().and_then(|c| c.product(&order.product_code));
    let option_label = |code: &str| product.and_then(|p| p.options.iter().find(|o| o.code == code)).map(|o| o.label.get(lang));
    let value_label = |option: &str, value: &str| product.and_then(|p| p.options.iter().find(|o| o.code == option)).and_then(|o| o.values.iter().find(|v| v.code == value)).map(|v| v.label.get(lang));
    let mut options = lines(&doc["options"], &["label", "option"], lang, &|i| text_of(&i["value_label"]));
    let mut personalisation = lines(&doc["personalisation"], &["label", "option"], lang, &|i| text_of(&i["text"]));
    let mut derived = lines(&doc["derived"], &["label", "code"], lang, &|i| format!("{} {}", text_of(&i["value"]), text_of(&i["unit"])).trim().to_owned());
    if lang != crate::domain::lang::Lang::En {
        for (line, item) in options.iter_mut().zip(doc["options"].as_array().into_iter().flatten()) {
            let option = item["option"].as_str().unwrap_or_default();
            if let Some(l) = option_label(option) {
                line.label = l;
            }
            let codes: Vec<&str> = match &item["value"] {
                serde_json::Value::String(v) => vec![v.as_str()],
                serde_json::Value::Array(vs) => vs.iter().filter_map(|v| v.as_str()).collect(),
                _ => vec![],
            };
            if let Some(words) = codes.iter().map(|v| value_label(option, v)).collect::<Option<Vec<String>>>() {
                line.value = words.join(", ");
            }
        }
        for (line, item) in personalisation.iter_mut().zip(doc["personalisation"].as_array().into_iter().flatten()) {
            if let Some(l) = option_label(item["option"].as_str().unwrap_or_default()) {
                line.label = l;
            }
        }
        for (line, item) in derived.iter_mut().zip(doc["derived"].as_array().into_iter().flatten()) {
            if let Some(d) = product.and_then(|p| p.derived.iter().find(|d| Some(d.code.as_str()) == item["code"].as_str())) {
                line.label = d.label.get(lang);
            }
        }
    }
    render::ok(&TicketPage {
        work_order_id: wo.id,
        order_reference: order.reference,
        revision: wo.revision,
        product: product.map(|p| p.label.get(lang)).unwrap_or_else(|| text_of(&doc["product"]["label"])),
        due_date: wo.due_date,
        factory,
        status: wo.status,
        sections: vec![
        ("ticket-options", options),
        ("ticket-derived", derived),
        ("ticket-measurements", measurements),
        ("ticket-materials", lines(&doc["materials"], &["label", "code"], lang, &|i| format!("{} {}", text_of(&i["qty"]), text_of(&i["unit"])).trim().to_owned())),
        ("ticket-operations", lines(&doc["operations"], &["label", "code"], lang, &|i| format!("{} {}", text_of(&i["qty"]), text_of(&i["unit"])).trim().to_owned())),
        ("ticket-personalisation", personalisation),
        ],
        ship_to,
        customer_reference: text_of(&doc["customer_reference"]),
        qr_svg: qr_svg(&format!("WO-{}", wo.id)),
        ctx: page.ctx,
    })
}
