//! The production side of a valid configuration: bill of materials and operations (each
//! line selected by its `when` rule, quantity from its formula) and a spec hash that is the
//! same for the same configuration and catalog version, whatever order choices came in.

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
        let snap = ctx.snapshot(&a);
        Ok(WorkSpec {
            catalog: self.id.clone(),
            version: self.version.clone(),
            product: p.code.clone(),
            materials: lines(&ctx, &a, &snap, &p.bom)?,
            operations: lines(&ctx, &a, &snap, &p.operations)?,
            spec_hash: self.spec_hash(cfg)?,
        })
    }

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
        Ok(hex::encode(Sha256::digest(canonical(self, p, cfg).as_bytes())))
    }
}

fn field(out: &mut String, key: &str, value: &str) {
    out.push_str(&format!("{}:{key}={}:{value}\n", key.len(), value.len()));
}

fn canonical(cat: &CompiledCatalog, p: &Product, cfg: &Configuration) -> String {
    let mut out = String::from("atelier-spec/1\n");
    field(&mut out, "catalog", &cat.id);
    field(&mut out, "version", &cat.version);
    field(&mut out, "product", &p.code);
    let (a, _) = normalize(p, &cfg.choices);
    for (o, val) in p.options.iter().zip(&a) {
        let text = match val {
            None => continue,
            Some(Val::One(i)) => o.values.get(*i).map(|v| v.code.clone()).unwrap_or_default(),
            Some(Val::Many(is)) => is.iter().filter_map(|i| o.values.get(*i)).map(|v| v.code.as_str()).collect::<Vec<_>>().join(","),
            Some(Val::Number(d)) => d.normalize().to_string(),
            Some(Val::Text(t)) => t.clone(),
        };
        field(&mut out, &format!("c.{}", o.code), &text);
    }
    for (code, v) in cfg.measurements.iter().filter(|(c, _)| p.measures_read.contains(*c)) {
        field(&mut out, &format!("m.{code}"), &v.to_string());
    }
    out
}
