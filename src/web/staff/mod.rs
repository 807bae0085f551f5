//! Staff pages (`/staff/...`): used by fitters and managers in a store, on a tablet.

pub mod audit_log;
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
pub mod password;
mod rendered_pages;
mod sign_in;
mod team;

pub use customer_page::{CustomerPageMemo, fmt_time, format_values, unit_system};
// The form type is public for the fuzz targets (fuzz/).
pub use sign_in::SignInForm;

use super::route_table::Routes;

/// Grouped in scopes by their first segment: actix matches a scope's static prefix by
/// comparing strings and only then tries its routes, and every route with a `{…}` segment
/// it tries costs a regular-expression match (10 % of a search's time with one flat list).
pub fn routes(r: &mut Routes) {
    // The busiest first (see `web::register`): the customer pages.
    r.scope("/customers", |r| {
            r.get("", customers::list_customers)
                .post("", customers::create_customer)
                .get("/new", customers::new_customer_form)
                .get("/{id}", customers::show_customer)
                .get("/{id}/orders/new", orders::new_order_form)
                .post("/{id}/orders", orders::place_order)
                .post("/{id}/consent", customers::update_consent)
                .get("/{id}/export", customers::export_customer)
                .post("/{id}/erase", customers::erase_customer)
                .post("/{id}/claim-code", customers::make_claim_code)
                .get("/{id}/merge", customers::merge_form)
                .post("/{id}/merge", customers::merge_customers)
                .post("/{id}/preferences", customer_notes::add_preference)
                .post("/{id}/preferences/{pid}", customer_notes::change_preference)
                .post("/{id}/contacts", customer_notes::log_contact)
                .post("/{id}/learned", customer_notes::decide_learned)
                .post("/{id}/complaints/{cid}/resolve", customer_notes::resolve_complaint)
                .get("/{id}/measurements", measurements::measurement_history)
                .post("/{id}/measurements", measurements::create_measurements)
                .get("/{id}/measurements/new", measurements::new_measurements_form);
        })
        .get("", home::show_home)
        .get("/", home::show_home)
        .get("/sign-in", sign_in::sign_in_form)
        .post("/sign-in", sign_in::sign_in)
        .post("/sign-out", sign_in::sign_out)
        .get("/password", password::password_form)
        .post("/password", password::change_password)
        .get("/audit", audit_log::show_audit)
        .get("/audit/export", audit_log::export_audit)
        .get("/insights", insights::show_insights)
        .post("/insights/classify", insights::classify_now)
        .scope("/orders", |r| {
            r.get("/{id}", orders::show_order)
                .post("/{id}/cancel", orders::cancel_order)
                .post("/{id}/revise", orders::revise_order)
                .post("/{id}/collection", orders::change_collection)
                .post("/{id}/contacts", order_feedback::log_order_contact);
        })
        .scope("/work-orders", |r| {
            r.get("", orders::show_board)
                .get("/{id}/ticket", orders::job_ticket)
                .post("/{id}/retry", orders::retry_work_order);
        })
        .scope("/stores", |r| {
            r.get("", team::list_stores)
                .post("", team::create_store)
                .get("/{id}", team::show_store)
                .post("/{id}", team::update_store)
                .post("/{id}/staff", team::add_store_staff)
                .post("/{id}/open", team::set_open);
        })
        .scope("/team", |r| {
            r.post("", team::add_administrator)
                .post("/{id}/active", team::set_active)
                .post("/{id}/password", team::new_one_time_password);
        })
        .scope("/notices", |r| {
            r.post("/{id}/dismiss", home::dismiss_notice);
        })
        .scope("/catalogs", |r| {
            r.get("", catalogs::list_catalogs)
                .post("", catalogs::import_catalog)
                .get("/{id}", catalogs::show_catalog)
                .get("/{id}/coverage", catalogs::show_coverage);
        })
        .scope("/factories", |r| {
            r.get("", factories::list_factories)
                .post("", factories::create_factory)
                .get("/{id}", factories::show_factory)
                .post("/{id}", factories::update_factory)
                .post("/{id}/tokens", factories::create_token)
                .post("/{id}/tokens/{token}/revoke", factories::revoke_token)
                .post("/{id}/secret", factories::rotate_secret)
                .post("/{id}/secret/previous/end", factories::end_secret_overlap)
                .post("/{id}/push/enable", factories::enable_push)
                .post("/{id}/replay", factories::replay_failed);
        })
        .scope("/channels", |r| {
            r.get("", channels::list_channels)
                .post("", channels::create_channel)
                .get("/{id}", channels::show_channel)
                .post("/{id}/keys", channels::create_key)
                .post("/{id}/keys/{key}/revoke", channels::revoke_key);
        });
}
