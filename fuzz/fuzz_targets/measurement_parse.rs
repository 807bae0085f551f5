//! The tolerant measurement parser (`src/domain/measurement/parse.rs`): any text, for every
//! measurement, in both unit systems and with every explicit default unit. A value it
//! accepts must format back without panicking; a refusal must give a message in both
//! languages.
#![no_main]

use atelier::domain::lang::Lang;
use atelier::domain::measurement::{Measurement, Unit, UnitSystem};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    for m in Measurement::ALL {
        for system in [UnitSystem::Metric, UnitSystem::Imperial] {
            match m.parse(input, system) {
                Ok(v) => drop(m.format(v, system)),
                Err(e) => drop((e.message(Lang::En), e.message(Lang::ZhCn))),
            }
        }
        for unit in [Unit::Millimetre, Unit::Centimetre, Unit::Inch, Unit::Kilogram, Unit::Pound] {
            if let Ok(v) = m.parse_with_default(input, unit) {
                drop(m.format_in(v, unit));
            }
        }
    }
});
