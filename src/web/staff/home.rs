use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::staff::Role;
use crate::store::stores::Store;
use crate::store::{Db, StoreError, notices};
use crate::web::csrf::CsrfForm;
use crate::web::error::see_other;

use super::customer_page::fmt_time;
use crate::web::auth::{Ctx, StaffPage};
use crate::web::error::AppError;
use crate::web::render;

#[derive(Template)]
#[template(path = "staff/home.html")]
pub struct HomePage {
    pub ctx: Ctx,
    pub store: Option<Store>,
    /// The store's newest orders.
    pub recent: Vec<RecentOrder>,
    pub stores: Vec<Store>,
    /// Things administrators must act on (time, subject link, message, id).
    pub notices: Vec<(String, String, String, i64)>,
    /// What was just done (the password changed), said once.
    pub done: Option<String>,
}

pub struct RecentOrder {
    pub id: i64,
    pub reference: String,
    pub customer: String,
    pub product: String,
    pub status: String,
    pub total: String,
    pub at: String,
}

/// Orders shown on a store's home.
const RECENT_ORDERS: i64 = 8;

/// `GET /staff`: the store's home (its newest orders); an administrator sees every store of the chain.
pub async fn show_home(req: actix_web::HttpRequest, settings: web::Data<crate::config::Settings>, page: StaffPage, db: web::Data<Db>, cache: web::Data<crate::catalogs::CatalogCache>) -> Result<HttpResponse, AppError> {
    let staff = page.staff.clone();
    let (store, recent, names, stores, notices) = db
        .read(move |conn| -> Result<_, StoreError> {
            let store = match staff.store_id {
                Some(id) => crate::store::stores::find(conn, id)?,
                None => None,
            };
            let recent = match staff.store_id {
                Some(id) => crate::store::orders::recent_for_store(conn, id, RECENT_ORDERS)?,
                None => vec![],
            };
            let ids: Vec<i64> = recent.iter().map(|(_, c)| *c).collect();
            let names: std::collections::HashMap<i64, String> = crate::store::customers::find_many(conn, &ids)?.into_iter().map(|c| (c.id, c.name)).collect();
            let admin = staff.role == Role::Admin;
            let stores = if admin { crate::store::stores::list(conn)? } else { vec![] };
            let notices = if admin { notices::open(conn)? } else { vec![] };
            Ok((store, recent, names, stores, notices))
        })
        .await?;
    let labels = super::customer_profile::Labels::load(&db, &cache, page.ctx.t).await?;
    let lang = page.ctx.t.lang;
    let recent = recent
        .into_iter()
        .map(|(o, customer)| RecentOrder {
            id: o.id,
            product: labels.product(&o.product_code),
            total: crate::domain::money::format_minor(o.total_minor, &o.currency, lang),
            customer: names.get(&customer).cloned().unwrap_or_default(),
            at: fmt_time(&o.created_at),
            reference: o.reference,
            status: o.status,
        })
        .collect();
    let notices = notices
        .into_iter()
        .map(|n| {
            let link = n.subject.strip_prefix("factory:").map(|id| format!("/staff/factories/{id}")).unwrap_or_default();
            (fmt_time(&n.created_at), link, n.message, n.id)
        })
        .collect();
    // The password just changed (the password form redirects here): said once.
    let changed = crate::web::notice::is(&req, &format!("password-{}", page.staff.id));
    let done = changed.then(|| page.ctx.t.t("password-changed-notice"));
    let res = render::ok(&HomePage { ctx: page.ctx, store, recent, stores, notices, done })?;
    if changed { crate::web::notice::taken(res, settings.secure_cookies()) } else { Ok(res) }
}

/// `POST /staff/notices/{id}/dismiss`: an administrator has seen to it.
pub async fn dismiss_notice(page: StaffPage, db: web::Data<Db>, path: web::Path<i64>, CsrfForm(_): CsrfForm<super::factories::Empty>) -> Result<HttpResponse, AppError> {
    page.staff.require_role(Role::Admin)?;
    let id = path.into_inner();
    db.write(move |conn| Ok::<_, StoreError>(notices::dismiss(conn, id)?)).await?;
    Ok(see_other("/staff"))
}
