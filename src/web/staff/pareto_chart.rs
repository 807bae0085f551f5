//! The Pareto curve as SVG coordinates, drawn by the template. Hand-drawn rather than with a
//! plotting crate: the chart is one polyline and two threshold lines, which a template says
//! plainly, and the build stays as it is on a two-core machine.

pub const WIDTH: i64 = 400;
pub const HEIGHT: i64 = 240;
/// Room for the axis labels.
pub const LEFT: i64 = 40;
pub const BOTTOM: i64 = 20;

pub struct Chart {
    /// `x,y x,y …` for an SVG polyline.
    pub points: String,
    /// Heights of the A and B thresholds, with their labels.
    pub thresholds: Vec<(i64, String)>,
}

fn y_of(per_mille: i64) -> i64 {
    (HEIGHT - BOTTOM) - per_mille.clamp(0, 1000) * (HEIGHT - BOTTOM) / 1000
}

/// `curve[i]`: cumulative share (per mille) of the best `i` % of customers.
pub fn chart(curve: &[i64], a_pct: i64, b_pct: i64) -> Chart {
    let n = curve.len().saturating_sub(1).max(1) as i64;
    let points = curve
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{},{}", LEFT + i as i64 * (WIDTH - LEFT) / n, y_of(*v)))
        .collect::<Vec<_>>()
        .join(" ");
    Chart { points, thresholds: vec![(y_of(a_pct * 10), format!("{a_pct} %")), (y_of(b_pct * 10), format!("{b_pct} %"))] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_runs_from_the_bottom_left_to_the_top_right() {
        let curve: Vec<i64> = (0..=100).map(|i| (1000.0 * (i as f64 / 100.0).sqrt()) as i64).collect();
        let c = chart(&curve, 80, 95);
        assert!(c.points.starts_with(&format!("{LEFT},{}", HEIGHT - BOTTOM)));
        assert!(c.points.ends_with(&format!("{WIDTH},0")));
        assert_eq!(c.points.split(' ').count(), 101);
        assert_eq!(c.thresholds[0].0, (HEIGHT - BOTTOM) * 200 / 1000);
    }
}
