//! Chunk timelines: one panel per strategy or group, on a shared or own time axis.

use std::fmt::Write;

use super::compare::{tick_label, ticks};
use super::*;
use crate::render::timeline::{State, extent, spans_at};

// ---------------------------------------------------------------- timelines

pub(super) const TL_LEFT: f64 = 70.0;
pub(super) const TL_WIDTH: f64 = 900.0;
pub(super) const TL_LANE: f64 = 18.0;
pub(super) const TL_GAP: f64 = 4.0;

pub(super) fn ms_label(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 10.0 {
        format!("{ms:.0} ms")
    } else if ms >= 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.0} µs", ms * 1000.0)
    }
}

/// Ticks under a panel, in s, ms or µs as the span suits.
pub(super) fn axis(out: &mut String, y: f64, span_ns: u64, scale: f64) {
    let (ns_per_unit, unit) = match span_ns {
        s if s >= 2_000_000_000 => (1e9, "s"),
        s if s >= 2_000_000 => (1e6, "ms"),
        _ => (1e3, "µs"),
    };
    for t in ticks(0.0, span_ns as f64 / ns_per_unit) {
        let x = TL_LEFT + t * ns_per_unit * scale;
        if x > TL_LEFT + TL_WIDTH + 0.5 {
            continue;
        }
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{y0:.1}\" y2=\"{y1:.1}\" stroke=\"{INK}\"/><text x=\"{x:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\" font-size=\"13\">{} {unit}</text>",
            tick_label(t),
            y0 = y,
            y1 = y + 5.0,
            ty = y + 19.0
        );
    }
    out.push('\n');
}

/// The timelines of one report: a checkbox (it works without script, through
/// CSS) switches every panel between one shared time axis and its own.
pub(super) fn timelines_block(
    timelines: &[Timeline],
    cpu_bound: bool,
    id: &str,
    heading: &str,
) -> String {
    let shared_ns = timelines
        .iter()
        .filter(|t| !t.chunks.is_empty())
        .map(|t| {
            let (s, e) = extent(t);
            e - s
        })
        .max()
        .unwrap_or(1);
    let shared_scale = TL_WIDTH / shared_ns as f64;
    let mut out = format!(
        "<h3>{}</h3>\n<div class=\"timelines-block\">\n<input type=\"checkbox\" class=\"own-axis\" id=\"{id}\"><label for=\"{id}\">each row on its own time axis</label>\n<p class=\"axis-note shared-note\">One time axis for every row: a shorter bar finished sooner.</p><p class=\"axis-note own-note\">Each row spans its own run: compare shapes, not lengths.</p>\n",
        escape(heading)
    );
    let mut body = String::new();
    let mut y = 10.0;
    for (i, t) in timelines.iter().enumerate() {
        let workers = t
            .chunks
            .iter()
            .map(|c| c.worker + 1)
            .max()
            .unwrap_or(0)
            .max(t.workers as u64);
        let (start, end) = extent(t);
        let own_scale = TL_WIDTH / (end - start) as f64;
        let top = y + 28.0;
        let _ = writeln!(
            body,
            "<g class=\"panel\" data-index=\"{i}\" data-strategy=\"{s}\" data-top=\"{top}\" data-lanes=\"{workers}\" data-start-ns=\"{start}\" data-span-ns=\"{span}\"><text x=\"4\" y=\"{ty}\" font-weight=\"bold\" font-size=\"16\">{label}</text><text x=\"{right}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"14\">{overlap:.2} workers at once · run {wall}</text>",
            s = escape(&t.strategy),
            span = end - start,
            label = escape(&t.label()),
            ty = y + 18.0,
            right = TL_LEFT + TL_WIDTH,
            overlap = t.overlap,
            wall = ms_label(t.wall_s * 1e3),
        );
        for lane in 0..workers {
            let ly = top + lane as f64 * (TL_LANE + TL_GAP);
            let _ = writeln!(
                body,
                "<text x=\"{lx}\" y=\"{ty:.1}\" font-size=\"13\" text-anchor=\"end\">w{lane}</text><rect x=\"{TL_LEFT}\" y=\"{ly:.1}\" width=\"{TL_WIDTH}\" height=\"{TL_LANE}\" fill=\"{LANE_BG}\"/>",
                lx = TL_LEFT - 8.0,
                ty = ly + TL_LANE - 4.0
            );
        }
        let lanes_bottom = top + workers as f64 * (TL_LANE + TL_GAP);
        for (class, scale) in [("shared", shared_scale), ("own", own_scale)] {
            let _ = write!(body, "<g class=\"{class}\">");
            for (lane, state, from, to) in spans_at(t, cpu_bound, scale) {
                let color = match state {
                    State::Running => RUNNING,
                    State::Waiting => WAITING,
                };
                let _ = write!(
                    body,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{TL_LANE}\" fill=\"{color}\"/>",
                    TL_LEFT + from,
                    top + lane as f64 * (TL_LANE + TL_GAP),
                    (to - from).max(0.5)
                );
            }
            axis(
                &mut body,
                lanes_bottom,
                if class == "shared" {
                    shared_ns
                } else {
                    end - start
                },
                scale,
            );
            body += "</g>\n";
        }
        body += "</g>\n";
        y = lanes_bottom + 26.0;
    }
    let ly = y + 16.0;
    let _ = writeln!(
        body,
        "<g class=\"legend\" font-size=\"15\"><rect x=\"{TL_LEFT}\" y=\"{0}\" width=\"18\" height=\"16\" fill=\"{RUNNING}\"/><text x=\"{1}\" y=\"{2}\">running</text><rect x=\"{3}\" y=\"{0}\" width=\"18\" height=\"16\" fill=\"{WAITING}\"/><text x=\"{4}\" y=\"{2}\">waiting: its chunk had begun but the thread was not on a CPU (the GIL, a lock)</text></g>",
        ly - 13.0,
        TL_LEFT + 24.0,
        ly,
        TL_LEFT + 110.0,
        TL_LEFT + 134.0
    );
    let height = ly + 14.0;
    let width = TL_LEFT + TL_WIDTH + 12.0;
    let _ = writeln!(
        out,
        "<svg class=\"timelines\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" data-left=\"{TL_LEFT}\" data-width=\"{TL_WIDTH}\" data-lane=\"{TL_LANE}\" data-gap=\"{TL_GAP}\" data-shared-span-ns=\"{shared_ns}\" font-family=\"sans-serif\" fill=\"{INK}\" role=\"img\" aria-label=\"chunk timelines\">\n{body}</svg>"
    );
    out + "</div>\n"
}
