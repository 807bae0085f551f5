//! Factories, for administrators: what they build, where pushes go, their API tokens, and
//! the log of delivery attempts. Secrets and tokens are shown once, at creation.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Deserialize;

use chrono::NaiveDateTime;

use crate::bridge::signing::new_secret;
use crate::bridge::{Dispatcher, DispatcherSettings};
use crate::config::Settings;
use crate::domain::staff::Role;
use crate::store::factories::{self, Factory, FactoryChanges, NewFactory};
use crate::store::{Db, StoreError, audit, now, outbox};
use crate::web::error::see_other;
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
    pub weekly_capacity: String,
    pub cannot_build: String,
    pub enabled: bool,
    pub errors: crate::domain::customer::FieldErrors,
}

impl FactoryForm {
    fn of(f: &Factory) -> Self {
        Self {
            name: f.name.clone(),
            code: f.code.clone(),
            families: f.families.split(',').map(|s| s.trim().to_owned()).collect(),
            push_url: f.push_url.clone().unwrap_or_default(),
            lead_time_days: f.lead_time_days.to_string(),
            weekly_capacity: f.weekly_capacity.to_string(),
            cannot_build: f.cannot_build.clone(),
            enabled: f.enabled,
            errors: Default::default(),
        }
    }

    /// Reads and checks the submitted fields; `errors` says what is wrong, at the field.
    fn read(pairs: &[(String, String)], settings: &DispatcherSettings) -> Self {
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
        let mut form = FactoryForm {
            name: get("name"),
            code: get("code").to_lowercase(),
            families: pairs.iter().filter(|(k, _)| k == "families").map(|(_, v)| v.clone()).filter(|v| v == "apparel" || v == "bicycle").collect(),
            push_url: get("push_url"),
            lead_time_days: get("lead_time_days"),
            weekly_capacity: Some(get("weekly_capacity")).filter(|v| !v.is_empty()).unwrap_or_else(|| "0".into()),
            cannot_build: get("cannot_build").split(',').map(str::trim).filter(|c| !c.is_empty()).collect::<Vec<_>>().join(","),
            enabled: get("enabled") != "off",
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
            if let Err(key) = check_push_url(&form.push_url, settings) {
                form.errors.insert("push_url", key);
            }
        }
        if form.lead_time_days.parse::<i32>().ok().filter(|d| (0..=365).contains(d)).is_none() {
            form.errors.insert("lead_time_days", "factory-lead-time-invalid");
        }
        if form.weekly_capacity.parse::<i32>().ok().filter(|d| (0..=1_000_000).contains(d)).is_none() {
            form.errors.insert("weekly_capacity", "factory-capacity-invalid");
        }
        let code_like = |c: &str| !c.is_empty() && c.len() <= 80 && c.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_".contains(ch));
        if !form.cannot_build.split(',').filter(|c| !c.is_empty()).all(|c| match c.split_once('=') {
            Some((o, v)) => code_like(o) && code_like(v),
            None => code_like(c),
        }) {
            form.errors.insert("cannot_build", "factory-cannot-build-invalid");
        }
        form
    }

    fn lead(&self) -> i32 {
        self.lead_time_days.parse().unwrap_or(14)
    }

    fn capacity(&self) -> i32 {
        self.weekly_capacity.parse().unwrap_or(0)
    }
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
    let form = FactoryForm { lead_time_days: "14".into(), weekly_capacity: "0".into(), enabled: true, ..Default::default() };
    render::ok(&FactoriesPage { ctx: p.ctx, factories, form })
}

#[derive(Template)]
#[template(path = "staff/factory_secret.html")]
pub struct FactorySecretPage {
    pub ctx: Ctx,
    pub factory: Factory,
    pub secret: Option<String>,
    pub token: Option<String>,
    /// Why no new secret was made (a rotation while the previous one's overlap runs).
    pub refused: Option<String>,
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("atf_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Only `http`/`https` destinations with a host and no user info, on the allowlist if there
/// is one, and public unless the operator allows private ones (the SSRF guard).
pub fn check_push_url(url: &str, settings: &DispatcherSettings) -> Result<(), &'static str> {
    crate::bridge::destination::check(url, settings).map(|_| ()).map_err(|r| r.form_key())
}

/// `POST /staff/factories`: creates a factory with a signing secret (if it takes pushes) and
/// a first API token, both shown once.
pub async fn create_factory(p: StaffPage, db: web::Data<Db>, settings: web::Data<Settings>, CsrfForm(pairs): CsrfForm<Vec<(String, String)>>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let mut form = FactoryForm::read(&pairs, &settings.dispatcher);
    let lead = Some(form.lead());
    if !form.errors.is_empty() {
        let factories = db.read(|conn| Ok::<_, StoreError>(factories::list(conn)?)).await?;
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &FactoriesPage { ctx: p.ctx, factories, form });
    }
    let secret = (!form.push_url.is_empty()).then(new_secret);
    let token = new_token();
    let (name, code, families, url, hash, staff_id) =
        (form.name.clone(), form.code.clone(), form.families.join(","), form.push_url.clone(), token_hash(&token), p.staff.id);
    let (capacity, cannot_build) = (form.capacity(), form.cannot_build.clone());
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
            factories::update(conn, id, &FactoryChanges {
                name: &name, families: &families, push_url: (!url.is_empty()).then_some(url.as_str()),
                lead_time_days: lead.unwrap_or(14), weekly_capacity: capacity, cannot_build: &cannot_build, enabled: true,
            })?;
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
    render::ok(&FactorySecretPage { ctx: p.ctx, factory, secret, token: Some(token), refused: None })
}

#[derive(Template)]
#[template(path = "staff/factory.html")]
pub struct FactoryPage {
    pub ctx: Ctx,
    pub factory: Factory,
    pub form: FactoryForm,
    pub tokens: Vec<(i64, String, String, bool)>,
    pub attempts: Vec<(String, String, String, String, String)>,
    pub failed_events: i64,
    pub notice: Option<String>,
    pub replay_error: Option<&'static str>,
    /// Until when the previous secret still signs, if a rotation is in its overlap.
    pub overlap_until: Option<String>,
}

impl FactoryPage {
    async fn load(db: &Db, ctx: Ctx, id: i64) -> Result<Self, AppError> {
        let (factory, tokens, attempts, failed_events) = db
            .read(move |conn| {
                Ok::<_, StoreError>((
                    factories::find(conn, id)?,
                    factories::tokens(conn, id)?,
                    outbox::attempts_for_factory(conn, id, 200)?,
                    outbox::failed_count(conn, id)?,
                ))
            })
            .await?;
        let factory = factory.ok_or(AppError::NotFound)?;
        let attempts = attempts
            .into_iter()
            .map(|(a, event, webhook_id)| {
                (fmt_time(&a.at), event, webhook_id, a.status_code.map(|s| s.to_string()).unwrap_or_else(|| "–".into()), format!("{} ms{}", a.latency_ms, a.error.map(|e| format!(" · {e}")).unwrap_or_default()))
            })
            .collect();
        let tokens = tokens.into_iter().map(|t| (t.id, t.label, fmt_time(&t.created_at), t.revoked_at.is_none())).collect();
        let overlap_until = factory.previous_secret_until.filter(|u| *u > now()).map(|u| fmt_time(&u));
        Ok(Self { ctx, form: FactoryForm::of(&factory), factory, tokens, attempts, failed_events, notice: None, replay_error: None, overlap_until })
    }
}

/// `GET /staff/factories/{id}`: the factory, its settings, tokens and delivery log, saying
/// once what was just done (see [`crate::web::notice`]).
pub async fn show_factory(req: HttpRequest, settings: web::Data<Settings>, p: StaffPage, db: web::Data<Db>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let id = path.into_inner();
    let mut page = FactoryPage::load(&db, p.ctx, id).await?;
    let t = page.ctx.t;
    // This factory's notices only: another's page opened within the minute says nothing.
    let notice = crate::web::notice::of(&req).unwrap_or_default();
    page.notice = if notice == format!("{SAVED}-{id}") {
        Some(t.t("factory-saved"))
    } else if notice == format!("{OVERLAP_ENDED}-{id}") {
        Some(t.t("factory-overlap-ended"))
    } else if notice == format!("{OVERLAP_NONE}-{id}") {
        Some(t.t("factory-overlap-none"))
    } else if let Some((again, superseded)) = notice.strip_prefix(&format!("replayed-{id}-")).and_then(|r| r.split_once('-')) {
        let mut said = t.t1("factory-replayed", "count", again);
        if superseded != "0" {
            said = format!("{said} {}", t.t1("factory-replay-superseded", "count", superseded));
        }
        Some(said)
    } else {
        None
    };
    let said = page.notice.is_some();
    let res = render::ok(&page)?;
    if said { crate::web::notice::taken(res, settings.secure_cookies()) } else { Ok(res) }
}

/// The factory page's notice after its settings were saved.
const SAVED: &str = "factory-saved";

/// `POST /staff/factories/{id}`: changes what it builds, where pushes go, capacity, enabled.
pub async fn update_factory(
    p: StaffPage,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    path: web::Path<i64>,
    CsrfForm(mut pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let id = path.into_inner();
    let mut page = FactoryPage::load(&db, p.ctx, id).await?;
    // The code identifies the factory to its integrator: it does not change.
    pairs.retain(|(k, _)| k != "code");
    pairs.push(("code".into(), page.factory.code.clone()));
    let form = FactoryForm::read(&pairs, &settings.dispatcher);
    if !form.errors.is_empty() {
        page.form = form;
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let (name, families, url, cannot, staff_id) = (form.name.clone(), form.families.join(","), form.push_url.clone(), form.cannot_build.clone(), p.staff.id);
    let (lead, capacity, enabled) = (form.lead(), form.capacity(), form.enabled);
    let secret = new_secret();
    db.write(move |conn| -> Result<(), StoreError> {
        factories::update(conn, id, &FactoryChanges {
            name: &name, families: &families, push_url: (!url.is_empty()).then_some(url.as_str()),
            lead_time_days: lead, weekly_capacity: capacity, cannot_build: &cannot, enabled,
        })?;
        if !url.is_empty() {
            factories::ensure_secret(conn, id, &secret)?;
        }
        audit::record(conn, Some(staff_id), "factory.updated", &format!("factory:{id}"), "")?;
        Ok(())
    })
    .await?;
    crate::web::notice::redirect(&format!("/staff/factories/{id}"), &format!("{SAVED}-{id}"), settings.secure_cookies())
}

/// `POST /staff/factories/{id}/secret`: a new signing secret, shown once; the previous one
/// keeps signing too for the overlap, so the factory can switch without losing an event.
pub async fn rotate_secret(p: StaffPage, db: web::Data<Db>, settings: web::Data<Settings>, path: web::Path<i64>, CsrfForm(_): CsrfForm<Empty>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let id = path.into_inner();
    let secret = new_secret();
    let until = now() + chrono::Duration::from_std(settings.dispatcher.secret_overlap).unwrap_or(chrono::Duration::hours(24));
    let (s2, staff_id) = (secret.clone(), p.staff.id);
    // A second rotation while the first one's overlap runs would stop the secret the factory
    // may still use from signing at once (a double click locked a factory out): refused, saying
    // until when.
    let (factory, rotated) = db
        .write(move |conn| -> Result<Option<(Factory, bool)>, StoreError> {
            let Some(f) = factories::find(conn, id)? else { return Ok(None) };
            if factories::rotate_secret(conn, id, &s2, until)? == 0 {
                return Ok(Some((f, false)));
            }
            audit::record(conn, Some(staff_id), "factory.secret_rotated", &format!("factory:{id}"), "")?;
            Ok(factories::find(conn, id)?.map(|f| (f, true)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    if !rotated {
        let until = factory.previous_secret_until.map(|u| u.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
        let refused = Some(p.ctx.t.t1("factory-rotation-running", "until", until));
        return render::page(StatusCode::CONFLICT, &FactorySecretPage { ctx: p.ctx, factory, secret: None, token: None, refused });
    }
    render::ok(&FactorySecretPage { ctx: p.ctx, factory, secret: Some(secret), token: None, refused: None })
}

/// `POST /staff/factories/{id}/secret/previous/end`: the previous secret stops signing now,
/// for a factory that has switched or a secret that leaked (a rotation may follow at once).
pub async fn end_secret_overlap(p: StaffPage, db: web::Data<Db>, settings: web::Data<Settings>, path: web::Path<i64>, CsrfForm(_): CsrfForm<Empty>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let id = path.into_inner();
    let staff_id = p.staff.id;
    let ended = db
        .write(move |conn| -> Result<Option<bool>, StoreError> {
            if factories::find(conn, id)?.is_none() {
                return Ok(None);
            }
            let ended = factories::end_secret_overlap(conn, id)? > 0;
            if ended {
                audit::record(conn, Some(staff_id), "factory.secret_overlap_ended", &format!("factory:{id}"), "")?;
            }
            Ok(Some(ended))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    // Pressed twice, or after the overlap ran out: nothing signs with it either way.
    let code = if ended { OVERLAP_ENDED } else { OVERLAP_NONE };
    crate::web::notice::redirect(&format!("/staff/factories/{id}"), &format!("{code}-{id}"), settings.secure_cookies())
}

/// The factory page's notices after the previous secret was stopped, or had already stopped.
const OVERLAP_ENDED: &str = "overlap-ended";
const OVERLAP_NONE: &str = "overlap-none";

/// `POST /staff/factories/{id}/tokens/{token}/revoke`: the token stops working at once.
pub async fn revoke_token(p: StaffPage, db: web::Data<Db>, path: web::Path<(i64, i64)>, CsrfForm(_): CsrfForm<Empty>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let (id, token_id) = path.into_inner();
    let staff_id = p.staff.id;
    let n = db
        .write(move |conn| -> Result<usize, StoreError> {
            let n = factories::revoke_token(conn, id, token_id)?;
            if n > 0 {
                audit::record(conn, Some(staff_id), "factory.token_revoked", &format!("factory:{id}"), &format!("token:{token_id}"))?;
            }
            Ok(n)
        })
        .await?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!("/staff/factories/{id}")))
}

/// `POST /staff/factories/{id}/push/enable`: pushes resume after the endpoint was disabled.
pub async fn enable_push(settings: web::Data<Settings>, p: StaffPage, db: web::Data<Db>, dispatcher: web::Data<crate::bridge::Dispatcher>, path: web::Path<i64>, CsrfForm(_): CsrfForm<Empty>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let id = path.into_inner();
    let staff_id = p.staff.id;
    let found = db
        .write(move |conn| -> Result<bool, StoreError> {
            let Some(factory) = factories::find(conn, id)? else { return Ok(false) };
            factories::enable_push(conn, id)?;
            // What waited while pushes were off goes out now, not at its next retry.
            if factory.push_disabled_reason.is_some() {
                crate::store::outbox::due_now_for_factory(conn, id)?;
            }
            audit::record(conn, Some(staff_id), "factory.push_enabled", &format!("factory:{id}"), "")?;
            Ok(true)
        })
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    dispatcher.wake();
    crate::web::notice::redirect(&format!("/staff/factories/{id}"), &format!("{SAVED}-{id}"), settings.secure_cookies())
}

#[derive(Deserialize)]
pub struct ReplayForm {
    #[serde(default)]
    since: String,
}

/// Reads a `datetime-local` value (or a date) as UTC.
fn parse_since(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M"))
        .ok()
        .or_else(|| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
}

/// `POST /staff/factories/{id}/replay`: sends the endpoint's failed events since a time
/// again, with the same `webhook-id`s.
pub async fn replay_failed(
    settings: web::Data<Settings>,
    p: StaffPage,
    db: web::Data<Db>,
    dispatcher: web::Data<Dispatcher>,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<ReplayForm>,
) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let id = path.into_inner();
    let Some(since) = parse_since(&form.since) else {
        let mut page = FactoryPage::load(&db, p.ctx, id).await?;
        page.replay_error = Some("factory-replay-since-invalid");
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let staff_id = p.staff.id;
    let replayed = db
        .write(move |conn| -> Result<Option<outbox::Replayed>, StoreError> {
            if factories::find(conn, id)?.is_none() {
                return Ok(None);
            }
            let r = outbox::replay_failed(conn, id, since)?;
            audit::record(conn, Some(staff_id), "factory.replayed", &format!("factory:{id}"), &format!("{} events since {since}", r.sent_again))?;
            Ok(Some(r))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    dispatcher.wake();
    crate::web::notice::redirect(&format!("/staff/factories/{id}"), &format!("replayed-{id}-{}-{}", replayed.sent_again, replayed.superseded), settings.secure_cookies())
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
    render::ok(&FactorySecretPage { ctx: p.ctx, factory, secret: None, refused: None, token: Some(token) })
}

#[cfg(test)]
mod tests {
    use super::check_push_url;

    #[test]
    fn replay_times_are_read_from_the_form() {
        use super::parse_since;
        assert_eq!(parse_since("2026-11-20T08:30").map(|t| t.to_string()).as_deref(), Some("2026-11-20 08:30:00"));
        assert_eq!(parse_since("2026-11-20").map(|t| t.to_string()).as_deref(), Some("2026-11-20 00:00:00"));
        assert_eq!(parse_since("yesterday"), None);
        assert_eq!(parse_since(""), None);
    }

    #[test]
    fn push_urls_must_be_http_or_https_with_a_host() {
        let strict = crate::bridge::DispatcherSettings::default();
        let open = crate::bridge::DispatcherSettings { allow_private: true, ..Default::default() };
        assert!(check_push_url("https://factory.example/hooks", &strict).is_ok());
        assert_eq!(check_push_url("http://127.0.0.1:9000/x", &strict), Err("factory-url-private"));
        assert!(check_push_url("http://127.0.0.1:9000/x", &open).is_ok());
        assert_eq!(check_push_url("ftp://x", &open), Err("factory-url-scheme"));
        assert_eq!(check_push_url("file:///etc/passwd", &open), Err("factory-url-scheme"));
        assert_eq!(check_push_url("http://example.com\\@127.0.0.1/", &open), Err("factory-url-invalid"));
        assert_eq!(check_push_url(&format!("https://{}.example/", "a".repeat(64)), &open), Err("factory-url-invalid"));
        assert_eq!(check_push_url(&format!("https://{}.example/", "a".repeat(63)), &open), Ok(()));
        assert_eq!(check_push_url("https:///nohost", &open), Err("factory-url-invalid"));
        assert_eq!(check_push_url("https://user@host/", &open), Err("factory-url-userinfo"));
    }
}
