use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::staff;
use super::{DbConn, native, now};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff)]
pub struct StaffRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub store_id: Option<i64>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub active: bool,
    pub locale: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = staff)]
pub struct NewStaff<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub store_id: Option<i64>,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewStaff) -> QueryResult<i64> {
    // Pages keep the staff's names (see `names`).
    super::epoch::mark(super::epoch::Topic::Identity);
    native!(conn, |on| diesel::insert_into(staff::table)
        .values(new)
        .returning(staff::id)
        .get_result(on))
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<StaffRow>> {
    native!(conn, |on| staff::table
        .find(id)
        .select(StaffRow::as_select())
        .first(on))
        .optional()
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<StaffRow>> {
    native!(conn, |on| staff::table
        .filter(staff::email.eq(email))
        .select(StaffRow::as_select())
        .first(on))
        .optional()
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    native!(conn, |on| staff::table.count().get_result(on))
}

pub fn list_for_store(conn: &mut DbConn, store_id: i64) -> QueryResult<Vec<StaffRow>> {
    native!(conn, |on| staff::table
        .filter(staff::store_id.eq(store_id))
        .order(staff::name.asc())
        .select(StaffRow::as_select())
        .load(on))
}

/// The accounts without a store: the chain's administrators.
pub fn list_admins(conn: &mut DbConn) -> QueryResult<Vec<StaffRow>> {
    native!(conn, |on| staff::table
        .filter(staff::store_id.is_null())
        .order(staff::name.asc())
        .select(StaffRow::as_select())
        .load(on))
}

/// Active accounts per store (`None`: administrators), for the list of stores.
pub fn active_counts(conn: &mut DbConn) -> QueryResult<Vec<(Option<i64>, i64)>> {
    native!(conn, |on| staff::table
        .filter(staff::active.eq(true))
        .group_by(staff::store_id)
        .select((staff::store_id, diesel::dsl::count_star()))
        .load(on))
}

pub fn set_password(
    conn: &mut DbConn,
    id: i64,
    password_hash: &str,
    must_change: bool,
) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Identity);
    native!(conn, |on| diesel::update(staff::table.find(id))
        .set((
            staff::password_hash.eq(password_hash),
            staff::must_change_password.eq(must_change),
            staff::updated_at.eq(now()),
        ))
        .execute(on))
}

pub fn set_locale(conn: &mut DbConn, id: i64, locale: &str) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Identity);
    native!(conn, |on| diesel::update(staff::table.find(id))
        .set((staff::locale.eq(locale), staff::updated_at.eq(now())))
        .execute(on))
}

/// Disabling an account also ends its sessions on the server, in the same transaction: none
/// of its cookies signs anyone in again, even where no request has checked the account yet.
pub fn set_active(conn: &mut DbConn, id: i64, active: bool) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Identity);
    let changed = native!(conn, |on| diesel::update(staff::table.find(id))
        .set((staff::active.eq(active), staff::updated_at.eq(now())))
        .execute(on))?;
    if !active {
        super::sessions::delete_for_staff(conn, id)?;
    }
    Ok(changed)
}

/// Every staff member's display name, for timelines ("taken by …"). Kept in memory under
/// [`Topic::Identity`](super::epoch::Topic::Identity), which every change of a name moves.
pub fn names(conn: &mut DbConn) -> QueryResult<std::collections::BTreeMap<i64, String>> {
    Ok(native!(conn, |on| staff::table.select((staff::id, staff::name)).load::<(i64, String)>(on))?.into_iter().collect())
}
