//! The managers' dashboard (`/staff/insights`): who the A customers are and how revenue
//! concentrates, who costs the most, which of last year's best customers order less, who
//! complained more than once, and the nine service segments, each with links to customers.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Duration;

use crate::config::Settings;
use crate::domain::profile::segment::strategy_keys;
use crate::domain::profile::{Satisfaction, Volume};
use crate::domain::staff::Role;
use crate::store::classes::{self, RunRow};
use crate::store::insights::{self, Complainer, Listed};
use crate::store::{Db, StoreError, audit, now};
use crate::web::auth::{Ctx, StaffPage};
use crate::web::csrf::CsrfForm;
use crate::web::error::{AppError, see_other};
use crate::web::render;

use super::customer_page::fmt_time;
use super::pareto_chart::{self, Chart};

pub struct Row {
    pub id: i64,
    pub name: String,
    pub reference: String,
    pub class: String,
    pub revenue_12m: String,
    pub revenue_prev: String,
    pub cost: String,
    pub complaints: i64,
    pub remakes: i64,
    pub cancellations: i64,
}

pub struct Cell {
    pub count: i64,
    pub who: String,
    pub aim: String,
}

#[derive(Template)]
#[template(path = "staff/insights.html")]
pub struct InsightsPage {
    pub ctx: Ctx,
    pub run: Option<RunRow>,
    pub chart: Option<Chart>,
    pub chart_width: i64,
    pub chart_height: i64,
    pub chart_left: i64,
    pub chart_bottom: i64,
    pub class_counts: Vec<(String, i64)>,
    pub a_customers: Vec<Row>,
    pub costliest: Vec<Row>,
    pub ordering_less: Vec<Row>,
    pub complainers: Vec<Complainer>,
    /// Rows: volume high, medium, low; columns: satisfaction high, medium, low.
    pub matrix: Vec<(String, Vec<Cell>)>,
    pub satisfaction_heads: Vec<String>,
}

struct Loaded {
    run: Option<RunRow>,
    classes: Vec<(String, i64)>,
    a: Vec<Listed>,
    costliest: Vec<Listed>,
    less: Vec<Listed>,
    complainers: Vec<Complainer>,
    matrix: Vec<(String, String, i64)>,
}

/// The chain prices in one currency; the demo and the generator use euros.
fn money(minor: i64, lang: crate::domain::lang::Lang) -> String {
    crate::domain::money::format_minor(minor, "EUR", lang)
}

fn row(l: Listed, lang: crate::domain::lang::Lang) -> Row {
    Row {
        id: l.id,
        name: l.name,
        reference: l.reference,
        class: l.class.value_class,
        revenue_12m: money(l.class.revenue_12m_minor, lang),
        revenue_prev: money(l.class.revenue_prev_12m_minor, lang),
        cost: money(l.class.cost_12m_minor, lang),
        complaints: l.class.complaints_12m,
        remakes: l.class.remakes_12m,
        cancellations: l.class.cancellations_12m,
    }
}

impl InsightsPage {
    /// The chart in one sentence, with its denominator: a share of customers alone misled
    /// (with three customers, "80 % of the customers bring 80 %" was one customer), and the
    /// curve counts only customers with a net revenue.
    fn pareto_caption(&self) -> crate::i18n::Html {
        let count = |class: &str| self.class_counts.iter().find(|c| c.0 == class).map_or(0, |c| c.1);
        let (a, paying) = (count("A"), count("A") + count("B") + count("C"));
        if paying == 0 {
            return self.ctx.t.html("insights-pareto-none");
        }
        let percent = (a * 100 + paying / 2) / paying;
        let share = self.run.as_ref().map_or(80, |r| r.a_share);
        self.ctx.t.html_args(
            "insights-pareto-caption",
            &[("a", a.to_string()), ("paying", paying.to_string()), ("percent", percent.to_string()), ("share", share.to_string())],
        )
    }
}

/// `GET /staff/insights`: managers and administrators.
pub async fn show_insights(page: StaffPage, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    page.staff.require_role(Role::Manager)?;
    let since = now() - Duration::days(365);
    let l = db
        .read(move |conn| -> Result<Loaded, StoreError> {
            Ok(Loaded {
                run: classes::latest_run(conn)?,
                classes: insights::class_counts(conn)?,
                a: insights::top_a(conn, 50)?,
                costliest: insights::costliest(conn, 20)?,
                less: insights::ordering_less(conn, 100)?,
                complainers: insights::repeat_complainers(conn, since, 50)?,
                matrix: insights::matrix(conn)?,
            })
        })
        .await?;
    let (t, lang) = (page.ctx.t, page.ctx.t.lang);
    let chart = l.run.as_ref().map(|r| {
        let curve: Vec<i64> = serde_json::from_str(&r.curve).unwrap_or_default();
        pareto_chart::chart(&curve, i64::from(r.a_share), i64::from(r.b_share))
    });
    let matrix = Volume::ALL
        .iter()
        .map(|v| {
            let cells = Satisfaction::ALL
                .iter()
                .map(|s| {
                    let count = l.matrix.iter().find(|m| m.0 == v.as_str() && m.1 == s.as_str()).map(|m| m.2).unwrap_or(0);
                    let (who, aim) = strategy_keys(*v, *s);
                    Cell { count, who: t.t(who), aim: t.t(aim) }
                })
                .collect();
            (t.t(&format!("volume-{}", v.as_str())), cells)
        })
        .collect();
    let mut class_counts = l.classes;
    class_counts.sort();
    render::ok(&InsightsPage {
        satisfaction_heads: Satisfaction::ALL.iter().map(|s| t.t(&format!("satisfaction-{}", s.as_str()))).collect(),
        ctx: page.ctx,
        run: l.run,
        chart,
        chart_width: pareto_chart::WIDTH,
        chart_height: pareto_chart::HEIGHT,
        chart_left: pareto_chart::LEFT,
        chart_bottom: pareto_chart::BOTTOM,
        class_counts,
        a_customers: l.a.into_iter().map(|l| row(l, lang)).collect(),
        costliest: l.costliest.into_iter().map(|l| row(l, lang)).collect(),
        ordering_less: l.less.into_iter().map(|l| row(l, lang)).collect(),
        complainers: l.complainers,
        matrix,
    })
}

/// `POST /staff/insights/classify`: recompute classes, segments and recommendations now.
pub async fn classify_now(
    page: StaffPage,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    page.staff.require_role(Role::Manager)?;
    let report = crate::learning::classify(&db, settings.learning.thresholds).await?;
    let staff_id = page.staff.id;
    db.write(move |conn| -> Result<(), StoreError> {
        crate::learning::refresh_neighbours(conn, crate::learning::NEIGHBOUR_ORDERS)?;
        audit::record(conn, Some(staff_id), "insights.classified", "customers", &format!("{} customers", report.customers))?;
        Ok(())
    })
    .await?;
    Ok(see_other("/staff/insights"))
}

impl InsightsPage {
    pub fn run_at(&self) -> String {
        self.run.as_ref().map(|r| fmt_time(&r.at)).unwrap_or_default()
    }
}
