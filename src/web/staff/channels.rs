//! Sales channels, for administrators: a partner web shop, a point of sale or a kiosk gets
//! an API key (shown once, stored as SHA-256) to order through `/api/v1`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Deserialize;

use crate::domain::customer::FieldErrors;
use crate::domain::staff::Role;
use crate::store::channels::{self, Channel};
use crate::store::stores::Store;
use crate::store::{Db, StoreError, audit};
use crate::web::api::token_hash;
use crate::web::auth::{Ctx, StaffPage};
use crate::web::csrf::CsrfForm;
use crate::web::error::{AppError, see_other};
use crate::web::render;

use super::customer_page::fmt_time;
use super::factories::Empty;

#[derive(Default, Deserialize)]
pub struct ChannelForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub store: String,
    #[serde(skip)]
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "staff/channels.html")]
pub struct ChannelsPage {
    pub ctx: Ctx,
    pub channels: Vec<Channel>,
    pub stores: Vec<Store>,
    pub form: ChannelForm,
}

async fn load(db: &Db) -> Result<(Vec<Channel>, Vec<Store>), AppError> {
    Ok(db.read(|conn| Ok::<_, StoreError>((channels::list(conn)?, crate::store::stores::list(conn)?))).await?)
}

/// `GET /staff/channels`
pub async fn list_channels(p: StaffPage, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let (channels, stores) = load(&db).await?;
    render::ok(&ChannelsPage { ctx: p.ctx, channels, stores, form: ChannelForm::default() })
}

fn new_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("atc_{}", URL_SAFE_NO_PAD.encode(bytes))
}

#[derive(Template)]
#[template(path = "staff/channel.html")]
pub struct ChannelPage {
    pub ctx: Ctx,
    pub channel: Channel,
    pub store: String,
    /// (id, created, live)
    pub keys: Vec<(i64, String, bool)>,
    /// A new key, shown this once.
    pub new_key: Option<String>,
}

async fn channel_page(db: &Db, ctx: Ctx, id: i64, new_key: Option<String>) -> Result<ChannelPage, AppError> {
    let (channel, keys, stores) = db
        .read(move |conn| Ok::<_, StoreError>((channels::find(conn, id)?, channels::keys(conn, id)?, crate::store::stores::list(conn)?)))
        .await?;
    let channel = channel.ok_or(AppError::NotFound)?;
    let store = stores.into_iter().find(|s| Some(s.id) == channel.store_id).map(|s| s.name).unwrap_or_default();
    let keys = keys.into_iter().map(|(k, at, revoked)| (k, fmt_time(&at), revoked.is_none())).collect();
    Ok(ChannelPage { ctx, channel, store, keys, new_key })
}

/// `POST /staff/channels`: a new channel and its first key, shown once.
pub async fn create_channel(p: StaffPage, db: web::Data<Db>, CsrfForm(mut form): CsrfForm<ChannelForm>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    form.name = form.name.trim().to_owned();
    form.code = form.code.trim().to_lowercase();
    if form.name.is_empty() || form.name.chars().count() > 120 {
        form.errors.insert("name", "channel-name-required");
    }
    if form.code.is_empty() || form.code.len() > 40 || !form.code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        form.errors.insert("code", "factory-code-invalid");
    }
    let (channels, stores) = load(&db).await?;
    let store_id = match form.store.as_str() {
        "" => None,
        s => match stores.iter().find(|st| st.id.to_string() == s && st.is_open()) {
            Some(st) => Some(st.id),
            None => {
                form.errors.insert("store", "channel-store-unknown");
                None
            }
        },
    };
    if !form.errors.is_empty() {
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &ChannelsPage { ctx: p.ctx, channels, stores, form });
    }
    let key = new_key();
    let (name, code, hash, staff_id) = (form.name.clone(), form.code.clone(), token_hash(&key), p.staff.id);
    let created = db
        .write(move |conn| -> Result<i64, StoreError> {
            let id = channels::insert(conn, &code, &name, store_id)?;
            channels::insert_key(conn, id, &hash)?;
            audit::record(conn, Some(staff_id), "channel.created", &format!("channel:{id}"), "")?;
            Ok(id)
        })
        .await;
    match created {
        Ok(id) => render::ok(&channel_page(&db, p.ctx, id, Some(key)).await?),
        Err(e) if e.is_unique_violation() => {
            form.errors.insert("code", "channel-code-taken");
            render::page(StatusCode::UNPROCESSABLE_ENTITY, &ChannelsPage { ctx: p.ctx, channels, stores, form })
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /staff/channels/{id}`
pub async fn show_channel(p: StaffPage, db: web::Data<Db>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    render::ok(&channel_page(&db, p.ctx, path.into_inner(), None).await?)
}

/// `POST /staff/channels/{id}/keys`: another key (for rotation), shown once.
pub async fn create_key(p: StaffPage, db: web::Data<Db>, path: web::Path<i64>, CsrfForm(_): CsrfForm<Empty>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let id = path.into_inner();
    let key = new_key();
    let (hash, staff_id) = (token_hash(&key), p.staff.id);
    let found = db
        .write(move |conn| -> Result<bool, StoreError> {
            if channels::find(conn, id)?.is_none() {
                return Ok(false);
            }
            channels::insert_key(conn, id, &hash)?;
            audit::record(conn, Some(staff_id), "channel.key_created", &format!("channel:{id}"), "")?;
            Ok(true)
        })
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    render::ok(&channel_page(&db, p.ctx, id, Some(key)).await?)
}

/// `POST /staff/channels/{id}/keys/{key}/revoke`
pub async fn revoke_key(p: StaffPage, db: web::Data<Db>, path: web::Path<(i64, i64)>, CsrfForm(_): CsrfForm<Empty>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let (id, key_id) = path.into_inner();
    let staff_id = p.staff.id;
    let n = db
        .write(move |conn| -> Result<usize, StoreError> {
            let n = channels::revoke_key(conn, id, key_id)?;
            if n > 0 {
                audit::record(conn, Some(staff_id), "channel.key_revoked", &format!("channel:{id}"), &format!("key:{key_id}"))?;
            }
            Ok(n)
        })
        .await?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!("/staff/channels/{id}")))
}
