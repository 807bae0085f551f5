//! The four engine targets on the demo road bicycle (see BENCHMARKS.md):
//! validate < 50 µs, availability < 2 ms, repair of 3 conflicts < 20 ms, compile < 100 ms.
//! Run: `cargo bench --bench engine`.

use std::hint::black_box;

use atelier::domain::catalog::{Choice, CompiledCatalog, Configuration};
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;

const BICYCLES: &str = include_str!("../catalog/bicycles.toml");
const SPORTSWEAR: &str = include_str!("../catalog/sportswear.toml");

/// ANSUR II male medians (mm, g).
fn road() -> Configuration {
    let mut c = Configuration::new("road");
    for (o, v) in [
        ("frame_size", "s56"), ("frame_material", "carbon"), ("cable_routing", "internal"),
        ("groupset", "shimano_ultegra_di2"), ("brakes", "disc_hydraulic"), ("axle", "thru_12"),
        ("wheel_size", "700c"), ("wheelset", "carbon_disc_45"), ("tyre", "t28"), ("crank", "c175"),
        ("chainrings", "r52_36"), ("cassette", "k11_30"), ("handlebar", "h42"), ("pedals", "spd_sl"),
        ("paint", "black"),
    ] {
        c = c.one(o, v);
    }
    c = c.with("stem_length", Choice::Number(Decimal::from(100)));
    c = c.with("extras", Choice::Many(["computer_mount".to_string()].into_iter().collect()));
    for (m, v) in [
        ("stature", 1755), ("chest_girth", 1056), ("waist_girth", 937), ("hip_girth", 1017),
        ("inside_leg", 845), ("arm_length", 602), ("shoulder_width", 415), ("neck_girth", 395),
        ("thigh_girth", 624), ("body_mass", 84_600), ("foot_length", 271),
    ] {
        c = c.measure(m, v);
    }
    c
}

fn engine(c: &mut Criterion) {
    let cat = match CompiledCatalog::import("bicycles.toml", BICYCLES) {
        Ok(cat) => cat,
        Err(e) => panic!("{e}"),
    };
    let valid = road();
    let broken = road().one("axle", "quick_release").one("cassette", "k10_33").one("paint", "raw_brushed");
    c.bench_function("validate road (full configuration)", |b| b.iter(|| cat.validate(black_box(&valid))));
    c.bench_function("availability road (all options)", |b| b.iter(|| cat.availability(black_box(&valid))));
    c.bench_function("repair road (3 conflicts)", |b| b.iter(|| cat.repair(black_box(&broken))));
    c.bench_function("compile demo catalogs (bicycles + sportswear)", |b| {
        b.iter(|| (CompiledCatalog::compile("bicycles.toml", black_box(BICYCLES)).is_ok(), CompiledCatalog::compile("sportswear.toml", black_box(SPORTSWEAR)).is_ok()))
    });
    let mut slow = c.benchmark_group("import");
    slow.sample_size(10);
    slow.bench_function("import demo catalogs (compile + full lint)", |b| {
        b.iter(|| (CompiledCatalog::import("bicycles.toml", black_box(BICYCLES)).is_ok(), CompiledCatalog::import("sportswear.toml", black_box(SPORTSWEAR)).is_ok()))
    });
    slow.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
