//! What each problem `type` means, at its own address: RFC 9457 asks that a type URI, when
//! dereferenced, gives documentation for people. `GET /api/v1/problems` lists them all;
//! no token is needed to read them.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::ApiError;

pub struct ProblemType {
    pub slug: &'static str,
    pub status: u16,
    pub title: &'static str,
    /// What happened, and that nothing was changed where that holds.
    pub meaning: &'static str,
    /// What the client does next.
    pub next: &'static str,
}

pub const PROBLEM_TYPES: &[ProblemType] = &[
    ProblemType { slug: "unauthorized", status: 401, title: "No valid token",
        meaning: "The request has no bearer token, or one this address does not take: unknown, revoked, or another kind's (a sales channel's key on a factory's address, or the other way round). detail says which, for a token the shop issued.",
        next: "Send Authorization: Bearer with the token an administrator made on the factory's or sales channel's page. A revoked token stops working at once; ask for a new one." },
    ProblemType { slug: "not-found", status: 404, title: "No such resource",
        meaning: "Nothing is at this address for this token (a factory sees only its own work orders, a sales channel only its own orders), or the product named is not on sale (detail names it).",
        next: "Check the address, id, reference or product: the API is under /api/v1 (its document is GET /api/v1/openapi.json); a factory lists its work orders with GET /api/v1/work-orders, a sales channel the products with GET /api/v1/catalog." },
    ProblemType { slug: "method-not-allowed", status: 405, title: "Another method is answered here",
        meaning: "This address exists but does not answer this HTTP method.",
        next: "Use the method the Allow header names." },
    ProblemType { slug: "bad-request", status: 400, title: "The request could not be read",
        meaning: "The body is not JSON of the expected shape (a field of the wrong type, a missing or unknown field, each named in detail; ship_to naming both a store and an address), a query parameter is out of its range or is one the endpoint does not read (named in detail), a cursor is not one at all, or a required Idempotency-Key header is missing or too long. Nothing was changed.",
        next: "Correct what detail names and send the request again." },
    ProblemType { slug: "payload-too-large", status: 413, title: "The body is too large",
        meaning: "The API reads bodies of at most 64 KiB; an order or an event is a few hundred bytes. Nothing was changed.",
        next: "Send only the fields the operation describes." },
    ProblemType { slug: "unsupported-media-type", status: 415, title: "The body must be JSON",
        meaning: "A JSON body was sent without Content-Type: application/json. Nothing was changed.",
        next: "Send the body with Content-Type: application/json." },
    ProblemType { slug: "illegal-transition", status: 409, title: "Not allowed from the current state",
        meaning: "The work order cannot move to the status sent from the one it is in (a shipped work order cannot go back into production). detail names both and the statuses it can move to.",
        next: "Fetch the work order (GET /api/v1/work-orders/{id}) and send an event its status allows." },
    ProblemType { slug: "lease-conflict", status: 409, title: "Another claim holds this work order",
        meaning: "The work order is claimed, and the request does not carry the lease_token of the live claim: none was sent, the lease ran out and another client claimed it, or the token is another work order's. Or a lease_token was sent for a work order nobody claimed (detail says so): acknowledge it without one.",
        next: "Send the lease_token your claim returned; if another client holds the work order, leave it to them, or claim it again (POST /api/v1/work-orders/claim) once their lease ends." },
    ProblemType { slug: "stale-revision", status: 409, title: "The work order is at another revision",
        meaning: "The work order was revised after the revision the request names (new measurements or choices; or only where it goes, ship_to, which detail then says), or the revision named was never made (detail says which).",
        next: "Fetch the work order again (GET /api/v1/work-orders/{id}) and build that revision, or, where only ship_to changed, ship it there; name it in the event." },
    ProblemType { slug: "unknown-cursor", status: 409, title: "This cursor was not given to this factory",
        meaning: "after names no work order of a page this API gave this factory (on /work-orders, checked where nothing follows it): it was typed by hand, kept from another installation (a new database), or is another factory's; on the changes feed also a cursor of /work-orders pasted there, or one from the future (more than 5 minutes ahead of the server's clock). Answering it with empty pages would leave a client waiting for work orders that never come.",
        next: "Start again without after (the first page), and keep the next of each answer from then on." },
    ProblemType { slug: "idempotency-key-reused", status: 422, title: "Idempotency-Key used for another request",
        meaning: "The key was sent before with a different body, or on another work order. The first request stands; this one changed nothing.",
        next: "Send a new key with a new request. Sending the same body with the same key again returns the first answer, which is how to retry safely." },
    ProblemType { slug: "invalid-configuration", status: 422, title: "The configuration breaks the catalog's rules",
        meaning: "A choice is missing, unknown or not allowed with the others or with the measurements. violations lists each: the option, the rule and a message to show.",
        next: "Show the messages to the customer, correct the choices (GET /api/v1/catalog lists what may be chosen) and quote again (POST /api/v1/quote)." },
    ProblemType { slug: "cannot-build", status: 422, title: "The configuration cannot be built",
        meaning: "The bill of materials it needs is out of range (a quantity the factory cannot make).",
        next: "Choose other values; detail names the line." },
    ProblemType { slug: "unknown-customer", status: 422, title: "No customer has this reference",
        meaning: "No customer of the shop has the customer_reference sent, or the customer was erased.",
        next: "Send the reference the shop gave the customer (on their account and the store's pages, such as AT-7KQ2MD); a customer the shop does not know yet signs up online or is enrolled in a store first." },
    ProblemType { slug: "unknown-store", status: 422, title: "No store to sell the order in",
        meaning: "The store code named is not known, or the order names no store where it needs one: a sales channel without a store of its own names the store in ship_to for every quote and order, and cannot sell a delivered order.",
        next: "Name a store by a code the shop's administrator gives you ({\"store\": CODE}); detail says what was missing." },
    ProblemType { slug: "invalid-address", status: 422, title: "The delivery address cannot be used",
        meaning: "ship_to.address says nothing, has unknown lines, lines too long, hidden characters, or lacks a street (line1) or a city; detail names every problem.",
        next: "Correct each line detail names and send the order again." },
    ProblemType { slug: "store-closed", status: 422, title: "The store is closed",
        meaning: "The store named, or the sales channel's own store, is closed and takes no orders.",
        next: "Name an open store, or ask the shop's administrator to move the channel to one." },
    ProblemType { slug: "no-factory", status: 422, title: "No factory builds this product",
        meaning: "No factory is set up to build this product family at the moment. Nothing was ordered.",
        next: "Ask the shop's administrator to set up a factory for it; try again later." },
    ProblemType { slug: "occurred-at-ahead", status: 422, title: "The event is dated in the future",
        meaning: "occurred_at is more than 5 minutes ahead of the server's clock (up to 5 minutes is read as now). The event was not recorded.",
        next: "Send when it happened, or leave occurred_at out for now, and check the clock of the system that dated it." },
    ProblemType { slug: "occurred-at-before-work-order", status: 422, title: "The event is dated before its work order",
        meaning: "occurred_at is more than 5 minutes before the work order was made, when its order was placed; nothing can have happened to it earlier. Up to 5 minutes before is read as the moment it was made. The event was not recorded.",
        next: "Send when it happened, or leave occurred_at out for now, and check the clock of the system that dated it." },
    ProblemType { slug: "hidden-characters", status: 422, title: "Hidden characters in a text",
        meaning: "A note or tracking number holds control, format or private-use characters (a right-to-left override turns what staff read around; a zero-width space makes a tracking number that matches nothing). A note's line breaks and tabs are its own. Nothing was recorded.",
        next: "Send the text without them." },
    ProblemType { slug: "unavailable", status: 503, title: "The database is busy",
        meaning: "The request waited for the database and gave up. Nothing was written.",
        next: "Send the same request again after the seconds Retry-After gives; with the same Idempotency-Key an order is placed once." },
    ProblemType { slug: "read-only", status: 503, title: "Saving is paused",
        meaning: "The database cannot be written at the moment (read-only or failing storage). Nothing was written.",
        next: "Send the same request again later (Retry-After); operators are told by the server's readiness check." },
    ProblemType { slug: "storage-full", status: 507, title: "The database has no space left",
        meaning: "The write was refused for lack of space. Nothing was written.",
        next: "Send the same request again later (Retry-After), with the same Idempotency-Key for an order." },
    ProblemType { slug: "internal", status: 500, title: "Something failed on the server",
        meaning: "An unexpected error; it is logged with the request. What the request would write was not half-written.",
        next: "Retry once; if it fails again, tell the shop the time of the request." },
];

pub fn find(slug: &str) -> Option<&'static ProblemType> {
    PROBLEM_TYPES.iter().find(|p| p.slug == slug)
}

#[derive(Template)]
#[template(path = "api/problem_types.html")]
struct ProblemTypesPage {
    /// One type, or all of them.
    types: Vec<&'static ProblemType>,
    one: bool,
}

fn html(page: ProblemTypesPage) -> Result<HttpResponse, ApiError> {
    let body = page.render().map_err(|e| ApiError::Internal(e.into()))?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body))
}

/// `GET /api/v1/problems`
pub async fn list_problem_types() -> Result<HttpResponse, ApiError> {
    html(ProblemTypesPage { types: PROBLEM_TYPES.iter().collect(), one: false })
}

/// `GET /api/v1/problems/{type}`
pub async fn show_problem_type(slug: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let found = find(&slug).ok_or(ApiError::NotFound)?;
    html(ProblemTypesPage { types: vec![found], one: true })
}
