//! Integration tests: the real app on a random port, a fresh database per test, HTTP only.
//! Storage tests run on SQLite and, when `ATELIER_TEST_DATABASE_URL` is set, on PostgreSQL.

mod helpers;

mod access;
mod authz;
mod bridge;
mod bridge_admin;
mod bridge_faults;
mod browser;
mod catalogs;
mod crash;
mod channels;
mod cli;
mod customers;
mod errors;
mod erasure_trace;
mod faults;
mod health;
mod i18n;
mod learning;
mod learning_pages;
mod measurements;
mod schemathesis;
mod security;
mod sessions;
mod shop;
mod shop_browser;
mod shop_helpers;
mod sign_in;
mod team;
