//! The body measurements rule expressions can read, and the reference bodies the linter
//! tries a catalog against.
//!
//! Canonical values are integers (millimetres, grams) as in `domain::measurement`; inside
//! expressions lengths are **millimetres** and body mass is **kilograms**, both as doubles,
//! because "body_mass > 110.0" is how a product manager reads a weight limit, and because
//! CEL refuses to mix integers and doubles in arithmetic.

use std::collections::BTreeMap;

use super::model::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Canonical millimetres; millimetres in expressions.
    Length,
    /// Canonical grams; kilograms in expressions.
    Mass,
}

pub struct MeasureDef {
    pub code: &'static str,
    pub quantity: Quantity,
    pub en: &'static str,
    pub zh: &'static str,
}

/// Names follow ISO 8559-1; the Chinese follows GB/T 16160 usage.
pub const MEASURES: &[MeasureDef] = &[
    MeasureDef { code: "stature", quantity: Quantity::Length, en: "stature", zh: "身高" },
    MeasureDef { code: "chest_girth", quantity: Quantity::Length, en: "chest girth", zh: "胸围" },
    MeasureDef { code: "waist_girth", quantity: Quantity::Length, en: "waist girth", zh: "腰围" },
    MeasureDef { code: "hip_girth", quantity: Quantity::Length, en: "hip girth", zh: "臀围" },
    MeasureDef { code: "inside_leg", quantity: Quantity::Length, en: "inside leg", zh: "内腿长" },
    MeasureDef { code: "arm_length", quantity: Quantity::Length, en: "arm length", zh: "臂长" },
    MeasureDef { code: "shoulder_width", quantity: Quantity::Length, en: "shoulder width", zh: "肩宽" },
    MeasureDef { code: "neck_girth", quantity: Quantity::Length, en: "neck girth", zh: "颈围" },
    MeasureDef { code: "thigh_girth", quantity: Quantity::Length, en: "thigh girth", zh: "大腿围" },
    MeasureDef { code: "body_mass", quantity: Quantity::Mass, en: "body mass", zh: "体重" },
    MeasureDef { code: "foot_length", quantity: Quantity::Length, en: "foot length", zh: "脚长" },
];

pub fn measure(code: &str) -> Option<&'static MeasureDef> {
    MEASURES.iter().find(|m| m.code == code)
}

/// The value an expression sees for a canonical integer.
pub fn expr_value(def: &MeasureDef, canonical: i64) -> f64 {
    match def.quantity {
        Quantity::Length => canonical as f64,
        Quantity::Mass => canonical as f64 / 1000.0,
    }
}

/// "84.5 cm" / "81.5 kg": how a measurement is named inside an explanation.
pub fn display(def: &MeasureDef, canonical: i64) -> String {
    display_quantity(def.quantity, canonical)
}

/// The same for a measurement rules cannot read (head or hand girth), by its quantity.
pub fn display_quantity(quantity: Quantity, canonical: i64) -> String {
    let (value, unit) = match quantity {
        Quantity::Length => (canonical as f64 / 10.0, "cm"),
        Quantity::Mass => (canonical as f64 / 1000.0, "kg"),
    };
    format!("{value:.1} {unit}")
}

/// [`display`] in both languages: "172.0 cm", "172.0 厘米".
pub fn display_text(def: &MeasureDef, canonical: i64) -> Text {
    let en = display(def, canonical);
    let zh = en.replace(" cm", " 厘米").replace(" kg", " 千克");
    Text { en, zh }
}

pub fn label(def: &MeasureDef) -> Text {
    Text::new(def.en, def.zh)
}

/// A reference body: a percentile of ANSUR II (US Army 2012, public domain), every
/// measurement at the same percentile. Such a person does not exist, but each value does,
/// which is what the linter needs to find dead values and empty products.
pub struct ReferenceBody {
    pub name: &'static str,
    /// stature, chest, waist, hip, inside leg (crotch height), arm length, shoulder
    /// (biacromial), neck, thigh, body mass (g), foot length: the order of `MEASURES`.
    pub values: [i64; 11],
}

impl ReferenceBody {
    pub fn measurements(&self) -> BTreeMap<String, i64> {
        MEASURES.iter().zip(self.values).map(|(m, v)| (m.code.to_string(), v)).collect()
    }
}

/// The ANSUR medians: the "typical customer" a catalog must be able to serve.
pub const TYPICAL: &[ReferenceBody] = &[
    ReferenceBody { name: "ANSUR II male p50", values: [1755, 1056, 937, 1017, 845, 602, 415, 395, 624, 84600, 271] },
    ReferenceBody { name: "ANSUR II female p50", values: [1626, 940, 852, 1018, 780, 551, 365, 328, 613, 66800, 246] },
];

/// Percentiles 1..99 of both sexes: a value no one among these can choose is dead.
pub const PROBES: &[ReferenceBody] = &[
    ReferenceBody { name: "ANSUR II male p1", values: [1602, 873, 725, 862, 747, 535, 371, 346, 497, 57800, 242] },
    ReferenceBody { name: "ANSUR II male p5", values: [1648, 922, 768, 899, 771, 555, 384, 360, 532, 64400, 250] },
    ReferenceBody { name: "ANSUR II male p95", values: [1870, 1207, 1131, 1149, 925, 655, 447, 443, 723, 110700, 293] },
    ReferenceBody { name: "ANSUR II male p99", values: [1927, 1276, 1214, 1218, 960, 678, 463, 467, 774, 124200, 302] },
    ReferenceBody { name: "ANSUR II female p1", values: [1483, 784, 665, 867, 685, 483, 322, 291, 495, 46700, 219] },
    ReferenceBody { name: "ANSUR II female p5", values: [1525, 824, 710, 901, 712, 507, 335, 302, 527, 51300, 226] },
    ReferenceBody { name: "ANSUR II female p95", values: [1740, 1094, 1040, 1156, 857, 605, 396, 363, 711, 87100, 268] },
    ReferenceBody { name: "ANSUR II female p99", values: [1778, 1160, 1115, 1206, 888, 624, 406, 384, 757, 97500, 276] },
];
