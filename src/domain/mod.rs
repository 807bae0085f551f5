//! Pure domain logic: no I/O, no web, no database.

pub mod money;
pub mod staff;
