//! The customer page: everything about one customer on one screen, newest first, with the
//! small forms a fitter uses during a visit. Handlers that refuse a form re-render this page
//! with what was typed and the message at the field.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::HttpResponse;
use askama::Template;
use chrono::NaiveDateTime;

use crate::domain::customer::{Channel, ContactKind, FieldErrors, may_merge_or_erase, may_send_marketing};
use crate::domain::measurement::{Measurement, UnitSystem};
use crate::memo::Memo;
use crate::store::customers::{self, ContactRow, CustomerRow, MeasurementSetRow, PreferenceRow};
use crate::store::epoch::Topic;
use crate::store::{Db, StoreError};
use crate::web::auth::{Ctx, Staff};
use crate::web::error::AppError;
use crate::web::render;

use super::rendered_pages::{BODY_SLOT, CSRF_SLOT, Rendered, RenderedPages};

/// `YYYY-MM-DD HH:MM`. Written out rather than with `format("%Y-%m-%d %H:%M")`, which parses
/// its pattern on every call: a customer page writes one per timeline entry.
pub fn fmt_time(t: &NaiveDateTime) -> String {
    use chrono::{Datelike, Timelike};
    format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), t.month(), t.day(), t.hour(), t.minute())
}

#[derive(Default)]
pub struct PreferenceForm {
    pub text: String,
    pub kind: String,
    pub pinned: bool,
    pub errors: FieldErrors,
}

#[derive(Default)]
pub struct ContactForm {
    pub kind: String,
    pub summary: String,
    pub rating: String,
    pub errors: FieldErrors,
}

#[derive(Default)]
pub struct EraseForm {
    pub confirm: String,
    pub error: Option<&'static str>,
}

pub struct TimelineItem {
    pub at: String,
    pub kind: &'static str,
    pub text: String,
    pub rating: Option<i32>,
    pub complaint_id: Option<i64>,
    pub open: bool,
    pub resolution: Option<String>,
    pub set_id: Option<i64>,
    pub order_id: Option<i64>,
    pub who: String,
}

/// How many timeline entries the page shows unless the whole history is asked for: a customer
/// with thousands of orders would otherwise get a page of megabytes.
pub const TIMELINE_SHOWN: usize = 50;

pub struct SetSummary {
    pub at: String,
    pub values: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "staff/customer.html", blocks = ["content"], whitespace = "minimize")]
pub struct CustomerPage {
    pub ctx: Ctx,
    pub c: CustomerRow,
    pub home_store: String,
    /// Standing preferences, then one-off ones, each under its message id.
    pub pref_groups: Vec<(&'static str, Vec<PreferenceRow>)>,
    pub timeline: Vec<TimelineItem>,
    /// The number of entries in the whole history, when `timeline` holds only the latest.
    pub timeline_cut: Option<usize>,
    pub latest_set: Option<SetSummary>,
    pub may_merge_erase: bool,
    pub marketing_ok: bool,
    pub pref_form: PreferenceForm,
    pub contact_form: ContactForm,
    pub resolve_error: Option<(i64, &'static str)>,
    pub erase_form: EraseForm,
    pub channels: [Channel; 4],
    pub contact_kinds: [ContactKind; 5],
    /// Whether the customer has claimed or opened a shop account.
    pub has_account: bool,
    /// Saved configurations (the customer's own and the store's): id, product, when.
    pub drafts: Vec<(i64, String, String)>,
    pub profile: super::customer_profile::ProfileView,
    /// What was just done (measurements saved), said once after the redirect.
    pub notice: Option<String>,
}

struct Loaded {
    c: CustomerRow,
    orders: Vec<crate::store::orders::OrderSummary>,
    prefs: Vec<PreferenceRow>,
    contacts: Vec<ContactRow>,
    sets: Vec<(MeasurementSetRow, Vec<(String, i64)>)>,
    staff_names: Arc<BTreeMap<i64, String>>,
    store_names: Arc<BTreeMap<i64, String>>,
    has_account: bool,
    drafts: Vec<crate::store::drafts::DraftRow>,
    profile: Option<super::customer_profile::ProfileData>,
}

/// A timeline entry before it is worded (only the entries shown are).
enum Entry<'a> {
    Contact(&'a ContactRow),
    /// A measurement set and how many values it holds.
    Set(&'a MeasurementSetRow, usize),
    Order(&'a crate::store::orders::OrderSummary),
}

fn is_open_complaint(c: &ContactRow) -> bool {
    ContactKind::parse(&c.kind) == Some(ContactKind::Complaint) && c.status.as_deref() == Some("open")
}

/// What the customer page keeps in memory: the pages as last rendered
/// ([`super::rendered_pages`]); who and where by id, as the timeline names them (see
/// [`crate::memo`]: staff names move with `Identity`, which a new account moves, store names
/// with `Settled`); and what the profile keeps ([`crate::learning::ProfileMemo`]).
pub struct CustomerPageMemo {
    rendered: RenderedPages,
    staff: Memo<(), Arc<BTreeMap<i64, String>>>,
    stores: Memo<(), Arc<BTreeMap<i64, String>>>,
    profiles: Arc<crate::learning::ProfileMemo>,
}

impl CustomerPageMemo {
    pub fn new(ttl: std::time::Duration, profiles: Arc<crate::learning::ProfileMemo>) -> Self {
        Self { rendered: RenderedPages::new(ttl), staff: Memo::new(Topic::Identity, ttl), stores: Memo::new(Topic::Settled, ttl), profiles }
    }

    async fn staff(&self, db: &Db) -> Result<Arc<BTreeMap<i64, String>>, StoreError> {
        let load = || db.read(|conn| Ok::<_, StoreError>(Some(Arc::new(crate::store::staff::names(conn)?))));
        Ok(self.staff.get_or_load((), load).await?.unwrap_or_default())
    }

    async fn stores(&self, db: &Db) -> Result<Arc<BTreeMap<i64, String>>, StoreError> {
        let load = || db.read(|conn| Ok::<_, StoreError>(Some(Arc::new(crate::store::stores::list(conn)?.into_iter().map(|s| (s.id, s.name)).collect()))));
        Ok(self.stores.get_or_load((), load).await?.unwrap_or_default())
    }
}

/// The layout around a kept page's own part, as this request's viewer sees it.
#[derive(Template)]
#[template(path = "staff/kept_page.html")]
struct KeptPage<'a> {
    ctx: &'a Ctx,
    title: &'a str,
    body: &'a str,
}

impl Rendered {
    fn respond(&self, ctx: &Ctx) -> Result<HttpResponse, AppError> {
        let shell = KeptPage { ctx, title: &self.title, body: BODY_SLOT }.render().map_err(|e| AppError::Unexpected(e.into()))?;
        Ok(render::html(actix_web::http::StatusCode::OK, self.page_in(&shell, &ctx.csrf)))
    }
}

/// The customer's page as a fitter opens it (the latest entries of the timeline), from memory
/// when nothing on it has changed since it was last rendered; or why there is none
/// ([`Opened::MergedInto`], [`Opened::Erased`]).
pub async fn show(db: &Db, cache: &crate::catalogs::CatalogCache, memo: &CustomerPageMemo, ctx: Ctx, staff: &Staff, id: i64) -> Result<Result<HttpResponse, Opened>, AppError> {
    let viewer = staff.authority();
    if let Some(kept) = memo.rendered.get(id, ctx.t.lang, &viewer) {
        return kept.respond(&ctx).map(Ok);
    }
    let stamp = memo.rendered.stamp(id);
    let mut page = match CustomerPage::open(db, cache, memo, ctx, staff, id, false).await? {
        Opened::Page(page) => page,
        gone => return Ok(Err(gone)),
    };
    let csrf = std::mem::replace(&mut page.ctx.csrf, CSRF_SLOT.to_owned());
    let content = page.as_content().render().map_err(|e| AppError::Unexpected(e.into()))?;
    page.ctx.csrf = csrf;
    let kept = Arc::new(Rendered::new(std::mem::take(&mut page.c.name), &content));
    memo.rendered.keep(id, page.ctx.t.lang, page.c.home_store_id, page.may_merge_erase, kept.clone(), stamp);
    kept.respond(&page.ctx).map(Ok)
}

/// What opening a customer's page finds: the page, or why there is none.
pub enum Opened {
    Page(Box<CustomerPage>),
    MergedInto(i64),
    Erased,
}

impl CustomerPage {
    /// The page of a customer known to be live (a form on it re-rendered with its errors).
    pub async fn load(db: &Db, cache: &crate::catalogs::CatalogCache, memo: &CustomerPageMemo, ctx: Ctx, staff: &Staff, id: i64) -> Result<CustomerPage, AppError> {
        match Self::open(db, cache, memo, ctx, staff, id, false).await? {
            Opened::Page(page) => Ok(*page),
            Opened::MergedInto(_) | Opened::Erased => Err(AppError::NotFound),
        }
    }

    /// Everything the page shows, profile included, read in one database task: the orders
    /// once for the timeline and for what the profile learns from them. The timeline is the
    /// latest [`TIMELINE_SHOWN`] entries and every open complaint, or all of it.
    pub async fn open(db: &Db, cache: &crate::catalogs::CatalogCache, memo: &CustomerPageMemo, ctx: Ctx, staff: &Staff, id: i64, whole_history: bool) -> Result<Opened, AppError> {
        let (staff_names, store_names) = (memo.staff(db).await?, memo.stores(db).await?);
        let profiles = memo.profiles.clone();
        let read = db
            .read_together(move |conn| -> Result<Option<Result<Box<Loaded>, Opened>>, StoreError> {
                let Some(customers::CustomerForPage { customer: c, has_account, class }) = customers::find_for_page(conn, id)? else { return Ok(None) };
                if c.erased_at.is_some() {
                    return Ok(Some(Err(Opened::Erased)));
                }
                if let Some(target) = c.merged_into_id {
                    return Ok(Some(Err(Opened::MergedInto(target))));
                }
                let prefs = customers::preferences(conn, id)?;
                let contacts = customers::contacts(conn, id)?;
                let sets = customers::measurement_sets(conn, id)?;
                let orders = crate::store::orders::history_of_customer(conn, id)?;
                let drafts = crate::store::drafts::for_customer(conn, id)?;
                let profile = super::customer_profile::read(conn, &profiles, id, &orders, class, marketing_ok(&c))?;
                Ok(Some(Ok(Box::new(Loaded { c, orders, prefs, contacts, sets, staff_names, store_names, has_account, drafts, profile: Some(profile) }))))
            })
            .await?;
        let mut loaded = match read {
            None => return Err(AppError::NotFound),
            Some(Err(gone)) => return Ok(gone),
            Some(Ok(loaded)) => loaded,
        };
        let profile = loaded.profile.take();
        let labels = super::customer_profile::Labels::load(db, cache, ctx.t).await?;
        let mut page = Self::build(ctx, staff, *loaded, whole_history, &labels);
        if let Some(data) = profile {
            page.profile = super::customer_profile::ProfileView::labelled(db, cache, page.ctx.t, page.c.id, data, page.marketing_ok).await?;
        }
        Ok(Opened::Page(Box::new(page)))
    }

    fn build(ctx: Ctx, staff: &Staff, l: Loaded, whole_history: bool, labels: &super::customer_profile::Labels) -> CustomerPage {
        let lang = ctx.t.lang;
        let who = |staff_id: Option<i64>, store_id: Option<i64>| {
            let s = staff_id.and_then(|i| l.staff_names.get(&i)).cloned().unwrap_or_default();
            let st = store_id.and_then(|i| l.store_names.get(&i)).cloned().unwrap_or_default();
            [s, st].into_iter().filter(|x| !x.is_empty()).collect::<Vec<_>>().join(" · ")
        };
        let mut entries: Vec<(NaiveDateTime, i64, Entry)> = l
            .contacts
            .iter()
            .map(|c| (c.at, c.id, Entry::Contact(c)))
            .chain(l.sets.iter().map(|(s, values)| (s.taken_at, s.id, Entry::Set(s, values.len()))))
            .chain(l.orders.iter().map(|o| (o.created_at, o.id, Entry::Order(o))))
            .collect();
        entries.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        let timeline_total = entries.len();
        let timeline_cut = (!whole_history && timeline_total > TIMELINE_SHOWN).then_some(timeline_total);
        if timeline_cut.is_some() {
            // An open complaint waits for a fitter to resolve it here, however old it is.
            let mut i = 0;
            entries.retain(|(_, _, e)| {
                i += 1;
                i <= TIMELINE_SHOWN || matches!(e, Entry::Contact(c) if is_open_complaint(c))
            });
        }
        // Only the entries shown are worded: a long history is mostly cut.
        let timeline: Vec<TimelineItem> = entries
            .into_iter()
            .map(|(_, _, e)| match e {
                Entry::Contact(c) => {
                    let kind = ContactKind::parse(&c.kind).unwrap_or(ContactKind::Message);
                    TimelineItem {
                        at: fmt_time(&c.at),
                        kind: kind.as_str(),
                        text: c.summary.clone(),
                        rating: c.rating,
                        complaint_id: (kind == ContactKind::Complaint).then_some(c.id),
                        open: c.status.as_deref() == Some("open"),
                        resolution: c.resolution.clone(),
                        set_id: None,
                        order_id: c.order_id,
                        who: who(c.staff_id, c.store_id),
                    }
                }
                Entry::Set(s, count) => TimelineItem {
                    at: fmt_time(&s.taken_at),
                    kind: "measurements",
                    text: format!("{count}|{}", if s.self_measured { "self" } else { "staff" }),
                    rating: None,
                    complaint_id: None,
                    open: false,
                    resolution: None,
                    set_id: Some(s.id),
                    order_id: None,
                    who: who(s.staff_id, s.store_id),
                },
                Entry::Order(o) => {
                    let total = crate::domain::money::format_minor(o.total_minor, &o.currency, lang);
                    TimelineItem {
                        at: fmt_time(&o.created_at),
                        kind: "order",
                        text: format!("{} · {} · {} · {}", o.reference, labels.product(&o.product_code), total, labels.status(&o.status)),
                        rating: None,
                        complaint_id: None,
                        open: false,
                        resolution: None,
                        set_id: None,
                        order_id: Some(o.id),
                        who: who(o.placed_by_staff_id, o.store_id),
                    }
                }
            })
            .collect();
        let lang = ctx.t.lang;
        let latest_set = l.sets.first().map(|(s, values)| SetSummary {
            at: fmt_time(&s.taken_at),
            values: format_values(values, unit_system(&s.unit_system), lang),
        });
        // A one-off wish the next order has taken is no longer listed as pending (it stayed).
        let last_order_at = l.orders.iter().filter(|o| !matches!(o.status.as_str(), "cancelled" | "rejected")).map(|o| o.created_at).max();
        // Taken by an order, a one-off wish is still shown as such (it vanished without trace).
        let (live, taken): (Vec<PreferenceRow>, Vec<PreferenceRow>) = l.prefs.into_iter().filter(|p| p.dropped_at.is_none()).partition(|p| p.applies(last_order_at));
        let (standing, one_off): (Vec<_>, Vec<_>) = live.into_iter().partition(|p| p.kind == "standing");
        let pref_groups = [("preference-standing", standing), ("preference-one-off", one_off), ("preference-one-off-taken", taken)]
            .into_iter()
            .filter(|g| !g.1.is_empty())
            .collect();
        CustomerPage {
            home_store: l.c.home_store_id.and_then(|i| l.store_names.get(&i)).cloned().unwrap_or_default(),
            may_merge_erase: may_merge_or_erase(&staff.authority(), l.c.home_store_id),
            marketing_ok: marketing_ok(&l.c),
            timeline,
            timeline_cut,
            pref_groups,
            latest_set,
            c: l.c,
            pref_form: PreferenceForm { kind: "standing".into(), ..Default::default() },
            contact_form: ContactForm { kind: "visit".into(), ..Default::default() },
            resolve_error: None,
            erase_form: EraseForm::default(),
            channels: Channel::ALL,
            contact_kinds: ContactKind::ALL,
            has_account: l.has_account,
            drafts: l.drafts.iter().map(|d| (d.id, labels.product(&d.product_code), fmt_time(&d.updated_at))).collect(),
            profile: Default::default(),
            notice: None,
            ctx,
        }
    }

    pub fn timeline_shown(&self) -> usize {
        TIMELINE_SHOWN
    }

    pub fn timeline_text(&self, item: &TimelineItem) -> String {
        if item.kind != "measurements" {
            return item.text.clone();
        }
        let (count, taken) = item.text.split_once('|').unwrap_or(("0", "staff"));
        let key = if taken == "self" { "timeline-measurements-self" } else { "timeline-measurements" };
        self.ctx.t.t1(key, "count", count)
    }
}

/// Whether the customer may be sent marketing: consent, and a channel to send it on.
fn marketing_ok(c: &CustomerRow) -> bool {
    may_send_marketing(c.marketing_consent, Channel::parse(&c.preferred_channel).unwrap_or(Channel::None))
}

pub fn unit_system(s: &str) -> UnitSystem {
    if s == "imperial" { UnitSystem::Imperial } else { UnitSystem::Metric }
}

/// Values of a set in measuring order, each in the unit system it was taken in.
pub fn format_values(values: &[(String, i64)], system: UnitSystem, lang: crate::domain::lang::Lang) -> Vec<(String, String)> {
    Measurement::ALL
        .iter()
        .filter_map(|m| {
            let (_, v) = values.iter().find(|(code, _)| code == m.code())?;
            let v = u32::try_from(*v).ok()?;
            Some((m.name(lang).to_owned(), m.format(v, system)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::fmt_time;

    #[test]
    fn times_read_as_chrono_writes_them() {
        for (y, mo, d, h, mi, sec) in [(2026, 1, 2, 3, 4, 5), (1999, 12, 31, 23, 59, 59), (2026, 10, 10, 0, 0, 0), (812, 7, 1, 12, 30, 1)] {
            let t = NaiveDate::from_ymd_opt(y, mo, d).and_then(|d| d.and_hms_micro_opt(h, mi, sec, 123_456)).expect("a valid time");
            assert_eq!(fmt_time(&t), t.format("%Y-%m-%d %H:%M").to_string());
        }
    }
}
