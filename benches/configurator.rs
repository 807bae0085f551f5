//! The shop configurator's partial update for the demo road bicycle, as the server does it
//! per change: read the form, validate, availability with reasons, price, derived values,
//! repair when invalid, preview, and render the answer our script applies (the summary
//! column and the values' states). Target: < 2 ms.
//! Run: `cargo bench --bench configurator`. The third case goes round six different forms
//! (three builds, each valid and with a conflict), as `examples/configurator_latency.rs` does.

use std::collections::BTreeMap;
use std::hint::black_box;

use askama::Template;
use atelier::domain::catalog::CompiledCatalog;
use atelier::i18n::{Lang, Tr};
use atelier::web::configurator::{configuration, live_patch};
use atelier::web::shop::auth::ShopCtx;
use atelier::web::shop::configure::LivePatch;
use criterion::{Criterion, criterion_group, criterion_main};

// The server's allocator (src/main.rs): an update makes hundreds of small allocations, so the
// allocator is part of what it costs there.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// Other builds, valid for the same body, and a change per build that breaks a rule.
fn others() -> Vec<Vec<(String, String)>> {
    let builds: [&[(&str, &str)]; 2] = [
        &[
            ("o_frame_size", "s54"), ("o_frame_material", "aluminium"), ("o_cable_routing", "internal"),
            ("o_groupset", "shimano_105_di2"), ("o_brakes", "disc_hydraulic"), ("o_axle", "thru_12"),
            ("o_wheel_size", "700c"), ("o_wheelset", "alu_disc"), ("o_tyre", "t28"), ("o_crank", "c172"),
            ("o_chainrings", "r50_34"), ("o_cassette", "k11_34"), ("o_handlebar", "h44"), ("o_pedals", "look_keo"),
            ("o_paint", "white"), ("o_stem_length", "90"), ("o_extras", "mudguards"),
        ],
        &[
            ("o_frame_size", "s58"), ("o_frame_material", "titanium"), ("o_cable_routing", "internal"),
            ("o_groupset", "sram_rival_axs"), ("o_brakes", "disc_hydraulic"), ("o_axle", "thru_12"),
            ("o_wheel_size", "700c"), ("o_wheelset", "carbon_disc_60"), ("o_tyre", "t28"), ("o_crank", "c175"),
            ("o_chainrings", "r48_35"), ("o_cassette", "k10_36"), ("o_handlebar", "h46"), ("o_pedals", "none"),
            ("o_paint", "raw_brushed"), ("o_stem_length", "110"), ("o_extras", "power_meter_spider"),
            ("o_extras", "computer_mount"), ("o_name_decal", "ANNA LI"),
        ],
    ];
    let conflicts = [("o_cable_routing", "external"), ("o_cassette", "k11_30")];
    let mut out = vec![];
    for (build, (field, bad)) in builds.iter().zip(conflicts) {
        let pairs = |conflict: bool| build.iter().map(|(k, v)| ((*k).to_owned(), (if conflict && *k == field { bad } else { v }).to_owned())).collect();
        out.push(pairs(false));
        out.push(pairs(true));
    }
    out
}

/// ANSUR II male medians (mm, g), as in the engine bench.
fn measurements() -> BTreeMap<String, i64> {
    [("stature", 1755), ("chest_girth", 1056), ("waist_girth", 937), ("hip_girth", 1017), ("inside_leg", 845),
     ("arm_length", 602), ("shoulder_width", 415), ("neck_girth", 395), ("thigh_girth", 624), ("body_mass", 84_600), ("foot_length", 271)]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn update(cat: &std::sync::Arc<CompiledCatalog>, pairs: &[(String, String)], m: &BTreeMap<String, i64>, ctx: &ShopCtx) -> usize {
    let cfg = configuration("road", cat, pairs, m.clone());
    let (live, values) = live_patch(cat, &cfg, pairs, 2000, ctx.t, atelier::domain::measurement::UnitSystem::Metric);
    LivePatch { ctx: ctx.clone(), live, values }.render().map(|h| h.len()).unwrap_or(0)
}

fn is_valid(cat: &CompiledCatalog, pairs: &[(String, String)], m: &BTreeMap<String, i64>) -> bool {
    cat.validate(&configuration("road", cat, pairs, m.clone())).is_ok_and(|v| v.valid)
}

fn configurator(c: &mut Criterion) {
    let cat = match CompiledCatalog::compile("bicycles.toml", BICYCLES) {
        Ok(cat) => std::sync::Arc::new(cat),
        Err(e) => panic!("{e}"),
    };
    let m = measurements();
    let ctx = ShopCtx { t: Tr::new(Lang::En), csrf: "token".into(), customer: None, path: "/shop/configure/road".into() };
    let valid = form("disc_hydraulic");
    let conflict = form("rim_caliper");
    assert!(update(&cat, &valid, &m, &ctx) > 3_000, "the summary and the values' states are rendered");
    let mut varied = vec![valid.clone(), conflict.clone()];
    varied.extend(others());
    for (i, form) in varied.iter().enumerate() {
        assert_eq!(is_valid(&cat, form, &m), i % 2 == 0, "form {i} is {}", if i % 2 == 0 { "valid" } else { "in conflict" });
    }
    c.bench_function("live update road, valid (validate + availability + price + preview, rendered)", |b| {
        b.iter(|| update(&cat, black_box(&valid), &m, &ctx))
    });
    c.bench_function("live update road, one conflict (… + repair, rendered)", |b| b.iter(|| update(&cat, black_box(&conflict), &m, &ctx)));
    let mut next = 0;
    c.bench_function("live update road, six forms in turn (3 builds, valid and in conflict)", |b| {
        b.iter(|| {
            next = (next + 1) % varied.len();
            update(&cat, black_box(&varied[next]), &m, &ctx)
        })
    });
}

criterion_group!(benches, configurator);
criterion_main!(benches);
