//! What an order was, in words, for the customer's order page and the staff order page: the
//! product and its choices as the catalog revision it was ordered from names them, the price
//! as it was agreed, and where it goes.

use crate::catalogs::CatalogCache;
use crate::domain::catalog::{Choice, Configuration, PriceBreakdown};
use crate::i18n::Tr;
use crate::store::orders::OrderRow;
use crate::store::{Db, StoreError};

use super::error::AppError;

pub struct OrderWords {
    pub product_label: String,
    /// (option, value) in catalog order.
    pub choices: Vec<(String, String)>,
    /// (line, amount): the base price, each surcharge, the tax.
    pub price_lines: Vec<(String, String)>,
    /// "Collect at …" or "Deliver to: …"; empty when the order says neither.
    pub delivery: String,
    /// The product's derived values as they are named: code → (label, unit).
    pub derived: std::collections::BTreeMap<String, (String, Option<String>)>,
    /// The product's options as they are named: code → (label, value code → label, unit).
    pub options: std::collections::BTreeMap<String, (String, std::collections::BTreeMap<String, String>, Option<String>)>,
    /// (label, value): the sizes the order was made to, as worked out from its measurements.
    pub sizes: Vec<(String, String)>,
}

/// A delivery address on one line: as typed when it is text, else its lines as an envelope
/// has them (the object's own order is not kept), others after.
pub fn address_text(address: &serde_json::Value) -> Option<String> {
    match address {
        serde_json::Value::String(a) => Some(a.clone()),
        serde_json::Value::Object(lines) => {
            const ORDER: [&str; 12] = ["name", "company", "line1", "line2", "line3", "street", "postcode", "postal_code", "zip", "city", "region", "country"];
            let rank = |k: &str| ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len());
            let mut shown: Vec<(&String, &str)> = lines.iter().filter_map(|(k, v)| Some((k, v.as_str()?.trim()))).filter(|(_, l)| !l.is_empty()).collect();
            shown.sort_by_key(|(k, _)| rank(k));
            // The postal code and the city share a line, as on a label ("10115 Berlin").
            let mut out: Vec<String> = vec![];
            let mut after_code = false;
            for (k, l) in shown {
                let code = matches!(k.as_str(), "postcode" | "postal_code" | "zip");
                match out.last_mut() {
                    Some(last) if after_code && k == "city" => {
                        last.push(' ');
                        last.push_str(l);
                    }
                    _ => out.push(l.to_owned()),
                }
                after_code = code;
            }
            Some(out.join(", "))
        }
        _ => None,
    }
}

/// `units`: what the sizes are shown in besides millimetres (the customer's measurements').
pub async fn words(db: &Db, cache: &CatalogCache, order: &OrderRow, t: Tr, units: crate::domain::measurement::UnitSystem) -> Result<OrderWords, AppError> {
    let lang = t.lang;
    let breakdown: Option<PriceBreakdown> = serde_json::from_str(&order.price_breakdown).ok();
    let price_lines = breakdown.map(|p| super::configurator::price_lines(&p, t).0).unwrap_or_default();
    let ship: serde_json::Value = serde_json::from_str(&order.ship_to).unwrap_or_default();
    // Orders from the shop name their store; from a store or a partner's system they carry its
    // id, or an address as lines.
    let store = match (ship.get("store_name").and_then(|v| v.as_str()), ship.get("store").and_then(|v| v.as_i64())) {
        (Some(name), _) => Some(name.to_owned()),
        (None, Some(id)) => db.read(move |conn| Ok::<_, StoreError>(crate::store::stores::find(conn, id)?)).await?.map(|s| s.name),
        _ => None,
    };
    let address = ship.get("address").and_then(address_text);
    let delivery = match (store, address.filter(|a| !a.is_empty())) {
        (Some(store), _) => t.t1("delivery-to-store", "store", store),
        (_, Some(address)) => t.t1("delivery-to-address", "address", address),
        _ => String::new(),
    };
    let (product_label, choices, derived, options, sizes) = match cache.get(db, order.catalog_version_id).await? {
        Some((_, cat)) => {
            #[derive(serde::Deserialize)]
            struct Stored {
                #[serde(default)]
                choices: std::collections::BTreeMap<String, Choice>,
                #[serde(default)]
                measurements: std::collections::BTreeMap<String, i64>,
            }
            let stored: Stored = serde_json::from_str(&order.configuration).unwrap_or(Stored { choices: Default::default(), measurements: Default::default() });
            let cfg = Configuration { product: order.product_code.clone(), choices: stored.choices, measurements: stored.measurements };
            let sizes = super::configurator::derived_view(&cat, &cfg, t, units);
            let p = cat.product(&order.product_code);
            let derived = p.map(|p| p.derived.iter().map(|d| (d.code.clone(), (d.label.get(lang), d.unit.clone()))).collect()).unwrap_or_default();
            let options = p
                .map(|p| p.options.iter().map(|o| (o.code.clone(), (o.label.get(lang), o.values.iter().map(|v| (v.code.clone(), v.label.get(lang))).collect(), o.number.as_ref().map(|n| n.unit.clone())))).collect())
                .unwrap_or_default();
            (p.map(|p| p.label.get(lang)).unwrap_or_else(|| order.product_code.clone()), super::configurator::choice_labels(&cat, &cfg, lang), derived, options, sizes)
        }
        None => (order.product_code.clone(), vec![], Default::default(), Default::default(), vec![]),
    };
    Ok(OrderWords { product_label, choices, price_lines, delivery, derived, options, sizes })
}
