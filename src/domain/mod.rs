//! Pure domain logic: no I/O, no web, no database.

pub mod address;
pub mod catalog;
pub mod codes;
pub mod common_passwords;
pub mod customer;
pub mod customer_search;
pub mod lang;
pub mod measurement;
pub mod money;
pub mod preview;
pub mod revision;
pub mod shop_account;
pub mod profile;
pub mod staff;
pub mod store_settings;
pub mod work_order;
