//! The work order document as the factory gets it (shaped after an ISA-95 production
//! request): what it needs to build and ship, and nothing else about the customer than a
//! reference.
//!
//! Typed rather than built as a `serde_json::Value` tree: placing an order built, cloned
//! twice, serialized twice and dropped such a tree, a map allocation per key. Fields are
//! declared in alphabetical order at every level, so the text is exactly what a `Value`
//! (whose maps sort their keys) gave, and stored documents keep one shape; a test holds
//! every struct here to that.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::domain::catalog::{Choice, CompiledCatalog, Configuration, DerivedOutput, Product, SpecLine, WorkSpec};
use crate::domain::work_order::Status;
use crate::store::catalogs::CatalogVersion;

/// The part of the document the configuration decides, built before the transaction.
#[derive(Debug, Clone)]
pub(super) struct Body {
    derived: Vec<DerivedLine>,
    materials: Vec<SpecLine>,
    measurements: BTreeMap<String, i64>,
    operations: Vec<SpecLine>,
    options: Vec<OptionLine>,
    personalisation: Vec<PersonalLine>,
    product: ProductLine,
    pub(super) spec_hash: String,
}

/// What a work order document needs besides the configuration: what the transaction decides.
pub(super) struct Head<'a> {
    /// A number, or a marker string where the id is not known yet (see `write_in_one_statement`).
    pub id: Value,
    /// When the work order was made (RFC 3339, UTC): the same in every revision.
    pub created_at: &'a str,
    pub order_reference: &'a str,
    pub revision: i32,
    pub factory_code: &'a str,
    pub due_date: &'a str,
    pub ship_to: &'a Value,
    pub customer_reference: &'a str,
}

/// A whole document: a body with its head, in key order.
#[derive(Serialize)]
pub(super) struct Document<'a> {
    created_at: &'a str,
    customer_reference: &'a str,
    derived: &'a [DerivedLine],
    due_date: &'a str,
    factory: &'a str,
    id: &'a Value,
    materials: &'a [SpecLine],
    measurements: &'a BTreeMap<String, i64>,
    operations: &'a [SpecLine],
    options: &'a [OptionLine],
    order_reference: &'a str,
    personalisation: &'a [PersonalLine],
    product: &'a ProductLine,
    quantity: u32,
    revision: i32,
    ship_to: &'a Value,
    spec_hash: &'a str,
    status: &'a str,
    /// None yet; here so that every event's document has the fields `GET` answers with.
    tracking_number: Option<&'a str>,
    updated_at: &'a str,
}

#[derive(Debug, Clone, Serialize)]
struct DerivedLine {
    code: String,
    label: String,
    unit: Option<String>,
    value: String,
}

#[derive(Debug, Clone, Serialize)]
struct OptionLine {
    label: String,
    option: String,
    value: OneOrMany,
    value_label: OneOrMany,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, Serialize)]
struct PersonalLine {
    label: String,
    option: String,
    text: String,
}

#[derive(Debug, Clone, Serialize)]
struct ProductLine {
    catalog: String,
    catalog_revision: i32,
    catalog_version: String,
    code: String,
    family: String,
    label: String,
}

/// A webhook event's body, as factories receive it.
#[derive(Serialize)]
pub(super) struct Event<'a, T: Serialize> {
    pub data: &'a T,
    pub timestamp: String,
    #[serde(rename = "type")]
    pub event_type: &'a str,
}

impl Body {
    /// `p` is the configuration's product, `derived` and `spec` the engine's answers for it.
    pub(super) fn new(c: &CompiledCatalog, version: &CatalogVersion, p: &Product, cfg: &Configuration, derived: &[DerivedOutput], spec: WorkSpec) -> Body {
        Body {
            derived: derived
                .iter()
                .filter_map(|d| {
                    let value = d.value.as_ref()?;
                    Some(DerivedLine { code: d.code.clone(), label: d.label.en.clone(), unit: d.unit.clone(), value: value.to_string() })
                })
                .collect(),
            materials: spec.materials,
            // Only the measurements the product reads go to the factory (data minimisation).
            measurements: cfg.measurements.iter().filter(|(k, _)| p.measures_read.contains(*k)).map(|(k, v)| (k.clone(), *v)).collect(),
            operations: spec.operations,
            options: options_of(p, cfg),
            personalisation: personalisation(p, cfg),
            product: ProductLine {
                catalog: c.id.clone(),
                catalog_revision: version.revision,
                catalog_version: c.version.clone(),
                code: cfg.product.clone(),
                family: format!("{:?}", p.family).to_lowercase(),
                label: p.label.en.clone(),
            },
            spec_hash: spec.spec_hash,
        }
    }

    /// The product's family as factories declare what they build (`bicycle`, `apparel`).
    pub(super) fn family(&self) -> &str {
        &self.product.family
    }

    pub(super) fn with<'a>(&'a self, head: &'a Head<'a>) -> Document<'a> {
        Document {
            created_at: head.created_at,
            customer_reference: head.customer_reference,
            derived: &self.derived,
            due_date: head.due_date,
            factory: head.factory_code,
            id: &head.id,
            materials: &self.materials,
            measurements: &self.measurements,
            operations: &self.operations,
            options: &self.options,
            order_reference: head.order_reference,
            personalisation: &self.personalisation,
            product: &self.product,
            quantity: 1,
            revision: head.revision,
            ship_to: head.ship_to,
            spec_hash: &self.spec_hash,
            status: Status::Queued.as_str(),
            tracking_number: None,
            updated_at: head.created_at,
        }
    }
}

impl Document<'_> {
    pub(super) fn text(&self) -> String {
        // Only strings, numbers and maps with string keys: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn options_of(p: &Product, cfg: &Configuration) -> Vec<OptionLine> {
    p.options
        .iter()
        .filter_map(|o| {
            let choice = cfg.choices.get(&o.code)?;
            let label_of = |code: &str| o.values.iter().find(|v| v.code == code).map(|v| v.label.en.clone()).unwrap_or_default();
            let (value, value_label) = match choice {
                Choice::One(v) => (OneOrMany::One(v.clone()), OneOrMany::One(label_of(v))),
                Choice::Many(vs) => (OneOrMany::Many(vs.iter().cloned().collect()), OneOrMany::Many(vs.iter().map(|v| label_of(v)).collect())),
                // The label is what a person reads on the ticket: "100 mm", not "100".
                Choice::Number(n) => (OneOrMany::One(n.to_string()), OneOrMany::One(o.number.as_ref().filter(|s| !s.unit.is_empty()).map_or_else(|| n.to_string(), |s| format!("{n} {}", s.unit)))),
                Choice::Text(_) => return None,
            };
            Some(OptionLine { label: o.label.en.clone(), option: o.code.clone(), value, value_label })
        })
        .collect()
}

fn personalisation(p: &Product, cfg: &Configuration) -> Vec<PersonalLine> {
    p.options
        .iter()
        .filter_map(|o| match cfg.choices.get(&o.code)? {
            Choice::Text(t) if !t.is_empty() => Some(PersonalLine { label: o.label.en.clone(), option: o.code.clone(), text: t.clone() }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::{Orderable, tests::sportswear};
    use chrono::Utc;
    use rust_decimal::Decimal;

    /// A jersey with a printed name and a multi-valued option, so every kind of line is there.
    fn body() -> Body {
        let cat = sportswear();
        let mut cfg = Configuration::new("cycling_jersey")
            .one("cut", "men")
            .one("fit", "club")
            .one("sleeve", "short")
            .one("fabric", "standard")
            .one("zip", "full")
            .one("body_colour", "navy")
            .one("panel_colour", "black")
            .with("name_print", Choice::Text("Ana O'Neil".into()));
        for (m, v) in [("stature", 1755), ("chest_girth", 1056), ("waist_girth", 937), ("hip_girth", 1017), ("arm_length", 592), ("body_mass", 84_600)] {
            cfg = cfg.measure(m, v);
        }
        let version = CatalogVersion {
            id: 1,
            catalog_code: cat.id.clone(),
            label: cat.version.clone(),
            revision: 3,
            source_sha256: String::new(),
            file_name: "sportswear.toml".into(),
            imported_at: Utc::now().naive_utc(),
            imported_by_staff_id: None,
        };
        let p = cat.product(&cfg.product).expect("jersey");
        let Ok(Orderable::Valid(parts)) = cat.order(&cfg, Decimal::ZERO) else { panic!("the jersey is valid") };
        Body::new(&cat, &version, p, &cfg, &parts.derived, parts.spec)
    }

    #[test]
    fn documents_keep_their_keys_in_order_at_every_level() {
        let body = body();
        let ship_to = serde_json::json!({ "store": 1 });
        let head = Head { id: Value::from(7), created_at: "2026-11-30T09:00:00+00:00", order_reference: "O-1", revision: 2, factory_code: "f", due_date: "2026-12-01", ship_to: &ship_to, customer_reference: "C-1" };
        let text = body.with(&head).text();
        let tree: Value = serde_json::from_str(&text).expect("json");
        // A `Value` writes its maps' keys sorted; the typed text must be the same text.
        assert_eq!(text, tree.to_string());
        for key in ["derived", "materials", "operations", "options", "personalisation"] {
            assert!(tree[key].as_array().is_some_and(|a| !a.is_empty()), "{key} is empty: {text}");
        }
        assert_eq!(tree["personalisation"][0]["text"], "Ana O'Neil");
        assert_eq!((tree["id"].as_i64(), tree["quantity"].as_i64(), tree["status"].as_str()), (Some(7), Some(1), Some("queued")));
        let event = Event { data: &body.with(&head), timestamp: Utc::now().to_rfc3339(), event_type: "work_order.created" };
        let text = serde_json::to_string(&event).expect("json");
        assert_eq!(text, serde_json::from_str::<Value>(&text).expect("json").to_string());
    }

    /// A number is labelled with its unit: the ticket read "Stem length 100".
    #[test]
    fn a_number_options_label_carries_its_unit() {
        let cat = crate::domain::catalog::tests::bicycles();
        let cfg = crate::domain::catalog::tests::good_road();
        let p = cat.product(&cfg.product).expect("road");
        let stem = options_of(p, &cfg).into_iter().find(|o| o.option == "stem_length").expect("a stem line");
        assert_eq!(serde_json::to_value(&stem).ok(), Some(serde_json::json!({"label": "Stem length", "option": "stem_length", "value": "100", "value_label": "100 mm"})));
    }
}
