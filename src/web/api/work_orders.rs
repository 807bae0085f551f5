use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::domain::work_order::Status;
use crate::orders::{UpdateError, document, factory_update};
use crate::store::{Db, StoreError, orders, outbox};

use super::auth::AuthedFactory;
use super::json::Object;
use super::problem::ApiError;

/// A parameter the endpoint does not read is refused, naming it: `?cursor=` for `?after=`
/// started again from the first page on every poll.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    limit: Option<String>,
    #[serde(default)]
    after: Option<String>,
}

/// A JSON object as its fields say, whatever the spacing and order, null fields left out.
fn canonical_json(body: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut m)) => {
            m.retain(|_, v| !v.is_null());
            // serde_json's maps are kept sorted, so this is one text for one object.
            serde_json::Value::Object(m).to_string().into_bytes()
        }
        _ => body.to_vec(),
    }
}

use crate::domain::work_order::span;
use crate::orders::CLOCK_SKEW_MINUTES as OCCURRED_AT_SKEW_MINUTES;

/// The cursor of each factory last found to be one this API gave it (a cursor stays one: work
/// orders are not deleted and keep their factory). A factory polling from the end of its list
/// sends the same cursor until work comes, and it is looked up once, not on every poll (a
/// quarter more instructions per poll).
#[derive(Default)]
pub struct GivenCursors {
    list: std::sync::Mutex<std::collections::HashMap<i64, orders::Cursor>>,
}

impl GivenCursors {
    fn known(&self, factory_id: i64, cursor: orders::Cursor) -> bool {
        self.list.lock().map(|m| m.get(&factory_id) == Some(&cursor)).unwrap_or(false)
    }

    fn remember(&self, factory_id: i64, cursor: orders::Cursor) {
        if let Ok(mut m) = self.list.lock() {
            m.insert(factory_id, cursor);
        }
    }
}

/// `GET /api/v1/work-orders?status=&limit=&after=`: a page of the factory's work orders in
/// the order they became visible, and the cursor to continue from.
pub async fn list_work_orders(f: AuthedFactory, db: web::Data<Db>, given: web::Data<GivenCursors>, q: Result<web::Query<ListQuery>, ApiError>) -> Result<HttpResponse, ApiError> {
    let q = q?;
    // An empty status is refused like any other outside the document's enum.
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| ApiError::BadRequest(format!("unknown status `{s}`")))?),
    };
    let limit = page_limit(q.limit.as_deref())?;
    let after = match q.after.as_deref() {
        None | Some("") => orders::Cursor::default(),
        Some(c) => orders::Cursor::decode(c).ok_or_else(|| ApiError::BadRequest("after is not a cursor from this API (the next of an answer of /work-orders): send the one you kept, or start again without after".into()))?,
    };
    let factory_id = f.id;
    let check = after != orders::Cursor::default() && !given.known(factory_id, after);
    let (rows, named) = db
        .read(move |conn| {
            let rows = orders::page_for_factory(conn, factory_id, status.map(Status::as_str), after, limit)?;
            let named = if rows.is_empty() && check { orders::find_work_order(conn, after.id)? } else { None };
            Ok::<_, StoreError>((rows, named))
        })
        .await?;
    // A cursor names the last work order of a page given to this factory; one that names none
    // (typed by hand, or from another installation) would answer empty pages for ever, and the
    // client would wait for work orders that never come.
    if rows.is_empty() && check {
        if !named.is_some_and(|w| w.factory_id == factory_id && (after.seq == 0 || after.seq == w.commit_seq)) {
            return Err(ApiError::UnknownCursor(NOT_GIVEN));
        }
        given.remember(factory_id, after);
    }
    // `next` is always given, so a client can keep polling from where it stands.
    let has_more = rows.len() as i64 == limit;
    let next = rows.last().map(orders::Cursor::of).unwrap_or(after).encode();
    let items: Vec<Value> = rows.iter().map(document).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items, "next": next, "has_more": has_more })))
}

/// `limit`: 50 unless given, from 1 to 200; what it is not, said with what was sent.
fn page_limit(text: Option<&str>) -> Result<i64, ApiError> {
    match text.map(str::trim) {
        None | Some("") => Ok(50),
        Some(t) => t.parse().ok().filter(|n| (1..=200).contains(n)).ok_or_else(|| ApiError::BadRequest(format!("limit must be a whole number from 1 to 200, not `{t}`"))),
    }
}

/// A cursor that names no work order of the factory's (see [`list_work_orders`]).
const NOT_GIVEN: &str = "after is not a cursor this API gave this factory: start again without after";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    #[serde(default)]
    limit: Option<String>,
    #[serde(default)]
    after: Option<String>,
}

/// `GET /api/v1/work-orders/changes?after=&limit=`: the factory's work orders that changed
/// since the cursor (new ones, new revisions, cancellations), as they are now; how a pulling
/// factory learns that one it has is cancelled or revised.
pub async fn list_changes(f: AuthedFactory, db: web::Data<Db>, q: Result<web::Query<ChangesQuery>, ApiError>) -> Result<HttpResponse, ApiError> {
    let q = q?;
    let limit = page_limit(q.limit.as_deref())?;
    let after = match q.after.as_deref() {
        None | Some("") => orders::ChangeCursor::default(),
        Some(c) => orders::ChangeCursor::decode(c).ok_or_else(|| ApiError::BadRequest("after is not a cursor from /work-orders/changes (the next of one of its answers): send the one you kept, or start again without after".into()))?,
    };
    let factory_id = f.id;
    // A change from the future, or after a work order that is not this factory's, was never
    // handed out: an empty page for ever would hide every change to come.
    if after.at > crate::store::now() + chrono::Duration::minutes(crate::orders::CLOCK_SKEW_MINUTES) {
        return Err(ApiError::UnknownCursor("after is a cursor from the future: start again without after"));
    }
    let (rows, named) = db
        .read(move |conn| {
            let rows = orders::changes_for_factory(conn, factory_id, after, limit)?;
            let named = if after != orders::ChangeCursor::default() { orders::find_work_order(conn, after.id)? } else { None };
            Ok::<_, StoreError>((rows, named))
        })
        .await?;
    // Checked whether or not changes follow: a cursor of the list pasted here ("0.3") named a
    // moment before anything and replayed the whole feed. One this feed gave names one of the
    // factory's work orders at a moment of its life (its creation to its latest change).
    // With the clocks' slack at the top: an instance a little ahead wrote the cursor.
    let skew = chrono::Duration::minutes(crate::orders::CLOCK_SKEW_MINUTES);
    let lived = |w: &orders::WorkOrderRow| after.at >= w.created_at - chrono::Duration::milliseconds(1) && after.at <= w.updated_at + skew;
    if after != orders::ChangeCursor::default() && !named.is_some_and(|w| w.factory_id == factory_id && lived(&w)) {
        return Err(ApiError::UnknownCursor(NOT_GIVEN));
    }
    let has_more = rows.len() as i64 == limit;
    let next = rows.last().map(orders::ChangeCursor::of).unwrap_or(after).encode();
    let items: Vec<Value> = rows.iter().map(document).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items, "next": next, "has_more": has_more })))
}

async fn own_work_order(db: &Db, factory_id: i64, id: i64) -> Result<orders::WorkOrderRow, ApiError> {
    db.read(move |conn| Ok::<_, StoreError>(orders::find_work_order(conn, id)?))
        .await?
        .filter(|w| w.factory_id == factory_id)
        // Another factory's work order is indistinguishable from one that does not exist.
        .ok_or(ApiError::NotFound)
}

fn etag_of(body: &str) -> String {
    format!("\"{}\"", &hex::encode(Sha256::digest(body.as_bytes()))[..32])
}

/// `GET /api/v1/work-orders/{id}`, with an `ETag`; `If-None-Match` answers 304.
pub async fn show_work_order(req: HttpRequest, f: AuthedFactory, db: web::Data<Db>, path: Result<web::Path<i64>, ApiError>) -> Result<HttpResponse, ApiError> {
    let wo = own_work_order(&db, f.id, path?.into_inner()).await?;
    let body = document(&wo).to_string();
    let etag = etag_of(&body);
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        // If-None-Match compares weakly (RFC 9110, 13.1.2): `W/"x"` matches `"x"`.
        .is_some_and(|v| v.split(',').map(str::trim).any(|t| t.strip_prefix("W/").unwrap_or(t) == etag || t == "*"));
    if unchanged {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag)).content_type("application/json").body(body))
}

fn update_error(e: UpdateError) -> ApiError {
    match e {
        UpdateError::NotFound => ApiError::NotFound,
        UpdateError::Illegal(t) => ApiError::IllegalTransition(t.to_string()),
        e @ UpdateError::BeforeWorkOrder { .. } => ApiError::Unprocessable("occurred-at-before-work-order", e.to_string()),
        UpdateError::Store(s) => s.into(),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AckBody {
    #[serde(default)]
    lease_token: Option<String>,
    /// The revision the factory has (and will build): a newer one is refused, to be fetched.
    #[serde(default)]
    revision: Option<super::json::Int>,
}

/// A factory that names the revision it has must have the current one: a revision made after
/// it pulled (new measurements) would otherwise be acknowledged or built unseen.
fn same_revision(conn: &mut crate::store::DbConn, current: &orders::WorkOrderRow, sent: Option<super::json::Int>) -> Result<(), ApiError> {
    match sent {
        // Revisions count from 1, as the document says.
        // As the document types it (int32, from 1): outside is a malformed request, not a stale one.
        Some(r) if r.0 < 1 || r.0 > i64::from(i32::MAX) => Err(ApiError::BadRequest(format!("revision must be from 1 to {}, not {}", i32::MAX, r.0))),
        Some(r) if r.0 != i64::from(current.revision) => {
            // Revisions since that changed only where it goes: nothing to build again, but it
            // ships elsewhere ("build that revision" sent a factory in production back to work).
            // Revision notes are the staff's (a factory's own note may read alike), one per
            // revision since the one named.
            let since: Vec<(i32, Vec<crate::domain::revision::Change>)> = orders::events(conn, current.id)?
                .iter()
                .filter(|e| e.actor.starts_with("staff:"))
                .filter_map(|e| crate::domain::revision::read(&e.note))
                .filter(|(n, _)| i64::from(*n) > r.0)
                .collect();
            let only_ship_to = r.0 < i64::from(current.revision)
                && since.len() as i64 == i64::from(current.revision) - r.0
                && since.iter().all(|(_, changes)| !changes.is_empty() && changes.iter().all(|c| c.kind == crate::domain::revision::Kind::Collection));
            Err(ApiError::StaleRevision { current: current.revision, sent: r.0, only_ship_to })
        }
        _ => Ok(()),
    }
}

/// `POST /api/v1/work-orders/{id}/ack`: the factory has the work order (idempotent). A leased
/// work order needs the live `lease_token`; a stale one is refused with 409.
pub async fn ack_work_order(f: AuthedFactory, db: web::Data<Db>, path: Result<web::Path<i64>, ApiError>, body: Result<web::Bytes, actix_web::Error>) -> Result<HttpResponse, ApiError> {
    let path = path?;
    let body = super::body_of(body)?;
    let ack: AckBody = if body.iter().all(u8::is_ascii_whitespace) {
        AckBody::default()
    } else {
        serde_json::from_slice::<Object<AckBody>>(&body).map_err(|e| ApiError::BadRequest(format!("the body is not an acknowledgement: {e}")))?.0
    };
    let (factory_id, id) = (f.id, path.into_inner());
    let wo = db
        .write(move |conn| -> Result<orders::WorkOrderRow, ApiError> {
            let current = orders::find_work_order(conn, id)?.filter(|w| w.factory_id == factory_id).ok_or(ApiError::NotFound)?;
            same_revision(conn, &current, ack.revision)?;
            // Past the acknowledgement (in production, shipped) an acknowledgement changes
            // nothing, as a repeated one does: a factory retrying late is not told it erred.
            if matches!(Status::parse(&current.status), Some(Status::InProduction | Status::Shipped)) {
                return Ok(current);
            }
            // Cancelled or rejected: that is the answer, whatever lease came with it.
            // The history says which revision the factory has when it names it: after a
            // revision it acknowledges again, and the staff see that it has the new one.
            let note = acknowledged_note(ack.revision.map(|_| current.revision));
            if matches!(Status::parse(&current.status), Some(Status::Cancelled | Status::Rejected)) {
                return factory_update(conn, factory_id, id, Status::Acknowledged, &note, None, None).map_err(update_error);
            }
            let sent = ack.lease_token.as_deref();
            let at = crate::store::now();
            let acknowledged = current.status == Status::Acknowledged.as_str();
            // Compare-and-set first, so that a concurrent claim cannot interleave.
            let took = match sent {
                Some(token) => orders::end_lease(conn, id, token)?,
                None => orders::end_unleased(conn, id, at)?,
            };
            if !took {
                // Repeating an acknowledgement is fine, but not with someone else's lease.
                let repeat = acknowledged && (sent.is_none() || current.lease_token.as_deref() == sent);
                if repeat {
                    // A revision named for the first time is recorded once, also when two
                    // acknowledgements arrive together (the row lock makes them take turns).
                    if ack.revision.is_some() {
                        orders::lock_work_order(conn, id)?;
                        if !orders::events(conn, id)?.iter().any(|e| e.note == note) {
                            orders::record_event_at(conn, id, Some(&current.status), &current.status, &format!("factory:{factory_id}"), &note, at)?;
                        }
                    }
                    return Ok(current);
                }
                if sent.is_some() && current.live_lease(at).is_some() {
                    return Err(ApiError::LeaseConflict("another lease holds the work order now, not this lease_token (its lease ran out and another client claimed the work order, or the token is another work order's): leave it to them, or claim it again once their lease ends"));
                }
                if sent.is_some() && current.lease_token.is_none() {
                    return Err(ApiError::LeaseConflict("the work order is not claimed, so it has no lease_token: acknowledge it without one, or claim it first (POST /api/v1/work-orders/claim)"));
                }
                if sent.is_some() {
                    return Err(ApiError::LeaseConflict("this lease_token is not the work order's: it was claimed again since, or the token belongs to another work order; claim it again"));
                }
                if current.live_lease(at).is_some() {
                    return Err(ApiError::LeaseConflict("the work order is claimed: acknowledge it with the lease_token its claim returned"));
                }
            }
            // Set aside for too many claims, then acknowledged after all: `factory_update` clears
            // it, as it does when production starts.
            factory_update(conn, factory_id, id, Status::Acknowledged, &note, None, None).map_err(update_error)
        })
        .await?;
    Ok(HttpResponse::Ok().json(document(&wo)))
}

/// The history's note for an acknowledgement: the revision the factory named (read back by
/// the staff order page), if it named one.
pub fn acknowledged_note(revision: Option<i32>) -> String {
    match revision {
        Some(r) => format!("acknowledged revision {r}"),
        None => "acknowledged".to_owned(),
    }
}

/// A work order claimed this many times without an acknowledgement is set aside for staff.
const MAX_CLAIMS: i32 = 5;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimBody {
    limit: super::json::Int,
    lease_seconds: super::json::Int,
}

/// `POST /api/v1/work-orders/claim`: leases up to `limit` unacknowledged work orders to this
/// client. Concurrent clients never hold a live lease on the same work order.
pub async fn claim_work_orders(f: AuthedFactory, db: web::Data<Db>, body: Result<web::Json<Object<ClaimBody>>, ApiError>) -> Result<HttpResponse, ApiError> {
    let web::Json(Object(body)) = body?;
    if !(1..=100).contains(&body.limit.0) {
        return Err(ApiError::BadRequest(format!("limit must be a whole number from 1 to 100, not {}", body.limit.0)));
    }
    if !(1..=3600).contains(&body.lease_seconds.0) {
        return Err(ApiError::BadRequest("lease_seconds must be between 1 and 3600".into()));
    }
    let (factory_id, limit, seconds) = (f.id, body.limit.0, body.lease_seconds.0);
    let claimed = db
        .write(move |conn| -> Result<Vec<Value>, ApiError> {
            let at = crate::store::now();
            let until = at + chrono::Duration::seconds(seconds);
            let mut out = vec![];
            for wo in orders::claimable(conn, factory_id, at, limit * 2)? {
                if out.len() as i64 >= limit {
                    break;
                }
                if wo.claim_count >= MAX_CLAIMS {
                    orders::set_attention(conn, wo.id, Some("dead_letter"))?;
                    continue;
                }
                let token = crate::orders::new_webhook_id().replace("msg_", "lease_");
                if orders::take_lease(conn, wo.id, &token, at, until)? {
                    let mut doc = document(&wo);
                    doc["lease_token"] = json!(token);
                    doc["lease_expires_at"] = json!(until.and_utc().to_rfc3339());
                    out.push(doc);
                }
            }
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "items": claimed })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusEvent {
    status: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    tracking_number: Option<String>,
    #[serde(default)]
    occurred_at: Option<String>,
    #[serde(default)]
    revision: Option<super::json::Int>,
}

/// `POST /api/v1/work-orders/{id}/events` with `Idempotency-Key`: production status from the
/// factory. The same key and body answer as the first time; the same key with another body
/// is refused.
pub async fn post_event(
    req: HttpRequest,
    f: AuthedFactory,
    db: web::Data<Db>,
    path: Result<web::Path<i64>, ApiError>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, ApiError> {
    let path = path?;
    let body = super::body_of(body)?;
    let key = super::auth::idempotency_key(&req, 255)?;
    let Object(event) = serde_json::from_slice::<Object<StatusEvent>>(&body).map_err(|e| ApiError::BadRequest(format!("the body is not a status event: {e}")))?;
    let to = match event.status.as_str() {
        "in_production" => Status::InProduction,
        "shipped" => Status::Shipped,
        "rejected" => Status::Rejected,
        other => return Err(ApiError::BadRequest(format!("status must be in_production, shipped or rejected, not `{other}`"))),
    };
    // When it happened, as the factory says; never later than now. A clock a little ahead
    // is read as now; one far ahead is refused, so the factory learns its clock is wrong
    // rather than have its events dated as they arrive without a word.
    let occurred_at = match event.occurred_at.as_deref() {
        Some(at) => {
            let at = chrono::DateTime::parse_from_rfc3339(at).map_err(|_| ApiError::BadRequest("occurred_at must be an RFC 3339 date-time".into()))?.naive_utc();
            let now = crate::store::now();
            if at - now > chrono::TimeDelta::minutes(OCCURRED_AT_SKEW_MINUTES) {
                return Err(ApiError::Unprocessable("occurred-at-ahead", format!(
                    "occurred_at is {} ahead of this server's clock ({}), more than the {OCCURRED_AT_SKEW_MINUTES} minutes allowed: send when it happened, and check the clock that dated it",
                    span(at - now),
                    now.format("%Y-%m-%dT%H:%M:%SZ")
                )));
            }
            Some(at.min(now))
        }
        None => None,
    };
    // The document's limits, counted as JSON Schema counts (characters): refused, not cut,
    // so a factory learns that what it sent was not kept whole.
    let note = event.note.unwrap_or_default();
    if note.chars().count() > 2000 {
        return Err(ApiError::BadRequest("note must be at most 2000 characters".into()));
    }
    // Line breaks and tabs are a note's own; other invisible characters are refused, as in
    // addresses (a right-to-left override turns what staff read around).
    if crate::domain::customer::has_hidden_characters(&note.replace(['\n', '\r', '\t'], " ")) {
        return Err(ApiError::Unprocessable("hidden-characters", "note holds hidden characters (control, format or private-use characters)".into()));
    }
    // A blank tracking number is none given: it does not wipe the one the work order has.
    let (tracking, revision) = (event.tracking_number.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()), event.revision);
    if tracking.as_ref().is_some_and(|t| t.chars().count() > 100) {
        return Err(ApiError::BadRequest("tracking_number must be at most 100 characters".into()));
    }
    if tracking.as_deref().is_some_and(crate::domain::customer::has_hidden_characters) {
        return Err(ApiError::Unprocessable("hidden-characters", "tracking_number holds hidden characters (control, format or private-use characters)".into()));
    }
    let (factory_id, id) = (f.id, path.into_inner());
    // A factory's keys are its own, across all its work orders: the work order is part of what
    // the key stands for, so the same key and body sent to another work order is refused as a
    // reused key instead of answering with the first work order.
    // The body as JSON, not as bytes: the same event sent again with other spacing, its keys
    // in another order, or a field sent as null rather than left out, is the same request.
    let request_hash = hex::encode(Sha256::new().chain_update(id.to_string()).chain_update(b"\n").chain_update(canonical_json(&body)).finalize());
    // Answers kept before events were compared as JSON hold the hash of the body's bytes: a
    // retry of one of those is still the same request.
    let bytes_hash = hex::encode(Sha256::new().chain_update(id.to_string()).chain_update(b"\n").chain_update(&body).finalize());
    let answer = db
        .write(move |conn| -> Result<(i32, String), ApiError> {
            if let Some((hash, status, body)) = outbox::idempotent_answer(conn, factory_id, &key)? {
                if hash != request_hash && hash != bytes_hash {
                    // No such work order (of this factory) is that, whatever the key.
                    if orders::find_work_order(conn, id)?.filter(|w| w.factory_id == factory_id).is_none() {
                        return Err(ApiError::NotFound);
                    }
                    return Err(ApiError::IdempotencyMismatch);
                }
                return Ok((status, body));
            }
            if revision.is_some() {
                let current = orders::find_work_order(conn, id)?.filter(|w| w.factory_id == factory_id).ok_or(ApiError::NotFound)?;
                same_revision(conn, &current, revision)?;
            }
            let wo = factory_update(conn, factory_id, id, to, &note, tracking.as_deref(), occurred_at).map_err(update_error)?;
            let body = document(&wo).to_string();
            outbox::store_idempotent_answer(conn, factory_id, &key, &request_hash, 200, &body)?;
            Ok((200, body))
        })
        .await?;
    let status = actix_web::http::StatusCode::from_u16(u16::try_from(answer.0).unwrap_or(200)).unwrap_or(actix_web::http::StatusCode::OK);
    Ok(HttpResponse::build(status).content_type("application/json").body(answer.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_event_is_the_same_request_however_it_is_written() {
        let a = canonical_json(br#"{"status":"in_production","note":"ws"}"#);
        for same in [&br#"{ "note" : "ws",  "status":"in_production" }"#[..], br#"{"status":"in_production","note":"ws","occurred_at":null}"#, b"{\"status\":\"in_production\",\"note\":\"ws\"}\n"] {
            assert_eq!(canonical_json(same), a, "{}", String::from_utf8_lossy(same));
        }
        assert_ne!(canonical_json(br#"{"status":"in_production","note":"WS"}"#), a);
    }
}
