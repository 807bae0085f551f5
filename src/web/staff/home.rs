use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::staff::Role;
use crate::store::stores::Store;
use crate::store::{Db, StoreError};
use crate::web::auth::{Ctx, StaffPage};
use crate::web::error::AppError;
use crate::web::render;

#[derive(Template)]
#[template(path = "staff/home.html")]
pub struct HomePage {
    pub ctx: Ctx,
    pub store: Option<Store>,
    pub stores: Vec<Store>,
}

/// `GET /staff`: the store's home; an administrator sees every store of the chain.
pub async fn show_home(page: StaffPage, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    let staff = page.staff.clone();
    let (store, stores) = db
        .read(move |conn| -> Result<_, StoreError> {
            let store = match staff.store_id {
                Some(id) => crate::store::stores::find(conn, id)?,
                None => None,
            };
            let stores = if staff.role == Role::Admin { crate::store::stores::list(conn)? } else { vec![] };
            Ok((store, stores))
        })
        .await?;
    render::ok(&HomePage { ctx: page.ctx, store, stores })
}

pub struct TeamMember {
    pub name: String,
    pub role: Role,
}

#[derive(Template)]
#[template(path = "staff/store.html")]
pub struct StorePage {
    pub ctx: Ctx,
    pub store: Store,
    pub team: Vec<TeamMember>,
}

/// `GET /staff/stores/{id}`: a store's page, for its own staff and administrators only.
pub async fn show_store(page: StaffPage, db: web::Data<Db>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let store_id = path.into_inner();
    page.staff.require_store(store_id)?;
    let (store, team) = db
        .read(move |conn| -> Result<_, StoreError> {
            let store = crate::store::stores::find(conn, store_id)?;
            let team = crate::store::staff::list_for_store(conn, store_id)?
                .into_iter()
                .filter(|s| s.active)
                .map(|s| TeamMember { role: Role::parse(&s.role).unwrap_or(Role::Fitter), name: s.name })
                .collect::<Vec<_>>();
            Ok((store, team))
        })
        .await?;
    let store = store.ok_or(AppError::NotFound)?;
    render::ok(&StorePage { ctx: page.ctx, store, team })
}
