//! Catalog import: any text through the same compile and lint as `import-catalog` and the
//! staff upload (`CompiledCatalog::import`). A refusal is a report; nothing may panic.
#![no_main]

use atelier::domain::catalog::CompiledCatalog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match CompiledCatalog::import("fuzz.toml", text) {
        Ok(catalog) => drop(catalog),
        // The report is what the importer prints: formatting it must not panic either.
        Err(report) => drop(report.to_string()),
    }
});
