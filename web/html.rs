//! `--html`: one self-contained page per report (compare, verify, sweep, live).
//!
//! The page is also the data: the report's JSON export travels inside it in a
//! `<script type="application/json" id="gil-lab-data">` element. The figures
//! are drawn here, on the server side, as a plain HTML table and inline SVG, so
//! the page reads the same without JavaScript (or with `chromium --dump-dom`);
//! the inline script (`report.js`) only adds hover details and keeps the axis
//! toggle's choice. Nothing is loaded from the network: the page's own
//! Content-Security-Policy forbids it.
//!
//! This module takes already-serialized JSON (a [`serde_json::Value`]) and
//! returns a `String`; it measures nothing and imports nothing else from the
//! crate. Its assets (`report.html`, `report.css`, `report.js`) sit beside it
//! and are compiled in with `include_str!`.
//!
//! The embedded object is the `--json` export with one addition: compare
//! reports (each report of `all`, too) and live reports carry a `timelines`
//! array, one entry per strategy or group, as `report::Timeline` serializes:
//! `{"strategy", "interpreter": {version, path, gil_disabled} | null,
//! "wall_s", "workers", "overlap", "chunks": [{"worker", "start_ns", "end_ns",
//! "cpu_ns"}]}`. Without it the page simply has no timelines.

use std::fmt::Write;

use serde_json::Value;

const TEMPLATE: &str = include_str!("report.html");
const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");

/// The page: `title`, the `static_body` (HTML, shown as is), and `json`
/// embedded as the page's data. `json` must be valid JSON; it is escaped so
/// that nothing in it can end the script element that holds it.
pub fn page(title: &str, json: &str, static_body: &str) -> String {
    fill(
        TEMPLATE,
        &[
            ("{{TITLE}}", &escape(title)),
            ("{{CSS}}", CSS),
            ("{{BODY}}", static_body),
            ("{{DATA}}", &script_json(json)),
            ("{{JS}}", JS),
        ],
    )
}

/// The whole page for a report's JSON: its title and its static body drawn here.
pub fn report_page(data: &Value) -> String {
    page(&title(data), &data.to_string(), &body(data))
}

/// JSON made safe inside `<script type="application/json">`: every `<`, `>`
/// and `&` becomes its `\u00XX` escape. They can only occur inside JSON
/// strings, where the escape means the same character, so `JSON.parse` reads
/// the same value back, while `</script>` or `<!--` can no longer appear.
pub fn script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text made safe in HTML and SVG content and in quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Replaces each marker once, in the template only: a value that happens to
/// contain a marker is never substituted again.
fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + pairs.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    loop {
        let next = pairs
            .iter()
            .filter_map(|(m, v)| rest.find(m).map(|at| (at, *m, *v)))
            .min_by_key(|(at, _, _)| *at);
        match next {
            Some((at, marker, value)) => {
                out.push_str(&rest[..at]);
                out.push_str(value);
                rest = &rest[at + marker.len()..];
            }
            None => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

/// What a report's JSON is, from its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `compare` of several scenarios (`all`): `{"reports": [...]}`.
    CompareAll,
    Compare,
    Verify,
    SweepWorkers,
    /// `sweep ipc` and `sweep memory`: `{"interpreter", "rows": [...]}`.
    SweepRows,
    Live,
    Unknown,
}

pub fn kind(data: &Value) -> Kind {
    let has = |k: &str| data.get(k).is_some();
    if has("reports") {
        Kind::CompareAll
    } else if has("results") {
        Kind::Compare
    } else if has("claims") {
        Kind::Verify
    } else if has("curves") {
        Kind::SweepWorkers
    } else if has("groups") {
        Kind::Live
    } else if has("rows") {
        Kind::SweepRows
    } else {
        Kind::Unknown
    }
}

/// The page's title.
pub fn title(data: &Value) -> String {
    match kind(data) {
        Kind::CompareAll => "gil-lab compare all".into(),
        Kind::Compare => format!("gil-lab compare {}", text(&data["scenario"])),
        Kind::Verify => "gil-lab verify".into(),
        Kind::SweepWorkers => "gil-lab sweep workers".into(),
        Kind::SweepRows => "gil-lab sweep".into(),
        Kind::Live => format!("gil-lab live {}", text(&data["scenario"])),
        Kind::Unknown => "gil-lab report".into(),
    }
}

/// The static body: everything the page shows, drawn from `data`.
pub fn body(data: &Value) -> String {
    match kind(data) {
        Kind::CompareAll => {
            let mut out = String::from("<h1>gil-lab compare all</h1>\n");
            for (i, r) in list(&data["reports"]).iter().enumerate() {
                out += &compare(r, i, 2);
            }
            out
        }
        Kind::Compare => compare(data, 0, 1),
        Kind::Verify => verify(data),
        Kind::SweepWorkers => sweep_workers(data),
        Kind::SweepRows => sweep_rows(data),
        Kind::Live => live(data),
        Kind::Unknown => "<p>This page holds data gil-lab does not recognise.</p>".into(),
    }
}

// ---------------------------------------------------------------- helpers

fn list(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

/// A string, a number or a bool as text; `–` for null or missing.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "–".into(),
        other => other.to_string(),
    }
}

fn num(v: &Value, decimals: usize) -> String {
    v.as_f64()
        .map_or_else(|| "–".into(), |x| format!("{x:.decimals$}"))
}

/// `0.412 (0.401–0.430)` from `{median, min, max}`.
fn spread(v: &Value, decimals: usize) -> String {
    match (v["median"].as_f64(), v["min"].as_f64(), v["max"].as_f64()) {
        (Some(m), Some(a), Some(b)) => format!("{m:.decimals$} ({a:.decimals$}–{b:.decimals$})"),
        _ => "–".into(),
    }
}

/// A figure with as many digits as it needs to be read.
fn number(x: f64) -> String {
    let a = x.abs();
    if x.fract() == 0.0 && a < 1e15 {
        format!("{x:.0}")
    } else if a >= 1000.0 {
        format!("{x:.0}")
    } else if a >= 100.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else if a >= 0.01 {
        format!("{x:.3}")
    } else {
        format!("{x:.2e}")
    }
}

fn cell(out: &mut String, tag: &str, class: &str, content: &str) {
    if class.is_empty() {
        let _ = write!(out, "<{tag}>{content}</{tag}>");
    } else {
        let _ = write!(out, "<{tag} class=\"{class}\">{content}</{tag}>");
    }
}

fn facts(items: &[(&str, String)]) -> String {
    let mut out = String::from("<dl class=\"facts\">");
    for (k, v) in items {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
    }
    out + "</dl>\n"
}

/// The warning for figures measured on a machine other work was already using.
fn busy_warning(machine: &Value, what: &str) -> String {
    match machine["busy_cpus"].as_f64() {
        Some(b) if b >= 0.5 => format!(
            "<p class=\"warning\" role=\"alert\">Other work kept {b:.1} of {} CPUs busy as measuring began: parallel {what} are understated.</p>\n",
            text(&machine["cpus"])
        ),
        _ => String::new(),
    }
}

fn machine_line(m: &Value) -> String {
    format!(
        "{} CPUs, {} {}{}",
        text(&m["cpus"]),
        text(&m["os"]),
        text(&m["arch"]),
        m["busy_cpus"].as_f64().map_or(String::new(), |b| format!(
            " · {b:.2} CPUs busy with other work before measuring"
        ))
    )
}

fn interpreter_ref(i: &Value) -> String {
    if i.is_null() {
        return "native (no Python)".into();
    }
    let gil = if i["gil_disabled"].as_bool() == Some(true) {
        "free-threaded"
    } else {
        "GIL"
    };
    format!("{} ({gil}) at {}", text(&i["version"]), text(&i["path"]))
}

const PYTHON_COLOR: &str = "#1f5fa8";
const RUST_COLOR: &str = "#c2410c";
const RUNNING: &str = "#1f5fa8";
const WAITING: &str = "#f2a93b";
const LANE_BG: &str = "#e8ecf2";
const INK: &str = "#1a1a1a";
const GRID: &str = "#c8ccd2";

// ---------------------------------------------------------------- compare

/// Distinct interpreters of a report's rows, in order of first appearance.
fn interpreters(report: &Value) -> Vec<&Value> {
    let mut seen: Vec<&Value> = Vec::new();
    for i in list(&report["results"]).iter().map(|r| &r["interpreter"]) {
        if !i.is_null() && !seen.contains(&i) {
            seen.push(i);
        }
    }
    seen
}

/// "py-threads", or "py-threads @3.13.1t" when several interpreters share a report.
fn row_label(report: &Value, row: &Value) -> String {
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

fn cpu_bound(report: &Value) -> bool {
    report["workload"]["kernel"].as_str() != Some("io_wait")
}

/// The most a row could speed up: its workers, capped by the tasks and, for
/// CPU-bound work, by the CPUs.
fn ideal(report: &Value, row: &Value) -> f64 {
    let workers = row["workers"].as_f64().unwrap_or(1.0);
    let tasks = report["workload"]["tasks"].as_f64().unwrap_or(workers);
    let mut ideal = workers.min(tasks);
    if cpu_bound(report) {
        ideal = ideal.min(report["machine"]["cpus"].as_f64().unwrap_or(ideal));
    }
    ideal.max(1.0)
}

/// The figures' columns; each row's verdict follows on a line of its own.
const COMPARE_COLUMNS: [&str; 11] = [
    "strategy",
    "workers",
    "wall s median (min–max)",
    "start ms",
    "CPU s",
    "parallelism",
    "speedup best (median)",
    "vs py-seq",
    "overlap",
    "handoffs",
    "GIL wait",
];

fn compare(r: &Value, index: usize, level: usize) -> String {
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
    for (k, c) in COMPARE_COLUMNS.iter().enumerate() {
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
            COMPARE_COLUMNS.len()
        );
    }
    out += "</tbody></table></div>\n";
    for c in list(&r["free_threading"]) {
        out += &free_threading(c);
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

fn free_threading(c: &Value) -> String {
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
fn speedup_bars(r: &Value) -> String {
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

/// Round tick values covering `lo..=hi`.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let magnitude = 10f64.powf((span / 5.0).log10().floor());
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

fn tick_label(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else if (v * 10.0).fract().abs() < 1e-9 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

// ---------------------------------------------------------------- timelines

const TL_LEFT: f64 = 70.0;
const TL_WIDTH: f64 = 900.0;
const TL_LANE: f64 = 18.0;
const TL_GAP: f64 = 4.0;

#[derive(Clone, Copy, PartialEq)]
enum State {
    Running,
    Waiting,
}

struct Span {
    lane: u64,
    state: State,
    from: f64,
    to: f64,
}

fn chunks(t: &Value) -> Vec<(u64, u64, u64, u64)> {
    list(&t["chunks"])
        .iter()
        .filter_map(|c| {
            Some((
                c["worker"].as_u64()?,
                c["start_ns"].as_u64()?,
                c["end_ns"].as_u64()?,
                c["cpu_ns"].as_u64().unwrap_or(0),
            ))
        })
        .collect()
}

/// First start and last end of a timeline's chunks, in ns.
fn extent(chunks: &[(u64, u64, u64, u64)]) -> (u64, u64) {
    let start = chunks.iter().map(|c| c.1).min().unwrap_or(0);
    let end = chunks.iter().map(|c| c.2).max().unwrap_or(start + 1);
    (start, end.max(start + 1))
}

/// Running and waiting spans in pixels, `scale` px per ns from the timeline's
/// first start. A CPU-bound chunk ran during the last `cpu_ns` of its interval
/// and waited (for the GIL, a lock) before that; adjacent spans of one lane
/// and state are merged, and waits under a pixel dropped, so thousands of
/// chunks stay a small picture.
fn spans(chunks: &[(u64, u64, u64, u64)], cpu_bound: bool, scale: f64) -> Vec<Span> {
    let (start, _) = extent(chunks);
    let x = |ns: u64| ns.saturating_sub(start) as f64 * scale;
    let mut raw = Vec::new();
    for &(lane, s, e, cpu) in chunks {
        let wall = e.saturating_sub(s);
        let run_from = if cpu_bound { e - cpu.min(wall) } else { s };
        if run_from > s {
            raw.push(Span {
                lane,
                state: State::Waiting,
                from: x(s),
                to: x(run_from),
            });
        }
        raw.push(Span {
            lane,
            state: State::Running,
            from: x(run_from),
            to: x(e),
        });
    }
    raw.sort_by(|a, b| {
        (a.lane, a.state as u8, a.from)
            .partial_cmp(&(b.lane, b.state as u8, b.from))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    raw.retain(|s| s.state == State::Running || s.to - s.from >= 1.0);
    let mut merged: Vec<Span> = Vec::new();
    for span in raw {
        match merged.last_mut() {
            Some(last)
                if last.lane == span.lane
                    && last.state == span.state
                    && span.from - last.to < 1.0 =>
            {
                last.to = last.to.max(span.to)
            }
            _ => merged.push(span),
        }
    }
    merged
}

fn timeline_label(t: &Value) -> String {
    match t["interpreter"]["version"].as_str() {
        Some(v) => format!("{} @{v}", text(&t["strategy"])),
        None => text(&t["strategy"]),
    }
}

fn ms_label(ms: f64) -> String {
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
fn axis(out: &mut String, y: f64, span_ns: u64, scale: f64) {
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
fn timelines_block(timelines: &[Value], cpu_bound: bool, id: &str, heading: &str) -> String {
    let all: Vec<Vec<(u64, u64, u64, u64)>> = timelines.iter().map(chunks).collect();
    let shared_ns = all
        .iter()
        .filter(|c| !c.is_empty())
        .map(|c| {
            let (s, e) = extent(c);
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
    for (i, (t, c)) in timelines.iter().zip(&all).enumerate() {
        let workers = c
            .iter()
            .map(|c| c.0 + 1)
            .max()
            .unwrap_or(0)
            .max(t["workers"].as_u64().unwrap_or(0));
        let (start, end) = extent(c);
        let own_scale = TL_WIDTH / (end - start) as f64;
        let top = y + 28.0;
        let _ = writeln!(
            body,
            "<g class=\"panel\" data-index=\"{i}\" data-strategy=\"{s}\" data-top=\"{top}\" data-lanes=\"{workers}\" data-start-ns=\"{start}\" data-span-ns=\"{span}\"><text x=\"4\" y=\"{ty}\" font-weight=\"bold\" font-size=\"16\">{label}</text><text x=\"{right}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"14\">{overlap:.2} workers at once · run {wall}</text>",
            s = escape(&text(&t["strategy"])),
            span = end - start,
            label = escape(&timeline_label(t)),
            ty = y + 18.0,
            right = TL_LEFT + TL_WIDTH,
            overlap = t["overlap"].as_f64().unwrap_or(0.0),
            wall = ms_label(t["wall_s"].as_f64().unwrap_or(0.0) * 1e3),
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
            for s in spans(c, cpu_bound, scale) {
                let color = match s.state {
                    State::Running => RUNNING,
                    State::Waiting => WAITING,
                };
                let _ = write!(
                    body,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{TL_LANE}\" fill=\"{color}\"/>",
                    TL_LEFT + s.from,
                    top + s.lane as f64 * (TL_LANE + TL_GAP),
                    (s.to - s.from).max(0.5)
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

// ---------------------------------------------------------------- verify

fn badge(verdict: &str) -> String {
    let class = match verdict {
        "holds" => "holds",
        "does not hold" => "fails",
        "depends" => "depends",
        _ => "untested",
    };
    format!("<span class=\"badge {class}\">{}</span>", escape(verdict))
}

fn verify(r: &Value) -> String {
    let claims = list(&r["claims"]);
    let mut out = format!(
        "<section class=\"report verify\">\n<h1>gil-lab verify{}: the documents' claims, checked</h1>\n",
        if r["quick"].as_bool() == Some(true) {
            " --quick"
        } else {
            ""
        }
    );
    let others = list(&r["others"])
        .iter()
        .map(text)
        .collect::<Vec<_>>()
        .join(", ");
    out += &facts(&[
        ("interpreter", text(&r["interpreter"])),
        (
            "also used",
            if others.is_empty() {
                "no other interpreter found".into()
            } else {
                others
            },
        ),
        ("machine", machine_line(&r["machine"])),
        (
            "checked",
            format!(
                "{} claims in {} s",
                claims.len(),
                r["seconds"]
                    .as_f64()
                    .map_or("–".into(), |s| format!("{s:.0}"))
            ),
        ),
        ("gil-lab", text(&r["gil_lab_version"])),
    ]);
    out += &busy_warning(&r["machine"], "figures");
    let mut verdicts: Vec<(String, usize)> = Vec::new();
    for c in claims {
        let v = text(&c["verdict"]);
        match verdicts.iter_mut().find(|(k, _)| *k == v) {
            Some(entry) => entry.1 += 1,
            None => verdicts.push((v, 1)),
        }
    }
    out += "<p class=\"tally\">";
    for (v, n) in &verdicts {
        let _ = write!(out, "{} × {n} ", badge(v));
    }
    out += "</p>\n<div class=\"scroll\"><table class=\"claims\"><thead><tr><th class=\"num\">#</th><th>claim</th><th>verdict</th><th>evidence (measured now)</th></tr></thead><tbody>\n";
    for c in claims {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{n}</td><td><a href=\"#claim-{n}\">{id}</a></td><td>{b}</td><td>{e}</td></tr>",
            n = escape(&text(&c["number"])),
            id = escape(&text(&c["id"])),
            b = badge(&text(&c["verdict"])),
            e = escape(&text(&c["evidence"]))
        );
    }
    out += "</tbody></table></div>\n";
    for c in claims {
        out += &claim(c);
    }
    out + "</section>\n"
}

fn claim(c: &Value) -> String {
    let n = escape(&text(&c["number"]));
    let mut out = format!(
        "<article class=\"claim\" id=\"claim-{n}\">\n<h2>{n}. {} {}</h2>\n<blockquote>{}</blockquote>\n<p class=\"source\">{}</p>\n",
        escape(&text(&c["id"])),
        badge(&text(&c["verdict"])),
        escape(&text(&c["claim"])),
        escape(&text(&c["source"]))
    );
    let _ = writeln!(
        out,
        "<p><b>Experiment</b> ({}, {:.1} s): {}</p>\n<p><b>Evidence:</b> {}</p>\n<p><b>Verdict: {}.</b> {}</p>",
        escape(&text(&c["interpreter"])),
        c["seconds"].as_f64().unwrap_or(0.0),
        escape(&text(&c["experiment"])),
        escape(&text(&c["evidence"])),
        escape(&text(&c["verdict"])),
        escape(&text(&c["explanation"]))
    );
    let figures = list(&c["figures"]);
    if !figures.is_empty() {
        out += "<div class=\"scroll\"><table class=\"figures\"><thead><tr><th>figure</th><th class=\"num\">value</th><th>unit</th><th class=\"num\">spread (min–max)</th><th>interpreter</th></tr></thead><tbody>\n";
        for f in figures {
            let spread = match list(&f["spread"]) {
                [a, b] => match (a.as_f64(), b.as_f64()) {
                    (Some(a), Some(b)) => format!("{}–{}", number(a), number(b)),
                    _ => "–".into(),
                },
                _ => "–".into(),
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                escape(&text(&f["name"])),
                f["value"].as_f64().map_or("–".into(), number),
                escape(&text(&f["unit"])),
                spread,
                escape(&text(&f["interpreter"]))
            );
        }
        out += "</tbody></table></div>\n";
    }
    if let Some(svg) = claim_chart(c) {
        out += &svg;
    }
    out + "</article>\n"
}

/// The figures that share the commonest unit (not `bool`), as bars; `None`
/// when fewer than two do.
fn claim_chart(c: &Value) -> Option<String> {
    let figures = list(&c["figures"]);
    let mut units: Vec<(String, usize)> = Vec::new();
    for f in figures {
        let u = text(&f["unit"]);
        if u == "bool" {
            continue;
        }
        match units.iter_mut().find(|(k, _)| *k == u) {
            Some(e) => e.1 += 1,
            None => units.push((u, 1)),
        }
    }
    let unit = units.iter().max_by_key(|(_, n)| *n)?.0.clone();
    let items: Vec<(String, f64)> = figures
        .iter()
        .filter(|f| text(&f["unit"]) == unit)
        .filter_map(|f| {
            let v = f["value"].as_f64()?;
            (v.is_finite() && v >= 0.0).then(|| (text(&f["name"]), v))
        })
        .collect();
    (items.len() >= 2).then(|| {
        bars(
            &format!("claim {}: {}", text(&c["number"]), text(&c["id"])),
            &unit,
            &items,
        )
    })
}

/// Horizontal bars, one per labelled value.
fn bars(title: &str, unit: &str, items: &[(String, f64)]) -> String {
    let (top, row, label_w, plot_w) = (40.0, 28.0, 330.0, 420.0);
    let max = items.iter().map(|i| i.1).fold(0.0, f64::max).max(1e-12);
    let height = top + items.len() as f64 * row + 16.0;
    let width = label_w + plot_w + 160.0;
    let mut out = format!(
        "<svg class=\"bars\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"16\" fill=\"{INK}\" role=\"img\" aria-label=\"{t}\"><text x=\"10\" y=\"24\" font-size=\"17\" font-weight=\"bold\">{t}</text>\n",
        t = escape(title)
    );
    for (k, (label, value)) in items.iter().enumerate() {
        let y = top + k as f64 * row;
        let w = (value / max * plot_w).max(1.0);
        let _ = writeln!(
            out,
            "<text x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{l}</text><rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h}\" fill=\"{PYTHON_COLOR}\"/><text x=\"{vx:.1}\" y=\"{ty:.1}\">{v} {u}</text>",
            lx = label_w - 8.0,
            ty = y + 17.0,
            l = escape(label),
            h = row - 6.0,
            vx = label_w + w + 6.0,
            v = number(*value),
            u = escape(unit)
        );
    }
    out + "</svg>\n"
}

// ---------------------------------------------------------------- sweep

/// One line of a chart: its label, its points and whether it is a reference (dashed).
type Series = (String, Vec<(f64, f64)>, bool);

/// A line chart; reference series are drawn dashed and grey.
fn line_chart(title: &str, x_label: &str, y_label: &str, log_x: bool, series: &[Series]) -> String {
    let (w, h, left, right, top, bottom) = (820.0, 440.0, 70.0, 210.0, 44.0, 56.0);
    let tx = |x: f64| if log_x { x.max(1e-12).log10() } else { x };
    let (mut x0, mut x1, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64);
    for &(x, y) in series.iter().flat_map(|s| s.1.iter()) {
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
    let y1 = if y1 > 0.0 { y1 * 1.08 } else { 1.0 };
    let (pw, ph) = (w - left - right, h - top - bottom);
    let px = |x: f64| left + (tx(x) - x0) / (x1 - x0) * pw;
    let py = |y: f64| top + ph - y / y1 * ph;
    let mut out = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"16\" fill=\"{INK}\" role=\"img\" aria-label=\"{t}\"><text x=\"{left}\" y=\"26\" font-size=\"18\" font-weight=\"bold\">{t}</text><rect x=\"{left}\" y=\"{top}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#888\"/>\n",
        t = escape(title)
    );
    for t in ticks(0.0, y1) {
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{0}\" y1=\"{1:.1}\" y2=\"{1:.1}\" stroke=\"#e3e6ea\"/><text x=\"{2}\" y=\"{3:.1}\" text-anchor=\"end\" font-size=\"15\">{4}</text>",
            left + pw,
            py(t),
            left - 6.0,
            py(t) + 4.0,
            tick_label(t)
        );
    }
    // Counts (workers) get whole ticks only; a log axis gets its decades.
    let whole = log_x
        || series
            .iter()
            .flat_map(|s| s.1.iter())
            .all(|p| p.0.fract() == 0.0);
    for t in ticks(x0, x1) {
        if whole && t.fract().abs() > 1e-9 {
            continue;
        }
        let value = if log_x { 10f64.powf(t) } else { t };
        let label = if value >= 1e6 {
            format!("{}M", tick_label(value / 1e6))
        } else if value >= 1e3 {
            format!("{}k", tick_label(value / 1e3))
        } else {
            tick_label(value)
        };
        let _ = write!(
            out,
            "<text x=\"{0:.1}\" y=\"{1}\" text-anchor=\"middle\" font-size=\"15\">{label}</text>",
            left + (t - x0) / (x1 - x0) * pw,
            top + ph + 18.0
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\">{2}</text><text x=\"16\" y=\"{3}\" transform=\"rotate(-90 16 {3})\" text-anchor=\"middle\">{4}</text>",
        left + pw / 2.0,
        h - 14.0,
        escape(x_label),
        top + ph / 2.0,
        escape(y_label)
    );
    let mut colors = [
        PYTHON_COLOR,
        RUST_COLOR,
        "#15803d",
        "#7e22ce",
        "#be185d",
        "#4d7c0f",
    ]
    .iter()
    .cycle();
    for (i, (label, points, reference)) in series.iter().enumerate() {
        let (stroke, dash) = if *reference {
            ("#6b7280", " stroke-dasharray=\"6 4\"")
        } else {
            (*colors.next().unwrap_or(&INK), "")
        };
        let path: Vec<String> = points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"3\"{dash}/>",
            path.join(" ")
        );
        if !reference {
            for &(x, y) in points {
                let _ = write!(
                    out,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{stroke}\"><title>{}: {} at {}</title></circle>",
                    px(x),
                    py(y),
                    escape(label),
                    number(y),
                    number(x)
                );
            }
        }
        let ly = top + 14.0 + i as f64 * 22.0;
        let _ = writeln!(
            out,
            "<line x1=\"{0}\" x2=\"{1}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{stroke}\" stroke-width=\"3\"{dash}/><text x=\"{2}\" y=\"{3}\">{4}</text>",
            w - right + 12.0,
            w - right + 36.0,
            w - right + 42.0,
            ly + 5.0,
            escape(label)
        );
    }
    out + "</svg>\n"
}

fn notes(v: &Value) -> String {
    let items: Vec<String> = list(&v["notes"]).iter().map(text).collect();
    if items.is_empty() {
        return String::new();
    }
    let mut out = String::from("<ul class=\"notes\">");
    for n in items {
        let _ = write!(out, "<li>{}</li>", escape(&n));
    }
    out + "</ul>\n"
}

fn sweep_workers(s: &Value) -> String {
    let curves = list(&s["curves"]);
    let max = curves
        .iter()
        .flat_map(|c| {
            list(&c["points"])
                .iter()
                .filter_map(|p| p["workers"].as_u64())
        })
        .max()
        .unwrap_or(1);
    let mut out = String::from(
        "<section class=\"report sweep\">\n<h1>gil-lab sweep workers: speedup by worker count</h1>\n",
    );
    out += &facts(&[
        ("interpreter", text(&s["interpreter"])),
        ("machine", machine_line(&s["machine"])),
        ("workload", text(&s["workload"])),
        (
            "speedup",
            format!(
                "sequential fastest ÷ model fastest of {} runs, same total work",
                text(&s["runs"])
            ),
        ),
    ]);
    out += &busy_warning(&s["machine"], "figures");
    out += "<div class=\"scroll\"><table class=\"results\"><thead><tr><th>model</th>";
    for n in 1..=max {
        let _ = write!(out, "<th class=\"num\">{n} w</th>");
    }
    out += "<th class=\"num\">serial fraction</th><th class=\"num\">predicted at 8</th></tr></thead><tbody>\n";
    for c in curves {
        let _ = write!(
            out,
            "<tr data-strategy=\"{0}\"><th>{0}</th>",
            escape(&text(&c["model"]))
        );
        let points = list(&c["points"]);
        for n in 1..=max {
            let cell = points
                .iter()
                .find(|p| p["workers"].as_u64() == Some(n))
                .map_or("–".into(), |p| num(&p["speedup"], 2));
            let _ = write!(out, "<td class=\"num\">{cell}</td>");
        }
        let fit = &c["fit"];
        let serial = match (
            fit["serial_fraction"].as_f64(),
            fit["serial_fraction_error"].as_f64(),
        ) {
            (Some(f), Some(e)) => format!("{f:.3} ± {e:.3}"),
            (Some(f), None) => format!("{f:.3}"),
            _ => "–".into(),
        };
        let _ = writeln!(
            out,
            "<td class=\"num\">{serial}</td><td class=\"num\">{}</td></tr>",
            fit["predicted"]["8"]
                .as_f64()
                .map_or("–".into(), |v| format!("{v:.2}×"))
        );
    }
    out += "</tbody></table></div>\n<p>Serial fraction: Amdahl's law fitted to the points up to the CPU count (± standard error).</p>\n";
    let mut series = vec![(
        "ideal (n×)".to_string(),
        (1..=max).map(|n| (n as f64, n as f64)).collect::<Vec<_>>(),
        true,
    )];
    for c in curves {
        series.push((
            text(&c["model"]),
            list(&c["points"])
                .iter()
                .filter_map(|p| Some((p["workers"].as_f64()?, p["speedup"].as_f64()?)))
                .collect(),
            false,
        ));
    }
    out += &line_chart(
        &format!("Speedup by workers · {}", text(&s["interpreter"])),
        "workers",
        "speedup ×",
        false,
        &series,
    );
    for h in list(&s["headroom"]) {
        let _ = writeln!(
            out,
            "<p>Small task ({} iterations) with {} CPU(s) kept busy: median {} ms, max {} ms over {} probes.</p>",
            escape(&text(&h["probe_size"])),
            escape(&text(&h["busy_workers"])),
            num(&h["probe_ms"]["median"], 2),
            num(&h["probe_ms"]["max"], 2),
            escape(&text(&h["probes"]))
        );
    }
    out += &notes(s);
    out + "</section>\n"
}

/// A row's value as a cell: spreads as `median (min–max)`, nested objects in one line.
fn value_cell(v: &Value) -> String {
    match v {
        Value::Number(n) => n.as_f64().map_or(n.to_string(), number),
        Value::Object(o) if o.contains_key("median") => match (
            o["median"].as_f64(),
            o.get("min").and_then(Value::as_f64),
            o.get("max").and_then(Value::as_f64),
        ) {
            (Some(m), Some(a), Some(b)) => format!("{} ({}–{})", number(m), number(a), number(b)),
            (Some(m), _, _) => number(m),
            _ => v.to_string(),
        },
        other => text(other),
    }
}

/// A row's columns: nested objects that are not spreads become `key.sub` columns.
fn flatten(row: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (k, v) in row.as_object().into_iter().flatten() {
        match v.as_object() {
            Some(o) if !o.contains_key("median") => {
                out.extend(o.iter().map(|(sub, x)| (format!("{k}.{sub}"), x.clone())))
            }
            _ => out.push((k.clone(), v.clone())),
        }
    }
    out
}

fn rows_table(rows: &[Value]) -> String {
    let flat: Vec<Vec<(String, Value)>> = rows.iter().map(flatten).collect();
    let mut columns: Vec<&str> = Vec::new();
    for r in &flat {
        for (k, _) in r {
            if !columns.contains(&k.as_str()) {
                columns.push(k);
            }
        }
    }
    let mut out = String::from("<div class=\"scroll\"><table class=\"results\"><thead><tr>");
    for c in &columns {
        // Long keys (after_touch.pss_kb) may break after a dot or an underscore.
        let name = escape(c).replace('.', ".<wbr>").replace('_', "_<wbr>");
        let _ = write!(out, "<th>{name}</th>");
    }
    out += "</tr></thead><tbody>\n";
    for r in &flat {
        out += "<tr>";
        for c in &columns {
            let v = r
                .iter()
                .find(|(k, _)| k == c)
                .map_or(&Value::Null, |(_, v)| v);
            let class = if v.is_number() || v.is_object() {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", escape(&value_cell(v)));
        }
        out += "</tr>\n";
    }
    out + "</tbody></table></div>\n"
}

fn sweep_rows(v: &Value) -> String {
    let rows = list(&v["rows"]);
    let what = if rows.iter().any(|r| r.get("route").is_some()) {
        "ipc"
    } else if rows.iter().any(|r| r.get("pss_kb").is_some()) {
        "memory"
    } else {
        ""
    };
    let mut out = format!(
        "<section class=\"report sweep\">\n<h1>gil-lab sweep {what}</h1>\n{}",
        facts(&[("interpreter", text(&v["interpreter"]))])
    );
    out += &rows_table(rows);
    if what == "ipc" {
        let mut series: Vec<Series> = Vec::new();
        for r in rows {
            let (Some(route), Some(bytes), Some(ms)) = (
                r["route"].as_str(),
                r["payload_bytes"].as_f64(),
                r["ms_per_mb"].as_f64(),
            ) else {
                continue;
            };
            match series.iter_mut().find(|s| s.0 == route) {
                Some(s) => s.1.push((bytes, ms)),
                None => series.push((route.into(), vec![(bytes, ms)], false)),
            }
        }
        out += &line_chart(
            "Round trip cost per MB",
            "payload bytes (log scale)",
            "ms per MB",
            true,
            &series,
        );
        if let Some(c) = v["crossover"].as_object() {
            out += "<h2>Where a process pool starts to pay</h2>\n";
            if let Some(m) = c.get("measured_by") {
                let _ = writeln!(out, "<p>{}</p>", escape(&text(m)));
            }
            out += &rows_table(list(&v["crossover"]["rows"]));
            let _ = writeln!(
                out,
                "<p>Crossover: {} iterations per task ({} CPU s); pool overhead {} µs per task.</p>",
                escape(&value_cell(&v["crossover"]["iterations"])),
                escape(&value_cell(&v["crossover"]["cpu_seconds"])),
                escape(&value_cell(&v["crossover"]["overhead_us_per_task"]))
            );
        }
    } else if what == "memory" {
        let items: Vec<(String, f64)> = rows
            .iter()
            .filter_map(|r| {
                Some((
                    format!(
                        "{} · preload {} MB",
                        r["worker"].as_str()?,
                        r["preload_mb"].as_u64().unwrap_or(0)
                    ),
                    r["pss_kb"].as_f64()? / 1024.0,
                ))
            })
            .collect();
        if !items.is_empty() {
            out += &bars("PSS per worker", "MB", &items);
        }
    }
    out += &notes(v);
    out + "</section>\n"
}

// ---------------------------------------------------------------- live

fn live(r: &Value) -> String {
    let unit = text(&r["unit"]);
    let mut out = format!(
        "<section class=\"report live\">\n<h1>gil-lab live {}</h1>\n",
        escape(&text(&r["scenario"]))
    );
    out += &facts(&[
        ("Python", interpreter_ref(&r["python"])),
        ("machine", machine_line(&r["machine"])),
        (
            "workload",
            format!(
                "chunks of {} · {} s per group · rates in {unit} per 0.5 s window",
                text(&r["workload"]),
                text(&r["duration_s"])
            ),
        ),
        ("groups", text(&r["why_one_after_another"])),
    ]);
    out += &busy_warning(&r["machine"], "figures");
    out += &live_table(r);
    let timelines = list(&r["timelines"]);
    if !timelines.is_empty() {
        out += &timelines_block(
            timelines,
            r["unit"].as_str() != Some("waits/s"),
            "axis-live",
            "Chunk timelines (the first 1.5 s of each group)",
        );
    }
    out + "</section>\n"
}

/// The summary table of a live report; the live page draws the same from the same JSON.
pub fn live_table(r: &Value) -> String {
    let unit = escape(&text(&r["unit"]));
    let mut out = format!(
        "<div class=\"scroll\"><table class=\"results summary\"><thead><tr><th>group</th><th class=\"num\">workers</th><th>runs in</th><th class=\"num\">rate {unit} median (min–max)</th><th class=\"num\">× one worker</th><th class=\"num\">CPUs busy</th><th class=\"num\">GIL wait</th><th class=\"num\">per worker {unit}</th></tr></thead><tbody>\n"
    );
    for g in list(&r["groups"]) {
        let id = text(&g["id"]);
        let runs_in = match g["interpreter"]["version"].as_str() {
            Some(v) if id.starts_with("rust") => format!("Rust + {v}"),
            Some(v) => v.to_string(),
            None => "Rust (native)".into(),
        };
        let per_worker = list(&g["worker_rates"])
            .iter()
            .filter_map(Value::as_f64)
            .map(|x| format!("{x:.1}"))
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(
            out,
            "<tr data-strategy=\"{id}\"><th>{id}</th><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&text(&g["workers"])),
            escape(&runs_in),
            spread(&g["rate"], 1),
            spread(&g["vs_one_worker"], 2),
            spread(&g["cpus_busy"], 2),
            spread(&g["gil_contention"], 2),
            escape(&per_worker),
            id = escape(&id)
        );
        if let Some(e) = g["error"].as_str() {
            let _ = writeln!(
                out,
                "<tr class=\"error\"><td colspan=\"8\">{} failed: {}</td></tr>",
                escape(&id),
                escape(e.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(e))
            );
        }
    }
    out += "</tbody></table></div>\n<ul class=\"notes\">";
    for reference in list(&r["references"]) {
        let _ = write!(
            out,
            "<li>1× = {}: {} {unit} ({})</li>",
            escape(&text(&reference["what"])),
            num(&reference["rate"], 1),
            escape(&text(&reference["measured_by"]))
        );
    }
    for s in list(&r["skipped"]) {
        let _ = write!(out, "<li>not shown: {}</li>", escape(&text(s)));
    }
    out + "</ul>\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The JSON between the data element's tags, read back as the page's script reads it.
    fn embedded(page: &str) -> Value {
        let open = "<script type=\"application/json\" id=\"gil-lab-data\">";
        let from = page.find(open).expect("data element") + open.len();
        let to = from
            + page[from..]
                .find("</script>")
                .expect("end of the data element");
        serde_json::from_str(&page[from..to]).expect("embedded JSON parses")
    }

    #[test]
    fn json_cannot_close_its_script_element() {
        let nasty = json!({
            "note": "</script><script>alert(1)</script> <!-- & -->",
            "scenario": "x</SCRIPT>",
            "line": "a\u{2028}b"
        });
        let page = page("t", &nasty.to_string(), "<p>body</p>");
        assert_eq!(
            page.matches("</script>").count(),
            2,
            "only the two real ends"
        );
        assert!(!page.to_lowercase().contains("</script><script>alert"));
        assert!(!page.contains("<!-- &"));
        assert_eq!(embedded(&page), nasty, "the same data reads back");
    }

    #[test]
    fn markers_in_values_are_not_substituted_again() {
        let page = page("{{BODY}}", "{\"a\":\"{{JS}}\"}", "{{DATA}}");
        assert!(page.contains("<title>{{BODY}}</title>"));
        assert!(page.contains("{{DATA}}"));
        assert_eq!(embedded(&page)["a"], "{{JS}}");
    }

    #[test]
    fn text_is_escaped_in_html() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    /// 10 ms in ns: py-threads' staircase steps.
    const MS: u64 = 10_000_000;

    fn report() -> Value {
        let row = |strategy: &str, implementation: &str, wall: f64, speedup: f64| {
            json!({
                "strategy": strategy, "implementation": implementation, "method": "mock",
                "interpreter": null, "workers": 2, "runs": 3, "repeats": 1,
                "wall_s": {"median": wall, "min": wall * 0.9, "max": wall * 1.1},
                "startup_s": 0.0015, "cpu_s": wall * speedup, "parallelism": speedup,
                "speedup": speedup, "speedup_median": speedup * 0.95,
                "vs_python_sequential": speedup, "efficiency": speedup / 2.0,
                "overlap": speedup, "handoffs": 12.0, "gil_contention": 0.5,
                "checksum": 1, "status": "ok", "available": true, "error": null,
                "note": null, "verdict": format!("{strategy} <verdict>")
            })
        };
        let chunk = |worker: u64, start_ns: u64, end_ns: u64, cpu_ns: u64| json!({"worker": worker, "start_ns": start_ns, "end_ns": end_ns, "cpu_ns": cpu_ns});
        json!({
            "gil_lab_version": "0.1.0",
            "machine": {"cpus": 2, "os": "linux", "arch": "x86_64", "busy_cpus": 1.5},
            "interpreter": {"implementation": "CPython", "python_version": "3.11.7",
                "executable": "/opt/python3.11", "gil_disabled": false},
            "scenario": "threading",
            "workload": {"kernel": "sum_squares", "description": "sum(i*i for i in range(4000000))",
                "size": 4000000, "size_unit": "iterations", "tasks": 2, "chunk": 40000},
            "settings": {"workers": 2, "runs": 3, "warmup": 1, "start_method": "fork", "interleaved": true},
            "results": [row("py-sequential", "python", 0.5, 1.0), row("py-threads", "python", 0.52, 0.96),
                        row("rayon", "rust", 0.002, 1.9)],
            "free_threading": [],
            "timelines": [
                {"strategy": "py-threads", "interpreter": null, "wall_s": 0.03, "workers": 2, "overlap": 1.0,
                 "chunks": [chunk(0, 0, MS, MS), chunk(1, 0, 2 * MS, MS), chunk(0, MS, 3 * MS, MS)]},
                {"strategy": "rayon", "interpreter": null, "wall_s": 3e-6, "workers": 2, "overlap": 2.0,
                 "chunks": [chunk(0, 100, 3100, 3000), chunk(1, 100, 3100, 3000)]}
            ]
        })
    }

    #[test]
    fn a_compare_page_draws_table_bars_and_timelines_without_script() {
        let data = report();
        assert_eq!(kind(&data), Kind::Compare);
        let page = report_page(&data);
        for s in ["py-sequential", "py-threads", "rayon"] {
            assert!(
                page.contains(&format!("<tr data-strategy=\"{s}\"")),
                "{s} row"
            );
        }
        assert!(page.contains("py-threads &lt;verdict&gt;"));
        assert!(page.contains("<svg class=\"speedup\""));
        assert!(page.contains("<svg class=\"timelines\""));
        assert!(page.contains("class=\"own-axis\""));
        assert!(page.contains("class=\"warning\""), "busy machine");
        assert_eq!(page.matches("<g class=\"panel\"").count(), 2);
        assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
        let reread: Value = serde_json::from_str(&data.to_string()).unwrap();
        assert_eq!(embedded(&page), reread);
    }

    #[test]
    fn timelines_share_one_axis_unless_each_row_has_its_own() {
        let data = report();
        let html = timelines_block(list(&data["timelines"]), true, "a", "t");
        // rayon's 3 µs: under a pixel beside 30 ms on the shared axis, the full width on its own.
        let rayon = &html[html.find("data-strategy=\"rayon\"").unwrap()..];
        let shared = &rayon
            [rayon.find("<g class=\"shared\">").unwrap()..rayon.find("<g class=\"own\">").unwrap()];
        let own = &rayon[rayon.find("<g class=\"own\">").unwrap()..];
        assert!(shared.contains("width=\"0.5\""), "{shared}");
        assert!(own.contains(&format!("width=\"{TL_WIDTH:.1}\"")), "{own}");
        // py-threads: the staircase has two waits (w1 from 0, w0 from 10).
        let threads = &html[..html.find("data-strategy=\"rayon\"").unwrap()];
        let own = &threads[threads.find("<g class=\"own\">").unwrap()..];
        assert_eq!(own.matches(&format!("fill=\"{WAITING}\"")).count(), 2);
        assert_eq!(own.matches(&format!("fill=\"{RUNNING}\"")).count(), 3);
    }

    #[test]
    fn verify_claims_get_badges_and_charts() {
        let data = json!({
            "gil_lab_version": "0.1.0", "machine": {"cpus": 2, "os": "linux", "arch": "x86_64", "busy_cpus": 0.0},
            "interpreter": "CPython 3.11.7", "others": [], "quick": true, "seconds": 3.0,
            "claims": [{"id": "shared-counter-needs-lock", "number": 14, "claim": "c", "source": "s",
                "experiment": "e", "interpreter": "3.11.7", "evidence": "lost 0 of 400000",
                "verdict": "holds", "explanation": "x", "seconds": 1.0,
                "figures": [{"name": "a", "value": 1.0, "unit": "s", "spread": [0.9, 1.1], "interpreter": null},
                            {"name": "b", "value": 2.0, "unit": "s", "spread": null, "interpreter": null}]}]
        });
        assert_eq!(kind(&data), Kind::Verify);
        let html = body(&data);
        assert!(html.contains("<span class=\"badge holds\">holds</span>"));
        assert!(html.contains("<svg class=\"bars\""));
        assert!(html.contains("id=\"claim-14\""));
    }

    #[test]
    fn every_kind_is_recognised_by_its_shape() {
        assert_eq!(kind(&json!({"reports": []})), Kind::CompareAll);
        assert_eq!(kind(&json!({"curves": []})), Kind::SweepWorkers);
        assert_eq!(kind(&json!({"rows": []})), Kind::SweepRows);
        assert_eq!(kind(&json!({"groups": [], "references": []})), Kind::Live);
        assert_eq!(kind(&json!({})), Kind::Unknown);
    }
}
