use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_events;
use super::{DbConn, native, now};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_staff_id: Option<i64>,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// Records who did what to which record. `detail` must never hold personal data or secrets.
pub fn record(
    conn: &mut DbConn,
    actor_staff_id: Option<i64>,
    action: &str,
    subject: &str,
    detail: &str,
) -> QueryResult<usize> {
    native!(conn, |on| diesel::insert_into(audit_events::table)
        .values((
            audit_events::at.eq(now()),
            audit_events::actor_staff_id.eq(actor_staff_id),
            audit_events::action.eq(action),
            audit_events::subject.eq(subject),
            audit_events::detail.eq(detail),
        ))
        .execute(on))
}

pub fn list_for_subject(conn: &mut DbConn, subject: &str) -> QueryResult<Vec<AuditEvent>> {
    native!(conn, |on| audit_events::table
        .filter(audit_events::subject.eq(subject))
        .order(audit_events::id.asc())
        .select(AuditEvent::as_select())
        .load(on))
}
