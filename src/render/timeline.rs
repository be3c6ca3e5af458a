//! Timeline pictures: an SVG (one panel per strategy, one lane per worker, one bar
//! per chunk) and a compact text strip for the terminal. They draw what the runs
//! recorded; they measure nothing.

use std::fmt::Write;

use crate::engine::timeline::running_interval;
use crate::render::{title, workload_line};
use crate::report::{Report, Timeline};

/// A worker's time, cut in pixels or cells: running or waiting (for the GIL, a lock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Running,
    Waiting,
}

/// A running or waiting stretch of one worker: `(lane, state, from, to)`.
pub(crate) type Span = (u64, State, f64, f64);

/// First start and last end of a timeline's chunks, in ns; never empty.
pub(crate) fn extent(t: &Timeline) -> (u64, u64) {
    let start = t.chunks.iter().map(|c| c.start_ns).min().unwrap_or(0);
    let end = t.chunks.iter().map(|c| c.end_ns).max().unwrap_or(start + 1);
    (start, end.max(start + 1))
}

/// The spans of a timeline on a 0..`width` scale: its own run fills the width.
fn spans(t: &Timeline, cpu_bound: bool, width: f64) -> Vec<Span> {
    let (start, end) = extent(t);
    spans_at(t, cpu_bound, width / (end - start) as f64)
}

/// The spans of a timeline at `scale` pixels (or cells) per ns from its first
/// start, adjacent spans of one lane and state merged so a picture stays small.
pub(crate) fn spans_at(t: &Timeline, cpu_bound: bool, scale: f64) -> Vec<Span> {
    let (start, _) = extent(t);
    let x = |ns: u64| (ns - start) as f64 * scale;
    let mut raw: Vec<Span> = Vec::new();
    for c in &t.chunks {
        let (run_from, run_to) = running_interval(c, cpu_bound);
        if run_from > c.start_ns {
            raw.push((c.worker, State::Waiting, x(c.start_ns), x(run_from)));
        }
        raw.push((c.worker, State::Running, x(run_from), x(run_to)));
    }
    raw.sort_by(|a, b| {
        (a.0, a.1 as u8, a.2)
            .partial_cmp(&(b.0, b.1 as u8, b.2))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    // A wait narrower than a pixel cannot be seen; dropping it lets the running
    // spans around it merge, which keeps a picture of thousands of chunks small.
    raw.retain(|s| s.1 == State::Running || s.3 - s.2 >= 1.0);
    let mut merged: Vec<Span> = Vec::new();
    for span in raw {
        match merged.last_mut() {
            Some(last) if last.0 == span.0 && last.1 == span.1 && span.2 - last.3 < 1.0 => {
                last.3 = last.3.max(span.3)
            }
            _ => merged.push(span),
        }
    }
    merged
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const WIDTH: f64 = 900.0;
const LEFT: f64 = 40.0;
const LANE: f64 = 12.0;

/// Panels under shared caption lines.
pub struct Section<'a> {
    pub captions: Vec<String>,
    pub cpu_bound: bool,
    pub timelines: &'a [Timeline],
}

/// One SVG of every scenario's timelines.
pub fn svg(outcomes: &[(&Report, &[Timeline])]) -> String {
    let sections: Vec<Section> = outcomes
        .iter()
        .map(|(report, timelines)| Section {
            captions: vec![title(report), workload_line(report)],
            cpu_bound: report.workload.kernel.is_cpu_bound(),
            timelines,
        })
        .collect();
    svg_sections(&sections)
}

/// One SVG: per section its captions, then a panel per timeline.
pub fn svg_sections(sections: &[Section]) -> String {
    let mut body = String::new();
    let mut y = 10.0;
    for section in sections {
        let (cpu_bound, timelines) = (section.cpu_bound, section.timelines);
        for line in &section.captions {
            y += 16.0;
            let _ = writeln!(
                body,
                r#"<text x="4" y="{y}" font-size="12">{}</text>"#,
                escape(line)
            );
        }
        for t in timelines.iter() {
            y += 26.0;
            let _ = writeln!(
                body,
                r#"<text x="4" y="{y}" font-size="12" font-weight="bold">{}</text><text x="{}" y="{y}" font-size="11" text-anchor="end">{:.2} workers at once · {:.1} ms</text>"#,
                escape(&t.label()),
                LEFT + WIDTH,
                t.overlap,
                t.wall_s * 1e3
            );
            let top = y + 6.0;
            for lane in 0..t.workers as u64 {
                let ly = top + lane as f64 * (LANE + 2.0);
                let _ = writeln!(
                    body,
                    r##"<text x="4" y="{}" font-size="10">w{lane}</text><rect x="{LEFT}" y="{ly}" width="{WIDTH}" height="{LANE}" fill="#f4f4f4"/>"##,
                    ly + LANE - 2.0
                );
            }
            for (lane, state, from, to) in spans(t, cpu_bound, WIDTH) {
                let color = match state {
                    State::Running => "#2b7bb9",
                    State::Waiting => "#d9d9d9",
                };
                let _ = writeln!(
                    body,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{LANE}" fill="{color}"/>"#,
                    LEFT + from,
                    top + lane as f64 * (LANE + 2.0),
                    (to - from).max(0.5)
                );
            }
            y = top + t.workers as f64 * (LANE + 2.0);
        }
        y += 10.0;
    }
    y += 20.0;
    let _ = writeln!(
        body,
        r##"<text x="4" y="{y}" font-size="11"><tspan fill="#2b7bb9">■</tspan> running  <tspan fill="#b0b0b0">■</tspan> waiting (a chunk started but its thread was not on a CPU: the GIL, a lock)  · each panel spans its own run</text>"##
    );
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" font-family="sans-serif">
{body}</svg>
"#,
        LEFT + WIDTH + 10.0,
        y + 10.0
    )
}

/// A text strip per strategy: `█` running, `░` waiting, one line per worker.
pub fn strip(report: &Report, timelines: &[Timeline], width: usize) -> String {
    let cpu_bound = report.workload.kernel.is_cpu_bound();
    let mut out = format!(
        "timelines of the median runs ({}): █ running  ░ waiting\n",
        report.scenario_id()
    );
    for t in timelines {
        let _ = writeln!(
            out,
            "{}  ({:.2} workers at once, {:.1} ms)",
            t.label(),
            t.overlap,
            t.wall_s * 1e3
        );
        let spans = spans(t, cpu_bound, width as f64);
        for lane in 0..t.workers as u64 {
            let mut cells = vec![' '; width];
            for &(_, state, from, to) in spans.iter().filter(|s| s.0 == lane) {
                let (a, b) = (from.floor() as usize, (to.ceil() as usize).min(width));
                for cell in cells.iter_mut().take(b).skip(a) {
                    *cell = match (state, *cell) {
                        (State::Running, _) | (_, '█') => '█',
                        _ => '░',
                    };
                }
            }
            let _ = writeln!(out, "  w{lane} {}", cells.into_iter().collect::<String>());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::timeline::Chunk;

    fn staircase() -> Timeline {
        let chunk = |worker, start_ns, end_ns, cpu_ns| Chunk {
            worker,
            start_ns,
            end_ns,
            cpu_ns,
        };
        Timeline {
            strategy: "py-threads".into(),
            interpreter: None,
            wall_s: 0.03,
            workers: 2,
            overlap: 1.0,
            // A runs 0-10, B 10-20 (waited since 0), A 20-30 (waited since 10).
            chunks: vec![
                chunk(0, 0, 10, 10),
                chunk(1, 0, 20, 10),
                chunk(0, 10, 30, 10),
            ],
        }
    }

    #[test]
    fn a_gil_staircase_draws_as_steps() {
        let r = crate::render::fixture::report();
        let text = strip(&r, &[staircase()], 30);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[2],
            format!(
                "  w0 {}{}{}",
                "█".repeat(10),
                "░".repeat(10),
                "█".repeat(10)
            )
        );
        assert_eq!(
            lines[3],
            format!(
                "  w1 {}{}{}",
                "░".repeat(10),
                "█".repeat(10),
                " ".repeat(10)
            )
        );
    }

    #[test]
    fn the_svg_has_one_lane_per_worker_and_merged_bars() {
        let r = crate::render::fixture::report();
        let t = staircase();
        let svg = svg(&[(&r, std::slice::from_ref(&t))]);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches(r##"fill="#f4f4f4""##).count(), 2, "two lanes");
        assert_eq!(
            svg.matches(r##"fill="#2b7bb9"/>"##).count(),
            3,
            "three running bars"
        );
        assert_eq!(svg.matches(r##"fill="#d9d9d9"/>"##).count(), 2, "two waits");
    }

    #[test]
    fn a_lane_whose_free_threaded_build_ran_with_its_gil_says_so() {
        let r = crate::render::fixture::report();
        let mut t = staircase();
        t.interpreter = Some(crate::cpython::interpreter::InterpreterRef {
            version: "3.13.5t".into(),
            path: "/opt/python3.13t".into(),
            gil_disabled: false,
        });
        let svg = svg(&[(&r, std::slice::from_ref(&t))]);
        assert!(svg.contains(">py-threads @3.13.5t+GIL</text>"), "{svg}");
        let text = strip(&r, std::slice::from_ref(&t), 30);
        assert!(text.contains("py-threads @3.13.5t+GIL"), "{text}");
    }
}
