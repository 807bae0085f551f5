//! The audit log, for administrators: who did what to which record, newest first, filtered by
//! area, record and person. Every change the app makes on someone's behalf is in it
//! (`store::audit::record`); details never hold personal data, so it can be shown whole.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::customer::FieldErrors;
use crate::domain::staff::Role;
use crate::store::audit::{self, ACTIONS, AuditEvent, Filter};
use crate::store::{Db, StoreError};
use crate::web::auth::{Ctx, StaffPage};
use crate::web::error::AppError;
use crate::web::render;

use super::customer_page::fmt_time;

const PAGE_SIZE: i64 = 50;

/// Everything as typed, so a filter that cannot be read is shown back at its field.
#[derive(Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub record: String,
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub before: String,
}

pub struct EventView {
    pub at: String,
    pub who: String,
    /// The person's id, to show only what they did.
    pub who_id: Option<i64>,
    pub what: String,
    /// The record as the filter reads it, when it names one.
    pub record: Option<String>,
    pub record_label: String,
    pub record_href: Option<String>,
    /// The detail word by word, each record it names with its page (`customer:12`).
    pub detail: Vec<(String, Option<String>)>,
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
pub struct AuditPage {
    pub ctx: Ctx,
    pub query: AuditQuery,
    pub errors: FieldErrors,
    pub areas: Vec<&'static str>,
    pub people: Vec<(i64, String)>,
    pub events: Vec<EventView>,
    /// The address of the next (older) page, filters kept.
    pub older: Option<String>,
    /// On a later page: the newest events, filters kept.
    pub newest: Option<String>,
}

/// The kinds of record the log files entries under; catalogs by their code, the rest by id.
const KINDS: [&str; 7] = ["customer", "order", "staff", "store", "factory", "channel", "catalog"];

/// A record as the log names it: `customer:12`, `order:7`, `catalog:atelier-bicycles`;
/// spaces and case forgiven.
fn read_record(typed: &str) -> Option<String> {
    let (kind, id) = typed.trim().split_once(':')?;
    let kind = KINDS.into_iter().find(|k| k.eq_ignore_ascii_case(kind.trim()))?;
    let id = id.trim();
    let fits = match kind {
        "catalog" => !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        _ => id.parse::<i64>().is_ok_and(|id| id > 0),
    };
    fits.then(|| format!("{kind}:{id}"))
}

/// Where a record's own page is, and how to name it.
fn record_words(subject: &str, t: crate::i18n::Tr) -> (String, Option<String>) {
    let Some((kind, id)) = subject.split_once(':') else {
        return (subject.to_owned(), None);
    };
    if id.parse::<i64>().is_err() {
        // A catalog, by its code: its versions are listed on one page.
        return (subject.to_owned(), (kind == "catalog").then(|| "/staff/catalogs".to_owned()));
    }
    let href = match kind {
        "customer" => Some(format!("/staff/customers/{id}")),
        "order" => Some(format!("/staff/orders/{id}")),
        "store" => Some(format!("/staff/stores/{id}")),
        "factory" => Some(format!("/staff/factories/{id}")),
        "channel" => Some(format!("/staff/channels/{id}")),
        "catalog" => Some(format!("/staff/catalogs/{id}")),
        _ => None,
    };
    let label = if KINDS.contains(&kind) { t.t1(&format!("audit-record-{kind}"), "id", id) } else { subject.to_owned() };
    (label, href)
}

fn view(e: AuditEvent, names: &std::collections::BTreeMap<i64, String>, t: crate::i18n::Tr) -> EventView {
    let words: Vec<&str> = e.detail.split_whitespace().collect();
    let who = match e.actor_staff_id {
        Some(id) => names.get(&id).cloned().unwrap_or_else(|| t.t1("audit-record-staff", "id", id)),
        // Without a staff member: a sales channel (through the API), the customer online,
        // someone not signed in, or the app itself or its command line.
        None if words.iter().any(|w| w.starts_with("channel:")) && e.action == "order.placed" => t.t("audit-by-channel"),
        None if e.action.starts_with("customer.") || words.contains(&"online") => t.t("audit-by-customer"),
        None if e.action == "staff.sign_in_failed" => t.t("audit-by-nobody"),
        None => t.t("audit-by-system"),
    };
    let detail = words.iter().map(|w| (w.to_string(), read_record(w).and_then(|r| record_words(&r, t).1))).collect();
    let what = if ACTIONS.contains(&e.action.as_str()) { t.t(&action_key(&e.action)) } else { e.action.clone() };
    let (record_label, record_href) = record_words(&e.subject, t);
    EventView { at: fmt_time(&e.at), who, who_id: e.actor_staff_id, what, record: read_record(&e.subject), record_label, record_href, detail }
}

/// The message id naming an action: `customer.email_changed` is `audit-customer-email-changed`.
pub fn action_key(action: &str) -> String {
    format!("audit-{}", action.replace(['.', '_'], "-"))
}

/// `GET /staff/audit`
pub async fn show_audit(p: StaffPage, db: web::Data<Db>, q: web::Query<AuditQuery>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let query = q.into_inner();
    let mut errors = FieldErrors::default();
    let areas = audit::areas();
    let mut filter = Filter::default();
    match query.area.trim() {
        "" => {}
        a => match areas.iter().find(|x| **x == a) {
            Some(area) => filter.area = Some((*area).to_owned()),
            None => {
                errors.insert("area", "audit-area-unknown");
            }
        },
    }
    if !query.record.trim().is_empty() {
        match read_record(&query.record) {
            Some(r) => filter.subject = Some(r),
            None => {
                errors.insert("record", "audit-record-invalid");
            }
        }
    }
    let names = db.read(|conn| Ok::<_, StoreError>(crate::store::staff::names(conn)?)).await?;
    if !query.by.trim().is_empty() {
        match query.by.trim().parse::<i64>().ok().filter(|id| names.contains_key(id)) {
            Some(id) => filter.actor_staff_id = Some(id),
            None => {
                errors.insert("by", "audit-person-unknown");
            }
        }
    }
    // A page address that was changed by hand starts again from the newest.
    filter.before_id = query.before.trim().parse().ok();
    // A filter that cannot be read shows nothing, rather than everything as if filtered.
    if !errors.is_empty() {
        let people = people_of(names);
        return render::page(StatusCode::BAD_REQUEST, &AuditPage { ctx: p.ctx, query, errors, areas, people, events: vec![], older: None, newest: None });
    }
    let wanted = filter.clone();
    let mut events = db.read(move |conn| Ok::<_, StoreError>(audit::page(conn, &wanted, PAGE_SIZE + 1)?)).await?;
    let older = if events.len() as i64 > PAGE_SIZE {
        events.truncate(PAGE_SIZE as usize);
        events.last().map(|last| filter_href(&filter, Some(last.id)))
    } else {
        None
    };
    let t = p.ctx.t;
    let events = events.into_iter().map(|e| view(e, &names, t)).collect();
    let people = people_of(names);
    let newest = filter.before_id.map(|_| filter_href(&filter, None));
    render::ok(&AuditPage { ctx: p.ctx, query, errors, areas, people, events, older, newest })
}

/// Everyone who may have acted, by name.
fn people_of(names: std::collections::BTreeMap<i64, String>) -> Vec<(i64, String)> {
    let mut people: Vec<(i64, String)> = names.into_iter().collect();
    people.sort_by(|a, b| a.1.to_lowercase().cmp(&b.1.to_lowercase()));
    people
}

fn filter_href(filter: &Filter, before: Option<i64>) -> String {
    let mut parts = vec![];
    if let Some(a) = &filter.area {
        parts.push(format!("area={a}"));
    }
    if let Some(s) = &filter.subject {
        // `kind:id` holds nothing an address must escape but the colon, which a query may hold.
        parts.push(format!("record={s}"));
    }
    if let Some(by) = filter.actor_staff_id {
        parts.push(format!("by={by}"));
    }
    if let Some(before) = before {
        parts.push(format!("before={before}"));
    }
    format!("/staff/audit?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_read_as_people_type_them() {
        assert_eq!(read_record("customer:12").as_deref(), Some("customer:12"));
        assert_eq!(read_record(" Order : 7 ").as_deref(), Some("order:7"));
        assert_eq!(read_record("catalog:atelier-bicycles").as_deref(), Some("catalog:atelier-bicycles"));
        for bad in ["12", "customer:", ":12", "customer:-1", "customer:x", "cust omer:1", "customer:1:2", "客户:1", "foo:1", "draft:3", "catalog:a b"] {
            assert_eq!(read_record(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_area_has_actions_and_action_keys_are_ids() {
        let areas = audit::areas();
        assert_eq!(areas[0], "customer");
        assert!(areas.contains(&"insights"));
        assert_eq!(action_key("customer.email_change_asked"), "audit-customer-email-change-asked");
        for a in ACTIONS {
            assert!(action_key(a).chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{a}");
        }
    }
}
