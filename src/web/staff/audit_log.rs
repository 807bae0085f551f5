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
    /// A day (UTC, `YYYY-MM-DD`), from its start.
    #[serde(default)]
    pub from: String,
    /// A day (UTC), to its end.
    #[serde(default)]
    pub to: String,
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
    /// Everything the filters match, as CSV.
    pub export: Option<String>,
}

impl AuditPage {
    /// The day fields as typed: (name, value).
    fn days(&self) -> [(&'static str, &str); 2] {
        [("from", self.query.from.as_str()), ("to", self.query.to.as_str())]
    }
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
    let detail = detail_words(&e.action, &e.detail, t);
    let what = if ACTIONS.contains(&e.action.as_str()) { t.t(&action_key(&e.action)) } else { e.action.clone() };
    let (record_label, record_href) = record_words(&e.subject, t);
    EventView { at: fmt_time(&e.at), who, who_id: e.actor_staff_id, what, record: read_record(&e.subject), record_label, record_href, detail }
}

/// A detail as people read it, in pieces, each record it names with its page: the app writes
/// details as fixed words and `kind:id` tokens (`set:2 confirmed:`, `tax 1900 bp`), which are
/// said here in the reader's language. A detail not written so is shown as it was kept.
fn detail_words(action: &str, detail: &str, t: crate::i18n::Tr) -> Vec<(String, Option<String>)> {
    let plain = |key: &str| vec![(t.t(key), None)];
    // Whole details the app writes as they are.
    let phrase = match detail {
        "online" => Some("audit-detail-online"),
        "by the customer" => Some("audit-detail-by-the-customer"),
        "confirmed by link" => Some("audit-detail-confirmed-by-link"),
        "wrong password" => Some("audit-detail-wrong-password"),
        "disabled" => Some("audit-detail-disabled"),
        "store closed" => Some("audit-detail-store-closed"),
        "command line" => Some("audit-detail-command-line"),
        "given" => Some("audit-detail-given"),
        "withdrawn" => Some("audit-detail-withdrawn"),
        _ => None,
    };
    if let Some(key) = phrase {
        return plain(key);
    }
    if matches!(detail, "fitter" | "manager" | "admin") {
        return plain(&format!("role-{detail}"));
    }
    // Settings changed: parts apart by "; " ("renamed; tax 1900 bp was 2000 bp").
    if action == "store.updated" && detail.contains("; ") {
        let parts: Vec<String> = detail.split("; ").map(|part| detail_words(action, part, t).into_iter().map(|(w, _)| w).collect::<Vec<_>>().join(" ")).collect();
        return vec![(parts.join(t.clause_separator()), None)];
    }
    if detail == "renamed" {
        return plain("audit-detail-renamed");
    }
    let percent = |bp: &str| bp.parse::<i64>().ok().map(|bp| rust_decimal::Decimal::new(bp, 2).normalize());
    if let Some((new, old)) = detail.strip_prefix("tax ").and_then(|r| r.strip_suffix(" bp")).and_then(|r| r.split_once(" bp was ")).and_then(|(n, o)| Some((percent(n)?, percent(o)?))) {
        return vec![(t.t2("audit-detail-tax-changed", ("from", &old), ("to", &new)), None)];
    }
    if let Some(rate) = detail.strip_prefix("tax ").and_then(|r| r.strip_suffix(" bp")).and_then(percent) {
        return vec![(t.t1("audit-detail-tax", "rate", rate), None)];
    }
    if let Some((n, label)) = detail.strip_prefix("revision ").and_then(|r| r.split_once(" (")).and_then(|(n, l)| Some((n.parse::<i64>().ok()?, l.strip_suffix(')')?))) {
        return vec![(t.t2("audit-detail-revision", ("n", &n), ("label", &label)), None)];
    }
    if let Some((n, since)) = detail.split_once(" events since ").and_then(|(n, s)| Some((n.parse::<i64>().ok()?, s))) {
        return vec![(t.t2("audit-detail-replayed", ("n", &n), ("since", &since)), None)];
    }
    if let Some(since) = detail.strip_prefix("every delivery failed since ") {
        return vec![(t.t1("audit-detail-push-failed", "since", since), None)];
    }
    if let Some(n) = detail.strip_suffix(" customers").and_then(|n| n.parse::<i64>().ok()) {
        return vec![(t.t1("audit-detail-customers", "n", n), None)];
    }
    let mut pieces = vec![];
    let mut words = detail.split_whitespace().peekable();
    while let Some(w) = words.next() {
        // Two words the app writes together.
        if w == "self-measured" && words.peek() == Some(&"online") {
            words.next();
            pieces.push((t.t("audit-detail-self-measured"), None));
            continue;
        }
        if w == "merged" && words.peek() == Some(&"into") {
            words.next();
            pieces.push((t.t("audit-detail-merged-into"), None));
            continue;
        }
        if let Some(record) = read_record(w) {
            pieces.push(record_words(&record, t));
            continue;
        }
        let piece = match w.split_once(':') {
            Some(("set", id)) if id.parse::<i64>().is_ok() => t.t1("audit-detail-set", "id", id),
            Some(("confirmed", "")) => t.t("audit-detail-confirmed-none"),
            Some(("confirmed", ids)) => {
                let rules: Vec<String> = ids.split(',').map(|id| crate::domain::measurement::Rule::describe_id(id, t.lang)).collect();
                t.t1("audit-detail-confirmed", "rules", rules.join(", "))
            }
            // Hand-overs before the store was named as a record named its code.
            Some(("to", code)) => t.t1("audit-detail-to-store", "id", code),
            Some(("customers", n)) if n.parse::<i64>().is_ok() => t.t1("audit-detail-customers", "n", n),
            Some(("channels", n)) if n.parse::<i64>().is_ok() => t.t1("audit-detail-channels", "n", n),
            Some((kind @ ("draft" | "token" | "key" | "preference" | "learned" | "visit" | "call" | "message" | "complaint" | "feedback"), id)) if id.parse::<i64>().is_ok() => {
                t.t1(&format!("audit-detail-{kind}"), "id", id)
            }
            _ if w == "online" => t.t("audit-detail-online"),
            _ if w == "to" => t.t("audit-detail-to"),
            _ if w == "from" => t.t("audit-detail-from"),
            _ => w.to_owned(),
        };
        pieces.push((piece, None));
    }
    pieces
}

/// The message id naming an action: `customer.email_changed` is `audit-customer-email-changed`.
pub fn action_key(action: &str) -> String {
    format!("audit-{}", action.replace(['.', '_'], "-"))
}

/// The filter the query asks for, or each part that cannot be read, at its field.
fn read_filter(query: &AuditQuery, names: &std::collections::BTreeMap<i64, String>) -> Result<Filter, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut filter = Filter::default();
    match query.area.trim() {
        "" => {}
        a => match audit::areas().into_iter().find(|x| *x == a) {
            Some(area) => filter.area = Some(area.to_owned()),
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
    if !query.by.trim().is_empty() {
        match query.by.trim().parse::<i64>().ok().filter(|id| names.contains_key(id)) {
            Some(id) => filter.actor_staff_id = Some(id),
            None => {
                errors.insert("by", "audit-person-unknown");
            }
        }
    }
    for (field, typed, day) in [("from", &query.from, &mut filter.since), ("to", &query.to, &mut filter.until)] {
        if typed.trim().is_empty() {
            continue;
        }
        // Years as the date field writes them; the log's times compare as text, so a year of
        // more than four digits would read as before every entry.
        match chrono::NaiveDate::parse_from_str(typed.trim(), "%Y-%m-%d").ok().filter(|d| (1..=9999).contains(&chrono::Datelike::year(d))) {
            Some(d) => *day = Some(d),
            None => {
                errors.insert(field, "audit-date-invalid");
            }
        }
    }
    if filter.since.zip(filter.until).is_some_and(|(from, to)| from > to) {
        errors.insert("to", "audit-dates-reversed");
    }
    // A page address that was changed by hand starts again from the newest.
    filter.before_id = query.before.trim().parse().ok();
    if errors.is_empty() { Ok(filter) } else { Err(errors) }
}

/// `GET /staff/audit`
pub async fn show_audit(p: StaffPage, db: web::Data<Db>, q: web::Query<AuditQuery>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let query = q.into_inner();
    let areas = audit::areas();
    let names = db.read(|conn| Ok::<_, StoreError>(crate::store::staff::names(conn)?)).await?;
    let filter = match read_filter(&query, &names) {
        Ok(filter) => filter,
        // A filter that cannot be read shows nothing, rather than everything as if filtered.
        Err(errors) => {
            let people = people_of(names);
            return render::page(StatusCode::BAD_REQUEST, &AuditPage { ctx: p.ctx, query, errors, areas, people, events: vec![], older: None, newest: None, export: None });
        }
    };
    let wanted = filter.clone();
    let mut events = db.read(move |conn| Ok::<_, StoreError>(audit::page(conn, &wanted, PAGE_SIZE + 1)?)).await?;
    let older = if events.len() as i64 > PAGE_SIZE {
        events.truncate(PAGE_SIZE as usize);
        events.last().map(|last| filter_href("/staff/audit", &filter, Some(last.id)))
    } else {
        None
    };
    let t = p.ctx.t;
    let export = (!events.is_empty()).then(|| filter_href("/staff/audit/export", &filter, None));
    let events = events.into_iter().map(|e| view(e, &names, t)).collect();
    let people = people_of(names);
    let newest = filter.before_id.map(|_| filter_href("/staff/audit", &filter, None));
    render::ok(&AuditPage { ctx: p.ctx, query, errors: FieldErrors::default(), areas, people, events, older, newest, export })
}

/// Most entries one export holds: a year of a busy chain's log is far less.
const EXPORT_LIMIT: usize = 200_000;

/// `GET /staff/audit/export`: every entry the filters match, newest first, as CSV for a
/// spreadsheet or an auditor's tools: the time in UTC, who in words and by id, the action by
/// its code and in words, the record and the detail as kept.
pub async fn export_audit(p: StaffPage, db: web::Data<Db>, q: web::Query<AuditQuery>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let query = q.into_inner();
    let names = db.read(|conn| Ok::<_, StoreError>(crate::store::staff::names(conn)?)).await?;
    let Ok(mut wanted) = read_filter(&query, &names) else {
        // The page says at each field what cannot be read.
        return show_audit(p, db, web::Query(query)).await;
    };
    wanted.before_id = None;
    let t = p.ctx.t;
    let mut out = csv::Writer::from_writer(vec![]);
    let failed = |e: csv::Error| AppError::Unexpected(e.into());
    // A byte-order mark, or a spreadsheet opening the file reads its names as another encoding.
    out.write_record(["\u{feff}at_utc", "who", "staff_id", "action", "what", "record", "detail", "detail_in_words"]).map_err(failed)?;
    let mut written = 0;
    loop {
        let page_filter = wanted.clone();
        let batch = db.read(move |conn| Ok::<_, StoreError>(audit::page(conn, &page_filter, 1000)?)).await?;
        let full = batch.len() == 1000;
        wanted.before_id = batch.last().map(|e| e.id);
        for e in batch {
            let (at, action, subject, detail) = (e.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(), e.action.clone(), e.subject.clone(), e.detail.clone());
            let v = view(e, &names, t);
            let staff_id = v.who_id.map(|id| id.to_string()).unwrap_or_default();
            let words = v.detail.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>().join(" ");
            out.write_record([at.as_str(), &cell(&v.who), &staff_id, &cell(&action), &cell(&v.what), &cell(&subject), &cell(&detail), &cell(&words)]).map_err(failed)?;
            written += 1;
        }
        if !full {
            break;
        }
        if written >= EXPORT_LIMIT {
            // Said in the file, not cut without a word.
            let cut = format!("more entries match: the file stops at {EXPORT_LIMIT}; choose fewer days to have the rest");
            out.write_record(["", "", "", "", "", "", "", &cut]).map_err(failed)?;
            break;
        }
    }
    let body = out.into_inner().map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?;
    let name = format!("audit-{}.csv", crate::store::now().format("%Y-%m-%d"));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((actix_web::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(body))
}

/// A text as a spreadsheet cell: one that starts like a formula (`=`, `+`, `-`, `@`) is
/// read as text, so a name or a catalog label cannot run as one when the file is opened.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

/// Everyone who may have acted, by name.
fn people_of(names: std::collections::BTreeMap<i64, String>) -> Vec<(i64, String)> {
    let mut people: Vec<(i64, String)> = names.into_iter().collect();
    people.sort_by(|a, b| a.1.to_lowercase().cmp(&b.1.to_lowercase()));
    people
}

fn filter_href(path: &str, filter: &Filter, before: Option<i64>) -> String {
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
    if let Some(from) = filter.since {
        parts.push(format!("from={from}"));
    }
    if let Some(to) = filter.until {
        parts.push(format!("to={to}"));
    }
    if let Some(before) = before {
        parts.push(format!("before={before}"));
    }
    format!("{path}?{}", parts.join("&"))
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
    fn details_read_as_words_in_either_language() {
        use crate::domain::lang::Lang;
        use crate::i18n::Tr;
        let said = |detail: &str, lang: Lang| detail_words("store.updated", detail, Tr::new(lang)).into_iter().map(|(w, _)| w).collect::<Vec<_>>().join(" ");
        for (detail, en, zh) in [
            ("set:2 confirmed:", "measurement set 2 nothing unusual to confirm", "尺寸记录 2 无需确认的异常值"),
            ("set:3 confirmed:body_mass_index", "measurement set 3 unusual values confirmed: Body mass index", "尺寸记录 3 已确认的异常值：体重指数"),
            ("set:4 self-measured online", "measurement set 4 measured by the customer, online", "尺寸记录 4 顾客在线自行测量"),
            ("tax 1900 bp", "sales tax 19 %", "销售税 19%"),
            ("tax 825 bp", "sales tax 8.25 %", "销售税 8.25%"),
            ("to store:3 customers:12 channels:1", "to Store 3 customers: 12 sales channels: 1", "移交给 门店 3 顾客：12 销售渠道：1"),
            ("to:DEMO customers:1 channels:0", "to store DEMO customers: 1 sales channels: 0", "移交给门店 DEMO 顾客：1 销售渠道：0"),
            ("tax 1900 bp was 2000 bp", "sales tax 20 % → 19 %", "销售税 20% → 19%"),
            ("renamed; tax 770 bp was 1900 bp", "name changed; sales tax 19 % → 7.7 %", "名称已更改；销售税 19% → 7.7%"),
            ("customer:5 merged into customer:9", "Customer 5 merged into Customer 9", "顾客 5 合并到 顾客 9"),
            ("order:7 online", "Order 7 online", "订单 7 在线"),
            ("draft:4 online", "draft 4 online", "草稿 4 在线"),
            ("revision 3 (2026.12)", "revision 3 (2026.12)", "第 3 版（2026.12）"),
            ("manager", "Manager", "店长"),
            ("wrong password", "wrong password", "密码错误"),
            ("something else:x", "something else:x", "something else:x"),
        ] {
            assert_eq!((said(detail, Lang::En), said(detail, Lang::ZhCn)), (en.to_owned(), zh.to_owned()), "{detail}");
        }
        // Only a store's settings are parts apart by "; ": a catalog's label may hold one.
        assert_eq!(detail_words("catalog.imported", "revision 3 (2026.12; spring)", Tr::new(Lang::En))[0].0, "revision 3 (2026.12; spring)");
        let linked = detail_words("store.handed_over", "to store:3 customers:12 channels:1", Tr::new(Lang::En));
        assert_eq!(linked[1].1.as_deref(), Some("/staff/stores/3"));
    }

    #[test]
    fn a_cell_that_starts_like_a_formula_is_text() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("-1+1"), "'-1+1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("Finn Fitter"), "Finn Fitter");
        assert_eq!(cell(""), "");
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
