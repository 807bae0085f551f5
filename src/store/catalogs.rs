use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{DbConn, native};
use super::schema::catalog_versions as cv;

/// A catalog version without its source text (for lists).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cv)]
pub struct CatalogVersion {
    pub id: i64,
    pub catalog_code: String,
    pub label: String,
    pub revision: i32,
    pub source_sha256: String,
    pub file_name: String,
    pub imported_at: NaiveDateTime,
    pub imported_by_staff_id: Option<i64>,
}

pub struct NewCatalogVersion<'a> {
    pub catalog_code: &'a str,
    pub label: &'a str,
    pub source_sha256: &'a str,
    pub source: &'a str,
    pub file_name: &'a str,
    pub imported_at: NaiveDateTime,
    pub imported_by_staff_id: Option<i64>,
}

pub fn find_by_hash(conn: &mut DbConn, code: &str, sha256: &str) -> QueryResult<Option<CatalogVersion>> {
    native!(conn, |on| cv::table
        .filter(cv::catalog_code.eq(code).and(cv::source_sha256.eq(sha256)))
        .select(CatalogVersion::as_select())
        .first(on))
        .optional()
}

/// Inserts the next revision of a catalog.
pub fn insert(conn: &mut DbConn, new: &NewCatalogVersion) -> QueryResult<CatalogVersion> {
    super::epoch::mark(super::epoch::Topic::Settled);
    let last: Option<i32> = native!(conn, |on| cv::table
        .filter(cv::catalog_code.eq(new.catalog_code))
        .select(diesel::dsl::max(cv::revision))
        .first(on))?;
    let id: i64 = native!(conn, |on| diesel::insert_into(cv::table)
        .values((
            cv::catalog_code.eq(new.catalog_code),
            cv::label.eq(new.label),
            cv::revision.eq(last.unwrap_or(0) + 1),
            cv::source_sha256.eq(new.source_sha256),
            cv::source.eq(new.source),
            cv::file_name.eq(new.file_name),
            cv::imported_at.eq(new.imported_at),
            cv::imported_by_staff_id.eq(new.imported_by_staff_id),
        ))
        .returning(cv::id)
        .get_result(on))?;
    native!(conn, |on| cv::table.find(id).select(CatalogVersion::as_select()).first(on))
}

pub fn source(conn: &mut DbConn, id: i64) -> QueryResult<Option<(CatalogVersion, String)>> {
    native!(conn, |on| cv::table
        .find(id)
        .select((CatalogVersion::as_select(), cv::source))
        .first(on))
        .optional()
}

/// The ids of the newest revision of each catalog, for a request that then takes the
/// compiled catalogs from the cache. Only columns stored before the source text are read:
/// the others would make SQLite walk the source's overflow pages on every call.
pub fn current_ids(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    let all: Vec<(i64, String)> = native!(conn, |on| cv::table.order((cv::catalog_code.asc(), cv::revision.desc())).select((cv::id, cv::catalog_code)).load(on))?;
    let mut out: Vec<(i64, String)> = vec![];
    for (id, code) in all {
        if out.last().is_none_or(|(_, last)| *last != code) {
            out.push((id, code));
        }
    }
    Ok(out.into_iter().map(|(id, _)| id).collect())
}

/// Every version, newest revision first within each catalog.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<CatalogVersion>> {
    native!(conn, |on| cv::table
        .order((cv::catalog_code.asc(), cv::revision.desc()))
        .select(CatalogVersion::as_select())
        .load(on))
}

/// The newest revision of each catalog.
pub fn current(conn: &mut DbConn) -> QueryResult<Vec<CatalogVersion>> {
    let all = list(conn)?;
    let mut out: Vec<CatalogVersion> = vec![];
    for v in all {
        if out.last().is_none_or(|l| l.catalog_code != v.catalog_code) {
            out.push(v);
        }
    }
    Ok(out)
}
