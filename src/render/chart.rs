//! A small SVG line chart for the sweeps: a few series of points, optional
//! log-scaled x axis, a dashed reference line. It draws; it measures nothing.

use std::fmt::Write;

/// One line of points.
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    /// Drawn dashed and grey: an ideal or a reference, not a measurement.
    pub reference: bool,
}

pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub log_x: bool,
    pub series: Vec<Series>,
}

const W: f64 = 640.0;
const H: f64 = 360.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 170.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
const COLORS: [&str; 6] = [
    "#2b7bb9", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// What a line chart's axes span: the x range (as log10 with `log_x`) and
/// the top of the y axis, 8 % above the highest point; never empty.
pub(crate) fn bounds(points: impl Iterator<Item = (f64, f64)>, log_x: bool) -> (f64, f64, f64) {
    let tx = |x: f64| if log_x { x.max(1e-12).log10() } else { x };
    let (mut x0, mut x1, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64);
    for (x, y) in points {
        x0 = x0.min(tx(x));
        x1 = x1.max(tx(x));
        y1 = y1.max(y);
    }
    if !x0.is_finite() {
        (x0, x1) = (0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    (x0, x1, if y1 > 0.0 { y1 * 1.08 } else { 1.0 })
}

/// Round tick values covering `lo..=hi`.
pub(crate) fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let raw = span / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| span / s <= 6.0)
        .unwrap_or(10.0 * magnitude);
    let mut v = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while v <= hi + step * 1e-9 {
        out.push(v);
        v += step;
    }
    out
}

fn format_tick(v: f64) -> String {
    if v.abs() >= 1e6 {
        format!("{:.0}M", v / 1e6)
    } else if v.abs() >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

impl Chart {
    pub fn svg(&self) -> String {
        let points = self.series.iter().flat_map(|s| s.points.iter().copied());
        let tx = |x: f64| if self.log_x { x.max(1e-12).log10() } else { x };
        let (x0, x1, y1) = bounds(points, self.log_x);
        let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
        let px = |x: f64| LEFT + (tx(x) - x0) / (x1 - x0) * pw;
        let py = |y: f64| TOP + ph - y / y1 * ph;
        let mut body = String::new();
        let _ = writeln!(
            body,
            r#"<text x="{LEFT}" y="22" font-size="14" font-weight="bold">{}</text>"#,
            escape(&self.title)
        );
        let _ = writeln!(
            body,
            r##"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>"##
        );
        for t in ticks(0.0, y1) {
            let _ = writeln!(
                body,
                r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#eee"/><text x="{}" y="{:.1}" font-size="10" text-anchor="end">{}</text>"##,
                LEFT + pw,
                LEFT - 4.0,
                py(t) + 3.0,
                format_tick(t),
                y = py(t)
            );
        }
        for t in ticks(x0, x1) {
            let value = if self.log_x { 10f64.powf(t) } else { t };
            if self.log_x && t.fract().abs() > 1e-9 {
                continue;
            }
            let x = LEFT + (t - x0) / (x1 - x0) * pw;
            let _ = writeln!(
                body,
                r#"<text x="{x:.1}" y="{}" font-size="10" text-anchor="middle">{}</text>"#,
                TOP + ph + 14.0,
                format_tick(value)
            );
        }
        let _ = writeln!(
            body,
            r#"<text x="{}" y="{}" font-size="11" text-anchor="middle">{}</text><text x="14" y="{}" font-size="11" transform="rotate(-90 14 {})" text-anchor="middle">{}</text>"#,
            LEFT + pw / 2.0,
            H - 12.0,
            escape(&self.x_label),
            TOP + ph / 2.0,
            TOP + ph / 2.0,
            escape(&self.y_label)
        );
        let mut color = COLORS.iter().cycle();
        for (i, s) in self.series.iter().enumerate() {
            let (stroke, dash) = if s.reference {
                ("#888", r#" stroke-dasharray="5 4""#)
            } else {
                (*color.next().unwrap_or(&"#000"), "")
            };
            let path: Vec<String> = s
                .points
                .iter()
                .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
                .collect();
            let _ = writeln!(
                body,
                r#"<polyline points="{}" fill="none" stroke="{stroke}" stroke-width="2"{dash}/>"#,
                path.join(" ")
            );
            if !s.reference {
                for &(x, y) in &s.points {
                    let _ = writeln!(
                        body,
                        r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{stroke}"/>"#,
                        px(x),
                        py(y)
                    );
                }
            }
            let ly = TOP + 12.0 + i as f64 * 16.0;
            let _ = writeln!(
                body,
                r#"<line x1="{}" x2="{}" y1="{ly}" y2="{ly}" stroke="{stroke}" stroke-width="2"{dash}/><text x="{}" y="{}" font-size="11">{}</text>"#,
                W - RIGHT + 10.0,
                W - RIGHT + 30.0,
                W - RIGHT + 34.0,
                ly + 4.0,
                escape(&s.label)
            );
        }
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif">
{body}</svg>
"#
        )
    }
}

/// Horizontal bars, one per labelled value: for figures without an x axis.
pub fn bars(title: &str, unit: &str, items: &[(String, f64)]) -> String {
    let top = 40.0;
    let row = 22.0;
    let label_w = 260.0;
    let plot_w = W - label_w - 80.0;
    let max = items.iter().map(|i| i.1).fold(0.0, f64::max).max(1e-12);
    let mut body = format!(
        r#"<text x="10" y="22" font-size="14" font-weight="bold">{}</text>
"#,
        escape(title)
    );
    for (k, (label, value)) in items.iter().enumerate() {
        let y = top + k as f64 * row;
        let w = (value / max * plot_w).max(0.5);
        let _ = writeln!(
            body,
            r##"<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text><rect x="{label_w}" y="{y}" width="{w:.1}" height="{}" fill="#2b7bb9"/><text x="{}" y="{}" font-size="11">{} {}</text>"##,
            label_w - 6.0,
            y + 13.0,
            escape(label),
            row - 6.0,
            label_w + w + 4.0,
            y + 13.0,
            crate::render::rows::number(*value),
            escape(unit)
        );
    }
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{}" font-family="sans-serif">
{body}</svg>
"#,
        top + items.len() as f64 * row + 20.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(0.0, 4.0), vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        let t = ticks(0.0, 2.16);
        assert_eq!(t.first(), Some(&0.0));
        assert!(t.last().unwrap() <= &2.16 && t.len() >= 3);
    }

    #[test]
    fn a_chart_has_one_line_per_series_and_a_point_per_measurement() {
        let chart = Chart {
            title: "t <1>".into(),
            x_label: "workers".into(),
            y_label: "speedup ×".into(),
            log_x: false,
            series: vec![
                Series {
                    label: "ideal".into(),
                    points: vec![(1.0, 1.0), (4.0, 4.0)],
                    reference: true,
                },
                Series {
                    label: "threads".into(),
                    points: vec![(1.0, 1.0), (2.0, 1.0), (4.0, 0.9)],
                    reference: false,
                },
            ],
        };
        let svg = chart.svg();
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("t &lt;1&gt;"));
    }
}
