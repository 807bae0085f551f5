//! A delivery address as the shop's checkout takes it: lines a factory can print on a label
//! (recipient, street, postal code, city, country), not one box of free text. Postal formats
//! differ by country, so the lines are checked for presence and length only, not shape.

use std::collections::BTreeMap;

use serde::Serialize;

/// The form's fields, in the order an envelope has them: (field, JSON key, required, most
/// characters).
pub const FIELDS: [(&str, &str, bool, usize); 6] = [
    ("address_name", "name", true, 120),
    ("address_line1", "line1", true, 120),
    ("address_line2", "line2", false, 120),
    ("address_postal_code", "postal_code", true, 16),
    ("address_city", "city", true, 80),
    ("address_country", "country", true, 60),
];

/// As it goes into `ship_to.address`; an empty second line is left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    pub name: String,
    pub line1: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub line2: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
}

/// Field → message id.
pub type AddressErrors = BTreeMap<&'static str, &'static str>;

/// The address from the form's fields (`get` answers a field's text), or each field's
/// message.
pub fn parse(get: impl Fn(&str) -> String) -> Result<Address, AddressErrors> {
    let mut errors = AddressErrors::new();
    let mut lines: BTreeMap<&str, String> = BTreeMap::new();
    for (field, key, required, max) in FIELDS {
        // Several spaces, tabs or a pasted line break read as one space on a label.
        let text = get(field).split_whitespace().collect::<Vec<_>>().join(" ");
        if required && text.is_empty() {
            errors.insert(field, required_message(key));
        } else if text.chars().count() > max {
            errors.insert(field, "address-line-too-long");
        } else if super::customer::has_hidden_characters(&text) {
            errors.insert(field, "address-hidden-characters");
        }
        lines.insert(key, text);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut take = |k: &str| lines.remove(k).unwrap_or_default();
    Ok(Address { name: take("name"), line1: take("line1"), line2: take("line2"), postal_code: take("postal_code"), city: take("city"), country: take("country") })
}

fn required_message(key: &str) -> &'static str {
    match key {
        "name" => "address-name-required",
        "line1" => "address-line1-required",
        "postal_code" => "address-postal-code-required",
        "city" => "address-city-required",
        _ => "address-country-required",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> impl Fn(&str) -> String {
        let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned().unwrap_or_default()
    }

    #[test]
    fn a_full_address_becomes_label_lines_without_an_empty_second_line() {
        let a = parse(form(&[("address_name", " Mei  Lin "), ("address_line1", "Hauptstraße 5"), ("address_postal_code", "10115"), ("address_city", "Berlin"), ("address_country", "Germany")])).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(a.name, "Mei Lin");
        let json = serde_json::to_value(&a).unwrap_or_default();
        assert_eq!(json, serde_json::json!({"name": "Mei Lin", "line1": "Hauptstraße 5", "postal_code": "10115", "city": "Berlin", "country": "Germany"}));
    }

    #[test]
    fn each_missing_or_overlong_line_is_said_at_its_field() {
        let e = parse(form(&[("address_line1", "\n\t "), ("address_postal_code", "123456789 123456789"), ("address_line2", &"x".repeat(121))])).err().unwrap_or_default();
        assert_eq!(e.get("address_name"), Some(&"address-name-required"));
        assert_eq!(e.get("address_line1"), Some(&"address-line1-required"));
        assert_eq!(e.get("address_line2"), Some(&"address-line-too-long"));
        assert_eq!(e.get("address_postal_code"), Some(&"address-line-too-long"));
        assert_eq!(e.get("address_city"), Some(&"address-city-required"));
        assert_eq!(e.get("address_country"), Some(&"address-country-required"));
        let e = parse(form(&[("address_name", "Mei\u{202E}Lin"), ("address_line1", "1 Main St"), ("address_postal_code", "1"), ("address_city", "X"), ("address_country", "Y")])).err().unwrap_or_default();
        assert_eq!(e.get("address_name"), Some(&"address-hidden-characters"));
    }
}
