//! Shop pages (`/shop/...`): customers configure and order online with their own account.

mod account;
pub mod auth;
mod checkout;
pub mod configure;
mod me;
mod orders;

use actix_web::web;

pub use account::shop_error as account_error;
// The form type is public for the fuzz targets (fuzz/).
pub use account::SignUpForm;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(configure::list_products))
        .route("/", web::get().to(configure::list_products))
        .route("/sign-up", web::get().to(account::sign_up_form))
        .route("/sign-up", web::post().to(account::sign_up))
        .route("/claim", web::get().to(account::claim_form))
        .route("/claim", web::post().to(account::claim))
        .route("/sign-in", web::get().to(account::sign_in_form))
        .route("/sign-in", web::post().to(account::sign_in))
        .route("/sign-out", web::post().to(account::sign_out))
        .route("/forgot", web::get().to(account::forgot_form))
        .route("/forgot", web::post().to(account::request_reset))
        .route("/reset/{token}", web::get().to(account::reset_form))
        .route("/reset/{token}", web::post().to(account::reset))
        .route("/configure/{product}", web::get().to(configure::configure_form))
        .route("/configure/{product}", web::post().to(configure::configure))
        .route("/configure/{product}/live", web::post().to(configure::live_fragment))
        .route("/orders", web::get().to(orders::list_orders))
        .route("/orders", web::post().to(checkout::place_order))
        .route("/orders/{id}", web::get().to(orders::show_order))
        .route("/drafts", web::get().to(me::list_drafts))
        .route("/drafts/{id}/delete", web::post().to(me::delete_draft))
        .route("/measurements", web::get().to(me::list_measurements))
        .route("/measurements", web::post().to(me::create_measurements))
        .route("/measurements/new", web::get().to(me::new_measurements_form))
        .route("/account", web::get().to(me::show_account))
        .route("/account/export", web::get().to(me::export))
        .route("/account/erase", web::post().to(me::erase));
}
