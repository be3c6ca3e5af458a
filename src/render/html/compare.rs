//! A compare report: its facts, results table and speedup bars.

use std::fmt::Write;

use serde_json::Value;

use super::*;
pub(super) use crate::render::chart::ticks;

// ---------------------------------------------------------------- compare

/// Distinct interpreters of a report's rows, in order of first appearance.
pub(super) fn interpreters(report: &Value) -> Vec<&Value> {
    let mut seen: Vec<&Value> = Vec::new();
    for i in list(&report["results"]).iter().map(|r| &r["interpreter"]) {
        if !i.is_null() && !seen.contains(&i) {
            seen.push(i);
        }
    }
    seen
}

/// "py-threads", or "py-threads @3.13.1t" when several interpreters share a report.
pub(super) fn row_label(report: &Value, row: &Value) -> String {
    let strategy = text(&row["strategy"]);
    let i = &row["interpreter"];
    if i.is_null() || interpreters(report).len() < 2 {
        return strategy;
    }
    let version = text(&i["version"]);
    let gil = if version.ends_with('t') && i["gil_disabled"].as_bool() == Some(false) {
        "+GIL"
    } else {
        ""
    };
    format!("{strategy} @{version}{gil}")
}

pub(super) fn cpu_bound(report: &Value) -> bool {
    report["workload"]["kernel"].as_str() != Some("io_wait")
}

/// The most a row could speed up: its workers, capped by the tasks and, for
/// CPU-bound work, by the CPUs.
pub(super) fn ideal(report: &Value, row: &Value) -> f64 {
    let workers = row["workers"].as_f64().unwrap_or(1.0);
    let tasks = report["workload"]["tasks"].as_f64().unwrap_or(workers);
    let mut ideal = workers.min(tasks);
    if cpu_bound(report) {
        ideal = ideal.min(report["machine"]["cpus"].as_f64().unwrap_or(ideal));
    }
    ideal.max(1.0)
}

/// The figures' columns; each row's verdict follows on a line of its own.
/// The table's columns: the strategy, then the terminal table's own.
fn compare_columns() -> impl Iterator<Item = &'static str> {
    std::iter::once("strategy").chain(crate::render::COLUMNS)
}

pub(super) fn compare(r: &Value, index: usize, level: usize) -> String {
    let scenario = text(&r["scenario"]);
    let i = &r["interpreter"];
    let mut out = format!(
        "<section class=\"report compare\" id=\"report-{index}\" data-scenario=\"{}\">\n<h{level}>gil-lab compare {}</h{level}>\n",
        escape(&scenario),
        escape(&scenario)
    );
    let mut interpreter_lines = vec![format!(
        "{} {} ({}) at {}",
        text(&i["implementation"]),
        text(&i["python_version"]),
        if i["gil_disabled"].as_bool() == Some(true) {
            "free-threaded"
        } else {
            "GIL"
        },
        text(&i["executable"])
    )];
    for other in interpreters(r) {
        if other["path"] != i["executable"] {
            interpreter_lines.push(interpreter_ref(other));
        }
    }
    let w = &r["workload"];
    let s = &r["settings"];
    out += &facts(&[
        (
            if interpreter_lines.len() > 1 {
                "interpreters"
            } else {
                "interpreter"
            },
            interpreter_lines.join(" · "),
        ),
        ("machine", machine_line(&r["machine"])),
        (
            "workload",
            format!(
                "{} tasks × {} (chunks of {} {})",
                text(&w["tasks"]),
                text(&w["description"]),
                text(&w["chunk"]),
                text(&w["size_unit"])
            ),
        ),
        (
            "runs",
            format!(
                "{} workers · {} runs after {} warm-up{}",
                text(&s["workers"]),
                text(&s["runs"]),
                text(&s["warmup"]),
                if s["interleaved"].as_bool() == Some(true) {
                    ", interleaved"
                } else {
                    ""
                }
            ),
        ),
        ("start method", text(&s["start_method"])),
        ("gil-lab", text(&r["gil_lab_version"])),
    ]);
    out += &busy_warning(&r["machine"], "rows");

    out += "<h3>Results</h3>\n<div class=\"scroll\"><table class=\"results\">\n<thead><tr>";
    for (k, c) in compare_columns().enumerate() {
        cell(&mut out, "th", if k == 0 { "" } else { "num" }, c);
    }
    out += "</tr></thead>\n<tbody>\n";
    for row in list(&r["results"]) {
        let status = text(&row["status"]);
        let _ = write!(
            out,
            "<tr data-strategy=\"{}\" class=\"status-{}\">",
            escape(&text(&row["strategy"])),
            escape(&status.replace(' ', "-"))
        );
        let implementation = text(&row["implementation"]);
        cell(
            &mut out,
            "th",
            &format!("strategy {}", escape(&implementation)),
            &escape(&row_label(r, row)),
        );
        let speedup = match (row["speedup"].as_f64(), row["speedup_median"].as_f64()) {
            (Some(b), Some(m)) => format!("{b:.2} ({m:.2})"),
            _ => "–".into(),
        };
        let figures = [
            text(&row["workers"]),
            spread(&row["wall_s"], 3),
            row["startup_s"]
                .as_f64()
                .map_or("–".into(), |x| format!("{:.1}", x * 1e3)),
            num(&row["cpu_s"], 3),
            num(&row["parallelism"], 2),
            speedup,
            num(&row["vs_python_sequential"], 2),
            num(&row["overlap"], 2),
            num(&row["handoffs"], 0),
            num(&row["gil_contention"], 2),
        ];
        for f in figures {
            cell(&mut out, "td", "num", &escape(&f));
        }
        let mut verdict = escape(&text(&row["verdict"]));
        for key in ["note", "error"] {
            if let Some(n) = row[key].as_str() {
                let _ = write!(verdict, "<div class=\"{key}\">{}</div>", escape(n));
            }
        }
        let _ = writeln!(
            out,
            "</tr>\n<tr data-strategy=\"{}\" class=\"verdict-row status-{}\"><td colspan=\"{}\" class=\"verdict\">{verdict}</td></tr>",
            escape(&text(&row["strategy"])),
            escape(&status.replace(' ', "-")),
            compare_columns().count()
        );
    }
    out += "</tbody></table></div>\n";
    for c in list(&r["free_threading"]) {
        out += &free_threading(c);
    }
    let answer = list(&r["answer"]["lines"]);
    if !answer.is_empty() {
        out += "<h3>The answer</h3>\n<ul class=\"answer\">\n";
        for line in answer {
            let _ = writeln!(out, "<li>{}</li>", escape(&text(line)));
        }
        out += "</ul>\n";
    }

    out += "<h3>Speedup against the ideal</h3>\n";
    out += &speedup_bars(r);

    let timelines = list(&r["timelines"]);
    if !timelines.is_empty() {
        out += &timelines_block(
            timelines,
            cpu_bound(r),
            &format!("axis-{index}"),
            "Chunk timelines of the median runs",
        );
    }
    out + "</section>\n"
}

pub(super) fn free_threading(c: &Value) -> String {
    let mut parts = Vec::new();
    if let (Some(x), Some(gil)) = (
        c["sequential_vs_gil_build"].as_f64(),
        c["gil_build"].as_str(),
    ) {
        parts.push(format!(
            "one thread runs {x:.2}× the time of the {gil} GIL build (the build's own cost)"
        ));
    }
    if let Some(x) = c["sequential_with_gil_vs_without"].as_f64() {
        parts.push(format!(
            "with PYTHON_GIL=1 one thread takes {x:.2}× as long"
        ));
    }
    if let (Some(off), Some(on)) = (
        c["threads_speedup_without_gil"].as_f64(),
        c["threads_speedup_with_gil"].as_f64(),
    ) {
        parts.push(format!(
            "threads run {off:.2}× sequential without the GIL and {on:.2}× with it (the GIL's effect)"
        ));
    }
    format!(
        "<p class=\"free-threading\"><b>free-threading {}</b>: {}</p>\n",
        escape(&text(&c["interpreter"])),
        escape(&if parts.is_empty() {
            "not enough rows measured".into()
        } else {
            parts.join("; ")
        })
    )
}

/// Horizontal bars: each measured row's best speedup (a tick at its median),
/// a dashed mark at its ideal, and a line at 1× (no gain).
pub(super) fn speedup_bars(r: &Value) -> String {
    let rows: Vec<&Value> = list(&r["results"])
        .iter()
        .filter(|row| row["speedup"].as_f64().is_some())
        .collect();
    if rows.is_empty() {
        return "<p>No row has a speedup: nothing was measured against a sequential baseline.</p>\n".into();
    }
    let (label_w, plot_w, row_h, top) = (250.0, 560.0, 30.0, 34.0);
    let max = rows
        .iter()
        .map(|row| {
            row["speedup"]
                .as_f64()
                .unwrap_or(0.0)
                .max(row["speedup_median"].as_f64().unwrap_or(0.0))
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
        let best = row["speedup"].as_f64().unwrap_or(0.0);
        let color = if row["implementation"].as_str() == Some("rust") {
            RUST_COLOR
        } else {
            PYTHON_COLOR
        };
        let id = ideal(r, row);
        let _ = writeln!(
            svg,
            "<g class=\"bar\" data-strategy=\"{s}\"><title>{s}: best {best:.2}×, median {median}×, ideal {id}×</title><text x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{label}</text><rect x=\"{label_w}\" y=\"{by:.1}\" width=\"{bw:.1}\" height=\"{bh}\" fill=\"{color}\"/>",
            s = escape(&text(&row["strategy"])),
            median = num(&row["speedup_median"], 2),
            label = escape(&row_label(r, row)),
            lx = label_w - 8.0,
            ty = y + row_h / 2.0 + 5.0,
            by = y + 5.0,
            bw = (x(best) - label_w).max(1.0),
            bh = row_h - 10.0,
        );
        if let Some(m) = row["speedup_median"].as_f64() {
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
            x(best.max(row["speedup_median"].as_f64().unwrap_or(0.0))) + 8.0,
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
