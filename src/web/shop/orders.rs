//! The customer's orders: the list, and one order with its status as production goes on.
//! Another customer's order answers 404, as if it did not exist.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::money::format_minor;
use crate::store::orders::{self as order_store, OrderRow};
use crate::store::{Db, StoreError};
use crate::web::error::AppError;
use crate::web::render;
use crate::web::staff::fmt_time;

use super::auth::{ShopCtx, Shopper};

pub struct OrderLine {
    pub id: i64,
    pub reference: String,
    pub product: String,
    /// The product's name in the customer's language (its code if no catalog has it now).
    pub product_label: String,
    pub placed: String,
    pub total: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "shop/orders.html")]
pub struct OrdersPage {
    pub ctx: ShopCtx,
    pub orders: Vec<OrderLine>,
}

fn total_of(o: &OrderRow, lang: crate::i18n::Lang) -> String {
    format_minor(o.total_minor, &o.currency, lang)
}

/// `GET /shop/orders`
pub async fn list_orders(page: Shopper, db: web::Data<Db>, cache: web::Data<crate::catalogs::CatalogCache>) -> Result<HttpResponse, AppError> {
    let id = page.customer.customer_id;
    let rows = db.read(move |conn| Ok::<_, StoreError>(order_store::for_customer(conn, id)?)).await?;
    let lang = page.ctx.t.lang;
    let labels = crate::web::staff::customer_profile::Labels::load(&db, &cache, page.ctx.t).await?;
    let mut orders: Vec<OrderLine> = rows
        .iter()
        .map(|o| OrderLine {
            id: o.id,
            reference: o.reference.clone(),
            product: o.product_code.clone(),
            product_label: labels.product(&o.product_code),
            placed: fmt_time(&o.created_at),
            total: total_of(o, lang),
            status: o.status.clone(),
        })
        .collect();
    orders.sort_by_key(|o| -o.id);
    render::ok(&OrdersPage { ctx: page.ctx, orders })
}

#[derive(Template)]
#[template(path = "shop/order.html")]
pub struct OrderPage {
    pub ctx: ShopCtx,
    pub order: OrderRow,
    pub placed: String,
    pub total: String,
    pub price_lines: Vec<(String, String)>,
    pub delivery: String,
    pub steps: Vec<(String, bool, String)>,
    pub tracking: Option<String>,
    pub product_label: String,
    pub choices: Vec<(String, String)>,
    /// (label, value): the sizes worked out from the measurements the order was made to.
    pub sizes: Vec<(String, String)>,
    /// Just placed (the checkout redirects here): thanks, said once.
    pub placed_now: bool,
}

impl OrderPage {
    pub fn status_text(&self) -> String {
        self.ctx.t.t(&format!("order-status-{}", self.order.status))
    }
}

/// The production steps in order, each with whether it is reached and when.
fn progress(status: &str, events: &[(String, String)], t: crate::i18n::Tr) -> Vec<(String, bool, String)> {
    const STEPS: [&str; 4] = ["placed", "acknowledged", "in_production", "shipped"];
    let reached = match status {
        "shipped" => 4,
        "in_production" => 3,
        "acknowledged" => 2,
        _ => 1,
    };
    STEPS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let when = if *s == "placed" { String::new() } else { events.iter().find(|(to, _)| to == s).map(|(_, at)| at.clone()).unwrap_or_default() };
            (t.t(&format!("order-status-{s}")), i < reached, when)
        })
        .collect()
}

/// `GET /shop/orders/{id}`
pub async fn show_order(req: actix_web::HttpRequest, settings: web::Data<crate::config::Settings>, page: Shopper, db: web::Data<Db>, cache: web::Data<crate::catalogs::CatalogCache>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let customer_id = page.customer.customer_id;
    let loaded = db
        .read(move |conn| -> Result<_, StoreError> {
            let Some(order) = order_store::find(conn, id)?.filter(|o| o.customer_id == customer_id) else { return Ok(None) };
            let mut events = vec![];
            let mut tracking = None;
            let mut status = order.status.clone();
            for wo in order_store::work_orders_of_order(conn, id)? {
                tracking = tracking.or(wo.tracking_number.clone());
                if order.status == "placed" && wo.status == "acknowledged" {
                    status = "acknowledged".into();
                }
                for e in order_store::events(conn, wo.id)? {
                    events.push((e.to_status, fmt_time(&e.at)));
                }
            }
            // The sizes are shown in the units the customer measured in, too.
            let units = order.measurement_set_id.map(|s| crate::store::customers::set_values(conn, s)).transpose()?.flatten().map(|s| crate::web::staff::unit_system(&s.unit_system));
            Ok(Some((order, events, tracking, status, units)))
        })
        .await?;
    let (order, events, tracking, status, units) = loaded.ok_or(AppError::NotFound)?;
    let t = page.ctx.t;
    let lang = t.lang;
    let crate::web::order_view::OrderWords { product_label, choices, price_lines, delivery, sizes, .. } = crate::web::order_view::words(&db, &cache, &order, t, units.unwrap_or_default()).await?;
    let steps = if matches!(status.as_str(), "cancelled" | "rejected") { vec![] } else { progress(&status, &events, t) };
    let placed_now = crate::web::notice::is(&req, &format!("placed-{id}"));
    let res = render::ok(&OrderPage { product_label, choices, sizes, placed: fmt_time(&order.created_at), total: total_of(&order, lang), price_lines, delivery, steps, tracking, order: OrderRow { status, ..order }, placed_now, ctx: page.ctx })?;
    if placed_now { crate::web::notice::taken(res, settings.secure_cookies()) } else { Ok(res) }
}
