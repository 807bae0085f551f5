//! Catalog versions: importing (lint, then store a new revision if the text changed), and a
//! per-process cache of compiled catalogs, so that the engine compiles each version once.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::domain::catalog::{CompiledCatalog, LintReport};
use crate::store::catalogs::{self, CatalogVersion, NewCatalogVersion};
use crate::memo::Memo;
use crate::store::epoch::Topic;
use crate::store::{Db, StoreError, audit, now};

/// The demo lines loaded on first start (and updated when a release changes them).
pub const DEMO_CATALOGS: [(&str, &str); 2] = [
    ("bicycles.toml", include_str!("../catalog/bicycles.toml")),
    ("sportswear.toml", include_str!("../catalog/sportswear.toml")),
];

/// The ANSUR II reference population (both sexes), in canonical units; see `data/ansur/`.
pub const POPULATION: &str = include_str!("../data/ansur/population.csv");

/// The coverage report of a catalog over the reference population, or every `every`-th
/// person of it (a quick look). Blocking: a full run takes seconds.
pub fn coverage_text(catalog: &CompiledCatalog, lang: crate::domain::lang::Lang, every: usize) -> Result<String, String> {
    let people = crate::domain::catalog::coverage::parse_population(POPULATION)?;
    let sample: Vec<_> = people.into_iter().step_by(every.max(1)).collect();
    Ok(crate::domain::catalog::coverage::coverage(catalog, &sample).to_text(lang))
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Refused(#[from] LintReport),
    /// The text is an older revision's, not the current one's: importing it again would not
    /// bring it back (revisions are kept once each, and the newest is current).
    #[error("{code}: this is the text of revision {revision}, but revision {current} is current; a text is stored once, so to go back to it, change its `version` and import it again as a new revision")]
    OlderRevision { code: String, revision: i32, current: i32 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        ImportError::Store(e.into())
    }
}

#[derive(Debug)]
pub enum Imported {
    /// A new revision was stored.
    New(CatalogVersion),
    /// The same text was imported before; nothing changed.
    Unchanged(CatalogVersion),
}

impl Imported {
    pub fn version(&self) -> &CatalogVersion {
        match self {
            Imported::New(v) | Imported::Unchanged(v) => v,
        }
    }
}

/// Lints a catalog text and stores it as the next revision unless the same text is stored
/// already. Blocking: compiling and linting take a while; call it off the async threads.
pub fn import_blocking(db: &Db, file_name: &str, text: &str, staff_id: Option<i64>) -> Result<(Imported, Arc<CompiledCatalog>), ImportError> {
    // Compiling is cheap and names the catalog; the full lint (dead values, a typical
    // customer) costs about twenty times more and only runs for a text not stored yet, so an
    // unchanged demo catalog does not slow down every start.
    let compiled = CompiledCatalog::compile(file_name, text)?;
    let sha = hex::encode(Sha256::digest(text.as_bytes()));
    let known = db.write_blocking(|conn| -> Result<_, StoreError> {
        let Some(existing) = catalogs::find_by_hash(conn, &compiled.id, &sha)? else { return Ok(None) };
        let current = catalogs::current(conn)?.into_iter().find(|v| v.catalog_code == existing.catalog_code);
        Ok(Some((existing, current)))
    })?;
    if let Some((existing, current)) = known {
        if let Some(current) = current.filter(|c| c.id != existing.id) {
            return Err(ImportError::OlderRevision { code: existing.catalog_code, revision: existing.revision, current: current.revision });
        }
        return Ok((Imported::Unchanged(existing), Arc::new(compiled)));
    }
    let compiled = CompiledCatalog::import(file_name, text)?;
    let imported = db.write_blocking(|conn| -> Result<Imported, ImportError> {
        if let Some(existing) = catalogs::find_by_hash(conn, &compiled.id, &sha)? {
            return Ok(Imported::Unchanged(existing));
        }
        let version = catalogs::insert(
            conn,
            &NewCatalogVersion {
                catalog_code: &compiled.id,
                label: &compiled.version,
                source_sha256: &sha,
                source: text,
                file_name,
                imported_at: now(),
                imported_by_staff_id: staff_id,
            },
        )?;
        let detail = format!("revision {} ({})", version.revision, version.label);
        audit::record(conn, staff_id, "catalog.imported", &format!("catalog:{}", compiled.id), &detail)?;
        Ok(Imported::New(version))
    })?;
    Ok((imported, Arc::new(compiled)))
}

/// Compiled catalogs by version id. Versions never change, so entries never go stale.
#[derive(Clone)]
pub struct CatalogCache {
    compiled: Arc<RwLock<HashMap<i64, Arc<CompiledCatalog>>>>,
    /// The version rows of compiled catalogs: a hit needs no database read at all.
    versions: Arc<RwLock<HashMap<i64, CatalogVersion>>>,
    /// Which versions are current: changes only when a catalog is imported.
    current: Arc<Memo<(), Vec<CatalogVersion>>>,
    /// The same, compiled: every shop page, live update and customer page asks for it.
    current_compiled: Arc<Memo<(), Current>>,
}

/// The newest version of each catalog with its compiled form, shared rather than copied.
pub type Current = Arc<[(CatalogVersion, Arc<CompiledCatalog>)]>;

impl Default for CatalogCache {
    fn default() -> Self {
        Self { compiled: Default::default(), versions: Default::default(), current: Arc::new(Memo::new(Topic::Settled, Duration::ZERO)), current_compiled: Arc::new(Memo::new(Topic::Settled, Duration::ZERO)) }
    }
}

impl CatalogCache {
    /// The same compiled catalogs, and the current versions kept for up to `ttl` (the server
    /// sets it; the command line asks the database every time).
    pub fn keeping_current_for(self, ttl: Duration) -> Self {
        Self { current: Arc::new(Memo::new(Topic::Settled, ttl)), current_compiled: Arc::new(Memo::new(Topic::Settled, ttl)), ..self }
    }

    /// [`CatalogCache::current`], compiled (a version that no longer compiles is left out).
    pub async fn current_compiled(&self, db: &Db) -> Result<Current, StoreError> {
        let kept = self
            .current_compiled
            .get_or_load((), || async {
                let mut out = vec![];
                for v in self.current(db).await? {
                    if let Some(pair) = self.get(db, v.id).await? {
                        out.push(pair);
                    }
                }
                Ok::<_, StoreError>(Some(Current::from(out)))
            })
            .await?;
        Ok(kept.unwrap_or_else(|| Current::from(vec![])))
    }

    /// The newest version of each catalog.
    pub async fn current(&self, db: &Db) -> Result<Vec<CatalogVersion>, StoreError> {
        let kept = self.current.get_or_load((), || db.read(|conn| Ok::<_, StoreError>(Some(catalogs::current(conn)?)))).await?;
        Ok(kept.unwrap_or_default())
    }

    pub fn insert(&self, version_id: i64, catalog: Arc<CompiledCatalog>) {
        if let Ok(mut map) = self.compiled.write() {
            map.insert(version_id, catalog);
        }
    }

    /// The compiled catalog of a stored version, compiling it on first use.
    pub async fn get(&self, db: &Db, version_id: i64) -> Result<Option<(CatalogVersion, Arc<CompiledCatalog>)>, StoreError> {
        let known = self.versions.read().ok().and_then(|m| m.get(&version_id).cloned());
        let compiled = self.compiled.read().ok().and_then(|m| m.get(&version_id).cloned());
        if let (Some(version), Some(hit)) = (known, compiled) {
            return Ok(Some((version, hit)));
        }
        let row = db.read(move |conn| Ok::<_, StoreError>(catalogs::source(conn, version_id)?)).await?;
        let Some((version, source)) = row else { return Ok(None) };
        if let Ok(mut map) = self.versions.write() {
            map.insert(version_id, version.clone());
        }
        if let Some(hit) = self.compiled.read().ok().and_then(|m| m.get(&version_id).cloned()) {
            return Ok(Some((version, hit)));
        }
        let file = version.file_name.clone();
        let compiled = tokio::task::spawn_blocking(move || CompiledCatalog::compile(&file, &source))
            .await
            .map_err(|_| StoreError::Cancelled)?;
        match compiled {
            Ok(c) => {
                let c = Arc::new(c);
                self.insert(version_id, c.clone());
                Ok(Some((version, c)))
            }
            Err(report) => {
                // A stored version passed the import lint; failing now means the engine changed.
                tracing::error!(catalog.version = version_id, error = %report, "stored catalog no longer compiles");
                Ok(None)
            }
        }
    }
}

/// Imports the demo catalogs; prints what happened. Used at first start.
pub fn load_demo(db: &Db, cache: &CatalogCache) -> Result<(), ImportError> {
    for (file, text) in DEMO_CATALOGS {
        // An administrator's newer revision of a demo catalog stays current.
        let (imported, compiled) = match import_blocking(db, file, text, None) {
            Err(ImportError::OlderRevision { .. }) => continue,
            other => other?,
        };
        if let Imported::New(v) = &imported {
            tracing::info!(catalog.code = %v.catalog_code, catalog.revision = v.revision, "demo catalog loaded");
        }
        cache.insert(imported.version().id, compiled);
    }
    Ok(())
}
