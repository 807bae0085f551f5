//! The configurator's preview: a bicycle side view drawn from its geometry, or a garment flat
//! sketch with its colours and personalisation text. Pure: shapes in millimetre-like units,
//! which a template turns into SVG (and escapes the text).

use std::fmt::Write;

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    pub width: f64,
    pub colour: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Circle {
    pub cx: f64,
    pub cy: f64,
    pub r: f64,
    pub width: f64,
    pub colour: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    pub points: String,
    pub fill: String,
    pub stroke: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    pub size: f64,
    pub text: String,
    pub colour: String,
    /// The width the text is squeezed into when it would run wider (SVG's `textLength`):
    /// a long name otherwise ran off the chest and the garment.
    pub fit: Option<f64>,
}

/// A centred text of at most `size`, smaller down to `min` for a long one, and squeezed into
/// `width` when even that is too wide. Sans-serif letters are about 0.6 of their size wide.
fn label_within(x: f64, y: f64, width: f64, size: f64, min: f64, text: &str, colour: String) -> Label {
    let letters = text.chars().count().max(1) as f64;
    let size = (width / (0.6 * letters)).clamp(min, size);
    let fit = (0.6 * size * letters > width).then_some(width);
    Label { x, y, size, text: text.to_owned(), colour, fit }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Drawing {
    pub width: f64,
    pub height: f64,
    pub lines: Vec<Line>,
    pub circles: Vec<Circle>,
    pub polygons: Vec<Polygon>,
    pub labels: Vec<Label>,
}

impl Drawing {
    pub fn view_box(&self) -> String {
        format!("0 0 {:.0} {:.0}", self.width, self.height)
    }

    /// The highest point any stroke or text reaches (the least y).
    fn top(&self) -> f64 {
        let lines = self.lines.iter().map(|l| l.y1.min(l.y2) - l.width / 2.0);
        let circles = self.circles.iter().map(|c| c.cy - c.r - c.width / 2.0);
        let labels = self.labels.iter().map(|t| t.y - t.size);
        lines.chain(circles).chain(labels).fold(f64::INFINITY, f64::min)
    }
}

/// A coordinate as the SVG writes it: whole units, exactly as `{:.0}` formats it (half to
/// even, `-0` kept) but without the float formatter, which was a tenth of a live update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Px(pub f64);

/// For templates: `{{ crate::domain::preview::px(c.cx) }}`.
pub fn px(x: impl std::borrow::Borrow<f64>) -> Px {
    Px(*x.borrow())
}

impl std::fmt::Display for Px {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let x = self.0;
        // Below 2^53 every rounded double is an exact integer.
        if x.is_finite() && x.abs() < 9.0e15 {
            let r = x.round_ties_even();
            if r == 0.0 && x.is_sign_negative() {
                return f.write_str("-0");
            }
            write!(f, "{}", r as i64)
        } else {
            write!(f, "{x:.0}")
        }
    }
}

/// What a bicycle preview needs, already read from the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Bike {
    pub frame_cm: f64,
    /// ISO bead seat diameter: 622 for 700C, 584 for 650B.
    pub wheel_bsd_mm: f64,
    pub tyre_mm: f64,
    pub stack_mm: Option<f64>,
    pub reach_mm: Option<f64>,
    pub colour: String,
    pub decal: String,
}

/// A part whose colour is still to be chosen: pale, so it does not read as a choice.
pub const NOT_CHOSEN: &str = "#e4e4e7";

/// A colour for a value code people chose ("black", "raw_brushed"), or `None` when the code
/// names no colour.
pub fn colour_of(code: &str) -> Option<&'static str> {
    Some(match code {
        "black" => "#1d1d1f",
        "white" => "#f4f4f4",
        "red" => "#b42318",
        "navy" => "#1e2a5a",
        "blue" => "#1f5f8b",
        "green" => "#2f6b3a",
        "yellow" => "#e0b000",
        "orange" => "#c2410c",
        "grey" | "gray" => "#6b7280",
        "pink" => "#d6457a",
        "teal" => "#0f766e",
        "custom" => "#7c3aed",
        "raw_brushed" => "#a8a9ad",
        "olive" => "#5b6b2f",
        "sand" => "#d8c8a0",
        _ => return None,
    })
}

fn pt(x: f64, y: f64) -> (f64, f64) {
    (x, y)
}

fn points(ps: &[(f64, f64)]) -> String {
    let mut s = String::new();
    for (i, (x, y)) in ps.iter().enumerate() {
        let _ = write!(s, "{}{x:.0},{y:.0}", if i > 0 { " " } else { "" });
    }
    s
}

/// A side view: wheels at their real size, the frame from stack and reach (or from the size),
/// seat tube at 73.5°, head tube at 73°.
pub fn bicycle(b: &Bike) -> Drawing {
    // Drawn standing on a line 820 below the top; a tall frame with a long stack reaches
    // higher than that, and the saddle and bars were cut off. Such a bike stands lower, in a
    // taller drawing, with the same margin above it as below the ground.
    let first = bicycle_on(b, 820.0);
    let lacking = MARGIN - first.top();
    if lacking <= 0.0 { first } else { bicycle_on(b, 820.0 + lacking) }
}

/// Room left around the drawing, in its units.
const MARGIN: f64 = 40.0;

fn bicycle_on(b: &Bike, ground: f64) -> Drawing {
    let frame = b.frame_cm.clamp(40.0, 65.0) * 10.0;
    let wheel_r = (b.wheel_bsd_mm.clamp(400.0, 700.0) / 2.0) + b.tyre_mm.clamp(15.0, 70.0);
    let stack = b.stack_mm.unwrap_or(frame * 1.0);
    let reach = b.reach_mm.unwrap_or(330.0 + frame * 0.11);
    let axle_y = ground - wheel_r;
    let bb = pt(120.0 + wheel_r + 400.0 * 0.99, axle_y + 70.0);
    let rear = pt(bb.0 - 405.0, axle_y);
    let seat_angle = 73.5_f64.to_radians();
    let seat_top = pt(bb.0 - frame * seat_angle.cos(), bb.1 - frame * seat_angle.sin());
    let head_top = pt(bb.0 + reach, bb.1 - stack);
    let head_len = (stack - frame * 0.55).clamp(90.0, 220.0);
    let head_angle = 73.0_f64.to_radians();
    let head_bottom = pt(head_top.0 + head_len * head_angle.cos(), head_top.1 + head_len * head_angle.sin());
    let fork_len = 370.0 + (wheel_r - 340.0);
    let front = pt(head_bottom.0 + fork_len * head_angle.cos() + 45.0, axle_y);
    let saddle = pt(seat_top.0 - 0.28 * 230.0, seat_top.1 - 0.96 * 230.0);
    let bar = pt(head_top.0 + 90.0, head_top.1 - 20.0);
    let c = b.colour.clone();
    let dark = "#1d2330".to_owned();
    let tube = |a: (f64, f64), z: (f64, f64), w: f64, colour: &str| Line { x1: a.0, y1: a.1, x2: z.0, y2: z.1, width: w, colour: colour.to_owned() };
    let width = front.0 + wheel_r + 120.0;
    let mut labels = vec![];
    if !b.decal.is_empty() {
        let mid = pt((seat_top.0 + head_top.0) / 2.0, (seat_top.1 + head_top.1) / 2.0 - 24.0);
        let tube = (head_top.0 - seat_top.0).hypot(head_top.1 - seat_top.1);
        labels.push(label_within(mid.0, mid.1, tube * 0.8, 34.0, 22.0, &b.decal, dark.clone()));
    }
    let frame_tubes = [
        tube(bb, seat_top, 30.0, &c),
        tube(seat_top, head_top, 28.0, &c),
        tube(bb, head_bottom, 36.0, &c),
        tube(head_top, head_bottom, 40.0, &c),
        tube(bb, rear, 20.0, &c),
        tube(seat_top, rear, 18.0, &c),
        tube(head_bottom, front, 24.0, &c),
    ];
    // A light frame on the light card needs an edge to be seen at all.
    let light = matches!(c.as_str(), "#f4f4f4" | "#d8c8a0" | "#e0b000");
    let mut lines: Vec<Line> = if light { frame_tubes.iter().map(|l| Line { width: l.width + 6.0, colour: "#6b7280".into(), ..l.clone() }).collect() } else { vec![] };
    lines.extend(frame_tubes);
    lines.extend([
        tube(seat_top, saddle, 14.0, &dark),
        tube(pt(saddle.0 - 120.0, saddle.1), pt(saddle.0 + 140.0, saddle.1 + 4.0), 22.0, &dark),
        tube(head_top, bar, 16.0, &dark),
    ]);
    Drawing {
        width,
        height: ground + 80.0,
        circles: vec![
            Circle { cx: rear.0, cy: rear.1, r: wheel_r, width: b.tyre_mm.clamp(15.0, 70.0), colour: dark.clone() },
            Circle { cx: front.0, cy: front.1, r: wheel_r, width: b.tyre_mm.clamp(15.0, 70.0), colour: dark.clone() },
            Circle { cx: bb.0, cy: bb.1, r: 40.0, width: 10.0, colour: dark.clone() },
        ],
        lines,
        polygons: vec![],
        labels,
    }
}

/// What a garment sketch needs: the shape, a colour per panel and the printed text.
#[derive(Debug, Clone, PartialEq)]
pub struct Garment {
    pub kind: GarmentKind,
    pub long_sleeves: bool,
    pub body: String,
    pub side: String,
    pub sleeve: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GarmentKind {
    Top,
    Shorts,
}

/// A flat sketch, front view: body, side panels and sleeves (or legs), and the text.
pub fn garment(g: &Garment) -> Drawing {
    let stroke = "#1d2330".to_owned();
    let mut d = Drawing { width: 900.0, height: 900.0, ..Drawing::default() };
    match g.kind {
        GarmentKind::Top => {
            let sleeve_end = if g.long_sleeves { 640.0 } else { 330.0 };
            let sleeve_x = if g.long_sleeves { 120.0 } else { 170.0 };
            d.polygons.push(Polygon { points: points(&[(300.0, 120.0), (sleeve_x, sleeve_end - 40.0), (sleeve_x + 80.0, sleeve_end), (300.0, 300.0)]), fill: g.sleeve.clone(), stroke: stroke.clone() });
            d.polygons.push(Polygon { points: points(&[(600.0, 120.0), (900.0 - sleeve_x, sleeve_end - 40.0), (820.0 - sleeve_x, sleeve_end), (600.0, 300.0)]), fill: g.sleeve.clone(), stroke: stroke.clone() });
            d.polygons.push(Polygon { points: points(&[(300.0, 120.0), (390.0, 90.0), (450.0, 130.0), (510.0, 90.0), (600.0, 120.0), (610.0, 780.0), (290.0, 780.0)]), fill: g.body.clone(), stroke: stroke.clone() });
            d.polygons.push(Polygon { points: points(&[(300.0, 300.0), (340.0, 300.0), (335.0, 780.0), (290.0, 780.0)]), fill: g.side.clone(), stroke: stroke.clone() });
            d.polygons.push(Polygon { points: points(&[(600.0, 300.0), (560.0, 300.0), (565.0, 780.0), (610.0, 780.0)]), fill: g.side.clone(), stroke: stroke.clone() });
            d.lines.push(Line { x1: 450.0, y1: 130.0, x2: 450.0, y2: 520.0, width: 4.0, colour: stroke.clone() });
        }
        GarmentKind::Shorts => {
            d.polygons.push(Polygon { points: points(&[(300.0, 80.0), (360.0, 80.0), (380.0, 300.0), (330.0, 300.0)]), fill: g.side.clone(), stroke: stroke.clone() });
            d.polygons.push(Polygon { points: points(&[(600.0, 80.0), (540.0, 80.0), (520.0, 300.0), (570.0, 300.0)]), fill: g.side.clone(), stroke: stroke.clone() });
            d.polygons.push(Polygon { points: points(&[(300.0, 300.0), (600.0, 300.0), (650.0, 760.0), (470.0, 760.0), (450.0, 470.0), (430.0, 760.0), (250.0, 760.0)]), fill: g.body.clone(), stroke: stroke.clone() });
        }
    }
    if !g.text.is_empty() {
        let on_dark = matches!(g.body.as_str(), "#1d1d1f" | "#1e2a5a" | "#1f5f8b" | "#2f6b3a" | "#b42318" | "#7c3aed" | "#0f766e");
        let y = if g.kind == GarmentKind::Top { 620.0 } else { 400.0 };
        // Between the side panels (a top) or across the hips (shorts), in the body's colour.
        let width = if g.kind == GarmentKind::Top { 200.0 } else { 240.0 };
        d.labels.push(label_within(450.0, y, width, 44.0, 28.0, &g.text, if on_dark { "#ffffff".into() } else { stroke }));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn road(frame_cm: f64, bsd: f64) -> Bike {
        Bike { frame_cm, wheel_bsd_mm: bsd, tyre_mm: 28.0, stack_mm: None, reach_mm: None, colour: "#1d1d1f".into(), decal: String::new() }
    }

    #[test]
    fn a_bigger_frame_draws_a_longer_seat_tube_and_smaller_wheels_draw_smaller() {
        let seat = |d: &Drawing| (d.lines[0].y1 - d.lines[0].y2).hypot(d.lines[0].x1 - d.lines[0].x2);
        assert!(seat(&bicycle(&road(58.0, 622.0))) > seat(&bicycle(&road(50.0, 622.0))));
        assert!(bicycle(&road(48.0, 584.0)).circles[0].r < bicycle(&road(48.0, 622.0)).circles[0].r);
    }

    proptest! {
        /// Every tube, wheel and text lies inside the view box, whatever the frame, wheel,
        /// tyre and geometry: the saddle and bars of tall frames were drawn above it.
        #[test]
        fn every_bicycle_is_drawn_inside_its_view_box(frame_cm in 0.0..200.0, bsd in 0.0..2000.0, tyre_mm in 0.0..200.0, stack in proptest::option::of(0.0..2000.0), reach in proptest::option::of(0.0..800.0), decal in "[A-Z]{0,12}") {
            let d = bicycle(&Bike { frame_cm, wheel_bsd_mm: bsd, tyre_mm, stack_mm: stack, reach_mm: reach, colour: "#1d1d1f".into(), decal });
            for l in &d.lines {
                for (x, y) in [(l.x1, l.y1), (l.x2, l.y2)] {
                    prop_assert!(x - l.width / 2.0 >= 0.0 && x + l.width / 2.0 <= d.width, "x {} of {}", x, d.width);
                    prop_assert!(y - l.width / 2.0 >= 0.0 && y + l.width / 2.0 <= d.height, "y {} of {}", y, d.height);
                }
            }
            for c in &d.circles {
                prop_assert!(c.cx - c.r - c.width / 2.0 >= 0.0 && c.cx + c.r + c.width / 2.0 <= d.width);
                prop_assert!(c.cy - c.r - c.width / 2.0 >= 0.0 && c.cy + c.r + c.width / 2.0 <= d.height);
            }
            for t in &d.labels {
                prop_assert!(t.y - t.size >= 0.0 && t.y <= d.height);
                let half = t.fit.unwrap_or(0.6 * t.size * t.text.chars().count() as f64) / 2.0;
                prop_assert!(t.x - half >= 0.0 && t.x + half <= d.width, "{} wide at {}", half * 2.0, t.x);
            }
        }
    }

    proptest! {
        /// A printed name stays between the side panels of a top (and across the hips of
        /// shorts), however long: 18 letters once ran off the garment.
        #[test]
        fn a_print_fits_the_garment(text in "[A-Za-z ]{1,24}", top in proptest::bool::ANY) {
            let kind = if top { GarmentKind::Top } else { GarmentKind::Shorts };
            let d = garment(&Garment { kind, long_sleeves: false, body: "#1e2a5a".into(), side: "#f4f4f4".into(), sleeve: "#1e2a5a".into(), text: text.clone() });
            let t = &d.labels[0];
            let wide = t.fit.unwrap_or(0.6 * t.size * text.chars().count() as f64);
            let room = if top { 200.0 } else { 240.0 };
            prop_assert!(wide <= room + 1e-9 && t.size >= 28.0 && t.size <= 44.0, "{} wide, size {}", wide, t.size);
        }
    }

    #[test]
    fn light_frames_are_outlined_and_every_finish_has_its_colour() {
        let mut b = road(54.0, 622.0);
        b.colour = colour_of("white").unwrap_or_default().into();
        assert!(bicycle(&b).lines.iter().any(|l| l.colour == "#6b7280"), "a white frame has an edge");
        assert!(!bicycle(&road(54.0, 622.0)).lines.iter().any(|l| l.colour == "#6b7280"));
        for finish in ["black", "white", "custom", "raw_brushed", "olive", "sand"] {
            assert!(colour_of(finish).is_some(), "{finish}");
        }
    }

    #[test]
    fn the_decal_and_the_print_are_drawn_as_text() {
        let mut b = road(54.0, 622.0);
        b.decal = "MEI".into();
        assert_eq!(bicycle(&b).labels[0].text, "MEI");
        let g = Garment { kind: GarmentKind::Top, long_sleeves: true, body: "#1d1d1f".into(), side: "#f4f4f4".into(), sleeve: "#b42318".into(), text: "MEI".into() };
        let d = garment(&g);
        assert_eq!(d.labels[0].colour, "#ffffff", "light text on a dark body");
        assert!(d.polygons.iter().any(|p| p.fill == "#b42318"));
    }

    #[test]
    fn px_writes_what_the_float_formatter_writes() {
        let mut xs = vec![0.0, -0.0, 0.5, 1.5, 2.5, -0.5, -0.4, -1.5, 0.49999999999999994, 4503599627370497.0, 1e300, -1e300, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
        xs.extend((-4000..4000).map(|i| f64::from(i) * 0.25 + 0.001 * f64::from(i % 7)));
        for x in xs {
            assert_eq!(Px(x).to_string(), format!("{x:.0}"), "{x:?}");
        }
    }

    proptest! {
        #[test]
        fn px_agrees_with_the_float_formatter_everywhere(x in proptest::num::f64::ANY) {
            prop_assert_eq!(Px(x).to_string(), format!("{x:.0}"));
        }
    }
}
