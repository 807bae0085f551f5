//! The shop configurator's partial update for the demo road bicycle, as the server does it
//! per change: read the form, validate, availability with reasons, price, derived values,
//! repair when invalid, preview, and render the HTML fragment. Target: < 2 ms.
//! Run: `cargo bench --bench configurator`.

use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;

use askama::Template;
use atelier::domain::catalog::CompiledCatalog;
use atelier::i18n::{Lang, Tr};
use atelier::web::configurator::{configuration, live_view};
use atelier::web::shop::auth::ShopCtx;
use atelier::web::shop::configure::LiveFragment;
use criterion::{Criterion, criterion_group, criterion_main};

const BICYCLES: &str = include_str!("../catalog/bicycles.toml");

fn form(brakes: &str) -> Vec<(String, String)> {
    [
        ("o_frame_size", "s56"), ("o_frame_material", "carbon"), ("o_cable_routing", "internal"),
        ("o_groupset", "shimano_ultegra_di2"), ("o_brakes", brakes), ("o_axle", "thru_12"),
        ("o_wheel_size", "700c"), ("o_wheelset", "carbon_disc_45"), ("o_tyre", "t28"), ("o_crank", "c175"),
        ("o_chainrings", "r52_36"), ("o_cassette", "k11_30"), ("o_handlebar", "h42"), ("o_pedals", "spd_sl"),
        ("o_paint", "black"), ("o_stem_length", "100"), ("o_extras", "computer_mount"), ("o_name_decal", "MEI"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// ANSUR II male medians (mm, g), as in the engine bench.
fn measurements() -> BTreeMap<String, i64> {
    [("stature", 1755), ("chest_girth", 1056), ("waist_girth", 937), ("hip_girth", 1017), ("inside_leg", 845),
     ("arm_length", 602), ("shoulder_width", 415), ("neck_girth", 395), ("thigh_girth", 624), ("body_mass", 84_600), ("foot_length", 271)]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn update(cat: &CompiledCatalog, pairs: &[(String, String)], m: &BTreeMap<String, i64>, ctx: &ShopCtx) -> usize {
    let cfg = configuration("road", cat, pairs, m.clone());
    let live = live_view(cat, &cfg, pairs, 2000, ctx.t, &BTreeSet::new());
    LiveFragment { ctx: ctx.clone(), live }.render().map(|h| h.len()).unwrap_or(0)
}

fn configurator(c: &mut Criterion) {
    let cat = match CompiledCatalog::compile("bicycles.toml", BICYCLES) {
        Ok(cat) => cat,
        Err(e) => panic!("{e}"),
    };
    let m = measurements();
    let ctx = ShopCtx { t: Tr::new(Lang::En), csrf: "token".into(), customer: None, path: "/shop/configure/road".into() };
    let valid = form("disc_hydraulic");
    let conflict = form("rim_caliper");
    assert!(update(&cat, &valid, &m, &ctx) > 10_000, "a whole fragment is rendered");
    c.bench_function("live update road, valid (validate + availability + price + preview, rendered)", |b| {
        b.iter(|| update(&cat, black_box(&valid), &m, &ctx))
    });
    c.bench_function("live update road, one conflict (… + repair, rendered)", |b| b.iter(|| update(&cat, black_box(&conflict), &m, &ctx)));
}

criterion_group!(benches, configurator);
criterion_main!(benches);
