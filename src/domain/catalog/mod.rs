//! The product catalog and its rule engine: pure, no I/O.
//!
//! A catalog is TOML text (reading the file is the caller's job). [`CompiledCatalog::import`]
//! parses it, compiles every expression once, and lints it (unknown references, wrong
//! types, dead values, products no typical customer can order); the compiled catalog then
//! answers, per product, [`validate`](CompiledCatalog::validate),
//! [`availability`](CompiledCatalog::availability), [`repair`](CompiledCatalog::repair),
//! [`derive`](CompiledCatalog::derive), [`price`](CompiledCatalog::price) and
//! [`work_spec`](CompiledCatalog::work_spec) (bill of materials, operations, spec hash);
//! [`live`](CompiledCatalog::live) answers the first five at once, as a configurator asks.
//!
//! Rule expressions are CEL; see [`expr`] for the variables they see and their units.
//! Everything that reaches output is ordered by the catalog (options, rules, derived values
//! in the order written) or by code, never by hash-map iteration.

pub mod availability;
pub mod bom;
pub mod compile;
pub mod coverage;
pub mod derive;
pub mod eval;
pub mod expr;
pub mod input;
pub mod lint;
pub mod live;
pub mod measures;
pub mod model;
mod native;
pub mod price;
pub mod repair;
pub mod search;
pub mod validate;

#[cfg(test)]
mod proptests;
#[cfg(test)]
pub(crate) mod tests;

pub use availability::{Availability, AvailabilityRef, Blocker, BlockerRef, NoneFits, OptionAvailability, ValueAvail, ValueAvailability, none_fits};
pub use bom::{SpecLine, WorkSpec};
pub use compile::{CompiledCatalog, Product};
pub use derive::{DerivedOutput, DerivedValue};
pub use input::{Choice, Configuration};
pub use lint::{LintIssue, LintReport};
pub use live::{LiveAnswer, OrderParts, Orderable};
pub use model::{CatalogDoc, Family, OptionKind, RuleKind, Text, unit_zh};
pub use price::{PriceBreakdown, PriceLine};
pub use repair::{Change, Repair};
pub use validate::{Validation, Violation, ViolationKind};

/// A request the engine cannot answer at all (as opposed to an invalid configuration,
/// which is an answer).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("unknown product `{0}`")]
    UnknownProduct(String),
    #[error("tax rate must not be negative (got {0})")]
    NegativeTaxRate(rust_decimal::Decimal),
    #[error("the configuration is not valid: {0} rule(s) violated")]
    Invalid(usize),
    #[error("`{line}`: {reason}")]
    Quantity { line: String, reason: String },
}
