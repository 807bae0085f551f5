//! What the shop learns from a customer's history, as pure functions: monthly activity and
//! its deltas per event, the value class (Pareto), the service segment, suggested standing
//! preferences and item-to-item recommendations. Nothing here can raise a price
//! ([`loyalty`]).

pub mod activity;
pub mod learned;
pub mod loyalty;
pub mod order_contact;
pub mod recommend;
pub mod segment;
pub mod value_class;

pub use activity::{Activity, month_of, window_start};
pub use learned::{PastOrder, Suggestion, suggestions};
pub use segment::{Satisfaction, Volume};
pub use value_class::{Thresholds, ValueClass};
