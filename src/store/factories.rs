use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{factories as f, factory_tokens as ft};
use super::{DbConn, native, now};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = f)]
pub struct Factory {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub families: String,
    pub push_url: Option<String>,
    pub signing_secret: Option<String>,
    pub lead_time_days: i32,
    pub enabled: bool,
    pub push_disabled_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub previous_signing_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub failing_since: Option<NaiveDateTime>,
    pub weekly_capacity: i32,
    pub cannot_build: String,
}

impl Factory {
    pub fn builds(&self, family: &str) -> bool {
        self.families.split(',').any(|f| f.trim() == family)
    }

    /// The secrets to sign with at `at`: the current one, and during a rotation's overlap
    /// the previous one too.
    pub fn signing_secrets(&self, at: NaiveDateTime) -> Vec<&str> {
        let mut out: Vec<&str> = self.signing_secret.as_deref().into_iter().collect();
        if let (Some(prev), Some(until)) = (self.previous_signing_secret.as_deref(), self.previous_secret_until) {
            if until > at {
                out.push(prev);
            }
        }
        out
    }

    /// Whether it can build a choice: `cannot_build` lists options (`brakes`) or single
    /// values (`brakes=rim`) it cannot do.
    pub fn can_build(&self, option: &str, value: &str) -> bool {
        !self.cannot_build.split(',').map(str::trim).any(|c| c == option || c.split_once('=') == Some((option, value)))
    }

    /// Pushes go out to a factory with a URL whose endpoint was not disabled. Whether it takes
    /// new work orders (`enabled`) decides routing only: the work orders it has are still sent
    /// (a cancellation to a factory switched off was given up after five attempts).
    pub fn pushes(&self) -> bool {
        self.push_url.is_some() && self.push_disabled_reason.is_none()
    }
}

pub struct NewFactory<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub families: &'a str,
    pub push_url: Option<&'a str>,
    pub signing_secret: Option<&'a str>,
    pub lead_time_days: i32,
}

pub fn insert(conn: &mut DbConn, new: &NewFactory) -> QueryResult<i64> {
    native!(conn, |on| diesel::insert_into(f::table)
        .values((
            f::code.eq(new.code),
            f::name.eq(new.name),
            f::families.eq(new.families),
            f::push_url.eq(new.push_url),
            f::signing_secret.eq(new.signing_secret),
            f::lead_time_days.eq(new.lead_time_days),
            f::enabled.eq(true),
            f::created_at.eq(now()),
        ))
        .returning(f::id)
        .get_result(on))
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Factory>> {
    native!(conn, |on| f::table.find(id).select(Factory::as_select()).first(on)).optional()
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Factory>> {
    native!(conn, |on| f::table.order(f::name.asc()).select(Factory::as_select()).load(on))
}

pub fn disable_push(conn: &mut DbConn, id: i64, reason: &str) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(f::table.find(id)).set(f::push_disabled_reason.eq(Some(reason))).execute(on))
}

pub fn insert_token(conn: &mut DbConn, factory_id: i64, token_hash: &str, label: &str) -> QueryResult<i64> {
    native!(conn, |on| diesel::insert_into(ft::table)
        .values((ft::factory_id.eq(factory_id), ft::token_hash.eq(token_hash), ft::label.eq(label), ft::created_at.eq(now())))
        .returning(ft::id)
        .get_result(on))
}

/// The factory a live (not revoked) token belongs to, whether or not it takes new work orders:
/// it still reads and reports on the ones it has.
pub fn by_token(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<Factory>> {
    native!(conn, |on| ft::table
        .inner_join(f::table)
        .filter(ft::token_hash.eq(token_hash).and(ft::revoked_at.is_null()))
        .select(Factory::as_select())
        .first(on))
        .optional()
}

/// A factory token whatever its state: (revoked, factory enabled), to say why it is refused.
pub fn token_state(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<(bool, bool)>> {
    native!(conn, |on| ft::table
        .inner_join(f::table)
        .filter(ft::token_hash.eq(token_hash))
        .select((ft::revoked_at.is_not_null(), f::enabled))
        .first(on))
    .optional()
}

/// What an administrator can change on a factory.
pub struct FactoryChanges<'a> {
    pub name: &'a str,
    pub families: &'a str,
    pub push_url: Option<&'a str>,
    pub lead_time_days: i32,
    pub weekly_capacity: i32,
    pub cannot_build: &'a str,
    pub enabled: bool,
}

pub fn update(conn: &mut DbConn, id: i64, c: &FactoryChanges) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Identity);
    native!(conn, |on| diesel::update(f::table.find(id))
        .set((
            f::name.eq(c.name),
            f::families.eq(c.families),
            f::push_url.eq(c.push_url),
            f::lead_time_days.eq(c.lead_time_days),
            f::weekly_capacity.eq(c.weekly_capacity),
            f::cannot_build.eq(c.cannot_build),
            f::enabled.eq(c.enabled),
        ))
        .execute(on))
}

/// A push URL needs a signing secret; one is made when the first URL is set.
pub fn ensure_secret(conn: &mut DbConn, id: i64, secret: &str) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(f::table.find(id).filter(f::signing_secret.is_null())).set(f::signing_secret.eq(Some(secret))).execute(on))
}

/// Replaces the signing secret; the previous one keeps signing too until `overlap_until`. Not
/// while an earlier rotation's overlap runs (0 rows then): checked in the statement itself, so
/// that two rotations at once (a double click, on PostgreSQL's concurrent writers) cannot both
/// pass a check made before.
pub fn rotate_secret(conn: &mut DbConn, id: i64, secret: &str, overlap_until: NaiveDateTime) -> QueryResult<usize> {
    let at = now();
    native!(conn, |on| diesel::update(f::table.find(id).filter(f::previous_signing_secret.is_null().or(f::previous_secret_until.is_null()).or(f::previous_secret_until.le(Some(at)))))
        .set((f::previous_signing_secret.eq(f::signing_secret), f::previous_secret_until.eq(Some(overlap_until)), f::signing_secret.eq(Some(secret))))
        .execute(on))
}

/// Stops the previous secret signing now, ending a rotation's overlap early (the factory has
/// switched, or the previous secret leaked); a rotation can follow at once. 0 rows if no
/// overlap runs.
pub fn end_secret_overlap(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    let at = now();
    native!(conn, |on| diesel::update(f::table.find(id).filter(f::previous_signing_secret.is_not_null()).filter(f::previous_secret_until.gt(Some(at))))
        .set((f::previous_signing_secret.eq(None::<String>), f::previous_secret_until.eq(None::<NaiveDateTime>)))
        .execute(on))
}

/// Turns pushes back on after the endpoint was disabled; the failure clock starts again.
pub fn enable_push(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(f::table.find(id)).set((f::push_disabled_reason.eq(None::<String>), f::failing_since.eq(None::<NaiveDateTime>))).execute(on))
}

/// Remembers when an endpoint began failing (kept if it already was); returns that time.
pub fn note_failure(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<Option<NaiveDateTime>> {
    native!(conn, |on| diesel::update(f::table.find(id).filter(f::failing_since.is_null())).set(f::failing_since.eq(Some(at))).execute(on))?;
    native!(conn, |on| f::table.find(id).select(f::failing_since).first(on))
}

pub fn note_success(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(f::table.find(id).filter(f::failing_since.is_not_null())).set(f::failing_since.eq(None::<NaiveDateTime>)).execute(on))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ft)]
pub struct Token {
    pub id: i64,
    pub label: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn tokens(conn: &mut DbConn, factory_id: i64) -> QueryResult<Vec<Token>> {
    native!(conn, |on| ft::table.filter(ft::factory_id.eq(factory_id)).order(ft::id.asc()).select(Token::as_select()).load(on))
}

pub fn revoke_token(conn: &mut DbConn, factory_id: i64, token_id: i64) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Identity);
    native!(conn, |on| diesel::update(ft::table.filter(ft::id.eq(token_id).and(ft::factory_id.eq(factory_id)).and(ft::revoked_at.is_null())))
        .set(ft::revoked_at.eq(Some(now())))
        .execute(on))
}
