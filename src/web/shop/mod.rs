//! Shop pages (`/shop/...`): customers configure and order online with their own account.

mod account;
pub mod auth;
mod checkout;
pub mod configure;
mod me;
mod orders;

use super::route_table::Routes;

pub use account::shop_error as account_error;
// The form type is public for the fuzz targets (fuzz/).
pub use account::SignUpForm;

pub fn routes(r: &mut Routes) {
    // The busiest first (see `web::register`): the product list and the configurator.
    r.get("", configure::list_products)
        .post("/configure/{product}/live", configure::live_fragment)
        .get("/configure/{product}", configure::configure_form)
        .post("/configure/{product}", configure::configure)
        .get("/", configure::list_products)
        .get("/sign-up", account::sign_up_form)
        .post("/sign-up", account::sign_up)
        .get("/claim", account::claim_form)
        .post("/claim", account::claim)
        .get("/sign-in", account::sign_in_form)
        .post("/sign-in", account::sign_in)
        .post("/sign-out", account::sign_out)
        .get("/forgot", account::forgot_form)
        .post("/forgot", account::request_reset)
        .get("/reset/{token}", account::reset_form)
        .post("/reset/{token}", account::reset)
        .get("/orders", orders::list_orders)
        .post("/orders", checkout::place_order)
        .get("/checkout/{product}", checkout::show_checkout)
        .get("/orders/{id}", orders::show_order)
        .get("/drafts", me::list_drafts)
        .post("/drafts/{id}/delete", me::delete_draft)
        .get("/measurements", me::list_measurements)
        .post("/measurements", me::create_measurements)
        .get("/measurements/new", me::new_measurements_form)
        .get("/account", me::show_account)
        .post("/account/details", me::change_details)
        .post("/account/email/cancel", me::cancel_email_change)
        .get("/account/email/{token}", account::email_confirm_form)
        .post("/account/email/{token}", account::confirm_email)
        .post("/account/password", me::change_password)
        .get("/account/export", me::export)
        .post("/account/erase", me::erase);
}
