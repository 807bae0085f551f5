//! Who is shopping: the signed-in customer (a session of its own kind, apart from staff
//! sessions), and what every shop page template gets.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::i18n::{Lang, Tr};
use crate::store::{Db, StoreError, customer_accounts, customers};
use crate::web::csrf;
use crate::web::error::AppError;
use crate::web::lang::request_lang;
use crate::memo::Memo;
use crate::web::session::Session;
use crate::web::session_store::CUSTOMER_ACCOUNT_ID;

/// The signed-in customer, as loaded for this request.
#[derive(Debug, Clone)]
pub struct Customer {
    pub account_id: i64,
    pub customer_id: i64,
    pub email: String,
    pub name: String,
    pub reference: String,
    pub home_store_id: Option<i64>,
}

/// What every shop page needs.
#[derive(Debug, Clone)]
pub struct ShopCtx {
    pub t: Tr,
    pub csrf: String,
    pub customer: Option<Customer>,
    pub path: String,
    /// See [`crate::web::form_page`].
    pub form_page: Option<String>,
}

impl ShopCtx {
    pub fn langs(&self) -> [Lang; 2] {
        Lang::ALL
    }
}

/// The customer an account belongs to, if both are still there (not erased); a merged
/// record hands over to the one it was merged into.
async fn live_customer(req: &HttpRequest, account_id: i64) -> Result<Option<Customer>, AppError> {
    let db = req.app_data::<web::Data<Db>>().ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no database configured")))?;
    let row = db
        .read(move |conn| -> Result<_, StoreError> {
            let Some(a) = customer_accounts::find(conn, account_id)? else { return Ok(None) };
            let mut c = customers::find(conn, a.customer_id)?;
            if let Some(target) = c.as_ref().and_then(|c| c.merged_into_id) {
                c = customers::find(conn, target)?;
            }
            Ok(c.filter(|c| c.is_live()).map(|c| (a, c)))
        })
        .await?;
    Ok(row.map(|(a, c)| Customer { account_id: a.id, customer_id: c.id, email: a.email, name: c.name, reference: c.reference, home_store_id: c.home_store_id }))
}

/// Loads the customer of the session once per request; a session whose account or customer
/// is gone (erased) is ended here.
async fn load_customer(req: &HttpRequest) -> Result<Option<Customer>, AppError> {
    if let Some(cached) = req.extensions().get::<Option<Customer>>() {
        return Ok(cached.clone());
    }
    let session = Session::of(req);
    let account_id = session.get::<i64>(CUSTOMER_ACCOUNT_ID).ok().flatten();
    let customer = match account_id {
        None => None,
        Some(id) => {
            let customer = match req.app_data::<web::Data<Memo<i64, Customer>>>() {
                Some(memo) => memo.get_or_load(id, || live_customer(req, id)).await?,
                None => live_customer(req, id).await?,
            };
            if customer.is_none() {
                session.remove(CUSTOMER_ACCOUNT_ID);
            }
            customer
        }
    };
    req.extensions_mut().insert(customer.clone());
    Ok(customer)
}

fn ctx_for(req: &HttpRequest, customer: Option<Customer>) -> ShopCtx {
    ShopCtx {
        t: Tr::new(request_lang(req)),
        csrf: csrf::token(&Session::of(req)),
        customer,
        path: crate::web::page_path(req, "/shop"),
        form_page: crate::web::form_page(req, "/shop"),
    }
}

/// A shop page anyone may see.
pub struct Visitor {
    pub ctx: ShopCtx,
}

/// A shop page for a signed-in customer; others are sent to sign in and brought back.
pub struct Shopper {
    pub ctx: ShopCtx,
    pub customer: Customer,
}

/// The shop page a form was sent from: the Referer's path and query when it is one of ours,
/// else the form's address without the live update's `/live`.
fn page_sent_from(req: &HttpRequest) -> String {
    match crate::web::referring_page(req, "/shop") {
        Some(path) => path,
        None => req.path().strip_suffix("/live").unwrap_or(req.path()).to_owned(),
    }
}

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let customer = load_customer(&req).await?;
            Ok(Visitor { ctx: ctx_for(&req, customer) })
        })
    }
}

impl FromRequest for Shopper {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let next = req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/shop".into());
            // A POST cannot be replayed after signing in: come back to the page it was sent
            // from (the configurator, the checkout with its configuration), not to where it
            // was sent (the live update's address answered 404 after signing in).
            let next = if req.method() == actix_web::http::Method::GET { next } else { page_sent_from(&req) };
            let customer = load_customer(&req).await?.ok_or(AppError::ShopSignInRequired { next })?;
            Ok(Shopper { ctx: ctx_for(&req, Some(customer.clone())), customer })
        })
    }
}
