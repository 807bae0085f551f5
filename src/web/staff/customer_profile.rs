//! What the customer's history says, on the customer page: figures, value class and
//! service segment with its strategy, learned preferences to accept or dismiss, and
//! recommendations (cross-selling only with marketing consent).

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Utc;

use crate::catalogs::CatalogCache;
use crate::domain::profile::recommend::{ItemRef, parse_item};
use crate::domain::profile::segment::strategy_keys;
use crate::domain::profile::{Activity, Satisfaction, Volume};
use crate::i18n::Tr;
use crate::learning::{self, Figures, LearnedPreferences, Recommendations};
use crate::store::classes::ClassRow;
use crate::store::customers::CustomerRow;
use crate::store::{Db, DbConn, StoreError};
use crate::web::error::AppError;

use super::customer_page::fmt_time;

pub struct SuggestionView {
    pub product: String,
    pub option: String,
    pub value: String,
    pub evidence: String,
}

pub struct DecisionView {
    pub product: String,
    pub option: String,
    pub value: String,
    pub text: String,
}

pub struct Link {
    pub text: String,
    pub href: String,
}

#[derive(Default)]
pub struct ProfileView {
    pub orders: i64,
    pub revenue: String,
    pub revenue_12m: String,
    pub last_order: String,
    pub average_rating: String,
    pub complaints_12m: i64,
    pub remakes: i64,
    pub returns: i64,
    pub cancellations: i64,
    pub value_class: String,
    /// What the class means, in a sentence.
    pub class_meaning: String,
    /// The figures moved since the class was computed (it is recomputed on a schedule): the
    /// class and the segment may be out of date.
    pub class_stale: bool,
    pub volume: String,
    pub satisfaction: String,
    /// The service strategy: who looks after the customer, and the aim.
    pub strategy: Option<(String, String)>,
    pub suggestions: Vec<SuggestionView>,
    pub accepted: Vec<DecisionView>,
    pub dismissed: Vec<DecisionView>,
    pub again: Vec<Link>,
    pub option_recs: Vec<String>,
    pub product_recs: Vec<Link>,
    pub marketing_ok: bool,
}

/// Labels from the current catalogs, falling back to codes for what they no longer sell.
pub struct Labels {
    catalogs: crate::catalogs::Current,
    t: Tr,
}

impl Labels {
    pub async fn load(db: &Db, cache: &CatalogCache, t: Tr) -> Result<Labels, AppError> {
        Ok(Labels { catalogs: cache.current_compiled(db).await?, t })
    }

    pub fn version_of(&self, product: &str) -> Option<i64> {
        self.catalogs.iter().find(|(_, c)| c.product(product).is_some()).map(|(v, _)| v.id)
    }

    pub fn product(&self, code: &str) -> String {
        self.catalogs.iter().find_map(|(_, c)| c.product(code)).map(|p| p.label.get(self.t.lang)).unwrap_or_else(|| code.to_owned())
    }

    /// An order's or work order's status as staff read it.
    pub fn status(&self, code: &str) -> String {
        self.t.t(&format!("work-status-{code}"))
    }

    pub fn option(&self, product: &str, option: &str) -> String {
        self.catalogs
            .iter()
            .find_map(|(_, c)| c.product(product))
            .and_then(|p| p.options.iter().find(|o| o.code == option))
            .map(|o| o.label.get(self.t.lang))
            .unwrap_or_else(|| option.to_owned())
    }

    pub fn value(&self, product: &str, option: &str, value: &str) -> String {
        self.catalogs
            .iter()
            .find_map(|(_, c)| c.product(product))
            .and_then(|p| p.options.iter().find(|o| o.code == option))
            .and_then(|o| o.values.iter().find(|v| v.code == value))
            .map(|v| v.label.get(self.t.lang))
            .unwrap_or_else(|| value.to_owned())
    }
}

pub struct ProfileData {
    figures: Figures,
    learned: LearnedPreferences,
    recs: Recommendations,
    /// Latest order per product: (product, order id, reference).
    latest: Vec<(String, i64, String)>,
    currency: String,
}

/// What the profile shows, read in the caller's database task; `orders` are the customer's
/// orders, newest first, as `store::orders::history_of_customer` gives them, and `class` their
/// value class.
pub fn read(conn: &mut DbConn, memo: &learning::ProfileMemo, id: i64, orders: &[crate::store::orders::OrderSummary], class: Option<ClassRow>, marketing_ok: bool) -> Result<ProfileData, StoreError> {
    let today = Utc::now().date_naive();
    let figures = learning::figures(conn, id, today, class)?;
    // What went back is no choice to learn from, and what was complained about is no order to
    // offer again (a review was offered "the same again" of the order it had rated 2 of 5).
    let complaints = crate::store::customers::complaints_by_order(conn, id)?;
    let returned = |o: &&crate::store::orders::OrderSummary| complaints.iter().any(|(order, remedy)| *order == o.id && remedy.as_deref() == Some("return"));
    // Copied only when something went back: most customers return nothing.
    let kept: std::borrow::Cow<[crate::store::orders::OrderSummary]> = if orders.iter().any(|o| returned(&o)) {
        std::borrow::Cow::Owned(orders.iter().filter(|o| !returned(o)).cloned().collect())
    } else {
        std::borrow::Cow::Borrowed(orders)
    };
    let habits = memo.habits(id, &kept);
    let learned = learning::learned_preferences(conn, id, &habits.suggestions)?;
    let recs = learning::recommendations_for(conn, memo, &habits, marketing_ok, 5)?;
    let counted = || orders.iter().filter(|o| learning::counts_as_choice(o) && !complaints.iter().any(|(order, _)| *order == o.id));
    let mut seen = BTreeSet::new();
    let latest = counted()
        .filter(|o| seen.insert(o.product_code.as_str()))
        .map(|o| (o.product_code.clone(), o.id, o.reference.clone()))
        .collect();
    let currency = counted().next().map(|o| o.currency.clone()).unwrap_or_else(|| "EUR".into());
    Ok(ProfileData { figures, learned, recs, latest, currency })
}

impl ProfileView {
    pub async fn load(db: &Db, cache: &CatalogCache, memo: Arc<learning::ProfileMemo>, t: Tr, c: &CustomerRow, marketing_ok: bool) -> Result<ProfileView, AppError> {
        let id = c.id;
        let l = db
            .read_together(move |conn| -> Result<ProfileData, StoreError> {
                let orders = crate::store::orders::history_of_customer(conn, id)?;
                let class = crate::store::classes::find(conn, id)?;
                read(conn, &memo, id, &orders, class, marketing_ok)
            })
            .await?;
        Self::labelled(db, cache, t, id, l, marketing_ok).await
    }

    /// The view of data read with [`read`], with the catalogs' labels.
    pub async fn labelled(db: &Db, cache: &CatalogCache, t: Tr, customer_id: i64, l: ProfileData, marketing_ok: bool) -> Result<ProfileView, AppError> {
        let labels = Labels::load(db, cache, t).await?;
        Ok(Self::build(t, customer_id, l, &labels, marketing_ok))
    }

    fn build(t: Tr, customer_id: i64, l: ProfileData, labels: &Labels, marketing_ok: bool) -> ProfileView {
        let (life, trailing): (&Activity, &Activity) = (&l.figures.lifetime, &l.figures.trailing);
        let class = l.figures.class.as_ref();
        let strategy = class.and_then(|c| Some((Volume::parse(&c.volume)?, Satisfaction::parse(&c.satisfaction)?))).map(|(v, s)| {
            let (who, aim) = strategy_keys(v, s);
            (t.t(who), t.t(aim))
        });
        let evidence = |product: &str, option: &str, value: &str, times: usize, of: usize| {
            t.t_args(
                "learned-evidence",
                &[
                    ("option", labels.option(product, option)),
                    ("value", labels.value(product, option, value)),
                    ("times", times.to_string()),
                    ("of", of.to_string()),
                    ("product", labels.product(product)),
                ],
            )
        };
        let decision = |d: &crate::store::learned::DecisionRow| DecisionView {
            product: d.product_code.clone(),
            option: d.option_code.clone(),
            value: d.value_code.clone(),
            text: format!("{} · {}: {}", labels.product(&d.product_code), labels.option(&d.product_code, &d.option_code), labels.value(&d.product_code, &d.option_code, &d.value_code)),
        };
        ProfileView {
            orders: life.orders,
            revenue: crate::domain::money::format_minor(life.revenue_minor, &l.currency, t.lang),
            revenue_12m: crate::domain::money::format_minor(trailing.revenue_minor, &l.currency, t.lang),
            last_order: life.last_order_at.as_ref().map(fmt_time).unwrap_or_default(),
            average_rating: life.average_rating_tenths().map(|r| format!("{}.{}", r / 10, r % 10)).unwrap_or_default(),
            complaints_12m: trailing.complaints,
            remakes: life.remakes,
            returns: life.returns,
            cancellations: life.cancellations,
            value_class: class.map(|c| c.value_class.clone()).unwrap_or_default(),
            class_meaning: class.map(|c| t.t(&format!("class-meaning-{}", c.value_class))).unwrap_or_default(),
            class_stale: class.is_some_and(|c| {
                (c.revenue_12m_minor, c.cost_12m_minor, c.complaints_12m, c.cancellations_12m) != (trailing.revenue_minor, trailing.cost_minor, trailing.complaints, trailing.cancellations)
            }),
            volume: class.map(|c| t.t(&format!("volume-{}", c.volume))).unwrap_or_default(),
            satisfaction: class.map(|c| t.t(&format!("satisfaction-{}", c.satisfaction))).unwrap_or_default(),
            strategy,
            suggestions: l
                .learned
                .open
                .iter()
                .map(|s| SuggestionView {
                    product: s.product.clone(),
                    option: s.option.clone(),
                    value: s.value.clone(),
                    evidence: evidence(&s.product, &s.option, &s.value, s.times, s.of),
                })
                .collect(),
            accepted: l.learned.decided.iter().filter(|d| d.decision == "accepted").map(decision).collect(),
            dismissed: l.learned.decided.iter().filter(|d| d.decision == "dismissed").map(decision).collect(),
            again: l
                .latest
                .iter()
                .filter_map(|(product, order_id, reference)| {
                    let v = labels.version_of(product)?;
                    Some(Link {
                        text: t.t_args("recommend-again", &[("product", labels.product(product)), ("order", reference.clone())]),
                        href: format!("/staff/customers/{customer_id}/orders/new?version={v}&product={product}&again={order_id}"),
                    })
                })
                .collect(),
            option_recs: l
                .recs
                .options
                .iter()
                .filter_map(|(item, _)| match parse_item(item)? {
                    ItemRef::Value { product, option, value } => Some(format!(
                        "{} · {}: {}",
                        labels.product(&product),
                        labels.option(&product, &option),
                        labels.value(&product, &option, &value)
                    )),
                    ItemRef::Product(_) => None,
                })
                .collect(),
            product_recs: l
                .recs
                .products
                .iter()
                .filter_map(|(item, _)| match parse_item(item)? {
                    ItemRef::Product(p) => {
                        let v = labels.version_of(&p)?;
                        Some(Link { text: labels.product(&p), href: format!("/staff/customers/{customer_id}/orders/new?version={v}&product={p}") })
                    }
                    ItemRef::Value { .. } => None,
                })
                .collect(),
            marketing_ok,
        }
    }
}
