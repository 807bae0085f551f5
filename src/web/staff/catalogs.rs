//! Catalog administration: what is loaded, every stored version, import with lint messages,
//! and each product's options, rules and derived values (with their formulas) for staff.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::catalogs::{CatalogCache, ImportError, Imported, import_blocking};
use crate::domain::catalog::CompiledCatalog;
use crate::domain::catalog::compile::{DerivedKind, RuleBody};
use crate::domain::lang::Lang;
use crate::domain::staff::Role;
use crate::store::catalogs::{self, CatalogVersion};
use crate::store::{Db, StoreError};
use crate::web::auth::{Ctx, StaffPage};
use crate::web::csrf::CsrfForm;
use crate::web::error::{AppError, see_other};
use crate::web::render;

use super::customer_page::fmt_time;

/// A catalog file may be large, but not unboundedly so.
const MAX_SOURCE_BYTES: usize = 1024 * 1024;

#[derive(Template)]
#[template(path = "staff/catalogs.html")]
pub struct CatalogsPage {
    pub ctx: Ctx,
    pub versions: Vec<CatalogVersion>,
    pub current: Vec<i64>,
    pub may_import: bool,
    pub file_name: String,
    pub source: String,
    pub issues: Vec<String>,
    pub notice: Option<String>,
}

impl CatalogsPage {
    pub fn when(&self, v: &CatalogVersion) -> String {
        fmt_time(&v.imported_at)
    }
}

#[derive(Deserialize)]
pub struct ImportedQuery {
    #[serde(default)]
    imported: Option<String>,
    #[serde(default)]
    unchanged: Option<String>,
}

async fn page(ctx: Ctx, db: &Db, may_import: bool) -> Result<CatalogsPage, AppError> {
    let (versions, current) = db
        .read(|conn| -> Result<_, StoreError> {
            Ok((catalogs::list(conn)?, catalogs::current(conn)?.into_iter().map(|v| v.id).collect()))
        })
        .await?;
    Ok(CatalogsPage { ctx, versions, current, may_import, file_name: String::new(), source: String::new(), issues: vec![], notice: None })
}

/// `GET /staff/catalogs` (managers and administrators).
pub async fn list_catalogs(p: StaffPage, db: web::Data<Db>, q: web::Query<ImportedQuery>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Manager)?;
    let may_import = p.staff.role == Role::Admin;
    let t = p.ctx.t;
    let mut page = page(p.ctx, &db, may_import).await?;
    page.notice = match (&q.imported, &q.unchanged) {
        (Some(v), _) => Some(t.t1("catalog-imported", "version", v)),
        (_, Some(v)) => Some(t.t1("catalog-unchanged", "version", v)),
        _ => None,
    };
    render::ok(&page)
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    file_name: String,
    #[serde(default)]
    source: String,
}

/// `POST /staff/catalogs`: administrators import a catalog; a refused one comes back with
/// every lint message and the text as it was sent.
pub async fn import_catalog(
    p: StaffPage,
    db: web::Data<Db>,
    cache: web::Data<CatalogCache>,
    CsrfForm(form): CsrfForm<ImportForm>,
) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let t = p.ctx.t;
    let file_name = {
        let f = form.file_name.trim();
        if f.is_empty() { "catalog.toml".to_owned() } else { f.chars().take(120).collect() }
    };
    let refuse = |issues: Vec<String>| (issues, form.source.clone(), file_name.clone());
    let outcome = if form.source.trim().is_empty() {
        Err(refuse(vec![t.t("catalog-source-required")]))
    } else if form.source.len() > MAX_SOURCE_BYTES {
        Err(refuse(vec![t.t("catalog-source-too-large")]))
    } else {
        let (db2, file, text, staff_id) = (db.get_ref().clone(), file_name.clone(), form.source.clone(), p.staff.id);
        match tokio::task::spawn_blocking(move || import_blocking(&db2, &file, &text, Some(staff_id))).await {
            Ok(Ok((imported, compiled))) => Ok((imported, compiled)),
            Ok(Err(ImportError::Refused(report))) => Err(refuse(report.issues.iter().map(|i| i.to_string()).collect())),
            Ok(Err(ImportError::OlderRevision { code, revision, current })) => Err(refuse(vec![t.t_args(
                "catalog-older-revision",
                &[("catalog", code), ("revision", revision.to_string()), ("current", current.to_string())],
            )])),
            Ok(Err(ImportError::Store(e))) => return Err(e.into()),
            Err(_) => return Err(AppError::Unexpected(anyhow::anyhow!("catalog import was cancelled"))),
        }
    };
    match outcome {
        Ok((imported, compiled)) => {
            let v = imported.version();
            cache.insert(v.id, compiled);
            let label = format!("{} r{}", v.catalog_code, v.revision);
            let key = if matches!(imported, Imported::New(_)) { "imported" } else { "unchanged" };
            Ok(see_other(&format!("/staff/catalogs?{key}={}", crate::web::error::urlencode(&label))))
        }
        Err((issues, source, file_name)) => {
            let mut again = page(p.ctx, &db, true).await?;
            again.issues = issues;
            again.source = source;
            again.file_name = file_name;
            render::page(StatusCode::UNPROCESSABLE_ENTITY, &again)
        }
    }
}

pub struct OptionView {
    pub code: String,
    pub label: String,
    pub kind: String,
    pub values: Vec<(String, String, String)>,
}

pub struct RuleView {
    pub id: String,
    pub kind: String,
    pub text: String,
}

pub struct ProductView {
    pub code: String,
    pub label: String,
    pub family: String,
    pub base_price: String,
    pub options: Vec<OptionView>,
    pub rules: Vec<RuleView>,
    pub derived: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "staff/catalog.html")]
pub struct CatalogPage {
    pub ctx: Ctx,
    pub version: CatalogVersion,
    pub title: String,
    pub products: Vec<ProductView>,
}

fn products(c: &CompiledCatalog, lang: Lang) -> Vec<ProductView> {
    c.products()
        .map(|p| ProductView {
            code: p.code.clone(),
            label: p.label.get(lang),
            family: format!("{:?}", p.family).to_lowercase(),
            base_price: format!("{} {}", p.base_price, p.currency),
            options: p
                .options
                .iter()
                .map(|o| OptionView {
                    code: o.code.clone(),
                    label: o.label.get(lang),
                    kind: format!("{:?}", o.kind).to_lowercase(),
                    values: o.values.iter().map(|v| (v.code.clone(), v.label.get(lang), v.surcharge.to_string())).collect(),
                })
                .collect(),
            rules: p
                .rules
                .iter()
                .map(|r| RuleView {
                    id: r.id.clone(),
                    kind: format!("{:?}", r.kind).to_lowercase(),
                    text: match &r.body {
                        RuleBody::Constraint(e) => e.source.clone(),
                        _ => r.message.as_ref().map(|m| m.get(lang)).unwrap_or_default(),
                    },
                })
                .collect(),
            derived: p
                .derived
                .iter()
                .map(|d| {
                    let formula = match &d.kind {
                        DerivedKind::Formula(e) => e.source.clone(),
                        DerivedKind::Chart { .. } => "size chart".to_owned(),
                    };
                    (d.code.clone(), d.label.get(lang), formula)
                })
                .collect(),
        })
        .collect()
}

/// `GET /staff/catalogs/{id}`: one version, as staff need to read it.
pub async fn show_catalog(p: StaffPage, db: web::Data<Db>, cache: web::Data<CatalogCache>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let (version, compiled) = cache.get(&db, path.into_inner()).await?.ok_or(AppError::NotFound)?;
    let lang = p.ctx.t.lang;
    let title = compiled.label.as_ref().map(|l| l.get(lang)).unwrap_or_else(|| compiled.id.clone());
    render::ok(&CatalogPage { products: products(&compiled, lang), ctx: p.ctx, version, title })
}

#[derive(Template)]
#[template(path = "staff/coverage.html")]
pub struct CoveragePage {
    pub ctx: Ctx,
    pub version: CatalogVersion,
    pub every: usize,
    pub report: String,
}

#[derive(Deserialize)]
pub struct CoverageQuery {
    /// Every n-th person of the population: a quick look instead of the full run.
    #[serde(default)]
    every: Option<usize>,
}

/// `GET /staff/catalogs/{id}/coverage`: the catalog over the reference population.
pub async fn show_coverage(
    p: StaffPage,
    db: web::Data<Db>,
    cache: web::Data<CatalogCache>,
    path: web::Path<i64>,
    q: web::Query<CoverageQuery>,
) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Manager)?;
    let (version, compiled) = cache.get(&db, path.into_inner()).await?.ok_or(AppError::NotFound)?;
    let every = q.every.unwrap_or(1).clamp(1, 1000);
    let lang = p.ctx.t.lang;
    let report = tokio::task::spawn_blocking(move || crate::catalogs::coverage_text(&compiled, lang, every))
        .await
        .map_err(|_| AppError::Unexpected(anyhow::anyhow!("coverage run was cancelled")))?
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))?;
    render::ok(&CoveragePage { ctx: p.ctx, version, every, report })
}
