//! Staff pages (`/staff/...`): used by fitters and managers in a store, on a tablet.

mod home;
mod password;
mod sign_in;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(home::show_home))
        .route("/", web::get().to(home::show_home))
        .route("/sign-in", web::get().to(sign_in::sign_in_form))
        .route("/sign-in", web::post().to(sign_in::sign_in))
        .route("/sign-out", web::post().to(sign_in::sign_out))
        .route("/password", web::get().to(password::password_form))
        .route("/password", web::post().to(password::change_password))
        .route("/stores/{id}", web::get().to(home::show_store));
}
