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

use super::route_table::Routes;

pub fn routes(r: &mut Routes) {
    r.get("", home::show_home)
        .get("/", home::show_home)
        .get("/sign-in", sign_in::sign_in_form)
        .post("/sign-in", sign_in::sign_in)
        .post("/sign-out", sign_in::sign_out)
        .get("/password", password::password_form)
        .post("/password", password::change_password)
        .get("/stores/{id}", home::show_store)
        .get("/catalogs", catalogs::list_catalogs)
        .post("/catalogs", catalogs::import_catalog)
        .get("/catalogs/{id}", catalogs::show_catalog)
        .get("/catalogs/{id}/coverage", catalogs::show_coverage)
        .get("/factories", factories::list_factories)
        .post("/factories", factories::create_factory)
        .get("/factories/{id}", factories::show_factory)
        .post("/factories/{id}", factories::update_factory)
        .post("/factories/{id}/tokens", factories::create_token)
        .post("/factories/{id}/tokens/{token}/revoke", factories::revoke_token)
        .post("/factories/{id}/secret", factories::rotate_secret)
        .post("/factories/{id}/push/enable", factories::enable_push)
        .post("/factories/{id}/replay", factories::replay_failed)
        .get("/channels", channels::list_channels)
        .post("/channels", channels::create_channel)
        .get("/channels/{id}", channels::show_channel)
        .post("/channels/{id}/keys", channels::create_key)
        .post("/channels/{id}/keys/{key}/revoke", channels::revoke_key)
        .post("/notices/{id}/dismiss", home::dismiss_notice)
        .get("/orders/{id}", orders::show_order)
        .post("/orders/{id}/cancel", orders::cancel_order)
        .post("/orders/{id}/revise", orders::revise_order)
        .get("/work-orders/{id}/ticket", orders::job_ticket)
        .post("/orders/{id}/contacts", order_feedback::log_order_contact)
        .get("/insights", insights::show_insights)
        .post("/insights/classify", insights::classify_now)
        .get("/work-orders", orders::show_board)
        .post("/work-orders/{id}/retry", orders::retry_work_order)
        .get("/customers/{id}/orders/new", orders::new_order_form)
        .post("/customers/{id}/orders", orders::place_order)
        .get("/customers", customers::list_customers)
        .post("/customers", customers::create_customer)
        .get("/customers/new", customers::new_customer_form)
        .get("/customers/{id}", customers::show_customer)
        .post("/customers/{id}/consent", customers::update_consent)
        .get("/customers/{id}/export", customers::export_customer)
        .post("/customers/{id}/erase", customers::erase_customer)
        .post("/customers/{id}/claim-code", customers::make_claim_code)
        .get("/customers/{id}/merge", customers::merge_form)
        .post("/customers/{id}/merge", customers::merge_customers)
        .post("/customers/{id}/preferences", customer_notes::add_preference)
        .post("/customers/{id}/preferences/{pid}", customer_notes::change_preference)
        .post("/customers/{id}/contacts", customer_notes::log_contact)
        .post("/customers/{id}/learned", customer_notes::decide_learned)
        .post("/customers/{id}/complaints/{cid}/resolve", customer_notes::resolve_complaint)
        .get("/customers/{id}/measurements", measurements::measurement_history)
        .post("/customers/{id}/measurements", measurements::create_measurements)
        .get("/customers/{id}/measurements/new", measurements::new_measurements_form);
}
