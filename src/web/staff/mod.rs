//! Staff pages (`/staff/...`): used by fitters and managers in a store, on a tablet.

mod catalogs;
mod channels;
mod customer_notes;
mod customer_page;
pub(crate) mod customer_profile;
mod customers;
mod factories;
mod home;
mod insights;
pub(crate) mod measurements;
mod order_feedback;
mod orders;
mod pareto_chart;
mod password;
mod sign_in;

pub use customer_page::{fmt_time, format_values, unit_system};
// The form type is public for the fuzz targets (fuzz/).
pub use sign_in::SignInForm;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(home::show_home))
        .route("/", web::get().to(home::show_home))
        .route("/sign-in", web::get().to(sign_in::sign_in_form))
        .route("/sign-in", web::post().to(sign_in::sign_in))
        .route("/sign-out", web::post().to(sign_in::sign_out))
        .route("/password", web::get().to(password::password_form))
        .route("/password", web::post().to(password::change_password))
        .route("/stores/{id}", web::get().to(home::show_store))
        .route("/catalogs", web::get().to(catalogs::list_catalogs))
        .route("/catalogs", web::post().to(catalogs::import_catalog))
        .route("/catalogs/{id}", web::get().to(catalogs::show_catalog))
        .route("/catalogs/{id}/coverage", web::get().to(catalogs::show_coverage))
        .route("/factories", web::get().to(factories::list_factories))
        .route("/factories", web::post().to(factories::create_factory))
        .route("/factories/{id}", web::get().to(factories::show_factory))
        .route("/factories/{id}", web::post().to(factories::update_factory))
        .route("/factories/{id}/tokens", web::post().to(factories::create_token))
        .route("/factories/{id}/tokens/{token}/revoke", web::post().to(factories::revoke_token))
        .route("/factories/{id}/secret", web::post().to(factories::rotate_secret))
        .route("/factories/{id}/push/enable", web::post().to(factories::enable_push))
        .route("/factories/{id}/replay", web::post().to(factories::replay_failed))
        .route("/channels", web::get().to(channels::list_channels))
        .route("/channels", web::post().to(channels::create_channel))
        .route("/channels/{id}", web::get().to(channels::show_channel))
        .route("/channels/{id}/keys", web::post().to(channels::create_key))
        .route("/channels/{id}/keys/{key}/revoke", web::post().to(channels::revoke_key))
        .route("/notices/{id}/dismiss", web::post().to(home::dismiss_notice))
        .route("/orders/{id}", web::get().to(orders::show_order))
        .route("/orders/{id}/cancel", web::post().to(orders::cancel_order))
        .route("/orders/{id}/revise", web::post().to(orders::revise_order))
        .route("/work-orders/{id}/ticket", web::get().to(orders::job_ticket))
        .route("/orders/{id}/contacts", web::post().to(order_feedback::log_order_contact))
        .route("/insights", web::get().to(insights::show_insights))
        .route("/insights/classify", web::post().to(insights::classify_now))
        .route("/work-orders", web::get().to(orders::show_board))
        .route("/work-orders/{id}/retry", web::post().to(orders::retry_work_order))
        .route("/customers/{id}/orders/new", web::get().to(orders::new_order_form))
        .route("/customers/{id}/orders", web::post().to(orders::place_order))
        .route("/customers", web::get().to(customers::list_customers))
        .route("/customers", web::post().to(customers::create_customer))
        .route("/customers/new", web::get().to(customers::new_customer_form))
        .route("/customers/{id}", web::get().to(customers::show_customer))
        .route("/customers/{id}/consent", web::post().to(customers::update_consent))
        .route("/customers/{id}/export", web::get().to(customers::export_customer))
        .route("/customers/{id}/erase", web::post().to(customers::erase_customer))
        .route("/customers/{id}/claim-code", web::post().to(customers::make_claim_code))
        .route("/customers/{id}/merge", web::get().to(customers::merge_form))
        .route("/customers/{id}/merge", web::post().to(customers::merge_customers))
        .route("/customers/{id}/preferences", web::post().to(customer_notes::add_preference))
        .route("/customers/{id}/preferences/{pid}", web::post().to(customer_notes::change_preference))
        .route("/customers/{id}/contacts", web::post().to(customer_notes::log_contact))
        .route("/customers/{id}/learned", web::post().to(customer_notes::decide_learned))
        .route("/customers/{id}/complaints/{cid}/resolve", web::post().to(customer_notes::resolve_complaint))
        .route("/customers/{id}/measurements", web::get().to(measurements::measurement_history))
        .route("/customers/{id}/measurements", web::post().to(measurements::create_measurements))
        .route("/customers/{id}/measurements/new", web::get().to(measurements::new_measurements_form));
}
