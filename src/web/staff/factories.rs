//! Factories, for administrators: what they build, where pushes go, their API tokens, and
//! the log of delivery attempts. Secrets and tokens are shown once, at creation.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Deserialize;

use crate::bridge::signing::new_secret;
use crate::domain::staff::Role;
use crate::store::factories::{self, Factory, NewFactory};
use crate::store::{Db, StoreError, audit, outbox};
use crate::web::api::token_hash;
use crate::web::auth::{Ctx, StaffPage};
use crate::web::csrf::CsrfForm;
use crate::web::error::AppError;
use crate::web::render;

use super::customer_page::fmt_time;

#[derive(Default)]
pub struct FactoryForm {
    pub name: String,
    pub code: String,
    pub families: Vec<String>,
    pub push_url: String,
    pub lead_time_days: String,
    pub errors: crate::domain::customer::FieldErrors,
}

#[derive(Template)]
#[template(path = "staff/factories.html")]
pub struct FactoriesPage {
    pub ctx: Ctx,
    pub factories: Vec<Factory>,
    pub form: FactoryForm,
}

pub async fn list_factories(p: StaffPage, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let factories = db.read(|conn| Ok::<_, StoreError>(factories::list(conn)?)).await?;
    render::ok(&FactoriesPage { ctx: p.ctx, factories, form: FactoryForm { lead_time_days: "14".into(), ..Default::default() } })
}

#[derive(Template)]
#[template(path = "staff/factory_secret.html")]
pub struct FactorySecretPage {
    pub ctx: Ctx,
    pub factory: Factory,
    pub secret: Option<String>,
    pub token: String,
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("atf_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Only `http`/`https` destinations, with a host.
pub fn check_push_url(url: &str) -> Result<(), &'static str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or("factory-url-scheme")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains('@') || url.chars().any(char::is_whitespace) {
        return Err("factory-url-invalid");
    }
    Ok(())
}

/// `POST /staff/factories`: creates a factory with a signing secret (if it takes pushes) and
/// a first API token, both shown once.
pub async fn create_factory(p: StaffPage, db: web::Data<Db>, CsrfForm(pairs): CsrfForm<Vec<(String, String)>>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let mut form = FactoryForm {
        name: get("name"),
        code: get("code").to_lowercase(),
        families: pairs.iter().filter(|(k, _)| k == "families").map(|(_, v)| v.clone()).filter(|v| v == "apparel" || v == "bicycle").collect(),
        push_url: get("push_url"),
        lead_time_days: get("lead_time_days"),
        errors: Default::default(),
    };
    if form.name.is_empty() {
        form.errors.insert("name", "factory-name-required");
    }
    if form.code.is_empty() || !form.code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') || form.code.len() > 40 {
        form.errors.insert("code", "factory-code-invalid");
    }
    if form.families.is_empty() {
        form.errors.insert("families", "factory-families-required");
    }
    if !form.push_url.is_empty() {
        if let Err(key) = check_push_url(&form.push_url) {
            form.errors.insert("push_url", key);
        }
    }
    let lead: Option<i32> = form.lead_time_days.parse().ok().filter(|d| (0..=365).contains(d));
    if lead.is_none() {
        form.errors.insert("lead_time_days", "factory-lead-time-invalid");
    }
    if !form.errors.is_empty() {
        let factories = db.read(|conn| Ok::<_, StoreError>(factories::list(conn)?)).await?;
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &FactoriesPage { ctx: p.ctx, factories, form });
    }
    let secret = (!form.push_url.is_empty()).then(new_secret);
    let token = new_token();
    let (name, code, families, url, hash, staff_id) =
        (form.name.clone(), form.code.clone(), form.families.join(","), form.push_url.clone(), token_hash(&token), p.staff.id);
    let secret2 = secret.clone();
    let created = db
        .write(move |conn| -> Result<Factory, StoreError> {
            let id = factories::insert(
                conn,
                &NewFactory {
                    code: &code,
                    name: &name,
                    families: &families,
                    push_url: (!url.is_empty()).then_some(url.as_str()),
                    signing_secret: secret2.as_deref(),
                    lead_time_days: lead.unwrap_or(14),
                },
            )?;
            factories::insert_token(conn, id, &hash, "first token")?;
            audit::record(conn, Some(staff_id), "factory.created", &format!("factory:{id}"), "")?;
            factories::find(conn, id)?.ok_or(StoreError::Query(diesel::result::Error::NotFound))
        })
        .await;
    let factory = match created {
        Ok(f) => f,
        Err(e) if e.is_unique_violation() => {
            form.errors.insert("code", "factory-code-taken");
            let factories = db.read(|conn| Ok::<_, StoreError>(factories::list(conn)?)).await?;
            return render::page(StatusCode::UNPROCESSABLE_ENTITY, &FactoriesPage { ctx: p.ctx, factories, form });
        }
        Err(e) => return Err(e.into()),
    };
    render::ok(&FactorySecretPage { ctx: p.ctx, factory, secret, token })
}

#[derive(Template)]
#[template(path = "staff/factory.html")]
pub struct FactoryPage {
    pub ctx: Ctx,
    pub factory: Factory,
    pub attempts: Vec<(String, String, String, String, String)>,
}

/// `GET /staff/factories/{id}`: the factory and its delivery log.
pub async fn show_factory(p: StaffPage, db: web::Data<Db>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let id = path.into_inner();
    let (factory, attempts) = db
        .read(move |conn| Ok::<_, StoreError>((factories::find(conn, id)?, outbox::attempts_for_factory(conn, id, 200)?)))
        .await?;
    let factory = factory.ok_or(AppError::NotFound)?;
    let attempts = attempts
        .into_iter()
        .map(|(a, event, webhook_id)| {
            (fmt_time(&a.at), event, webhook_id, a.status_code.map(|s| s.to_string()).unwrap_or_else(|| "–".into()), format!("{} ms{}", a.latency_ms, a.error.map(|e| format!(" · {e}")).unwrap_or_default()))
        })
        .collect();
    render::ok(&FactoryPage { ctx: p.ctx, factory, attempts })
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /staff/factories/{id}/tokens`: another API token (for rotation), shown once.
pub async fn create_token(p: StaffPage, db: web::Data<Db>, path: web::Path<i64>, CsrfForm(_): CsrfForm<Empty>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let id = path.into_inner();
    let token = new_token();
    let (hash, staff_id) = (token_hash(&token), p.staff.id);
    let factory = db
        .write(move |conn| -> Result<Option<Factory>, StoreError> {
            let Some(f) = factories::find(conn, id)? else { return Ok(None) };
            factories::insert_token(conn, id, &hash, "added")?;
            audit::record(conn, Some(staff_id), "factory.token_created", &format!("factory:{id}"), "")?;
            Ok(Some(f))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    render::ok(&FactorySecretPage { ctx: p.ctx, factory, secret: None, token })
}

#[cfg(test)]
mod tests {
    use super::check_push_url;

    #[test]
    fn push_urls_must_be_http_or_https_with_a_host() {
        assert!(check_push_url("https://factory.example/hooks").is_ok());
        assert!(check_push_url("http://127.0.0.1:9000/x").is_ok());
        assert_eq!(check_push_url("ftp://x"), Err("factory-url-scheme"));
        assert_eq!(check_push_url("file:///etc/passwd"), Err("factory-url-scheme"));
        assert_eq!(check_push_url("https:///nohost"), Err("factory-url-invalid"));
        assert_eq!(check_push_url("https://user@host/"), Err("factory-url-invalid"));
    }
}
