//! The form decoders: any request body, decoded the way the handlers decode it
//! (`serde_urlencoded` into the app's form types), then through what the handlers do next:
//! the measurement form (parse, validate, warnings), the configurator's form (configuration,
//! live view with availability, price and repair, on both demo catalogs), the staff sign-in
//! and shop sign-up forms and the `next` redirect check. Refusals are fine; panics are not.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use atelier::domain::catalog::CompiledCatalog;
use atelier::domain::lang::Lang;
use atelier::domain::measurement::{Measurement, MeasurementSet, UnitSystem};
use atelier::i18n::Tr;
use atelier::web::{configurator, error::safe_next, shop::SignUpForm, staff::SignInForm, staff::unit_system};
use libfuzzer_sys::fuzz_target;

fn catalogs() -> &'static [(Arc<CompiledCatalog>, &'static str)] {
    static CATALOGS: OnceLock<Vec<(Arc<CompiledCatalog>, &'static str)>> = OnceLock::new();
    CATALOGS.get_or_init(|| {
        atelier::catalogs::DEMO_CATALOGS
            .iter()
            .zip(["road", "cycling_jersey"])
            .map(|((file, text), product)| (Arc::new(CompiledCatalog::compile(file, text).expect("demo catalog compiles")), product))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = serde_urlencoded::from_bytes::<SignInForm>(data);
    let _ = serde_urlencoded::from_bytes::<SignUpForm>(data);
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data) else { return };
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let _ = safe_next(get("next"), "/");

    let system = unit_system(get("unit_system"));
    let parsed = MeasurementSet::parse_form(Measurement::ALL.iter().map(|m| (*m, get(&format!("m_{}", m.code())))), system);
    let validation = parsed.set.validate_in(system);
    for lang in Lang::ALL {
        for e in parsed.errors.iter().chain(validation.errors.iter()) {
            drop(e.message(lang));
        }
        for w in &validation.warnings {
            drop((w.id(), w.message(lang)));
        }
    }
    let confirmed: Vec<&str> = pairs.iter().filter(|(k, _)| k == "confirm").map(|(_, v)| v.as_str()).collect();
    drop(validation.unconfirmed(&confirmed));

    let measurements: BTreeMap<String, i64> = parsed.set.iter().map(|(m, v)| (m.code().to_owned(), i64::from(v))).collect();
    for (cat, product) in catalogs() {
        let wanted = match get("product") {
            "" => product,
            p => p,
        };
        let cfg = configurator::configuration(wanted, cat, &pairs, measurements.clone());
        drop(configurator::live_view(cat, &cfg, &pairs, 2000, Tr::new(Lang::En), UnitSystem::Imperial, &BTreeSet::new()));
        drop(configurator::live_patch(cat, &cfg, &pairs, 2000, Tr::new(Lang::ZhCn), UnitSystem::Metric));
        drop(configurator::apply_repair(cat, &cfg, &configurator::option_pairs(&pairs)));
        drop(configurator::choice_labels(cat, &cfg, Lang::ZhCn));
    }
});
