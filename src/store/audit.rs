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

/// Every action recorded, in areas (the part before the dot): the audit log page names each
/// in words and filters by area. A test checks every `record` call in the code is listed.
pub const ACTIONS: &[&str] = &[
    "customer.enrolled", "customer.signed_up", "customer.claim_code_made", "customer.claimed", "customer.measured",
    "customer.consent", "customer.exported", "customer.merged", "customer.erased", "customer.details_changed",
    "customer.email_change_asked", "customer.email_change_cancelled", "customer.email_changed",
    "customer.password_changed", "customer.password_reset", "customer.preference_added", "customer.preference_pin",
    "customer.preference_unpin", "customer.preference_drop", "customer.contact_logged", "customer.complaint_resolved",
    "customer.learned_accepted", "customer.learned_dismissed",
    "order.placed", "order.revised", "order.collection_changed", "order.cancelled", "order.contact_logged",
    "draft.saved",
    "staff.created", "staff.signed_in", "staff.signed_out", "staff.sign_in_failed", "staff.sign_in_refused", "staff.password_changed", "staff.password_reset",
    "staff.enabled", "staff.disabled",
    "store.created", "store.updated", "store.closed", "store.reopened", "store.handed_over",
    "factory.created", "factory.updated", "factory.secret_rotated", "factory.secret_overlap_ended", "factory.token_created", "factory.token_revoked",
    "factory.push_enabled", "factory.push_disabled", "factory.replayed",
    "channel.created", "channel.key_created", "channel.key_revoked",
    "catalog.imported",
    "insights.classified",
];

/// The areas of [`ACTIONS`], in their order.
pub fn areas() -> Vec<&'static str> {
    let mut areas: Vec<&'static str> = vec![];
    for area in ACTIONS.iter().filter_map(|a| a.split_once('.')).map(|(area, _)| area) {
        if !areas.contains(&area) {
            areas.push(area);
        }
    }
    areas
}

/// What the audit log page asks for: all of them optional, newest first.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// The part of an action before its dot (`customer`, `order`, …).
    pub area: Option<String>,
    /// A record as the log names it (`customer:12`).
    pub subject: Option<String>,
    pub actor_staff_id: Option<i64>,
    /// Only events older than this one (the next page).
    pub before_id: Option<i64>,
    /// From the start of this day (UTC).
    pub since: Option<chrono::NaiveDate>,
    /// To the end of this day (UTC).
    pub until: Option<chrono::NaiveDate>,
}

/// At most `limit` events matching `filter`, newest first. Walks the primary key backwards,
/// so a page costs the same however long the log has grown.
pub fn page(conn: &mut DbConn, filter: &Filter, limit: i64) -> QueryResult<Vec<AuditEvent>> {
    native!(conn, |on| {
        let mut q = audit_events::table.order(audit_events::id.desc()).limit(limit).select(AuditEvent::as_select()).into_boxed();
        if let Some(area) = &filter.area {
            // Areas are a fixed list of lowercase words, so no `%` or `_` reaches the pattern.
            q = q.filter(audit_events::action.like(format!("{area}.%")));
        }
        // A record's entries, and those that name it in their detail (an order is placed
        // under its customer, with `order:42` in the detail), as a whole word of it.
        if let Some(subject) = &filter.subject {
            let word = subject.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            q = q.filter(
                audit_events::subject
                    .eq(subject.clone())
                    .or(audit_events::detail.eq(subject.clone()))
                    .or(audit_events::detail.like(format!("{word} %")).escape('\\'))
                    .or(audit_events::detail.like(format!("% {word}")).escape('\\'))
                    .or(audit_events::detail.like(format!("% {word} %")).escape('\\')),
            );
        }
        if let Some(actor) = filter.actor_staff_id {
            q = q.filter(audit_events::actor_staff_id.eq(actor));
        }
        if let Some(before) = filter.before_id {
            q = q.filter(audit_events::id.lt(before));
        }
        if let Some(since) = filter.since {
            q = q.filter(audit_events::at.ge(since.and_time(chrono::NaiveTime::MIN)));
        }
        if let Some(next_day) = filter.until.and_then(|d| d.succ_opt()).filter(|d| chrono::Datelike::year(d) <= 9999) {
            q = q.filter(audit_events::at.lt(next_day.and_time(chrono::NaiveTime::MIN)));
        }
        q.load(on)
    })
}
