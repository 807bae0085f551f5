//! The production side of a valid configuration: bill of materials and operations (each
//! line selected by its `when` rule, quantity from its formula) and a spec hash that is the
//! same for the same configuration and catalog version, whatever order choices came in.

use std::borrow::Cow;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::compile::{CompiledCatalog, Line, Product};
use super::eval::{Ctx, Snapshot};
use super::input::{Assignment, Configuration, Val, normalize};
use super::model::Text;
use super::EngineError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecLine {
    pub code: String,
    pub label: Text,
    pub qty: Decimal,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkSpec {
    pub catalog: String,
    pub version: String,
    pub product: String,
    pub materials: Vec<SpecLine>,
    pub operations: Vec<SpecLine>,
    /// Hex SHA-256 of the canonical configuration, see [`CompiledCatalog::spec_hash`].
    pub spec_hash: String,
}

impl CompiledCatalog {
    /// Only a valid configuration has a work spec.
    pub fn work_spec(&self, cfg: &Configuration) -> Result<WorkSpec, EngineError> {
        let p = self.product(&cfg.product).ok_or_else(|| EngineError::UnknownProduct(cfg.product.clone()))?;
        let v = self.validate(cfg)?;
        if !v.valid {
            return Err(EngineError::Invalid(v.violations.len()));
        }
        let ctx = Ctx::new(self, p, &cfg.measurements);
        let (a, _) = normalize(p, &cfg.choices);
        spec_of(&ctx, &a, &ctx.snapshot(&a), cfg)
    }
}

/// The work spec of a valid assignment whose snapshot is taken.
pub(crate) fn spec_of<'a>(ctx: &Ctx<'a>, a: &Assignment, snap: &Snapshot<'a>, cfg: &Configuration) -> Result<WorkSpec, EngineError> {
    let (cat, p) = (ctx.cat, ctx.p);
    Ok(WorkSpec {
        catalog: cat.id.clone(),
        version: cat.version.clone(),
        product: p.code.clone(),
        materials: lines(ctx, a, snap, &p.bom)?,
        operations: lines(ctx, a, snap, &p.operations)?,
        spec_hash: hash(canonical(cat, p, a, cfg)),
    })
}

fn lines<'a>(ctx: &Ctx<'a>, a: &Assignment, snap: &Snapshot<'a>, lines: &[Line]) -> Result<Vec<SpecLine>, EngineError> {
        let mut out = Vec::new();
        for l in lines {
            let err = |reason: String| EngineError::Quantity { line: l.code.clone(), reason };
            if let Some(when) = &l.when {
                if !ctx.eval_bool(when, a, snap).map_err(|e| err(e.to_string()))? {
                    continue;
                }
            }
            let qty = match &l.qty {
                Some(q) => {
                    let x = ctx.eval_number(q, a, snap).map_err(|e| err(e.to_string()))?;
                    Decimal::from_f64(x).ok_or_else(|| err(format!("{x} is not a quantity")))?.round_dp(l.decimals)
                }
                None => Decimal::ONE,
            };
            if qty.is_sign_negative() && !qty.is_zero() {
                return Err(err(format!("negative quantity {qty}")));
            }
            // "0 pc" of spacers is nothing to pick: a line that comes to nothing is left out.
            if qty.is_zero() {
                continue;
            }
            out.push(SpecLine { code: l.code.clone(), label: l.label.clone(), qty: qty.normalize(), unit: l.unit.clone() });
        }
        Ok(out)
}

impl CompiledCatalog {
    /// SHA-256 over a canonical text: catalog id and version, product, each chosen option in
    /// catalog order (multi values sorted, numbers normalised), and the measurements the
    /// product reads (others are left out: they cannot change what is built). Every field is
    /// length-prefixed so no two configurations share a text.
    pub fn spec_hash(&self, cfg: &Configuration) -> Result<String, EngineError> {
        let p = self.product(&cfg.product).ok_or_else(|| EngineError::UnknownProduct(cfg.product.clone()))?;
        Ok(hash(canonical(self, p, &normalize(p, &cfg.choices).0, cfg)))
    }
}

fn hash(canonical: String) -> String {
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// `<length>:<prefix><key>=<length>:<value>` and a newline, lengths in bytes. Written piece by
/// piece: a `format!` per field was half of the hash's cost, and placing an order hashes.
fn field(out: &mut String, prefix: &str, key: &str, value: &str) {
    let mut n = itoa::Buffer::new();
    out.push_str(n.format(prefix.len() + key.len()));
    out.push(':');
    out.push_str(prefix);
    out.push_str(key);
    out.push('=');
    out.push_str(n.format(value.len()));
    out.push(':');
    out.push_str(value);
    out.push('\n');
}

fn canonical(cat: &CompiledCatalog, p: &Product, a: &Assignment, cfg: &Configuration) -> String {
    let mut out = String::with_capacity(1024);
    out.push_str("atelier-spec/1\n");
    field(&mut out, "", "catalog", &cat.id);
    field(&mut out, "", "version", &cat.version);
    field(&mut out, "", "product", &p.code);
    for (o, val) in p.options.iter().zip(a) {
        let text: Cow<str> = match val {
            None => continue,
            Some(Val::One(i)) => o.values.get(*i).map_or(Cow::Borrowed(""), |v| Cow::Borrowed(v.code.as_str())),
            Some(Val::Many(is)) => Cow::Owned(is.iter().filter_map(|i| o.values.get(*i)).map(|v| v.code.as_str()).collect::<Vec<_>>().join(",")),
            Some(Val::Number(d)) => Cow::Owned(d.normalize().to_string()),
            Some(Val::Text(t)) => Cow::Borrowed(t.as_str()),
        };
        field(&mut out, "c.", &o.code, &text);
    }
    let mut n = itoa::Buffer::new();
    for (code, v) in cfg.measurements.iter().filter(|(c, _)| p.measures_read.contains(*c)) {
        field(&mut out, "m.", code, n.format(*v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Choice;
    use crate::domain::catalog::tests::sportswear;

    /// The hash is stored with every order and compared across releases: its text must not
    /// change shape. Pinned on a jersey with a printed name and an unread measurement.
    #[test]
    fn the_canonical_text_and_its_hash_keep_their_shape() {
        let cat = sportswear();
        let cfg = Configuration::new("cycling_jersey")
            .one("zip", "full")
            .one("cut", "men")
            .one("fit", "club")
            .one("sleeve", "short")
            .one("fabric", "standard")
            .with("name_print", Choice::Text("Ana O'Neil".into()))
            .measure("chest_girth", 1056)
            .measure("foot_length", 271);
        let p = cat.product("cycling_jersey").expect("jersey");
        let text = canonical(&cat, p, &normalize(p, &cfg.choices).0, &cfg);
        let expected = "atelier-spec/1\n7:catalog=18:atelier-sportswear\n7:version=6:2026.1\n7:product=14:cycling_jersey\n\
                        5:c.cut=3:men\n5:c.fit=4:club\n8:c.sleeve=5:short\n8:c.fabric=8:standard\n5:c.zip=4:full\n8:c.extras=0:\n\
                        12:c.name_print=10:Ana O'Neil\n13:m.chest_girth=4:1056\n";
        assert_eq!(text, expected);
        // SHA-256 of that text, computed apart from this code (Python's hashlib).
        assert_eq!(cat.spec_hash(&cfg).ok().as_deref(), Some("6f4dcc497fc90c2a2fc77a045667e25202593d462b17a39cf6db5128205e1175"));
    }
}
