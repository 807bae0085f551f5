//! The production bridge: the outbox dispatcher that pushes signed webhooks to factories.

pub mod destination;
pub mod dispatcher;
pub mod signing;

pub use dispatcher::{Dispatcher, DispatcherSettings};
