//! A delivery address as the shop's checkout takes it: lines a factory can print on a label
//! (recipient, street, postal code, city, country), not one box of free text. Postal formats
//! differ by country, so the lines are checked for presence and length only, not shape.

use std::collections::BTreeMap;

use serde::Serialize;

/// The form's fields, in the order an envelope has them: (field, JSON key, required, most
/// characters). The postal code is required unless the country has none
/// ([`has_postal_codes`]).
pub const FIELDS: [(&str, &str, bool, usize); 6] = [
    ("address_name", "name", true, 120),
    ("address_line1", "line1", true, 120),
    ("address_line2", "line2", false, 120),
    ("address_postal_code", "postal_code", true, 16),
    ("address_city", "city", true, 80),
    ("address_country", "country", true, 60),
];

/// As it goes into `ship_to.address`; an empty second line or postal code is left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    pub name: String,
    pub line1: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub line2: String,
    #[serde(skip_serializing_if = "String::is_empty")]
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
        let required = required && (key != "postal_code" || has_postal_codes(&get("address_country")));
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

/// Countries and territories whose addresses have no postal code (the Universal Postal
/// Union's list of those without a postcode system, and Ireland, where the Eircode is not
/// needed for delivery), as customers write them: English names and common short forms, ISO
/// codes, and the Chinese names of those the shop's Chinese pages are likely to be asked for.
const WITHOUT_POSTAL_CODES: &[&str] = &[
    "angola", "ao", "antigua and barbuda", "antigua", "ag", "aruba", "aw", "bahamas", "the bahamas", "bs", "belize", "bz",
    "benin", "bj", "botswana", "bw", "burkina faso", "bf", "burundi", "bi", "cameroon", "cm", "central african republic",
    "cf", "comoros", "km", "congo", "republic of the congo", "cg", "democratic republic of the congo", "dr congo", "drc",
    "cd", "cook islands", "ck", "cote d'ivoire", "côte d'ivoire", "ivory coast", "ci", "djibouti", "dj", "dominica", "dm",
    "equatorial guinea", "gq", "eritrea", "er", "fiji", "fj", "gambia", "the gambia", "gm", "grenada", "gd", "guinea", "gn",
    "guyana", "gy", "hong kong", "hong kong sar", "hk", "hkg", "ireland", "republic of ireland", "eire", "ie", "irl", "kiribati",
    "ki", "macao", "macau", "macao sar", "mo", "malawi", "mw", "mali", "ml", "mauritania", "mr", "nauru", "nr", "niue", "nu",
    "north korea", "kp", "qatar", "qa", "rwanda", "rw", "saint kitts and nevis", "st kitts and nevis", "kn", "saint lucia",
    "st lucia", "lc", "sao tome and principe", "são tomé and príncipe", "st", "seychelles", "sc", "sierra leone", "sl",
    "solomon islands", "sb", "suriname", "sr", "syria", "sy", "timor-leste", "east timor", "tl", "togo", "tg", "tokelau",
    "tk", "tonga", "to", "tuvalu", "tv", "uganda", "ug", "united arab emirates", "uae", "u.a.e.", "ae", "are", "vanuatu",
    "vu", "yemen", "ye", "zimbabwe", "zw",
    "香港", "中国香港", "澳门", "中国澳门", "澳門", "阿联酋", "阿拉伯联合酋长国", "卡塔尔", "爱尔兰", "斐济", "安哥拉",
];

/// Whether an address in `country` (as typed; empty is not yet known) needs a postal code.
/// The four places customers most often write in many ways are recognised in any of them
/// ("Hong Kong SAR, China", "HKSAR", "香港特别行政区", "Éire", "Vereinigte Arabische
/// Emirate"); the rest by their names and codes.
pub fn has_postal_codes(country: &str) -> bool {
    let trimmed = country.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    if WITHOUT_POSTAL_CODES.contains(&trimmed.as_str()) {
        return false;
    }
    // Northern Ireland is the United Kingdom's, with postcodes, however it is written.
    if ["北爱尔兰", "北愛爾蘭"].iter().any(|w| country.contains(w)) {
        return true;
    }
    let written = ["香港", "澳门", "澳門", "阿联酋", "阿拉伯联合酋长国", "阿聯酋", "爱尔兰", "愛爾蘭", "الإمارات"];
    if written.iter().any(|w| country.contains(w)) {
        return false;
    }
    // Latin letters without their accents, words without punctuation ("China (Hong Kong)" is
    // "china hong kong"); other scripts are not spelt out in Latin letters, where 墨西哥
    // (Mexico) would read "mo xi ge" and "mo" is Macao's code.
    let plain: String = country
        .chars()
        .flat_map(|c| if c.is_ascii() || !matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}') { c.to_string() } else { deunicode::deunicode_char(c).unwrap_or(" ").to_owned() }.chars().collect::<Vec<_>>())
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { ' ' })
        .collect();
    let words: Vec<&str> = plain.split_whitespace().collect();
    let phrase = words.join(" ");
    let named = |names: &[&str]| names.iter().any(|n| phrase.contains(n));
    let word = |codes: &[&str]| words.iter().any(|w| codes.contains(w));
    let hong_kong = named(&["hong kong", "hongkong"]) || word(&["hk", "hksar", "hkg"]);
    let macao = named(&["macao", "macau"]) || word(&["mo", "mac", "mosar"]);
    let emirates = named(&["emirates", "emirate"]) || word(&["uae", "ae", "are"]);
    let ireland = (named(&["ireland"]) && !named(&["northern ireland", "n ireland", "north ireland"])) || word(&["eire", "irland", "irlande", "irlanda", "ie", "irl"]);
    !(hong_kong || macao || emirates || ireland)
}

/// The lines a sales channel may send in `ship_to.address`: the shop's, and those other label
/// formats have (a company, a third line, a region or state). (line, required, most characters)
pub const API_LINES: [(&str, bool, usize); 9] = [
    ("name", false, 120),
    ("company", false, 120),
    ("line1", true, 120),
    ("line2", false, 120),
    ("line3", false, 120),
    ("postal_code", false, 16),
    ("city", true, 80),
    ("region", false, 80),
    ("country", false, 60),
];

/// A channel's `ship_to.address` object as it is kept: each line's spaces collapsed, empty
/// optional lines left out. Refused, with every problem in one sentence, when a line is
/// unknown (a misspelt `street` would be dropped from the label), not text, too long, holds
/// hidden characters, or the street or city is missing.
pub fn from_api(lines: &serde_json::Map<String, serde_json::Value>) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let mut problems: Vec<String> = vec![];
    let mut kept = serde_json::Map::new();
    for (key, value) in lines {
        let Some(&(_, _, max)) = API_LINES.iter().find(|(k, _, _)| k == key) else {
            let known: Vec<&str> = API_LINES.iter().map(|(k, _, _)| *k).collect();
            problems.push(format!("it has no line `{}` (its lines are {})", key.escape_debug(), known.join(", ")));
            continue;
        };
        let text = match value {
            serde_json::Value::String(s) => s.split_whitespace().collect::<Vec<_>>().join(" "),
            serde_json::Value::Null => String::new(),
            _ => {
                problems.push(format!("{key} must be text"));
                continue;
            }
        };
        if text.chars().count() > max {
            problems.push(format!("{key} is longer than {max} characters"));
        } else if super::customer::has_hidden_characters(&text) {
            problems.push(format!("{key} holds hidden characters (control, format or private-use characters)"));
        } else if !text.is_empty() {
            kept.insert(key.clone(), serde_json::Value::String(text));
        }
    }
    for (key, _, _) in API_LINES.iter().filter(|(_, required, _)| *required) {
        if !kept.contains_key(*key) && !problems.iter().any(|p| p.starts_with(key)) {
            problems.push(format!("{key} is missing ({})", if *key == "city" { "the town or city" } else { "the street and number" }));
        }
    }
    if problems.is_empty() { Ok(kept) } else { Err(format!("ship_to.address cannot go on a label: {}", problems.join("; "))) }
}

/// Lines of an address sent as one text, and the most characters of each.
const TEXT_LINES: usize = 8;
const TEXT_LINE_CHARS: usize = 120;

/// A channel's address sent as one text, as it is kept: its line breaks kept (a label has
/// lines), each line's spaces collapsed, empty lines dropped; `None` when nothing is left.
/// Refused, as the lines of an object are, when a line is too long, there are too many, or
/// it holds hidden characters.
pub fn text_from_api(text: &str) -> Result<Option<String>, String> {
    let lines: Vec<String> = text.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|l| !l.is_empty()).collect();
    let mut problems: Vec<String> = vec![];
    if lines.len() > TEXT_LINES {
        problems.push(format!("it has {} lines, more than a label's {TEXT_LINES}", lines.len()));
    }
    if lines.iter().any(|l| l.chars().count() > TEXT_LINE_CHARS) {
        problems.push(format!("a line is longer than {TEXT_LINE_CHARS} characters"));
    }
    if lines.iter().any(|l| super::customer::has_hidden_characters(l)) {
        problems.push("it holds hidden characters (control, format or private-use characters)".to_owned());
    }
    match (problems.is_empty(), lines.is_empty()) {
        (false, _) => Err(format!("ship_to.address cannot go on a label: {}", problems.join("; "))),
        (true, true) => Ok(None),
        (true, false) => Ok(Some(lines.join("\n"))),
    }
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
    fn the_postal_code_is_needed_unless_the_country_has_none() {
        let at = |code: &str, country: &str| parse(form(&[("address_name", "Mei Lin"), ("address_line1", "1 Queen's Road"), ("address_postal_code", code), ("address_city", "Central"), ("address_country", country)]));
        for country in ["Hong Kong", "  hong   KONG ", "香港", "United Arab Emirates", "UAE", "Ireland", "IE", "Hong Kong SAR China", "HKSAR", "HK SAR",
            "Hongkong", "Hong Kong, China", "China (Hong Kong)", "香港特别行政区", "香港特別行政區", "Macao SAR China", "Macau SAR", "澳门特别行政区", "MAC",
            "Éire", "Irland", "Irlande", "Ireland (Éire)", "Emirates", "United Arab Emirates (UAE)", "Vereinigte Arabische Emirate", "الإمارات", "Qatar", "Hong Kong Island"] {
            let a = at("", country).unwrap_or_else(|e| panic!("{country}: {e:?}"));
            let json = serde_json::to_value(&a).unwrap_or_default();
            assert!(json.get("postal_code").is_none(), "{country}: {json}");
        }
        for country in ["Germany", "China", "中国", "United Kingdom", "Northern Ireland", "Northern Ireland, UK", "N. Ireland", "北爱尔兰", "Somalia", "Deutschland", "PRC", "墨西哥", "摩洛哥", "莫桑比克", "摩纳哥", ""] {
            assert_eq!(at("", country).err().unwrap_or_default().get("address_postal_code"), Some(&"address-postal-code-required"), "{country}");
        }
        // One given where none is needed is kept, as the customer wrote it.
        assert_eq!(at("999077", "Hong Kong").map(|a| a.postal_code).ok().as_deref(), Some("999077"));
    }

    #[test]
    fn a_channels_address_is_kept_with_its_lines_tidied_and_refused_with_every_problem_named() {
        let lines = |v: serde_json::Value| v.as_object().cloned().unwrap_or_default();
        let kept = from_api(&lines(serde_json::json!({"name": " Ann  Lee ", "line1": "1 Main St", "line2": "", "city": "Springfield", "region": "IL", "postal_code": null}))).unwrap_or_default();
        assert_eq!(serde_json::Value::Object(kept), serde_json::json!({"name": "Ann Lee", "line1": "1 Main St", "city": "Springfield", "region": "IL"}));
        let said = from_api(&lines(serde_json::json!({"name": "Only Name"}))).err().unwrap_or_default();
        assert_eq!(said, "ship_to.address cannot go on a label: line1 is missing (the street and number); city is missing (the town or city)");
        let said = from_api(&lines(serde_json::json!({"street": "1 Main St", "line1": 5, "city": "x".repeat(81), "country": "U\u{202E}S"}))).err().unwrap_or_default();
        assert_eq!(said, "ship_to.address cannot go on a label: city is longer than 80 characters; country holds hidden characters (control, format or private-use characters); line1 must be text; it has no line `street` (its lines are name, company, line1, line2, line3, postal_code, city, region, country)");
    }

    #[test]
    fn invisible_characters_are_refused_and_joiners_kept() {
        let lines = |line1: &str| serde_json::json!({"line1": line1, "city": "Lyon"}).as_object().cloned().unwrap_or_default();
        for hidden in ["Haupt\u{00AD}strasse 1", "1 Main\u{E0041}", "1 Main \u{E000}", "1 Main\u{2060}"] {
            assert!(from_api(&lines(hidden)).is_err(), "{hidden:?}");
            assert!(text_from_api(&format!("{hidden}\nLyon")).is_err(), "{hidden:?}");
        }
        for kept in ["می\u{200C}خواهم ۱", "👩\u{200D}👩\u{200D}👧 House 2"] {
            assert!(from_api(&lines(kept)).is_ok(), "{kept:?}");
        }
    }

    #[test]
    fn an_address_sent_as_one_text_keeps_its_lines_and_is_checked_as_lines_are() {
        assert_eq!(text_from_api("  Jane  Doe \r\n\n1 Main St\n75001   Paris\n"), Ok(Some("Jane Doe\n1 Main St\n75001 Paris".to_owned())));
        assert_eq!(text_from_api(" \n\t "), Ok(None));
        assert_eq!(text_from_api("\u{202E}1 Main St, Paris"), Err("ship_to.address cannot go on a label: it holds hidden characters (control, format or private-use characters)".to_owned()));
        assert_eq!(text_from_api("1 Main\u{0}"), Err("ship_to.address cannot go on a label: it holds hidden characters (control, format or private-use characters)".to_owned()));
        assert_eq!(text_from_api(&"x".repeat(50_000)), Err("ship_to.address cannot go on a label: a line is longer than 120 characters".to_owned()));
        assert!(text_from_api(&"a\n".repeat(9)).is_err_and(|e| e.contains("9 lines")));
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
