//! A compare report: its facts, results table and speedup bars.

use std::fmt::Write;

use super::timelines::timelines_block;
use super::*;
use crate::engine::strategies::Implementation;
pub(super) use crate::render::chart::ticks;
use crate::report::Row;

// ---------------------------------------------------------------- compare

/// The most a row could speed up: its workers, capped by the tasks and, for
/// CPU-bound work, by the CPUs.
fn ideal(report: &Report, row: &Row) -> f64 {
    let mut ideal = row.workers.min(report.workload.tasks) as f64;
    if report.workload.kernel.is_cpu_bound() {
        ideal = ideal.min(report.machine.cpus as f64);
    }
    ideal.max(1.0)
}

/// The table's columns: the strategy, then the terminal table's own.
fn compare_columns() -> impl Iterator<Item = &'static str> {
    std::iter::once("strategy").chain(crate::render::COLUMNS)
}

/// The class a row's status gives its table lines (`status-ok`, `status-timed-out`).
fn status_class(row: &Row) -> String {
    format!("status-{}", row.status.word().replace(' ', "-"))
}

/// A report's section: its facts, table, answer, bars and timelines.
pub(super) fn compare(r: &Report, timelines: &[Timeline], index: usize, level: usize) -> String {
    let scenario = r.scenario.id();
    let i = &r.interpreter;
    let mut out = format!(
        "<section class=\"report compare\" id=\"report-{index}\" data-scenario=\"{scenario}\">\n<h{level}>gil-lab compare {scenario}</h{level}>\n"
    );
    let mut interpreter_lines = vec![format!(
        "{} {} ({}) at {}",
        i.implementation,
        i.python_version,
        if i.gil_disabled {
            "free-threaded"
        } else {
            "GIL"
        },
        i.executable
    )];
    for other in r.interpreters() {
        if other.path != i.executable {
            interpreter_lines.push(interpreter_ref(Some(other)));
        }
    }
    let (w, s) = (&r.workload, &r.settings);
    out += &facts(&[
        (
            if interpreter_lines.len() > 1 {
                "interpreters"
            } else {
                "interpreter"
            },
            interpreter_lines.join(" · "),
        ),
        ("machine", machine_line(&r.machine)),
        (
            "workload",
            format!(
                "{} tasks × {} (chunks of {} {})",
                w.tasks, w.description, w.chunk, w.size_unit
            ),
        ),
        (
            "runs",
            format!(
                "{} workers · {} runs after {} warm-up{}",
                s.workers,
                s.runs,
                s.warmup,
                if s.interleaved { ", interleaved" } else { "" }
            ),
        ),
        ("start method", s.start_method.clone()),
        ("gil-lab", r.gil_lab_version.clone()),
    ]);
    out += &busy_warning(&r.machine, "rows");

    out += "<h3>Results</h3>\n<div class=\"scroll\"><table class=\"results\">\n<thead><tr>";
    for (k, c) in compare_columns().enumerate() {
        cell(&mut out, "th", if k == 0 { "" } else { "num" }, c);
    }
    out += "</tr></thead>\n<tbody>\n";
    for row in &r.results {
        let strategy = escape(&row.strategy);
        let status = escape(&status_class(row));
        let _ = write!(out, "<tr data-strategy=\"{strategy}\" class=\"{status}\">");
        cell(
            &mut out,
            "th",
            &format!("strategy {}", implementation(row)),
            &escape(&r.label(row)),
        );
        for f in crate::render::cells(row) {
            cell(&mut out, "td", "num", &escape(&f));
        }
        let mut verdict = escape(&row.verdict);
        for (class, text) in [("note", &row.note), ("error", &row.error)] {
            if let Some(n) = text {
                let _ = write!(verdict, "<div class=\"{class}\">{}</div>", escape(n));
            }
        }
        let _ = writeln!(
            out,
            "</tr>\n<tr data-strategy=\"{strategy}\" class=\"verdict-row {status}\"><td colspan=\"{}\" class=\"verdict\">{verdict}</td></tr>",
            compare_columns().count()
        );
    }
    out += "</tbody></table></div>\n";
    for line in crate::render::free_threading_lines(r) {
        let (what, figures) = line.split_once(": ").unwrap_or((&line, ""));
        let _ = writeln!(
            out,
            "<p class=\"free-threading\"><b>{}</b>: {}</p>",
            escape(what),
            escape(figures)
        );
    }
    let answer = r.answer.as_ref().map_or(&[][..], |a| a.lines.as_slice());
    if !answer.is_empty() {
        out += "<h3>The answer</h3>\n<ul class=\"answer\">\n";
        for line in answer {
            let _ = writeln!(out, "<li>{}</li>", escape(line));
        }
        out += "</ul>\n";
    }

    out += "<h3>Speedup against the ideal</h3>\n";
    out += &speedup_bars(r);

    if !timelines.is_empty() {
        out += &timelines_block(
            timelines,
            r.workload.kernel.is_cpu_bound(),
            &format!("axis-{index}"),
            "Chunk timelines of the median runs",
        );
    }
    out + "</section>\n"
}

/// "python" or "rust", as the row's JSON names its implementation.
fn implementation(row: &Row) -> &'static str {
    match row.implementation {
        Implementation::Python => "python",
        Implementation::Rust => "rust",
    }
}

/// Horizontal bars: each measured row's best speedup (a tick at its median),
/// a dashed mark at its ideal, and a line at 1× (no gain).
fn speedup_bars(r: &Report) -> String {
    let rows: Vec<&Row> = r
        .results
        .iter()
        .filter(|row| row.speedup.is_some())
        .collect();
    if rows.is_empty() {
        return "<p>No row has a speedup: nothing was measured against a sequential baseline.</p>\n".into();
    }
    let (label_w, plot_w, row_h, top) = (250.0, 560.0, 30.0, 34.0);
    let max = rows
        .iter()
        .map(|row| {
            row.speedup
                .unwrap_or(0.0)
                .max(row.speedup_median.unwrap_or(0.0))
                .max(ideal(r, row))
        })
        .fold(1.0, f64::max)
        * 1.1;
    let x = |v: f64| label_w + v / max * plot_w;
    let height = top + rows.len() as f64 * row_h + 50.0;
    let width = label_w + plot_w + 150.0;
    let mut svg = format!(
        "<svg class=\"speedup\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"speedup bars\" font-family=\"sans-serif\" font-size=\"15\" fill=\"{INK}\">\n"
    );
    let bottom = top + rows.len() as f64 * row_h;
    for t in ticks(0.0, max) {
        let _ = writeln!(
            svg,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{top}\" y2=\"{bottom}\" stroke=\"{GRID}\" stroke-width=\"1\"/><text x=\"{0:.1}\" y=\"{1}\" text-anchor=\"middle\" font-size=\"13\">{2}×</text>",
            x(t),
            bottom + 18.0,
            tick_label(t)
        );
    }
    for (k, row) in rows.iter().enumerate() {
        let y = top + k as f64 * row_h;
        let best = row.speedup.unwrap_or(0.0);
        let color = match row.implementation {
            Implementation::Rust => RUST_COLOR,
            Implementation::Python => PYTHON_COLOR,
        };
        let id = ideal(r, row);
        let _ = writeln!(
            svg,
            "<g class=\"bar\" data-strategy=\"{s}\"><title>{s}: best {best:.2}×, median {median}×, ideal {id}×</title><text x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{label}</text><rect x=\"{label_w}\" y=\"{by:.1}\" width=\"{bw:.1}\" height=\"{bh}\" fill=\"{color}\"/>",
            s = escape(&row.strategy),
            median = crate::render::fmt_opt(row.speedup_median, 2),
            label = escape(&r.label(row)),
            lx = label_w - 8.0,
            ty = y + row_h / 2.0 + 5.0,
            by = y + 5.0,
            bw = (x(best) - label_w).max(1.0),
            bh = row_h - 10.0,
        );
        if let Some(m) = row.speedup_median {
            let _ = write!(
                svg,
                "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"{INK}\" stroke-width=\"2\"/>",
                x(m),
                y + 3.0,
                y + row_h - 3.0
            );
        }
        let _ = writeln!(
            svg,
            "<line class=\"ideal\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"#15803d\" stroke-width=\"3\" stroke-dasharray=\"5 3\"/><text x=\"{3:.1}\" y=\"{4:.1}\">{best:.2}×</text></g>",
            x(id),
            y + 1.0,
            y + row_h - 1.0,
            x(best.max(row.speedup_median.unwrap_or(0.0))) + 8.0,
            y + row_h / 2.0 + 5.0
        );
    }
    let _ = writeln!(
        svg,
        "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1}\" y2=\"{bottom}\" stroke=\"{INK}\" stroke-width=\"1.5\"/>",
        x(1.0),
        top - 6.0
    );
    let _ = writeln!(
        svg,
        "<text x=\"{0:.1}\" y=\"{1}\" text-anchor=\"middle\" font-size=\"13\">1× = its sequential row</text>",
        x(1.0),
        top - 12.0
    );
    let ly = bottom + 40.0;
    let _ = writeln!(
        svg,
        "<g class=\"legend\" font-size=\"14\"><rect x=\"{label_w}\" y=\"{0}\" width=\"16\" height=\"14\" fill=\"{PYTHON_COLOR}\"/><text x=\"{1}\" y=\"{2}\">Python</text><rect x=\"{3}\" y=\"{0}\" width=\"16\" height=\"14\" fill=\"{RUST_COLOR}\"/><text x=\"{4}\" y=\"{2}\">Rust</text><line x1=\"{5}\" x2=\"{5}\" y1=\"{0}\" y2=\"{6}\" stroke=\"{INK}\" stroke-width=\"2\"/><text x=\"{7}\" y=\"{2}\">median run</text><line x1=\"{8}\" x2=\"{8}\" y1=\"{0}\" y2=\"{6}\" stroke=\"#15803d\" stroke-width=\"3\" stroke-dasharray=\"5 3\"/><text x=\"{9}\" y=\"{2}\">ideal (workers, capped by tasks and CPUs)</text></g>",
        ly - 11.0,
        label_w + 22.0,
        ly,
        label_w + 90.0,
        label_w + 112.0,
        label_w + 175.0,
        ly + 3.0,
        label_w + 183.0,
        label_w + 290.0,
        label_w + 298.0,
    );
    svg + "</svg>\n"
}

pub(super) fn tick_label(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else if (v * 10.0).fract().abs() < 1e-9 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}
