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
//! The drawing takes already-serialized JSON (a [`serde_json::Value`]) and
//! returns a `String`; it measures nothing. [`data`] builds that JSON from the
//! typed results, through the `--json` export's own renderer. The assets
//! (`web/report.html`, `report.css`, `report.js`, `live.html`, `live.js`) are
//! compiled in with `include_str!`.
//!
//! The embedded object is the `--json` export with one addition: compare
//! reports (each report of `all`, too) and live reports carry a `timelines`
//! array, one entry per strategy or group, as `report::Timeline` serializes:
//! `{"strategy", "interpreter": {version, path, gil_disabled} | null,
//! "wall_s", "workers", "overlap", "chunks": [{"worker", "start_ns", "end_ns",
//! "cpu_ns"}]}`. Without it the page simply has no timelines.

use std::fmt::Write;

use serde_json::Value;

mod compare;
pub mod data;
mod diagnose;
mod live;
mod sweep;
mod timelines;
mod verify;

use compare::*;
use diagnose::*;
use live::*;
pub use live::{live_page, live_table};
use sweep::*;
use timelines::*;
use verify::*;

const TEMPLATE: &str = include_str!("../../../web/report.html");
const CSS: &str = include_str!("../../../web/report.css");
const JS: &str = include_str!("../../../web/report.js");

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
    Diagnose,
    Unknown,
}

pub fn kind(data: &Value) -> Kind {
    let has = |k: &str| data.get(k).is_some();
    if has("verdict") && has("threads") && has("predictions") {
        Kind::Diagnose
    } else if has("reports") {
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
        Kind::Diagnose => format!("gil-lab diagnose {}", text(&data["program"])),
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
        Kind::Diagnose => diagnose(data),
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
    if (x.fract() == 0.0 && a < 1e15) || a >= 1000.0 {
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

#[cfg(test)]
mod tests;
