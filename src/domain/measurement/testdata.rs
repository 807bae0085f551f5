//! The committed ANSUR II derivations, for tests. See the header of each file for provenance.

use std::collections::HashMap;

pub(super) const ANSUR_BOUNDS: &str = include_str!("ansur_bounds.csv");
pub(super) const ANSUR_RATIOS: &str = include_str!("ansur_ratios.csv");
pub(super) const ANSUR_SAMPLE: &str = include_str!("ansur_sample.csv");

/// Rows of a simple CSV (no quoting; `#` lines are comments) keyed by header name.
pub(super) fn csv_rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{line}");
            header
                .iter()
                .map(|h| (*h).to_owned())
                .zip(cells.iter().map(|c| (*c).to_owned()))
                .collect()
        })
        .collect()
}
